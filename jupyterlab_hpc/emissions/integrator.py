"""Energy and CO2 integrated sample by sample, kept across server restarts within a Slurm job."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ..metrics.times import format_time, parse_time
from .factor import FactorReading

NO_POWER = "No CPU or GPU power reading: emissions need at least one."
POWER_PAUSED = "No CPU or GPU power reading now: the total is not growing."
STATE_FILE = "jupyterlab-hpc-emissions-{job_id}.json"
# Slurm job ids are numbers ("123", or "123_4" written by hand); anything else could escape
# the state directory through the file name.
_JOB_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class EmissionsAccount:
    """Energy (Wh) and CO2 (g) since the session started, one update per sample.

    Persistence: inside a Slurm job (`job_id` given) the totals go to a state file in
    `state_dir`, written atomically at most every `save_interval_s` and on `save()`, and a new
    account for the same job continues from them, so a restarted server keeps the job's
    total. Without a job id nothing is saved: a server started outside a job is a new
    session, and an old file could not be told apart from another session's. Two servers in
    the same job share one file (the last one to save wins).
    """

    def __init__(
        self,
        *,
        state_dir: str | Path | None = None,
        job_id: str | None = None,
        save_interval_s: float = 60.0,
        log: logging.Logger | None = None,
    ) -> None:
        self._log = log or logging.getLogger(__name__)
        self._save_interval_s = save_interval_s
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._write_failed = False
        self.job_id = job_id or None
        self.state_file: Path | None = None
        if state_dir and self.job_id is not None:
            if _JOB_ID.fullmatch(self.job_id):
                self.state_file = Path(state_dir) / STATE_FILE.format(job_id=self.job_id)
            else:
                self._log.warning(
                    "jupyterlab-hpc emissions: job id %r is not a Slurm job id;"
                    " the emissions total will not survive a restart.",
                    self.job_id,
                )
        self.energy_wh = 0.0
        self.co2_g = 0.0
        self.since: datetime | None = None
        # Time of the previous update: the start of the next interval.
        self._last: datetime | None = None
        # Whether any power reading (or a saved total) was ever seen.
        self._measured = False
        self._dirty = False
        self._saved_at: datetime | None = None
        self._load()

    def update(self, now: datetime, watts: float | None, factor: FactorReading) -> dict[str, Any]:
        """Add the interval since the previous update and return the `emissions` section.

        `watts` is the CPU+GPU average power over that interval (None: no reading, the
        interval adds nothing); `factor` is the factor in force now. The first update after
        construction only marks the start, so the time a server was down adds nothing.
        """
        with self._lock:
            if watts is not None and not (math.isfinite(watts) and watts >= 0):
                # A broken reading is no reading: it must not subtract from the total.
                watts = None
            if self._last is not None and watts is not None:
                seconds = (now - self._last).total_seconds()
                # A clock stepped back gives a negative interval: skip it rather than subtract.
                if seconds > 0:
                    wh = watts * seconds / 3600.0
                    self.energy_wh += wh
                    self.co2_g += wh / 1000.0 * factor.g_per_kwh
                    self._dirty = True
                    if self.since is None:
                        self.since = self._last
            if watts is not None:
                self._measured = True
                if self.since is None:
                    self.since = now
            self._last = now
            section = self._section(watts, factor)
            due = self._dirty and (
                self._saved_at is None
                or (now - self._saved_at).total_seconds() >= self._save_interval_s
            )
        if due:
            self._write(now)
        return section

    def save(self) -> None:
        """Write the state file now (the app calls this at shutdown)."""
        if self.since is not None:
            self._write(None)

    def _section(self, watts: float | None, factor: FactorReading) -> dict[str, Any]:
        measured = self._measured
        notes = []
        if measured and watts is None:
            notes.append(POWER_PAUSED)
        if factor.reason:
            notes.append(_sentence(factor.reason))
        return {
            "available": measured,
            "factor_g_per_kwh": factor.g_per_kwh,
            "factor_source": factor.source,
            "factor_time": format_time(factor.time) if factor.time is not None else None,
            "energy_wh": round(self.energy_wh, 6) if measured else None,
            "co2_g": round(self.co2_g, 6) if measured else None,
            "since": format_time(self.since) if measured and self.since else None,
            "reason": (" ".join(notes) or None) if measured else NO_POWER,
            "factor_status": factor.status,
            "factor_age_s": round(factor.age_s) if factor.age_s is not None else None,
            "factor_basis": factor.basis,
        }

    def _load(self) -> None:
        """Continue from the state file of this job, if there is a sound one."""
        if self.state_file is None:
            return
        try:
            text = self.state_file.read_text("utf-8")
        except FileNotFoundError:
            return
        except OSError as error:
            self._forget(f"it is unreadable ({error.strerror or error})")
            return
        try:
            state = json.loads(text)
            energy_wh = float(state["energy_wh"])
            co2_g = float(state["co2_g"])
            since = parse_time(state["since"])
            job_id = state["job_id"]
        except (ValueError, TypeError, KeyError) as error:
            self._forget(f"it is corrupt ({type(error).__name__}: {error})")
            return
        if job_id != self.job_id:
            self._forget(f"it belongs to job {job_id!r}")
            return
        if not all(math.isfinite(v) and v >= 0 for v in (energy_wh, co2_g)):
            self._forget("it holds negative or infinite totals")
            return
        self.energy_wh, self.co2_g, self.since = energy_wh, co2_g, since
        self._measured = True

    def _forget(self, why: str) -> None:
        self._log.warning(
            "jupyterlab-hpc emissions: ignoring %s because %s; counting from zero.",
            self.state_file,
            why,
        )

    def _write(self, now: datetime | None) -> None:
        """Replace the state file atomically: a crash mid-write leaves the previous one."""
        if self.state_file is None:
            return
        # One writer at a time: the sampler thread and save() at shutdown share the temp file.
        with self._write_lock:
            with self._lock:
                if self.since is None:
                    return
                state = {
                    "job_id": self.job_id,
                    "energy_wh": self.energy_wh,
                    "co2_g": self.co2_g,
                    "since": format_time(self.since),
                }
                self._dirty = False
                # Failed or not, the next try waits an interval: no log or I/O every sample.
                self._saved_at = now if now is not None else self._last
            temporary = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}.tmp")
            try:
                self.state_file.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_text(json.dumps(state), "utf-8")
                os.replace(temporary, self.state_file)
            except OSError as error:
                with self._lock:
                    self._dirty = True
                level = logging.DEBUG if self._write_failed else logging.WARNING
                self._write_failed = True
                self._log.log(
                    level,
                    "jupyterlab-hpc emissions: could not save %s (%s).",
                    self.state_file,
                    error,
                )
                return
            self._write_failed = False


def _sentence(text: str) -> str:
    """End a message with a full stop so that several read as sentences."""
    return text if text.endswith((".", "!", "?")) else f"{text}."
