"""Under JupyterHub, as a Slurm job: the lab, the job's limits, an app, and a second user.

One spawn per user for the module: A with 1 hour / 2 GB / 2 CPUs (the issue's choice in the
spawner's form), B with 30 minutes / 1 GB / 1 CPU. Both are stopped, and their jobs cancelled,
after the module, whatever happened.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psutil
import pytest
import requests
import websocket

from tests.deployment.conftest import TEST_APP, Users
from tests.deployment.hub import (
    Browser,
    Hub,
    UserClient,
    environment,
    user_processes,
    wait_until,
)

# A job that stays in the queue without using the node (held until released).
HELD_JOB = "#!/bin/sh\n#SBATCH --hold\n#SBATCH --time=00:10:00\n#SBATCH --mem=50M\nsleep 600\n"
# What JupyterHub gives a server to talk to the hub with: none of it may reach an app.
HUB_TOKEN_VARIABLES = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")


@dataclass
class Sessions:
    """A's and B's running servers, each with a client holding its user's own token."""

    a: UserClient
    b: UserClient


@pytest.fixture(scope="module")
def sessions(hub: Hub, users: Users) -> Iterator[Sessions]:
    try:
        for user in (users.a, users.b):
            hub.ensure_stopped(user)
        hub.spawn(users.a, runtime="01:00:00", memory="2G", nprocs="2")
        hub.spawn(users.b, runtime="00:30:00", memory="1G", nprocs="1")
        hub.wait_ready(users.a)
        hub.wait_ready(users.b)
        # These tests are not about culling: the short timeout of the testbed must not end them.
        with hub.kept_alive(users.a, users.b):
            yield Sessions(hub.client(users.a), hub.client(users.b))
    finally:
        for user in (users.a, users.b):
            hub.ensure_stopped(user)


@pytest.fixture(scope="module")
def browser_a(hub: Hub, users: Users, sessions: Sessions) -> Browser:
    """A, logged in through the hub's login page, with the lab open (the server's cookies)."""
    browser = hub.login(users.a)
    lab = browser.get(hub.user_url(users.a, "lab"))
    assert lab.status_code == 200, (lab.status_code, lab.url)
    return browser


@pytest.fixture(scope="module")
def app_a(sessions: Sessions) -> dict[str, Any]:
    """The test app, launched by A through our API, running."""
    return sessions.a.launch(TEST_APP)


def page_config(html: str) -> dict[str, Any]:
    """The lab page's jupyter-config-data."""
    found = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"not a JupyterLab page: {html[:300]}"
    return dict(json.loads(found.group(1)))


def singleuser_environment(user: str) -> dict[str, str]:
    """The environment of the user's jupyterhub-singleuser process (the one with the hub token)."""
    for process in user_processes(user):
        try:
            if any("jupyterhub-singleuser" in part for part in process.cmdline()):
                env = environment(process.pid)
                if "JUPYTERHUB_API_TOKEN" in env:
                    return env
        except (OSError, ValueError):
            continue
    raise AssertionError(f"no jupyterhub-singleuser process of {user} with a hub token")


# --- 1. The lab opens under /user/A/ and names its Slurm job ------------------------------------


def test_the_lab_opens_under_the_hub_with_our_extension(
    hub: Hub, users: Users, browser_a: Browser
) -> None:
    # a user who logged in on the hub's page opens /user/A/lab: JupyterLab, with jupyterlab-hpc
    lab = browser_a.get(hub.user_url(users.a, "lab"))
    assert lab.status_code == 200
    assert lab.url == hub.user_url(users.a, "lab"), "the lab is served at /user/<name>/lab"
    config = page_config(lab.text)
    assert config["baseUrl"] == f"/user/{users.a}/"
    assert "jupyterlab-hpc" in [extension["name"] for extension in config["federated_extensions"]]


def test_info_names_the_slurm_job_the_hub_started(
    hub: Hub, users: Users, sessions: Sessions
) -> None:
    info = sessions.a.get("jupyterlab-hpc/info")
    assert info.status_code == 200, info.text
    # the one job the hub started for A, running as A, is the job the server says it runs in
    [job] = hub.session_jobs(users.a)
    assert (job.name, job.user, job.state) == (f"jupyterhub-{users.a}", users.a, "RUNNING")
    assert info.json()["job"]["id"] == job.id
    assert (hub.server(users.a) or {})["state"]["job_id"] == job.id, "batchspawner's job id"
    # a hub is present: the sign the hub commands go by
    assert info.json()["hub"] is not None


# --- 2. The meters show the job's limits ---------------------------------------------------------


def test_the_memory_limit_and_time_limit_are_the_jobs(sessions: Sessions) -> None:
    # 2G in the spawner's form is the job's --mem, which the memory meter shows: from the job's
    # memory cgroup where the testbed's Slurm confines jobs (task/cgroup), else from Slurm's
    # environment
    metrics = sessions.a.get("jupyterlab-hpc/metrics")
    assert metrics.status_code == 200, metrics.text
    memory = metrics.json()["memory"]
    assert memory["limit_bytes"] == 2 * 1024**3, memory
    assert memory["limit_source"] in ("cgroup-v1", "cgroup-v2", "slurm"), memory
    # 1 hour in the form is the job's --time, which the time-left item counts down from
    job = sessions.a.get("jupyterlab-hpc/info").json()["job"]
    assert job["time_limit_s"] == 3600, job


# --- 5. An app through the hub's proxy, websockets included, with no hub credential -------------


def test_an_app_is_served_through_the_hub_proxy(
    hub: Hub, users: Users, browser_a: Browser, app_a: dict[str, Any]
) -> None:
    # the page the launcher opens, through proxy -> single-user server -> app
    page = browser_a.get(hub.user_url(users.a, f"{TEST_APP}/0/some/page"))
    assert page.status_code == 200, (page.status_code, page.text[:300])
    assert "<h1>ws test app</h1><p>/some/page</p>" in page.text
    record = browser_a.get(hub.user_url(users.a, f"{TEST_APP}/0/record")).json()
    assert record["pid"] == app_a["pid"], "the app A launched answered"


def test_a_websocket_reaches_the_app_through_the_hub_proxy(
    hub: Hub, users: Users, browser_a: Browser, app_a: dict[str, Any]
) -> None:
    path = f"/user/{users.a}/{TEST_APP}/0/ws"
    socket = websocket.create_connection(
        f"ws://{hub.url.split('://', 1)[1]}{path}",
        cookie=browser_a.cookie_header(path),
        origin=hub.url,
        timeout=60,
    )
    try:
        socket.send("hello through two proxies")
        answer = json.loads(socket.recv())
    finally:
        socket.close()
    assert answer["echo"] == "hello through two proxies"
    # the upgrade request reached the app without the hub's cookies
    assert not _hub_credentials(answer["headers"], browser_a), answer["headers"]


def test_no_hub_credential_reaches_the_app(
    hub: Hub, users: Users, sessions: Sessions, browser_a: Browser, app_a: dict[str, Any]
) -> None:
    # the browser sends its hub and server cookies (and _xsrf) to the app's URL...
    sent = browser_a.cookie_names()
    assert any(name.startswith("jupyterhub-") for name in sent), sent
    assert "_xsrf" in sent, sent
    seen = browser_a.request(
        "GET", hub.user_url(users.a, f"{TEST_APP}/0/record"), headers={"X-XSRFToken": "x" * 20}
    ).json()["headers"]
    # ...and the app sees none of them
    assert not _hub_credentials(seen, browser_a), seen
    # a script holding A's hub token: the app does not see the token either
    by_token = sessions.a.get(f"{TEST_APP}/0/record").json()["headers"]
    assert "Authorization" not in by_token, by_token
    assert sessions.a.token not in json.dumps(by_token)

    # nor in its environment: not the hub's token variables, not the server's token's value
    app_env = environment(app_a["pid"])
    server_token = singleuser_environment(users.a)["JUPYTERHUB_API_TOKEN"]
    assert not [name for name in HUB_TOKEN_VARIABLES if name in app_env], sorted(app_env)
    assert not [name for name, value in app_env.items() if server_token in value]
    assert app_env.get("JUPYTERHUB_USER") == users.a, "who and where are kept"


def _hub_credentials(headers: dict[str, str], browser: Browser) -> list[str]:
    """What of the hub's and Jupyter's credentials a request's headers carry."""
    found = [
        name for name in headers if name.lower() in ("authorization", "x-xsrftoken", "x-csrftoken")
    ]
    cookies = headers.get("Cookie", "")
    for part in cookies.split(";"):
        name = part.split("=", 1)[0].strip()
        if name.startswith("jupyterhub-") or name == "_xsrf":
            found.append(f"cookie {name}")
    for cookie in browser.session.cookies:
        if cookie.value and len(cookie.value) >= 8 and cookie.value in json.dumps(headers):
            found.append(f"the value of cookie {cookie.name}")
    return found


# --- 6. Two users -----------------------------------------------------------------------------


def test_b_cannot_reach_a_apps_logs_or_app_urls(
    hub: Hub, users: Users, sessions: Sessions, app_a: dict[str, Any]
) -> None:
    browser_b = hub.login(users.b)
    assert browser_b.get(hub.user_url(users.b, "lab")).status_code == 200, "B's own lab opens"
    paths = [
        "jupyterlab-hpc/apps/running",
        f"jupyterlab-hpc/apps/{TEST_APP}/0/log",
        f"{TEST_APP}/0/record",
        f"{TEST_APP}/0/",
    ]
    for path in paths:
        answers: dict[str, requests.Response] = {
            "B's token": sessions.b.get(path, owner=users.a),
            "B's login cookies": browser_b.get(hub.user_url(users.a, path)),
        }
        for who, response in answers.items():
            assert response.status_code in (403, 404), (path, who, response.status_code)
            assert "ws test app" not in response.text, (path, who, "A's app answered")
            assert str(app_a["pid"]) not in response.text, (path, who, "A's app answered")
    # neither may B stop A's app, nor start one in A's server
    url = f"jupyterlab-hpc/apps/{TEST_APP}/0"
    assert sessions.b.delete(url, owner=users.a).status_code in (403, 404)
    assert sessions.b.post(url, {"args": ""}, owner=users.a).status_code in (403, 404)
    assert (sessions.a.app_instance(TEST_APP) or {}).get("pid") == app_a["pid"]
    # nor open its websocket
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            f"ws://{hub.url.split('://', 1)[1]}/user/{users.a}/{TEST_APP}/0/ws",
            header=sessions.b.websocket_headers(),
            origin=hub.url,
            timeout=60,
        )
    assert refused.value.status_code in (403, 404)


def test_mine_lists_only_my_jobs_and_b_cannot_cancel_a_job(
    hub: Hub, users: Users, sessions: Sessions
) -> None:
    a_job = _submit(sessions.a)
    b_job = _submit(sessions.b)
    try:
        # A's "mine": A's session job and A's job, nobody else's
        def a_mine() -> list[dict[str, Any]] | None:
            jobs = sessions.a.get("jupyterlab-hpc/slurm/jobs?scope=mine").json()["jobs"]
            return jobs if a_job in {job["id"] for job in jobs} else None

        mine = wait_until(a_mine, f"A's job {a_job} in A's list", 60)
        assert {job["user"] for job in mine} == {users.a}, mine
        ids = {job["id"] for job in mine}
        assert b_job not in ids
        assert {job.id for job in hub.session_jobs(users.a)} <= ids, "A's session job is listed"

        # B, through B's own server, cannot cancel A's job: a 403 in Slurm's words
        refused = sessions.b.delete(f"jupyterlab-hpc/slurm/jobs/{a_job}")
        assert refused.status_code == 403, (refused.status_code, refused.text)
        assert "permission denied" in refused.json()["message"].lower(), refused.text
        assert a_job in {job.id for job in hub.jobs(users.a)}, "A's job is still queued"
    finally:
        hub.scancel(a_job, b_job)


def _submit(client: UserClient) -> str:
    response = client.post("jupyterlab-hpc/slurm/jobs", {"script": HELD_JOB})
    assert response.status_code == 201, (response.status_code, response.text)
    return str(response.json()["id"])


def test_kernels_in_modules_start_in_the_job_as_the_user(sessions: Sessions) -> None:
    """The hub gives the job the centre's MODULEPATH; no login shell, no LMOD_CMD: the server
    finds Lmod itself, lists the kernels inside modules, and one starts as the user, in its
    module (its module loaded by the provisioner inside the Slurm job)."""

    def discovered() -> dict[str, Any] | None:
        answer = sessions.a.get("jupyterlab-hpc/modules").json()
        return answer if answer.get("refreshed_at") else None

    modules = wait_until(discovered, "kernels discovered in modules", 120)
    assert modules["available"] is True, modules
    specs = sessions.a.get("api/kernelspecs").json()["kernelspecs"]
    assert specs["module-pytorch-2.1-python3"]["spec"]["display_name"] == "Python 3 (pytorch/2.1)"
    started = sessions.a.post("api/kernels", {"name": "module-pytorch-2.1-python3"})
    assert started.status_code == 201, (started.status_code, started.text)
    kernel_id = started.json()["id"]
    argv0 = specs["module-pytorch-2.1-python3"]["spec"]["argv"][0]
    try:
        # The module's own interpreter (its venv), started as the user.
        def kernel() -> list[Any]:
            found = []
            for process in user_processes(sessions.a.user):
                with contextlib.suppress(psutil.Error):
                    if process.cmdline()[:1] == [argv0]:
                        found.append(process)
            return found

        kernels = wait_until(kernel, "the module kernel's process", 120)
        assert len(kernels) == 1, kernels
        env = environment(kernels[0].pid)
        assert env["LOADEDMODULES"] == "python/3.11:pytorch/2.1"
        assert env["TESTBED_MODULE"] == "pytorch/2.1"
    finally:
        sessions.a.delete(f"api/kernels/{kernel_id}")
