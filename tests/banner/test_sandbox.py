"""Sandbox mode: the admin's setting, then the spawner's env var, then the namespaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyterlab_hpc.banner.sandbox import sandbox_state

HOST_NS = "net:[4026531840]"
OWN_NS = "net:[4026532712]"


def fake_proc(tmp_path: Path, own: str | None, host: str | None) -> Path:
    """A procfs with the two ns/net links (None: the link is missing)."""
    root = tmp_path / "proc"
    for pid, target in (("self", own), ("1", host)):
        (root / pid / "ns").mkdir(parents=True)
        if target is not None:
            os.symlink(target, root / pid / "ns" / "net")
    return root


def test_a_different_namespace_from_pid_1_is_a_sandbox(tmp_path: Path) -> None:
    state = sandbox_state(None, {}, fake_proc(tmp_path, OWN_NS, HOST_NS))
    assert state["enabled"] is True
    assert "own network namespace" in str(state["reason"]) and OWN_NS in str(state["reason"])


def test_the_host_namespace_is_not_a_sandbox(tmp_path: Path) -> None:
    state = sandbox_state(None, {}, fake_proc(tmp_path, HOST_NS, HOST_NS))
    assert state["enabled"] is False
    assert "shares the host's network namespace" in str(state["reason"])


def test_unreadable_namespaces_are_not_detectable_and_say_so(tmp_path: Path) -> None:
    # given PID 1's link unreadable (hidepid=2, or another user's process)
    state = sandbox_state(None, {}, fake_proc(tmp_path, OWN_NS, None))
    assert state["enabled"] is False
    assert "cannot be detected" in str(state["reason"])
    assert "/1/ns/net" in str(state["reason"])


def test_the_spawners_env_var_decides_before_detection(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, OWN_NS, HOST_NS)
    state = sandbox_state(None, {"JUPYTERLAB_HPC_SANDBOX": "0"}, proc)
    assert state == {"enabled": False, "reason": "Set by the spawner (JUPYTERLAB_HPC_SANDBOX=0)."}
    state = sandbox_state(None, {"JUPYTERLAB_HPC_SANDBOX": "1"}, tmp_path / "none")
    assert state["enabled"] is True


def test_a_meaningless_env_value_is_ignored(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, OWN_NS, HOST_NS)
    state = sandbox_state(None, {"JUPYTERLAB_HPC_SANDBOX": "maybe"}, proc)
    assert state["enabled"] is True and "namespace" in str(state["reason"])


@pytest.mark.parametrize("enabled", [True, False])
def test_the_admins_setting_decides_before_everything(tmp_path: Path, enabled: bool) -> None:
    env = {"JUPYTERLAB_HPC_SANDBOX": "0" if enabled else "1"}
    state = sandbox_state(enabled, env, fake_proc(tmp_path, OWN_NS, HOST_NS))
    assert state == {
        "enabled": enabled,
        "reason": f"Set by the administrator (c.HPCSandbox.enabled = {enabled}).",
    }
