"""The background sampler: cadence, history ring, failures, shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc.cpu.reader import CpuReader
from jupyterlab_hpc.memory.reader import MemoryReader
from jupyterlab_hpc.metrics.sampler import MetricsSampler
from jupyterlab_hpc.metrics.sections import UNAVAILABLE
from jupyterlab_hpc.metrics.times import format_time, parse_time
from jupyterlab_hpc.power.cpu import CpuPowerReader
from jupyterlab_hpc.proc import TreeWalk

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)


def memory_section(used: int = 1000) -> dict[str, Any]:
    return {
        "available": True,
        "used_bytes": used,
        "limit_bytes": 2000,
        "limit_source": "host",
        "limit_detail": "host RAM",
        "used_source": "processes",
        "reason": None,
    }


def fake_clock(step_s: float = 5.0) -> Iterator[datetime]:
    moment = START
    while True:
        yield moment
        moment += timedelta(seconds=step_s)


def make_sampler(
    memory: Any = memory_section,
    cpu_power: Any = None,
    extra: dict[str, Any] | None = None,
    **kwargs: Any,
) -> MetricsSampler:
    clock = fake_clock()
    options: dict[str, Any] = {"interval_s": 0.01, "history_size": 10, "clock": lambda: next(clock)}
    options.update(kwargs)
    readers = {
        name: (lambda unavailable=unavailable: unavailable("not measured in this test"))
        for name, unavailable in UNAVAILABLE.items()
    }
    readers["memory"] = memory
    if cpu_power is not None:
        readers["cpu_power"] = cpu_power
    readers.update(extra or {})
    return MetricsSampler(readers, **options)


async def wait_for_samples(sampler: MetricsSampler, count: int, timeout_s: float = 60) -> None:
    async def enough() -> None:
        while sampler.sample_count < count:
            await asyncio.sleep(0.005)

    await asyncio.wait_for(enough(), timeout_s)


async def test_snapshot_is_serialised_once_with_every_section() -> None:
    sampler = make_sampler()
    sample = await sampler.sample_once()
    snapshot = json.loads(sample.json)
    assert snapshot == sample.snapshot
    assert snapshot["time"] == "2026-11-23T09:00:00.000Z"
    assert snapshot["memory"]["used_bytes"] == 1000
    for section in ("cpu_power", "gpu_power", "emissions"):
        assert snapshot[section]["available"] is False
        assert snapshot[section]["reason"]
    await sampler.stop()


async def test_each_reader_runs_in_its_own_daemon_thread_off_the_event_loop() -> None:
    threads: set[threading.Thread] = set()

    def memory() -> dict[str, Any]:
        threads.add(threading.current_thread())
        return memory_section()

    sampler = make_sampler(memory)
    for _ in range(3):
        await sampler.sample_once()
    await sampler.stop()
    # One thread for this reader, never the loop's, and one that cannot hold up the exit.
    [thread] = threads
    assert thread is not threading.current_thread()
    assert thread.daemon


async def test_history_is_bounded_by_history_size() -> None:
    # given a ring of 3 samples
    sampler = make_sampler(history_size=3)
    # when 10 samples are taken
    for _ in range(10):
        await sampler.sample_once()
    await sampler.stop()
    # then the 3 newest are kept
    samples = json.loads(sampler.history_json())["samples"]
    assert [s["time"] for s in samples] == [
        format_time(START + timedelta(seconds=5 * n)) for n in (7, 8, 9)
    ]


async def test_history_since_keeps_samples_strictly_after() -> None:
    sampler = make_sampler()
    for _ in range(4):
        await sampler.sample_once()
    await sampler.stop()
    every = json.loads(sampler.history_json())["samples"]
    after_second = json.loads(sampler.history_json(parse_time(every[1]["time"])))["samples"]
    assert after_second == every[2:]
    assert every[0] == {
        "time": "2026-11-23T09:00:00.000Z",
        "memory_used_bytes": 1000,
        "cpu_watts": None,
        "gpu_watts": None,
        "co2_g": None,
        "memory_limit_bytes": 2000,
        "cpu_used_cores": None,
        "cpu_limit_cores": None,
        "gpu_utilization_percent": None,
        "gpu_memory_used_bytes": None,
    }


async def test_history_keeps_cores_and_the_job_gpus_mean_use_and_summed_memory() -> None:
    def cpu() -> dict[str, Any]:
        return {"available": True, "used_cores": 3.25, "limit_cores": 8}

    def gpu() -> dict[str, Any]:
        devices = [
            {"utilization_percent": 90.0, "memory_used_bytes": 3 * 2**30},
            {"utilization_percent": 10.0, "memory_used_bytes": 1 * 2**30},
            # A device the driver gives no figures for counts in neither.
            {"utilization_percent": None, "memory_used_bytes": None},
        ]
        return {"available": True, "watts": 300.0, "devices": devices}

    sampler = make_sampler(extra={"cpu": cpu, "gpu_power": gpu})
    await sampler.sample_once()
    await sampler.stop()
    [entry] = json.loads(sampler.history_json())["samples"]
    assert entry["cpu_used_cores"] == 3.25
    assert entry["cpu_limit_cores"] == 8
    assert entry["gpu_utilization_percent"] == 50.0
    assert entry["gpu_memory_used_bytes"] == 4 * 2**30


async def test_running_sampler_follows_its_interval_and_stops_cleanly() -> None:
    # given a started sampler
    threads: set[threading.Thread] = set()

    def memory() -> dict[str, Any]:
        threads.add(threading.current_thread())
        return memory_section()

    sampler = make_sampler(memory)
    sampler.start()
    await wait_for_samples(sampler, 3)
    # when it is stopped
    await sampler.stop()
    # then its task is finished, its reader threads refuse work and end
    task = sampler.task
    assert task is not None and task.done()
    with pytest.raises(RuntimeError):
        sampler.workers["memory"].submit(lambda: None)
    [thread] = threads
    await wait_until(lambda: not thread.is_alive())
    # and no sample follows, not even when started again, while another sampler on the
    # same loop and interval takes three
    taken = sampler.sample_count
    sampler.start()
    other = make_sampler()
    other.start()
    await wait_for_samples(other, 3)
    await other.stop()
    assert sampler.sample_count == taken
    assert sampler.task is task


async def test_sampler_survives_a_raising_reader_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a memory reader that fails three times, then works
    calls = {"n": 0}

    def flaky() -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] <= 3:
            raise RuntimeError("cgroup fs went away")
        return memory_section(4242)

    sampler = make_sampler(flaky)
    with caplog.at_level(logging.WARNING):
        sampler.start()
        await wait_for_samples(sampler, 5)
        first_failed = json.loads(sampler.history_json())["samples"][0]
        await sampler.stop()
    # then failing samples say why, later ones read again, and the error is logged once
    assert first_failed["memory_used_bytes"] is None
    assert sampler.latest is not None
    assert sampler.latest.snapshot["memory"]["used_bytes"] == 4242
    failed = [r for r in caplog.records if "cgroup fs went away" in r.getMessage()]
    assert len(failed) == 1


async def test_failed_section_is_unavailable_with_a_reason() -> None:
    def broken() -> dict[str, Any]:
        raise OSError("no /proc")

    sampler = make_sampler(broken)
    sample = await sampler.sample_once()
    await sampler.stop()
    memory = sample.snapshot["memory"]
    assert memory["available"] is False
    assert memory["used_bytes"] is None
    assert "no /proc" in memory["reason"]


async def test_a_request_before_the_first_sample_waits_for_it() -> None:
    sampler = make_sampler(interval_s=60)
    # when someone asks before sampling started, then it starts and the first sample comes
    sample = await sampler.wait_latest(timeout_s=60)
    assert sample is not None and sample.snapshot["memory"]["used_bytes"] == 1000
    await sampler.stop()


async def test_waiting_for_the_first_sample_is_bounded() -> None:
    release = threading.Event()

    def stuck() -> dict[str, Any]:
        release.wait(60)
        return memory_section()

    sampler = make_sampler(stuck)
    assert await sampler.wait_latest(timeout_s=0.05) is None
    release.set()
    await sampler.stop()


async def test_a_stuck_read_marks_its_section_stale_and_the_others_go_on() -> None:
    # given a CPU power reader whose read blocks (a hung file system) until released
    release = threading.Event()
    entered = threading.Event()

    def stuck_cpu() -> dict[str, Any]:
        entered.set()
        release.wait(60)
        return {**UNAVAILABLE["cpu_power"]("late"), "available": True, "watts": 999.0}

    memory = iter(range(1, 1000))
    sampler = make_sampler(
        lambda: memory_section(next(memory)), stuck_cpu, read_deadline_s=2.0, interval_s=60
    )
    try:
        # when two samples are taken while it is stuck
        first = (await sampler.sample_once()).snapshot
        second = (await sampler.sample_once()).snapshot
        assert entered.is_set()
    finally:
        release.set()
    # then its section says it is stuck, with no number, and memory is read each time
    for snapshot in (first, second):
        cpu = snapshot["cpu_power"]
        assert (cpu["available"], cpu["watts"], cpu["stale"]) == (False, None, True)
        assert cpu["reason"].startswith("Reading cpu_power has not finished for ")
    assert [first["memory"]["used_bytes"], second["memory"]["used_bytes"]] == [1, 2]
    # and once the read returns, the section is read again
    await wait_until(lambda: not sampler.workers["cpu_power"].busy)
    third = (await sampler.sample_once()).snapshot
    assert third["cpu_power"]["watts"] == 999.0
    assert "stale" not in third["cpu_power"]
    await sampler.stop()


async def wait_until(condition: Any, timeout_s: float = 60) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout_s)


# Builds a sampler whose memory read never returns, stops it, and returns from main: the
# interpreter must then exit.
STUCK_SAMPLER = """
import asyncio, sys, threading
from jupyterlab_hpc.metrics.sampler import MetricsSampler

entered, never = threading.Event(), threading.Event()

def stuck():
    entered.set()
    never.wait()

async def main():
    sampler = MetricsSampler({"memory": stuck}, interval_s=0.01, history_size=2)
    sampler.start()
    while not entered.is_set():
        await asyncio.sleep(0.01)
    await sampler.stop()
    print("stopped", flush=True)

asyncio.run(main())
"""


def test_a_read_that_never_returns_does_not_keep_the_process_alive() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", STUCK_SAMPLER],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # the sampler stops, then the interpreter exits despite the stuck reader thread
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "stopped"
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the process is still alive, held by its stuck reader thread")
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0


async def test_a_failing_cpu_read_leaves_the_other_sections_and_says_why() -> None:
    def cpu() -> dict[str, Any]:
        raise RuntimeError("cpu.stat vanished")

    sampler = make_sampler(extra={"cpu": cpu})
    sample = await sampler.sample_once()
    await sampler.stop()
    assert sample.snapshot["cpu"]["available"] is False
    assert "cpu.stat vanished" in sample.snapshot["cpu"]["reason"]
    assert sample.snapshot["memory"]["used_bytes"] == 1000


async def test_every_section_of_a_sample_reads_one_walk_of_the_process_tree() -> None:
    # given the memory, cpu and power readers sharing the sampler's walk, as the server has them
    tree = TreeWalk()
    memory = MemoryReader(cgroup_root="/nonexistent", env={}, tree=tree)
    cores = CpuReader(cgroup_root="/nonexistent", env={}, tree=tree)
    power = CpuPowerReader(powercap_root="/nonexistent", tree=tree)
    sampler = MetricsSampler(
        {"memory": memory.read, "cpu": cores.read, "cpu_power": power.read},
        interval_s=0.01,
        history_size=2,
        before_sample=tree.next_sample,
    )
    # when three samples are taken
    for _ in range(3):
        sample = await sampler.sample_once()
    await sampler.stop()
    # then each walked the tree once, and the walk's figures reached the sections
    assert tree.walks == 3
    assert sample.snapshot["memory"]["used_source"] == "processes"
    assert sample.snapshot["memory"]["used_bytes"] > 0
    assert sample.snapshot["cpu"]["used_source"] == "processes"


async def test_with_no_client_the_sampler_slows_and_a_client_brings_a_new_sample() -> None:
    # given a sampler whose idle cadence is far longer than this test may wait
    sampler = make_sampler(interval_s=0.01, idle_interval_s=3600.0, idle_after_s=0.2)
    sampler.start()
    # when nobody asks: it goes idle (waited for, not timed), and stops taking samples
    deadline = asyncio.get_running_loop().time() + 60
    while not sampler.idle:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    idle_count = sampler.sample_count
    await asyncio.sleep(0.3)
    assert sampler.sample_count <= idle_count + 1
    assert sampler.interval_s == 3600.0
    # when a client asks, it gets a sample taken after it asked, and the full cadence is back
    before = sampler.sample_count
    served = await sampler.serve_client(timeout_s=60)
    assert served is not None and sampler.sample_count > before
    assert not sampler.idle and sampler.interval_s == 0.01
    while sampler.sample_count < before + 5:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)
    await sampler.stop()
