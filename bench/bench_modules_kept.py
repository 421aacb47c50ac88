#!/usr/bin/env python3
"""A new session's first discovery, with and without the scans the last server kept.

Every JupyterHub session is a new server in a new Slurm job: without kept scans its first
discovery loads every module again (tens of milliseconds each). With them
($XDG_CACHE_HOME/jupyterlab-hpc/module-scans.json) only the modulefiles are checked.

    PYTHONPATH=. .venv/bin/python bench/bench_modules_kept.py [MODULEPATH]

MODULEPATH defaults to a 300-module tree written by `scripts/modules-testbed tree300`.
The discoveries run in this process (the server's own code, its own Lmod runs), one after the
other, each by a new ModuleKernels as a new server would make it; no anchor does this.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyterlab_hpc.modules.kernels import ModuleKernels
from jupyterlab_hpc.modules.system import ModuleSystem

ROOT = Path(__file__).resolve().parents[1]


def discover(modulepath: str, work: Path, cache: Path, index: int) -> tuple[float, int]:
    kernels = ModuleKernels(
        ModuleSystem(None, modulepath=modulepath, timeout_s=60),
        spec_dir=work / f"specs-{index}",
        ttl_s=900,
        log=logging.getLogger("bench"),
        cache_file=cache,
    )
    start = time.perf_counter()
    state = asyncio.run(kernels.refresh())
    return time.perf_counter() - start, len(state.kernels)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-kept-"))
    if len(sys.argv) > 1:
        modulepath = sys.argv[1]
    else:
        script = ROOT / "scripts" / "modules-testbed"
        argv = [sys.executable, str(script), "tree300", str(work / "tree")]
        modulepath = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        modulepath = modulepath.strip().splitlines()[-1]
    cache = work / "cache" / "module-scans.json"
    rows = []
    for index, label in enumerate(("new session, nothing kept", "next session", "next session")):
        seconds, kernels = discover(modulepath, work, cache, index)
        rows.append((label, seconds, kernels))
    first = rows[0][1]
    print("| first discovery of a server | seconds | kernels | ratio to nothing kept |")
    print("| --- | --- | --- | --- |")
    for label, seconds, kernels in rows:
        print(f"| {label} | {seconds:.2f} | {kernels} | {seconds / first:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
