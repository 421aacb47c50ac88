"""Each kernel's memory and cores: a fake /proc tree, real processes, a real server's kernel."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jupyterlab_hpc.kernels.usage import KernelUsageReader
from jupyterlab_hpc.proc import CLOCK_TICKS, PAGE_SIZE, TreeWalk
from tests.support import write_tree

MIB = 2**20


def stat_line(pid: int, ticks: int, pages: int) -> str:
    """A /proc/<pid>/stat line with `ticks` of user time and `pages` resident."""
    return (
        f"{pid} (python3 x) S 1 {pid} {pid} 0 -1 0 0 0 0 0 {ticks} 0 0 0 20 0 1 0 1 999 {pages}\n"
    )


def write_proc(root: Path, tree: dict[int, tuple[int, int, list[int]]]) -> None:
    """pid -> (ticks, resident pages, children)."""
    files: dict[str, str] = {}
    for pid, (ticks, pages, children) in tree.items():
        files[f"{pid}/stat"] = stat_line(pid, ticks, pages)
        files[f"{pid}/task/{pid}/children"] = " ".join(map(str, children))
    write_tree(root, files)


def test_each_kernel_counts_its_own_processes_largest_first(tmp_path: Path) -> None:
    # given a server (100) with a small kernel (200) and a kernel (300) that started a worker
    # (310): the worker's memory is its kernel's
    write_proc(
        tmp_path,
        {
            100: (0, 10, [200, 300]),
            200: (0, 100, []),
            300: (0, 50, [310]),
            310: (0, 500, []),
        },
    )
    pids = {"small": 200, "big": 300, "gone": 999}
    reader = KernelUsageReader(TreeWalk(100, tmp_path, shared=False), lambda: pids)
    section = reader.read()
    assert section["available"] is True
    # then the kernel with the worker comes first, with both processes; a kernel whose
    # process is not under the server is left out
    assert [(k["id"], k["memory_bytes"], k["processes"]) for k in section["kernels"]] == [
        ("big", 550 * PAGE_SIZE, 2),
        ("small", 100 * PAGE_SIZE, 1),
    ]
    # no interval yet: no cores
    assert [k["cpu_cores"] for k in section["kernels"]] == [None, None]


def test_no_kernel_means_no_walk(tmp_path: Path) -> None:
    tree = TreeWalk(100, tmp_path / "absent", shared=False)
    section = KernelUsageReader(tree, dict).read()
    assert section == {"available": True, "kernels": [], "reason": None}
    assert tree.walks == 0


def own_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_real_kernel_like_process_shows_its_memory_and_busy_cores() -> None:
    # given a child of this process that holds 150 MiB and then burns a core
    code = (
        "import sys, time\n"
        "held = bytearray(150 * 2**20)\n"
        "for i in range(0, len(held), 4096): held[i] = 1\n"
        "print('ready', flush=True)\n"
        "while True: pass\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        reader = KernelUsageReader(TreeWalk(shared=False), lambda: {"k": child.pid})
        before_first = time.monotonic()
        first = reader.read()["kernels"][0]
        start = own_ticks(child.pid)
        deadline = time.monotonic() + 120
        while own_ticks(child.pid) - start < 50:
            assert time.monotonic() < deadline, "the child got no CPU"
            time.sleep(0.05)
        burned = (own_ticks(child.pid) - start) / CLOCK_TICKS
        second = reader.read()["kernels"][0]
        after_second = time.monotonic()
    finally:
        child.kill()
        child.wait()
    # then its memory is at least what it holds, and its cores at least the CPU time it
    # burned between the reads over the widest interval the two reads can span (measured
    # against its own /proc time, so a loaded machine cannot flip it)
    assert first["memory_bytes"] >= 150 * MIB
    assert second["cpu_cores"] is not None
    assert second["cpu_cores"] >= burned / (after_second - before_first) - 2 / CLOCK_TICKS


async def test_a_real_servers_kernel_is_in_the_metrics(hpc_app: Any, jp_fetch: Any) -> None:
    # given a kernel started through the server's REST API
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({}))
    kernel_id = json.loads(response.body)["id"]
    try:
        # and answering (its interpreter has imported ipykernel: a kernel caught while it
        # starts holds a few MB only)
        client = hpc_app.serverapp.kernel_manager.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
        finally:
            client.stop_channels()
        # when the page polls metrics, then the kernel appears with its interpreter's memory
        deadline = asyncio.get_running_loop().time() + 120
        while True:
            metrics = json.loads((await jp_fetch("jupyterlab-hpc", "metrics")).body)
            listed = {k["id"]: k for k in metrics["kernels"]["kernels"]}
            if kernel_id in listed and listed[kernel_id]["cpu_cores"] is not None:
                break
            assert asyncio.get_running_loop().time() < deadline, metrics["kernels"]
            await asyncio.sleep(0.1)
        kernel = listed[kernel_id]
        manager = hpc_app.serverapp.kernel_manager
        assert kernel["pid"] == manager.get_kernel(kernel_id).provisioner.pid
        # an ipykernel holds tens of MB at least
        assert kernel["memory_bytes"] > 20 * MIB
        assert kernel["processes"] >= 1
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
