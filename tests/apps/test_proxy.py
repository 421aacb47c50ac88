"""What reaches an app through the proxy, and what the browser sees when it is not running."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import Lab, is_reaped, squatter


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test catalogue, plus the sections a test parametrizes."""
    return {**launcher_config, **(getattr(request, "param", None) or {})}


def credentials(lab: Lab, login_cookie: str) -> dict[str, str]:
    """Every way a browser or a script sends the user's Jupyter identity, and an app cookie."""
    return {
        "Authorization": f"token {lab.token}",
        "X-XSRFToken": "2|abcd|efgh|1700000000",
        "Cookie": "; ".join(
            [
                "_xsrf=2|abcd|efgh|1700000000",
                f'{login_cookie}="2|1:0|10:1700000000|4:user|8:dXNlcg==|deadbeef"',
                "jupyterhub-session-id=0123456789abcdef",
                "jupyterhub-user-alice=2|1:0|10:1700000000",
                "mine=1",
                # other apps of this origin set cookies a strict parser refuses
                "note=hello world",
                'prefs={"theme": "dark"}',
            ]
        ),
    }


@pytest.mark.parametrize(
    ("hpc_config", "login_cookie"),
    [
        (None, "username-127-0-0-1-{port}"),
        ({"IdentityProvider": {"cookie_name": "hpc-login"}}, "hpc-login"),
    ],
    ids=["default login cookie", "configured login cookie"],
    indirect=["hpc_config"],
)
async def test_the_users_credentials_never_reach_the_app(
    lab: Lab, jp_serverapp: Any, login_cookie: str
) -> None:
    # given a running app
    await lab.launch("testapp", 0)
    await lab.wait_state("testapp", 0)
    # when a request carries the Jupyter token (header and query), the login, XSRF and
    # JupyterHub cookies, and a cookie of the app's own
    cookie_name = login_cookie.format(port=jp_serverapp.port)
    response = await lab.get(
        f"{lab.base_url}testapp/0/record?token={lab.token}&page=2&_xsrf=abc&%5Fxsrf=def&q=a%20b",
        headers=credentials(lab, cookie_name),
    )
    assert response.code == 200, response.body
    seen = json.loads(response.body)
    headers = {name.lower(): value for name, value in seen["headers"].items()}
    # then only the app's cookies and parameters arrive
    assert headers["cookie"] == 'mine=1; note=hello world; prefs={"theme": "dark"}'
    assert "authorization" not in headers
    assert "x-xsrftoken" not in headers
    assert seen["path"] == "/record?page=2&q=a%20b"
    assert lab.token not in response.body.decode()


async def test_an_app_that_is_not_running_gets_a_page_naming_it(lab: Lab) -> None:
    # never launched: the proxy does not start it (jupyter-server-proxy would, with no args)
    response = await lab.get(f"{lab.base_url}testapp/2/")
    assert response.code == 503
    assert "Test app is not running on endpoint 2" in response.body.decode()
    assert await lab.running() == []
    assert not lab.log_path("testapp", 2).exists()


async def test_a_request_to_a_starting_app_waits_for_it(lab: Lab, tmp_path: Path) -> None:
    # given an app held before it listens (its --child FILE is a FIFO nobody reads yet)
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    launched = await lab.launch("testapp", 0, f"--child {gate}")
    # when the browser tab opens at once
    request = asyncio.ensure_future(lab.record("testapp", 0))
    for _ in range(5):
        assert (await lab.instance("testapp", 0) or {}).get("state") == "starting"
    assert not request.done()
    reader = os.open(gate, os.O_RDONLY | os.O_NONBLOCK)
    try:
        # then, once the app answers, the tab gets its page, not an error
        record = await request
    finally:
        os.close(reader)
    assert record["pid"] == launched["pid"]
    assert (await lab.instance("testapp", 0) or {}).get("state") == "running"


async def test_three_endpoints_of_one_app_run_side_by_side(lab: Lab) -> None:
    # given three launches of one app at once
    launched = await asyncio.gather(
        *(lab.launch("testapp", endpoint, f"--logdir run{endpoint}") for endpoint in range(3))
    )
    for endpoint in range(3):
        await lab.wait_state("testapp", endpoint)
    # then each URL reaches its own process, started with its own arguments
    records = [await lab.record("testapp", endpoint) for endpoint in range(3)]
    assert [r["pid"] for r in records] == [i["pid"] for i in launched]
    assert len({r["pid"] for r in records}) == 3
    assert [r["argv"][2:] for r in records] == [["--logdir", f"run{e}"] for e in range(3)]
    # when one is shut down, the other two go on
    await lab.stop("testapp", 1)
    assert await is_reaped(launched[1]["pid"])
    running = await lab.running()
    assert [(i["endpoint"], i["state"]) for i in running] == [(0, "running"), (2, "running")]
    assert (await lab.get(f"{lab.base_url}testapp/1/record")).code == 503
    assert [(await lab.record("testapp", e))["pid"] for e in (0, 2)] == [
        launched[0]["pid"],
        launched[2]["pid"],
    ]


async def test_an_app_on_a_unix_socket_is_private_and_cleaned_up(lab: Lab) -> None:
    launched = await lab.launch("sockapp", 0)
    await lab.wait_state("sockapp", 0)
    record = await lab.record("sockapp", 0)
    assert record["pid"] == launched["pid"]
    # it listens on a socket in a folder only the user can enter, and on no TCP port
    socket_path = record["argv"][record["argv"].index("--unix") + 1]
    folder = os.path.dirname(socket_path)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_ISSOCK(os.stat(socket_path).st_mode)
    assert "--port" not in record["argv"]
    # when it is shut down, the folder goes with it
    await lab.stop("sockapp", 0)
    assert await is_reaped(launched["pid"])
    assert not os.path.exists(folder)


@pytest.mark.parametrize(
    "path", ["testapp/3/record", "sockapp/1/record", "nope/0/record", "testapp/x/record"]
)
async def test_no_proxy_route_for_unknown_apps_or_endpoints(lab: Lab, path: str) -> None:
    response = await lab.get(f"{lab.base_url}{path}", follow_redirects=False)
    assert response.code == 404


async def test_the_proxy_needs_the_jupyter_login(lab: Lab) -> None:
    await lab.launch("testapp", 0)
    await lab.wait_state("testapp", 0)
    response = await lab.get(
        f"{lab.base_url}testapp/0/record", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert response.code in (302, 403)
    assert b"argv" not in (response.body or b"")


async def test_the_proxy_reaches_the_app_not_a_squatter_on_ipv6_loopback(
    lab: Lab, localhost_is_ipv6_first: None
) -> None:
    # given a running app on 127.0.0.1:<port>
    launched = await lab.launch("testapp", 0)
    await lab.wait_state("testapp", 0)
    port = int((await lab.record("testapp", 0))["argv"][1])
    # when another user of the node listens on [::1]:<port> ("localhost" is ::1 first)
    with squatter(port):
        # then the user's requests still go to the app, and only to it
        record = await lab.record("testapp", 0)
    assert record["pid"] == launched["pid"]
