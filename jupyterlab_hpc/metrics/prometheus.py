"""Our figures in the server's own Prometheus endpoint (jupyter_server's `/metrics`).

Centres scrape `/metrics` of every user server through their service discovery; this adds the
meters' readings there, under OpenMetrics names beginning `jupyterlab_hpc_`, labelled with the
Slurm job and the user. A collector reads the sampler's latest snapshot at each scrape: no
extra /proc walk, no command, nothing measured twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import prometheus_client
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .sampler import MetricsSampler

# "slurm_job", not "job": Prometheus gives every target a "job" label of its own.
LABELS = ["slurm_job", "user"]
Gauge, Counter = GaugeMetricFamily, CounterMetricFamily


def _number(section: Any, key: str) -> float | None:
    if not isinstance(section, dict) or not section.get("available"):
        return None
    value = section.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class SnapshotCollector(Collector):
    """Gauges and counters from the sampler's latest snapshot, at each scrape."""

    def __init__(self, sampler: MetricsSampler, job: str | None, user: str) -> None:
        self._sampler = sampler
        self._labels = [job or "", user]

    def describe(self) -> list[Any]:
        """Nothing up front: the names depend on what the sampler measures (and registering
        never collides with another server's collector in the same process, as in tests)."""
        return []

    def collect(self) -> Iterator[Any]:
        sample = self._sampler.latest
        if sample is None:
            return
        snapshot = sample.snapshot
        memory, cpu = snapshot.get("memory"), snapshot.get("cpu")
        cpu_power, gpu_power = snapshot.get("cpu_power"), snapshot.get("gpu_power")
        emissions = snapshot.get("emissions")
        wh = _number(emissions, "energy_wh")
        cpu_wh, gpu_wh = _number(emissions, "cpu_energy_wh"), _number(emissions, "gpu_energy_wh")
        readings: list[tuple[type[Any], str, str, float | None]] = [
            (
                Gauge,
                "memory_used_bytes",
                "Memory used by the job (bytes).",
                _number(memory, "used_bytes"),
            ),
            (
                Gauge,
                "memory_limit_bytes",
                "Memory the job may use (bytes).",
                _number(memory, "limit_bytes"),
            ),
            (
                Gauge,
                "cpu_used_cores",
                "Cores busy between the last two samples.",
                _number(cpu, "used_cores"),
            ),
            (Gauge, "cpu_limit_cores", "Cores the job may use.", _number(cpu, "limit_cores")),
            (
                Gauge,
                "cpu_power_watts",
                "CPU power drawn for this server (RAPL, watts).",
                _number(cpu_power, "watts"),
            ),
            (
                Gauge,
                "gpu_power_watts",
                "Power drawn by the job's GPUs (watts).",
                _number(gpu_power, "watts"),
            ),
            (
                Gauge,
                "grid_factor_grams_per_kwh",
                "The electricity grid's emission factor (g CO2eq per kWh).",
                _number(emissions, "factor_g_per_kwh"),
            ),
            (
                Counter,
                "energy_joules",
                "Energy drawn by the CPUs and GPUs of this server since it started counting (J).",
                None if wh is None else wh * 3600.0,
            ),
            (
                Counter,
                "cpu_energy_joules",
                "Energy drawn by the CPUs for this server (RAPL), part of the total (J).",
                None if cpu_wh is None else cpu_wh * 3600.0,
            ),
            (
                Counter,
                "gpu_energy_joules",
                "Energy drawn by the job's GPUs, part of the total (J).",
                None if gpu_wh is None else gpu_wh * 3600.0,
            ),
            (
                Counter,
                "co2_grams",
                "CO2-equivalent emitted for that energy (g).",
                _number(emissions, "co2_g"),
            ),
        ]
        for kind, name, text, value in readings:
            if value is not None:
                family = kind(f"jupyterlab_hpc_{name}", text, labels=LABELS)
                family.add_metric(self._labels, value)
                yield family
        yield from self._gpus(gpu_power)

    def _gpus(self, section: Any) -> Iterator[Any]:
        devices = section.get("devices") if isinstance(section, dict) else None
        if not isinstance(devices, list):
            return
        utilization = GaugeMetricFamily(
            "jupyterlab_hpc_gpu_utilization_ratio",
            "Utilisation of each of the job's GPUs (0 to 1).",
            labels=[*LABELS, "gpu"],
        )
        memory = GaugeMetricFamily(
            "jupyterlab_hpc_gpu_memory_used_bytes",
            "Memory used on each of the job's GPUs (bytes).",
            labels=[*LABELS, "gpu"],
        )
        for device in devices:
            if not isinstance(device, dict):
                continue
            labels = [*self._labels, str(device.get("index"))]
            percent = device.get("utilization_percent")
            if isinstance(percent, (int, float)):
                utilization.add_metric(labels, float(percent) / 100.0)
            used = device.get("memory_used_bytes")
            if isinstance(used, (int, float)):
                memory.add_metric(labels, float(used))
        yield utilization
        yield memory


def register_collector(
    sampler: MetricsSampler,
    job: str | None,
    user: str,
    registry: prometheus_client.CollectorRegistry = prometheus_client.REGISTRY,
) -> Callable[[], None]:
    """Add our figures to the registry jupyter_server's /metrics serves; returns the undo."""
    collector = SnapshotCollector(sampler, job, user)
    registry.register(collector)

    def unregister() -> None:
        try:
            registry.unregister(collector)
        except KeyError:
            pass

    return unregister
