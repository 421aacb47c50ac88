"""One app's process: jupyter-server-proxy's supervisor (simpervisor), made fit for launched apps.

simpervisor's `SupervisedProcess` is what jupyter-server-proxy starts its apps with. Three of its
habits do not suit apps a user launches with arguments, so this subclass changes them:

* it restarts a process that exits with a non-zero code, forever: an app that crashes at start
  (a missing `--logdir`) would be started again and again. Here an exit is final, and recorded;
* its readiness check doubles its wait each time (10 ms, 20 ms, ... 2.56 s), so an app ready
  after 2.6 s is only seen after 5.1 s. Here the check runs every 20 ms, and stops at once
  when the process exits;
* it signals the process alone, so an app's own children (a wrapper script's server, MLflow's
  gunicorn workers) outlive it. Here the app runs in a session of its own and the whole
  process group is signalled, with a grace period before SIGKILL, and reaped; when the app
  exits by itself, what it left in its group is killed.

The child's stdin is /dev/null and its output goes to a file: no pipe can fill up and stall it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import IO, Any

from simpervisor import SupervisedProcess
from simpervisor.atexitasync import remove_handler

# How often readiness is checked while an app starts: a check is one refused connect until
# the app listens, so a short interval costs little and shows the app soon after it is ready.
READY_INTERVAL_S = 0.02


class AppProcess(SupervisedProcess):  # type: ignore[misc]
    """A supervised app: never restarted, ready-checked at a fixed cadence, killed as a group."""

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
    ) -> None:
        super().__init__(
            name,
            *argv,
            always_restart=False,
            ready_func=ready_func,
            ready_timeout=ready_timeout,
            log=log,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A session of its own: the app and everything it starts form one process group.
            start_new_session=True,
        )
        self.exited = asyncio.Event()
        self.exit_code: int | None = None

    async def _restart_process_if_needed(self) -> None:
        """Wait for the exit (this reaps the process) and record it; never restart."""
        self.exit_code = await self.proc.wait()
        # What the app left in its group (a wrapper's server, workers) ends with it, now: once
        # the group is empty its id is free for another process, so no later stop may signal it.
        _signal_group(self.proc.pid, signal.SIGKILL)
        remove_handler(self._handle_signal)
        self.running = False
        self._killed = True
        self.exited.set()

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
        """SIGTERM to the whole group, SIGKILL after grace_s, then the exit code (reaped)."""
        pid = self.proc.pid if self.proc is not None else None
        if pid is None:
            return None
        self._killed = True
        _signal_group(pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.exited.wait(), grace_s)
        except asyncio.TimeoutError:
            self.log.info("%s ignored SIGTERM for %g s: killing it", self.name, grace_s)
        # Children that outlived their parent, or a parent that ignored SIGTERM.
        _signal_group(pid, signal.SIGKILL)
        await self.exited.wait()
        return self.exit_code


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        # The group is gone already (or its pid was reused by someone else's process).
        pass
