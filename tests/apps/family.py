"""What is left of a familyapp: its processes found through /proc, never by their parent's word."""

from __future__ import annotations

import time
from pathlib import Path

import psutil

DEADLINE_S = 60.0
# Every process of a full family: the app, --fork, --setsid-child and --daemon.
FULL = "--ignore-term --fork --setsid-child --daemon"
FULL_COUNT = 4


class Family:
    """The processes a familyapp reported (pid files), and any process carrying `tag`."""

    def __init__(self, pids: Path, tag: tuple[str, str] | None = None) -> None:
        self.pids = pids
        self.tag = tag
        self.known: dict[int, float] = {}
        self.roles: dict[int, str] = {}

    def args(self, options: str = FULL) -> str:
        return f"{options} --pids {self.pids}"

    def wait_started(self, count: int = FULL_COUNT) -> dict[int, float]:
        """Wait for `count` members to report, and note their start times (pid reuse-proof)."""
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            files = list(self.pids.glob("[0-9]*")) if self.pids.exists() else []
            if len(files) >= count:
                for file in files:
                    pid = int(file.name)
                    self.roles[pid] = file.read_text()
                    try:
                        self.known.setdefault(pid, psutil.Process(pid).create_time())
                    except psutil.NoSuchProcess:
                        pass
                assert len(self.known) >= count, f"members died at start: {self.known}"
                return self.known
            time.sleep(0.02)
        raise AssertionError(f"the family never started: {list(self.pids.glob('*'))}")

    def alive(self) -> list[int]:
        """Pids of the family still running (zombies count as gone): reported or tagged."""
        left: set[int] = set()
        for pid, create_time in self.known.items():
            if _running(pid, create_time):
                left.add(pid)
        if self.tag is not None:
            name, value = self.tag
            for process in psutil.process_iter():
                try:
                    if process.environ().get(name) == value and _running(
                        process.pid, process.create_time()
                    ):
                        left.add(process.pid)
                except (psutil.Error, OSError):
                    continue
        return sorted(left)

    def wait_gone(self, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """Wait (bounded) until none of the family runs; what is left at the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        left = [pid for pid in self.alive() if pid not in exclude]
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = [pid for pid in self.alive() if pid not in exclude]
        return left


def _running(pid: int, create_time: float) -> bool:
    try:
        process = psutil.Process(pid)
        return process.create_time() == create_time and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
