"""GitHub API contract checks: Stoplight Prism as a validating proxy in front of the fake GitHub.

    client --> Prism proxy (GitHub's OpenAPI description, --errors) --> FakeGitHub

Prism checks each request against GitHub's official OpenAPI description before forwarding it,
and each response of the fake on the way back. What it does on a violation (Prism 5.14, seen
empirically):

* request violation (e.g. POST a comment without `body`, or `body: 5`): not forwarded; Prism
  answers 422 `application/problem+json`, type `https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY`,
  with the details under `validation`; it logs `✖  error  Request terminated with error: ...`.
* response violation of severity Error (missing required field, wrong type or media type):
  Prism replaces the response by a 500 `application/problem+json`, type `...#VIOLATIONS`, with
  the same details in the `sl-violations` header; it logs `✖  error ...#VIOLATIONS`.
* a status code the operation does not declare (e.g. a 502, or a rate-limit 403 on a GET that
  only declares 200/404): passed through unchanged but with an `sl-violations` header of
  severity Warning; it logs `⚠  warning   Violation: response Unable to match the returned
  status code ...`. GitHub's description omits such statuses, so tests that inject them call
  `check.allow(UNDECLARED_STATUS)`.
* a path not in the description: 404 problem+json `...#NO_PATH_MATCHED_ERROR`.
* an upstream 501: Prism logs a warning and answers with a made-up mock instead (hence the fake
  never answers 501).

`ContractCheck` turns all of these into a test failure: it scans Prism's log (every `✖  error`,
`⚠  warning` or "Remocking" line since it was created). Lines may reach the log after the
response, so the check first sends a uniquely named request and waits for it in the log. The
log names only the request; `ContractCheck.session()` gives a session that also notes the
specifics from the responses for the failure message (`-v debug` would log them, but also the
Authorization header, so it is not used). GitHubClient retries Prism's 500, so one broken
response shows up as several attempts.

Prism takes 12-23 s to load the 13 MB description here (2 shared cores); `PrismProxy.start`
polls until it answers (timeout 180 s) and `stop` kills its process group. In a test:

    with github_api_proxy(tmp_path) as (fake, proxy):      # FakeGitHub + PrismProxy, started
        check = ContractCheck(proxy)
        ... GitHubClient(WORKFLOW_TOKEN, api_url=proxy.url) ...
        check.verify()                                     # raises ContractViolation

For a fake in a subprocess: `proxy = PrismProxy(None, log_path=...)`, start the fake with
`public_url=proxy.url`, then `proxy.upstream = fake.url; proxy.start()`.
`require_prism()` skips a test when Prism is not installed, but fails it when CI=true.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import requests

from tests.support.fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
PRISM_BIN = ROOT / "node_modules" / ".bin" / "prism"
GITHUB_SPEC = ROOT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
STARTUP_TIMEOUT = 180.0

# Log lines that mean a contract problem, and the one kind tests may expect.
_PROBLEM = re.compile(r"✖\s+error|⚠\s+warning|Remocking the call|Violation:")
UNDECLARED_STATUS = re.compile(r"Unable to match the returned status code")
_SYNC_PATH = "/__modelci_contract_sync__/"


class ContractViolation(AssertionError):
    """A request or response broke GitHub's OpenAPI description."""


def prism_missing() -> str | None:
    """Why Prism cannot run here, or None if it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not PRISM_BIN.exists():
        return f"{PRISM_BIN.relative_to(ROOT)} is missing: run `npm ci`"
    if not GITHUB_SPEC.exists():
        return f"{GITHUB_SPEC.relative_to(ROOT)} is missing: run `npm ci`"
    return None


def require_prism() -> None:
    """Skip the calling test if Prism is missing, except in CI (CI=true), where it fails."""
    from tests.support.tools import skip_or_fail

    reason = prism_missing()
    if reason is not None:
        skip_or_fail(f"GitHub API contract check needs Prism: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PrismProxy:
    """`prism proxy --errors` for GitHub's description, forwarding to `upstream`."""

    def __init__(
        self,
        upstream: str | None,
        *,
        log_path: Path,
        port: int | None = None,
        spec: Path = GITHUB_SPEC,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.upstream = upstream
        self.log_path = log_path
        self.port = port or free_port()
        self.spec = spec
        self.startup_timeout = startup_timeout
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrismProxy:
        if self.upstream is None:
            raise ValueError("set PrismProxy.upstream before start()")
        cmd = [str(PRISM_BIN), "proxy", "--errors", "-p", str(self.port), "-h", "127.0.0.1"]
        cmd += [str(self.spec), self.upstream]
        self._log = self.log_path.open("ab")
        began = time.monotonic()
        # Its own process group, so that stop() also ends any child node process.
        self._process = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        try:
            self._wait_until_up(began)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _wait_until_up(self, began: float) -> None:
        assert self._process is not None
        while time.monotonic() - began < self.startup_timeout:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Prism exited with {self._process.returncode}; log {self.log_path}:\n"
                    + self._tail()
                )
            try:
                # Any answer (a 404 for this unknown path) means it is listening.
                requests.get(f"{self.url}{_SYNC_PATH}ready", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError(
            f"Prism did not answer within {self.startup_timeout:.0f} s; log {self.log_path}:\n"
            + self._tail()
        )

    def _tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> PrismProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the log ----------------------------------------------------------------------------

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def sync(self, timeout: float = 30.0) -> None:
        """Wait until everything Prism handled so far is in its log."""
        tag = f"{_SYNC_PATH}{uuid.uuid4().hex}"
        start = self.log_size()
        requests.get(f"{self.url}{tag}", timeout=10)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log_path.open("rb") as log:
                log.seek(start)
                text = log.read().decode("utf-8", errors="replace")
            # Its last line ("Request terminated with error: ...NO_PATH_MATCHED...").
            if any(tag in line and "error" in line for line in text.splitlines()):
                return
            time.sleep(0.05)
        raise RuntimeError(f"Prism's log {self.log_path} did not show {tag} within {timeout} s")

    def problems(self, since: int = 0, *, allow: Iterable[re.Pattern[str]] = ()) -> list[str]:
        """Contract problems Prism logged after byte offset `since`, minus allowed ones."""
        self.sync()
        with self.log_path.open("rb") as log:
            log.seek(since)
            lines = log.read().decode("utf-8", errors="replace").splitlines()
        allowed = list(allow)
        return [
            line
            for line in lines
            if _PROBLEM.search(line)
            and _SYNC_PATH not in line
            and not any(p.search(line) for p in allowed)
        ]


class ContractCheck:
    """Collects Prism's complaints from its creation on; `verify()` raises if there are any."""

    def __init__(self, proxy: PrismProxy) -> None:
        self.proxy = proxy
        proxy.sync()  # so that what earlier tests caused is not counted against this one
        self.since = proxy.log_size()
        self.allowed: list[re.Pattern[str]] = []
        self.details: list[str] = []

    def session(self) -> requests.Session:
        """A session that notes what Prism says about each flagged response, for the report.

        Prism's log names only the request; the specifics are in the `sl-violations` header
        (response problems) or the problem+json body (request problems). Its debug log would
        have them but also the Authorization header, so it is not used.
        """
        session = requests.Session()
        session.hooks["response"].append(self._note)
        return session

    def _note(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        where = f"{response.request.method} {urlsplit(response.url).path} -> {response.status_code}"
        if header := response.headers.get("sl-violations"):
            self.details.append(f"{where}: {header}")
        elif response.headers.get("content-type", "").startswith("application/problem+json"):
            self.details.append(f"{where}: {response.text}")

    def allow(self, *patterns: re.Pattern[str]) -> None:
        """Tolerate log lines matching these (e.g. UNDECLARED_STATUS for an injected 502)."""
        self.allowed.extend(patterns)

    def problems(self) -> list[str]:
        return self.proxy.problems(self.since, allow=self.allowed)

    def verify(self) -> None:
        problems = self.problems()
        if problems:
            details = [d for d in self.details if not any(p.search(d) for p in self.allowed)]
            raise ContractViolation(
                f"{len(problems)} GitHub API contract violation(s) (Prism log "
                f"{self.proxy.log_path}):\n"
                + "\n".join(problems)
                + ("\nWhat Prism said:\n" + "\n".join(details) if details else "")
            )


@dataclass
class ProxiedGitHub:
    """What the per-test fixture gives: the fake, the proxy's URL, and the test's check."""

    fake: FakeGitHub
    url: str  # the proxy's: every call through it is checked against GitHub's description
    contract: ContractCheck


@contextlib.contextmanager
def github_api_proxy(
    workdir: Path, fake: FakeGitHub | None = None
) -> Iterator[tuple[FakeGitHub, PrismProxy]]:
    """A started FakeGitHub behind a started PrismProxy (log: workdir/prism.log)."""
    fake = fake or FakeGitHub()
    proxy = PrismProxy(None, log_path=workdir / "prism.log")
    # Links the fake writes must lead back through the proxy, which rewrites Host.
    fake.public_url = proxy.url
    with fake:
        proxy.upstream = fake.url
        with proxy:
            yield fake, proxy
