"""GET jupyterlab-hpc/info through a real Jupyter server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc import __version__
from jupyterlab_hpc.power import rapl
from jupyterlab_hpc.power.cpu import CpuPowerReader
from tests.support import load_golden, shape_mismatches


async def get_info(jp_fetch: Any) -> Any:
    response = await jp_fetch("jupyterlab-hpc", "info")
    assert response.code == 200
    return json.loads(response.body)


async def test_info_matches_the_golden_shape(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a server spawned by a hub, in sandbox mode, with the spawner's banner
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setenv("JUPYTERLAB_HPC_SANDBOX", "1")
    monkeypatch.setenv("JUPYTERLAB_TOPBAR_MESSAGE", "Maintenance on Tuesday")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    info = await get_info(jp_fetch)
    assert shape_mismatches(load_golden("info.json"), info) == []
    assert info["version"] == __version__
    assert info["features"]["memory"] is True
    assert info["sandbox"]["enabled"] is True and info["sandbox"]["reason"]
    assert info["banner"] == {"text": "Maintenance on Tuesday", "level": "info"}
    assert info["hub"] == {"control_panel_url": "/hub/home", "logout_url": "/hub/logout"}
    assert info["job"] is None
    assert info["sample_interval_s"] == 0.05


async def test_info_outside_a_hub_has_no_banner_and_no_hub(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("JUPYTERLAB_TOPBAR_MESSAGE", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTERLAB_HPC_SANDBOX", "0")
    info = await get_info(jp_fetch)
    assert (info["banner"], info["hub"]) == (None, None)
    assert (
        info["sandbox"]["enabled"] is False
        and "JUPYTERLAB_HPC_SANDBOX" in (info["sandbox"]["reason"])
    )


async def test_info_shows_the_slurm_job(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLURM_JOB_ID", "1392969")
    info = await get_info(jp_fetch)
    assert info["job"] == {"id": "1392969", "time_limit_s": None, "end_time": None}


async def test_info_says_memory_is_off_when_memory_cannot_be_read(
    hpc_app: Any, jp_fetch: Any
) -> None:
    # given a memory reader that fails
    def broken() -> dict[str, Any]:
        raise OSError("no /proc here")

    hpc_app.sampler._readers["memory"] = broken
    await hpc_app.sampler.sample_once()
    # then the memory feature is off
    info = await get_info(jp_fetch)
    assert info["features"]["memory"] is False


async def test_info_gives_the_admin_fix_when_rapl_is_root_only(
    hpc_app: Any, jp_fetch: Any, server_powercap_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given RAPL counters that only root may read (mode 0400 since CVE-2020-8694); the tests
    # run as root, where chmod denies nothing, so the denial is made at the read seam
    def root_only(path: Path) -> str:
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return path.read_text()

    monkeypatch.setattr(rapl, "read_sysfs", root_only)
    reader = CpuPowerReader(powercap_root=server_powercap_root)
    hpc_app.sampler._readers["cpu_power"] = reader.read
    await hpc_app.sampler.sample_once()
    # then the CPU meter is off, and info and metrics say why with the admin's fix
    info = await get_info(jp_fetch)
    assert info["features"]["cpu_power"] is False
    assert "readable by root only" in info["unavailable"]["cpu_power"]
    assert "energy_uj = 0444" in info["unavailable"]["cpu_power"]
    response = await jp_fetch("jupyterlab-hpc", "metrics")
    cpu = json.loads(response.body)["cpu_power"]
    assert (cpu["available"], cpu["reason"]) == (False, info["unavailable"]["cpu_power"])


async def test_info_says_why_there_is_no_gpu(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a job that was given no GPU (CUDA's empty list)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    await hpc_app.sampler.sample_once()
    info = await get_info(jp_fetch)
    assert info["features"]["gpu_power"] is False
    assert info["unavailable"]["gpu_power"] == "No GPU is allocated to this job."


@pytest.mark.parametrize("hpc_config", [{"HPCFilesystems": {"allowed_roots": [], "defaults": []}}])
async def test_no_allowed_roots_means_no_filesystems(hpc_app: Any, jp_fetch: Any) -> None:
    info = await get_info(jp_fetch)
    assert info["features"]["filesystems"] is False


async def test_filesystems_are_a_feature_where_a_root_is_allowed(
    hpc_app: Any, jp_fetch: Any
) -> None:
    # the test server's home exists: it is an allowed root by default
    info = await get_info(jp_fetch)
    assert info["features"]["filesystems"] is True
