"""Find how many cores this server's job may use, and where that limit comes from.

Pure domain logic, like the memory limit's: the cgroup mount, /proc/self/cgroup's text, the
environment and the CPU counts are passed in, so tests build the trees they need.

In order: cgroup v2 (`cpu.max` quota over period, `cpuset.cpus.effective`, the smallest from
this server's cgroup up to the root), Slurm (`SLURM_CPUS_ON_NODE`, else `SLURM_CPUS_PER_TASK`),
the process's CPU affinity, the node. A limit that is not below the node's CPU count says
nothing about the job and is skipped. cgroup v1 is not read yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..memory.limits import parse_proc_cgroup

CpuLimitSource = Literal["cgroup-v2", "slurm", "affinity", "node"]


@dataclass(frozen=True)
class CpuLimit:
    """The binding number of cores, where it was found, and the cgroup whose usage counts."""

    limit_cores: float
    source: CpuLimitSource
    detail: str
    # For cgroup sources: the directory holding the binding limit; its cpu.stat counts what
    # every process of the job used.
    cgroup_dir: Path | None = None


def parse_cpu_list(text: str) -> int | None:
    """How many CPUs a cpuset list names ("0-3,8,10-11" -> 7); None if it is not one."""
    count = 0
    text = text.strip()
    if not text:
        return None
    for part in text.split(","):
        bounds = part.split("-")
        try:
            if len(bounds) == 1:
                int(bounds[0])
                count += 1
            elif len(bounds) == 2:
                low, high = int(bounds[0]), int(bounds[1])
                if high < low:
                    return None
                count += high - low + 1
            else:
                return None
        except ValueError:
            return None
    return count


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def _v2_cores(directory: Path) -> tuple[float, str] | None:
    """The cores a v2 cgroup directory allows (its quota, its cpuset), with the file that says."""
    best: tuple[float, str] | None = None
    quota = _read(directory / "cpu.max")
    if quota is not None:
        fields = quota.split()
        if len(fields) == 2 and fields[0] != "max":
            try:
                cores = int(fields[0]) / int(fields[1])
                if cores > 0:
                    best = (cores, str(directory / "cpu.max"))
            except (ValueError, ZeroDivisionError):
                pass
    cpus = _read(directory / "cpuset.cpus.effective")
    count = parse_cpu_list(cpus) if cpus is not None else None
    if count and (best is None or count < best[0]):
        best = (float(count), str(directory / "cpuset.cpus.effective"))
    return best


def find_cpu_limit(
    *,
    cgroup_root: Path,
    proc_cgroup: str,
    env: Mapping[str, str],
    affinity_count: int,
    node_count: int,
    cgroup_path: str = "",
) -> CpuLimit:
    """The first binding limit among cgroup v2, Slurm, the affinity and the node."""
    v2_path = cgroup_path or parse_proc_cgroup(proc_cgroup).v2
    if v2_path is not None:
        parts = [part for part in v2_path.split("/") if part not in ("", ".")]
        if ".." in parts:
            parts = []
        best: tuple[float, str, Path] | None = None
        for depth in range(len(parts), -1, -1):
            directory = cgroup_root.joinpath(*parts[:depth])
            found = _v2_cores(directory)
            # "<=": on a tie the outer directory wins: its usage counts the inner one's.
            if found is not None and (best is None or found[0] <= best[0]):
                best = (found[0], found[1], directory)
        if best is not None and best[0] < node_count:
            return CpuLimit(best[0], "cgroup-v2", best[1], best[2])
    for name in ("SLURM_CPUS_ON_NODE", "SLURM_CPUS_PER_TASK"):
        try:
            cores = int(env.get(name, ""))
        except ValueError:
            continue
        if 0 < cores:
            return CpuLimit(float(min(cores, node_count)), "slurm", name)
    if 0 < affinity_count < node_count:
        return CpuLimit(float(affinity_count), "affinity", "the process's CPU affinity")
    return CpuLimit(float(node_count), "node", "the node's CPUs")
