"""A configuration mistake stops a real server at start, with the trait and the value at fault.

Each case starts `python -m jupyter_server` on the working tree's code with one mistake in
its config file, as an admin would write it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Generous for a loaded 2-core machine: a server start that fails takes a few seconds.
START_TIMEOUT_S = 120
RUNNING = "is running at"

# (id, the line of jupyter_server_config.py, what the server's last words must name)
MISTAKES = [
    (
        "an app named api",
        "c.HPCApps.apps = {'api': {'command': ['true']}}",
        ["HPCApps.apps", "'api'"],
    ),
    (
        "an attribute in a command",
        "c.HPCApps.apps = {'lens': {'command': ['lens', '--port', '{port.__class__}']}}",
        ["HPCApps.apps['lens'].command", "{port.__class__}"],
    ),
    (
        "an ftp:// URL",
        "c.HPCEmissions.url = 'ftp://mirror.example.org/eco2mix'",
        ["HPCEmissions.url", "'ftp://mirror.example.org/eco2mix'"],
    ),
    (
        "a show_from that is no date",
        "c.HPCBanner.show_from = 'next monday'",
        ["HPCBanner.show_from", "'next monday'"],
    ),
    (
        "a negative sample_interval",
        "c.HPCPower.sample_interval = -1",
        ["HPCPower.sample_interval", "-1"],
    ),
    ("a zero poll_interval", "c.HPCSlurm.poll_interval = 0", ["HPCSlurm.poll_interval", "0"]),
]


def start_server(tmp_path: Path, line: str) -> subprocess.Popen[str]:
    """A jupyter_server on a free port with jupyterlab_hpc on and `line` in its config."""
    config = tmp_path / "jupyter_server_config.py"
    config.write_text(
        "c.ServerApp.jpserver_extensions = {'jupyterlab_hpc': True}\n"
        f"c.HPCEmissions.provider = 'static'\n{line}\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
    }
    argv = [sys.executable, "-m", "jupyter_server", f"--config={config}", "--port=0"]
    # --allow-root: CI runs as root, and the server would refuse that before serving anyway.
    argv += ["--no-browser", "--allow-root", f"--ServerApp.root_dir={tmp_path}"]
    return subprocess.Popen(
        argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def first_words(server: subprocess.Popen[str]) -> str:
    """The server's output until it serves or exits (then it is stopped and reaped)."""
    assert server.stdout is not None
    lines: list[str] = []
    try:
        for line in server.stdout:
            lines.append(line)
            if RUNNING in line:
                break
    finally:
        server.terminate()
        try:
            server.wait(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return "".join(lines)


@pytest.mark.parametrize(("line", "named"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_config_mistake_stops_the_server_naming_the_trait_and_value(
    tmp_path: Path, line: str, named: list[str]
) -> None:
    server = start_server(tmp_path, line)
    output = first_words(server)
    # the server exits with an error before it serves, never serving without the extension
    assert RUNNING not in output
    assert server.returncode == 1, output
    # and its last words say which setting is wrong, and what it was set to
    [stop] = [line for line in output.splitlines() if "the server stops" in line]
    for text in named:
        assert text in stop


def test_a_good_config_starts_the_server(tmp_path: Path) -> None:
    """The cases above fail for their mistake, not for the way the server is started."""
    output = first_words(start_server(tmp_path, "c.HPCSlurm.poll_interval = 30"))
    assert RUNNING in output
    assert "the server stops" not in output
