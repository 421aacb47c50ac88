"""The one way this extension runs external commands: an argv list, no shell, a timeout that kills.

Every command starts in a session of its own, so that a timeout kills its whole process group
(helpers it started included) and reaps it: a hung `nvidia-smi` or `squeue` never piles up.
POSIX only, like the clusters this extension serves.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# How much longer than the command's own timeout a worker thread waits for the event loop to
# answer: enough for the kill and the reap, short enough that a stalled loop is noticed.
SYNC_MARGIN_S = 2.0


@dataclass(frozen=True)
class CommandResult:
    """What a finished command printed and how it exited."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float


class CommandError(Exception):
    """A command could not be run to its end."""

    def __init__(self, argv: Sequence[str], message: str) -> None:
        super().__init__(message)
        self.argv = tuple(argv)


class CommandNotFound(CommandError):
    """The executable does not exist or may not be executed."""


class CommandTimeout(CommandError):
    """The command ran past its timeout and was killed with its process group."""

    def __init__(self, argv: Sequence[str], timeout_s: float) -> None:
        super().__init__(argv, f"{argv[0]} did not finish within {timeout_s:g} s and was killed")
        self.timeout_s = timeout_s


async def run_command(
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    input: bytes | str | None = None,
) -> CommandResult:
    """Run argv to its end and return its output; kill its process group after timeout_s.

    `input` is written to the command's stdin (text as UTF-8), which is then closed; without
    it stdin is /dev/null.
    """
    argv = tuple(str(item) for item in argv)
    if not argv:
        raise ValueError("run_command needs at least the executable in argv")
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            # Nothing ever waits for input that will not come.
            stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=None if env is None else dict(env),
            cwd=None if cwd is None else Path(cwd),
            start_new_session=True,
        )
    except (FileNotFoundError, PermissionError) as error:
        raise CommandNotFound(
            argv, f"{argv[0]} could not be started: {error.strerror or error}"
        ) from error
    try:
        data = input.encode("utf-8") if isinstance(input, str) else input
        stdout, stderr = await asyncio.wait_for(process.communicate(data), timeout_s)
    except asyncio.TimeoutError:
        _kill_group(process.pid)
        await process.wait()
        raise CommandTimeout(argv, timeout_s) from None
    except BaseException:
        # Cancelled (server shutting down): leave nothing running; asyncio reaps it.
        _kill_group(process.pid)
        raise
    return CommandResult(
        argv=argv,
        # communicate() returns after both the end of the output and the exit.
        returncode=await process.wait(),
        stdout=stdout.decode("utf-8", errors="replace"),
        stderr=stderr.decode("utf-8", errors="replace"),
        duration_s=time.monotonic() - started,
    )


def run_command_sync(
    argv: Sequence[str],
    *,
    timeout_s: float,
    loop: asyncio.AbstractEventLoop | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> CommandResult:
    """Run a command from a worker thread: on the given running loop, or a private one if None."""
    coroutine = run_command(argv, timeout_s=timeout_s, env=env, cwd=cwd)
    if loop is None:
        return asyncio.run(coroutine)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coroutine.close()
        raise RuntimeError("run_command_sync would block its own event loop; await run_command")
    future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    try:
        return future.result(timeout_s + SYNC_MARGIN_S)
    except concurrent.futures.TimeoutError:
        # The loop itself did not answer in time (stalled or stopped): cancelling the task
        # still kills the command once the loop runs again.
        future.cancel()
        raise CommandTimeout(argv, timeout_s) from None


def _kill_group(pid: int) -> None:
    """SIGKILL the process group that run_command started (its leader's pid is the group id)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        # Gone already, or only members that changed user are left: nothing we may kill.
        pass
