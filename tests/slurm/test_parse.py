"""Parsers of squeue, scontrol, sacct and sbatch output, on text the testbed's Slurm printed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from jupyterlab_hpc.slurm.parse import (
    SqueueUnreadable,
    parse_duration,
    parse_key_values,
    parse_local_time,
    parse_req_mem,
    parse_sacct,
    parse_scontrol_jobs,
    parse_size,
    parse_squeue,
    parse_submitted,
    set_queue_positions,
    squeue_format,
    without_priority,
)

US, RS = "\x1f", "\x1e"
NAME = 'my job | it\'s "q"\tTab é ünï ' + "x" * 92


def squeue_line(*fields: str) -> str:
    return US.join(fields) + RS + "\n"


# As squeue 22.05 printed the testbed's queue: a held array, a held job, a running one.
SQUEUE = (
    squeue_line(
        "4_[1-3]", "4", "arr", "alice", "PENDING", "debug", "", "1", "0:00", "UNLIMITED",
        "JobHeldUser", "2026-11-23T12:43:35", "/tmp/exp", "N/A", "0",
    )
    + squeue_line(
        "3", "3", NAME, "alice", "PENDING", "debug", "", "1", "0:00", "1-00:00:00",
        "JobHeldUser", "2026-11-23T12:43:35", "/home/alice/my dir", "N/A", "0",
    )
    + squeue_line(
        "5", "5", "run", "bob", "RUNNING", "debug", "localhost", "1", "1:02:03", "5:00",
        "None", "2026-11-23T12:43:35", "/tmp/exp", "2026-11-23T12:44:00", "4294901758",
    )
)  # fmt: skip


@pytest.fixture
def paris() -> Iterator[None]:
    """The server's local time zone is Paris (UTC+1 in November)."""
    saved = time.tzname
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Europe/Paris")
        time.tzset()
        yield
    time.tzset()
    assert time.tzname == saved


def test_the_format_asks_for_every_field_once_with_separators() -> None:
    assert squeue_format() == US.join("%i %A %j %u %T %P %N %D %M %l %r %V %Z %S %Q".split()) + RS


def test_squeue_jobs_keep_names_exactly(paris: None) -> None:
    jobs = parse_squeue(SQUEUE)
    assert [job["id"] for job in jobs] == ["4_[1-3]", "3", "5"]
    assert jobs[1]["name"] == NAME and len(NAME) == 120
    assert jobs[1]["work_dir"] == "/home/alice/my dir"
    assert jobs[1] == {
        "id": "3",
        "job_id": "3",
        "array_task_id": None,
        "name": NAME,
        "user": "alice",
        "state": "PENDING",
        "partition": "debug",
        "nodes": None,
        "num_nodes": 1,
        "time_used_s": 0,
        "time_limit_s": 86400,
        "reason": "JobHeldUser",
        "held": True,
        "submit_time": "2026-11-23T11:43:35.000Z",
        "work_dir": "/home/alice/my dir",
        "start_time": None,
        "queue_position": None,
        "priority": 0,
    }


def test_squeue_arrays_and_running_jobs() -> None:
    array, _, running = parse_squeue(SQUEUE)
    assert (array["job_id"], array["array_task_id"], array["time_limit_s"]) == ("4", "[1-3]", None)
    assert (running["nodes"], running["time_used_s"], running["time_limit_s"]) == (
        "localhost",
        3723,
        300,
    )
    assert (running["reason"], running["held"]) == ("None", False)


def test_squeue_name_with_a_line_break_stays_one_job() -> None:
    text = squeue_line(
        "7", "7", "two\nlines", "alice", "PENDING", "debug", "", "1", "0:00", "5:00",
        "Priority", "2026-11-23T12:43:35", "/tmp", "N/A", "1",
    )  # fmt: skip
    assert [job["name"] for job in parse_squeue(text)] == ["two\nlines"]


def pending(job_id: str, partition: str, priority: int, reason: str = "Priority") -> str:
    return squeue_line(
        job_id, job_id.split("_")[0], "j", "bob", "PENDING", partition, "", "1", "0:00", "5:00",
        reason, "2026-11-23T12:43:35", "/tmp", "2026-11-23T14:00:00", str(priority),
    )  # fmt: skip


def test_queue_places_by_priority_within_each_partition() -> None:
    everyone = parse_squeue(
        pending("20", "debug", 100)
        + pending("21", "debug", 300)
        + pending("22", "gpu", 50)
        + pending("23", "debug", 100)
        + pending("24", "debug", 0, "JobHeldUser")
        + pending("9_[1-4]", "debug", 200)
    )
    mine = [job for job in everyone if job["id"] in ("20", "22", "24", "9_[1-4]")]
    set_queue_positions(mine, everyone)
    places = {job["id"]: job["queue_position"] for job in mine}
    # 21 (300) and the array (200) first; 20 before 23 at the same priority; held: no place
    assert places == {"20": 3, "22": 1, "24": None, "9_[1-4]": 2}
    assert mine[0]["start_time"] is not None
    assert "priority" not in without_priority(mine)[0]


def test_squeue_records_with_the_wrong_field_count_are_left_out() -> None:
    broken = squeue_line("8", "8", "a" + US + "b", "alice")
    assert [job["id"] for job in parse_squeue(broken + SQUEUE)] == ["4_[1-3]", "3", "5"]
    assert parse_squeue("") == []


@pytest.mark.parametrize(
    "text",
    ["Slurm is down for maintenance\n", "JOBID PARTITION NAME USER ST\n  12 debug x alice R\n"],
    ids=["a wrapper's message", "squeue's default format"],
)
def test_squeue_output_without_one_readable_job_is_unreadable_not_empty(text: str) -> None:
    with pytest.raises(SqueueUnreadable, match="could not be read"):
        parse_squeue(text)
    # blank output is an empty queue
    assert parse_squeue("\n \n") == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:00", 0),
        ("5:07", 307),
        ("59:59", 3599),
        ("1:02:03", 3723),
        ("00:00:01", 1),
        ("2-03:04:05", 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
        ("1-00:00:00", 86400),
        ("00:01.500", 1),
        ("UNLIMITED", None),
        ("NOT_SET", None),
        ("INVALID", None),
        ("Partition_Limit", None),
        ("N/A", None),
        ("", None),
    ],
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


def test_local_times_become_utc(paris: None) -> None:
    assert parse_local_time("2026-11-23T10:00:00") == "2026-11-23T09:00:00.000Z"
    # summer time: UTC+2
    assert parse_local_time("2026-07-01T10:00:00") == "2026-07-01T08:00:00.000Z"


@pytest.mark.parametrize("text", ["N/A", "Unknown", "None", "", "(null)", "Tomorrow 10:00"])
def test_times_slurm_does_not_know_are_null(text: str) -> None:
    assert parse_local_time(text) is None


# `scontrol show job -o` of a held job on the testbed, with awkward values added.
SCONTROL = (
    'JobId=3 JobName=my job | it\'s "q"\tTab é ünï a=b UserId=alice(1001) GroupId=alice(1001) '
    "MCS_label=N/A Priority=0 JobState=PENDING Reason=JobHeldUser Dependency=(null) "
    "ExitCode=0:0 RunTime=00:00:00 TimeLimit=UNLIMITED SubmitTime=2026-11-23T12:43:35 "
    "Partition=debug AllocNode:Sid=localhost:23492 NodeList= NumNodes=1 CPUs/Task=1 "
    "ReqB:S:C:T=0:0:*:* TRES=cpu=1,mem=256M,node=1,billing=1 Socks/Node=* "
    "NtasksPerN:B:S:C=0:0:*:* MinMemoryCPU=256M Features=(null) "
    "Command=/home/alice/my dir/run it.sh WorkDir=/home/alice/my dir x=1 "
    "StdErr=/home/alice/my dir/slurm-3.out StdIn=/dev/null "
    "StdOut=/home/alice/my dir/slurm-3.out Power= \n"
)


def test_scontrol_values_with_spaces_and_equal_signs() -> None:
    fields = parse_key_values(SCONTROL)
    assert fields["JobName"] == 'my job | it\'s "q"\tTab é ünï a=b'
    assert fields["Command"] == "/home/alice/my dir/run it.sh"
    assert fields["WorkDir"] == "/home/alice/my dir x=1"
    assert fields["StdOut"] == fields["StdErr"] == "/home/alice/my dir/slurm-3.out"
    assert fields["TRES"] == "cpu=1,mem=256M,node=1,billing=1"
    assert fields["AllocNode:Sid"] == "localhost:23492"
    assert fields["ReqB:S:C:T"] == "0:0:*:*"
    assert (fields["CPUs/Task"], fields["MCS_label"]) == ("1", "N/A")
    assert (fields["NodeList"], fields["Power"]) == ("", "")
    assert fields["UserId"] == "alice(1001)"


def test_scontrol_keys_of_newer_slurm_versions_are_kept() -> None:
    # a key this module does not know ends any value but the free-text ones
    fields = parse_key_values("JobId=9 NewKey=1 2 OtherKey=x JobName=a z=1 StdOut=/o ")
    assert fields == {
        "JobId": "9",
        "NewKey": "1 2",
        "OtherKey": "x",
        "JobName": "a z=1",
        "StdOut": "/o",
    }


def test_scontrol_array_prints_a_line_per_task() -> None:
    text = "JobId=5 ArrayJobId=4 ArrayTaskId=1 JobName=arr \nJobId=6 ArrayJobId=4 ArrayTaskId=2 \n"
    jobs = parse_scontrol_jobs(text)
    assert [(job["JobId"], job["ArrayTaskId"]) for job in jobs] == [("5", "1"), ("6", "2")]


def sacct_line(*fields: str) -> str:
    return US.join(fields) + "\n"


# sacct -c (jobcomp/filetxt) on the testbed, then plain sacct as slurmdbd prints it.
SACCT = sacct_line(
    "2", "wrap", "alice(1001)", "COMPLETED", "debug", "localhost", "2026-11-23T12:42:17",
    "2026-11-23T12:42:17", "2026-11-23T12:42:19", "2", "0:0", "/home/alice/work",
    "", "", "", "", "", "", "",
) + sacct_line(
    "7", "a | b", "alice", "CANCELLED by 1001", "debug", "None assigned", "2026-11-23T12:00:00",
    "Unknown", "2026-11-23T12:01:00", "0", "0:0", "/home/alice",
    "10", "1", "1", "00:00:00", "", "1000M", "0",
) + sacct_line(
    "8", "running", "alice", "RUNNING", "debug", "localhost", "2026-11-23T12:00:00",
    "2026-11-23T12:00:01", "Unknown", "60", "0:0", "/home/alice",
    "UNLIMITED", "4", "1", "00:01.500", "", "2000Mc", "",
)  # fmt: skip

# sacct through slurmdbd, without -X: the allocation, then its steps with their MaxRSS.
SACCT_STEPS = sacct_line(
    "12", "train", "alice", "OUT_OF_MEMORY", "debug", "localhost", "2026-11-23T12:00:00",
    "2026-11-23T12:00:01", "2026-11-23T12:01:41", "100", "0:125", "/home/alice",
    "60", "2", "1", "03:10.250", "", "512M", "7200",
) + sacct_line(
    "12.batch", "batch", "", "OUT_OF_MEMORY", "", "localhost", "2026-11-23T12:00:01",
    "2026-11-23T12:00:01", "2026-11-23T12:01:41", "100", "0:125", "",
    "", "2", "1", "03:10.250", "540000K", "", "7000",
) + sacct_line(
    "12.0", "python", "", "COMPLETED", "", "localhost", "2026-11-23T12:00:01",
    "2026-11-23T12:00:01", "2026-11-23T12:01:00", "59", "0:0", "",
    "", "2", "1", "00:10", "1200K", "", "",
)  # fmt: skip


def test_sacct_history() -> None:
    done, cancelled, running = parse_sacct(SACCT)
    assert done == {
        "id": "2",
        "name": "wrap",
        "user": "alice",
        "state": "COMPLETED",
        "partition": "debug",
        "nodes": "localhost",
        "submit_time": "2026-11-23T12:42:17.000Z",
        "start_time": "2026-11-23T12:42:17.000Z",
        "end_time": "2026-11-23T12:42:19.000Z",
        "elapsed_s": 2,
        "exit_code": "0:0",
        "work_dir": "/home/alice/work",
        # sacct -c has none of these
        "time_limit_s": None,
        "cpus": None,
        "total_cpu_s": None,
        "cpu_efficiency": None,
        "max_rss_bytes": None,
        "req_mem_bytes": None,
        "energy_joules": None,
    }
    # no CPU time over no elapsed time is no efficiency; 0 J is "not measured"
    assert (cancelled["time_limit_s"], cancelled["cpu_efficiency"]) == (600, None)
    assert (cancelled["req_mem_bytes"], cancelled["energy_joules"]) == (1000 * 2**20, None)
    # per-CPU memory multiplied out; fractions of a second of CPU time kept whole
    assert (running["time_limit_s"], running["req_mem_bytes"]) == (None, 4 * 2000 * 2**20)
    assert running["total_cpu_s"] == 1
    assert (cancelled["name"], cancelled["state"], cancelled["nodes"]) == (
        "a | b",
        "CANCELLED",
        None,
    )
    assert cancelled["start_time"] is None
    assert running["end_time"] is None


def test_sacct_efficiency_and_the_steps_largest_memory() -> None:
    [job] = parse_sacct(SACCT_STEPS)
    assert (job["id"], job["state"], job["exit_code"]) == ("12", "OUT_OF_MEMORY", "0:125")
    assert (job["time_limit_s"], job["cpus"], job["total_cpu_s"]) == (3600, 2, 190)
    assert job["cpu_efficiency"] == pytest.approx(190 / (100 * 2), abs=1e-4)
    assert job["max_rss_bytes"] == 540000 * 1024
    assert (job["req_mem_bytes"], job["energy_joules"]) == (512 * 2**20, 7200)


def test_sacct_sizes() -> None:
    assert parse_size("1782580K") == 1782580 * 1024
    assert parse_size("1.5G") == 3 * 2**29
    assert parse_size("") is None
    assert parse_req_mem("4G", 1, 4) == 4 * 2**30
    assert parse_req_mem("4000Mn", 2, 8) == 2 * 4000 * 2**20
    assert parse_req_mem("1000", 1, 1) == 1000 * 2**20
    assert parse_req_mem("0n", 1, 1) is None


def test_sbatch_answer() -> None:
    assert parse_submitted("Submitted batch job 1240\n") == "1240"
    assert parse_submitted("Submitted batch job 1240 on cluster c2\n") == "1240"
    assert parse_submitted("sbatch: error: Batch job submission failed") is None
