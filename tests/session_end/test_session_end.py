"""POST jupyterlab-hpc/session/end through a real Jupyter server, a real HTTP server standing in
for JupyterHub's API, and (for the fallback) the real Slurm testbed."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyterlab_hpc.hub.session import HUB_CONFIG_HINT
from tests.session_end.fakehub import FakeHub
from tests.slurm.conftest import SlurmTestbed, testbed  # noqa: F401 (the fixture)
from tests.support import is_gone, running_server, server_argv

HUB_TOKEN = "hub-token-of-this-server-0123456789"
DEADLINE_S = 60.0
OWN_SERVER_SCOPES = ["users:activity!user=alice", "access:servers!server=alice/"]
MAY_STOP = [*OWN_SERVER_SCOPES, "delete:servers!server=alice/"]


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    hub = FakeHub().start()
    yield hub
    hub.close()


@pytest.fixture
def spawn(request: pytest.FixtureRequest) -> dict[str, Any]:
    """How the server under test was started: `hub` ("up", "down" or absent), `server_name`,
    `in_job` (in a real Slurm job of the user running the tests)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def session_env(spawn: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment the spawner gives the server, read when it starts."""
    if "hub" not in spawn:
        return {}
    hub: FakeHub = request.getfixturevalue("hub")
    env = spawned_by(hub, spawn.get("server_name", ""))
    if spawn["hub"] == "down":
        hub.close()
    if spawn.get("in_job"):
        env["SLURM_JOB_ID"] = request.getfixturevalue("own_job")
        env["SLURM_CONF"] = request.getfixturevalue("testbed").env["SLURM_CONF"]
    return env


@pytest.fixture
def jp_server_config(
    jp_server_config: Any, session_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    for name in [*os.environ]:
        if name.startswith(("JUPYTERHUB_", "JPY_")) or name == "SLURM_JOB_ID":
            monkeypatch.delenv(name)
    for name, value in session_env.items():
        monkeypatch.setenv(name, value)
    return jp_server_config


def spawned_by(hub: FakeHub, server_name: str = "") -> dict[str, str]:
    return {
        "JUPYTERHUB_API_URL": hub.api_url,
        "JUPYTERHUB_API_TOKEN": HUB_TOKEN,
        "JUPYTERHUB_USER": "alice",
        "JUPYTERHUB_SERVER_NAME": server_name,
        "JUPYTERHUB_SERVICE_PREFIX": f"/user/alice/{server_name}",
    }


async def end_session(jp_fetch: Any) -> HTTPResponse:
    return await jp_fetch(
        "jupyterlab-hpc", "session", "end", method="POST", body="", raise_error=False
    )


def body(response: HTTPResponse) -> dict[str, Any]:
    return json.loads(response.body)


async def wait_for(condition: Any, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_outside_a_hub_there_is_no_session_to_end(hpc_app: Any, jp_fetch: Any) -> None:
    response = await end_session(jp_fetch)
    assert response.code == 409
    assert "not started by JupyterHub" in body(response)["message"]


@pytest.mark.parametrize(
    ("spawn", "path"),
    [
        ({"hub": "up", "server_name": ""}, "/hub/api/users/alice/server"),
        ({"hub": "up", "server_name": "gpu"}, "/hub/api/users/alice/servers/gpu"),
    ],
    indirect=["spawn"],
)
async def test_the_hub_is_asked_to_stop_this_server_with_its_own_token(
    hub: FakeHub, spawn: dict[str, Any], path: str, hpc_app: Any, jp_fetch: Any
) -> None:
    # given a server whose token may stop it (c.Spawner.server_token_scopes)
    hub.scopes = [*OWN_SERVER_SCOPES, f"delete:servers!server=alice/{spawn['server_name']}"]
    response = await end_session(jp_fetch)
    assert response.code == 202, response.body
    assert body(response)["via"] == "hub"
    assert "JupyterHub is stopping this server" in body(response)["message"]
    await wait_for(lambda: hub.deletes(), "the hub's DELETE")
    assert [(c.path, c.authorization) for c in hub.deletes()] == [(path, f"token {HUB_TOKEN}")]


@pytest.mark.parametrize("spawn", [{"hub": "up"}], indirect=True)
async def test_without_the_scope_and_outside_slurm_the_admin_is_told_the_config_line(
    hub: FakeHub, spawn: dict[str, Any], hpc_app: Any, jp_fetch: Any
) -> None:
    hub.scopes = OWN_SERVER_SCOPES  # JupyterHub's default `server` role
    response = await end_session(jp_fetch)
    assert response.code == 409
    message = body(response)["message"]
    assert "delete:servers" in message and HUB_CONFIG_HINT in message
    assert hub.deletes() == []


@pytest.mark.parametrize("spawn", [{"hub": "up"}], indirect=True)
async def test_a_failing_hub_is_a_502_with_its_reason(
    hub: FakeHub, spawn: dict[str, Any], hpc_app: Any, jp_fetch: Any
) -> None:
    hub.user_status = 500
    response = await end_session(jp_fetch)
    assert response.code == 502
    assert "500 hub is broken" in body(response)["message"]
    assert hub.deletes() == []


@pytest.mark.parametrize("spawn", [{"hub": "down"}], indirect=True)
async def test_an_unreachable_hub_is_a_502(
    spawn: dict[str, Any], hpc_app: Any, jp_fetch: Any
) -> None:
    response = await end_session(jp_fetch)
    assert response.code == 502
    assert "does not answer" in body(response)["message"]


# The fallback, with a real Slurm job of the user running the tests standing for the job the
# server runs in: ending the session must end it.


@pytest.fixture
def own_job(testbed: SlurmTestbed) -> Iterator[str]:  # noqa: F811
    result = testbed.run(
        [
            "sbatch",
            "--parsable",
            "--job-name=session-end",
            "--output=/dev/null",
            "--wrap",
            "sleep 600",
        ],
        as_user=False,
    )
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.strip().split(";")[0]
    yield job_id
    testbed.run(["scancel", job_id], as_user=False)


def job_is_alive(testbed: SlurmTestbed, job_id: str) -> bool:  # noqa: F811
    states = testbed.run(["squeue", "-h", "-j", job_id, "-o", "%T"], as_user=False).stdout.split()
    return any(state in ("PENDING", "RUNNING", "CONFIGURING") for state in states)


@pytest.mark.parametrize(
    ("spawn", "scopes"),
    [({"hub": "up", "in_job": True}, "default"), ({"hub": "up", "in_job": True}, "claimed")],
    indirect=["spawn"],
)
async def test_without_the_hubs_leave_the_sessions_slurm_job_ends(
    spawn: dict[str, Any],
    scopes: str,
    hub: FakeHub,
    testbed: SlurmTestbed,  # noqa: F811
    own_job: str,
    hpc_app: Any,
    jp_fetch: Any,
) -> None:
    # given the default server token, or one whose scope the hub then refuses (403)
    hub.scopes = OWN_SERVER_SCOPES if scopes == "default" else MAY_STOP
    hub.delete_status = 403
    assert job_is_alive(testbed, own_job)
    response = await end_session(jp_fetch)
    assert response.code == 202, response.body
    if scopes == "default":
        assert body(response)["via"] == "slurm"
        assert f"Slurm job {own_job} is ending" in body(response)["message"]
    else:
        assert body(response)["via"] == "hub"
    await wait_for(lambda: not job_is_alive(testbed, own_job), f"job {own_job} to end")
    if scopes == "claimed":
        assert [c.authorization for c in hub.deletes()] == [f"token {HUB_TOKEN}"]


def test_the_answer_reaches_the_user_although_the_stop_kills_the_server(
    hub: FakeHub, tmp_path: Path
) -> None:
    # given a real server that the hub kills (SIGKILL, the harshest end) as soon as it is asked
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_"))},
        **spawned_by(hub),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    env.pop("SLURM_JOB_ID", None)
    hub.scopes = MAY_STOP
    # --allow-root: CI runs as root.
    argv = server_argv(
        port, token, tmp_path, "--allow-root", "--ServerApp.jpserver_extensions=jupyterlab_hpc=True"
    )
    with running_server(argv, tmp_path / "server.log", env, grace_s=10) as process:
        hub.on_delete = lambda: os.killpg(process.pid, signal.SIGKILL)
        url = f"http://127.0.0.1:{port}/"
        wait_until(lambda: call(url, token, "GET", "api/status")[0] == 200, "the server")
        # when the user ends the session
        status, answer = call(url, token, "POST", "jupyterlab-hpc/session/end")
        # then the answer arrived, and the hub was asked: the server is gone
        assert status == 202, (answer, (tmp_path / "server.log").read_text())
        assert answer["via"] == "hub"
        assert is_gone(process.pid)
        assert [c.path for c in hub.deletes()] == ["/hub/api/users/alice/server"]


def call(url: str, token: str, method: str, path: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        url + path,
        data=b"" if method == "POST" else None,
        method=method,
        headers={"Authorization": f"token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        return 0, str(error)


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
