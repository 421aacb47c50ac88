"""Under JupyterHub: spawn-to-usable with and without jupyterlab-hpc, and the hub proxy's cost.

Two hubs of the hub testbed (scripts/hub-testbed: JupyterHub + batchspawner's SlurmSpawner on
the local Slurm) run side by side with the same configuration, each with its own state
folder, port and user; they differ only in the users' environment (JUPYTERLAB_HPC_USER_ENV):

    ours    the project's .venv (JupyterLab, jupyterhub, batchspawner, jupyterlab-hpc)
    plain   bench/.venv-hub-plain (_hub_env.py): the same JupyterLab, jupyter_server,
            jupyterhub and batchspawner, pinned to our versions, without jupyterlab-hpc

1. Spawn-to-usable, in a real Chromium (_hub_browser.js): a fresh browser context logs in
   through the hub's login page (not timed); t0 is just before the hub API's spawn request
   (POST /hub/api/users/<u>/server with the options form's values as JSON); the page then
   opens /user/<u>/lab (the hub's spawn-pending page until the server is ready, then the
   server itself) and the time ends when JupyterLab's `.jp-Launcher` is visible. Then the
   server is stopped through the hub API and the Slurm job is waited out. The sides
   alternate (ours, plain, then plain, ours, ...), one unmeasured warm-up spawn each first.
2. Proxy latency: with a server of ours running, `GET jupyterlab-hpc/metrics` and
   `GET jupyterlab-hpc/slurm/jobs?scope=mine` through the hub's proxy
   (http://127.0.0.1:<HUB_PORT>/user/<u>/...) and direct to the single-user server (its
   host:port from the hub's log line "Notebook server job N started at host:port"), with
   the same user token, keep-alive, in interleaved blocks.

Run as root (the hubs submit Slurm jobs as their users) with our virtualenv's Python:
`bench/run --suite hub`. The hubs are stopped at the end (--keep-hubs leaves them up).
Prints a Markdown report and saves it with the raw figures under bench/out/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from _http import Client
from _hub_env import ensure as ensure_plain_env
from _report import save_report
from bench_metrics import cpu_model, fmt, git_revision, raise_on_sigterm, ratio, table

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HUB_TESTBED = REPO / "scripts" / "hub-testbed"
BROWSER_JS = BENCH / "_hub_browser.js"
OURS, PLAIN = "ours", "plain"
SIDES = (OURS, PLAIN)
OPTIONS = {"runtime": "01:00:00", "memory": "2G", "nprocs": "2"}
ROUTES = {
    "metrics": "jupyterlab-hpc/metrics",
    "slurm/jobs": "jupyterlab-hpc/slurm/jobs?scope=mine",
}
PROXY, DIRECT = "proxy", "direct"
STARTED = re.compile(r"Notebook server job (\d+) started at ([\w.:-]+):(\d+)")


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--spawns", type=int, default=10, help="measured spawns per side")
    p.add_argument("--warmup-spawns", type=int, default=1, help="unmeasured spawns per side first")
    p.add_argument("--requests", type=int, default=500, help="measured GETs per route and path")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured GETs first")
    p.add_argument("--rounds", type=int, default=5, help="interleaved blocks per route")
    p.add_argument(
        "--ports",
        default="8900,8950",
        help="HUB_PORT of ours,plain (each also takes +1 and +81)",
    )
    p.add_argument("--users", default="benchours,benchplain", help="the hub user of ours,plain")
    p.add_argument(
        "--state",
        default="/tmp/jupyterlab-hpc-bench-hub",
        help="the hubs' HUB_TESTBED_DIR is <state>-ours and <state>-plain",
    )
    p.add_argument(
        "--plain-venv", type=Path, default=BENCH / ".venv-hub-plain", help="users' env without us"
    )
    p.add_argument("--ours-venv", type=Path, default=REPO / ".venv", help="users' env with us")
    p.add_argument("--spawn-timeout", type=float, default=180.0, help="s, per spawn")
    p.add_argument("--keep-hubs", action="store_true", help="leave both hubs running at the end")
    p.add_argument("--out", type=Path, default=BENCH / "out", help="results")
    # bench/run's `all`: the options of the other suites are accepted and ignored.
    p.add_argument("--in-all", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if rest and not args.in_all:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    args.ports = [int(x) for x in args.ports.split(",")]
    args.users = [x.strip() for x in args.users.split(",")]
    if len(args.ports) != 2 or len(set(args.ports)) != 2 or len(set(args.users)) != 2:
        p.error("--ports and --users: two different values each (ours,plain)")
    if args.spawns < 1 or args.warmup_spawns < 0:
        p.error("need --spawns >= 1 and --warmup-spawns >= 0")
    if args.requests < args.rounds or args.rounds < 1 or args.warmup < 0:
        p.error("need --requests >= --rounds >= 1 and --warmup >= 0")
    return args


# --------------------------------------------------------------------------- the hubs


@dataclass
class Hub:
    """One hub of the testbed, found (as the tests find it) through its state folder."""

    side: str
    state: Path
    port: int
    user: str
    user_env: Path
    token: str = ""
    password: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HUB_TESTBED_DIR": str(self.state),
            "HUB_PORT": str(self.port),
            "HUB_USERS": self.user,
            "JUPYTERLAB_HPC_USER_ENV": str(self.user_env),
        }

    def testbed(self, command: str) -> None:
        subprocess.run([str(HUB_TESTBED), command], env=self.env(), check=True, timeout=300)

    def start(self) -> None:
        if not self.alive():
            # The testbed would take another hub answering on the port for this one.
            for port in (self.port, self.port + 1, self.port + 81):
                if listening(port):
                    raise SystemExit(
                        f"bench_hub: port {port} is taken (another hub?); choose --ports"
                    )
        self.testbed("start")
        self.token = (self.state / "api-token").read_text().strip()
        self.password = json.loads((self.state / "logins.json").read_text())[self.user]

    def alive(self) -> bool:
        """Whether the hub of this state folder runs (its pid file names a live process)."""
        try:
            os.kill(int((self.state / "jupyterhub.pid").read_text().split()[0]), 0)
        except (OSError, ValueError, IndexError):
            return False
        return True

    def api(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def server(self) -> dict[str, object] | None:
        status, user = self.api("GET", f"/users/{self.user}")
        if status != 200 or not isinstance(user, dict):
            raise RuntimeError(f"{self.side}: GET user answered {status}: {user}")
        return (user.get("servers") or {}).get("")

    def stop_server(self, timeout_s: float) -> None:
        """Stop the user's server through the hub; wait until the hub and Slurm say it is gone."""
        if self.server() is not None:
            status, body = self.api("DELETE", f"/users/{self.user}/server")
            if status not in (202, 204):
                raise RuntimeError(f"{self.side}: stopping answered {status}: {body}")
        wait_for(lambda: self.server() is None, timeout_s, f"{self.side}: server did not stop")
        wait_for(lambda: not self.jobs(), timeout_s, f"{self.side}: Slurm job did not end")

    def spawn(self, timeout_s: float) -> None:
        """Spawn through the API and wait until ready (for the latency phase)."""
        status, body = self.api("POST", f"/users/{self.user}/server", OPTIONS)
        if status not in (201, 202):
            raise RuntimeError(f"{self.side}: spawn answered {status}: {body}")
        wait_for(
            lambda: bool((self.server() or {}).get("ready")),
            timeout_s,
            f"{self.side}: server not ready",
        )

    def jobs(self) -> list[str]:
        out = subprocess.run(
            ["squeue", "--noheader", "--user", self.user, "--format", "%i %T"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
            env={**os.environ, "SLURM_CONF": slurm_conf()},
        )
        return out.stdout.split("\n") if out.stdout.strip() else []

    def server_address(self) -> tuple[str, int]:
        """The single-user server's host and port, from the hub's last "started at" line."""
        found = STARTED.findall((self.state / "jupyterhub.log").read_text(errors="replace"))
        if not found:
            raise RuntimeError(f"{self.side}: no 'started at' line in the hub's log")
        _job, host, port = found[-1]
        return host, int(port)

    def user_token(self) -> str:
        status, body = self.api(
            "POST", f"/users/{self.user}/tokens", {"note": "bench_hub", "expires_in": 3600}
        )
        if status not in (200, 201) or not isinstance(body, dict):
            raise RuntimeError(f"{self.side}: token answered {status}: {body}")
        return str(body["token"])


def slurm_conf() -> str:
    return os.environ.get("SLURM_CONF") or str(
        Path(os.environ.get("SLURM_TESTBED_DIR", "/tmp/jupyterlab-hpc-testbed"), "etc/slurm.conf")
    )


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(ready: Callable[[], bool], timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.25)
    raise RuntimeError(message)


# --------------------------------------------------------------------------- the browser


class Browser:
    """The Node driver of one headless Chromium (_hub_browser.js), one JSON line each way."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", str(BROWSER_JS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=BENCH,
        )
        hello = self._read()
        self.version = str(hello.get("version", "?"))

    def _read(self) -> dict[str, object]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the browser driver ended")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"browser: {answer.get('error')}")
        return dict(answer)

    def ask(self, message: dict[str, object]) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------- spawn-to-usable


@dataclass(frozen=True)
class Spawn:
    side: str
    index: int  # -1.. for warm-ups
    post_ms: float
    lab_html_ms: float | None
    launcher_ms: float
    loadavg: float
    requests: int = 0  # responses from the lab HTML on until the launcher showed
    kbytes: float = 0.0  # the sum of their Content-Length (kB)


def spawn_once(browser: Browser, hub: Hub, index: int, args: argparse.Namespace) -> Spawn:
    hub.stop_server(args.spawn_timeout)
    answer = browser.ask(
        {
            "cmd": "spawn",
            "hub": hub.url,
            "user": hub.user,
            "password": hub.password,
            "token": hub.token,
            "options": OPTIONS,
            "timeout_ms": int(1000 * args.spawn_timeout),
        }
    )
    spawn = Spawn(
        side=hub.side,
        index=index,
        post_ms=float(answer["post_ms"]),  # type: ignore[arg-type]
        lab_html_ms=None if answer.get("lab_html_ms") is None else float(answer["lab_html_ms"]),  # type: ignore[arg-type]
        launcher_ms=float(answer["launcher_ms"]),  # type: ignore[arg-type]
        loadavg=os.getloadavg()[0],
        requests=int(answer.get("requests") or 0),  # type: ignore[call-overload]
        kbytes=float(answer.get("bytes") or 0) / 1000.0,  # type: ignore[arg-type]
    )
    hub.stop_server(args.spawn_timeout)
    label = "warm-up" if index < 0 else f"{index + 1}/{args.spawns}"
    print(
        f"  {hub.side:5} {label}: launcher visible {spawn.launcher_ms / 1000:.2f} s "
        f"(lab page {fmt(None if spawn.lab_html_ms is None else spawn.lab_html_ms / 1000)} s)",
        flush=True,
    )
    return spawn


def measure_spawns(hubs: dict[str, Hub], args: argparse.Namespace, ctx: dict) -> list[Spawn]:
    browser = Browser()
    ctx["chromium"] = browser.version
    print(f"browser: Chromium {browser.version}", flush=True)
    spawns: list[Spawn] = []
    try:
        for i in range(args.warmup_spawns):
            for side in SIDES:
                spawn_once(browser, hubs[side], -1 - i, args)
        for i in range(args.spawns):
            order = SIDES if i % 2 == 0 else SIDES[::-1]
            for side in order:
                spawns.append(spawn_once(browser, hubs[side], i, args))
    finally:
        browser.close()
    return spawns


# --------------------------------------------------------------------------- proxy latency


@dataclass
class Latencies:
    ms: list[float] = field(default_factory=list)
    non_200: int = 0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank on sorted values (as the other suites)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_proxy(hub: Hub, args: argparse.Namespace) -> tuple[dict[str, Latencies], dict]:
    """Our two routes through the hub's proxy and direct, same token, interleaved blocks."""
    hub.stop_server(args.spawn_timeout)
    hub.spawn(args.spawn_timeout)
    token = hub.user_token()
    host, port = hub.server_address()
    prefix = f"/user/{hub.user}/"
    clients = {PROXY: Client(hub.port, token), DIRECT: Client(port, token)}
    if host not in ("127.0.0.1", "localhost"):
        raise RuntimeError(f"the server listens on {host}; the bench reaches 127.0.0.1 only")
    keys = [(route, path) for route in ROUTES for path in (PROXY, DIRECT)]
    stats = {f"{route} {path}": Latencies() for route, path in keys}
    first: dict[str, object] = {"server": f"{host}:{port}"}
    base, extra = divmod(args.requests, args.rounds)
    try:
        for route, path in keys:
            for _ in range(max(1, args.warmup)):
                resp = clients[path].get(prefix + ROUTES[route])
            first[f"{route} {path}"] = {"status": resp.status, "bytes": len(resp.body)}
        for i in range(args.rounds):
            shift = i % len(keys)
            for route, path in [*keys[shift:], *keys[:shift]]:
                s = stats[f"{route} {path}"]
                for _ in range(base + (i < extra)):
                    resp = clients[path].get(prefix + ROUTES[route])
                    s.ms.append(1000.0 * resp.seconds)
                    s.non_200 += resp.status != 200
    finally:
        for c in clients.values():
            c.close()
        hub.stop_server(args.spawn_timeout)
    return stats, first


# --------------------------------------------------------------------------- report


def version(dist: str, python: Path | None = None) -> str:
    if python is None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "-"
    code = (
        "import importlib.metadata as m, sys\n"
        "try: print(m.version(sys.argv[1]))\n"
        "except m.PackageNotFoundError: print('-')"
    )
    out = subprocess.run(
        [str(python), "-c", code, dist], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def installed_at(python: Path) -> str:
    """When jupyterlab-hpc was last installed into the users' environment (its RECORD's mtime)."""
    code = (
        "import importlib.metadata as m\n"
        "d = m.distribution('jupyterlab-hpc')\n"
        "print(getattr(d, '_path', '') and d._path / 'RECORD')"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60)
    try:
        mtime = Path(out.stdout.strip()).stat().st_mtime
    except OSError:
        return "?"
    return dt.datetime.fromtimestamp(mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def context(argv: Sequence[str], hubs: dict[str, Hub], args: argparse.Namespace) -> dict:
    dists = ("jupyterlab", "jupyter_server", "jupyterhub", "batchspawner", "jupyterlab-hpc")
    envs = {OURS: args.ours_venv / "bin" / "python", PLAIN: args.plain_venv / "bin" / "python"}
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run --suite hub", *argv]),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "git": git_revision(),
        "ours_installed": installed_at(envs[OURS]),
        "hubs": {
            s: {"url": h.url, "user": h.user, "env": str(h.user_env)} for s, h in hubs.items()
        },
        "versions": {side: {d: version(d, py) for d in dists} for side, py in envs.items()},
    }


def seconds(values: Sequence[float]) -> dict[str, float]:
    s = [v / 1000.0 for v in values]
    return {
        "p50": statistics.median(s),
        "p90": percentile(s, 0.90),
        "min": min(s),
        "max": max(s),
    }


def spawn_rows(spawns: Sequence[Spawn]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for what in ("launcher_ms", "lab_html_ms"):
        out[what] = {}
        for side in SIDES:
            values = [getattr(s, what) for s in spawns if s.side == side]
            if all(v is not None for v in values):
                out[what][side] = seconds(values)
    # The frontend's own part: from the lab page's HTML to the launcher.
    out["frontend_ms"] = {
        side: seconds(
            [s.launcher_ms - s.lab_html_ms for s in spawns if s.side == side and s.lab_html_ms]
        )
        for side in SIDES
        if any(s.lab_html_ms for s in spawns if s.side == side)
    }
    return out


def render(
    ctx: dict, spawns: Sequence[Spawn], proxy: dict[str, Latencies], first: dict, args
) -> str:
    rows = spawn_rows(spawns)
    names = {
        "launcher_ms": "spawn request → `.jp-Launcher` visible",
        "lab_html_ms": "spawn request → /user/<u>/lab HTML (server up, OAuth done)",
        "frontend_ms": "lab HTML → launcher visible (the frontend alone)",
    }
    spawn_table = []
    for what, label in names.items():
        r = rows.get(what, {})
        if OURS not in r or PLAIN not in r:
            continue
        o, p = r[OURS], r[PLAIN]
        spawn_table.append(
            [
                label,
                f"{o['p50']:.2f} / {o['p90']:.2f} / {o['min']:.2f}",
                f"{p['p50']:.2f} / {p['p90']:.2f} / {p['min']:.2f}",
                fmt(ratio(o["p50"], p["p50"]), 3),
                fmt(ratio(o["min"], p["min"]), 3),
            ]
        )
    per_spawn = [
        [
            str(s.index + 1),
            s.side,
            f"{s.launcher_ms / 1000:.2f}",
            fmt(None if s.lab_html_ms is None else s.lab_html_ms / 1000),
            str(s.requests),
            f"{s.kbytes:.0f}",
            f"{s.loadavg:.2f}",
        ]
        for s in spawns
    ]
    proxy_table = []
    for route in ROUTES:
        via, direct = proxy[f"{route} {PROXY}"].ms, proxy[f"{route} {DIRECT}"].ms
        row = [f"`{ROUTES[route]}`"]
        for lat in (via, direct):
            row.append(f"{statistics.median(lat):.2f} / {percentile(lat, 0.9):.2f}")
        row.append(fmt(ratio(statistics.median(via), statistics.median(direct)), 2))
        row.append(f"{statistics.median(via) - statistics.median(direct):+.2f}")
        row.append(str(proxy[f"{route} {PROXY}"].non_200 + proxy[f"{route} {DIRECT}"].non_200))
        proxy_table.append(row)
    launcher = rows["launcher_ms"]
    goal = ratio(launcher[OURS]["p50"], launcher[PLAIN]["p50"])
    v = ctx["versions"]
    parts = [
        "## Hub suite: spawn-to-usable and the hub's proxy",
        "",
        f"- date: {ctx['date']}; command: `{ctx['command']}`",
        f"- machine: {ctx['nproc']} x {ctx['cpu']}, Linux {ctx['kernel']}, "
        f"load average {ctx['loadavg']} at the start, {ctx.get('loadavg_end', '?')} at the end",
        f"- git: {ctx['git']}; jupyterlab-hpc installed in the users' env {ctx['ours_installed']}"
        + (
            ""
            if ctx.get("ours_installed_end") == ctx["ours_installed"]
            else f" **and reinstalled during the run ({ctx.get('ours_installed_end')})**"
        ),
        f"- ours: {ctx['hubs'][OURS]['env']} ({', '.join(f'{k} {x}' for k, x in v[OURS].items())})",
        f"- plain: {ctx['hubs'][PLAIN]['env']} "
        f"({', '.join(f'{k} {x}' for k, x in v[PLAIN].items())})",
        f"- hubs: {ctx['hubs'][OURS]['url']} (user {ctx['hubs'][OURS]['user']}) and "
        f"{ctx['hubs'][PLAIN]['url']} (user {ctx['hubs'][PLAIN]['user']}), same "
        "deploy/jupyterhub/jupyterhub_config.py; Chromium "
        f"{ctx.get('chromium', '?')}",
        "",
        f"### Spawn-to-usable ({args.spawns} spawns per side, alternating, after "
        f"{args.warmup_spawns} warm-up each; s, median / p90 / min)",
        "",
        table(["", "ours", "plain", "ratio (median)", "ratio (min)"], spawn_table),
        "",
        table(
            ["#", "side", "launcher s", "lab HTML s", "requests", "kB", "load (1 min)"],
            per_spawn,
        ),
        "",
        "requests, kB: the responses the page received from the lab HTML on until the "
        "launcher showed, and the sum of their Content-Length (compressed size where "
        "compressed; responses without one count 0).",
        "",
        f"### Our routes through the hub's proxy vs direct ({args.requests} GETs each, "
        f"{args.rounds} interleaved blocks; ms, median / p90)",
        "",
        f"Server: {first.get('server')}; one keep-alive connection per path, the same user token.",
        "",
        table(
            ["route", "proxy", "direct", "ratio (median)", "proxy - direct (ms)", "non-200"],
            proxy_table,
        ),
        "",
        "### Goal (issue 11)",
        "",
        f"- spawn-to-usable ratio ours / plain (medians) {fmt(goal, 3)}: goal ≤ 1.05 "
        f"{'met' if goal is not None and goal <= 1.05 else 'not met'}",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("bench_hub: skipped (needs root: the hubs submit Slurm jobs as their users)")
        return 0
    raise_on_sigterm()
    args.out.mkdir(parents=True, exist_ok=True)
    plain_env = ensure_plain_env(args.plain_venv)
    hubs = {
        OURS: Hub(OURS, Path(f"{args.state}-ours"), args.ports[0], args.users[0], args.ours_venv),
        PLAIN: Hub(PLAIN, Path(f"{args.state}-plain"), args.ports[1], args.users[1], plain_env),
    }
    ctx = context([a for a in argv if a != "--in-all"], hubs, args)
    try:
        for hub in hubs.values():
            print(
                f"starting the {hub.side} hub at {hub.url} (users' env {hub.user_env})", flush=True
            )
            hub.start()
        print(
            f"spawn-to-usable: {args.spawns} per side after {args.warmup_spawns} warm-up",
            flush=True,
        )
        browser_spawns = measure_spawns(hubs, args, ctx)
        print(f"proxy vs direct: {args.requests} GETs per route and path", flush=True)
        proxy, first = measure_proxy(hubs[OURS], args)
    finally:
        if not args.keep_hubs:
            for hub in hubs.values():
                hub.testbed("stop")
    ctx["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ctx["ours_installed_end"] = installed_at(args.ours_venv / "bin" / "python")
    report = render(ctx, browser_spawns, proxy, first, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items()},
        "spawns": [asdict(s) for s in browser_spawns],
        "spawn_summary": spawn_rows(browser_spawns),
        "proxy": {k: asdict(v) for k, v in proxy.items()},
        "first_answers": first,
    }
    save_report(args.out, "hub", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; hubs stopped", file=sys.stderr)
        sys.exit(130)
