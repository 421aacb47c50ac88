"""End this session: JupyterHub stops this server, or the Slurm job it runs in ends.

A server spawned by JupyterHub gets JUPYTERHUB_API_URL, JUPYTERHUB_USER,
JUPYTERHUB_SERVER_NAME and its own JUPYTERHUB_API_TOKEN. With that token it may ask the hub
`DELETE users/<user>/server` (or `.../servers/<name>`) only when the hub grants the token
`delete:servers` on this server: JupyterHub's default `server` role gives a server's token
`users:activity!user` and `access:servers!server` only, so a centre adds
`delete:servers!server` to `c.Spawner.server_token_scopes`. Without it, a server running in
a Slurm job ends its own job (`scancel <SLURM_JOB_ID>`): the spawner's poll sees the job gone
and the hub marks the server stopped.

Either way this process is stopped soon after, so the route answers first and the ending runs
after the answer has left (`end`); whether it may, and how, is decided before (`plan`), from
the scopes the hub says the token has (`GET user`), which changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

# How long one call to the hub's API may take (the hub answers a stop at once: 202).
HUB_TIMEOUT_S = 20.0
# The scope that lets a token stop a server (its parent scopes are expanded by the hub).
DELETE_SCOPE = "delete:servers"
# The config line a centre adds to its hub so that a server may stop itself.
HUB_CONFIG_HINT = (
    'c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", '
    '"delete:servers!server"]'
)

Way = Literal["hub", "slurm"]


class HubError(Exception):
    """The hub did not answer as expected: its status (0 when unreachable) and its reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CannotEnd(Exception):
    """This server has no way to end its session; the message says why, for the user."""


@dataclass(frozen=True)
class HubServer:
    """This server as the hub knows it, from the environment jupyterhub-singleuser gets."""

    api_url: str
    token: str
    user: str
    server_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HubServer | None:
        """None outside a hub (no JUPYTERHUB_API_URL, token or user)."""
        api_url = env.get("JUPYTERHUB_API_URL", "")
        token = env.get("JUPYTERHUB_API_TOKEN") or env.get("JPY_API_TOKEN", "")
        user = env.get("JUPYTERHUB_USER", "")
        if not (api_url and token and user):
            return None
        return cls(api_url.rstrip("/"), token, user, env.get("JUPYTERHUB_SERVER_NAME", ""))

    @property
    def server_url(self) -> str:
        """The hub's API URL of this server ("" is the user's default server)."""
        user = quote(self.user, safe="")
        if self.server_name:
            return f"{self.api_url}/users/{user}/servers/{quote(self.server_name, safe='')}"
        return f"{self.api_url}/users/{user}/server"

    def may_stop_itself(self, scopes: list[str]) -> bool:
        """Whether the token's (expanded) scopes include stopping this server.

        A scope filtered by group is the hub's to resolve: it is tried, and a 403 then falls
        back to the Slurm job.
        """
        allowed = {
            DELETE_SCOPE,
            f"{DELETE_SCOPE}!user={self.user}",
            f"{DELETE_SCOPE}!server={self.user}/{self.server_name}",
        }
        return any(
            scope in allowed or scope.startswith(f"{DELETE_SCOPE}!group=") for scope in scopes
        )

    async def scopes(self) -> list[str]:
        """The scopes of this server's token, as the hub expands them (`GET user`)."""
        body = await self._call("GET", f"{self.api_url}/user")
        try:
            scopes = json.loads(body).get("scopes", [])
        except (ValueError, AttributeError):
            raise HubError(502, "the hub's answer to GET user is not a JSON object") from None
        return [scope for scope in scopes if isinstance(scope, str)]

    async def stop(self) -> None:
        """Ask the hub to stop this server (it answers 202 or 204, then stops it)."""
        await self._call("DELETE", self.server_url)

    async def _call(self, method: str, url: str) -> bytes:
        request = HTTPRequest(
            url,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            request_timeout=HUB_TIMEOUT_S,
            connect_timeout=HUB_TIMEOUT_S,
            # tornado refuses a DELETE without a body unless told.
            allow_nonstandard_methods=True,
            follow_redirects=False,
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as error:
            raise HubError(error.code, _reason(error)) from None
        except OSError as error:
            raise HubError(0, f"the hub at {self.api_url} does not answer ({error})") from None
        return response.body or b""


def _reason(error: HTTPClientError) -> str:
    """The hub's own message ({"message": ...}) or the HTTP reason."""
    body = error.response.body if error.response is not None else b""
    try:
        message = json.loads(body).get("message") if body else None
    except (ValueError, AttributeError):
        message = None
    return f"{error.code} {message or error.message}"


@dataclass(frozen=True)
class Plan:
    """How this session will end, and the words for the user."""

    way: Way
    message: str


class SessionEnder:
    """Plans and carries out the end of this session (`hub` first, the Slurm job otherwise)."""

    def __init__(
        self,
        hub: HubServer | None,
        job_id: str | None,
        cancel_job: Callable[[str], Awaitable[None]],
        *,
        log: logging.Logger | Any,
    ) -> None:
        """hub: None outside JupyterHub; job_id: SLURM_JOB_ID; cancel_job: scancel (argv)."""
        self._hub = hub
        self._job_id = job_id or None
        self._cancel_job = cancel_job
        self._log = log

    async def plan(self) -> Plan:
        """Decide, changing nothing (raises CannotEnd, or HubError when the hub fails)."""
        if self._hub is None:
            raise CannotEnd(
                "This server was not started by JupyterHub (JUPYTERHUB_API_URL is not set): "
                "there is no hub session to end. Stop it with File > Shut Down."
            )
        if self._hub.may_stop_itself(await self._hub.scopes()):
            return Plan("hub", "JupyterHub is stopping this server. This page stops working.")
        if self._job_id is not None:
            return Plan(
                "slurm",
                f"Slurm job {self._job_id} is ending, and with it this server "
                "(the hub does not let this server stop itself). This page stops working.",
            )
        raise CannotEnd(
            "JupyterHub does not let this server stop itself (its token lacks the "
            f"{DELETE_SCOPE} scope) and it does not run in a Slurm job: stop it from the "
            f"Hub Control Panel. Administrators: {HUB_CONFIG_HINT}."
        )

    async def end(self, plan: Plan) -> None:
        """Carry the plan out (after the answer left); failures are logged, never raised."""
        try:
            if plan.way == "hub":
                assert self._hub is not None
                try:
                    await self._hub.stop()
                    self._log.info("Asked JupyterHub to stop this server (session ended)")
                    return
                except HubError as error:
                    if error.status != 403 or self._job_id is None:
                        raise
                    self._log.warning(
                        "JupyterHub refused to stop this server (%s): ending Slurm job %s",
                        error.reason,
                        self._job_id,
                    )
            assert self._job_id is not None
            await self._cancel_job(self._job_id)
            self._log.info("Cancelled Slurm job %s (session ended)", self._job_id)
        except Exception:
            self._log.exception("Ending the session failed")
