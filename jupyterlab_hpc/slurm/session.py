"""The Slurm job this server runs in (SLURM_JOB_ID): its time limit and end, asked once a minute."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any, Callable

from ..commands import CommandError
from .ids import InvalidJobId, check_job_id
from .parse import SEPARATOR, parse_duration, parse_local_time
from .runner import SlurmRunner

# A job's limit changes only when an admin extends it: once a minute is plenty.
SESSION_TTL_S = 60.0


class SessionJob:
    """`{id, time_limit_s, end_time}` of the server's own job, or None outside a job."""

    def __init__(
        self,
        runner: SlurmRunner,
        *,
        environ: Mapping[str, str] | None = None,
        ttl_s: float = SESSION_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """environ: where SLURM_JOB_ID is read, at each call (os.environ by default)."""
        self._runner = runner
        self._environ = os.environ if environ is None else environ
        self._ttl_s = ttl_s
        self._clock = clock
        self._job: dict[str, Any] | None = None
        self._asked_at = 0.0
        self._task: asyncio.Task[None] | None = None

    async def current(self, wait_s: float) -> dict[str, Any] | None:
        """The job, waiting at most wait_s for squeue (which goes on in the background)."""
        job_id = self._environ.get("SLURM_JOB_ID")
        if not job_id:
            return None
        unknown = {"id": job_id, "time_limit_s": None, "end_time": None}
        try:
            check_job_id(job_id)
        except InvalidJobId:
            return unknown
        stale = self._job is None or self._job["id"] != job_id
        if self._task is None and (stale or self._clock() - self._asked_at >= self._ttl_s):
            self._asked_at = self._clock()
            self._task = asyncio.ensure_future(self._lookup(job_id))
        if self._task is not None and stale:
            # Only the first answer is worth waiting for; later ones refresh in the background.
            try:
                await asyncio.wait_for(asyncio.shield(self._task), wait_s)
            except asyncio.TimeoutError:
                pass
        if self._job is not None and self._job["id"] == job_id:
            return self._job
        return unknown

    async def close(self) -> None:
        """Cancel a lookup in flight (server shutdown)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _lookup(self, job_id: str) -> None:
        try:
            result = await self._runner(["squeue", "-h", "-j", job_id, "-o", f"%l{SEPARATOR}%e"])
        except CommandError:
            return
        finally:
            self._task = None
        limit_text, _, end_text = result.stdout.strip().partition(SEPARATOR)
        if result.returncode != 0 and "Invalid job id" not in result.stderr:
            # Slurm is unreachable: what was known stays, the next call asks again.
            return
        if not limit_text:
            # Not (or no longer) in the queue: there is no limit to show.
            self._job = {"id": job_id, "time_limit_s": None, "end_time": None}
            return
        limit = parse_duration(limit_text)
        # Without a limit, Slurm's end time is a placeholder a year ahead.
        end = parse_local_time(end_text) if limit is not None else None
        self._job = {"id": job_id, "time_limit_s": limit, "end_time": end}
