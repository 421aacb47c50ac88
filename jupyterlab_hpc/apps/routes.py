"""The launcher's routes: the catalogue (`GET apps`) and the apps' icons."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .catalogue import describe
from .config import HPCApps

AUTH_RESOURCE = "jupyterlab_hpc"
ICONS_PATH = "jupyterlab-hpc/apps/icons/"


class AppsHandler(APIHandler):
    """GET the categories, the applications (and whether each can start) and the docs links."""

    auth_resource = AUTH_RESOURCE
    _track_activity = False

    def initialize(self, config: HPCApps) -> None:
        """Receive the catalogue."""
        self._config = config

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer the launcher's catalogue."""
        # PATH is read at each request: a server started before a module was loaded still
        # tells the truth about what it can start.
        apps = describe(
            self._config.apps,
            os.environ,
            icons_url=f"{self.base_url}{ICONS_PATH}",
        )
        self.finish(
            json.dumps(
                {
                    "categories": categories(self._config.categories, apps),
                    "apps": apps,
                    "documentation": self._config.documentation,
                }
            )
        )


class IconHandler(APIHandler):
    """GET one app's SVG icon, as configured (the shipped ones or the admin's)."""

    auth_resource = AUTH_RESOURCE
    _track_activity = False

    def initialize(self, config: HPCApps) -> None:
        """Receive the catalogue."""
        self._config = config

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """Answer the SVG text; 404 for an app without an icon file."""
        app = self._config.apps.get(name)
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


def apps_routes(config: HPCApps) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    kwargs = {"config": config}
    return [
        (r"jupyterlab-hpc/apps", AppsHandler, kwargs),
        (r"jupyterlab-hpc/apps/icons/(?P<name>[a-z0-9][a-z0-9_-]{0,63})\.svg", IconHandler, kwargs),
    ]
