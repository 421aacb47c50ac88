"""Shared fixtures: a Jupyter server with jupyterlab_hpc enabled, auth on, fake cgroup tree."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.emissions.replay import ReplayServer, fixture_bytes
from tests.support import write_tree

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# The cgroup v2 limit every server test runs against: 2 GiB, below any test machine's RAM
# (a limit above host RAM would be skipped as not binding).
SERVER_CGROUP_LIMIT = 2 * 1024**3
SERVER_CGROUP_USED = 1_288_490_188
# The fake hardware every server test reads: a RAPL package with DRAM (120 W limit), four
# fake GPUs of which the job sees two, and éCO2mix replayed at 15 g/kWh.
SERVER_CPU_LIMIT_WATTS = 120.0
FAKE_NVIDIA_SMI = Path(__file__).parent / "fixtures" / "bin" / "nvidia-smi"
SERVER_VISIBLE_GPUS = "1,2"
ECO2MIX_PATH = "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"


def pytest_configure(config: pytest.Config) -> None:
    """Fail when a handler lacks @web.authenticated (jupyter_server only warns)."""
    config.addinivalue_line(
        "filterwarnings", "error::jupyter_server.utils.JupyterServerAuthWarning"
    )


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in its own thread, as the Jupyter server's is for the sampler."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


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
def server_powercap_root(tmp_path: Path) -> Path:
    """A one-socket RAPL tree (package-0 with a DRAM sub-zone) with still counters."""
    root = tmp_path / "powercap"
    write_tree(
        root,
        {
            "intel-rapl:0/name": "package-0\n",
            "intel-rapl:0/energy_uj": "1000000\n",
            "intel-rapl:0/max_energy_range_uj": "262143328850\n",
            "intel-rapl:0/constraint_0_name": "long_term\n",
            "intel-rapl:0/constraint_0_power_limit_uw": f"{int(SERVER_CPU_LIMIT_WATTS * 1e6)}\n",
            "intel-rapl:0/intel-rapl:0:0/name": "dram\n",
            "intel-rapl:0/intel-rapl:0:0/energy_uj": "500000\n",
            "intel-rapl:0/intel-rapl:0:0/max_energy_range_uj": "262143328850\n",
        },
    )
    return root


@pytest.fixture
def grid_api() -> Iterator[ReplayServer]:
    """A local server replaying éCO2mix's answer, standing in for ODRE."""
    server = ReplayServer()
    server.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    yield server
    server.close()


@pytest.fixture
def hpc_config() -> dict[str, Any]:
    """Extra traitlets config for the server under test (tests override keys)."""
    return {}


@pytest.fixture
def jp_server_config(
    server_cgroup_root: Path,
    server_powercap_root: Path,
    grid_api: ReplayServer,
    hpc_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Config:
    """Server config: our extension on, no unauthenticated access, fast sampling, fakes."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", SERVER_VISIBLE_GPUS)
    for name in ("SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "SLURM_JOB_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    config: dict[str, Any] = {
        "ServerApp": {
            # terminals off: its websocket handler trips the auth check made fatal above
            "jpserver_extensions": {"jupyterlab_hpc": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "HPCMemory": {"cgroup_root": str(server_cgroup_root), "cgroup_path": "job_42/step_0"},
        "HPCPower": {
            "sample_interval": 0.05,
            "history_size": 50,
            "powercap_root": str(server_powercap_root),
            "gpu_backend": "nvidia-smi",
            "nvidia_smi": str(FAKE_NVIDIA_SMI),
        },
        "HPCEmissions": {"url": grid_api.url, "state_dir": str(tmp_path / "state")},
    }
    for section, values in hpc_config.items():
        config.setdefault(section, {}).update(values)
    return Config(config)


@pytest.fixture
def hpc_app(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """The running HPCApp, started the way ServerApp._post_start starts extensions."""
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    return jp_serverapp.extension_manager.extension_points["jupyterlab_hpc"].app
