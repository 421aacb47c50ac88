"""A Jupyter server whose catalogue runs tests/apps/testapp.py, and a client to drive it.

Test modules opt in by overriding `hpc_config` with `launcher_config`; the catalogue tests in
test_routes.py keep the shipped catalogue.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest
from tornado.httpclient import HTTPResponse

TESTAPP = Path(__file__).with_name("testapp.py")
FAMILYAPP = Path(__file__).with_name("familyapp.py")
# Generous for a busy 2-core CI machine; no test waits for them to pass except `stuckapp`'s.
START_TIMEOUT_S = 30
STUCK_TIMEOUT_S = 2
DEADLINE_S = 45.0

TEST_APPS: dict[str, dict[str, Any]] = {
    "testapp": {
        "title": "Test app",
        "command": [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
        "timeout": START_TIMEOUT_S,
        "args_hint": "--logdir is required",
    },
    # The same app with a short timeout, for the apps that never answer.
    "stuckapp": {
        "title": "Stuck app",
        "command": [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
        "timeout": STUCK_TIMEOUT_S,
    },
    # An app whose processes try to outlive it (setsid, double fork, SIGTERM ignored).
    "familyapp": {
        "title": "Family app",
        "command": [sys.executable, str(FAMILYAPP), "--port", "{port}", "{args}"],
        "timeout": START_TIMEOUT_S,
    },
    "sockapp": {
        "title": "Socket app",
        "command": [sys.executable, str(TESTAPP), "--unix", "{unix_socket}", "{args}"],
        "unix_socket": True,
        "endpoints": 1,
        "timeout": START_TIMEOUT_S,
    },
}


@pytest.fixture
def launcher_config() -> dict[str, Any]:
    """The test catalogue, and a short grace period so that SIGTERM-deaf apps die soon."""
    return {"HPCApps": {"apps": TEST_APPS, "shutdown_grace": 1}}


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Variables of the server's environment that the launch dialog's text may refer to."""
    values = {"HPC_SCRATCH": "/scratch/u1", "HPC_SPACED": "two words"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HPC_UNSET", raising=False)
    return values


class Lab:
    """What the JupyterLab frontend does over HTTP: launch, list, proxy, read logs, stop."""

    def __init__(self, fetch: Any, client: Any, base_url: str, token: str, runtime: Path) -> None:
        self._fetch = fetch
        self._client = client
        self.base_url = base_url
        self.token = token
        self.log_dir = runtime / "jupyterlab-hpc-apps"

    async def post(self, name: str, endpoint: int, body: object) -> HTTPResponse:
        """POST apps/{name}/{endpoint} with `body` (JSON-encoded unless bytes)."""
        data = body if isinstance(body, bytes) else json.dumps(body)
        return await self._fetch(
            "jupyterlab-hpc",
            "apps",
            name,
            str(endpoint),
            method="POST",
            body=data,
            raise_error=False,
        )

    async def launch(
        self, name: str, endpoint: int = 0, args: str = "", env: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Launch, expecting 202, and answer the instance."""
        response = await self.post(name, endpoint, {"args": args, "env": env or {}})
        assert response.code == 202, response.body
        return json.loads(response.body)

    async def stop(self, name: str, endpoint: int = 0) -> None:
        response = await self._fetch(
            "jupyterlab-hpc", "apps", name, str(endpoint), method="DELETE", raise_error=False
        )
        assert response.code == 204, response.body

    async def running(self) -> list[dict[str, Any]]:
        response = await self._fetch("jupyterlab-hpc", "apps", "running")
        assert response.code == 200
        return json.loads(response.body)["instances"]

    async def instance(self, name: str, endpoint: int = 0) -> dict[str, Any] | None:
        for instance in await self.running():
            if (instance["name"], instance["endpoint"]) == (name, endpoint):
                return instance
        return None

    async def wait_state(
        self, name: str, endpoint: int = 0, states: Iterable[str] = ("running",)
    ) -> dict[str, Any]:
        """Poll apps/running until the instance is in one of `states`."""
        wanted = set(states)
        deadline = time.monotonic() + DEADLINE_S
        last = None
        while time.monotonic() < deadline:
            last = await self.instance(name, endpoint)
            if last is not None and last["state"] in wanted:
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"{name}/{endpoint} never reached {sorted(wanted)}: {last}")

    async def get(self, url: str, **kwargs: Any) -> HTTPResponse:
        """GET an absolute path of this server (a proxied URL), with the token by default."""
        headers = kwargs.pop("headers", None) or {"Authorization": f"token {self.token}"}
        return await self._client.fetch(
            url, headers=headers, raise_error=False, request_timeout=DEADLINE_S, **kwargs
        )

    async def record(self, name: str, endpoint: int = 0, query: str = "") -> dict[str, Any]:
        """What the test app saw of a GET /record sent through the proxy."""
        response = await self.get(f"{self.base_url}{name}/{endpoint}/record{query}")
        assert response.code == 200, response.body
        return json.loads(response.body)

    async def log(self, name: str, endpoint: int = 0) -> HTTPResponse:
        return await self._fetch(
            "jupyterlab-hpc", "apps", name, str(endpoint), "log", raise_error=False
        )

    def log_path(self, name: str, endpoint: int = 0) -> Path:
        return self.log_dir / f"{name}-{endpoint}.log"


@pytest.fixture
def lab(
    hpc_app: Any,
    jp_fetch: Any,
    http_server_client: Any,
    jp_base_url: str,
    jp_serverapp: Any,
    jp_runtime_dir: Path,
) -> Lab:
    """A client of the server with the test catalogue."""
    return Lab(
        jp_fetch,
        http_server_client,
        jp_base_url,
        jp_serverapp.identity_provider.token,
        jp_runtime_dir,
    )


def message(response: HTTPResponse) -> str:
    """The message of a Jupyter API error answer."""
    return str(json.loads(response.body)["message"])


async def is_reaped(pid: int, timeout_s: float = DEADLINE_S) -> bool:
    """Whether the process is gone for good: exited *and* reaped, no zombie left behind.

    The apps are children of this very process (the server runs in pytest's), so a zombie
    would show here until the server reaps it.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            psutil.Process(pid)
        except psutil.NoSuchProcess:
            return True
        await asyncio.sleep(0.02)
    return False


async def wait_for_file(path: Path) -> str:
    """The content of a file another process writes, once it is there."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} was never written")


@pytest.fixture
def localhost_is_ipv6_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """`localhost` resolved as on most Linux systems (`::1 localhost` in /etc/hosts): ::1 first."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        if host != "localhost":
            return real(host, port, family, *args, **kwargs)
        port = int(port or 0)
        answers = [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]
        return [answer for answer in answers if family in (0, answer[0])]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class _SquatterHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"squatter": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def squatter(port: int) -> Iterator[None]:
    """Someone else on the node listening on [::1]:port, the same port on IPv6's loopback."""
    try:
        server = _IPv6Server(("::1", port), _SquatterHandler)
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(DEADLINE_S)
