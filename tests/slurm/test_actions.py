"""Job actions with the subprocess seam scripted: argv built safely, Slurm's words kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc.commands import CommandNotFound, CommandTimeout
from jupyterlab_hpc.slurm.actions import ActionError, SlurmActions
from jupyterlab_hpc.slurm.ids import InvalidJobId
from jupyterlab_hpc.slurm.runner import SlurmRunner
from tests.slurm.fakes import ScriptedCommands
from tests.support import write_tree

US = "\x1f"
DOWN = "scontrol: error: Unable to contact slurm controller (connect failure)"


def actions_for(root: Path, answers: dict[tuple[str, ...], Any]) -> tuple[SlurmActions, Any]:
    commands = ScriptedCommands(answers)
    runner = SlurmRunner(timeout_s=10, run=commands)
    return SlurmActions(runner, root_dir=str(root), user="alice", history_ttl_s=60), commands


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_tree(tmp_path / "root", {"runs/job.sh": "#!/bin/bash\ntrue\n"})
    return tmp_path / "root"


async def test_submit_a_file_runs_sbatch_in_its_folder(root: Path) -> None:
    actions, commands = actions_for(root, {("sbatch",): (0, "Submitted batch job 12\n", "")})
    submitted = await actions.submit_path("runs/job.sh")
    assert submitted == {"id": "12", "message": "Submitted batch job 12"}
    script = (root / "runs" / "job.sh").resolve()
    # the path after "--", absolute: never an option; the job starts in the file's folder
    assert commands.calls == [["sbatch", "--", str(script)]]
    assert commands.kwargs[0]["cwd"] == script.parent
    assert "input" not in commands.kwargs[0]


async def test_submit_text_goes_to_sbatch_on_stdin(root: Path) -> None:
    answer = (0, "Submitted batch job 13\n", "sbatch: warning: fewer CPUs than tasks\n")
    actions, commands = actions_for(root, {("sbatch",): answer})
    submitted = await actions.submit_text("#!/bin/bash\necho é\n", "runs")
    assert submitted["id"] == "13"
    # sbatch's warnings follow its message
    assert submitted["message"] == "Submitted batch job 13\nsbatch: warning: fewer CPUs than tasks"
    assert commands.calls == [["sbatch"]]
    assert commands.kwargs[0]["input"] == "#!/bin/bash\necho é\n".encode()
    assert commands.kwargs[0]["cwd"] == (root / "runs").resolve()


@pytest.mark.parametrize(
    ("script", "cwd", "status", "message"),
    [
        ("", None, 400, "The script is empty."),
        (None, None, 400, "The script is empty."),
        ("#!/bin/bash\n", "../", 400, "outside the server's root"),
        ("#!/bin/bash\n", "runs/job.sh", 400, "is not a folder"),
        ("#!/bin/bash\n" + "#" * 1024 * 1024, None, 413, "larger than"),
    ],
)
async def test_submit_text_refusals(
    root: Path, script: Any, cwd: Any, status: int, message: str
) -> None:
    actions, commands = actions_for(root, {})
    with pytest.raises(ActionError) as raised:
        await actions.submit_text(script, cwd)
    assert raised.value.status == status and message in raised.value.message
    assert commands.calls == []


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        ((1, "", "sbatch: error: invalid partition specified: nope\n"), 400, "invalid partition"),
        ((1, "", "sbatch: error: " + DOWN.split(": ", 2)[2]), 503, "Unable to contact"),
        (CommandTimeout(["sbatch"], 10), 504, "did not finish within 10 s"),
        (CommandNotFound(["sbatch"], "sbatch could not be started"), 503, "not installed"),
        ((0, "queued\n", ""), 502, "gave no job id"),
    ],
)
async def test_sbatch_failures_keep_slurms_words(
    root: Path, answer: Any, status: int, message: str
) -> None:
    actions, _ = actions_for(root, {("sbatch",): answer})
    with pytest.raises(ActionError) as raised:
        await actions.submit_path("runs/job.sh")
    assert raised.value.status == status
    assert message in raised.value.message


async def test_cancel_hold_release(root: Path) -> None:
    actions, commands = actions_for(root, {("scancel",): (0, "", ""), ("scontrol",): (0, "", "")})
    await actions.cancel("5_2")
    await actions.hold("7")
    await actions.release("7")
    assert commands.calls == [
        ["scancel", "5_2"],
        ["scontrol", "hold", "7"],
        ["scontrol", "release", "7"],
    ]
    with pytest.raises(InvalidJobId):
        await actions.cancel("--me")
    assert len(commands.calls) == 3


async def test_an_action_slurm_denies_this_user_is_403_with_its_message(root: Path) -> None:
    denied = "Access/permission denied for job 7"
    actions, _ = actions_for(root, {("scontrol",): (1, "", denied + "\n")})
    with pytest.raises(ActionError) as raised:
        await actions.release("7")
    assert (raised.value.status, raised.value.message) == (403, denied)


async def test_an_action_slurm_refuses_otherwise_is_400_with_its_message(root: Path) -> None:
    refused = "Job has already finished for job 8"
    actions, _ = actions_for(root, {("scancel",): (1, "", refused + "\n")})
    with pytest.raises(ActionError) as raised:
        await actions.cancel("8")
    assert (raised.value.status, raised.value.message) == (400, refused)


async def test_details_pick_the_array_task_and_relate_paths_to_the_root(root: Path) -> None:
    out = root / "runs" / "slurm-4_2.out"
    text = (
        f"JobId=5 ArrayJobId=4 ArrayTaskId=1 JobName=arr StdErr=/elsewhere/e StdOut={out}.1 \n"
        f"JobId=6 ArrayJobId=4 ArrayTaskId=2 JobName=arr StdErr=/elsewhere/e StdOut={out} \n"
    )
    actions, _ = actions_for(root, {("scontrol", "show", "job"): (0, text, "")})
    details = await actions.details("4_2")
    assert details["fields"]["JobId"] == "6"
    assert (details["stdout_path"], details["stdout_relative"]) == (str(out), "runs/slurm-4_2.out")
    assert (details["stderr_path"], details["stderr_relative"]) == ("/elsewhere/e", None)


@pytest.mark.parametrize(
    ("stderr", "status"),
    [("slurm_load_jobs error: Invalid job id specified", 404), (DOWN, 503)],
)
async def test_details_failures(root: Path, stderr: str, status: int) -> None:
    actions, _ = actions_for(root, {("scontrol", "show", "job"): (1, "", stderr)})
    with pytest.raises(ActionError) as raised:
        await actions.details("99")
    assert (raised.value.status, raised.value.message) == (status, stderr)


def sacct_row(job_id: str, user: str, end: str, state: str = "COMPLETED") -> str:
    fields = [job_id, "job", user, state, "debug", "localhost", end, end, end, "1", "0:0", "/w"]
    seff = ["10", "1", "1", "00:00:01", "", "1G", "3600000"]
    return US.join(fields + seff) + "\n"


def local(delta: timedelta) -> str:
    return (datetime.now() + delta).strftime("%Y-%m-%dT%H:%M:%S")


async def test_history_from_sacct(root: Path) -> None:
    rows = sacct_row("1", "alice", local(-timedelta(hours=1))) + sacct_row(
        "2", "alice", "Unknown", "RUNNING"
    )
    actions, commands = actions_for(root, {("sacct",): (0, rows, "")})
    history = await actions.history(7)
    assert (history["available"], history["source"], history["reason"]) == (True, "sacct", None)
    # the running job belongs to the job list, not to history
    assert [job["id"] for job in history["jobs"]] == ["1"]
    argv = commands.calls[0]
    assert argv[argv.index("--delimiter") + 1] == US
    assert argv[-4:] == ["-S", "now-7days", "-u", "alice"]


async def test_history_falls_back_to_the_job_completion_file(root: Path) -> None:
    # sacct -c ignores -u and -S: the server filters users and days itself
    rows = (
        sacct_row("1", "alice(1001)", local(-timedelta(days=1)))
        + sacct_row("2", "bob(1002)", local(-timedelta(days=1)))
        + sacct_row("3", "alice(1001)", local(-timedelta(days=9)))
    )
    actions, commands = actions_for(
        root,
        {
            ("sacct", "-c"): (0, rows, "sacct: error: Unknown type job\n"),
            ("sacct",): (1, "", "Slurm accounting storage is disabled\n"),
        },
    )
    history = await actions.history(7)
    assert (history["available"], history["source"]) == (True, "sacct -c")
    assert [(job["id"], job["user"]) for job in history["jobs"]] == [("1", "alice")]
    # reused while fresh
    await actions.history(7)
    assert len(commands.calls) == 2


async def test_history_not_enabled_is_data_not_an_error(root: Path) -> None:
    denied = "sacct: fatal: open /var/log/slurm/jobcomp.txt: Permission denied"
    actions, _ = actions_for(
        root,
        {
            ("sacct", "-c"): (1, "", denied),
            ("sacct",): (1, "", "Slurm accounting storage is disabled"),
        },
    )
    history = await actions.history(7)
    assert (history["available"], history["source"], history["jobs"]) == (False, None, [])
    assert history["reason"].startswith("Job accounting is not enabled on this cluster.")
    assert denied in history["reason"]


async def test_history_database_down_is_503_and_not_reused(root: Path) -> None:
    down = "sacct: error: Problem talking to the database: Connection refused"
    actions, commands = actions_for(root, {("sacct",): (1, "", down)})
    for _ in range(2):
        with pytest.raises(ActionError) as raised:
            await actions.history(7)
        assert (raised.value.status, raised.value.message) == (503, down)
    assert len(commands.calls) == 2
