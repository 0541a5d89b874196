"""The fake GitHub's releases and release assets (mixed into `FakeGitHub`).

    GET    /repos/{o}/{r}/releases                      drafts included; per_page, page, Link next
    POST   /repos/{o}/{r}/releases                      201; 422 without tag_name or for a tag
                                                        that already has a release
    GET    /repos/{o}/{r}/releases/{id}
    PATCH  /repos/{o}/{r}/releases/{id}                 name, body, draft, prerelease, tag_name
    GET    /repos/{o}/{r}/releases/tags/{tag}           published releases only (drafts: 404)
    GET    /repos/{o}/{r}/releases/{id}/assets
    POST   /repos/{o}/{r}/releases/{id}/assets?name=    the upload (raw body); 422 for a name the
                                                        release already has
    DELETE /repos/{o}/{r}/releases/assets/{id}          204

Every release and asset answer is built to GitHub's `release` and `release-asset` schemas; an
asset carries its `digest` (`sha256:...`) as GitHub's do. `upload_url` leads to the same server
(GitHub's is on uploads.github.com). Seeded and dumped in the state under "releases".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from tests.support.fake_github import Reply, Repo, Token, User


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Asset:
    id: int
    name: str
    content_type: str
    content: bytes
    uploader: str
    label: str | None = None
    created_at: str = field(default_factory=_now)

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.content).hexdigest()


@dataclass
class Release:
    id: int
    repo: str
    tag_name: str
    author: str
    name: str | None = None
    body: str | None = None
    draft: bool = False
    prerelease: bool = False
    target_commitish: str = "main"
    assets: list[Asset] = field(default_factory=list)
    created_at: str = field(default_factory=_now)
    published_at: str | None = None


class ReleasesMixin:
    """State and routes for releases; FakeGitHub calls `_route_releases` and the state hooks."""

    users: dict[str, User]
    repos: dict[str, Repo]
    web_url: str

    def _load_releases(self, state: dict[str, Any]) -> None:
        self._releases: dict[int, Release] = {}
        self._next_release_id = 180_000_001
        self._next_asset_id = 250_000_001
        for item in state.get("releases", []):
            data = dict(item)
            assets = [
                Asset(**{**a, "content": base64.b64decode(a["content"])})
                for a in data.pop("assets", [])
            ]
            release = Release(**data, assets=assets)
            self._releases[release.id] = release
            self._next_release_id = max(self._next_release_id, release.id + 1)
            for asset in assets:
                self._next_asset_id = max(self._next_asset_id, asset.id + 1)

    def _releases_state(self) -> list[dict[str, Any]]:
        return [
            {
                **{k: v for k, v in vars(r).items() if k != "assets"},
                "assets": [
                    {
                        **{k: v for k, v in vars(a).items() if k != "content"},
                        "content": base64.b64encode(a.content).decode(),
                    }
                    for a in r.assets
                ],
            }
            for r in self._releases.values()
        ]

    def releases(self, repo: str) -> list[Release]:
        """The repository's releases (drafts included), oldest first (live objects)."""
        return [r for r in self._releases.values() if r.repo == repo]

    # -- routes -----------------------------------------------------------------------------

    def _route_releases(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        raw: bytes,
        headers: dict[str, str],
        token: Token,
        base: str,
    ) -> Reply | None:
        """The answer for a releases path, or None when the path is not one."""
        from tests.support.fake_github import _error

        m = re.fullmatch(
            r"/repos/([^/]+/[^/]+)/releases(?:/(\d+|tags/[^/]+|assets/\d+))?(/assets)?", path
        )
        if not m:
            return None
        repo = self.repos.get(m[1])
        if repo is None:
            return _error(404, "Not Found")
        write = method in {"POST", "PATCH", "DELETE"}
        if write and token.read_only:
            return _error(403, "Resource not accessible by integration")
        what, assets = m[2], m[3]
        if what is None and not assets:
            if method == "GET":
                return self._list_releases(repo.full_name, query, base)
            if method == "POST":
                return self._create_release(repo.full_name, raw, token, base)
            return _error(404, "Not Found")
        if what and what.startswith("tags/"):
            tag = what.removeprefix("tags/")
            found = [
                r
                for r in self.releases(repo.full_name)
                if r.tag_name == tag and not r.draft and method == "GET" and not assets
            ]
            if not found:
                return _error(404, "Not Found")
            return self._reply(200, self._release_json(found[0], base))
        if what and what.startswith("assets/"):
            asset_id = int(what.removeprefix("assets/"))
            for release in self.releases(repo.full_name):
                for asset in release.assets:
                    if asset.id == asset_id and method == "DELETE" and not assets:
                        release.assets.remove(asset)
                        return self._reply(204, None)
                    if asset.id == asset_id and method == "GET" and not assets:
                        return self._reply(200, self._asset_json(release, asset, base))
            return _error(404, "Not Found")
        release = self._releases.get(int(what or 0))
        if release is None or release.repo != repo.full_name:
            return _error(404, "Not Found")
        if assets and method == "GET":
            return self._reply(200, [self._asset_json(release, a, base) for a in release.assets])
        if assets and method == "POST":
            return self._upload(release, query, raw, headers, token, base)
        if not assets and method == "GET":
            return self._reply(200, self._release_json(release, base))
        if not assets and method == "PATCH":
            return self._update_release(release, raw, base)
        return _error(404, "Not Found")

    @staticmethod
    def _reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
        from tests.support.fake_github import Reply

        return Reply(status, body, headers or {})

    @staticmethod
    def _invalid(code: str, field_name: str, resource: str = "Release") -> Reply:
        from tests.support.fake_github import _error

        return _error(
            422,
            "Validation Failed",
            errors=[{"resource": resource, "code": code, "field": field_name}],
        )

    def _list_releases(self, repo: str, query: dict[str, str], base: str) -> Reply:
        per_page = min(100, max(1, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
        # GitHub lists the newest first.
        items = list(reversed(self.releases(repo)))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            link = f"{base}/repos/{repo}/releases?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{link}>; rel="next"'
        return self._reply(200, [self._release_json(r, base) for r in chunk], headers)

    def _fields(self, raw: bytes) -> dict[str, Any] | Reply:
        from tests.support.fake_github import _error

        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return _error(400, "Problems parsing JSON")
        if not isinstance(data, dict):
            return _error(400, "Problems parsing JSON")
        return data

    def _create_release(self, repo: str, raw: bytes, token: Token, base: str) -> Reply:
        data = self._fields(raw)
        if not isinstance(data, dict):
            return data
        tag = data.get("tag_name")
        if not isinstance(tag, str) or not tag:
            return self._invalid("missing_field", "tag_name")
        if any(r.tag_name == tag for r in self.releases(repo)):
            return self._invalid("already_exists", "tag_name")
        release = Release(
            self._next_release_id,
            repo,
            tag,
            token.login,
            name=data.get("name"),
            body=data.get("body"),
            draft=bool(data.get("draft", False)),
            prerelease=bool(data.get("prerelease", False)),
            target_commitish=data.get("target_commitish") or "main",
        )
        if not release.draft:
            release.published_at = release.created_at
        self._next_release_id += 1
        self._releases[release.id] = release
        body = self._release_json(release, base)
        return self._reply(201, body, {"Location": body["url"]})

    def _update_release(self, release: Release, raw: bytes, base: str) -> Reply:
        data = self._fields(raw)
        if not isinstance(data, dict):
            return data
        for key in ("name", "body", "tag_name", "target_commitish"):
            if isinstance(data.get(key), str):
                setattr(release, key, data[key])
        if isinstance(data.get("prerelease"), bool):
            release.prerelease = data["prerelease"]
        if isinstance(data.get("draft"), bool):
            if release.draft and not data["draft"]:
                release.published_at = _now()
            release.draft = data["draft"]
        return self._reply(200, self._release_json(release, base))

    def _upload(
        self,
        release: Release,
        query: dict[str, str],
        raw: bytes,
        headers: dict[str, str],
        token: Token,
        base: str,
    ) -> Reply:
        name = query.get("name")
        if not name:
            return self._invalid("missing_field", "name", "ReleaseAsset")
        if any(a.name == name for a in release.assets):
            return self._invalid("already_exists", "name", "ReleaseAsset")
        asset = Asset(
            self._next_asset_id,
            name,
            headers.get("content-type") or "application/octet-stream",
            raw,
            token.login,
            label=query.get("label"),
        )
        self._next_asset_id += 1
        release.assets.append(asset)
        return self._reply(201, self._asset_json(release, asset, base))

    # -- bodies -----------------------------------------------------------------------------

    def _user_json(self, login: str, base: str) -> dict[str, Any]:
        fake: Any = self
        return dict(fake._simple_user(fake.add_user(login), base))

    def _asset_json(self, release: Release, asset: Asset, base: str) -> dict[str, Any]:
        web = f"{self.web_url}/{release.repo}/releases/download/{quote(release.tag_name)}"
        return {
            "url": f"{base}/repos/{release.repo}/releases/assets/{asset.id}",
            "browser_download_url": f"{web}/{quote(asset.name)}",
            "id": asset.id,
            "node_id": f"RA_kwDO{asset.id:012d}",
            "name": asset.name,
            "label": asset.label,
            "state": "uploaded",
            "content_type": asset.content_type,
            "size": len(asset.content),
            "digest": asset.digest,
            "download_count": 0,
            "created_at": asset.created_at,
            "updated_at": asset.created_at,
            "uploader": self._user_json(asset.uploader, base),
        }

    def _release_json(self, release: Release, base: str) -> dict[str, Any]:
        api = f"{base}/repos/{release.repo}/releases/{release.id}"
        tag = quote(release.tag_name, safe="")
        html_tag = "untagged-" + f"{release.id:x}" if release.draft else tag
        return {
            "url": api,
            "html_url": f"{self.web_url}/{release.repo}/releases/tag/{html_tag}",
            "assets_url": f"{api}/assets",
            "upload_url": f"{api}/assets{{?name,label}}",
            "tarball_url": f"{base}/repos/{release.repo}/tarball/{tag}",
            "zipball_url": f"{base}/repos/{release.repo}/zipball/{tag}",
            "id": release.id,
            "node_id": f"RE_kwDO{release.id:012d}",
            "tag_name": release.tag_name,
            "target_commitish": release.target_commitish,
            "name": release.name,
            "body": release.body,
            "draft": release.draft,
            "prerelease": release.prerelease,
            "immutable": False,
            "created_at": release.created_at,
            "published_at": release.published_at,
            "updated_at": release.created_at,
            "author": self._user_json(release.author, base),
            "assets": [self._asset_json(release, a, base) for a in release.assets],
        }
