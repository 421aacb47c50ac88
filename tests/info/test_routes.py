"""GET jupyterlab-hpc/info through a real Jupyter server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jupyterlab_hpc import __version__
from tests.support import load_golden, shape_mismatches


async def get_info(jp_fetch: Any) -> Any:
    response = await jp_fetch("jupyterlab-hpc", "info")
    assert response.code == 200
    return json.loads(response.body)


async def test_info_matches_the_golden_shape(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    info = await get_info(jp_fetch)
    assert shape_mismatches(load_golden("info.json"), info) == []
    assert info["version"] == __version__
    assert info["features"]["memory"] is True
    assert info["sandbox"]["enabled"] is False and info["sandbox"]["reason"]
    assert (info["banner"], info["job"], info["hub"]) == (None, None, None)
    assert info["sample_interval_s"] == 0.05


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
