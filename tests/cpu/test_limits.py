"""The cores a job may use: cgroup v2 quota and cpuset, Slurm, the affinity, the node."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyterlab_hpc.cpu.limits import find_cpu_limit, parse_cpu_list
from tests.support import write_tree

JOB = "0::/system.slice/slurmstepd.scope/job_42/step_0\n"
NODE = 64


def limit(root: Path, env: dict[str, str] | None = None, affinity: int = NODE, proc: str = JOB):
    return find_cpu_limit(
        cgroup_root=root,
        proc_cgroup=proc,
        env=env or {},
        affinity_count=affinity,
        node_count=NODE,
    )


@pytest.mark.parametrize(
    ("text", "count"),
    [("0-3", 4), ("0-3,8,10-11", 7), ("5", 1), ("", None), ("3-1", None), ("a-b", None)],
)
def test_cpu_lists(text: str, count: int | None) -> None:
    assert parse_cpu_list(text) == count


def test_the_quota_of_the_jobs_cgroup(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "cpu.max": "max 100000\n",
            "system.slice/slurmstepd.scope/job_42/cpu.max": "800000 100000\n",
            "system.slice/slurmstepd.scope/job_42/step_0/cpu.max": "max 100000\n",
        },
    )
    found = limit(tmp_path)
    assert (found.limit_cores, found.source) == (8.0, "cgroup-v2")
    assert found.detail.endswith("job_42/cpu.max")
    assert found.cgroup_dir == tmp_path / "system.slice/slurmstepd.scope/job_42"


def test_the_cpuset_when_it_is_smaller_than_the_quota(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "system.slice/slurmstepd.scope/job_42/cpu.max": "1600000 100000\n",
            "system.slice/slurmstepd.scope/job_42/cpuset.cpus.effective": "0-3,32-35\n",
        },
    )
    found = limit(tmp_path)
    assert (found.limit_cores, found.source) == (8.0, "cgroup-v2")
    assert found.detail.endswith("cpuset.cpus.effective")


def test_a_fractional_quota(tmp_path: Path) -> None:
    write_tree(tmp_path, {"system.slice/slurmstepd.scope/job_42/cpu.max": "150000 100000\n"})
    assert limit(tmp_path).limit_cores == 1.5


def test_a_cgroup_without_a_limit_below_the_node_gives_way_to_slurm(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "cpu.max": "max 100000\n",
            "cpuset.cpus.effective": f"0-{NODE - 1}\n",
            "system.slice/slurmstepd.scope/job_42/cpu.max": "max 100000\n",
        },
    )
    found = limit(tmp_path, {"SLURM_CPUS_ON_NODE": "8"})
    assert (found.limit_cores, found.source, found.detail) == (8.0, "slurm", "SLURM_CPUS_ON_NODE")
    assert found.cgroup_dir is None


def test_slurm_cpus_per_task_then_the_affinity_then_the_node(tmp_path: Path) -> None:
    assert limit(tmp_path, {"SLURM_CPUS_PER_TASK": "4"}).source == "slurm"
    assert limit(tmp_path, {"SLURM_CPUS_ON_NODE": "many"}, affinity=6).source == "affinity"
    found = limit(tmp_path)
    assert (found.limit_cores, found.source) == (float(NODE), "node")


def test_malformed_files_are_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "system.slice/slurmstepd.scope/job_42/cpu.max": "lots\n",
            "system.slice/slurmstepd.scope/job_42/cpuset.cpus.effective": "x-y\n",
        },
    )
    assert limit(tmp_path, {"SLURM_CPUS_ON_NODE": "2"}).source == "slurm"


def test_a_path_outside_the_namespace_reads_the_root_only(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cpu.max": "200000 100000\n"})
    found = limit(tmp_path, proc="0::/../../elsewhere\n")
    assert (found.limit_cores, found.cgroup_dir) == (2.0, tmp_path)
