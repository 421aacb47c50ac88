"""Admin settings for the filesystems a user may mount in the file browser."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from traitlets import Dict, List, Unicode, default
from traitlets.config import Configurable

# The environment variables HPC centres set for a user's usual spaces, in the order shown.
ROOT_VARIABLES = ("HOME", "WORK", "SCRATCH")


def environment_roots(environ: Mapping[str, str]) -> dict[str, str]:
    """HOME, WORK and SCRATCH as the environment names them, where they are existing folders."""
    roots: dict[str, str] = {}
    for name in ROOT_VARIABLES:
        value = environ.get(name, "")
        if value and os.path.isabs(value) and os.path.isdir(value):
            roots[name] = value
    return roots


class HPCFilesystems(Configurable):
    """Which folders users may mount, and which filesystems everyone sees by default."""

    allowed_roots = List(
        Unicode(),
        help="""Absolute folders inside which users may mount filesystems.

        A user's `osfs:///…` entry is mounted only when its real path (symbolic
        links resolved) lies in one of these folders. Default: $HOME, $WORK and
        $SCRATCH, where they are set and exist. An empty list allows nothing.
        """,
    ).tag(config=True)

    defaults = List(
        Dict(per_key_traits={"name": Unicode(), "url": Unicode()}),
        help="""Filesystems shown to every user, as `{"name": ..., "url": "osfs:///..."}`.

        Default: one entry for each of $HOME, $WORK and $SCRATCH that exists.
        Users can hide them in the Settings Editor ("Show the default filesystems").
        """,
    ).tag(config=True)

    @default("allowed_roots")
    def _default_allowed_roots(self) -> list[str]:
        return list(environment_roots(os.environ).values())

    @default("defaults")
    def _default_defaults(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "url": f"osfs://{path}"}
            for name, path in environment_roots(os.environ).items()
        ]
