"""Cores busy: the cgroup's counter, or the process tree's CPU time, between two samples."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from jupyterlab_hpc.cpu.reader import CpuReader
from jupyterlab_hpc.proc import CLOCK_TICKS
from tests.support import write_tree

JOB = "system.slice/slurmstepd.scope/job_42"
BURN = "while True: pass\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def own_ticks(pid: int) -> int:
    """utime + stime of one process, from its own /proc stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def test_cores_busy_from_the_cgroups_counter(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            f"{JOB}/cpu.max": "800000 100000\n",
            f"{JOB}/cpu.stat": "usage_usec 1000000\nuser_usec 800000\n",
        },
    )
    (tmp_path / "self-cgroup").write_text(f"0::/{JOB}/step_0\n")
    clock = Clock()
    reader = CpuReader(
        cgroup_root=tmp_path,
        proc_cgroup_file=tmp_path / "self-cgroup",
        env={},
        clock=clock,
        node_count=64,
        affinity_count=64,
    )
    first = reader.read()
    # No interval yet: the limit is known, the use is not.
    assert first["available"] is True
    assert (first["used_cores"], first["limit_cores"]) == (None, 8.0)
    (tmp_path / JOB / "cpu.stat").write_text("usage_usec 7400000\n")
    clock.now += 2.0
    second = reader.read()
    # 6.4 CPU seconds in 2 seconds: 3.2 cores.
    assert second["used_cores"] == 3.2
    assert (second["limit_source"], second["used_source"]) == ("cgroup-v2", "cgroup")


def test_cores_busy_from_the_process_tree_count_a_busy_child(tmp_path: Path) -> None:
    """A real child burning a core is counted; measured against its own /proc time, so a
    loaded machine cannot flip it."""
    clock = Clock()
    reader = CpuReader(
        cgroup_root=tmp_path,
        proc_cgroup_file=tmp_path / "none",
        env={"SLURM_CPUS_ON_NODE": "4"},
        clock=clock,
        node_count=64,
        affinity_count=64,
    )
    burner = subprocess.Popen([sys.executable, "-c", BURN])
    try:
        reader.read()
        start = own_ticks(burner.pid)
        deadline = time.monotonic() + 120
        while own_ticks(burner.pid) - start < 50:
            assert time.monotonic() < deadline, "the burner got no CPU"
            time.sleep(0.05)
        burned = (own_ticks(burner.pid) - start) / CLOCK_TICKS
        clock.now += 1.0
        section = reader.read()
    finally:
        burner.kill()
        burner.wait()
    assert (section["limit_cores"], section["limit_source"]) == (4.0, "slurm")
    assert section["used_source"] == "processes"
    # Over a "second" of the fake clock, the tree used at least what the burner used.
    assert section["used_cores"] >= burned
