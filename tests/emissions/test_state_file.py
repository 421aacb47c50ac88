"""A corrupted emissions state file: set aside, a fresh account marked as such, never a dead
extension. Each corruption is tried on the account alone and through a real Jupyter server."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from jupyterlab_hpc.emissions.factor import FactorReading
from jupyterlab_hpc.emissions.integrator import EmissionsAccount

JOB = "4242"
STATE_NAME = f"jupyterlab-hpc-emissions-{JOB}.json"
T0 = datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
LOG = logging.getLogger("test-emissions-state")
SOUND = {"job_id": JOB, "energy_wh": 12.5, "co2_g": 0.5, "since": "2026-06-14T18:00:00.000Z"}


def state(**changes: Any) -> bytes:
    """A state file that is sound but for the given fields."""
    return json.dumps({**SOUND, **changes}).encode()


def write(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_directory(path: Path) -> None:
    (path / "inside").mkdir(parents=True)


# Each fault injected, by name: what is put where the state file should be.
CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "since not ISO 8601": write(state(since="yesterday")),
    "since not a string": write(state(since=5)),
    "since before UTC can hold": write(state(since="0001-01-01T00:00:00+01:00")),
    "since after UTC can hold": write(state(since="9999-12-31T23:59:59-01:00")),
    "since in year 1": write(state(since="0001-01-02T00:00:00Z")),
    "deep nesting": write(b"[" * 100_000),
    "deep nesting in an object": write(b'{"job_id": ' + b"[" * 50_000),
    "invalid UTF-8": write(b'{"job_id": "4242", "energy_wh": \xff\xfe}'),
    "a FIFO nobody writes": make_fifo,
    "a directory": make_directory,
    "negative energy": write(state(energy_wh=-1)),
    "NaN energy": write(
        b'{"job_id": "4242", "energy_wh": NaN, "co2_g": 1, "since": "2026-06-14T18:00:00Z"}'
    ),
    "infinite energy": write(state(energy_wh=1e999)),
    "1e308 Wh": write(state(energy_wh=1e308, co2_g=1)),
    "more CO2 than any grid emits": write(state(co2_g=1000.0)),
    "energy as a string": write(state(energy_wh="lots")),
    "energy as a boolean": write(state(energy_wh=True)),
    "energy as a list": write(state(energy_wh=[1])),
    "a huge integer": write(
        b'{"job_id": "4242", "energy_wh": 1'
        + b"0" * 400
        + b', "co2_g": 1, "since": "2026-06-14T18:00:00Z"}'
    ),
    "job id as a number": write(state(job_id=4242)),
    "a list, not an object": write(b"[1, 2, 3]"),
    "a string, not an object": write(b'"hello"'),
    "empty": write(b""),
    "larger than 64 KiB": write(state(padding=" " * 70_000)),
}


def reading() -> FactorReading:
    return FactorReading(50.0, "RTE éCO2mix (ODRÉ)", "direct", "live", T0, 1.0, None)


def account(directory: Path) -> EmissionsAccount:
    return EmissionsAccount(state_dir=directory, job_id=JOB, log=LOG)


def load_within(directory: Path, seconds: float = 60) -> EmissionsAccount:
    """The account, built in a thread so that a start that hangs fails the test."""
    built: list[EmissionsAccount] = []
    worker = threading.Thread(target=lambda: built.append(account(directory)), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail("reading the state file hangs the start")
    assert built, "reading the state file raised"
    return built[0]


def set_aside(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{STATE_NAME}.corrupt-*"))


def test_a_sound_state_file_is_continued(tmp_path: Path) -> None:
    (tmp_path / STATE_NAME).write_bytes(state())
    totals = account(tmp_path)
    assert (totals.energy_wh, totals.restarted_reason) == (12.5, None)
    assert "restarted_reason" not in totals.update(T0, 100.0, None, reading())


@pytest.mark.parametrize("corruption", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_a_corrupt_state_file_is_set_aside_and_counting_restarts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, corruption: str
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    CORRUPTIONS[corruption](tmp_path / STATE_NAME)
    # when the account starts on it
    totals = load_within(tmp_path)
    # then it counts from zero, says why, and keeps the bad file aside for a look
    assert (totals.energy_wh, totals.co2_g) == (0.0, 0.0)
    assert totals.restarted_reason is not None
    assert totals.restarted_reason.startswith("The saved total of this job could not be read (")
    [aside] = set_aside(tmp_path)
    assert not (tmp_path / STATE_NAME).exists()
    [warning] = caplog.records
    assert str(aside) in warning.getMessage()
    assert "counting from zero" in warning.getMessage()
    # and the emissions section is marked as a fresh account
    totals.update(T0, 100.0, None, reading())
    section = totals.update(T0 + HOUR, 100.0, None, reading())
    assert section["energy_wh"] == 100.0
    assert section["restarted_reason"] == totals.restarted_reason
    assert totals.restarted_reason in section["reason"]
    # and the next save writes a sound file that a restart continues from
    totals.save()
    assert account(tmp_path).energy_wh == 100.0


# --- through a real server ------------------------------------------------------------------


@pytest.fixture
def corrupt_state(request: pytest.FixtureRequest, jp_server_config: Any, tmp_path: Path) -> Path:
    """The server's job id set, and its state file corrupted as the test's parameter says."""
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("SLURM_JOB_ID", JOB)
    directory = Path(jp_server_config["HPCEmissions"]["state_dir"])
    directory.mkdir(parents=True, exist_ok=True)
    CORRUPTIONS[request.param](directory / STATE_NAME)
    return directory


@pytest.mark.parametrize("corrupt_state", list(CORRUPTIONS), ids=list(CORRUPTIONS), indirect=True)
async def test_a_corrupt_state_file_leaves_every_route_answering(
    corrupt_state: Path, jp_fetch: Any, hpc_app: Any
) -> None:
    # when the server started on a corrupt state file, then the extension is on
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["features"]["emissions"] is not None

    async def emissions() -> dict[str, Any]:
        while True:
            response = await jp_fetch("jupyterlab-hpc", "metrics")
            assert response.code == 200
            section = json.loads(response.body)["emissions"]
            if section.get("restarted_reason"):
                return section
            await asyncio.sleep(0.05)

    # and the emissions section says it is a fresh account, and why
    section = await asyncio.wait_for(emissions(), 60)
    assert section["restarted_reason"].startswith("The saved total of this job could not be read")
    history = await jp_fetch("jupyterlab-hpc", "metrics", "history")
    assert history.code == 200
    assert len(set_aside(corrupt_state)) == 1
