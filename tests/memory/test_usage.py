"""Memory in use: the RSS of this server's real process tree, and the cgroup counters."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from jupyterlab_hpc.memory.limits import MemoryLimit
from jupyterlab_hpc.memory.reader import MemoryReader
from jupyterlab_hpc.memory.usage import cgroup_usage_bytes
from jupyterlab_hpc.proc import PAGE_SIZE, walk_process_tree

MIB = 1024**2
ALLOCATED = 50 * MIB

# Waits for a line on stdin, then fills ALLOCATED bytes (non-zero, so every page is resident).
ALLOCATOR = f"""
import sys
print("ready", flush=True)
sys.stdin.readline()
block = b"x" * {ALLOCATED}
print("allocated", flush=True)
sys.stdin.readline()
"""

# The same, one level down: a child that runs the allocator as its own child.
PARENT_OF_ALLOCATOR = f"""
import subprocess, sys
subprocess.run([sys.executable, "-c", {ALLOCATOR!r}])
"""


@pytest.fixture(params=["child", "grandchild"])
def allocator(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str]]:
    """A descendant process that allocates 50 MiB when told to."""
    code = ALLOCATOR if request.param == "child" else PARENT_OF_ALLOCATOR
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    yield process
    process.kill()
    process.wait()


def _step(process: subprocess.Popen[str], expect: str) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == expect


def test_process_tree_rss_counts_descendants(allocator: subprocess.Popen[str]) -> None:
    # given a descendant that has started but not allocated yet
    before = walk_process_tree(os.getpid()).rss_bytes()
    # when it allocates 50 MiB
    _step(allocator, "allocated")
    after = walk_process_tree(os.getpid()).rss_bytes()
    # then the tree's RSS grows by about that much
    grown = after - before
    assert 0.8 * ALLOCATED < grown < 1.5 * ALLOCATED, f"grew by {grown / MIB:.1f} MiB"


def fake_proc(root: Path, processes: dict[int, tuple[int | None, list[int]]]) -> Path:
    """A /proc tree: pid -> (resident pages or None for a vanished process, children)."""
    for pid, (pages, children) in processes.items():
        task = root / str(pid) / "task" / str(pid)
        task.mkdir(parents=True)
        (task / "children").write_text(" ".join(map(str, children)) + (" " if children else ""))
        if pages is not None:
            # /proc/<pid>/stat: the resident pages are field 24.
            (root / str(pid) / "stat").write_text(
                f"{pid} (python) S 1 {pid} {pid} 0 -1 0 0 0 0 0 5 2 0 0 20 0 1 0 100 9999 {pages}\n"
            )
    return root


def test_process_tree_rss_walks_the_children_files(tmp_path: Path) -> None:
    # given a server (10 pages) with a kernel (20) that started a helper (30), and an
    # unrelated process (1000 pages) that must not be counted
    proc = fake_proc(
        tmp_path,
        {100: (10, [200]), 200: (20, [300]), 300: (30, []), 999: (1000, [])},
    )
    # when the tree is summed, then only the server's descendants count
    assert walk_process_tree(100, proc).rss_bytes() == 60 * PAGE_SIZE


def test_process_tree_rss_skips_children_that_vanish(tmp_path: Path) -> None:
    # given a child listed by its parent that exited before its memory was read
    proc = fake_proc(tmp_path, {100: (10, [200, 300]), 200: (None, []), 300: (5, [])})
    # then it does not fail and counts the others
    assert walk_process_tree(100, proc).rss_bytes() == 15 * PAGE_SIZE


def test_process_tree_rss_falls_back_to_psutil_without_children_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a kernel without /proc/<pid>/task/<tid>/children, and a child whose memory
    # cannot be read (it exits while being listed)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        real_memory_info = psutil.Process.memory_info

        def memory_info(self: psutil.Process) -> object:
            if self.pid == child.pid:
                raise psutil.NoSuchProcess(self.pid)
            return real_memory_info(self)

        monkeypatch.setattr(psutil.Process, "memory_info", memory_info)

        def readable_tree() -> int:
            """This process and its other children (another test's may still run)."""
            me = psutil.Process()
            rss = real_memory_info(me).rss
            for other in me.children(recursive=True):
                if other.pid != child.pid:
                    with contextlib.suppress(psutil.Error):
                        rss += real_memory_info(other).rss
            return rss

        # when the tree is summed
        before = readable_tree()
        total = walk_process_tree(os.getpid(), tmp_path / "no-proc").rss_bytes()
        after = readable_tree()
        # then psutil's way answers: the server itself and its readable children (whose RSS
        # moves by a few pages between two reads), not the unreadable child
        assert min(before, after) - MIB < total < max(before, after) + MIB
    finally:
        child.kill()
        child.wait()


def test_used_comes_from_processes_when_the_limit_is_not_a_cgroup(tmp_path: Path) -> None:
    reader = MemoryReader(
        cgroup_root=tmp_path,
        proc_cgroup_file=tmp_path / "absent",
        env={"MEM_LIMIT": str(1024 * MIB)},
        host_ram_bytes=8192 * MIB,
        cpu_count=1,
    )
    memory = reader.read()
    assert memory["used_source"] == "processes"
    own_rss = psutil.Process().memory_info().rss
    assert 0.5 * own_rss < memory["used_bytes"] < 4 * own_rss + 500 * MIB


def test_used_falls_back_to_processes_when_the_cgroup_counter_is_unreadable(
    tmp_path: Path,
) -> None:
    # given a cgroup v2 limit whose directory has no memory.current
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "memory.max").write_text(f"{1024 * MIB}\n")
    reader = MemoryReader(
        cgroup_root=tmp_path,
        proc_cgroup_file=tmp_path / "absent",
        cgroup_path="job",
        env={},
        host_ram_bytes=8192 * MIB,
        cpu_count=1,
    )
    memory = reader.read()
    assert (memory["limit_source"], memory["used_source"]) == ("cgroup-v2", "processes")


def test_cgroup_usage_reads_the_counter_of_the_limits_directory(tmp_path: Path) -> None:
    (tmp_path / "memory.usage_in_bytes").write_text("123456\n")
    limit = MemoryLimit(1 << 30, "cgroup-v1", "x", tmp_path)
    assert cgroup_usage_bytes(limit) == 123456
    assert cgroup_usage_bytes(MemoryLimit(1 << 30, "env", "MEM_LIMIT")) is None


def test_reader_reports_unavailable_with_a_reason_when_reading_fails(tmp_path: Path) -> None:
    # given a server pid that no longer exists and no cgroup
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    reader = MemoryReader(
        cgroup_root=tmp_path, proc_cgroup_file=tmp_path / "absent", env={}, pid=gone.pid
    )
    memory = reader.read()
    assert memory["available"] is False
    assert memory["used_bytes"] is None
    assert "could not be read" in memory["reason"]
