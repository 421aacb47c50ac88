"""The Slurm routes in-process, where no Slurm is installed: honest errors, never a shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

JOBS = ("jupyterlab-hpc", "slurm", "jobs")


@pytest.fixture
def no_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH without Slurm's clients."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


async def fail(jp_fetch: Any, *parts: str, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*parts, **kwargs)
    assert raised.value.response is not None
    return raised.value.code, json.loads(raised.value.response.body)["message"]


async def test_without_squeue_the_list_is_503_not_empty(
    no_slurm: None, hpc_app: Any, jp_fetch: Any
) -> None:
    code, message = await fail(jp_fetch, *JOBS)
    assert code == 503
    assert "squeue could not be started" in message
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["features"]["slurm"] is False


async def test_without_sacct_history_is_unavailable_with_the_reason(
    no_slurm: None, hpc_app: Any, jp_fetch: Any
) -> None:
    history = json.loads((await jp_fetch("jupyterlab-hpc", "slurm", "history")).body)
    assert (history["available"], history["source"], history["jobs"]) == (False, None, [])
    assert "sacct is not installed" in history["reason"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "Send either"),
        ('{"path": "../../etc/passwd"}', "outside the server's root"),
        ('{"path": 3}', "must be a string"),
        ('{"script": "#!/bin/bash\\n", "cwd": "/"}', "outside the server's root"),
    ],
)
async def test_bad_submissions_are_400_before_any_command(
    no_slurm: None, hpc_app: Any, jp_fetch: Any, body: str, message: str
) -> None:
    code, text = await fail(jp_fetch, *JOBS, method="POST", body=body)
    assert code == 400
    assert message in text


@pytest.mark.parametrize("hpc_config", [{"HPCSlurm": {"poll_interval": 42}}])
async def test_the_poll_interval_is_the_admins(hpc_app: Any) -> None:
    assert hpc_app.jobs.poll_interval_s == 42
