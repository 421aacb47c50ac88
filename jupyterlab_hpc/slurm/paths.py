"""Paths that users send: confined to the server's root folder before any command sees them."""

from __future__ import annotations

import os
from pathlib import Path

# PATH_MAX and NAME_MAX of Linux: longer paths and names cannot name a file.
MAX_PATH_CHARS = 4096
MAX_NAME_BYTES = 255


class PathRejected(ValueError):
    """The path is outside the server's root, not the right kind of file, or malformed."""


def confine(root: str | os.PathLike[str], text: object, *, kind: str) -> Path:
    """The real path of `text` (relative to root, or absolute) if it lies inside root.

    Symlinks are resolved first, so a link that points out of root is refused like `../x`.
    kind is "file" or "folder": what the path must name. Raises PathRejected with a message
    for the user.
    """
    if not isinstance(text, str):
        raise PathRejected(f"The {kind} path must be a string, not {type(text).__name__}.")
    if "\0" in text:
        raise PathRejected(f"The {kind} path contains a NUL character.")
    if len(text) > MAX_PATH_CHARS:
        raise PathRejected(
            f"The {kind} path is {len(text)} characters long; the most is {MAX_PATH_CHARS}."
        )
    try:
        parts = [part.encode("utf-8") for part in text.split("/")]
    except UnicodeEncodeError:
        raise PathRejected(f"The {kind} path holds a lone surrogate: {text!r}.") from None
    if any(len(part) > MAX_NAME_BYTES for part in parts):
        raise PathRejected(
            f"A name in the {kind} path is longer than {MAX_NAME_BYTES} bytes, "
            "which no file system allows."
        )
    if text.startswith("-"):
        # Harmless here (commands get absolute paths after "--"), but never an option.
        raise PathRejected(f"A {kind} path may not start with '-': {text!r} (write ./{text}).")
    try:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(real_root / text))
        if real != real_root and real_root not in real.parents:
            raise PathRejected(f"{text!r} is outside the server's root folder.")
        if kind == "file" and not real.is_file():
            raise PathRejected(f"{text!r} is not a file under the server's root folder.")
        if kind == "folder" and not real.is_dir():
            raise PathRejected(f"{text!r} is not a folder under the server's root folder.")
    except OSError as error:
        # e.g. ENAMETOOLONG once the root is prefixed, EACCES on a folder on the way.
        raise PathRejected(f"{text!r} cannot be used: {error.strerror or error}.") from None
    return real


def relative_to_root(root: str | os.PathLike[str], path: str | None) -> str | None:
    """path relative to root (with "/"), or None when it lies outside root.

    Compared as written first, then with symlinks resolved: either way the contents API can
    open it under root.
    """
    if not path or not os.path.isabs(path):
        return None
    pairs = (
        (os.path.abspath(root), os.path.abspath(path)),
        (os.path.realpath(root), os.path.realpath(path)),
    )
    for base, target in pairs:
        if target != base and target.startswith(base.rstrip(os.sep) + os.sep):
            return Path(os.path.relpath(target, base)).as_posix()
    return None
