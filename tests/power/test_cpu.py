"""The cpu_power section: its shape, node and process attribution, unavailable forms."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_hpc.power import rapl
from jupyterlab_hpc.power.cpu import CpuPowerReader, cpu_power_unavailable
from jupyterlab_hpc.power.rapl import NOT_READABLE, no_rapl_reason
from tests.power.test_attribution import proc_stat, stat_line, write_proc
from tests.power.test_rapl import FakeClock, sample
from tests.power.test_rapl import write_snapshot as write_rapl_snapshot
from tests.support import load_golden, shape_mismatches, write_tree

KEYS = {
    "available",
    "watts",
    "limit_watts",
    "reason",
    "attribution",
    "node_watts",
    "share",
    "zones",
    "source",
}


def write_snapshot(root: Path, name: str) -> None:
    """Write the shared RAPL sample's snapshot `name` ("t0" or "t1") under root."""
    write_rapl_snapshot(root, sample()[name])


@pytest.fixture
def powercap(tmp_path: Path) -> Path:
    """The shared sample's laptop at t0: 63 W (package 60 + dram 3) over the next 5 s."""
    root = tmp_path / "powercap"
    write_snapshot(root, "t0")
    return root


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    """A /proc where the server (pid 100) and its kernel (200) have used 60 ticks."""
    root = tmp_path / "proc"
    write_proc(
        root,
        {100: stat_line(100, 10, 0), 200: stat_line(200, 50, 0)},
        {100: [200]},
        proc_stat(user=1000, system=0, idle=9000),
    )
    return root


def five_seconds_later(powercap: Path, proc: Path, clock: FakeClock) -> None:
    """The laptop's t1; the kernel used 50 ticks of the node's 200 (a quarter of its capacity)."""
    write_snapshot(powercap, "t1")
    write_proc(
        proc,
        {100: stat_line(100, 10, 0), 200: stat_line(200, 90, 10)},
        {100: [200]},
        proc_stat(user=1100, system=50, idle=9050),
    )
    clock.now += 5.0


def test_node_attribution_shows_the_whole_node(powercap: Path, proc: Path) -> None:
    clock = FakeClock(1000.0)
    reader = CpuPowerReader(powercap_root=powercap, attribution="node", proc=proc, clock=clock)
    # given a first read, which has no interval yet
    first = reader.read()
    assert set(first) == KEYS
    assert first == {
        "available": True,
        "watts": None,
        "limit_watts": 15.0,
        "reason": None,
        "attribution": "node",
        "node_watts": None,
        "share": None,
        "zones": [{"name": "package-0", "watts": None}, {"name": "dram", "watts": None}],
        "source": "rapl",
    }
    # when 5 s pass, then the node's package + dram power is shown, and no share
    five_seconds_later(powercap, proc, clock)
    second = reader.read()
    assert second["watts"] == second["node_watts"] == 63.0
    assert second["share"] is None
    assert second["zones"] == [{"name": "package-0", "watts": 60.0}, {"name": "dram", "watts": 3.0}]
    assert second["limit_watts"] == 15.0


def test_process_attribution_shows_the_servers_share(powercap: Path, proc: Path) -> None:
    clock = FakeClock(1000.0)
    reader = CpuPowerReader(powercap_root=powercap, pid=100, proc=proc, clock=clock)
    first = reader.read()
    assert (first["available"], first["watts"], first["share"]) == (True, None, None)
    five_seconds_later(powercap, proc, clock)
    section = reader.read()
    # then the server gets a quarter of the node's 63 W, against the packages' own limit
    assert section["attribution"] == "process"
    assert (section["share"], section["node_watts"]) == (0.25, 63.0)
    assert section["watts"] == 15.75
    assert section["limit_watts"] == 15.0


def test_watts_are_rounded_to_two_decimals(tmp_path: Path, proc: Path) -> None:
    write_tree(tmp_path, {"intel-rapl:0/name": "package-0\n", "intel-rapl:0/energy_uj": "0\n"})
    clock = FakeClock(0.0)
    reader = CpuPowerReader(powercap_root=tmp_path, attribution="node", proc=proc, clock=clock)
    reader.read()
    write_tree(tmp_path, {"intel-rapl:0/energy_uj": "10000000\n"})
    clock.now = 3.0
    section = reader.read()
    assert section["watts"] == 3.33
    assert section["zones"] == [{"name": "package-0", "watts": 3.33}]
    assert section["limit_watts"] is None


def test_section_matches_the_golden_metrics_shape(powercap: Path, proc: Path) -> None:
    clock = FakeClock(1000.0)
    reader = CpuPowerReader(powercap_root=powercap, pid=100, proc=proc, clock=clock)
    reader.read()
    five_seconds_later(powercap, proc, clock)
    golden = load_golden("metrics.json")["cpu_power"]
    assert shape_mismatches(golden, reader.read()) == []


@pytest.mark.parametrize("attribution", ["process", "node"])
def test_no_rapl_is_unavailable_with_the_reason(tmp_path: Path, attribution: Any) -> None:
    reader = CpuPowerReader(powercap_root=tmp_path / "absent", attribution=attribution)
    section = reader.read()
    assert section == cpu_power_unavailable(no_rapl_reason(tmp_path / "absent"), attribution)
    assert set(section) == KEYS
    assert (section["available"], section["watts"], section["zones"]) == (False, None, [])


def test_root_only_counters_are_unavailable_with_the_fix(
    powercap: Path, proc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tests run as root, where chmod does not deny reads: the sysfs reader is replaced
    # by one that fails the way it does for a user on a kernel with the CVE-2020-8694 fix.
    def read_sysfs(path: Path) -> str:
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return path.read_text()

    monkeypatch.setattr(rapl, "read_sysfs", read_sysfs)
    section = CpuPowerReader(powercap_root=powercap, pid=100, proc=proc).read()
    assert (section["available"], section["reason"]) == (False, NOT_READABLE)
    assert section["limit_watts"] is None


def test_unreadable_cpu_times_are_unavailable_with_a_reason(powercap: Path, proc: Path) -> None:
    # given a /proc without /proc/stat
    (proc / "stat").unlink()
    section = CpuPowerReader(powercap_root=powercap, pid=100, proc=proc).read()
    assert section["available"] is False
    assert section["reason"].startswith("The CPU time of this server's processes could not be read")


def test_the_same_reason_is_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test-cpu-power")
    reader = CpuPowerReader(powercap_root=tmp_path, log=log)
    with caplog.at_level(logging.INFO, logger="test-cpu-power"):
        for _ in range(3):
            reader.read()
    assert [record.getMessage() for record in caplog.records] == [
        f"jupyterlab-hpc CPU power unavailable: {no_rapl_reason(tmp_path)}"
    ]


def test_unknown_attribution_is_refused() -> None:
    with pytest.raises(ValueError, match="'process' or 'node'"):
        CpuPowerReader(attribution="user")  # type: ignore[arg-type]
