"""The Slurm routes against a real Slurm, through a server running as a non-root user.

The testbed (scripts/slurm-testbed) is a single-node Slurm on 127.0.0.1; `user_server` polls
it every second as the testbed's user. Jobs are held or given a later start, so that they stay
in the queue while a test looks at them.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.slurm.conftest import SlurmTestbed, UserServer
from tests.support import load_golden, shape_mismatches

JOBS = "jupyterlab-hpc/slurm/jobs"
HISTORY = "jupyterlab-hpc/slurm/history"
DOWN = "Unable to contact slurm controller"

# What a test that needs a job to run waits for; a testbed node busy with others' jobs delays it.
RUN_TIMEOUT_S = 60
BUSY = "(is the testbed's node busy with other jobs? see squeue)"

# Fields the contract allows to be null: the golden file shows them filled in.
NULLABLE_JOB = ("array_task_id", "nodes", "num_nodes", "time_used_s", "time_limit_s")
NULLABLE_JOB += ("submit_time", "work_dir", "start_time", "queue_position")
NULLABLE_HISTORY = ("nodes", "submit_time", "start_time", "end_time", "elapsed_s")
NULLABLE_HISTORY += ("exit_code", "work_dir", "time_limit_s", "cpus", "total_cpu_s")
NULLABLE_HISTORY += ("cpu_efficiency", "max_rss_bytes", "req_mem_bytes", "energy_joules")
NULLABLE_HISTORY += ("co2_grams",)


def loosened(golden: dict[str, Any], key: str, nullable: tuple[str, ...]) -> dict[str, Any]:
    """The golden answer with the nullable fields of its list items open to null."""
    item = {**golden[key][0], **dict.fromkeys(nullable)}
    return {**golden, key: [item]}


def wait_for(check: Callable[[], Any], timeout_s: float = 30, what: str = "it") -> Any:
    """check()'s first truthy answer, polled until timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def get_jobs(server: UserServer, scope: str = "mine") -> dict[str, Any]:
    status, answer = server.request("GET", f"{JOBS}?scope={scope}")
    assert status == 200, (status, answer)
    return answer


def job_ids(answer: dict[str, Any]) -> set[str]:
    return {job["id"] for job in answer["jobs"]}


def listing_with(server: UserServer, ids: set[str], timeout_s: float = 30) -> dict[str, Any]:
    """The first job list of the user that shows all of ids."""

    def check() -> dict[str, Any] | None:
        answer = get_jobs(server)
        return answer if ids <= job_ids(answer) else None

    return wait_for(check, timeout_s, what=f"jobs {sorted(ids)} in the list")


def own(testbed: SlurmTestbed, server: UserServer, path: Path) -> Path:
    """Make path (and its folders up to the server root) the test user's."""
    entry = pwd.getpwnam(testbed.user)
    for item in [path, *path.relative_to(server.root_dir).parents]:
        target = server.root_dir / item if not item.is_absolute() else item
        os.chown(target, entry.pw_uid, entry.pw_gid)
    return path


def write_file(testbed: SlurmTestbed, server: UserServer, relative: str, text: str) -> Path:
    path = server.root_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    own(testbed, server, path)
    return path


def sbatch(testbed: SlurmTestbed, server: UserServer, *args: str, as_user: bool = True) -> str:
    """Submit directly with sbatch (not through the API); returns the job id."""
    argv = ["sbatch", "--parsable", "--chdir", str(server.root_dir), "-o", "/dev/null", *args]
    result = testbed.run(argv, as_user=as_user)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(";")[0]


def held(testbed: SlurmTestbed, server: UserServer, name: str = "held", *args: str) -> str:
    return sbatch(testbed, server, "--hold", "-t", "10", "-J", name, *args, "--wrap", "sleep 60")


@pytest.fixture
def root_job(testbed: SlurmTestbed, user_server: UserServer) -> Iterator[str]:
    """A job of another user (root), held."""
    job_id = sbatch(
        testbed, user_server, "--hold", "-J", "not mine", "--wrap", "true", as_user=False
    )
    yield job_id
    testbed.run(["scancel", job_id], as_user=False)


def test_info_says_slurm_is_there(user_server: UserServer) -> None:
    status, info = user_server.request("GET", "jupyterlab-hpc/info")
    assert status == 200
    assert info["features"]["slurm"] is True
    assert info["job"] is None


def test_own_jobs_by_default_the_whole_queue_on_request(
    testbed: SlurmTestbed, user_server: UserServer, root_job: str
) -> None:
    # given a job of the test user and one of root
    mine = held(testbed, user_server, "mine held")
    # when the panel asks for the user's jobs
    answer = listing_with(user_server, {mine})
    # then only theirs come back, in the golden shape, fetched by the OS user
    golden = load_golden("slurm-jobs.json")
    assert shape_mismatches(loosened(golden, "jobs", NULLABLE_JOB), answer) == []
    assert root_job not in job_ids(answer)
    assert (answer["scope"], answer["user"], answer["stale"], answer["error"]) == (
        "mine",
        testbed.user,
        False,
        None,
    )
    assert answer["poll_interval_s"] == 1
    job = next(job for job in answer["jobs"] if job["id"] == mine)
    assert (job["state"], job["reason"], job["held"], job["time_limit_s"]) == (
        "PENDING",
        "JobHeldUser",
        True,
        600,
    )
    assert job["work_dir"] == str(user_server.root_dir)
    assert job["submit_time"].endswith("Z")
    # and the whole queue holds both
    every = get_jobs(user_server, "all")
    assert {mine, root_job} <= job_ids(every)
    assert every["scope"] == "all"


def test_an_unknown_scope_is_refused(user_server: UserServer) -> None:
    status, answer = user_server.request("GET", f"{JOBS}?scope=everyone")
    assert status == 400 and "scope must be" in answer["message"]


NAMES = [
    "with spaces in it",
    "a|b||c",
    'it\'s "quoted" `x`',
    "tab\there",
    "unicode é ünï 漢字 🚀",
    "n" * 120,
]


def test_job_names_are_shown_exactly(testbed: SlurmTestbed, user_server: UserServer) -> None:
    ids = {held(testbed, user_server, name): name for name in NAMES}
    answer = listing_with(user_server, set(ids))
    shown = {job["id"]: job["name"] for job in answer["jobs"] if job["id"] in ids}
    assert shown == ids
    # and no field of another job shifted: every one is the user's, pending, held
    for job in answer["jobs"]:
        if job["id"] in ids:
            assert (job["user"], job["state"], job["reason"]) == (
                testbed.user,
                "PENDING",
                "JobHeldUser",
            )


def test_a_pending_job_array_is_one_row(testbed: SlurmTestbed, user_server: UserServer) -> None:
    array = held(testbed, user_server, "array", "--array=1-3")
    row = wait_for(
        lambda: next((j for j in get_jobs(user_server)["jobs"] if j["job_id"] == array), None)
    )
    assert (row["id"], row["array_task_id"], row["state"]) == (f"{array}_[1-3]", "[1-3]", "PENDING")


def test_hold_and_release(testbed: SlurmTestbed, user_server: UserServer) -> None:
    # given a job waiting for its begin time
    job_id = sbatch(testbed, user_server, "--begin=now+3600", "-J", "later", "--wrap", "true")

    def reason() -> str | None:
        jobs = get_jobs(user_server)["jobs"]
        return next((job["reason"] for job in jobs if job["id"] == job_id), None)

    wait_for(lambda: reason() == "BeginTime")
    # when the user holds it, then the next list (no waiting for the interval) says so
    status, _ = user_server.request("POST", f"{JOBS}/{job_id}/hold")
    assert status == 204
    assert reason() == "JobHeldUser"
    # when they release it, it is no longer held
    status, _ = user_server.request("POST", f"{JOBS}/{job_id}/release")
    assert status == 204
    assert reason() not in ("JobHeldUser", None)


def test_cancel(testbed: SlurmTestbed, user_server: UserServer) -> None:
    job_id = held(testbed, user_server, "to cancel")
    wait_for(lambda: job_id in job_ids(get_jobs(user_server)))
    status, body = user_server.request("DELETE", f"{JOBS}/{job_id}")
    assert (status, body) == (204, None)
    # the list right after the cancel shows it gone (or on its way out)
    jobs = {job["id"]: job["state"] for job in get_jobs(user_server)["jobs"]}
    assert jobs.get(job_id, "CANCELLED") == "CANCELLED"


def test_cancel_of_an_unknown_job_is_204_and_changes_nothing(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    job_id = held(testbed, user_server, "stays")
    wait_for(lambda: job_id in job_ids(get_jobs(user_server)))
    # scancel exits 0 for a job Slurm does not know: the list is the proof
    status, _ = user_server.request("DELETE", f"{JOBS}/99999999")
    assert status == 204
    assert job_id in job_ids(get_jobs(user_server))


@pytest.mark.parametrize(("method", "suffix"), [("DELETE", ""), ("POST", "/hold"), ("GET", "")])
def test_malformed_job_ids_are_400(user_server: UserServer, method: str, suffix: str) -> None:
    status, answer = user_server.request(method, f"{JOBS}/--me{suffix}")
    assert status == 400
    assert answer["message"] == "Not a Slurm job id: '--me'"


def test_release_of_another_users_job_is_refused_in_slurms_words(
    user_server: UserServer, root_job: str
) -> None:
    status, answer = user_server.request("POST", f"{JOBS}/{root_job}/release")
    assert status == 400
    # Slurm 22.05's words for "not yours"
    assert "Invalid user id" in answer["message"]


def test_submit_a_file_runs_it_in_its_folder(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    # given a script with a space in its name, writing down where it runs
    write_file(
        testbed,
        user_server,
        "runs/my job.sh",
        "#!/bin/bash\n#SBATCH -J from-path\npwd > where.txt\n",
    )
    # when the user submits it from the file browser
    status, answer = user_server.request("POST", JOBS, {"path": "runs/my job.sh"})
    # then sbatch's answer comes back, in the golden shape
    assert status == 201, answer
    assert shape_mismatches(load_golden("slurm-submit.json"), answer) == []
    assert re.fullmatch(r"[0-9]+", answer["id"])
    assert answer["message"] == f"Submitted batch job {answer['id']}"
    # and the job ran in the script's folder, where its output lands
    folder = user_server.root_dir / "runs"
    # (the testbed's scheduler may take a few seconds to start it)
    where = wait_for(
        lambda: (folder / "where.txt").exists() and (folder / "where.txt").read_text(),
        RUN_TIMEOUT_S,
        what=f"the job to run {BUSY}",
    )
    assert where.strip() == str(folder.resolve())
    wait_for(lambda: (folder / f"slurm-{answer['id']}.out").exists(), 10, what="the output")


def test_submit_script_text_in_a_folder(testbed: SlurmTestbed, user_server: UserServer) -> None:
    write_file(testbed, user_server, "texts/.keep", "")
    script = "#!/bin/bash\n#SBATCH -J from-text\necho 'été' > text-ran.txt\n"
    status, answer = user_server.request("POST", JOBS, {"script": script, "cwd": "texts"})
    assert status == 201, answer
    assert answer["message"].startswith(f"Submitted batch job {answer['id']}")
    ran = user_server.root_dir / "texts" / "text-ran.txt"
    text = wait_for(lambda: ran.exists() and ran.read_text(), RUN_TIMEOUT_S, f"the job {BUSY}")
    assert text == "été\n"


def test_sbatch_refusal_is_400_with_its_message(user_server: UserServer) -> None:
    script = "#!/bin/bash\n#SBATCH --partition=no-such-partition\ntrue\n"
    status, answer = user_server.request("POST", JOBS, {"script": script})
    assert status == 400
    assert "invalid partition" in answer["message"].lower()


def test_paths_outside_the_root_and_options_are_refused(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    outside = user_server.root_dir.parent / "outside.sh"
    outside.write_text("#!/bin/bash\nid > /tmp/should-not-run\n")
    write_file(testbed, user_server, "links/.keep", "")
    (user_server.root_dir / "links" / "out.sh").symlink_to(outside)
    # a file literally named like an option, with a harmless script in it
    named = write_file(testbed, user_server, "--wrap=id", "#!/bin/bash\n#SBATCH -J dashed\ntrue\n")
    before = job_ids(get_jobs(user_server))
    refused = [
        ({"path": "../outside.sh"}, "outside the server's root"),
        ({"path": str(outside)}, "outside the server's root"),
        ({"path": "/etc/passwd"}, "outside the server's root"),
        ({"path": "links/out.sh"}, "outside the server's root"),
        ({"path": "--wrap=id"}, "may not start with '-'"),
        ({"path": "--wrap=id -J injected"}, "may not start with '-'"),
        ({"path": "links"}, "not a file"),
        ({"script": "#!/bin/bash\nid\n", "cwd": "../"}, "outside the server's root"),
        ({"script": "#!/bin/bash\nid\n", "cwd": "--chdir=/"}, "may not start with '-'"),
        ({}, "Send either"),
        ({"path": "a.sh", "script": "#!/bin/bash\n"}, "Send either"),
    ]
    for body, message in refused:
        status, answer = user_server.request("POST", JOBS, body)
        assert (status, message in answer["message"]) == (400, True), (body, answer)
    # nothing was submitted
    assert job_ids(get_jobs(user_server)) - before == set()
    # the dashed file itself may be submitted as ./--wrap=id: as a script, never as an option
    status, answer = user_server.request("POST", JOBS, {"path": "./--wrap=id"})
    assert status == 201, answer
    details = user_server.request("GET", f"{JOBS}/{answer['id']}")[1]["fields"]
    assert details["JobName"] == "dashed"
    assert details["Command"] == str(named.resolve())


def test_details(testbed: SlurmTestbed, user_server: UserServer) -> None:
    job_id = held(
        testbed, user_server, "details of it", "-o", "logs/out %j.txt", "-e", "/tmp/e.txt"
    )
    status, details = user_server.request("GET", f"{JOBS}/{job_id}")
    assert status == 200, details
    golden = load_golden("slurm-job.json")
    loose = {**golden, "fields": None, "stdout_relative": None, "stderr_relative": None}
    assert shape_mismatches(loose, details) == []
    # every field the golden file shows, Slurm's names as scontrol prints them
    assert set(golden["fields"]) <= set(details["fields"])
    fields = details["fields"]
    assert (fields["JobId"], fields["JobName"], fields["JobState"]) == (
        job_id,
        "details of it",
        "PENDING",
    )
    assert fields["UserId"].startswith(f"{testbed.user}(")
    stdout = str(user_server.root_dir / "logs" / f"out {job_id}.txt")
    assert (details["stdout_path"], details["stdout_relative"]) == (
        stdout,
        f"logs/out {job_id}.txt",
    )
    assert (details["stderr_path"], details["stderr_relative"]) == ("/tmp/e.txt", None)


def test_details_of_an_unknown_job_is_404(user_server: UserServer) -> None:
    status, answer = user_server.request("GET", f"{JOBS}/99999999")
    assert status == 404
    assert "Invalid job id" in answer["message"]


def test_history_of_finished_jobs(testbed: SlurmTestbed, user_server: UserServer) -> None:
    # given a job that ran to its end
    status, answer = user_server.request(
        "POST", JOBS, {"script": "#!/bin/bash\n#SBATCH -J short-one\ntrue\n"}
    )
    assert status == 201
    job_id = answer["id"]

    def history() -> dict[str, Any] | None:
        status, answer = user_server.request("GET", f"{HISTORY}?days=1")
        assert status == 200, answer
        assert answer["available"], answer["reason"]
        return answer if any(job["id"] == job_id for job in answer["jobs"]) else None

    answer = wait_for(history, RUN_TIMEOUT_S, what=f"the job in the history {BUSY}")
    # then history shows it, read from slurmdbd (the job completion file is only the fallback)
    golden = load_golden("slurm-history.json")
    assert shape_mismatches(loosened(golden, "jobs", NULLABLE_HISTORY), answer) == []
    assert (answer["available"], answer["source"], answer["reason"]) == (True, "sacct", None)
    assert {job["user"] for job in answer["jobs"]} == {testbed.user}
    job = next(job for job in answer["jobs"] if job["id"] == job_id)
    assert (job["name"], job["state"], job["exit_code"]) == ("short-one", "COMPLETED", "0:0")
    assert job["work_dir"] == str(user_server.root_dir)


def test_history_days_must_be_a_count(user_server: UserServer) -> None:
    for days in ("0", "x", "-1", "10000"):
        status, answer = user_server.request("GET", f"{HISTORY}?days={days}")
        assert status == 400 and "days must be" in answer["message"]


def test_a_controller_outage_shows_the_last_list_stale_then_recovers(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    job_id = held(testbed, user_server, "through the outage")
    last = listing_with(user_server, {job_id})
    testbed.stop_controller()
    try:
        # when squeue fails (after its own ~9 s of retries), the last list is still shown
        stale = wait_for(
            lambda: (a := get_jobs(user_server))["stale"] and a, 60, what="a stale list"
        )
        assert DOWN in stale["error"]
        assert job_ids(stale) == job_ids(last)
        assert stale["fetched_at"] is not None
    finally:
        testbed.start_controller()
    # then, with the controller back, the list is fresh again without anyone's help
    fresh = wait_for(lambda: not (a := get_jobs(user_server))["stale"] and a, timeout_s=60)
    assert fresh["error"] is None
    assert job_id in job_ids(fresh)


def rpcs_by_user(testbed: SlurmTestbed) -> int:
    """slurmctld's RPC count for the test user, from sdiag."""
    report = testbed.run(["sdiag"], as_user=False).stdout
    match = re.search(rf"^\s*{re.escape(testbed.user)}\s+\(\s*\d+\)\s+count:(\d+)", report, re.M)
    return int(match[1]) if match else 0


def quiet_rpcs(testbed: SlurmTestbed, interval_s: float = 1.0, timeout_s: float = 60) -> int:
    """The test user's RPC count once it stays the same across a server poll interval.

    The server runs squeue only when asked: once nothing of the test user's reaches slurmctld
    for one interval, no squeue is in flight and the count is a clean starting point.
    """
    deadline = time.monotonic() + timeout_s
    previous = rpcs_by_user(testbed)
    while True:
        time.sleep(interval_s)
        current = rpcs_by_user(testbed)
        if current == previous:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"the test user's RPC count kept changing: {previous}, {current}")
        previous = current


def test_ten_polling_clients_cost_slurm_one_squeue_per_interval(
    testbed: SlurmTestbed, user_server: UserServer
) -> None:
    interval_s = 1.0  # the user_server's --HPCSlurm.poll_interval
    # given a user with no job (a waiting job's place in the queue, or a job's end, would be
    # asked of Slurm besides the listing), and what one squeue -u costs slurmctld
    testbed.run(["scancel", "-u", testbed.user])
    wait_for(
        lambda: not (a := get_jobs(user_server))["stale"] and not a["jobs"],
        what="a healthy, empty queue",
    )
    before = quiet_rpcs(testbed, interval_s)
    testbed.run(["squeue", "-h", "-u", testbed.user])
    per_squeue = rpcs_by_user(testbed) - before
    assert per_squeue >= 1
    # when ten tabs poll the job list five times a second, until they have sent 500 requests
    # and the server has answered from 5 squeues of its own (each answer's fetched_at is one)
    requests, least_squeues = 500, 5
    stop, lock = threading.Event(), threading.Lock()
    answers: list[tuple[bool, str]] = []

    def seen() -> tuple[int, int]:
        with lock:
            return len(answers), len({fetched_at for _, fetched_at in answers})

    def poll() -> None:
        while not stop.is_set():
            answer = get_jobs(user_server)
            with lock:
                answers.append((answer["stale"], answer["fetched_at"]))
            time.sleep(0.2)

    start, started = rpcs_by_user(testbed), time.monotonic()
    threads = [threading.Thread(target=poll) for _ in range(10)]
    for thread in threads:
        thread.start()
    try:
        wait_for(
            lambda: (n := seen())[0] >= requests and n[1] >= least_squeues,
            timeout_s=120,
            what=f"{requests} answers from {least_squeues} squeues",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    squeues = (rpcs_by_user(testbed) - start) / per_squeue
    elapsed_s = time.monotonic() - started
    answered, fetched = seen()
    # then every answer was fresh, and every squeue slurmctld saw was one of the server's
    # answers, shared by the ten tabs: no tab's request ran a squeue of its own
    assert not any(stale for stale, _ in answers)
    assert 1 <= squeues <= fetched, (squeues, fetched, per_squeue)
    # and the server ran at most one squeue per poll interval while the tabs polled
    assert fetched <= elapsed_s / interval_s + 1, (fetched, answered, elapsed_s)


async def test_info_shows_the_time_left_of_the_servers_own_job(
    testbed: SlurmTestbed, hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a server running inside a job with a 5 minute limit (here: its SLURM_JOB_ID)
    argv = ["sbatch", "--parsable", "--chdir", "/tmp", "-o", "/dev/null", "-t", "5"]
    result = testbed.run([*argv, "-J", "the session", "--wrap", "sleep 60"], as_user=False)
    job_id = result.stdout.strip()
    try:
        state = ["squeue", "-h", "-j", job_id, "-o", "%T"]
        wait_for(
            lambda: testbed.run(state, as_user=False).stdout.strip() == "RUNNING",
            RUN_TIMEOUT_S,
            what=f"the job to run {BUSY}",
        )
        monkeypatch.setenv("SLURM_CONF", testbed.env["SLURM_CONF"])
        monkeypatch.setenv("SLURM_JOB_ID", job_id)
        # when the frontend asks for info
        info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
        # then the job's limit and its end (in UTC) are shown
        job = info["job"]
        assert (job["id"], job["time_limit_s"]) == (job_id, 300)
        end = datetime.fromisoformat(job["end_time"].replace("Z", "+00:00"))
        left = (end - datetime.now(timezone.utc)).total_seconds()
        assert 240 < left <= 300
    finally:
        testbed.run(["scancel", job_id], as_user=False)
