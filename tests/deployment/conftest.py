"""The hub testbed the deployment tests run against, its two users, and the test app they know.

`make hub-testbed` (scripts/hub-testbed start, as root) starts JupyterHub + batchspawner + the
idle culler on the local Slurm; `make test` does so first. These fixtures only use it: when it
is not running, the deployment tests fail under CI (CI set) and are skipped elsewhere, saying
to run `make hub-testbed`. They find the hub through $HUB_TESTBED_DIR
(/tmp/jupyterlab-hpc-hub by default), never through a fixed port, user or password.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests.deployment.hub import Hub, TestbedMissing

# What to do when the hub is missing; pytest never installs or starts anything itself.
NOT_RUNNING = "the hub testbed is not running: run `make hub-testbed`"
# The app every hub user's server offers during these tests (tests/deployment/wsapp.py).
TEST_APP = "e2eapp"
WSAPP = Path(__file__).with_name("wsapp.py")
# What the tests add to each user's own Jupyter config, and take away after.
CONFIG_MARK = "# Written by jupyterlab-hpc's deployment tests (tests/deployment); removed after."


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "culling: waits for JupyterHub's idle culler (minutes: the culler's timeout and more)",
    )


def _missing(reason: str) -> NoReturn:
    """CI must run the deployment tests, so there a missing hub is a failure; elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def hub() -> Hub:
    """The hub `make hub-testbed` started; without it these tests fail under CI, else skip."""
    if os.geteuid() != 0:
        _missing(f"{NOT_RUNNING} (the deployment tests run as root, as the testbed does)")
    try:
        found = Hub.from_dir()
    except TestbedMissing as error:
        _missing(f"{NOT_RUNNING} ({error})")
    if len(found.users) < 2:
        pytest.fail(f"the hub testbed needs two users (HUB_USERS), has {found.users}")
    return found


@dataclass(frozen=True)
class Users:
    """The testbed's first two users: A (most tests) and B (the other user)."""

    a: str
    b: str


@pytest.fixture(scope="session")
def users(hub: Hub, test_app: str) -> Users:
    """A and B, each knowing the test app; their servers start from fixtures of each module."""
    return Users(hub.users[0], hub.users[1])


@pytest.fixture(scope="session")
def test_app(hub: Hub) -> Iterator[str]:
    """The test app in the two users' own Jupyter config (see `install_test_app`)."""
    restores = [install_test_app(user) for user in hub.users[:2]]
    try:
        yield TEST_APP
    finally:
        for restore in restores:
            restore()


def install_test_app(user: str) -> Callable[[], None]:
    """Add the test app to the user's ~/.jupyter/jupyter_server_config.py; answer the undo.

    This is how a hub user (or a centre, in {sys.prefix}/etc/jupyter or /etc/jupyter) adds an
    app to the launcher: `c.HPCApps.apps.update({...})` in a config file the single-user server
    reads (the job runs with the user's HOME). Servers started after this offer the app.
    """
    entry = pwd.getpwnam(user)
    home = Path(entry.pw_dir)
    folder = home / ".jupyterlab-hpc-deployment-tests"
    config_dir = home / ".jupyter"
    for path in (folder, config_dir):
        path.mkdir(exist_ok=True)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    app = folder / WSAPP.name
    shutil.copyfile(WSAPP, app)
    os.chown(app, entry.pw_uid, entry.pw_gid)
    config = config_dir / "jupyter_server_config.py"
    before = config.read_text() if config.exists() else None
    if before is not None and CONFIG_MARK in before:
        before = None  # left by an interrupted run: ours, removed after
    command = [sys.executable, str(app), "--port", "{port}"]
    config.write_text(
        f"{CONFIG_MARK}\n{before or ''}\n"
        f"c.HPCApps.apps.update({{{TEST_APP!r}: {{'title': 'Deployment test app', "
        f"'command': {command!r}, 'timeout': 60}}}})\n"
    )
    os.chown(config, entry.pw_uid, entry.pw_gid)

    def restore() -> None:
        if before is None:
            config.unlink(missing_ok=True)
        else:
            config.write_text(before)
        shutil.rmtree(folder, ignore_errors=True)

    return restore
