"""Memory in use: the cgroup's own counter, or the RSS of this server's process tree."""

from __future__ import annotations

from pathlib import Path

from ..proc import PROC, walk_process_tree
from .limits import MemoryLimit

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
    return walk_process_tree(pid, proc).rss_bytes()
