"""What an installed jupyterlab-hpc opens: no `/proxy/<port>/` to any port of the node.

jupyter-server-proxy's own extension (enabled by its own install) forwards the user's token,
`Authorization` and login cookie to whatever listens on any local port. These tests start a
real `jupyter server` reading the installed configuration (the virtualenv's
etc/jupyter/jupyter_server_config.d, as `pip install` left it) with the working tree's code.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.apps.conftest import DEADLINE_S, START_TIMEOUT_S, TESTAPP
from tests.support import running_server, server_argv

REPO = Path(__file__).resolve().parents[2]
CLOSING_CONFIG = "jupyter-server-proxy_jupyterlab-hpc.json"
INSTALLED_CONFIG = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d", CLOSING_CONFIG)
SECRET = b"the page of whoever listens on this port"


class _Listener(BaseHTTPRequestHandler):
    """Someone's web server on a port of the node; it records every request it gets."""

    seen: list[dict[str, Any]]

    def _answer(self) -> None:
        self.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
        self.send_response(200)
        self.send_header("Content-Length", str(len(SECRET)))
        self.end_headers()
        self.wfile.write(SECRET)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Listener", (_Listener,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()
    thread.join(DEADLINE_S)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    token: str
    log_path: Path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request with the token, as a script (or the JupyterLab page) sends it."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(
            method,
            self.url + path,
            headers=headers,
            allow_redirects=False,
            timeout=DEADLINE_S,
            **kwargs,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def installed_server(base: Path, user_config: dict[str, Any]) -> Iterator[Server]:
    """`python -m jupyter_server` as installed: the virtualenv's configuration, our code.

    Only the user's configuration folder (`user_config`) is the test's.
    """
    (base / "config").mkdir()
    (base / "config" / "jupyter_server_config.json").write_text(json.dumps(user_config))
    (base / "root").mkdir()
    port, token = _free_port(), "proxy-route-test-token"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))},
        "PYTHONPATH": str(REPO),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }
    argv = server_argv(port, token, base / "root", "--allow-root")
    log_path = base / "server.log"
    with running_server(argv, log_path, env, grace_s=DEADLINE_S) as process:
        running = Server(f"http://127.0.0.1:{port}/", token, log_path)
        deadline = time.monotonic() + DEADLINE_S
        while True:
            assert process.poll() is None, f"the server exited:\n{running.log()}"
            assert time.monotonic() < deadline, f"the server never answered:\n{running.log()}"
            try:
                if running.request("GET", "api/status").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        yield running


def site_config(base: Path) -> dict[str, Any]:
    """The catalogue's test app, a server of jupyter-server-proxy's own kind
    (`c.ServerProxy.servers`), and no network or hardware."""
    return {
        "ServerApp": {"allow_unauthenticated_access": False},
        "HPCApps": {
            "apps": {
                "testapp": {
                    "title": "Test app",
                    "command": [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
                    "timeout": START_TIMEOUT_S,
                }
            },
            "shutdown_grace": 1,
        },
        "ServerProxy": {
            "servers": {
                "centreapp": {
                    "command": [sys.executable, str(TESTAPP), "--port", "{port}"],
                    "timeout": START_TIMEOUT_S,
                    "launcher_entry": {"title": "Centre app"},
                }
            }
        },
        "HPCEmissions": {"provider": "static", "state_dir": str(base / "state")},
        "HPCPower": {"powercap_root": str(base / "no-powercap"), "gpu_backend": "none"},
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server as installed, with the site's configuration."""
    base = tmp_path_factory.mktemp("installed")
    with installed_server(base, site_config(base)) as running:
        yield running


def test_the_installed_configuration_is_the_shipped_one() -> None:
    shipped = REPO / "jupyter-config" / "server-config" / CLOSING_CONFIG
    assert INSTALLED_CONFIG.exists(), f"{INSTALLED_CONFIG} is missing: reinstall (pip install .)"
    assert json.loads(INSTALLED_CONFIG.read_text()) == json.loads(shipped.read_text())


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "route", ["proxy/{port}/", "proxy/absolute/{port}/", "proxy/127.0.0.1:{port}/"]
)
def test_no_route_forwards_credentials_to_any_port(
    server: Server, listener: tuple[int, list[dict[str, Any]]], route: str, method: str
) -> None:
    port, seen = listener
    # when the user's token (and a login cookie) is sent to jupyter-server-proxy's route
    response = server.request(
        method,
        route.format(port=port) + "steal",
        headers={"Cookie": "_xsrf=abc"},
        data=b"x=1" if method == "POST" else None,
    )
    # then nothing on that port is reached, nor its page served as Jupyter's
    assert response.status_code == 404, response.text
    assert SECRET not in response.content
    assert [request for request in seen if request["path"] == "/steal"] == []


def test_our_apps_and_dashboards_are_still_served(
    server: Server, listener: tuple[int, list[dict[str, Any]]]
) -> None:
    port, seen = listener
    # a dashboard on that port opens through our dashboard proxy
    page = server.request("GET", f"jupyterlab-hpc/proxy/{port}/status")
    assert page.status_code == 200 and page.content == SECRET
    assert seen[-1]["path"] == "/status"
    assert "Authorization" not in seen[-1]["headers"]
    # and an app launched from the launcher opens at its own address
    launched = server.request("POST", "jupyterlab-hpc/apps/testapp/0", json={"args": ""})
    assert launched.status_code == 202, launched.text
    try:
        deadline = time.monotonic() + DEADLINE_S
        while (record := server.request("GET", "testapp/0/record")).status_code != 200:
            assert time.monotonic() < deadline, record.text
            time.sleep(0.1)
        assert record.json()["pid"] == launched.json()["pid"]
    finally:
        assert server.request("DELETE", "jupyterlab-hpc/apps/testapp/0").status_code == 204


def test_the_centres_own_server_proxy_servers_are_still_served(server: Server) -> None:
    # c.ServerProxy.servers keeps its launcher entry and its address (jupyter-server-proxy
    # starts it on the first request)
    info = server.request("GET", "server-proxy/servers-info")
    assert info.status_code == 200, info.text
    assert [entry["name"] for entry in info.json()["server_processes"]] == ["centreapp"]
    page = server.request("GET", "centreapp/")
    assert page.status_code == 200, page.text
    assert b"<h1>test app</h1>" in page.content


def test_a_centre_can_turn_jupyter_server_proxys_own_routes_back_on(
    tmp_path: Path, listener: tuple[int, list[dict[str, Any]]]
) -> None:
    """What README tells an admin to write, in a configuration folder above the install's."""
    port, seen = listener
    config = site_config(tmp_path)
    config["ServerApp"]["jpserver_extensions"] = {"jupyter_server_proxy": True}
    with installed_server(tmp_path, config) as server:
        page = server.request("GET", f"proxy/{port}/reopened")
        assert page.status_code == 200 and page.content == SECRET
        assert seen[-1]["path"] == "/reopened"
        # and its servers are served once, by jupyter-server-proxy itself
        info = server.request("GET", "server-proxy/servers-info")
        assert [entry["name"] for entry in info.json()["server_processes"]] == ["centreapp"]
        assert server.request("GET", "centreapp/").status_code == 200
