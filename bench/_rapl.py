"""A fake RAPL powercap tree whose energy counters rise at fixed watts.

This machine has no RAPL (no ``/sys/class/powercap``), so without it the power paths of
both servers would do nothing. The tree mirrors ``/sys/class/powercap`` on an Intel laptop
part (the layout of ``fixtures/rapl-sysfs-sample.json``): zone directories nested under the
``intel-rapl`` control type, ``intel-rapl:0`` = package-0 with core / uncore / dram
sub-zones, ``intel-rapl:1`` = psys, and each zone also linked at the top level, as sysfs
does. Our server reads ``<root>`` (``HPCPower.powercap_root``); jupyter-power-usage reads
``<root>/intel-rapl`` (its module constant, patched by ``_power_shim/sitecustomize.py``).

Run as a script (``python _rapl.py <root>``), it builds the tree and then rewrites every
``energy_uj`` every ``--period`` s (100 ms) until stopped, from the elapsed monotonic time
so the watts are exact whatever the scheduling; each write is an atomic rename, so a reader
never sees a half-written counter. It runs as a separate process so that it takes no time
from the benchmark's client thread.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import _servers

MAX_RANGE_UJ = 262143328850


@dataclass(frozen=True)
class Zone:
    zone_id: str  # "intel-rapl:0", "intel-rapl:0:2"
    name: str
    watts: float
    start_uj: int
    constraints: tuple[tuple[str, int, int], ...]  # (name, power_limit_uw, time_window_us)

    @property
    def rel(self) -> Path:
        """Path under the `intel-rapl` control type: sub-zones nest in their package."""
        parts = self.zone_id.split(":")
        parent = ":".join(parts[:2])
        return Path(parent) / self.zone_id if len(parts) > 2 else Path(self.zone_id)


# Same names, limits and start values as the fixture; the watts are its expected_watts.
ZONES = (
    Zone(
        "intel-rapl:0",
        "package-0",
        60.0,
        262_000_000_000,
        (("long_term", 15_000_000, 7_995_392), ("short_term", 25_000_000, 2_440)),
    ),
    Zone("intel-rapl:0:0", "core", 40.0, 101_234_567_890, (("long_term", 0, 976),)),
    Zone("intel-rapl:0:1", "uncore", 0.2, 1_234_567_890, (("long_term", 0, 976),)),
    Zone("intel-rapl:0:2", "dram", 3.0, 20_123_456_789, (("long_term", 0, 976),)),
    Zone("intel-rapl:1", "psys", 80.0, 150_000_000_000, (("long_term", 28_000_000, 27_983_872),)),
)
WATTS = {z.name: z.watts for z in ZONES}


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def build(root: Path) -> None:
    """Create the tree under `root` (which must be empty or missing)."""
    control = root / "intel-rapl"
    for zone in ZONES:
        folder = control / zone.rel
        folder.mkdir(parents=True, exist_ok=True)
        enabled = "1" if zone.name in ("package-0", "psys") else "0"
        files = {
            "name": zone.name,
            "enabled": enabled,
            "energy_uj": str(zone.start_uj),
            "max_energy_range_uj": str(MAX_RANGE_UJ),
        }
        for i, (cname, limit, window) in enumerate(zone.constraints):
            files[f"constraint_{i}_name"] = cname
            files[f"constraint_{i}_power_limit_uw"] = str(limit)
            files[f"constraint_{i}_time_window_us"] = str(window)
            if i == 0:  # as in the fixture: only the package has a maximum
                package = zone.name.startswith("package")
                files["constraint_0_max_power_uw"] = str(limit if package else 0)
        for fname, text in files.items():
            (folder / fname).write_text(text + "\n")
        # /sys/class/powercap/intel-rapl:0:2 -> .../intel-rapl/intel-rapl:0/intel-rapl:0:2
        (root / zone.zone_id).symlink_to(Path("intel-rapl") / zone.rel)


def feed(root: Path, period: float) -> None:
    """Advance every counter at its zone's watts until SIGTERM/SIGINT."""
    stop = False

    def handler(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    control = root / "intel-rapl"
    t0 = time.monotonic()
    while not stop:
        elapsed = time.monotonic() - t0
        for zone in ZONES:
            value = (zone.start_uj + round(zone.watts * elapsed * 1e6)) % MAX_RANGE_UJ
            write_atomic(control / zone.rel / "energy_uj", f"{value}\n")
        time.sleep(period)


@contextmanager
def fake_powercap(root: Path, period: float = 0.1) -> Iterator[Path]:
    """Build the tree and run the feeder process for the duration of the block."""
    build(root)
    proc = subprocess.Popen(
        [sys.executable, __file__, str(root), "--period", str(period), "--no-build"],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield root
    finally:
        _servers.end(proc)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", type=Path)
    p.add_argument("--period", type=float, default=0.1, help="seconds between updates")
    p.add_argument("--no-build", action="store_true", help="the tree exists already")
    args = p.parse_args()
    if not args.no_build:
        build(args.root)
    feed(args.root, args.period)


if __name__ == "__main__":
    main()
