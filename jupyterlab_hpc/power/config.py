"""Admin settings for the power meters and the sampler's cadence."""

from __future__ import annotations

from typing import Any

from traitlets import Float, Int, TraitError, validate
from traitlets.config import Configurable


class HPCPower(Configurable):
    """How often the server samples its meters and how much history it keeps."""

    sample_interval = Float(
        5.0,
        help="""Seconds between two samples of memory, power and emissions.

        One sampler per Jupyter server reads every meter at this cadence, however
        many browser tabs are open. Shorter intervals cost more server CPU.
        """,
    ).tag(config=True)

    history_size = Int(
        4320,
        help="""Number of samples kept in the history ring (4320 = 6 hours at 5 s).

        Older samples are dropped; memory use grows linearly with this number.
        """,
    ).tag(config=True)

    @validate("sample_interval")
    def _validate_sample_interval(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not value > 0:
            raise TraitError(f"HPCPower.sample_interval must be > 0 seconds, not {value}.")
        return value

    @validate("history_size")
    def _validate_history_size(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError(f"HPCPower.history_size must be at least 1, not {value}.")
        return value
