"""Plain pytest starts no hub: without the hub testbed the deployment tests fail in CI, else skip.

The deployment fixtures (tests/deployment/conftest.py) run in a copy of the project pointed at
an empty $HUB_TESTBED_DIR, so that no version of them can touch this machine's hubs or users.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import assert_fails_in_ci_skips_elsewhere, copied_project, run_pytest

A_HUB_TEST = "def test_needs_the_hub(hub):\n    assert hub.url\n"
FIXTURES = ("__init__.py", "deployment/__init__.py", "deployment/conftest.py", "deployment/hub.py")


def run_hub_test(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """Run one test using the `hub` fixture with no hub testbed; returns pytest's result."""
    project = copied_project(tmp_path, FIXTURES, "deployment", A_HUB_TEST)
    return run_pytest(project, "deployment", {"HUB_TESTBED_DIR": str(tmp_path / "no-hub")}, ci=ci)


@pytest.mark.parametrize("ci", [True, False], ids=["ci", "developer"])
def test_a_missing_hub_testbed_fails_in_ci_and_skips_elsewhere(tmp_path: Path, ci: bool) -> None:
    result = run_hub_test(tmp_path, ci=ci)
    assert "the hub testbed is not running: run `make hub-testbed`" in result.stdout, result.stdout
    # nothing was created where the hub would live
    assert not (tmp_path / "no-hub").exists()
    assert_fails_in_ci_skips_elsewhere(result, ci=ci)
