"""The sections of a metrics snapshot, in the API's order, and their unavailable forms."""

from __future__ import annotations

from typing import Any, Callable

from ..cpu.reader import cpu_unavailable
from ..kernels.usage import kernels_unavailable
from ..memory.reader import memory_unavailable
from ..power.cpu import cpu_power_unavailable
from ..power.gpu import gpu_unavailable


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
        "factor_status": None,
        "factor_age_s": None,
        "factor_basis": None,
    }


# Every snapshot section with its unavailable form: the sampler falls back to it when that
# section's reader raises.
UNAVAILABLE: dict[str, Callable[[str], dict[str, Any]]] = {
    "memory": memory_unavailable,
    "cpu": cpu_unavailable,
    "cpu_power": cpu_power_unavailable,
    "gpu_power": gpu_unavailable,
    "emissions": emissions_unavailable,
    "kernels": kernels_unavailable,
}
