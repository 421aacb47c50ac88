"""Our figures in the server's own /metrics (jupyter_server's Prometheus endpoint)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jupyterlab_hpc.slurm.users import server_user

DEADLINE_S = 60.0


async def scrape(jp_fetch: Any) -> dict[str, Any]:
    """The families of one scrape, by name, parsed by Prometheus's own text parser."""
    text = (await jp_fetch("metrics")).body.decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


async def scrape_when_sampled(jp_fetch: Any) -> dict[str, Any]:
    """A scrape once the sampler has its first snapshot with the CPU use measured."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        families = await scrape(jp_fetch)
        if "jupyterlab_hpc_cpu_used_cores" in families:
            return families
        assert time.monotonic() < deadline, sorted(families)
        await asyncio.sleep(0.05)


async def test_the_meters_are_in_the_servers_metrics(
    hpc_app: Any, jp_fetch: Any, monkeypatch: Any
) -> None:
    families = await scrape_when_sampled(jp_fetch)
    memory = families["jupyterlab_hpc_memory_limit_bytes"]
    assert memory.type == "gauge"
    assert memory.documentation == "Memory the job may use (bytes)."
    [limit] = memory.samples
    # The fake cgroup tree of the tests: a 2 GiB job.
    assert limit.value == 2 * 1024**3
    assert limit.labels == {"slurm_job": "", "user": server_user()}
    assert families["jupyterlab_hpc_memory_used_bytes"].samples[0].value > 0
    assert families["jupyterlab_hpc_cpu_limit_cores"].samples[0].value >= 1
    # Counters: OpenMetrics names end in _total.
    energy = families["jupyterlab_hpc_energy_joules"]
    assert energy.type == "counter"
    assert energy.samples[0].name == "jupyterlab_hpc_energy_joules_total"
    assert families["jupyterlab_hpc_co2_grams"].samples[0].value >= 0
    # The fake GPUs the job sees (two of four), each labelled.
    gpus = families["jupyterlab_hpc_gpu_utilization_ratio"].samples
    assert sorted(sample.labels["gpu"] for sample in gpus) == ["1", "2"]
    assert all(0 <= sample.value <= 1 for sample in gpus)
    # jupyter_server's own metrics are still there.
    assert any(name.startswith("http_request_duration_seconds") for name in families)


async def test_a_stopped_extension_leaves_nothing_behind(hpc_app: Any, jp_fetch: Any) -> None:
    await scrape_when_sampled(jp_fetch)
    assert hpc_app._unregister_prometheus is not None
    hpc_app._unregister_prometheus()
    assert not any(name.startswith("jupyterlab_hpc_") for name in await scrape(jp_fetch))


async def test_the_energy_is_split_into_cpu_and_gpu_counters(hpc_app: Any, jp_fetch: Any) -> None:
    """The fake GPUs draw power and the fake RAPL counters stand still: the GPU counter grows,
    and at every scrape the two parts add up to the total."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        families = await scrape(jp_fetch)
        gpu = families.get("jupyterlab_hpc_gpu_energy_joules")
        if gpu is not None and gpu.samples[0].value > 0:
            break
        assert time.monotonic() < deadline, sorted(families)
        await asyncio.sleep(0.05)
    cpu = families["jupyterlab_hpc_cpu_energy_joules"]
    total = families["jupyterlab_hpc_energy_joules"]
    assert (cpu.type, gpu.type) == ("counter", "counter")
    assert [gpu.samples[0].name, cpu.samples[0].name] == [
        "jupyterlab_hpc_gpu_energy_joules_total",
        "jupyterlab_hpc_cpu_energy_joules_total",
    ]
    assert gpu.samples[0].labels == {"slurm_job": "", "user": server_user()}
    # Each part is rounded to a microwatt-hour in the section (3.6 mJ).
    parts = cpu.samples[0].value + gpu.samples[0].value
    assert parts == pytest.approx(total.samples[0].value, abs=0.01)
