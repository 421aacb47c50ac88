"""How a session ends: End session, Log out, and the hub stopping; nothing of it is left behind.

Each ending is what a user (or an admin) notices: the hub says the server is stopped, the
Slurm job is gone from the queue, and no process of the user's session (of its app neither)
remains on the node. Each test starts its own server, with the test app running, and stops
everything after, whatever happened.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deployment.conftest import TEST_APP, Users, install_test_app
from tests.deployment.hub import (
    STOP_TIMEOUT_S,
    Browser,
    Hub,
    TestbedMissing,
    UserClient,
    app_processes,
    describe,
    is_running,
    marked_processes,
    started,
    user_processes,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
HUB_TESTBED = REPO / "scripts" / "hub-testbed"
# The own hub of the hub-stop test has its own user (a real account, created by the script).
STOP_TEST_USER = os.environ.get("HUB_STOP_TEST_USER", "hpchubstop")


def assert_nothing_left(hub: Hub, user: str, app_pids: list[int], app_mark: str) -> None:
    """The hub has no server for the user, Slurm no job, the node no process of the session."""
    hub.wait_stopped(user)
    assert_no_job_or_process(hub, user, app_pids, app_mark)


def assert_no_job_or_process(hub: Hub, user: str, app_pids: list[int], app_mark: str) -> None:
    """Slurm has no session job of the user, the node no process of theirs nor of the app."""
    wait_until(
        lambda: not hub.session_jobs(user),
        f"{user}'s session job gone from the queue",
        STOP_TIMEOUT_S,
        last=lambda: hub.jobs(user),
    )
    # the test users have no other processes: none of theirs may remain, nor the app's family
    wait_until(
        lambda: not user_processes(user),
        f"no process of {user} left",
        STOP_TIMEOUT_S,
        last=lambda: describe(user_processes(user)),
    )
    assert not [pid for pid in app_pids if is_running(pid)], describe(marked_processes(app_mark))
    assert not marked_processes(app_mark), describe(marked_processes(app_mark))


def launched_app(client: UserClient) -> tuple[list[int], str]:
    """Launch the test app; its family's pids and the mark they carry."""
    instance = client.launch(TEST_APP)
    mark, pids = app_processes(instance["pid"])
    assert instance["pid"] in pids
    return pids, mark


def open_lab(hub: Hub, user: str) -> Browser:
    """The user logged in through the hub's page, with the lab open (the server's cookies)."""
    browser = hub.login(user)
    lab = browser.get(hub.user_url(user, "lab"))
    assert lab.status_code == 200, (lab.status_code, lab.url)
    return browser


# --- 3. End session -----------------------------------------------------------------------------


def test_end_session_stops_the_server_and_its_job(hub: Hub, users: Users) -> None:
    user = users.a
    with started(hub, user, runtime="00:30:00", memory="1G", nprocs="1"), hub.kept_alive(user):
        browser = open_lab(hub, user)
        app_pids, mark = launched_app(hub.client(user))
        assert hub.session_jobs(user), "the session runs as a job"
        # what the End session command sends, from the lab page (cookies and its _xsrf)
        response = browser.request("POST", hub.user_url(user, "jupyterlab-hpc/session/end"))
        assert response.status_code == 202, (response.status_code, response.text)
        assert response.json()["message"], response.text
        # the testbed's hub lets a server stop itself (c.Spawner.server_token_scopes), so the
        # hub stops it, at once, rather than noticing later that its job was cancelled
        assert response.json()["via"] == "hub", response.text
        assert_nothing_left(hub, user, app_pids, mark)


# --- 4 and 8. Log out ---------------------------------------------------------------------------


def test_log_out_stops_the_server_its_job_and_every_process(hub: Hub, users: Users) -> None:
    user = users.a
    with started(hub, user, runtime="00:30:00", memory="1G", nprocs="1"), hub.kept_alive(user):
        browser = open_lab(hub, user)
        app_pids, mark = launched_app(hub.client(user))
        # what the Log out command opens: the hub's logout, which ends at its login page
        page = browser.log_out()
        assert page.status_code == 200, (page.status_code, page.url)
        assert urlsplit(page.url).path == "/hub/login", page.url
        assert_nothing_left(hub, user, app_pids, mark)
        # and the browser is logged out: the hub's home asks to log in again
        home = browser.get(f"{hub.url}/hub/home")
        assert urlsplit(home.url).path == "/hub/login", home.url


# --- 8. The hub stopping ------------------------------------------------------------------------


@pytest.fixture
def own_hub(hub: Hub) -> Iterator[Hub]:
    """A hub of this test's own (own folder, ports and user), stopped and removed after.

    Never the shared one: stopping it is what the test does.
    """
    state = Path(tempfile.mkdtemp(prefix="jupyterlab-hpc-hub-stop-"))
    port = _free_port_trio()
    env = {
        **os.environ,
        "HUB_TESTBED_DIR": str(state),
        "HUB_PORT": str(port),
        "HUB_USERS": STOP_TEST_USER,
        "SLURM_CONF": hub.slurm_conf,
    }
    for name in ("HUB_CULL_TIMEOUT", "HUB_CULL_EVERY", "HUB_ACTIVITY_INTERVAL"):
        env.pop(name, None)  # the script's defaults: nothing is culled during the test
    restore = None
    try:
        # the user is created by `start`, which also starts the hub: the app is added after
        _hub_testbed("start", env)
        restore = install_test_app(STOP_TEST_USER)
        try:
            yield Hub.from_dir(state)
        except TestbedMissing as error:
            pytest.fail(f"our own hub did not answer: {error}")
    finally:
        _hub_testbed("stop", env)
        subprocess.run(
            ["scancel", "--user", STOP_TEST_USER],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if restore is not None:
            restore()
        shutil.rmtree(state, ignore_errors=True)


def test_stopping_the_hub_leaves_no_server_job_or_app_behind(own_hub: Hub) -> None:
    user = STOP_TEST_USER
    own_hub.start(user, runtime="00:30:00", memory="1G", nprocs="1")
    app_pids, mark = launched_app(own_hub.client(user))
    hub_pid = int((own_hub.state_dir / "jupyterhub.pid").read_text().split()[0])

    _hub_testbed("stop", _env_of(own_hub))
    assert not is_running(hub_pid), "the hub stopped"
    # (the hub no longer answers: what is left is asked of Slurm and the node)
    assert_no_job_or_process(own_hub, user, app_pids, mark)


def _env_of(hub: Hub) -> dict[str, str]:
    settings = json.loads((hub.state_dir / "settings.json").read_text())
    return {
        **os.environ,
        "HUB_TESTBED_DIR": str(hub.state_dir),
        **{name: value for name, value in settings.items() if name.startswith("HUB_")},
        "SLURM_CONF": hub.slurm_conf,
    }


def _hub_testbed(command: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(HUB_TESTBED), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"hub-testbed {command}:\n{result.stdout}\n{result.stderr}"


def _free_port_trio() -> int:
    """A port P with P, P + 1 (the proxy's API) and P + 81 (the hub's API) free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + 81 > 65535:
            continue
        if all(_is_free(candidate) for candidate in (port, port + 1, port + 81)):
            return port
    raise AssertionError("no free port with its +1 and +81 neighbours")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
