"""Which GPUs are the job's: Slurm's global indices, CUDA_VISIBLE_DEVICES, or every readable one."""

from __future__ import annotations

import pytest

from jupyterlab_hpc.power.gpu_visibility import EVERY_READABLE, DeviceId, select_visible

UUIDS = [
    "GPU-5a88edbe-90c4-2449-8c43-70c57591cca1",
    "GPU-7d1a2244-0c51-9389-096c-c814121d5e2a",
    "GPU-0f3c9e61-2b7d-4a57-9e0c-5d2a8c71b4e3",
    "GPU-c2e41d7a-93f0-4b1e-8d6a-7f5e0b2c9a14",
]
MIG = "MIG-4b1f7a7e-8f2c-5e1d-9a3b-6c0d2e4f8a91"
NODE = [DeviceId(index, uuid) for index, uuid in enumerate(UUIDS)]


def indices(env: dict[str, str], devices: list[DeviceId] = NODE) -> list[int]:
    """The NVML indices selected under env."""
    return [device.index for device in select_visible(devices, env).devices]


def test_nothing_set_means_every_readable_gpu() -> None:
    visibility = select_visible(NODE, {})
    assert visibility.devices == NODE
    assert visibility.explain == EVERY_READABLE


def test_slurm_job_gpus_are_global_indices() -> None:
    visibility = select_visible(NODE, {"SLURM_JOB_GPUS": "1,3"})
    assert [device.uuid for device in visibility.devices] == [UUIDS[1], UUIDS[3]]
    assert visibility.explain == "SLURM_JOB_GPUS=1,3"


def test_slurm_step_gpus_win_over_job_gpus() -> None:
    assert indices({"SLURM_STEP_GPUS": "2", "SLURM_JOB_GPUS": "1,2,3"}) == [2]


def test_empty_slurm_step_gpus_falls_back_to_job_gpus() -> None:
    assert indices({"SLURM_STEP_GPUS": "", "SLURM_JOB_GPUS": "0,1"}) == [0, 1]


def test_slurm_ranges_and_junk() -> None:
    visibility = select_visible(NODE, {"SLURM_JOB_GPUS": "0-2,x"})
    assert [device.index for device in visibility.devices] == [0, 1, 2]
    assert "ignored x" in visibility.explain


def test_slurm_index_missing_from_a_node_with_more_gpus_is_dropped() -> None:
    assert indices({"SLURM_JOB_GPUS": "1,7"}) == [1]


def test_slurm_indices_renumbered_by_the_device_cgroup_mean_every_readable_gpu() -> None:
    # given a job on GPUs 2 and 3 whose cgroup leaves only them readable, numbered from 0
    readable = [DeviceId(0, UUIDS[2]), DeviceId(1, UUIDS[3])]
    visibility = select_visible(readable, {"SLURM_JOB_GPUS": "2,3"})
    # then both are the job's
    assert visibility.devices == readable
    assert "device cgroup" in visibility.explain


def test_no_readable_gpu_under_slurm_is_no_gpu() -> None:
    visibility = select_visible([], {"SLURM_JOB_GPUS": "2,3"})
    assert visibility.devices == []
    assert visibility.explain == "SLURM_JOB_GPUS=2,3"


def test_cuda_indices_under_slurm_are_relative_so_ignored() -> None:
    visibility = select_visible(NODE, {"SLURM_JOB_GPUS": "2,3", "CUDA_VISIBLE_DEVICES": "0,1"})
    assert [device.index for device in visibility.devices] == [2, 3]
    assert "does not narrow" in visibility.explain


def test_cuda_uuids_narrow_the_slurm_set() -> None:
    env = {"SLURM_JOB_GPUS": "1,2,3", "CUDA_VISIBLE_DEVICES": f"{UUIDS[3]},0,GPU-7D1A2244"}
    visibility = select_visible(NODE, env)
    assert [device.index for device in visibility.devices] == [1, 3]
    assert (
        visibility.explain
        == f"SLURM_JOB_GPUS=1,2,3; narrowed by CUDA_VISIBLE_DEVICES={env['CUDA_VISIBLE_DEVICES']}"
    )


def test_cuda_uuid_outside_the_slurm_set_adds_nothing() -> None:
    assert indices({"SLURM_JOB_GPUS": "1", "CUDA_VISIBLE_DEVICES": UUIDS[0]}) == []


@pytest.mark.parametrize("cuda", ["", " ", "-1", "NoDevFiles", "-1,0"])
@pytest.mark.parametrize("slurm", [{}, {"SLURM_JOB_GPUS": "0,1"}])
def test_cuda_hiding_every_gpu(cuda: str, slurm: dict[str, str]) -> None:
    visibility = select_visible(NODE, {**slurm, "CUDA_VISIBLE_DEVICES": cuda})
    assert visibility.devices == []
    assert visibility.explain == f"CUDA_VISIBLE_DEVICES={cuda!r} hides every GPU"


def test_cuda_indices_pick_in_list_order_once_each() -> None:
    visibility = select_visible(NODE, {"CUDA_VISIBLE_DEVICES": "2,0,2"})
    assert [device.index for device in visibility.devices] == [2, 0]
    assert visibility.explain == "CUDA_VISIBLE_DEVICES=2,0,2"


def test_cuda_uuids_and_unique_prefixes_in_either_hex_case() -> None:
    cuda = f"{UUIDS[2]}, GPU-C2E41D7A"
    assert indices({"CUDA_VISIBLE_DEVICES": cuda}) == [2, 3]


@pytest.mark.parametrize(
    "cuda",
    [
        "1,foo,2",  # malformed
        "1,7,2",  # no such index
        "1,GPU-ffff,2",  # no such UUID
        "1,GPU-,2",  # an empty UUID
    ],
)
def test_an_invalid_cuda_entry_hides_those_after_it(cuda: str) -> None:
    visibility = select_visible(NODE, {"CUDA_VISIBLE_DEVICES": cuda})
    assert [device.index for device in visibility.devices] == [1]


def test_an_ambiguous_uuid_prefix_is_invalid_as_in_cuda() -> None:
    twins = [DeviceId(0, "GPU-aaaa-1"), DeviceId(1, "GPU-aaaa-2"), DeviceId(2, "GPU-bbbb")]
    visibility = select_visible(twins, {"CUDA_VISIBLE_DEVICES": "2,GPU-aaaa,0"})
    assert [device.index for device in visibility.devices] == [2]
    assert "GPU-aaaa names no single GPU" in visibility.explain


def test_mig_instances_select_their_parent_gpu() -> None:
    # given GPU 3 in MIG mode, its instances known to the reader
    devices = [*NODE[:3], DeviceId(3, UUIDS[3], (MIG,))]
    # then both MIG UUID forms select the whole parent GPU
    assert indices({"CUDA_VISIBLE_DEVICES": MIG[:20]}, devices) == [3]
    assert indices({"CUDA_VISIBLE_DEVICES": f"MIG-{UUIDS[1]}/1/0"}, devices) == [1]


def test_unknown_mig_instance_is_skipped_without_hiding_the_rest() -> None:
    visibility = select_visible(NODE, {"CUDA_VISIBLE_DEVICES": f"{MIG},1"})
    assert [device.index for device in visibility.devices] == [1]
    assert f"no readable GPU holds {MIG}" in visibility.explain


def test_unknown_mig_instance_does_not_narrow_slurm_to_nothing() -> None:
    assert indices({"SLURM_JOB_GPUS": "2", "CUDA_VISIBLE_DEVICES": MIG}) == [2]
