"""JupyterHub's idle culler: our polling is not activity; a busy kernel and a used app are.

One long test (minutes: the culler's timeout, read from the testbed's settings, and more),
marked `culling`. Three servers are watched, two at a time, to keep the wall time near twice
the timeout:

  (a) A's server, whose only traffic is what our meters and panels poll (metrics, slurm/jobs,
      info, apps/running, every few seconds with A's token through the proxy), with an app
      running that nobody uses: it IS culled; its job and its app's processes are gone too;
  (b) B's server, whose kernel is busy in `time.sleep(600)` (started over the kernel's
      websocket, then silent): it is NOT culled;
  (c) A's next server, whose app is used through the proxy every few seconds: it is NOT culled.

"Not culled" is checked once the timeout, two culler periods, one activity report and a margin
have passed since the last other activity (the kernel's start, the app's launch).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import websocket

from tests.deployment.conftest import TEST_APP, Users
from tests.deployment.hub import (
    Hub,
    UserClient,
    app_processes,
    describe,
    is_running,
    marked_processes,
    user_processes,
    wait_until,
)

# What the frontend polls while nobody does anything (each some seconds apart).
POLLED = (
    "jupyterlab-hpc/metrics",
    "jupyterlab-hpc/slurm/jobs?scope=mine",
    "jupyterlab-hpc/info",
    "jupyterlab-hpc/apps/running",
    "jupyterlab-hpc/idle",
)
POLL_EVERY_S = 3.0
# How much later than the culler's timeout a server that is not active must be gone.
CULL_MARGIN_S = 120.0
# How much longer than the culler could take a server that is active must survive.
SURVIVE_MARGIN_S = 15.0
SPAWN = {"runtime": "00:30:00", "memory": "1G", "nprocs": "1"}


class Repeating:
    """Calls `action` every `every_s` seconds in a thread until stopped (errors are kept)."""

    def __init__(self, action: Callable[[], None], every_s: float) -> None:
        self.calls = 0
        self.errors: list[str] = []
        self._action = action
        self._every_s = every_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._action()
                self.calls += 1
            except Exception as error:
                self.errors.append(repr(error))
            self._stopping.wait(self._every_s)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(60)


def poll_like_the_frontend(client: UserClient) -> None:
    for path in POLLED:
        client.get(path)


def use_the_app(client: UserClient) -> Callable[[], None]:
    def use() -> None:
        response = client.get(f"{TEST_APP}/0/page")
        assert response.status_code == 200, response.status_code

    return use


def start_busy_kernel(client: UserClient, hub: Hub) -> str:
    """Start a kernel and run a long silent sleep in it; returns once the kernel says busy."""
    response = client.post("api/kernels", {"name": "python3"})
    assert response.status_code == 201, (response.status_code, response.text)
    kernel = response.json()["id"]
    channels = websocket.create_connection(
        f"ws://{hub.url.split('://', 1)[1]}/user/{client.user}/api/kernels/{kernel}/channels",
        header=client.websocket_headers(),
        origin=hub.url,
        timeout=120,
    )
    try:
        msg_id = uuid.uuid4().hex
        channels.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": client.user,
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                        "date": datetime.now(timezone.utc).isoformat(),
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": "import time; time.sleep(600)",
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        # the cell runs: its "busy" status (the kernel's last word until the sleep ends)
        while True:
            message = json.loads(channels.recv())
            if (
                message.get("parent_header", {}).get("msg_id") == msg_id
                and message["header"]["msg_type"] == "status"
                and message["content"]["execution_state"] == "busy"
            ):
                return kernel
    finally:
        # a browser tab closed: the kernel keeps computing
        channels.close()


def hub_says_running(hub: Hub, user: str) -> bool:
    server = hub.server(user)
    return bool(server and server["ready"])


@pytest.fixture
def two_users(hub: Hub, users: Users) -> Iterator[Users]:
    for user in (users.a, users.b):
        hub.ensure_stopped(user)
    try:
        yield users
    finally:
        for user in (users.a, users.b):
            hub.ensure_stopped(user)


@pytest.mark.culling
@pytest.mark.timeout(900)
def test_polling_is_not_activity_but_a_busy_kernel_and_a_used_app_are(
    hub: Hub, two_users: Users
) -> None:
    a, b = two_users.a, two_users.b
    # culled no later than: idle for the timeout, seen at the next culler round, plus margins
    cull_by_s = hub.cull_timeout_s + hub.cull_every_s + hub.activity_interval_s + CULL_MARGIN_S
    # must still run after: the timeout, two culler rounds, one activity report, a margin
    survive_s = (
        hub.cull_timeout_s + 2 * hub.cull_every_s + hub.activity_interval_s + SURVIVE_MARGIN_S
    )
    hub.spawn(a, **SPAWN)
    hub.spawn(b, **SPAWN)
    hub.wait_ready(a)
    hub.wait_ready(b)
    client_a, client_b = hub.client(a), hub.client(b)
    # the server knows the culler's timeout (the hub passes it in the job's environment), so
    # JupyterLab can warn before the server is stopped
    idle = client_a.get("jupyterlab-hpc/idle").json()
    assert (idle["cull_timeout_s"], idle["cull_source"]) == (hub.cull_timeout_s, "environment")
    workers: list[Repeating] = []
    try:
        # (a) an app nobody uses, and our polling
        app_mark, app_pids = app_processes(client_a.launch(TEST_APP)["pid"])
        [job_a] = hub.session_jobs(a)
        idle_since = time.monotonic()
        poller = Repeating(lambda: poll_like_the_frontend(client_a), POLL_EVERY_S)
        workers.append(poller)
        # (b) a kernel busy with a silent computation
        start_busy_kernel(client_b, hub)
        busy_since = time.monotonic()

        # (a): culled, with its job and every process of the session, the app's too
        wait_until(
            lambda: not hub_says_running(hub, a),
            f"{a}'s server, polled only, culled",
            cull_by_s - (time.monotonic() - idle_since),
            every_s=2,
            last=lambda: hub.server(a),
        )
        assert poller.calls > 0, poller.errors
        poller.stop()
        hub.wait_stopped(a)
        wait_until(
            lambda: job_a.id not in {job.id for job in hub.jobs(a)},
            f"{a}'s culled server's job {job_a.id} gone",
            120,
            last=lambda: hub.jobs(a),
        )
        wait_until(
            lambda: not user_processes(a),
            f"no process of {a} left after the cull",
            120,
            last=lambda: describe(user_processes(a)),
        )
        assert not [pid for pid in app_pids if is_running(pid)]
        assert not marked_processes(app_mark), describe(marked_processes(app_mark))

        # (c) A again, this time using its app through the proxy
        hub.spawn(a, **SPAWN)
        hub.wait_ready(a)
        client_a = hub.client(a)
        client_a.launch(TEST_APP)
        used_since = time.monotonic()
        workers.append(Repeating(use_the_app(client_a), POLL_EVERY_S))

        # (b): B's busy kernel kept its server
        _still_running_after(hub, b, busy_since + survive_s, "whose kernel is busy")
        # (c): A's used app kept its server
        _still_running_after(hub, a, used_since + survive_s, "whose app is used")
        assert workers[-1].calls > 0 and not workers[-1].errors, workers[-1].errors
    finally:
        for worker in workers:
            worker.stop()


def _still_running_after(hub: Hub, user: str, until: float, why: str) -> None:
    """The user's server is never seen stopped until `until` (a monotonic time)."""
    while time.monotonic() < until:
        server = hub.server(user)
        assert server and server["ready"], (
            f"{user}'s server, {why}, was culled: {server}\n{_activity(hub, user)}"
        )
        time.sleep(min(2.0, max(0.0, until - time.monotonic())))
    assert hub_says_running(hub, user), f"{user}'s server, {why}, was culled"


def _activity(hub: Hub, user: str) -> Any:
    return hub.user_model(user).get("last_activity")
