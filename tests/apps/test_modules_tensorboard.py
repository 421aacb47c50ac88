"""TensorBoard from its environment module, served through our proxy (the seed's example).

The module testbed (scripts/modules-testbed) has tensorboard/2.17 and tensorboard/2.18, each
putting the same TensorBoard venv on PATH and setting TESTBED_MODULE to its own name. The
server's own PATH has no TensorBoard: only the module gives it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from jupyterlab_hpc.apps.catalogue import DEFAULT_APPS
from tests.apps.conftest import Lab
from tests.modules.conftest import ModuleTree, module_tree  # noqa: F401 (the testbed fixture)

# TensorBoard takes seconds to import; a loaded 2-core CI machine may take much longer.
START_TIMEOUT_S = 180
DEADLINE_S = 240.0


@pytest.fixture
def hpc_config(
    module_tree: ModuleTree,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """The shipped TensorBoard entry, loading tensorboard/2.18 from the testbed's tree."""
    monkeypatch.setenv("MODULEPATH", module_tree.modulepath)
    monkeypatch.setenv("LMOD_CMD", module_tree.lmod_cmd)
    monkeypatch.delenv("LOADEDMODULES", raising=False)
    assert shutil.which("tensorboard") is None, "the server's PATH must not have TensorBoard"
    tensorboard = {
        **DEFAULT_APPS["tensorboard"],
        "timeout": START_TIMEOUT_S,
        "modules": ["tensorboard/2.18"],
    }
    return {"HPCApps": {"apps": {"tensorboard": tensorboard}, "shutdown_grace": 2}}


async def settled(lab: Lab) -> dict[str, Any]:
    """The instance once it runs; its log in the failure otherwise."""
    deadline = time.monotonic() + DEADLINE_S
    instance = None
    while time.monotonic() < deadline:
        instance = await lab.instance("tensorboard")
        if instance is not None and instance["state"] != "starting":
            break
        await asyncio.sleep(0.2)
    if instance is None or instance["state"] != "running":
        log = (await lab.log("tensorboard")).body.decode(errors="replace")
        raise AssertionError(f"TensorBoard did not run: {instance}\n{log}")
    return instance


async def environment_page(lab: Lab) -> dict[str, Any]:
    """TensorBoard's own description of itself, through the proxy."""
    response = await lab.get(f"{lab.base_url}tensorboard/0/data/environment")
    assert response.code == 200, response.body
    return dict(json.loads(response.body))


async def test_tensorboard_starts_from_its_module_behind_the_proxy(
    lab: Lab, jp_fetch: Any, tmp_path: Path
) -> None:
    # given the launcher offers TensorBoard, available only through its module
    response = await jp_fetch("jupyterlab-hpc", "apps")
    (app,) = json.loads(response.body)["apps"]
    assert (app["available"], app["reason"]) == (True, None)
    assert app["modules"] == [
        {"module": "tensorboard/2.18", "versions": ["tensorboard/2.17", "tensorboard/2.18"]}
    ]
    # when it is launched on a log folder
    runs = tmp_path / "runs"
    runs.mkdir()
    launched = await lab.launch("tensorboard", 0, f"--logdir {runs}")
    assert launched["modules"] == ["tensorboard/2.18"]
    instance = await settled(lab)
    # then its page comes through our proxy
    page = await lab.get(instance["url"])
    assert page.code == 200
    assert b"<title>TensorBoard</title>" in page.body
    # and it is the TensorBoard of that launch, reading that folder
    assert (await environment_page(lab))["data_location"] == str(runs)
    assert psutil.Process(instance["pid"]).environ()["TESTBED_MODULE"] == "tensorboard/2.18"


async def test_the_other_version_of_tensorboard_can_be_chosen(lab: Lab, tmp_path: Path) -> None:
    # when the user chooses tensorboard/2.17 in the launch dialog
    response = await lab.post(
        "tensorboard", 0, {"args": f"--logdir {tmp_path}", "modules": ["tensorboard/2.17"]}
    )
    assert response.code == 202, response.body
    instance = await settled(lab)
    # then TensorBoard runs with that module loaded, and says so
    assert instance["modules"] == ["tensorboard/2.17"]
    environ = psutil.Process(instance["pid"]).environ()
    assert environ["TESTBED_MODULE"] == "tensorboard/2.17"
    assert environ["LOADEDMODULES"] == "tensorboard/2.17"
    assert (await environment_page(lab))["data_location"] == str(tmp_path)
