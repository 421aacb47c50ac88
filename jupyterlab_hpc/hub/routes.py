"""POST jupyterlab-hpc/session/end: the user is done; the hub stops this server, or its job ends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .session import CannotEnd, HubError, SessionEnder

AUTH_RESOURCE = "jupyterlab_hpc"


class SessionEndHandler(APIHandler):
    """Answer how the session ends, then end it (the answer must leave before the server stops)."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, ender: SessionEnder) -> None:
        self._ender = ender

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """202 and the way chosen; 409 when there is none; 502 when the hub fails."""
        try:
            plan = await self._ender.plan()
        except CannotEnd as error:
            raise web.HTTPError(409, str(error)) from None
        except HubError as error:
            raise web.HTTPError(
                502, f"JupyterHub could not be asked to stop this server: {error.reason}"
            ) from None
        self.set_status(202)
        self.write(json.dumps({"message": plan.message, "via": plan.way}))
        # Written to the socket before the ending starts: the hub's stop ends this process.
        await self.flush()
        self.finish()
        _background.add(task := asyncio.ensure_future(self._ender.end(plan)))
        task.add_done_callback(_background.discard)


# Keeps the ending task alive until it is done (the loop holds only weak references).
_background: set[asyncio.Future[None]] = set()


def session_routes(ender: SessionEnder) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    return [(r"jupyterlab-hpc/session/end", SessionEndHandler, {"ender": ender})]
