"""GET jupyterlab-hpc/metrics and metrics/history through a real Jupyter server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.conftest import SERVER_CGROUP_LIMIT, SERVER_CGROUP_USED
from tests.support import load_golden, shape_mismatches


async def wait_for_samples(app: Any, count: int) -> None:
    async def enough() -> None:
        while app.sampler.sample_count < count:
            await asyncio.sleep(0.01)

    # Bounded generously: on a loaded 2-core machine a sample may take seconds.
    await asyncio.wait_for(enough(), 60)


async def get_json(jp_fetch: Any, *parts: str, **kwargs: Any) -> Any:
    response = await jp_fetch(*parts, **kwargs)
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def test_metrics_reads_the_configured_cgroup_tree(hpc_app: Any, jp_fetch: Any) -> None:
    # given c.HPCMemory.cgroup_root pointing at a tree where the job is limited to 2 GiB
    # when the frontend asks for metrics
    metrics = await get_json(jp_fetch, "jupyterlab-hpc", "metrics")
    # then the job's cgroup limit and its usage are shown
    memory = metrics["memory"]
    assert memory["available"] is True
    assert (memory["limit_bytes"], memory["limit_source"]) == (SERVER_CGROUP_LIMIT, "cgroup-v2")
    assert memory["limit_detail"].endswith("job_42/memory.max")
    assert (memory["used_bytes"], memory["used_source"]) == (SERVER_CGROUP_USED, "cgroup")


async def test_metrics_matches_the_golden_shape(hpc_app: Any, jp_fetch: Any) -> None:
    # two samples, so that the RAPL counters have an interval to give watts for
    await wait_for_samples(hpc_app, 3)
    metrics = await get_json(jp_fetch, "jupyterlab-hpc", "metrics")
    assert shape_mismatches(load_golden("metrics.json"), metrics) == []
    assert metrics["time"].endswith("Z")


async def test_metrics_show_power_and_emissions_from_the_fake_hardware(
    hpc_app: Any, jp_fetch: Any
) -> None:
    await wait_for_samples(hpc_app, 3)
    await hpc_app.factor_source.refresh()
    await wait_for_samples(hpc_app, hpc_app.sampler.sample_count + 2)
    metrics = await get_json(jp_fetch, "jupyterlab-hpc", "metrics")
    cpu, gpu, emissions = metrics["cpu_power"], metrics["gpu_power"], metrics["emissions"]
    # the still RAPL counters: 0 W against the package's long-term limit
    assert (cpu["available"], cpu["watts"], cpu["limit_watts"]) == (True, 0.0, 120.0)
    assert [zone["name"] for zone in cpu["zones"]] == ["package-0", "dram"]
    # only the GPUs of CUDA_VISIBLE_DEVICES=1,2 of the fake nvidia-smi's four
    assert [device["index"] for device in gpu["devices"]] == [1, 2]
    assert (gpu["watts"], gpu["limit_watts"]) == (513.87, 1350.0)
    # éCO2mix's 15 g/kWh applied to that power since the first sample
    assert (emissions["factor_g_per_kwh"], emissions["factor_status"]) == (15.0, "live")
    assert emissions["factor_time"] == "2026-06-14T19:00:00.000Z"
    assert emissions["energy_wh"] > 0
    assert emissions["co2_g"] == pytest.approx(emissions["energy_wh"] / 1000 * 15, rel=0.05)


async def test_metrics_answers_before_the_start_hook_ran(jp_serverapp: Any, jp_fetch: Any) -> None:
    # given a server whose extensions were linked but never started (no _post_start)
    # when a tab asks for metrics, then it waits for the first sample instead of failing
    metrics = await get_json(jp_fetch, "jupyterlab-hpc", "metrics")
    assert metrics["memory"]["limit_source"] == "cgroup-v2"


async def test_history_matches_the_golden_shape(hpc_app: Any, jp_fetch: Any) -> None:
    await wait_for_samples(hpc_app, 2)
    history = await get_json(jp_fetch, "jupyterlab-hpc", "metrics", "history")
    assert len(history["samples"]) >= 2
    assert shape_mismatches(load_golden("history.json"), history) == []
    assert history["samples"][0]["memory_used_bytes"] == SERVER_CGROUP_USED


async def test_history_since_returns_only_later_samples(hpc_app: Any, jp_fetch: Any) -> None:
    await wait_for_samples(hpc_app, 3)
    every = (await get_json(jp_fetch, "jupyterlab-hpc", "metrics", "history"))["samples"]
    since = every[1]["time"]
    later = await get_json(
        jp_fetch, "jupyterlab-hpc", "metrics", "history", params={"since": since}
    )
    times = [s["time"] for s in later["samples"]]
    # samples keep coming while we ask: the answer starts where the first one left off
    assert times[: len(every) - 2] == [s["time"] for s in every[2:]]
    assert all(t > since for t in times)


@pytest.mark.parametrize("hpc_config", [{"HPCPower": {"history_size": 3}}])
async def test_history_is_bounded(hpc_app: Any, jp_fetch: Any) -> None:
    # given a 3-sample ring, when many more samples were taken
    await wait_for_samples(hpc_app, 8)
    history = await get_json(jp_fetch, "jupyterlab-hpc", "metrics", "history")
    # then only the ring's worth comes back
    assert len(history["samples"]) == 3


async def test_history_rejects_a_since_that_is_not_a_time(hpc_app: Any, jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("jupyterlab-hpc", "metrics", "history", params={"since": "garbage"})
    assert raised.value.code == 400
    assert raised.value.response is not None
    error = json.loads(raised.value.response.body)
    assert error == load_golden("error.json")


@pytest.mark.parametrize(
    "since",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-13-01T00:00:00Z",
        "9" * 5000,
    ],
    ids=["before year 1 in UTC", "after year 9999 in UTC", "month 13", "5000 digits"],
)
async def test_history_rejects_a_since_outside_the_calendar(
    hpc_app: Any, jp_fetch: Any, since: str
) -> None:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("jupyterlab-hpc", "metrics", "history", params={"since": since})
    assert raised.value.code == 400
    assert raised.value.response is not None
    assert "since must be an ISO 8601 time" in json.loads(raised.value.response.body)["message"]


@pytest.mark.parametrize("hpc_config", [{"HPCPower": {"sample_interval": 30}}])
async def test_metrics_may_be_shared_by_tabs_until_the_next_sample(
    hpc_app: Any, jp_fetch: Any
) -> None:
    # given a sampler that samples every 30 s, just after a sample
    await wait_for_samples(hpc_app, 1)
    # when a tab asks for metrics
    response = await jp_fetch("jupyterlab-hpc", "metrics")
    # then the browser may reuse the answer (privately) until the next sample is due
    directives = [d.strip() for d in response.headers["Cache-Control"].split(",")]
    assert "private" in directives
    max_age = int(next(d for d in directives if d.startswith("max-age=")).split("=")[1])
    assert 25 <= max_age <= 30


async def test_history_is_never_cached(hpc_app: Any, jp_fetch: Any) -> None:
    # history grows with every sample: no max-age that would hide new samples
    response = await jp_fetch("jupyterlab-hpc", "metrics", "history")
    assert "max-age" not in response.headers.get("Cache-Control", "")
