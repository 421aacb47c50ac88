"""The filesystems mounted on this server: one contents manager each, and kernels' cwd."""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from .validation import Filesystem, FilesystemError, check_name, resolve

# A contents manager for one root; the server passes its config and event logger in.
ManagerFactory = Callable[[str], Any]


class Mounts:
    """Name → mounted filesystem, replaced as a whole when the user's settings change."""

    def __init__(
        self,
        allowed_roots: Iterable[str],
        manager_factory: ManagerFactory,
        log: logging.Logger | None = None,
    ) -> None:
        """Keep the admin's roots; `manager_factory(root)` builds one contents manager."""
        self.allowed_roots = list(allowed_roots)
        self._factory = manager_factory
        self._log = log or logging.getLogger(__name__)
        self._mounted: dict[str, Filesystem] = {}
        self._managers: dict[tuple[str, str], Any] = {}

    def check(self, entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each entry as given, with `valid`, its real `root` or the reason it is refused."""
        results: list[dict[str, Any]] = []
        seen: set[str] = set()
        for entry in entries:
            name, url = entry.get("name"), entry.get("url")
            result: dict[str, Any] = {"name": name, "url": url, "valid": False}
            try:
                if check_name(name) in seen:
                    raise FilesystemError(f"Another filesystem is already named {name!r}.")
                filesystem = resolve(name, url, self.allowed_roots)
                seen.add(filesystem.name)
                result.update(valid=True, root=filesystem.root, message=None)
            except FilesystemError as error:
                result.update(root=None, message=str(error))
            results.append(result)
        return results

    def mount(self, entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Mount the valid entries in place of the previous ones; answer every entry's check."""
        results = self.check(entries)
        self._mounted = {
            result["name"]: Filesystem(result["name"], result["url"], result["root"])
            for result in results
            if result["valid"]
        }
        # Managers of unmounted roots are dropped; a remount of the same root reuses its own.
        keys = {(fs.name, fs.root) for fs in self._mounted.values()}
        self._managers = {key: cm for key, cm in self._managers.items() if key in keys}
        return results

    def mounted(self) -> list[Filesystem]:
        """The filesystems mounted now, in the user's order."""
        return list(self._mounted.values())

    def manager(self, name: str) -> Any | None:
        """The contents manager of a mounted filesystem, or None."""
        filesystem = self._mounted.get(name)
        if filesystem is None:
            return None
        key = (filesystem.name, filesystem.root)
        if key not in self._managers:
            self._managers[key] = self._factory(filesystem.root)
        return self._managers[key]

    def split(self, path: str) -> tuple[Filesystem, str] | None:
        """A `name:rest` API path of a mounted filesystem as (filesystem, rest), else None."""
        name, colon, rest = path.lstrip("/").partition(":")
        if not colon or "/" in name or name not in self._mounted:
            return None
        return self._mounted[name], rest.strip("/")

    def kernel_path(self, path: str) -> str | None:
        """The API folder a notebook's kernel starts in: `name:folder`, kept with its drive."""
        found = self.split(path)
        if found is None:
            return None
        filesystem, rest = found
        return f"{filesystem.name}:{posixpath.dirname(rest)}"

    def kernel_cwd(self, path: str) -> str | None:
        """The OS folder for a `name:folder` kernel path: the deepest existing one in the root."""
        found = self.split(path)
        if found is None:
            return None
        filesystem, rest = found
        root = filesystem.root
        candidate = os.path.realpath(os.path.join(root, *[p for p in rest.split("/") if p]))
        # Never outside the mounted root, even through a symbolic link.
        if not (candidate == root or candidate.startswith(root.rstrip("/") + "/")):
            return root
        while not os.path.isdir(candidate) and candidate != root:
            candidate = os.path.dirname(candidate)
        return candidate


def contents_manager_factory(serverapp: Any) -> ManagerFactory:
    """Build the server's own kind of file manager (its config applies) for one root."""

    def build(root: str) -> Any:
        return AsyncLargeFileManager(
            parent=serverapp,
            log=serverapp.log,
            root_dir=root,
            event_logger=serverapp.event_logger,
        )

    return build


def install_kernel_hooks(serverapp: Any, mounts: Mounts) -> None:
    """Start kernels of `name:…` notebooks in their filesystem, leaving other paths alone.

    Sessions send the notebook's drive-prefixed path (`WORK:project/nb.ipynb`). The
    server's contents manager would turn it into a folder of the server root (a top-level
    notebook loses its drive), and the kernel manager would then fall back to the server
    root. Two instance-level wraps, of `get_kernel_path` and `cwd_for_path`, keep the drive
    and map it to the mounted folder; the ContentsManager itself is not replaced.
    """
    contents = serverapp.contents_manager
    kernels = serverapp.kernel_manager
    original_kernel_path = contents.get_kernel_path
    original_cwd = kernels.cwd_for_path

    def get_kernel_path(path: str, model: Any = None) -> Any:
        mapped = mounts.kernel_path(path)
        return mapped if mapped is not None else original_kernel_path(path, model=model)

    def cwd_for_path(path: str, **kwargs: Any) -> str:
        mapped = mounts.kernel_cwd(path)
        return mapped if mapped is not None else original_cwd(path, **kwargs)

    contents.get_kernel_path = get_kernel_path
    kernels.cwd_for_path = cwd_for_path
