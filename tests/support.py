"""Helpers shared by the tests: file trees, golden answers, shape comparison, real servers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

GOLDEN = Path(__file__).parent / "golden"


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Create files (relative path -> content) under root."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def load_golden(name: str) -> Any:
    """One of the golden API answers that the frontend's jest fakes load too."""
    return json.loads((GOLDEN / name).read_text("utf-8"))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def shape_mismatches(golden: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` differs in shape from `golden`: keys, and JSON types.

    A null in the golden file allows any value (it is an optional object or reading).
    Array items are compared with the golden file's first item.
    """
    if golden is None:
        return []
    if _kind(golden) != _kind(actual):
        return [f"{where}: golden is {_kind(golden)}, answer is {_kind(actual)} ({actual!r})"]
    problems: list[str] = []
    if isinstance(golden, dict):
        missing = sorted(set(golden) - set(actual))
        extra = sorted(set(actual) - set(golden))
        if missing:
            problems.append(f"{where}: missing keys {missing}")
        if extra:
            problems.append(f"{where}: keys not in the golden file {extra}")
        for key in set(golden) & set(actual):
            problems += shape_mismatches(golden[key], actual[key], f"{where}.{key}")
    elif isinstance(golden, list) and golden:
        for index, item in enumerate(actual):
            problems += shape_mismatches(golden[0], item, f"{where}[{index}]")
    return problems


def is_gone(pid: int, timeout_s: float = 30) -> bool:
    """Whether the process has exited within `timeout_s` (a zombie left for init to reap counts
    as exited); always looks at least once, so `is_gone(pid, 0)` says whether it runs now."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def server_argv(port: int, token: str, root: Path, *extra: str) -> list[str]:
    """argv of `python -m jupyter_server` on 127.0.0.1:`port`, with `token`, serving `root`."""
    return [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *extra,
    ]


def start_server(
    argv: list[str], log_path: Path, env: Mapping[str, str] | None = None, **popen: Any
) -> subprocess.Popen[bytes]:
    """Start `argv` in a session of its own (out of pytest's group: only the signals a test
    sends reach it), its output and errors written to `log_path`.

    SIGINT and SIGQUIT are given back their default action: a shell without job control starts
    background commands (a CI script's, `make test &`) with both ignored, children inherit
    that, and a server whose SIGINT is ignored rightly ignores a test's SIGINT too.
    """
    with log_path.open("wb") as log:
        return subprocess.Popen(
            argv,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_interrupts,
            **popen,
        )


def _default_interrupts() -> None:
    """In the child, before exec: SIGINT and SIGQUIT do what they do by default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


@contextmanager
def running_server(
    argv: list[str], log_path: Path, env: Mapping[str, str] | None = None, *, grace_s: float
) -> Iterator[subprocess.Popen[bytes]]:
    """`start_server`, then on leaving: SIGTERM to its process group, SIGKILL to the group if
    it has not exited within `grace_s`, and the process reaped."""
    process = start_server(argv, log_path, env)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def finishes_within(seconds: float, call: Callable[[], Any]) -> Any:
    """call()'s result or exception, or a test failure when it is still running after `seconds`:
    a bound for a loaded machine, far below what a call that hangs would take."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:
            outcome.append((False, error))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        pytest.fail(f"still running after {seconds:g} s")
    [(returned, value)] = outcome
    if not returned:
        raise value
    return value


def copied_project(tmp_path: Path, files: Iterable[str], test_dir: str, test: str) -> Path:
    """A new project under `tmp_path` holding `files` (paths under tests/, as they are in this
    repository) and `test` as tests/<test_dir>/test_one.py; returns its folder."""
    repo_tests = Path(__file__).resolve().parent
    project = tmp_path / "project"
    (project / "tests" / test_dir).mkdir(parents=True)
    for name in files:
        shutil.copy(repo_tests / name, project / "tests" / name)
    (project / "tests" / test_dir / "test_one.py").write_text(test)
    return project


def run_pytest(
    project: Path, test_dir: str, env: Mapping[str, str], *, ci: bool
) -> subprocess.CompletedProcess[str]:
    """pytest over tests/<test_dir> of `project`, with `env` and CI set (or unset) as said."""
    run_env = {k: v for k, v in os.environ.items() if k != "CI"}
    run_env.update(env)
    if ci:
        run_env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", f"tests/{test_dir}"],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_fails_in_ci_skips_elsewhere(
    result: subprocess.CompletedProcess[str], *, ci: bool
) -> None:
    """A test needing a testbed that is not running: an error under CI (which must run it),
    a skip with its reason elsewhere (a developer gets the rest of the suite)."""
    if ci:
        assert result.returncode != 0, result.stdout
        assert "1 error" in result.stdout, result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout, result.stdout


# A testbed script that only records how it was called and says it is not ready.
FAKE_TESTBED = """\
#!{python}
import sys
with open({calls!r}, "a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
print({answer!r})
sys.exit(1)
"""


def run_with_fake_testbed(
    tmp_path: Path,
    *,
    script: str,
    answer: str,
    fixtures: Iterable[str],
    test_dir: str,
    test: str,
    env: Mapping[str, str],
    ci: bool,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `test` in a copied project whose scripts/`script` is FAKE_TESTBED printing `answer`;
    returns pytest's result and the script's calls (one line each)."""
    project = copied_project(tmp_path, ("__init__.py", "support.py", *fixtures), test_dir, test)
    (project / "scripts").mkdir()
    calls = tmp_path / "calls"
    calls.touch()
    fake = project / "scripts" / script
    fake.write_text(FAKE_TESTBED.format(python=sys.executable, calls=str(calls), answer=answer))
    fake.chmod(0o755)
    return run_pytest(project, test_dir, env, ci=ci), calls.read_text()
