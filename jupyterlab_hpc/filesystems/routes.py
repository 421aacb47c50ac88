"""Filesystems routes: the admin's defaults, checking and mounting entries, their contents."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, path_regex
from jupyter_server.services.contents.handlers import (
    CheckpointsHandler,
    ContentsHandler,
    ModifyCheckpointsHandler,
)
from jupyter_server.utils import url_escape, url_path_join
from tornado import web

from ..json_body import loads, read_json_body
from .config import HPCFilesystems
from .mounts import Mounts

AUTH_RESOURCE = "jupyterlab_hpc"
# Entries one user may list (each checked on the event loop, a few stat calls each).
MAX_FILESYSTEMS = 100
# Room for MAX_FILESYSTEMS entries with paths of up to 4096 characters.
MAX_ENTRIES_BODY_BYTES = 512 * 1024
# Notebooks saved through the contents routes: deep widget state fits, a bracket bomb does not.
CONTENTS_MAX_DEPTH = 256
ROUTE = "jupyterlab-hpc/filesystems"
NAME_REGEX = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,31})"


def read_entries(handler: APIHandler) -> list[dict[str, Any]]:
    """The `filesystems` list of a request body, or a 4xx saying what is wrong with it."""
    body = read_json_body(handler, max_bytes=MAX_ENTRIES_BODY_BYTES)
    entries = body.get("filesystems") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise web.HTTPError(400, 'Expected {"filesystems": [{"name": ..., "url": ...}]}.')
    if len(entries) > MAX_FILESYSTEMS:
        raise web.HTTPError(
            400,
            f"{len(entries)} filesystems were sent; "
            f"the most one user may have is {MAX_FILESYSTEMS}.",
        )
    return entries


class FilesystemsHandler(APIHandler):
    """GET the admin's allowed roots, default entries and what is mounted now."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, config: HPCFilesystems, mounts: Mounts) -> None:
        """Receive the admin's settings and the mounts."""
        self._config = config
        self._mounts = mounts

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer `{allowed_roots, defaults, mounted}`."""
        self.finish(
            json.dumps(
                {
                    "allowed_roots": self._mounts.allowed_roots,
                    "defaults": [dict(entry) for entry in self._config.defaults],
                    "mounted": [
                        {"name": fs.name, "url": fs.url, "root": fs.root}
                        for fs in self._mounts.mounted()
                    ],
                }
            )
        )


class ValidateHandler(APIHandler):
    """POST entries to check them without mounting anything."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, mounts: Mounts) -> None:
        """Receive the mounts (their allowed roots)."""
        self._mounts = mounts

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Answer each entry with `valid`, its real `root` or the reason in `message`."""
        self.finish(json.dumps({"filesystems": self._mounts.check(read_entries(self))}))


class MountsHandler(APIHandler):
    """PUT the user's whole list: the valid entries replace what is mounted."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, mounts: Mounts) -> None:
        """Receive the mounts."""
        self._mounts = mounts

    @web.authenticated
    @authorized
    async def put(self) -> None:
        """Mount the valid entries; answer every entry's check, as validate does."""
        self.finish(json.dumps({"filesystems": self._mounts.mount(read_entries(self))}))


class MountedContents:
    """Mixin: jupyter_server's own contents handlers, on one mounted filesystem's manager."""

    _mounts: Mounts
    _fs_name: str
    path_kwargs: dict[str, Any]
    base_url: str

    def initialize(self, mounts: Mounts) -> None:
        """Receive the mounts."""
        self._mounts = mounts

    async def prepare(self) -> None:
        """Take the filesystem's name out of the route's arguments; the handler reads `path`."""
        self._fs_name = self.path_kwargs.pop("name")
        await super().prepare()  # type: ignore[misc]

    @property
    def contents_manager(self) -> Any:
        """The mounted filesystem's manager; 404 (after authentication) when not mounted."""
        manager = self._mounts.manager(self._fs_name)
        if manager is None:
            raise web.HTTPError(404, f"No filesystem named {self._fs_name!r} is mounted.")
        return manager

    def get_json_body(self) -> Any:
        """jupyter_server's reader, but a body that is not UTF-8 or nests too deep is a 400.

        Contents (whole notebooks) are as large and as deep as the server allows otherwise.
        """
        if not self.request.body:  # type: ignore[attr-defined]
            return None
        return loads(self.request.body, max_depth=CONTENTS_MAX_DEPTH, max_items=None)  # type: ignore[attr-defined]

    def location_url(self, path: str) -> str:
        """A file's URL in this filesystem's contents route."""
        return url_path_join(self.base_url, ROUTE, self._fs_name, "contents", url_escape(path))


class FilesystemContentsHandler(MountedContents, ContentsHandler):
    """GET/PUT/POST/PATCH/DELETE files of a mounted filesystem (the contents API's shape)."""


class FilesystemCheckpointsHandler(MountedContents, CheckpointsHandler):
    """List and create checkpoints of a file in a mounted filesystem."""


class FilesystemModifyCheckpointsHandler(MountedContents, ModifyCheckpointsHandler):
    """Restore and delete one checkpoint of a file in a mounted filesystem."""


def filesystems_routes(config: HPCFilesystems, mounts: Mounts) -> list[tuple[str, Any, Any]]:
    """The filesystems routes, relative to the server's base URL."""
    contents = rf"/{ROUTE}/{NAME_REGEX}/contents"
    return [
        (rf"/{ROUTE}", FilesystemsHandler, {"config": config, "mounts": mounts}),
        (rf"/{ROUTE}/validate", ValidateHandler, {"mounts": mounts}),
        (rf"/{ROUTE}/mounts", MountsHandler, {"mounts": mounts}),
        (
            rf"{contents}{path_regex}/checkpoints/(?P<checkpoint_id>[\w-]+)",
            FilesystemModifyCheckpointsHandler,
            {"mounts": mounts},
        ),
        (rf"{contents}{path_regex}/checkpoints", FilesystemCheckpointsHandler, {"mounts": mounts}),
        (rf"{contents}{path_regex}", FilesystemContentsHandler, {"mounts": mounts}),
    ]
