"""A small Lmod module tree of the apps' tests, written in the test's own folder.

Real Lmod reads it (Debian's `lmod`, installed by scripts/install-system-deps). No module
here needs a virtual environment, so the tests run in seconds; the modules with TensorBoard
come from the module testbed (tests/modules/conftest.py).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.apps.conftest import TESTAPP
from tests.modules.trees import lmod_command, write_modules

# What broken/1.0 says when it is loaded: Lmod's message must reach the user.
BROKEN_MESSAGE = "broken/1.0 is broken on purpose: ask your admins"
# The executable launcher/1.0 puts on PATH, and only it.
MODULE_EXECUTABLE = "testapp-from-module"

MODULES: Mapping[str, str] = {
    "gcc/12": 'setenv("TESTBED_GCC_ROOT", "/opt/gcc/12")\n',
    "tool/1.0": 'setenv("TESTBED_MODULE", "tool/1.0")\n',
    "tool/2.0": 'setenv("TESTBED_MODULE", "tool/2.0")\n',
    "broken/1.0": f'LmodError("{BROKEN_MESSAGE}")\n',
}


@dataclass(frozen=True)
class SmallTree:
    """The tree's MODULEPATH and the Lmod command that reads it."""

    modulepath: str
    lmod_cmd: str

    def environ(self) -> dict[str, str]:
        """What a server started in a job with Lmod set up has in its environment."""
        return {"MODULEPATH": self.modulepath, "LMOD_CMD": self.lmod_cmd}


def write_tree(root: Path) -> SmallTree:
    """gcc/12, tool/1.0 and tool/2.0, broken/1.0, and launcher/1.0 (the test app on PATH).

    Without Lmod the test fails under CI, and is skipped elsewhere.
    """
    command = lmod_command()[0]
    bin_dir = root / "launcher-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    executable = bin_dir / MODULE_EXECUTABLE
    executable.write_text(f'#!/bin/sh\nexec {sys.executable} {TESTAPP} "$@"\n')
    executable.chmod(0o755)
    launcher = {"launcher/1.0": f'prepend_path("PATH", "{bin_dir}")\n'}
    modulepath = write_modules(root / "modulefiles", {**MODULES, **launcher})
    return SmallTree(modulepath=modulepath, lmod_cmd=command)
