"""The gpu_power section: power of this job's own NVIDIA GPUs, through NVML or nvidia-smi."""

from __future__ import annotations

import logging
import math
import os
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import pynvml

from ..commands import CommandError, CommandResult, CommandTimeout, run_command_sync
from .gpu_visibility import DeviceId, select_visible

Runner = Callable[[Sequence[str], float], CommandResult]

BACKENDS = ("auto", "nvml", "nvidia-smi", "none")

# The fields asked of nvidia-smi, in the order it prints them.
SMI_FIELDS = (
    "index",
    "uuid",
    "name",
    "power.draw",
    "enforced.power.limit",
    "utilization.gpu",
    "memory.used",
    "memory.total",
)
SMI_FORMAT = "--format=csv,noheader,nounits"
MIB = 1024 * 1024

# A hung driver makes every nvidia-smi hang: after a timeout, wait this long before the next
# try, doubling on each further timeout, so that hung processes never pile up.
SMI_BACKOFF_S = 60.0
SMI_BACKOFF_MAX_S = 600.0

# Energy deltas over shorter spans are mostly sensor granularity (the counter moves every
# 20-100 ms): below this, the instant power answers and the span keeps growing.
MIN_ENERGY_INTERVAL_S = 1.0

NO_GPU_REASON = "No GPU is allocated to this job."
NO_DRIVER_REASON = "No NVIDIA driver found (NVML and nvidia-smi are unavailable)."
TURNED_OFF_REASON = 'GPU power is not read on this server (HPCPower.gpu_backend is "none").'
NO_POWER_REASON = "The driver reports no power draw for this job's GPUs."


def gpu_unavailable(
    reason: str, *, backend: str | None = None, visibility: str = ""
) -> dict[str, Any]:
    """A gpu_power section that says why there is no reading."""
    return {
        "available": False,
        "watts": None,
        "limit_watts": None,
        "devices": [],
        "reason": reason,
        "backend": backend,
        "visibility": visibility,
    }


def parse_query_gpu(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Device readings from `nvidia-smi --query-gpu=<SMI_FIELDS> --format=csv,noheader,nounits`.

    Returns the readings and the lines that could not be read (driver warnings, say).
    """
    devices: list[dict[str, Any]] = []
    skipped: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        # nvidia-smi separates fields with ", " and quotes nothing. Only the name is free
        # text; no NVIDIA product name has a comma, but should one, the surplus pieces are its.
        raw = line.split(",")
        extra = len(raw) - len(SMI_FIELDS)
        index = raw[0].strip()
        if extra < 0 or not index.isdigit() or not raw[1].strip():
            skipped.append(line)
            continue
        name = ",".join(raw[2 : 3 + extra]).strip()
        power_text, limit_text, *others = raw[3 + extra :]
        power, power_problem = _smi_watts(power_text, "power draw")
        limit, limit_problem = _smi_watts(limit_text, "power limit")
        utilization, used, total = (_smi_number(v) for v in others)
        device = _device(
            int(index),
            raw[1].strip(),
            name=None if _is_missing(name) else name,
            watts=power,
            limit_watts=limit,
            utilization=utilization,
            memory_used=None if used is None else round(used * MIB),
            memory_total=None if total is None else round(total * MIB),
        )
        problems = [problem for problem in (power_problem, limit_problem) if problem]
        if problems:
            # An extra field, only on a device whose reading was refused.
            device["reason"] = f"GPU {index}: " + "; ".join(problems) + "."
        devices.append(device)
    return devices, skipped


@dataclass
class _NvmlDevice:
    """A GPU this process may read, with its handle and its energy-counter baseline."""

    id: DeviceId
    handle: Any
    name: str | None
    energy_supported: bool = True
    # (millijoules, clock) of the reading the next energy delta starts from.
    energy_mark: tuple[int, float] | None = None


class GpuPowerReader:
    """Reads the job's GPUs' power; blocking, so call it off the event loop (not re-entrant)."""

    def __init__(
        self,
        *,
        backend: str = "auto",
        nvidia_smi: str = "nvidia-smi",
        env: Mapping[str, str] | None = None,
        runner: Runner | None = None,
        nvml: Any = None,
        clock: Callable[[], float] = time.monotonic,
        timeout_s: float = 5.0,
        log: logging.Logger | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"GPU backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self._backend = backend
        self._nvidia_smi = nvidia_smi
        self._env = os.environ if env is None else env
        self._runner = runner or _run_in_private_loop
        self._nvml = pynvml if nvml is None else nvml
        self._clock = clock
        self._timeout_s = timeout_s
        self._log = log or logging.getLogger(__name__)
        self._lock = threading.Lock()
        # Decided on the first read, which runs in the sampler's thread, not at server start.
        self._chosen: str | None = None
        self._setup_reason: str | None = None
        self._nvml_devices: list[_NvmlDevice] = []
        self._smi_backoff_s = 0.0
        self._smi_retry_at: float | None = None
        self._logged: set[str] = set()

    @property
    def backend(self) -> str | None:
        """The backend in use ("nvml", "nvidia-smi"), or None before the first read or if none."""
        return self._chosen if self._chosen in ("nvml", "nvidia-smi") else None

    def read(self) -> dict[str, Any]:
        """The `gpu_power` section of GET metrics."""
        with self._lock:
            if self._chosen is None:
                self._choose()
            if self._chosen == "nvml":
                return self._read_nvml()
            if self._chosen == "nvidia-smi":
                return self._read_smi()
            visibility = select_visible([], self._env).explain
            return gpu_unavailable(self._setup_reason or NO_DRIVER_REASON, visibility=visibility)

    def close(self) -> None:
        """Release NVML (at server shutdown)."""
        with self._lock:
            if self._chosen == "nvml":
                try:
                    self._nvml.nvmlShutdown()
                except self._nvml.NVMLError:
                    pass
                self._chosen, self._setup_reason = "none", "The GPU reader is closed."

    def _choose(self) -> None:
        if self._backend == "none":
            self._chosen, self._setup_reason = "none", TURNED_OFF_REASON
            return
        if self._backend in ("auto", "nvml"):
            try:
                self._start_nvml()
            except self._nvml.NVMLError as error:
                if self._backend == "nvml":
                    self._chosen = "none"
                    self._setup_reason = f"NVML could not be initialised: {error}."
                    return
                self._log.debug("jupyterlab-hpc GPU power: no NVML (%s)", error)
            else:
                self._chosen = "nvml"
                return
        if self._backend == "nvidia-smi" or shutil.which(self._nvidia_smi):
            self._chosen = "nvidia-smi"
        else:
            self._chosen, self._setup_reason = "none", NO_DRIVER_REASON
        self._log.info("jupyterlab-hpc GPU power: backend %s", self._chosen)

    def _start_nvml(self) -> None:
        nvml = self._nvml
        nvml.nvmlInit()
        # Handles are fetched once: NVML's lookups cost more than its readings.
        for index in range(nvml.nvmlDeviceGetCount()):
            try:
                handle = nvml.nvmlDeviceGetHandleByIndex(index)
                uuid = _text(nvml.nvmlDeviceGetUUID(handle))
            except nvml.NVMLError as error:
                # NO_PERMISSION: the job's device cgroup hides this GPU, so it is not ours.
                if getattr(error, "value", None) != nvml.NVML_ERROR_NO_PERMISSION:
                    self._log.warning("jupyterlab-hpc GPU power: GPU %d skipped: %s", index, error)
                continue
            name = self._nvml_field("nvmlDeviceGetName", handle)
            device_id = DeviceId(index, uuid, self._mig_uuids(handle))
            self._nvml_devices.append(_NvmlDevice(device_id, handle, _text(name)))
        self._log.info(
            "jupyterlab-hpc GPU power: NVML, %d readable GPU(s)", len(self._nvml_devices)
        )

    def _mig_uuids(self, handle: Any) -> tuple[str, ...]:
        """The UUIDs of the MIG instances of a GPU in MIG mode, so CUDA's MIG- entries match."""
        nvml = self._nvml
        try:
            current, _pending = nvml.nvmlDeviceGetMigMode(handle)
            if current != nvml.NVML_DEVICE_MIG_ENABLE:
                return ()
            count = nvml.nvmlDeviceGetMaxMigDeviceCount(handle)
        except nvml.NVMLError:
            return ()
        uuids: list[str] = []
        for slot in range(count):
            try:
                mig = nvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, slot)
                uuids.append(_text(nvml.nvmlDeviceGetUUID(mig)))
            except nvml.NVMLError:
                continue  # an empty slot
        return tuple(uuids)

    def _read_nvml(self) -> dict[str, Any]:
        by_uuid = {device.id.uuid: device for device in self._nvml_devices}
        visibility = select_visible([device.id for device in self._nvml_devices], self._env)
        now = self._clock()
        readings = []
        for device_id in visibility.devices:
            device = by_uuid[device_id.uuid]
            limit = self._nvml_field("nvmlDeviceGetEnforcedPowerLimit", device.handle)
            utilization = self._nvml_field("nvmlDeviceGetUtilizationRates", device.handle)
            memory = self._nvml_field("nvmlDeviceGetMemoryInfo", device.handle)
            readings.append(
                _device(
                    device_id.index,
                    device_id.uuid,
                    name=device.name,
                    watts=self._nvml_watts(device, now),
                    limit_watts=None if limit is None else limit / 1000,
                    utilization=None if utilization is None else utilization.gpu,
                    memory_used=None if memory is None else memory.used,
                    memory_total=None if memory is None else memory.total,
                )
            )
        return _section("nvml", visibility.explain, readings)

    def _nvml_watts(self, device: _NvmlDevice, now: float) -> float | None:
        """Average power since the previous read from the energy counter, else the power now."""
        if device.energy_supported:
            watts = self._energy_watts(device, now)
            if watts is not None:
                return watts
        milliwatts = self._nvml_field("nvmlDeviceGetPowerUsage", device.handle)
        return None if milliwatts is None else milliwatts / 1000

    def _energy_watts(self, device: _NvmlDevice, now: float) -> float | None:
        """Average power since the device's energy mark, or None while there is no span yet."""
        nvml = self._nvml
        try:
            energy = nvml.nvmlDeviceGetTotalEnergyConsumption(device.handle)
        except nvml.NVMLError as error:
            if getattr(error, "value", None) == nvml.NVML_ERROR_NOT_SUPPORTED:
                # Before Volta: never asked again.
                device.energy_supported = False
            else:
                self._log_once(f"nvmlDeviceGetTotalEnergyConsumption failed: {error}")
            return None
        mark = device.energy_mark
        if mark is None or energy < mark[0]:
            # First read, or the driver reloaded and the counter restarted from 0.
            device.energy_mark = (energy, now)
            return None
        if now - mark[1] < MIN_ENERGY_INTERVAL_S:
            return None
        device.energy_mark = (energy, now)
        return (energy - mark[0]) / 1000 / (now - mark[1])

    def _nvml_field(self, function: str, handle: Any) -> Any:
        """One NVML reading, or None if this GPU does not support it (or it failed)."""
        nvml = self._nvml
        try:
            return getattr(nvml, function)(handle)
        except nvml.NVMLError as error:
            if getattr(error, "value", None) != nvml.NVML_ERROR_NOT_SUPPORTED:
                self._log_once(f"{function} failed: {error}")
            return None

    def _read_smi(self) -> dict[str, Any]:
        visibility = select_visible([], self._env).explain
        if self._smi_retry_at is not None:
            wait_s = self._smi_retry_at - self._clock()
            if wait_s > 0:
                return gpu_unavailable(
                    self._smi_timeout_reason(wait_s), backend="nvidia-smi", visibility=visibility
                )
        argv = [self._nvidia_smi, f"--query-gpu={','.join(SMI_FIELDS)}", SMI_FORMAT]
        try:
            result = self._runner(argv, self._timeout_s)
        except CommandTimeout:
            self._smi_backoff_s = min(
                max(self._smi_backoff_s * 2, SMI_BACKOFF_S), SMI_BACKOFF_MAX_S
            )
            self._smi_retry_at = self._clock() + self._smi_backoff_s
            reason = self._smi_timeout_reason(self._smi_backoff_s)
            self._log.warning("jupyterlab-hpc GPU power: %s", reason)
            return gpu_unavailable(reason, backend="nvidia-smi", visibility=visibility)
        except CommandError as error:
            reason = f"nvidia-smi could not be run: {error}."
            return gpu_unavailable(reason, backend="nvidia-smi", visibility=visibility)
        self._smi_backoff_s, self._smi_retry_at = 0.0, None
        if result.returncode != 0:
            detail = _first_line(result.stderr) or _first_line(result.stdout) or "no message"
            reason = f"nvidia-smi failed (exit status {result.returncode}): {detail}"
            return gpu_unavailable(reason, backend="nvidia-smi", visibility=visibility)
        readings, skipped = parse_query_gpu(result.stdout)
        for line in skipped:
            self._log_once(f"nvidia-smi line not understood: {line[:200]!r}")
        if skipped and not readings:
            reason = f"nvidia-smi answered in an unexpected format: {_first_line(skipped[0])}"
            return gpu_unavailable(reason, backend="nvidia-smi", visibility=visibility)
        by_uuid = {reading["uuid"]: reading for reading in readings}
        ids = [DeviceId(reading["index"], reading["uuid"]) for reading in readings]
        chosen = select_visible(ids, self._env)
        return _section(
            "nvidia-smi", chosen.explain, [by_uuid[device.uuid] for device in chosen.devices]
        )

    def _smi_timeout_reason(self, wait_s: float) -> str:
        return (
            f"nvidia-smi did not answer within {self._timeout_s:g} s "
            f"(next try in {math.ceil(wait_s)} s)."
        )

    def _log_once(self, message: str) -> None:
        # The sampler reads every few seconds: a persistent problem is logged once.
        if message not in self._logged:
            self._logged.add(message)
            self._log.warning("jupyterlab-hpc GPU power: %s", message)


def _run_in_private_loop(argv: Sequence[str], timeout_s: float) -> CommandResult:
    """The runner used when none is given: the command seam on a private event loop."""
    return run_command_sync(argv, timeout_s=timeout_s)


def _section(backend: str, visibility: str, devices: list[dict[str, Any]]) -> dict[str, Any]:
    """The gpu_power section for the job's devices: sums, and why there is none if so."""
    if not devices:
        return gpu_unavailable(NO_GPU_REASON, backend=backend, visibility=visibility)
    known = [device["watts"] for device in devices if device["watts"] is not None]
    limits = [device["limit_watts"] for device in devices]
    refused = " ".join(device["reason"] for device in devices if device.get("reason"))
    return {
        "available": bool(known),
        "watts": round(sum(known), 2) if known else None,
        # A sum over part of the GPUs would understate the limit: all or nothing.
        "limit_watts": None if None in limits else round(sum(limits), 2),
        "devices": devices,
        "reason": None if known else (refused or NO_POWER_REASON),
        "backend": backend,
        "visibility": visibility,
    }


def _device(
    index: int,
    uuid: str,
    *,
    name: str | None,
    watts: float | None,
    limit_watts: float | None,
    utilization: float | None,
    memory_used: int | None,
    memory_total: int | None,
) -> dict[str, Any]:
    """One entry of the section's devices list, in SI units."""
    return {
        "index": index,
        "uuid": uuid,
        "name": name,
        "watts": None if watts is None else round(watts, 2),
        "limit_watts": None if limit_watts is None else round(limit_watts, 2),
        "utilization_percent": None if utilization is None else float(utilization),
        "memory_used_bytes": None if memory_used is None else int(memory_used),
        "memory_total_bytes": None if memory_total is None else int(memory_total),
    }


def _is_missing(token: str) -> bool:
    """nvidia-smi's ways of printing no value: N/A, or a bracketed note like [Not Supported]."""
    return token in ("", "N/A") or (token.startswith("[") and token.endswith("]"))


def _smi_watts(token: str, what: str) -> tuple[float | None, str | None]:
    """A power in watts, or None and why the driver's text is not one (None when just absent)."""
    token = token.strip()
    if _is_missing(token):
        return None, None
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    # Garbage is no power: a negative or non-finite one would subtract from or poison totals.
    if not (math.isfinite(value) and value >= 0):
        return None, f"nvidia-smi printed {token[:40]!r} as its {what}, which is not a power"
    return value, None


def _smi_number(token: str) -> float | None:
    token = token.strip()
    if _is_missing(token):
        return None
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _text(value: Any) -> Any:
    # Older pynvml releases return bytes where newer ones return str.
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
