"""Plain pytest starts no hub: without the hub testbed the deployment tests fail in CI, else skip.

The deployment fixtures (tests/deployment/conftest.py) run in a copy of the project pointed at
an empty $HUB_TESTBED_DIR, so that no version of them can touch this machine's hubs or users.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
A_HUB_TEST = "def test_needs_the_hub(hub):\n    assert hub.url\n"


def run_hub_test(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """Run one test using the `hub` fixture with no hub testbed; returns pytest's result."""
    project = tmp_path / "project"
    (project / "tests" / "deployment").mkdir(parents=True)
    for name in (
        "__init__.py",
        "deployment/__init__.py",
        "deployment/conftest.py",
        "deployment/hub.py",
    ):
        shutil.copy(REPO / "tests" / name, project / "tests" / name)
    (project / "tests" / "deployment" / "test_one.py").write_text(A_HUB_TEST)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["HUB_TESTBED_DIR"] = str(tmp_path / "no-hub")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "tests/deployment"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("ci", [True, False], ids=["ci", "developer"])
def test_a_missing_hub_testbed_fails_in_ci_and_skips_elsewhere(tmp_path: Path, ci: bool) -> None:
    result = run_hub_test(tmp_path, ci=ci)
    assert "the hub testbed is not running: run `make hub-testbed`" in result.stdout, result.stdout
    # nothing was created where the hub would live
    assert not (tmp_path / "no-hub").exists()
    if ci:
        # CI must run the deployment tests: a missing hub fails the run
        assert result.returncode != 0, result.stdout
        assert "1 error" in result.stdout, result.stdout
    else:
        # a developer without the hub gets the rest of the suite, and the reason
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout, result.stdout
