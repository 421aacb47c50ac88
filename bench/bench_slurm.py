"""slurmctld RPCs per minute: jupyterlab-hpc's `slurm/jobs` against jupyterlab-slurm's `squeue`.

Both servers run side by side on the local Slurm testbed (`scripts/slurm-testbed`), each as
its own OS user, so that `sdiag`'s "RPCs by user" tells their load on the controller apart.
Simulated browser tabs poll each server as its front end does, in windows of 0 tabs, then 1
and N tabs per tab mode (as in the metrics suite): `independent`, no HTTP cache; `browser`,
the tabs of one browser share an HTTP cache that honours `Cache-Control: max-age` (the
anchor's requests are `no-store` and its answers carry no cache headers, so its tabs always
reach the server). Before each window `sdiag --reset` zeroes the controller's counters,
after it `sdiag` reads them. Started by `bench/run --suite slurm` (or after the
metrics suite) with our virtualenv's Python, as root. Prints a Markdown report and writes it,
with the raw figures as JSON, under `bench/out/`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import importlib.metadata
import json
import os
import pwd
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

import _servers
import psutil
from _http import BrowserCache, Client, FetchStats, Response, fetch_uncached
from _report import save_report
from _servers import Server, ServerSpec
from bench_metrics import (
    MODES,
    cpu_model,
    fmt,
    git_revision,
    ours_env,
    ours_version,
    ratio,
    summarize_cache_control,
    table,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTBED = REPO / "scripts" / "slurm-testbed"
OURS, ANCHOR = "ours", "anchor"
OURS_PATH = "/jupyterlab-hpc/slurm/jobs?scope=mine"
ANCHOR_PATH = "/jupyterlab_slurm/squeue"
ANCHOR_UI_CONFIG = "/jupyterlab_slurm/ui-config"
# Where the anchor's front end takes its settings' defaults from (its JSON schema).
ANCHOR_SCHEMA = "share/jupyter/labextensions/jupyterlab-slurm/schemas/jupyterlab-slurm/plugin.json"
OURS_MIN_INTERVAL = 5.0  # our front end never polls faster, whatever the server says
OURS_DEFAULT_INTERVAL = 15.0  # c.HPCSlurm.poll_interval's default, if the answer lacks it
STATS_INFO = "REQUEST_STATS_INFO"  # sdiag's own RPC: not load from the servers
SLEEP_JOB = "sleep 3600"
MODE_HELP = {
    "independent": "every poll of every tab is a request to the server (no HTTP cache)",
    "browser": "our tabs share one browser HTTP cache that honours Cache-Control max-age, "
    "as the tabs of one browser profile do; the anchor's tabs are the same as in "
    "`independent` mode (its requests are `no-store`, its answers carry no cache headers)",
}


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--duration", type=float, default=60.0, help="seconds per window")
    p.add_argument("--tabs", type=int, default=10, help="the 'many tabs' count")
    p.add_argument("--jobs", type=int, default=5, help=f"`{SLEEP_JOB}` jobs queued meanwhile")
    p.add_argument("--modes", default=",".join(MODES), help="tab modes to run")
    p.add_argument(
        "--ours-user",
        default="hpcbench",
        help="OS user that runs our server and owns the jobs (created if missing)",
    )
    p.add_argument(
        "--anchor-user",
        default="hpcanchor",
        help="OS user that runs jupyterlab-slurm (created if missing)",
    )
    p.add_argument(
        "--ours-interval",
        type=float,
        default=None,
        help="poll interval of our tabs (s); default: poll_interval_s from the answer, >= 5",
    )
    p.add_argument(
        "--anchor-interval",
        type=float,
        default=None,
        help="poll interval of the anchor's tabs (s); default: its front end's default "
        "(autoReloadRate in its settings schema, floored by squeue_reload_limit_ms)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=2,
        help="runs of a window again when someone else reset slurmctld's counters (or "
        "restarted it) meanwhile: the testbed is shared with the tests",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the tab staggering")
    default_venv = os.environ.get("BENCH_ANCHOR_VENV") or str(BENCH / ".venv-anchor")
    p.add_argument("--anchor-venv", type=Path, default=Path(default_venv))
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results + server logs")
    p.add_argument("--startup-timeout", type=float, default=120.0)
    p.add_argument("--settle", type=float, default=5.0, help="idle seconds after start-up")
    # bench/run's default run: ignore the metrics suite's options, skip if not root.
    p.add_argument("--after-metrics", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if rest and not args.after_metrics:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    args.modes = [m for m in args.modes.split(",") if m]
    if not args.modes or not set(args.modes) <= set(MODES):
        p.error(f"--modes: choose from {','.join(MODES)}")
    if not 10 <= args.duration <= 3600 or args.tabs < 2 or not 0 <= args.jobs <= 100:
        p.error("need 10 <= --duration <= 3600, --tabs >= 2 and 0 <= --jobs <= 100")
    if not 0 <= args.retries <= 10:
        p.error("need 0 <= --retries <= 10")
    if args.ours_user == args.anchor_user:
        p.error("--ours-user and --anchor-user must differ: RPCs are told apart by user")
    for value in (args.ours_interval, args.anchor_interval):
        if value is not None and value < 1:
            p.error("poll intervals must be >= 1 s")
    return args


# --------------------------------------------------------------------------- Slurm


def testbed_env() -> dict[str, str]:
    """`SLURM_CONF` of the testbed, as `scripts/slurm-testbed env` prints it."""
    out = subprocess.run(
        [sys.executable, str(TESTBED), "env"], capture_output=True, text=True, timeout=30
    )
    match = re.search(r"SLURM_CONF=(\S+)", out.stdout)
    if out.returncode != 0 or match is None:
        raise SystemExit(f"bench_slurm: `{TESTBED} env` failed: {out.stderr.strip()}")
    return {"SLURM_CONF": match.group(1)}


def start_testbed(users: Sequence[str]) -> dict[str, str]:
    """Start the testbed if it is down (idempotent; installs Slurm the first time).

    A user of `users` that does not exist is created by the testbed script, as it creates
    its own test user (`SLURM_TESTBED_USER`): no home outside the testbed folder, no login.
    """
    print("slurm testbed: scripts/slurm-testbed start", flush=True)
    subprocess.run([sys.executable, str(TESTBED), "start"], check=True, timeout=900)
    for user in users:
        try:
            pwd.getpwnam(user)
        except KeyError:
            print(f"slurm testbed: creating user {user}", flush=True)
            env = {**os.environ, "SLURM_TESTBED_USER": user}
            subprocess.run([sys.executable, str(TESTBED), "start"], check=True, env=env)
    return testbed_env()


def slurm(argv: Sequence[str], env: dict[str, str], **kw: object) -> str:
    out = subprocess.run(
        list(argv),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kw,  # type: ignore[call-overload]
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: rc {out.returncode}: {out.stderr.strip()}")
    return str(out.stdout)


@dataclass
class RpcStats:
    """One `sdiag` reading: RPC count and controller time (µs) by message type and by user."""

    by_type: dict[str, int] = field(default_factory=dict)
    by_user: dict[str, int] = field(default_factory=dict)
    time_by_user_us: dict[str, int] = field(default_factory=dict)
    since: int | None = None  # "Data since" (epoch s): when the counters were last reset


_RPC_LINE = re.compile(r"^\s+(\S+)\s+\(\s*\d+\)\s+count:(\d+)\s+ave_time:\d+\s+total_time:(\d+)")


def parse_sdiag(text: str) -> RpcStats:
    stats = RpcStats()
    section: str | None = None
    for line in text.splitlines():
        if line.startswith("Data since") and (m := re.search(r"\((\d+)\)", line)):
            stats.since = int(m.group(1))
        if "statistics by message type" in line:
            section = "type"
        elif "statistics by user" in line:
            section = "user"
        elif not line.strip() or not line[0].isspace():
            section = None
        elif section and (m := _RPC_LINE.match(line)):
            name, count, total = m.group(1), int(m.group(2)), int(m.group(3))
            if section == "type":
                stats.by_type[name] = count
            else:
                stats.by_user[name] = count
                stats.time_by_user_us[name] = total
    return stats


def sdiag_reset(env: dict[str, str]) -> None:
    slurm(["sdiag", "--reset"], env)


def sdiag_read(env: dict[str, str]) -> RpcStats:
    return parse_sdiag(slurm(["sdiag"], env))


def submit_jobs(count: int, user: str, env: dict[str, str]) -> list[str]:
    """`count` long sleep jobs owned by `user` (2 run, the rest wait, on a 2-CPU node)."""
    home = pwd.getpwnam(user).pw_dir
    ids = []
    for i in range(count):
        argv = ["sbatch", "--parsable", f"--job-name=bench-sleep-{i}", f"--chdir={home}"]
        argv += ["--output=/dev/null", f"--wrap={SLEEP_JOB}"]
        out = slurm(argv, env, cwd="/", **_servers.as_user(user))
        ids.append(out.strip().split(";")[0])
    return ids


def cancel_jobs(ids: Sequence[str], env: dict[str, str]) -> None:
    if ids:
        try:
            slurm(["scancel", *ids], env)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            print(f"warning: scancel {' '.join(ids)} failed: {error}", file=sys.stderr)


@contextmanager
def queued_jobs(count: int, user: str, env: dict[str, str]) -> Iterator[list[str]]:
    ids: list[str] = []
    try:
        ids = submit_jobs(count, user, env)
        yield ids
    finally:
        cancel_jobs(ids, env)


# --------------------------------------------------------------------------- servers


def specs(args: argparse.Namespace, env: dict[str, str]) -> list[ServerSpec]:
    anchor_python = args.anchor_venv / "bin" / "python"
    off = ("jupyter_resource_usage", "jupyter_power_usage")
    return [
        ServerSpec(
            key=OURS,
            label="jupyterlab-hpc",
            python=Path(sys.executable),
            metrics_path=OURS_PATH,
            args=("--ServerApp.jpserver_extensions=jupyterlab_hpc=True",),
            env={**ours_env(), **env},
            user=args.ours_user,
        ),
        ServerSpec(
            key=ANCHOR,
            label="jupyterlab-slurm (defaults)",
            python=anchor_python,
            metrics_path=ANCHOR_PATH,
            args=tuple(f"--ServerApp.jpserver_extensions={name}=False" for name in off),
            env=env,
            user=args.anchor_user,
        ),
    ]


@contextmanager
def running(
    server_specs: Sequence[ServerSpec], workdir: Path, timeout: float
) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for spec in server_specs:
            servers.append(_servers.start(spec, workdir))
        for server in servers:
            _servers.wait_until(server, "/api/status", timeout)
        yield servers
    finally:
        for server in servers:
            _servers.stop(server)


def wait_for_route(server: Server, timeout: float) -> int:
    """Status of the polled route once ready: 200, or what it kept answering (404: missing)."""
    if _servers.probe(server, server.metrics_url, timeout=30) == 404:
        return 404  # the route does not exist in this build: no point waiting
    _servers.wait_until(server, server.metrics_url, timeout)
    return 200


def get_json(server: Server, path: str) -> tuple[int, object]:
    client = Client(server.port, server.token)
    try:
        resp = client.get(path)
    finally:
        client.close()
    try:
        return resp.status, json.loads(resp.body)
    except ValueError:
        return resp.status, None


@dataclass(frozen=True)
class Intervals:
    ours: float
    anchor: float
    ours_source: str
    anchor_source: str


def ours_interval_from(body: object) -> float | None:
    value = body.get("poll_interval_s") if isinstance(body, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return max(OURS_MIN_INTERVAL, float(value))
    return None


def anchor_defaults(venv: Path) -> dict[str, object]:
    """The anchor front end's defaults, from the settings schema it ships."""
    try:
        schema = json.loads((venv / ANCHOR_SCHEMA).read_text())
        props = schema["properties"]
        return {k: props[k]["default"] for k in ("autoReload", "autoReloadRate", "userOnly")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def intervals(args: argparse.Namespace, ours: Server, anchor: Server) -> Intervals:
    if args.ours_interval is not None:
        ours_s, ours_src = args.ours_interval, "--ours-interval"
    else:
        found = ours_interval_from(get_json(ours, ours.metrics_url)[1])
        ours_s = found if found is not None else OURS_DEFAULT_INTERVAL
        ours_src = (
            "poll_interval_s of the answer (min 5 s)"
            if found is not None
            else f"no poll_interval_s in the answer: {OURS_DEFAULT_INTERVAL:g} s assumed"
        )
    if args.anchor_interval is not None:
        return Intervals(ours_s, args.anchor_interval, ours_src, "--anchor-interval")
    defaults = anchor_defaults(args.anchor_venv)
    if defaults.get("autoReload") is not True:
        raise SystemExit(f"bench_slurm: the anchor's schema has autoReload {defaults}; check it")
    rate = float(defaults["autoReloadRate"])  # type: ignore[arg-type]
    _status, body = get_json(anchor, ANCHOR_UI_CONFIG)
    data = body.get("data") if isinstance(body, dict) else None
    limit_ms = data.get("squeue_reload_limit_ms") if isinstance(data, dict) else None
    floor = float(limit_ms) / 1000 if isinstance(limit_ms, (int, float)) else 0.0
    src = (
        f"its settings schema's default autoReloadRate {rate:g} s, "
        f"floor squeue_reload_limit_ms {limit_ms} (ui-config)"
    )
    return Intervals(ours_s, max(rate, floor), ours_src, src)


# --------------------------------------------------------------------------- tabs


@dataclass
class TabStats(FetchStats):
    """Polls of one server's tabs; statuses and Cache-Control of the answers that reached it."""

    statuses: dict[str, int] = field(default_factory=dict)
    cache_control: list[str] = field(default_factory=list)  # distinct values seen


Fetcher = Callable[[Client, str, FetchStats], Response]


def fetcher(mode: str, key: str) -> Fetcher:
    """How a tab of server `key` gets its answer in tab mode `mode`.

    `browser`: our tabs go through one `BrowserCache` per window, shared by all of them (a
    new browser each window). The anchor's front end asks through JupyterLab's
    `ServerConnection`, whose requests are `cache: 'no-store'`: its tabs never use it.
    """
    if mode == "browser" and key == OURS:
        return BrowserCache().fetch
    return fetch_uncached


@dataclass
class Tab:
    server: Server
    client: Client
    interval: float
    stats: TabStats
    get: Fetcher

    def fetch(self) -> None:
        """One poll, as the front end does it: a GET (from the cache if `get` has one), then
        its timer."""
        sent = self.stats.network
        resp = self.get(self.client, self.server.metrics_url, self.stats)
        if self.stats.network > sent:  # it reached the server
            key = str(resp.status)
            self.stats.statuses[key] = self.stats.statuses.get(key, 0) + 1
            value = resp.headers.get("cache-control", "(none)")
            if value not in self.stats.cache_control:
                self.stats.cache_control.append(value)
        if resp.status != 200:
            return
        if self.server.key == OURS:
            # Our panel polls again after poll_interval_s of the last answer (min 5 s).
            try:
                found = ours_interval_from(json.loads(resp.body))
            except ValueError:
                found = None
            if found is not None:
                self.interval = found


def poll(tabs: Sequence[Tab], end: float, rng: random.Random) -> None:
    """Each tab fires first at a random phase within its interval, then `interval` s after
    its previous answer arrived (a timer started when the fetch resolves, as both front ends
    do), until `end`. One request at a time, so the servers never compete for the CPU."""
    now = time.perf_counter()
    queue = [(now + rng.uniform(0.0, t.interval), i) for i, t in enumerate(tabs)]
    heapq.heapify(queue)
    while queue:
        due, i = heapq.heappop(queue)
        if due >= end:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        tabs[i].fetch()
        heapq.heappush(queue, (time.perf_counter() + tabs[i].interval, i))
    time.sleep(max(0.0, end - time.perf_counter()))


def children_cpu(pid: int) -> float:
    """CPU of the server's finished children (its squeue processes)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.children_user + times.children_system)


@dataclass
class Window:
    reset_ok: bool  # the counters read at the end are those of our reset
    mode: str  # tab mode ("idle" for the 0-tab window)
    tabs: int
    seconds: float
    rpcs: RpcStats
    cpu_ms_per_min: dict[str, float]
    children_cpu_ms_per_min: dict[str, float]
    polls: dict[str, TabStats]
    attempts: int = 1  # windows spoiled by someone else's reset are run again


def window(
    servers: Sequence[Server],
    mode: str,
    count: int,
    start_intervals: dict[str, float],
    args: argparse.Namespace,
    env: dict[str, str],
    rng: random.Random,
) -> Window:
    stats = {s.key: TabStats() for s in servers}
    gets = {s.key: fetcher(mode, s.key) for s in servers}  # one browser per server
    tabs = [
        Tab(s, Client(s.port, s.token), start_intervals[s.key], stats[s.key], gets[s.key])
        for s in servers
        for _ in range(count)
    ]
    try:
        sdiag_reset(env)
        reset_at = time.time()
        cpu0 = {s.key: _servers.cpu_seconds(s.pid) for s in servers}
        kids0 = {s.key: children_cpu(s.pid) for s in servers}
        start = time.perf_counter()
        poll(tabs, start + args.duration, rng)
        seconds = time.perf_counter() - start
        cpu1 = {s.key: _servers.cpu_seconds(s.pid) for s in servers}
        kids1 = {s.key: children_cpu(s.pid) for s in servers}
        rpcs = sdiag_read(env)
    finally:
        for t in tabs:
            t.client.close()
    per_min = 60_000.0 / seconds
    # Someone else's reset or a slurmctld restart during the window would lose counts.
    reset_ok = rpcs.since is not None and abs(rpcs.since - reset_at) <= 2
    return Window(
        reset_ok=reset_ok,
        mode=mode,
        tabs=count,
        seconds=seconds,
        rpcs=rpcs,
        cpu_ms_per_min={k: per_min * (cpu1[k] - cpu0[k]) for k in cpu0},
        children_cpu_ms_per_min={k: per_min * (kids1[k] - kids0[k]) for k in kids0},
        polls=stats,
    )


def one_request_rpcs(server: Server, env: dict[str, str]) -> tuple[int, dict[str, int]]:
    """RPC types of one request to `server` alone (its cache, if any, is expected cold)."""
    sdiag_reset(env)
    status, _ = get_json(server, server.metrics_url)
    rpcs = sdiag_read(env)
    return status, {k: v for k, v in rpcs.by_type.items() if k != STATS_INFO}


# --------------------------------------------------------------------------- report


def rpm(w: Window, user: str) -> float:
    return 60.0 * w.rpcs.by_user.get(user, 0) / w.seconds


def controller_ms_per_min(w: Window, user: str) -> float:
    return 60.0 * w.rpcs.time_by_user_us.get(user, 0) / 1000.0 / w.seconds


def others(w: Window, users: Sequence[str], bench_user: str) -> dict[str, int]:
    """RPCs of users other than the two servers', less the bench's closing `sdiag`."""
    out = {}
    for name, count in w.rpcs.by_user.items():
        if name in users:
            continue
        if name == bench_user:
            count -= min(count, w.rpcs.by_type.get(STATS_INFO, 0))
        if count:
            out[name] = count
    return out


def traffic(stats: TabStats) -> str:
    """Requests that reached the server / polls of the tabs, and what went wrong."""
    cell = f"{stats.network}/{stats.polls}"
    if stats.not_modified:
        cell += f" ({stats.not_modified} x 304)"
    if stats.errors:
        cell += f" **non-200: {stats.statuses}**"
    return cell


def pairs(windows: Sequence[Window], args: argparse.Namespace) -> list[tuple[Window, Window]]:
    """(1 tab, N tabs) windows of each tab mode, in the order run."""
    by_key = {(w.mode, w.tabs): w for w in windows}
    out = []
    for mode in args.modes:
        one, many = by_key.get((mode, 1)), by_key.get((mode, args.tabs))
        if one is not None and many is not None:
            out.append((one, many))
    return out


def main_table(windows: Sequence[Window], args: argparse.Namespace) -> str:
    ou, au = args.ours_user, args.anchor_user
    head = [
        "tab mode",
        "tabs",
        "ours RPCs/min",
        "anchor RPCs/min",
        "ours/anchor",
        "ours server CPU ms/min",
        "anchor server CPU ms/min",
        "ours/anchor CPU",
        "requests reaching the server / polls (ours; anchor)",
    ]
    ratios = {many.mode: (one, many) for one, many in pairs(windows, args)}
    rows = []
    for w in windows:
        o, a = rpm(w, ou), rpm(w, au)
        oc, ac = w.cpu_ms_per_min[OURS], w.cpu_ms_per_min[ANCHOR]
        reqs = f"{traffic(w.polls[OURS])}; {traffic(w.polls[ANCHOR])}"
        rpc_cells = [fmt(o), fmt(a), fmt(ratio(o, a))]
        rows.append([w.mode, str(w.tabs), *rpc_cells, fmt(oc), fmt(ac), fmt(ratio(oc, ac)), reqs])
        if w.tabs != args.tabs or ratios.get(w.mode, (None, None))[1] is not w:
            continue
        one = ratios[w.mode][0]
        cells = [
            ratio(rpm(w, ou), rpm(one, ou)),
            ratio(rpm(w, au), rpm(one, au)),
            None,
            ratio(w.cpu_ms_per_min[OURS], one.cpu_ms_per_min[OURS]),
            ratio(w.cpu_ms_per_min[ANCHOR], one.cpu_ms_per_min[ANCHOR]),
        ]
        label = f"**{args.tabs} tabs / 1 tab**"
        rows.append([w.mode, label, *(fmt(c) if c is not None else "" for c in cells), "", ""])
    return table(head, rows)


def detail_table(windows: Sequence[Window], args: argparse.Namespace, bench_user: str) -> str:
    ou, au = args.ours_user, args.anchor_user
    head = [
        "tab mode",
        "tabs",
        "seconds",
        f"RPCs `{ou}` (ours)",
        f"RPCs `{au}` (anchor)",
        "controller time ms/min (ours, anchor)",
        "squeue children CPU ms/min (ours, anchor; 10 ms ticks)",
        "other users' RPCs",
        "RPCs by message type (all users, sdiag's own excluded)",
    ]
    rows = []
    for w in windows:
        types = ", ".join(f"{k} {v}" for k, v in sorted(w.rpcs.by_type.items()) if k != STATS_INFO)
        other = ", ".join(f"{k} {v}" for k, v in others(w, (ou, au), bench_user).items())
        rows.append(
            [
                w.mode,
                str(w.tabs),
                fmt(w.seconds, 1) + (f" (run {w.attempts})" if w.attempts > 1 else ""),
                str(w.rpcs.by_user.get(ou, 0)),
                str(w.rpcs.by_user.get(au, 0)),
                f"{fmt(controller_ms_per_min(w, ou))}, {fmt(controller_ms_per_min(w, au))}",
                f"{fmt(w.children_cpu_ms_per_min[OURS])}, {fmt(w.children_cpu_ms_per_min[ANCHOR])}",
                other or "none",
                types or "none",
            ]
        )
    return table(head, rows)


def verdict_lines(windows: Sequence[Window], args: argparse.Namespace) -> list[str]:
    found = pairs(windows, args)
    if len(found) < len(args.modes):
        return ["- not checked: a window is missing"]
    lines = []
    for one, many in found:
        for label, a, b in (
            ("slurmctld RPCs", rpm(many, args.ours_user), rpm(one, args.ours_user)),
            ("server CPU", many.cpu_ms_per_min[OURS], one.cpu_ms_per_min[OURS]),
        ):
            r = ratio(a, b)
            met = r is not None and r <= 1.2
            lines.append(
                f"- ours {label}/min, {args.tabs} tabs / 1 tab, {many.mode} mode = {fmt(r, 3)} "
                f"(target ≤ 1.2): **{'met' if met else 'NOT met'}**"
            )
    return lines


def cache_control_seen(windows: Sequence[Window]) -> dict[str, str]:
    """Distinct Cache-Control of the answers that reached each server, over all windows."""
    out = {}
    for key in (OURS, ANCHOR):
        values = [v for w in windows for v in w.polls[key].cache_control]
        out[key] = summarize_cache_control(sorted(set(values))) if values else "(no answer)"
    return out


def render(ctx: dict[str, object], windows: Sequence[Window], args: argparse.Namespace) -> str:
    iv = ctx["intervals"]
    assert isinstance(iv, dict)
    single = ctx["one_request"]
    assert isinstance(single, dict)
    warnings = [f"**{w}**  " for w in ctx.get("warnings", []) or []]  # type: ignore[union-attr]
    parts = [
        *warnings,
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, Linux {ctx['kernel']}, "
        f"load avg at start {ctx['loadavg']}  ",
        f"Versions: jupyterlab-hpc {ctx['ours']} (git {ctx['git']}), "
        f"jupyterlab-slurm {ctx['anchor_version']} (PyPI), {ctx['slurm']}, "
        f"jupyter_server {ctx['jupyter_server']}, tornado {ctx['tornado']} (same in both venvs)  ",
        f"Command: `{ctx['command']}` (as root; testbed `SLURM_CONF={ctx['slurm_conf']}`)",
        "",
        f"Servers, side by side, each in its own process group: `ours` = jupyterlab-hpc as "
        f"`{args.ours_user}`, tabs poll `GET {OURS_PATH}` every {fmt(iv['ours'], 1)} s "
        f"({iv['ours_source']}); `anchor` = jupyterlab-slurm with its defaults as "
        f"`{args.anchor_user}`, tabs poll `GET {ANCHOR_PATH}` every {fmt(iv['anchor'], 1)} s "
        f"({iv['anchor_source']}).  ",
        "Cache-Control of the answers that reached each server: "
        + "; ".join(f"`{k}`: {v}" for k, v in cache_control_seen(windows).items())
        + "  ",
        f"Queue: {len(ctx['jobs'])} `{SLEEP_JOB}` jobs of `{args.ours_user}` "  # type: ignore[arg-type]
        f"({', '.join(ctx['jobs'])}), cancelled at the end.  ",  # type: ignore[arg-type]
        "One request alone (cache cold), RPCs by type: "
        + "; ".join(f"`{k}` HTTP {v[0]}: {v[1] or 'none'}" for k, v in single.items())
        + ".",
        "",
        f"### slurmctld RPCs and server CPU per minute ({args.duration:g} s windows, "
        f"`sdiag --reset` before each, tabs start at random phases, seed {args.seed})",
        "",
        *(f"- `{m}` mode: {MODE_HELP[m]}" for m in args.modes),
        "",
        main_table(windows, args),
        "",
        "RPCs are `sdiag`'s \"by user\" counts of each server's own OS user; what other "
        "clients of the shared testbed do (tests as `hpctest`, root's daemons and tools) is "
        'in the next table\'s "other users" column and counts for neither. Server CPU: the '
        "server process alone (its squeue children are in the next table).",
        "",
        detail_table(windows, args, str(ctx["bench_user"])),
        "",
        "### Targets (DESIGN.md, Budgets)",
        "",
        *verdict_lines(windows, args),
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def context(argv: Sequence[str], args: argparse.Namespace, env: dict[str, str]) -> dict:
    try:
        version = slurm(["sinfo", "--version"], env).strip()
    except (RuntimeError, OSError):
        version = "slurm ?"
    try:
        marker = json.loads((args.anchor_venv / "bench-anchor.json").read_text())
        anchor_version = marker["versions"]["jupyterlab-slurm"]
    except (OSError, ValueError, KeyError):
        anchor_version = "?"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        # `bench/run` runs this suite after the metrics one, `--suite slurm` on its own.
        "command": " ".join(
            ["bench/run" if args.after_metrics else "bench/run --suite slurm", *argv]
        ),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": os.uname().release,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "ours": ours_version(),
        "git": git_revision(),
        "anchor_version": anchor_version,
        "slurm": version,
        "slurm_conf": env["SLURM_CONF"],
        "jupyter_server": importlib.metadata.version("jupyter_server"),
        "tornado": importlib.metadata.version("tornado"),
        "bench_user": pwd.getpwuid(os.geteuid()).pw_name,
        "warnings": [],
    }


def raise_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def measure(
    args: argparse.Namespace, env: dict[str, str], ctx: dict, rng: random.Random
) -> list[Window]:
    warnings: list[str] = ctx["warnings"]
    with tempfile.TemporaryDirectory(prefix="bench-slurm-") as tmp:
        workdir = Path(tmp)
        print("starting servers: ours, anchor (jupyterlab-slurm)", flush=True)
        with running(specs(args, env), workdir, args.startup_timeout) as (ours, anchor):
            try:
                status = wait_for_route(ours, args.startup_timeout)
                if status != 200:
                    warnings.append(
                        f"NOT VALID: ours answered HTTP {status} to GET {OURS_PATH} "
                        "(route missing in this build): its figures are those of an error page"
                    )
                wait_for_route(anchor, args.startup_timeout)
                time.sleep(args.settle)
                iv = intervals(args, ours, anchor)
                ctx["intervals"] = asdict(iv)
                start_iv = {OURS: iv.ours, ANCHOR: iv.anchor}
                # Every window, and the lone requests, start with our cache expired (no
                # request for one interval), so no window inherits squeues from the last.
                cold_at = time.monotonic() + iv.ours
                time.sleep(max(0.0, cold_at - time.monotonic()))
                ctx["one_request"] = {s.key: one_request_rpcs(s, env) for s in (ours, anchor)}
                cold_at = time.monotonic() + iv.ours
                windows = []
                plan = [("idle", 0)] + [(m, n) for m in args.modes for n in (1, args.tabs)]
                for mode, count in plan:
                    for attempt in range(1 + args.retries):
                        if count:
                            time.sleep(max(0.0, cold_at - time.monotonic()))
                        again = f" (again, {attempt} of {args.retries})" if attempt else ""
                        print(
                            f"  window: {count} tab(s), {mode}, {args.duration:.0f} s{again}",
                            flush=True,
                        )
                        result = window((ours, anchor), mode, count, start_iv, args, env, rng)
                        if count:
                            cold_at = time.monotonic() + iv.ours
                        if result.reset_ok:
                            break
                        print("  the counters were reset during the window", flush=True)
                    result.attempts = attempt + 1
                    windows.append(result)
                    if not result.reset_ok:
                        warnings.append(
                            f"NOT VALID: the {count}-tab {mode} window's counters were reset by "
                            "someone else (or slurmctld restarted) during it"
                        )
            finally:
                for s in (ours, anchor):
                    (args.out / f"slurm-{s.key}.log").write_bytes(s.log_path.read_bytes())
    return windows


def root_suite(args: argparse.Namespace, suite: str, why: str) -> random.Random | None:
    """Start a suite that needs root: its random source, or None when it is to be skipped.

    Not root: skipped with a line when run after the metrics suite (`bench/run all`), else an
    error. SIGTERM ends it through its cleanups; the seed is drawn when none was given.
    """
    if os.geteuid() != 0:
        message = f"the {suite} suite runs as root ({why})"
        if args.after_metrics:
            print(f"{suite} suite skipped: {message}", flush=True)
            return None
        raise SystemExit(f"bench: {message}")
    raise_on_sigterm()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    args.out.mkdir(parents=True, exist_ok=True)
    return random.Random(args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    rng = root_suite(args, "Slurm", "testbed, sdiag --reset, servers as users")
    if rng is None:
        return 0
    env = start_testbed((args.ours_user, args.anchor_user))
    shown = [a for a in argv if a != "--after-metrics"]
    ctx = context(shown, args, env)
    with queued_jobs(args.jobs, args.ours_user, env) as ids:
        ctx["jobs"] = ids
        print(f"queued {len(ids)} jobs of {args.ours_user}: {' '.join(ids)}", flush=True)
        windows = measure(args, env, ctx, rng)
    report = render(ctx, windows, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items()},
        "windows": [asdict(w) for w in windows],
    }
    save_report(args.out, "slurm", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped, jobs cancelled", file=sys.stderr)
        sys.exit(130)
