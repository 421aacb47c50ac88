"""Launching an app from the dialog, through a real Jupyter server and jupyter-server-proxy.

Every test starts tests/apps/testapp.py for real and asks it, through the URL the launch
answered, what argv, environment and folder it got.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import TEST_APPS, Lab, is_reaped, message
from tests.support import load_golden, shape_mismatches


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test catalogue, or the one a test parametrizes."""
    return getattr(request, "param", None) or launcher_config


async def test_a_launch_answers_at_once_then_the_app_runs_behind_its_url(
    lab: Lab, jp_base_url: str
) -> None:
    # given a launch of the test app on endpoint 0
    launched = await lab.launch("testapp", 0, "--logdir runs", {"TF_CPP_MIN_LOG_LEVEL": "2"})
    # then the answer is the golden one, still starting
    assert shape_mismatches(load_golden("apps-launch.json"), launched) == []
    assert launched["state"] == "starting"
    assert launched["message"] == "Starting Test app on endpoint 0…"
    assert launched["url"] == launched["open_url"] == f"{jp_base_url}testapp/0/"
    assert launched["log_url"] == f"{jp_base_url}jupyterlab-hpc/apps/testapp/0/log"
    assert (launched["args"], launched["env_names"]) == ("--logdir runs", ["TF_CPP_MIN_LOG_LEVEL"])
    # when it answers, apps/running says running
    running = await lab.wait_state("testapp", 0)
    assert shape_mismatches(load_golden("apps-running.json"), {"instances": [running]}) == []
    assert running["pid"] == launched["pid"]
    assert (running["message"], running["exit_code"]) == (None, None)
    # and a GET through the returned URL reaches that very process
    response = await lab.get(launched["url"])
    assert response.code == 200 and b"test app" in response.body
    record = await lab.record("testapp", 0)
    assert record["pid"] == launched["pid"]
    assert record["argv"][2:] == ["--logdir", "runs"]
    assert record["env"]["TF_CPP_MIN_LOG_LEVEL"] == "2"


async def test_the_app_runs_in_the_server_root_and_relative_paths_stay_relative(
    lab: Lab, jp_root_dir: Path
) -> None:
    await lab.launch("testapp", 0, "--logdir runs/exp1 ./data ../up")
    await lab.wait_state("testapp", 0)
    record = await lab.record("testapp", 0)
    assert record["argv"][2:] == ["--logdir", "runs/exp1", "./data", "../up"]
    assert os.path.realpath(record["cwd"]) == os.path.realpath(jp_root_dir)


async def test_relaunching_with_new_arguments_restarts_the_app(lab: Lab) -> None:
    first = await lab.launch("testapp", 0, "--logdir one")
    await lab.wait_state("testapp", 0)
    # when the dialog launches the same endpoint with other arguments
    second = await lab.launch("testapp", 0, "--logdir two")
    # then a new process runs them, and the old one is gone (reaped)
    assert second["pid"] != first["pid"]
    await lab.wait_state("testapp", 0)
    record = await lab.record("testapp", 0)
    assert (record["pid"], record["argv"][2:]) == (second["pid"], ["--logdir", "two"])
    assert await is_reaped(first["pid"])


async def test_relaunching_with_the_same_settings_keeps_the_running_app(lab: Lab) -> None:
    first = await lab.launch("testapp", 1, "--logdir one", {"A": "1"})
    await lab.wait_state("testapp", 1)
    again = await lab.launch("testapp", 1, "--logdir one", {"A": "1"})
    assert (again["pid"], again["state"]) == (first["pid"], "running")
    # other environment values are other settings
    other = await lab.launch("testapp", 1, "--logdir one", {"A": "2"})
    assert other["pid"] != first["pid"]


# (arguments as typed, environment rows, the argv the app must get after `--port N`).
# {home} is the server's home; HPC_SCRATCH and HPC_SPACED are in the server's environment.
EXPANSION = [
    ('--name "a b"', {}, ["--name", "a b"]),
    ("'$HOME'", {}, ["$HOME"]),
    ("$HOME", {}, ["{home}"]),
    ("${HOME}/x", {}, ["{home}/x"]),
    ("~/runs ~", {}, ["{home}/runs", "{home}"]),
    ("a\\ b", {}, ["a b"]),
    ('"$HOME/my runs"', {}, ["{home}/my runs"]),
    ("--logdir=runs/exp1", {}, ["--logdir=runs/exp1"]),
    ("a\"b\"'c'", {}, ["abc"]),
    ("'it'\"'\"'s'", {}, ["it's"]),
    ('"say \\"hi\\""', {}, ['say "hi"']),
    ("x $HPC_UNSET y", {}, ["x", "y"]),
    ('"$HPC_UNSET"', {}, [""]),
    ("${HPC_UNSET:-~/default}", {}, ["{home}/default"]),
    # a value with spaces stays one argument: nothing in the environment adds arguments
    ("$HPC_SPACED", {}, ["two words"]),
    ("--out $HPC_SCRATCH/$USER_RUN", {"USER_RUN": "exp1"}, ["--out", "/scratch/u1/exp1"]),
    # a row sees the server's environment and the rows before it
    (
        "--out $OUT --run ${RUN}",
        {"RUN": "exp1", "OUT": "$HPC_SCRATCH/$RUN"},
        ["--out", "/scratch/u1/exp1", "--run", "exp1"],
    ),
    ("'$(touch x)' '`id`' 'a;b|c&&d>e'", {}, ["$(touch x)", "`id`", "a;b|c&&d>e"]),
    ("", {}, []),
]


@pytest.mark.parametrize(
    ("args", "env", "expected"), EXPANSION, ids=[row[0] or "empty" for row in EXPANSION]
)
async def test_arguments_are_read_as_a_shell_would_without_running_one(
    lab: Lab,
    server_env: dict[str, str],
    jp_home_dir: Path,
    args: str,
    env: dict[str, str],
    expected: list[str],
) -> None:
    launched = await lab.launch("testapp", 0, args, env)
    await lab.wait_state("testapp", 0)
    record = await lab.record("testapp", 0)
    home = os.path.expanduser("~")
    assert home == str(jp_home_dir)
    assert record["argv"][2:] == [word.format(home=home) for word in expected]
    # what the user typed is shown back as typed
    assert launched["args"] == args


async def test_environment_rows_reach_the_app_expanded_on_top_of_the_servers(
    lab: Lab, server_env: dict[str, str]
) -> None:
    rows = {"RUN": "exp1", "OUT": "$HPC_SCRATCH/$RUN", "CACHE": "~/cache", "MY_FLAG": "on"}
    await lab.launch("testapp", 0, "", rows)
    await lab.wait_state("testapp", 0)
    env = (await lab.record("testapp", 0))["env"]
    home = os.path.expanduser("~")
    assert {name: env[name] for name in rows} == {
        "RUN": "exp1",
        "OUT": "/scratch/u1/exp1",
        "CACHE": f"{home}/cache",
        "MY_FLAG": "on",
    }
    # the server's own environment is there too
    assert (env["HPC_SCRATCH"], env["HOME"]) == ("/scratch/u1", home)


CWD_APP = {
    "cwdapp": {
        "title": "Cwd app",
        "command": TEST_APPS["testapp"]["command"],
        "cwd": "${RUN_DIR:-~}",
    }
}


@pytest.mark.parametrize(
    "hpc_config", [{"HPCApps": {"apps": CWD_APP, "shutdown_grace": 1}}], indirect=True
)
async def test_an_app_runs_in_its_configured_folder_expanded_from_the_dialog(
    lab: Lab, tmp_path: Path, jp_home_dir: Path
) -> None:
    # the default of ${RUN_DIR:-~}: the home folder
    await lab.launch("cwdapp", 0)
    await lab.wait_state("cwdapp", 0)
    assert os.path.realpath((await lab.record("cwdapp", 0))["cwd"]) == os.path.realpath(jp_home_dir)
    # a folder given in the dialog
    runs = tmp_path / "my runs"
    runs.mkdir()
    await lab.launch("cwdapp", 0, "", {"RUN_DIR": str(runs)})
    await lab.wait_state("cwdapp", 0)
    assert os.path.realpath((await lab.record("cwdapp", 0))["cwd"]) == os.path.realpath(runs)


@pytest.mark.parametrize(
    "hpc_config", [{"HPCApps": {"apps": CWD_APP, "shutdown_grace": 1}}], indirect=True
)
async def test_a_relaunch_refused_for_its_folder_leaves_the_running_app_alone(
    lab: Lab, tmp_path: Path
) -> None:
    first = await lab.launch("cwdapp", 0)
    await lab.wait_state("cwdapp", 0)
    # when the dialog relaunches it in a folder that does not exist
    response = await lab.post("cwdapp", 0, {"env": {"RUN_DIR": str(tmp_path / "missing")}})
    # then the user is told why, and the app that ran is still running, untouched
    assert response.code == 400
    assert "which is not a folder here" in message(response)
    listed = await lab.running()
    assert [(i["state"], i["pid"]) for i in listed] == [("running", first["pid"])]
    assert (await lab.record("cwdapp", 0))["pid"] == first["pid"]
    # and the endpoint can be launched again
    again = await lab.launch("cwdapp", 0, "--logdir again")
    await lab.wait_state("cwdapp", 0)
    assert (await lab.record("cwdapp", 0))["pid"] == again["pid"]


SOCKET_CWD_APP = {
    "sockcwd": {
        "command": TEST_APPS["sockapp"]["command"],
        "unix_socket": True,
        "cwd": "$RUN_DIR",
    }
}


@pytest.mark.parametrize("hpc_config", [{"HPCApps": {"apps": SOCKET_CWD_APP}}], indirect=True)
async def test_a_launch_refused_for_its_folder_leaves_no_socket_folder(
    lab: Lab, tmp_path: Path
) -> None:
    before = set(Path(tempfile.gettempdir()).glob("jupyterlab-hpc-sockcwd-*"))
    response = await lab.post("sockcwd", 0, {"env": {"RUN_DIR": str(tmp_path / "missing")}})
    assert response.code == 400
    assert set(Path(tempfile.gettempdir()).glob("jupyterlab-hpc-sockcwd-*")) == before
    assert await lab.running() == []
