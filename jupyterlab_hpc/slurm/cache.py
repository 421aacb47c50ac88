"""One squeue for the whole cluster, shared by every user's Jupyter server.

Each server asks slurmctld for its user's jobs once per poll interval: with hundreds of
servers that is hundreds of squeues a minute. Where the admin runs this writer
(`jupyterlab-hpc-slurm-cache --dir /var/cache/jupyterlab-hpc/slurm`, as root, on a host whose
files the servers can read), one `squeue` of the whole queue per interval serves them all:
the writer puts each user's jobs in a file of its own, and a server with
`c.HPCSlurm.queue_cache_dir` reads that file instead of running squeue.

The folder holds `stamp.json` (when the list was read) and `<user>.json` for each user with
jobs, owned by that user and readable by nobody else (mode 0400): a user sees only their own
jobs, as squeue with PrivateData=jobs would show them. The folder must be root's and
writable by no one else (mode 0711 hides who has jobs); a server trusts nothing else, and
falls back to its own squeue when the list is older than three intervals.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pwd
import stat
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..commands import CommandError, run_command_sync
from ..metrics.times import format_time, utc_now
from .parse import (
    SqueueUnreadable,
    parse_squeue,
    set_queue_positions,
    squeue_format,
    without_priority,
)
from .runner import slurm_env

STAMP = "stamp.json"
# A list older than this many intervals is not used: the writer has stopped.
STALE_AFTER_INTERVALS = 3

log = logging.getLogger("jupyterlab_hpc.slurm.cache")


class CacheUnusable(Exception):
    """The shared list cannot be trusted or is out of date: run squeue instead."""


def write_once(folder: Path, *, timeout_s: float, interval_s: float) -> int:
    """Read the whole queue once and write each user's file; the number of users with jobs."""
    result = run_command_sync(
        ["squeue", "-h", "-o", squeue_format()], timeout_s=timeout_s, env=slurm_env()
    )
    if result.returncode != 0:
        raise CommandError(result.argv, result.stderr.strip() or "squeue failed")
    jobs = parse_squeue(result.stdout)
    set_queue_positions(jobs, jobs)
    by_user: dict[str, list[dict[str, Any]]] = {}
    for job in without_priority(jobs):
        by_user.setdefault(job["user"], []).append(job)
    fetched_at = format_time(utc_now())
    for user, mine in by_user.items():
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            # A user this host does not know has no server here.
            continue
        _write(folder / f"{user}.json", {"jobs": mine}, uid=entry.pw_uid, gid=entry.pw_gid)
    for path in folder.glob("*.json"):
        if path.name != STAMP and path.stem not in by_user:
            path.unlink(missing_ok=True)
    stamp = {"fetched_at": fetched_at, "time": time.time(), "interval_s": interval_s}
    _write(folder / STAMP, stamp, uid=0, gid=0, mode=0o644)
    return len(by_user)


def read_user_jobs(folder: Path, user: str, *, now: float | None = None) -> dict[str, Any]:
    """The user's jobs in the shared list: `{jobs, fetched_at}`; raises CacheUnusable."""
    _check_owner(folder, owners={0}, what="the folder", directory=True)
    stamp = _read(folder / STAMP, owners={0})
    written = stamp.get("time")
    interval = stamp.get("interval_s")
    if not isinstance(written, (int, float)) or not isinstance(interval, (int, float)):
        raise CacheUnusable(f"{folder / STAMP} is not the writer's")
    age = (time.time() if now is None else now) - written
    if age > STALE_AFTER_INTERVALS * interval:
        raise CacheUnusable(f"the shared queue list is {age:.0f} s old: is its writer running?")
    path = folder / f"{user}.json"
    try:
        data = _read(path, owners={0, os.getuid()})
    except FileNotFoundError:
        # No file: no job of the user's in the queue.
        return {"jobs": [], "fetched_at": stamp.get("fetched_at")}
    jobs = data.get("jobs")
    if not isinstance(jobs, list) or any(
        not isinstance(job, dict) or job.get("user") != user for job in jobs
    ):
        raise CacheUnusable(f"{path} does not hold {user}'s jobs")
    return {"jobs": jobs, "fetched_at": stamp.get("fetched_at")}


def _read(path: Path, *, owners: set[int]) -> dict[str, Any]:
    with path.open("rb") as file:
        _check_owner(path, owners=owners, what=str(path), info=os.fstat(file.fileno()))
        data = json.loads(file.read(64 * 1024 * 1024))
    if not isinstance(data, dict):
        raise CacheUnusable(f"{path} is not a JSON object")
    return data


def _check_owner(
    path: Path,
    *,
    owners: set[int],
    what: str,
    directory: bool = False,
    info: os.stat_result | None = None,
) -> None:
    try:
        info = info or os.stat(path)
    except OSError as error:
        raise CacheUnusable(f"{what} cannot be read: {error}") from None
    if directory and not stat.S_ISDIR(info.st_mode):
        raise CacheUnusable(f"{what} ({path}) is not a folder")
    if info.st_uid not in owners:
        raise CacheUnusable(f"{what} ({path}) belongs to uid {info.st_uid}, not the writer")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheUnusable(f"{what} ({path}) may be written by others")


def _write(path: Path, data: dict[str, Any], *, uid: int, gid: int, mode: int = 0o400) -> None:
    """Replace path atomically with data, owned by uid and with mode."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(data, file)
        os.chown(temporary, uid, gid)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Write the shared list every interval until stopped (as root)."""
    parser = argparse.ArgumentParser(
        prog="jupyterlab-hpc-slurm-cache",
        description="One squeue of the whole queue per interval, each user's jobs in a file "
        "of their own, for the Jupyter servers with c.HPCSlurm.queue_cache_dir.",
    )
    parser.add_argument("--dir", type=Path, required=True, help="the shared folder (created)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds (15)")
    parser.add_argument("--timeout", type=float, default=30.0, help="squeue's limit (30 s)")
    parser.add_argument("--once", action="store_true", help="write once and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if os.geteuid() != 0:
        parser.error("runs as root: it writes each user's file as that user")
    if args.interval <= 0:
        parser.error("--interval must be > 0")
    args.dir.mkdir(parents=True, exist_ok=True)
    os.chown(args.dir, 0, 0)
    # Others may pass through to their own file, not list who has jobs.
    os.chmod(args.dir, 0o711)  # noqa: S103
    while True:
        started = time.monotonic()
        try:
            users = write_once(args.dir, timeout_s=args.timeout, interval_s=args.interval)
            log.debug("%d users with jobs", users)
        except (CommandError, SqueueUnreadable, OSError) as error:
            log.warning("the queue could not be read or written: %s", error)
        if args.once:
            return 0
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main())
