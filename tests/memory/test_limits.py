"""The job's memory limit: cgroup v2, cgroup v1, Slurm env, MEM_LIMIT, host RAM, in that order."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from jupyterlab_hpc.memory.limits import MemoryLimit, find_memory_limit, parse_proc_cgroup
from jupyterlab_hpc.memory.reader import MemoryReader
from tests.support import write_tree

GIB = 1024**3
MIB = 1024**2
HOST_RAM = 64 * GIB
V1_PAGE_SENTINEL = "9223372036854771712"

# Recorded on real clusters (a copy of the project's shared fixture).
SAMPLES_FILE = Path(__file__).parent.parent / "fixtures" / "cgroup-memory-sample.json"


def limit_for(
    root: Path,
    proc_cgroup: str = "",
    env: Mapping[str, str] | None = None,
    *,
    cgroup_path: str = "",
    host_ram_bytes: int = HOST_RAM,
    cpu_count: int = 8,
) -> MemoryLimit:
    """find_memory_limit with test defaults."""
    return find_memory_limit(
        cgroup_root=root,
        proc_cgroup=proc_cgroup,
        env=env or {},
        host_ram_bytes=host_ram_bytes,
        cpu_count=cpu_count,
        cgroup_path=cgroup_path,
    )


# --- /proc/self/cgroup -------------------------------------------------------------------


def test_proc_cgroup_v2_line_gives_the_unified_path() -> None:
    paths = parse_proc_cgroup("0::/system.slice/job_1/step_0\n")
    assert paths.v2 == "/system.slice/job_1/step_0"
    assert paths.v1_memory is None


def test_proc_cgroup_v1_memory_found_in_a_combined_controller_list() -> None:
    text = "5:devices:/slurm/job_1\n3:cpu,memory,cpuacct:/slurm/job_1/step_0\n1:name=systemd:/\n"
    paths = parse_proc_cgroup(text)
    assert paths.v1_memory == "/slurm/job_1/step_0"
    assert paths.v2 is None


# --- cgroup v2 ---------------------------------------------------------------------------


def test_v2_parent_limit_applies_to_a_child_without_one(tmp_path: Path) -> None:
    # given a job limited to 4 GiB whose step says "max"
    write_tree(tmp_path, {"job/memory.max": f"{4 * GIB}\n", "job/step/memory.max": "max\n"})
    # when the server runs in the step
    limit = limit_for(tmp_path, "0::/job/step\n")
    # then the job's limit binds
    assert (limit.limit_bytes, limit.source) == (4 * GIB, "cgroup-v2")
    assert limit.cgroup_dir == tmp_path / "job"
    assert limit.detail == str(tmp_path / "job" / "memory.max")


def test_v2_smallest_limit_on_the_way_up_wins(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "memory.max": f"{32 * GIB}\n",
            "job/memory.max": f"{8 * GIB}\n",
            "job/step/memory.max": f"{2 * GIB}\n",
            "job/step/task/memory.max": "max\n",
        },
    )
    limit = limit_for(tmp_path, "0::/job/step/task\n")
    assert limit.limit_bytes == 2 * GIB
    assert limit.cgroup_dir == tmp_path / "job" / "step"


def test_v2_all_max_means_no_cgroup_limit(tmp_path: Path) -> None:
    write_tree(tmp_path, {"memory.max": "max\n", "job/memory.max": "max\n"})
    limit = limit_for(tmp_path, "0::/job\n")
    assert limit.source == "host"
    assert limit.limit_bytes == HOST_RAM


def test_v2_malformed_level_is_ignored_and_the_parent_still_counts(tmp_path: Path) -> None:
    write_tree(tmp_path, {"job/memory.max": f"{4 * GIB}\n", "job/step/memory.max": "lots of it\n"})
    limit = limit_for(tmp_path, "0::/job/step\n")
    assert (limit.limit_bytes, limit.source) == (4 * GIB, "cgroup-v2")
    assert any("step/memory.max" in note and "number" in note for note in limit.notes)


def test_v2_malformed_only_level_falls_through_to_the_next_source(tmp_path: Path) -> None:
    write_tree(tmp_path, {"job/memory.max": "garbage\n"})
    limit = limit_for(tmp_path, "0::/job\n", {"SLURM_MEM_PER_NODE": "1024"})
    assert (limit.limit_bytes, limit.source) == (1024 * MIB, "slurm")


def test_v2_unreadable_limit_file_is_ignored(tmp_path: Path) -> None:
    # a directory where the file should be: reading it fails with an OSError
    (tmp_path / "job" / "memory.max").mkdir(parents=True)
    limit = limit_for(tmp_path, "0::/job\n", {"MEM_LIMIT": str(GIB)})
    assert limit.source == "env"
    assert any("unreadable" in note for note in limit.notes)


def test_v2_limit_above_host_ram_is_not_binding(tmp_path: Path) -> None:
    write_tree(tmp_path, {"job/memory.max": f"{128 * GIB}\n"})
    limit = limit_for(tmp_path, "0::/job\n", {"SLURM_MEM_PER_NODE": "16384"})
    assert (limit.limit_bytes, limit.source) == (16 * GIB, "slurm")
    assert any("not binding" in note for note in limit.notes)


def test_configured_cgroup_path_replaces_proc_self_cgroup(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/memory.max": f"{GIB}\n", "b/memory.max": f"{2 * GIB}\n"})
    limit = limit_for(tmp_path, "0::/a\n", cgroup_path="b")
    assert limit.limit_bytes == 2 * GIB


# --- cgroup v1 ---------------------------------------------------------------------------


def test_v1_page_sentinel_means_unlimited_and_the_parent_binds(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "memory/memory.limit_in_bytes": V1_PAGE_SENTINEL + "\n",
            "memory/slurm/job/memory.limit_in_bytes": f"{8 * GIB}\n",
            "memory/slurm/job/step/memory.limit_in_bytes": V1_PAGE_SENTINEL + "\n",
        },
    )
    limit = limit_for(tmp_path, "4:memory:/slurm/job/step\n")
    assert (limit.limit_bytes, limit.source) == (8 * GIB, "cgroup-v1")
    assert limit.detail == str(tmp_path / "memory/slurm/job/memory.limit_in_bytes")


def test_v1_only_sentinels_fall_through_to_the_host(tmp_path: Path) -> None:
    write_tree(tmp_path, {"memory/memory.limit_in_bytes": V1_PAGE_SENTINEL + "\n"})
    limit = limit_for(tmp_path, "4:memory:/\n")
    assert limit.source == "host"


def test_v1_missing_path_falls_back_to_the_hierarchy_root(tmp_path: Path) -> None:
    # given a container without cgroup namespace: /proc/self/cgroup shows the host's path,
    # the mount's root is the container's own cgroup
    write_tree(tmp_path, {"memory/memory.limit_in_bytes": f"{3 * GIB}\n"})
    limit = limit_for(tmp_path, "4:memory:/docker/0123abcd\n")
    assert (limit.limit_bytes, limit.source) == (3 * GIB, "cgroup-v1")
    assert limit.cgroup_dir == tmp_path / "memory"


def test_v1_malformed_file_falls_through_to_mem_limit(tmp_path: Path) -> None:
    write_tree(tmp_path, {"memory/job/memory.limit_in_bytes": "-\n"})
    limit = limit_for(tmp_path, "7:memory:/job\n", {"MEM_LIMIT": str(2 * GIB)})
    assert (limit.limit_bytes, limit.source, limit.detail) == (2 * GIB, "env", "MEM_LIMIT")


# --- Slurm environment, MEM_LIMIT, host ------------------------------------------------


def test_slurm_mem_per_node(tmp_path: Path) -> None:
    limit = limit_for(tmp_path, env={"SLURM_MEM_PER_NODE": "16384"})
    assert (limit.limit_bytes, limit.source) == (16 * GIB, "slurm")
    assert limit.detail == "SLURM_MEM_PER_NODE=16384"
    assert limit.cgroup_dir is None


def test_slurm_mem_per_cpu_times_cpus_on_node(tmp_path: Path) -> None:
    env = {"SLURM_MEM_PER_CPU": "2048", "SLURM_CPUS_ON_NODE": "4"}
    limit = limit_for(tmp_path, env=env, cpu_count=40)
    assert (limit.limit_bytes, limit.source) == (8 * GIB, "slurm")
    assert limit.detail == "SLURM_MEM_PER_CPU=2048 x SLURM_CPUS_ON_NODE=4"


def test_slurm_mem_per_cpu_without_cpus_on_node_uses_the_cpu_count(tmp_path: Path) -> None:
    limit = limit_for(tmp_path, env={"SLURM_MEM_PER_CPU": "1024"}, cpu_count=3)
    assert limit.limit_bytes == 3 * GIB


@pytest.mark.parametrize("value", ["16G", "", "0", "-5"])
def test_malformed_slurm_memory_goes_to_mem_limit(tmp_path: Path, value: str) -> None:
    env = {"SLURM_MEM_PER_NODE": value, "MEM_LIMIT": str(GIB)}
    limit = limit_for(tmp_path, env=env)
    assert (limit.limit_bytes, limit.source) == (GIB, "env")


def test_slurm_request_above_host_ram_is_not_binding(tmp_path: Path) -> None:
    limit = limit_for(tmp_path, env={"SLURM_MEM_PER_NODE": str(128 * 1024)})
    assert limit.source == "host"


def test_mem_limit_env(tmp_path: Path) -> None:
    limit = limit_for(tmp_path, env={"MEM_LIMIT": "4294967296"})
    assert (limit.limit_bytes, limit.source, limit.detail) == (4 * GIB, "env", "MEM_LIMIT")


@pytest.mark.parametrize("value", ["0", "4 GB", "-1"])
def test_zero_or_malformed_mem_limit_goes_to_the_host(tmp_path: Path, value: str) -> None:
    limit = limit_for(tmp_path, env={"MEM_LIMIT": value})
    assert (limit.limit_bytes, limit.source, limit.detail) == (HOST_RAM, "host", "host RAM")


def test_host_ram_when_nothing_else_limits(tmp_path: Path) -> None:
    limit = limit_for(tmp_path / "no-cgroups-here", "", {}, host_ram_bytes=12345)
    assert (limit.limit_bytes, limit.source, limit.cgroup_dir) == (12345, "host", None)


# --- recorded samples from real clusters ------------------------------------------------


def _samples() -> dict[str, dict[str, object]]:
    return json.loads(SAMPLES_FILE.read_text("utf-8"))


def _build_sample(tmp_path: Path, sample: Mapping[str, object]) -> MemoryReader:
    """Write the sample's /sys/fs/cgroup and /proc/self/cgroup files under tmp_path."""
    files = {
        key.lstrip("/"): str(value)
        for key, value in sample.items()
        if isinstance(key, str) and key.startswith("/")
    }
    write_tree(tmp_path, files)
    env = sample["env"]
    assert isinstance(env, dict)
    return MemoryReader(
        cgroup_root=tmp_path / "sys/fs/cgroup",
        proc_cgroup_file=tmp_path / "proc/self/cgroup",
        env=env,
        host_ram_bytes=HOST_RAM,
        cpu_count=8,
    )


def test_sample_cgroup_v2_slurm(tmp_path: Path) -> None:
    # given Jean Zay's cgroup v2 layout: job and step limited to 16 GiB, user/task "max"
    sample = _samples()["cgroup_v2_slurm"]
    reader = _build_sample(tmp_path, sample)
    # when the memory section is read
    memory = reader.read()
    # then the job's limit binds and its memory.current (not the task's) is the use
    assert memory["limit_bytes"] == sample["expected_cgroup_limit_bytes"]
    assert memory["limit_source"] == "cgroup-v2"
    job = tmp_path / "sys/fs/cgroup/system.slice/slurmstepd.scope/job_1392969"
    assert memory["limit_detail"] == str(job / "memory.max")
    assert (memory["used_bytes"], memory["used_source"]) == (5368709120, "cgroup")


def test_sample_cgroup_v1_slurm(tmp_path: Path) -> None:
    sample = _samples()["cgroup_v1_slurm"]
    reader = _build_sample(tmp_path, sample)
    memory = reader.read()
    assert memory["limit_bytes"] == sample["expected_cgroup_limit_bytes"]
    assert memory["limit_source"] == "cgroup-v1"
    assert (memory["used_bytes"], memory["used_source"]) == (1073741824, "cgroup")


def test_sample_container_without_cgroup_limit(tmp_path: Path) -> None:
    # given a container whose cgroup has no limit, with MEM_LIMIT set by the spawner
    sample = _samples()["container_v2_no_limit"]
    assert sample["expected_cgroup_limit_bytes"] is None
    reader = _build_sample(tmp_path, sample)
    memory = reader.read()
    # then MEM_LIMIT is the limit and the server's processes are the use
    assert (memory["limit_bytes"], memory["limit_source"]) == (4294967296, "env")
    assert memory["used_source"] == "processes"
    assert memory["used_bytes"] > 0
