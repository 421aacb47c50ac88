"""Idle time through a real Jupyter server: GET idle, POST idle/activity, PUT idle/end-job, and
the opt-in end of the server's own (real) Slurm job.

Time is not waited for: every activity source the server keeps is moved into the past instead
(`age`), as if the server had been left alone that long.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyterlab_hpc import activity
from jupyterlab_hpc.idle.tracker import CullTimeout, resolve_cull_timeout
from tests.activity.test_activity import busy_kernel, wait_for
from tests.slurm.conftest import SlurmTestbed, testbed  # noqa: F401 (the fixture)

HOUR = 3600.0


def age(serverapp: Any, seconds: float) -> None:
    """Move every activity the server has seen `seconds` into the past."""
    settings = serverapp.web_app.settings
    delta = timedelta(seconds=seconds)
    settings["started"] -= delta
    kernels = serverapp.kernel_manager
    kernels.last_kernel_activity -= delta
    for key in [key for key in settings if key.endswith("_last_activity")]:
        settings[key] -= delta
    times = settings.setdefault("last_activity_times", {})
    for key in times:
        times[key] -= delta


async def idle(jp_fetch: Any) -> dict[str, Any]:
    response = await jp_fetch("jupyterlab-hpc", "idle")
    assert response.code == 200
    return json.loads(response.body)


async def put_end_job(jp_fetch: Any, body: Any) -> HTTPResponse:
    return await jp_fetch(
        "jupyterlab-hpc",
        "idle",
        "end-job",
        method="PUT",
        body=body if isinstance(body, str) else json.dumps(body),
        raise_error=False,
    )


async def post_activity(jp_fetch: Any) -> None:
    response = await jp_fetch("jupyterlab-hpc", "idle", "activity", method="POST", body="")
    assert response.code == 204


@pytest.fixture
def no_cull_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JUPYTERHUB_CULL_TIMEOUT", "SLURM_JOB_ID"):
        monkeypatch.delenv(name, raising=False)


# Idle time


async def test_idle_grows_without_activity_and_a_user_action_resets_it(
    no_cull_env: None, hpc_app: Any, jp_fetch: Any, jp_serverapp: Any
) -> None:
    # given a server left alone for an hour
    age(jp_serverapp, HOUR)
    state = await idle(jp_fetch)
    assert state["idle_s"] >= HOUR
    # asking is not activity
    assert (await idle(jp_fetch))["idle_s"] >= HOUR
    # when the user presses a key in the page
    before = jp_serverapp.web_app.last_activity()
    await post_activity(jp_fetch)
    # then the idle clock restarts, and the hub sees the activity too
    state = await idle(jp_fetch)
    assert state["idle_s"] < HOUR / 2
    assert jp_serverapp.web_app.last_activity() > before


async def test_jupyterlabs_own_refreshes_do_not_reset_idle_time(
    no_cull_env: None, hpc_app: Any, jp_fetch: Any, jp_serverapp: Any
) -> None:
    # given a server left alone for an hour
    age(jp_serverapp, HOUR)
    # when a tab in front refreshes its kernels and sessions (every 10 s in JupyterLab)
    await jp_fetch("api", "kernels")
    await jp_fetch("api", "sessions")
    # then the hub sees activity (a tab in front is never culled), the idle clock does not
    assert (jp_serverapp.web_app.last_activity() - jp_serverapp.web_app.settings["started"]) > (
        timedelta(seconds=HOUR / 2)
    )
    assert (await idle(jp_fetch))["idle_s"] >= HOUR


@pytest.fixture
def quick_busy_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity, "BUSY_CHECK_INTERVAL_S", 0.2)


async def test_a_busy_kernel_resets_idle_time(
    no_cull_env: None,
    quick_busy_check: None,
    hpc_app: Any,
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_ws_fetch: Any,
) -> None:
    async with busy_kernel(jp_serverapp, jp_ws_fetch):
        # given the server's activity an hour old while the kernel computes silently
        age(jp_serverapp, HOUR)
        assert hpc_app.idle.idle_s() >= HOUR
        # then the busy kernel makes it active again
        await wait_for(lambda: hpc_app.idle.idle_s() < HOUR / 2, "the busy kernel to count")
        assert (await idle(jp_fetch))["idle_s"] < HOUR / 2


# The culler's timeout


def test_the_cull_timeout_comes_from_config_then_environment_then_the_server() -> None:
    env = {"JUPYTERHUB_CULL_TIMEOUT": "3600"}
    assert resolve_cull_timeout(600.0, env, 900) == CullTimeout(600.0, "config")
    assert resolve_cull_timeout(None, env, 900) == CullTimeout(3600.0, "environment")
    assert resolve_cull_timeout(None, {}, 900) == CullTimeout(900.0, "server")
    assert resolve_cull_timeout(None, {}, 0) == CullTimeout(None, None)
    with pytest.raises(ValueError, match="JUPYTERHUB_CULL_TIMEOUT must be a number"):
        resolve_cull_timeout(None, {"JUPYTERHUB_CULL_TIMEOUT": "an hour"}, 0)


@pytest.mark.parametrize("hpc_config", [{"HPCIdle": {"cull_timeout": 5400}}])
async def test_a_configured_cull_timeout_counts_down_with_the_hubs_activity(
    no_cull_env: None, hpc_config: Any, hpc_app: Any, jp_fetch: Any, jp_serverapp: Any
) -> None:
    age(jp_serverapp, HOUR)
    state = await idle(jp_fetch)
    assert (state["cull_timeout_s"], state["cull_source"]) == (5400, "config")
    assert 0 < state["culled_in_s"] <= 5400 - HOUR
    # "Keep working" resets the countdown
    await post_activity(jp_fetch)
    assert (await idle(jp_fetch))["culled_in_s"] > 5400 - HOUR / 2


async def test_the_hubs_timeout_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, hpc_app_env: Any, jp_fetch: Any
) -> None:
    state = await idle(jp_fetch)
    assert (state["cull_timeout_s"], state["cull_source"]) == (3600, "environment")
    assert 0 < state["culled_in_s"] <= 3600


@pytest.fixture
def hpc_app_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Any:
    monkeypatch.setenv("JUPYTERHUB_CULL_TIMEOUT", "3600")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    return request.getfixturevalue("hpc_app")


@pytest.fixture
def jp_server_config(
    jp_server_config: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Any:
    # the server's own shutdown timer, for the test that asks for it
    if "server_timeout" in request.fixturenames:
        jp_server_config.ServerApp.shutdown_no_activity_timeout = 7200
    # the server in its own job (the shared config clears SLURM_JOB_ID first)
    if "in_job" in request.fixturenames:
        own, _ = request.getfixturevalue("jobs")
        monkeypatch.setenv("SLURM_JOB_ID", own)
        monkeypatch.setenv("SLURM_CONF", request.getfixturevalue("testbed").env["SLURM_CONF"])
    return jp_server_config


@pytest.fixture
def server_timeout() -> None:
    """Start the server with c.ServerApp.shutdown_no_activity_timeout = 7200."""


async def test_the_servers_own_shutdown_timeout_without_a_hub_timeout(
    no_cull_env: None, server_timeout: None, hpc_app: Any, jp_fetch: Any, jp_serverapp: Any
) -> None:
    state = await idle(jp_fetch)
    assert (state["cull_timeout_s"], state["cull_source"]) == (7200, "server")
    # jupyter_server stops itself only when no kernel runs
    kernel_id = await jp_serverapp.kernel_manager.start_kernel()
    try:
        assert (await idle(jp_fetch))["culled_in_s"] is None
    finally:
        await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id, now=True)


async def test_without_any_timeout_there_is_no_countdown(
    no_cull_env: None, hpc_app: Any, jp_fetch: Any
) -> None:
    state = await idle(jp_fetch)
    assert state["cull_timeout_s"] is None and state["cull_source"] is None
    assert state["culled_in_s"] is None
    assert state["end_job"] == {
        "enabled": False,
        "after_s": None,
        "warn_s": 600.0,
        "ends_in_s": None,
        "job_id": None,
    }


# The user's choice: PUT idle/end-job


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"enabled": "yes", "after_minutes": 60}, '"enabled" must be true or false'),
        ({"enabled": True}, '"after_minutes" is needed'),
        ({"enabled": True, "after_minutes": 5}, "between 10 and 10080 minutes"),
        ({"enabled": True, "after_minutes": 20000}, "between 10 and 10080 minutes"),
        ({"enabled": True, "after_minutes": 60.5}, "whole number of minutes"),
        ({"enabled": True, "after_minutes": True}, "whole number of minutes"),
        ({"enabled": True, "after_minutes": 60, "job": "1"}, "Unknown field(s) job"),
        ([True, 60], "must be a JSON object"),
        ("{", "not JSON"),
    ],
)
async def test_a_bad_choice_is_a_400_that_changes_nothing(
    no_cull_env: None, body: Any, message: str, hpc_app: Any, jp_fetch: Any
) -> None:
    assert (await put_end_job(jp_fetch, {"enabled": True, "after_minutes": 120})).code == 200
    response = await put_end_job(jp_fetch, body)
    assert response.code == 400
    assert message in json.loads(response.body)["message"]
    end_job = (await idle(jp_fetch))["end_job"]
    assert (end_job["enabled"], end_job["after_s"]) == (True, 7200)


@pytest.mark.parametrize("hpc_config", [{"HPCIdle": {"end_job_after": 240, "end_job_minimum": 30}}])
async def test_the_admins_default_and_minimum(
    no_cull_env: None, hpc_config: Any, hpc_app: Any, jp_fetch: Any
) -> None:
    end_job = (await idle(jp_fetch))["end_job"]
    assert (end_job["enabled"], end_job["after_s"]) == (True, 240 * 60)
    response = await put_end_job(jp_fetch, {"enabled": True, "after_minutes": 20})
    assert response.code == 400
    assert "minimum is 30" in json.loads(response.body)["message"]
    response = await put_end_job(jp_fetch, {"enabled": False})
    assert response.code == 200
    assert json.loads(response.body)["enabled"] is False


# The end of an idle job, with real Slurm jobs


def submit_sleep(testbed: SlurmTestbed, name: str) -> str:  # noqa: F811
    result = testbed.run(
        ["sbatch", "--parsable", f"--job-name={name}", "--output=/dev/null", "--wrap", "sleep 600"],
        as_user=False,
    )
    assert result.returncode == 0, result.stderr
    return str(result.stdout.strip().split(";")[0])


def job_is_alive(testbed: SlurmTestbed, job_id: str) -> bool:  # noqa: F811
    states = testbed.run(["squeue", "-h", "-j", job_id, "-o", "%T"], as_user=False).stdout.split()
    return any(state in ("PENDING", "RUNNING", "CONFIGURING") for state in states)


@pytest.fixture
def jobs(testbed: SlurmTestbed) -> Iterator[tuple[str, str]]:  # noqa: F811
    """The server's own job and another job of the same user."""
    own, other = submit_sleep(testbed, "idle-own"), submit_sleep(testbed, "idle-other")
    yield own, other
    for job_id in (own, other):
        testbed.run(["scancel", job_id], as_user=False)


@pytest.fixture
def in_job(
    jobs: tuple[str, str],
    testbed: SlurmTestbed,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Any:
    """The server, started in the own job (see jp_server_config), checking every 0.2 s."""
    monkeypatch.delenv("JUPYTERHUB_CULL_TIMEOUT", raising=False)
    return request.getfixturevalue("hpc_app")


@pytest.fixture
def hpc_config() -> dict[str, Any]:
    return {"HPCIdle": {"check_interval": 0.2}}


async def test_an_idle_job_is_warned_about_then_ended_and_no_other_job_is_touched(
    jobs: tuple[str, str],
    testbed: SlurmTestbed,  # noqa: F811
    in_job: Any,
    jp_fetch: Any,
    jp_serverapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own, other = jobs
    # the server's log (jupyter_server's logger does not reach the root logger)
    in_job.log.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.INFO)
    # given the user's choice: end the job after 60 idle minutes (warned 10 minutes before)
    response = await put_end_job(jp_fetch, {"enabled": True, "after_minutes": 60})
    assert response.code == 200
    # and 55 idle minutes: the page is told to warn, the job lives on
    age(jp_serverapp, 55 * 60)
    end_job = (await idle(jp_fetch))["end_job"]
    assert end_job["job_id"] == own
    assert 0 < end_job["ends_in_s"] <= end_job["warn_s"]
    assert await in_job.idle.check() is False
    assert job_is_alive(testbed, own)
    # "Keep my job": activity resets the clock
    await post_activity(jp_fetch)
    assert (await idle(jp_fetch))["end_job"]["ends_in_s"] > 50 * 60
    # when the server is then idle for 61 minutes
    age(jp_serverapp, 61 * 60)
    # then its own job ends, on the server's own check, and only that job
    await wait_for(lambda: not job_is_alive(testbed, own), f"job {own} to end")
    assert job_is_alive(testbed, other)
    in_job.log.removeHandler(caplog.handler)
    assert f"Ending Slurm job {own}: idle for 61 min" in caplog.text


async def test_an_idle_job_the_user_did_not_opt_in_for_stays(
    jobs: tuple[str, str],
    testbed: SlurmTestbed,  # noqa: F811
    in_job: Any,
    jp_fetch: Any,
    jp_serverapp: Any,
) -> None:
    own, _ = jobs
    age(jp_serverapp, 10 * HOUR)
    assert (await idle(jp_fetch))["end_job"]["ends_in_s"] is None
    assert await in_job.idle.check() is False
    assert job_is_alive(testbed, own)
