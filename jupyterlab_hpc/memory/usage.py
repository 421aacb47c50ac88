"""Memory in use: the cgroup's own counter, or the RSS of this server's process tree."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from ..proc import PROC, has_children_files, process_tree_pids
from .limits import MemoryLimit

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

# The counter the kernel charges against each version's limit file.
USAGE_FILES = {"cgroup-v2": "memory.current", "cgroup-v1": "memory.usage_in_bytes"}


def cgroup_usage_bytes(limit: MemoryLimit) -> int | None:
    """Bytes charged to the cgroup that holds `limit`, or None if it has no readable counter."""
    filename = USAGE_FILES.get(limit.source)
    if limit.cgroup_dir is None or filename is None:
        return None
    try:
        return int((limit.cgroup_dir / filename).read_text().strip())
    except (OSError, ValueError):
        return None


def process_tree_rss(pid: int, proc: Path = PROC) -> int:
    """Resident memory of a process and all its descendants (kernels, terminals, apps), in bytes."""
    # The /proc walk costs time in the tree's size, psutil's in the host's process count.
    if has_children_files(pid, proc):
        return _proc_tree_rss(pid, proc)
    return _psutil_tree_rss(pid)


def _proc_tree_rss(pid: int, proc: Path) -> int:
    total = 0
    for current in process_tree_pids(pid, proc):
        try:
            # statm: sizes in pages; the second field is the resident set.
            total += int((proc / str(current) / "statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            # Exited since its parent listed it: nothing left to count.
            continue
    return total


def _psutil_tree_rss(pid: int) -> int:
    root = psutil.Process(pid)
    total = root.memory_info().rss
    try:
        children = root.children(recursive=True)
    except psutil.Error:
        children = []
    for child in children:
        try:
            total += child.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            # The child exited since we listed it, or belongs to someone else (setuid helper).
            continue
    return total
