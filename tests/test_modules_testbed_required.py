"""Plain pytest builds nothing: the module tests use the module testbed or say to build it.

The `module_tree` fixture (tests/modules/conftest.py) runs in a copy of the project whose
scripts/modules-testbed only records how it was called and answers "not ready", so that no
version of that fixture can build venvs, download packages or touch this machine's tree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import assert_fails_in_ci_skips_elsewhere, run_with_fake_testbed

A_MODULE_TEST = "def test_needs_modules(module_tree):\n    assert module_tree.modulepath\n"


def run_module_test(tmp_path: Path, *, ci: bool) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run one test using the `module_tree` fixture; returns pytest's result and the calls."""
    return run_with_fake_testbed(
        tmp_path,
        script="modules-testbed",
        answer="modules-testbed: not ready (no Lmod at /nowhere)",
        fixtures=["modules/conftest.py"],
        test_dir="modules",
        test=A_MODULE_TEST,
        env={"MODULES_TESTBED_DIR": str(tmp_path / "no-tree")},
        ci=ci,
    )


@pytest.mark.parametrize("ci", [True, False], ids=["ci", "developer"])
def test_a_missing_module_tree_is_never_built_by_pytest(tmp_path: Path, ci: bool) -> None:
    result, calls = run_module_test(tmp_path, ci=ci)
    # pytest only asked whether the tree is ready: it never built it (nor, as root, installed
    # Lmod or downloaded Tcl Environment Modules)
    assert calls.split("\n")[:-1] == ["status"], calls
    assert "the module testbed is not ready: run `make modules-testbed`" in result.stdout, (
        result.stdout
    )
    # and the reason the script gave is passed on
    assert "no Lmod at /nowhere" in result.stdout, result.stdout
    assert_fails_in_ci_skips_elsewhere(result, ci=ci)
