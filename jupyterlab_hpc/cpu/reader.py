"""The `cpu` section of a metrics snapshot: cores busy against the cores the job may use.

Cores busy are CPU time used between two samples over the wall time between them: from the
cgroup's own counter (`cpu.stat` `usage_usec`) where the limit came from a cgroup, else from the
CPU time of this server's process tree (each process's own and its reaped children's, read
from /proc/<pid>/stat). The first sample has no interval yet: `used_cores` is null until the
second.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil

from ..proc import PROC, TreeWalk, affinity_cpus, read_proc_cgroup
from .limits import CpuLimit, cpuacct_seconds, find_cpu_limit


def cpu_unavailable(reason: str) -> dict[str, Any]:
    """A cpu section that says why there is no reading."""
    return {
        "available": False,
        "used_cores": None,
        "limit_cores": None,
        "limit_source": None,
        "limit_detail": None,
        "used_source": None,
        "reason": reason,
    }


def cgroup_cpu_seconds(directory: Path) -> float | None:
    """CPU seconds the cgroup's processes used (v2 cpu.stat usage_usec, v1 cpuacct.usage)."""
    try:
        for line in (directory / "cpu.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == "usage_usec":
                return int(value) / 1e6
    except (OSError, ValueError):
        pass
    return cpuacct_seconds(directory)


class CpuReader:
    """Reads cores busy against the job's cores; blocking, so call it off the event loop."""

    def __init__(
        self,
        *,
        cgroup_root: str | Path,
        cgroup_path: str = "",
        proc_cgroup_file: str | Path = "/proc/self/cgroup",
        env: Mapping[str, str] | None = None,
        pid: int | None = None,
        proc: Path = PROC,
        clock: Callable[[], float] = time.monotonic,
        node_count: int | None = None,
        affinity_count: int | None = None,
        tree: TreeWalk | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        """node_count, affinity_count: the machine's CPUs and this process's (read if None);
        tree: the sampler's walk of the server's processes, shared with the other sections."""
        self._cgroup_root = Path(cgroup_root)
        self._cgroup_path = cgroup_path
        self._proc_cgroup_file = Path(proc_cgroup_file)
        self._env = os.environ if env is None else env
        self._tree = tree or TreeWalk(pid, proc, shared=False)
        self._clock = clock
        self._node_count = node_count
        self._affinity_count = affinity_count
        self._log = log or logging.getLogger(__name__)
        # The last reading: (source, where, wall time, CPU seconds).
        self._last: tuple[str, str, float, float] | None = None
        self._lock = threading.Lock()

    def limit(self) -> CpuLimit:
        """Look the binding limit up now (a job's limits can change while it runs)."""
        return find_cpu_limit(
            cgroup_root=self._cgroup_root,
            proc_cgroup=read_proc_cgroup(self._proc_cgroup_file),
            cgroup_path=self._cgroup_path,
            env=self._env,
            affinity_count=self._affinity_count or affinity_cpus(),
            node_count=self._node_count or os.cpu_count() or 1,
        )

    def read(self) -> dict[str, Any]:
        """The `cpu` section of GET metrics."""
        try:
            limit = self.limit()
            seconds = None
            if limit.cgroup_dir is not None:
                seconds = cgroup_cpu_seconds(limit.cgroup_dir)
                used_source, where = "cgroup", str(limit.cgroup_dir)
            if seconds is None:
                walk = self._tree.current()
                seconds = walk.cpu_seconds()
                used_source, where = "processes", str(walk.root)
        except (OSError, psutil.Error) as error:
            return cpu_unavailable(f"CPU use could not be read: {error}")
        now = self._clock()
        with self._lock:
            last, self._last = self._last, (used_source, where, now, seconds)
        used = None
        if last is not None and last[:2] == (used_source, where) and now > last[2]:
            busy = seconds - last[3]
            # A child that exited unreaped takes its time away until it is reaped: no reading.
            if busy >= 0:
                used = round(busy / (now - last[2]), 3)
        return {
            "available": True,
            "used_cores": used,
            "limit_cores": limit.limit_cores,
            "limit_source": limit.source,
            "limit_detail": limit.detail,
            "used_source": used_source,
            "reason": None,
        }
