"""CPU-section and scrape costs against jupyter-resource-usage, and the idle sampler.

Issue 13's measurements, in one run:

1. **Per request**, with and without `--host-processes` (2,000) sleeping processes on the host
   (started by the bench, not under any server): our `GET jupyterlab-hpc/metrics` (with its
   `cpu` section) and one jupyter_server `GET /metrics` scrape (our `jupyterlab_hpc_*`
   families in it), against jupyter-resource-usage's `GET /api/metrics/v1` with
   `track_cpu_percent=True`. The server process's own CPU time per request and latency
   p50 / p99, with ratios ours / anchor and 2,000 / none.
2. **The sampler with nobody connected**: a fresh server of ours, no request to any metrics
   route, its own CPU per second over `--window` s, (a) on the quiet node, (b) with a kernel
   started through the REST API that runs `--kernel-processes` (2,000) sleeping children,
   with the fake RAPL tree (`_rapl.py`) so that power attribution runs.

Started by `bench/run --suite cpu` with our virtualenv's Python; the report is printed and
saved with the raw figures under `bench/out/cpu-<time>.{md,json}`.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _rapl
import _servers
import psutil
from _http import Client
from _report import save_report
from _servers import HOST, Server, ServerSpec
from bench_metrics import (
    RequestStats,
    Target,
    check,
    context,
    fmt,
    measure_requests,
    ours_spec,
    raise_on_sigterm,
    ratio,
    running,
    table,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FARM = BENCH / "_proc_farm.py"
OURS_METRICS, OURS_SCRAPE, ANCHOR, FLOOR = "ours-metrics", "ours-scrape", "anchor-cpu", "floor"
PLAIN_SCRAPE = "plain-scrape"  # /metrics of a server without jupyterlab-hpc (the anchor's)
TARGETS = (OURS_METRICS, OURS_SCRAPE, ANCHOR, PLAIN_SCRAPE, FLOOR)
IDLE_KEY = "ours-idle"
PLAIN_IDLE = "plain-idle"
FARM_KERNEL = "bench-farm"
COST_GOAL = 0.2  # ours ≤ 1/5 of the anchor's CPU per request
FLAT_GOAL = 1.2  # ours with the extra host processes / without
IDLE_GOALS = {"quiet": 0.3, "kernel": 10.0}  # ms of server CPU per second, nobody connected
USER_HZ = os.sysconf("SC_CLK_TCK")
TICK_S = 0.2  # how often an idle window reads the server's CPU clock
STEP_MIN_S = 0.001  # a tick that used more than this (and 5 x the median tick) is a burst


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    # No abbreviations: under `bench/run` (all) the other suites' options pass through here.
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--requests", type=int, default=400, help="measured GETs per route and case")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured GETs first, per route")
    p.add_argument("--rounds", type=int, default=4, help="interleaved blocks per route")
    p.add_argument(
        "--host-processes", type=int, default=2000, help="sleeping processes on the host (part 1)"
    )
    p.add_argument(
        "--kernel-processes",
        type=int,
        default=2000,
        help="sleeping children of a kernel under the server (part 2)",
    )
    p.add_argument("--window", type=float, default=90.0, help="seconds of each idle window")
    p.add_argument(
        "--idle-settle",
        type=float,
        default=75.0,
        help="seconds after start-up before the quiet window (more than HPCPower.idle_after, "
        "60 s, so that the sampler's idle cadence has begun)",
    )
    p.add_argument(
        "--ours-rev",
        default=None,
        help="measure this git revision's jupyterlab_hpc (exported with git archive) "
        "instead of the venv's copy / the working tree",
    )
    p.add_argument("--parts", default="requests,idle", help="what to run: requests, idle, or both")
    default_venv = os.environ.get("BENCH_ANCHOR_VENV") or str(BENCH / ".venv-anchor")
    p.add_argument("--anchor-venv", type=Path, default=Path(default_venv))
    p.add_argument(
        "--kernel-settle",
        type=float,
        default=15.0,
        help="seconds after the kernel's processes all run, before the kernel window",
    )
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results + server logs")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument("--settle", type=float, default=5.0, help="idle seconds after start-up (part 1)")
    # Run by `bench/run` (all): ignore the other suites' options.
    p.add_argument("--in-all", action="store_true", help=argparse.SUPPRESS)
    args, unknown = p.parse_known_args(argv)
    if unknown and not args.in_all:
        p.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.parts = [x for x in args.parts.split(",") if x]
    if not args.parts or not set(args.parts) <= {"requests", "idle"}:
        p.error("--parts: requests, idle or requests,idle")
    if args.requests < args.rounds or args.rounds < 1 or args.warmup < 0:
        p.error("need --requests >= --rounds >= 1 and --warmup >= 0")
    if args.host_processes < 0 or args.kernel_processes < 1 or not 5 <= args.window <= 3600:
        p.error("need --host-processes >= 0, --kernel-processes >= 1, 5 <= --window <= 3600")
    if "requests" in args.parts and not (args.anchor_venv / "bin" / "python").exists():
        p.error(f"no anchor venv at {args.anchor_venv} (bench/run builds it)")
    args.rapl = "fake"  # what bench_metrics.context records
    return args


# --------------------------------------------------------------------------- processes


def proc_cpu(pid: int) -> dict[str, float]:
    """The process's own CPU seconds, from its CPU clock (ns) and from /proc/<pid>/stat's
    utime+stime (10 ms ticks), and the CPU of the children it reaped (cutime+cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the comm field: state is fields[0], utime is field 14 of stat(5) = fields[11].
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return {
        "clock_s": _servers.cpu_seconds(pid),
        "stat_s": (utime + stime) / USER_HZ,
        "children_s": (cutime + cstime) / USER_HZ,
    }


def delta(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: b[k] - a[k] for k in a}


def wait_for_file(path: Path, timeout: float, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            time.sleep(0.2)
    raise RuntimeError(f"{what}: nothing in {path} after {timeout:.0f} s")


def end_farm(ready: Path, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Stop a farm (SIGTERM: it kills and reaps its sleeps); SIGKILL its group if it lingers."""
    pid = proc.pid if proc is not None else None
    if pid is None:
        try:
            pid = int(json.loads(ready.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return
        elif gone(pid):
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc is not None:
        proc.wait(timeout=30)


def gone(pid: int) -> bool:
    """Whether a process that is not ours to reap has exited (a zombie counts as exited)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@contextmanager
def host_farm(count: int, workdir: Path, timeout: float) -> Iterator[int]:
    """`count` sleeping processes on the host, children of a farm the bench started."""
    ready = workdir / "host-farm.json"
    proc = subprocess.Popen(
        [sys.executable, str(FARM), "farm", "--count", str(count), "--ready", str(ready)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        info = wait_for_file(ready, timeout, "the host farm")
        yield int(info["count"])
    finally:
        end_farm(ready, proc)


# --------------------------------------------------------------------------- servers


def export_rev(rev: str, workdir: Path) -> tuple[Path, str]:
    """`rev`'s jupyterlab_hpc package (and package.json, its version) in a folder of its own."""
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = workdir / "ours-src"
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", sha, "jupyterlab_hpc", "package.json"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder, sha


def uncommitted_server_files() -> list[str]:
    """jupyterlab_hpc's files that differ from the commit (what a working-tree run measures)."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "jupyterlab_hpc"],
        capture_output=True,
        text=True,
    ).stdout
    return [line[3:] for line in out.splitlines() if line.strip()]


def our_server(powercap: Path, source: Path | None) -> ServerSpec:
    """Ours as bench_metrics starts it, or from an exported revision (`--ours-rev`)."""
    spec = ours_spec(powercap)
    if source is None:
        return spec
    return dataclasses.replace(spec, env={**spec.env, "PYTHONPATH": str(source)})


def anchor_spec(venv: Path) -> ServerSpec:
    """jupyter-resource-usage with CPU tracking; its Prometheus callback off (costs only
    when asked, so its per-request figure is the request's alone)."""
    return ServerSpec(
        ANCHOR,
        "resource-usage (track_cpu_percent=True, Prometheus off)",
        venv / "bin" / "python",
        "api/metrics/v1",
        args=(
            "--ServerApp.jpserver_extensions=jupyter_power_usage=False",
            "--ServerApp.jpserver_extensions=jupyterlab_slurm=False",
            "--ResourceUseDisplay.track_cpu_percent=True",
            "--ResourceUseDisplay.enable_prometheus_metrics=False",
        ),
    )


def one_get(server: Server, path: str) -> tuple[int, str]:
    client = Client(server.port, server.token)
    try:
        resp = client.get(path)
        return resp.status, resp.body.decode(errors="replace")
    finally:
        client.close()


def request(server: Server, method: str, path: str, body: object | None = None) -> Any:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=120)
    try:
        conn.request(
            method,
            path,
            body=None if body is None else json.dumps(body),
            headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        text = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {resp.status} {text[:300]!r}")
        return json.loads(text) if text else None
    finally:
        conn.close()


def descendants(pid: int) -> int:
    return len(psutil.Process(pid).children(recursive=True))


# --------------------------------------------------------------------------- part 1


@dataclass
class RequestCase:
    host_processes: int  # extra sleeping processes the bench started on the host
    processes_on_host: int  # every process on the host, counted before the requests
    background_ms_per_s: dict[str, float]  # each server's CPU with no request, just before
    stats: dict[str, RequestStats]
    answers: dict[str, str] = field(default_factory=dict)


def background(servers: Sequence[Server], seconds: float) -> dict[str, float]:
    c0 = {s.key: _servers.cpu_seconds(s.pid) for s in servers}
    t0 = time.perf_counter()
    time.sleep(seconds)
    span = time.perf_counter() - t0
    return {s.key: 1000 * (_servers.cpu_seconds(s.pid) - c0[s.key]) / span for s in servers}


def request_case(servers: dict[str, Server], extra: int, args: argparse.Namespace) -> RequestCase:
    ours, anchor = servers["ours"], servers[ANCHOR]
    targets = [
        Target(OURS_METRICS, ours, ours.metrics_url),
        Target(OURS_SCRAPE, ours, "/metrics"),
        Target(ANCHOR, anchor, anchor.metrics_url),
        Target(PLAIN_SCRAPE, anchor, "/metrics"),
        Target(FLOOR, ours, "/api/status"),
    ]
    time.sleep(args.settle)
    idle = background(list(servers.values()), 10.0)
    host = len(psutil.pids())
    print(f"  {args.requests} GETs per route, {host} processes on the host", flush=True)
    stats = measure_requests(targets, args.requests, args.warmup, args.rounds)
    answers = {}
    for t in targets[:3]:
        status, body = one_get(t.server, t.path)
        answers[t.key] = body if status == 200 else f"HTTP {status}: {body}"
    return RequestCase(extra, host, idle, stats, answers)


def measure_request_part(
    workdir: Path, powercap: Path, source: Path | None, args: argparse.Namespace
) -> list[RequestCase]:
    specs = [our_server(powercap, source), anchor_spec(args.anchor_venv)]
    cases = []
    with running(specs, workdir, args.startup_timeout) as started:
        servers = {s.key: s for s in started}
        print("part 1: per request, no extra host processes", flush=True)
        cases.append(request_case(servers, 0, args))
        if args.host_processes:
            print(f"part 1: starting {args.host_processes} sleeping processes", flush=True)
            with host_farm(args.host_processes, workdir, args.startup_timeout) as n:
                cases.append(request_case(servers, n, args))
        for s in started:
            (args.out / f"cpu-{s.key}.log").write_bytes(s.log_path.read_bytes())
    return cases


# --------------------------------------------------------------------------- part 2


@dataclass
class IdleWindow:
    case: str  # "quiet" or "kernel"
    seconds: float
    descendants: int  # processes under the server, counted just before the window
    processes_on_host: int
    cpu: dict[str, float]  # deltas of proc_cpu over the window
    loadavg: str  # 1-minute load average after the window
    # The same window's CPU of a plain jupyter_server + jupyterlab (no extension measured
    # here), running beside ours: what any idle server costs on this machine; None without it.
    plain_cpu: dict[str, float] | None = None
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (s, CPU clock s)
    steps: list[tuple[float, float]] = field(default_factory=list)  # find_steps(timeline)

    @property
    def per_sample_ms(self) -> float | None:
        """Median CPU of one burst (one sample) in ms."""
        return 1000 * statistics.median(c for _, c in self.steps) if self.steps else None

    @property
    def cadence_s(self) -> float | None:
        """Median time between two bursts' starts (the sampler's cadence, unless other
        work of the server's makes bursts of its own)."""
        if len(self.steps) < 2:
            return None
        return statistics.median(b[0] - a[0] for a, b in zip(self.steps, self.steps[1:]))

    @property
    def cycles_ms_per_s(self) -> float | None:
        """CPU per second over whole cycles: from the tick before the first burst to the
        tick before the last (so the window's phase does not add or drop a sample)."""
        if len(self.steps) < 2:
            return None
        times = [t for t, _ in self.timeline]
        i, j = times.index(self.steps[0][0]), times.index(self.steps[-1][0])
        span = self.timeline[j][0] - self.timeline[i][0]
        return 1000 * (self.timeline[j][1] - self.timeline[i][1]) / span if span > 0 else None

    @property
    def ms_per_s(self) -> float:
        return 1000 * self.cpu["clock_s"] / self.seconds

    @property
    def plain_ms_per_s(self) -> float | None:
        return None if self.plain_cpu is None else 1000 * self.plain_cpu["clock_s"] / self.seconds

    @property
    def stat_ms_per_s(self) -> float:
        return 1000 * self.cpu["stat_s"] / self.seconds


def idle_window(server: Server, plain: Server | None, case: str, seconds: float) -> IdleWindow:
    under = descendants(server.pid)
    host = len(psutil.pids())
    print(f"  window {case}: {seconds:g} s, {under} processes under the server", flush=True)
    p0 = proc_cpu(plain.pid) if plain is not None else None
    c0, t0 = proc_cpu(server.pid), time.perf_counter()
    # The server's CPU clock every TICK_S (reading it costs the server nothing): the steps
    # are its samples, which give the cost of one sample and the cadence.
    timeline = [(0.0, c0["clock_s"])]
    end = t0 + seconds
    while (now := time.perf_counter()) < end:
        time.sleep(min(TICK_S, end - now))
        timeline.append((time.perf_counter() - t0, _servers.cpu_seconds(server.pid)))
    c1, t1 = proc_cpu(server.pid), time.perf_counter()
    p1 = proc_cpu(plain.pid) if plain is not None else None
    load = f"{os.getloadavg()[0]:.2f}"
    plain_cpu = delta(p0, p1) if p0 is not None and p1 is not None else None
    window = IdleWindow(case, t1 - t0, under, host, delta(c0, c1), load, plain_cpu)
    window.timeline = timeline
    window.steps = find_steps(timeline)
    return window


def find_steps(timeline: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start time, CPU seconds) of each burst of the server's CPU: runs of ticks that used
    more than STEP_MIN_S (and 5 x the median tick) merged; what it used between them is left
    out. With nobody connected, the bursts are the sampler's samples."""
    rises = [b[1] - a[1] for a, b in zip(timeline, timeline[1:])]
    if not rises:
        return []
    floor = max(STEP_MIN_S, 5 * statistics.median(rises))
    steps: list[tuple[float, float]] = []
    in_step = False
    for (t, _), rise in zip(timeline, rises):
        if rise > floor:
            if in_step:
                steps[-1] = (steps[-1][0], steps[-1][1] + rise)
            else:
                steps.append((t, rise))
            in_step = True
        else:
            in_step = False
    return steps


def plain_spec(venv: Path) -> ServerSpec:
    """jupyter_server + jupyterlab of the anchor venv with every anchor's extension off."""
    off = ("jupyter_resource_usage", "jupyter_power_usage", "jupyterlab_slurm")
    return ServerSpec(
        PLAIN_IDLE,
        "plain jupyter_server + jupyterlab",
        venv / "bin" / "python",
        "api/status",
        args=tuple(f"--ServerApp.jpserver_extensions={name}=False" for name in off),
    )


def farm_kernelspec(home: Path, count: int, ready: Path) -> None:
    folder = home / "data" / "kernels" / FARM_KERNEL
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(FARM), "kernel", "--count", str(count), "--ready", str(ready)]
    spec = {
        "argv": [*argv, "-f", "{connection_file}"],
        "display_name": f"ipykernel with {count} sleeping children",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))


def measure_idle_part(
    workdir: Path, powercap: Path, source: Path | None, args: argparse.Namespace
) -> tuple[list[IdleWindow], dict[str, Any]]:
    spec = dataclasses.replace(our_server(powercap, source), key=IDLE_KEY)
    ready = workdir / "kernel-farm.json"
    farm_kernelspec(workdir / IDLE_KEY, args.kernel_processes, ready)
    servers = [_servers.start(spec, workdir)]
    server = servers[0]
    if (args.anchor_venv / "bin" / "python").exists():
        servers.append(_servers.start(plain_spec(args.anchor_venv), workdir))
    plain = servers[1] if len(servers) > 1 else None
    windows: list[IdleWindow] = []
    sections: dict[str, Any] = {}
    try:
        # Only /api/status: a request to a metrics route would count as a client polling.
        for s in servers:
            _servers.wait_until(s, "/api/status", args.startup_timeout)
        print(f"part 2: idle sampler, settling {args.idle_settle:g} s", flush=True)
        time.sleep(args.idle_settle)
        windows.append(idle_window(server, plain, "quiet", args.window))
        kernel = request(server, "POST", "/api/kernels", {"name": FARM_KERNEL})
        wait_for_file(ready, args.startup_timeout, "the kernel's farm")
        time.sleep(args.kernel_settle)
        windows.append(idle_window(server, plain, "kernel", args.window))
        # After the windows: what the sections said (shows each one ran), not timed.
        status, body = one_get(server, server.metrics_url)
        sections = summarize_sections(body) if status == 200 else {"error": f"HTTP {status}"}
        request(server, "DELETE", f"/api/kernels/{kernel['id']}")
    finally:
        end_farm(ready)
        for s in servers:
            _servers.stop(s)
            (args.out / f"cpu-{s.key}.log").write_bytes(s.log_path.read_bytes())
    return windows, sections


def summarize_sections(body: str) -> dict[str, Any]:
    """Each section's availability and its key figures, from one `metrics` answer."""
    try:
        data = json.loads(body)
    except ValueError:
        return {"error": "not JSON"}
    keep = (
        "available",
        "reason",
        "used_cores",
        "limit_cores",
        "limit_source",
        "used_bytes",
        "watts",
        "share",
        "attribution",
    )
    return {
        name: {k: v for k, v in section.items() if k in keep}
        for name, section in data.items()
        if isinstance(section, dict)
    }


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(stats: RequestStats) -> dict[str, float]:
    lat = stats.latencies_ms
    return {
        "cpu_ms": 1000 * stats.cpu_s / stats.count,
        "p50_ms": statistics.median(lat),
        "p99_ms": percentile(lat, 0.99),
    }


def request_table(cases: Sequence[RequestCase]) -> str:
    head = [
        "host processes",
        "figure",
        *TARGETS,
        f"{OURS_METRICS}/{ANCHOR}",
        f"{OURS_SCRAPE}/{ANCHOR}",
        f"{OURS_SCRAPE}/{PLAIN_SCRAPE}",
    ]
    rows = []
    for case in cases:
        s = {k: summary(case.stats[k]) for k in TARGETS}
        label = f"{case.processes_on_host} (+{case.host_processes})"
        for metric, name in (
            ("cpu_ms", "server CPU per request (ms)"),
            ("p50_ms", "latency p50 (ms)"),
            ("p99_ms", "latency p99 (ms)"),
        ):
            r1 = ratio(s[OURS_METRICS][metric], s[ANCHOR][metric])
            r2 = ratio(s[OURS_SCRAPE][metric], s[ANCHOR][metric])
            r3 = ratio(s[OURS_SCRAPE][metric], s[PLAIN_SCRAPE][metric])
            cells = [fmt(s[k][metric], 3 if metric == "cpu_ms" else 2) for k in TARGETS]
            rows.append([label, name, *cells, fmt(r1, 3), fmt(r2, 3), fmt(r3, 2)])
        bad = {k: case.stats[k].non_200 for k in TARGETS if case.stats[k].non_200}
        if bad:
            rows.append(
                [label, "**non-200 answers**", *(str(bad.get(k, 0)) for k in TARGETS), "", "", ""]
            )
    return table(head, rows)


def flat_rows(cases: Sequence[RequestCase]) -> list[list[str]]:
    if len(cases) < 2:
        return []
    none, many = cases[0], cases[-1]
    rows = []
    f0, f1 = summary(none.stats[FLOOR])["cpu_ms"], summary(many.stats[FLOOR])["cpu_ms"]
    for k in TARGETS:
        a, b = summary(none.stats[k]), summary(many.stats[k])
        cells = [fmt(ratio(b[m], a[m])) for m in ("cpu_ms", "p50_ms", "p99_ms")]
        rows.append([k, *cells, fmt(ratio(b["cpu_ms"] / f1, a["cpu_ms"] / f0))])
    return rows


def background_table(cases: Sequence[RequestCase]) -> str:
    rows = [
        [
            f"{c.processes_on_host} (+{c.host_processes})",
            *(fmt(c.background_ms_per_s.get(k)) for k in ("ours", ANCHOR)),
        ]
        for c in cases
    ]
    return table(["host processes", "ours", ANCHOR], rows)


def idle_table(windows: Sequence[IdleWindow]) -> str:
    rows = [
        [
            w.case,
            str(w.descendants),
            str(w.processes_on_host),
            f"{w.seconds:.1f}",
            fmt(w.ms_per_s, 3),
            fmt(w.stat_ms_per_s, 2),
            str(len(w.steps)),
            fmt(w.cadence_s, 1),
            fmt(w.per_sample_ms, 1),
            fmt(w.cycles_ms_per_s, 3),
            fmt(1000 * w.cpu["children_s"] / w.seconds, 2),
            fmt(w.plain_ms_per_s, 3),
            w.loadavg,
            f"≤ {IDLE_GOALS[w.case]:g}",
        ]
        for w in windows
    ]
    head = [
        "case",
        "processes under the server",
        "on the host",
        "window (s)",
        "server CPU (ms/s)",
        "same from /proc/<pid>/stat ticks (ms/s)",
        "bursts seen",
        "between bursts (s, median)",
        "CPU per burst (ms, median)",
        "over whole cycles (ms/s)",
        "reaped children's CPU (ms/s)",
        "plain server beside it, no kernel (ms/s)",
        "load (1 min) after",
        "goal (ms/s)",
    ]
    return table(head, rows)


def verdicts(cases: Sequence[RequestCase], windows: Sequence[IdleWindow]) -> list[str]:
    lines = []
    for case in cases:
        s = {k: summary(case.stats[k]) for k in TARGETS}
        for k in (OURS_METRICS, OURS_SCRAPE):
            r = ratio(s[k]["cpu_ms"], s[ANCHOR]["cpu_ms"])
            lines.append(
                check(f"CPU/request {k} / {ANCHOR}, +{case.host_processes} processes", r, COST_GOAL)
            )
    if len(cases) >= 2:
        for k in (OURS_METRICS, OURS_SCRAPE):
            a, b = summary(cases[0].stats[k]), summary(cases[-1].stats[k])
            label = f"CPU/request {k} with +{cases[-1].host_processes} processes / without"
            lines.append(check(label, ratio(b["cpu_ms"], a["cpu_ms"]), FLAT_GOAL))
            f0 = summary(cases[0].stats[FLOOR])["cpu_ms"]
            f1 = summary(cases[-1].stats[FLOOR])["cpu_ms"]
            r = ratio(b["cpu_ms"] / f1, a["cpu_ms"] / f0)
            lines.append(check(f"the same relative to {FLOOR}", r, FLAT_GOAL))
    for w in windows:
        cycles = w.cycles_ms_per_s
        label = f"idle sampler, {w.case} ({w.descendants} under the server), ms/s"
        if cycles is not None:
            label += f" over whole cycles (whole window: {fmt(w.ms_per_s, 3)})"
        lines.append(check(label, w.ms_per_s if cycles is None else cycles, IDLE_GOALS[w.case]))
    return lines


def uncommitted_line(files: Sequence[str]) -> str:
    if not files:
        return "Server code: as committed.  "
    return (
        "Server code: **the working tree, with uncommitted changes** in "
        + ", ".join(f"`{f}`" for f in files)
        + ".  "
    )


def render(
    ctx: dict[str, Any],
    cases: Sequence[RequestCase],
    windows: Sequence[IdleWindow],
    sections: dict[str, Any],
    args: argparse.Namespace,
) -> str:
    anchor = ctx.get("anchor") or {}
    parts = [
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, Linux {ctx['kernel']}, Python "
        f"{ctx['python']}, load avg at start {ctx['loadavg']}, at end {ctx['loadavg_end']}, "
        f"{ctx['host_processes']} processes on the host at start  ",
        f"Versions: jupyterlab-hpc {ctx['ours']} (git {ctx['git']}), jupyter-resource-usage "
        f"{anchor.get('jupyter-resource-usage', '?')}, jupyter_server {ctx['jupyter_server']}  ",
        uncommitted_line(ctx.get("uncommitted") or []),
        f"Command: `{ctx['command']}`",
        "",
    ]
    if cases:
        parts += [
            "### 1. Per request: our `metrics` and `/metrics` scrape vs resource-usage "
            "with CPU tracking",
            "",
            f"{args.requests} sequential keep-alive GETs per route after {args.warmup} warm-up, "
            f"in {args.rounds} interleaved blocks; server CPU = the server process's own CPU "
            "time over the blocks / requests (our sampler's background work included). "
            f"`{OURS_METRICS}` = `GET /jupyterlab-hpc/metrics`, `{OURS_SCRAPE}` = "
            f"jupyter_server's `GET /metrics`, both on our server; `{ANCHOR}` = "
            "`GET /api/metrics/v1` of jupyter-resource-usage with "
            "`--ResourceUseDisplay.track_cpu_percent=True` and its Prometheus callback off; "
            f"`{PLAIN_SCRAPE}` = jupyter_server's `GET /metrics` on the anchor's server (the "
            f"scrape without our families); `{FLOOR}` = `GET /api/status` on our server. The "
            "extra host processes are `sleep` children of a helper the bench started, under "
            "no server.",
            "",
            request_table(cases),
            "",
        ]
        if len(cases) >= 2:
            parts += [
                f"With +{cases[-1].host_processes} host processes / without (1.00 = flat):",
                "",
                table(
                    ["route", "CPU/request", "p50", "p99", f"CPU/request relative to {FLOOR}"],
                    flat_rows(cases),
                ),
                "",
                f"The last column divides out what the extra processes cost every request "
                f"(`{FLOOR}`, `GET /api/status`, runs none of our code).",
                "",
            ]
        parts += [
            "Each server's own CPU with no request (ms/s over 10 s, just before the requests):",
            "",
            background_table(cases),
            "",
        ]
    if windows:
        parts += [
            "### 2. The sampler with nobody connected",
            "",
            f"A fresh server of ours (fake RAPL, so power attribution runs); no request to any "
            f"metrics route from its start (readiness from `/api/status` only); "
            f"{args.idle_settle:g} s to settle, then a {args.window:g} s window (quiet); then "
            f"a kernel started with `POST /api/kernels` (a real ipykernel that runs "
            f"{args.kernel_processes} `sleep` children, through a helper child), "
            f"{args.kernel_settle:g} s after they all run, and a second window. Server CPU from "
            "the process's CPU clock (ns; /proc/<pid>/stat's utime+stime in 10 ms ticks "
            f"beside it), read every {TICK_S:g} s: its bursts are mostly the samples (any "
            "other timer of the server's makes bursts too), which give the cadence, one "
            "sample's CPU (median), and the CPU per second over whole cycles (from just "
            "before the first burst seen to just before the last, so that the window's phase "
            "neither adds nor drops a sample: the steady figure, checked against the goals). "
            "Beside it, for scale, a plain jupyter_server + jupyterlab (the anchor venv, every "
            "anchor off, no kernel) started at the same time, measured over the same windows.",
            "",
            idle_table(windows),
            "",
            "Sections in one `metrics` answer after the windows: `" + json.dumps(sections) + "`",
            "",
        ]
    parts += ["### Targets (issue 13)", "", *verdicts(cases, windows)]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    raise_on_sigterm()
    args.out.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = context(args, argv)
    ctx["command"] = " ".join(["bench/run --suite cpu", *argv])
    cases: list[RequestCase] = []
    windows: list[IdleWindow] = []
    sections: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        source = None
        ctx["uncommitted"] = uncommitted_server_files()
        if args.ours_rev:
            source, sha = export_rev(args.ours_rev, workdir)
            ctx["ours"] = f"exported from git {sha[:12]} (`--ours-rev {args.ours_rev}`)"
            ctx["git"] = sha[:12]
            ctx["uncommitted"] = []
        powercap = stack.enter_context(_rapl.fake_powercap(workdir / "powercap"))
        if "requests" in args.parts:
            cases = measure_request_part(workdir, powercap, source, args)
        if "idle" in args.parts:
            windows, sections = measure_idle_part(workdir, powercap, source, args)
    ctx["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = render(ctx, cases, windows, sections, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items()},
        "per_request": [
            {
                **dataclasses.asdict(c),
                "summary": {k: summary(c.stats[k]) for k in TARGETS},
            }
            for c in cases
        ],
        "idle": [
            {
                **dataclasses.asdict(w),
                "ms_per_s": w.ms_per_s,
                "stat_ms_per_s": w.stat_ms_per_s,
                "plain_ms_per_s": w.plain_ms_per_s,
                "per_sample_ms": w.per_sample_ms,
                "cadence_s": w.cadence_s,
                "cycles_ms_per_s": w.cycles_ms_per_s,
            }
            for w in windows
        ],
        "sections": sections,
    }
    save_report(args.out, "cpu", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers and helper processes stopped", file=sys.stderr)
        sys.exit(130)
