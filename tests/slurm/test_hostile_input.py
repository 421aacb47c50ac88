"""Hostile submissions and odd squeue answers against a real server and real (fake) clients.

Slurm's clients are shell scripts on PATH here: sbatch leaves a marker when it runs, squeue
prints what the test wrote, so each case shows what a user would see and that nothing ran.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.slurm.fakes import squeue_record

JOBS = ("jupyterlab-hpc", "slurm", "jobs")
DEADLINE_S = 30.0
USER = "alice"


class FakeSlurm:
    """squeue prints `squeue.out` and exits 0; sbatch touches `sbatch-ran`."""

    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        self.output = folder / "squeue.out"
        self.output.write_text("")
        self.marker = folder / "sbatch-ran"
        self._script("squeue", f'cat "{self.output}"')
        self._script("sbatch", f'touch "{self.marker}"; echo "Submitted batch job 7"')

    def _script(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)


@pytest.fixture
def slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSlurm:
    fake = FakeSlurm(tmp_path / "slurm")
    monkeypatch.setenv("PATH", f"{fake.bin}:/usr/bin:/bin")
    # squeue -u names the server's user: every job below is that user's.
    monkeypatch.setattr("jupyterlab_hpc.app.server_user", lambda: USER)
    return fake


@pytest.fixture
def hpc_config() -> dict[str, Any]:
    # Short, so that a changed squeue answer is read again soon (back-off included).
    return {"HPCSlurm": {"poll_interval": 0.2}}


async def refused(jp_fetch: Any, *parts: str, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*parts, **kwargs)
    assert raised.value.response is not None
    return raised.value.code, json.loads(raised.value.response.body)["message"]


@pytest.mark.parametrize(
    ("body", "code", "expected"),
    [
        # json.dumps writes a lone surrogate as "\ud800": valid JSON, yet no path or text.
        (json.dumps({"path": "job\ud800.sh"}), 400, "lone surrogate"),
        (json.dumps({"script": "#!/bin/sh\necho \udfff\n"}), 400, "lone surrogate"),
        (json.dumps({"script": "#!/bin/sh\n", "cwd": "\ud800"}), 400, "lone surrogate"),
        (json.dumps({"path": "a" * 5000}), 400, "the most is 4096"),
        (json.dumps({"path": "/".join(["b" * 254] * 16)}), 400, "cannot be used"),
        (json.dumps({"path": "c" * 300 + "/job.sh"}), 400, "longer than 255 bytes"),
        (b'{"path": "job\xff.sh"}', 400, "not UTF-8"),
        (b"[" * 100_000, 400, "nests deeper than"),
        (b'{"script": "' + b"a" * (5 * 1024 * 1024) + b'"}', 413, "the most this route"),
    ],
    ids=[
        "surrogate path",
        "surrogate script",
        "surrogate cwd",
        "5000-character path",
        "path too long once under the root",
        "name over 255 bytes",
        "invalid UTF-8",
        "100,000 [",
        "5 MiB body",
    ],
)
async def test_a_hostile_submission_is_refused_and_nothing_runs(
    slurm: FakeSlurm, hpc_app: Any, jp_fetch: Any, body: str | bytes, code: int, expected: str
) -> None:
    status, message = await refused(jp_fetch, *JOBS, method="POST", body=body)
    assert status == code
    assert expected in message
    assert not slurm.marker.exists()


async def test_squeue_output_it_cannot_read_is_an_error_not_an_empty_list(
    slurm: FakeSlurm, hpc_app: Any, jp_fetch: Any
) -> None:
    # Given a squeue that exits 0 but prints a wrapper's message instead of jobs
    slurm.output.write_text("Slurm is down for maintenance until 14:00\n")
    # Then the job list is an error with squeue's words, never "no jobs"
    status, message = await refused(jp_fetch, *JOBS)
    assert status == 503
    assert "could not be read" in message
    assert "maintenance until 14:00" in message


async def test_unreadable_squeue_output_after_a_good_list_marks_it_stale(
    slurm: FakeSlurm, hpc_app: Any, jp_fetch: Any
) -> None:
    # Given a list read once
    slurm.output.write_text(squeue_record("101", USER))
    first = json.loads((await jp_fetch(*JOBS)).body)
    assert ([job["id"] for job in first["jobs"]], first["stale"]) == (["101"], False)
    # When squeue starts printing something else
    slurm.output.write_text("squeue: unrecognised format\n")
    answer = await _wait_for(jp_fetch, lambda answer: answer["stale"])
    # Then the last good list stays, marked stale, with the reason
    assert [job["id"] for job in answer["jobs"]] == ["101"]
    assert "could not be read" in answer["error"]


async def test_a_big_queue_is_serialised_once_per_squeue_not_per_request(
    slurm: FakeSlurm, hpc_app: Any, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a 50,000-job queue, 10 of them the user's
    records = [squeue_record(str(1000 + i), "bob") for i in range(50_000 - 10)]
    records += [squeue_record(str(900 + i), USER) for i in range(10)]
    slurm.output.write_text("".join(records))
    hpc_app.jobs.poll_interval_s = 3600.0  # one squeue for the whole test
    big_dumps = _count_big_dumps(monkeypatch)
    # When tabs ask for the whole queue and for the user's jobs, several times each
    for _ in range(4):
        every = json.loads((await jp_fetch(*JOBS, params={"scope": "all"})).body)
        mine = json.loads((await jp_fetch(*JOBS, params={"scope": "mine"})).body)
        # Then every answer is whole and right
        assert len(every["jobs"]) == 50_000
        assert every["scope"] == "all" and every["stale"] is False
        assert sorted(job["id"] for job in mine["jobs"]) == [str(900 + i) for i in range(10)]
    # and the big list was turned into JSON once, by the one squeue
    assert big_dumps == [50_000]


def _count_big_dumps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the job lists of 1,000 jobs or more that json.dumps serialises from now on."""
    sizes: list[int] = []
    dumps = json.dumps

    def counting(value: Any, *args: Any, **kwargs: Any) -> str:
        jobs = value.get("jobs") if isinstance(value, dict) else value
        if isinstance(jobs, list) and len(jobs) >= 1000:
            sizes.append(len(jobs))
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", counting)
    return sizes


async def _wait_for(jp_fetch: Any, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        answer = json.loads((await jp_fetch(*JOBS)).body)
        if done(answer) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.1)
