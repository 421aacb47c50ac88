"""Where a new job may run: the partitions and their limits (sinfo), the user's accounts and QoS.

Read for the New job form, at most once per TTL for the whole server: one `sinfo` to
slurmctld and, where the cluster keeps associations, two `sacctmgr` to slurmdbd.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Callable

from ..commands import CommandError
from .parse import SEPARATOR, parse_duration
from .runner import SlurmRunner

# sinfo's letters: partition (with "*" when default), availability, time limit, default time,
# node count, CPUs per node, memory per node (MiB), GRES, job size ("1-infinite", "1-16").
_SINFO_FIELDS = ("%P", "%a", "%l", "%L", "%D", "%c", "%m", "%G", "%s")

# "gpu:a100:4", "gpu:4(S:0-1)", "gpu:v100:4,shard:8": the count of a gpu GRES.
_GPU_COUNT = re.compile(r"^gpu(?::[^:,()]+)?:([0-9]+)")


class PartitionsUnavailable(Exception):
    """sinfo failed: Slurm's words."""


def sinfo_argv() -> list[str]:
    """The `sinfo` this module parses."""
    return ["sinfo", "-h", "-o", SEPARATOR.join(_SINFO_FIELDS)]


def parse_sinfo(text: str) -> list[dict[str, Any]]:
    """Partitions from sinfo_argv()'s output; lines of one partition (node groups) merged."""
    partitions: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        values = line.split(SEPARATOR)
        if len(values) != len(_SINFO_FIELDS):
            continue
        name, state, limit, default, nodes, cpus, memory, gres, size = values
        is_default = name.endswith("*")
        name = name.rstrip("*")
        gres_items = [item for item in gres.split(",") if item and item != "(null)"]
        gpus = max((_gpu_count(item) for item in gres_items), default=0)
        entry = partitions.get(name)
        if entry is None:
            entry = partitions[name] = {
                "name": name,
                "default": is_default,
                "state": state,
                "max_time_s": parse_duration(limit),
                "default_time_s": parse_duration(default),
                "nodes": 0,
                "max_nodes": _max_nodes(size),
                "cpus_per_node": 0,
                "memory_per_node_mb": 0,
                "gpus_per_node": 0,
                "gres": [],
            }
        entry["nodes"] += _whole(nodes)
        entry["cpus_per_node"] = max(entry["cpus_per_node"], _whole(cpus.rstrip("+")))
        entry["memory_per_node_mb"] = max(entry["memory_per_node_mb"], _whole(memory.rstrip("+")))
        entry["gpus_per_node"] = max(entry["gpus_per_node"], gpus)
        entry["gres"] += [item for item in gres_items if item not in entry["gres"]]
    return list(partitions.values())


def parse_associations(text: str) -> tuple[list[str], list[str]]:
    """Accounts and QoS from `sacctmgr -n -P show assoc user=<u> format=Account,QOS`."""
    accounts: list[str] = []
    qos: list[str] = []
    for line in text.splitlines():
        account, _, names = line.partition("|")
        if account and account not in accounts:
            accounts.append(account)
        qos += [name for name in names.split(",") if name and name not in qos]
    return accounts, qos


class PartitionInfo:
    """The partitions answer of one server, reused for ttl_s."""

    def __init__(
        self,
        runner: SlurmRunner,
        *,
        user: str,
        ttl_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """user: whose accounts and QoS are listed."""
        self.user = user
        self._runner = runner
        self._ttl_s = ttl_s
        self._clock = clock
        self._answer: tuple[float, asyncio.Task[dict[str, Any]]] | None = None

    async def get(self) -> dict[str, Any]:
        """Partitions, accounts, default account and QoS; raises PartitionsUnavailable."""
        now = self._clock()
        if self._answer is not None:
            asked, task = self._answer
            if not task.done() or now - asked < self._ttl_s:
                return await asyncio.shield(task)
        task = asyncio.ensure_future(self._read())
        self._answer = (now, task)
        try:
            return await asyncio.shield(task)
        except PartitionsUnavailable:
            self._answer = None
            raise

    async def _read(self) -> dict[str, Any]:
        sinfo, associations, user = await asyncio.gather(
            self._run(sinfo_argv()),
            self._run(
                ["sacctmgr", "-n", "-P", "show", "assoc", f"user={self.user}", "format=Account,QOS"]
            ),
            self._run(["sacctmgr", "-n", "-P", "show", "user", self.user, "format=DefaultAccount"]),
        )
        if sinfo is None or sinfo[0] != 0:
            raise PartitionsUnavailable(
                (sinfo[1] if sinfo else "") or "sinfo could not be run on this server."
            )
        # No slurmdbd (or no association for the user): no accounts to choose from.
        accounts, qos = parse_associations(associations[2]) if _ok(associations) else ([], [])
        default = user[2].strip().splitlines()[0] if _ok(user) and user[2].strip() else None
        return {
            "partitions": parse_sinfo(sinfo[2]),
            "accounts": accounts,
            "default_account": default if default in accounts else None,
            "qos": qos,
        }

    async def _run(self, argv: list[str]) -> tuple[int, str, str] | None:
        try:
            result = await self._runner(argv)
        except CommandError:
            return None
        return result.returncode, result.stderr.strip(), result.stdout


def _ok(result: tuple[int, str, str] | None) -> bool:
    return result is not None and result[0] == 0


def _gpu_count(item: str) -> int:
    match = _GPU_COUNT.match(item)
    return int(match[1]) if match else 0


def _max_nodes(size: str) -> int | None:
    _, _, upper = size.partition("-")
    return int(upper) if upper.isdigit() else None


def _whole(text: str) -> int:
    return int(text) if text.isdigit() else 0
