"""The share of the node's CPU capacity that this server's process tree used.

Multiplied by the node's RAPL power, it gives the power of the notebooks this server runs.
The share is of the node's whole CPU time (idle included), not of its busy time as in
jupyter-power-usage or Scaphandre: dividing by busy time charges a light notebook on a quiet
node with the power of every idle core, while a job holding 4 of 40 cores and using them
fully is charged 10 % of the node, idle power included, which is its fair part.
"""

from __future__ import annotations

from pathlib import Path

import psutil

from ..proc import (
    CLOCK_TICKS,
    PROC,
    ProcessTree,
    TreeWalk,
    has_children_files,
)


def parse_proc_stat_total_ticks(text: str) -> int:
    """The node's CPU time, idle included, from the first line of /proc/stat, in clock ticks."""
    fields = text.split("\n", 1)[0].split()
    if len(fields) < 6 or fields[0] != "cpu":
        raise ValueError(f"not the cpu line of /proc/stat: {fields[:1]}")
    # user nice system idle iowait irq softirq steal guest guest_nice: guest and guest_nice are
    # already inside user and nice, so the total stops at steal.
    return sum(int(value) for value in fields[1:9])


def cpu_share(tree_seconds: float, node_seconds: float) -> float:
    """The tree's CPU time over the node's CPU time, within [0, 1]."""
    # Counters that did not move (or went backwards) leave nothing to share.
    if node_seconds <= 0:
        return 0.0
    # Tick rounding, and descendants that leave the tree, can push the ratio out of range.
    return min(1.0, max(0.0, tree_seconds / node_seconds))


def node_share_seconds(tree: ProcessTree, proc: Path = PROC) -> tuple[float, float]:
    """The tree's CPU seconds and the node's, both from the same source so they count alike."""
    if has_children_files(tree.root, proc):
        return tree.cpu_seconds(), _proc_node_seconds(proc)
    return tree.cpu_seconds(), _psutil_node_seconds()


class CpuShareMeter:
    """Each read gives the tree's share of the node's CPU capacity since the previous read."""

    def __init__(
        self, pid: int | None = None, proc: str | Path = PROC, *, tree: TreeWalk | None = None
    ) -> None:
        """tree: the sampler's shared walk (a walk of its own at each read without one)."""
        self._proc = Path(proc)
        self._tree = tree or TreeWalk(pid, self._proc, shared=False)
        self._previous: tuple[float, float] | None = None

    def read(self) -> float | None:
        """The share since the previous read; None on the first read, which has no interval."""
        current = node_share_seconds(self._tree.current(), self._proc)
        previous, self._previous = self._previous, current
        if previous is None:
            return None
        return cpu_share(current[0] - previous[0], current[1] - previous[1])

    def reset(self) -> None:
        """Forget the previous read, so that the next interval starts at the next read."""
        self._previous = None


def _proc_node_seconds(proc: Path) -> float:
    return parse_proc_stat_total_ticks((proc / "stat").read_text()) / CLOCK_TICKS


def _psutil_node_seconds() -> float:
    times = psutil.cpu_times()._asdict()
    # The fields differ by platform; guest time is already in user time where it exists.
    return sum(value for name, value in times.items() if name not in ("guest", "guest_nice"))
