"""jupyterlmod beside us: modules loaded in its panel are in the next app's environment.

jupyterlmod (the modules panel centres install) loads a module by running Lmod and applying
its output to the server process's own environment (`POST {base_url}module` with
`{"modules": [...]}`, what its panel sends). An app launched afterwards starts from that
environment, its own modules loaded on top, nothing purged.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import module as jupyterlmod_api  # jupyterlmod's module-command layer
import pytest
from jupyterlmod.handler import MODULE as JUPYTERLMOD_STATE

from tests.apps.conftest import Lab
from tests.apps.module_trees import SmallTree, write_tree
from tests.apps.test_modules import MODULE_APPS

# jupyterlmod's logo route (a StaticFileHandler) leaves HEAD undecorated: jupyter_server warns,
# and the suite's conftest would make that an error that stops jupyterlmod loading half-way.
pytestmark = pytest.mark.filterwarnings("default::jupyter_server.utils.JupyterServerAuthWarning")


@pytest.fixture
def small_tree(tmp_path: Path) -> Iterator[SmallTree]:
    """The small tree in the server's environment; everything jupyterlmod changes is undone.

    The server runs in this very process, so jupyterlmod's loads change pytest's own
    os.environ and sys.path (and its caches): all are put back as they were after the test.
    """
    environ, path = dict(os.environ), list(sys.path)
    tree = write_tree(tmp_path / "modules")
    os.environ.update(tree.environ())
    os.environ.pop("LOADEDMODULES", None)
    # jupyterlmod reads $LMOD_CMD once, when it is first imported.
    command = (jupyterlmod_api.MODULE_CMD, jupyterlmod_api.MODULE_SYSTEM)
    jupyterlmod_api.MODULE_CMD, jupyterlmod_api.MODULE_SYSTEM = tree.lmod_cmd, "lmod"
    try:
        yield tree
    finally:
        jupyterlmod_api.MODULE_CMD, jupyterlmod_api.MODULE_SYSTEM = command
        # Its cached `module list` would still say gcc/12 is loaded.
        JUPYTERLMOD_STATE.invalidate_module_caches()
        os.environ.clear()
        os.environ.update(environ)
        sys.path[:] = path


@pytest.fixture
def hpc_config(small_tree: SmallTree) -> dict[str, Any]:
    """Our extension and jupyterlmod's, side by side."""
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_hpc": True,
                "jupyterlmod": True,
                "jupyter_server_terminals": False,
            },
        },
        "HPCApps": {"apps": MODULE_APPS, "shutdown_grace": 1},
    }


async def test_a_module_loaded_in_jupyterlmod_is_in_the_next_apps_environment(
    lab: Lab, jp_fetch: Any
) -> None:
    # given the user loaded gcc/12 in jupyterlmod's panel
    response = await jp_fetch("module", method="POST", body=json.dumps({"modules": ["gcc/12"]}))
    assert response.code == 200
    loaded = await jp_fetch("module")
    assert json.loads(loaded.body) == ["gcc/12"]
    # when they launch an app that loads its own module
    launched = await lab.launch("toolapp")
    assert launched["modules"] == ["tool/2.0"]
    await lab.wait_state("toolapp")
    # then the app has both: gcc's variable, and its own module's
    env = (await lab.record("toolapp"))["env"]
    assert env["TESTBED_GCC_ROOT"] == "/opt/gcc/12"
    assert env["TESTBED_MODULE"] == "tool/2.0"
    assert env["LOADEDMODULES"].split(":") == ["gcc/12", "tool/2.0"]
