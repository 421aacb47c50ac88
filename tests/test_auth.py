"""Every route needs an authenticated, authorized user."""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_server.auth import Authorizer
from tornado.httpclient import HTTPClientError

ROUTES = [
    "jupyterlab-hpc/info",
    "jupyterlab-hpc/metrics",
    "jupyterlab-hpc/metrics/history",
    "jupyterlab-hpc/apps",
    "jupyterlab-hpc/apps/icons/tensorboard.svg",
]


class DenyHPC(Authorizer):
    """Lets users do everything except read jupyterlab_hpc."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "jupyterlab_hpc"


@pytest.mark.parametrize("route", ROUTES)
async def test_route_refuses_requests_without_credentials(
    hpc_app: Any, http_server_client: Any, jp_base_url: str, route: str
) -> None:
    # given a request with neither token nor cookie
    response = await http_server_client.fetch(
        jp_base_url + route, raise_error=False, follow_redirects=False
    )
    # then it is refused
    assert response.code in (401, 403)


@pytest.mark.parametrize("route", ROUTES)
async def test_route_answers_with_a_token(hpc_app: Any, jp_fetch: Any, route: str) -> None:
    response = await jp_fetch(*route.split("/"))
    assert response.code == 200


@pytest.mark.parametrize("hpc_config", [{"ServerApp": {"authorizer_class": DenyHPC}}])
@pytest.mark.parametrize("route", ROUTES)
async def test_route_refuses_users_not_authorized_on_jupyterlab_hpc(
    hpc_app: Any, jp_fetch: Any, route: str
) -> None:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*route.split("/"))
    assert raised.value.code == 403


# Every verb of the Slurm routes; job 1 need not exist: authorization comes first.
SLURM_ROUTES = [
    ("GET", "jupyterlab-hpc/slurm/jobs"),
    ("POST", "jupyterlab-hpc/slurm/jobs"),
    ("GET", "jupyterlab-hpc/slurm/jobs/1"),
    ("DELETE", "jupyterlab-hpc/slurm/jobs/1"),
    ("POST", "jupyterlab-hpc/slurm/jobs/1/hold"),
    ("POST", "jupyterlab-hpc/slurm/jobs/1/release"),
    ("GET", "jupyterlab-hpc/slurm/history"),
]


@pytest.mark.parametrize(("method", "route"), SLURM_ROUTES)
async def test_slurm_route_refuses_requests_without_credentials(
    hpc_app: Any, http_server_client: Any, jp_base_url: str, method: str, route: str
) -> None:
    response = await http_server_client.fetch(
        jp_base_url + route,
        method=method,
        body="{}" if method == "POST" else None,
        raise_error=False,
        follow_redirects=False,
    )
    assert response.code in (401, 403)


@pytest.mark.parametrize("hpc_config", [{"ServerApp": {"authorizer_class": DenyHPC}}])
@pytest.mark.parametrize(("method", "route"), SLURM_ROUTES)
async def test_slurm_route_refuses_users_not_authorized_on_jupyterlab_hpc(
    hpc_app: Any, jp_fetch: Any, method: str, route: str
) -> None:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*route.split("/"), method=method, body="{}" if method == "POST" else None)
    assert raised.value.code == 403
