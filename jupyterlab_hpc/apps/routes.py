"""The launcher's routes: the catalogue, icons, launching and stopping apps, dashboards."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..json_body import read_json_body
from .app_modules import listing
from .catalogue import describe, describe_dashboards
from .config import HPCApps
from .instances import AppManager, Instance, LaunchError
from .proxy import DashboardProxyHandler

# How long the dashboard check waits for an answer.
DASHBOARD_CHECK_TIMEOUT_S = 3.0

AUTH_RESOURCE = "jupyterlab_hpc"
ICONS_PATH = "jupyterlab-hpc/apps/icons/"


class _CatalogueHandler(APIHandler):
    """Shared by the routes that read the catalogue; the launcher's reads are not activity."""

    auth_resource = AUTH_RESOURCE
    _track_activity = False

    def initialize(self, config: HPCApps, manager: AppManager | None = None) -> None:
        """Receive the catalogue (and the instances, whose module system the catalogue uses)."""
        self._config = config
        self._manager = manager


class AppsHandler(_CatalogueHandler):
    """GET the categories, the applications (and whether each can start) and the docs links."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer the launcher's catalogue."""
        # PATH is read at each request: a server started before a module was loaded still
        # tells the truth about what it can start.
        icons_url = f"{self.base_url}{ICONS_PATH}"
        modules = self._manager.modules if self._manager is not None else None
        # `module avail` is cached by the module system: one listing per TTL, not per request.
        needed = any(app["modules"] for app in self._config.apps.values())
        apps = describe(
            self._config.apps,
            os.environ,
            icons_url=icons_url,
            modules=modules,
            available_modules=await listing(modules) if needed else None,
        )
        self.finish(
            json.dumps(
                {
                    "categories": categories(self._config.categories, apps),
                    "apps": apps,
                    "documentation": self._config.documentation,
                    "dashboards": describe_dashboards(self._config.dashboards, icons_url=icons_url),
                }
            )
        )


class IconHandler(_CatalogueHandler):
    """GET one app's SVG icon, as configured (the shipped ones or the admin's)."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """Answer the SVG text; 404 for an app without an icon file."""
        app = self._config.apps.get(name) or self._config.dashboards.get(name)
        icon = app.get("icon") if app else None
        # Only files the catalogue names are served, never a path from the URL.
        if not icon or not icon.startswith("/"):
            raise web.HTTPError(404, f"No icon file for {name!r}.")
        try:
            svg = Path(icon).read_bytes()
        except OSError as error:
            raise web.HTTPError(404, f"The icon of {name!r} cannot be read: {error}") from None
        # An SVG opened on its own could run script: never as a page of this origin.
        self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.set_header("Cache-Control", "private, max-age=3600")
        self.finish(svg, set_content_type="image/svg+xml")


def categories(names: list[str], apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The configured categories ranked in order, then those only apps name."""
    ordered = list(names)
    for app in apps:
        if app["category"] not in ordered:
            ordered.append(app["category"])
    return [{"name": name, "rank": rank} for rank, name in enumerate(ordered)]


class _InstanceHandler(APIHandler):
    """Shared by the routes about one app's endpoint."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, manager: AppManager) -> None:
        """Receive the instances."""
        self._manager = manager

    def describe(self, instance: Instance) -> dict[str, Any]:
        # Nerfstudio's page needs its websocket's address as the browser sees this server.
        scheme = "wss" if self.request.protocol == "https" else "ws"
        return instance.describe(self.base_url, f"{scheme}://{self.request.host}")


class LaunchHandler(_InstanceHandler):
    """POST starts the app on the endpoint; DELETE shuts it down."""

    @web.authenticated
    @authorized
    async def post(self, name: str, endpoint: str) -> None:
        """Launch with the dialog's arguments, environment and modules; 202 while it starts."""
        body = read_json_body(self, empty={})
        if not isinstance(body, dict):
            raise web.HTTPError(
                400, 'The request body must be {"args": …, "env": {…}, "modules": […]}.'
            )
        try:
            instance = await self._manager.launch(
                name,
                int(endpoint),
                body.get("args", ""),
                body.get("env", {}),
                modules=body.get("modules"),
            )
        except LaunchError as error:
            raise web.HTTPError(error.status, error.message) from None
        self.set_status(202)
        self.finish(json.dumps(self.describe(instance)))

    @web.authenticated
    @authorized
    async def delete(self, name: str, endpoint: str) -> None:
        """Stop the app and its children, and reap them; 204 also when none ran."""
        try:
            await self._manager.stop(name, int(endpoint))
        except LaunchError as error:
            raise web.HTTPError(error.status, error.message) from None
        self.set_status(204)
        self.finish()


class RunningHandler(_InstanceHandler):
    """GET the launched instances: states, exit codes, never the environment's values."""

    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer every instance, running or ended."""
        instances = [self.describe(i) for i in self._manager.instances()]
        self.finish(json.dumps({"instances": instances}))


class LogHandler(_InstanceHandler):
    """GET the end of an instance's output."""

    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self, name: str, endpoint: str) -> None:
        """Answer the log's last 64 KiB as text."""
        try:
            tail = self._manager.log_tail(name, int(endpoint))
        except LaunchError as error:
            raise web.HTTPError(error.status, error.message) from None
        self.set_header("Cache-Control", "no-store")
        # APIHandler.finish would make any Content-Type set before it application/json.
        self.finish(tail.decode("utf-8", "replace"), set_content_type="text/plain; charset=UTF-8")


class DashboardHandler(APIHandler):
    """POST checks that a dashboard answers on a port of this node and says where to open it."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, config: HPCApps, own_port: int) -> None:
        """Receive the dashboards and this server's own port (never a dashboard)."""
        self._config = config
        self._own_port = own_port

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Answer {name, port, url} when something answers HTTP on the port; 502 otherwise."""
        dashboard = self._config.dashboards.get(name)
        if dashboard is None:
            raise web.HTTPError(404, f"There is no dashboard named {name!r}.")
        body = read_json_body(self, empty={})
        port = body.get("port") if isinstance(body, dict) else None
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise web.HTTPError(400, f"The port must be a number from 1 to 65535, not {port!r}.")
        if port == self._own_port:
            raise web.HTTPError(400, f"Port {port} is JupyterLab's own, not a dashboard's.")
        problem = await _answers_http(port, dashboard["path"])
        if problem is not None:
            raise web.HTTPError(502, f"{dashboard['title']}: {problem}")
        url = f"{self.base_url}jupyterlab-hpc/proxy/{port}{dashboard['path']}"
        self.finish(json.dumps({"name": name, "port": port, "url": url}))


async def _answers_http(port: int, path: str) -> str | None:
    """None when a web server answers on 127.0.0.1:port; what is wrong otherwise."""
    timeout = aiohttp.ClientTimeout(total=DASHBOARD_CHECK_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(f"http://127.0.0.1:{port}{path}", allow_redirects=False):
                return None
    except aiohttp.ClientConnectorError:
        return (
            f"nothing answers on port {port} of this node. Start the cluster first (in a "
            "notebook of this JupyterLab), and check the port it prints for its dashboard."
        )
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return f"port {port} of this node answers, but not as a web dashboard."


def apps_routes(
    config: HPCApps, manager: AppManager, own_port: int
) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    kwargs: dict[str, Any] = {"config": config}
    instance = {"manager": manager}
    app = r"(?P<name>[a-z0-9][a-z0-9_-]{0,63})/(?P<endpoint>[0-9]{1,2})"
    return [
        (r"jupyterlab-hpc/apps", AppsHandler, {**kwargs, "manager": manager}),
        (r"jupyterlab-hpc/apps/icons/(?P<name>[a-z0-9][a-z0-9_-]{0,63})\.svg", IconHandler, kwargs),
        (r"jupyterlab-hpc/apps/running", RunningHandler, instance),
        (rf"jupyterlab-hpc/apps/{app}", LaunchHandler, instance),
        (rf"jupyterlab-hpc/apps/{app}/log", LogHandler, instance),
        (
            r"jupyterlab-hpc/dashboards/(?P<name>[a-z0-9][a-z0-9_-]{0,63})",
            DashboardHandler,
            {"config": config, "own_port": own_port},
        ),
        (
            r"jupyterlab-hpc/proxy/([0-9]+)(/.*|)",
            DashboardProxyHandler,
            {"own_port": own_port, "absolute_url": False},
        ),
    ]
