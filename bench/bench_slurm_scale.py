"""slurmctld under a cluster of users: 200 simulated servers polling, ours vs jupyterlab-slurm.

A centre runs hundreds of single-user Jupyter servers against one slurmctld. This suite
replays the squeue cadence of `--users` (200) of them, ours and jupyterlab-slurm's in turn,
against the local Slurm testbed and reads the controller's own counters (`sdiag`).

200 real Jupyter servers do not fit on a 2-core machine, so the servers are **simulated**:
one asyncio scheduler runs, for every simulated user, the **real** `squeue` command that
user's server would run, as that user's own OS account (so `sdiag`'s "by user" table holds
the bench's load apart from whoever else uses the shared testbed), at the cadence that
user's front end would ask for it, with at most `--concurrency` squeue processes in flight.
Time is compressed by `--compress` (2: a 15 s interval runs as 7.5 s) so that each phase
fits in `--duration` seconds; every rate is then given both as measured and divided by the
compression ("real time").

Cadences (what each poll runs and when; see bench/README.md, "The Slurm scale suite"):

* ours: the server runs at most one `squeue -u <user>` per `HPCSlurm.poll_interval` (15 s)
  for all its tabs, and the front end (src/slurm/model.ts) polls every poll_interval while
  the panel is visible and the user has a pending or running job, `SLOW_FACTOR` (4) times
  slower (at most `SLOW_MAX`, 120 s) while it is visible and the user has none, at that slow
  rate while the panel is closed or hidden but the user has a pending or running job and
  the notifications are on (their default), and never while no JupyterLab tab is visible;
* jupyterlab-slurm 4.1.0: each open Slurm Dashboard whose "Jobs" tab is selected re-arms a
  `setTimeout` of `autoReloadRate` (60 s, its settings schema's default) after each answer,
  whether the browser tab is visible or not and whether the user has jobs or not; each
  reload is one `GET /jupyterlab_slurm/squeue`, which runs one whole-queue `squeue` (no
  server cache);
* ours, shared list (`c.HPCSlurm.queue_cache_dir`): the cluster's one writer, the real
  `python -m jupyterlab_hpc.slurm.cache --interval <poll_interval>` (as root, started for
  the run and stopped after it), runs one whole-queue `squeue` per interval and writes each
  user's jobs to a file of their own; the simulated servers, at ours' cadence, read their
  user's file with the real reader (`read_user_jobs`, in a worker process switched to that
  user's uid and gid) and run ours' squeue only when it refuses the list. The writer's
  squeue runs, through a `squeue` shim on its PATH, as a dedicated OS user
  (`<prefix>cache`), so that sdiag's "by user" table counts its RPCs apart from root's.

Phases, each run for ours, ours with the shared list, then the anchor, with `sdiag
--reset` before each run:
(a) idle: every user's panel (dashboard) is open in a browser tab that is not visible;
(b) active: every user looks at the panel and has one job;
(c) mixed: `--active-share` (20 %) look at it, `--working-share` (30 %) work elsewhere in
JupyterLab (panel hidden), `--jobless-share` (20 %) of all users have no job; the rest keep
it open in a browser tab that is not visible.
Runs as root. Prints a Markdown report and writes it, with the raw figures, under bench/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import pwd
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from _report import save_report
from bench_metrics import cpu_model, fmt, git_revision, ratio, table
from bench_slurm import STATS_INFO, anchor_defaults, root_suite, slurm, start_testbed

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# The working tree's jupyterlab_hpc, not a stale install: its squeue format is what we run.
sys.path.insert(0, str(REPO))
from jupyterlab_hpc.slurm.cache import CacheUnusable, read_user_jobs  # noqa: E402
from jupyterlab_hpc.slurm.config import HPCSlurm  # noqa: E402
from jupyterlab_hpc.slurm.parse import squeue_format  # noqa: E402

OURS, SHARED, ANCHOR = "ours", "shared", "anchor"
SIDES = (OURS, SHARED, ANCHOR)
# The sides measured against the anchor.
MINE = (OURS, SHARED)
SIDE_NAME = {OURS: "ours", SHARED: "ours, shared list", ANCHOR: "jupyterlab-slurm"}
# jupyterlab-slurm 4.1.0's SqueueHandler: `squeue -o "<this>" -h`, the whole queue.
ANCHOR_FORMAT = "%.18i %.9P %j %.20u %.2t %.15M %.6D %R"
ANCHOR_DEFAULT_RATE = 60.0  # its schema's autoReloadRate, if its venv is not there to read
SLEEP_JOB = "sleep 3600"
PROJECT_TO = 2000
PHASES = ("idle", "active", "mixed")
PHASE_HELP = {
    "idle": "(a) idle: every user's panel / dashboard is open in a browser tab that is not "
    "visible (JupyterLab restores its layout), every user has one job",
    "active": "(b) active: every user looks at the panel, every user has one job",
    "mixed": "(c) mixed: {active} of the users look at the panel, {working} work elsewhere in "
    "JupyterLab (its tab visible, the panel hidden behind another one), the rest's JupyterLab "
    "tab is not visible; {jobless} of all users have no job (every 5th, so in every group)",
}


# --------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--users", type=int, default=200, help="simulated single-user servers")
    p.add_argument(
        "--compress", type=float, default=2.0, help="time compression (2: 15 s runs as 7.5 s)"
    )
    p.add_argument("--duration", type=float, default=36.0, help="wall seconds per run")
    p.add_argument("--concurrency", type=int, default=12, help="squeue processes in flight at most")
    p.add_argument("--phases", default=",".join(PHASES), help=f"phases to run ({','.join(PHASES)})")
    p.add_argument("--sides", default=",".join(SIDES), help=f"sides to run ({','.join(SIDES)})")
    p.add_argument("--active-share", type=float, default=0.2, help="mixed: share looking")
    p.add_argument(
        "--working-share",
        type=float,
        default=0.3,
        help="mixed: share with JupyterLab visible but the Slurm panel closed or hidden",
    )
    p.add_argument("--jobless-share", type=float, default=0.2, help="mixed: share with no job")
    p.add_argument(
        "--ours-interval",
        type=float,
        default=None,
        help="ours: real seconds between polls of a user with jobs (default: "
        "HPCSlurm.poll_interval's default)",
    )
    p.add_argument(
        "--idle-factor",
        type=float,
        default=None,
        help="ours: how much slower a visible panel polls while its user has no job "
        "(default: SLOW_FACTOR of src/slurm/model.ts)",
    )
    p.add_argument(
        "--slow-max",
        type=float,
        default=None,
        help="ours: the slow interval's cap in seconds, unless poll_interval is longer "
        "(default: SLOW_MAX of src/slurm/model.ts)",
    )
    p.add_argument(
        "--notifications",
        choices=("on", "off"),
        default=None,
        help="ours: the notifications setting (default: its default in schema/slurm.json); "
        "off, a closed panel asks nothing",
    )
    p.add_argument(
        "--anchor-interval",
        type=float,
        default=None,
        help="jupyterlab-slurm: real seconds between reloads (default: autoReloadRate of "
        "its settings schema in the anchor venv)",
    )
    p.add_argument(
        "--queue-jobs",
        type=int,
        default=PROJECT_TO,
        help="probe: one poll's controller cost with this many held jobs queued (0: skip)",
    )
    p.add_argument("--probe-polls", type=int, default=60, help="probe: squeues per side")
    p.add_argument("--user-prefix", default="hpcscale", help="OS users <prefix>000, 001, ...")
    p.add_argument("--sample", type=float, default=1.0, help="seconds between sdiag samples")
    p.add_argument("--retries", type=int, default=1, help="runs again of a disturbed run")
    p.add_argument("--seed", type=int, default=None, help="seed of the poll phases")
    default_venv = os.environ.get("BENCH_ANCHOR_VENV") or str(BENCH / ".venv-anchor")
    p.add_argument("--anchor-venv", type=Path, default=Path(default_venv))
    p.add_argument("--out", type=Path, default=BENCH / "out", help="where the report goes")
    p.add_argument("--after-metrics", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args(argv)
    if rest and not args.after_metrics:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    args.phases = [x for x in args.phases.split(",") if x]
    sides = [x for x in args.sides.split(",") if x]
    args.sides = [x for x in SIDES if x in sides]
    if not args.sides or not set(sides) <= set(SIDES):
        p.error(f"--sides: choose from {','.join(SIDES)}")
    if not args.phases or not set(args.phases) <= set(PHASES):
        p.error(f"--phases: choose from {','.join(PHASES)}")
    if not 1 <= args.users <= 1000 or not 1 <= args.compress <= 60:
        p.error("need 1 <= --users <= 1000 and 1 <= --compress <= 60")
    if not 5 <= args.duration <= 600 or not 1 <= args.concurrency <= 64:
        p.error("need 5 <= --duration <= 600 and 1 <= --concurrency <= 64")
    shares = (args.active_share, args.working_share, args.jobless_share)
    if not all(0 <= x <= 1 for x in shares) or args.active_share + args.working_share > 1:
        p.error("shares are between 0 and 1, active + working at most 1")
    if not 0 <= args.queue_jobs <= 5000 or not 5 <= args.probe_polls <= 500:
        p.error("need 0 <= --queue-jobs <= 5000 and 5 <= --probe-polls <= 500")
    if (
        (args.idle_factor is not None and args.idle_factor < 1)
        or not 0.2 <= args.sample <= 10
        or not 0 <= args.retries <= 5
    ):
        p.error("need --idle-factor >= 1, 0.2 <= --sample <= 10, 0 <= --retries <= 5")
    for value in (args.ours_interval, args.anchor_interval):
        if value is not None and value < 1:
            p.error("intervals must be >= 1 s")
    if not re.fullmatch(r"[a-z][a-z0-9]{0,20}", args.user_prefix):
        p.error("--user-prefix: lower-case letters and digits, 21 at most")
    return args


# --------------------------------------------------------------------------- users, jobs


def user_names(args: argparse.Namespace) -> list[str]:
    return [f"{args.user_prefix}{i:03d}" for i in range(args.users)]


def ensure_users(names: Sequence[str]) -> int:
    """Create the missing users: system accounts, no home, no login. Returns how many."""
    made = 0
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            argv = ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"]
            subprocess.run([*argv, "--shell", "/usr/sbin/nologin", name], check=True, timeout=60)
            made += 1
    return made


def user_kw(name: str) -> dict[str, object]:
    entry = pwd.getpwnam(name)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [entry.pw_gid]}


def jobs_of(names: Sequence[str], env: dict[str, str]) -> dict[str, list[str]]:
    """The queued jobs of `names` (a run killed earlier may have left some)."""
    wanted = set(names)
    found: dict[str, list[str]] = {}
    for line in patient(["squeue", "-h", "-o", "%i %u"], env).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] in wanted:
            found.setdefault(parts[1], []).append(parts[0])
    return found


def submit_held(names: Sequence[str], env: dict[str, str]) -> dict[str, str]:
    """One held sleep job per user, submitted as that user: pending, never taking a CPU
    that the tests running on the same testbed need."""
    ids = {}
    for name in names:
        argv = ["sbatch", "--parsable", "--hold", f"--job-name=scale-{name}", "--chdir=/tmp"]
        argv += ["--output=/dev/null", f"--wrap={SLEEP_JOB}"]
        out = patient(argv, env, cwd="/tmp", **user_kw(name))
        ids[name] = out.strip().split(";")[0]
    return ids


def patient(argv: Sequence[str], env: dict[str, str], **kw: object) -> str:
    """`slurm(argv)`, again after a pause while slurmctld does not answer: the tests restart
    the shared testbed's controller now and then (it is back within seconds)."""
    tries = 4
    for attempt in range(tries):
        try:
            return slurm(argv, env, **kw)
        except RuntimeError as error:
            if "Unable to contact" not in str(error) or attempt == tries - 1:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


def cancel(ids: Sequence[str], env: dict[str, str]) -> None:
    for start in range(0, len(ids), 100):
        chunk = list(ids[start : start + 100])
        try:
            patient(["scancel", *chunk], env)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            print(f"warning: scancel failed: {error}", file=sys.stderr)


# --------------------------------------------------------------------------- sdiag


@dataclass
class Rpc:
    count: int = 0
    ave_us: int = 0
    total_us: int = 0


@dataclass
class Sdiag:
    since: int | None = None
    threads: int | None = None
    by_type: dict[str, Rpc] = field(default_factory=dict)
    by_user: dict[str, Rpc] = field(default_factory=dict)


_RPC = re.compile(r"^\s+(\S+)\s+\(\s*\d+\)\s+count:(\d+)\s+ave_time:(\d+)\s+total_time:(\d+)")


def parse_sdiag(text: str) -> Sdiag:
    out = Sdiag()
    section: dict[str, Rpc] | None = None
    for line in text.splitlines():
        if line.startswith("Data since") and (m := re.search(r"\((\d+)\)", line)):
            out.since = int(m.group(1))
        elif line.startswith("Server thread count") and (m := re.search(r"(\d+)", line)):
            out.threads = int(m.group(1))
        if "statistics by message type" in line:
            section = out.by_type
        elif "statistics by user" in line:
            section = out.by_user
        elif not line.strip() or not line[0].isspace():
            section = None
        elif section is not None and (m := _RPC.match(line)):
            section[m.group(1)] = Rpc(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return out


async def sdiag_async(env: dict[str, str]) -> Sdiag:
    proc = await asyncio.create_subprocess_exec(
        "sdiag",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return parse_sdiag(out.decode(errors="replace"))


def slurmctld_process(env: dict[str, str]) -> psutil.Process | None:
    """slurmctld, by the pid file its slurm.conf names."""
    try:
        conf = Path(env["SLURM_CONF"]).read_text()
        match = re.search(r"^SlurmctldPidFile=(\S+)", conf, re.M)
        return psutil.Process(int(Path(match.group(1)).read_text())) if match else None
    except (OSError, ValueError, psutil.Error):
        return None


def cpu_seconds(proc: psutil.Process | None) -> float | None:
    if proc is None:
        return None
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return None


# --------------------------------------------------------------------------- the users


@dataclass(frozen=True)
class Person:
    """One simulated user in one phase.

    page: a JupyterLab tab of the user is the visible browser tab; panel: it shows the
    Slurm panel (ours) / Slurm Dashboard (the anchor), which is open in every phase;
    job: the user has a pending or running job.
    """

    name: str
    page: bool
    panel: bool
    job: bool


def population(phase: str, names: Sequence[str], args: argparse.Namespace) -> list[Person]:
    n = len(names)
    if phase == "idle":
        return [Person(x, False, False, True) for x in names]
    if phase == "active":
        return [Person(x, True, True, True) for x in names]
    # mixed: lookers first, then the users working elsewhere in JupyterLab, then the
    # hidden pages; the jobless spread evenly (every k-th user) over all three groups.
    lookers = round(n * args.active_share)
    working = lookers + round(n * args.working_share)
    jobless = round(n * args.jobless_share)
    step = n / jobless if jobless else 0.0
    without = {int(i * step) for i in range(jobless)}
    return [Person(x, i < working, i < lookers, i not in without) for i, x in enumerate(names)]


def period(side: str, person: Person, iv: dict[str, float], args: argparse.Namespace) -> float:
    """Real seconds between two squeues of this person's server; 0 = it never runs one."""
    if side == ANCHOR:
        return iv[ANCHOR]  # every open dashboard, visible or not, jobs or not
    slow = max(iv[OURS], min(iv[OURS] * args.idle_factor, args.slow_max))
    if not person.page:
        return 0.0  # no visible tab: the model stands by
    if person.panel:
        return iv[OURS] if person.job else slow
    # panel closed or hidden: only the user's own pending/running jobs are watched, for the
    # notifications (on by default), at the slow rate; nothing once there is none
    return slow if person.job and args.notifications else 0.0


def command(side: str, name: str) -> list[str]:
    if side == OURS:
        # jupyterlab_hpc/slurm/queue.py, scope "mine"
        return ["squeue", "-h", "-o", squeue_format(), "-u", name]
    if side == SHARED:
        # the shared list's writer, jupyterlab_hpc/slurm/cache.py: the whole queue
        return ["squeue", "-h", "-o", squeue_format()]
    return ["squeue", "-o", ANCHOR_FORMAT, "-h"]


# --------------------------------------------------------------------------- the shared list


def writer_user(args: argparse.Namespace) -> str:
    """The OS user the writer's squeue runs as (sdiag counts it apart from root)."""
    return f"{args.user_prefix}cache"


def read_as(folder: str, user: str, uid: int, gid: int) -> tuple[bool, int | str]:
    """The real reader, as the user (real and effective uid and gid; the saved uid stays
    root's so that the worker process serves the next user): (True, jobs) or (False, why)."""
    os.setgroups([gid])
    os.setresgid(gid, gid, 0)
    os.setresuid(uid, uid, 0)
    try:
        return True, len(read_user_jobs(Path(folder), user)["jobs"])
    except (CacheUnusable, OSError, ValueError) as problem:
        return False, str(problem)
    finally:
        os.setresuid(0, 0, 0)
        os.setresgid(0, 0, 0)
        os.setgroups([0])


def _pid(_: int) -> int:
    return os.getpid()


def reader_pool() -> ProcessPoolExecutor:
    """Two worker processes for the reads (forked before the event loop starts)."""
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    list(pool.map(_pid, range(4)))  # start them now
    return pool


class Writer:
    """`python -m jupyterlab_hpc.slurm.cache` for one run, its squeue as `writer_user`."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="hpcscale-list-"))
        self.base.chmod(0o711)  # the users pass through to their files
        self.folder = self.base / "slurm"
        self.log = self.base / "squeues.log"
        shim = self.base / "bin"
        shim.mkdir()
        real = shutil.which("squeue") or "/usr/bin/squeue"
        entry = pwd.getpwnam(writer_user(args))
        (shim / "squeue").write_text(
            f"#!/bin/sh\necho >>{self.log}\nexec setpriv --reuid={entry.pw_uid} "
            f'--regid={entry.pw_gid} --clear-groups {real} "$@"\n'
        )
        (shim / "squeue").chmod(0o755)
        interval = args.intervals[OURS] / args.compress
        path = f"{shim}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        argv = [sys.executable, "-m", "jupyterlab_hpc.slurm.cache", "--dir", str(self.folder)]
        self.proc = subprocess.Popen(
            [*argv, "--interval", f"{interval:g}"],
            cwd=REPO,
            env={**os.environ, **env, "PATH": path},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_first(self, timeout_s: float = 30.0) -> None:
        """Until the first list is written (or the writer died)."""
        end = time.monotonic() + timeout_s
        while not (self.folder / "stamp.json").exists():
            if self.proc.poll() is not None or time.monotonic() > end:
                if self.proc.poll() is None:
                    self.proc.kill()
                _out, err = self.proc.communicate(timeout=10)
                text = err.decode(errors="replace").strip() if err else ""
                raise RuntimeError(f"the shared list's writer wrote nothing: {text}")
            time.sleep(0.05)

    def squeues(self) -> int:
        try:
            return len(self.log.read_text().splitlines())
        except OSError:
            return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.base, ignore_errors=True)


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    phase: str
    side: str
    attempts: int = 1
    valid: bool = True
    seconds: float = 0.0
    pollers: int = 0
    planned: float = 0.0  # polls the cadence asks for in the run (to the nearest)
    polls: int = 0  # ours, anchor: squeues; shared: reads of the user's file
    squeues: int = 0  # the simulated servers' own squeues (shared: when the list is refused)
    failures: int = 0
    first_error: str = ""
    wall_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    ctld_cpu_s: float | None = None
    rpcs: Sdiag = field(default_factory=Sdiag)
    bench_rpcs: int = 0  # shared: the servers' fallback squeues' and the writer's
    bench_total_us: int = 0
    other_rpcs: dict[str, int] = field(default_factory=dict)
    # shared list: the reads that it refused, the users shown a wrong job count, the
    # writer's squeues and RPCs
    refused: int = 0
    first_refusal: str = ""
    wrong_count: int = 0
    writer_squeues: int = 0
    writer_rpcs: int = 0
    writer_total_us: int = 0


async def one_run(
    phase: str,
    side: str,
    people: Sequence[Person],
    iv: dict[str, float],
    args: argparse.Namespace,
    env: dict[str, str],
    rng: random.Random,
) -> Run:
    run = Run(phase, side)
    names = {p.name for p in people}
    gate = asyncio.Semaphore(args.concurrency)
    child_env = {"SLURM_CONF": env["SLURM_CONF"], "PATH": os.environ.get("PATH", "/usr/bin")}
    child_env["LANG"] = "C.UTF-8"
    kws = {p.name: user_kw(p.name) for p in people}
    ctld = slurmctld_process(env)
    loop = asyncio.get_running_loop()
    writer = None
    pool: ProcessPoolExecutor | None = args.pool if side == SHARED else None
    patient(["sdiag", "--reset"], env)
    since = (await sdiag_async(env)).since
    if side == SHARED:
        # Started after the reset, so that its first squeue is counted: a whole number of
        # intervals in the run, as on a cluster where it runs all the time.
        writer = Writer(args, env)
        try:
            await loop.run_in_executor(None, writer.wait_first)
        except BaseException:
            writer.stop()
            raise
    cpu0 = cpu_seconds(ctld)
    t0 = time.monotonic()
    end = t0 + args.duration

    async def squeue(person: Person, due: float) -> None:
        async with gate:
            started = time.monotonic()
            if side != SHARED:
                run.lag_ms.append((started - due) * 1000)
            proc = await asyncio.create_subprocess_exec(
                *command(OURS if side == SHARED else side, person.name),
                env=child_env,
                cwd="/tmp",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                **kws[person.name],  # type: ignore[arg-type]
            )
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            done = time.monotonic()
        run.squeues += 1
        if side != SHARED:
            run.wall_ms.append((done - started) * 1000)
        if proc.returncode != 0:
            run.failures += 1
            run.first_error = run.first_error or err.decode(errors="replace").strip()

    async def read(person: Person, due: float) -> None:
        """The server's `_shared_list`: the user's file, as the user; squeue if refused."""
        assert writer is not None and pool is not None
        started = time.monotonic()
        run.lag_ms.append((started - due) * 1000)
        entry = kws[person.name]
        ok, found = await loop.run_in_executor(
            pool, read_as, str(writer.folder), person.name, entry["user"], entry["group"]
        )
        run.wall_ms.append((time.monotonic() - started) * 1000)
        if not ok:
            run.refused += 1
            run.first_refusal = run.first_refusal or str(found)
            await squeue(person, due)
        elif found != int(person.job):
            run.wrong_count += 1

    async def poller(person: Person) -> None:
        every = period(side, person, iv, args) / args.compress
        if every <= 0:
            return
        run.pollers += 1
        run.planned += args.duration / every
        due = t0 + rng.uniform(0, every)
        while due < end:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await (read if side == SHARED else squeue)(person, due)
            run.polls += 1
            # Both front ends arm the next poll when the answer is in.
            due = time.monotonic() + every

    async def sampler() -> None:
        while time.monotonic() < end:
            reading = await sdiag_async(env)
            if reading.threads is not None:
                run.threads.append(reading.threads)
            await asyncio.sleep(args.sample)

    try:
        await asyncio.gather(sampler(), *(poller(p) for p in people))
    finally:
        if writer is not None:
            # Stopped before the reading: its squeues are those of the run's window.
            run.writer_squeues = writer.squeues()
            writer.stop()
    cpu1 = cpu_seconds(ctld)
    run.rpcs = await sdiag_async(env)
    run.seconds = time.monotonic() - t0
    run.ctld_cpu_s = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    run.valid = since is not None and run.rpcs.since == since
    for user, rpc in run.rpcs.by_user.items():
        if user in names:
            run.bench_rpcs += rpc.count
            run.bench_total_us += rpc.total_us
        elif writer is not None and user == writer_user(args):
            run.writer_rpcs += rpc.count
            run.writer_total_us += rpc.total_us
        elif user != "root":
            run.other_rpcs[user] = rpc.count
    # root's RPCs are the sampler's sdiag (REQUEST_STATS_INFO) and the testbed's own tools
    root = run.rpcs.by_user.get("root")
    stats = run.rpcs.by_type.get(STATS_INFO)
    extra = (root.count if root else 0) - (stats.count if stats else 0)
    if extra > 0:
        run.other_rpcs["root (not sdiag)"] = extra
    run.bench_rpcs += run.writer_rpcs
    run.bench_total_us += run.writer_total_us
    return run


# --------------------------------------------------------------------------- the probe


@dataclass
class Probe:
    """One side's polls run one after the other, unloaded, with `queued` jobs in the queue."""

    side: str
    queued: int
    polls: int = 0
    rpcs: int = 0
    total_us: int = 0
    wall_ms: list[float] = field(default_factory=list)
    by_type: dict[str, Rpc] = field(default_factory=dict)
    valid: bool = True

    @property
    def us_per_poll(self) -> float | None:
        return self.total_us / self.polls if self.polls else None


def queued_count(env: dict[str, str]) -> int:
    return len(patient(["squeue", "-h", "-o", "%i"], env).splitlines())


# The RPC types each side's squeue sends (REQUEST_PARTITION_INFO: both).
SIDE_TYPES = {
    OURS: ("REQUEST_JOB_USER_INFO", "REQUEST_PARTITION_INFO", "REQUEST_FED_INFO"),
    SHARED: ("REQUEST_JOB_INFO", "REQUEST_PARTITION_INFO"),
    ANCHOR: ("REQUEST_JOB_INFO", "REQUEST_PARTITION_INFO"),
}


def probe_pair(names: Sequence[str], args: argparse.Namespace, env: dict[str, str]) -> list[Probe]:
    """`--probe-polls` squeues of each side, one at a time, the sides taking turns, so that
    all see the same machine; each side as its own third of the users (ours 0, 3, 6, ...,
    the shared list's writer 1, 4, ..., the anchor 2, 5, ...), so that sdiag's "by user"
    tells their RPCs apart in one reading."""
    queued = queued_count(env)
    sides = [s for s in SIDES if s in args.sides or s == ANCHOR]
    found = {side: Probe(side, queued) for side in sides}
    users = {side: list(names[i :: len(sides)]) or list(names) for i, side in enumerate(sides)}
    patient(["sdiag", "--reset"], env)
    since = parse_sdiag(slurm(["sdiag"], env)).since
    child_env = {**os.environ, **env}
    for i in range(args.probe_polls):
        for side in sides:
            name = users[side][i % len(users[side])]
            started = time.monotonic()
            subprocess.run(
                command(side, name),
                env=child_env,
                cwd="/tmp",
                capture_output=True,
                timeout=60,
                check=True,
                **user_kw(name),  # type: ignore[arg-type]
            )
            found[side].wall_ms.append((time.monotonic() - started) * 1000)
            found[side].polls += 1
    reading = parse_sdiag(slurm(["sdiag"], env))
    for side, result in found.items():
        result.valid = since is not None and reading.since == since
        wanted = set(users[side])
        for user, rpc in reading.by_user.items():
            if user in wanted:
                result.rpcs += rpc.count
                result.total_us += rpc.total_us
        result.by_type = {k: v for k, v in reading.by_type.items() if k in SIDE_TYPES[side]}
    return list(found.values())


def fill_queue(
    names: Sequence[str], total: int, args: argparse.Namespace, env: dict[str, str]
) -> None:
    """More held jobs, round-robin over the users, until `total` of theirs are queued."""
    have = sum(len(v) for v in jobs_of(names, env).values())
    owners = [names[i % len(names)] for i in range(max(0, total - have))]
    with ThreadPoolExecutor(4) as pool:
        for name, ids in zip(owners, pool.map(lambda n: submit_held([n], env), owners)):
            args.job_ids[f"{name}+{ids[name]}"] = ids[name]


def probes(names: Sequence[str], args: argparse.Namespace, env: dict[str, str]) -> list[Probe]:
    found = []
    for total in (len(names), args.queue_jobs):
        if total > len(names):
            print(f"  probe: filling the queue to {total} held jobs", flush=True)
            fill_queue(names, total, args, env)
        for _attempt in range(1 + args.retries):
            print(f"  probe: {args.probe_polls} squeues of each side, in turns", flush=True)
            pair = probe_pair(names, args, env)
            if all(p.valid for p in pair):
                break
        found += pair
    return found


def probe_table(found: Sequence[Probe]) -> str:
    head = [
        "queued jobs",
        "side",
        "squeues",
        "RPCs",
        "slurmctld µs per poll (all its RPCs)",
        "µs per RPC",
        "squeue wall ms median",
        "RPCs by type (ave µs)",
    ]
    rows = []
    for p in found:
        types = ", ".join(f"{k} {v.count} ({v.ave_us} µs)" for k, v in sorted(p.by_type.items()))
        rows.append(
            [
                str(p.queued) + ("" if p.valid else " (NOT VALID)"),
                p.side,
                str(p.polls),
                str(p.rpcs),
                fmt(p.us_per_poll, 0),
                fmt(p.total_us / p.rpcs if p.rpcs else None, 0),
                fmt(pct(p.wall_ms, 0.5), 1),
                types,
            ]
        )
    return table(head, rows)


def probe_projection(found: Sequence[Probe], runs: Sequence[Run], args: argparse.Namespace) -> str:
    """Share of one thread at PROJECT_TO users, each with a job: polls/s x cost per poll
    with PROJECT_TO jobs queued (measured one by one)."""
    big = {p.side: p for p in found if p.queued >= args.queue_jobs}
    if ANCHOR not in big:
        return ""
    head = [
        "phase",
        "side",
        "polls/s (squeues), µs per poll, share of one thread",
        "anchor: polls/s, µs per poll, share of one thread",
        "side / anchor, slurmctld time",
    ]
    rows = []
    for phase, mine, anchor in pairs(runs):
        if mine.side not in big:
            continue
        polls, share = projected_polls(mine, args), projected_share(mine, big, args)
        a_polls, a_share = projected_polls(anchor, args), projected_share(anchor, big, args)
        cost = big[mine.side].us_per_poll or 0.0
        rows.append(
            [
                phase,
                SIDE_NAME[mine.side],
                f"{polls:.1f}, {cost:.0f}, {100 * share:.2f} %",
                f"{a_polls:.1f}, {big[ANCHOR].us_per_poll or 0.0:.0f}, {100 * a_share:.2f} %",
                fmt(ratio(share, a_share), 3),
            ]
        )
    return table(head, rows)


def projected_polls(run: Run, args: argparse.Namespace) -> float:
    """squeues per second of real time at PROJECT_TO users: the servers' squeues grow with
    the users, the shared list's writer's do not."""
    if not run.seconds:
        return 0.0
    per_s = 1 / run.seconds / args.compress
    return (run.squeues * PROJECT_TO / args.users + run.writer_squeues) * per_s


def projected_share(run: Run, big: dict[str, Probe], args: argparse.Namespace) -> float:
    """Share of one slurmctld thread at PROJECT_TO users, one poll's time from the probe
    with the big queue (the writer: its whole-queue squeue; a refused read: ours' squeue)."""
    if not run.seconds:
        return 0.0
    per_s = 1 / run.seconds / args.compress
    scale = PROJECT_TO / args.users
    if run.side == SHARED:
        ours = big.get(OURS)
        fallback = run.squeues * scale * ((ours.us_per_poll or 0.0) if ours else 0.0)
        writer = run.writer_squeues * ((big.get(SHARED) or big[ANCHOR]).us_per_poll or 0.0)
        return (fallback + writer) * per_s / 1e6
    return run.squeues * per_s * scale * (big[run.side].us_per_poll or 0.0) / 1e6


# --------------------------------------------------------------------------- figures


def real_rate(run: Run, args: argparse.Namespace) -> float:
    """RPCs/s of the bench's users at the real (uncompressed) cadence."""
    return run.bench_rpcs / run.seconds / args.compress if run.seconds else 0.0


def thread_share(run: Run, args: argparse.Namespace) -> float:
    """Controller time (sdiag total_time of the bench's RPCs) per second of real time,
    as a share of one thread."""
    return run.bench_total_us / 1e6 / run.seconds / args.compress if run.seconds else 0.0


def scaled_rate(run: Run, args: argparse.Namespace) -> float:
    """RPCs/s of real time at PROJECT_TO users: the servers' grow with the users, the
    shared list's writer's do not."""
    if not run.seconds:
        return 0.0
    own = (run.bench_rpcs - run.writer_rpcs) * PROJECT_TO / args.users
    return (own + run.writer_rpcs) / run.seconds / args.compress


def scaled_share(run: Run, args: argparse.Namespace) -> float:
    """thread_share at PROJECT_TO users, at the per-RPC times of the run (the writer's
    not scaled)."""
    if not run.seconds:
        return 0.0
    own = (run.bench_total_us - run.writer_total_us) * PROJECT_TO / args.users
    return (own + run.writer_total_us) / 1e6 / run.seconds / args.compress


def per_rpc_us(run: Run) -> float | None:
    return run.bench_total_us / run.bench_rpcs if run.bench_rpcs else None


def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def types_line(run: Run) -> str:
    rows = sorted((k, v) for k, v in run.rpcs.by_type.items() if k != STATS_INFO)
    return ", ".join(f"{k} {v.count} ({v.ave_us} µs)" for k, v in rows) or "none"


def runs_table(runs: Sequence[Run], args: argparse.Namespace) -> str:
    head = [
        "phase",
        "side",
        "servers polling",
        "squeues (failed)",
        "cadence kept",
        "bench users' RPCs",
        "RPCs/s measured",
        "**RPCs/s real time**",
        "RPCs/min per user",
        "slurmctld µs per RPC (sdiag)",
        "server threads mean / max",
        "slurmctld CPU % (measured)",
        "poll wall ms median / p95 (squeue; shared: the read)",
        "start lag ms p95",
        "shared list: reads refused, wrong job count, writer squeues (RPCs)",
        "RPCs by type, all users (ave µs)",
    ]
    rows = []
    for r in runs:
        measured = r.bench_rpcs / r.seconds if r.seconds else 0.0
        cpu = None if r.ctld_cpu_s is None else 100 * r.ctld_cpu_s / r.seconds
        threads = f"{statistics.mean(r.threads):.1f} / {max(r.threads)}" if r.threads else "-"
        rows.append(
            [
                r.phase + ("" if r.valid else " (NOT VALID)"),
                SIDE_NAME[r.side],
                str(r.pollers),
                f"{r.squeues} ({r.failures})",
                kept_cell(r),
                str(r.bench_rpcs),
                fmt(measured, 1),
                f"**{fmt(real_rate(r, args), 2)}**",
                fmt(60 * real_rate(r, args) / args.users, 3),
                fmt(per_rpc_us(r), 0),
                threads,
                fmt(cpu, 1),
                f"{fmt(pct(r.wall_ms, 0.5), 1)} / {fmt(pct(r.wall_ms, 0.95), 1)}",
                fmt(pct(r.lag_ms, 0.95), 0),
                (
                    f"{r.refused}, {r.wrong_count}, {r.writer_squeues} ({r.writer_rpcs})"
                    if r.side == SHARED
                    else "-"
                ),
                types_line(r),
            ]
        )
    return table(head, rows)


def kept(run: Run) -> float | None:
    """Polls made / polls the cadence asked for (about 1 when it was kept); None when too
    few were asked for to tell."""
    return run.polls / run.planned if run.planned >= 20 else None


def kept_cell(run: Run) -> str:
    k = kept(run)
    return "-" if k is None else f"{k:.0%}" + ("" if k >= 0.9 else " (**not kept**)")


def pairs(runs: Sequence[Run]) -> list[tuple[str, Run, Run]]:
    """(phase, ours or the shared list, the anchor) for each phase that ran both."""
    found = []
    for phase in PHASES:
        by_side = {r.side: r for r in runs if r.phase == phase}
        for side in MINE:
            if side in by_side and ANCHOR in by_side:
                found.append((phase, by_side[side], by_side[ANCHOR]))
    return found


def ratio_table(runs: Sequence[Run], args: argparse.Namespace) -> str:
    head = [
        "phase",
        "side",
        "side RPCs/s",
        "anchor RPCs/s",
        "**side / anchor, RPCs**",
        "side / anchor, slurmctld time",
        f"side RPCs/s at {PROJECT_TO:,} users",
        f"anchor RPCs/s at {PROJECT_TO:,} users",
        f"side / anchor, RPCs at {PROJECT_TO:,}",
        f"side, share of one slurmctld thread at {PROJECT_TO:,}",
        f"anchor, share of one thread at {PROJECT_TO:,}",
    ]
    rows = []
    for phase, mine, anchor in pairs(runs):
        o, a = real_rate(mine, args), real_rate(anchor, args)
        rt = ratio(thread_share(mine, args), thread_share(anchor, args))
        so, sa = scaled_rate(mine, args), scaled_rate(anchor, args)
        rows.append(
            [
                phase,
                SIDE_NAME[mine.side],
                fmt(o, 2),
                fmt(a, 2),
                f"**{fmt(ratio(o, a), 3)}**",
                fmt(rt, 3),
                fmt(so, 2),
                fmt(sa, 1),
                fmt(ratio(so, sa), 4),
                f"{100 * scaled_share(mine, args):.2f} %",
                f"{100 * scaled_share(anchor, args):.2f} %",
            ]
        )
    return table(head, rows)


def time_ratio_at_scale(
    phase: str, side: str, found: Sequence[Probe], runs: Sequence[Run], args: argparse.Namespace
) -> float | None:
    """side / anchor in slurmctld time at PROJECT_TO users: polls/s x one poll's time with
    the big queue (the probe)."""
    big = {p.side: p for p in found if p.queued >= args.queue_jobs}
    by = {(r.phase, r.side): r for r in runs}
    mine, anchor = by.get((phase, side)), by.get((phase, ANCHOR))
    if side not in big or ANCHOR not in big or mine is None or anchor is None:
        return None
    if not anchor.squeues:
        return None
    return ratio(projected_share(mine, big, args), projected_share(anchor, big, args))


def verdicts(runs: Sequence[Run], found: Sequence[Probe], args: argparse.Namespace) -> list[str]:
    lines = [
        f"- **{r.phase} / {r.side}: the machine kept only {kept(r):.0%} of the compressed "
        "cadence, so its RPCs/s are too low; run with a smaller --compress**"
        for r in runs
        if (k := kept(r)) is not None and k < 0.9
    ]
    by = {(r.phase, r.side): r for r in runs}
    idle = by.get(("idle", OURS))
    if idle is None:
        lines.append("- idle user 0 RPCs/min: not checked (phase not run)")
    else:
        per_user = 60 * real_rate(idle, args) / args.users
        met = idle.bench_rpcs == 0 and idle.valid
        lines.append(
            f"- an idle user's server costs slurmctld {fmt(per_user, 3)} RPCs/min "
            f"({idle.bench_rpcs} RPCs from {args.users} users in the run; goal 0): "
            f"**{'met' if met else 'NOT met'}**"
        )
    ours, anchor = by.get(("active", OURS)), by.get(("active", ANCHOR))
    if ours is None or anchor is None:
        lines.append("- 200 active ≤ 1/5 of jupyterlab-slurm: not checked (phase not run)")
    else:
        r = ratio(real_rate(ours, args), real_rate(anchor, args))
        met = r is not None and r <= 0.2 and ours.valid and anchor.valid
        lines.append(
            f"- {args.users} active users, ours / jupyterlab-slurm RPCs = {fmt(r, 3)} "
            f"(goal ≤ 0.2): **{'met' if met else 'NOT met'}**"
        )
        # What would meet it, the cadences being linear: RPCs per poll x polls per second.
        if ours.squeues and anchor.squeues and r:
            per_ours = ours.bench_rpcs / ours.squeues
            per_anchor = anchor.bench_rpcs / anchor.squeues
            need = 5 * per_ours * anchor_interval_of(args) / per_anchor
            lines.append(
                f"  (one poll costs ours {fmt(per_ours, 2)} RPCs, the anchor "
                f"{fmt(per_anchor, 2)}; at these costs ours meets 1/5 only with a poll "
                f"interval ≥ {need:.0f} s against the anchor's {anchor_interval_of(args):g} s)"
            )
        t = time_ratio_at_scale("active", OURS, found, runs, args)
        if t is not None:
            lines.append(
                f"- not the goal's measure, for the lead: in slurmctld **time** at "
                f"{PROJECT_TO:,} users (one poll's time with {args.queue_jobs:,} jobs "
                f"queued, the probe), {args.users} → {PROJECT_TO:,} active users, ours / "
                f"jupyterlab-slurm = {fmt(t, 3)} ({'≤' if t <= 0.2 else '>'} 0.2)"
            )
    return lines + shared_verdicts(runs, found, args)


def shared_verdicts(
    runs: Sequence[Run], found: Sequence[Probe], args: argparse.Namespace
) -> list[str]:
    """The goals for the shared list (`c.HPCSlurm.queue_cache_dir`)."""
    by = {(r.phase, r.side): r for r in runs}
    if not any(side == SHARED for _phase, side in by):
        return []
    lines = []
    idle = by.get(("idle", SHARED))
    if idle is not None:
        servers = idle.bench_rpcs - idle.writer_rpcs
        per_min = 60 * idle.writer_rpcs / idle.seconds / args.compress if idle.seconds else 0.0
        lines.append(
            f"- shared list, idle: the servers cost slurmctld {servers} RPCs (goal 0: "
            f"**{'met' if servers == 0 and idle.valid else 'NOT met'}**); the cluster's one "
            f"writer costs {fmt(per_min, 1)} RPCs/min whatever the users "
            f"({idle.writer_rpcs} RPCs, {idle.writer_squeues} squeues in the run)"
        )
    for phase in ("active", "mixed"):
        mine, anchor = by.get((phase, SHARED)), by.get((phase, ANCHOR))
        if mine is None or anchor is None:
            continue
        r = ratio(real_rate(mine, args), real_rate(anchor, args))
        r2 = ratio(scaled_rate(mine, args), scaled_rate(anchor, args))
        met = r is not None and r <= 0.2 and mine.valid and anchor.valid
        goal = f" (goal ≤ 0.2): **{'met' if met else 'NOT met'}**" if phase == "active" else ""
        t = time_ratio_at_scale(phase, SHARED, found, runs, args)
        lines.append(
            f"- shared list, {args.users} {phase} users, ours / jupyterlab-slurm RPCs = "
            f"{fmt(r, 3)}{goal}; at {PROJECT_TO:,} users {fmt(r2, 4)} in RPCs"
            + ("" if t is None else f", {fmt(t, 4)} in slurmctld time (the probe)")
            + f"; reads refused {mine.refused}, wrong job counts {mine.wrong_count}"
        )
    return lines


def anchor_interval_of(args: argparse.Namespace) -> float:
    return float(args.intervals[ANCHOR])


# --------------------------------------------------------------------------- main


MODEL_TS = REPO / "src" / "slurm" / "model.ts"
SCHEMA = REPO / "schema" / "slurm.json"


def ts_const(text: str, name: str) -> float | None:
    """`export const NAME = 4;` or `= 120 * 1000;` (ms) in a TypeScript source."""
    m = re.search(rf"export const {name} = ([0-9.]+)(?: \* ([0-9.]+))?;", text)
    return None if m is None else float(m.group(1)) * float(m.group(2) or 1)


def our_policy(args: argparse.Namespace) -> str:
    """Fill in the slow factor, its cap and the notifications default from the front end's
    own source (src/slurm/model.ts, schema/slurm.json); say where each came from."""
    try:
        text = MODEL_TS.read_text()
    except OSError:
        text = ""
    said = []
    if args.idle_factor is None:
        found = ts_const(text, "SLOW_FACTOR")
        args.idle_factor = found or 4.0
        said.append("SLOW_FACTOR of src/slurm/model.ts" if found else "factor 4 assumed")
    if args.slow_max is None:
        found = ts_const(text, "SLOW_MAX")
        args.slow_max = found / 1000 if found else float("inf")
        said.append("SLOW_MAX of src/slurm/model.ts" if found else "no cap found")
    if args.notifications is None:
        try:
            props = json.loads(SCHEMA.read_text())["properties"]
            args.notifications = bool(props["notifications"]["default"])
            said.append("the notifications default of schema/slurm.json")
        except (OSError, ValueError, KeyError, TypeError):
            args.notifications = False
            said.append("no notifications setting found: off")
    else:
        args.notifications = args.notifications == "on"
    return ", ".join(said) or "options"


def intervals(args: argparse.Namespace) -> tuple[dict[str, float], dict[str, str]]:
    ours = args.ours_interval
    ours_src = "--ours-interval"
    if ours is None:
        ours = float(HPCSlurm.class_traits()["poll_interval"].default_value)
        ours_src = "HPCSlurm.poll_interval's default, jupyterlab_hpc/slurm/config.py"
    anchor = args.anchor_interval
    anchor_src = "--anchor-interval"
    if anchor is None:
        defaults = anchor_defaults(args.anchor_venv)
        if defaults.get("autoReload") is True and "autoReloadRate" in defaults:
            anchor = float(defaults["autoReloadRate"])  # type: ignore[arg-type]
            anchor_src = (
                "autoReloadRate, the default of jupyterlab-slurm's settings schema in "
                f"{args.anchor_venv.name} (autoReload on by default)"
            )
        else:
            anchor = ANCHOR_DEFAULT_RATE
            anchor_src = (
                f"{ANCHOR_DEFAULT_RATE:g} s assumed (jupyterlab-slurm 4.1.0's schema default): "
                f"no anchor venv at {args.anchor_venv}"
            )
    return {OURS: ours, ANCHOR: anchor}, {OURS: ours_src, ANCHOR: anchor_src}


def render(ctx: dict, runs: Sequence[Run], found: Sequence[Probe], args: argparse.Namespace) -> str:
    iv, src = ctx["intervals"], ctx["interval_sources"]
    c = args.compress
    slow = max(iv[OURS], min(iv[OURS] * args.idle_factor, args.slow_max))
    share = {
        "active": f"{args.active_share:.0%}",
        "working": f"{args.working_share:.0%}",
        "jobless": f"{args.jobless_share:.0%}",
    }
    warnings = [
        f"**NOT VALID: {r.phase} / {r.side}: slurmctld's counters were reset by "
        "someone else (or it restarted) during the run**  "
        for r in runs
        if not r.valid
    ]
    failed = [
        f"**{r.phase} / {r.side}: {r.failures} squeue(s) failed: {r.first_error}**  "
        for r in runs
        if r.failures
    ]
    parts = [
        *warnings,
        *failed,
        *(f"**{w}**  " for w in ctx.get("warnings", [])),
        f"Date: {ctx['date']}  ",
        f"Machine: {ctx['nproc']} CPU(s), {ctx['cpu']}, load avg at start {ctx['loadavg']}  ",
        f"Versions: jupyterlab-hpc git {ctx['git']}, jupyterlab-slurm {ctx['anchor_version']}, "
        f"{ctx['slurm']}  ",
        f"Command: `{ctx['command']}` (as root; testbed `SLURM_CONF={ctx['slurm_conf']}`)",
        "",
        f"**Simulated servers, real squeue.** {args.users} simulated single-user servers "
        f"(OS users `{args.user_prefix}000`…), each running the real squeue its server "
        f"would run, as itself, at its front end's cadence, from one scheduler with at most "
        f"{args.concurrency} squeues in flight. **Time compressed {c:g}x**: ours' "
        f"{iv[OURS]:g} s runs as {iv[OURS] / c:g} s, the anchor's {iv[ANCHOR]:g} s as "
        f"{iv[ANCHOR] / c:g} s; each run lasts {args.duration:g} s "
        f'(= {args.duration * c:g} s of real time). "Real time" figures are the measured '
        f"ones divided by {c:g}; slurmctld's per-RPC times and thread counts are those "
        f"under the compressed (heavier) load. Each user has one held `{SLEEP_JOB}` job "
        "(pending, so it never takes a CPU the tests on the shared testbed need).",
        "",
        "- ours: `squeue -h -o <our format> -u <user>` (3 RPCs), as src/slurm/model.ts "
        f"asks for it: every {iv[OURS]:g} s ({src[OURS]}) while the panel is visible and "
        f"the user has a pending/running job; every {slow:g} s ({args.idle_factor:g}x, at "
        f"most {args.slow_max:g} s: {src['policy']}) while it is visible and the user has "
        "none, and "
        + (
            "while the panel is closed or hidden but the user has a pending/running job "
            "(the notifications, on); "
            if args.notifications
            else "never while the panel is closed or hidden (notifications off); "
        )
        + "never while no JupyterLab tab is the visible browser tab. The simulation "
        "follows that code as read at the time of the run; the server's cache makes one "
        "squeue per interval whatever the tabs, so one simulated poller per user is one "
        "server.",
        f'- jupyterlab-slurm: `squeue -o "{ANCHOR_FORMAT}" -h` (the whole queue, 2 RPCs), '
        f"every {iv[ANCHOR]:g} s ({src[ANCHOR]}) per open Slurm Dashboard with its Jobs "
        "tab selected, visible or not, jobs or not; one dashboard per user (more tabs "
        "multiply it).",
        *(
            [
                "- ours, shared list (`c.HPCSlurm.queue_cache_dir`): the real writer, "
                f"`python -m jupyterlab_hpc.slurm.cache --interval {iv[OURS] / c:g}` (ours' "
                f"{iv[OURS]:g} s, compressed), as root, started after each run's `sdiag "
                "--reset` (its first squeue counted) and stopped at its end: one whole-queue "
                "`squeue -h -o <our format>` per interval (2 RPCs) for the whole cluster, run "
                f"through a `squeue` shim on its PATH as the OS user `{writer_user(args)}` "
                "(setpriv; no PrivateData on the testbed, so it sees every job), so that "
                "sdiag counts it apart from root's tools. The servers, at ours' cadence, read "
                "their user's file with the real reader (`read_user_jobs`) in a worker "
                "process switched to that user's uid and gid (real and effective), and run "
                "ours' squeue only when it refuses the list (as `JobQueue._shared_list` "
                "does). Its RPCs: the writer's plus those fallback squeues'."
            ]
            if SHARED in args.sides
            else []
        ),
        "",
        *(f"- {PHASE_HELP[p].format(**share)}" for p in args.phases),
        "",
        "### Each run",
        "",
        runs_table(runs, args),
        "",
        'RPCs are `sdiag`\'s "by user" counts of the simulated users alone; "slurmctld µs '
        "per RPC\" is their total_time / count (the RPC's time inside slurmctld, locks "
        "included). RPCs by type are for all users: "
        + others_line(runs)
        + "; the sampler's own sdiag (REQUEST_STATS_INFO) left out. Server thread count: "
        f"sdiag's, sampled every {args.sample:g} s. slurmctld CPU: its process's user+system "
        "time over the run (all RPCs, the scheduler's cycles and the sampler's sdiag "
        "included), under the compressed load. Start lag: how late the squeues started on "
        "their due time (the concurrency cap); a large one means the compressed cadence "
        "was not kept.",
        "",
        f"### Ours / jupyterlab-slurm, and the projection to {PROJECT_TO:,} users",
        "",
        ratio_table(runs, args),
        "",
        f"Projection: RPCs/s x {PROJECT_TO / args.users:g} (linear in users; the shared "
        "list's writer's RPCs are not scaled: one writer per cluster). Share of one "
        "thread: the bench users' sdiag total_time per second of real time, x the same "
        "factor (slurmctld serves RPCs on many threads, but they contend for the same job "
        "and partition locks, so one thread is the scale that matters). The anchor's "
        "whole-queue REQUEST_JOB_INFO packs every job of the queue: with one job per user "
        f"its cost per RPC grows with the users too, so at {PROJECT_TO:,} users its share "
        "is an underestimate; ours asks for one user's jobs (REQUEST_JOB_USER_INFO).",
        "",
        *probe_section(found, runs, args),
        "### Goals (issue 14)",
        "",
        *verdicts(runs, found, args),
    ]
    return "\n".join(parts) + "\n"


def others_line(runs: Sequence[Run]) -> str:
    """What other clients of the shared testbed sent during the runs (counted for no side)."""
    seen = [
        f"{r.phase}/{r.side}: {', '.join(f'{k} {v}' for k, v in r.other_rpcs.items())}"
        for r in runs
        if r.other_rpcs
    ]
    return "other users' RPCs meanwhile: " + ("; ".join(seen) if seen else "none")


def probe_section(
    found: Sequence[Probe], runs: Sequence[Run], args: argparse.Namespace
) -> list[str]:
    if not found:
        return []
    return [
        f"### One poll's cost in slurmctld, {args.users} and {args.queue_jobs:,} jobs queued",
        "",
        f"{args.probe_polls} squeues of each side one at a time, the sides taking turns (no "
        "other load from the bench; each side as its own share of the users, told apart "
        "by sdiag's by-user table), all jobs held and owned by the simulated users "
        "(round-robin), one `sdiag --reset` before. Ours asks for one user's jobs, the "
        "shared list's writer (`shared`: its squeue, as a simulated user) and the anchor "
        "for the whole queue. By type: the RPCs of the types each side sends, all users "
        "(REQUEST_PARTITION_INFO is every side's, REQUEST_JOB_INFO the writer's and the "
        "anchor's).",
        "",
        probe_table(found),
        "",
        f"Projection with the queue a cluster of {PROJECT_TO:,} such users would have "
        f"({args.queue_jobs:,} queued): each phase's polls per second x "
        f"{PROJECT_TO / args.users:g} (the shared list: its writer's squeues not scaled, its "
        "servers' fallback squeues scaled), x one poll's slurmctld time measured with that "
        "queue:",
        "",
        probe_projection(found, runs, args),
        "",
    ]


def context(argv: Sequence[str], args: argparse.Namespace, env: dict[str, str]) -> dict:
    try:
        version = slurm(["sinfo", "--version"], env).strip()
    except (RuntimeError, OSError):
        version = "slurm ?"
    try:
        marker = json.loads((args.anchor_venv / "bench-anchor.json").read_text())
        anchor_version = marker["versions"]["jupyterlab-slurm"]
    except (OSError, ValueError, KeyError):
        anchor_version = "4.1.0 assumed (no anchor venv)"
    prefix = "bench/run" if args.after_metrics else "bench/run --suite scale"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([prefix, *argv]),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "git": git_revision(),
        "anchor_version": anchor_version,
        "slurm": version,
        "slurm_conf": env["SLURM_CONF"],
    }


async def measure(
    args: argparse.Namespace, env: dict[str, str], names: Sequence[str], rng: random.Random
) -> list[Run]:
    runs: list[Run] = []
    iv = args.intervals
    jobless: list[str] = []
    for phase in args.phases:
        people = population(phase, names, args)
        # The mixed phase's jobless users lose their job first (the others keep theirs).
        gone = [p.name for p in people if not p.job and p.name not in jobless]
        if gone:
            cancel([args.job_ids.pop(n) for n in gone if n in args.job_ids], env)
            jobless += gone
        for side in args.sides:
            for attempt in range(1 + args.retries):
                again = f" (again, {attempt} of {args.retries})" if attempt else ""
                print(f"  run: {phase} / {side}, {args.duration:g} s{again}", flush=True)
                result = await one_run(phase, side, people, iv, args, env, rng)
                result.attempts = attempt + 1
                if result.valid:
                    break
                print("  slurmctld's counters were reset meanwhile", flush=True)
            runs.append(result)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    rng = root_suite(args, "Slurm scale", "users, sdiag --reset")
    if rng is None:
        return 0
    env = start_testbed(())
    names = user_names(args)
    made = ensure_users([*names, writer_user(args)])
    print(f"users: {len(names)} ({made} created)", flush=True)
    iv, src = intervals(args)
    src["policy"] = our_policy(args)
    args.intervals = iv
    shown = [a for a in argv if a != "--after-metrics"]
    ctx = context(shown, args, env)
    ctx.update(intervals=iv, interval_sources=src, seed=args.seed)
    leftover = [i for ids in jobs_of(names, env).values() for i in ids]
    if leftover:
        print(f"cancelling {len(leftover)} jobs left by an earlier run", flush=True)
        cancel(leftover, env)
    args.job_ids = {}
    args.pool = None
    try:
        args.job_ids = submit_held(names, env)
        print(f"queued {len(args.job_ids)} held jobs, one per user", flush=True)
        if SHARED in args.sides:
            # Forked before the event loop and its threads start.
            args.pool = reader_pool()
        runs = asyncio.run(measure(args, env, names, rng))
        found: list[Probe] = []
        if args.queue_jobs:
            try:
                found = probes(names, args, env)
            except (RuntimeError, subprocess.SubprocessError) as error:
                ctx["warnings"] = [f"the probe failed, left out: {error}"]
                print(f"warning: the probe failed: {error}", file=sys.stderr)
    finally:
        if args.pool is not None:
            args.pool.shutdown()
        cancel(list(args.job_ids.values()), env)
        left = jobs_of(names, env)
        if left:
            cancel([i for ids in left.values() for i in ids], env)
    report = render(ctx, runs, found, args)
    raw = {
        "context": ctx,
        "args": {k: str(v) for k, v in vars(args).items() if k not in ("job_ids", "pool")},
        "runs": [asdict(r) for r in runs],
        "probes": [asdict(p) for p in found],
    }
    save_report(args.out, "slurm-scale", report, raw)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; jobs cancelled", file=sys.stderr)
        sys.exit(130)
