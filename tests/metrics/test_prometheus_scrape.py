"""A real Prometheus (Debian's) scrapes a real server's /metrics and stores our figures.

The server runs as a subprocess with its token; Prometheus scrapes it every second with that
token as a bearer credential, as a centre's scrape configuration under JupyterHub would (see
README), and its own HTTP API is asked for our series.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support import running_server, server_argv

DEADLINE_S = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        reason = "Prometheus is not installed: run `make system-deps` (apt-get install prometheus)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def query(prometheus: str, expression: str) -> list[dict[str, Any]]:
    """Prometheus's instant query: the series it holds for `expression` now."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    try:
        answer = get_json(url)
    except (urllib.error.URLError, OSError, ValueError):
        return []
    return list(answer.get("data", {}).get("result", []))


def test_prometheus_stores_the_servers_figures(tmp_path: Path) -> None:
    binary = prometheus_binary()
    port, token = free_port(), secrets.token_hex(16)
    root = tmp_path / "work"
    root.mkdir()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "SLURM_JOB_ID": "4242",
    }
    server_args = server_argv(
        port, token, root, "--ServerApp.jpserver_extensions=jupyterlab_hpc=True", "--allow-root"
    )
    web = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: jupyterlab\n"
        "    metrics_path: /metrics\n"
        "    authorization:\n"
        "      type: Bearer\n"
        f"      credentials: {token}\n"
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{port}']\n"
    )
    prometheus_args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{web}",
    ]
    with (
        running_server(server_args, tmp_path / "server.log", env, grace_s=20),
        running_server(prometheus_args, tmp_path / "prometheus.log", grace_s=20),
    ):
        prometheus = f"http://127.0.0.1:{web}"
        deadline = time.monotonic() + DEADLINE_S
        while not (found := query(prometheus, "jupyterlab_hpc_memory_limit_bytes")):
            assert time.monotonic() < deadline, (
                (tmp_path / "prometheus.log").read_text()[-3000:],
                (tmp_path / "server.log").read_text()[-3000:],
            )
            time.sleep(0.5)
        [series] = found
        labels = series["metric"]
        # Prometheus's own target labels, and ours: the Slurm job and the user.
        assert labels["job"] == "jupyterlab"
        assert labels["slurm_job"] == "4242"
        assert labels["instance"] == f"127.0.0.1:{port}"
        assert labels["user"]
        assert float(series["value"][1]) > 0
        # (No RAPL and no GPU on a test machine: no energy here; tests/metrics/test_prometheus.py
        # reads the fake hardware's counters.)
        for name in ("jupyterlab_hpc_memory_used_bytes", "jupyterlab_hpc_cpu_limit_cores"):
            while not query(prometheus, name):
                assert time.monotonic() < deadline, f"{name} never stored"
                time.sleep(0.5)
        # The scrape succeeded with the token (a 403 would leave `up` at 0).
        [up] = query(prometheus, 'up{job="jupyterlab"}')
        assert up["value"][1] == "1"
