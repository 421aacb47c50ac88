"""Requests from other sites' pages, on the user's login cookie, to apps and dashboards.

A browser sends Jupyter's login cookie with any request to the server, whichever page makes
it: these tests log in as a browser does (the login form, a cookie jar) and send what another
site's page could make it send.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest, HTTPResponse
from tornado.websocket import websocket_connect

from tests.apps.conftest import DEADLINE_S, Lab
from tests.apps.test_dashboards import dashboard  # noqa: F401 (a fixture)

EVIL = "https://evil.example"
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test catalogue, plus the sections a test parametrizes."""
    return {**launcher_config, **(getattr(request, "param", None) or {})}


class Browser:
    """A browser logged in with the login form: it sends its cookies with every request."""

    def __init__(self, client: Any, base_url: str, port: int, host: str | None = None) -> None:
        self._client = client
        self.base_url = base_url
        self.host = host or f"127.0.0.1:{port}"
        # The server's own origin, as its pages send it.
        self.origin = f"http://{self.host}"
        self.cookies: SimpleCookie = SimpleCookie()

    async def login(self, token: str) -> None:
        page = await self.send("GET", f"{self.base_url}login")
        assert page.code == 200, page.body
        form = {"_xsrf": self.cookies["_xsrf"].value, "password": token}
        answer = await self.send("POST", f"{self.base_url}login", body=urlencode(form))
        assert answer.code == 302, answer.body
        assert any(name.startswith("username-") for name in self.cookies)

    async def send(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTTPResponse:
        """One request with the cookies; no Origin or Referer unless given, as a script."""
        cookie = "; ".join(f"{name}={morsel.coded_value}" for name, morsel in self.cookies.items())
        sent = {"Host": self.host, **({"Cookie": cookie} if cookie else {}), **(headers or {})}
        if body is None and method in WRITES:
            body = ""
        if body is not None and "Content-Type" not in sent:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        response: HTTPResponse = await self._client.fetch(
            path,
            method=method,
            body=body,
            headers=sent,
            raise_error=False,
            follow_redirects=False,
            allow_nonstandard_methods=True,
            request_timeout=DEADLINE_S,
        )
        for header in response.headers.get_list("Set-Cookie"):
            self.cookies.load(header)
        return response


@dataclass
class Target:
    """Where a proxied page lives, and what its server says it has been sent."""

    prefix: str
    received: Callable[[], Awaitable[list[str]]]


@pytest.fixture(params=["app", "dashboard"])
def target(
    request: pytest.FixtureRequest, lab: Lab, jp_base_url: str, jp_asyncio_loop: Any
) -> Target:
    """A launched app (`<app>/<endpoint>/`) or a dashboard (`jupyterlab-hpc/proxy/<port>/`)."""
    if request.param == "app":
        jp_asyncio_loop.run_until_complete(lab.launch("testapp", 0))
        jp_asyncio_loop.run_until_complete(lab.wait_state("testapp", 0))
        prefix = f"{jp_base_url}testapp/0"
    else:
        prefix = f"{jp_base_url}jupyterlab-hpc/proxy/{request.getfixturevalue('dashboard')}"

    async def received() -> list[str]:
        response = await lab.get(f"{prefix}/received")
        assert response.code == 200, response.body
        return list(json.loads(response.body))

    return Target(prefix, received)


@pytest.fixture
def browser(
    lab: Lab, http_server_client: Any, jp_base_url: str, jp_http_port: int, jp_asyncio_loop: Any
) -> Browser:
    """The user's browser, logged in."""
    user = Browser(http_server_client, jp_base_url, jp_http_port)
    jp_asyncio_loop.run_until_complete(user.login(lab.token))
    return user


@pytest.mark.parametrize("method", WRITES)
async def test_another_sites_page_cannot_write_to_an_app_with_the_login_cookie(
    browser: Browser, target: Target, method: str
) -> None:
    # when a page of another site sends a request with the user's cookie
    refused = await browser.send(
        method, f"{target.prefix}/delete-everything", headers={"Origin": EVIL}
    )
    # then it is refused, saying why, and the app never sees it
    assert refused.code == 403
    assert f"Refused a {method} from {EVIL}" in refused.body.decode()
    # while the same request from the app's own page (the server's origin) reaches it
    allowed = await browser.send(
        method,
        f"{target.prefix}/save",
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}{target.prefix}/"},
    )
    assert allowed.code == 200, allowed.body
    assert json.loads(allowed.body)["method"] == method
    assert await target.received() == [f"{method} /save"]
    # and a link from another site still opens the app's page (a GET changes nothing)
    page = await browser.send(
        "GET", f"{target.prefix}/report", headers={"Origin": EVIL, "Referer": f"{EVIL}/"}
    )
    assert page.code == 200
    assert b"<h1>test app</h1>" in page.body


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1"},  # the server's host on another port is another site
        {"Referer": f"{EVIL}/page"},
        {},
    ],
    ids=["sandboxed page", "another port", "referer only", "neither origin nor referer"],
)
async def test_a_write_that_does_not_come_from_the_servers_pages_is_refused(
    browser: Browser, target: Target, headers: dict[str, str]
) -> None:
    refused = await browser.send("POST", f"{target.prefix}/form", body="a=1", headers=headers)
    assert refused.code == 403
    assert "Refused a POST" in refused.body.decode()
    assert await target.received() == []


async def test_the_apps_own_form_posts_to_it(browser: Browser, target: Target) -> None:
    # given the app's page, opened in the browser
    page = await browser.send("GET", f"{target.prefix}/form")
    assert page.code == 200
    # when the user submits its form (a browser sends the page's origin and address)
    answer = await browser.send(
        "POST",
        f"{target.prefix}/form",
        body="name=run+1&keep=on",
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}{target.prefix}/form"},
    )
    # then the app gets the form
    assert answer.code == 200, answer.body
    assert json.loads(answer.body) == {
        "method": "POST",
        "path": "/form",
        "body": "name=run+1&keep=on",
    }
    # and its script's bodiless PATCH (jupyter-server-proxy alone answers those with a 500)
    answer = await browser.send(
        "PATCH", f"{target.prefix}/run/1", headers={"Origin": browser.origin}
    )
    assert answer.code == 200, answer.body
    # and a browser that sends only the address of the page (no Origin) is trusted as well
    answer = await browser.send(
        "DELETE",
        f"{target.prefix}/run/1",
        headers={"Referer": f"{browser.origin}{target.prefix}/form"},
    )
    assert answer.code == 200, answer.body
    assert await target.received() == ["POST /form", "PATCH /run/1", "DELETE /run/1"]


async def test_a_script_with_the_token_or_xsrf_may_write_from_anywhere(
    browser: Browser, target: Target, lab: Lab
) -> None:
    # the token in the header, the token in the query, Jupyter's _xsrf as a header or a field
    xsrf = browser.cookies["_xsrf"].value
    sent = [
        ("PUT", "/a", None, {"Authorization": f"token {lab.token}"}),
        ("PATCH", f"/b?token={lab.token}", None, {}),
        ("DELETE", "/c", None, {"X-XSRFToken": xsrf}),
        ("POST", "/d", urlencode({"_xsrf": xsrf, "x": "1"}), {}),
    ]
    for method, path, body, headers in sent:
        answer = await browser.send(
            method, f"{target.prefix}{path}", body=body, headers={"Origin": EVIL, **headers}
        )
        assert answer.code == 200, (method, path, answer.body)
    # (the token never reaches the app: it is removed from the query)
    assert await target.received() == ["PUT /a", "PATCH /b", "DELETE /c", "POST /d"]
    # but a made-up _xsrf does not do
    answer = await browser.send(
        "POST", f"{target.prefix}/e", headers={"Origin": EVIL, "X-XSRFToken": "2|00|11|22"}
    )
    assert answer.code == 403


@pytest.mark.parametrize(
    "hpc_config",
    [
        {"ServerApp": {"allow_origin": "https://hub.example.org"}},
        {"ServerApp": {"allow_origin_pat": r"https://.*\.example\.org"}},
    ],
    ids=["allow_origin", "allow_origin_pat"],
    indirect=True,
)
async def test_origins_the_server_allows_may_write(browser: Browser, target: Target) -> None:
    answer = await browser.send(
        "POST", f"{target.prefix}/from-hub", headers={"Origin": "https://hub.example.org"}
    )
    assert answer.code == 200, answer.body
    refused = await browser.send("POST", f"{target.prefix}/x", headers={"Origin": EVIL})
    assert refused.code == 403
    assert await target.received() == ["POST /from-hub"]


@pytest.mark.parametrize(
    "hpc_config", [{"ServerApp": {"allow_remote_access": True}}], indirect=True
)
async def test_behind_a_proxy_the_host_the_server_sees_is_its_origin(
    lab: Lab, http_server_client: Any, jp_base_url: str, jp_http_port: int, target: Target
) -> None:
    # given a server reached through JupyterHub's proxy at https://hub.example.org (the proxy
    # keeps the Host header; the browser logs in there)
    user = Browser(http_server_client, jp_base_url, jp_http_port, host="hub.example.org")
    await user.login(lab.token)
    # then a form of the app's own page posts to it
    answer = await user.send(
        "POST", f"{target.prefix}/form", headers={"Origin": "https://hub.example.org"}
    )
    assert answer.code == 200, answer.body
    refused = await user.send("POST", f"{target.prefix}/x", headers={"Origin": EVIL})
    assert refused.code == 403
    assert await target.received() == ["POST /form"]


async def test_another_sites_page_cannot_open_an_apps_websocket(
    browser: Browser, target: Target, jp_http_port: int
) -> None:
    """jupyter-server-proxy checks the handshake's Origin as jupyter_server does (a guard)."""
    cookie = "; ".join(f"{name}={morsel.coded_value}" for name, morsel in browser.cookies.items())
    url = f"ws://127.0.0.1:{jp_http_port}{target.prefix}/socket"

    def handshake(origin: str) -> HTTPRequest:
        return HTTPRequest(
            url, headers={"Cookie": cookie, "Origin": origin}, request_timeout=DEADLINE_S
        )

    with pytest.raises(HTTPClientError) as refused:
        await websocket_connect(handshake(EVIL))
    assert refused.value.code == 403
    # from the server's own page the handshake is accepted (the test app then hangs up: it
    # speaks no websocket)
    connection = await websocket_connect(handshake(browser.origin))
    connection.close()
