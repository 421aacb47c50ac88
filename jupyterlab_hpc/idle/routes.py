"""GET idle, POST idle/activity (the user acted in the page), PUT idle/end-job (the opt-in)."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..json_body import read_json_body
from .tracker import EndJobError, IdleTracker

AUTH_RESOURCE = "jupyterlab_hpc"


class _IdleRoute(APIHandler):
    """A route of this concern: the tracker, our auth resource; not activity of itself."""

    auth_resource = AUTH_RESOURCE
    # The page asks every 30 s and sends its setting on load: neither is activity. The user's
    # actions are, through the tracker (settings["last_activity_times"]).
    _track_activity = False

    def initialize(self, tracker: IdleTracker) -> None:
        self._tracker = tracker


class IdleHandler(_IdleRoute):
    """The idle clocks, the culler's countdown and the end of an idle job."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(json.dumps(self._tracker.state()))


class ActivityHandler(_IdleRoute):
    """The user pressed a key or clicked in the page: activity for the hub and the idle clock."""

    @web.authenticated
    @authorized
    def post(self) -> None:
        self._tracker.record_user_action()
        self.set_status(204)
        self.finish()


class EndJobHandler(_IdleRoute):
    """PUT {enabled, after_minutes}: the user's choice, sent by the page on load and on change."""

    @web.authenticated
    @authorized
    def put(self) -> None:
        body = read_json_body(self, empty={})
        if not isinstance(body, dict):
            raise web.HTTPError(400, 'The body must be a JSON object: {"enabled": true, ...}.')
        unknown = sorted(set(body) - {"enabled", "after_minutes"})
        if unknown:
            raise web.HTTPError(
                400, f"Unknown field(s) {', '.join(unknown)}: only enabled and after_minutes."
            )
        try:
            self._tracker.set_end_job(body.get("enabled"), body.get("after_minutes"))
        except EndJobError as error:
            raise web.HTTPError(400, str(error)) from None
        self.finish(json.dumps(self._tracker.end_job_state()))


def idle_routes(tracker: IdleTracker) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    options = {"tracker": tracker}
    return [
        (r"jupyterlab-hpc/idle", IdleHandler, options),
        (r"jupyterlab-hpc/idle/activity", ActivityHandler, options),
        (r"jupyterlab-hpc/idle/end-job", EndJobHandler, options),
    ]
