"""The real Slurm testbed (scripts/slurm-testbed) and a Jupyter server running as its user.

The testbed is a single-node Slurm from Debian's packages on 127.0.0.1, with its non-root
user; `make testbed` (scripts/slurm-testbed start, as root) installs and starts it, and
`make test` does so first. These fixtures only use it: when it is not running, the Slurm
tests fail under CI (CI set) and are skipped elsewhere, saying to run `make testbed`. The
server under test runs as the testbed's user, so that "my jobs", permissions and submit
folders are those a researcher has.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support import running_server, server_argv

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "slurm-testbed"
TESTBED_DIR = Path(os.environ.get("SLURM_TESTBED_DIR", "/tmp/jupyterlab-hpc-testbed"))
TESTBED_USER = os.environ.get("SLURM_TESTBED_USER", "hpctest")


@dataclass
class SlurmTestbed:
    """The running testbed: its environment, its user, and controls for outages."""

    env: dict[str, str]
    user: str
    home: Path

    def run(self, argv: list[str], *, as_user: bool = True, timeout: float = 30) -> Any:
        """Run a Slurm client command (as the test user by default) and return its result."""
        command = [*_as_user(self.user, self.env), *argv] if as_user else argv
        return subprocess.run(
            command,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop_controller(self) -> None:
        """Stop slurmctld: clients then fail with "Unable to contact slurm controller"."""
        subprocess.run([str(SCRIPT), "stop-controller"], check=True)

    def start_controller(self) -> None:
        """Start slurmctld again and wait until it answers."""
        subprocess.run([str(SCRIPT), "start-controller"], check=True)


# The centre's templates the user servers offer (c.HPCSlurm.templates).
TEMPLATES = [
    {
        "name": "Python script",
        "description": "Run a Python script with srun.",
        "script": "srun python3 {{script}}\n",
        "defaults": {"script": "main.py", "time": "00:10:00"},
    }
]

# What to do when the testbed is missing; pytest never installs or starts anything itself.
NOT_RUNNING = "the Slurm testbed is not running: run `make testbed`"


@pytest.fixture(scope="session")
def testbed() -> SlurmTestbed:
    """The testbed `make testbed` started; without it the Slurm tests fail under CI, else skip."""
    conf = TESTBED_DIR / "etc" / "slurm.conf"
    status = subprocess.run(
        [sys.executable, str(SCRIPT), "status"], capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        _missing(f"{NOT_RUNNING} ({' '.join(status.stdout.split())})")
    try:
        home = Path(pwd.getpwnam(TESTBED_USER).pw_dir)
    except KeyError:
        _missing(f"{NOT_RUNNING} (no user {TESTBED_USER})")
    return SlurmTestbed(env={"SLURM_CONF": str(conf)}, user=TESTBED_USER, home=home)


def _missing(reason: str) -> NoReturn:
    """CI must run the Slurm tests, so there a missing testbed is a failure; elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass
class UserServer:
    """A `jupyter server` with jupyterlab_hpc, running as the testbed user."""

    url: str
    token: str
    root_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One API call; returns the status and the JSON answer (or the text, or None)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read())

    def log(self) -> str:
        """The server's output so far, for failure messages."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def user_server(testbed: SlurmTestbed) -> Iterator[UserServer]:
    """A server as the test user, in a fresh root folder it owns; polls Slurm every second."""
    with start_user_server(testbed) as server:
        yield server


@contextmanager
def start_user_server(testbed: SlurmTestbed, *options: str) -> Iterator[UserServer]:
    """A server as the test user with `options` besides the tests' own; its jobs cancelled after."""
    entry = pwd.getpwnam(testbed.user)
    base = testbed.home / f"session-{secrets.token_hex(4)}"
    root = base / "work"
    for path in (base, root, base / "jupyter"):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    config = base / "jupyter" / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"HPCSlurm": {"templates": TEMPLATES}})
    )
    os.chown(config, entry.pw_uid, entry.pw_gid)
    _grant_traversal(testbed.user, [REPO, Path(sys.executable)])
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        "HOME": str(testbed.home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLURM_CONF": testbed.env["SLURM_CONF"],
        "PYTHONPATH": str(REPO),
        "PYTHONNOUSERSITE": "1",
        "JUPYTER_CONFIG_DIR": str(base / "jupyter" / "config"),
        "JUPYTER_DATA_DIR": str(base / "jupyter" / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter" / "runtime"),
        "LANG": "C.UTF-8",
    }
    argv = [
        *_as_user(testbed.user, env),
        *server_argv(
            port,
            token,
            root,
            "--ServerApp.jpserver_extensions=jupyterlab_hpc=True",
            "--HPCSlurm.poll_interval=1",
            "--HPCSlurm.command_timeout=20",
            *options,
        ),
    ]
    log_path = base / "server.log"
    try:
        with running_server(argv, log_path, grace_s=10) as process:
            server = UserServer(f"http://127.0.0.1:{port}/", token, root, log_path, process)
            _wait_until_up(server)
            yield server
    finally:
        # Jobs of this module must not leak into the next one's "mine" list.
        testbed.run(["scancel", "-u", testbed.user])


def _as_user(user: str, env: dict[str, str]) -> list[str]:
    """argv prefix running a command as `user` with exactly `env` (runuser keeps no login env)."""
    if os.geteuid() == pwd.getpwnam(user).pw_uid:
        return ["env", *(f"{k}={v}" for k, v in env.items())]
    return ["runuser", "-u", user, "--", "env", *(f"{k}={v}" for k, v in env.items())]


def _grant_traversal(user: str, paths: list[Path]) -> None:
    """Let `user` reach the project and its interpreter: search (x) on each parent folder.

    A CI checkout may sit under a private folder such as /root; an ACL entry for the test user
    (or, without ACL support, o+x) is the least that lets its server import the code.
    """
    if os.geteuid() != 0:
        return
    folders: set[Path] = set()
    for path in paths:
        for target in (path, path.resolve()):
            folders.update(p for p in target.parents if p != Path("/"))
            if target.is_dir():
                folders.add(target)
    for folder in sorted(folders):
        if folder.stat().st_mode & 0o001:
            continue
        setfacl = shutil.which("setfacl")
        if setfacl and subprocess.run([setfacl, "-m", f"u:{user}:x", str(folder)]).returncode == 0:
            continue
        folder.chmod(folder.stat().st_mode | 0o001)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(server: UserServer, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the test user's server exited:\n{server.log()}")
        try:
            if server.request("GET", "api/status")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the test user's server did not answer:\n{server.log()}")


def _decode(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")
