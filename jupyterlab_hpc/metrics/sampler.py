"""One background sampler per server: snapshot and history of every meter."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Callable

from .sections import UNAVAILABLE
from .times import format_time, utc_now
from .worker import DaemonWorker

SectionReader = Callable[[], dict[str, Any]]
# A section computed from the others of the same sample (emissions from power), given the
# sample's time and the sections read so far.
DerivedReader = Callable[[datetime, Mapping[str, Any]], dict[str, Any]]

# A read that has not returned after this long is stuck (a hung file system, a device that
# never answers): its section says so until the read returns, and the other sections go on.
# nvidia-smi alone may take 5 s before it is killed; requests wait 10 s for a first sample.
READ_DEADLINE_S = 8.0


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
        read_deadline_s: float | None = None,
        idle_interval_s: float | None = None,
        idle_after_s: float = 60.0,
        before_sample: Callable[[], None] | None = None,
    ) -> None:
        """idle_interval_s: the cadence once no client has asked for `idle_after_s` seconds
        (the interval itself when None); before_sample: called as each sample begins (the
        shared process-tree walk forgets the previous sample's)."""
        self._readers = dict(readers)
        self._derived = dict(derived or {})
        self._interval_s = interval_s
        self._idle_interval_s = max(interval_s, idle_interval_s or interval_s)
        self._idle_after_s = idle_after_s
        self._before_sample = before_sample
        # Event-loop time of the latest client's request (None: since the sampler started).
        self._client_at: float | None = None
        self._started_at: float | None = None
        # Set when a client comes back while the sampler sleeps its idle interval.
        self._wake: asyncio.Event | None = None
        # Set, and replaced, at each publication: what a returning client waits on.
        self._published: asyncio.Event | None = None
        self._read_deadline_s = (
            max(READ_DEADLINE_S, interval_s) if read_deadline_s is None else read_deadline_s
        )
        self._clock = clock
        self._log = log or logging.getLogger(__name__)
        # One daemon thread per section: readers touch sysfs, psutil and nvidia-smi, which may
        # block, never on the event loop; a reader never runs concurrently with itself, and
        # one stuck read neither freezes the other sections nor holds up the server's exit.
        self.workers = {
            name: DaemonWorker(f"jupyterlab-hpc-{name}") for name in [*readers, *self._derived]
        }
        # Each section's latest read, and the event-loop time at which it started.
        self._in_flight: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._read_started: dict[str, float] = {}
        # Sections whose read is stuck now (warned once per episode).
        self._stuck: set[str] = set()
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
        loop = asyncio.get_running_loop()
        self._started_at = loop.time()
        self._task = loop.create_task(self._run())

    async def stop(self) -> None:
        """Cancel the sampling task and let the reader threads go."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        # Do not wait for a reader stuck on a hung file system: server shutdown must not hang.
        for worker in self.workers.values():
            worker.close()

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

    @property
    def idle(self) -> bool:
        """Whether no client has asked for `idle_after_s`: the sampler keeps its idle cadence."""
        if self._idle_interval_s <= self._interval_s:
            return False
        last = self._client_at if self._client_at is not None else self._started_at
        if last is None:
            return False
        return asyncio.get_running_loop().time() - last > self._idle_after_s

    @property
    def interval_s(self) -> float:
        """Seconds between two samples now: the idle cadence while nobody asks."""
        return self._idle_interval_s if self.idle else self._interval_s

    async def serve_client(self, timeout_s: float) -> Sample | None:
        """The sample a client's request gets: a new one if the sampler was idling.

        A client arriving after the idle cadence began wakes the sampler and waits for the
        sample it takes at once, rather than reading one up to the idle interval old.
        """
        was_idle = self.idle
        self._client_at = asyncio.get_running_loop().time()
        latest = await self.wait_latest(timeout_s)
        if not was_idle or latest is None or self._task is None:
            return latest
        published = self._published_event()
        self._wake_event().set()
        try:
            await asyncio.wait_for(published.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass
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
        return max(0, math.ceil(self.interval_s - age))

    def history_json(self, since: datetime | None = None) -> bytes:
        """`{"samples": [...]}` with the samples strictly after `since` (all when None)."""
        kept = self.history if since is None else (h for h in self.history if h.time > since)
        return b'{"samples":[' + b",".join(h.json for h in kept) + b"]}"

    async def sample_once(self) -> Sample:
        """Read every section in its thread, waiting at most the read deadline, and publish."""
        loop = asyncio.get_running_loop()
        if self._before_sample is not None:
            self._before_sample()
        moment = self._clock()
        snapshot: dict[str, Any] = {"time": format_time(moment)}
        snapshot.update(await self._read_sections(self._readers, "Reading"))
        derived = {
            name: partial(derive, moment, dict(snapshot)) for name, derive in self._derived.items()
        }
        snapshot.update(await self._read_sections(derived, "Computing"))
        sample, history = _serialise(moment, snapshot)
        self._latest = sample
        self._published_at = loop.time()
        self.history.append(history)
        self.sample_count += 1
        self._first_sample_event().set()
        if self._published is not None:
            self._published.set()
            self._published = None
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
            # A fixed cadence, not a fixed pause: slow reads do not stretch the interval. While
            # nobody asks, the idle cadence; a client coming back wakes the sampler at once.
            wake = self._wake_event()
            wake.clear()
            pause = max(0.0, self.interval_s - (loop.time() - started))
            try:
                await asyncio.wait_for(wake.wait(), pause)
            except asyncio.TimeoutError:
                pass

    async def _read_sections(
        self, calls: Mapping[str, Callable[[], dict[str, Any]]], verb: str
    ) -> dict[str, dict[str, Any]]:
        """Each section's result, its unavailable form when it failed or is stuck."""
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        now = loop.time()
        for name, call in calls.items():
            read = self._in_flight.get(name)
            # A read stuck past its deadline gets no other read queued behind it; a recent
            # one (a concurrent sample's) does: this sample reads the section anew.
            if (
                read is None
                or read.done()
                or self._read_started[name] + self._read_deadline_s > now
            ):
                read = asyncio.wrap_future(self.workers[name].submit(call))
                read.add_done_callback(_retrieve)
                self._in_flight[name], self._read_started[name] = read, now
            waiting[name] = read
        # Wait for the reads still within their deadline, not for those already stuck.
        ends = {
            name: self._read_started[name] + self._read_deadline_s
            for name, read in waiting.items()
            if not read.done() and self._read_started[name] + self._read_deadline_s > now
        }
        if ends:
            await asyncio.wait([waiting[name] for name in ends], timeout=max(ends.values()) - now)
        results: dict[str, dict[str, Any]] = {}
        for name, read in waiting.items():
            if not read.done():
                results[name] = self._stuck_section(name, verb, loop.time())
                continue
            if name in self._stuck:
                self._stuck.discard(name)
                self._log.info("jupyterlab-hpc sampler: %s answers again.", name)
            error = read.exception()
            if error is None:
                results[name] = read.result()
            else:
                self._log_once(name, error)  # type: ignore[arg-type]
                results[name] = UNAVAILABLE[name](f"{verb} {name} failed: {error}")
        return results

    def _stuck_section(self, name: str, verb: str, now: float) -> dict[str, Any]:
        """The unavailable form of a section whose read has not returned: never a frozen value."""
        seconds = max(0, round(now - self._read_started.get(name, now)))
        reason = (
            f"{verb} {name} has not finished for {seconds} s (a file system or device that"
            " does not answer?); no reading until it does."
        )
        if name not in self._stuck:
            self._stuck.add(name)
            self._log.warning("jupyterlab-hpc sampler: %s", reason)
        section = UNAVAILABLE[name](reason)
        # Extra fields (the contract allows them): the reading is stale, since this long.
        section["stale"] = True
        section["stale_s"] = seconds
        return section

    def _wake_event(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake

    def _published_event(self) -> asyncio.Event:
        if self._published is None:
            self._published = asyncio.Event()
        return self._published

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


def _serialise(moment: datetime, snapshot: dict[str, Any]) -> tuple[Sample, HistorySample]:
    """The sample and its history entry, each serialised once."""
    history = {
        "time": snapshot["time"],
        "memory_used_bytes": _field(snapshot, "memory", "used_bytes"),
        "cpu_watts": _field(snapshot, "cpu_power", "watts"),
        "gpu_watts": _field(snapshot, "gpu_power", "watts"),
        "co2_g": _field(snapshot, "emissions", "co2_g"),
        "memory_limit_bytes": _field(snapshot, "memory", "limit_bytes"),
        "cpu_used_cores": _field(snapshot, "cpu", "used_cores"),
        "cpu_limit_cores": _field(snapshot, "cpu", "limit_cores"),
        **_gpu_use(snapshot.get("gpu_power")),
    }
    return Sample(moment, snapshot, _dumps(snapshot)), HistorySample(moment, _dumps(history))


def _gpu_use(section: Any) -> dict[str, Any]:
    """The job's GPUs' mean utilisation and their memory in use, summed (None when unread)."""
    devices = section.get("devices") if isinstance(section, dict) else None
    devices = devices if isinstance(devices, list) else []
    utilization = [
        d["utilization_percent"] for d in devices if _is_number(d, "utilization_percent")
    ]
    memory = [d["memory_used_bytes"] for d in devices if _is_number(d, "memory_used_bytes")]
    return {
        "gpu_utilization_percent": (
            round(sum(utilization) / len(utilization), 1) if utilization else None
        ),
        "gpu_memory_used_bytes": sum(memory) if memory else None,
    }


def _is_number(device: Any, key: str) -> bool:
    value = device.get(key) if isinstance(device, dict) else None
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Read a late read's exception so that asyncio does not log it as never retrieved."""
    if not future.cancelled():
        future.exception()


def _field(snapshot: Mapping[str, Any], section: str, key: str) -> Any:
    """snapshot[section][key], or None when the section is missing."""
    value = snapshot.get(section)
    return value.get(key) if isinstance(value, dict) else None


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")
