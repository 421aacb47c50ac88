"""Filesystems routes: the admin's defaults, checking and mounting entries, their contents."""

from __future__ import annotations

import inspect
import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, path_regex
from jupyter_server.services.contents.handlers import (
    CheckpointsHandler,
    ContentsHandler,
    ModifyCheckpointsHandler,
)
from jupyter_server.utils import ensure_async, url_escape, url_path_join
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
        return GuardedContents(manager, self._fs_name)

    async def _finish_error(self, code: int, message: str) -> None:
        """An error as every route of ours answers it: JSON with a `message`, not plain text."""
        raise web.HTTPError(code, message)

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


class GuardedContents:
    """A mounted filesystem's contents manager whose file errors are 4xx answers, not 500s.

    jupyter_server's file manager lets some OS errors through (a checkpoint of a folder or of
    a missing file) and turns others into a 500 naming the absolute path (saving a file over
    a folder). Here each is the 4xx it is, naming the path inside the filesystem.
    """

    OPERATIONS = frozenset(
        {"get", "save", "new", "new_untitled", "copy", "update", "rename", "delete"}
    )
    CHECKPOINT_OPERATIONS = frozenset(
        {"create_checkpoint", "list_checkpoints", "restore_checkpoint", "delete_checkpoint"}
    )

    def __init__(self, manager: Any, name: str) -> None:
        self._manager = manager
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._manager, attribute)
        if attribute in self.CHECKPOINT_OPERATIONS:
            return self._checkpoint_operation(value)
        if attribute in self.OPERATIONS:
            return self._operation(value)
        return value

    def _operation(self, method: Any) -> Any:
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return await ensure_async(method(*args, **kwargs))
            except web.HTTPError as error:
                cause = error.__context__
                if error.status_code >= 500 and isinstance(cause, OSError):
                    raise self._refusal(cause, _path_of(method, args, kwargs)) from None
                raise
            except OSError as error:
                raise self._refusal(error, _path_of(method, args, kwargs)) from None

        return guarded

    def _checkpoint_operation(self, method: Any) -> Any:
        operation = self._operation(method)

        async def guarded(*args: Any, **kwargs: Any) -> Any:
            path = _path_of(method, args, kwargs)
            where = _where(self._name, path)
            if await ensure_async(self._manager.dir_exists(path)):
                raise web.HTTPError(400, f"{where} is a folder: folders have no checkpoints.")
            if not await ensure_async(self._manager.file_exists(path)):
                raise web.HTTPError(404, f"No such file: {where}.")
            return await operation(*args, **kwargs)

        return guarded

    def _refusal(self, error: OSError, path: str) -> web.HTTPError:
        where = _where(self._name, path)
        if isinstance(error, FileNotFoundError):
            return web.HTTPError(404, f"No such file or folder: {where}.")
        if isinstance(error, IsADirectoryError):
            return web.HTTPError(400, f"{where} is a folder, not a file.")
        if isinstance(error, NotADirectoryError):
            return web.HTTPError(400, f"A part of {where} is a file, not a folder.")
        if isinstance(error, PermissionError):
            return web.HTTPError(403, f"This server's user may not change {where}.")
        return web.HTTPError(400, f"{where}: {error.strerror or type(error).__name__}.")


def _where(name: str, path: str) -> str:
    """A path as the user names it: `WORK:project/notes.txt`, `WORK:/` for the root folder."""
    return f"{name}:{path.strip('/') or '/'}"


def _path_of(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The path a contents manager's method works on (`path`, `from_path` or `old_path`)."""
    try:
        bound = inspect.signature(method).bind_partial(*args, **kwargs).arguments
    except TypeError:
        return ""
    for name in ("path", "from_path", "old_path"):
        if isinstance(bound.get(name), str):
            return str(bound[name])
    return ""


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
