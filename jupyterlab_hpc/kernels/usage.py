"""The `kernels` section of a metrics snapshot: each kernel's memory and cores busy.

Read from the sampler's one walk of the server's process tree: a kernel counts with every
process it started (a multiprocessing pool, a compiler, a Dask worker), so the user sees which
notebook holds the memory before the job is killed at its limit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..proc import TreeWalk

# kernel id -> the pid of its process, for the kernels this server started itself.
KernelPids = Callable[[], Mapping[str, int]]


def kernels_unavailable(reason: str) -> dict[str, Any]:
    """A kernels section that says why there is no reading."""
    return {"available": False, "kernels": [], "reason": reason}


def local_kernel_pids(kernel_manager: Any) -> dict[str, int]:
    """The pids of a jupyter_server MappingKernelManager's local kernels.

    Kernels started by a local provisioner know their process; remote or gateway kernels do
    not, and are left out.
    """
    found: dict[str, int] = {}
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        try:
            kernel = kernel_manager.get_kernel(kernel_id)
        except KeyError:
            # Shut down since it was listed.
            continue
        pid = getattr(getattr(kernel, "provisioner", None), "pid", None)
        if isinstance(pid, int) and pid > 0:
            found[kernel_id] = pid
    return found


class KernelUsageReader:
    """Each kernel's process tree out of the shared walk; blocking, so call it off the loop."""

    def __init__(
        self, tree: TreeWalk, kernel_pids: KernelPids, *, log: logging.Logger | None = None
    ) -> None:
        self._tree = tree
        self._kernel_pids = kernel_pids
        self._log = log or logging.getLogger(__name__)
        # kernel id -> (its pid, the walk's time, its tree's CPU seconds) at the last read.
        self._last: dict[str, tuple[int, float, float]] = {}
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        """The `kernels` section of GET metrics, largest memory first."""
        pids = self._kernel_pids()
        if not pids:
            # No kernel: no walk either, a quiet server costs nothing here.
            with self._lock:
                self._last = {}
            return {"available": True, "kernels": [], "reason": None}
        walk = self._tree.current()
        kernels: list[dict[str, Any]] = []
        current: dict[str, tuple[int, float, float]] = {}
        with self._lock:
            for kernel_id, pid in pids.items():
                processes = walk.subtree(pid)
                if not processes:
                    # Not (or no longer) under this server: nothing of it to count.
                    continue
                seconds = walk.cpu_seconds(pid)
                current[kernel_id] = (pid, walk.taken_at, seconds)
                kernels.append(
                    {
                        "id": kernel_id,
                        "pid": pid,
                        "memory_bytes": walk.rss_bytes(pid),
                        "cpu_cores": self._cores(self._last.get(kernel_id), current[kernel_id]),
                        "processes": len(processes),
                    }
                )
            self._last = current
        kernels.sort(key=lambda kernel: kernel["memory_bytes"], reverse=True)
        return {"available": True, "kernels": kernels, "reason": None}

    @staticmethod
    def _cores(
        last: tuple[int, float, float] | None, now: tuple[int, float, float]
    ) -> float | None:
        """Cores busy between two reads of the same kernel process; None without an interval."""
        if last is None or last[0] != now[0] or now[1] <= last[1]:
            return None
        busy = now[2] - last[2]
        # A child that exited unreaped takes its time away until it is reaped: no reading.
        return round(busy / (now[1] - last[1]), 3) if busy >= 0 else None
