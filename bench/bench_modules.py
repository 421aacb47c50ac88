"""Environment modules: kernel discovery over 300 modules, and a module kernel's start.

Measures, each with a real Jupyter server running jupyterlab-hpc and the real Lmod:

1. discovery over a synthetic tree of 300 modules (`scripts/modules-testbed tree300`: 100
   names x 3 versions, 30 of them with a kernel): the first discovery on a fresh server
   (`POST jupyterlab-hpc/modules/kernels/refresh`, every module loaded) and cached ones (the
   same POST again, modulefiles unchanged), with `GET /api/status` sampled all along against
   the same server idle (the event loop);
2. start-to-idle of the testbed's python/3.11 module kernel (`module-python-3.11-python3`:
   purge, load, then ipykernel) against the plain ipykernel of the same venv (a kernelspec
   whose argv is that venv's python, no provisioner), through the server: POST /api/kernels
   until the kernel's kernel_info_reply on its websocket.

There is no anchor: no released extension finds kernels inside environment modules (the
closest idea, nb_conda_kernels, finds conda environments). Started by `bench/run --suite
modules` with our virtualenv's Python; prints a Markdown report and writes it, with the raw
figures as JSON, under `bench/out/`.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import _servers
from _report import dist_version, save_report
from _servers import HOST, Server, ServerSpec
from bench_apps import StatusSampler, call, percentile
from bench_metrics import cpu_model, fmt, git_revision, ours_env, raise_on_sigterm, ratio, table
from bench_metrics import ours_version as ours_code_version

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTBED_SCRIPT = REPO / "scripts" / "modules-testbed"
TESTBED_DIR = Path(os.environ.get("MODULES_TESTBED_DIR", "/tmp/jupyterlab-hpc-modules"))
TESTBED_PYTHON = TESTBED_DIR / "envs" / "python-3.11" / "bin" / "python"
LMOD = os.environ.get("LMOD_CMD") or "/usr/share/lmod/lmod/libexec/lmod"
MODULE = "python/3.11"
MODULE_KERNEL = "module-python-3.11-python3"
PLAIN_KERNEL = "plain-python-3.11"
KERNELS = (MODULE_KERNEL, PLAIN_KERNEL)
# What the tree300 tree holds (scripts/modules-testbed): checked, so a changed tree is noticed.
TREE_MODULES = 300
TREE_KERNELS = 30
STATUS_P99_BUDGET_MS = 20.0
START_RATIO_GOAL = 1.3
REQUEST_TIMEOUT_S = 600.0  # one discovery of 300 modules on a loaded 2-core machine
KERNEL_TIMEOUT_S = 120.0  # one kernel start, to its kernel_info_reply


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument(
        "--discovery-servers",
        type=int,
        default=2,
        help="fresh servers, each measuring one first discovery and its cached ones",
    )
    p.add_argument("--cached", type=int, default=3, help="cached refreshes per server")
    p.add_argument(
        "--idle-window", type=float, default=4.0, help="seconds of /api/status with no discovery"
    )
    p.add_argument(
        "--kernel-runs", type=int, default=20, help="measured starts per kernel (alternated)"
    )
    p.add_argument(
        "--sample-interval", type=float, default=0.01, help="GET /api/status every this (s)"
    )
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results + server logs")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument("--settle", type=float, default=3.0, help="idle seconds after start-up")
    # bench/run's `all`: the options of the other suites are accepted and ignored.
    p.add_argument("--in-all", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if rest and not args.in_all:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    if not 1 <= args.discovery_servers <= 10 or not 1 <= args.cached <= 20:
        p.error("need 1 <= --discovery-servers <= 10 and 1 <= --cached <= 20")
    if not 1 <= args.kernel_runs <= 100 or not 0.5 <= args.idle_window <= 120:
        p.error("need 1 <= --kernel-runs <= 100 and 0.5 <= --idle-window <= 120")
    if not 0.001 <= args.sample_interval <= 1 or not 0 <= args.settle <= 300:
        p.error("need 0.001 <= --sample-interval <= 1 and 0 <= --settle <= 300")
    return args


# --------------------------------------------------------------------------- the trees


def testbed_ready(in_all: bool) -> bool:
    """Whether the testbed's venvs and Lmod are there; otherwise a line saying how to build
    them, and a stop (alone) or a skip (under bench/run's `all`)."""
    result = subprocess.run(
        [sys.executable, str(TESTBED_SCRIPT), "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return True
    message = f"bench modules: {' '.join(result.stdout.split())}"
    if not in_all:
        raise SystemExit(message)
    print(f"{message}; the modules suite is skipped", flush=True)
    return False


def build_tree300(root: Path) -> Path:
    """The synthetic 300-module tree under root (scripts/modules-testbed tree300)."""
    result = subprocess.run(
        [sys.executable, str(TESTBED_SCRIPT), "tree300", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"modules-testbed tree300 failed:\n{result.stderr[-2000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def lmod_version() -> str:
    result = subprocess.run([LMOD, "--version"], capture_output=True, text=True, check=False)
    for line in (result.stderr + result.stdout).splitlines():
        if "Version" in line:
            return line.split("Version", 1)[1].split()[0]
    return "?"


# --------------------------------------------------------------------------- servers


def spec(key: str, label: str) -> ServerSpec:
    """Our server; its HOME is private (Lmod writes its user cache there, none is shared)."""
    return ServerSpec(
        key,
        label,
        Path(sys.executable),
        "jupyterlab-hpc/modules",
        args=("--ServerApp.jpserver_extensions=jupyterlab_hpc=True",),
        env={**ours_env()},
    )


def modules_config(modulepath: Path) -> dict[str, object]:
    # A long TTL: the only discoveries after the start-up one are the harness's POSTs.
    return {
        "HPCModules": {
            "command": [LMOD, "python"],
            "modulepath": str(modulepath),
            "kernel_cache_ttl": 3600,
        }
    }


@contextmanager
def running(
    server_spec: ServerSpec,
    workdir: Path,
    config: dict[str, object],
    timeout: float,
    kernelspecs: dict[str, dict[str, object]] | None = None,
) -> Iterator[Server]:
    """One server with this config (and these kernelspecs in its data dir); always stopped."""
    home = workdir / server_spec.key
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config, indent=1))
    for name, kernel in (kernelspecs or {}).items():
        folder = home / "data" / "kernels" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kernel.json").write_text(json.dumps(kernel, indent=1))
    private = replace(server_spec, env={**server_spec.env, "HOME": str(home)})
    server = _servers.start(private, workdir)
    try:
        _servers.wait_until(server, "/api/status", timeout)
        _servers.wait_until(server, server.metrics_url, timeout)
        yield server
    finally:
        shut_down_kernels(server)
        _servers.stop(server)


def shut_down_kernels(server: Server) -> None:
    """DELETE every kernel the server still runs (kernels live in their own sessions)."""
    try:
        status, body, _ = call(server, "GET", "/api/kernels", timeout=10)
        for kernel in json.loads(body) if status == 200 else []:
            call(server, "DELETE", f"/api/kernels/{kernel['id']}", timeout=30)
    except (OSError, ValueError, KeyError):
        pass


def modules_answer(server: Server) -> dict[str, Any]:
    status, body, _ = call(server, "GET", "/jupyterlab-hpc/modules", timeout=60)
    if status != 200:
        raise RuntimeError(f"GET jupyterlab-hpc/modules: HTTP {status}: {body[:300]!r}")
    return dict(json.loads(body))


def wait_for_discovery(server: Server, timeout: float) -> dict[str, Any]:
    """The answer of GET modules once the start-up discovery has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = modules_answer(server)
        if answer["refreshed_at"] is not None and not answer["refreshing"]:
            return answer
        time.sleep(0.2)
    raise RuntimeError(f"{server.key}: the start-up discovery did not finish in {timeout:g} s")


def refresh(server: Server) -> tuple[float, dict[str, Any]]:
    """POST modules/kernels/refresh: seconds to its answer, and the answer."""
    status, body, seconds = call(
        server, "POST", "/jupyterlab-hpc/modules/kernels/refresh", {}, timeout=REQUEST_TIMEOUT_S
    )
    if status != 200:
        raise RuntimeError(f"POST modules/kernels/refresh: HTTP {status}: {body[:300]!r}")
    return seconds, dict(json.loads(body))


# --------------------------------------------------------------------------- discovery


@dataclass
class Refresh:
    kind: str  # "first" or "cached"
    client_s: float  # POST sent -> its answer's end
    server_s: float  # duration_s the server reports
    cpu_s: float  # CPU time of the server process during the POST (Lmod's not included)
    modules: int
    kernels: int
    failed: int
    status_ms: list[float]  # GET /api/status latencies sampled during the POST


@dataclass
class DiscoveryRun:
    server: int
    idle_ms: list[float]
    # CPU seconds per second of the server idle but answering the sampler (its baseline).
    idle_cpu_rate: float
    refreshes: list[Refresh]
    bad_status: int
    kernelspecs_listed: int  # module-* kernels GET /api/kernelspecs lists after the first
    # The control: the same module loads run by the harness, outside the server.
    control_ms: list[float]
    control_s: float


def during(sampler: StatusSampler, start: float, end: float) -> list[float]:
    return [ms for sent, ms, _ in sampler.samples if start <= sent <= end]


def timed_refresh(server: Server, sampler: StatusSampler, kind: str) -> Refresh:
    cpu = _servers.cpu_seconds(server.pid)
    start = time.perf_counter()
    seconds, answer = refresh(server)
    end = time.perf_counter()
    return Refresh(
        kind,
        seconds,
        float(answer["duration_s"]),
        _servers.cpu_seconds(server.pid) - cpu,
        len(answer["modules"]),
        len(answer["kernels"]),
        len(answer["failed"]),
        during(sampler, start, end),
    )


def module_kernelspecs(server: Server) -> int:
    status, body, _ = call(server, "GET", "/api/kernelspecs", timeout=60)
    if status != 200:
        raise RuntimeError(f"GET /api/kernelspecs: HTTP {status}")
    return sum(name.startswith("module-") for name in json.loads(body)["kernelspecs"])


def outside_loads(modulepath: Path) -> None:
    """What a first discovery runs (avail, then every module loaded, as many at once), run by
    the harness instead of the server: the CPU it takes from the server, without our code."""
    env = {**os.environ, "MODULEPATH": str(modulepath), "LMOD_TERM_WIDTH": "2000"}
    names = sorted(
        str(p.relative_to(modulepath).with_suffix("")) for p in modulepath.rglob("*.lua")
    )

    def run(*args: str) -> None:
        argv = [LMOD, "python", *args]
        subprocess.run(argv, env=env, capture_output=True, check=True, timeout=60)

    run("--terse", "avail")
    from jupyterlab_hpc.modules.kernels import CONCURRENT_LOADS

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_LOADS) as pool:
        for done in pool.map(lambda name: run("load", name), names):
            del done


def discovery_run(index: int, tree: Path, workdir: Path, args: argparse.Namespace) -> DiscoveryRun:
    """A fresh server over an empty module path; the tree is moved in, then discovered.

    The server's own start-up discovery finds nothing, so the harness's first POST is the
    first discovery of those 300 modules on a fresh, settled server (every module loaded),
    and the next ones are cached (modulefiles unchanged).
    """
    modulepath = workdir / f"modulepath-{index}"
    modulepath.mkdir()
    key = f"discovery{index}"
    label = "jupyterlab-hpc over tree300"
    config = modules_config(modulepath)
    with running(spec(key, label), workdir, config, args.startup_timeout) as server:
        empty = wait_for_discovery(server, args.startup_timeout)
        if empty["kernels"] or not empty["available"]:
            raise RuntimeError(f"{key}: an empty module path gave {empty}")
        time.sleep(args.settle)
        sampler = StatusSampler(server, args.sample_interval)
        sampler.start()
        try:
            cpu = _servers.cpu_seconds(server.pid)
            start = time.perf_counter()
            time.sleep(args.idle_window)
            idle = during(sampler, start, time.perf_counter())
            idle_cpu = _servers.cpu_seconds(server.pid) - cpu
            idle_cpu_rate = idle_cpu / (time.perf_counter() - start)
            modulepath.rmdir()
            tree.rename(modulepath)
            try:
                refreshes = [timed_refresh(server, sampler, "first")]
                listed = module_kernelspecs(server)
                for _ in range(args.cached):
                    time.sleep(0.5)
                    refreshes.append(timed_refresh(server, sampler, "cached"))
                time.sleep(0.5)
                start = time.perf_counter()
                outside_loads(modulepath)
                end = time.perf_counter()
                control = during(sampler, start, end)
            finally:
                modulepath.rename(tree)
        finally:
            sampler.halt()
        (args.out / f"modules-{key}.log").write_bytes(server.log_path.read_bytes())
    bad = sum(status != 200 for _, _, status in sampler.samples)
    print(
        f"  discovery server {index + 1}/{args.discovery_servers}: first "
        f"{refreshes[0].client_s:.2f} s, cached "
        f"{statistics.median(r.client_s for r in refreshes[1:]):.2f} s",
        flush=True,
    )
    return DiscoveryRun(index, idle, idle_cpu_rate, refreshes, bad, listed, control, end - start)


# --------------------------------------------------------------------------- loop lag


@dataclass
class LoopLag:
    """How late a 5 ms timer of the event loop fires, idle and while our discovery runs, and
    how much CPU the loop's thread used between two ticks (work on the loop, not waiting)."""

    idle_ms: list[float]
    during_ms: list[float]
    idle_cpu_ms: list[float]
    during_cpu_ms: list[float]
    discovery_s: float
    kernels: int
    cpu_s: float  # the harness process's CPU during it (our code; Lmod's processes not in it)


LAG_TICK_S = 0.005


def loop_lag(tree: Path, workdir: Path) -> LoopLag:
    """Our discovery (ModuleKernels over the same tree, first time) run in this process,
    beside a timer: its lateness is what our code costs the event loop, with no HTTP, no
    other server work and no client between."""
    from jupyterlab_hpc.modules.kernels import ModuleKernels
    from jupyterlab_hpc.modules.system import ModuleSystem

    async def measure() -> LoopLag:
        system = ModuleSystem([LMOD, "python"], modulepath=str(tree))
        kernels = ModuleKernels(
            system,
            spec_dir=workdir / "lag-kernelspecs",
            ttl_s=3600,
            log=logging.getLogger("bench-modules"),
        )
        late: list[float] = []
        busy: list[float] = []
        stop = asyncio.Event()

        async def ticks() -> None:
            while not stop.is_set():
                start, cpu = time.perf_counter(), time.thread_time()
                await asyncio.sleep(LAG_TICK_S)
                late.append(ms(time.perf_counter() - start - LAG_TICK_S))
                busy.append(ms(time.thread_time() - cpu))

        ticker = asyncio.ensure_future(ticks())
        await asyncio.sleep(2.0)
        idle = len(late)
        cpu, start = time.process_time(), time.perf_counter()
        state = await kernels.refresh()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        stop.set()
        await ticker
        await kernels.stop()
        return LoopLag(
            late[:idle], late[idle:], busy[:idle], busy[idle:], seconds, len(state.kernels), cpu
        )

    return asyncio.run(measure())


# --------------------------------------------------------------------------- kernel starts


@dataclass
class KernelStart:
    kernel: str
    run: int  # -1: the unmeasured warm-up
    post_s: float  # POST /api/kernels sent -> its 201
    idle_s: float  # POST sent -> our kernel_info_reply on the kernel's websocket
    seen: dict[str, str] = field(default_factory=dict)  # warm-up: what the kernel reports


def ws_message(msg_type: str, session: str, content: dict[str, object], channel: str) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "bench",
        "session": session,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(),
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
    )


# What the warm-up start runs: which module the kernel has, which Python it is.
REPORT_CODE = (
    "import os, sys; print(os.environ.get('TESTBED_MODULE', '-'), "
    "os.environ.get('LOADEDMODULES', '-'), sys.prefix)"
)


async def start_kernel(server: Server, name: str, run: int) -> KernelStart:
    """POST /api/kernels, then its websocket until the kernel answers kernel_info."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    auth = {"Authorization": f"token {server.token}"}
    base = f"http://{HOST}:{server.port}"
    http = AsyncHTTPClient()
    start = time.perf_counter()
    response = await http.fetch(
        HTTPRequest(
            f"{base}/api/kernels",
            method="POST",
            headers={**auth, "Content-Type": "application/json"},
            body=json.dumps({"name": name}),
            request_timeout=KERNEL_TIMEOUT_S,
        )
    )
    posted = time.perf_counter()
    kernel_id = json.loads(response.body)["id"]
    session = uuid.uuid4().hex
    url = f"ws://{HOST}:{server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    ws = await asyncio.wait_for(websocket_connect(HTTPRequest(url, headers=auth)), KERNEL_TIMEOUT_S)
    seen: dict[str, str] = {}
    try:
        request = ws_message("kernel_info_request", session, {}, "shell")
        ws.write_message(request)
        await until_reply(ws, json.loads(request)["header"]["msg_id"], "kernel_info_reply")
        idle = time.perf_counter()
        if run < 0:
            seen = await report(ws, session)
    finally:
        ws.close()
        await http.fetch(
            HTTPRequest(f"{base}/api/kernels/{kernel_id}", method="DELETE", headers=auth),
            raise_error=False,
        )
    return KernelStart(name, run, posted - start, idle - start, seen)


async def until_reply(ws: Any, msg_id: str, msg_type: str) -> dict[str, Any]:
    deadline = time.monotonic() + KERNEL_TIMEOUT_S
    while time.monotonic() < deadline:
        text = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
        if text is None:
            raise RuntimeError("the kernel's websocket closed")
        msg = json.loads(text)
        if msg["parent_header"].get("msg_id") == msg_id and msg["header"]["msg_type"] == msg_type:
            return dict(msg)
    raise RuntimeError(f"no {msg_type} in {KERNEL_TIMEOUT_S:g} s")


async def report(ws: Any, session: str) -> dict[str, str]:
    """Run REPORT_CODE in the kernel: its stdout, split in its three fields."""
    request = ws_message(
        "execute_request",
        session,
        {"code": REPORT_CODE, "silent": False, "store_history": False},
        "shell",
    )
    msg_id = json.loads(request)["header"]["msg_id"]
    ws.write_message(request)
    deadline = time.monotonic() + KERNEL_TIMEOUT_S
    while time.monotonic() < deadline:
        text = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
        if text is None:
            break
        msg = json.loads(text)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["header"]["msg_type"] == "stream":
            module, loaded, prefix = msg["content"]["text"].split()
            return {"TESTBED_MODULE": module, "LOADEDMODULES": loaded, "sys.prefix": prefix}
        if msg["header"]["msg_type"] == "error":
            return {"error": msg["content"].get("evalue", "?")}
    return {"error": "no output"}


def plain_kernelspec() -> dict[str, object]:
    """The same venv's ipykernel, started directly (no provisioner, no module)."""
    return {
        "argv": [str(TESTBED_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (plain python-3.11 venv)",
        "language": "python",
    }


def measure_kernels(workdir: Path, args: argparse.Namespace) -> tuple[list[KernelStart], str]:
    """Warm-up, then `kernel_runs` starts of each kernel, alternated (AB, BA, AB, ...)."""
    config = modules_config(TESTBED_DIR / "modulefiles")
    specs = {PLAIN_KERNEL: plain_kernelspec()}
    server_spec = spec("kernels", "jupyterlab-hpc over the module testbed")
    with running(server_spec, workdir, config, args.startup_timeout, specs) as server:
        answer = wait_for_discovery(server, args.startup_timeout)
        names = [k["name"] for k in answer["kernels"]]
        if MODULE_KERNEL not in names:
            raise RuntimeError(f"{MODULE_KERNEL} was not discovered (found {names})")
        time.sleep(args.settle)
        starts = asyncio.run(kernel_runs(server, args))
        log = server.log_path
        (args.out / "modules-kernels.log").write_bytes(log.read_bytes())
    return starts, answer["kind"] or "?"


async def kernel_runs(server: Server, args: argparse.Namespace) -> list[KernelStart]:
    starts = [await start_kernel(server, name, -1) for name in KERNELS]
    for run in range(args.kernel_runs):
        order = KERNELS if run % 2 == 0 else KERNELS[::-1]
        for name in order:
            await asyncio.sleep(0.3)  # the previous kernel's exit settles
            starts.append(await start_kernel(server, name, run))
        print(f"  kernel starts: round {run + 1}/{args.kernel_runs} done", flush=True)
    return starts


def module_load_alone(runs: int) -> list[float]:
    """Seconds of the provisioner's purge + load of python/3.11, run alone (our ModuleSystem)."""
    from jupyterlab_hpc.modules.system import ModuleSystem

    system = ModuleSystem([LMOD, "python"], modulepath=str(TESTBED_DIR / "modulefiles"))

    async def each() -> list[float]:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await system.load(dict(os.environ), [MODULE], purge=True)
            times.append(time.perf_counter() - start)
        return times

    return asyncio.run(each())


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> float:
    return 1000.0 * seconds


def context(argv: Sequence[str]) -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run --suite modules", *argv]),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "ours": ours_code_version(),
        "git": git_revision(),
        "lmod": lmod_version(),
        "versions": {d: dist_version(d) for d in ("jupyter_server", "jupyter_client", "tornado")},
        "ipykernel": subprocess.run(
            [str(TESTBED_PYTHON), "-c", "import ipykernel; print(ipykernel.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }


def stats(values: Sequence[float]) -> dict[str, float]:
    return {
        "samples": float(len(values)),
        "p50_ms": percentile(values, 0.5),
        "p99_ms": percentile(values, 0.99),
        "max_ms": max(values),
    }


def discovery_summary(runs: Sequence[DiscoveryRun]) -> dict[str, Any]:
    first = [r.refreshes[0] for r in runs]
    cached = [f for r in runs for f in r.refreshes[1:]]
    return {
        "first_client_s": statistics.median(f.client_s for f in first),
        "first_server_s": statistics.median(f.server_s for f in first),
        "first_cpu_s": statistics.median(f.cpu_s for f in first),
        "cached_client_s": statistics.median(f.client_s for f in cached),
        "cached_server_s": statistics.median(f.server_s for f in cached),
        "idle": stats([v for r in runs for v in r.idle_ms]),
        "first": stats([v for f in first for v in f.status_ms]),
        "cached": stats([v for f in cached for v in f.status_ms]),
        "control": stats([v for r in runs for v in r.control_ms]),
        "control_s": statistics.median(r.control_s for r in runs),
    }


def discovery_table(runs: Sequence[DiscoveryRun]) -> str:
    rows = []
    for r in runs:
        first, cached = r.refreshes[0], r.refreshes[1:]
        c_client = statistics.median(f.client_s for f in cached)
        c_server = statistics.median(f.server_s for f in cached)
        rows.append(
            [
                str(r.server + 1),
                f"{first.modules} / {first.kernels} / {first.failed} ({r.kernelspecs_listed})",
                f"{first.client_s:.2f} ({first.server_s:.2f})",
                f"{first.cpu_s:.2f} ({first.cpu_s - r.idle_cpu_rate * first.client_s:.2f})",
                f"{c_client:.3f} ({c_server:.3f})",
                f"{statistics.median(f.cpu_s for f in cached):.3f}",
                ", ".join(f"{f.client_s:.3f}" for f in cached),
                fmt(ratio(c_client, first.client_s), 3),
            ]
        )
    head = [
        "server",
        "modules / kernels / failed (module kernels in /api/kernelspecs)",
        "first discovery: POST → answer (server's duration_s), s",
        "its server CPU (minus the idle server's answering the sampler meanwhile), s",
        "cached, median (duration_s), s",
        "its server CPU, s",
        "every cached POST, s",
        "ratio cached / first",
    ]
    return table(head, rows)


def loop_table(summary: dict[str, Any], args: argparse.Namespace) -> str:
    rows = []
    for phase, label in (
        ("idle", f"idle ({args.idle_window:g} s before the first discovery)"),
        ("first", "during the first discoveries"),
        ("cached", "during the cached ones"),
        ("control", "control: the same Lmod runs by the harness, outside the server"),
    ):
        s = summary[phase]
        rows.append(
            [label, f"{s['samples']:.0f}", fmt(s["p50_ms"]), fmt(s["p99_ms"]), fmt(s["max_ms"])]
        )
    return table(["GET /api/status", "samples", "p50 (ms)", "p99 (ms)", "max (ms)"], rows)


def lag_table(lag: LoopLag) -> str:
    rows = []
    for label, values in (
        ("timer lateness (wall clock), idle (2 s)", lag.idle_ms),
        ("timer lateness (wall clock), during the discovery", lag.during_ms),
        ("the loop thread's CPU between two ticks, idle", lag.idle_cpu_ms),
        ("the loop thread's CPU between two ticks, during the discovery", lag.during_cpu_ms),
    ):
        s = stats(values)
        rows.append(
            [label, f"{s['samples']:.0f}", fmt(s["p50_ms"]), fmt(s["p99_ms"]), fmt(s["max_ms"])]
        )
    head = ["event loop, in-process", "ticks", "p50 (ms)", "p99 (ms)", "max (ms)"]
    return table(head, rows)


def kernel_summary(starts: Sequence[KernelStart]) -> dict[str, dict[str, float]]:
    out = {}
    for name in KERNELS:
        mine = [s for s in starts if s.kernel == name and s.run >= 0]
        idle = [s.idle_s for s in mine]
        post = [s.post_s for s in mine]
        out[name] = {
            "runs": float(len(mine)),
            "idle_median_s": statistics.median(idle),
            "idle_min_s": min(idle),
            "idle_max_s": max(idle),
            "post_median_s": statistics.median(post),
        }
    return out


def paired_differences(starts: Sequence[KernelStart]) -> list[float]:
    """Module minus plain start-to-idle (s) of each round: the two starts ran back to back, so
    a drift of the machine's load hits both alike."""
    by_round: dict[int, dict[str, float]] = {}
    for s in starts:
        if s.run >= 0:
            by_round.setdefault(s.run, {})[s.kernel] = s.idle_s
    return [r[MODULE_KERNEL] - r[PLAIN_KERNEL] for _, r in sorted(by_round.items())]


def kernel_table(summary: dict[str, dict[str, float]]) -> str:
    rows = []
    for name, label in (
        (MODULE_KERNEL, f"module kernel `{MODULE_KERNEL}` (purge, load {MODULE}, kernel)"),
        (PLAIN_KERNEL, f"plain kernelspec `{PLAIN_KERNEL}` (the venv's python directly)"),
    ):
        s = summary[name]
        rows.append(
            [
                label,
                f"{s['runs']:.0f}",
                f"{ms(s['post_median_s']):.0f}",
                f"{ms(s['idle_median_s']):.0f}",
                f"{ms(s['idle_min_s']):.0f} / {ms(s['idle_max_s']):.0f}",
            ]
        )
    m, p = summary[MODULE_KERNEL], summary[PLAIN_KERNEL]
    rows.append(
        [
            "**ratio module / plain**",
            "",
            fmt(ratio(m["post_median_s"], p["post_median_s"]), 3),
            f"**{fmt(ratio(m['idle_median_s'], p['idle_median_s']), 3)}**",
            fmt(ratio(m["idle_min_s"], p["idle_min_s"]), 3) + " (min)",
        ]
    )
    head = [
        "kernel",
        "starts",
        "POST /api/kernels → 201, median (ms)",
        "POST → kernel_info_reply, median (ms)",
        "min / max (ms)",
    ]
    return table(head, rows)


def render(
    ctx: dict[str, Any],
    runs: Sequence[DiscoveryRun],
    starts: Sequence[KernelStart],
    load_alone: Sequence[float],
    lag: LoopLag,
    args: argparse.Namespace,
) -> str:
    d = discovery_summary(runs)
    k = kernel_summary(starts)
    v = ctx["versions"]
    warm = {s.kernel: s.seen for s in starts if s.run < 0}
    bad = sum(r.bad_status for r in runs)
    p99 = d["first"]["p99_ms"]
    start_ratio = ratio(k[MODULE_KERNEL]["idle_median_s"], k[PLAIN_KERNEL]["idle_median_s"])
    start_met = start_ratio is not None and start_ratio <= START_RATIO_GOAL
    extra_ms = ms(k[MODULE_KERNEL]["idle_median_s"] - k[PLAIN_KERNEL]["idle_median_s"])
    pairs = paired_differences(starts)
    parts = [
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, Linux {ctx['kernel']}, "
        f"Python {ctx['python']}, load avg at start {ctx['loadavg']}, at the end "
        f"{ctx.get('loadavg_end')}  ",
        f"Versions: jupyterlab-hpc {ctx['ours']} (git {ctx['git']}), Lmod {ctx['lmod']}, "
        f"jupyter_server {v['jupyter_server']}, jupyter_client {v['jupyter_client']}, tornado "
        f"{v['tornado']}, the kernels' ipykernel {ctx['ipykernel']}  ",
        f"Command: `{ctx['command']}`",
        "",
        "No anchor: no released extension finds kernels inside environment modules "
        "(nb_conda_kernels, the closest idea, lists conda environments). The comparisons are "
        "with the same server idle, and with the plain kernel of the same venv.",
        "",
        f"### Discovery over {TREE_MODULES} modules ({args.discovery_servers} fresh servers)",
        "",
        "`scripts/modules-testbed tree300`: 100 names x 3 versions of Lua modulefiles, 30 of "
        "them with a kernel through JUPYTER_PATH. Each server starts over an empty module "
        "path (its start-up discovery finds nothing), the tree is moved in, and "
        "`POST jupyterlab-hpc/modules/kernels/refresh` is the first discovery of those "
        f"modules (avail, purge, then every module loaded); then {args.cached} more POSTs "
        "with the modulefiles unchanged (cached: only their stamps and kernel folders read).",
        "",
        discovery_table(runs),
        "",
        f"Median over the servers: first {d['first_client_s']:.2f} s "
        f"(duration_s {d['first_server_s']:.2f}), cached {d['cached_client_s']:.3f} s "
        f"(duration_s {d['cached_server_s']:.3f}): **ratio cached / first "
        f"{fmt(ratio(d['cached_client_s'], d['first_client_s']), 3)}**.",
        "",
        f"### The event loop during discovery (GET /api/status every "
        f"{ms(args.sample_interval):g} ms, one keep-alive connection)",
        "",
        loop_table(d, args),
        "",
        "The control runs what a first discovery runs (one avail, then a load of every "
        "module, as many at once as the discovery) from the harness while the server idles: "
        "its p99 is what the Lmod processes' CPU alone costs the server's answers, with none "
        f"of our code running in the server (it took {d['control_s']:.2f} s, the discovery "
        f'{d["first_client_s"]:.2f} s). "Server CPU" is the server process\'s own CPU time '
        "(all threads) during the POST; the Lmod processes it runs are not in it, the "
        "answers to the sampler are: in parentheses, minus the CPU the same server spent per "
        "second in the idle window (answering the sampler alone), "
        f"{1000 * statistics.median(r.idle_cpu_rate for r in runs):.0f} ms/s.",
        "",
        *([f"**{bad} /api/status answers were not 200.**", ""] if bad else []),
        f"### The event loop itself during a first discovery (in-process, {TREE_MODULES} modules)",
        "",
        "Our `ModuleKernels.refresh()` run by the harness over the same tree (first time, "
        f"{lag.kernels} kernels found in {lag.discovery_s:.2f} s, {lag.cpu_s:.2f} s of this "
        f"process's CPU), beside a timer of {ms(LAG_TICK_S):g} ms on the same event loop: "
        "how late it fires is how long the loop could not run it, with no HTTP, no other "
        "server work and no client between; that includes waiting for a CPU on a busy "
        "machine. The CPU time the loop's own thread used between two ticks is the work our "
        "code did on the loop meanwhile, whatever the machine's load.",
        "",
        lag_table(lag),
        "",
        f"### Kernel start-to-idle ({args.kernel_runs} starts of each after one warm-up, "
        "alternated; through the server)",
        "",
        "From sending `POST /api/kernels` to our `kernel_info_reply` on the kernel's websocket "
        "(`/api/kernels/<id>/channels`, opened right after the 201); the kernel is then shut "
        "down with DELETE. Both kernels are the ipykernel of the testbed's python-3.11 venv.",
        "",
        kernel_table(k),
        "",
        f"Paired by round (the two starts of a round back to back): module - plain = "
        f"{ms(statistics.median(pairs)):+.0f} ms (median of {len(pairs)}), "
        f"{ms(percentile(pairs, 0.25)):+.0f} / {ms(percentile(pairs, 0.75)):+.0f} ms "
        "(quartiles).  ",
        f"The provisioner's purge + load of {MODULE} alone (our ModuleSystem; it purges only "
        "where a module is loaded): "
        f"median {ms(statistics.median(load_alone)):.0f} ms over {len(load_alone)}.  ",
        "What the warm-up kernels reported (TESTBED_MODULE, LOADEDMODULES, sys.prefix): "
        + "; ".join(
            f"`{name}`: {' '.join(str(x) for x in seen.values())}" for name, seen in warm.items()
        ),
        "",
        "### Goals (issue 12)",
        "",
        f"- GET /api/status p99 during a first discovery of {TREE_MODULES} modules = "
        f"{fmt(p99)} ms (idle: {fmt(d['idle']['p99_ms'])} ms; max during: "
        f"{fmt(d['first']['max_ms'])} ms), target < {STATUS_P99_BUDGET_MS:g} ms: "
        f"**{'met' if p99 < STATUS_P99_BUDGET_MS and not bad else 'NOT met'}**; the control "
        f"(the same Lmod runs, none of our code): {fmt(d['control']['p99_ms'])} ms; the "
        f"event loop in-process: late by {fmt(stats(lag.during_ms)['p99_ms'])} ms at p99, "
        f"{fmt(max(lag.during_ms))} ms at most; its thread busy "
        f"{fmt(stats(lag.during_cpu_ms)['p99_ms'])} ms at p99, "
        f"{fmt(max(lag.during_cpu_ms))} ms at most between two ticks",
        f"- module kernel start-to-idle / plain = {fmt(start_ratio, 3)} "
        f"({extra_ms:+.0f} ms), goal ≤ {START_RATIO_GOAL:g}: "
        f"**{'met' if start_met else 'NOT met'}**",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def check(runs: Sequence[DiscoveryRun], starts: Sequence[KernelStart], lag: LoopLag) -> None:
    """The measured work is the real thing: every module, every kernel, the module's env."""
    for r in runs:
        first = r.refreshes[0]
        if (first.modules, first.kernels, r.kernelspecs_listed) != (
            TREE_MODULES,
            TREE_KERNELS,
            TREE_KERNELS,
        ):
            raise RuntimeError(f"server {r.server}: tree300 discovered as {first}")
    if lag.kernels != TREE_KERNELS:
        raise RuntimeError(f"the in-process discovery found {lag.kernels} kernels")
    warm = {s.kernel: s.seen for s in starts if s.run < 0}
    if warm[MODULE_KERNEL].get("TESTBED_MODULE") != MODULE:
        raise RuntimeError(f"the module kernel did not have {MODULE} loaded: {warm}")
    if warm[PLAIN_KERNEL].get("TESTBED_MODULE") != "-":
        raise RuntimeError(f"the plain kernel had a module loaded: {warm}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    # The harness's own use of our code (the control's concurrency, the module load alone) is
    # the working tree's, like the servers'.
    sys.path.insert(0, str(REPO))
    raise_on_sigterm()
    if not testbed_ready(args.in_all):
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    ctx = context([a for a in argv if a != "--in-all"])
    with tempfile.TemporaryDirectory(prefix="bench-modules-") as tmp:
        workdir = Path(tmp)
        print("building the 300-module tree (scripts/modules-testbed tree300)", flush=True)
        tree = build_tree300(workdir / "tree300")
        print(f"discovery: {args.discovery_servers} fresh servers", flush=True)
        runs = [discovery_run(i, tree, workdir, args) for i in range(args.discovery_servers)]
        print("the event loop in-process during a discovery", flush=True)
        lag = loop_lag(tree, workdir)
        print(f"kernel starts: {args.kernel_runs} of each, alternated", flush=True)
        starts, _ = measure_kernels(workdir, args)
    load_alone = module_load_alone(args.kernel_runs)
    check(runs, starts, lag)
    ctx["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = render(ctx, runs, starts, load_alone, lag, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items()},
        "discovery": [asdict(r) for r in runs],
        "discovery_summary": discovery_summary(runs),
        "loop_lag": asdict(lag),
        "kernel_starts": [asdict(s) for s in starts],
        "kernel_summary": kernel_summary(starts),
        "kernel_paired_differences_s": paired_differences(starts),
        "module_load_alone_s": list(load_alone),
    }
    save_report(args.out, "modules", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
