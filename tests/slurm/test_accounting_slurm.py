"""What a new job may ask for, requeue, notifications' events and the seff figures of history,
against the real testbed (slurmctld with slurmdbd and MariaDB) through a user's server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.slurm.conftest import TEMPLATES, SlurmTestbed, UserServer
from tests.slurm.test_routes_slurm import (
    BUSY,
    HISTORY,
    JOBS,
    NULLABLE_HISTORY,
    RUN_TIMEOUT_S,
    loosened,
    sbatch,
    wait_for,
)
from tests.support import load_golden, shape_mismatches

PARTITIONS = "jupyterlab-hpc/slurm/partitions"


def scontrol_job(testbed: SlurmTestbed, job_id: str) -> dict[str, str]:
    """`scontrol show job -o` of job_id as key=value pairs (values without spaces)."""
    result = testbed.run(["scontrol", "show", "job", "-o", job_id])
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r"(\S+?)=(\S*)", result.stdout))


def confined(testbed: SlurmTestbed) -> bool:
    """Whether the testbed's Slurm runs jobs in memory cgroups (TaskPlugin=task/cgroup)."""
    conf = Path(testbed.env["SLURM_CONF"]).read_text()
    return re.search(r"^TaskPlugin=.*task/cgroup", conf, re.M) is not None


def events_of(server: UserServer, job_id: str, after: int = 0) -> list[dict[str, Any]]:
    status, answer = server.request("GET", f"{JOBS}?events_after={after}")
    assert status == 200, answer
    return [event for event in answer["events"] if event["id"] == job_id]


def test_partitions_are_sinfos_with_the_users_accounts(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    status, answer = user_server.request("GET", PARTITIONS)
    assert status == 200, answer
    golden = load_golden("slurm-partitions.json")
    unlimited = dict.fromkeys(("max_time_s", "default_time_s", "max_nodes"))
    loose = {**golden, "partitions": [{**golden["partitions"][0], **unlimited}]}
    assert shape_mismatches(loose, answer) == []
    # the testbed's one partition, with the limits its node has as sinfo reads them
    sinfo = testbed.run(["sinfo", "-h", "-o", "%P %c %m %D"]).stdout.split()
    [debug] = answer["partitions"]
    assert (debug["name"] + "*", debug["default"]) == (sinfo[0], True)
    assert (debug["cpus_per_node"], debug["memory_per_node_mb"]) == (int(sinfo[1]), int(sinfo[2]))
    assert (debug["nodes"], debug["max_time_s"]) == (int(sinfo[3]), None)
    # and the accounts slurmdbd associates with the user
    assoc = testbed.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", f"user={testbed.user}", "format=Account"]
    )
    assert assoc.returncode == 0, assoc.stderr
    accounts = sorted(set(assoc.stdout.split()))
    assert accounts and sorted(answer["accounts"]) == accounts
    assert answer["default_account"] in accounts


def test_templates_are_the_centres(user_server: UserServer) -> None:
    status, answer = user_server.request("GET", "jupyterlab-hpc/slurm/templates")
    assert status == 200
    golden = load_golden("slurm-templates.json")
    loose = {"templates": [{**golden["templates"][0], "defaults": None}]}
    assert shape_mismatches(loose, answer) == []
    assert answer == {"templates": TEMPLATES}


def test_a_script_as_the_form_writes_it_runs_with_its_resources(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    script = (
        "#!/bin/bash\n"
        "#SBATCH --job-name='form job é'\n"
        "#SBATCH --partition=debug\n"
        "#SBATCH --time=00:07:00\n"
        "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=2\n"
        "#SBATCH --mem=300M\n#SBATCH --begin=now+1hour\n"
        "sleep 1\n"
    )
    status, answer = user_server.request("POST", JOBS, {"script": script, "cwd": ""})
    assert status == 201, answer
    job = scontrol_job(testbed, answer["id"])
    assert (job["TimeLimit"], job["NumCPUs"], job["Partition"]) == ("00:07:00", "2", "debug")
    assert job["MinMemoryNode"] == "300M"
    testbed.run(["scancel", answer["id"]])


def test_requeue_puts_a_running_job_back_and_requeue_hold_holds_it(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    baseline = user_server.request("GET", f"{JOBS}?events_after=0")[1]["last_event"]
    jobs = [
        sbatch(testbed, user_server, "-t", "5", "-J", name, "--wrap", "sleep 300")
        for name in ("requeue me", "requeue and hold me")
    ]
    for job_id in jobs:
        wait_for(
            lambda job_id=job_id: scontrol_job(testbed, job_id)["JobState"] == "RUNNING",
            RUN_TIMEOUT_S,
            what=BUSY,
        )
        # the server has seen it run
        wait_for(
            lambda job_id=job_id: events_of(user_server, job_id, baseline), 30, what="its start"
        )
    # when the user requeues one, and requeues and holds the other
    for job_id, action in zip(jobs, ("requeue", "requeue-hold")):
        status, answer = user_server.request("POST", f"{JOBS}/{job_id}/{action}")
        assert status == 204, answer
    # then both are back in the queue with a restart counted (Slurm delays a requeued job's
    # start by its BeginTime), and the second is held
    requeued, held = (
        wait_for(
            lambda job_id=job_id: (
                (j := scontrol_job(testbed, job_id))["JobState"] == "PENDING" and j
            ),
            60,
            what="the job back in the queue (after COMPLETING)",
        )
        for job_id in jobs
    )
    assert requeued["Restarts"] == "1"
    assert (held["JobState"], held["Restarts"]) == ("PENDING", "1")
    assert held["Reason"] == "job_requeued_in_held_state"
    # which squeue words with spaces, and the list shows as held
    listed = {job["id"]: job for job in user_server.request("GET", JOBS)[1]["jobs"]}
    assert (listed[jobs[1]]["reason"], listed[jobs[1]]["held"]) == (
        "job requeued in held state",
        True,
    )
    # and the job list's events tell the user
    for job_id in jobs:
        wait_for(
            lambda job_id=job_id: [
                e for e in events_of(user_server, job_id, baseline) if e["kind"] == "requeued"
            ],
            30,
            what="the requeue event",
        )
    for job_id in jobs:
        testbed.run(["scancel", job_id])


def test_requeue_of_another_users_job_is_refused_and_changes_nothing(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    job_id = sbatch(
        testbed, user_server, "--hold", "-J", "not mine", "--wrap", "true", as_user=False
    )
    try:
        status, answer = user_server.request("POST", f"{JOBS}/{job_id}/requeue")
        assert status in (400, 403) and answer["message"]
        assert scontrol_job(testbed, job_id)["Restarts"] == "0"
    finally:
        testbed.run(["scancel", job_id], as_user=False)


def test_events_tell_a_job_started_then_ran_out_of_memory(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    status, answer = user_server.request("GET", f"{JOBS}?events_after=0")
    assert status == 200
    baseline = answer["last_event"]
    # given a job that asks for 50 MiB, waits to be seen running, then takes 400 MiB
    program = "import time; time.sleep(6); x = bytearray(400 * 2**20); time.sleep(60)"
    job_id = sbatch(
        testbed, user_server, "-t", "5", "--mem=50M", "-J", "greedy", "--wrap",
        f"python3 -c '{program}'",
    )  # fmt: skip
    # then the server's list shows it start, then end killed for its memory
    started = wait_for(
        lambda: events_of(user_server, job_id, baseline), RUN_TIMEOUT_S, what=f"its start {BUSY}"
    )
    assert [event["kind"] for event in started][:1] == ["started"]
    ended = wait_for(
        lambda: [e for e in events_of(user_server, job_id, baseline) if e["kind"] != "started"],
        90,
        what="its end",
    )
    # (Slurm says OUT_OF_MEMORY where it confines jobs in memory cgroups, as the testbed does
    # wherever the machine has them; its fallback, OverMemoryKill, ends the job FAILED)
    expected = ("out_of_memory", "OUT_OF_MEMORY") if confined(testbed) else ("failed", "FAILED")
    assert [(e["kind"], e["state"], e["name"]) for e in ended] == [(*expected, "greedy")]
    # and sacct agrees
    result = testbed.run(["sacct", "-X", "-n", "-P", "-j", job_id, "--format", "State"])
    assert result.stdout.split() == [expected[1]]


def test_history_is_exact_with_efficiency_and_memory(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    # given a job with a name of several words that keeps 2 CPUs busy and writes down the CPU
    # time its two processes used (what sacct's TotalCPU must add up, whatever the load)
    name = "busy twice | é"
    program = (
        "import time\nend = time.time() + 6\nwhile time.time() < end: pass\n"
        "print(time.process_time())\n"
    )
    script = (
        f"#!/bin/bash\n#SBATCH -J '{name}'\n#SBATCH -c 2\n#SBATCH -t 2\n#SBATCH --mem=200M\n"
        f"#SBATCH -o cpu-%j.txt\npython3 -c '{program}' &\npython3 -c '{program}'\nwait\n"
    )
    status, answer = user_server.request("POST", JOBS, {"script": script})
    assert status == 201, answer
    job_id = answer["id"]

    def finished() -> dict[str, Any] | None:
        status, answer = user_server.request("GET", f"{HISTORY}?days=1")
        assert status == 200 and answer["available"], answer
        jobs = [job for job in answer["jobs"] if job["id"] == job_id]
        return answer if jobs and jobs[0]["total_cpu_s"] else None

    answer = wait_for(finished, RUN_TIMEOUT_S + 60, what=f"the job's accounting {BUSY}")
    golden = load_golden("slurm-history.json")
    assert shape_mismatches(loosened(golden, "jobs", NULLABLE_HISTORY), answer) == []
    assert answer["source"] == "sacct"
    job = next(job for job in answer["jobs"] if job["id"] == job_id)
    # names and states exactly as submitted, not cut at the first space
    assert (job["name"], job["state"], job["exit_code"]) == (name, "COMPLETED", "0:0")
    assert (job["cpus"], job["time_limit_s"], job["req_mem_bytes"]) == (2, 120, 200 * 2**20)
    # TotalCPU is the processes' own CPU time (bash and startup add a little)
    used = sum(map(float, (user_server.root_dir / f"cpu-{job_id}.txt").read_text().split()))
    assert used - 1 <= job["total_cpu_s"] <= used + 2, (job, used)
    efficiency = job["total_cpu_s"] / (job["elapsed_s"] * 2)
    assert job["cpu_efficiency"] == pytest.approx(efficiency, abs=1e-3)
    assert job["max_rss_bytes"] and job["max_rss_bytes"] < job["req_mem_bytes"]
    # the testbed measures no energy: "not measured", and so no CO2
    assert (job["energy_joules"], job["co2_grams"]) == (None, None)
    assert answer["emission_factor_g_per_kwh"] is not None


@pytest.mark.parametrize("after", ["-1", "x", "1.5", "\u0661", "9" * 30])
def test_events_after_must_be_a_count(user_server: UserServer, after: str) -> None:
    status, answer = user_server.request("GET", f"{JOBS}?events_after={quote(after)}")
    assert status == 400 and "events_after must be" in answer["message"]
