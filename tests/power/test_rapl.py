"""RAPL zones: discovery, which zones add up, wrap-around, limits, permissions, AMD layouts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jupyterlab_hpc.power.rapl import (
    NOT_READABLE,
    RESCAN_INTERVAL_S,
    RaplMeter,
    RaplReading,
    choose_zones,
    discover_zones,
    energy_delta_uj,
    no_cpu_zone_reason,
    no_rapl_reason,
    read_counters,
    read_sysfs,
    zone_watts,
)
from tests.support import write_tree

REPO = Path(__file__).resolve().parents[2]

# Two snapshots of a laptop's powercap tree, 5 s apart (a copy of the project's shared fixture).
SAMPLE_FILE = Path(__file__).parent.parent / "fixtures" / "rapl-sysfs-sample.json"
SYSFS_PREFIX = "/sys/class/powercap/"
RANGE = 262143328850


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def zone(
    directory: str,
    name: str,
    energy_uj: int | str,
    *,
    max_range: int | None = RANGE,
    constraints: dict[str, int] | None = None,
) -> dict[str, str]:
    """The files of one zone; constraints are name -> power limit in µW, numbered in order."""
    files = {f"{directory}/name": f"{name}\n", f"{directory}/energy_uj": f"{energy_uj}\n"}
    if max_range is not None:
        files[f"{directory}/max_energy_range_uj"] = f"{max_range}\n"
    for index, (constraint, limit_uw) in enumerate((constraints or {}).items()):
        files[f"{directory}/constraint_{index}_name"] = f"{constraint}\n"
        files[f"{directory}/constraint_{index}_power_limit_uw"] = f"{limit_uw}\n"
    return files


def advance(root: Path, clock: FakeClock, seconds: float, energy: dict[str, int]) -> None:
    """Let `seconds` pass while the zones in `energy` (directory -> µJ) count up to those values."""
    clock.now += seconds
    write_tree(
        root, {f"{directory}/energy_uj": f"{value}\n" for directory, value in energy.items()}
    )


def sample() -> dict[str, object]:
    return json.loads(SAMPLE_FILE.read_text("utf-8"))


def write_snapshot(root: Path, snapshot: object) -> None:
    assert isinstance(snapshot, dict)
    write_tree(root, {path.removeprefix(SYSFS_PREFIX): text for path, text in snapshot.items()})


# --- the shared fixture --------------------------------------------------------------------


def test_sample_gives_the_expected_watts_of_every_zone(tmp_path: Path) -> None:
    # given the laptop's tree at t0, then at t1 with the package counter wrapped
    data = sample()
    write_snapshot(tmp_path, data["t0"])
    zones = discover_zones(tmp_path)
    before = read_counters(zones)
    write_snapshot(tmp_path, data["t1"])
    after = read_counters(zones)
    # when each zone's power is worked out over the 5 s
    seconds = float(data["t1_monotonic_s"]) - float(data["t0_monotonic_s"])  # type: ignore[arg-type]
    watts = zone_watts(zones, before, after, seconds)
    # then each matches the fixture's answer, the package corrected for its wrap-around
    by_name = {z.name: watts[z.zone_id] for z in zones}
    assert by_name == pytest.approx(data["expected_watts"])


def test_sample_node_power_is_package_plus_dram_not_psys_core_or_uncore(tmp_path: Path) -> None:
    data = sample()
    write_snapshot(tmp_path, data["t0"])
    clock = FakeClock(float(data["t0_monotonic_s"]))  # type: ignore[arg-type]
    meter = RaplMeter(tmp_path, clock=clock)
    # the first read has nothing to compare with
    first = meter.read()
    assert (first.available, first.node_watts, first.limit_watts) == (True, None, 15.0)
    assert first.zones == (("package-0", None), ("dram", None))
    write_snapshot(tmp_path, data["t1"])
    clock.now = float(data["t1_monotonic_s"])  # type: ignore[arg-type]
    second = meter.read()
    # 60 W package + 3 W dram; psys (80 W) contains them and core/uncore are inside the package
    assert second.node_watts == pytest.approx(63.0)
    assert second.zones == (("package-0", pytest.approx(60.0)), ("dram", pytest.approx(3.0)))
    assert second.limit_watts == 15.0


# --- discovery --------------------------------------------------------------------------


def real_sysfs_layout(tmp_path: Path) -> Path:
    """/sys/class/powercap as the kernel shows it: links into /sys/devices, sub-zones twice."""
    package = "devices/virtual/powercap/intel-rapl/intel-rapl:0"
    write_tree(
        tmp_path,
        {
            **zone(package, "package-0", 0, constraints={"long_term": 95_000_000}),
            **zone(f"{package}/intel-rapl:0:0", "core", 0),
            **zone(f"{package}/intel-rapl:0:1", "dram", 0),
        },
    )
    classdir = tmp_path / "class/powercap"
    classdir.mkdir(parents=True)
    devices = Path("../../devices/virtual/powercap/intel-rapl")
    (classdir / "intel-rapl").symlink_to(devices, target_is_directory=True)
    (classdir / "intel-rapl:0").symlink_to(devices / "intel-rapl:0")
    (classdir / "intel-rapl:0:0").symlink_to(devices / "intel-rapl:0/intel-rapl:0:0")
    (classdir / "intel-rapl:0:1").symlink_to(devices / "intel-rapl:0/intel-rapl:0:1")
    # Every zone links back to its class: a walk that followed it would never end.
    for directory in ("intel-rapl:0", "intel-rapl:0/intel-rapl:0:0"):
        (tmp_path / "devices/virtual/powercap/intel-rapl" / directory / "subsystem").symlink_to(
            classdir, target_is_directory=True
        )
    return classdir


def test_real_layout_lists_each_sub_zone_once(tmp_path: Path) -> None:
    root = real_sysfs_layout(tmp_path)
    zones = discover_zones(root)
    assert [(z.zone_id, z.name) for z in zones] == [
        ("intel-rapl:0", "package-0"),
        ("intel-rapl:0:0", "core"),
        ("intel-rapl:0:1", "dram"),
    ]


def test_real_layout_adds_package_and_dram_once(tmp_path: Path) -> None:
    root = real_sysfs_layout(tmp_path)
    devices = tmp_path / "devices/virtual/powercap/intel-rapl"
    clock = FakeClock()
    meter = RaplMeter(root, clock=clock)
    meter.read()
    # 10 s: package 500 J, its core 400 J, dram 30 J
    advance(
        devices,
        clock,
        10,
        {"intel-rapl:0": 500_000_000, "intel-rapl:0/intel-rapl:0:0": 400_000_000},
    )
    write_tree(devices, {"intel-rapl:0/intel-rapl:0:1/energy_uj": "30000000\n"})
    reading = meter.read()
    assert reading.node_watts == pytest.approx(53.0)
    assert reading.limit_watts == 95.0


def test_zones_are_ordered_by_number_and_malformed_ones_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:10", "package-10", 0),
            **zone("intel-rapl:2", "package-2", 0),
            **zone("intel-rapl:3", "package-3", "not a number"),
            "intel-rapl:4/energy_uj": "5\n",  # no name
            **zone("intel-rapl:5", "", 0),  # empty name
            "intel-rapl:6/name": "package-6\n",  # no counter
            "intel-rapl/enabled": "1\n",  # the control type, not a zone
        },
    )
    zones = discover_zones(tmp_path)
    assert [z.zone_id for z in zones] == ["intel-rapl:2", "intel-rapl:10"]


def test_no_rapl_directory(tmp_path: Path) -> None:
    # given a virtual machine: no powercap tree at all, or one without RAPL zones
    for root in (tmp_path / "absent", tmp_path):
        reading = RaplMeter(root).read()
        assert not reading.available
        assert reading.reason == no_rapl_reason(root)
        assert reading.reason.startswith(f"No RAPL power counters under {root}:")


def test_rapl_without_package_or_psys_is_not_measurable(tmp_path: Path) -> None:
    write_tree(tmp_path, zone("intel-rapl:0", "dram", 0))
    reading = RaplMeter(tmp_path).read()
    assert reading.reason == no_cpu_zone_reason(tmp_path)


def test_zones_are_discovered_again_when_they_change(tmp_path: Path) -> None:
    # given two sockets, then the second one's zone disappears (intel_rapl module reloaded)
    write_tree(
        tmp_path, {**zone("intel-rapl:0", "package-0", 0), **zone("intel-rapl:1", "package-1", 0)}
    )
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    (tmp_path / "intel-rapl:1/energy_uj").unlink()
    advance(tmp_path, clock, 1, {"intel-rapl:0": 10_000_000})
    # then that read starts over with the zones that are left, and the next one measures them
    restarted = meter.read()
    assert (restarted.available, restarted.node_watts) == (True, None)
    assert restarted.zones == (("package-0", None),)
    advance(tmp_path, clock, 1, {"intel-rapl:0": 30_000_000})
    assert meter.read().node_watts == pytest.approx(20.0)


# --- which zones add up -------------------------------------------------------------------


def test_two_sockets_add_packages_and_drams_and_their_limits(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:0", "package-0", 0, constraints={"long_term": 150_000_000}),
            **zone("intel-rapl:0/intel-rapl:0:0", "dram", 0),
            **zone("intel-rapl:1", "package-1", 0, constraints={"long_term": 150_000_000}),
            **zone("intel-rapl:1/intel-rapl:1:0", "dram", 0),
        },
    )
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    advance(
        tmp_path,
        clock,
        2,
        {
            "intel-rapl:0": 200_000_000,
            "intel-rapl:0/intel-rapl:0:0": 10_000_000,
            "intel-rapl:1": 100_000_000,
            "intel-rapl:1/intel-rapl:1:0": 6_000_000,
        },
    )
    reading = meter.read()
    assert reading.node_watts == pytest.approx(100 + 5 + 50 + 3)
    assert [name for name, _ in reading.zones] == ["package-0", "dram", "package-1", "dram"]
    assert reading.limit_watts == 300.0


def test_psys_only(tmp_path: Path) -> None:
    # given a platform whose only CPU-wide zone is psys (with a top-level dram it contains)
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:0", "psys", 0, constraints={"long_term": 28_000_000}),
            **zone("intel-rapl:1", "dram", 0),
        },
    )
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    advance(tmp_path, clock, 4, {"intel-rapl:0": 80_000_000, "intel-rapl:1": 8_000_000})
    reading = meter.read()
    # then psys alone is the node's power, and its long-term limit the limit
    assert reading.zones == (("psys", pytest.approx(20.0)),)
    assert reading.node_watts == pytest.approx(20.0)
    assert reading.limit_watts == 28.0


def test_mmio_zone_repeating_an_msr_zone_is_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:0", "package-0", 0, constraints={"long_term": 15_000_000}),
            **zone("intel-rapl-mmio:0", "package-0", 0, constraints={"long_term": 28_000_000}),
        },
    )
    choice = choose_zones(discover_zones(tmp_path))
    assert [z.zone_id for z in choice.counted] == ["intel-rapl:0"]
    assert choice.limit_watts == 15.0


def test_mmio_zone_is_used_when_it_is_the_only_one(tmp_path: Path) -> None:
    write_tree(tmp_path, zone("intel-rapl-mmio:0", "package-0", 0))
    choice = choose_zones(discover_zones(tmp_path))
    assert [z.zone_id for z in choice.counted] == ["intel-rapl-mmio:0"]


def test_amd_multi_die_packages_without_constraints_or_dram(tmp_path: Path) -> None:
    # given a Threadripper-like layout: one package zone per die, a core sub-zone, no limits
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:0", "package-0-die-0", 0),
            **zone("intel-rapl:0/intel-rapl:0:0", "core", 0),
            **zone("intel-rapl:1", "package-0-die-1", 0),
        },
    )
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    advance(
        tmp_path,
        clock,
        5,
        {
            "intel-rapl:0": 400_000_000,
            "intel-rapl:0/intel-rapl:0:0": 1_000,
            "intel-rapl:1": 350_000_000,
        },
    )
    reading = meter.read()
    # then both dies add up, the core sub-zone does not, and there is no limit
    assert reading.zones == (
        ("package-0-die-0", pytest.approx(80.0)),
        ("package-0-die-1", pytest.approx(70.0)),
    )
    assert reading.node_watts == pytest.approx(150.0)
    assert reading.limit_watts is None


# --- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        ({"long_term": 65_000_000, "short_term": 90_000_000}, 65.0),
        ({"short_term": 90_000_000, "long_term": 65_000_000}, 65.0),
        ({"peak_power": 120_000_000}, 120.0),  # no long_term name: constraint_0
        ({"long_term": 0}, None),
        ({}, None),
    ],
)
def test_long_term_limit(
    tmp_path: Path, constraints: dict[str, int], expected: float | None
) -> None:
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0, constraints=constraints))
    assert choose_zones(discover_zones(tmp_path)).limit_watts == expected


def test_limit_is_none_when_one_socket_has_none(tmp_path: Path) -> None:
    # A sum missing one socket's limit would look like a real, too-low limit.
    write_tree(
        tmp_path,
        {
            **zone("intel-rapl:0", "package-0", 0, constraints={"long_term": 150_000_000}),
            **zone("intel-rapl:1", "package-1", 0),
        },
    )
    assert choose_zones(discover_zones(tmp_path)).limit_watts is None


def test_missing_limit_file_means_no_limit(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {**zone("intel-rapl:0", "package-0", 0), "intel-rapl:0/constraint_0_name": "long_term\n"},
    )
    assert choose_zones(discover_zones(tmp_path)).limit_watts is None


# --- wrap-around ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "max_range", "expected"),
    [
        (100, 250, RANGE, 150),
        (RANGE - 50, 100, RANGE, 150),
        (RANGE - 50, 100, None, None),
        (100, 250, None, 150),
    ],
)
def test_energy_delta(before: int, after: int, max_range: int | None, expected: int | None) -> None:
    assert energy_delta_uj(before, after, max_range) == expected


def test_wrap_without_a_range_drops_that_interval_only(tmp_path: Path) -> None:
    # given a package whose max_energy_range_uj is missing
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 5_000_000, max_range=None))
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # when the counter goes down, there is no reading rather than a made-up one
    advance(tmp_path, clock, 1, {"intel-rapl:0": 1_000_000})
    assert meter.read().node_watts is None
    # and the next interval is measured again
    advance(tmp_path, clock, 1, {"intel-rapl:0": 3_000_000})
    assert meter.read().node_watts == pytest.approx(2.0)


def test_no_time_passed_gives_no_reading(tmp_path: Path) -> None:
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0))
    meter = RaplMeter(tmp_path, clock=FakeClock())
    meter.read()
    assert meter.read().node_watts is None


# --- permissions --------------------------------------------------------------------------


def test_root_only_counters_say_how_to_fix_them(tmp_path: Path) -> None:
    # The tests run as root, where a chmod 000 file still reads, so the file reader is
    # injected to fail the way it does for a user on a kernel with the CVE-2020-8694 fix.
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0, constraints={"long_term": 1}))
    readable = False

    def read_text(path: Path) -> str:
        if path.name == "energy_uj" and not readable:
            raise PermissionError(13, "Permission denied", str(path))
        return read_sysfs(path)

    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock, read_text=read_text)
    reading = meter.read()
    assert (reading.available, reading.node_watts, reading.limit_watts) == (False, None, None)
    assert reading.reason == NOT_READABLE
    assert "CVE-2020-8694" in NOT_READABLE
    assert "mode class/powercap/intel-rapl:0/energy_uj = 0444" in NOT_READABLE
    # when an administrator opens them up, power comes back from the next interval on
    readable = True
    assert meter.read().node_watts is None
    advance(tmp_path, clock, 1, {"intel-rapl:0": 7_000_000})
    assert meter.read().node_watts == pytest.approx(7.0)


def test_root_only_counter_file(tmp_path: Path) -> None:
    # given a real counter file that this user may not read (sysfs makes it root's, mode 0400,
    # since the CVE-2020-8694 fix; here the test's user owns it, so mode 0000)
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0))
    (tmp_path / "intel-rapl:0/energy_uj").chmod(0o000)
    # when an unprivileged process reads it: root reads any file through its DAC capabilities,
    # so as root (CI) the reader runs in a child whose capability bounding set lacks them
    code = (
        "import sys; from pathlib import Path; from jupyterlab_hpc.power.rapl import RaplMeter;"
        " print(RaplMeter(Path(sys.argv[1])).read().reason)"
    )
    argv = [sys.executable, "-c", code, str(tmp_path)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO)
    # then the reading says so, with the admin's fix
    assert result.stdout.strip() == NOT_READABLE


def test_other_read_errors_are_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0))

    def read_text(path: Path) -> str:
        if path.name == "energy_uj":
            raise OSError(5, "Input/output error")
        return read_sysfs(path)

    reading = RaplMeter(tmp_path, read_text=read_text).read()
    assert (
        reading.reason
        == f"The RAPL energy counters under {tmp_path} could not be read: Input/output error."
    )


# --- resets, impossible powers and zones that come back -----------------------------------


def test_a_counter_reset_is_not_read_as_a_wrap(tmp_path: Path) -> None:
    # given a 120 W package whose counter stands at 200 kJ
    limit = {"long_term": 120_000_000}
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 200_000_000_000, constraints=limit))
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # when it drops to 1 J within 5 s (firmware reset): as a wrap that would be 12 kW
    advance(tmp_path, clock, 5, {"intel-rapl:0": 1_000_000})
    reset = meter.read()
    # then that interval has no reading, and the next one is measured from the new value
    assert (reset.available, reset.node_watts) == (True, None)
    advance(tmp_path, clock, 5, {"intel-rapl:0": 251_000_000})
    assert meter.read().node_watts == pytest.approx(50.0)


def test_a_reset_of_a_zone_without_limits_is_caught_by_the_fixed_ceiling(tmp_path: Path) -> None:
    # given a package with no constraint at all (AMD) and its counter mid-range
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 3_000_000_000))
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # when the counter goes back a little: as a wrap, 261 kW over one second
    advance(tmp_path, clock, 1, {"intel-rapl:0": 2_000_000_000})
    # then it is no power at all
    assert meter.read().node_watts is None


def test_a_real_wrap_at_a_plausible_power_is_still_corrected(tmp_path: Path) -> None:
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", RANGE - 100_000_000))
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    advance(tmp_path, clock, 5, {"intel-rapl:0": 400_000_000})
    assert meter.read().node_watts == pytest.approx(100.0)


def test_a_power_above_the_zone_maximum_is_never_counted(tmp_path: Path) -> None:
    # given a 15 W laptop package whose constraints allow at most 25 W
    constraints = {"long_term": 15_000_000, "short_term": 25_000_000}
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0, constraints=constraints))
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # when the counter jumps 1 kJ in one second: 1 kW, forty times its short-term limit
    advance(tmp_path, clock, 1, {"intel-rapl:0": 1_000_000_000})
    assert meter.read().node_watts is None
    # while a turbo peak above both limits still counts
    advance(tmp_path, clock, 1, {"intel-rapl:0": 1_060_000_000})
    assert meter.read().node_watts == pytest.approx(60.0)


def test_a_powercap_tree_that_vanishes_and_comes_back_is_read_again(tmp_path: Path) -> None:
    files = zone("intel-rapl:0", "package-0", 0)
    write_tree(tmp_path, files)
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # when the whole tree goes away (intel_rapl_msr unloaded)
    shutil.rmtree(tmp_path / "intel-rapl:0")
    clock.now += 1
    assert meter.read().reason == no_rapl_reason(tmp_path)
    # then once it is back, the next reads measure again
    write_tree(tmp_path, files)
    clock.now += 1
    assert meter.read().available
    advance(tmp_path, clock, 1, {"intel-rapl:0": 9_000_000})
    assert meter.read().node_watts == pytest.approx(9.0)


def test_a_dram_zone_that_comes_back_is_counted_at_the_next_rescan(tmp_path: Path) -> None:
    dram = zone("intel-rapl:0/intel-rapl:0:0", "dram", 0)
    write_tree(tmp_path, {**zone("intel-rapl:0", "package-0", 0), **dram})
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock=clock)
    meter.read()
    # given DRAM's zone went away, and the meter goes on with the package alone
    shutil.rmtree(tmp_path / "intel-rapl:0/intel-rapl:0:0")
    advance(tmp_path, clock, 1, {"intel-rapl:0": 1_000_000})
    assert meter.read().zones == (("package-0", None),)
    # when it comes back, then the next re-scan counts it again
    write_tree(tmp_path, dram)
    advance(tmp_path, clock, RESCAN_INTERVAL_S, {"intel-rapl:0": 2_000_000})
    assert [name for name, _ in meter.read().zones] == ["package-0", "dram"]
    advance(
        tmp_path,
        clock,
        1,
        {"intel-rapl:0": 12_000_000, "intel-rapl:0/intel-rapl:0:0": 3_000_000},
    )
    assert meter.read().node_watts == pytest.approx(13.0)


def test_a_fifo_in_place_of_a_counter_is_an_error_not_a_hang(tmp_path: Path) -> None:
    # given energy_uj is a FIFO that nobody writes (opening it to read would wait for ever)
    write_tree(tmp_path, zone("intel-rapl:0", "package-0", 0))
    (tmp_path / "intel-rapl:0/energy_uj").unlink()
    os.mkfifo(tmp_path / "intel-rapl:0/energy_uj")
    readings: list[object] = []
    reader = threading.Thread(target=lambda: readings.append(RaplMeter(tmp_path).read()))
    reader.daemon = True
    reader.start()
    reader.join(60)
    # then the read returns, and says why there is no power
    assert not reader.is_alive(), "reading a FIFO as energy_uj hangs"
    [reading] = readings
    assert isinstance(reading, RaplReading)
    assert reading.reason == (
        f"The RAPL energy counters under {tmp_path} could not be read: not a regular file."
    )
