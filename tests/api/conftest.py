"""A live `jupyter server` for the API document's tests, whose side effects are harmless.

It runs as the Slurm testbed's user (as tests/slurm's server does), with its root folder, the
filesystems it may mount and its runtime files in a fresh folder of that user's home, the test
app as its only app, fake RAPL counters and GPUs, and a static emission factor (no network).
Jobs it submits go to the local testbed and are cancelled when the module ends.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import TESTAPP
from tests.conftest import FAKE_NVIDIA_SMI, SERVER_VISIBLE_GPUS
from tests.slurm.conftest import (
    REPO,
    SlurmTestbed,
    UserServer,
    _as_user,
    _free_port,
    _grant_traversal,
    _wait_until_up,
    testbed,  # noqa: F401  (the session fixture, shared with tests/slurm)
)
from tests.support import running_server, server_argv, write_tree

DOCUMENT = REPO / "docs" / "api" / "openapi.yaml"
# The one filesystem mounted before fuzzing, so that its contents routes are reached too.
MOUNTED = "scratch"
START_TIMEOUT_S = 30


def load_document() -> dict[str, Any]:
    """The OpenAPI document, parsed."""
    import yaml

    return yaml.safe_load(DOCUMENT.read_text("utf-8"))


def resolved(node: Any, document: dict[str, Any]) -> Any:
    """`node` with every local `$ref` replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolved(target, document)
        return {key: resolved(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(item, document) for item in node]
    return node


def _server_config(base: Path, root: Path) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_hpc": True},
            "allow_unauthenticated_access": False,
        },
        "HPCApps": {
            "apps": {
                "testapp": {
                    "title": "Test app",
                    "command": [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
                    "timeout": START_TIMEOUT_S,
                    "endpoints": 2,
                    "args_hint": "--delay S, --crash, --exit0",
                }
            },
            "shutdown_grace": 1,
        },
        "HPCFilesystems": {
            "allowed_roots": [str(root)],
            "defaults": [{"name": MOUNTED, "url": f"osfs://{root / MOUNTED}"}],
        },
        "HPCPower": {
            "sample_interval": 0.5,
            "powercap_root": str(base / "powercap"),
            "gpu_backend": "nvidia-smi",
            "nvidia_smi": str(FAKE_NVIDIA_SMI),
        },
        "HPCEmissions": {"provider": "static", "state_dir": str(base / "state")},
        "HPCSlurm": {"poll_interval": 1, "command_timeout": 20},
    }


@pytest.fixture(scope="module")
def api_server(
    testbed: SlurmTestbed,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[UserServer]:
    """The server under test; its folder is removed at the end, its log kept in pytest's."""
    entry = pwd.getpwnam(testbed.user)
    base = testbed.home / f"api-{secrets.token_hex(4)}"
    root = base / "work"
    write_tree(
        base,
        {
            "powercap/intel-rapl:0/name": "package-0\n",
            "powercap/intel-rapl:0/energy_uj": "1000000\n",
            "powercap/intel-rapl:0/max_energy_range_uj": "262143328850\n",
            "powercap/intel-rapl:0/constraint_0_name": "long_term\n",
            "powercap/intel-rapl:0/constraint_0_power_limit_uw": "120000000\n",
            "work/job.sh": "#!/bin/sh\n#SBATCH --hold\nsleep 600\n",
            f"work/{MOUNTED}/notes.txt": "hello\n",
        },
    )
    (base / "jupyter" / "config").mkdir(parents=True)
    (base / "jupyter" / "config" / "jupyter_server_config.json").write_text(
        json.dumps(_server_config(base, root), indent=1)
    )
    for path in (base, *base.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    _grant_traversal(testbed.user, [REPO, Path(sys.executable)])
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        "HOME": str(testbed.home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLURM_CONF": testbed.env["SLURM_CONF"],
        "PYTHONPATH": str(REPO),
        "PYTHONNOUSERSITE": "1",
        "JUPYTER_CONFIG_DIR": str(base / "jupyter" / "config"),
        "JUPYTER_DATA_DIR": str(base / "jupyter" / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter" / "runtime"),
        "CUDA_VISIBLE_DEVICES": SERVER_VISIBLE_GPUS,
        "LANG": "C.UTF-8",
    }
    argv = [*_as_user(testbed.user, env), *server_argv(port, token, root)]
    log_path = base / "server.log"
    try:
        with running_server(argv, log_path, grace_s=30) as process:
            server = UserServer(f"http://127.0.0.1:{port}/", token, root, log_path, process)
            _wait_until_up(server)
            yield server
    finally:
        kept = tmp_path_factory.mktemp("api-server") / "server.log"
        shutil.copyfile(log_path, kept)
        print(f"the API test server's log: {kept}")
        shutil.rmtree(base, ignore_errors=True)
