"""A stand-in for the subprocess seam in unit tests: counts calls, answers like squeue."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from jupyterlab_hpc.commands import CommandResult

US, RS = "\x1f", "\x1e"


def squeue_record(
    job_id: str, user: str, name: str = "job", state: str = "RUNNING", priority: int = 1000
) -> str:
    """One job as `squeue -o <squeue_format()>` prints it."""
    fields = [job_id, job_id, name, user, state, "debug", "", "1", "0:00", "10:00"]
    reason, start = ("Priority", "N/A") if state == "PENDING" else ("None", "2026-11-23T12:44:00")
    extra = [reason, "2026-11-23T12:43:35", "/home/" + user, start, str(priority)]
    return US.join([*fields, *extra]) + RS + "\n"


class FakeCommands:
    """An async run_command that answers squeue from `output`, or fails like Slurm does."""

    def __init__(self, output: str = "", delay_s: float = 0.01) -> None:
        self.output = output
        self.delay_s = delay_s
        self.failure: str | None = None
        self.calls: list[list[str]] = []
        self.kwargs: list[dict[str, Any]] = []

    async def __call__(self, argv: Sequence[str], **kwargs: Any) -> CommandResult:
        self.calls.append(list(argv))
        self.kwargs.append(kwargs)
        await asyncio.sleep(self.delay_s)
        if self.failure is not None:
            return CommandResult(tuple(argv), 1, "", self.failure + "\n", self.delay_s)
        output = self.output
        if "-u" in argv:
            # squeue -u: only that user's records (the user is the 4th field)
            user = argv[argv.index("-u") + 1]
            records = [r for r in output.split(RS + "\n") if r]
            output = "".join(r + RS + "\n" for r in records if r.split(US)[3] == user)
        return CommandResult(tuple(argv), 0, output, "", self.delay_s)


class Clock:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ScriptedCommands:
    """An async run_command answering each command from a table: argv prefix -> answer.

    An answer is (returncode, stdout, stderr) or an exception to raise.
    """

    def __init__(self, answers: dict[tuple[str, ...], Any]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []
        self.kwargs: list[dict[str, Any]] = []

    async def __call__(self, argv: Sequence[str], **kwargs: Any) -> CommandResult:
        self.calls.append(list(argv))
        self.kwargs.append(kwargs)
        await asyncio.sleep(0)
        for prefix in sorted(self.answers, key=len, reverse=True):
            if tuple(argv[: len(prefix)]) == prefix:
                answer = self.answers[prefix]
                if isinstance(answer, BaseException):
                    raise answer
                returncode, stdout, stderr = answer
                return CommandResult(tuple(argv), returncode, stdout, stderr, 0.0)
        raise AssertionError(f"unexpected command {argv}")
