"""Side-by-side cost of jupyterlab-hpc's `metrics` route and the anchors' routes.

The anchors: jupyter-resource-usage (`/api/metrics/v1`) and jupyter-power-usage
(`/api/metrics/v1/power_usage`). Started by `bench/run` with our virtualenv's Python.
Measures, on this machine and in one run: latency and server CPU per request, then server
CPU per minute while 0, 1 and N simulated browser tabs poll every few seconds. Prints
Markdown tables with ratio columns (ours / anchor) and writes them, plus the raw figures
as JSON, under `bench/out/`. A fake RAPL tree (`_rapl.py`) feeds both power readers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import importlib.machinery
import importlib.metadata
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

import _rapl
import _servers
import psutil
from _http import BrowserCache, Client, FetchStats, fetch_uncached
from _report import save_report
from _servers import Server, ServerSpec

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OURS, ANCHOR, ANCHOR_NOPROM, ANCHOR_POWER = "ours", "anchor", "anchor-noprom", "anchor-power"
ANCHORS = (ANCHOR, ANCHOR_NOPROM, ANCHOR_POWER)
ALL_SERVERS = (OURS, *ANCHORS)
POWER_SHIM = BENCH / "_power_shim"  # sitecustomize.py: points power-usage at the fake RAPL
FLOOR = "floor"  # GET /api/status on the first server: what any jupyter_server API costs
MODES = ("independent", "browser")
MODE_HELP = {
    "independent": "every tab always sends its request to the server",
    "browser": "the tabs share one browser HTTP cache that honours Cache-Control max-age",
}


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=500, help="measured GETs per server")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured GETs first")
    p.add_argument("--rounds", type=int, default=5, help="interleaved blocks per server")
    p.add_argument("--duration", type=float, default=60.0, help="seconds per polling window")
    p.add_argument("--interval", type=float, default=5.0, help="poll interval of a tab (s)")
    p.add_argument("--tabs", type=int, default=10, help="the 'many tabs' count")
    p.add_argument("--modes", default=",".join(MODES), help="tab modes to run")
    p.add_argument(
        "--servers",
        default=",".join(ALL_SERVERS),
        help=f"servers to run, from {','.join(ALL_SERVERS)} (e.g. ours,anchor-power)",
    )
    p.add_argument(
        "--rapl",
        choices=("fake", "host"),
        default="fake",
        help="fake: both power readers read a fake RAPL tree rising at fixed watts "
        "(this machine has none); host: both read the host's /sys/class/powercap",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the tab staggering")
    default_venv = os.environ.get("BENCH_ANCHOR_VENV") or str(BENCH / ".venv-anchor")
    p.add_argument("--anchor-venv", type=Path, default=Path(default_venv))
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results + server logs")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument(
        "--settle", type=float, default=5.0, help="idle seconds after start-up (lsp scan etc.)"
    )
    args = p.parse_args(argv)
    check_args(p, args)
    return args


def check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    args.modes = [m for m in args.modes.split(",") if m]
    args.servers = [s for s in args.servers.split(",") if s]
    if not set(args.modes) <= set(MODES):
        p.error(f"--modes: choose from {MODES}")
    if not args.servers or not set(args.servers) <= set(ALL_SERVERS):
        p.error(f"--servers: choose from {', '.join(ALL_SERVERS)}")
    if args.requests < args.rounds or args.rounds < 1 or args.warmup < 0:
        p.error("need --requests >= --rounds >= 1 and --warmup >= 0")
    if not 0 <= args.settle <= 300:
        p.error("need 0 <= --settle <= 300")
    if not 1 <= args.interval <= args.duration <= 3600 or args.tabs < 2:
        p.error("need 1 <= --interval <= --duration <= 3600 and --tabs >= 2")


# --------------------------------------------------------------------------- servers


def installed_package_dir() -> Path | None:
    """Where the venv has `jupyterlab_hpc` installed (the working tree does not count)."""
    paths = [p for p in sys.path if p and Path(p).resolve() != REPO]
    spec = importlib.machinery.PathFinder.find_spec("jupyterlab_hpc", paths)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).resolve().parent
    return None if folder == REPO / "jupyterlab_hpc" else folder


def same_python_sources(installed: Path, source: Path) -> bool:
    """Whether every .py file of the source tree is in the installed copy, unchanged."""
    for path in source.rglob("*.py"):
        twin = installed / path.relative_to(source)
        if not twin.is_file() or twin.read_bytes() != path.read_bytes():
            return False
    return True


def ours_origin() -> str:
    """`installed` when the venv's copy is the working tree's code, else `source`."""
    installed = installed_package_dir()
    if installed is not None and same_python_sources(installed, REPO / "jupyterlab_hpc"):
        return "installed"
    return "source"


def ours_env() -> dict[str, str]:
    # As installed when the venv's copy is up to date, else the working tree (PYTHONPATH
    # wins over site-packages), so that a stale install is never what gets measured.
    return {} if ours_origin() == "installed" else {"PYTHONPATH": str(REPO)}


def ours_power_traits() -> list[str]:
    """HPCPower's config traits in the code that will run ([] if it cannot be imported)."""
    code = (
        "import json; from jupyterlab_hpc.power.config import HPCPower;"
        "print(json.dumps(sorted(HPCPower.class_trait_names(config=True))))"
    )
    env = {**os.environ, **ours_env()}
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        return list(json.loads(out.stdout)) if out.returncode == 0 else []
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return []


def ours_spec(powercap_root: Path | None) -> ServerSpec:
    args = ["--ServerApp.jpserver_extensions=jupyterlab_hpc=True"]
    if powercap_root is not None:
        if "powercap_root" in ours_power_traits():
            args.append(f"--HPCPower.powercap_root={powercap_root}")
        else:
            print("warning: HPCPower.powercap_root missing: ours reads no fake RAPL", flush=True)
    return ServerSpec(
        key=OURS,
        label="jupyterlab-hpc",
        python=Path(sys.executable),
        metrics_path="jupyterlab-hpc/metrics",
        args=tuple(args),
        env=ours_env(),
    )


def anchor_specs(venv: Path, powercap_root: Path | None) -> dict[str, ServerSpec]:
    """The anchors share one venv: each server turns the other anchors' extensions off."""
    python = venv / "bin" / "python"
    no_slurm = "--ServerApp.jpserver_extensions=jupyterlab_slurm=False"  # bench_slurm.py's
    no_power = "--ServerApp.jpserver_extensions=jupyter_power_usage=False"
    no_resource = "--ServerApp.jpserver_extensions=jupyter_resource_usage=False"
    power_env = {}
    if powercap_root is not None:
        # The only deviation from its defaults: its RAPL directory constant, set at import.
        power_env = {
            "PYTHONPATH": str(POWER_SHIM),
            "BENCH_RAPL_API_DIR": str(powercap_root / "intel-rapl"),
        }
    return {
        ANCHOR: ServerSpec(
            ANCHOR, "resource-usage (defaults)", python, "api/metrics/v1", args=(no_power, no_slurm)
        ),
        ANCHOR_NOPROM: ServerSpec(
            ANCHOR_NOPROM,
            "resource-usage (Prometheus off)",
            python,
            "api/metrics/v1",
            args=(
                no_power,
                no_slurm,
                "--ResourceUseDisplay.enable_prometheus_metrics=False",
            ),
        ),
        ANCHOR_POWER: ServerSpec(
            ANCHOR_POWER,
            "power-usage (defaults)",
            python,
            "api/metrics/v1/power_usage",
            args=(no_resource, no_slurm),
            env=power_env,
        ),
    }


def describe(spec: ServerSpec) -> str:
    flags = " ".join(f"`{a}`" for a in spec.args if "jpserver_extensions" not in a)
    if "BENCH_RAPL_API_DIR" in spec.env:
        flags += " RAPL_API_DIR → fake tree (`_power_shim/sitecustomize.py`)"
    elif spec.key == ANCHOR_POWER:
        flags += " RAPL_API_DIR as installed"
    return f"{spec.label}, GET /{spec.metrics_path}" + (f", {flags.strip()}" if flags else "")


def specs_for(args: argparse.Namespace, powercap_root: Path | None) -> list[ServerSpec]:
    every = {OURS: ours_spec(powercap_root), **anchor_specs(args.anchor_venv, powercap_root)}
    return [every[key] for key in args.servers]


@contextmanager
def running(specs: Sequence[ServerSpec], workdir: Path, timeout: float) -> Iterator[list[Server]]:
    """Start every server, wait for /api/status and the metrics route; always stop them."""
    servers: list[Server] = []
    try:
        for spec in specs:
            servers.append(_servers.start(spec, workdir))
        for server in servers:
            _servers.wait_until(server, "/api/status", timeout)
            _servers.wait_until(server, server.metrics_url, timeout)
        yield servers
    finally:
        for server in servers:
            _servers.stop(server)


def clock_check(servers: Sequence[Server]) -> dict[str, float]:
    """Total server CPU from the ns clock minus /proc/<pid>/stat's; differs by < 2 ticks."""
    diffs = {
        s.key: _servers.cpu_seconds(s.pid) - _servers.psutil_cpu_seconds(s.pid) for s in servers
    }
    for key, diff in diffs.items():
        if abs(diff) > 0.05:
            print(f"warning: {key}: CPU clock and /proc stat differ by {diff:.3f} s", flush=True)
    return {k: round(v, 4) for k, v in diffs.items()}


def final_answers(servers: Sequence[Server]) -> dict[str, str]:
    """One GET of each metrics route after the measurements (not timed): what it reports.

    The previous request was a poll ≤ one interval earlier, so a reader that averages
    since its previous request (the power anchor) reports an average over seconds.
    """
    out = {}
    for s in servers:
        client = Client(s.port, s.token)
        try:
            resp = client.get(s.metrics_url)
            body = resp.body.decode(errors="replace")
            out[s.key] = body if resp.status == 200 else f"HTTP {resp.status}: {body}"
        finally:
            client.close()
    return out


def raise_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# --------------------------------------------------------------------------- per request


@dataclass
class RequestStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # one per latency
    cpu_s: float = 0.0
    non_200: int = 0
    body_bytes: int = 0
    cache_control: list[str] = field(default_factory=list)  # distinct values seen

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies_ms)
        return {
            "median_ms": statistics.median(lat),
            "p95_ms": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
            "cpu_ms_per_req": 1000.0 * self.cpu_s / len(lat),
        }


@dataclass(frozen=True)
class Target:
    """One route of one server measured in the per-request phase."""

    key: str
    server: Server
    path: str


def targets_for(servers: Sequence[Server]) -> list[Target]:
    """Each server's metrics route, plus jupyter_server's own `/api/status` as the floor."""
    targets = [Target(s.key, s, s.metrics_url) for s in servers]
    return [*targets, Target(FLOOR, servers[0], "/api/status")]


def timed_block(target: Target, client: Client, n: int, stats: RequestStats) -> None:
    pid = target.server.pid
    cpu0 = _servers.cpu_seconds(pid)
    for _ in range(n):
        resp = client.get(target.path)
        stats.latencies_ms.append(1000.0 * resp.seconds)
        stats.statuses.append(resp.status)
        stats.non_200 += resp.status != 200
        if resp.status == 200:
            stats.body_bytes = len(resp.body)
        value = resp.headers.get("cache-control", "(none)")
        if value not in stats.cache_control:
            stats.cache_control.append(value)
    stats.cpu_s += _servers.cpu_seconds(pid) - cpu0


def blocks(total: int, rounds: int) -> list[int]:
    base, extra = divmod(total, rounds)
    return [base + (i < extra) for i in range(rounds)]


def measure_requests(
    targets: Sequence[Target], n: int, warmup: int, rounds: int
) -> dict[str, RequestStats]:
    """N sequential keep-alive GETs per target, interleaved across targets in blocks."""
    clients = {t.key: Client(t.server.port, t.server.token) for t in targets}
    stats = {t.key: RequestStats() for t in targets}
    try:
        for t in targets:
            for _ in range(warmup):
                clients[t.key].get(t.path)
        for i, size in enumerate(blocks(n, rounds)):
            shift = i % len(targets)  # rotate the order so no target always goes first
            for t in [*targets[shift:], *targets[:shift]]:
                timed_block(t, clients[t.key], size, stats[t.key])
    finally:
        for c in clients.values():
            c.close()
    return stats


# --------------------------------------------------------------------------- polling tabs


@dataclass
class Tab:
    server: Server
    client: Client
    fetch: Callable[[], object]


@dataclass
class WindowResult:
    mode: str
    tabs: int
    seconds: float
    cpu_ms_per_min: dict[str, float]
    fetch: dict[str, FetchStats]


def make_tabs(
    servers: Sequence[Server], count: int, mode: str
) -> tuple[list[Tab], dict[str, FetchStats]]:
    tabs: list[Tab] = []
    stats = {s.key: FetchStats() for s in servers}
    for s in servers:
        cache = BrowserCache()  # one browser per server; its tabs share the cache
        for _ in range(count):
            client = Client(s.port, s.token)
            tabs.append(Tab(s, client, tab_fetch(mode, cache, client, s, stats[s.key])))
    return tabs, stats


def tab_fetch(
    mode: str, cache: BrowserCache, client: Client, server: Server, stats: FetchStats
) -> Callable[[], object]:
    if mode == "browser":
        return lambda: cache.fetch(client, server.metrics_url, stats)
    return lambda: fetch_uncached(client, server.metrics_url, stats)


def poll(
    tabs: Sequence[Tab], start: float, end: float, interval: float, rng: random.Random
) -> None:
    """Each tab fires every `interval` s from a random phase in [0, interval) until `end`."""
    queue = [(start + rng.uniform(0.0, interval), i) for i in range(len(tabs))]
    heapq.heapify(queue)
    while queue:
        due, i = heapq.heappop(queue)
        if due >= end:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        tabs[i].fetch()
        heapq.heappush(queue, (due + interval, i))
    time.sleep(max(0.0, end - time.perf_counter()))


def polling_window(
    servers: Sequence[Server],
    count: int,
    mode: str,
    args: argparse.Namespace,
    rng: random.Random,
) -> WindowResult:
    """Server CPU per minute while `count` tabs per server poll for `args.duration` s."""
    tabs, stats = make_tabs(servers, count, mode)
    try:
        cpu0 = {s.key: _servers.cpu_seconds(s.pid) for s in servers}
        start = time.perf_counter()
        poll(tabs, start, start + args.duration, args.interval, rng)
        seconds = time.perf_counter() - start
        cpu1 = {s.key: _servers.cpu_seconds(s.pid) for s in servers}
    finally:
        for t in tabs:
            t.client.close()
    per_min = {k: 60_000.0 * (cpu1[k] - cpu0[k]) / seconds for k in cpu0}
    return WindowResult(mode, count, seconds, per_min, stats)


def measure_polling(
    servers: Sequence[Server], args: argparse.Namespace, rng: random.Random
) -> list[WindowResult]:
    plan = [("idle", 0)] + [(m, n) for m in args.modes for n in (1, args.tabs)]
    results = []
    for mode, count in plan:
        print(f"  window: {count} tab(s), {mode}, {args.duration:.0f} s", flush=True)
        results.append(polling_window(servers, count, mode, args, rng))
    return results


# --------------------------------------------------------------------------- context


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ours_version() -> str:
    pkg = json.loads((REPO / "package.json").read_text())
    if ours_origin() == "installed":
        return f"{importlib.metadata.version('jupyterlab-hpc')} (installed, = working tree)"
    stale = "; the installed copy differs" if installed_package_dir() else ""
    return f"{pkg.get('version', '?')} (working tree via PYTHONPATH{stale})"


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "no commit yet"


def anchor_versions(venv: Path) -> dict[str, str]:
    try:
        marker = json.loads((venv / "bench-anchor.json").read_text())
    except (OSError, ValueError):
        return {}
    return dict(marker.get("versions", {}))


def context(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run", *argv]),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        # The anchor walks every process of the host on each request: its cost grows with this.
        "host_processes": len(psutil.pids()),
        "ours": ours_version(),
        "git": git_revision(),
        "jupyter_server": importlib.metadata.version("jupyter_server"),
        "tornado": importlib.metadata.version("tornado"),
        "anchor": anchor_versions(args.anchor_venv),
        "rapl": args.rapl,
    }


# --------------------------------------------------------------------------- report


def fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def anchor_keys(servers: Sequence[str]) -> list[str]:
    return [k for k in ANCHORS if k in servers] if OURS in servers else []


def header_row(servers: Sequence[str], first: Sequence[str]) -> list[str]:
    return [*first, *servers, *(f"{OURS}/{a}" for a in anchor_keys(servers))]


def value_row(first: Sequence[str], values: dict[str, float], servers: Sequence[str]) -> list[str]:
    cells = [fmt(values.get(k)) for k in servers]
    ratios = [fmt(ratio(values.get(OURS), values.get(a))) for a in anchor_keys(servers)]
    return [*first, *cells, *ratios]


def request_table(req: dict[str, RequestStats], servers: Sequence[str]) -> str:
    summaries = {k: req[k].summary() for k in servers}
    rows = [
        value_row([label], {k: summaries[k][metric] for k in servers}, servers)
        for metric, label in (
            ("median_ms", "median latency (ms)"),
            ("p95_ms", "p95 latency (ms)"),
            ("cpu_ms_per_req", "server CPU per request (ms)"),
        )
    ]
    blank = [""] * len(anchor_keys(servers))
    for label, attr in (("response body (bytes)", "body_bytes"), ("non-200 answers", "non_200")):
        rows.append([label, *(str(getattr(req[k], attr)) for k in servers), *blank])
    return table(header_row(servers, ["per request"]), rows)


def polling_rows(windows: Sequence[WindowResult], servers: Sequence[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    by_key = {(w.mode, w.tabs): w for w in windows}
    for w in windows:
        rows.append(value_row([w.mode, str(w.tabs)], w.cpu_ms_per_min, servers))
        one = by_key.get((w.mode, 1))
        if w.tabs > 1 and one is not None:
            r = {k: ratio(w.cpu_ms_per_min[k], one.cpu_ms_per_min[k]) for k in servers}
            cells = [fmt(r[k]) for k in servers]
            label = f"**{w.tabs} tabs / 1 tab**"
            rows.append([w.mode, label, *cells, *([""] * len(anchor_keys(servers)))])
    return rows


def polling_table(windows: Sequence[WindowResult], servers: Sequence[str]) -> str:
    head = header_row(servers, ["tab mode", "tabs"])
    return table(head, polling_rows(windows, servers))


def traffic_table(windows: Sequence[WindowResult], servers: Sequence[str]) -> str:
    rows = []
    for w in windows:
        if w.tabs == 0:
            continue
        cells = [
            f"{w.fetch[k].network}/{w.fetch[k].polls}"
            + (f" ({w.fetch[k].not_modified} x 304)" if w.fetch[k].not_modified else "")
            + (f" **{w.fetch[k].errors} errors**" if w.fetch[k].errors else "")
            for k in servers
        ]
        rows.append([w.mode, str(w.tabs), *cells])
    return table(["tab mode", "tabs", *servers], rows)


def verdict_lines(
    req: dict[str, RequestStats], windows: Sequence[WindowResult], servers: Sequence[str]
) -> list[str]:
    if OURS not in servers:
        return ["- not checked: `ours` was not measured"]
    lines = []
    for a in anchor_keys(servers):
        o, b = req[OURS].summary(), req[a].summary()
        for metric, label in (("median_ms", "median latency"), ("cpu_ms_per_req", "CPU/request")):
            r = ratio(o[metric], b[metric])
            lines.append(check(f"{label} ours/{a}", r, 0.2))
    by_key = {(w.mode, w.tabs): w for w in windows}
    for w in windows:
        one = by_key.get((w.mode, 1))
        if w.tabs > 1 and one is not None and OURS in servers:
            r = ratio(w.cpu_ms_per_min[OURS], one.cpu_ms_per_min[OURS])
            lines.append(check(f"ours CPU/min {w.tabs} tabs / 1 tab, {w.mode} mode", r, 1.2))
    return lines


def check(label: str, value: float | None, limit: float) -> str:
    met = value is not None and value <= limit
    return f"- {label} = {fmt(value, 4)} (target ≤ {limit:g}): **{'met' if met else 'NOT met'}**"


def render(
    ctx: dict[str, object],
    req: dict[str, RequestStats],
    windows: Sequence[WindowResult],
    args: argparse.Namespace,
) -> str:
    servers = args.servers
    anchor = ctx["anchor"] if isinstance(ctx["anchor"], dict) else {}
    cache_control = {k: summarize_cache_control(req[k].cache_control) for k in servers}
    server_lines = ctx["servers"] if isinstance(ctx["servers"], dict) else {}
    parts = [
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, Linux {ctx['kernel']}, "
        f"Python {ctx['python']}, load avg at start {ctx['loadavg']}, "
        f"{ctx['host_processes']} processes on the host  ",
        f"Versions: jupyterlab-hpc {ctx['ours']} (git {ctx['git']}), "
        f"jupyter-resource-usage {anchor.get('jupyter-resource-usage', '?')}, "
        f"jupyter-power-usage {anchor.get('jupyter-power-usage', '?')} "
        f"(py3nvml {anchor.get('py3nvml', '?')}), "
        f"jupyter_server {ctx['jupyter_server']} (anchor venv "
        f"{anchor.get('jupyter_server', '?')}), tornado {ctx['tornado']} "
        f"(anchor venv {anchor.get('tornado', '?')})  ",
        f"Command: `{ctx['command']}`",
        "",
        "Servers: " + "; ".join(f"`{k}` = {v}" for k, v in server_lines.items()) + ".  ",
        "Cache-Control answered in the per-request phase: "
        + "; ".join(f"`{k}`: {v}" for k, v in cache_control.items())
        + "  ",
        power_line(ctx, servers),
        "",
        f"### Per request ({args.requests} sequential keep-alive GETs after {args.warmup} "
        f"warm-up, in {args.rounds} interleaved blocks)",
        "",
        request_table(req, servers),
        "",
        *errors_lines(req, servers),
        floor_line(req, servers),
        "",
        f"### Server CPU per minute (ms/min) with polling tabs ({args.duration:g} s windows, "
        f"each tab polls every {args.interval:g} s from a random phase, seed {args.seed})",
        "",
        *(f"- `{m}` mode: {MODE_HELP[m]}" for m in args.modes),
        "",
        polling_table(windows, servers),
        "",
        "Requests that reached each server / polls made by the tabs:",
        "",
        traffic_table(windows, servers),
        "",
        "### Targets (DESIGN.md, Budgets)",
        "",
        *verdict_lines(req, windows, servers),
    ]
    return "\n".join(parts) + "\n"


def summarize_cache_control(values: Sequence[str]) -> str:
    """Distinct Cache-Control values, max-age folded into a range: `private, max-age=0..4`."""
    ages = sorted({int(m) for v in values for m in re.findall(r"max-age=(\d+)", v)})
    shapes = sorted({re.sub(r"max-age=\d+", "max-age=<N>", v) for v in values})
    span = f"{ages[0]}..{ages[-1]}" if len(ages) > 1 else (str(ages[0]) if ages else "")
    return " / ".join(shape.replace("<N>", span) for shape in shapes)


def power_line(ctx: dict[str, object], servers: Sequence[str]) -> str:
    """What each power reader answered after the polling phase (shows that it did work)."""
    if ctx.get("rapl") == "fake":
        truth = ", ".join(f"{name} {w:g} W" for name, w in _rapl.WATTS.items())
        head = f"RAPL: fake powercap tree ({truth}), counters advanced every 0.1 s"
    else:
        head = "RAPL: the host's /sys/class/powercap"
    readings = ctx.get("final_answers")
    readings = readings if isinstance(readings, dict) else {}
    parts = []
    if OURS in readings:
        parts.append(f"`ours` cpu_power: {ours_power_summary(readings[OURS])}")
    if ANCHOR_POWER in readings:
        body = readings[ANCHOR_POWER].strip() or "(empty)"
        parts.append(f"`{ANCHOR_POWER}`: `{body[:200]}`")
    if not parts:
        return head + "."
    return head + ". Answers to one GET after the polling phase: " + "; ".join(parts) + "."


def ours_power_summary(body: str) -> str:
    try:
        power = json.loads(body).get("cpu_power")
    except (ValueError, AttributeError):
        return "(not JSON)"
    if not isinstance(power, dict):
        return "(absent)"
    keys = ("available", "watts", "node_watts", "share", "limit_watts", "attribution", "reason")
    return "`" + json.dumps({k: power[k] for k in keys if k in power}) + "`"


def errors_lines(req: dict[str, RequestStats], servers: Sequence[str]) -> list[str]:
    """For a server that answered errors: which, and the latency of its 200s alone."""
    lines = []
    for k in servers:
        stats = req[k]
        if not stats.non_200:
            continue
        codes = sorted({c for c in stats.statuses if c != 200})
        ok = [ms for ms, c in zip(stats.latencies_ms, stats.statuses) if c == 200]
        ok_median = fmt(statistics.median(ok)) if ok else "-"
        lines.append(
            f"`{k}` answered {stats.non_200} of {stats.count} requests with HTTP "
            f"{', '.join(map(str, codes))} (see its log in `bench/out/{k}.log`); they are "
            f"counted above. Median latency of its 200 answers alone: {ok_median} ms.  "
        )
    return lines


def floor_line(req: dict[str, RequestStats], servers: Sequence[str]) -> str:
    f = req[FLOOR].summary()
    return (
        f"Floor for context (GET /api/status of jupyter_server itself, on the `{servers[0]}` "
        f"server, same method): median {fmt(f['median_ms'])} ms, p95 {fmt(f['p95_ms'])} ms, "
        f"CPU {fmt(f['cpu_ms_per_req'])} ms per request."
    )


# --------------------------------------------------------------------------- main


def raw_results(
    ctx: dict[str, object],
    req: dict[str, RequestStats],
    windows: Sequence[WindowResult],
    args: argparse.Namespace,
) -> dict[str, object]:
    return {
        "context": ctx,
        "per_request": {k: {**v.summary(), **asdict(v)} for k, v in req.items()},
        "args": {k: str(v) for k, v in vars(args).items()},
        "polling": [asdict(w) for w in windows],
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    raise_on_sigterm()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    ctx = context(args, argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        powercap = None
        if args.rapl == "fake":
            powercap = stack.enter_context(_rapl.fake_powercap(workdir / "powercap"))
        specs = specs_for(args, powercap)
        ctx["servers"] = {s.key: describe(s) for s in specs}
        print("starting servers: " + ", ".join(s.key for s in specs), flush=True)
        with running(specs, workdir, args.startup_timeout) as servers:
            print(f"per-request phase: {args.requests} GETs per server", flush=True)
            time.sleep(args.settle)
            targets = targets_for(servers)
            req = measure_requests(targets, args.requests, args.warmup, args.rounds)
            print("polling phase", flush=True)
            windows = measure_polling(servers, args, rng)
            ctx["final_answers"] = final_answers(servers)
            ctx["cpu_clock_vs_proc_stat_s"] = clock_check(servers)
        for s in servers:
            (args.out / f"{s.key}.log").write_bytes(s.log_path.read_bytes())
    report = render(ctx, req, windows, args)
    save_report(args.out, "metrics", report, raw_results(ctx, req, windows, args))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
