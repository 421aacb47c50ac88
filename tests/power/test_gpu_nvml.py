"""GPU power through NVML, with NVML replaced at the module boundary by a four-GPU fake."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pynvml
import pytest

from jupyterlab_hpc.power.gpu import (
    NO_DRIVER_REASON,
    NO_GPU_REASON,
    NO_POWER_REASON,
    TURNED_OFF_REASON,
    GpuPowerReader,
)
from jupyterlab_hpc.power.gpu_visibility import EVERY_READABLE

MIB = 1024**2
UUIDS = [
    "GPU-5a88edbe-90c4-2449-8c43-70c57591cca1",
    "GPU-7d1a2244-0c51-9389-096c-c814121d5e2a",
    "GPU-0f3c9e61-2b7d-4a57-9e0c-5d2a8c71b4e3",
    "GPU-c2e41d7a-93f0-4b1e-8d6a-7f5e0b2c9a14",
]
H100 = "NVIDIA H100 80GB HBM3"


def nvml_error(code: int) -> pynvml.NVMLError:
    """The error pynvml raises for an NVML return code (its own subclass for that code)."""
    return pynvml.NVMLError(code)


NOT_SUPPORTED = pynvml.NVML_ERROR_NOT_SUPPORTED


@dataclass
class FakeGpu:
    """One GPU's readings; None for a reading the board does not support."""

    uuid: str
    name: str | bytes = H100
    energy_mj: int | None = 1_000_000
    power_mw: int | None = 100_000
    limit_mw: int | None = 700_000
    utilization: int | None = 50
    memory_used: int = 1024 * MIB
    memory_total: int = 81559 * MIB
    no_permission: bool = False
    # An NVML error code the energy counter answers with for now (a transient failure).
    energy_error: int | None = None
    mig_uuids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FakeMigHandle:
    uuid: str


class FakeNvml:
    """Stands in for the pynvml module: its function names, its error classes and constants."""

    NVMLError = pynvml.NVMLError
    NVML_ERROR_NOT_SUPPORTED = pynvml.NVML_ERROR_NOT_SUPPORTED
    NVML_ERROR_NO_PERMISSION = pynvml.NVML_ERROR_NO_PERMISSION
    NVML_DEVICE_MIG_ENABLE = pynvml.NVML_DEVICE_MIG_ENABLE

    def __init__(self, gpus: list[FakeGpu], init_error: int | None = None) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.calls: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("nvml"):
            object.__getattribute__(self, "calls")[name] += 1
        return object.__getattribute__(self, name)

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise nvml_error(self.init_error)

    def nvmlShutdown(self) -> None:
        pass

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeGpu:
        gpu = self.gpus[index]
        if gpu.no_permission:
            raise nvml_error(pynvml.NVML_ERROR_NO_PERMISSION)
        return gpu

    def nvmlDeviceGetUUID(self, handle: FakeGpu | FakeMigHandle) -> str:
        return handle.uuid

    def nvmlDeviceGetName(self, gpu: FakeGpu) -> str | bytes:
        return gpu.name

    def nvmlDeviceGetTotalEnergyConsumption(self, gpu: FakeGpu) -> int:
        if gpu.energy_error is not None:
            raise nvml_error(gpu.energy_error)
        return supported(gpu.energy_mj)

    def nvmlDeviceGetPowerUsage(self, gpu: FakeGpu) -> int:
        return supported(gpu.power_mw)

    def nvmlDeviceGetEnforcedPowerLimit(self, gpu: FakeGpu) -> int:
        return supported(gpu.limit_mw)

    def nvmlDeviceGetUtilizationRates(self, gpu: FakeGpu) -> SimpleNamespace:
        return SimpleNamespace(gpu=supported(gpu.utilization), memory=10)

    def nvmlDeviceGetMemoryInfo(self, gpu: FakeGpu) -> SimpleNamespace:
        free = gpu.memory_total - gpu.memory_used
        return SimpleNamespace(total=gpu.memory_total, used=gpu.memory_used, free=free)

    def nvmlDeviceGetMigMode(self, gpu: FakeGpu) -> tuple[int, int]:
        if not gpu.mig_uuids:
            raise nvml_error(NOT_SUPPORTED)
        return (pynvml.NVML_DEVICE_MIG_ENABLE, pynvml.NVML_DEVICE_MIG_ENABLE)

    def nvmlDeviceGetMaxMigDeviceCount(self, gpu: FakeGpu) -> int:
        return 7

    def nvmlDeviceGetMigDeviceHandleByIndex(self, gpu: FakeGpu, slot: int) -> FakeMigHandle:
        if slot >= len(gpu.mig_uuids):
            raise nvml_error(pynvml.NVML_ERROR_NOT_FOUND)
        return FakeMigHandle(gpu.mig_uuids[slot])


def supported(value: int | None) -> int:
    """The reading, or NVML's NOT_SUPPORTED error for a board without it."""
    if value is None:
        raise nvml_error(NOT_SUPPORTED)
    return value


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def four_gpus() -> list[FakeGpu]:
    return [FakeGpu(uuid) for uuid in UUIDS]


def make_reader(
    nvml: FakeNvml, env: dict[str, str], clock: Callable[[], float] | None = None, **kwargs: Any
) -> GpuPowerReader:
    return GpuPowerReader(nvml=nvml, env=env, clock=clock or FakeClock(), **kwargs)


@pytest.mark.parametrize(
    "env",
    [
        {"CUDA_VISIBLE_DEVICES": f"{UUIDS[1]},GPU-c2e41d7a"},
        {"SLURM_JOB_GPUS": "1,3", "CUDA_VISIBLE_DEVICES": "0,1"},
    ],
    ids=["cuda-uuids", "slurm-indices"],
)
def test_only_the_jobs_two_gpus_of_four_are_read(env: dict[str, str]) -> None:
    # given four H100s, two of them the job's, the second reporting bytes (older pynvml)
    gpus = four_gpus()
    gpus[1].power_mw, gpus[1].limit_mw, gpus[1].utilization = 412_370, 650_000, 97
    gpus[1].memory_used = 61234 * MIB
    gpus[3].name, gpus[3].power_mw = H100.encode(), 101_504
    reader = make_reader(FakeNvml(gpus), env)
    # when the reader reads (first read: no energy delta yet, so the power now)
    section = reader.read()
    # then only those two count
    assert section == {
        "available": True,
        "watts": 513.87,
        "limit_watts": 1350.0,
        "devices": [
            {
                "index": 1,
                "uuid": UUIDS[1],
                "name": H100,
                "watts": 412.37,
                "limit_watts": 650.0,
                "utilization_percent": 97.0,
                "memory_used_bytes": 61234 * MIB,
                "memory_total_bytes": 81559 * MIB,
            },
            {
                "index": 3,
                "uuid": UUIDS[3],
                "name": H100,
                "watts": 101.5,
                "limit_watts": 700.0,
                "utilization_percent": 50.0,
                "memory_used_bytes": 1024 * MIB,
                "memory_total_bytes": 81559 * MIB,
            },
        ],
        "reason": None,
        "backend": "nvml",
        "visibility": section["visibility"],
    }
    assert section["visibility"].startswith(next(iter(env)))
    assert reader.backend == "nvml"


def test_energy_counter_gives_the_average_power_since_the_previous_read() -> None:
    # given one GPU whose energy counter runs, and a clock the test moves
    gpu = FakeGpu(UUIDS[0], energy_mj=5_000_000, power_mw=123_000)
    clock = FakeClock()
    reader = make_reader(FakeNvml([gpu]), {}, clock)
    # when first read: no span yet, so the power now
    assert reader.read()["watts"] == 123.0
    # when 5 s later the counter has grown by 2,000 J
    clock.now += 5
    gpu.energy_mj += 2_000_000
    # then the average over those 5 s is 400 W
    assert reader.read()["watts"] == 400.0
    # when read again only 0.2 s later: too short a span, so the power now
    clock.now += 0.2
    gpu.energy_mj += 60_000
    assert reader.read()["watts"] == 123.0
    # and the next span runs from the last energy reading, not the short one: 4.8 s more
    clock.now += 4.8
    gpu.energy_mj += 1_440_000 - 60_000
    assert reader.read()["watts"] == 288.0


def test_energy_counter_restart_after_a_driver_reload_is_a_new_baseline() -> None:
    gpu = FakeGpu(UUIDS[0], energy_mj=9_000_000, power_mw=80_000)
    clock = FakeClock()
    reader = make_reader(FakeNvml([gpu]), {}, clock)
    reader.read()
    clock.now += 5
    gpu.energy_mj = 100_000
    assert reader.read()["watts"] == 80.0
    clock.now += 5
    gpu.energy_mj += 1_500_000
    assert reader.read()["watts"] == 300.0


def test_without_energy_counter_power_usage_answers_and_energy_is_not_asked_again() -> None:
    # given a pre-Volta GPU
    gpu = FakeGpu(UUIDS[0], energy_mj=None, power_mw=57_126)
    nvml = FakeNvml([gpu])
    clock = FakeClock()
    reader = make_reader(nvml, {}, clock)
    # when read three times
    for _ in range(3):
        section = reader.read()
        clock.now += 5
    # then each read shows the power now, and the energy counter was tried once
    assert section["watts"] == 57.13
    assert nvml.calls["nvmlDeviceGetPowerUsage"] == 3
    assert nvml.calls["nvmlDeviceGetTotalEnergyConsumption"] == 1


def test_energy_counter_failing_once_is_asked_again() -> None:
    gpu = FakeGpu(UUIDS[0], energy_mj=0, power_mw=90_000)
    clock = FakeClock()
    reader = make_reader(FakeNvml([gpu]), {}, clock)
    reader.read()
    # when the counter fails once, the power now answers
    gpu.energy_error = pynvml.NVML_ERROR_UNKNOWN
    clock.now += 5
    assert reader.read()["watts"] == 90.0
    # and when it answers again, the span runs from the last good reading
    gpu.energy_error = None
    gpu.energy_mj = 2_500_000
    clock.now += 5
    assert reader.read()["watts"] == 250.0


def test_nvml_is_initialised_once_and_handles_are_kept() -> None:
    nvml = FakeNvml(four_gpus())
    reader = make_reader(nvml, {})
    for _ in range(3):
        reader.read()
    assert nvml.calls["nvmlInit"] == 1
    assert nvml.calls["nvmlDeviceGetHandleByIndex"] == 4
    assert nvml.calls["nvmlDeviceGetName"] == 4
    assert nvml.calls["nvmlDeviceGetEnforcedPowerLimit"] == 12
    reader.close()
    assert nvml.calls["nvmlShutdown"] == 1


def test_gpus_the_device_cgroup_hides_are_skipped() -> None:
    # given a job whose device cgroup hides GPUs 0 and 2 (NVML: NO_PERMISSION)
    gpus = four_gpus()
    gpus[0].no_permission = gpus[2].no_permission = True
    # when nothing in the environment names the job's GPUs
    section = make_reader(FakeNvml(gpus), {}).read()
    # then the readable ones are the job's
    assert [device["index"] for device in section["devices"]] == [1, 3]
    assert section["visibility"] == EVERY_READABLE
    assert section["watts"] == 200.0


def test_unsupported_fields_are_null_and_the_limit_sum_unknown() -> None:
    gpus = [FakeGpu(UUIDS[0], limit_mw=None, utilization=None), FakeGpu(UUIDS[1])]
    section = make_reader(FakeNvml(gpus), {}).read()
    first = section["devices"][0]
    assert (first["limit_watts"], first["utilization_percent"]) == (None, None)
    assert section["devices"][1]["limit_watts"] == 700.0
    # a limit summed over part of the GPUs would look reachable when it is not
    assert section["limit_watts"] is None
    assert section["watts"] == 200.0


def test_gpus_without_any_power_reading_are_listed_but_unavailable() -> None:
    gpus = [FakeGpu(UUIDS[0], energy_mj=None, power_mw=None)]
    section = make_reader(FakeNvml(gpus), {}).read()
    assert section["available"] is False
    assert section["reason"] == NO_POWER_REASON
    assert section["watts"] is None
    assert section["devices"][0]["uuid"] == UUIDS[0]


def test_job_without_gpu_on_a_gpu_node() -> None:
    section = make_reader(FakeNvml(four_gpus()), {"CUDA_VISIBLE_DEVICES": ""}).read()
    assert section == {
        "available": False,
        "watts": None,
        "limit_watts": None,
        "devices": [],
        "reason": NO_GPU_REASON,
        "backend": "nvml",
        "visibility": "CUDA_VISIBLE_DEVICES='' hides every GPU",
    }


def test_mig_instance_reads_its_whole_parent_gpu() -> None:
    gpus = four_gpus()
    gpus[2].mig_uuids = ["MIG-11111111-2222-3333-4444-555555555555", "MIG-6666"]
    env = {"CUDA_VISIBLE_DEVICES": "MIG-6666"}
    section = make_reader(FakeNvml(gpus), env).read()
    assert [device["index"] for device in section["devices"]] == [2]


def test_auto_without_nvml_or_nvidia_smi_has_no_driver(tmp_path: Path) -> None:
    # given a node without the NVIDIA library and without nvidia-smi
    nvml = FakeNvml(four_gpus(), init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    reader = make_reader(nvml, {}, nvidia_smi=str(tmp_path / "nvidia-smi"))
    # when read
    section = reader.read()
    # then it says so, without a backend
    assert section["available"] is False
    assert section["reason"] == NO_DRIVER_REASON
    assert section["backend"] is None
    assert reader.backend is None


def test_nvml_backend_that_cannot_start_says_why() -> None:
    nvml = FakeNvml(four_gpus(), init_error=pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
    section = make_reader(nvml, {}, backend="nvml").read()
    assert section["reason"] == "NVML could not be initialised: Driver Not Loaded."
    assert section["devices"] == []


def test_backend_none_reads_nothing() -> None:
    nvml = FakeNvml(four_gpus())
    section = make_reader(nvml, {}, backend="none").read()
    assert section["reason"] == TURNED_OFF_REASON
    assert nvml.calls["nvmlInit"] == 0


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'rocm'"):
        GpuPowerReader(backend="rocm")
