"""The testbed itself: the test user's server and Slurm's clients work together, and accounting
runs through slurmdbd as on a production cluster (plain `sacct`, not `sacct -c`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tests.slurm.conftest import TESTBED_DIR, SlurmTestbed, UserServer

T = TypeVar("T")

# How long a short job may take from sbatch to its line in slurmdbd (the node may be busy).
ACCOUNTED_S = 90
BUSY = "(is the testbed's node busy with other jobs? see squeue)"


def test_the_server_runs_as_the_test_user(user_server: UserServer, testbed: SlurmTestbed) -> None:
    status, info = user_server.request("GET", "jupyterlab-hpc/info")
    assert status == 200, user_server.log()
    assert info["version"]
    # a job the test user submits is theirs
    submitted = testbed.run(["sbatch", "--chdir", str(user_server.root_dir), "--wrap", "true"])
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.split()[-1]
    owner = testbed.run(["squeue", "-h", "-j", job_id, "-o", "%u"]).stdout.strip()
    assert owner == testbed.user


def test_sacct_reports_the_exact_name_and_state_through_slurmdbd(testbed: SlurmTestbed) -> None:
    # given a job whose name holds spaces, punctuation and characters outside latin1
    name = "a job — ünïcode 名前 🚀 | with spaces"
    job_id = submit(testbed, "-J", name, "--wrap", "true")
    # then plain sacct (slurmdbd, not the job completion file) reports it as it was named, in
    # the test user's default account and QoS
    accounted(
        testbed,
        job_id,
        JobName=name,
        State="COMPLETED",
        ExitCode="0:0",
        User=testbed.user,
        Account="hpcusers",
        QOS="normal",
    )


def test_a_failing_job_is_failed_with_its_exit_code(testbed: SlurmTestbed) -> None:
    job_id = submit(testbed, "-J", "fails", "--wrap", "exit 3")
    accounted(testbed, job_id, JobName="fails", State="FAILED", ExitCode="3:0")


def test_the_second_account_and_qos_are_the_users_to_choose(testbed: SlurmTestbed) -> None:
    # given the associations `make testbed` created: both accounts, both QoS
    shown = testbed.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", f"user={testbed.user}", "format=Account,QOS"]
    )
    assert shown.returncode == 0, shown.stderr
    assert sorted(shown.stdout.split()) == ["hpcusers|normal,short", "physics|normal,short"]
    # when the user submits with the other ones, they are the job's
    job_id = submit(testbed, "-A", "physics", "--qos", "short", "--wrap", "true")
    accounted(testbed, job_id, Account="physics", QOS="short", State="COMPLETED")


def test_memory_and_cpu_time_of_a_step_are_recorded(testbed: SlurmTestbed) -> None:
    # given a job that holds 100 MiB for longer than the 2 s sampling period
    hold = "import time; x = bytearray(100 * 2**20); time.sleep(6)"
    job_id = submit(testbed, "--mem", "300M", "--wrap", f"python3 -c '{hold}'")
    accounted(testbed, job_id, State="COMPLETED")
    # then its batch step's largest resident memory, and its CPU time, are in sacct (seff's figures)
    step = accounted(testbed, f"{job_id}.batch", State="COMPLETED")
    assert kibibytes(step["MaxRSS"]) >= 100 * 1024, step
    assert step["TotalCPU"], step


def test_a_job_over_its_memory_is_stopped(testbed: SlurmTestbed) -> None:
    # given a job that asks for 50 MB and takes 400 MB for 30 s
    grab = "import time; x = bytearray(400 * 2**20); time.sleep(30)"
    job_id = submit(testbed, "--mem", "50M", "--wrap", f"python3 -c '{grab}'")
    # then Slurm ends it: with cgroups the kernel does and Slurm says so; without them,
    # jobacct_gather (OverMemoryKill) kills it with SIGKILL
    if (TESTBED_DIR / "etc" / "cgroup.conf").exists():
        accounted(testbed, job_id, State="OUT_OF_MEMORY")
    else:
        accounted(testbed, job_id, State="FAILED", ExitCode="0:9")


def test_the_node_offers_two_gpus_and_jobs_get_them(testbed: SlurmTestbed) -> None:
    gres = testbed.run(["sinfo", "-h", "-o", "%G"])
    assert gres.stdout.split() == ["gpu:2"], gres.stderr
    job_id = submit(testbed, "--gpus", "2", "--wrap", "true")
    job = accounted(testbed, job_id, State="COMPLETED")
    assert "gres/gpu=2" in job["AllocTRES"], job


# --- helpers -----------------------------------------------------------------------------------

FIELDS = ("JobID", "JobName", "User", "Account", "QOS", "State", "ExitCode")
FIELDS += ("MaxRSS", "TotalCPU", "AllocTRES")
# Not a character a job name can hold in these tests.
SEPARATOR = "\x1f"


def submit(testbed: SlurmTestbed, *args: str) -> str:
    """sbatch as the test user, in their home, with no output file; returns the job id."""
    argv = ["sbatch", "--parsable", "--chdir", str(testbed.home), "-o", "/dev/null", *args]
    submitted = testbed.run(argv)
    assert submitted.returncode == 0, submitted.stderr
    return submitted.stdout.strip().split(";")[0]


def sacct(testbed: SlurmTestbed, job_id: str) -> list[dict[str, str]]:
    """The job's (or step's) lines from plain sacct, that is from slurmdbd."""
    argv = ["sacct", "-n", "-P", "--delimiter", SEPARATOR, "-o", ",".join(FIELDS), "-j", job_id]
    result = testbed.run(argv)
    assert result.returncode == 0, result.stderr
    rows = [dict(zip(FIELDS, line.split(SEPARATOR))) for line in result.stdout.splitlines()]
    return [row for row in rows if row["JobID"] == job_id]


def accounted(testbed: SlurmTestbed, job_id: str, **expected: str) -> dict[str, str]:
    """The job's (or step's) sacct line, once it shows every expected field.

    slurmdbd gets a job's records from slurmctld's queue, so on a busy testbed a line may
    first lack what a later record brings (a finished job briefly named "allocation").
    """
    last: list[dict[str, str]] = []

    def check() -> dict[str, str] | None:
        last[:] = sacct(testbed, job_id)
        if last and all(last[0][key] == value for key, value in expected.items()):
            return last[0]
        return None

    return wait_for(check, ACCOUNTED_S, f"job {job_id} in sacct with {expected} {BUSY}", last)


def kibibytes(size: str) -> float:
    """sacct's MaxRSS ("419000K", "1.5G", "512") in KiB."""
    units = {"K": 1, "M": 1024, "G": 1024**2, "T": 1024**3}
    if size and size[-1] in units:
        return float(size[:-1]) * units[size[-1]]
    return float(size or 0) / 1024


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str, seen: object = None) -> T:
    """check()'s first truthy answer, polled until timeout_s; seen: shown on a time-out."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last seen: {seen}")
        time.sleep(0.25)
