"""Apps started with their environment modules, through a real Jupyter server and real Lmod.

The test app reports the environment it got (GET /record through the proxy): what its
modules set is there, as a user's program would see it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import START_TIMEOUT_S, TESTAPP, Lab, message
from tests.apps.module_trees import BROKEN_MESSAGE, MODULE_EXECUTABLE, SmallTree, write_tree

APPS = ("jupyterlab-hpc", "apps")


def app(modules: list[str], command: list[str] | None = None) -> dict[str, Any]:
    return {
        "title": "Module app",
        "command": command or [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
        "timeout": START_TIMEOUT_S,
        "modules": modules,
    }


MODULE_APPS = {
    "toolapp": app(["tool/2.0"]),
    "twoapp": app(["gcc/12", "tool/1.0"]),
    "brokenapp": app(["broken/1.0"]),
    "pathapp": app(["launcher/1.0"], [MODULE_EXECUTABLE, "--port", "{port}", "{args}"]),
    # The same command without the module that provides it.
    "nopathapp": app([], [MODULE_EXECUTABLE, "--port", "{port}", "{args}"]),
    "plainapp": app([]),
}


@pytest.fixture
def small_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SmallTree:
    """The small tree, in the server's environment as a job with Lmod set up has it."""
    tree = write_tree(tmp_path / "modules")
    for name, value in tree.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LOADEDMODULES", raising=False)
    return tree


@pytest.fixture
def hpc_config(small_tree: SmallTree) -> dict[str, Any]:
    return {"HPCApps": {"apps": MODULE_APPS, "shutdown_grace": 1}}


async def launch(lab: Lab, name: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await lab.post(name, 0, body)
    assert response.code == 202, response.body
    return dict(json.loads(response.body))


async def catalogue(jp_fetch: Any) -> dict[str, dict[str, Any]]:
    response = await jp_fetch(*APPS)
    return {app["name"]: app for app in json.loads(response.body)["apps"]}


async def test_an_app_starts_with_its_modules_loaded(lab: Lab) -> None:
    # given an app whose catalogue entry loads gcc/12 then tool/1.0
    launched = await launch(lab, "twoapp", {"args": ""})
    # then the instance says which modules it started with
    assert launched["modules"] == ["gcc/12", "tool/1.0"]
    running = await lab.wait_state("twoapp")
    assert running["modules"] == ["gcc/12", "tool/1.0"]
    # and the app's environment is the one Lmod gives with both loaded
    env = (await lab.record("twoapp"))["env"]
    assert env["TESTBED_GCC_ROOT"] == "/opt/gcc/12"
    assert env["TESTBED_MODULE"] == "tool/1.0"
    assert env["LOADEDMODULES"].split(":") == ["gcc/12", "tool/1.0"]
    # and its log says so, above the command line
    log = (await lab.log("twoapp")).body.decode()
    assert "[jupyterlab-hpc] modules loaded: gcc/12 tool/1.0\n[jupyterlab-hpc] $ " in log


async def test_the_launcher_offers_the_other_versions_of_each_module(
    hpc_app: Any, jp_fetch: Any
) -> None:
    apps = await catalogue(jp_fetch)
    assert apps["toolapp"]["modules"] == [
        {"module": "tool/2.0", "versions": ["tool/1.0", "tool/2.0"]}
    ]
    assert apps["twoapp"]["modules"] == [
        {"module": "gcc/12", "versions": ["gcc/12"]},
        {"module": "tool/1.0", "versions": ["tool/1.0", "tool/2.0"]},
    ]
    assert apps["plainapp"]["modules"] == []
    assert apps["toolapp"]["available"] is True


async def test_a_chosen_version_is_loaded_and_another_choice_restarts_the_app(lab: Lab) -> None:
    # given the app launched with the other version of its module
    first = await launch(lab, "toolapp", {"args": "", "modules": ["tool/1.0"]})
    assert first["modules"] == ["tool/1.0"]
    await lab.wait_state("toolapp")
    assert (await lab.record("toolapp"))["env"]["TESTBED_MODULE"] == "tool/1.0"
    # when it is launched again with the same choice, the running app is kept
    again = await launch(lab, "toolapp", {"args": "", "modules": ["tool/1.0"]})
    assert again["pid"] == first["pid"]
    # and with the configured version (the default), it is restarted with that one
    default = await launch(lab, "toolapp", {"args": ""})
    assert default["pid"] != first["pid"] and default["modules"] == ["tool/2.0"]
    await lab.wait_state("toolapp")
    assert (await lab.record("toolapp"))["env"]["TESTBED_MODULE"] == "tool/2.0"


@pytest.mark.parametrize(
    ("modules", "says"),
    [
        (
            ["tool/3.0"],
            "'tool/3.0' is not a version of tool/2.0 offered here; choose one of "
            "tool/1.0, tool/2.0.",
        ),
        (["gcc/12"], "'gcc/12' is not a version of tool/2.0"),
        (["tool/1.0", "gcc/12"], "Module app loads tool/2.0: choose one version of each"),
        ([], "Module app loads tool/2.0: choose one version of each"),
        ("tool/1.0", "modules must be a list of module names"),
        ([{"module": "tool/1.0"}], "modules must be a list of module names"),
    ],
)
async def test_a_module_not_offered_is_refused_naming_it(
    lab: Lab, modules: object, says: str
) -> None:
    response = await lab.post("toolapp", 0, {"args": "", "modules": modules})
    assert response.code == 400
    assert says in message(response)
    assert await lab.running() == []


async def test_a_module_that_fails_to_load_answers_lmods_message(lab: Lab) -> None:
    response = await lab.post("brokenapp", 0, {"args": ""})
    assert response.code == 422
    assert "Module app cannot start: loading broken/1.0 failed" in message(response)
    # (Lmod wraps its message to the terminal's width)
    assert BROKEN_MESSAGE in " ".join(message(response).split())
    assert await lab.running() == []


async def test_the_command_is_found_on_the_path_its_module_gives(lab: Lab, jp_fetch: Any) -> None:
    # given a command that only a module puts on PATH
    apps = await catalogue(jp_fetch)
    # then the app that loads the module is offered, the same command without it is not
    assert (apps["pathapp"]["available"], apps["pathapp"]["reason"]) == (True, None)
    assert apps["nopathapp"]["available"] is False
    assert MODULE_EXECUTABLE in apps["nopathapp"]["reason"]
    # and it starts, from the module's PATH
    await launch(lab, "pathapp", {"args": ""})
    await lab.wait_state("pathapp")
    record = await lab.record("pathapp")
    assert record["env"]["LOADEDMODULES"] == "launcher/1.0"


async def test_the_users_text_expands_from_the_environment_with_the_modules(lab: Lab) -> None:
    # given the dialog's variable and argument refer to a variable the module sets
    await launch(
        lab, "toolapp", {"args": "--logdir $TESTBED_MODULE", "env": {"LOADED": "${TESTBED_MODULE}"}}
    )
    await lab.wait_state("toolapp")
    record = await lab.record("toolapp")
    # then both got the module's value
    assert record["argv"][2:] == ["--logdir", "tool/2.0"]
    assert record["env"]["LOADED"] == "tool/2.0"


@pytest.mark.parametrize(
    "hpc_config",
    [
        {
            "HPCApps": {"apps": MODULE_APPS, "shutdown_grace": 1},
            "HPCModules": {"command": ["/nonexistent/lmod", "python"]},
        }
    ],
)
async def test_without_a_module_system_apps_with_modules_say_they_cannot_start(
    small_tree: SmallTree, lab: Lab, jp_fetch: Any
) -> None:
    apps = await catalogue(jp_fetch)
    # then the app that needs modules is listed as unavailable, saying why
    assert apps["toolapp"]["available"] is False
    reason = apps["toolapp"]["reason"]
    assert "tool/2.0" in reason and "no module system" in reason
    # and offers only its configured version
    assert apps["toolapp"]["modules"] == [{"module": "tool/2.0", "versions": ["tool/2.0"]}]
    # while an app without modules is unaffected
    assert apps["plainapp"]["available"] is True
    # and a launch is refused with that reason, nothing started
    response = await lab.post("toolapp", 0, {"args": ""})
    assert response.code == 400
    assert message(response) == f"Module app cannot start here: {reason}"
    assert await lab.running() == []
