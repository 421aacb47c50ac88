"""Shared fixtures: a Jupyter server with jupyterlab_hpc enabled, auth on, fake cgroup tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.support import write_tree

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# The cgroup v2 limit every server test runs against: 2 GiB, below any test machine's RAM
# (a limit above host RAM would be skipped as not binding).
SERVER_CGROUP_LIMIT = 2 * 1024**3
SERVER_CGROUP_USED = 1_288_490_188


def pytest_configure(config: pytest.Config) -> None:
    """Fail when a handler lacks @web.authenticated (jupyter_server only warns)."""
    config.addinivalue_line(
        "filterwarnings", "error::jupyter_server.utils.JupyterServerAuthWarning"
    )


@pytest.fixture
def server_cgroup_root(tmp_path: Path) -> Path:
    """A cgroup v2 mount with a job limited to 2 GiB; the server is in its step_0."""
    root = tmp_path / "cgroup"
    write_tree(
        root,
        {
            "memory.max": "max\n",
            "job_42/memory.max": f"{SERVER_CGROUP_LIMIT}\n",
            "job_42/memory.current": f"{SERVER_CGROUP_USED}\n",
            "job_42/step_0/memory.max": "max\n",
            "job_42/step_0/memory.current": "1000\n",
        },
    )
    return root


@pytest.fixture
def hpc_config() -> dict[str, Any]:
    """Extra traitlets config for the server under test (tests override keys)."""
    return {}


@pytest.fixture
def jp_server_config(server_cgroup_root: Path, hpc_config: dict[str, Any]) -> Config:
    """Server config: our extension on, no unauthenticated access, fast sampling."""
    config: dict[str, Any] = {
        "ServerApp": {
            # terminals off: its websocket handler trips the auth check made fatal above
            "jpserver_extensions": {"jupyterlab_hpc": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "HPCMemory": {"cgroup_root": str(server_cgroup_root), "cgroup_path": "job_42/step_0"},
        "HPCPower": {"sample_interval": 0.05, "history_size": 50},
    }
    for section, values in hpc_config.items():
        config.setdefault(section, {}).update(values)
    return Config(config)


@pytest.fixture
def hpc_app(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """The running HPCApp, started the way ServerApp._post_start starts extensions."""
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    return jp_serverapp.extension_manager.extension_points["jupyterlab_hpc"].app
