"""The extension app: entry points, version, configuration, sampler lifecycle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import jupyterlab_hpc
from jupyterlab_hpc.app import HPCApp
from tests.support import write_tree

REPO = Path(__file__).parent.parent


def test_entry_points() -> None:
    assert jupyterlab_hpc._jupyter_server_extension_points() == [
        {"module": "jupyterlab_hpc", "app": HPCApp}
    ]
    assert jupyterlab_hpc._jupyter_labextension_paths() == [
        {"src": "labextension", "dest": "jupyterlab-hpc"}
    ]


@pytest.mark.parametrize("with_package_json", [True, False])
def test_version_without_a_build(tmp_path: Path, with_package_json: bool) -> None:
    # given the package without the _version.py that hatch generates
    shutil.copy(REPO / "jupyterlab_hpc" / "__init__.py", tmp_path / "__init__.py")
    package = tmp_path / "src" / "jupyterlab_hpc"
    package.mkdir(parents=True)
    shutil.move(tmp_path / "__init__.py", package / "__init__.py")
    if with_package_json:
        (tmp_path / "src" / "package.json").write_text(json.dumps({"version": "1.2.3"}))
    # when it is imported
    version = subprocess.run(
        [sys.executable, "-c", "import jupyterlab_hpc; print(jupyterlab_hpc.__version__)"],
        cwd=tmp_path / "src",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # then the version comes from package.json, or says it is unknown
    assert version == ("1.2.3" if with_package_json else "0.0.0+unknown")


def test_start_hook_starts_the_sampler_and_stop_stops_it(
    jp_serverapp: Any, jp_asyncio_loop: Any
) -> None:
    app = jp_serverapp.extension_manager.extension_points["jupyterlab_hpc"].app
    assert app.sampler.task is None
    # when the server starts its extensions, as ServerApp._post_start does
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    assert app.sampler.task is not None and not app.sampler.task.done()
    # when the server stops its extensions
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.stop_all_extensions())
    assert app.sampler.task.done()


@pytest.fixture
def config_file_tree(tmp_path: Path) -> Path:
    root = tmp_path / "file-cgroup"
    write_tree(root, {"memory/memory.limit_in_bytes": "1073741824\n"})
    return root


@pytest.fixture
def jp_server_config(jp_server_config: Any, jp_config_dir: Path, config_file_tree: Path) -> Any:
    """Move HPC* out of the command-line config into a jupyter_server_config.py file."""
    # (config given on the command line, as pytest-jupyter does, would win over the file)
    del jp_server_config["HPCMemory"]
    del jp_server_config["HPCPower"]
    (jp_config_dir / "jupyter_server_config.py").write_text(
        f"c.HPCMemory.cgroup_root = {str(config_file_tree)!r}\n"
        "c.HPCMemory.cgroup_path = '/'\n"
        "c.HPCPower.sample_interval = 0.25\n"
    )
    return jp_server_config


async def test_config_file_reaches_the_extension(
    hpc_app: Any, jp_fetch: Any, config_file_tree: Path
) -> None:
    # given c.HPCMemory.* and c.HPCPower.* in the server's jupyter_server_config.py
    assert hpc_app.power_config.sample_interval == 0.25
    # when metrics are read, then the file's cgroup v1 tree gave the limit
    metrics = json.loads((await jp_fetch("jupyterlab-hpc", "metrics")).body)
    assert metrics["memory"]["limit_source"] == "cgroup-v1"
    assert metrics["memory"]["limit_detail"] == str(
        config_file_tree / "memory" / "memory.limit_in_bytes"
    )
