"""This server's share of the node's CPU time: /proc parsing, a fake tree, real busy children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import psutil
import pytest

from jupyterlab_hpc.power.attribution import (
    CLOCK_TICKS,
    CpuShareMeter,
    cpu_share,
    node_share_seconds,
    parse_proc_stat_total_ticks,
)
from jupyterlab_hpc.power.cpu import CpuPowerReader
from jupyterlab_hpc.proc import parse_stat_use, walk_process_tree
from tests.support import write_tree

BURN = "while True: pass"
# A child that runs the burner as its own child, to check that grandchildren count.
PARENT_OF_BURNER = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURN!r}])"


def stat_line(pid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    """A /proc/<pid>/stat line; the command name has the spaces and ")" real ones may have."""
    return (
        f"{pid} (python ) x) S 1 {pid} {pid} 0 -1 4194560 1000 0 0 0 "
        f"{utime} {stime} {cutime} {cstime} 20 0 3 0 12345 987654 2000\n"
    )


def proc_stat(user: int, system: int, idle: int, guest: int = 0) -> str:
    """/proc/stat with user, system and idle time; guest time is inside user, as in Linux."""
    return f"cpu  {user} 0 {system} {idle} 0 0 0 0 {guest} 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"


# --- parsing --------------------------------------------------------------------------------


def test_pid_stat_adds_own_and_waited_for_children_time() -> None:
    assert parse_stat_use(stat_line(42, 100, 20, 7, 3)) == (2000, 130)


@pytest.mark.parametrize("text", ["", "42 (x) S 1 2 3", "42 no parentheses at all"])
def test_malformed_pid_stat_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_stat_use(text)


def test_node_time_counts_idle_but_not_guest_twice() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    text = "cpu  100 20 30 1000 50 5 6 7 40 10\n"
    assert parse_proc_stat_total_ticks(text) == 100 + 20 + 30 + 1000 + 50 + 5 + 6 + 7


def test_node_time_on_an_old_kernel_with_fewer_fields() -> None:
    assert parse_proc_stat_total_ticks("cpu 100 20 30 1000 50 5 6\n") == 1211


@pytest.mark.parametrize("text", ["", "intr 1 2 3 4 5 6", "cpu 1 2 x 4 5"])
def test_malformed_proc_stat_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_proc_stat_total_ticks(text)


@pytest.mark.parametrize(
    ("tree", "node", "expected"),
    [(5.0, 10.0, 0.5), (0.0, 10.0, 0.0), (15.0, 10.0, 1.0), (-1.0, 10.0, 0.0), (1.0, 0.0, 0.0)],
)
def test_share_is_clamped_to_zero_and_one(tree: float, node: float, expected: float) -> None:
    assert cpu_share(tree, node) == expected


# --- a fake /proc ------------------------------------------------------------------------


def write_proc(
    root: Path, stats: dict[int, str], children: dict[int, list[int]], stat: str
) -> None:
    """A /proc with each pid's stat line and children file, and the node's /proc/stat."""
    files = {"stat": stat}
    for pid, line in stats.items():
        files[f"{pid}/stat"] = line
        kids = children.get(pid, [])
        files[f"{pid}/task/{pid}/children"] = " ".join(map(str, kids)) + (" " if kids else "")
    write_tree(root, files)


def test_share_of_a_fake_tree_counts_descendants_only(tmp_path: Path) -> None:
    # given a server (100) with a kernel (200) that runs a helper (300), and a busy
    # unrelated process (999) that must not count
    children = {100: [200], 200: [300]}
    write_proc(
        tmp_path,
        {
            100: stat_line(100, 10, 0),
            200: stat_line(200, 50, 0),
            300: stat_line(300, 40, 0),
            999: stat_line(999, 5000, 0),
        },
        children,
        proc_stat(user=10_000, system=0, idle=50_000),
    )
    meter = CpuShareMeter(100, tmp_path)
    assert meter.read() is None
    # when the kernel uses 30 ticks, the helper 20 and the node 200 in all
    write_proc(
        tmp_path,
        {
            100: stat_line(100, 10, 0),
            200: stat_line(200, 70, 10),
            300: stat_line(300, 60, 0),
            999: stat_line(999, 5150, 0),
        },
        children,
        proc_stat(user=10_150, system=50, idle=50_000),
    )
    # then the tree's share is 50 / 200
    assert meter.read() == pytest.approx(0.25)


def test_a_child_that_exits_keeps_its_time_in_its_parent(tmp_path: Path) -> None:
    # given a kernel (200) whose helper (300) has used 40 ticks
    write_proc(
        tmp_path,
        {100: stat_line(100, 10, 0), 200: stat_line(200, 50, 0), 300: stat_line(300, 40, 0)},
        {100: [200], 200: [300]},
        proc_stat(user=1000, system=0, idle=0),
    )
    meter = CpuShareMeter(100, tmp_path)
    meter.read()
    # when the helper uses 60 more ticks, exits and is waited for by the kernel
    (tmp_path / "300/stat").unlink()
    write_proc(
        tmp_path,
        {100: stat_line(100, 10, 0), 200: stat_line(200, 50, 0, cutime=100)},
        {100: [200], 200: []},
        proc_stat(user=1100, system=0, idle=0),
    )
    # then those 60 ticks are the tree's, not lost
    assert meter.read() == pytest.approx(0.6)


# --- real processes --------------------------------------------------------------------------
# A loaded machine gives a burner less than a CPU, and the tree a smaller share, so these tests
# never expect a share from the wall clock or the CPU count. They wait until the burner has used
# BURNER_TICKS of CPU time, by its own /proc/<pid>/stat, and check the share the attribution code
# gives for that window against what the burner and the node used over the same window, read
# independently before and after each of the meter's reads: however busy the node, the burner's
# own time is inside the tree's, and the tree holds nothing but this process and what it started.

# The CPU time the burner must use in the window: half a second at Linux's 100 Hz.
BURNER_TICKS = 50
# How long the burner may take to use it on a machine busy with other work.
BURN_DEADLINE_S = 300
# /proc/stat's idle and iowait are estimated on read for idle CPUs and may step back a little.
NODE_SLACK_TICKS_PER_CPU = 2


@pytest.fixture
def burners() -> Iterator[Callable[[str], int]]:
    """Starts a descendant of this test process that keeps one CPU busy; returns the pid of
    the busy process (the child, or its child); kills them all after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(kind: str = "child") -> int:
        code = BURN if kind == "child" else PARENT_OF_BURNER
        # Its own session, so that a grandchild dies with it.
        process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        started.append(process)
        if kind == "child":
            return process.pid
        return wait_for(lambda: single_child(process.pid), "the burner's own child to start")

    try:
        yield start
    finally:
        for process in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition: Callable[[], int | None], what: str) -> int:
    """The first non-None answer of `condition`, polled until a generous deadline."""
    deadline = time.monotonic() + BURN_DEADLINE_S
    while time.monotonic() < deadline:
        answer = condition()
        if answer is not None:
            return answer
        time.sleep(0.02)
    raise AssertionError(f"waited {BURN_DEADLINE_S} s for {what}")


def single_child(pid: int) -> int | None:
    children = psutil.Process(pid).children()
    return children[0].pid if children else None


def ticks(pid: int) -> int:
    """CPU ticks one process has used, its waited-for children included, by /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields 14-17 of proc(5): utime stime cutime cstime, counted here from field 3
    return sum(int(value) for value in fields[11:15])


def node_ticks() -> int:
    """The node's CPU ticks, idle included: user to steal on /proc/stat's first line."""
    return sum(int(value) for value in Path("/proc/stat").read_text().split()[1:9])


@dataclass
class Snapshot:
    node: int
    processes: dict[int, int]

    @classmethod
    def take(cls, pids: list[int]) -> Snapshot:
        return cls(node_ticks(), {pid: ticks(pid) for pid in pids})


@dataclass
class Window:
    """The share the attribution code gave, and the bounds the burner and the node set on it."""

    share: float
    lowest: float
    highest: float
    burned: int

    def __str__(self) -> str:
        return (
            f"share {self.share:.4f}, expected within [{self.lowest:.4f}, {self.highest:.4f}] "
            f"(the burner used {self.burned} ticks)"
        )


def share_while_burning(burner: int, read_share: Callable[[], float | None]) -> Window:
    """Call `read_share` twice around BURNER_TICKS of the burner's CPU time; bound the share.

    outer, then the meter's first read, inner, the burner works, inner, the meter's second
    read, outer: the meter's window lies between the outer snapshots and holds the inner ones.
    """
    tree = [os.getpid(), *(child.pid for child in psutil.Process().children(recursive=True))]
    assert burner in tree
    outer_start = Snapshot.take(tree)
    read_share()
    inner_start = Snapshot.take(tree)
    wait_for(
        lambda: ticks(burner) - inner_start.processes[burner] >= BURNER_TICKS or None,
        f"the burner to use {BURNER_TICKS} CPU ticks",
    )
    inner_end = Snapshot.take(tree)
    share = read_share()
    outer_end = Snapshot.take(tree)
    assert share is not None
    slack = NODE_SLACK_TICKS_PER_CPU * (os.cpu_count() or 1)
    # At least what the burner alone used inside the window, over all the node's time around it;
    burned = inner_end.processes[burner] - inner_start.processes[burner]
    lowest = burned / (outer_end.node - outer_start.node + slack)
    # at most what the whole tree used around it, over the node's time inside it.
    tree_used = sum(outer_end.processes[pid] - outer_start.processes[pid] for pid in tree)
    highest = tree_used / max(1, inner_end.node - inner_start.node - slack)
    return Window(share, lowest, highest, burned)


@pytest.mark.parametrize("kind", ["child", "grandchild"])
def test_a_busy_descendant_counts_in_the_share(burners: Callable[[str], int], kind: str) -> None:
    # given a descendant that keeps a CPU busy, as much as this machine lets it
    burner = burners(kind)
    meter = CpuShareMeter()
    # when the share is read around half a second of its CPU time
    window = share_while_burning(burner, meter.read)
    # then the share holds the burner's time, over the node's time in the same window
    assert window.lowest <= window.share <= window.highest, str(window)


def test_watts_are_share_times_node_watts(tmp_path: Path, burners: Callable[[str], int]) -> None:
    # given a fake RAPL package that uses 10 J a second, and a busy descendant
    burner = burners("child")
    write_tree(tmp_path, {"intel-rapl:0/name": "package-0\n", "intel-rapl:0/energy_uj": "0\n"})
    clock_s = [1000.0]
    reader = CpuPowerReader(powercap_root=tmp_path, clock=lambda: clock_s[0])
    sections: list[dict[str, Any]] = []

    def read_share() -> float | None:
        if sections:
            clock_s[0] += 1.0
            write_tree(tmp_path, {"intel-rapl:0/energy_uj": "10000000\n"})
        sections.append(reader.read())
        return sections[-1]["share"]

    # when the section is read around half a second of the burner's CPU time
    window = share_while_burning(burner, read_share)
    first, section = sections
    assert first["watts"] is None
    # then the server's watts are its share of the node's 10 W, the share holding the burner's
    assert section["node_watts"] == 10.0
    # (the section rounds the share to 4 places)
    assert window.lowest - 1e-4 <= window.share <= window.highest + 1e-4, str(window)
    assert section["watts"] == pytest.approx(section["share"] * 10.0, abs=0.01)


def test_waited_for_children_keep_counting() -> None:
    # given the tree's CPU time before a child that burns CPU for 0.5 s then exits
    tree_before, _ = node_share_seconds(walk_process_tree(os.getpid()))
    code = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", code], check=True)
    # when it has been waited for (its pid is gone), then its time is still the tree's
    tree_after, _ = node_share_seconds(walk_process_tree(os.getpid()))
    assert tree_after - tree_before >= 0.5 - 2 / CLOCK_TICKS


def test_psutil_gives_the_same_times_without_children_files(tmp_path: Path) -> None:
    # given a kernel without /proc/<pid>/task/<tid>/children, read between two reads of /proc
    before_tree, before_node = node_share_seconds(walk_process_tree(os.getpid()))
    psutil_tree, psutil_node = node_share_seconds(
        walk_process_tree(os.getpid(), tmp_path / "no-proc"), tmp_path / "no-proc"
    )
    after_tree, after_node = node_share_seconds(walk_process_tree(os.getpid()))
    # then psutil reads the same times: between those /proc gave before and after (however long
    # this test waited between them), give or take tick rounding and idle time stepping back
    tick = 1 / CLOCK_TICKS
    node_slack = NODE_SLACK_TICKS_PER_CPU * (os.cpu_count() or 1) * tick
    assert before_tree - tick <= psutil_tree <= after_tree + tick
    assert before_node - node_slack <= psutil_node <= after_node + node_slack
