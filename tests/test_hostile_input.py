"""Every route that reads a JSON body refuses hostile ones with a 4xx and a message, never a 500.

The routes' own refusals (arguments, paths, entries) are tested with each concern; these are
the bodies no route may choke on, sent to all of them through a real server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# (method, route) of every route of ours that reads a JSON body.
BODY_ROUTES = [
    ("POST", "jupyterlab-hpc/apps/tensorboard/0"),
    ("POST", "jupyterlab-hpc/dashboards/dask"),
    ("POST", "jupyterlab-hpc/slurm/jobs"),
    ("POST", "jupyterlab-hpc/filesystems/validate"),
    ("PUT", "jupyterlab-hpc/filesystems/mounts"),
]

# (id, body, status, what the message says)
HOSTILE = [
    ("invalid UTF-8", b'{"args": "\xc3\x28"}', 400, "not UTF-8"),
    ("100,000 [", b"[" * 100_000, 400, "nests deeper than"),
    ("100,000 {", b'{"a":' * 100_000, 400, "nests deeper than"),
    # "\ud800" as JSON writes it: valid JSON, no valid text
    ("lone surrogate", b'{"x": "\\ud800"}', 400, "lone surrogate"),
    ("lone surrogate key", b'{"\\udfff": 1}', 400, "lone surrogate"),
    ("NaN", b'{"port": NaN}', 400, "not a JSON number"),
    ("Infinity", b'{"port": -Infinity}', 400, "not a JSON number"),
    ("100,000 entries", b"[" + b"0," * 99_999 + b"0]", 400, "100000 entries"),
    ("8 MiB", b'"' + b"a" * (8 * 1024 * 1024) + b'"', 413, "the most this route takes"),
]


@pytest.fixture
def no_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH where no Slurm client (nor any app) could run."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize(("method", "route"), BODY_ROUTES, ids=[r for _, r in BODY_ROUTES])
@pytest.mark.parametrize(
    ("body", "code", "expected"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
async def test_a_hostile_body_gets_a_4xx_with_a_message_and_changes_nothing(
    no_slurm: None,
    hpc_app: Any,
    jp_fetch: Any,
    method: str,
    route: str,
    body: bytes,
    code: int,
    expected: str,
) -> None:
    response = await jp_fetch(*route.split("/"), method=method, body=body, raise_error=False)
    assert response.code == code
    assert expected in json.loads(response.body)["message"]
    # nothing was launched, submitted or mounted
    running = json.loads((await jp_fetch("jupyterlab-hpc", "apps", "running")).body)
    assert running["instances"] == []
    filesystems = json.loads((await jp_fetch("jupyterlab-hpc", "filesystems")).body)
    assert filesystems["mounted"] == []
