"""Fakes of what CI machines lack, for the UI tests: RAPL counters, GPUs, a grid API.

- a powercap tree whose energy counters advance at fixed watts (a daemon thread);
- a fake `nvidia-smi` (tests/fixtures/bin/nvidia-smi) answering for four GPUs;
- a local HTTP server replaying a recorded éCO2mix answer.
The server under test reads them through its real readers, configured by
jupyter_server_test_config.py.
"""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FAKE_NVIDIA_SMI = REPO / "tests" / "fixtures" / "bin" / "nvidia-smi"
ECO2MIX = REPO / "tests" / "fixtures" / "emissions" / "eco2mix-sample.json"

# What the CPU meter must show with attribution "node": 42 W package + 3 W DRAM.
PACKAGE_WATTS = 42.0
DRAM_WATTS = 3.0
PACKAGE_LIMIT_WATTS = 120.0
MAX_ENERGY_RANGE_UJ = 262_143_328_850


def start_powercap(root: Path) -> None:
    """Write a one-socket RAPL tree under root and keep its counters running."""
    package = root / "intel-rapl:0"
    dram = package / "intel-rapl:0:0"
    dram.mkdir(parents=True, exist_ok=True)
    files = {
        package / "name": "package-0",
        package / "max_energy_range_uj": str(MAX_ENERGY_RANGE_UJ),
        package / "constraint_0_name": "long_term",
        package / "constraint_0_power_limit_uw": str(int(PACKAGE_LIMIT_WATTS * 1e6)),
        package / "constraint_1_name": "short_term",
        package / "constraint_1_power_limit_uw": str(int(1.5 * PACKAGE_LIMIT_WATTS * 1e6)),
        dram / "name": "dram",
        dram / "max_energy_range_uj": str(MAX_ENERGY_RANGE_UJ),
    }
    for path, text in files.items():
        path.write_text(text + "\n")
    start = time.monotonic()

    def advance() -> None:
        # Energy is a function of elapsed time, so the watts read between any two
        # samples are right to within one write period (20 ms).
        while True:
            elapsed = time.monotonic() - start
            for zone, watts in ((package, PACKAGE_WATTS), (dram, DRAM_WATTS)):
                energy = int(1e9 + watts * 1e6 * elapsed) % MAX_ENERGY_RANGE_UJ
                # Replaced whole, as sysfs reads are: a reader never sees a half-written file.
                (zone / "energy_uj.tmp").write_text(f"{energy}\n")
                os.replace(zone / "energy_uj.tmp", zone / "energy_uj")
            time.sleep(0.02)

    threading.Thread(target=advance, name="fake-rapl", daemon=True).start()


class _Replay(BaseHTTPRequestHandler):
    """Answers every ODRE records request with the recorded éCO2mix rows."""

    def do_GET(self) -> None:
        body = ECO2MIX.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_grid_api() -> str:
    """Serve the recorded éCO2mix answer on a free local port; return its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    threading.Thread(target=server.serve_forever, name="fake-odre", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def eco2mix_factor() -> float:
    """The factor the replayed answer carries (its newest row with a CO2 rate)."""
    rows = json.loads(ECO2MIX.read_text("utf-8"))["results"]
    return float(next(r["taux_co2"] for r in rows if r.get("taux_co2") is not None))


class _Dashboard(BaseHTTPRequestHandler):
    """A stand-in for a Dask dashboard: a page that names itself and the path asked."""

    def do_GET(self) -> None:
        body = f"<title>Fake Dask dashboard</title><h1>Fake Dask dashboard</h1><p>{self.path}</p>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_dashboard() -> int:
    """Serve a fake dashboard on a free local port; return the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Dashboard)
    threading.Thread(target=server.serve_forever, name="fake-dashboard", daemon=True).start()
    return int(server.server_address[1])
