"""Memory in use: the cgroup's own counter (the RSS of the process tree is in proc.ProcessTree)."""

from __future__ import annotations

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
