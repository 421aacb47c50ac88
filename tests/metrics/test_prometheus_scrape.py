"""A real Prometheus (Debian's) scrapes a real server's /metrics and stores our figures.

The server runs as a subprocess with its token, inside a Slurm job as far as it knows, on the
fake hardware of the server tests (a RAPL package, two of four GPUs through a stand-in
nvidia-smi); Prometheus scrapes it every second with that token as a bearer credential, as a
centre's scrape configuration under JupyterHub would (docs/admin/monitoring.md), and its own
HTTP API is asked for our series, and for every query of the Grafana dashboard we ship.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc.slurm.users import server_user
from tests.conftest import FAKE_NVIDIA_SMI, SERVER_VISIBLE_GPUS
from tests.support import running_server, server_argv, write_tree

DEADLINE_S = 120.0
JOB_ID = "4242"
DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "jupyterlab-hpc.json"
# Grafana's own variables, as it fills them in for a query over the last hour.
GRAFANA_VARIABLES = {"__range": "1h", "__rate_interval": "30s", "__interval": "15s"}
# A RAPL package with a DRAM sub-zone, as in the server tests' fake tree.
RAPL = {
    "intel-rapl:0/name": "package-0\n",
    "intel-rapl:0/energy_uj": "1000000\n",
    "intel-rapl:0/max_energy_range_uj": "262143328850\n",
    "intel-rapl:0/intel-rapl:0:0/name": "dram\n",
    "intel-rapl:0/intel-rapl:0:0/energy_uj": "500000\n",
    "intel-rapl:0/intel-rapl:0:0/max_energy_range_uj": "262143328850\n",
}


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


@dataclass(frozen=True)
class Scraped:
    """A running server and the Prometheus that scrapes it."""

    prometheus: str
    server_port: int
    logs: Path

    def tails(self) -> tuple[str, str]:
        """The ends of both logs, for a failure's message."""
        return (
            (self.logs / "prometheus.log").read_text()[-3000:],
            (self.logs / "server.log").read_text()[-3000:],
        )


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    binary = prometheus_binary()
    tmp_path = tmp_path_factory.mktemp("scrape")
    port, token = free_port(), secrets.token_hex(16)
    root = tmp_path / "work"
    root.mkdir()
    write_tree(tmp_path / "powercap", RAPL)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "SLURM_JOB_ID": JOB_ID,
        "CUDA_VISIBLE_DEVICES": SERVER_VISIBLE_GPUS,
    }
    server_args = server_argv(
        port,
        token,
        root,
        "--ServerApp.jpserver_extensions=jupyterlab_hpc=True",
        "--allow-root",
        f"--HPCPower.powercap_root={tmp_path / 'powercap'}",
        "--HPCPower.gpu_backend=nvidia-smi",
        f"--HPCPower.nvidia_smi={FAKE_NVIDIA_SMI}",
        "--HPCPower.sample_interval=0.5",
        # No network in tests: the country's annual factor.
        "--HPCEmissions.provider=static",
        f"--HPCEmissions.state_dir={tmp_path / 'state'}",
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
        scraped = Scraped(f"http://127.0.0.1:{web}", port, tmp_path)
        deadline = time.monotonic() + DEADLINE_S
        while not ready(scraped.prometheus):
            assert time.monotonic() < deadline, scraped.tails()
            time.sleep(0.5)
        yield scraped


def ready(prometheus: str) -> bool:
    """Whether Prometheus answers queries yet."""
    try:
        with urllib.request.urlopen(f"{prometheus}/-/ready", timeout=30) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_prometheus_stores_the_servers_figures(scraped: Scraped) -> None:
    prometheus, port = scraped.prometheus, scraped.server_port
    deadline = time.monotonic() + DEADLINE_S
    while not (found := query(prometheus, "jupyterlab_hpc_memory_limit_bytes")):
        assert time.monotonic() < deadline, scraped.tails()
        time.sleep(0.5)
    [series] = found
    labels = series["metric"]
    # Prometheus's own target labels, and ours: the Slurm job and the user.
    assert labels["job"] == "jupyterlab"
    assert labels["slurm_job"] == JOB_ID
    assert labels["instance"] == f"127.0.0.1:{port}"
    assert labels["user"] == server_user()
    assert float(series["value"][1]) > 0
    for name in (
        "jupyterlab_hpc_memory_used_bytes",
        "jupyterlab_hpc_cpu_limit_cores",
        "jupyterlab_hpc_energy_joules_total",
        "jupyterlab_hpc_cpu_energy_joules_total",
        "jupyterlab_hpc_gpu_energy_joules_total",
    ):
        while not query(prometheus, name):
            assert time.monotonic() < deadline, (f"{name} never stored", scraped.tails())
            time.sleep(0.5)
    # The scrape succeeded with the token (a 403 would leave `up` at 0).
    [up] = query(prometheus, 'up{job="jupyterlab"}')
    assert up["value"][1] == "1"


# --- the Grafana dashboard (deploy/grafana/jupyterlab-hpc.json) --------------------------------


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text("utf-8"))


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those inside collapsed rows too, rows left out."""
    found = []
    for panel in board["panels"]:
        found.extend(panel.get("panels", []))
        if panel["type"] != "row":
            found.append(panel)
    return found


def fill_in(text: str, values: dict[str, str]) -> str:
    """The query as Grafana sends it with these values chosen ($name and ${name} forms)."""
    for name, value in {**GRAFANA_VARIABLES, **values}.items():
        text = re.sub(r"\$\{" + name + r"\}|\$" + name + r"\b", value, text)
    assert "$" not in text, f"a variable the dashboard does not define: {text}"
    return text


def instant_query(prometheus: str, expression: str) -> dict[str, Any]:
    """Prometheus's whole answer, an error (a query that does not parse) included."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    try:
        return dict(get_json(url))
    except urllib.error.HTTPError as error:
        return dict(json.loads(error.read()))


def test_the_dashboard_is_a_grafana_10_dashboard() -> None:
    board = dashboard()
    assert board["uid"] == "jupyterlab-hpc" and board["title"]
    assert board["schemaVersion"] >= 36  # Grafana 9.0's; 38 is Grafana 10's
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("user", "slurm_job"):
        assert variables[name]["type"] == "query"
        assert variables[name]["query"]["query"].startswith("label_values(")
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    every = panels(board)
    assert len(every) >= 8
    for panel in every:
        assert panel["title"] and panel["targets"], panel
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and target["expr"], panel["title"]
            # Every query follows the user and job chosen at the top.
            assert "$user" in target["expr"] and "$slurm_job" in target["expr"], target
    expressions = " ".join(t["expr"] for panel in every for t in panel["targets"])
    # What the issue asks the dashboard to show.
    for metric in (
        "energy_joules_total",
        "cpu_energy_joules_total",
        "gpu_energy_joules_total",
        "co2_grams_total",
        "cpu_power_watts",
        "gpu_power_watts",
        "memory_used_bytes",
        "memory_limit_bytes",
        "cpu_used_cores",
        "cpu_limit_cores",
        "gpu_utilization_ratio",
    ):
        assert f"jupyterlab_hpc_{metric}{{" in expressions, metric
    assert "increase(" in expressions and "rate(" in expressions


def test_every_dashboard_query_runs_in_prometheus(scraped: Scraped) -> None:
    """Each panel's PromQL, with the variables filled in, through Prometheus's query API: it
    parses, and it finds our server's series, labelled with its job and its user. A metric
    name misspelt in the dashboard finds nothing and fails here."""
    board = dashboard()
    chosen = {"user": server_user(), "slurm_job": JOB_ID}
    # The variables' own queries: Grafana runs label_values(selector, label) as the label's
    # values among the series the selector matches.
    for variable in board["templating"]["list"]:
        if variable["type"] != "query":
            continue
        expression = fill_in(variable["query"]["query"], chosen)
        match = re.fullmatch(r"label_values\((.+), *(\w+)\)", expression)
        assert match is not None, expression
        selector, label = match.groups()
        url = f"{scraped.prometheus}/api/v1/label/{label}/values?" + urllib.parse.urlencode(
            {"match[]": selector}
        )
        deadline = time.monotonic() + DEADLINE_S
        while chosen[variable["name"]] not in get_json(url)["data"]:
            assert time.monotonic() < deadline, (variable["name"], scraped.tails())
            time.sleep(0.5)
    targets = [
        (panel["title"], fill_in(target["expr"], chosen))
        for panel in panels(board)
        for target in panel["targets"]
    ]
    # The per-job (and per-user) energy and CO2 over the range.
    growing = re.compile(r"increase\(jupyterlab_hpc_(energy_joules|co2_grams)_total")
    totals = [e for _, e in targets if growing.search(e)]
    assert len(totals) >= 4, totals
    # Wait until every query finds something (increase() and rate() need two scrapes), and
    # the energy and CO2 have grown: the fake GPUs draw power.
    deadline = time.monotonic() + DEADLINE_S
    while True:
        answers = {e: instant_query(scraped.prometheus, e) for _, e in targets}
        for title, expression in targets:
            # Parsing does not wait: a query Prometheus refuses fails at once.
            assert answers[expression].get("status") == "success", (title, answers[expression])
        empty = [(title, e) for title, e in targets if not answers[e]["data"]["result"]]
        grown = all(
            float(series["value"][1]) > 0 for e in totals for series in answers[e]["data"]["result"]
        )
        if not empty and grown:
            break
        assert time.monotonic() < deadline, ("nothing found, or no growth", empty, scraped.tails())
        time.sleep(1)
    for title, expression in targets:
        grouping = re.match(r"(?:sum|max) by \(([^)]*)\)", expression)
        assert grouping is not None, (title, expression)
        labels_by = {label.strip() for label in grouping.group(1).split(",")}
        # Every panel is per job or per user, and says which.
        assert labels_by & {"slurm_job", "user"}, (title, expression)
        for series in answers[expression]["data"]["result"]:
            if "slurm_job" in labels_by:
                assert series["metric"]["slurm_job"] == JOB_ID, (title, series)
            if "user" in labels_by:
                assert series["metric"]["user"] == chosen["user"], (title, series)
