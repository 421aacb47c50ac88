"""SIGTERM stops a real Jupyter server even while its reads hang: a FIFO where RAPL's
energy_uj should be (nobody writes it) and a grid provider that trickles its answer."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emissions.replay import ReplayServer, fixture_bytes
from tests.support import server_argv, start_server, write_tree

REPO = Path(__file__).resolve().parents[2]
ECO2MIX_PATH = "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"
# Generous bounds for a loaded 2-core machine; the test waits for conditions, not durations.
START_DEADLINE_S = 120
EXIT_DEADLINE_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def trickling_provider() -> Iterator[ReplayServer]:
    """éCO2mix's answer, a byte every second: a fetch that never ends by itself."""
    server = ReplayServer()
    body = fixture_bytes("eco2mix-sample.json") + b" " * 100_000
    server.reply(ECO2MIX_PATH, body, trickle_s=1.0)
    yield server
    server.close()


def get(url: str, token: str) -> int:
    """The status of GET url, 0 when nothing answers yet."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def wait_until(condition: object, what: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while not condition():  # type: ignore[operator]
        if server.poll() is not None:
            pytest.fail(f"the server exited before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {START_DEADLINE_S} s")
        time.sleep(0.1)


def test_sigterm_stops_a_server_whose_reads_hang(
    tmp_path: Path, trickling_provider: ReplayServer
) -> None:
    # given RAPL's energy counter is a FIFO nobody writes, and the grid provider trickles
    powercap = tmp_path / "powercap"
    write_tree(powercap, {"intel-rapl:0/name": "package-0\n"})
    os.mkfifo(powercap / "intel-rapl:0" / "energy_uj")
    config = tmp_path / "jupyter_server_config.json"
    config.write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"jupyterlab_hpc": True}},
                "HPCPower": {
                    "powercap_root": str(powercap),
                    "gpu_backend": "none",
                    "sample_interval": 0.5,
                },
                # A deadline far beyond the test: only the shutdown may end that fetch.
                "HPCEmissions": {"url": trickling_provider.url, "request_timeout": 3600},
            }
        )
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        and key != "SLURM_JOB_ID"
    }
    env.update(
        PYTHONPATH=str(REPO),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    argv = server_argv(port, token, tmp_path, f"--config={config}", "--allow-root")
    log_path = tmp_path / "server.log"
    server = start_server(argv, log_path, env, cwd=tmp_path)
    try:
        metrics = f"http://127.0.0.1:{port}/jupyterlab-hpc/metrics"
        # when it serves metrics (the sampler has tried the FIFO) while the fetch trickles
        wait_until(lambda: get(metrics, token) in (200, 503), "metrics answer", server)
        wait_until(lambda: trickling_provider.requests, "fetch of the grid factor", server)
        server.send_signal(signal.SIGTERM)
        # then the server exits
        try:
            server.wait(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"still alive {EXIT_DEADLINE_S} s after SIGTERM:\n{log_path.read_text()[-3000:]}"
            )
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
