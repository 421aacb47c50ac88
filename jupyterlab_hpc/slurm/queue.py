"""The job list: at most one squeue per poll interval for the whole server, shared by all.

Each new list of the user's jobs is compared with the one before: a job that started, was
requeued or ended becomes an event (for notifications). How a job that left the queue ended
is asked of one `sacct` for all of them (`squeue -t all` where the cluster keeps no
accounting), so events cost no polling of their own.

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
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from ..commands import CommandError
from ..metrics.times import format_time, utc_now
from .cache import CacheUnusable, read_user_jobs
from .parse import (
    FINAL_STATES,
    SEPARATOR,
    SqueueUnreadable,
    parse_squeue,
    set_queue_positions,
    squeue_format,
    without_priority,
)
from .runner import SlurmRunner

Scope = Literal["mine", "all"]
SCOPES: tuple[Scope, ...] = ("mine", "all")

# After n failures in a row the next squeue waits min(2 ** (n - 1), this) poll intervals.
MAX_BACKOFF_FACTOR = 4
# Events kept for the tabs that have not seen them yet.
MAX_EVENTS = 200
# Pending jobs' places in their queues are asked for at most once per this many intervals
# (they move slowly); between, a job keeps the place it had.
PLACES_EVERY = 4
# Lists a job that left the queue is looked for in sacct before it is let go (sacct may not
# have its end yet).
MAX_END_LOOKUPS = 4

# The event of a final state.
_FINAL_KINDS = {
    "COMPLETED": "completed",
    "OUT_OF_MEMORY": "out_of_memory",
    "TIMEOUT": "timeout",
    "CANCELLED": "cancelled",
}


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
        cache_dir: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        log: logging.Logger | None = None,
    ) -> None:
        """user: the OS user of this server (squeue -u); clock: monotonic seconds (tests).

        cache_dir: the cluster's shared queue list (see cache.py), read instead of squeue for
        the user's jobs while it is fresh and trustworthy.
        """
        self.user = user
        self.poll_interval_s = poll_interval_s
        self._cache_dir = Path(cache_dir) if cache_dir else None
        # Why the shared list was last passed over (logged once per reason).
        self._cache_problem: str | None = None
        self._runner = runner
        self._clock = clock
        self._log = log or logging.getLogger(__name__)
        self._states: dict[Scope, _ScopeState] = {scope: _ScopeState() for scope in SCOPES}
        self._generation = 0
        # The user's jobs out of the last whole-queue list: (that list, the view of them).
        self._mine_from: tuple[list[dict[str, Any]], QueueView] | None = None
        # The user's jobs in the last list compared (id -> job); None before the first.
        self._known: dict[str, dict[str, Any]] | None = None
        # When the list compared last was asked for (monotonic): an older one is not compared.
        self._known_at = float("-inf")
        # Jobs that left the queue and whose end is not known yet: id -> (job, lookups).
        self._ending: dict[str, tuple[dict[str, Any], int]] = {}
        # Jobs submitted through this server, not listed yet: their end is an event even when
        # they end before a list shows them (id -> a stand-in job).
        self._watched: dict[str, dict[str, Any]] = {}
        self._events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
        self._last_event = 0
        self._compare_lock = asyncio.Lock()
        # The places of the user's pending jobs (id -> place) and when they were asked for.
        self._places: dict[str, int | None] = {}
        self._places_due = float("-inf")

    @property
    def last_event(self) -> int:
        """The seq of the newest event (0: none yet)."""
        return self._last_event

    def watch(self, job_id: str) -> None:
        """Tell the events of a job just submitted, even if it ends before a list shows it."""
        self._watched[job_id] = {"id": job_id, "name": "", "state": "PENDING"}

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        """The events newer than seq, oldest first."""
        return [event for event in self._events if event["seq"] > seq]

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
        # When the list was read: now for our squeue, the writer's time for the shared list.
        fetched_at: str | None = None
        try:
            shared = await self._shared_list() if scope == "mine" else None
            if shared is not None:
                jobs, fetched_at = shared
                jobs_json = await asyncio.to_thread(_as_json, jobs)
                await self._compare(jobs, started)
            else:
                result = await self._runner(argv)
                if result.returncode != 0:
                    error = (
                        result.stderr.strip() or f"squeue exited with status {result.returncode}"
                    )
                else:
                    # Off the event loop: 50,000 jobs take about a second to parse and serialise.
                    jobs = await asyncio.to_thread(parse_squeue, result.stdout)
                    await self._place_pending(scope, jobs)
                    jobs_json = await asyncio.to_thread(_as_json, jobs)
                    mine = jobs if scope == "mine" else [j for j in jobs if j["user"] == self.user]
                    await self._compare(mine, started)
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
            state.fetched_at = fetched_at or format_time(utc_now())
            state.fetched_mono = started
            state.next_due = started + self.poll_interval_s
            return
        if state.failures == 0:
            self._log.warning("jupyterlab-hpc: squeue failed (%s): %s", scope, error)
        state.error = error
        state.failures += 1
        factor = min(2 ** (state.failures - 1), MAX_BACKOFF_FACTOR)
        state.next_due = self._clock() + factor * self.poll_interval_s

    async def _shared_list(self) -> tuple[list[dict[str, Any]], str | None] | None:
        """The user's jobs from the cluster's shared list and when it was read; None to run
        squeue instead."""
        if self._cache_dir is None:
            return None
        try:
            answer = await asyncio.to_thread(read_user_jobs, self._cache_dir, self.user)
        except (CacheUnusable, OSError, ValueError) as problem:
            text = str(problem)
            if text != self._cache_problem:
                self._log.warning("jupyterlab-hpc: squeue instead of the shared list: %s", text)
                self._cache_problem = text
            return None
        if self._cache_problem is not None:
            self._log.info("jupyterlab-hpc: the shared queue list is used again")
            self._cache_problem = None
        fetched_at = answer["fetched_at"]
        return list(answer["jobs"]), fetched_at if isinstance(fetched_at, str) else None

    async def _place_pending(self, scope: Scope, jobs: list[dict[str, Any]]) -> None:
        """Each pending job's place in its partition's queue.

        The whole queue has every pending job; the user's list needs one more squeue (of the
        pending jobs of those partitions), only when the user has a job waiting.
        """
        if scope == "all":
            # Off the event loop, like the parsing: the whole queue may hold 50,000 jobs.
            await asyncio.to_thread(set_queue_positions, jobs, jobs)
            return
        waiting = {
            job["partition"] for job in jobs if job["state"] == "PENDING" and not job["held"]
        }
        if not waiting:
            return
        if self._clock() < self._places_due:
            for job in jobs:
                job["queue_position"] = self._places.get(job["id"])
            return
        self._places_due = self._clock() + PLACES_EVERY * self.poll_interval_s
        argv = ["squeue", "-h", "-t", "PD", "-p", ",".join(sorted(waiting))]
        try:
            result = await self._runner([*argv, "-o", squeue_format()])
            pending = parse_squeue(result.stdout) if result.returncode == 0 else []
        except (CommandError, SqueueUnreadable):
            # The places stay unknown; the list itself is good.
            return
        set_queue_positions(jobs, pending)
        self._places = {job["id"]: job["queue_position"] for job in jobs}

    async def _compare(self, mine: list[dict[str, Any]], asked_at: float) -> None:
        """Events from the user's jobs now against the last list; ended jobs asked of sacct."""
        async with self._compare_lock:
            if asked_at < self._known_at:
                return
            known, self._known, self._known_at = self._known, {j["id"]: j for j in mine}, asked_at
            watched, self._watched = self._watched, {}
            # The first list is the baseline: only jobs submitted before it can have changed.
            first = known is None
            known = {**watched, **(known or {})}
            for job in mine:
                if first and job["id"] not in watched:
                    continue
                before = known.get(job["id"])
                old = before["state"] if before is not None else None
                kind = _change(old, job["state"])
                if kind is not None:
                    self._record(kind, job, job["state"], None)
            for job_id, job in known.items():
                # A pending array's record ("5_[1-3]") becomes others as its tasks start.
                if job_id not in self._known and "[" not in job_id:
                    if job["state"] not in FINAL_STATES:
                        self._ending[job_id] = (job, 0)
            if self._ending:
                await self._look_up_ends()

    async def _look_up_ends(self) -> None:
        ids = sorted(self._ending)
        ends = await self._final_states(ids)
        for job_id in ids:
            job, lookups = self._ending.pop(job_id)
            end = ends.get(job_id)
            if end is not None and end[0] in FINAL_STATES:
                job = {**job, "name": job["name"] or end[2]}
                self._record(_FINAL_KINDS.get(end[0], "failed"), job, end[0], end[1])
            elif lookups + 1 < MAX_END_LOOKUPS:
                self._ending[job_id] = (job, lookups + 1)

    async def _final_states(self, ids: list[str]) -> dict[str, tuple[str, str | None, str]]:
        """id -> (state, exit code, name) from sacct, or squeue -t all without accounting."""
        fields = ["--delimiter", SEPARATOR, "--format", "JobID,State,ExitCode,JobName"]
        argv = ["sacct", "-X", "-n", "-P", *fields, "-j", ",".join(ids)]
        ends: dict[str, tuple[str, str | None, str]] = {}
        try:
            result = await self._runner(argv)
            if result.returncode == 0:
                for line in result.stdout.splitlines():
                    parts = line.split(SEPARATOR, 3)
                    if len(parts) == 4:
                        ends[parts[0]] = (parts[1].split(" ", 1)[0], parts[2] or None, parts[3])
            missing = [job_id for job_id in ids if ends.get(job_id, ("",))[0] not in FINAL_STATES]
            if missing:
                listing = f"%i{SEPARATOR}%T{SEPARATOR}%j"
                result = await self._runner(
                    ["squeue", "-h", "-t", "all", "-j", ",".join(missing), "-o", listing]
                )
                for line in result.stdout.splitlines() if result.returncode == 0 else []:
                    job_id, state, name = [*line.split(SEPARATOR, 2), "", ""][:3]
                    if state in FINAL_STATES and ends.get(job_id, ("",))[0] not in FINAL_STATES:
                        ends[job_id] = (state, None, name)
        except CommandError as error:
            self._log.debug("jupyterlab-hpc: how jobs ended is not known: %s", error)
        return ends

    def _record(self, kind: str, job: dict[str, Any], state: str, exit_code: str | None) -> None:
        self._last_event += 1
        self._events.append(
            {
                "seq": self._last_event,
                "kind": kind,
                "id": job["id"],
                "name": job["name"],
                "state": state,
                "exit_code": exit_code,
                "time": format_time(utc_now()),
            }
        )


def _change(before: str | None, now: str) -> str | None:
    """The event of a job going from state `before` (None: not listed) to `now`."""
    if now == before:
        return None
    if now == "RUNNING" and before in (None, "PENDING", "CONFIGURING", "REQUEUED"):
        return "started"
    if now in ("PENDING", "REQUEUED") and before in ("RUNNING", "COMPLETING", "CONFIGURING"):
        return "requeued"
    if now in FINAL_STATES and before is not None:
        return _FINAL_KINDS.get(now, "failed")
    return None


def _as_json(jobs: list[dict[str, Any]]) -> str:
    return json.dumps(without_priority(jobs))
