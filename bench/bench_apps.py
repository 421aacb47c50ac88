"""App launch and proxy: jupyterlab-hpc's launched apps against plain jupyter-server-proxy.

Both sides serve the same small app (`tests/apps/testapp.py`) from the same virtualenv: ours
launched with `POST jupyterlab-hpc/apps/testapp/<endpoint>` (c.HPCApps.apps) and served at
`testapp/<endpoint>/`; plain jupyter-server-proxy (jsp) with c.ServerProxy.servers, started by
the first request to `<name>/`. Each runs in its own Jupyter server (ours with jupyterlab_hpc,
the other without). Measures, in one run: cold start (click to first 200) with apps that take
a known time to listen, per-request proxy latency (and the app reached directly, as the
floor), and how long `GET /api/status` takes while apps start (the event loop). Started by
`bench/run --suite apps` with our virtualenv's Python. Prints a Markdown report and writes
it, with the raw figures as JSON, under `bench/out/`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import _servers
import psutil
from _http import Client
from _report import dist_version, save_report
from _servers import HOST, Server, ServerSpec
from bench_metrics import (
    cpu_model,
    fmt,
    git_revision,
    ours_env,
    ours_version,
    raise_on_sigterm,
    ratio,
    table,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTAPP = REPO / "tests" / "apps" / "testapp.py"
OURS, JSP, DIRECT = "ours", "jsp", "direct"
SIDES = (OURS, JSP, DIRECT)
APP = "testapp"  # the app's name on both servers (jsp: the per-request one)
PAGE = "page"  # the small page the per-request phase asks for
APP_TIMEOUT_S = 30.0  # both sides' readiness timeout ("timeout" of the app's settings)
# Our launch budget (DESIGN.md): first proxied 200 within this of the app's own readiness.
COLD_BUDGET_MS = 150.0
STATUS_P99_BUDGET_MS = 20.0
MARKER = "--bench-name"  # ignored by testapp (parse_known_args); finds a jsp app's process


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument(
        "--delays",
        default="0,1.0,2.6",
        help="the app's own start-up delays (s) of the cold-start phase (testapp --delay); "
        "2.6 s is where jsp's doubling backoff answers only at ~5.1 s",
    )
    p.add_argument("--repeats", type=int, default=10, help="cold starts per delay and side")
    p.add_argument("--requests", type=int, default=500, help="measured GETs per route")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured GETs first")
    p.add_argument("--rounds", type=int, default=5, help="interleaved blocks per route")
    p.add_argument(
        "--loop-repeats", type=int, default=5, help="event-loop windows per server (3 apps each)"
    )
    p.add_argument("--loop-apps", type=int, default=3, help="apps started at once per window")
    p.add_argument(
        "--loop-delay", type=float, default=2.0, help="their start-up delay (s) in that phase"
    )
    p.add_argument(
        "--sample-interval", type=float, default=0.01, help="GET /api/status every this (s)"
    )
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results + server logs")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument("--settle", type=float, default=5.0, help="idle seconds after start-up")
    # bench/run's `all`: the options of the other suites are accepted and ignored.
    p.add_argument("--in-all", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if rest and not args.in_all:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        args.delays = [float(d) for d in args.delays.split(",") if d.strip()]
    except ValueError:
        p.error("--delays: a comma-separated list of seconds")
    if not args.delays or not all(0 <= d <= APP_TIMEOUT_S / 2 for d in args.delays):
        p.error(f"--delays: from 0 to {APP_TIMEOUT_S / 2:g} s")
    if args.repeats < 1 or args.loop_repeats < 1 or not 1 <= args.loop_apps <= 3:
        p.error("need --repeats >= 1, --loop-repeats >= 1 and 1 <= --loop-apps <= 3")
    if args.requests < args.rounds or args.rounds < 1 or args.warmup < 0:
        p.error("need --requests >= --rounds >= 1 and --warmup >= 0")
    if not 0 <= args.loop_delay <= 10 or not 0.001 <= args.sample_interval <= 1:
        p.error("need 0 <= --loop-delay <= 10 and 0.001 <= --sample-interval <= 1")
    if not 0 <= args.settle <= 300:
        p.error("need 0 <= --settle <= 300")
    return args


# --------------------------------------------------------------------------- servers


def app_argv(*extra: str) -> list[str]:
    return [sys.executable, str(TESTAPP), "--port", "{port}", *extra]


def jsp_names(args: argparse.Namespace) -> dict[str, float]:
    """Every jsp server the run uses, name -> the app's delay: a fresh name per cold start."""
    names = {APP: 0.0}
    for i, delay in enumerate(args.delays):
        for rep in range(args.repeats):
            names[f"{APP}-cold{i}-{rep}"] = delay
    for rep in range(args.loop_repeats):
        for n in range(args.loop_apps):
            names[f"{APP}-loop{rep}-{n}"] = args.loop_delay
    return names


def server_config(key: str, args: argparse.Namespace) -> dict[str, object]:
    """jupyter_server_config.json of one server: its apps, in its own JUPYTER_CONFIG_DIR."""
    if key == OURS:
        app = {
            "title": "Test app",
            "command": app_argv("{args}"),
            "endpoints": 3,
            "timeout": APP_TIMEOUT_S,
        }
        return {"HPCApps": {"apps": {APP: app}}}
    servers = {
        name: {
            "command": app_argv("--delay", f"{delay:g}", MARKER, name),
            "timeout": APP_TIMEOUT_S,
        }
        for name, delay in jsp_names(args).items()
    }
    return {"ServerProxy": {"servers": servers}}


def specs() -> list[ServerSpec]:
    """Same venv, same extensions (jupyter-server-proxy's included); only ours differs."""
    python = Path(sys.executable)
    jsp_on = "--ServerApp.jpserver_extensions=jupyter_server_proxy=True"
    return [
        ServerSpec(
            OURS,
            "jupyterlab-hpc (c.HPCApps.apps)",
            python,
            "jupyterlab-hpc/apps",
            args=("--ServerApp.jpserver_extensions=jupyterlab_hpc=True", jsp_on),
            env=ours_env(),
        ),
        ServerSpec(
            JSP,
            "plain jupyter-server-proxy (c.ServerProxy.servers)",
            python,
            "server-proxy/servers-info",
            args=("--ServerApp.jpserver_extensions=jupyterlab_hpc=False", jsp_on),
        ),
    ]


@contextmanager
def running(args: argparse.Namespace, workdir: Path) -> Iterator[dict[str, Server]]:
    """Start both servers with their apps configured; always stop them (and ours' apps)."""
    servers: dict[str, Server] = {}
    try:
        for spec in specs():
            config = workdir / spec.key / "config"
            config.mkdir(parents=True, exist_ok=True)
            text = json.dumps(server_config(spec.key, args), indent=1)
            (config / "jupyter_server_config.json").write_text(text)
            servers[spec.key] = _servers.start(spec, workdir)
        for server in servers.values():
            _servers.wait_until(server, "/api/status", args.startup_timeout)
            _servers.wait_until(server, server.metrics_url, args.startup_timeout)
        yield servers
    finally:
        leftovers = []
        if OURS in servers:
            leftovers = stop_ours_apps(servers[OURS])
        for server in servers.values():
            _servers.stop(server)
        for pid in leftovers:
            if is_testapp(pid):
                print(f"warning: app pid {pid} outlived our server: killing it", flush=True)
                kill_tree(pid)


def is_testapp(pid: int) -> bool:
    """Whether `pid` still runs the test app (and is not a reused pid of something else)."""
    try:
        return str(TESTAPP) in psutil.Process(pid).cmdline()
    except psutil.Error:
        return False


def call(
    server: Server, method: str, path: str, body: object = None, timeout: float = 60.0
) -> tuple[int, bytes, float]:
    """One authenticated request on a fresh connection: status, body, seconds to its end."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    headers = {"Authorization": f"token {server.token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        start = time.perf_counter()
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        return resp.status, text, time.perf_counter() - start
    finally:
        conn.close()


def launch_ours(server: Server, endpoint: int, app_args: str) -> float:
    """POST the launch; seconds until its 202."""
    path = f"/jupyterlab-hpc/apps/{APP}/{endpoint}"
    status, body, seconds = call(server, "POST", path, {"args": app_args, "env": {}})
    if status != 202:
        raise RuntimeError(f"POST {path}: HTTP {status}: {body[:300]!r}")
    return seconds


def stop_ours(server: Server, endpoint: int) -> None:
    status, body, _ = call(server, "DELETE", f"/jupyterlab-hpc/apps/{APP}/{endpoint}")
    if status != 204:
        raise RuntimeError(f"DELETE {APP}/{endpoint}: HTTP {status}: {body[:300]!r}")


def stop_ours_apps(server: Server) -> list[int]:
    """DELETE every endpoint of ours that runs; the pids it had (checked after the stop)."""
    try:
        status, body, _ = call(server, "GET", "/jupyterlab-hpc/apps/running", timeout=10)
        instances = json.loads(body)["instances"] if status == 200 else []
        for instance in instances:
            if instance["state"] in ("starting", "running"):
                stop_ours(server, instance["endpoint"])
        return [i["pid"] for i in instances if i.get("pid")]
    except (OSError, ValueError, KeyError, RuntimeError, http.client.HTTPException):
        return []


def kill_tree(pid: int) -> None:
    try:
        proc = psutil.Process(pid)
        procs = [*proc.children(recursive=True), proc]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    for p in alive:
        p.kill()


def stop_jsp_app(server: Server, name: str) -> None:
    """jsp 4.6 has no stop API: SIGTERM the app it started (its child, found by name)."""
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if MARKER in cmdline and cmdline[cmdline.index(MARKER) + 1 :][:1] == [name]:
            kill_tree(child.pid)


def wait_for_200(server: Server, path: str, deadline_s: float = APP_TIMEOUT_S + 15) -> list[int]:
    """GET `path` until it answers 200 (each GET may wait for the app); the non-200 seen."""
    seen: list[int] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            status, _, _ = call(server, "GET", path, timeout=deadline_s)
        except (OSError, http.client.HTTPException):
            status = 0
        if status == 200:
            return seen
        seen.append(status)
        time.sleep(0.01)
    raise RuntimeError(f"{server.key}: GET {path} never answered 200 (saw {seen[-5:]})")


# --------------------------------------------------------------------------- the app alone


def app_env() -> dict[str, str]:
    drop = ("PYTHON", "JUPYTER", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, "PYTHONNOUSERSITE": "1"}


@contextmanager
def direct_app(delay: float) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """testapp started by the harness itself on a free port; always stopped."""
    port = _servers.free_port()
    argv = [a.replace("{port}", str(port)) for a in app_argv("--delay", f"{delay:g}")]
    proc = subprocess.Popen(
        argv, env=app_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        yield proc, port
    finally:
        _servers.end(proc)


def first_200(port: int, until: float, alive: Callable[[], bool]) -> float | None:
    """Poll the app every 2 ms until it answers 200: that moment (perf_counter), or None."""
    while time.perf_counter() < until:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                return time.perf_counter()
        except OSError:
            if not alive():
                return None
        finally:
            conn.close()
        time.sleep(0.002)
    return None


def direct_ready(delay: float) -> float:
    """Seconds from spawning the app to its first 200: its own readiness, no proxy."""
    start = time.perf_counter()
    with direct_app(delay) as (proc, port):
        ready = first_200(port, start + APP_TIMEOUT_S, lambda: proc.poll() is None)
    if ready is None:
        raise RuntimeError(f"testapp --delay {delay:g} started by the harness never answered")
    return ready - start


class ReadyWatcher(threading.Thread):
    """When the app a server starts first answers, polled directly (as `direct_ready` does).

    It finds the app among the server's children by its argv, reads its --port and polls it
    every 2 ms, so each launch's "first 200 after readiness" is measured against that very
    app's readiness (interpreter start and delay included), not against an estimate.
    """

    def __init__(self, server: Server, marker: str) -> None:
        super().__init__(daemon=True)
        self._server = server
        self._marker = marker  # an argv item of this app only
        self._until = time.perf_counter() + APP_TIMEOUT_S
        self.ready_at: float | None = None  # perf_counter of the first direct 200

    def _find(self) -> psutil.Process | None:
        for child in psutil.Process(self._server.pid).children(recursive=True):
            try:
                argv = child.cmdline()
            except psutil.Error:
                continue
            if str(TESTAPP) in argv and self._marker in argv and "--port" in argv:
                return child
        return None

    def run(self) -> None:
        app = None
        while app is None and time.perf_counter() < self._until:
            app = self._find()
            time.sleep(0.005)
        if app is not None:
            argv = app.cmdline()
            port = int(argv[argv.index("--port") + 1])
            self.ready_at = first_200(port, self._until, app.is_running)

    def after_ready(self, first_200_at: float) -> float | None:
        """Seconds from the app's own readiness to the first proxied 200."""
        self.join(timeout=APP_TIMEOUT_S)
        return None if self.ready_at is None else first_200_at - self.ready_at


# --------------------------------------------------------------------------- cold start


@dataclass
class ColdStart:
    side: str
    delay: float
    rep: int
    seconds: float  # click to the end of the first 200
    after_ready_s: float | None  # first 200 - the app's own first answer (direct: 0)
    launch_s: float | None = None  # ours: POST until its 202
    non_200: list[int] = field(default_factory=list)


def cold_ours(server: Server, delay: float, rep: int) -> ColdStart:
    """Dialog → POST (202) → the new tab's GET, which waits for the app."""
    start = time.perf_counter()
    watcher = ReadyWatcher(server, "--delay")
    watcher.start()
    launch_s = launch_ours(server, 0, f"--delay {delay:g}")
    seen = wait_for_200(server, f"/{APP}/0/")
    end = time.perf_counter()
    result = ColdStart(OURS, delay, rep, end - start, watcher.after_ready(end), launch_s, seen)
    stop_ours(server, 0)
    return result


def cold_jsp(server: Server, delay: float, index: int, rep: int) -> ColdStart:
    """The launcher tile's tab: its first GET starts the app and waits for it."""
    name = f"{APP}-cold{index}-{rep}"
    start = time.perf_counter()
    watcher = ReadyWatcher(server, name)
    watcher.start()
    seen = wait_for_200(server, f"/{name}/")
    end = time.perf_counter()
    result = ColdStart(JSP, delay, rep, end - start, watcher.after_ready(end), None, seen)
    stop_jsp_app(server, name)
    return result


def cold_direct(delay: float, rep: int) -> ColdStart:
    return ColdStart(DIRECT, delay, rep, direct_ready(delay), 0.0)


def measure_cold(servers: dict[str, Server], args: argparse.Namespace) -> list[ColdStart]:
    """Every delay, `repeats` times, ours / jsp / the app alone in a rotating order."""
    results: list[ColdStart] = []
    for rep in range(args.repeats):
        for index, delay in enumerate(args.delays):
            runs: list[Callable[[], ColdStart]] = [
                partial(cold_ours, servers[OURS], delay, rep),
                partial(cold_jsp, servers[JSP], delay, index, rep),
                partial(cold_direct, delay, rep),
            ]
            shift = (rep + index) % len(runs)
            for run in [*runs[shift:], *runs[:shift]]:
                results.append(run())
                time.sleep(0.2)  # let the stopped app's exit settle
        print(f"  cold starts: round {rep + 1}/{args.repeats} done", flush=True)
    return results


# --------------------------------------------------------------------------- per request


@dataclass
class RequestStats:
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: float | None = None  # the Jupyter server's CPU (None: the app reached directly)
    non_200: int = 0
    body_bytes: int = 0

    def summary(self) -> dict[str, float | None]:
        lat = sorted(self.latencies_ms)
        return {
            "p50_ms": percentile(lat, 0.50),
            "p99_ms": percentile(lat, 0.99),
            "max_ms": lat[-1],
            "cpu_ms_per_req": None if self.cpu_s is None else 1000.0 * self.cpu_s / len(lat),
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank on sorted values (as the metrics suite's p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Route:
    key: str
    port: int
    token: str
    path: str
    pid: int | None  # the server whose CPU counts (None: direct)


def measure_requests(routes: Sequence[Route], args: argparse.Namespace) -> dict[str, RequestStats]:
    """N sequential keep-alive GETs per route, in blocks interleaved across the routes."""
    clients = {r.key: Client(r.port, r.token) for r in routes}
    stats = {r.key: RequestStats(cpu_s=None if r.pid is None else 0.0) for r in routes}
    base, extra = divmod(args.requests, args.rounds)
    try:
        for r in routes:
            for _ in range(args.warmup):
                clients[r.key].get(r.path)
        for i in range(args.rounds):
            shift = i % len(routes)
            for r in [*routes[shift:], *routes[:shift]]:
                block(r, clients[r.key], base + (i < extra), stats[r.key])
    finally:
        for c in clients.values():
            c.close()
    return stats


def block(route: Route, client: Client, n: int, stats: RequestStats) -> None:
    cpu0 = _servers.cpu_seconds(route.pid) if route.pid is not None else 0.0
    for _ in range(n):
        resp = client.get(route.path)
        stats.latencies_ms.append(1000.0 * resp.seconds)
        stats.non_200 += resp.status != 200
        stats.body_bytes = len(resp.body)
    if route.pid is not None and stats.cpu_s is not None:
        stats.cpu_s += _servers.cpu_seconds(route.pid) - cpu0


def per_request(servers: dict[str, Server], args: argparse.Namespace) -> dict[str, RequestStats]:
    """The same small page through ours, through jsp and from the app itself."""
    ours, jsp = servers[OURS], servers[JSP]
    launch_ours(ours, 0, "")
    wait_for_200(ours, f"/{APP}/0/{PAGE}")
    wait_for_200(jsp, f"/{APP}/{PAGE}")
    try:
        with direct_app(0.0) as (proc, port):
            first_200(port, time.perf_counter() + APP_TIMEOUT_S, lambda: proc.poll() is None)
            routes = [
                Route(OURS, ours.port, ours.token, f"/{APP}/0/{PAGE}", ours.pid),
                Route(JSP, jsp.port, jsp.token, f"/{APP}/{PAGE}", jsp.pid),
                Route(DIRECT, port, "", f"/{PAGE}", None),
            ]
            return measure_requests(routes, args)
    finally:
        stop_ours(ours, 0)
        stop_jsp_app(jsp, APP)


# --------------------------------------------------------------------------- event loop


class StatusSampler(threading.Thread):
    """GET /api/status on a fixed grid (a late request is followed at once, no burst)."""

    def __init__(self, server: Server, interval: float) -> None:
        super().__init__(daemon=True)
        self._server = server
        self._interval = interval
        self._halt = threading.Event()
        self.samples: list[tuple[float, float, int]] = []  # (sent at, latency ms, status)

    def run(self) -> None:
        client = Client(self._server.port, self._server.token)
        due = time.perf_counter()
        try:
            while not self._halt.is_set():
                sent = time.perf_counter()
                resp = client.get("/api/status")
                self.samples.append((sent, 1000.0 * resp.seconds, resp.status))
                due = max(due + self._interval, time.perf_counter())
                time.sleep(max(0.0, due - time.perf_counter()))
        finally:
            client.close()

    def halt(self) -> None:
        self._halt.set()
        self.join(timeout=60)


@dataclass
class LoopWindow:
    side: str
    rep: int
    idle_ms: list[float]  # samples sent before the launches
    starting_ms: list[float]  # samples sent from the first click to the last 200
    bad_status: int  # /api/status answers other than 200
    all_ready_s: float  # first click to the last app's first 200
    launch_s: list[float]  # ours: each POST until its 202


def start_apps(server: Server, rep: int, args: argparse.Namespace) -> list[float]:
    """Start `loop_apps` apps at once (one thread each, as tabs would); ours' POST times."""
    launches: list[float] = []
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            if server.key == OURS:
                launches.append(launch_ours(server, n, f"--delay {args.loop_delay:g}"))
                wait_for_200(server, f"/{APP}/{n}/")
            else:
                wait_for_200(server, f"/{APP}-loop{rep}-{n}/")
        except BaseException as error:  # re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(args.loop_apps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=APP_TIMEOUT_S + 30)
    if errors:
        raise errors[0]
    return launches


def loop_window(server: Server, rep: int, args: argparse.Namespace) -> LoopWindow:
    sampler = StatusSampler(server, args.sample_interval)
    sampler.start()
    try:
        time.sleep(1.0)  # idle samples first
        start = time.perf_counter()
        launches = start_apps(server, rep, args)
        end = time.perf_counter()
        time.sleep(0.2)
    finally:
        sampler.halt()
    for n in range(args.loop_apps):
        if server.key == OURS:
            stop_ours(server, n)
        else:
            stop_jsp_app(server, f"{APP}-loop{rep}-{n}")
    idle = [ms for sent, ms, _ in sampler.samples if sent < start]
    starting = [ms for sent, ms, _ in sampler.samples if start <= sent <= end]
    bad = sum(status != 200 for _, _, status in sampler.samples)
    return LoopWindow(server.key, rep, idle, starting, bad, end - start, launches)


def measure_loop(servers: dict[str, Server], args: argparse.Namespace) -> list[LoopWindow]:
    windows = []
    for rep in range(args.loop_repeats):
        order = [OURS, JSP] if rep % 2 == 0 else [JSP, OURS]
        for key in order:
            windows.append(loop_window(servers[key], rep, args))
            time.sleep(0.5)
        print(f"  event loop: window {rep + 1}/{args.loop_repeats} done", flush=True)
    return windows


# --------------------------------------------------------------------------- context


def context(argv: Sequence[str]) -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run --suite apps", *argv]),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "ours": ours_version(),
        "git": git_revision(),
        "versions": {
            d: dist_version(d)
            for d in ("jupyter-server-proxy", "simpervisor", "aiohttp", "jupyter_server", "tornado")
        },
    }


def sanity(servers: dict[str, Server]) -> dict[str, int]:
    """Our routes answer on ours only: the jsp server really runs without jupyterlab-hpc."""
    return {key: _servers.probe(s, "/jupyterlab-hpc/apps") for key, s in servers.items()}


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> float:
    return 1000.0 * seconds


def cold_rows(cold: Sequence[ColdStart], delays: Sequence[float]) -> list[dict[str, float]]:
    """Per delay: medians and maxima of click-to-200 and of what it adds to the app's time."""
    rows = []
    for delay in delays:
        mine = {side: [c for c in cold if c.side == side and c.delay == delay] for side in SIDES}
        row = {"delay_s": delay, "alone_ms": statistics.median(ms(c.seconds) for c in mine[DIRECT])}
        for side in (OURS, JSP):
            times = [ms(c.seconds) for c in mine[side]]
            after = [ms(c.after_ready_s) for c in mine[side] if c.after_ready_s is not None]
            row[f"{side}_p50_ms"] = statistics.median(times)
            row[f"{side}_max_ms"] = max(times)
            row[f"{side}_over_delay_p50_ms"] = row[f"{side}_p50_ms"] - ms(delay)
            row[f"{side}_over_delay_max_ms"] = row[f"{side}_max_ms"] - ms(delay)
            row[f"{side}_after_ready_p50_ms"] = statistics.median(after) if after else math.nan
            row[f"{side}_after_ready_max_ms"] = max(after) if after else math.nan
            row[f"{side}_unwatched"] = len(times) - len(after)
        rows.append(row)
    return rows


def pair(row: dict[str, float], name: str) -> str:
    return f"{fmt(row[name + '_p50_ms'], 0)} / {fmt(row[name + '_max_ms'], 0)}"


def cold_table(rows: Sequence[dict[str, float]]) -> str:
    head = [
        "app delay (s)",
        "app alone: spawn → 200 (median)",
        "ours: click → 200 (median / max)",
        "jsp: click → 200 (median / max)",
        "ours/jsp",
        "ours - delay",
        "jsp - delay",
        "ours: first 200 after the app's readiness",
        "jsp: the same",
        "ours/jsp (after readiness)",
    ]
    body = []
    for r in rows:
        body.append(
            [
                f"{r['delay_s']:g}",
                fmt(r["alone_ms"], 0),
                pair(r, "ours"),
                pair(r, "jsp"),
                fmt(ratio(r["ours_p50_ms"], r["jsp_p50_ms"])),
                pair(r, "ours_over_delay"),
                pair(r, "jsp_over_delay"),
                pair(r, "ours_after_ready"),
                pair(r, "jsp_after_ready"),
                fmt(ratio(r["ours_after_ready_p50_ms"], r["jsp_after_ready_p50_ms"])),
            ]
        )
    return table(head, body)


def request_table(req: dict[str, RequestStats]) -> str:
    s = {k: v.summary() for k, v in req.items()}
    rows = []
    for metric, label in (
        ("p50_ms", "p50 latency (ms)"),
        ("p99_ms", "p99 latency (ms)"),
        ("max_ms", "max latency (ms)"),
        ("cpu_ms_per_req", "Jupyter server CPU per request (ms)"),
    ):
        o, j, d = s[OURS][metric], s[JSP][metric], s[DIRECT][metric]
        rows.append([label, fmt(o), fmt(j), fmt(d), fmt(ratio(o, j)), fmt(ratio(o, d))])
    rows.append(["non-200 answers", *(str(req[k].non_200) for k in (OURS, JSP, DIRECT)), "", ""])
    rows.append(["body (bytes)", *(str(req[k].body_bytes) for k in (OURS, JSP, DIRECT)), "", ""])
    return table(["per request", OURS, JSP, "app directly", "ours/jsp", "ours/direct"], rows)


def loop_summary(windows: Sequence[LoopWindow], side: str) -> dict[str, dict[str, float]]:
    mine = [w for w in windows if w.side == side]
    out = {}
    for phase in ("idle", "starting"):
        values = [v for w in mine for v in getattr(w, f"{phase}_ms")]
        out[phase] = {
            "samples": float(len(values)),
            "p50_ms": percentile(values, 0.5),
            "p99_ms": percentile(values, 0.99),
            "max_ms": max(values),
        }
    return out


def loop_table(windows: Sequence[LoopWindow], args: argparse.Namespace) -> str:
    o, j = loop_summary(windows, OURS), loop_summary(windows, JSP)
    head = ["GET /api/status", "samples (ours; jsp)"]
    for metric in ("p50", "p99", "max"):
        head += [f"ours {metric} (ms)", f"jsp {metric} (ms)"]
    head.append("ours/jsp p99")
    rows = []
    for phase, label in (
        ("idle", "idle (1 s before the clicks)"),
        ("starting", f"while {args.loop_apps} apps start (click → last 200)"),
    ):
        cells = [label, f"{o[phase]['samples']:.0f}; {j[phase]['samples']:.0f}"]
        for metric in ("p50_ms", "p99_ms", "max_ms"):
            cells += [fmt(o[phase][metric]), fmt(j[phase][metric])]
        cells.append(fmt(ratio(o[phase]["p99_ms"], j[phase]["p99_ms"])))
        rows.append(cells)
    return table(head, rows)


def loop_lines(windows: Sequence[LoopWindow]) -> list[str]:
    ready = {side: [w.all_ready_s for w in windows if w.side == side] for side in (OURS, JSP)}
    launches = [ms(s) for w in windows for s in w.launch_s]
    bad = sum(w.bad_status for w in windows)
    lines = [
        "Click to the last app's first 200, per window: "
        + "; ".join(f"{side} {', '.join(f'{s:.2f}' for s in v)} s" for side, v in ready.items())
        + ".  ",
        f"Our launch POSTs (202): median {fmt(statistics.median(launches))} ms, "
        f"max {fmt(max(launches))} ms ({len(launches)} launches).  ",
    ]
    if bad:
        lines.append(f"**{bad} /api/status answers were not 200.**  ")
    return lines


def verdict_lines(rows: Sequence[dict[str, float]], windows: Sequence[LoopWindow]) -> list[str]:
    lines = []
    for r in rows:
        worst = r["ours_after_ready_max_ms"]
        met = worst <= COLD_BUDGET_MS and not r["ours_unwatched"]
        lines.append(
            f"- cold start, app delay {r['delay_s']:g} s: ours' first proxied 200 came "
            f"{fmt(r['ours_after_ready_p50_ms'], 0)} ms (median), {fmt(worst, 0)} ms (worst) "
            f"after the app's own readiness (target ≤ {COLD_BUDGET_MS:g} ms every time; jsp: "
            f"{pair(r, 'jsp_after_ready')} ms): **{'met' if met else 'NOT met'}**. "
            f"Click → 200 minus the delay, which adds the app's interpreter start "
            f"(~{fmt(r['alone_ms'] - ms(r['delay_s']), 0)} ms alone): ours "
            f"{pair(r, 'ours_over_delay')} ms, jsp {pair(r, 'jsp_over_delay')} ms"
            + (
                f"; **{r['ours_unwatched']:.0f} launches not watched**"
                if r["ours_unwatched"]
                else ""
            )
        )
    o, j = loop_summary(windows, OURS), loop_summary(windows, JSP)
    p99 = o["starting"]["p99_ms"]
    lines.append(
        f"- GET /api/status p99 while apps start = {fmt(p99)} ms on ours (target < "
        f"{STATUS_P99_BUDGET_MS:g} ms; jsp: {fmt(j['starting']['p99_ms'])} ms): "
        f"**{'met' if p99 < STATUS_P99_BUDGET_MS else 'NOT met'}**"
    )
    return lines


def render(
    ctx: dict[str, object],
    cold: Sequence[ColdStart],
    req: dict[str, RequestStats],
    windows: Sequence[LoopWindow],
    args: argparse.Namespace,
) -> str:
    v = ctx["versions"] if isinstance(ctx["versions"], dict) else {}
    rows = cold_rows(cold, args.delays)
    odd = [c for c in cold if c.non_200]
    launches = [ms(c.launch_s) for c in cold if c.launch_s is not None]
    parts = [
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, Linux {ctx['kernel']}, "
        f"Python {ctx['python']}, load avg at start {ctx['loadavg']}, at the end "
        f"{ctx.get('loadavg_end')}  ",
        f"Versions: jupyterlab-hpc {ctx['ours']} (git {ctx['git']}), jupyter-server-proxy "
        f"{v.get('jupyter-server-proxy')}, simpervisor {v.get('simpervisor')}, aiohttp "
        f"{v.get('aiohttp')}, jupyter_server {v.get('jupyter_server')}, tornado "
        f"{v.get('tornado')} (one venv for both servers)  ",
        f"Command: `{ctx['command']}`",
        "",
        f"Servers: `ours` = jupyterlab-hpc, the app in c.HPCApps.apps, launched by POST, served "
        f"at `/{APP}/<endpoint>/`; `jsp` = jupyter-server-proxy alone (jupyterlab_hpc off), "
        f"the app in c.ServerProxy.servers, started by the first GET of `/<name>/`. Both: "
        f"`{TESTAPP.relative_to(REPO)}`, timeout {APP_TIMEOUT_S:g} s. "
        f"`GET /jupyterlab-hpc/apps`: {ctx.get('sanity')} (200 on ours, 404 on jsp).",
        "",
        f"### Cold start: click to first 200 ({args.repeats} launches per delay and side, "
        "in a rotating order, all times in ms)",
        "",
        "ours: from sending the launch POST to the end of the first 200 of the app's URL (the "
        "GET sent right after the 202 waits for the app); jsp: from sending the first GET of "
        "the app's URL (which starts it) to the end of its 200; app alone: the harness "
        'spawns the app itself and polls it every 2 ms (interpreter start + delay). "After '
        "the app's readiness\": during each launch the harness finds the app among the "
        "server's children, reads its port and polls it directly every 2 ms; the figure is "
        "the first proxied 200 minus that app's first direct 200. Cells: median / max.",
        "",
        cold_table(rows),
        "",
        f"Our launch POST answered 202 in {fmt(statistics.median(launches))} ms (median), "
        f"{fmt(max(launches))} ms (max).  ",
        *(
            f"`{c.side}` delay {c.delay:g} rep {c.rep}: non-200 answers before the 200: "
            f"{c.non_200}  "
            for c in odd
        ),
        "",
        f"### Per request ({args.requests} sequential keep-alive GETs of `/{PAGE}` after "
        f"{args.warmup} warm-up, in {args.rounds} interleaved blocks)",
        "",
        request_table(req),
        "",
        f"### Event loop while apps start (GET /api/status every "
        f"{ms(args.sample_interval):g} ms on the server, {args.loop_repeats} windows per "
        f"server; {args.loop_apps} apps with --delay {args.loop_delay:g} clicked at once)",
        "",
        loop_table(windows, args),
        "",
        *loop_lines(windows),
        "",
        "### Targets (DESIGN.md, Budgets)",
        "",
        *verdict_lines(rows, windows),
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    raise_on_sigterm()
    args.out.mkdir(parents=True, exist_ok=True)
    ctx = context([a for a in argv if a != "--in-all"])
    with tempfile.TemporaryDirectory(prefix="bench-apps-") as tmp:
        workdir = Path(tmp)
        print("starting servers: ours, jsp", flush=True)
        with running(args, workdir) as servers:
            ctx["sanity"] = sanity(servers)
            time.sleep(args.settle)
            print(f"cold starts: delays {args.delays}, {args.repeats} each", flush=True)
            cold = measure_cold(servers, args)
            print(f"event loop: {args.loop_repeats} windows per server", flush=True)
            windows = measure_loop(servers, args)
            print(f"per-request phase: {args.requests} GETs per route", flush=True)
            req = per_request(servers, args)
        for s in servers.values():
            (args.out / f"apps-{s.key}.log").write_bytes(s.log_path.read_bytes())
    ctx["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = render(ctx, cold, req, windows, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items()},
        "cold_start": [asdict(c) for c in cold],
        "cold_summary": cold_rows(cold, args.delays),
        "per_request": {k: {**v.summary(), **asdict(v)} for k, v in req.items()},
        "event_loop": [asdict(w) for w in windows],
    }
    save_report(args.out, "apps", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
