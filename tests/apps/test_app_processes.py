"""Stopping one app, or its own exit, leaves none of its processes; no credential reaches it."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.apps.conftest import DEADLINE_S, Lab
from tests.apps.family import FULL, Family

TAG = "JUPYTERLAB_HPC_TEST_RUN"


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return launcher_config


@pytest.fixture
def family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Family:
    """A family app's pid folder; what the server starts from now on carries a tag of its own."""
    tag = secrets.token_hex(8)
    monkeypatch.setenv(TAG, tag)
    pids = tmp_path / "pids"
    pids.mkdir()
    return Family(pids, (TAG, tag))


async def test_delete_leaves_no_process_of_the_app(lab: Lab, family: Family) -> None:
    # given an app deaf to SIGTERM whose children fork, call setsid() or become init's daemons
    await lab.launch("familyapp", 0, family.args(FULL))
    await lab.wait_state("familyapp", 0)
    family.wait_started()
    # when it is shut down (DELETE), then nothing of it is left
    await lab.stop("familyapp", 0)
    assert family.wait_gone() == []
    assert list((lab.log_dir / "running").glob("*.json")) == []


async def test_an_app_that_exits_by_itself_leaves_no_process(
    lab: Lab, hpc_app: Any, family: Family
) -> None:
    # given a running app with a forked child, a setsid() child with no environment (left to
    # init when the app exits) and a daemon
    launched = await lab.launch("familyapp", 0, family.args("--fork --setsid-child --daemon"))
    await lab.wait_state("familyapp", 0)
    family.wait_started()
    children = {pid for pid, role in family.roles.items() if role in ("fork", "setsid-child")}
    # (once the server has seen its children: it looks every second)
    process = hpc_app.app_manager.get("familyapp", 0).process
    deadline = time.monotonic() + DEADLINE_S
    while not children <= set(process.seen) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    # when the app's own process ends (here: killed from outside)
    os.kill(launched["pid"], signal.SIGKILL)
    await lab.wait_state("familyapp", 0, ("exited",))
    # then none of its processes is left, and nothing is left to reclaim
    assert family.wait_gone() == []
    assert list((lab.log_dir / "running").glob("*.json")) == []


async def test_launches_leave_the_servers_signal_handlers_alone(lab: Lab, family: Family) -> None:
    # simpervisor replaced SIGTERM and SIGINT at the first launch: the server's shutdown never ran
    await lab.launch("familyapp", 0, family.args("--fork"))
    await lab.wait_state("familyapp", 0)
    handlers = [signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)]
    # (compared by module: simpervisor installs its handlers once per process, for good)
    assert not [h for h in handlers if getattr(h, "__module__", None) == "simpervisor.atexitasync"]
    await lab.stop("familyapp", 0)
    assert family.wait_gone() == []


HUB_CREDENTIALS = {
    "JUPYTERHUB_API_TOKEN": "hub-api-token-0123456789",
    "JPY_API_TOKEN": "hub-api-token-0123456789",
    "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
    "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/alice/oauth_callback",
    "JUPYTERHUB_OAUTH_SCOPES": '["access:servers!server=alice/"]',
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/"]',
    "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
    "JUPYTERHUB_API_URL": "http://hub:8081/hub/api",
    "JUPYTERHUB_ACTIVITY_URL": "http://hub:8081/hub/api/users/alice/activity",
    "JUPYTERHUB_SSL_KEYFILE": "/srv/hub/internal-ssl/alice.key",
    "JUPYTER_TOKEN": "jupyter-token-0123456789",
    "JUPYTER_TOKEN_FILE": "/home/alice/.jupyter-token",
    "CONFIGPROXY_AUTH_TOKEN": "proxy-token-0123456789",
}
HARMLESS = {
    "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
    "JUPYTERHUB_BASE_URL": "/",
    "JUPYTERHUB_SERVER_NAME": "",
}


async def test_an_app_gets_no_jupyter_or_hub_credential(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a server started by JupyterHub, with a site variable that copies its token
    for name, value in {**HUB_CREDENTIALS, **HARMLESS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SITE_NOTEBOOK_TOKEN", lab.token)
    monkeypatch.setenv("SITE_HUB_TOKEN", HUB_CREDENTIALS["JUPYTERHUB_API_TOKEN"])
    # when an app is launched
    env_file = tmp_path / "env.json"
    await lab.launch("familyapp", 0, f"--env {env_file} --pids {tmp_path}")
    await lab.wait_state("familyapp", 0)
    env = json.loads(env_file.read_text())
    # then its environment holds none of them, and no copy of a token under another name
    assert sorted(set(HUB_CREDENTIALS) & set(env)) == []
    assert "SITE_NOTEBOOK_TOKEN" not in env and "SITE_HUB_TOKEN" not in env
    secrets_ = {lab.token, *HUB_CREDENTIALS.values()}
    assert [name for name, value in env.items() if value in secrets_] == []
    # but who and where the user is stay
    assert {name: env.get(name) for name in HARMLESS} == HARMLESS
    # and the process itself shows none either (/proc/<pid>/environ)
    leader = psutil.Process(int(next(tmp_path.glob("[0-9]*")).name))
    assert sorted(set(HUB_CREDENTIALS) & set(leader.environ())) == []


@pytest.mark.parametrize(
    "args, env",
    [
        ("--token $JUPYTERHUB_API_TOKEN", {}),
        ("--token ${JPY_API_TOKEN}", {}),
        ("--token $JUPYTER_TOKEN", {}),
        ("", {"HUB": "$JUPYTERHUB_API_TOKEN"}),
        ("", {"COPY": "${SITE_NOTEBOOK_TOKEN}"}),
    ],
)
async def test_placeholders_cannot_pull_a_credential_into_an_app(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, args: str, env: dict[str, str]
) -> None:
    for name, value in HUB_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SITE_NOTEBOOK_TOKEN", lab.token)
    # when the user's text names a credential
    await lab.launch("testapp", 0, args, env)
    await lab.wait_state("testapp", 0)
    record = await lab.record("testapp", 0)
    # then it expands as any unset variable does: to nothing, in the arguments and variables
    text = json.dumps([record["argv"], record["env"]])
    tokens = [value for name, value in HUB_CREDENTIALS.items() if name.endswith("TOKEN")]
    for secret in (lab.token, *tokens):
        assert secret not in text
    for name in env:
        assert record["env"][name] == ""
