"""cgroup v1: the cpu controller's CFS quota, the cpuset, and cpuacct's counter for cores busy."""

from __future__ import annotations

from pathlib import Path

from jupyterlab_hpc.cpu.limits import find_cpu_limit
from jupyterlab_hpc.cpu.reader import CpuReader
from tests.support import write_tree

NODE = 64
JOB = "slurm/uid_1000/job_42"
STEP = f"{JOB}/step_batch"
# What a batch step's server sees under Slurm's task/cgroup on a v1 node (hybrid: the empty
# unified line is there too, with no controller in it).
SLURM_V1 = (
    f"12:memory:/{STEP}/task_0\n"
    f"7:cpuset:/{STEP}\n"
    f"4:cpu,cpuacct:/{STEP}/task_0\n"
    f"1:name=systemd:/system.slice/slurmd.service\n"
    f"0::/system.slice/slurmd.service\n"
)


def limit(root: Path, proc: str = SLURM_V1, env: dict[str, str] | None = None):
    return find_cpu_limit(
        cgroup_root=root,
        proc_cgroup=proc,
        env=env or {},
        affinity_count=NODE,
        node_count=NODE,
    )


def slurm_tree(root: Path, quota: str = "-1", cpus: str = "0-3,32-35") -> None:
    """Slurm's v1 layout: the job's cpuset, no CFS quota (Slurm constrains cores by cpuset),
    cpuacct counting at every level; systemd's links cpu and cpuacct to cpu,cpuacct."""
    cpu = "cpu,cpuacct"
    write_tree(
        root,
        {
            f"{cpu}/cpu.cfs_quota_us": "-1\n",
            f"{cpu}/cpu.cfs_period_us": "100000\n",
            f"{cpu}/cpuacct.usage": "999999999999\n",
            f"{cpu}/{JOB}/cpu.cfs_quota_us": f"{quota}\n",
            f"{cpu}/{JOB}/cpu.cfs_period_us": "100000\n",
            f"{cpu}/{JOB}/cpuacct.usage": "5000000000\n",
            f"{cpu}/{STEP}/task_0/cpu.cfs_quota_us": "-1\n",
            f"{cpu}/{STEP}/task_0/cpu.cfs_period_us": "100000\n",
            f"{cpu}/{STEP}/task_0/cpuacct.usage": "1000000000\n",
            "cpuset/cpuset.cpus": f"0-{NODE - 1}\n",
            "cpuset/cpuset.effective_cpus": f"0-{NODE - 1}\n",
            f"cpuset/{JOB}/cpuset.cpus": f"{cpus}\n",
            f"cpuset/{JOB}/cpuset.effective_cpus": f"{cpus}\n",
            f"cpuset/{STEP}/cpuset.cpus": f"{cpus}\n",
            f"cpuset/{STEP}/cpuset.effective_cpus": f"{cpus}\n",
        },
    )
    (root / "cpu").symlink_to(cpu)
    (root / "cpuacct").symlink_to(cpu)


def test_slurms_job_cpuset_counted_by_the_jobs_cpuacct(tmp_path: Path) -> None:
    slurm_tree(tmp_path)
    found = limit(tmp_path)
    assert (found.limit_cores, found.source) == (8.0, "cgroup-v1")
    # The outermost of the equal cpusets: the job's, not the step's.
    assert found.detail == str(tmp_path / "cpuset" / JOB / "cpuset.effective_cpus")
    # Its counter is cpuacct's job cgroup, which counts every step of the job.
    assert found.cgroup_dir == tmp_path / "cpuacct" / JOB


def test_a_cfs_quota_smaller_than_the_cpuset(tmp_path: Path) -> None:
    slurm_tree(tmp_path, quota="250000")
    found = limit(tmp_path)
    assert (found.limit_cores, found.source) == (2.5, "cgroup-v1")
    assert found.detail == str(tmp_path / "cpu" / JOB / "cpu.cfs_quota_us")
    assert found.cgroup_dir == tmp_path / "cpuacct" / JOB


def test_no_quota_and_the_whole_node_gives_way_to_slurm(tmp_path: Path) -> None:
    slurm_tree(tmp_path, cpus=f"0-{NODE - 1}")
    found = limit(tmp_path, env={"SLURM_CPUS_ON_NODE": "8"})
    assert (found.limit_cores, found.source) == (8.0, "slurm")
    assert found.cgroup_dir is None


def test_cpuset_cpus_where_the_kernel_has_no_effective_cpus(tmp_path: Path) -> None:
    write_tree(tmp_path, {f"cpuset/{JOB}/cpuset.cpus": "0,2,4,6\n"})
    found = limit(tmp_path, proc=f"3:cpuset:/{JOB}\n")
    assert (found.limit_cores, found.source) == (4.0, "cgroup-v1")
    assert found.detail.endswith(f"{JOB}/cpuset.cpus")
    # No cpuacct controller at all: the process tree will count.
    assert found.cgroup_dir is None


def test_cpu_and_cpuacct_mounted_apart(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "cpu/user.slice/cpu.cfs_quota_us": "150000\n",
            "cpu/user.slice/cpu.cfs_period_us": "100000\n",
            "cpuacct/user.slice/cpuacct.usage": "42\n",
        },
    )
    proc = "5:cpu:/user.slice\n6:cpuacct:/user.slice\n"
    found = limit(tmp_path, proc=proc)
    assert (found.limit_cores, found.source) == (1.5, "cgroup-v1")
    assert found.cgroup_dir == tmp_path / "cpuacct/user.slice"


def test_a_container_sees_its_own_cgroup_as_the_root(tmp_path: Path) -> None:
    """Without a cgroup namespace the host's path is listed but the container's cgroup is
    mounted as the root, as the memory limit's walk handles it."""
    write_tree(
        tmp_path,
        {
            "cpu,cpuacct/cpu.cfs_quota_us": "400000\n",
            "cpu,cpuacct/cpu.cfs_period_us": "100000\n",
            "cpu,cpuacct/cpuacct.usage": "7\n",
        },
    )
    found = limit(tmp_path, proc="4:cpu,cpuacct:/docker/0123abcd\n")
    assert (found.limit_cores, found.cgroup_dir) == (4.0, tmp_path / "cpu,cpuacct")


def test_malformed_v1_files_are_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            f"cpu,cpuacct/{JOB}/cpu.cfs_quota_us": "lots\n",
            f"cpu,cpuacct/{JOB}/cpu.cfs_period_us": "0\n",
            f"cpuset/{JOB}/cpuset.effective_cpus": "x-y\n",
        },
    )
    proc = f"7:cpuset:/{JOB}\n4:cpu,cpuacct:/{JOB}\n"
    assert limit(tmp_path, proc=proc, env={"SLURM_CPUS_ON_NODE": "2"}).source == "slurm"


def test_cores_busy_from_cpuacct_usage(tmp_path: Path) -> None:
    slurm_tree(tmp_path)
    (tmp_path / "self-cgroup").write_text(SLURM_V1)
    now = [100.0]
    reader = CpuReader(
        cgroup_root=tmp_path,
        proc_cgroup_file=tmp_path / "self-cgroup",
        env={},
        clock=lambda: now[0],
        node_count=NODE,
        affinity_count=NODE,
    )
    first = reader.read()
    assert (first["used_cores"], first["limit_cores"]) == (None, 8.0)
    # 6.4 CPU seconds more (in nanoseconds) in 2 seconds: 3.2 cores.
    (tmp_path / "cpuacct" / JOB / "cpuacct.usage").write_text("11400000000\n")
    now[0] += 2.0
    second = reader.read()
    assert second["used_cores"] == 3.2
    assert (second["limit_source"], second["used_source"]) == ("cgroup-v1", "cgroup")
