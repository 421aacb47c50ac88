"""Whose jobs are "mine": the OS user of the server process."""

from __future__ import annotations

import os
import pwd


def server_user() -> str:
    """The login name of this process's real uid; the uid itself when it has no name.

    $USER and the Jupyter identity may name someone else (or a random token user): Slurm
    knows jobs by the uid that submitted them, which is this process's.
    """
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        # A container uid without a passwd entry: squeue -u and sacct -u accept the number.
        return str(os.getuid())
