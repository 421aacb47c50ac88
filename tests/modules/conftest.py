"""The real module tree of the tests (scripts/modules-testbed): Lmod, Tcl modules, real venvs.

`make modules-testbed` (scripts/modules-testbed start) builds it in $MODULES_TESTBED_DIR
(default /tmp/jupyterlab-hpc-modules), and `make test` does so first. These fixtures only use
it: when it is not ready, the tests needing it fail under CI (CI set) and are skipped
elsewhere, saying to run `make modules-testbed`.

The tree: python/3.11 and pytorch/2.1 (which depends on python/3.11) are venvs with ipykernel
(their kernel is <venv>/share/jupyter/kernels/python3, found through the PATH entry the module
adds); gcc/12 has no kernel; broken/1.0 always fails to load, with BROKEN_MESSAGE;
tensorboard/2.17 and tensorboard/2.18 share a venv with TensorBoard. Each module sets
TESTBED_MODULE to its own full name, and pytorch/2.1 sets PYTORCH_MODULE_ROOT. The same
modules exist as Tcl modulefiles for Tcl Environment Modules' modulecmd.tcl.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "modules-testbed"
TESTBED_DIR = Path(os.environ.get("MODULES_TESTBED_DIR", "/tmp/jupyterlab-hpc-modules"))
# What the module broken/1.0 says when its load fails (Lmod's LmodError, Tcl's puts + break).
BROKEN_MESSAGE = "broken/1.0 fails to load on purpose"
# Every module of the tree, as `module avail` lists them.
MODULES = [
    "broken/1.0",
    "gcc/12",
    "python/3.11",
    "pytorch/2.1",
    "tensorboard/2.17",
    "tensorboard/2.18",
]

# What to do when the tree is missing; pytest never builds anything itself.
NOT_READY = "the module testbed is not ready: run `make modules-testbed`"


@dataclass(frozen=True)
class ModuleTree:
    """The built tree: where it is, and the two module commands that read it."""

    dir: Path
    # The MODULEPATH of the Lua modulefiles, for Lmod.
    modulepath: str
    # Lmod's command: `[lmod_cmd, "python", "load", "pytorch/2.1"]`.
    lmod_cmd: str
    # Tcl Environment Modules' modulecmd.tcl (unpacked from Debian's package, not installed),
    # run as `[tcl_cmd, "python", "load", "pytorch/2.1"]`, and its modulefiles' MODULEPATH.
    tcl_cmd: str | None
    tcl_modulepath: str | None

    @property
    def envs(self) -> Path:
        """The venvs' folder: envs/python-3.11, envs/pytorch-2.1, envs/tensorboard."""
        return self.dir / "envs"

    def copy(self, tmp_path: Path, *, tcl: bool = False) -> str:
        """A private copy of the modulefiles (Lua, or Tcl with tcl=True) under tmp_path, for a
        test that adds or breaks modules; the venvs are shared. Returns its MODULEPATH."""
        source = self.tcl_modulepath if tcl else self.modulepath
        if source is None:
            pytest.skip("no Tcl Environment Modules in the module testbed")
        name = "tcl-modulefiles" if tcl else "modulefiles"
        target = tmp_path / name
        copies = 1
        while target.exists():
            copies += 1
            target = tmp_path / f"{name}-{copies}"
        shutil.copytree(source, target)
        return str(target)


@pytest.fixture(scope="session")
def module_tree() -> ModuleTree:
    """The tree `make modules-testbed` built; without it these tests fail under CI, else skip."""
    status = subprocess.run(
        [sys.executable, str(SCRIPT), "status"], capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        _missing(f"{NOT_READY} ({' '.join(status.stdout.split())})")
    tcl_cmd = TESTBED_DIR / "tcl-modules" / "usr" / "lib" / "modulecmd.tcl"
    tcl_modulepath = TESTBED_DIR / "tcl" / "modulefiles"
    tcl_ready = tcl_cmd.is_file() and tcl_modulepath.is_dir()
    return ModuleTree(
        dir=TESTBED_DIR,
        modulepath=str(TESTBED_DIR / "modulefiles"),
        lmod_cmd=os.environ.get("LMOD_CMD") or "/usr/share/lmod/lmod/libexec/lmod",
        tcl_cmd=str(tcl_cmd) if tcl_ready else None,
        tcl_modulepath=str(tcl_modulepath) if tcl_ready else None,
    )


def _missing(reason: str) -> NoReturn:
    """CI must run the module tests, so there a missing tree is a failure; elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
