"""No JupyterHub credential reaches an app: not its environment, headers, cookies or query.

The server runs with the environment JupyterHub (and batchspawner) give a single-user server;
the app is the real test app (tests/apps/testapp.py), which answers what it was started with
and what it received. Both kinds of app are checked: one of our launcher's catalogue, and one a
centre configures for jupyter-server-proxy (`c.ServerProxy.servers`, as jupyter-vscode-proxy's
code-server or jupyter-rsession-proxy's RStudio are), which jupyter-server-proxy starts itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

import pytest

from tests.apps import conftest as apps
from tests.apps.conftest import START_TIMEOUT_S, TESTAPP, Lab
from tests.support import is_gone

# The launcher's fixtures: a server with the test catalogue, and its client.
lab = apps.lab
launcher_config = apps.launcher_config

HUB_TOKEN = "hub-api-token-0123456789abcdef"
# What JupyterHub 6.1 (Spawner.get_env, the user's server) and batchspawner give the server.
SPAWNER_ENV = {
    "JUPYTERHUB_API_TOKEN": HUB_TOKEN,
    "JPY_API_TOKEN": HUB_TOKEN,
    "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
    "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/alice/oauth_callback",
    "JUPYTERHUB_OAUTH_SCOPES": '["access:servers!server=alice/"]',
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/"]',
    "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES": "[]",
    "JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED": "0",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api",
    "JUPYTERHUB_ACTIVITY_URL": "http://127.0.0.1:8081/hub/api/users/alice/activity",
    "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:0/user/alice/",
    "JUPYTERHUB_CRYPT_KEY": "crypt-key-0123456789abcdef",
    "JUPYTERHUB_SSL_KEYFILE": "/secret/key.pem",
    "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_SERVER_NAME": "",
    "JUPYTERHUB_BASE_URL": "/",
    "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
    # a site's batch script that copies the token under its own name
    "SITE_HUB_TOKEN": HUB_TOKEN,
}
# Not secret: who and where (apps may build their URLs with them).
KEPT = {
    "JUPYTERHUB_USER",
    "JUPYTERHUB_SERVER_NAME",
    "JUPYTERHUB_BASE_URL",
    "JUPYTERHUB_SERVICE_PREFIX",
}
# The cookies a browser sends to /user/alice/... under JupyterHub.
HUB_COOKIES = [
    "jupyterhub-user-alice=2|1:0|10:1700000000|22:jupyterhub-user-alice|44:c2VjcmV0|abc",
    "jupyterhub-user-alice-oauth-state=2|1:0|10:1700000000|state",
    "jupyterhub-session-id=0123456789abcdef",
    "jupyterhub-hub-login=2|1:0|10:1700000000|login",
    "_xsrf=2|abcd|efgh|1700000000",
    # with c.JupyterHub.cookie_host_prefix_enabled (user subdomains)
    "__Host-jupyterhub-user-alice=2|1:0|10:1700000000|22:jupyterhub-user-alice|abc",
    "__Host-jupyterhub-user-alice-oauth-state=2|1:0|10:1700000000|state",
]


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **launcher_config,
        "ServerProxy": {
            "servers": {
                "centreapp": {
                    "command": [sys.executable, str(TESTAPP), "--port", "{port}"],
                    "timeout": START_TIMEOUT_S,
                }
            }
        },
    }


@pytest.fixture
def jp_server_config(jp_server_config: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in SPAWNER_ENV.items():
        monkeypatch.setenv(name, value)
    return jp_server_config


async def record(client: Lab, path: str) -> dict[str, Any]:
    """What the app saw of a request carrying every hub credential a browser or script sends."""
    # (under JupyterHub the token a script sends is a hub token; here it is the server's)
    headers = {
        "Authorization": f"token {client.token}",
        "X-XSRFToken": "2|abcd|efgh|1700000000",
        "Cookie": "; ".join([*HUB_COOKIES, "mine=1"]),
    }
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S * 2
    while True:
        response = await client.get(
            f"{client.base_url}{path}?token={client.token}", headers=headers
        )
        if response.code == 200:
            return dict(json.loads(response.body))
        assert asyncio.get_running_loop().time() < deadline, response.body
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("app", ["launcher", "server-proxy"])
async def test_no_hub_credential_reaches_the_app(lab: Lab, app: str) -> None:
    if app == "launcher":
        await lab.launch("testapp", 0)
        await lab.wait_state("testapp", 0)
        seen = await record(lab, "testapp/0/record")
    else:
        seen = await record(lab, "centreapp/record")
        # jupyter-server-proxy stops its servers only when this (pytest's) process exits
        os.kill(seen["pid"], signal.SIGTERM)
        assert is_gone(seen["pid"]), "the server-proxy app outlived the test"
    # environment: no token, OAuth secret or key; who and where are kept
    hub_vars = {name for name in seen["env"] if name.startswith(("JUPYTERHUB_", "JPY_"))}
    assert hub_vars == KEPT
    assert not [name for name, value in seen["env"].items() if HUB_TOKEN in value]
    assert lab.token not in json.dumps(seen["env"])
    # headers and cookies: only the app's own cookie
    headers = {name.lower(): value for name, value in seen["headers"].items()}
    assert "authorization" not in headers and "x-xsrftoken" not in headers
    assert headers["cookie"] == "mine=1"
    assert HUB_TOKEN not in json.dumps(seen) and lab.token not in json.dumps(seen)


def test_the_spawner_environment_is_jupyterhubs() -> None:
    # the variables above are those JupyterHub 6.1's Spawner.get_env sets (guards this list)
    spawner = pytest.importorskip("jupyterhub.spawner")
    source = open(spawner.__file__ or "").read()
    for name in SPAWNER_ENV:
        if name.startswith("JUPYTERHUB_") and name not in ("JUPYTERHUB_CRYPT_KEY",):
            assert name in source, name
    assert os.environ.get("JUPYTERHUB_API_TOKEN") is None
