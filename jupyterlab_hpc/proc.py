"""This server's process tree, walked through /proc without scanning the whole host."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import psutil

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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class ProcessUse:
    """What one process of the tree uses: resident memory and CPU time."""

    parent: int | None
    rss_bytes: int
    # utime + stime + cutime + cstime: a helper that exited and was waited for stays counted.
    cpu_ticks: int


@dataclass(frozen=True)
class ProcessTree:
    """One walk of the server's process tree: every process's memory and CPU time at once.

    The memory, CPU and power readers, and the per-kernel figures, all read the same walk of
    a sample: each process's /proc/<pid>/stat is read once per sample, not once per section.
    """

    root: int
    processes: Mapping[int, ProcessUse]
    # time.monotonic() when the walk was taken: the interval of a rate between two walks.
    taken_at: float

    @cached_property
    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for child, use in self.processes.items():
            if use.parent is not None:
                children.setdefault(use.parent, []).append(child)
        return children

    def subtree(self, pid: int) -> list[int]:
        """The readable processes of the tree under `pid`, itself included."""
        children = self._children
        found, pending, seen = [], [pid], set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in self.processes:
                found.append(current)
            pending.extend(children.get(current, ()))
        return found

    def rss_bytes(self, pid: int | None = None) -> int:
        """Resident memory of `pid`'s subtree (the whole tree by default), in bytes."""
        pids = self.processes if pid is None else self.subtree(pid)
        return sum(self.processes[p].rss_bytes for p in pids)

    def cpu_seconds(self, pid: int | None = None) -> float:
        """CPU seconds used by `pid`'s subtree (the whole tree by default)."""
        pids = self.processes if pid is None else self.subtree(pid)
        return sum(self.processes[p].cpu_ticks for p in pids) / CLOCK_TICKS


def parse_stat_use(text: str | bytes) -> tuple[int, int]:
    """(resident pages, utime + stime + cutime + cstime ticks) of one /proc/<pid>/stat."""
    pages, ticks, _threads = _stat_fields(text.encode() if isinstance(text, str) else text)
    return pages, ticks


def _stat_fields(text: bytes) -> tuple[int, int, int]:
    """Resident pages, CPU ticks (own and waited-for children's) and the thread count."""
    # The command name (field 2) is in parentheses and may itself hold spaces and ")".
    fields = text[text.rindex(b")") + 1 :].split()
    if len(fields) < 22:
        raise ValueError(f"a /proc/<pid>/stat line has 52 fields, not {len(fields) + 2}")
    # proc(5) fields 14-17, 20 and 24, counted here from field 3 (the state).
    ticks = sum(int(value) for value in fields[11:15])
    return int(fields[21]), ticks, int(fields[17])


def _read(path: str) -> bytes:
    """A whole /proc file, through the raw descriptor (a tree walk reads thousands)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def walk_process_tree(pid: int, proc: Path = PROC) -> ProcessTree:
    """Every process of `pid`'s tree with its memory and CPU time, read once each."""
    taken_at = time.monotonic()
    if not has_children_files(pid, proc):
        return ProcessTree(pid, _psutil_tree(pid), taken_at)
    processes: dict[int, ProcessUse] = {}
    seen: set[int] = set()
    pending: list[tuple[int, int | None]] = [(pid, None)]
    root = os.fspath(proc)
    while pending:
        current, parent = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        # Raw system calls on str paths: pathlib's objects cost more than the reads here.
        base = f"{root}/{current}"
        try:
            pages, ticks, threads = _stat_fields(_read(f"{base}/stat"))
            # A process of one thread lists its children in its own task's file only.
            tasks = [str(current)] if threads == 1 else os.listdir(f"{base}/task")
        except (OSError, ValueError, IndexError):
            # Exited since its parent listed it: its parent's cutime/cstime holds its time.
            continue
        processes[current] = ProcessUse(parent, pages * PAGE_SIZE, ticks)
        for task in tasks:
            try:
                children = _read(f"{base}/task/{task}/children").split()
            except OSError:
                continue
            pending.extend((int(child), current) for child in children)
    return ProcessTree(pid, processes, taken_at)


def _psutil_tree(pid: int) -> dict[int, ProcessUse]:
    """The tree through psutil, for kernels without children files (it scans the host)."""
    root = psutil.Process(pid)
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        processes = [root]
    found: dict[int, ProcessUse] = {}
    for process in processes:
        try:
            times = process.cpu_times()
            rss = process.memory_info().rss
            parent = None if process.pid == pid else process.ppid()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            # The child exited since we listed it, or belongs to someone else (setuid helper).
            continue
        seconds = times.user + times.system + times.children_user + times.children_system
        found[process.pid] = ProcessUse(parent, rss, round(seconds * CLOCK_TICKS))
    return found


class TreeWalk:
    """The walk of the current sample, shared by every reader of that sample.

    The sampler calls `next_sample()` before it reads its sections; the first reader to ask
    walks the tree, the others of the same sample get that walk. A reader used on its own
    (no sampler) gets a new walk at each `current()` with `shared=False`.
    """

    def __init__(self, pid: int | None = None, proc: Path = PROC, *, shared: bool = True) -> None:
        self.pid = os.getpid() if pid is None else pid
        self._proc = proc
        self._shared = shared
        self._lock = threading.Lock()
        self._walk: ProcessTree | None = None
        self.walks = 0

    def next_sample(self) -> None:
        """Forget the walk: the next `current()` walks anew."""
        with self._lock:
            self._walk = None

    def current(self) -> ProcessTree:
        """This sample's walk, taken now if no reader of the sample has taken it yet."""
        with self._lock:
            if self._walk is None or not self._shared:
                self._walk = walk_process_tree(self.pid, self._proc)
                self.walks += 1
            return self._walk
