"""Energy and CO2 integrated sample by sample, kept across server restarts within a Slurm job."""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
import stat
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ..metrics.times import format_time, parse_time, utc_now
from .factor import FactorReading
from .providers import MAX_G_PER_KWH

NO_POWER = "No CPU or GPU power reading: emissions need at least one."
POWER_PAUSED = "No CPU or GPU power reading now: the total is not growing."
STATE_FILE = "jupyterlab-hpc-emissions-{job_id}.json"
# Slurm job ids are numbers ("123", or "123_4" written by hand); anything else could escape
# the state directory through the file name.
_JOB_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The state file is a hundred bytes; anything much larger is not one.
MAX_STATE_BYTES = 64 * 1024
# No job uses a gigawatt-hour (100 kW for a year is 876 MWh): a larger total is corrupt.
MAX_ENERGY_WH = 1e9
# Sessions start in this range of years; other dates are corrupt.
SINCE_YEARS = range(2000, 2100)


class _Corrupt(Exception):
    """The state file holds something that is not a sound total; the message says what."""


class EmissionsAccount:
    """Energy (Wh) and CO2 (g) since the session started, one update per sample.

    The energy is also counted apart for the CPUs and the GPUs (`cpu_energy_wh`,
    `gpu_energy_wh`); the two add up to `energy_wh`, except where a total saved by a version
    without the split was continued: that earlier part is in the total only.

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
        self.cpu_energy_wh = 0.0
        self.gpu_energy_wh = 0.0
        self.co2_g = 0.0
        self.since: datetime | None = None
        # Time of the previous update: the start of the next interval.
        self._last: datetime | None = None
        # Whether any power reading (or a saved total) was ever seen.
        self._measured = False
        self._dirty = False
        self._saved_at: datetime | None = None
        # Why the saved total was dropped and counting restarted from zero, if it was.
        self.restarted_reason: str | None = None
        self._load()

    def update(
        self,
        now: datetime,
        cpu_watts: float | None,
        gpu_watts: float | None,
        factor: FactorReading,
    ) -> dict[str, Any]:
        """Add the interval since the previous update and return the `emissions` section.

        `cpu_watts`, `gpu_watts`: the CPUs' and the GPUs' average power over that interval
        (None: no reading; with neither the interval adds nothing); `factor` is the factor in
        force now. The first update after construction only marks the start, so the time a
        server was down adds nothing.
        """
        with self._lock:
            # A broken reading is no reading: it must not subtract from the total.
            cpu_watts, gpu_watts = _power(cpu_watts), _power(gpu_watts)
            known = [part for part in (cpu_watts, gpu_watts) if part is not None]
            watts = sum(known) if known else None
            if self._last is not None and watts is not None:
                seconds = (now - self._last).total_seconds()
                # A clock stepped back gives a negative interval: skip it rather than subtract.
                if seconds > 0:
                    cpu_wh = (cpu_watts or 0.0) * seconds / 3600.0
                    gpu_wh = (gpu_watts or 0.0) * seconds / 3600.0
                    self.cpu_energy_wh += cpu_wh
                    self.gpu_energy_wh += gpu_wh
                    self.energy_wh += cpu_wh + gpu_wh
                    self.co2_g += (cpu_wh + gpu_wh) / 1000.0 * factor.g_per_kwh
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
        if self.restarted_reason:
            notes.append(self.restarted_reason)
        section = {
            "available": measured,
            "factor_g_per_kwh": factor.g_per_kwh,
            "factor_source": factor.source,
            "factor_time": format_time(factor.time) if factor.time is not None else None,
            "energy_wh": round(self.energy_wh, 6) if measured else None,
            "cpu_energy_wh": round(self.cpu_energy_wh, 6) if measured else None,
            "gpu_energy_wh": round(self.gpu_energy_wh, 6) if measured else None,
            "co2_g": round(self.co2_g, 6) if measured else None,
            "since": format_time(self.since) if measured and self.since else None,
            "reason": (" ".join(notes) or None) if measured else NO_POWER,
            "factor_status": factor.status,
            "factor_age_s": round(factor.age_s) if factor.age_s is not None else None,
            "factor_basis": factor.basis,
        }
        if self.restarted_reason:
            # An extra field: this account is a fresh one, and why.
            section["restarted_reason"] = self.restarted_reason
        return section

    def _load(self) -> None:
        """Continue from the state file of this job; set a bad one aside and start afresh.

        Nothing in that file may stop the server or the extension: whatever cannot be read
        as a sound total is logged, moved to `<name>.corrupt-<time>` and counted from zero.
        """
        if self.state_file is None:
            return
        try:
            data = _read_regular_file(self.state_file, MAX_STATE_BYTES)
        except FileNotFoundError:
            return
        except OSError as error:
            problem = f"it is unreadable ({error.strerror or error})"
        else:
            try:
                totals = self._parse_state(data)
                self.energy_wh, self.cpu_energy_wh, self.gpu_energy_wh = totals[:3]
                self.co2_g, self.since = totals[3:]
                self._measured = True
                return
            except _Corrupt as error:
                problem = str(error)
            except Exception as error:
                # A check this code lacks must not turn the extension off either.
                problem = f"it is corrupt ({type(error).__name__}: {error})"
        self._restart(problem)

    def _parse_state(self, data: bytes) -> tuple[float, float, float, float, datetime]:
        """energy_wh, cpu_energy_wh, gpu_energy_wh, co2_g and since from the file's bytes.

        A file saved before the split has no cpu_energy_wh and gpu_energy_wh: both count from
        zero. Raises _Corrupt.
        """
        if len(data) > MAX_STATE_BYTES:
            raise _Corrupt(f"it is larger than {MAX_STATE_BYTES // 1024} KiB")
        try:
            state = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise _Corrupt("it is not UTF-8 text") from None
        except (ValueError, RecursionError):
            raise _Corrupt("it is not JSON") from None
        if not isinstance(state, dict):
            raise _Corrupt("it is not a JSON object")
        job_id = state.get("job_id")
        if job_id != self.job_id:
            raise _Corrupt(f"it belongs to job {str(job_id)[:64]!r}")
        energy_wh = _amount(state, "energy_wh", MAX_ENERGY_WH)
        # The parts cannot add up to more than the total (up to rounding).
        most = energy_wh * (1 + 1e-9)
        cpu_wh = _amount(state, "cpu_energy_wh", most) if "cpu_energy_wh" in state else 0.0
        gpu_wh = _amount(state, "gpu_energy_wh", most - cpu_wh) if "gpu_energy_wh" in state else 0.0
        # No grid emits more than MAX_G_PER_KWH: more CO2 than that per Wh is corrupt.
        co2_g = _amount(state, "co2_g", energy_wh * MAX_G_PER_KWH / 1000 * (1 + 1e-9))
        since_text = state.get("since")
        try:
            since = parse_time(since_text) if isinstance(since_text, str) else None
        except (ValueError, OverflowError):
            since = None
        if since is None or since.year not in SINCE_YEARS:
            raise _Corrupt(f"its since is not a time: {str(since_text)[:64]!r}")
        return energy_wh, cpu_wh, gpu_wh, co2_g, since

    def _restart(self, problem: str) -> None:
        """Move the bad file aside (kept for a look), count from zero, and say so."""
        assert self.state_file is not None
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        aside = self.state_file.with_name(f"{self.state_file.name}.corrupt-{stamp}")
        try:
            os.replace(self.state_file, aside)
            moved = f"moved it to {aside}"
        except OSError as error:
            moved = f"could not move it aside ({error.strerror or error})"
        self.restarted_reason = (
            f"The saved total of this job could not be read ({problem}); counting from zero."
        )
        self._log.warning(
            "jupyterlab-hpc emissions: ignoring %s because %s; %s; counting from zero.",
            self.state_file,
            problem,
            moved,
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
                    "cpu_energy_wh": self.cpu_energy_wh,
                    "gpu_energy_wh": self.gpu_energy_wh,
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


def _read_regular_file(path: Path, limit: int) -> bytes:
    """Up to limit + 1 bytes of a regular file; a FIFO or device there fails, never hangs."""
    # O_NONBLOCK: opening a FIFO that nobody writes would otherwise wait for ever.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _power(watts: float | None) -> float | None:
    """A power reading, or None for none or a broken one (negative, NaN, infinite)."""
    return watts if watts is not None and math.isfinite(watts) and watts >= 0 else None


def _amount(state: dict[str, Any], key: str, most: float) -> float:
    """A number of the state, within [0, most]; raises _Corrupt."""
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Corrupt(f"its {key} is not a number: {str(value)[:64]!r}")
    value = float(value)
    if not (math.isfinite(value) and 0 <= value <= most):
        raise _Corrupt(f"its {key} is out of range: {value:g}")
    return value


def _sentence(text: str) -> str:
    """End a message with a full stop so that several read as sentences."""
    return text if text.endswith((".", "!", "?")) else f"{text}."
