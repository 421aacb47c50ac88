"""The share of the node's CPU capacity that this server's process tree used.

Multiplied by the node's RAPL power, it gives the power of the notebooks this server runs.
The share is of the node's whole CPU time (idle included), not of its busy time as in
jupyter-power-usage or Scaphandre: dividing by busy time charges a light notebook on a quiet
node with the power of every idle core, while a job holding 4 of 40 cores and using them
fully is charged 10 % of the node, idle power included, which is its fair part.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from ..proc import PROC, has_children_files, process_tree_pids

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_pid_stat_ticks(text: str) -> int:
    """utime + stime + cutime + cstime of one /proc/<pid>/stat, in clock ticks.

    cutime and cstime hold the time of children that exited and were waited for, so a
    kernel's helper that ran between two samples is not lost when it ends.
    """
    # The command name (field 2) is in parentheses and may itself hold spaces and ")".
    fields = text[text.rindex(")") + 1 :].split()
    # proc(5) fields 14-17, counted here from field 3 (the state).
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return utime + stime + cutime + cstime


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


def read_cpu_seconds(pid: int, proc: Path = PROC) -> tuple[float, float]:
    """CPU seconds used so far by the process tree, and CPU seconds of the node (idle included)."""
    # Both from the same source, so that they count the same way.
    if has_children_files(pid, proc):
        return _proc_tree_seconds(pid, proc), _proc_node_seconds(proc)
    return _psutil_tree_seconds(pid), _psutil_node_seconds()


class CpuShareMeter:
    """Each read gives the tree's share of the node's CPU capacity since the previous read."""

    def __init__(self, pid: int | None = None, proc: str | Path = PROC) -> None:
        self._pid = os.getpid() if pid is None else pid
        self._proc = Path(proc)
        self._previous: tuple[float, float] | None = None

    def read(self) -> float | None:
        """The share since the previous read; None on the first read, which has no interval."""
        current = read_cpu_seconds(self._pid, self._proc)
        previous, self._previous = self._previous, current
        if previous is None:
            return None
        return cpu_share(current[0] - previous[0], current[1] - previous[1])

    def reset(self) -> None:
        """Forget the previous read, so that the next interval starts at the next read."""
        self._previous = None


def _proc_tree_seconds(pid: int, proc: Path) -> float:
    ticks = 0
    for current in process_tree_pids(pid, proc):
        try:
            ticks += parse_pid_stat_ticks((proc / str(current) / "stat").read_text())
        except (OSError, ValueError):
            # Exited since its parent listed it: its parent's cutime/cstime now holds its time.
            continue
    return ticks / CLOCK_TICKS


def _proc_node_seconds(proc: Path) -> float:
    return parse_proc_stat_total_ticks((proc / "stat").read_text()) / CLOCK_TICKS


def _psutil_tree_seconds(pid: int) -> float:
    root = psutil.Process(pid)
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        processes = [root]
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            # The child exited since we listed it, or belongs to someone else (setuid helper).
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _psutil_node_seconds() -> float:
    times = psutil.cpu_times()._asdict()
    # The fields differ by platform; guest time is already in user time where it exists.
    return sum(value for name, value in times.items() if name not in ("guest", "guest_nice"))
