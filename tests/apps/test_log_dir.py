"""c.HPCApps.log_dir: the apps' logs where the admin says, private to the user.

The reference deployment keeps them in $WORK/jupyter_spawner_logs, which outlives the job.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from jupyterlab_hpc.apps.config import HPCApps
from jupyterlab_hpc.apps.logdir import resolve_log_dir
from tests.apps.conftest import TEST_APPS, Lab, wait_for_file

LOG = logging.getLogger("test_log_dir")
# Someone else on the node (nobody).
OTHER_UID = 65534


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$WORK, a filesystem of the user's that outlives the job."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.setenv("WORK", str(folder))
    return folder


@pytest.fixture
def hpc_config(work: Path) -> dict[str, Any]:
    return {
        "HPCApps": {
            "apps": TEST_APPS,
            "shutdown_grace": 1,
            "log_dir": "$WORK/jupyter_spawner_logs",
        }
    }


async def test_an_apps_log_lands_in_the_configured_folder_private(
    lab: Lab, work: Path, jp_fetch: Any
) -> None:
    # given c.HPCApps.log_dir = "$WORK/jupyter_spawner_logs", which does not exist yet
    logs = work / "jupyter_spawner_logs"
    # when an app is launched
    await lab.launch("testapp", 0, "--logdir runs")
    await lab.wait_state("testapp")
    # then its output is in that folder, which only the user may enter
    log = logs / "testapp-0.log"
    assert "testapp listening" in await wait_for_file(log)
    assert mode(logs) == 0o700
    assert mode(log) == 0o600
    # and the log route reads it from there; the runtime folder has no copy
    response = await lab.log("testapp", 0)
    assert "testapp listening" in response.body.decode()
    assert not lab.log_path("testapp", 0).exists()


@pytest.mark.parametrize(
    "hpc_config", [{"HPCApps": {"apps": TEST_APPS, "shutdown_grace": 1, "log_dir": "~/app-logs"}}]
)
async def test_a_folder_in_the_home_is_expanded(lab: Lab, jp_home_dir: Path) -> None:
    await lab.launch("testapp", 0)
    await lab.wait_state("testapp")
    assert "testapp listening" in await wait_for_file(jp_home_dir / "app-logs" / "testapp-0.log")


def test_an_existing_folder_of_the_users_is_made_private(tmp_path: Path) -> None:
    # given a log folder the user made readable by everyone
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    # then it is used, and made private
    assert resolve_log_dir(str(folder), tmp_path / "default", log=LOG) == folder
    assert mode(folder) == 0o700


def test_a_folder_of_someone_else_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a folder to another user here")
    # given a configured folder that belongs to another user
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    folder.chmod(0o755)
    default = tmp_path / "default"
    # then the default folder is used, private, and the other user's is left as it was
    with caplog.at_level(logging.WARNING):
        assert resolve_log_dir(str(folder), default, log=LOG) == default
    assert mode(default) == 0o700
    assert mode(folder) == 0o755
    assert "belongs to another user" in caplog.text and str(default) in caplog.text


@pytest.mark.parametrize(
    ("configured", "says"),
    [
        ("$HPC_UNSET_WORK/logs", "uses a variable that is not set here"),
        ("logs/relative", "is not an absolute path"),
    ],
)
def test_a_path_that_does_not_expand_to_a_folder_is_not_used(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    configured: str,
    says: str,
) -> None:
    monkeypatch.delenv("HPC_UNSET_WORK", raising=False)
    monkeypatch.chdir(tmp_path)
    default = tmp_path / "default"
    with caplog.at_level(logging.WARNING):
        assert resolve_log_dir(configured, default, log=LOG) == default
    assert says in caplog.text
    # nothing was created where the text points
    assert sorted(p.name for p in tmp_path.iterdir()) == ["default"]


def test_a_shared_folder_is_never_made_private(tmp_path: Path) -> None:
    # given a folder like /tmp: everyone's, sticky (the server might even run as root)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    default = tmp_path / "default"
    assert resolve_log_dir(str(shared), default, log=LOG) == default
    assert mode(shared) == 0o1777


def test_the_setting_refuses_nul() -> None:
    with pytest.raises(TraitError, match="without NUL"):
        HPCApps(log_dir="/work/logs\0")
