"""GPU power through a real (fake) nvidia-smi executable, run by the real command seam."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pynvml
import pytest

from jupyterlab_hpc.commands import CommandResult, run_command_sync
from jupyterlab_hpc.power.gpu import (
    NO_GPU_REASON,
    NO_POWER_REASON,
    SMI_FIELDS,
    GpuPowerReader,
    parse_query_gpu,
)
from jupyterlab_hpc.power.gpu_visibility import EVERY_READABLE
from tests.support import finishes_within, is_gone, load_golden, shape_mismatches

RECORDED = Path(__file__).parent.parent / "fixtures" / "nvidia-smi"
MIB = 1024**2
H100 = "NVIDIA H100 80GB HBM3"
QUERY = ["--query-gpu=" + ",".join(SMI_FIELDS), "--format=csv,noheader,nounits"]
DRIVER_DOWN = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running."
)

# Answers as answer.json next to it says, after logging its pid and arguments to calls.log.
FAKE_NVIDIA_SMI = """\
#!{python}
import json, os, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
with open(here / "calls.log", "a") as log:
    log.write(json.dumps({{"pid": os.getpid(), "argv": sys.argv[1:]}}) + "\\n")
answer = json.loads((here / "answer.json").read_text())
time.sleep(answer["sleep"])
sys.stdout.write(answer["stdout"])
sys.stderr.write(answer["stderr"])
sys.exit(answer["exit"])
"""


class FakeSmi:
    """An nvidia-smi executable in a temporary directory that replays what it is given."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir()
        self.path = directory / "nvidia-smi"
        self.path.write_text(FAKE_NVIDIA_SMI.format(python=sys.executable))
        self.path.chmod(0o755)
        self.answer()

    def answer(
        self, stdout: str = "", *, stderr: str = "", status: int = 0, sleep: float = 0
    ) -> None:
        """What the next calls print, how they exit, and how long they hang first."""
        answer = {"stdout": stdout, "stderr": stderr, "exit": status, "sleep": sleep}
        (self.path.parent / "answer.json").write_text(json.dumps(answer))

    def replay(self, recording: str) -> None:
        """Answer with one of the recorded outputs."""
        self.answer((RECORDED / recording).read_text())

    def calls(self) -> list[dict[str, Any]]:
        """Each call's pid and arguments, oldest first."""
        log = self.path.parent / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def smi(tmp_path: Path) -> FakeSmi:
    return FakeSmi(tmp_path / "bin")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_reader(smi: FakeSmi, server_loop: asyncio.AbstractEventLoop, clock: FakeClock) -> Any:
    """A reader wired as the server wires it: nvidia-smi through the seam on the server loop."""

    def runner(argv: Sequence[str], timeout_s: float) -> CommandResult:
        return run_command_sync(argv, timeout_s=timeout_s, loop=server_loop)

    def make(env: dict[str, str], **kwargs: Any) -> GpuPowerReader:
        options: dict[str, Any] = {
            "backend": "nvidia-smi",
            "nvidia_smi": str(smi.path),
            "env": env,
            "runner": runner,
            "clock": clock,
        }
        return GpuPowerReader(**{**options, **kwargs})

    return make


def without_memory(section: dict[str, Any]) -> dict[str, Any]:
    """The section with its devices' memory readings left out."""
    devices = [
        {key: value for key, value in device.items() if not key.startswith("memory_")}
        for device in section["devices"]
    ]
    return {**section, "devices": devices}


def test_two_gpu_recording_is_read_whole(smi: FakeSmi, make_reader: Any) -> None:
    # given a node's two H100s and nothing restricting the job
    smi.replay("query-gpu-h100x2.csv")
    # when read
    section = make_reader({}).read()
    # then both count, in SI units
    assert section == {
        "available": True,
        "watts": 482.25,
        "limit_watts": 1350.0,
        "devices": [
            {
                "index": 0,
                "uuid": "GPU-5a88edbe-90c4-2449-8c43-70c57591cca1",
                "name": H100,
                "watts": 69.88,
                "limit_watts": 700.0,
                "utilization_percent": 0.0,
                "memory_used_bytes": 1 * MIB,
                "memory_total_bytes": 81559 * MIB,
            },
            {
                "index": 1,
                "uuid": "GPU-7d1a2244-0c51-9389-096c-c814121d5e2a",
                "name": H100,
                "watts": 412.37,
                "limit_watts": 650.0,
                "utilization_percent": 97.0,
                "memory_used_bytes": 61234 * MIB,
                "memory_total_bytes": 81559 * MIB,
            },
        ],
        "reason": None,
        "backend": "nvidia-smi",
        "visibility": EVERY_READABLE,
    }
    # and nvidia-smi was asked exactly this
    assert [call["argv"] for call in smi.calls()] == [QUERY]


def test_cuda_visible_devices_selects_two_of_four_as_the_golden_answer(
    smi: FakeSmi, make_reader: Any
) -> None:
    # given the four GPUs of the golden answer, two of them visible
    smi.replay("query-gpu-h100x4.csv")
    golden = load_golden("metrics.json")["gpu_power"]
    # when read
    section = make_reader({"CUDA_VISIBLE_DEVICES": "1,2"}).read()
    # then the answer has the golden shape and readings (memory aside: the golden bytes are
    # not whole MiB, which nvidia-smi's are)
    assert shape_mismatches(golden, section) == []
    assert without_memory(section) == without_memory(golden)
    assert [d["memory_used_bytes"] for d in section["devices"]] == [61234 * MIB, 2048 * MIB]


@pytest.mark.parametrize(
    "env",
    [
        {"CUDA_VISIBLE_DEVICES": "GPU-7d1a2244,GPU-0f3c9e61-2b7d-4a57-9e0c-5d2a8c71b4e3"},
        {"SLURM_JOB_GPUS": "1,2", "CUDA_VISIBLE_DEVICES": "0,1"},
    ],
    ids=["cuda-uuids", "slurm"],
)
def test_job_gpus_by_uuid_or_slurm_index(
    smi: FakeSmi, make_reader: Any, env: dict[str, str]
) -> None:
    smi.replay("query-gpu-h100x4.csv")
    section = make_reader(env).read()
    assert [device["index"] for device in section["devices"]] == [1, 2]
    assert section["watts"] == 513.87


def test_power_na_is_null_and_left_out_of_the_sum(smi: FakeSmi, make_reader: Any) -> None:
    smi.replay("query-gpu-power-na.csv")
    section = make_reader({}).read()
    assert [device["watts"] for device in section["devices"]] == [None, 412.37]
    assert section["watts"] == 412.37
    assert section["limit_watts"] == 1350.0
    assert section["available"] is True


def test_power_not_supported_is_unavailable_with_the_device_listed(
    smi: FakeSmi, make_reader: Any
) -> None:
    smi.replay("query-gpu-not-supported.csv")
    section = make_reader({}).read()
    assert section["available"] is False
    assert section["reason"] == NO_POWER_REASON
    (device,) = section["devices"]
    assert device["name"] == "NVIDIA GeForce GTX 1080 Ti"
    assert (device["watts"], device["limit_watts"]) == (None, None)
    assert device["utilization_percent"] == 3.0
    assert device["memory_total_bytes"] == 11264 * MIB


def test_no_gpu_for_this_job(smi: FakeSmi, make_reader: Any) -> None:
    smi.replay("query-gpu-h100x4.csv")
    section = make_reader({"CUDA_VISIBLE_DEVICES": "NoDevFiles"}).read()
    assert (section["available"], section["reason"]) == (False, NO_GPU_REASON)
    assert section["devices"] == []


@pytest.mark.parametrize("stream", ["stderr", "stdout"])
def test_failing_nvidia_smi_says_why(smi: FakeSmi, make_reader: Any, stream: str) -> None:
    # given a node whose driver is gone (nvidia-smi prints why on one stream or the other)
    smi.answer(**{stream: f"{DRIVER_DOWN}\n\nmore detail\n"}, status=9)
    # when read
    section = make_reader({}).read()
    # then the first line of its message is the reason
    assert section["available"] is False
    assert section["reason"] == f"nvidia-smi failed (exit status 9): {DRIVER_DOWN}"
    assert section["backend"] == "nvidia-smi"


def test_unexpected_output_says_so(smi: FakeSmi, make_reader: Any) -> None:
    smi.answer("No devices were found\n")
    section = make_reader({}).read()
    assert section["reason"] == (
        "nvidia-smi answered in an unexpected format: No devices were found"
    )


def test_missing_nvidia_smi_says_so(tmp_path: Path, make_reader: Any) -> None:
    missing = tmp_path / "nowhere" / "nvidia-smi"
    section = make_reader({}, nvidia_smi=str(missing)).read()
    assert section["reason"] == (
        f"nvidia-smi could not be run: {missing} could not be started: No such file or directory."
    )


def test_hanging_nvidia_smi_is_killed_and_left_alone_for_a_while(
    smi: FakeSmi, make_reader: Any, clock: FakeClock
) -> None:
    # given a hung driver: nvidia-smi does not answer for 5 minutes, far past any bound here
    smi.answer(sleep=300)
    reader = make_reader({}, timeout_s=0.5)
    # when read, then the read ends without waiting for nvidia-smi, says why, and the process
    # is gone
    section = finishes_within(60, reader.read)
    assert section["available"] is False
    assert section["reason"] == "nvidia-smi did not answer within 0.5 s (next try in 60 s)."
    (call,) = smi.calls()
    assert is_gone(call["pid"])
    # when read again within the back-off: no new nvidia-smi
    clock.now += 30
    assert reader.read()["reason"] == "nvidia-smi did not answer within 0.5 s (next try in 30 s)."
    assert len(smi.calls()) == 1
    # when the back-off is over and it still hangs: tried once more, then twice as long a wait
    clock.now += 30
    assert reader.read()["reason"].endswith("(next try in 120 s).")
    assert len(smi.calls()) == 2
    # when it answers again: read as usual, and the back-off is forgotten
    smi.replay("query-gpu-h100x2.csv")
    clock.now += 120
    assert reader.read()["watts"] == 482.25
    clock.now += 5
    assert reader.read()["available"] is True
    assert len(smi.calls()) == 4


def test_auto_uses_nvidia_smi_when_nvml_is_missing(smi: FakeSmi, make_reader: Any) -> None:
    class NoNvml:
        NVMLError = pynvml.NVMLError

        def nvmlInit(self) -> None:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    smi.replay("query-gpu-h100x2.csv")
    reader = make_reader({}, backend="auto", nvml=NoNvml())
    assert reader.read()["backend"] == "nvidia-smi"


def test_name_with_a_comma_keeps_the_other_columns_in_place() -> None:
    line = "0, GPU-abc, Future GPU, 2 slots, 12.50, 300.00, 7, 100, 200\n"
    devices, skipped = parse_query_gpu(line + "WARNING: infoROM is corrupted at gpu 0000:4E:00.0\n")
    assert devices[0]["name"] == "Future GPU, 2 slots"
    assert (devices[0]["watts"], devices[0]["memory_total_bytes"]) == (12.5, 200 * MIB)
    assert skipped == ["WARNING: infoROM is corrupted at gpu 0000:4E:00.0"]


# One H100 as nvidia-smi prints it, with the power draw to fill in.
H100_LINE = (
    "{index}, GPU-{index}aaaaaaa-90c4-2449-8c43-70c57591cca1, NVIDIA H100 80GB HBM3,"
    " {power}, 700.00, 12, 1, 81559\n"
)


@pytest.mark.parametrize("garbage", ["-5.0", "nan", "inf", "1e999", "12.5 W", "0x41", "-0.5"])
def test_garbage_from_nvidia_smi_is_not_a_power(
    smi: FakeSmi, make_reader: Any, garbage: str
) -> None:
    # given nvidia-smi prints something that is not a power draw for the job's only GPU
    smi.answer(H100_LINE.format(index=0, power=garbage))
    # when read
    section = make_reader({}).read()
    # then there is no number, and the reason names the GPU and what it printed
    (device,) = section["devices"]
    assert device["watts"] is None
    assert device["reason"].startswith("GPU 0: nvidia-smi printed ")
    assert "as its power draw, which is not a power" in device["reason"]
    assert (section["available"], section["watts"]) == (False, None)
    assert section["reason"] == device["reason"]


def test_one_gpu_with_garbage_leaves_the_others_readable(smi: FakeSmi, make_reader: Any) -> None:
    smi.answer(H100_LINE.format(index=0, power="-5.0") + H100_LINE.format(index=1, power="300.5"))
    section = make_reader({}).read()
    assert [device["watts"] for device in section["devices"]] == [None, 300.5]
    assert section["devices"][0]["reason"] == (
        "GPU 0: nvidia-smi printed '-5.0' as its power draw, which is not a power."
    )
    assert "reason" not in section["devices"][1]
    assert (section["available"], section["watts"]) == (True, 300.5)
