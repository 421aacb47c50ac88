"""The shared squeue cache: one squeue per interval for any number of requests, stale on errors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

import pytest

from jupyterlab_hpc.commands import CommandResult
from jupyterlab_hpc.slurm.queue import JobQueue, QueueUnavailable
from jupyterlab_hpc.slurm.runner import SlurmRunner
from tests.slurm.fakes import Clock, FakeCommands, squeue_record

US = "\x1f"
DOWN = "squeue: error: Unable to contact slurm controller (connect failure)"
INTERVAL = 15.0


def listings(commands: FakeCommands) -> list[list[str]]:
    """The squeues that listed jobs (not the lookups of how a job ended)."""
    return [argv for argv in commands.calls if argv[0] == "squeue" and "-t" not in argv]


@pytest.fixture
def commands() -> FakeCommands:
    return FakeCommands(squeue_record("1", "alice") + squeue_record("2", "bob"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(commands: FakeCommands, clock: Clock) -> JobQueue:
    runner = SlurmRunner(timeout_s=10, run=commands)
    return JobQueue(runner, user="alice", poll_interval_s=INTERVAL, clock=clock)


async def test_ten_concurrent_requests_run_one_squeue(
    queue: JobQueue, commands: FakeCommands
) -> None:
    # given ten tabs asking at once
    views = await asyncio.gather(*(queue.jobs("mine") for _ in range(10)))
    # then one squeue ran, for the user's jobs only, and all ten got its answer
    assert len(commands.calls) == 1
    argv = commands.calls[0]
    assert argv[:3] == ["squeue", "-h", "-o"] and argv[4:] == ["-u", "alice"]
    assert all(view is views[0] or view == views[0] for view in views)
    assert [job["id"] for job in views[0].jobs] == ["1"]
    assert (views[0].stale, views[0].error) == (False, None)
    assert views[0].fetched_at is not None and views[0].fetched_at.endswith("Z")


async def test_answers_are_reused_until_the_interval_has_passed(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    await queue.jobs("mine")
    clock.advance(INTERVAL - 0.1)
    await queue.jobs("mine")
    assert len(commands.calls) == 1
    clock.advance(0.1)
    await queue.jobs("mine")
    assert len(commands.calls) == 2


async def test_the_whole_queue_is_asked_for_only_on_request(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    every = await queue.jobs("all")
    assert "-u" not in commands.calls[0]
    assert [job["user"] for job in every.jobs] == ["alice", "bob"]
    # while the whole queue is fresh, the user's jobs come out of it: no second squeue
    mine = await queue.jobs("mine")
    assert len(commands.calls) == 1
    assert [job["id"] for job in mine.jobs] == ["1"]
    assert mine.fetched_at == every.fetched_at
    # once it is not fresh, "mine" asks squeue for the user's jobs only
    clock.advance(INTERVAL)
    await queue.jobs("mine")
    assert commands.calls[1][-2:] == ["-u", "alice"]


async def test_a_failure_keeps_the_last_list_marked_stale(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    good = await queue.jobs("mine")
    # when the controller goes down
    commands.failure = DOWN
    clock.advance(INTERVAL)
    view = await queue.jobs("mine")
    # then the last list is shown, stale, with Slurm's words, and when it was fetched
    assert view.jobs == good.jobs
    assert (view.stale, view.error, view.fetched_at) == (True, DOWN, good.fetched_at)


async def test_no_list_at_all_is_an_error_not_an_empty_list(
    queue: JobQueue, commands: FakeCommands
) -> None:
    commands.failure = DOWN
    with pytest.raises(QueueUnavailable, match="Unable to contact slurm controller"):
        await queue.jobs("mine")


async def test_output_squeue_cannot_read_is_an_error_not_an_empty_list(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    # given squeue exiting 0 with something else than jobs
    commands.output = "Slurm maintenance until 14:00\n"
    with pytest.raises(QueueUnavailable, match=r"could not be read.*maintenance"):
        await queue.jobs("all")
    # and after a good list, the same makes it stale with the reason
    commands.output = squeue_record("1", "alice")
    clock.advance(4 * INTERVAL)
    good = await queue.jobs("all")
    commands.output = "Slurm maintenance until 14:00\n"
    clock.advance(INTERVAL)
    view = await queue.jobs("all")
    assert (view.jobs, view.stale) == (good.jobs, True)
    assert view.error is not None and "could not be read" in view.error


async def test_each_list_is_serialised_once_and_matches_its_jobs(
    queue: JobQueue, commands: FakeCommands
) -> None:
    every = await queue.jobs("all")
    mine = await queue.jobs("mine")
    assert json.loads(every.jobs_json) == every.jobs
    assert json.loads(mine.jobs_json) == mine.jobs == [every.jobs[0]]
    # the same text for every request until the next squeue
    assert (await queue.jobs("all")).jobs_json is every.jobs_json
    assert (await queue.jobs("mine")).jobs_json is mine.jobs_json


async def test_failures_back_off_up_to_four_intervals_then_recover(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    await queue.jobs("mine")
    commands.failure = DOWN
    # the waits after 1, 2, 3 and 4 failures in a row: 1, 2, 4 and 4 intervals
    clock.advance(INTERVAL)
    for waited in (1, 2, 4, 4):
        calls = len(commands.calls)
        await queue.jobs("mine")
        assert len(commands.calls) == calls + 1
        clock.advance(waited * INTERVAL - 0.1)
        await queue.jobs("mine")
        assert len(commands.calls) == calls + 1, f"asked again before {waited} intervals"
        clock.advance(0.1)
    # when the controller is back, the next try succeeds and the list is fresh again
    commands.failure = None
    recovered = await queue.jobs("mine")
    assert (recovered.stale, recovered.error) == (False, None)
    # and the interval is the normal one again
    clock.advance(INTERVAL)
    calls = len(commands.calls)
    await queue.jobs("mine")
    assert len(commands.calls) == calls + 1


async def test_invalidate_makes_the_next_request_ask_squeue(
    queue: JobQueue, commands: FakeCommands
) -> None:
    await queue.jobs("mine")
    # after a cancel
    queue.invalidate()
    commands.output = squeue_record("2", "bob")
    views = await asyncio.gather(*(queue.jobs("mine") for _ in range(5)))
    # then one new squeue serves every request (and job 1's end is asked of sacct once)
    assert len(listings(commands)) == 2
    assert all(view.jobs == [] for view in views)


class HeldCommands(FakeCommands):
    """FakeCommands whose squeues answer only once `release` is set, with the output they saw
    when they started: a squeue in flight for as long as a test needs."""

    def __init__(self, output: str) -> None:
        super().__init__(output, delay_s=0)
        self.release = asyncio.Event()

    async def __call__(self, argv: Sequence[str], **kwargs: Any) -> CommandResult:
        self.calls.append(list(argv))
        self.kwargs.append(kwargs)
        output = self.output
        await self.release.wait()
        return await FakeCommands(output, delay_s=0)(argv, **kwargs)


@pytest.fixture
def held(clock: Clock) -> tuple[JobQueue, HeldCommands]:
    commands = HeldCommands(squeue_record("1", "alice") + squeue_record("2", "bob"))
    runner = SlurmRunner(timeout_s=10, run=commands)
    return JobQueue(runner, user="alice", poll_interval_s=INTERVAL, clock=clock), commands


async def started(commands: FakeCommands, count: int, timeout_s: float = 60) -> None:
    """Return once `count` squeues have started, letting the event loop run."""
    deadline = time.monotonic() + timeout_s
    while len(commands.calls) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} squeue(s) not started: {commands.calls}")
        await asyncio.sleep(0.01)


async def test_a_squeue_in_flight_during_invalidate_is_not_the_answer(
    held: tuple[JobQueue, HeldCommands],
) -> None:
    queue, commands = held
    # given a squeue started before the user cancelled job 1, and not answered yet
    before = asyncio.ensure_future(queue.jobs("mine"))
    await started(commands, 1)
    queue.invalidate()
    commands.output = ""
    # when a tab asks after the cancel
    after = asyncio.ensure_future(queue.jobs("mine"))
    commands.release.set()
    # then its answer comes from a squeue started after the cancel
    assert (await after).jobs == []
    assert len(listings(commands)) == 2
    # and so does the request that was waiting for the older one
    assert (await before).jobs == []


async def test_a_request_that_goes_away_does_not_cancel_the_shared_squeue(
    held: tuple[JobQueue, HeldCommands],
) -> None:
    queue, commands = held
    leaving = asyncio.ensure_future(queue.jobs("mine"))
    await started(commands, 1)
    staying = asyncio.ensure_future(queue.jobs("mine"))
    # one turn: the second request awaits the squeue in flight
    await asyncio.sleep(0)
    leaving.cancel()
    commands.release.set()
    view = await staying
    assert leaving.cancelled()
    assert [job["id"] for job in view.jobs] == ["1"]
    assert len(commands.calls) == 1


async def test_squeue_runs_with_a_fixed_environment(
    queue: JobQueue, commands: FakeCommands, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a user environment that would filter squeue or change its times
    monkeypatch.setenv("SQUEUE_USERS", "bob")
    monkeypatch.setenv("SQUEUE_FORMAT", "%i")
    monkeypatch.setenv("SLURM_TIME_FORMAT", "relative")
    monkeypatch.setenv("SLURM_CONF", "/etc/slurm/site.conf")
    await queue.jobs("mine")
    env = commands.kwargs[0]["env"]
    assert "SQUEUE_USERS" not in env and "SQUEUE_FORMAT" not in env
    assert env["SLURM_TIME_FORMAT"] == "standard"
    assert env["SLURM_CONF"] == "/etc/slurm/site.conf"
    assert commands.kwargs[0]["timeout_s"] == 10


async def test_browsers_may_reuse_an_answer_until_the_next_squeue_is_due(
    queue: JobQueue, commands: FakeCommands, clock: Clock
) -> None:
    # nothing fetched yet: nothing to reuse
    assert queue.fresh_for_s("mine") == 0
    await queue.jobs("mine")
    clock.advance(5.5)
    # then the answer is current for the rest of the interval, in whole seconds
    assert queue.fresh_for_s("mine") == 9
    # but not after a change the user made, nor once squeue fails
    queue.invalidate()
    assert queue.fresh_for_s("mine") == 0
    commands.failure = DOWN
    clock.advance(INTERVAL)
    await queue.jobs("mine")
    assert queue.fresh_for_s("mine") == 0


class AccountedCommands(FakeCommands):
    """FakeCommands that also answers sacct from `ends` (id -> (state, exit code))."""

    def __init__(self, output: str) -> None:
        super().__init__(output, delay_s=0)
        self.ends: dict[str, tuple[str, str]] = {}
        self.pending_output = ""

    async def __call__(self, argv: Sequence[str], **kwargs: Any) -> CommandResult:
        if argv[0] == "sacct":
            self.calls.append(list(argv))
            ids = argv[argv.index("-j") + 1].split(",")
            lines = [
                US.join([job_id, *self.ends[job_id], f"name of {job_id}"])
                for job_id in ids
                if job_id in self.ends
            ]
            return CommandResult(tuple(argv), 0, "".join(line + "\n" for line in lines), "", 0)
        if argv[0] == "squeue" and "-t" in argv:
            self.calls.append(list(argv))
            text = self.pending_output if "PD" in argv else ""
            return CommandResult(tuple(argv), 0, text, "", 0)
        return await super().__call__(argv, **kwargs)


@pytest.fixture
def accounted(clock: Clock) -> tuple[JobQueue, AccountedCommands]:
    commands = AccountedCommands(
        squeue_record("1", "alice", "train", state="PENDING")
        + squeue_record("2", "alice", "prep", state="RUNNING")
        + squeue_record("3", "bob")
    )
    runner = SlurmRunner(timeout_s=10, run=commands)
    return JobQueue(runner, user="alice", poll_interval_s=INTERVAL, clock=clock), commands


async def test_changes_of_the_users_jobs_become_events(
    accounted: tuple[JobQueue, AccountedCommands], clock: Clock
) -> None:
    queue, commands = accounted
    # the first list is the baseline: nothing has happened yet
    await queue.jobs("mine")
    assert (queue.last_event, queue.events_after(0)) == (0, [])
    # when job 1 starts and job 2 leaves the queue out of memory
    commands.output = squeue_record("1", "alice", "train", state="RUNNING") + squeue_record(
        "3", "bob"
    )
    commands.ends = {"2": ("OUT_OF_MEMORY", "0:125")}
    clock.advance(INTERVAL)
    await queue.jobs("mine")
    # then one sacct asked how job 2 ended, and both changes are events, oldest first
    assert [argv[-1] for argv in commands.calls if argv[0] == "sacct"] == ["2"]
    events = queue.events_after(0)
    assert [(e["seq"], e["kind"], e["id"], e["name"]) for e in events] == [
        (1, "started", "1", "train"),
        (2, "out_of_memory", "2", "prep"),
    ]
    assert (events[1]["state"], events[1]["exit_code"]) == ("OUT_OF_MEMORY", "0:125")
    assert queue.events_after(1) == events[1:] and queue.last_event == 2
    # when job 1 fails and the accounting has its end only one list later
    commands.output = squeue_record("3", "bob")
    clock.advance(INTERVAL)
    await queue.jobs("mine")
    assert queue.last_event == 2
    commands.ends["1"] = ("FAILED", "2:0")
    clock.advance(INTERVAL)
    await queue.jobs("mine")
    [failed] = queue.events_after(2)
    assert (failed["kind"], failed["id"], failed["exit_code"]) == ("failed", "1", "2:0")
    # and bob's jobs never make events for alice
    assert {event["id"] for event in queue.events_after(0)} == {"1", "2"}


async def test_a_requeued_job_is_an_event(
    accounted: tuple[JobQueue, AccountedCommands], clock: Clock
) -> None:
    queue, commands = accounted
    await queue.jobs("all")
    commands.output = squeue_record("1", "alice", "train", state="PENDING") + squeue_record(
        "2", "alice", "prep", state="PENDING"
    )
    clock.advance(INTERVAL)
    # the whole queue's list counts as well
    await queue.jobs("all")
    assert [(e["kind"], e["id"]) for e in queue.events_after(0)] == [("requeued", "2")]


async def test_pending_jobs_get_their_place_in_the_queue(
    accounted: tuple[JobQueue, AccountedCommands], clock: Clock
) -> None:
    queue, commands = accounted
    commands.pending_output = squeue_record(
        "7", "bob", state="PENDING", priority=5000
    ) + squeue_record("1", "alice", "train", state="PENDING", priority=1000)
    view = await queue.jobs("mine")
    assert [(job["id"], job["queue_position"]) for job in view.jobs] == [("1", 2), ("2", None)]
    assert "priority" not in json.loads(view.jobs_json)[0]
    # the places are asked for at most once per 4 intervals
    clock.advance(INTERVAL)
    view = await queue.jobs("mine")
    assert view.jobs[0]["queue_position"] == 2
    places = [argv for argv in commands.calls if "PD" in argv]
    assert len(places) == 1 and places[0][places[0].index("-p") + 1] == "debug"


async def test_a_job_submitted_here_that_ends_before_any_list_is_still_told(
    accounted: tuple[JobQueue, AccountedCommands], clock: Clock
) -> None:
    queue, commands = accounted
    # given a job submitted through this server before the first list, and one after it
    queue.watch("40")
    await queue.jobs("mine")
    queue.watch("41")
    # when both end before a list shows them
    commands.ends = {"40": ("COMPLETED", "0:0"), "41": ("TIMEOUT", "0:0")}
    queue.invalidate()
    await queue.jobs("mine")
    queue.invalidate()
    await queue.jobs("mine")
    # then each end is an event, named as accounting knows it, and nothing else is told
    assert [(e["kind"], e["id"], e["name"]) for e in queue.events_after(0)] == [
        ("completed", "40", "name of 40"),
        ("timeout", "41", "name of 41"),
    ]
