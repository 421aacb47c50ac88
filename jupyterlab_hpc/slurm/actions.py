"""What users do to jobs: submit, cancel, hold, release, look at details and history.

Every command gets user text only as separate argv items: job ids after validation, scripts
as absolute paths after "--" or on stdin. Failures become ActionError with the HTTP status to
answer and Slurm's own words.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from ..commands import CommandNotFound, CommandResult, CommandTimeout
from ..metrics.times import format_time, utc_now
from .ids import check_job_id
from .parse import (
    SEPARATOR,
    parse_sacct,
    parse_scontrol_jobs,
    parse_submitted,
    sacct_format,
)
from .paths import PathRejected, confine, relative_to_root
from .runner import SlurmRunner

# Longest script text accepted on stdin: batch scripts are small; this is not an upload API.
MAX_SCRIPT_BYTES = 1024 * 1024

CONTROLLER_DOWN = "Unable to contact slurm controller"
# What scancel, scontrol hold and release say about a job of another user.
PERMISSION_DENIED = "access/permission denied"
ACCOUNTING_DISABLED = "accounting storage is disabled"
NOT_ENABLED = "Job accounting is not enabled on this cluster."
JOULES_PER_KWH = 3.6e6


class ActionError(Exception):
    """A user action failed: the HTTP status to answer and a message for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SlurmActions:
    """The job actions of one server, for its OS user and inside its root folder."""

    def __init__(
        self,
        runner: SlurmRunner,
        *,
        root_dir: str,
        user: str,
        history_ttl_s: float,
        emission_factor: Callable[[], float | None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """root_dir: submit paths are confined to it; history_ttl_s: how long sacct is reused.

        emission_factor: the grid's g CO2e per kWh in force, for the CO2 of finished jobs.
        """
        self.root_dir = root_dir
        self._emission_factor = emission_factor
        self.user = user
        self._runner = runner
        self._history_ttl_s = history_ttl_s
        self._clock = clock
        # days -> (monotonic time asked, the answer being or having been computed)
        self._history: dict[int, tuple[float, asyncio.Task[dict[str, Any]]]] = {}

    async def submit_path(self, path: object) -> dict[str, str]:
        """sbatch a script file under the root; the job starts in the file's folder."""
        script = _confined(self.root_dir, path, kind="file")
        # The folder as the working directory (not --chdir), so a script's own
        # `#SBATCH --chdir` still wins; "--" and an absolute path: never read as an option.
        return await self._sbatch(["sbatch", "--", str(script)], cwd=script.parent)

    async def submit_text(self, script: object, cwd: object) -> dict[str, str]:
        """sbatch script text given on stdin, in a folder under the root (the root by default)."""
        if not isinstance(script, str) or not script.strip():
            raise ActionError(400, "The script is empty.")
        try:
            data = script.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ActionError(
                400, f"The script holds a lone surrogate (character {error.start + 1})."
            ) from None
        if len(data) > MAX_SCRIPT_BYTES:
            raise ActionError(413, f"The script is larger than {MAX_SCRIPT_BYTES} bytes.")
        folder = _confined(self.root_dir, "." if cwd in (None, "") else cwd, kind="folder")
        return await self._sbatch(["sbatch"], cwd=folder, input=data)

    async def cancel(self, job_id: str) -> None:
        """scancel; an unknown id is no error for scancel: the next job list tells."""
        await self._checked(["scancel", check_job_id(job_id)])

    async def hold(self, job_id: str) -> None:
        """scontrol hold: a pending job stays pending (reason JobHeldUser)."""
        await self._checked(["scontrol", "hold", check_job_id(job_id)])

    async def release(self, job_id: str) -> None:
        """scontrol release: a job held by its user may start again."""
        await self._checked(["scontrol", "release", check_job_id(job_id)])

    async def requeue(self, job_id: str, *, hold: bool = False) -> None:
        """scontrol requeue (or requeuehold): the job goes back to the queue, held if asked."""
        await self._checked(
            ["scontrol", "requeuehold" if hold else "requeue", check_job_id(job_id)]
        )

    async def details(self, job_id: str) -> dict[str, Any]:
        """Every field of `scontrol show job -o`, and the output files relative to the root."""
        job_id = check_job_id(job_id)
        result = await self._run(["scontrol", "show", "job", "-o", job_id])
        if result.returncode != 0:
            message = _message(result)
            status = 404 if "Invalid job id" in message else _failure_status(message)
            raise ActionError(status, message)
        jobs = parse_scontrol_jobs(result.stdout)
        if not jobs:
            raise ActionError(404, f"Slurm knows no job {job_id}.")
        fields = _pick(jobs, job_id)
        stdout, stderr = (_path(fields.get(key)) for key in ("StdOut", "StdErr"))
        return {
            "id": job_id,
            "fields": fields,
            "stdout_path": stdout,
            "stderr_path": stderr,
            "stdout_relative": relative_to_root(self.root_dir, stdout),
            "stderr_relative": relative_to_root(self.root_dir, stderr),
        }

    async def history(self, days: int) -> dict[str, Any]:
        """Finished jobs of the user in the last days, reused for the history TTL."""
        now = self._clock()
        cached = self._history.get(days)
        if cached is not None and (not cached[1].done() or now - cached[0] < self._history_ttl_s):
            return await asyncio.shield(cached[1])
        task = asyncio.ensure_future(self._read_history(days))
        self._history[days] = (now, task)
        try:
            return await asyncio.shield(task)
        except ActionError:
            # Failures are not reused: the next request asks again.
            self._history.pop(days, None)
            raise

    async def _read_history(self, days: int) -> dict[str, Any]:
        # No -X: the steps' lines carry MaxRSS (parse_sacct folds them into their job).
        common = ["-P", "-n", "--delimiter", SEPARATOR, "--format", sacct_format()]
        window = ["-S", f"now-{days}days", "-u", self.user]
        try:
            result = await self._run(["sacct", *common, *window])
        except ActionError as error:
            if error.status == 503:  # sacct is not installed
                return _no_history(error.message)
            raise
        if result.returncode == 0:
            return self._history_of("sacct", _finished(parse_sacct(result.stdout)))
        message = _message(result)
        if ACCOUNTING_DISABLED not in message.lower():
            raise ActionError(503, message)
        # No slurmdbd: a job completion file (jobcomp/filetxt) may still list finished jobs.
        # `sacct -c` ignores -u and -S, so they are applied here.
        completed = await self._run(["sacct", "-c", *common])
        if completed.returncode != 0:
            return _no_history(f"{NOT_ENABLED} ({_message(completed)})")
        since = format_time(utc_now() - timedelta(days=days))
        jobs = [
            job
            for job in _finished(parse_sacct(completed.stdout))
            if job["user"] == self.user and job["end_time"] >= since
        ]
        return self._history_of("sacct -c", jobs)

    def _history_of(self, source: str, jobs: list[dict[str, Any]]) -> dict[str, Any]:
        """The history answer: each job's CO2 at the factor in force, where energy was measured."""
        factor = self._emission_factor()
        for job in jobs:
            energy = job["energy_joules"]
            job["co2_grams"] = (
                None
                if energy is None or factor is None
                else round(energy / JOULES_PER_KWH * factor, 3)
            )
        return {
            "available": True,
            "source": source,
            "reason": None,
            "jobs": jobs,
            "emission_factor_g_per_kwh": factor,
        }

    async def _sbatch(
        self, argv: list[str], *, cwd: Path, input: bytes | None = None
    ) -> dict[str, str]:
        result = await self._run(argv, cwd=cwd, input=input)
        if result.returncode != 0:
            message = _message(result)
            raise ActionError(_failure_status(message), message)
        job_id = parse_submitted(result.stdout)
        if job_id is None:
            raise ActionError(502, f"sbatch gave no job id: {_message(result)}")
        # sbatch's warnings (e.g. about the requested resources) follow its message.
        message = "\n".join(text for text in (result.stdout.strip(), result.stderr.strip()) if text)
        return {"id": job_id, "message": message}

    async def _checked(self, argv: Sequence[str]) -> None:
        result = await self._run(argv)
        if result.returncode != 0:
            message = _message(result)
            raise ActionError(_failure_status(message), message)

    async def _run(
        self, argv: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None
    ) -> CommandResult:
        try:
            return await self._runner(argv, cwd=cwd, input=input)
        except CommandTimeout as error:
            raise ActionError(504, str(error)) from None
        except CommandNotFound as error:
            message = f"{argv[0]} is not installed on this server ({error})."
            raise ActionError(503, message) from None


def _confined(root: str, text: object, *, kind: str) -> Path:
    try:
        return confine(root, text, kind=kind)
    except PathRejected as error:
        raise ActionError(400, str(error)) from None


def _message(result: CommandResult) -> str:
    """What a failed command said, verbatim; its exit status when it said nothing."""
    text = result.stderr.strip() or result.stdout.strip()
    return text or f"{result.argv[0]} exited with status {result.returncode}"


def _failure_status(message: str) -> int:
    """503 when Slurm is unreachable, 403 when it refuses this user (another's job), else 400."""
    lowered = message.lower()
    if CONTROLLER_DOWN.lower() in lowered:
        return 503
    return 403 if PERMISSION_DENIED in lowered else 400


def _pick(jobs: list[dict[str, str]], job_id: str) -> dict[str, str]:
    """The line of `scontrol show job -o` that is job_id (an array prints one per task)."""
    base, _, task = job_id.partition("_")
    for fields in jobs:
        if task and (fields.get("ArrayJobId"), fields.get("ArrayTaskId")) == (base, task):
            return fields
        if fields.get("JobId") == job_id:
            return fields
    return jobs[0]


def _path(value: str | None) -> str | None:
    return value if value and value != "(null)" and os.path.isabs(value) else None


def _finished(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Running and pending jobs have no end yet: they belong to the job list.
    return [job for job in jobs if job["end_time"] is not None]


def _no_history(reason: str) -> dict[str, Any]:
    return {
        "available": False,
        "source": None,
        "reason": reason,
        "jobs": [],
        "emission_factor_g_per_kwh": None,
    }
