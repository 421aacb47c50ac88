"""Find how many cores this server's job may use, and where that limit comes from.

Pure domain logic, like the memory limit's: the cgroup mount, /proc/self/cgroup's text, the
environment and the CPU counts are passed in, so tests build the trees they need.

In order: cgroup v2 (`cpu.max` quota over period, `cpuset.cpus.effective`, the smallest from
this server's cgroup up to the root), cgroup v1 (the `cpu` controller's `cpu.cfs_quota_us` over
`cpu.cfs_period_us`, the `cpuset` controller's `cpuset.effective_cpus` or `cpuset.cpus`, likewise),
Slurm (`SLURM_CPUS_ON_NODE`, else `SLURM_CPUS_PER_TASK`), the process's CPU affinity, the node.
A limit that is not below the node's CPU count says nothing about the job and is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..memory.limits import cgroup_parts, parse_proc_cgroup, smallest_up, v1_controller_paths

CpuLimitSource = Literal["cgroup-v2", "cgroup-v1", "slurm", "affinity", "node"]

# cgroup v1 counts the CPU time of a cgroup in the cpuacct controller, in nanoseconds.
V1_USAGE_FILE = "cpuacct.usage"


@dataclass(frozen=True)
class CpuLimit:
    """The binding number of cores, where it was found, and the cgroup whose usage counts."""

    limit_cores: float
    source: CpuLimitSource
    detail: str
    # For cgroup sources: the cgroup whose counter holds what every process under the binding
    # limit used: the limit's own directory under v2 (cpu.stat); under v1 the cpuacct
    # controller's directory at the same place (cpuacct.usage), None if it has none.
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


def _cores(found: tuple[float, str]) -> float:
    return found[0]


def _v1_quota_cores(directory: Path) -> tuple[float, str] | None:
    """The cores a v1 cpu cgroup's CFS quota allows (-1: none), with the file that says."""
    quota, period = _read(directory / "cpu.cfs_quota_us"), _read(directory / "cpu.cfs_period_us")
    if quota is None or period is None:
        return None
    try:
        cores = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return (cores, str(directory / "cpu.cfs_quota_us")) if cores > 0 else None


def _v1_cpuset_cores(directory: Path) -> tuple[float, str] | None:
    """The CPUs a v1 cpuset allows (what it may really use first), with the file that says."""
    for name in ("cpuset.effective_cpus", "cpuset.cpus"):
        text = _read(directory / name)
        count = parse_cpu_list(text) if text is not None else None
        if count:
            return float(count), str(directory / name)
    return None


def _hierarchy(cgroup_root: Path, controller: str, mount: str) -> Path:
    """Where a v1 controller is mounted: its own name (systemd's link), else its joint mount."""
    own = cgroup_root / controller
    return own if own.is_dir() or not (cgroup_root / mount).is_dir() else cgroup_root / mount


def _parts(relative: str, hierarchy: Path) -> list[str]:
    """The path's directories under the hierarchy, as the memory limit's walk takes them."""
    parts = cgroup_parts(relative)
    if parts and not hierarchy.joinpath(*parts).is_dir():
        # Containers without a cgroup namespace see the host's path but have their own
        # cgroup mounted as the hierarchy's root.
        return []
    return parts


def _v1_limit(
    cgroup_root: Path, proc_cgroup: str, cgroup_path: str, node_count: int
) -> CpuLimit | None:
    """The smallest v1 quota or cpuset from this server's cgroups up to the roots."""
    controllers = v1_controller_paths(proc_cgroup)
    best: tuple[float, str, list[str]] | None = None
    for controller, read in (("cpu", _v1_quota_cores), ("cpuset", _v1_cpuset_cores)):
        if controller not in controllers:
            continue
        mount, relative = controllers[controller]
        hierarchy = _hierarchy(cgroup_root, controller, mount)
        parts = _parts(cgroup_path or relative, hierarchy)
        found = smallest_up(hierarchy, parts, read, _cores)
        # "<=": on a tie between the quota and the cpuset, the cpuset (read second) is named.
        if found is not None and (best is None or found[0][0] <= best[0]):
            best = (found[0][0], found[0][1], parts[: found[1]])
    if best is None or best[0] >= node_count:
        return None
    usage = _v1_usage_dir(cgroup_root, controllers, cgroup_path, best[2])
    return CpuLimit(best[0], "cgroup-v1", best[1], usage)


def _v1_usage_dir(
    cgroup_root: Path, controllers: dict[str, tuple[str, str]], cgroup_path: str, parts: list[str]
) -> Path | None:
    """The cpuacct cgroup at the binding limit's place, if this server is under it.

    Slurm builds the same /slurm/uid_<uid>/job_<id>/step_<step> tree in every controller, so
    a job's cpuset at .../job_42 has its counter at cpuacct's .../job_42, which counts every
    step of the job. Elsewhere there may be no such cgroup: the process tree counts then.
    """
    if "cpuacct" not in controllers:
        return None
    mount, relative = controllers["cpuacct"]
    hierarchy = _hierarchy(cgroup_root, "cpuacct", mount)
    own = _parts(cgroup_path or relative, hierarchy)
    if own[: len(parts)] != parts:
        return None
    directory = hierarchy.joinpath(*parts)
    return directory if (directory / V1_USAGE_FILE).is_file() else None


def cpuacct_seconds(directory: Path) -> float | None:
    """CPU seconds a v1 cgroup's processes used (cpuacct.usage, nanoseconds), or None."""
    text = _read(directory / V1_USAGE_FILE)
    try:
        return int(text) / 1e9 if text is not None else None
    except ValueError:
        return None


def find_cpu_limit(
    *,
    cgroup_root: Path,
    proc_cgroup: str,
    env: Mapping[str, str],
    affinity_count: int,
    node_count: int,
    cgroup_path: str = "",
) -> CpuLimit:
    """The first binding limit among cgroup v2, cgroup v1, Slurm, the affinity and the node.

    `cgroup_path`, when given, replaces the paths read from `proc_cgroup`.
    """
    v2_path = cgroup_path or parse_proc_cgroup(proc_cgroup).v2
    if v2_path is not None:
        parts = cgroup_parts(v2_path)
        found = smallest_up(cgroup_root, parts, _v2_cores, _cores)
        if found is not None and found[0][0] < node_count:
            (cores, detail), depth = found
            return CpuLimit(cores, "cgroup-v2", detail, cgroup_root.joinpath(*parts[:depth]))
    v1 = _v1_limit(cgroup_root, proc_cgroup, cgroup_path, node_count)
    if v1 is not None:
        return v1
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
