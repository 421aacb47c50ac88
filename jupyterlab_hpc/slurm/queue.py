"""The job list: at most one squeue per poll interval for the whole server, shared by all.

However many tabs poll, each scope ("mine": `squeue -u <user>`, "all": the whole queue) is
fetched by one in-flight squeue that every concurrent request awaits, and its answer is reused
until the poll interval has passed. A failed squeue keeps the last good list (marked stale,
with Slurm's error), and the next try waits longer (up to 4 intervals), so a controller
outage is not hammered by the tabs of every user; the first success ends the back-off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from ..commands import CommandError
from ..metrics.times import format_time, utc_now
from .parse import SqueueUnreadable, parse_squeue, squeue_format
from .runner import SlurmRunner

Scope = Literal["mine", "all"]
SCOPES: tuple[Scope, ...] = ("mine", "all")

# After n failures in a row the next squeue waits min(2 ** (n - 1), this) poll intervals.
MAX_BACKOFF_FACTOR = 4


@dataclass(frozen=True)
class QueueView:
    """A job list as a GET answers it."""

    jobs: list[dict[str, Any]]
    fetched_at: str | None
    stale: bool
    error: str | None
    # `jobs` as JSON, made once per squeue and shared by every request until the next one
    # (a 50,000-job queue takes a fifth of a second to serialise).
    jobs_json: str = "[]"


class QueueUnavailable(Exception):
    """squeue failed and no job list was ever fetched: there is nothing honest to show."""


@dataclass
class _ScopeState:
    jobs: list[dict[str, Any]] | None = None
    jobs_json: str = "[]"
    fetched_at: str | None = None
    # monotonic time when the last good list was asked for
    fetched_mono: float | None = None
    error: str | None = None
    failures: int = 0
    next_due: float = 0.0
    # the queue's generation when this state's last squeue started (see invalidate)
    generation: int = -1
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class JobQueue:
    """The server's one cache of squeue answers, per scope."""

    def __init__(
        self,
        runner: SlurmRunner,
        *,
        user: str,
        poll_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        log: logging.Logger | None = None,
    ) -> None:
        """user: the OS user of this server (squeue -u); clock: monotonic seconds (tests)."""
        self.user = user
        self.poll_interval_s = poll_interval_s
        self._runner = runner
        self._clock = clock
        self._log = log or logging.getLogger(__name__)
        self._states: dict[Scope, _ScopeState] = {scope: _ScopeState() for scope in SCOPES}
        self._generation = 0
        # The user's jobs out of the last whole-queue list: (that list, the view of them).
        self._mine_from: tuple[list[dict[str, Any]], QueueView] | None = None

    async def jobs(self, scope: Scope) -> QueueView:
        """The jobs of scope, from squeue at most once per interval; raises QueueUnavailable."""
        if scope == "mine":
            shared = self._mine_from_all()
            if shared is not None:
                return shared
        state = self._states[scope]
        # Twice at most: a squeue in flight since before the last invalidate() is awaited, then
        # a fresh one runs, so an answer never predates a cancel the user has just made.
        for _ in range(2):
            if state.task is None:
                if not self._due(state):
                    break
                state.task = asyncio.ensure_future(self._fetch(scope, state))
            # Shielded: a client that goes away does not cancel the squeue others await.
            await asyncio.shield(state.task)
        if state.jobs is None:
            raise QueueUnavailable(state.error or "squeue has not answered yet")
        return QueueView(
            jobs=state.jobs,
            fetched_at=state.fetched_at,
            stale=state.error is not None,
            error=state.error,
            jobs_json=state.jobs_json,
        )

    def fresh_for_s(self, scope: Scope) -> int:
        """Whole seconds the answer of `scope` stays current: how long a browser may reuse it.

        0 when it is stale or due: the next request must reach the server.
        """
        states = [self._states[scope]]
        if scope == "mine":
            states.insert(0, self._states["all"])
        for state in states:
            if state.jobs is not None and state.error is None and not self._due(state):
                return max(0, math.floor(state.next_due - self._clock()))
        return 0

    def invalidate(self) -> None:
        """Make the next request run squeue (after a cancel, hold, release or submit)."""
        self._generation += 1

    async def close(self) -> None:
        """Cancel the squeues in flight (server shutdown); run_command kills them."""
        tasks = [state.task for state in self._states.values() if state.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _due(self, state: _ScopeState) -> bool:
        return state.generation != self._generation or self._clock() >= state.next_due

    def _mine_from_all(self) -> QueueView | None:
        """The user's jobs out of a fresh whole-queue list: no second squeue for them."""
        every = self._states["all"]
        if (
            every.jobs is None
            or every.error is not None
            or every.fetched_mono is None
            or self._due(every)
        ):
            return None
        if self._mine_from is None or self._mine_from[0] is not every.jobs:
            mine = [job for job in every.jobs if job["user"] == self.user]
            view = QueueView(mine, every.fetched_at, False, None, json.dumps(mine))
            self._mine_from = (every.jobs, view)
        return self._mine_from[1]

    async def _fetch(self, scope: Scope, state: _ScopeState) -> None:
        generation = self._generation
        started = self._clock()
        argv = ["squeue", "-h", "-o", squeue_format()]
        if scope == "mine":
            argv += ["-u", self.user]
        error: str | None = None
        try:
            result = await self._runner(argv)
            if result.returncode != 0:
                error = result.stderr.strip() or f"squeue exited with status {result.returncode}"
            else:
                # Off the event loop: 50,000 jobs take about a second to parse and serialise.
                jobs, jobs_json = await asyncio.to_thread(_read_squeue, result.stdout)
        except (CommandError, SqueueUnreadable) as failure:
            error = str(failure)
        except Exception as failure:
            # A bug here must not leave the list stuck: report it like a failed squeue.
            self._log.exception("jupyterlab-hpc: reading squeue's answer failed")
            error = f"Could not read squeue's answer: {failure}"
        finally:
            state.task = None
            state.generation = generation
        if error is None:
            if state.failures:
                self._log.info("jupyterlab-hpc: squeue (%s) answers again", scope)
            state.jobs, state.jobs_json, state.error, state.failures = jobs, jobs_json, None, 0
            state.fetched_at, state.fetched_mono = format_time(utc_now()), started
            state.next_due = started + self.poll_interval_s
            return
        if state.failures == 0:
            self._log.warning("jupyterlab-hpc: squeue failed (%s): %s", scope, error)
        state.error = error
        state.failures += 1
        factor = min(2 ** (state.failures - 1), MAX_BACKOFF_FACTOR)
        state.next_due = self._clock() + factor * self.poll_interval_s


def _read_squeue(text: str) -> tuple[list[dict[str, Any]], str]:
    """squeue's jobs and their JSON; SqueueUnreadable when the output holds none it can read."""
    jobs = parse_squeue(text)
    return jobs, json.dumps(jobs)
