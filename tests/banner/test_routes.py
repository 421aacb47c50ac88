"""The banner and sandbox settings reach GET info, evaluated at each request."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

HOST_NS = "net:[4026531840]"


@pytest.fixture
def proc_root(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    for pid, target in (("self", "net:[4026532712]"), ("1", HOST_NS)):
        (root / pid / "ns").mkdir(parents=True)
        os.symlink(target, root / pid / "ns" / "net")
    return root


@pytest.fixture
def hpc_config(proc_root: Path) -> dict[str, Any]:
    soon = datetime.now(timezone.utc) + timedelta(seconds=1)
    return {
        "HPCBanner": {"text": "Back soon", "level": "critical", "show_until": soon.isoformat()},
        "HPCSandbox": {"proc_root": str(proc_root)},
    }


async def test_info_has_the_configured_banner_until_its_window_closes(
    hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JUPYTERLAB_TOPBAR_MESSAGE", raising=False)
    monkeypatch.delenv("JUPYTERLAB_HPC_SANDBOX", raising=False)
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["banner"] == {"text": "Back soon", "level": "critical"}
    # the sandbox is detected from the configured procfs
    assert info["sandbox"]["enabled"] is True
    # when the window has closed, the same server answers no banner
    hpc_app.banner_config.show_until = "2000-01-01T00:00Z"
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["banner"] is None
