"""A stateful fake of the GitHub REST API, for unit, functional and end-to-end tests.

It serves the few endpoints modelci uses, on 127.0.0.1, from a background thread, and answers
with bodies built to GitHub's OpenAPI schemas (checked by the Prism proxy, see `prism.py`):

    GET   /user                                       user token: the user; installation token: 403
    GET   /repos/{o}/{r}/issues/{n}/comments           per_page (max 100), page, Link next/last
    POST  /repos/{o}/{r}/issues/{n}/comments           201; 422 if body missing or > 65,536 chars
    GET   /repos/{o}/{r}/issues/comments/{id}
    PATCH /repos/{o}/{r}/issues/comments/{id}          only the comment's author may edit
    GET   /repos/{o}/{r}/pulls/{n}                     a minimal but schema-valid pull request
    GET   /repos/{o}/{r}/pulls                         state (open, closed, all), head (owner:ref),
                                                       base filters; per_page, page, Link
    POST  /repos/{o}/{r}/pulls                         201; 422 without title/head/base, for an
                                                       unknown head branch or a duplicate open one
    PATCH /repos/{o}/{r}/pulls/{n}                     title, body, state
    POST  /repos/{o}/{r}/issues/{n}/labels             adds labels (creating them), 200 + all labels
    ...   /repos/{o}/{r}/releases...                   releases and their assets (fake_releases.py)

Anything else is a 404 (never 501: Prism's proxy would then answer with a made-up mock).
Unknown tokens get 401, unknown repositories or issues 404, read-only tokens 403.

In a test (the default state has the tokens and repository named by the constants below):

    with FakeGitHub() as gh:                      # or gh = FakeGitHub(); gh.start() ... gh.stop()
        gh.add_comments(DEFAULT_REPO, 1, 120, author="someone")   # seed 120 earlier comments
        gh.enqueue_server_error(502)              # the next request gets a 502 ...
        gh.enqueue_secondary_rate_limit(retry_after=1, method="POST")  # ... the next POST a 403
        client = GitHubClient(WORKFLOW_TOKEN, api_url=gh.url)
        ...
        assert [(r.method, r.status) for r in gh.requests] == [...]
        assert [c.body for c in gh.comments(DEFAULT_REPO, 1)] == [...]

Tokens: `USER_TOKEN` acts as the user `octocat` (GET /user works); `WORKFLOW_TOKEN` is an
installation token like the workflow's GITHUB_TOKEN (GET /user answers 403 "Resource not
accessible by integration"; its comments are by `github-actions[bot]`, type "Bot");
`READ_ONLY_TOKEN` is the read-only token a pull request from a fork gets (writes answer 403).

Standalone, for end-to-end tests that run a workflow with act in a subprocess:

    python -m tests.support.fake_github --port 0 --state state.json [--host 127.0.0.1]
                                        [--public-url URL] [--web-url URL]

seeds from state.json when it exists and is not empty (same format as `FakeGitHub.to_state()`;
every key optional: "tokens", "users", "repos", "comments", "script"), then rewrites it after
every request and on exit, adding "url" (where it listens) and "requests" (the request log), so
a test can wait for "url" to appear and assert on "comments" and "requests" afterwards. It also
prints `FAKE_GITHUB_URL=<url>` on standard output once listening, and stops on SIGTERM or
SIGINT. `start_fake_github_process()` below does all of that for a pytest fixture. act's job
containers use the host network by default, so 127.0.0.1 reaches the fake from a workflow step.

`public_url` is the base written into `Link` headers and `url` fields; set it to the proxy's
URL when the fake runs behind Prism (which rewrites the Host header to the upstream's).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.support.fake_releases import ReleasesMixin

MAX_COMMENT_CHARS = 65_536
DOCS = "https://docs.github.com/rest"

USER_TOKEN = "ghp_fakeUserToken0000000000000000000000"
WORKFLOW_TOKEN = "ghs_fakeWorkflowToken00000000000000000"
READ_ONLY_TOKEN = "ghs_fakeForkReadOnlyToken0000000000000"
USER_LOGIN = "octocat"
BOT_LOGIN = "github-actions[bot]"
DEFAULT_REPO = "octo-org/model-repo"
DEFAULT_PR = 1

SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "F00D:CAFE:1234567:89ABCDE:6543210F."
)
PRIMARY_RATE_LIMIT_MESSAGE = "API rate limit exceeded for installation ID 12345678."
NOT_ACCESSIBLE_MESSAGE = "Resource not accessible by integration"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # "User", "Bot" or "Organization"


@dataclass
class Token:
    login: str
    installation: bool = False  # an app installation token: GET /user answers 403
    read_only: bool = False  # e.g. the token of a pull request from a fork


@dataclass
class Issue:
    number: int
    pull: bool = True  # a pull request (every pull request is also an issue)
    title: str = "Improve the model"
    author: str = USER_LOGIN
    head: str | None = None  # the head branch; None: `feature-{number}`
    base: str = "main"
    body: str | None = None
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    created_at: str = "2026-01-01T00:00:00Z"
    updated_at: str = "2026-01-01T00:00:00Z"


@dataclass
class Repo:
    full_name: str
    id: int
    issues: dict[int, Issue] = field(default_factory=dict)
    private: bool = False
    # Branches a pull request may come from (as if pushed); None: any branch exists.
    branches: set[str] | None = None


@dataclass
class Comment:
    id: int
    repo: str
    issue: int
    body: str
    author: str
    created_at: str
    updated_at: str


@dataclass
class Scripted:
    """A canned response for the next request matching `method` and the `path` regex."""

    status: int
    body: Any = None  # JSON-able, or str for a raw (non-JSON) body
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None  # regex searched in the request path (no query)
    # Do the work first, then answer with this: GitHub failing *after* creating a comment.
    after_processing: bool = False


@dataclass
class LoggedRequest:
    method: str
    path: str  # with the query string
    status: int
    login: str | None = None  # whom the token belonged to, if anyone
    scripted: bool = False


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def default_state() -> dict[str, Any]:
    """Two tokens and a repository with pull requests #1 and #2 (and an issue, #3)."""
    return {
        "users": {
            USER_LOGIN: {"id": 583231, "type": "User"},
            BOT_LOGIN: {"id": 41898282, "type": "Bot"},
            "octo-org": {"id": 9919, "type": "Organization"},
        },
        "tokens": {
            USER_TOKEN: {"login": USER_LOGIN},
            WORKFLOW_TOKEN: {"login": BOT_LOGIN, "installation": True},
            READ_ONLY_TOKEN: {"login": BOT_LOGIN, "installation": True, "read_only": True},
        },
        "repos": {DEFAULT_REPO: {"id": 700000001, "pulls": [1, 2], "issues": [3]}},
        "comments": [],
    }


def _error(status: int, message: str, docs: str = DOCS, **extra: Any) -> Reply:
    return Reply(
        status, {"message": message, "documentation_url": docs, "status": str(status), **extra}
    )


_TOO_LONG = f"body is too long (maximum is {MAX_COMMENT_CHARS} characters)"


def _invalid_pull(**error: str) -> Reply:
    """GitHub's 422 for a pull request it refuses, with one `errors` entry."""
    return _error(422, "Validation Failed", errors=[{"resource": "PullRequest", **error}])


class FakeGitHub(ReleasesMixin):
    """In-memory GitHub: tokens, users, repositories, issues, comments; see the module doc."""

    def __init__(
        self,
        state: dict[str, Any] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike[str] | None = None,
        public_url: str | None = None,
        web_url: str = "https://github.com",
    ) -> None:
        self.host = host
        self.port = port
        self.state_file = Path(state_file) if state_file else None
        self.public_url = public_url
        self.web_url = web_url.rstrip("/")
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.load_state(default_state() if state is None else state)

    # -- state ------------------------------------------------------------------------------

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace everything (users, tokens, repos, comments, script, log) with `state`."""
        with self._lock:
            self.users: dict[str, User] = {}
            self.tokens: dict[str, Token] = {}
            self.repos: dict[str, Repo] = {}
            self._comments: dict[int, Comment] = {}
            self.script: list[Scripted] = []
            self.requests: list[LoggedRequest] = []
            self._next_user_id = 7_000_000
            self._next_comment_id = 2_000_000_001
            self._load_releases(state)
            for login, user in state.get("users", {}).items():
                self.add_user(login, type=user.get("type", "User"), id=user.get("id"))
            for token, info in state.get("tokens", {}).items():
                self.add_token(
                    token,
                    info["login"],
                    installation=info.get("installation", False),
                    read_only=info.get("read_only", False),
                )
            for name, repo in state.get("repos", {}).items():
                self.add_repo(
                    name,
                    pulls=repo.get("pulls", [DEFAULT_PR]),
                    issues=repo.get("issues", []),
                    id=repo.get("id"),
                )
            for p in state.get("pull_requests", []):
                details = dict(p)
                self.add_repo(details.pop("repo"), pulls=[]).issues[int(p["number"])] = Issue(
                    **details
                )
            for c in sorted(state.get("comments", []), key=lambda c: int(c["id"])):
                self._comments[int(c["id"])] = Comment(**c)
                self._next_comment_id = max(self._next_comment_id, int(c["id"]) + 1)
            for s in state.get("script", []):
                self.script.append(Scripted(**s))
            self.requests.extend(LoggedRequest(**r) for r in state.get("requests", []))
            self._changed()

    def reset(self) -> None:
        """Back to `default_state()`, with an empty script and request log."""
        self.load_state(default_state())

    def to_state(self) -> dict[str, Any]:
        """Everything, as JSON-able data (the format of the standalone --state file)."""
        with self._lock:
            return {
                "url": self.url if self._server else None,
                "users": {u.login: {"id": u.id, "type": u.type} for u in self.users.values()},
                "tokens": {
                    t: {"login": i.login, "installation": i.installation, "read_only": i.read_only}
                    for t, i in self.tokens.items()
                },
                "repos": {
                    r.full_name: {
                        "id": r.id,
                        "pulls": [n for n, i in r.issues.items() if i.pull],
                        "issues": [n for n, i in r.issues.items() if not i.pull],
                    }
                    for r in self.repos.values()
                },
                "pull_requests": [
                    {"repo": r.full_name, **asdict(i)}
                    for r in self.repos.values()
                    for i in r.issues.values()
                    if i.pull and i.head is not None
                ],
                "comments": [asdict(c) for c in self._comments.values()],
                "releases": self._releases_state(),
                "script": [asdict(s) for s in self.script],
                "requests": [asdict(r) for r in self.requests],
            }

    def _changed(self) -> None:
        if self.state_file is None:
            return
        # Write to a temporary file and rename, so a reader never sees half a file.
        text = json.dumps(self.to_state(), indent=1)
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".fake-github-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, self.state_file)

    # -- seeding ----------------------------------------------------------------------------

    def add_user(self, login: str, *, type: str = "User", id: int | None = None) -> User:
        with self._lock:
            if login not in self.users:
                if id is None:
                    self._next_user_id += 1
                    id = self._next_user_id
                self.users[login] = User(login, id, type)
            return self.users[login]

    def add_token(
        self, token: str, login: str, *, installation: bool = False, read_only: bool = False
    ) -> None:
        with self._lock:
            self.add_user(login, type="Bot" if login.endswith("[bot]") else "User")
            self.tokens[token] = Token(login, installation, read_only)

    def add_repo(
        self,
        full_name: str,
        *,
        pulls: list[int] | tuple[int, ...] = (DEFAULT_PR,),
        issues: list[int] | tuple[int, ...] = (),
        id: int | None = None,
    ) -> Repo:
        with self._lock:
            repo = self.repos.get(full_name)
            if repo is None:
                repo = Repo(full_name, id if id is not None else 700_000_000 + len(self.repos) + 2)
                self.repos[full_name] = repo
                self.add_user(full_name.split("/")[0], type="Organization")
            for n in pulls:
                repo.issues[n] = Issue(n, pull=True)
            for n in issues:
                repo.issues[n] = Issue(n, pull=False, title="A bug")
            return repo

    def add_pull_request(
        self,
        repo: str,
        *,
        head: str,
        base: str = "main",
        title: str = "Improve the model",
        body: str | None = None,
        author: str = USER_LOGIN,
        state: str = "open",
        labels: tuple[str, ...] = (),
    ) -> int:
        """Seed a pull request from branch `head` (as if opened earlier); returns its number."""
        with self._lock:
            owner = self.add_repo(repo, pulls=[])
            self.add_user(author, type="Bot" if author.endswith("[bot]") else "User")
            number = max(owner.issues, default=0) + 1
            owner.issues[number] = Issue(
                number, True, title, author, head, base, body, state, list(labels)
            )
            self._changed()
            return number

    def pull_requests(self, repo: str = DEFAULT_REPO) -> list[Issue]:
        """Copies of the pull requests opened through the API or `add_pull_request`."""
        with self._lock:
            return [
                Issue(**asdict(i))
                for i in self.repos[repo].issues.values()
                if i.pull and i.head is not None
            ]

    def add_comment(self, repo: str, issue: int, body: str, *, author: str) -> int:
        """Seed one comment (as if `author` wrote it earlier); returns its id."""
        with self._lock:
            self.add_user(author, type="Bot" if author.endswith("[bot]") else "User")
            comment = self._new_comment(repo, issue, body, author)
            self._changed()
            return comment.id

    def add_comments(
        self, repo: str, issue: int, count: int, *, author: str = "someone", body: str = "LGTM {i}"
    ) -> list[int]:
        """Seed `count` comments; `{i}` in `body` becomes the comment's index (0-based)."""
        return [
            self.add_comment(repo, issue, body.format(i=i), author=author) for i in range(count)
        ]

    def _new_comment(self, repo: str, issue: int, body: str, author: str) -> Comment:
        stamp = _now()
        comment = Comment(self._next_comment_id, repo, issue, body, author, stamp, stamp)
        self._next_comment_id += 1
        self._comments[comment.id] = comment
        return comment

    # -- fault injection --------------------------------------------------------------------

    def enqueue(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        after_processing: bool = False,
    ) -> None:
        """Answer the next `times` requests matching `method`/`path` (regex) with this."""
        with self._lock:
            for _ in range(times):
                self.script.append(
                    Scripted(status, body, dict(headers or {}), method, path, after_processing)
                )
            self._changed()

    def enqueue_server_error(self, status: int = 502, **match: Any) -> None:
        self.enqueue(status, {"message": "Server Error"}, **match)

    def enqueue_secondary_rate_limit(self, retry_after: int | None = 1, **match: Any) -> None:
        """GitHub's 403 for a secondary rate limit (with `Retry-After`, unless None)."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        docs = f"{DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        self.enqueue(
            403,
            {"message": SECONDARY_RATE_LIMIT_MESSAGE, "documentation_url": docs, "status": "403"},
            headers=headers,
            **match,
        )

    def enqueue_primary_rate_limit(
        self, reset_at: int | None = None, *, status: int = 403, **match: Any
    ) -> None:
        """GitHub's 403 (or 429) when the hourly quota is used up, resetting at `reset_at`."""
        reset = int(time.time()) + 60 if reset_at is None else reset_at
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core",
        }
        docs = f"{DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-primary-rate-limits"
        self.enqueue(
            status,
            {
                "message": PRIMARY_RATE_LIMIT_MESSAGE,
                "documentation_url": docs,
                "status": str(status),
            },
            headers=headers,
            **match,
        )

    # -- inspection -------------------------------------------------------------------------

    def comments(self, repo: str = DEFAULT_REPO, issue: int = DEFAULT_PR) -> list[Comment]:
        """Copies of the comments on one issue, oldest first."""
        with self._lock:
            return [
                Comment(**asdict(c))
                for c in self._comments.values()
                if c.repo == repo and c.issue == issue
            ]

    def comment(self, comment_id: int) -> Comment:
        with self._lock:
            return Comment(**asdict(self._comments[comment_id]))

    def requests_matching(
        self, method: str | None = None, path: str | None = None
    ) -> list[LoggedRequest]:
        """Logged requests with this method and a path matching the regex `path`."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or re.search(path, r.path))
            ]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self._changed()

    # -- server -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake GitHub is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> FakeGitHub:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-github", daemon=True
        )
        self._thread.start()
        with self._lock:
            self._changed()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            self._changed()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- requests ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Answer one request; `headers` keys are lower-case. Thread-safe."""
        method = method.upper()
        path = urlsplit(target).path
        with self._lock:
            token = self._token(headers)
            login = token.login if token else None
            scripted = self._take_script(method, path)
            if scripted is not None:
                if scripted.after_processing:
                    self._route(method, target, headers, raw, token)
                reply = Reply(scripted.status, scripted.body, dict(scripted.headers))
            else:
                reply = self._route(method, target, headers, raw, token)
            self.requests.append(
                LoggedRequest(method, target, reply.status, login, scripted is not None)
            )
            self._changed()
        return reply

    def _take_script(self, method: str, path: str) -> Scripted | None:
        for i, s in enumerate(self.script):
            if (s.method is None or s.method.upper() == method) and (
                s.path is None or re.search(s.path, path)
            ):
                return self.script.pop(i)
        return None

    def _token(self, headers: dict[str, str]) -> Token | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        return self.tokens.get(value.strip())

    def _base(self, headers: dict[str, str]) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{headers.get('host') or f'{self.host}:{self.port}'}"

    def _route(
        self, method: str, target: str, headers: dict[str, str], raw: bytes, token: Token | None
    ) -> Reply:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not headers.get("authorization"):
            return _error(401, "Requires authentication")
        if token is None:
            return _error(401, "Bad credentials")
        base = self._base(headers)
        if path == "/user" and method == "GET":
            if token.installation:
                return _error(
                    403, NOT_ACCESSIBLE_MESSAGE, f"{DOCS}/users/users#get-the-authenticated-user"
                )
            return Reply(200, self._private_user(self.users[token.login], base))
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls", path)
        if m:
            repo = self.repos.get(m[1])
            if repo is None:
                return _error(404, "Not Found")
            if method == "GET":
                return self._list_pulls(repo, query, base)
            if method == "POST":
                return self._create_pull(repo, raw, token, base)
            return _error(404, "Not Found")
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/labels", path)
        if m and method == "POST":
            repo = self.repos.get(m[1])
            issue = repo.issues.get(int(m[2])) if repo else None
            if repo is None or issue is None:
                return _error(404, "Not Found")
            return self._add_labels(repo, issue, raw, token, base)
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/(issues|pulls)/(\d+)(/comments)?", path)
        if m:
            repo = self.repos.get(m[1])
            issue = repo.issues.get(int(m[3])) if repo else None
            if repo is None or issue is None or (m[2] == "pulls" and not issue.pull):
                return _error(404, "Not Found")
            if m[2] == "pulls" and not m[4] and method == "GET":
                return Reply(200, self._pull_request(repo, issue, base))
            if m[2] == "pulls" and not m[4] and method == "PATCH":
                return self._update_pull(repo, issue, raw, token, base)
            if m[2] == "issues" and m[4] and method == "GET":
                return self._list_comments(repo, issue.number, query, base)
            if m[2] == "issues" and m[4] and method == "POST":
                return self._create_comment(repo, issue.number, raw, token, base)
            return _error(404, "Not Found")
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if m:
            comment = self._comments.get(int(m[2]))
            if comment is None or comment.repo != m[1] or m[1] not in self.repos:
                return _error(404, "Not Found")
            if method == "GET":
                return Reply(200, self._comment_json(comment, base))
            if method == "PATCH":
                return self._update_comment(comment, raw, token, base)
        released = self._route_releases(method, path, query, raw, headers, token, base)
        return released if released is not None else _error(404, "Not Found")

    def _list_comments(self, repo: Repo, number: int, query: dict[str, str], base: str) -> Reply:
        try:
            per_page = min(100, max(1, int(query.get("per_page", "30"))))
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            return _error(422, "Invalid request.\n\nper_page and page must be integers.")
        items = [
            c for c in self._comments.values() if c.repo == repo.full_name and c.issue == number
        ]
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        link = f"{base}/repos/{repo.full_name}/issues/{number}/comments"
        rels = []
        if page > 1:
            rels += [(min(page - 1, last), "prev"), (1, "first")]
        if page < last:
            rels += [(page + 1, "next"), (last, "last")]
        headers = {}
        if rels:
            headers["Link"] = ", ".join(
                f'<{link}?per_page={per_page}&page={p}>; rel="{rel}"' for p, rel in rels
            )
        return Reply(200, [self._comment_json(c, base) for c in chunk], headers)

    def _list_pulls(self, repo: Repo, query: dict[str, str], base: str) -> Reply:
        state = query.get("state", "open")
        if state not in {"open", "closed", "all"}:
            return _error(422, "Validation Failed", errors=[{"field": "state", "code": "invalid"}])
        owner = repo.full_name.split("/")[0]
        head = query.get("head")
        pulls = [
            i
            for i in repo.issues.values()
            if i.pull
            and (state == "all" or i.state == state)
            # GitHub filters by `user:ref-name`; the fake's pull requests are all the owner's.
            and (head is None or head == f"{owner}:{i.head or f'feature-{i.number}'}")
            and (query.get("base") is None or query["base"] == i.base)
        ]
        try:
            per_page = min(100, max(1, int(query.get("per_page", "30"))))
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            return _error(422, "Invalid request.\n\nper_page and page must be integers.")
        chunk = pulls[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(pulls):
            link = f"{base}/repos/{repo.full_name}/pulls?state={state}&per_page={per_page}"
            headers["Link"] = f'<{link}&page={page + 1}>; rel="next"'
        return Reply(200, [self._pull_request(repo, i, base, full=False) for i in chunk], headers)

    @staticmethod
    def _json_object(raw: bytes) -> dict[str, Any] | Reply:
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return _error(400, "Problems parsing JSON")
        if not isinstance(data, dict):
            return _error(400, "Problems parsing JSON")
        return data

    def _create_pull(self, repo: Repo, raw: bytes, token: Token, base: str) -> Reply:
        if token.read_only:
            return _error(403, NOT_ACCESSIBLE_MESSAGE, f"{DOCS}/pulls/pulls#create-a-pull-request")
        data = self._json_object(raw)
        if isinstance(data, Reply):
            return data
        missing = [k for k in ("title", "head", "base") if not isinstance(data.get(k), str)]
        if missing:
            return _invalid_pull(code="missing_field", field=missing[0])
        body = data.get("body")
        if isinstance(body, str) and len(body) > MAX_COMMENT_CHARS:
            return _invalid_pull(code="custom", field="body", message=_TOO_LONG)
        head = str(data["head"]).split(":")[-1]
        if repo.branches is not None and head not in repo.branches:
            return _invalid_pull(field="head", code="invalid")
        if any(i.pull and i.state == "open" and i.head == head for i in repo.issues.values()):
            owner = repo.full_name.split("/")[0]
            return _invalid_pull(
                code="custom", message=f"A pull request already exists for {owner}:{head}."
            )
        number = max(repo.issues, default=0) + 1
        stamp = _now()
        issue = Issue(
            number,
            True,
            str(data["title"]),
            token.login,
            head,
            str(data["base"]),
            body if isinstance(body, str) else None,
            created_at=stamp,
            updated_at=stamp,
        )
        repo.issues[number] = issue
        pull = self._pull_request(repo, issue, base)
        return Reply(201, pull, {"Location": pull["url"]})

    def _update_pull(self, repo: Repo, issue: Issue, raw: bytes, token: Token, base: str) -> Reply:
        if token.read_only:
            return _error(403, NOT_ACCESSIBLE_MESSAGE, f"{DOCS}/pulls/pulls#update-a-pull-request")
        data = self._json_object(raw)
        if isinstance(data, Reply):
            return data
        body = data.get("body")
        if isinstance(body, str) and len(body) > MAX_COMMENT_CHARS:
            return _invalid_pull(code="custom", field="body", message=_TOO_LONG)
        if isinstance(data.get("title"), str):
            issue.title = data["title"]
        if "body" in data:
            issue.body = body if isinstance(body, str) else None
        if data.get("state") in {"open", "closed"}:
            issue.state = data["state"]
        issue.updated_at = _now()
        return Reply(200, self._pull_request(repo, issue, base))

    def _add_labels(self, repo: Repo, issue: Issue, raw: bytes, token: Token, base: str) -> Reply:
        if token.read_only:
            return _error(403, NOT_ACCESSIBLE_MESSAGE, f"{DOCS}/issues/labels")
        data = self._json_object(raw)
        if isinstance(data, Reply):
            return data
        labels = data.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            return _error(422, "Invalid request.\n\nlabels must be a list of strings.")
        for label in labels:
            if label not in issue.labels:
                issue.labels.append(label)
        return Reply(200, [self._label_json(repo, name, base) for name in issue.labels])

    @staticmethod
    def _label_json(repo: Repo, name: str, base: str) -> dict[str, Any]:
        """`label`: id, node_id, url, name, description, color, default."""
        ident = 900_000 + sum(map(ord, name))
        return {
            "id": ident,
            "node_id": f"LA_kwDO{ident:010d}",
            "url": f"{base}/repos/{repo.full_name}/labels/{quote(name, safe='')}",
            "name": name,
            "description": "",  # pull-request-simple wants a string, `label` allows null
            "color": "ededed",
            "default": False,
        }

    @staticmethod
    def _body_of(raw: bytes) -> str | Reply:
        """The `body` field of a JSON request, or the error GitHub would answer."""
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return _error(400, "Problems parsing JSON")
        body = data.get("body") if isinstance(data, dict) else None
        if not isinstance(body, str):
            return _error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if len(body) > MAX_COMMENT_CHARS:
            return _error(
                422,
                "Validation Failed",
                f"{DOCS}/issues/comments#create-an-issue-comment",
                errors=[
                    {
                        "resource": "IssueComment",
                        "code": "custom",
                        "field": "body",
                        "message": f"body is too long (maximum is {MAX_COMMENT_CHARS} characters)",
                    }
                ],
            )
        if not body.strip():
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
            )
        return body

    def _forbidden(self, token: Token) -> Reply | None:
        if token.read_only:
            return _error(403, NOT_ACCESSIBLE_MESSAGE, f"{DOCS}/issues/comments")
        return None

    def _create_comment(
        self, repo: Repo, number: int, raw: bytes, token: Token, base: str
    ) -> Reply:
        if denied := self._forbidden(token):
            return denied
        body = self._body_of(raw)
        if isinstance(body, Reply):
            return body
        comment = self._new_comment(repo.full_name, number, body, token.login)
        data = self._comment_json(comment, base)
        return Reply(201, data, {"Location": data["url"]})

    def _update_comment(self, comment: Comment, raw: bytes, token: Token, base: str) -> Reply:
        if denied := self._forbidden(token):
            return denied
        if comment.author != token.login:
            # The fake keeps it simple: only the author edits (modelci never edits others').
            if token.installation:
                return _error(403, NOT_ACCESSIBLE_MESSAGE)
            return _error(403, "Must have admin rights to Repository.")
        body = self._body_of(raw)
        if isinstance(body, Reply):
            return body
        comment.body = body
        comment.updated_at = _now()
        return Reply(200, self._comment_json(comment, base))

    # -- response bodies (to GitHub's OpenAPI schemas) -------------------------------------

    def _simple_user(self, user: User, base: str) -> dict[str, Any]:
        """`simple-user`: every required field, with GitHub's URL templates."""
        api = f"{base}/users/{quote(user.login, safe='')}"
        slug = user.login.removesuffix("[bot]")
        node_prefix = {"Bot": "BOT_kgDO", "Organization": "O_kgDO"}.get(user.type, "U_kgDO")
        return {
            "login": user.login,
            "id": user.id,
            "node_id": f"{node_prefix}{user.id:08d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.web_url}/apps/{slug}"
            if user.type == "Bot"
            else f"{self.web_url}/{user.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _private_user(self, user: User, base: str) -> dict[str, Any]:
        """`private-user` (what `GET /user` answers to the user's own token)."""
        return {
            **self._simple_user(user, base),
            "user_view_type": "private",
            "name": "The Octocat",
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 8,
            "public_gists": 0,
            "followers": 10,
            "following": 0,
            "created_at": "2011-01-25T18:44:36Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "private_gists": 0,
            "total_private_repos": 1,
            "owned_private_repos": 1,
            "disk_usage": 1024,
            "collaborators": 0,
            "two_factor_authentication": True,
            "plan": {
                "name": "free",
                "space": 976562499,
                "collaborators": 0,
                "private_repos": 10000,
            },
        }

    def _comment_json(self, comment: Comment, base: str) -> dict[str, Any]:
        """`issue-comment`: every required field plus body, author_association, reactions."""
        repo = self.repos[comment.repo]
        user = self.users[comment.author]
        url = f"{base}/repos/{comment.repo}/issues/comments/{comment.id}"
        kind = "pull" if repo.issues.get(comment.issue, Issue(0)).pull else "issues"
        owner = comment.repo.split("/")[0]
        return {
            "id": comment.id,
            "node_id": f"IC_kwDO{comment.id:012d}",
            "url": url,
            "html_url": f"{self.web_url}/{comment.repo}/{kind}/{comment.issue}"
            f"#issuecomment-{comment.id}",
            "body": comment.body,
            "user": self._simple_user(user, base),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "issue_url": f"{base}/repos/{comment.repo}/issues/{comment.issue}",
            "author_association": "OWNER" if comment.author == owner else "NONE",
            "performed_via_github_app": None,
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                **dict.fromkeys(
                    ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0
                ),
            },
        }

    def _repository(self, repo: Repo, base: str) -> dict[str, Any]:
        """`repository`: its ~70 required fields, most of them URL templates."""
        owner_login, name = repo.full_name.split("/")
        api = f"{base}/repos/{repo.full_name}"
        html = f"{self.web_url}/{repo.full_name}"
        templated = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        return {
            "id": repo.id,
            "node_id": f"R_kgDO{repo.id:010d}",
            "name": name,
            "full_name": repo.full_name,
            "owner": self._simple_user(self.add_user(owner_login), base),
            "private": repo.private,
            "html_url": html,
            "description": "A model repository",
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in templated.items()},
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "size": 1024,
            "default_branch": "main",
            "open_issues": len(repo.issues),
            "open_issues_count": len(repo.issues),
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "archived": False,
            "disabled": False,
            "license": None,
            "pushed_at": "2026-01-01T00:00:00Z",
            "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }

    def _pull_request(
        self, repo: Repo, issue: Issue, base: str, *, full: bool = True
    ) -> dict[str, Any]:
        """`pull-request` (or, with full=False, `pull-request-simple` as lists answer)."""
        api = f"{base}/repos/{repo.full_name}"
        html = f"{self.web_url}/{repo.full_name}/pull/{issue.number}"
        author = self._simple_user(self.add_user(issue.author), base)
        repository = self._repository(repo, base)
        owner = repo.full_name.split("/")[0]

        def branch(ref: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": repository["owner"],
                "repo": repository,
            }

        links = {
            "self": f"{api}/pulls/{issue.number}",
            "html": html,
            "issue": f"{api}/issues/{issue.number}",
            "comments": f"{api}/issues/{issue.number}/comments",
            "review_comments": f"{api}/pulls/{issue.number}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{api}/pulls/{issue.number}/commits",
            "statuses": f"{api}/statuses/{'1' * 40}",
        }
        n = issue.number
        simple = {
            "url": links["self"],
            "id": repo.id * 1000 + n,
            "node_id": f"PR_kwDO{repo.id:010d}{n:04d}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": n,
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "user": author,
            "body": issue.body,
            "labels": [self._label_json(repo, name, base) for name in issue.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": None if issue.state == "open" else issue.updated_at,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": branch(issue.head or f"feature-{n}", "1" * 40),
            "base": branch(issue.base, "0" * 40),
            "_links": {key: {"href": href} for key, href in links.items()},
            "author_association": "CONTRIBUTOR",
            "auto_merge": None,
            "draft": False,
        }
        if not full:
            return simple
        return {
            **simple,
            "merged": False,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": len(self.comments(repo.full_name, n)),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": 1,
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as GitHub; every reply has a Content-Length
    server_version = "GitHub.com"
    sys_version = ""

    def _serve(self) -> None:
        fake: FakeGitHub = self.server.fake  # type: ignore[attr-defined]
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body(headers)
        reply = fake.handle(self.command, self.path, headers, raw)
        if isinstance(reply.body, str):
            payload = reply.body.encode()
            content_type = "text/html; charset=utf-8"
        elif reply.body is None and reply.status in (204, 304):
            payload, content_type = b"", ""
        else:
            payload = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        self.send_response(reply.status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(headers.get("content-length") or 0))

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is `FakeGitHub.requests`


# -- running it in another process (for tests that run act) ------------------------------------


@dataclass
class FakeGitHubProcess:
    """A standalone fake in a subprocess; `state()` reads its state file (comments, requests)."""

    process: subprocess.Popen[bytes]
    url: str
    state_file: Path

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        return state

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def start_fake_github_process(
    state_file: Path,
    seed: dict[str, Any] | None = None,
    *,
    host: str = "127.0.0.1",
    public_url: str | None = None,
) -> Iterator[FakeGitHubProcess]:
    """Run `python -m tests.support.fake_github` until the block ends (a fixture's body).

    `seed` (default: `default_state()`) is written to `state_file` first; read what happened
    with `.state()` - also after the block, as the file is rewritten on exit.
    """
    state_file.write_text(json.dumps(default_state() if seed is None else seed), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "tests.support.fake_github", "--host", host, "--port", "0"]
    cmd += ["--state", str(state_file)]
    if public_url:
        cmd += ["--public-url", public_url]
    process = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE)
    handle = None
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()  # returns once it listens, or dies
        if not line.startswith("FAKE_GITHUB_URL="):
            raise RuntimeError(f"the fake GitHub did not start (said {line!r})")
        handle = FakeGitHubProcess(process, line.split("=", 1)[1], state_file)
        yield handle
    finally:
        if handle is not None:
            handle.stop()
        elif process.poll() is None:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fake_github", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--state", type=Path, help="seed from, and write state to, this JSON file")
    parser.add_argument("--public-url", help="base URL for Link headers (e.g. a proxy's)")
    parser.add_argument("--web-url", default="https://github.com")
    args = parser.parse_args(argv)
    seed = None
    if args.state and args.state.exists() and args.state.read_text(encoding="utf-8").strip():
        seed = json.loads(args.state.read_text(encoding="utf-8"))
    fake = FakeGitHub(
        seed,
        host=args.host,
        port=args.port,
        state_file=args.state,
        public_url=args.public_url,
        web_url=args.web_url,
    )
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake.start()
    print(f"FAKE_GITHUB_URL={fake.url}", flush=True)
    while not stopping.wait(0.5):
        pass
    fake.stop()  # writes the final state
    return 0


if __name__ == "__main__":
    sys.exit(main())
