"""The cpu_power section of a metrics snapshot: RAPL power, the node's or this server's share."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable, Literal

import psutil

from ..proc import PROC, TreeWalk
from .attribution import CpuShareMeter
from .rapl import POWERCAP, RaplMeter, RaplReading

Attribution = Literal["process", "node"]


def share_unreadable_reason(error: Exception) -> str:
    """Why there is no reading when this server's CPU time cannot be read."""
    return f"The CPU time of this server's processes could not be read: {error}"


def cpu_power_unavailable(reason: str, attribution: Attribution = "process") -> dict[str, Any]:
    """A cpu_power section that says why there is no reading."""
    return {
        "available": False,
        "watts": None,
        "limit_watts": None,
        "reason": reason,
        "attribution": attribution,
        "node_watts": None,
        "share": None,
        "zones": [],
        "source": "rapl",
    }


class CpuPowerReader:
    """Reads CPU power from RAPL; blocking file reads, so call it off the event loop."""

    def __init__(
        self,
        *,
        powercap_root: str | Path = POWERCAP,
        attribution: Attribution = "process",
        pid: int | None = None,
        proc: str | Path = PROC,
        clock: Callable[[], float] = time.monotonic,
        tree: TreeWalk | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        """tree: the sampler's walk of the server's processes, shared with the other sections."""
        if attribution not in ("process", "node"):
            raise ValueError(f"attribution must be 'process' or 'node', not {attribution!r}")
        self._attribution: Attribution = attribution
        self._rapl = RaplMeter(powercap_root, clock=clock)
        self._share = CpuShareMeter(pid, proc, tree=tree) if attribution == "process" else None
        self._log = log or logging.getLogger(__name__)
        # Said once: the same reason or zone list comes back every sample.
        self._logged: set[str] = set()

    def read(self) -> dict[str, Any]:
        """The `cpu_power` section of GET metrics: average watts since the previous read."""
        reading = self._rapl.read()
        if reading.reason is not None:
            # The next interval must start with the counters' next one.
            if self._share is not None:
                self._share.reset()
            self._log_once("CPU power unavailable: %s", reading.reason)
            return cpu_power_unavailable(reading.reason, self._attribution)
        self._log_once("CPU power: adding RAPL zones %s", ", ".join(n for n, _ in reading.zones))
        share: float | None = None
        watts = reading.node_watts
        if self._share is not None:
            try:
                share = self._share.read()
            except (OSError, ValueError, psutil.Error) as error:
                reason = share_unreadable_reason(error)
                self._log_once("CPU power unavailable: %s", reason)
                return cpu_power_unavailable(reason, self._attribution)
            watts = None if share is None or watts is None else share * watts
        return _section(reading, watts, share, self._attribution)

    def _log_once(self, message: str, detail: str) -> None:
        if detail not in self._logged:
            self._logged.add(detail)
            self._log.info("jupyterlab-hpc " + message, detail)


def _section(
    reading: RaplReading, watts: float | None, share: float | None, attribution: Attribution
) -> dict[str, Any]:
    """An available cpu_power section, numbers rounded for display."""
    return {
        "available": True,
        "watts": _round(watts),
        "limit_watts": _round(reading.limit_watts),
        "reason": None,
        "attribution": attribution,
        "node_watts": _round(reading.node_watts),
        "share": None if share is None else round(share, 4),
        "zones": [{"name": name, "watts": _round(value)} for name, value in reading.zones],
        "source": "rapl",
    }


def _round(watts: float | None) -> float | None:
    return None if watts is None else round(watts, 2)
