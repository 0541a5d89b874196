"""Fixtures for the GitHub client tests: the fake GitHub, alone or behind the Prism proxy.

`github_api` (session): (fake, proxied_url) - one Prism per test session (it takes ~20 s).
`api` (per test): the same, with the fake reset and a contract check that fails the test at
teardown if Prism logged any violation during it.
`fake_github` (per test): a fresh fake without Prism, for fast tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.prism import (
    ContractCheck,
    PrismProxy,
    ProxiedGitHub,
    github_api_proxy,
    require_prism,
)


@pytest.fixture(scope="session")
def prism_github(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeGitHub, PrismProxy]]:
    require_prism()
    with github_api_proxy(tmp_path_factory.mktemp("prism")) as (fake, proxy):
        yield fake, proxy


@pytest.fixture(scope="session")
def github_api(prism_github: tuple[FakeGitHub, PrismProxy]) -> tuple[FakeGitHub, str]:
    """(fake, proxied_url): the fake GitHub, reached through the validating Prism proxy."""
    fake, proxy = prism_github
    return fake, proxy.url


@pytest.fixture
def api(prism_github: tuple[FakeGitHub, PrismProxy]) -> Iterator[ProxiedGitHub]:
    fake, proxy = prism_github
    fake.reset()
    check = ContractCheck(proxy)
    yield ProxiedGitHub(fake, proxy.url, check)
    check.verify()  # a contract violation fails the test (as an error at teardown)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake
