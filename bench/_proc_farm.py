"""Thousands of sleeping processes for the CPU suite (`bench_cpu.py`), cleaned up whatever happens.

Two entry points, run as scripts:

* ``python _proc_farm.py farm --count N --ready FILE``: starts N ``sleep infinity`` children,
  writes ``{"pid": ..., "count": N}`` to FILE (atomically) once they all run, then waits for
  SIGTERM/SIGINT/SIGHUP and kills and reaps every child before it exits. The farm dies with
  its parent (PR_SET_PDEATHSIG) and each sleep with the farm, so a harness killed with
  SIGKILL leaves nothing behind.
* ``python _proc_farm.py kernel --count N --ready FILE -f CONNECTION_FILE``: a kernelspec's
  argv. Starts a farm as its own child, then runs a real ipykernel in this process, so the
  Jupyter server's tree is server → kernel → farm → N sleeps.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import runpy
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` when the thread that started it exits."""
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # the farm blocks them
        libc.prctl(PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the parent died before prctl: nobody would signal us
            os._exit(1)

    return preexec


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def farm(count: int, ready: Path) -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # sigwait below, also mid-spawn
    children: list[subprocess.Popen[bytes]] = []
    try:
        preexec = die_with_parent(signal.SIGKILL)
        for _ in range(count):
            children.append(
                subprocess.Popen(
                    ["sleep", "infinity"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    preexec_fn=preexec,
                )
            )
        write_atomic(ready, json.dumps({"pid": os.getpid(), "count": len(children)}))
        signal.sigwait(STOP_SIGNALS)
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()


def kernel(count: int, ready: Path, connection_file: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, __file__, "farm", "--count", str(count), "--ready", str(ready)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent(signal.SIGTERM),
    )
    # Reap the farm when it ends, so that it never lingers as a zombie of the kernel.
    threading.Thread(target=proc.wait, daemon=True).start()
    sys.argv = ["ipykernel_launcher", "-f", connection_file]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=("farm", "kernel"))
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ready", type=Path, required=True)
    p.add_argument("-f", dest="connection_file", default=None)
    args = p.parse_args()
    if args.mode == "farm":
        farm(args.count, args.ready)
    else:
        if args.connection_file is None:
            p.error("kernel needs -f CONNECTION_FILE")
        kernel(args.count, args.ready, args.connection_file)


if __name__ == "__main__":
    main()
