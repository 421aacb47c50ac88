"""Apps a killed server left running: one small record per running app, and their cleanup.

A server stopped by SIGKILL (the OOM killer, a job's end past its grace, `kill -9`) cannot stop
its apps. So each running app has a record in the runtime folder, written when it starts and
removed once it is stopped; the next server on the same machine finds the records of servers
that are gone and stops what is left of those apps. A process is only stopped when it is
the one recorded (same pid *and* start time) or carries the app's mark: a pid since reused by
someone else's process is spared. Records of a server still running (two servers may share
a runtime folder) and of other machines (a shared home) are left alone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import psutil

from .process import find_family

SUFFIX = ".app.json"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def this_server() -> dict[str, Any]:
    """Who runs the apps: this server's pid and start time, the machine and its boot."""
    return {
        "server_pid": os.getpid(),
        "server_create_time": psutil.Process().create_time(),
        "host": socket.gethostname(),
        "boot_id": _boot_id(),
    }


def write_record(folder: Path, key: str, record: dict[str, Any]) -> Path:
    """Write the app's record atomically (a reader never sees half of one); its path."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{os.getpid()}-{key}{SUFFIX}"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(record, file)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def remove_record(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _server_alive(record: dict[str, Any]) -> bool:
    try:
        server = psutil.Process(int(record["server_pid"]))
        return bool(server.create_time() == record["server_create_time"])
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False


def left_behind(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Records of this machine's servers that are gone (this one's own included, none yet)."""
    me = this_server()
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict):
            continue
        if (record.get("host"), record.get("boot_id")) != (me["host"], me["boot_id"]):
            continue  # another machine's, or from before a reboot: no process of it is here
        if _server_alive(record):
            continue
        found.append((path, record))
    return found


def family_of(record: dict[str, Any]) -> list[Any]:
    """The live processes of a recorded app: its leader (if still itself) and its family."""
    try:
        pid, create_time = int(record["pid"]), float(record["create_time"])
    except (KeyError, TypeError, ValueError):
        return []
    leader_alive = False
    try:
        leader_alive = psutil.Process(pid).create_time() == create_time
    except psutil.Error:
        pass
    return find_family(
        roots=[(pid, create_time)],
        # The leader's session only while the leader is itself: a reused pid's is not ours.
        sessions={pid} if leader_alive else set(),
        mark=record.get("mark"),
    )


def describe(record: dict[str, Any]) -> str:
    return f"{record.get('name')} on endpoint {record.get('endpoint')} (pid {record.get('pid')})"


def log_reclaimed(
    log: logging.Logger | logging.LoggerAdapter[Any], record: dict[str, Any], count: int
) -> None:
    log.warning(
        "Stopping %s: left running by server pid %s, which ended without stopping it "
        "(%d process%s)",
        describe(record),
        record.get("server_pid"),
        count,
        "" if count == 1 else "es",
    )
