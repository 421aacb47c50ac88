"""What counts as activity for JupyterHub's idle culler, through a real Jupyter server.

jupyterhub-singleuser reports `ServerApp.web_app.last_activity()` to the hub: the server's
start, API requests of handlers that track activity, kernels' IOPub messages, and
`settings["last_activity_times"]` (jupyter-server-proxy's proxied traffic, our busy kernels).
Our meters' and panels' polls must not move it (a server left open in a tab is culled); what
the user does must (launching or stopping an app, submitting or cancelling a job, using an app
through the proxy, a kernel computing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_hpc import activity
from tests.apps import conftest as apps
from tests.apps.conftest import Lab

DEADLINE_S = 60.0

# The launcher's fixtures: a server with the test catalogue, and its client.
lab = apps.lab
launcher_config = apps.launcher_config


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return dict(launcher_config)


def last_activity(serverapp: Any) -> Any:
    """What jupyterhub-singleuser would report to the hub now."""
    return serverapp.web_app.last_activity()


async def moved(serverapp: Any, action: Callable[[], Awaitable[Any]]) -> bool:
    """Whether `action` moved the server's last activity."""
    before = last_activity(serverapp)
    await action()
    return bool(last_activity(serverapp) > before)


# GETs the frontend repeats on a timer, or on its own, while the user does nothing.
POLLS = [
    ("jupyterlab-hpc", "metrics"),
    ("jupyterlab-hpc", "metrics", "history"),
    ("jupyterlab-hpc", "info"),
    ("jupyterlab-hpc", "slurm", "jobs"),
    ("jupyterlab-hpc", "slurm", "history"),
    ("jupyterlab-hpc", "apps"),
    ("jupyterlab-hpc", "apps", "running"),
    ("jupyterlab-hpc", "apps", "testapp", "0", "log"),
]


async def test_our_polls_are_not_activity(hpc_app: Any, jp_fetch: Any, jp_serverapp: Any) -> None:
    for path in POLLS:

        async def poll(path: tuple[str, ...] = path) -> None:
            # whatever the answer (Slurm may be absent here): asked and answered
            try:
                await jp_fetch(*path)
            except HTTPClientError:
                pass

        assert not await moved(jp_serverapp, poll), "/".join(path)


async def test_what_the_user_does_is_activity(lab: Lab, jp_serverapp: Any) -> None:
    async def launch() -> None:
        await lab.launch("testapp", 0)

    async def stop() -> None:
        await lab.stop("testapp", 0)

    assert await moved(jp_serverapp, launch)
    await lab.wait_state("testapp", 0)
    assert await moved(jp_serverapp, stop)


async def test_using_an_app_through_the_proxy_is_activity(lab: Lab, jp_serverapp: Any) -> None:
    await lab.launch("testapp", 0)
    await lab.wait_state("testapp", 0)

    async def page() -> None:
        response = await lab.get(f"{lab.base_url}testapp/0/page")
        assert response.code == 200

    async def form() -> None:
        response = await lab.get(
            f"{lab.base_url}testapp/0/form",
            method="POST",
            body="x=1",
            headers={"Authorization": f"token {lab.token}"},
        )
        assert response.code == 200

    assert await moved(jp_serverapp, page)
    assert await moved(jp_serverapp, form)


@pytest.fixture
def quick_busy_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server looks at its kernels every 0.2 s instead of 10 s (set before it starts)."""
    monkeypatch.setattr(activity, "BUSY_CHECK_INTERVAL_S", 0.2)


@contextlib.asynccontextmanager
async def busy_kernel(jp_serverapp: Any, jp_ws_fetch: Any) -> AsyncIterator[tuple[str, Any]]:
    """A kernel computing silently for minutes, asked through its websocket, once it is busy;
    its id and the server's kernel object. Shut down on leaving."""
    kernel_id = await jp_serverapp.kernel_manager.start_kernel()
    socket = await jp_ws_fetch("api", "kernels", kernel_id, "channels")
    try:
        socket.write_message(json.dumps(execute_request("import time; time.sleep(600)")))
        kernel = jp_serverapp.kernel_manager.get_kernel(kernel_id)
        await wait_for(lambda: kernel.execution_state == "busy", "the kernel to be busy")
        yield kernel_id, kernel
    finally:
        socket.close()
        await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id, now=True)


async def test_a_busy_kernel_is_activity_though_it_prints_nothing(
    quick_busy_check: None, hpc_app: Any, jp_serverapp: Any, jp_ws_fetch: Any
) -> None:
    # given a kernel that computes silently for minutes, asked through its websocket
    async with busy_kernel(jp_serverapp, jp_ws_fetch) as (kernel_id, kernel):
        # when time passes (after the busy status, the kernel sends nothing)
        before = last_activity(jp_serverapp)
        # then the server's activity moves on, as long as it computes
        await wait_for(lambda: last_activity(jp_serverapp) > before, "activity while busy")
        # and a kernel that is idle again does not
        await jp_serverapp.kernel_manager.interrupt_kernel(kernel_id)
        await wait_for(lambda: kernel.execution_state == "idle", "the kernel to be idle")
        assert hpc_app.busy_kernels.check() is False


async def test_the_check_runs_on_its_own(
    monkeypatch: pytest.MonkeyPatch, jp_serverapp: Any
) -> None:
    # the periodic check, with a fake kernel manager that has one busy kernel
    class Kernel:
        execution_state = "busy"

    class Kernels:
        def list_kernel_ids(self) -> list[str]:
            return ["k"]

        def get_kernel(self, kernel_id: str) -> Kernel:
            return Kernel()

    settings: dict[str, Any] = {}
    check = activity.BusyKernelActivity(settings, Kernels(), interval_s=0.05, log=None)
    check.start()
    try:
        await wait_for(
            lambda: activity.ACTIVITY_KEY in settings.get("last_activity_times", {}),
            "the periodic check",
        )
    finally:
        check.stop()


def execute_request(code: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": "run-1",
            "msg_type": "execute_request",
            "username": "test",
            "session": "s1",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": False},
        "channel": "shell",
    }


async def wait_for(condition: Callable[[], Any], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
