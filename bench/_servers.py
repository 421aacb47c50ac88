"""Start, probe and stop isolated Jupyter servers for the benchmark."""

from __future__ import annotations

import http.client
import os
import pwd
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HOST = "127.0.0.1"
# Variables that would let the caller's setup leak into the servers.
_DROP_PREFIXES = ("JUPYTER", "PYTHON", "IPYTHON", "VIRTUAL_ENV")
_DROP_NAMES = frozenset({"MEM_LIMIT", "CPU_LIMIT"})


@dataclass(frozen=True)
class ServerSpec:
    """How to launch one server: which venv, which extra traits, which route to poll."""

    key: str
    label: str
    python: Path
    metrics_path: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    # Run the server as this OS user (the harness must be root); None: as the harness.
    user: str | None = None


@dataclass
class Server:
    spec: ServerSpec
    proc: subprocess.Popen[bytes]
    port: int
    token: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def metrics_url(self) -> str:
        return "/" + self.spec.metrics_path.lstrip("/")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env(spec: ServerSpec, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_DROP_PREFIXES) and k not in _DROP_NAMES
    }
    for name in ("config", "data", "runtime"):
        (home / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        PYTHONNOUSERSITE="1",
        PATH=f"{spec.python.parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(spec.env)
    return env


def command(spec: ServerSpec, port: int, token: str, root: Path) -> list[str]:
    # `python -m jupyter_server` is `jupyter server` without the launcher hop, so the
    # PID we get is the server's own.
    return [
        str(spec.python),
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.ip={HOST}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        *spec.args,
    ]


def as_user(user: str, home: Path | None = None) -> dict[str, object]:
    """Popen keywords that run the child as `user`, with that user's groups only (root only).

    With `home`, the folder tree is handed to the user first (the server writes there).
    """
    entry = pwd.getpwnam(user)
    if home is not None:
        for path in (home, *home.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    groups = os.getgrouplist(user, entry.pw_gid)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": groups}


def user_env(user: str, home: Path) -> dict[str, str]:
    return {"HOME": str(home), "USER": user, "LOGNAME": user}


def start(spec: ServerSpec, workdir: Path) -> Server:
    home = workdir / spec.key
    root = home / "root"
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    token = secrets.token_hex(16)
    log_path = workdir / f"{spec.key}.log"
    env = clean_env(spec, home)
    identity: dict[str, object] = {}
    if spec.user is not None:
        workdir.chmod(0o755)  # the user must reach its home below it
        env.update(user_env(spec.user, home))
        identity = as_user(spec.user, home)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command(spec, port, token, root),
            env=env,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stopped as a group, immune to ^C
            **identity,  # type: ignore[arg-type]
        )
    return Server(spec=spec, proc=proc, port=port, token=token, log_path=log_path)


def probe(server: Server, path: str, timeout: float = 5.0) -> int:
    """Status of one authenticated GET, or 0 if the server did not answer."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": f"token {server.token}"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0
    finally:
        conn.close()


def log_tail(server: Server, lines: int = 30) -> str:
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until(server: Server, path: str, timeout: float) -> None:
    """Poll `path` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    status = 0
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.key} exited with {server.proc.returncode}:\n{log_tail(server)}"
            )
        status = probe(server, path)
        if status == 200:
            return
        time.sleep(0.25)
    raise RuntimeError(
        f"{server.key}: GET {path} not 200 after {timeout:.0f} s (last status {status}):\n"
        f"{log_tail(server)}"
    )


def stop(server: Server, grace: float = 10.0) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if server.proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(server.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def end(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM a helper process the harness started, SIGKILL it if it lingers; reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _process_cpu_clock(pid: int) -> int:
    """Linux clockid of a process's CPU-time clock (what clock_getcpuclockid(3) returns)."""
    cpuclock_sched = 2
    return ((~pid) << 3) | cpuclock_sched


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process itself: all its threads, dead ones too; no children.

    Read from the process CPU clock (nanoseconds) where the OS has it; psutil's
    /proc/<pid>/stat figure is the same quantity in 10 ms ticks.
    """
    try:
        return time.clock_gettime(_process_cpu_clock(pid))
    except (OSError, AttributeError, OverflowError):
        return psutil_cpu_seconds(pid)


def psutil_cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)
