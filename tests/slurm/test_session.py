"""The server's own job (SLURM_JOB_ID): its limit and end, asked at most once a minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jupyterlab_hpc.slurm.runner import SlurmRunner
from jupyterlab_hpc.slurm.session import SessionJob
from tests.slurm.fakes import Clock, ScriptedCommands

US = "\x1f"


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


async def until(check: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    """Return once check() holds, letting the event loop run; fail at the deadline."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def session_for(answer: Any, environ: dict[str, str]) -> tuple[SessionJob, Any, Clock]:
    commands, clock = ScriptedCommands({("squeue",): answer}), Clock()
    runner = SlurmRunner(timeout_s=10, run=commands)
    return SessionJob(runner, environ=environ, clock=clock), commands, clock


async def test_outside_a_job_there_is_none() -> None:
    session, commands, _ = session_for((0, "", ""), {})
    assert await session.current(1) is None
    assert commands.calls == []


async def test_the_job_limit_and_end_are_read_once_a_minute() -> None:
    session, commands, clock = session_for(
        (0, f"2:00:00{US}2026-11-23T14:00:00\n", ""), {"SLURM_JOB_ID": "42"}
    )
    job = await session.current(1)
    assert job == {"id": "42", "time_limit_s": 7200, "end_time": "2026-11-23T14:00:00.000Z"}
    assert commands.calls == [["squeue", "-h", "-j", "42", "-o", f"%l{US}%e"]]
    clock.advance(59)
    await session.current(1)
    assert len(commands.calls) == 1
    clock.advance(1)
    # a refresh runs in the background; the known answer is given at once
    assert await session.current(1) == job
    await until(lambda: len(commands.calls) == 2, what="the background refresh's squeue")


async def test_an_unlimited_job_has_no_end() -> None:
    session, _, _ = session_for(
        (0, f"UNLIMITED{US}2027-11-23T14:00:00\n", ""), {"SLURM_JOB_ID": "7"}
    )
    assert await session.current(1) == {"id": "7", "time_limit_s": None, "end_time": None}


async def test_a_job_slurm_does_not_know_or_a_down_controller_give_nulls() -> None:
    for answer in [
        (1, "", "slurm_load_jobs error: Invalid job id specified\n"),
        (1, "", "squeue: error: Unable to contact slurm controller\n"),
    ]:
        session, _, _ = session_for(answer, {"SLURM_JOB_ID": "7"})
        assert await session.current(1) == {"id": "7", "time_limit_s": None, "end_time": None}


async def test_a_malformed_job_id_is_never_passed_to_squeue() -> None:
    session, commands, _ = session_for((0, "", ""), {"SLURM_JOB_ID": "--me"})
    assert await session.current(1) == {"id": "--me", "time_limit_s": None, "end_time": None}
    assert commands.calls == []
