"""Admin settings for idle time: the hub's culler timeout and the opt-in end of an idle job."""

from __future__ import annotations

from typing import Any

from traitlets import Float, Int, TraitError, validate
from traitlets.config import Configurable

# The longest idle time a user may ask for before their job ends: a week.
MAX_END_JOB_MINUTES = 7 * 24 * 60


class HPCIdle(Configurable):
    """What the page says about idle time, and when an idle job may end itself."""

    cull_timeout = Float(
        None,
        allow_none=True,
        help="""Seconds of inactivity after which JupyterHub's idle culler stops this server.

        Unset (the default): the environment variable JUPYTERHUB_CULL_TIMEOUT (set it in
        c.Spawner.environment to the culler's --timeout), else the server's own
        c.ServerApp.shutdown_no_activity_timeout when it is above 0; without any, the page
        shows no culling notice.
        """,
    ).tag(config=True)

    end_job_after = Int(
        0,
        help="""Idle minutes after which this server's own Slurm job ends (0: off, the default).

        The user's setting (endJobAfterIdleMinutes in the Settings Editor) replaces it. Only
        the job in SLURM_JOB_ID is ever cancelled.
        """,
    ).tag(config=True)

    end_job_minimum = Int(
        10,
        help="""The fewest idle minutes a user may choose before their job ends (10).""",
    ).tag(config=True)

    end_job_warning = Float(
        600.0,
        help="""Seconds before an idle job ends when the page warns, with "Keep my job" (600).""",
    ).tag(config=True)

    check_interval = Float(
        30.0,
        help="""Seconds between two checks of whether an idle job must end (30).""",
    ).tag(config=True)

    @validate("cull_timeout")
    def _validate_cull_timeout(self, proposal: dict[str, Any]) -> float | None:
        value = proposal["value"]
        if value is None:
            return None
        if not 0 < float(value) < float("inf"):
            raise TraitError(f"HPCIdle.cull_timeout must be > 0 seconds, not {value}.")
        return float(value)

    @validate("end_job_after", "end_job_minimum")
    def _validate_minutes(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 0 <= value <= MAX_END_JOB_MINUTES:
            name = proposal["trait"].name
            raise TraitError(
                f"HPCIdle.{name} must be between 0 and {MAX_END_JOB_MINUTES} minutes, not {value}."
            )
        return value

    @validate("end_job_warning", "check_interval")
    def _validate_seconds(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        lowest = 0.0 if proposal["trait"].name == "end_job_warning" else 1e-9
        if not lowest <= value < float("inf"):
            name = proposal["trait"].name
            raise TraitError(f"HPCIdle.{name} must be a number of seconds > 0, not {value}.")
        return value
