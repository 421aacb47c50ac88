"""The sections of a metrics snapshot that no reader fills yet, and their unavailable forms."""

from __future__ import annotations

from typing import Any, Callable

from ..memory.reader import memory_unavailable

CPU_POWER_NOT_MEASURED = "CPU power is not measured yet by this version of jupyterlab-hpc."
GPU_POWER_NOT_MEASURED = "GPU power is not measured yet by this version of jupyterlab-hpc."
EMISSIONS_NOT_ESTIMATED = "Emissions are not estimated yet by this version of jupyterlab-hpc."


def cpu_power_unavailable(reason: str) -> dict[str, Any]:
    """A cpu_power section that says why there is no reading."""
    return {"available": False, "watts": None, "limit_watts": None, "reason": reason}


def gpu_power_unavailable(reason: str) -> dict[str, Any]:
    """A gpu_power section that says why there is no reading."""
    return {
        "available": False,
        "watts": None,
        "limit_watts": None,
        "devices": [],
        "reason": reason,
    }


def emissions_unavailable(reason: str) -> dict[str, Any]:
    """An emissions section that says why there is no estimate."""
    return {
        "available": False,
        "factor_g_per_kwh": None,
        "factor_source": None,
        "factor_time": None,
        "energy_wh": None,
        "co2_g": None,
        "since": None,
        "reason": reason,
    }


# Every snapshot section, in the order the API shows them, with its unavailable form: the
# sampler falls back to it when that section's reader raises.
UNAVAILABLE: dict[str, Callable[[str], dict[str, Any]]] = {
    "memory": memory_unavailable,
    "cpu_power": cpu_power_unavailable,
    "gpu_power": gpu_power_unavailable,
    "emissions": emissions_unavailable,
}


def not_yet_readers() -> dict[str, Callable[[], dict[str, Any]]]:
    """Readers for the sections this version does not measure yet."""
    return {
        "cpu_power": lambda: cpu_power_unavailable(CPU_POWER_NOT_MEASURED),
        "gpu_power": lambda: gpu_power_unavailable(GPU_POWER_NOT_MEASURED),
        "emissions": lambda: emissions_unavailable(EMISSIONS_NOT_ESTIMATED),
    }
