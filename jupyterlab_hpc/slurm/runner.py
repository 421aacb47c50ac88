"""How the Slurm concern runs Slurm's clients: through the one subprocess seam, a fixed env."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Callable

from ..commands import CommandResult, run_command

# The seam's signature: run_command, or a fake in tests.
RunCommand = Callable[..., Awaitable[CommandResult]]

# Variables of the user's environment that would change what the clients print or select:
# SQUEUE_USERS/SQUEUE_STATES/... filter squeue, SACCT_FORMAT... change sacct.
_DROPPED_PREFIXES = ("SQUEUE_", "SACCT_", "SCONTROL_")


def slurm_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment for Slurm's clients: SLURM_CONF kept, display settings fixed."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if not k.startswith(_DROPPED_PREFIXES)}
    # ISO timestamps (2026-11-23T10:00:00), whatever the user's SLURM_TIME_FORMAT says.
    env["SLURM_TIME_FORMAT"] = "standard"
    return env


class SlurmRunner:
    """Runs a Slurm client with the concern's timeout and environment."""

    def __init__(self, *, timeout_s: float, run: RunCommand = run_command) -> None:
        """timeout_s: the kill timeout of every command; run: the subprocess seam."""
        self.timeout_s = timeout_s
        self._run = run

    async def __call__(
        self,
        argv: Sequence[str],
        *,
        input: bytes | str | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> CommandResult:
        """Run argv to its end (raises CommandTimeout, CommandNotFound)."""
        kwargs: dict[str, Any] = {"timeout_s": self.timeout_s, "env": slurm_env()}
        if input is not None:
            kwargs["input"] = input
        if cwd is not None:
            kwargs["cwd"] = cwd
        return await self._run(list(argv), **kwargs)
