"""The folder of the apps' logs: where the admin says ($VAR and ~ expanded), private to the user.

An app's log shows its arguments and whatever it prints (paths, sometimes secrets of the
user's own), so the folder is the user's alone (0700). The reference deployment keeps them in
`$WORK/jupyter_spawner_logs`, on a filesystem that outlives the job. A folder that cannot be
made private (another user's, a path that is not one) is not used: the logs go to the default
folder, and the server's log says why.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

PRIVATE = 0o700


class LogDirError(Exception):
    """The configured folder cannot hold the logs; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def expand(configured: str) -> Path:
    """The configured folder with $VAR, ${VAR} and ~ expanded; LogDirError if not absolute.

    Admin configuration, not user text: expanded as a shell would, from the server's
    environment. A variable that is not set stays as written, and the path is refused.
    """
    text = os.path.expanduser(os.path.expandvars(configured))
    if "$" in text:
        raise LogDirError(f"{configured!r} uses a variable that is not set here ({text}).")
    if not os.path.isabs(text):
        raise LogDirError(f"{configured!r} is not an absolute path ({text}).")
    return Path(os.path.normpath(text))


def make_private(folder: Path) -> None:
    """Create the folder (and its parents) or tighten it to 0700; LogDirError if not ours."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE)
    info = folder.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise LogDirError(f"{folder} is not a folder.")
    if info.st_uid != os.geteuid():
        raise LogDirError(f"{folder} belongs to another user (uid {info.st_uid}).")
    if info.st_mode & stat.S_ISVTX:
        # /tmp and its like: shared by everyone, never to be made private (not even by root).
        raise LogDirError(f"{folder} is a shared folder (sticky bit), not a private one.")
    if stat.S_IMODE(info.st_mode) != PRIVATE:
        folder.chmod(PRIVATE)


def resolve_log_dir(
    configured: str,
    default: Path,
    *,
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> Path:
    """The folder the logs go to, created private: the configured one, else the default."""
    if configured:
        try:
            folder = expand(configured)
            make_private(folder)
            return folder
        except LogDirError as error:
            log.warning("HPCApps.log_dir: %s The apps' logs go to %s.", error.message, default)
        except OSError as error:
            log.warning(
                "HPCApps.log_dir %r cannot be used (%s). The apps' logs go to %s.",
                configured,
                error.strerror or error,
                default,
            )
    try:
        make_private(default)
    except (LogDirError, OSError) as error:
        # Not fatal here: the first launch says so, naming the folder.
        log.warning("The apps' log folder %s is not usable: %s", default, error)
    return default
