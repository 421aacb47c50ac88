"""Plain pytest installs and starts nothing: the Slurm tests use the testbed or say to start it.

The Slurm fixtures (tests/slurm/conftest.py) run in a copy of the project whose
scripts/slurm-testbed only records how it was called and answers "not running", so that no
version of those fixtures can touch this machine's Slurm, packages or users.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import assert_fails_in_ci_skips_elsewhere, run_with_fake_testbed

A_SLURM_TEST = "def test_needs_slurm(testbed):\n    assert testbed.user\n"


def run_slurm_test(tmp_path: Path, *, ci: bool) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run one test using the `testbed` fixture; returns pytest's result and the script calls."""
    return run_with_fake_testbed(
        tmp_path,
        script="slurm-testbed",
        answer="slurm-testbed: not configured",
        fixtures=["slurm/conftest.py"],
        test_dir="slurm",
        test=A_SLURM_TEST,
        env={"SLURM_TESTBED_DIR": str(tmp_path / "no-testbed")},
        ci=ci,
    )


@pytest.mark.parametrize("ci", [True, False], ids=["ci", "developer"])
def test_a_missing_testbed_is_never_started_by_pytest(tmp_path: Path, ci: bool) -> None:
    result, calls = run_slurm_test(tmp_path, ci=ci)
    # pytest only asked whether the testbed runs: it never started it (nor, as root, installed
    # Slurm or created its user)
    assert calls.split("\n")[:-1] == ["status"], calls
    assert "the Slurm testbed is not running: run `make testbed`" in result.stdout, result.stdout
    assert_fails_in_ci_skips_elsewhere(result, ci=ci)
