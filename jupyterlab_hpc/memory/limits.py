"""Find the memory limit that binds this server's job.

Pure domain logic: every input (cgroup mount, /proc/self/cgroup text, environment, host RAM,
CPU count) is passed in, so tests build the trees they need in a temporary directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

LimitSource = Literal["cgroup-v2", "cgroup-v1", "slurm", "env", "host"]

MIB = 1024 * 1024

T = TypeVar("T")

# cgroup v1 reports "no limit" as PAGE_COUNTER_MAX in bytes, rounded down to the page size
# (9223372036854771712 with 4 KiB pages, other values with 16/64 KiB pages): anything this
# large is that sentinel, never a real limit.
V1_UNLIMITED = 2**62

V2_LIMIT_FILE = "memory.max"
V1_LIMIT_FILE = "memory.limit_in_bytes"


@dataclass(frozen=True)
class MemoryLimit:
    """The binding memory limit, where it was found, and the inputs that were ignored."""

    limit_bytes: int
    source: LimitSource
    detail: str
    # For cgroup sources: the directory holding the binding limit; its usage file is what
    # the kernel charges against that limit.
    cgroup_dir: Path | None = None
    # Human notes on malformed or non-binding inputs that were skipped, for a debug log.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CgroupPaths:
    """This process's cgroup paths, as /proc/self/cgroup lists them."""

    v2: str | None = None
    v1_memory: str | None = None


def parse_proc_cgroup(text: str) -> CgroupPaths:
    """Read the unified (v2) path and the v1 memory controller path from /proc/self/cgroup."""
    v2: str | None = None
    for line in text.splitlines():
        # "hierarchy-id:controller-list:path"; the path itself may contain colons.
        fields = line.strip().split(":", 2)
        if len(fields) == 3 and fields[0] == "0" and fields[1] == "":
            v2 = fields[2]
    memory = v1_controller_paths(text).get("memory")
    return CgroupPaths(v2=v2, v1_memory=memory[1] if memory else None)


def v1_controller_paths(proc_cgroup: str) -> dict[str, tuple[str, str]]:
    """Each v1 controller's (mount name, path) from /proc/self/cgroup's text.

    A line "4:cpu,cpuacct:/slurm/uid_1000/job_42" gives cpu and cpuacct the mount name
    "cpu,cpuacct" (the hierarchy's directory under /sys/fs/cgroup) and that path.
    """
    paths: dict[str, tuple[str, str]] = {}
    for line in proc_cgroup.splitlines():
        fields = line.strip().split(":", 2)
        if len(fields) != 3 or fields[0] == "0":
            continue
        for controller in fields[1].split(","):
            if controller:
                paths[controller] = (fields[1], fields[2])
    return paths


def cgroup_parts(relative: str) -> list[str]:
    """A cgroup path's directories; none for a path outside our cgroup namespace ("/../..")."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    return [] if ".." in parts else parts


def smallest_up(
    hierarchy: Path,
    parts: list[str],
    read: Callable[[Path], T | None],
    size: Callable[[T], float],
) -> tuple[T, int] | None:
    """The smallest limit `read` finds from `hierarchy/parts` up to `hierarchy`, with its depth.

    On a tie the outer directory wins: its usage includes the inner one's, and so reaches the
    limit first.
    """
    best: tuple[T, int] | None = None
    for depth in range(len(parts), -1, -1):
        found = read(hierarchy.joinpath(*parts[:depth]))
        if found is not None and (best is None or size(found) <= size(best[0])):
            best = (found, depth)
    return best


def find_memory_limit(
    *,
    cgroup_root: Path,
    proc_cgroup: str,
    env: Mapping[str, str],
    host_ram_bytes: int,
    cpu_count: int,
    cgroup_path: str = "",
) -> MemoryLimit:
    """Return the first binding limit among cgroup v2, cgroup v1, Slurm env, MEM_LIMIT, host RAM.

    `cgroup_path`, when given, replaces the paths read from `proc_cgroup`.
    """
    notes: list[str] = []
    paths = parse_proc_cgroup(proc_cgroup)

    def binding(limit_bytes: int, detail: str) -> bool:
        # A limit above the machine's RAM cannot be reached before the host runs out, so it
        # says nothing about this job: skip it and let the next source answer.
        if limit_bytes > host_ram_bytes:
            notes.append(
                f"{detail}: {limit_bytes} bytes is more than host RAM ({host_ram_bytes} bytes),"
                " so it is not binding"
            )
            return False
        return True

    v2_path = cgroup_path or paths.v2
    if v2_path is not None:
        found = _walk_up(cgroup_root, v2_path, V2_LIMIT_FILE, notes, fall_back_to_root=False)
        if found is not None:
            value, directory = found
            detail = str(directory / V2_LIMIT_FILE)
            if binding(value, detail):
                return MemoryLimit(value, "cgroup-v2", detail, directory, tuple(notes))

    v1_path = cgroup_path or paths.v1_memory
    if v1_path is not None:
        found = _walk_up(cgroup_root / "memory", v1_path, V1_LIMIT_FILE, notes)
        if found is not None:
            value, directory = found
            detail = str(directory / V1_LIMIT_FILE)
            if binding(value, detail):
                return MemoryLimit(value, "cgroup-v1", detail, directory, tuple(notes))

    slurm = _slurm_limit(env, cpu_count, notes)
    if slurm is not None and binding(*slurm):
        return MemoryLimit(slurm[0], "slurm", slurm[1], None, tuple(notes))

    mem_limit = _mem_limit(env, notes)
    if mem_limit is not None and binding(mem_limit, "MEM_LIMIT"):
        return MemoryLimit(mem_limit, "env", "MEM_LIMIT", None, tuple(notes))

    return MemoryLimit(host_ram_bytes, "host", "host RAM", None, tuple(notes))


def _walk_up(
    hierarchy: Path,
    relative: str,
    filename: str,
    notes: list[str],
    *,
    fall_back_to_root: bool = True,
) -> tuple[int, Path] | None:
    """Smallest limit in `filename` from `hierarchy/relative` up to `hierarchy`, with its dir."""
    parts = cgroup_parts(relative)
    if fall_back_to_root and parts and not hierarchy.joinpath(*parts).is_dir():
        # Containers without a cgroup namespace see the host's path in /proc/self/cgroup but
        # have their own cgroup mounted as the hierarchy's root.
        notes.append(f"{hierarchy.joinpath(*parts)} does not exist; using {hierarchy}")
        parts = []
    best = smallest_up(
        hierarchy, parts, lambda directory: _read_limit(directory / filename, notes), float
    )
    return None if best is None else (best[0], hierarchy.joinpath(*parts[: best[1]]))


def _read_limit(path: Path, notes: list[str]) -> int | None:
    """A limit file's value in bytes, or None for no limit, a missing or a bad file."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        notes.append(f"{path} is unreadable ({error.strerror or error}); ignored")
        return None
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        notes.append(f"{path} does not hold a number ({text[:40]!r}); ignored")
        return None
    if value < 0:
        notes.append(f"{path} holds a negative number ({value}); ignored")
        return None
    if value >= V1_UNLIMITED:
        return None
    return value


def _positive_int(text: str | None) -> int | None:
    """The text as an integer > 0, or None."""
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if value > 0 else None


def _slurm_limit(
    env: Mapping[str, str], cpu_count: int, notes: list[str]
) -> tuple[int, str] | None:
    """Slurm's per-node or per-CPU memory request (in MiB) as bytes, with its description."""
    per_node = env.get("SLURM_MEM_PER_NODE")
    if per_node is not None:
        mib = _positive_int(per_node)
        if mib is not None:
            return mib * MIB, f"SLURM_MEM_PER_NODE={mib}"
        # 0 is Slurm's "all the node's memory": not a limit of its own.
        notes.append(f"SLURM_MEM_PER_NODE={per_node!r} is not a positive number of MiB; ignored")
    per_cpu = env.get("SLURM_MEM_PER_CPU")
    if per_cpu is not None:
        mib = _positive_int(per_cpu)
        if mib is None:
            notes.append(f"SLURM_MEM_PER_CPU={per_cpu!r} is not a positive number of MiB; ignored")
            return None
        cpus = _positive_int(env.get("SLURM_CPUS_ON_NODE"))
        if cpus is not None:
            return mib * cpus * MIB, f"SLURM_MEM_PER_CPU={mib} x SLURM_CPUS_ON_NODE={cpus}"
        return mib * cpu_count * MIB, f"SLURM_MEM_PER_CPU={mib} x {cpu_count} CPUs"
    return None


def _mem_limit(env: Mapping[str, str], notes: list[str]) -> int | None:
    """MEM_LIMIT in bytes (the jupyter-resource-usage convention); 0 means no limit."""
    text = env.get("MEM_LIMIT")
    if text is None or text.strip() == "0":
        return None
    value = _positive_int(text)
    if value is None:
        notes.append(f"MEM_LIMIT={text!r} is not a positive number of bytes; ignored")
    return value
