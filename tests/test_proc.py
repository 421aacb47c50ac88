"""One walk of a real process tree: children started from any thread, and what they use."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from jupyterlab_hpc.proc import walk_process_tree

# A process whose second thread starts a child and another child that holds memory, then
# stays alive: the kernel lists those children under that thread's task, not the main one's
# (as a kernel's worker thread that runs a subprocess).
THREADED_PARENT = """
import subprocess, sys, threading, time
children = []
started = threading.Event()
def start():
    children.append(subprocess.Popen(["sleep", "600"]))
    holder = "held = bytearray(64 * 2**20); held[::4096] = b'x' * len(held[::4096]);"
    holder += "print('held', flush=True); import time; time.sleep(600)"
    children.append(subprocess.Popen([sys.executable, "-c", holder], stdout=sys.stdout))
    started.set()
    time.sleep(600)
threading.Thread(target=start, daemon=True).start()
started.wait()
print(" ".join(str(child.pid) for child in children), flush=True)
sys.stdin.read()
for child in children:
    child.kill()
"""


def test_children_started_from_another_thread_are_in_the_walk_with_their_memory() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", THREADED_PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    children: list[int] = []
    try:
        assert parent.stdout is not None
        lines = [parent.stdout.readline().strip() for _ in range(2)]
        held = next(line for line in lines if line != "held")
        children.extend(int(pid) for pid in held.split())
        assert "held" in lines
        walk = walk_process_tree(parent.pid)
        # both are found, with the memory the second holds
        assert set(children) <= set(walk.processes)
        assert walk.subtree(parent.pid)[0] == parent.pid
        assert walk.rss_bytes(children[1]) >= 64 * 2**20
        assert walk.rss_bytes() >= walk.rss_bytes(children[1]) + walk.rss_bytes(children[0])
        # and nothing outside the tree: this test's own process is not in it
        assert os.getpid() not in walk.processes
    finally:
        # the children first: killed, the parent would leave them running
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()
