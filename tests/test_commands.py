"""The subprocess seam, with real processes: output, exit status, not found, timeouts that kill."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from jupyterlab_hpc.commands import (
    CommandError,
    CommandNotFound,
    CommandResult,
    CommandTimeout,
    run_command,
    run_command_sync,
)
from tests.support import is_gone

PYTHON = sys.executable


def python(code: str, *args: str) -> list[str]:
    """argv that runs a Python snippet with the test's interpreter."""
    return [PYTHON, "-c", code, *args]


# Writes its pid (and its child's, if it starts one) to the file named in argv[1], then hangs.
HANG = """
import os, sys, time
with open(sys.argv[1], "a") as f:
    f.write(f"{os.getpid()}\\n")
time.sleep(60)
"""

# Starts HANG as a child in the same session, then hangs too (or exits if argv[2] says so,
# leaving the grandchild holding the output pipe).
HANG_WITH_CHILD = f"""
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", {HANG!r}, sys.argv[1]])
with open(sys.argv[1], "a") as f:
    f.write(f"{{os.getpid()}}\\n")
if sys.argv[2:] != ["exit"]:
    time.sleep(60)
"""


def wait_for_pids(path: Path, count: int, timeout_s: float = 60) -> list[int]:
    """The pids the hanging scripts wrote, once `count` of them have."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(line) for line in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.01)
    raise AssertionError(f"{count} pids not written to {path}")


async def test_success_returns_output_status_and_duration() -> None:
    argv = python("import sys; print('out'); print('err', file=sys.stderr)")
    result = await run_command(argv, timeout_s=10)
    assert result == CommandResult(
        argv=tuple(argv), returncode=0, stdout="out\n", stderr="err\n", duration_s=result.duration_s
    )
    assert 0 < result.duration_s < 10


async def test_nonzero_exit_is_a_result_not_an_error() -> None:
    result = await run_command(python("import sys; sys.exit('broken')"), timeout_s=10)
    assert result.returncode == 1
    assert result.stderr == "broken\n"


async def test_arguments_reach_the_command_verbatim_without_a_shell() -> None:
    # given text a shell would expand or split
    text = "$HOME; echo injected `id` *"
    # when it is passed as an argv item
    result = await run_command(python("import sys; print(sys.argv[1])", text), timeout_s=10)
    # then the command receives it unchanged
    assert result.stdout == text + "\n"


async def test_env_and_cwd_are_the_commands(tmp_path: Path) -> None:
    code = "import os; print(os.environ.get('HPC_TEST'), os.environ.get('HOME'), os.getcwd())"
    result = await run_command(python(code), timeout_s=10, env={"HPC_TEST": "yes"}, cwd=tmp_path)
    assert result.stdout.split() == ["yes", "None", str(tmp_path.resolve())]


async def test_stdin_is_closed_so_a_prompt_does_not_hang() -> None:
    result = await run_command(python("input('password: ')"), timeout_s=10)
    assert result.returncode == 1
    assert "EOFError" in result.stderr


@pytest.mark.parametrize("given", ["#!/bin/bash\necho é\n", "#!/bin/bash\necho é\n".encode()])
async def test_input_is_the_commands_whole_stdin(given: str | bytes) -> None:
    # sbatch reads a script given as text from its stdin, to the end
    code = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"
    result = await run_command(python(code), timeout_s=10, input=given)
    assert result.stdout == "#!/bin/bash\necho é\n"


async def test_command_runs_in_a_session_of_its_own() -> None:
    result = await run_command(python("import os; print(os.getsid(0), os.getpid())"), timeout_s=10)
    session, pid = result.stdout.split()
    assert session == pid
    assert int(session) != os.getsid(0)


async def test_missing_executable_is_command_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-tool"
    with pytest.raises(CommandNotFound) as raised:
        await run_command([str(missing), "--help"], timeout_s=10)
    assert isinstance(raised.value, CommandError)
    assert str(missing) in str(raised.value)
    assert raised.value.argv == (str(missing), "--help")


async def test_file_that_is_not_executable_is_command_not_found(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    with pytest.raises(CommandNotFound, match="tool could not be started"):
        await run_command([str(script)], timeout_s=10)


async def test_hanging_command_is_killed_at_its_timeout(tmp_path: Path) -> None:
    # given a command that never ends
    pids = tmp_path / "pids"
    started = time.monotonic()
    # when its timeout passes
    with pytest.raises(CommandTimeout) as raised:
        await run_command(python(HANG, str(pids)), timeout_s=0.5)
    # then the caller hears of it at once, and the process is gone
    assert time.monotonic() - started < 5
    assert str(raised.value) == f"{PYTHON} did not finish within 0.5 s and was killed"
    assert raised.value.timeout_s == 0.5
    (pid,) = wait_for_pids(pids, 1)
    assert is_gone(pid)


@pytest.mark.parametrize("child", ["hangs", "exit"])
async def test_timeout_kills_the_grandchildren_too(tmp_path: Path, child: str) -> None:
    # given a command that started a helper in its session (and then hangs, or exits while
    # the helper holds its output pipe open)
    pids = tmp_path / "pids"
    started = time.monotonic()
    # when the timeout passes
    with pytest.raises(CommandTimeout):
        await run_command(python(HANG_WITH_CHILD, str(pids), child), timeout_s=1)
    # then the caller hears of it at once, and both are gone
    assert time.monotonic() - started < 5
    for pid in wait_for_pids(pids, 2):
        assert is_gone(pid), f"process {pid} survived the timeout"


def test_sync_runs_on_the_servers_loop_from_a_worker_thread(
    server_loop: asyncio.AbstractEventLoop,
) -> None:
    result = run_command_sync(python("print('from the loop')"), timeout_s=10, loop=server_loop)
    assert result.returncode == 0
    assert result.stdout == "from the loop\n"


def test_sync_timeout_kills_the_command(
    server_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    with pytest.raises(CommandTimeout):
        run_command_sync(python(HANG, str(pids)), timeout_s=0.5, loop=server_loop)
    (pid,) = wait_for_pids(pids, 1)
    assert is_gone(pid)


def test_sync_without_a_loop_uses_a_private_one() -> None:
    result = run_command_sync(python("print(42)"), timeout_s=10)
    assert result.stdout == "42\n"


async def test_sync_refuses_to_block_its_own_loop() -> None:
    with pytest.raises(RuntimeError, match="await run_command"):
        run_command_sync(python("print(1)"), timeout_s=10, loop=asyncio.get_running_loop())
