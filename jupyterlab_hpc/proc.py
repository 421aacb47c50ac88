"""This server's process tree, walked through /proc without scanning the whole host."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def has_children_files(pid: int, proc: Path = PROC) -> bool:
    """Whether this kernel lists a process's children in /proc/<pid>/task/<tid>/children."""
    # Kernels built without CONFIG_PROC_CHILDREN have no children files.
    return (proc / str(pid) / "task" / str(pid) / "children").exists()


def process_tree_pids(pid: int, proc: Path = PROC) -> list[int]:
    """The process and all its descendants (kernels, terminals, apps), parents first.

    Linux lists each thread's children in /proc/<pid>/task/<tid>/children, so the tree is
    walked in time proportional to its own size; psutil's way scans every process of the host,
    which costs tens of milliseconds a sample on a login node with thousands of processes.
    A process that exits during the walk is still listed; its readers skip what is gone.
    """
    pids: list[int] = []
    seen: set[int] = set()
    pending = [pid]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pids.append(current)
        try:
            tasks = list((proc / str(current) / "task").iterdir())
        except OSError:
            # Exited since its parent listed it: no children left to find.
            continue
        for task in tasks:
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
    return pids


def affinity_cpus() -> int:
    """The CPUs this process may run on (a Slurm job's share), not the whole node's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def read_proc_cgroup(path: Path = PROC / "self" / "cgroup") -> str:
    """/proc/self/cgroup's text; "" without one (not Linux, or /proc not mounted)."""
    try:
        return path.read_text()
    except OSError:
        return ""
