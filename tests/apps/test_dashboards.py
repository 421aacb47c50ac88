"""Dashboards the user starts (Dask, Ray): checked on their port, opened through the proxy."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.apps.conftest import DEADLINE_S, TESTAPP, Lab, message, squatter
from tests.support import load_golden, shape_mismatches


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return launcher_config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dashboard() -> Iterator[int]:
    """A web server on a port of this node, started by the user (here: the test app)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(TESTAPP), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "no dashboard"
            time.sleep(0.02)
    yield port
    process.kill()
    process.wait()


async def check(jp_fetch: Any, name: str, body: Any) -> Any:
    return await jp_fetch(
        "jupyterlab-hpc",
        "dashboards",
        name,
        method="POST",
        body=json.dumps(body),
        raise_error=False,
    )


async def test_a_dashboard_that_answers_opens_through_the_proxy(
    jp_fetch: Any, lab: Lab, dashboard: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    # when the user gives the port of a running Dask dashboard
    response = await check(jp_fetch, "dask", {"port": dashboard})
    # then the answer says where to open it
    assert response.code == 200
    answer = json.loads(response.body)
    assert shape_mismatches(load_golden("dashboards-check.json"), answer) == []
    assert answer == {
        "name": "dask",
        "port": dashboard,
        "url": f"{jp_base_url}jupyterlab-hpc/proxy/{dashboard}/status",
    }
    page = await lab.get(answer["url"])
    assert page.code == 200 and b"/status" in page.body
    # and the user's credentials stay with Jupyter
    login = f"username-127-0-0-1-{jp_serverapp.port}"
    seen = await lab.get(
        f"{jp_base_url}jupyterlab-hpc/proxy/{dashboard}/record?token={lab.token}&tab=tasks",
        headers={
            "Authorization": f"token {lab.token}",
            "X-XSRFToken": "abc",
            "Cookie": f'_xsrf=abc; {login}="2|1:0|x"; jupyterhub-session-id=1; mine=1',
        },
    )
    assert seen.code == 200
    record = json.loads(seen.body)
    headers = {name.lower(): value for name, value in record["headers"].items()}
    assert headers["cookie"] == "mine=1"
    assert "authorization" not in headers and "x-xsrftoken" not in headers
    assert record["path"] == "/record?tab=tasks"


async def test_a_dead_port_gets_a_clear_message(jp_fetch: Any, lab: Lab) -> None:
    response = await check(jp_fetch, "ray", {"port": free_port()})
    assert response.code == 502
    assert "Ray dashboard: nothing answers on port" in message(response)


async def test_the_proxy_to_a_dead_port_says_nothing_answers(lab: Lab, jp_base_url: str) -> None:
    # given a dashboard tab left open after its cluster stopped
    port = free_port()
    # when it reloads
    page = await lab.get(f"{jp_base_url}jupyterlab-hpc/proxy/{port}/status")
    # then it reads that nothing answers there, not a server error
    assert page.code == 502
    assert f"Nothing answers on port {port} of this node" in page.body.decode()


@pytest.mark.parametrize("port", [0, 70000, -1, "8787", "x", True, None, 87.87])
async def test_what_is_not_a_port_is_refused(jp_fetch: Any, lab: Lab, port: Any) -> None:
    response = await check(jp_fetch, "dask", {"port": port})
    assert response.code == 400
    assert "The port must be a number from 1 to 65535" in message(response)


async def test_jupyterlabs_own_port_is_not_a_dashboard(
    jp_fetch: Any, lab: Lab, jp_serverapp: Any, jp_base_url: str
) -> None:
    response = await check(jp_fetch, "dask", {"port": jp_serverapp.port})
    assert response.code == 400
    assert "JupyterLab's own" in message(response)
    # nor can the proxy be pointed at it by hand (it would forward to Jupyter itself)
    page = await lab.get(f"{jp_base_url}jupyterlab-hpc/proxy/{jp_serverapp.port}/api/status")
    assert page.code == 400


@pytest.mark.parametrize("port", ["0", "70000"])
async def test_the_proxy_refuses_what_is_not_a_port(lab: Lab, jp_base_url: str, port: str) -> None:
    page = await lab.get(f"{jp_base_url}jupyterlab-hpc/proxy/{port}/")
    assert page.code == 400


async def test_an_unknown_dashboard_is_not_found(jp_fetch: Any, lab: Lab) -> None:
    response = await check(jp_fetch, "spark", {"port": 4040})
    assert response.code == 404
    assert "no dashboard named 'spark'" in message(response)


@pytest.mark.parametrize("body", [b"not json", b"[8787]"], ids=repr)
async def test_a_body_without_a_port_is_refused(jp_fetch: Any, lab: Lab, body: bytes) -> None:
    response = await jp_fetch(
        "jupyterlab-hpc", "dashboards", "dask", method="POST", body=body, raise_error=False
    )
    assert response.code == 400


async def test_the_dashboard_proxy_reaches_the_dashboard_not_a_squatter(
    lab: Lab, dashboard: int, jp_base_url: str, localhost_is_ipv6_first: None
) -> None:
    # given someone else listening on [::1] on the dashboard's port ("localhost" is ::1 first)
    with squatter(dashboard):
        page = await lab.get(f"{jp_base_url}jupyterlab-hpc/proxy/{dashboard}/record")
    # then the proxy still reaches the dashboard on 127.0.0.1
    assert page.code == 200
    assert "argv" in json.loads(page.body)
