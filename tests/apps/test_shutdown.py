"""A real `jupyter server` stopped as admins and JupyterHub stop it: no process of an app is left.

Each test starts the working tree's extension in a server of its own (a subprocess, no terminal,
as under JupyterHub or a batch job), launches apps whose processes try to outlive them through
its HTTP API, stops the server, and counts what is left through /proc: every process the apps
reported, and every process that carries this test's own variable in its environment.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import FAMILYAPP, START_TIMEOUT_S
from tests.apps.family import DEADLINE_S, Family
from tests.support import server_argv, start_server

REPO = Path(__file__).resolve().parents[2]
TAG = "JUPYTERLAB_HPC_TEST_RUN"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One `python -m jupyter_server` with our extension, the family app, and a log file."""

    def __init__(self, home: Path, tag: str) -> None:
        self.home = home
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = home / f"server-{self.port}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))},
            "PYTHONPATH": str(REPO),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            TAG: tag,
        }
        config = {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_hpc": True},
                "root_dir": str(home),
                "open_browser": False,
                "allow_root": True,
            },
            "HPCApps": {
                "apps": {
                    "familyapp": {
                        "title": "Family app",
                        "command": [sys.executable, str(FAMILYAPP), "--port", "{port}", "{args}"],
                        "timeout": START_TIMEOUT_S,
                    }
                },
                "shutdown_grace": 1,
            },
            "HPCEmissions": {"static_factor": 50.0, "state_dir": str(home / "state")},
        }
        (home / "config").mkdir(parents=True, exist_ok=True)
        (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
        # The config's root_dir and open_browser are those server_argv passes too.
        self.process = start_server(
            server_argv(self.port, self.token, home, "--ServerApp.port_retries=0"),
            self.log_path,
            self.env,
            cwd=home,
            stdin=subprocess.DEVNULL,
        )
        self._wait_ready()

    def request(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=DEADLINE_S) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited at start:\n{self.log()}")
            try:
                if self.request("GET", "jupyterlab-hpc/apps/running")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server never answered:\n{self.log()}")

    def launch(self, endpoint: int, args: str) -> dict[str, Any]:
        code, body = self.request(
            "POST", f"jupyterlab-hpc/apps/familyapp/{endpoint}", {"args": args, "env": {}}
        )
        assert code == 202, body
        return dict(body)

    def wait_running(self, endpoint: int) -> None:
        deadline = time.monotonic() + DEADLINE_S
        states = []
        while time.monotonic() < deadline:
            _, body = self.request("GET", "jupyterlab-hpc/apps/running")
            states = [i["state"] for i in body["instances"] if i["endpoint"] == endpoint]
            if states == ["running"]:
                return
            time.sleep(0.05)
        raise AssertionError(f"familyapp/{endpoint} never ran: {states}\n{self.log()}")

    def wait_exit(self) -> int:
        try:
            return self.process.wait(DEADLINE_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def records(self) -> list[Path]:
        return list((self.home / "runtime" / "jupyterlab-hpc-apps" / "running").glob("*.json"))

    def end(self) -> None:
        """Whatever a test left: the server is killed (its apps are the test's to check)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.end()


@pytest.fixture
def tag() -> str:
    return secrets.token_hex(8)


def start(servers: list[Server], home: Path, tag: str) -> Server:
    server = Server(home, tag)
    servers.append(server)
    return server


def jupyter_server_stop(server: Server) -> None:
    """`jupyter server stop <port>`, as an admin types it (it POSTs api/shutdown)."""
    subprocess.run(
        [sys.executable, "-m", "jupyter_server", "stop", str(server.port)],
        env=server.env,
        check=True,
        timeout=DEADLINE_S,
        capture_output=True,
    )


STOPS = {
    "SIGTERM": lambda server: server.process.send_signal(signal.SIGTERM),
    "SIGINT": lambda server: server.process.send_signal(signal.SIGINT),
    "jupyter server stop": jupyter_server_stop,
}


@pytest.mark.parametrize("how", list(STOPS))
def test_stopping_the_server_leaves_no_process_of_any_app(
    servers: list[Server], tmp_path: Path, tag: str, how: str
) -> None:
    # given a server (no terminal) with two apps: one deaf to SIGTERM whose children fork,
    # call setsid() or turn into a daemon of init, and one plain forking app
    server = start(servers, tmp_path, tag)
    stubborn = Family(tmp_path / "stubborn", (TAG, tag))
    plain = Family(tmp_path / "plain", (TAG, tag))
    stubborn.pids.mkdir()
    plain.pids.mkdir()
    server.launch(0, stubborn.args())
    server.launch(1, plain.args("--fork"))
    server.wait_running(0)
    server.wait_running(1)
    stubborn.wait_started()
    plain.wait_started(2)
    assert len(server.records()) == 2
    # when the server is stopped
    STOPS[how](server)
    # then it runs its shutdown and exits
    assert server.wait_exit() == 0, server.log()
    assert "Stopped familyapp on endpoint 0" in server.log()
    assert "Stopped familyapp on endpoint 1" in server.log()
    # and no process of any app is left (the processes left after SIGTERM: 0)
    assert stubborn.wait_gone() == []
    assert plain.wait_gone() == []
    assert server.records() == []


def test_a_server_killed_with_sigkill_leaves_its_apps_to_the_next_one(
    servers: list[Server], tmp_path: Path, tag: str
) -> None:
    # given a server with a stubborn app
    first = start(servers, tmp_path, tag)
    family = Family(tmp_path / "pids", (TAG, tag))
    family.pids.mkdir()
    launched = first.launch(0, family.args())
    first.wait_running(0)
    family.wait_started()
    # when the server is killed with SIGKILL, its app is left running
    first.process.kill()
    first.wait_exit()
    assert len(family.alive()) >= 4
    # then the next server started with the same runtime folder stops it, and says so
    second = start(servers, tmp_path, tag)
    assert family.wait_gone(exclude={second.process.pid}) == []
    log = second.log()
    assert f"Stopping familyapp on endpoint 0 (pid {launched['pid']})" in log
    assert f"left running by server pid {first.process.pid}" in log
    deadline = time.monotonic() + DEADLINE_S
    while second.records() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert second.records() == []
    second.process.send_signal(signal.SIGTERM)
    assert second.wait_exit() == 0
