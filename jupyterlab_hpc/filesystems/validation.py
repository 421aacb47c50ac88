"""Checking a user's filesystem entry against the admin's allowed roots (pure, no server)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# A name is also the file browser's drive name, which ends at the first ":" of a path.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
SCHEME = "osfs"
# osfs:// and a path of at most PATH_MAX (4096) characters.
MAX_URL_CHARS = 4096 + len("osfs://")


class FilesystemError(ValueError):
    """An entry that cannot be mounted; the message is shown to the user as is."""


@dataclass(frozen=True)
class Filesystem:
    """A validated entry: its name, the URL as written and the real folder it mounts."""

    name: str
    url: str
    root: str


def check_name(name: object) -> str:
    """The entry's name, or a FilesystemError saying what a name may hold."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise FilesystemError(
            f"Invalid name {name!r}: use 1 to 32 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def url_path(url: object) -> str:
    """The absolute path an `osfs:///path` URL names; anything else is refused."""
    if not isinstance(url, str) or not url.strip():
        raise FilesystemError("The URL is empty or not text: write osfs:///absolute/path.")
    if len(url) > MAX_URL_CHARS:
        raise FilesystemError(
            f"The URL is {len(url)} characters long; the most is {MAX_URL_CHARS} "
            "(a path longer than 4096 cannot name a folder)."
        )
    parts = urlsplit(url.strip())
    if parts.scheme != SCHEME:
        shown = f"{parts.scheme}://" if parts.scheme else "no scheme"
        raise FilesystemError(
            f"Unsupported URL {url!r} ({shown}): only local folders can be mounted, "
            "written osfs:///absolute/path."
        )
    if parts.netloc or parts.query or parts.fragment:
        raise FilesystemError(
            f"Invalid URL {url!r}: an osfs URL has no host, query or fragment; "
            "write osfs:///absolute/path (three slashes)."
        )
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise FilesystemError(f"Invalid URL {url!r}: the path must be absolute.")
    if "\0" in path:
        raise FilesystemError(f"Invalid URL {url!r}: the path holds a NUL character.")
    if ".." in path.split("/"):
        raise FilesystemError(
            f"Invalid URL {url!r}: '..' is not allowed in a path; write the folder's own path."
        )
    return path


def within(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies under it (both real, absolute paths)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def resolve(name: object, url: object, allowed_roots: Iterable[str]) -> Filesystem:
    """The entry mounted at its real path, if that path exists in an allowed root."""
    checked_name = check_name(name)
    path = url_path(url)
    roots = [os.path.realpath(root) for root in allowed_roots if os.path.isabs(root)]
    if not roots:
        raise FilesystemError("The administrator allows no folders to be mounted on this server.")
    shown_roots = ", ".join(roots)
    # Lexical containment first, so a path outside every root says so even if it exists.
    normal = os.path.normpath(path)
    if not any(within(normal, root) for root in roots) and not any(
        within(normal, os.path.normpath(root)) for root in allowed_roots
    ):
        raise FilesystemError(
            f"Outside the folders the administrator allows: {path} (allowed: {shown_roots})."
        )
    if not os.path.exists(path):
        raise FilesystemError(f"No such folder: {path}.")
    real = os.path.realpath(path)
    if not any(within(real, root) for root in roots):
        raise FilesystemError(
            f"Outside the folders the administrator allows, through a symbolic link: {path} "
            f"leads to {real} (allowed: {shown_roots})."
        )
    if not os.path.isdir(real):
        raise FilesystemError(f"Not a folder: {path}.")
    if not os.access(real, os.R_OK | os.X_OK):
        raise FilesystemError(f"This server's user cannot read {path}.")
    return Filesystem(name=checked_name, url=str(url).strip(), root=real)
