"""This server's share of the node's CPU time: /proc parsing, a fake tree, real busy children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from jupyterlab_hpc.power.attribution import (
    CLOCK_TICKS,
    CpuShareMeter,
    cpu_share,
    parse_pid_stat_ticks,
    parse_proc_stat_total_ticks,
    read_cpu_seconds,
)
from jupyterlab_hpc.power.cpu import CpuPowerReader
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
    assert parse_pid_stat_ticks(stat_line(42, 100, 20, 7, 3)) == 130


@pytest.mark.parametrize("text", ["", "42 (x) S 1 2 3", "42 no parentheses at all"])
def test_malformed_pid_stat_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pid_stat_ticks(text)


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


@pytest.fixture
def burners() -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Starts descendants of this test process that keep one CPU busy; kills them after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(kind: str = "child") -> subprocess.Popen[bytes]:
        code = BURN if kind == "child" else PARENT_OF_BURNER
        # Its own session, so that a grandchild dies with it.
        process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def measure_share(seconds: float) -> float:
    """This process tree's share of the node's CPU capacity over the next `seconds`."""
    meter = CpuShareMeter()
    meter.read()
    time.sleep(seconds)
    share = meter.read()
    assert share is not None
    return share


@pytest.mark.parametrize("kind", ["child", "grandchild"])
def test_a_busy_descendant_takes_a_large_share(
    burners: Callable[[str], subprocess.Popen[bytes]], kind: str
) -> None:
    # given the share of this test process while it sleeps
    idle = measure_share(0.5)
    # when a descendant keeps a CPU busy for a second
    burners(kind)
    busy = measure_share(1.0)
    # then the tree has one CPU's worth of the node's capacity (0.5 on 2 CPUs, less on more)
    cpus = os.cpu_count() or 1
    detail = f"busy share {busy:.3f}, idle share {idle:.3f}, {cpus} CPUs"
    assert busy > 0.6 / cpus, detail
    assert busy > idle + 0.4 / cpus, detail


def test_watts_are_share_times_node_watts(
    tmp_path: Path, burners: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    # given a fake RAPL package that uses 10 J a second, and a busy descendant
    burners("child")
    write_tree(tmp_path, {"intel-rapl:0/name": "package-0\n", "intel-rapl:0/energy_uj": "0\n"})
    clock_s = [1000.0]
    reader = CpuPowerReader(powercap_root=tmp_path, clock=lambda: clock_s[0])
    assert reader.read()["watts"] is None
    time.sleep(1.0)
    clock_s[0] += 1.0
    write_tree(tmp_path, {"intel-rapl:0/energy_uj": "10000000\n"})
    # when the section is read
    section = reader.read()
    # then the server's watts are its share of the node's 10 W
    assert section["node_watts"] == 10.0
    assert section["share"] > 0.6 / (os.cpu_count() or 1)
    assert section["watts"] == pytest.approx(section["share"] * 10.0, abs=0.01)


def test_waited_for_children_keep_counting() -> None:
    # given the tree's CPU time before a child that burns CPU for 0.5 s then exits
    tree_before, _ = read_cpu_seconds(os.getpid())
    code = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", code], check=True)
    # when it has been waited for (its pid is gone), then its time is still the tree's
    tree_after, _ = read_cpu_seconds(os.getpid())
    assert tree_after - tree_before >= 0.5 - 2 / CLOCK_TICKS


def test_psutil_gives_the_same_times_without_children_files(tmp_path: Path) -> None:
    # given a kernel without /proc/<pid>/task/<tid>/children: psutil reads the same times
    proc_tree, proc_node = read_cpu_seconds(os.getpid())
    psutil_tree, psutil_node = read_cpu_seconds(os.getpid(), tmp_path / "no-proc")
    assert psutil_tree == pytest.approx(proc_tree, abs=0.2)
    assert psutil_node == pytest.approx(proc_node, abs=1.0)
