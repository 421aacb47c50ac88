"""One background sampler per server: snapshot and history of every meter."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from .sections import UNAVAILABLE
from .times import format_time, utc_now

SectionReader = Callable[[], dict[str, Any]]
# A section computed from the others of the same sample (emissions from power), given the
# sample's time and the sections read so far.
DerivedReader = Callable[[datetime, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Sample:
    """One snapshot, serialised once so that every request only copies bytes."""

    time: datetime
    snapshot: dict[str, Any]
    json: bytes


@dataclass(frozen=True)
class HistorySample:
    """One entry of the history ring, with its JSON ready to join."""

    time: datetime
    json: bytes


class MetricsSampler:
    """Reads every section at a fixed cadence off the event loop; requests read the result."""

    def __init__(
        self,
        readers: Mapping[str, SectionReader],
        *,
        interval_s: float,
        history_size: int,
        derived: Mapping[str, DerivedReader] | None = None,
        log: logging.Logger | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._readers = dict(readers)
        self._derived = dict(derived or {})
        self._interval_s = interval_s
        self._clock = clock
        self._log = log or logging.getLogger(__name__)
        # One thread: readers touch sysfs and psutil, which may block; they never run
        # concurrently with each other, and never on the event loop.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyterlab-hpc")
        self.history: deque[HistorySample] = deque(maxlen=history_size)
        self.sample_count = 0
        self._latest: Sample | None = None
        # Event-loop time at which the latest sample was published.
        self._published_at: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        # Created on first use inside the running loop (Python 3.9 binds events at creation).
        self._first_sample: asyncio.Event | None = None
        self._logged_errors: set[str] = set()

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The sampling task, once started."""
        return self._task

    @property
    def latest(self) -> Sample | None:
        """The newest sample, or None before the first one."""
        return self._latest

    def start(self) -> None:
        """Start sampling in the running event loop (idempotent; not after stop)."""
        if self._task is not None or self._stopped:
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Cancel the sampling task and shut the reader thread down."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        # Do not wait for a reader stuck on a hung file system: server shutdown must not hang.
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def wait_latest(self, timeout_s: float) -> Sample | None:
        """The newest sample, waiting up to `timeout_s` for the first one; None on timeout."""
        if self._latest is not None:
            return self._latest
        # A request can arrive before the server's start hook ran (or where a launcher never
        # runs it): start sampling rather than wait for nothing.
        self.start()
        try:
            await asyncio.wait_for(self._first_sample_event().wait(), timeout_s)
        except asyncio.TimeoutError:
            return None
        return self._latest

    def fresh_for_s(self) -> int:
        """Seconds until the next sample is due, rounded up: how long a browser may reuse this one.

        Rounded up because max-age is whole seconds: rounding down would send every poll of
        the sample's last second to the server; up, a tab may show a sample that is at most
        one second older than the newest.
        """
        if self._published_at is None:
            return 0
        age = asyncio.get_running_loop().time() - self._published_at
        return max(0, math.ceil(self._interval_s - age))

    def history_json(self, since: datetime | None = None) -> bytes:
        """`{"samples": [...]}` with the samples strictly after `since` (all when None)."""
        kept = self.history if since is None else (h for h in self.history if h.time > since)
        return b'{"samples":[' + b",".join(h.json for h in kept) + b"]}"

    async def sample_once(self) -> Sample:
        """Take one sample in the reader thread and publish it."""
        loop = asyncio.get_running_loop()
        sample, history = await loop.run_in_executor(self.executor, self._take_sample)
        self._latest = sample
        self._published_at = loop.time()
        self.history.append(history)
        self.sample_count += 1
        self._first_sample_event().set()
        return sample

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.sample_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Keep sampling: the next tick may succeed, and a dead sampler is worse.
                self._log_once("sampler", error)
            # A fixed cadence, not a fixed pause: slow reads do not stretch the interval.
            await asyncio.sleep(max(0.0, self._interval_s - (loop.time() - started)))

    def _take_sample(self) -> tuple[Sample, HistorySample]:
        """Read every section and serialise; runs in the reader thread."""
        moment = self._clock()
        snapshot: dict[str, Any] = {"time": format_time(moment)}
        for name, read in self._readers.items():
            try:
                snapshot[name] = read()
            except Exception as error:
                self._log_once(name, error)
                snapshot[name] = UNAVAILABLE[name](f"Reading {name} failed: {error}")
        for name, derive in self._derived.items():
            try:
                snapshot[name] = derive(moment, snapshot)
            except Exception as error:
                self._log_once(name, error)
                snapshot[name] = UNAVAILABLE[name](f"Computing {name} failed: {error}")
        history = {
            "time": snapshot["time"],
            "memory_used_bytes": _field(snapshot, "memory", "used_bytes"),
            "cpu_watts": _field(snapshot, "cpu_power", "watts"),
            "gpu_watts": _field(snapshot, "gpu_power", "watts"),
            "co2_g": _field(snapshot, "emissions", "co2_g"),
        }
        return (
            Sample(moment, snapshot, _dumps(snapshot)),
            HistorySample(moment, _dumps(history)),
        )

    def _first_sample_event(self) -> asyncio.Event:
        if self._first_sample is None:
            self._first_sample = asyncio.Event()
            if self._latest is not None:
                self._first_sample.set()
        return self._first_sample

    def _log_once(self, where: str, error: Exception) -> None:
        """Log an error with its traceback the first time it happens, not every sample."""
        key = f"{where}: {type(error).__name__}: {error}"
        if key in self._logged_errors:
            return
        self._logged_errors.add(key)
        self._log.warning("jupyterlab-hpc sampler, %s", key, exc_info=error)


def _field(snapshot: Mapping[str, Any], section: str, key: str) -> Any:
    """snapshot[section][key], or None when the section is missing."""
    value = snapshot.get(section)
    return value.get(key) if isinstance(value, dict) else None


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")
