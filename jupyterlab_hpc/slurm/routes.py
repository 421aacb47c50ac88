"""The Slurm routes: jobs (list, submit), one job (details, cancel, hold, release, requeue),
history, and what a new job may ask for (partitions, templates)."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from types import TracebackType
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..json_body import read_json_body
from .actions import MAX_SCRIPT_BYTES, ActionError, SlurmActions
from .ids import InvalidJobId
from .partitions import PartitionInfo, PartitionsUnavailable
from .queue import SCOPES, JobQueue, QueueUnavailable

AUTH_RESOURCE = "jupyterlab_hpc"

# The most days of history one request may ask for.
MAX_HISTORY_DAYS = 366
# A submitted script's JSON body: the script (at most MAX_SCRIPT_BYTES) with room for escapes.
MAX_SUBMIT_BODY_BYTES = 4 * MAX_SCRIPT_BYTES


class SlurmHandler(APIHandler):
    """A Slurm route: the server's queue and actions, Slurm's errors as HTTP errors."""

    auth_resource = AUTH_RESOURCE

    def initialize(
        self,
        queue: JobQueue,
        actions: SlurmActions,
        history_days: int,
        partitions: PartitionInfo,
        templates: list[dict[str, Any]],
    ) -> None:
        """Receive the server's one queue, its actions and what a new job may ask for."""
        self._queue = queue
        self._actions = actions
        self._history_days = history_days
        self._partitions = partitions
        self._templates = templates

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Log HTTP errors without %-formatting Slurm's words ("slurm-%j.out")."""
        if isinstance(value, web.HTTPError) and value.log_message and not value.args:
            self.log.warning(
                "%d %s: %s", value.status_code, self._request_summary(), value.log_message
            )
            return
        super().log_exception(typ, value, tb)

    async def _act(self, coroutine: Awaitable[Any]) -> Any:
        """Await an action; its failure becomes the HTTP error the user sees."""
        try:
            return await coroutine
        except ActionError as error:
            raise web.HTTPError(error.status, error.message) from None
        except InvalidJobId as error:
            raise web.HTTPError(400, str(error)) from None


class JobsHandler(SlurmHandler):
    """GET the job list (shared squeue), POST a script to sbatch."""

    @property
    def _track_activity(self) -> bool:  # type: ignore[override]
        # Polling the list is not user activity (JupyterHub's culler must still see
        # idleness); submitting a job is.
        return self.request.method != "GET"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer the jobs of `?scope=mine` (the default) or `all`."""
        scope = self.get_argument("scope", "mine")
        if scope not in SCOPES:
            raise web.HTTPError(400, f"scope must be 'mine' or 'all', not {scope!r}.")
        after = self._events_after()
        try:
            view = await self._queue.jobs(scope)  # type: ignore[arg-type]
        except QueueUnavailable as error:
            # Never an empty list that reads as "no jobs".
            raise web.HTTPError(503, str(error)) from None
        # The tabs of one browser share an answer until the next squeue is due, so that N tabs
        # cost the server about what one does (the UI asks with no-cache after a change).
        fresh_for = self._queue.fresh_for_s(scope)  # type: ignore[arg-type]
        self.set_header(
            "Cache-Control", f"private, max-age={fresh_for}" if fresh_for > 0 else "no-store"
        )
        rest = json.dumps(
            {
                "scope": scope,
                "user": self._queue.user,
                "fetched_at": view.fetched_at,
                "stale": view.stale,
                "error": view.error,
                "poll_interval_s": self._queue.poll_interval_s,
                "events": [] if after is None else self._queue.events_after(after),
                "last_event": self._queue.last_event,
            }
        )
        # The job list was serialised once for this squeue: spliced in, never dumped again.
        self.finish('{"jobs": ' + view.jobs_json + ", " + rest[1:])

    def _events_after(self) -> int | None:
        text = self.get_argument("events_after", None)
        if text is None:
            return None
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise web.HTTPError(
                400, f"events_after must be a whole number of at least 0, not {text!r}."
            )
        return int(text)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Submit `{path}` (a file under the root) or `{script, cwd}`; 201 `{id, message}`."""
        body = read_json_body(self, max_bytes=MAX_SUBMIT_BODY_BYTES)
        if not isinstance(body, dict) or ("path" in body) == ("script" in body):
            raise web.HTTPError(400, 'Send either {"path": ...} or {"script": ..., "cwd": ...}.')
        if "path" in body:
            submitted = await self._act(self._actions.submit_path(body["path"]))
        else:
            submitted = await self._act(self._actions.submit_text(body["script"], body.get("cwd")))
        self._queue.watch(submitted["id"])
        self._queue.invalidate()
        self.set_status(201)
        self.finish(json.dumps(submitted))


class JobHandler(SlurmHandler):
    """GET one job's details, DELETE (cancel) it."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        """Answer every `scontrol show job` field and the output files."""
        self.finish(json.dumps(await self._act(self._actions.details(job_id))))

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        """scancel the job; 204 even for an unknown id (scancel's own answer)."""
        await self._act(self._actions.cancel(job_id))
        self._queue.invalidate()
        self.set_status(204)
        self.finish()


class JobActionHandler(SlurmHandler):
    """POST hold, release, requeue or requeue-hold."""

    @web.authenticated
    @authorized
    async def post(self, job_id: str, action: str) -> None:
        """Hold, release or requeue the job; 204."""
        if action == "hold":
            await self._act(self._actions.hold(job_id))
        elif action == "release":
            await self._act(self._actions.release(job_id))
        else:
            await self._act(self._actions.requeue(job_id, hold=action == "requeue-hold"))
        self._queue.invalidate()
        self.set_status(204)
        self.finish()


class HistoryHandler(SlurmHandler):
    """GET the user's finished jobs."""

    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer `?days=` days (HPCSlurm.history_days by default) of finished jobs."""
        text = self.get_argument("days", None)
        days = self._history_days
        if text is not None:
            try:
                days = int(text)
            except ValueError:
                days = 0
            if not 1 <= days <= MAX_HISTORY_DAYS:
                raise web.HTTPError(
                    400, f"days must be a whole number from 1 to {MAX_HISTORY_DAYS}, not {text!r}."
                )
        self.finish(json.dumps(await self._act(self._actions.history(days))))


class PartitionsHandler(SlurmHandler):
    """GET the partitions, their limits, and the user's accounts and QoS."""

    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer sinfo's partitions (and sacctmgr's associations, where there are some)."""
        try:
            self.finish(json.dumps(await self._partitions.get()))
        except PartitionsUnavailable as error:
            raise web.HTTPError(503, str(error)) from None


class TemplatesHandler(SlurmHandler):
    """GET the centre's batch script templates."""

    _track_activity = False

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Answer c.HPCSlurm.templates."""
        self.finish(json.dumps({"templates": self._templates}))


def slurm_routes(
    queue: JobQueue,
    actions: SlurmActions,
    history_days: int,
    partitions: PartitionInfo,
    templates: list[dict[str, Any]],
) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    kwargs = {
        "queue": queue,
        "actions": actions,
        "history_days": history_days,
        "partitions": partitions,
        "templates": templates,
    }
    # Job ids are matched loosely so that a malformed one is answered 400, not 404.
    job = r"jupyterlab-hpc/slurm/jobs/(?P<job_id>[^/]+)"
    return [
        (r"jupyterlab-hpc/slurm/jobs", JobsHandler, kwargs),
        (job, JobHandler, kwargs),
        (job + r"/(?P<action>hold|release|requeue|requeue-hold)", JobActionHandler, kwargs),
        (r"jupyterlab-hpc/slurm/history", HistoryHandler, kwargs),
        (r"jupyterlab-hpc/slurm/partitions", PartitionsHandler, kwargs),
        (r"jupyterlab-hpc/slurm/templates", TemplatesHandler, kwargs),
    ]
