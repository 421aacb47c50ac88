"""Admin settings for the power meters and the sampler's cadence."""

from __future__ import annotations

from typing import Any

from traitlets import Enum, Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable


class HPCPower(Configurable):
    """Power meter sources, the sampling cadence, and how much history is kept."""

    sample_interval = Float(
        5.0,
        help="""Seconds between two samples of memory, power and emissions.

        One sampler per Jupyter server reads every meter at this cadence, however
        many browser tabs are open. Shorter intervals cost more server CPU.
        """,
    ).tag(config=True)

    idle_sample_interval = Float(
        30.0,
        help="""Seconds between two samples while no browser asks for metrics.

        Once no page has asked for `idle_after` seconds (every tab closed or hidden),
        the sampler slows to this cadence, so a server nobody looks at costs almost
        nothing; the first request after that gets a new sample at once. Energy and CO2
        totals stay exact (RAPL counters are cumulative). Set it to `sample_interval`
        to always sample at full cadence.
        """,
    ).tag(config=True)

    idle_after = Float(
        60.0,
        help="Seconds without a request for metrics after which the idle cadence applies.",
    ).tag(config=True)

    history_size = Int(
        4320,
        help="""Number of samples kept in the history ring (4320 = 6 hours at 5 s).

        Older samples are dropped; memory use grows linearly with this number.
        """,
    ).tag(config=True)

    # --- CPU power (RAPL) ---

    powercap_root = Unicode(
        "/sys/class/powercap",
        help="""Directory holding the RAPL energy counters (default /sys/class/powercap).

        CPU power is read from its intel-rapl zones (AMD CPUs use the same names): the
        packages plus DRAM, or psys where there is no package. Change it only if sysfs is
        mounted elsewhere, e.g. bind-mounted into a container.
        """,
    ).tag(config=True)

    attribution = Enum(
        ["process", "node"],
        "process",
        help="""Whose CPU power is shown: "process" (the default) or "node".

        "process" shows this server's share: the node's RAPL power times the share of the
        node's CPU capacity (all its CPUs' time, idle included) used by the server and its
        kernels, terminals and other descendants. "node" shows the whole node's power,
        which suits nodes allocated to one job only.
        """,
    ).tag(config=True)

    gpu_backend = Enum(
        ["auto", "nvml", "nvidia-smi", "none"],
        "auto",
        help="""How GPU power is read: "auto" (the default), "nvml", "nvidia-smi" or "none".

        "nvml" reads NVIDIA's management library in the server process through
        nvidia-ml-py (cheapest; the energy counter where the GPU has one, Volta and newer).
        "nvidia-smi" runs `nvidia-smi --query-gpu=...` at each sample, killed after 5 s if
        it hangs. "auto" tries NVML, then nvidia-smi. "none" never reads GPUs. Only the
        GPUs of this job are shown: SLURM_STEP_GPUS / SLURM_JOB_GPUS, then
        CUDA_VISIBLE_DEVICES (indices or UUIDs).
        """,
    ).tag(config=True)

    nvidia_smi = Unicode(
        "nvidia-smi",
        help="""The nvidia-smi executable: a name looked up on PATH (the default) or a path.""",
    ).tag(config=True)

    @validate("sample_interval")
    def _validate_sample_interval(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        # inf would stop sampling for good; nan compares false with everything.
        if not 0 < value < float("inf"):
            raise TraitError(f"HPCPower.sample_interval must be > 0 seconds, not {value}.")
        return value

    @validate("idle_sample_interval", "idle_after")
    def _validate_idle(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 < value < float("inf"):
            raise TraitError(f"HPCPower.{proposal['trait'].name} must be > 0 seconds, not {value}.")
        return value

    @validate("history_size")
    def _validate_history_size(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError(f"HPCPower.history_size must be at least 1, not {value}.")
        return value
