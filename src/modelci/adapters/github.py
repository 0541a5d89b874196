"""A small GitHub REST client: one session, retries with bounded backoff, errors with hints.

Every request carries a timeout. Server errors, connection failures and rate limits (primary:
`x-ratelimit-remaining: 0`; secondary: `Retry-After` or a "secondary rate limit" message) are
retried with exponential backoff, each wait capped at `max_wait` seconds and the whole call at
`max_attempts` attempts. Other failures become the `GitHubError` family from `modelci.errors`,
whose messages may name the method and path but never the token.
Reference: https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from modelci import __version__
from modelci.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    UsageError,
)

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
# The identity behind the workflow's GITHUB_TOKEN, which cannot read `GET /user`.
ACTIONS_BOT_LOGIN = "github-actions[bot]"

# (connect, read) seconds: a stuck connection must not hang the CI job.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_WAIT = 60.0
# GitHub asks for at least a minute after a secondary limit that names no Retry-After.
SECONDARY_DEFAULT_WAIT = 60.0

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
# Characters requests refuses in a header value; its error would quote the whole value.
_BAD_TOKEN_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")

_REJECTED_HINT = (
    "Check the `github-token` input of the action (or the GITHUB_TOKEN secret / "
    "--github-token): it may be missing, expired or revoked."
)
_FORK_NOTE = (
    "Pull requests from forks get a read-only GITHUB_TOKEN, so modelci cannot comment on them "
    "from a `pull_request` workflow."
)


def _small_jitter(delay: float) -> float:
    """Spread retries of parallel jobs a little (up to +10%) so they do not hit GitHub together."""
    return delay * (1.0 + 0.1 * random.random())  # noqa: S311 - not security-sensitive


def _required_permission(method: str, path: str) -> str:
    """The `permissions:` entry a workflow needs for this call (for the 403 hint)."""
    write = method.upper() not in {"GET", "HEAD"}
    if "/issues/" in path or path.endswith("/issues"):
        if write:
            return "`pull-requests: write` (or `issues: write`)"
        return "`pull-requests: read` (or `issues: read`)"
    if "/pulls" in path:
        return "`pull-requests: write`" if write else "`pull-requests: read`"
    return "`contents: write`" if write else "`contents: read`"


def _resource_name(path: str) -> str:
    """Name the resource a path addresses, for the 404 message."""
    if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path):
        return f"comment {m[2]} in {m[1]}"
    if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/(?:issues|pulls)/(\d+)(?:/.*)?", path):
        return f"pull request or issue #{m[2]} in {m[1]}"
    if m := re.fullmatch(r"/repos/([^/]+/[^/]+)(?:/.*)?", path):
        return f"repository {m[1]}"
    return "resource"


def _message_of(response: requests.Response) -> str:
    """GitHub's `message` (and `errors`) text from an error body, or the status reason."""
    try:
        data = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    if not isinstance(data, dict):
        return response.reason or f"HTTP {response.status_code}"
    message = str(data.get("message") or response.reason or f"HTTP {response.status_code}")
    details: list[str] = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            text = error.get("message") or " ".join(
                str(error[k]) for k in ("resource", "field", "code") if error.get(k)
            )
            if text:
                details.append(str(text))
        elif error:
            details.append(str(error))
    return f"{message}: {'; '.join(details)}" if details else message


class GitHubClient:
    """GitHub REST API over one `requests.Session`; the token is never shown.

    `sleep`, `clock` and `jitter` are injectable so that tests of the retry logic neither wait
    nor depend on chance: pass `jitter=None` for exact, deterministic backoff.
    """

    def __init__(
        self,
        token: str,
        *,
        api_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_wait: float = DEFAULT_MAX_WAIT,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[float], float] | None = _small_jitter,
    ) -> None:
        token = token.strip() if token else ""
        if not token:
            raise UsageError(
                "no GitHub token given",
                hint="Pass --github-token or set GITHUB_TOKEN (in a workflow: "
                "`GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`).",
            )
        if _BAD_TOKEN_CHARS.search(token):
            # requests would reject the header with an error quoting the token: refuse first.
            raise GitHubAuthError(
                "the GitHub token contains whitespace or control characters",
                hint="Check how the token is passed: a stray newline or quote often comes "
                "from copying it into a secret.",
            )
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.__token = token
        base = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        if urlsplit(base).scheme not in {"http", "https"}:
            raise UsageError(
                f"the GitHub API URL must start with https:// or http://, not {base!r}",
                hint="Leave --api-url / GITHUB_API_URL unset for github.com.",
            )
        self.api_url = base
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.api_url!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.__token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"modelci/{__version__}",
        }

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.api_url}/{path_or_url.lstrip('/')}"

    def _display(self, url: str) -> str:
        """The path of a URL (no host, no query) for messages."""
        path = urlsplit(url).path
        base = urlsplit(self.api_url).path.rstrip("/")
        return path[len(base) :] if base and path.startswith(base) else path

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        retry_server_errors: bool = True,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """Send one API call (retrying as described above); raise GitHubError on failure.

        `retry_server_errors=False` is for calls that are not idempotent (creating a comment):
        a 5xx may come after GitHub did the work, so the caller checks before trying again.
        Rate limits are still waited out: a rate-limited request was not processed.
        """
        attempts = None if retry_server_errors else 1
        response = self._send(
            method,
            path,
            json=json,
            params=params,
            server_error_attempts=attempts,
            data=data,
            content_type=content_type,
        )
        if response.status_code >= 400:
            raise self._error_for(method, response)
        return response

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        server_error_attempts: int | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """Send with retries; return the final response, even an error one (4xx)."""
        headers = self._headers()
        if content_type is not None:
            headers["Content-Type"] = content_type
        method = method.upper()
        url = self._url(path)
        where = f"{method} {self._display(url)}"
        failures = 0  # server errors and unreachable attempts, for server_error_attempts
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    data=data,
                    params=dict(params) if params else None,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                failures += 1
                if last or failures == server_error_attempts:
                    raise GitHubError(
                        f"could not reach GitHub at {self.api_url} for {where} after "
                        f"{attempt} attempts ({type(error).__name__})",
                        hint="Check the network and --api-url / GITHUB_API_URL.",
                    ) from None
                self._wait(self._backoff_delay(attempt))
                continue

            rate_wait = self._rate_limit_wait(response, attempt)
            if rate_wait is not None:
                if last or rate_wait > self.max_wait:
                    raise self._rate_limit_error(response, where, attempt, rate_wait)
                self._wait(rate_wait)
                continue
            if response.status_code >= 500:
                failures += 1
                if last or failures == server_error_attempts:
                    raise GitHubError(
                        f"GitHub answered {response.status_code} {response.reason} to {where} "
                        f"({self.api_url}) {attempt} times; giving up",
                        status=response.status_code,
                        hint="GitHub may be having an outage (https://www.githubstatus.com); "
                        "re-run the job later.",
                    )
                self._wait(self._backoff_delay(attempt))
                continue
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def decode(self, response: requests.Response) -> Any:
        """The JSON body of an API answer; a GitHubError saying what came instead if it is not.

        A wrong API URL (the web address of a GitHub Enterprise Server instead of its
        /api/v3, a proxy's login page) answers 200 with HTML.
        """
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type") or "no content type"
            start = " ".join(response.text[:80].split())
            url = urlsplit(response.url or self.api_url)._replace(query="").geturl()
            raise GitHubError(
                f"GitHub's API answered {response.status_code} with {kind}, not JSON, from "
                f"{url}" + (f" (it starts: {start!r})" if start else " (an empty body)"),
                status=response.status_code,
                hint="Check --api-url / GITHUB_API_URL: it must be the REST API root "
                "(https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server).",
            ) from None

    def wait_before_retry(self, attempt: int) -> None:
        """The client's own backoff, for callers that retry a whole operation themselves."""
        self._wait(self._backoff_delay(attempt))

    def _wait(self, seconds: float) -> None:
        self._sleep(max(0.0, min(seconds, self.max_wait)))

    def _backoff_delay(self, attempt: int) -> float:
        delay = self.backoff * 2 ** (attempt - 1)
        return min(self.max_wait, self._jitter(delay) if self._jitter else delay)

    def _rate_limit_wait(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait if this response is a rate limit, else None."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return SECONDARY_DEFAULT_WAIT
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(headers.get("x-ratelimit-reset", ""))
            except ValueError:
                return SECONDARY_DEFAULT_WAIT
            # One extra second: the reset time is whole seconds and clocks differ a little.
            return max(0.0, reset - self._clock()) + 1.0
        # Without a stated time the wait is a guess, so the cap shortens it rather than failing.
        if "secondary rate limit" in response.text.lower():
            return min(self.max_wait, SECONDARY_DEFAULT_WAIT)
        if response.status_code == 429:
            return self._backoff_delay(attempt)
        return None

    def _rate_limit_error(
        self, response: requests.Response, where: str, attempt: int, wait: float
    ) -> GitHubRateLimitError:
        if attempt == self.max_attempts:
            why = f"still in force after {attempt} attempts"
        else:
            why = f"would need a wait of {wait:.0f} s, more than the {self.max_wait:.0f} s allowed"
        return GitHubRateLimitError(
            f"GitHub rate limit ({response.status_code}) on {where} ({self.api_url}): {why}",
            status=response.status_code,
            hint="Wait for the limit to reset and re-run the job; many jobs sharing one token "
            "exhaust it quickly.",
        )

    def _error_for(self, method: str, response: requests.Response) -> GitHubError:
        status = response.status_code
        path = self._display(response.url or "")
        where = f"{method.upper()} {path}"
        message = _message_of(response)
        if status == 401:
            return GitHubAuthError(
                f"GitHub rejected the token (401 {message}) on {where}",
                status=status,
                hint=_REJECTED_HINT,
            )
        if status == 403:
            return GitHubAuthError(
                f"the token is not allowed to {where} (403 {message})",
                status=status,
                hint=f"Give the workflow {_required_permission(method, path)} in its "
                f"`permissions:`. {_FORK_NOTE}",
            )
        if status == 404:
            return GitHubNotFoundError(
                f"GitHub found no {_resource_name(path)} ({where}: 404 {message})",
                status=status,
                hint="Check the repository (owner/name) and the pull request number; GitHub "
                "also answers 404 when the token cannot see a private repository.",
            )
        if status == 422:
            return GitHubError(f"GitHub refused {where} (422): {message}", status=status, hint=None)
        return GitHubError(f"GitHub answered {status} to {where}: {message}", status=status)

    # -- helpers ----------------------------------------------------------------------------

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a list endpoint, following `Link: <...>; rel="next"`."""
        query: dict[str, str | int] = {**(params or {}), "per_page": 100}
        url: str | None = self._url(path)
        origin = urlsplit(self.api_url)[:2]
        while url is not None:
            response = self.request("GET", url, params=query)
            items = self.decode(response)
            if not isinstance(items, list):
                raise GitHubError(
                    f"GitHub returned a {type(items).__name__}, not a list, for {path}"
                )
            yield from items
            url = self._next_link(response)
            if url is not None:
                url = urljoin(response.url or self.api_url, url)
                # The next URL carries its own query; never send the token to another host.
                if urlsplit(url)[:2] != origin:
                    raise GitHubError(
                        f"GitHub's pagination link for {path} points to another host; "
                        "not following it"
                    )
                query = {}

    @staticmethod
    def _next_link(response: requests.Response) -> str | None:
        match = _LINK_NEXT.search(response.headers.get("link", ""))
        return match[1] if match else None

    def viewer_login(self) -> str:
        """The login the token acts as; the workflow's GITHUB_TOKEN acts as github-actions[bot].

        An installation token cannot call `GET /user` (403 "Resource not accessible by
        integration"); the workflow's token is such a token, and it posts as github-actions[bot].
        """
        response = self._send("GET", "/user")
        if response.status_code == 403 and "not accessible by integration" in _message_of(response):
            return ACTIONS_BOT_LOGIN
        if response.status_code >= 400:
            raise self._error_for("GET", response)
        data = self.decode(response)
        login = data.get("login") if isinstance(data, dict) else None
        if not isinstance(login, str) or not login:
            raise GitHubError("GitHub's `GET /user` answer has no login")
        return login

    # -- pull requests (https://docs.github.com/rest/pulls/pulls) ---------------------------

    def list_pulls(
        self, repo: str, *, head: str | None = None, base: str | None = None, state: str = "open"
    ) -> list[dict[str, Any]]:
        """`GET /repos/{repo}/pulls`, every page; `head` is `owner:branch` as GitHub wants it."""
        params: dict[str, str | int] = {"state": state}
        if head is not None:
            params["head"] = head
        if base is not None:
            params["base"] = base
        return list(self.paginate(f"/repos/{repo}/pulls", params))

    def create_pull(
        self, repo: str, *, title: str, head: str, base: str, body: str
    ) -> dict[str, Any]:
        """`POST /repos/{repo}/pulls`; not retried on a 5xx (GitHub may have opened it)."""
        response = self.request(
            "POST",
            f"/repos/{repo}/pulls",
            json={"title": title, "head": head, "base": base, "body": body},
            retry_server_errors=False,
        )
        return _object(response, "the new pull request")

    def update_pull(
        self, repo: str, number: int, *, title: str | None = None, body: str | None = None
    ) -> dict[str, Any]:
        """`PATCH /repos/{repo}/pulls/{number}` with the fields given (idempotent, retried)."""
        fields = {k: v for k, v in (("title", title), ("body", body)) if v is not None}
        response = self.request("PATCH", f"/repos/{repo}/pulls/{number}", json=fields)
        return _object(response, f"pull request #{number}")

    def add_labels(self, repo: str, number: int, labels: list[str]) -> list[dict[str, Any]]:
        """`POST /repos/{repo}/issues/{number}/labels` (GitHub creates a label it lacks)."""
        response = self.request(
            "POST", f"/repos/{repo}/issues/{number}/labels", json={"labels": labels}
        )
        data = response.json()
        if not isinstance(data, list):
            raise GitHubError(f"GitHub's answer for the labels of #{number} is not a list")
        return data

    # -- releases (https://docs.github.com/rest/releases) -----------------------------------

    def list_releases(self, repo: str) -> list[dict[str, Any]]:
        """`GET /repos/{repo}/releases`, every page; drafts are included for writers."""
        return list(self.paginate(f"/repos/{repo}/releases"))

    def create_release(self, repo: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /repos/{repo}/releases`; not retried on a 5xx (GitHub may have made it)."""
        response = self.request(
            "POST", f"/repos/{repo}/releases", json=dict(fields), retry_server_errors=False
        )
        return _object(response, "the new release")

    def update_release(
        self, repo: str, release_id: int, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`PATCH /repos/{repo}/releases/{id}` with the fields given (idempotent, retried)."""
        response = self.request("PATCH", f"/repos/{repo}/releases/{release_id}", json=dict(fields))
        return _object(response, f"release {release_id}")

    def list_release_assets(self, repo: str, release_id: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"/repos/{repo}/releases/{release_id}/assets"))

    def delete_release_asset(self, repo: str, asset_id: int) -> None:
        self.request("DELETE", f"/repos/{repo}/releases/assets/{asset_id}")

    def upload_release_asset(
        self, upload_url: str, name: str, data: bytes, *, content_type: str
    ) -> dict[str, Any]:
        """Upload to a release's `upload_url` (its `{?name,label}` template filled in).

        Not retried on a 5xx: the asset may exist; the caller lists the assets and retries.
        The token goes only to the API's own host or GitHub's upload host.
        """
        url = re.sub(r"\{[^}]*\}$", "", upload_url)
        host = urlsplit(url).hostname
        if host not in {urlsplit(self.api_url).hostname, "uploads.github.com"}:
            raise GitHubError(
                f"the release's upload URL points to another host ({host}); not uploading"
            )
        response = self.request(
            "POST",
            url,
            params={"name": name},
            data=data,
            content_type=content_type,
            retry_server_errors=False,
        )
        return _object(response, f"the uploaded asset {name}")


def _object(response: requests.Response, what: str) -> dict[str, Any]:
    data = response.json()
    if not isinstance(data, dict):
        raise GitHubError(f"GitHub's answer for {what} is not an object")
    return data
