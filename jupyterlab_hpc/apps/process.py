"""One app's process, and everything it starts: launched, watched, and stopped so none is left.

An app runs in a session of its own (its pid is its session and process group id), with stdin
/dev/null and its output in a file: no pipe can fill up and stall it. It is never restarted: an
exit is final, and recorded. Readiness is checked every 20 ms, and no longer once it exits.

"Stopped" means nothing of the app remains, not only its first process: a wrapper script's
server, MLflow's gunicorn workers, a child that called setsid() and left the group. Before any
signal the app's family is found (`family`): its descendants, the members of its sessions and
groups, and every process that carries its mark in its environment (a daemon that forked
twice and now belongs to init still does). They get SIGTERM, then SIGKILL after the grace; the
search runs again after the kill for what forked meanwhile. A process is only signalled while
its start time is the one recorded when it was found: a pid reused by someone else is spared.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import psutil

from ..proc import process_tree_pids

# How often readiness is checked while an app starts: a check is one refused connect until
# the app listens, so a short interval costs little and shows the app soon after it is ready.
READY_INTERVAL_S = 0.02
# How often a running app's descendants are noted: a child that calls setsid() and clears its
# environment is still found once its parent has exited, if it was seen once before.
TRACK_INTERVAL_S = 1.0
# How often a stop looks whether the family has gone during the grace period.
GONE_INTERVAL_S = 0.05
# Rounds of search-and-kill after the grace: each finds what forked during the previous one.
KILL_ROUNDS = 5
# The variable that marks every process of one app instance: its value is the instance's id.
MARK_VARIABLE = "JUPYTERLAB_HPC_APP_ID"


@dataclass(frozen=True)
class Member:
    """One process of an app's family, as found: its pid and its start time (psutil's)."""

    pid: int
    create_time: float


def new_mark() -> str:
    """A fresh instance id for MARK_VARIABLE: random, so that no other process carries it."""
    return secrets.token_hex(8)


class AppProcess:
    """A launched app: never restarted, ready-checked at a fixed cadence, stopped as a family."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str,
        output: IO[bytes],
        ready_func: Callable[[AppProcess], Awaitable[bool]],
        ready_timeout: float,
        log: logging.Logger | logging.LoggerAdapter[Any],
        mark: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.mark = mark or new_mark()
        self.env = {**env, MARK_VARIABLE: self.mark}
        self.cwd = cwd
        self.output = output
        self.ready_func = ready_func
        self.ready_timeout = ready_timeout
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.create_time: float | None = None
        self.exited = asyncio.Event()
        self.exit_code: int | None = None
        # Every process of the family seen so far (pid -> start time), the leader included.
        self.seen: dict[int, float] = {}
        self._monitor: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    async def start(self) -> None:
        """Start the app in a session of its own; OSError when it cannot be executed."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self.output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.create_time = psutil.Process(self.proc.pid).create_time()
            self.seen[self.proc.pid] = self.create_time
        except psutil.Error:
            pass  # exited already: the monitor records its code
        self._monitor = asyncio.ensure_future(self._follow())

    async def ready(self) -> bool:
        """True once the app answers; False when it exits first or its timeout passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout
        while not self.exited.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                if await asyncio.wait_for(self.ready_func(self), remaining):
                    return True
            except asyncio.TimeoutError:
                return False
            try:
                await asyncio.wait_for(self.exited.wait(), min(READY_INTERVAL_S, remaining))
            except asyncio.TimeoutError:
                pass
        return False

    async def stop(self, grace_s: float) -> int | None:
        """SIGTERM to the whole family, SIGKILL after grace_s, then the exit code (reaped)."""
        if self.proc is None:
            return None
        if not await end_family(self.family, grace_s):
            self.log.info("%s ignored SIGTERM for %g s: killing it", self.name, grace_s)
        await self.exited.wait()
        return self.exit_code

    def family(self) -> list[Member]:
        """Every process of this app now: what was seen, its descendants, sessions and mark."""
        return find_family(
            roots=self.seen.items(),
            sessions={self.proc.pid} if self.proc is not None else set(),
            mark=self.mark,
        )

    async def _follow(self) -> None:
        """Wait for the exit (asyncio reaps it), noting descendants; then end what is left."""
        assert self.proc is not None
        wait = asyncio.ensure_future(self.proc.wait())
        while True:
            done, _ = await asyncio.wait({wait}, timeout=TRACK_INTERVAL_S)
            if done:
                break
            self._note_descendants()
        self.exit_code = wait.result()
        # What the app left behind (a wrapper's server, workers) ends with it, now.
        kill_family(self.family)
        self.exited.set()

    def _note_descendants(self) -> None:
        if self.proc is None or self.create_time is None:
            return
        if not _is(Member(self.proc.pid, self.create_time)):
            return
        for pid in process_tree_pids(self.proc.pid):
            if pid not in self.seen:
                try:
                    self.seen[pid] = psutil.Process(pid).create_time()
                except psutil.Error:
                    continue


async def end_family(find: Callable[[], list[Member]], grace_s: float) -> bool:
    """SIGTERM what `find` finds, SIGKILL it after grace_s; whether it went on SIGTERM alone."""
    family = find()
    signal_members(family, signal.SIGTERM)
    gentle = await wait_gone(family, grace_s)
    kill_family(find, family)
    return gentle


def kill_family(find: Callable[[], list[Member]], family: Iterable[Member] = ()) -> None:
    """SIGKILL the family, and what it started meanwhile, until `find` finds none."""
    members = list(family) or find()
    for _ in range(KILL_ROUNDS):
        signal_members(members, signal.SIGKILL)
        members = find()
        if not members:
            return


def find_family(
    *, roots: Iterable[tuple[int, float]], sessions: Iterable[int], mark: str | None
) -> list[Member]:
    """The live processes of one app, searched in /proc among this user's processes.

    A process belongs when it is one of `roots` (same start time), a descendant of a member,
    in a session or process group of a member (or of `sessions`), or when its environment
    carries MARK_VARIABLE=`mark`. The search repeats until it finds nothing new.
    """
    uid = os.getuid()
    me = os.getpid()
    table: dict[int, tuple[float, int, int, int]] = {}  # pid -> create_time, ppid, sid, pgid
    for process in psutil.process_iter(["uids", "create_time", "ppid", "status"]):
        info = process.info
        if process.pid == me or info["uids"] is None or info["uids"].real != uid:
            continue
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            table[process.pid] = (
                info["create_time"],
                info["ppid"],
                os.getsid(process.pid),
                os.getpgid(process.pid),
            )
        except OSError:
            continue
    members: set[int] = set()
    for pid, create_time in roots:
        if pid in table and table[pid][0] == create_time:
            members.add(pid)
    if mark:
        for pid in table:
            if pid not in members and _carries(pid, mark):
                members.add(pid)
    # Never the server's own session or group (kernels and terminals live there).
    own = {os.getsid(0), os.getpgid(0)}
    groups = set(sessions) - own
    while True:
        groups |= {table[pid][2] for pid in members} | {table[pid][3] for pid in members}
        groups -= own
        grown = {
            pid
            for pid, (_, ppid, sid, pgid) in table.items()
            if pid not in members and (ppid in members or sid in groups or pgid in groups)
        }
        if not grown:
            break
        members |= grown
    return [Member(pid, table[pid][0]) for pid in sorted(members)]


def _carries(pid: int, mark: str) -> bool:
    try:
        return psutil.Process(pid).environ().get(MARK_VARIABLE) == mark
    except (psutil.Error, OSError):
        return False


def _is(member: Member) -> bool:
    """Whether the pid is still the process found (not a reused pid), and not a zombie."""
    try:
        process = psutil.Process(member.pid)
        return (
            process.create_time() == member.create_time and process.status() != psutil.STATUS_ZOMBIE
        )
    except psutil.Error:
        return False


def signal_members(members: Iterable[Member], signum: signal.Signals) -> None:
    for member in members:
        if not _is(member):
            continue
        try:
            os.kill(member.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # gone meanwhile, or it changed user: nothing we may signal


async def wait_gone(members: Sequence[Member], timeout_s: float) -> bool:
    """Wait until none of the members lives (at most timeout_s); whether they all went."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while any(_is(member) for member in members):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(GONE_INTERVAL_S)
    return True
