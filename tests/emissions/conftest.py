"""Fixtures for the emissions tests: a replay server standing in for the providers' APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emissions.replay import ReplayServer

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    """A local server replaying provider answers; proxies unset so 127.0.0.1 is reached."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server = ReplayServer()
    yield server
    server.close()
