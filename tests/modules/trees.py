"""Small module trees written by a test, for the real Lmod (Debian's) to read."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from jupyterlab_hpc.modules.system import LMOD_PATHS


def lmod_command() -> list[str]:
    """Debian's Lmod, printing Python; CI must have it (a failure there), elsewhere a skip."""
    for path in LMOD_PATHS:
        if os.access(path, os.X_OK):
            return [path, "python"]
    reason = "Lmod is not installed: run `make modules-testbed` (apt-get install lmod)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def write_modules(root: Path, modules: dict[str, str]) -> str:
    """Lua modulefiles `name/version` -> text under root; returns root as a MODULEPATH."""
    for name, text in modules.items():
        path = root / f"{name}.lua"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)


def write_kernel(folder: Path, display_name: str = "Python 3 (ipykernel)") -> Path:
    """A kernelspec folder whose argv starts with a bare `python` (resolved in the module's
    PATH, as ipykernel's own kernelspec is)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "metadata": {"debugger": True},
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return folder


def python_bin(folder: Path) -> Path:
    """A bin folder whose `python` is this test's interpreter (which has ipykernel)."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "python"
    if not link.exists():
        link.symlink_to(sys.executable)
    return folder
