"""An app's life as the user sees it: crashes, silence, exits, shutdowns, and no zombies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import STUCK_TIMEOUT_S, Lab, is_reaped, wait_for_file
from tests.support import is_gone


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return launcher_config


async def test_an_app_that_crashes_at_start_fails_with_its_code_and_log(lab: Lab) -> None:
    # given an app that exits with code 3 before it listens (TensorBoard without --logdir)
    launched = await lab.launch("testapp", 0, "--crash")
    # then it fails, with the code in the message, and is not started again
    failed = await lab.wait_state("testapp", 0, ("failed",))
    assert failed["exit_code"] == 3
    assert "exited with code 3" in failed["message"]
    assert failed["pid"] == launched["pid"]
    assert await is_reaped(launched["pid"])
    # and its log says why
    log = await lab.log("testapp", 0)
    assert log.code == 200
    assert log.headers["Content-Type"].startswith("text/plain")
    text = log.body.decode()
    assert "--logdir is required" in text
    assert text.count("started with") == 1
    # and its URL says so too
    page = await lab.get(f"{lab.base_url}testapp/0/")
    assert page.code == 503
    assert "exited with code 3" in page.body.decode()


async def test_an_app_that_never_answers_is_stopped_after_its_timeout(lab: Lab) -> None:
    launched = await lab.launch("stuckapp", 0, "--never-ready")
    failed = await lab.wait_state("stuckapp", 0, ("failed",))
    assert f"did not answer within {STUCK_TIMEOUT_S} s" in failed["message"]
    # stopped (by SIGTERM) and reaped
    assert failed["exit_code"] is not None
    assert await is_reaped(launched["pid"])
    assert "testapp" in (await lab.log("stuckapp", 0)).body.decode()


async def test_an_app_that_exits_with_code_0_can_be_launched_again(lab: Lab) -> None:
    # given an app that exits at once with code 0 (jupyter-server-proxy #213 could not restart it)
    launched = await lab.launch("testapp", 0, "--exit0")
    ended = await lab.wait_state("testapp", 0, ("failed", "exited"))
    assert ended["exit_code"] == 0
    assert "code 0" in ended["message"]
    assert await is_reaped(launched["pid"])
    # when it is launched again, then it runs
    again = await lab.launch("testapp", 0)
    assert again["pid"] != launched["pid"]
    await lab.wait_state("testapp", 0)
    assert (await lab.record("testapp", 0))["pid"] == again["pid"]


async def test_an_app_that_ignores_sigterm_is_killed_after_the_grace_period(
    lab: Lab, hpc_app: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The extension's log is its own (traitlets keeps it from the root logger caplog reads).
    monkeypatch.setattr(hpc_app.log, "propagate", True)
    # given an app that ignores SIGTERM (as MLflow does)
    launched = await lab.launch("testapp", 0, "--ignore-term")
    await lab.wait_state("testapp", 0)
    # when it is shut down, then it is killed once the grace period is over, and reaped
    await lab.stop("testapp", 0)
    assert "testapp/0 ignored SIGTERM for 1 s: killing it" in caplog.text
    assert await is_reaped(launched["pid"])
    assert await lab.running() == []
    assert (await lab.get(f"{lab.base_url}testapp/0/")).code == 503


async def test_shutting_an_app_down_ends_its_children_too(lab: Lab, tmp_path: Path) -> None:
    # given an app that started a process of its own
    pid_file = tmp_path / "grandchild.pid"
    launched = await lab.launch("testapp", 0, f"--child {pid_file}")
    await lab.wait_state("testapp", 0)
    grandchild = int(await wait_for_file(pid_file))
    assert not is_gone(grandchild, timeout_s=0)
    # when the app is shut down
    await lab.stop("testapp", 0)
    # then the whole process group is gone
    assert await is_reaped(launched["pid"])
    assert is_gone(grandchild)


async def test_an_app_that_exits_later_shows_as_exited(lab: Lab) -> None:
    launched = await lab.launch("testapp", 0)
    await lab.wait_state("testapp", 0)
    # when the app ends by itself (here: killed from outside)
    os.kill(launched["pid"], 9)
    exited = await lab.wait_state("testapp", 0, ("exited",))
    assert exited["exit_code"] == -9
    assert "exited with code -9" in exited["message"]
    assert await is_reaped(launched["pid"])
    assert (await lab.get(f"{lab.base_url}testapp/0/")).code == 503


async def test_a_shutdown_during_the_start_stops_the_app(lab: Lab) -> None:
    launched = await lab.launch("testapp", 0, "--delay 30")
    await lab.stop("testapp", 0)
    assert await is_reaped(launched["pid"])
    assert await lab.running() == []


async def test_shutting_down_the_server_stops_every_app(
    lab: Lab, jp_serverapp: Any, tmp_path: Path
) -> None:
    # given apps running, one deaf to SIGTERM, one with a child, one on a socket
    pid_file = tmp_path / "grandchild.pid"
    deaf = await lab.launch("testapp", 0, "--ignore-term")
    parent = await lab.launch("testapp", 1, f"--child {pid_file}")
    socket_app = await lab.launch("sockapp", 0)
    starting = await lab.launch("stuckapp", 0, "--never-ready")
    for name, endpoint in (("testapp", 0), ("testapp", 1), ("sockapp", 0)):
        await lab.wait_state(name, endpoint)
    grandchild = int(await wait_for_file(pid_file))
    socket_path = (await lab.record("sockapp", 0))["argv"][1]
    # when the server shuts its extensions down, as it does on exit
    await jp_serverapp.cleanup_extensions()
    # then no process is left, and no socket folder
    for instance in (deaf, parent, socket_app, starting):
        assert await is_reaped(instance["pid"]), instance["name"]
    assert is_gone(grandchild)
    assert not os.path.exists(os.path.dirname(socket_path))


@pytest.mark.parametrize("how", ["--crash", "--exit0"])
async def test_what_an_app_leaves_behind_when_it_exits_is_ended_too(
    lab: Lab, tmp_path: Path, how: str
) -> None:
    # given an app that starts a process of its own, then exits before it answers
    pid_file = tmp_path / "grandchild.pid"
    launched = await lab.launch("testapp", 0, f"--child {pid_file} {how}")
    await lab.wait_state("testapp", 0, ("failed",))
    assert await is_reaped(launched["pid"])
    # then its child does not live on, unseen, with nothing left to stop it
    assert is_gone(int(await wait_for_file(pid_file)))
