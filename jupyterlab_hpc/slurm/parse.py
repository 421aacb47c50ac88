"""Pure parsers for what Slurm's clients print: squeue, scontrol show job -o, sacct, sbatch.

Every command is asked for a fixed format (never a user's SQUEUE_FORMAT) with the ASCII unit
separator between fields, so job names with spaces, `|`, quotes, tabs or unicode come through
exactly. Text is returned as Slurm printed it: escaping is the renderer's business.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from ..metrics.times import format_time

# Between two fields, and after each squeue record (a name could hold a newline).
SEPARATOR = "\x1f"
RECORD_END = "\x1e"

# squeue's format letters, in the order of the API's fields.
_SQUEUE_FIELDS = (
    ("id", "%i"),
    ("job_id", "%A"),
    ("name", "%j"),
    ("user", "%u"),
    ("state", "%T"),
    ("partition", "%P"),
    ("nodes", "%N"),
    ("num_nodes", "%D"),
    ("time_used", "%M"),
    ("time_limit", "%l"),
    ("reason", "%r"),
    ("submit_time", "%V"),
    ("work_dir", "%Z"),
    # running: when it started; pending: Slurm's estimate (what `squeue --start` shows)
    ("start_time", "%S"),
    # read for the place in the queue, not part of the API's job
    ("priority", "%Q"),
)

# sacct's field names, in the order of the API's history fields.
_SACCT_FIELDS = (
    ("id", "JobID"),
    ("name", "JobName"),
    ("user", "User"),
    ("state", "State"),
    ("partition", "Partition"),
    ("nodes", "NodeList"),
    ("submit_time", "Submit"),
    ("start_time", "Start"),
    ("end_time", "End"),
    ("elapsed_s", "ElapsedRaw"),
    ("exit_code", "ExitCode"),
    ("work_dir", "WorkDir"),
    ("time_limit", "TimelimitRaw"),
    ("cpus", "AllocCPUS"),
    ("num_nodes", "NNodes"),
    ("total_cpu", "TotalCPU"),
    ("max_rss", "MaxRSS"),
    ("req_mem", "ReqMem"),
    ("energy", "ConsumedEnergyRaw"),
)

# The states a job ends in, as squeue and sacct print them.
FINAL_STATES = frozenset(
    """
    COMPLETED FAILED OUT_OF_MEMORY TIMEOUT CANCELLED NODE_FAIL BOOT_FAIL DEADLINE PREEMPTED
    """.split()
)

# Sizes as sacct prints them (MaxRSS "1782580K", ReqMem "4G", "4000Mn", "2000Mc").
_SIZE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<unit>[KMGTP]?)(?P<per>[nc]?)")
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}

# The reason of a job requeued held (scontrol requeuehold): held like JobHeldUser.
REQUEUED_HELD = "job requeued in held state"

# How Slurm prints "no value" in times, node lists and paths.
_EMPTY = frozenset({"", "N/A", "n/a", "None", "none", "Unknown", "unknown", "(null)"})

# [days-]hh:mm:ss, hh:mm:ss, mm:ss, with optional fractions of a second (sacct's TotalCPU).
_DURATION = re.compile(
    r"(?:(?P<days>[0-9]+)-(?P<dh>[0-9]+):|(?P<hours>[0-9]+):)?"
    r"(?P<minutes>[0-9]+):(?P<seconds>[0-9]+)(?:\.[0-9]+)?"
)

# "UserId=alice(1001)": the name without the numeric id.
_UID_SUFFIX = re.compile(r"\(\d+\)$")

_SUBMITTED = re.compile(r"Submitted batch job ([0-9]+)")

# A candidate key in `scontrol show job -o`: a space, a key shaped like Slurm's, then "=".
_KEY = re.compile(r"(?:^| )([A-Za-z][A-Za-z0-9_:/]*)=")

# Keys whose values are user text (names, paths, comments, command lines): only a known key
# ends them, so "WorkDir=/data/run a=1" keeps its " a=1".
_FREE_TEXT_KEYS = frozenset(
    {
        "JobName",
        "Command",
        "WorkDir",
        "StdErr",
        "StdIn",
        "StdOut",
        "Comment",
        "AdminComment",
        "SystemComment",
        "SubmitLine",
        "Reason",
        "Features",
        "Dependency",
        "MailUser",
        "Container",
        "ContainerID",
        "Licenses",
        "Reservation",
    }
)

# Every key `scontrol show job` prints in Slurm 22.05 to 24.11.
_KNOWN_KEYS = _FREE_TEXT_KEYS | frozenset(
    """
    JobId ArrayJobId ArrayTaskId ArrayTaskThrottle HetJobId HetJobOffset HetJobIdSet UserId
    GroupId MCS_label Priority Nice Account QOS WCKey JobState Requeue Restarts BatchFlag
    Reboot ExitCode DerivedExitCode RunTime TimeLimit TimeMin SubmitTime EligibleTime
    AccrueTime StartTime EndTime Deadline PreemptEligibleTime PreemptTime SuspendTime
    SecsPreSuspend LastSchedEval Scheduler Partition AllocNode:Sid ReqNodeList ExcNodeList
    NodeList SchedNodeList BatchHost NumNodes NumCPUs NumTasks CPUs/Task ReqB:S:C:T TRES
    Socks/Node NtasksPerN:B:S:C CoreSpec MinCPUsNode MinMemoryNode MinMemoryCPU
    MinTmpDiskNode DelayBoot OverSubscribe Contiguous Network Power TresPerNode TresPerJob
    TresPerSocket TresPerTask CpusPerTres MemPerTres TresBind TresFreq MailType NtasksPerTRES
    ResizeTime KillOInInvalidDependent CPU_IDs Mem GRES JOB_GRES Nodes LicensesAlloc
    CronTab Prolog Epilog Partitions StepMgrEnabled CoreSpecSystem ReqTRES AllocTRES
    Switches Wait-for-Switch Profile NtasksPerTRES ClusterFeatures BurstBuffer
    BurstBufferState Selinux Segment
    """.split()
)


class SqueueUnreadable(ValueError):
    """squeue succeeded but printed nothing this module can read as jobs."""


def squeue_format() -> str:
    """The `squeue -o` format this module parses."""
    return SEPARATOR.join(letter for _, letter in _SQUEUE_FIELDS) + RECORD_END


def parse_squeue(text: str) -> list[dict[str, Any]]:
    """Jobs from `squeue -h -o <squeue_format()>` output, in squeue's order.

    Records with the wrong number of fields (a name holding the separator itself) are left
    out rather than shown shifted. Output of which no record can be read (a wrapper's
    message, another format) raises SqueueUnreadable: it must not read as "no jobs".
    """
    jobs = []
    unreadable: list[str] = []
    for record in text.split(RECORD_END):
        # squeue ends each record with the line break after our RECORD_END.
        record = record[1:] if record.startswith("\n") else record
        values = record.split(SEPARATOR)
        if len(values) != len(_SQUEUE_FIELDS):
            if record.strip():
                unreadable.append(record)
            continue
        jobs.append(_squeue_job(dict(zip((key for key, _ in _SQUEUE_FIELDS), values))))
    if unreadable and not jobs:
        shown = unreadable[0].strip().replace(SEPARATOR, "|")
        shown = shown if len(shown) <= 200 else shown[:200] + "…"
        raise SqueueUnreadable(
            f"squeue's answer could not be read (not the format it was asked for): {shown!r}"
        )
    return jobs


def _squeue_job(raw: dict[str, str]) -> dict[str, Any]:
    job_id = raw["id"]
    # "1236_[1-3]" pending, "1235_3" running: the task part as the id shows it.
    _, is_array, task = job_id.partition("_")
    return {
        "id": job_id,
        "job_id": raw["job_id"],
        "array_task_id": task if is_array else None,
        "name": raw["name"],
        "user": raw["user"],
        "state": raw["state"],
        "partition": raw["partition"],
        "nodes": _value(raw["nodes"]),
        "num_nodes": _integer(raw["num_nodes"]),
        "time_used_s": parse_duration(raw["time_used"]),
        "time_limit_s": parse_duration(raw["time_limit"]),
        "reason": raw["reason"],
        "held": raw["reason"].startswith("JobHeld") or raw["reason"] == REQUEUED_HELD,
        "submit_time": parse_local_time(raw["submit_time"]),
        "work_dir": _value(raw["work_dir"]),
        "start_time": parse_local_time(raw["start_time"]),
        "queue_position": None,
        "priority": _integer(raw["priority"]),
    }


def set_queue_positions(jobs: list[dict[str, Any]], pending: list[dict[str, Any]]) -> None:
    """Give each eligible pending job of `jobs` its place in its partition's queue.

    `pending`: the pending jobs of those partitions (anyone's), each with its priority. The
    place is 1 + the number of jobs of the same partition that come first: a higher priority,
    or the same priority and an earlier id. Held jobs wait for their owner, not in the queue.
    """
    queues: dict[str, list[tuple[int, int, str]]] = {}
    for job in pending:
        if job["state"] == "PENDING" and not job["held"]:
            rank = (-(job.get("priority") or 0), _integer(job["job_id"]) or 0, job["id"])
            queues.setdefault(job["partition"], []).append(rank)
    places: dict[tuple[str, str], int] = {}
    for partition, ranks in queues.items():
        ranks.sort()
        places.update(((partition, rank[2]), index + 1) for index, rank in enumerate(ranks))
    for job in jobs:
        if job["state"] == "PENDING" and not job["held"]:
            job["queue_position"] = places.get((job["partition"], job["id"]))


def without_priority(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The jobs as the API answers them: the priority read for the queue places left out."""
    for job in jobs:
        job.pop("priority", None)
    return jobs


def parse_duration(text: str) -> int | None:
    """Seconds in a Slurm duration ([days-]hh:mm:ss, mm:ss); None for UNLIMITED and the like."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        # UNLIMITED, NOT_SET, INVALID, Partition_Limit, N/A
        return None
    days = int(match["days"] or 0)
    hours = int(match["dh"] or match["hours"] or 0)
    return ((days * 24 + hours) * 60 + int(match["minutes"])) * 60 + int(match["seconds"])


def parse_local_time(text: str) -> str | None:
    """A Slurm timestamp (the server's local time, no zone) as the API's UTC ISO time."""
    text = text.strip()
    if text in _EMPTY:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # SLURM_TIME_FORMAT=relative and other displays: not a time we can place.
        return None
    if moment.tzinfo is None:
        # astimezone() reads a naive time as local time, as Slurm printed it.
        moment = moment.astimezone()
    return format_time(moment.astimezone(timezone.utc))


def parse_key_values(line: str) -> dict[str, str]:
    """The Key=Value pairs of one `scontrol show job -o` line; values may hold spaces."""
    line = line.rstrip("\n")
    candidates = list(_KEY.finditer(line))
    pairs: dict[str, str] = {}
    index = 0
    while index < len(candidates):
        current = candidates[index]
        following = index + 1
        # A free-text value runs on to the next key Slurm is known to print.
        if current[1] in _FREE_TEXT_KEYS:
            while following < len(candidates) and candidates[following][1] not in _KNOWN_KEYS:
                following += 1
        end = candidates[following].start() if following < len(candidates) else len(line)
        value = line[current.end() : end]
        # The line ends with a space after the last value; user text keeps its own spaces.
        pairs[current[1]] = value.rstrip(" ") if following >= len(candidates) else value
        index = following
    return pairs


def parse_scontrol_jobs(text: str) -> list[dict[str, str]]:
    """One dict per line of `scontrol show job -o` (an array job may print several)."""
    return [parse_key_values(line) for line in text.splitlines() if "=" in line]


def sacct_format() -> str:
    """The `sacct --format` this module parses."""
    return ",".join(field for _, field in _SACCT_FIELDS)


def parse_sacct(text: str) -> list[dict[str, Any]]:
    """Jobs from `sacct -P -n --delimiter <SEPARATOR> --format <sacct_format()>`.

    One entry per job allocation; its steps' lines (`1234.batch`, `1234.0`) only give their
    largest resident memory (MaxRSS is a step's figure; the allocation line leaves it empty).
    """
    jobs: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        values = line.split(SEPARATOR)
        if len(values) != len(_SACCT_FIELDS):
            continue
        raw = dict(zip((key for key, _ in _SACCT_FIELDS), values))
        job_id, is_step, _ = raw["id"].partition(".")
        rss = parse_size(raw["max_rss"])
        if is_step:
            job = by_id.get(job_id)
            if job is not None and rss is not None:
                job["max_rss_bytes"] = max(job["max_rss_bytes"] or 0, rss)
            continue
        job = _sacct_job(raw)
        job["max_rss_bytes"] = rss
        by_id[raw["id"]] = job
        jobs.append(job)
    return jobs


def _sacct_job(raw: dict[str, str]) -> dict[str, Any]:
    elapsed = _integer(raw["elapsed_s"])
    cpus = _integer(raw["cpus"])
    total_cpu = parse_duration(raw["total_cpu"]) if raw["total_cpu"].strip() else None
    efficiency = None
    if total_cpu is not None and elapsed and cpus:
        efficiency = round(total_cpu / (elapsed * cpus), 4)
    limit_minutes = _integer(raw["time_limit"])
    energy = _integer(raw["energy"])
    return {
        "id": raw["id"],
        "name": raw["name"],
        # `sacct -c` prints "alice(1001)"
        "user": user_name(raw["user"]),
        # "CANCELLED by 1001" is a CANCELLED job
        "state": raw["state"].split(" ", 1)[0],
        "partition": raw["partition"],
        "nodes": None if raw["nodes"] == "None assigned" else _value(raw["nodes"]),
        "submit_time": parse_local_time(raw["submit_time"]),
        "start_time": parse_local_time(raw["start_time"]),
        "end_time": parse_local_time(raw["end_time"]),
        "elapsed_s": elapsed,
        "exit_code": _value(raw["exit_code"]),
        "work_dir": _value(raw["work_dir"]),
        "time_limit_s": None if limit_minutes is None else limit_minutes * 60,
        "cpus": cpus,
        "total_cpu_s": total_cpu,
        "cpu_efficiency": efficiency,
        "max_rss_bytes": None,
        "req_mem_bytes": parse_req_mem(raw["req_mem"], _integer(raw["num_nodes"]), cpus),
        # 0 where the cluster measures no energy (AcctGatherEnergyType=none): not measured
        "energy_joules": energy or None,
    }


def parse_size(text: str) -> int | None:
    """Bytes in a sacct size ("1782580K", "4G", "512"); None when empty."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        return None
    return round(float(match["number"]) * _UNITS[match["unit"]])


def parse_req_mem(text: str, nodes: int | None, cpus: int | None) -> int | None:
    """The memory a job asked for, in all: per node ("n") or per CPU ("c") multiplied out."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        return None
    size = round(float(match["number"]) * _UNITS[match["unit"] or "M"])
    if not size:
        return None
    if match["per"] == "n":
        return size * nodes if nodes else None
    if match["per"] == "c":
        return size * cpus if cpus else None
    return size


def parse_submitted(stdout: str) -> str | None:
    """The job id in sbatch's "Submitted batch job 1240", or None."""
    match = _SUBMITTED.search(stdout)
    return match[1] if match else None


def user_name(text: str) -> str:
    """ "alice(1001)" (scontrol's UserId, sacct -c's User) as "alice"."""
    return _UID_SUFFIX.sub("", text)


def _value(text: str) -> str | None:
    return None if text.strip() in _EMPTY else text


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
