"""jupyterlab-hpc: JupyterLab for HPC clusters (server extension and prebuilt lab extension)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _version_from_package_json() -> str:
    """Read the version from the repository's package.json (a source checkout, no build)."""
    # package.json is the single source of the version; hatch writes _version.py from it
    # at build time, so only an unbuilt checkout (tests, editable work) ever lands here.
    try:
        package = json.loads((Path(__file__).parent.parent / "package.json").read_text("utf-8"))
        return str(package["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return "0.0.0+unknown"


try:
    from ._version import __version__
except ImportError:
    __version__ = _version_from_package_json()


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt lab extension."""
    return [{"src": "labextension", "dest": "jupyterlab-hpc"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The server extension: one ExtensionApp."""
    # Imported here so that `import jupyterlab_hpc` (build hooks, version look-ups) does not
    # pull in jupyter_server.
    from .app import HPCApp

    return [{"module": "jupyterlab_hpc", "app": HPCApp}]
