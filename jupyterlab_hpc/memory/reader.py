"""The memory section of a metrics snapshot."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil

from ..proc import TreeWalk, affinity_cpus, read_proc_cgroup
from .limits import MemoryLimit, find_memory_limit
from .usage import cgroup_usage_bytes


def memory_unavailable(reason: str) -> dict[str, Any]:
    """A memory section that says why there is no reading."""
    return {
        "available": False,
        "used_bytes": None,
        "limit_bytes": None,
        "limit_source": None,
        "limit_detail": None,
        "used_source": None,
        "reason": reason,
    }


class MemoryReader:
    """Reads memory used against the job's limit; blocking, so call it off the event loop."""

    def __init__(
        self,
        *,
        cgroup_root: str | Path,
        cgroup_path: str = "",
        proc_cgroup_file: str | Path = "/proc/self/cgroup",
        env: Mapping[str, str] | None = None,
        pid: int | None = None,
        host_ram_bytes: int | None = None,
        cpu_count: int | None = None,
        tree: TreeWalk | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        """tree: the sampler's walk of the server's processes, shared with the other sections."""
        self._cgroup_root = Path(cgroup_root)
        self._cgroup_path = cgroup_path
        self._proc_cgroup_file = Path(proc_cgroup_file)
        self._env = os.environ if env is None else env
        self._tree = tree or TreeWalk(pid, shared=False)
        self._host_ram_bytes = host_ram_bytes
        self._cpu_count = cpu_count
        self._log = log or logging.getLogger(__name__)
        # Notes already logged: the limit is looked up every sample, the log says it once.
        self._logged_notes: set[str] = set()

    def limit(self) -> MemoryLimit:
        """Look the binding limit up now (limits can change while a job runs)."""
        limit = find_memory_limit(
            cgroup_root=self._cgroup_root,
            proc_cgroup=read_proc_cgroup(self._proc_cgroup_file),
            cgroup_path=self._cgroup_path,
            env=self._env,
            host_ram_bytes=self._host_ram(),
            cpu_count=self._cpus(),
        )
        for note in limit.notes:
            if note not in self._logged_notes:
                self._logged_notes.add(note)
                self._log.debug("jupyterlab-hpc memory limit: %s", note)
        return limit

    def read(self) -> dict[str, Any]:
        """The `memory` section of GET metrics."""
        try:
            limit = self.limit()
            used = cgroup_usage_bytes(limit)
            used_source = "cgroup"
            if used is None:
                used = self._tree.current().rss_bytes()
                used_source = "processes"
        except (OSError, psutil.Error) as error:
            return memory_unavailable(f"Memory use could not be read: {error}")
        return {
            "available": True,
            "used_bytes": used,
            "limit_bytes": limit.limit_bytes,
            "limit_source": limit.source,
            "limit_detail": limit.detail,
            "used_source": used_source,
            "reason": None,
        }

    def _host_ram(self) -> int:
        if self._host_ram_bytes is not None:
            return self._host_ram_bytes
        return int(psutil.virtual_memory().total)

    def _cpus(self) -> int:
        return self._cpu_count if self._cpu_count is not None else affinity_cpus()
