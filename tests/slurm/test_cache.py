"""The cluster's shared queue list: the writer's files, what a server trusts, and a real
server that asks slurmctld nothing for its user's jobs while the list is fresh."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc.slurm.cache import STAMP, CacheUnusable, read_user_jobs, write_once
from jupyterlab_hpc.slurm.queue import JobQueue
from jupyterlab_hpc.slurm.runner import SlurmRunner
from tests.slurm.conftest import REPO, SlurmTestbed, start_user_server
from tests.slurm.fakes import Clock, FakeCommands, squeue_record
from tests.slurm.test_routes_slurm import JOBS, held, quiet_rpcs, rpcs_by_user, wait_for

ME = os.getuid()


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A folder as the writer leaves it: the caller's (root's in CI), 0711."""
    folder = tmp_path / "queue"
    folder.mkdir(mode=0o711)
    folder.chmod(0o711)
    return folder


def put(folder: Path, name: str, data: Any, mode: int = 0o400) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    path.chmod(mode)
    return path


def stamp(folder: Path, age_s: float = 0.0, interval_s: float = 15.0) -> None:
    data = {"fetched_at": "2026-12-04T10:00:00.000Z", "time": time.time() - age_s}
    put(folder, STAMP, {**data, "interval_s": interval_s}, mode=0o644)


def user() -> str:
    return pwd.getpwuid(ME).pw_name


needs_root = pytest.mark.skipif(ME != 0, reason="the writer's files belong to root")


@needs_root
def test_a_fresh_list_gives_the_users_jobs_and_a_missing_file_none(shared: Path) -> None:
    stamp(shared)
    assert read_user_jobs(shared, user()) == {
        "jobs": [],
        "fetched_at": "2026-12-04T10:00:00.000Z",
    }
    put(shared, f"{user()}.json", {"jobs": [{"id": "5", "user": user()}]})
    assert read_user_jobs(shared, user())["jobs"] == [{"id": "5", "user": user()}]


@needs_root
@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("stale", "old: is its writer running"),
        ("folder writable by others", "may be written by others"),
        ("stamp writable by others", "may be written by others"),
        ("file of another owner", "not the writer"),
        ("another user's jobs", "does not hold"),
        ("not the writer's stamp", "is not the writer's"),
    ],
)
def test_an_untrustworthy_or_old_list_is_not_used(shared: Path, problem: str, message: str) -> None:
    stamp(shared, age_s=46 if problem == "stale" else 0)
    mine = put(shared, f"{user()}.json", {"jobs": [{"id": "5", "user": "mallory"}]})
    if problem != "another user's jobs":
        put(shared, f"{user()}.json", {"jobs": [{"id": "5", "user": user()}]})
    if problem == "folder writable by others":
        shared.chmod(0o777)
    if problem == "stamp writable by others":
        (shared / STAMP).chmod(0o666)
    if problem == "file of another owner":
        os.chown(mine, 65534, 65534)
    if problem == "not the writer's stamp":
        put(shared, STAMP, {"time": "yesterday"}, mode=0o644)
    with pytest.raises(CacheUnusable, match=message):
        read_user_jobs(shared, user())


@needs_root
async def test_the_queue_reads_the_shared_list_and_falls_back_to_squeue(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = FakeCommands(squeue_record("1", user()))
    clock = Clock()
    runner = SlurmRunner(timeout_s=10, run=commands)
    queue = JobQueue(runner, user=user(), poll_interval_s=15, cache_dir=str(shared), clock=clock)
    stamp(shared)
    put(shared, f"{user()}.json", {"jobs": [{"id": "7", "user": user(), "state": "RUNNING"}]})
    # a fresh shared list: no squeue at all
    view = await queue.jobs("mine")
    assert ([job["id"] for job in view.jobs], commands.calls) == (["7"], [])
    assert view.fetched_at == "2026-12-04T10:00:00.000Z"
    # an old one (its writer stopped): the server's own squeue
    stamp(shared, age_s=60)
    clock.advance(15)
    view = await queue.jobs("mine")
    assert [job["id"] for job in view.jobs] == ["1"]
    listings = [argv for argv in commands.calls if argv[0] == "squeue" and "-t" not in argv]
    assert len(listings) == 1 and listings[0][-2:] == ["-u", user()]


# -- against the real testbed ---------------------------------------------------------------


@pytest.fixture
def writer(testbed: SlurmTestbed) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """The real writer, as root, every second, in a folder of its own."""
    if os.geteuid() != 0:
        pytest.skip("the writer runs as root")
    folder = Path("/tmp") / f"jupyterlab-hpc-queue-{secrets.token_hex(4)}"
    env = {**os.environ, **testbed.env, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "jupyterlab_hpc.slurm.cache", "--dir", str(folder)]
    process = subprocess.Popen([*argv, "--interval", "1"], env=env)
    try:
        wait_for(lambda: (folder / STAMP).exists(), 30, what="the writer's first list")
        yield folder, process
    finally:
        process.terminate()
        process.wait(30)
        for path in folder.glob("*"):
            path.unlink()
        folder.rmdir()


def test_write_once_gives_each_user_their_own_file(
    testbed: SlurmTestbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("the writer runs as root")
    # the writer's environment: the testbed's Slurm
    for name, value in testbed.env.items():
        monkeypatch.setenv(name, value)
    tmp_path.chmod(0o711)
    job = testbed.run(["sbatch", "--parsable", "--hold", "-o", "/dev/null", "--wrap", "true"])
    try:
        assert write_once(tmp_path, timeout_s=30, interval_s=15) >= 1
        mine = tmp_path / f"{testbed.user}.json"
        info = mine.stat()
        # the user's alone, readable by nobody else
        assert (info.st_mode & 0o777, info.st_uid) == (0o400, pwd.getpwnam(testbed.user).pw_uid)
        jobs = json.loads(mine.read_text())["jobs"]
        assert job.stdout.strip() in {j["id"] for j in jobs}
        assert {j["user"] for j in jobs} == {testbed.user}
    finally:
        testbed.run(["scancel", job.stdout.strip()])


def test_a_server_on_the_shared_list_asks_slurmctld_nothing_for_its_users_jobs(
    testbed: SlurmTestbed, writer: tuple[Path, subprocess.Popen[bytes]]
) -> None:
    folder, process = writer
    with start_user_server(testbed, f"--HPCSlurm.queue_cache_dir={folder}") as server:
        job_id = held(testbed, server, "on the shared list")

        def listed() -> dict[str, Any] | None:
            status, answer = server.request("GET", JOBS)
            assert status == 200, answer
            return answer if job_id in {job["id"] for job in answer["jobs"]} else None

        wait_for(listed, 30, what="the job in the shared list")
        # when the user's tabs poll for a while, the list moving on with the writer's
        before = quiet_rpcs(testbed, 1.0)
        seen = set()
        deadline = time.monotonic() + 60
        while len(seen) < 4 and time.monotonic() < deadline:
            answer = listed()
            assert answer is not None and not answer["stale"]
            seen.add(answer["fetched_at"])
            time.sleep(0.3)
        assert len(seen) >= 4, seen
        # then none of it reached slurmctld as the user's RPCs
        assert rpcs_by_user(testbed) == before
        # and when the writer stops, the server runs its own squeue again, with the same jobs
        process.terminate()
        process.wait(30)
        # (the tabs still polling: the server asks only when asked)
        wait_for(
            lambda: listed() is not None and rpcs_by_user(testbed) > before,
            60,
            what="the server's own squeue",
        )
        assert "squeue instead of the shared list" in server.log()
