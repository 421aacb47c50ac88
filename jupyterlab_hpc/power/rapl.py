"""CPU power from the RAPL energy counters that Linux exposes in /sys/class/powercap.

Discovery and the choice of zones are functions of a directory tree, so tests build the trees
they need in a temporary directory; RaplMeter keeps the previous counters between two reads.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

POWERCAP = Path("/sys/class/powercap")

# "intel-rapl:0", "intel-rapl:0:2", "intel-rapl-mmio:0" (AMD CPUs use these names too). The
# pattern leaves out the "intel-rapl" control type and the "device"/"subsystem" links, the
# latter of which points back to the class directory and would make the walk loop.
ZONE_DIR = re.compile(r"^intel-rapl(?:-mmio)?(?::\d+)+$")
# One package per socket; multi-die parts (AMD Threadripper, Cascade Lake-AP) have one per die.
PACKAGE = re.compile(r"^package-\d+(?:-die-\d+)?$")
CONSTRAINT_NAME = re.compile(r"^constraint_(\d+)_name$")
CONSTRAINT_POWER = re.compile(r"^constraint_\d+_(?:power_limit|max_power)_uw$")

# The most power a zone can plausibly draw: this many times the largest of its constraints'
# power limits and max_power_uw (short-term limits and turbo peaks exceed the long-term one,
# laptops' PL2 reaches four times PL1), or a fixed ceiling for zones without any (DRAM, AMD):
# no CPU socket or its memory draws 1.5 kW. Never below MIN_CEILING_WATTS, so that a limit
# set far below what the part really draws does not drop true readings. A counter that went
# down by more than this power allows in the interval was reset, not wrapped: 261 kW read
# from a reset is not a power.
MAX_POWER_FACTOR = 5.0
MAX_ZONE_WATTS = 1500.0
MIN_CEILING_WATTS = 100.0
# Zones are listed again this often, so that a tree or a DRAM zone that comes back (RAPL
# modules reloaded) is counted again; when there is nothing to count, at every read.
RESCAN_INTERVAL_S = 60.0
# sysfs attributes hold at most a page.
MAX_ATTRIBUTE_BYTES = 4096

NOT_READABLE = (
    "RAPL energy counters in /sys/class/powercap are readable by root only (since the"
    " CVE-2020-8694 fix). To show CPU power, an administrator can make them readable at boot,"
    " e.g. a udev rule or sysfsutils: `mode class/powercap/intel-rapl:0/energy_uj = 0444`"
    " (or a group with 0440)."
)


def no_rapl_reason(root: Path) -> str:
    """Why there is no reading when the powercap tree has no RAPL zone at all."""
    return f"No RAPL power counters under {root}: this CPU or virtual machine does not expose them."


def no_cpu_zone_reason(root: Path) -> str:
    """Why there is no reading when RAPL has neither a package nor a psys zone."""
    return (
        f"The RAPL counters under {root} have no package or psys zone,"
        " so the CPU's power cannot be measured."
    )


def unreadable_reason(root: Path, error: OSError) -> str:
    """Why there is no reading when a counter fails to read for another reason than rights."""
    return f"The RAPL energy counters under {root} could not be read: {error.strerror or error}."


def read_sysfs(path: Path) -> str:
    """The text of one sysfs attribute; a FIFO or device in its place fails instead of hanging."""
    # O_NONBLOCK: opening a FIFO nobody writes would otherwise wait for ever.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return os.read(fd, MAX_ATTRIBUTE_BYTES).decode("utf-8", errors="replace")
    finally:
        os.close(fd)


ReadText = Callable[[Path], str]


@dataclass(frozen=True)
class RaplZone:
    """One powercap zone: its id, directory, domain name, counter range and long-term limit."""

    zone_id: str
    path: Path
    name: str
    # None when unreadable: a counter that went down then cannot be corrected.
    max_energy_range_uj: int | None
    # None for no limit (0, missing or malformed).
    limit_uw: int | None
    # The largest of the zone's constraints' limits and max_power_uw; None when it has none.
    max_power_uw: int | None = None

    @property
    def max_watts(self) -> float:
        """The most this zone can plausibly draw (see MAX_POWER_FACTOR)."""
        if self.max_power_uw is None:
            return MAX_ZONE_WATTS
        return max(MIN_CEILING_WATTS, self.max_power_uw / 1e6 * MAX_POWER_FACTOR)

    @property
    def mmio(self) -> bool:
        """Whether the zone is read through MMIO rather than the MSRs."""
        return self.zone_id.startswith("intel-rapl-mmio:")


@dataclass(frozen=True)
class ZoneChoice:
    """The zones whose sum is the node's CPU power, and the power limit of that sum."""

    counted: tuple[RaplZone, ...]
    limit_watts: float | None


@dataclass(frozen=True)
class RaplReading:
    """CPU power averaged since the previous read, or why there is none."""

    # None when the counters were read.
    reason: str | None = None
    # None on the first read and whenever a counted zone has no reading of its own.
    node_watts: float | None = None
    limit_watts: float | None = None
    # (name, watts) of each counted zone.
    zones: tuple[tuple[str, float | None], ...] = ()

    @property
    def available(self) -> bool:
        """Whether the counters could be read."""
        return self.reason is None


def discover_zones(root: Path, read_text: ReadText = read_sysfs) -> list[RaplZone]:
    """Every RAPL zone under the powercap directory, each once, in zone-id order."""
    try:
        pending = [entry for entry in root.iterdir() if ZONE_DIR.match(entry.name)]
    except OSError:
        return []
    zones: list[RaplZone] = []
    seen: set[str] = set()
    while pending:
        directory = pending.pop()
        # Sub-zones are listed twice, nested in their parent and as top-level links: the
        # directory name is the zone id, so each is read once.
        if directory.name in seen:
            continue
        seen.add(directory.name)
        zone = _read_zone(directory, read_text)
        if zone is not None:
            zones.append(zone)
        try:
            pending.extend(entry for entry in directory.iterdir() if ZONE_DIR.match(entry.name))
        except OSError:
            continue
    return sorted(zones, key=_zone_order)


def choose_zones(zones: Sequence[RaplZone]) -> ZoneChoice:
    """The zones to add up so that nothing is counted twice, and their long-term limit.

    psys contains the packages, which contain core and uncore; dram is outside them. So the
    node's CPU power is the packages plus dram, or psys alone when there is no package.
    """
    # intel-rapl-mmio:0 repeats intel-rapl:0 on recent Intel parts: keep the MSR one.
    msr_names = {zone.name for zone in zones if not zone.mmio}
    usable = [zone for zone in zones if not (zone.mmio and zone.name in msr_names)]
    packages = [zone for zone in usable if PACKAGE.match(zone.name)]
    if packages:
        # In zone order, so that each socket's dram follows its package.
        counted = tuple(zone for zone in usable if zone in packages or zone.name == "dram")
        # The limit is the packages' only: DRAM limits are rarely set and not the CPU's.
        return ZoneChoice(counted, _limit_watts(packages))
    psys = [zone for zone in usable if zone.name == "psys"]
    if psys:
        return ZoneChoice(tuple(psys), _limit_watts(psys))
    return ZoneChoice((), None)


def read_counters(
    zones: Iterable[RaplZone], read_text: ReadText = read_sysfs
) -> dict[str, int | None]:
    """Each zone's energy counter in µJ, None where it does not hold a number.

    OSError propagates: PermissionError means the counters are root-only, FileNotFoundError
    that the zones changed.
    """
    counters: dict[str, int | None] = {}
    for zone in zones:
        counters[zone.zone_id] = _parse_int(read_text(zone.path / "energy_uj"))
    return counters


def energy_delta_uj(before: int, after: int, max_energy_range_uj: int | None) -> int | None:
    """Energy used between two counter values, across one wrap-around; None if unknowable."""
    delta = after - before
    if delta >= 0:
        return delta
    # The counter wrapped at its range (about 262 kJ, a few minutes at full load); without
    # the range the interval cannot be corrected and is dropped rather than made up.
    if max_energy_range_uj is None:
        return None
    return delta + max_energy_range_uj


def zone_watts(
    zones: Iterable[RaplZone],
    before: Mapping[str, int | None],
    after: Mapping[str, int | None],
    seconds: float,
) -> dict[str, float | None]:
    """Each zone's average power between two reads of its counter, by zone id.

    None where it cannot be known, and where it is above what the zone can draw: a counter
    that went down was reset (not wrapped) when its wrap would mean such a power.
    """
    watts: dict[str, float | None] = {}
    for zone in zones:
        start, end = before.get(zone.zone_id), after.get(zone.zone_id)
        delta = None
        if start is not None and end is not None and seconds > 0:
            delta = energy_delta_uj(start, end, zone.max_energy_range_uj)
        power = None if delta is None else delta / 1e6 / seconds
        watts[zone.zone_id] = None if power is None or power > zone.max_watts else power
    return watts


class RaplMeter:
    """Reads the chosen RAPL zones; each read gives the average power since the previous one."""

    def __init__(
        self,
        root: str | Path = POWERCAP,
        *,
        clock: Callable[[], float] = time.monotonic,
        read_text: ReadText | None = None,
    ) -> None:
        self._root = Path(root)
        self._clock = clock
        self._read_text = read_text or read_sysfs
        # Discovered again every RESCAN_INTERVAL_S: the zones change when the RAPL modules
        # are reloaded, and a zone that comes back leaves no error to notice it by.
        self._choice: ZoneChoice | None = None
        self._scanned_at = 0.0
        self._empty_reason = ""
        self._previous: tuple[float, dict[str, int | None]] | None = None

    def read(self) -> RaplReading:
        """Read the counters now: power since the previous read, or why there is none."""
        choice = self._choice
        if (
            choice is None
            or not choice.counted
            or self._clock() - self._scanned_at >= RESCAN_INTERVAL_S
        ):
            choice = self._discover()
        if not choice.counted:
            return RaplReading(reason=self._empty_reason)
        try:
            try:
                counters = read_counters(choice.counted, self._read_text)
            except FileNotFoundError:
                # A zone went away (the RAPL modules were reloaded): find them again, start over.
                self._previous = None
                choice = self._discover()
                if not choice.counted:
                    return RaplReading(reason=self._empty_reason)
                counters = read_counters(choice.counted, self._read_text)
        except OSError as error:
            # Start a new interval when the counters are back: nothing says they are the same.
            self._previous = None
            if isinstance(error, PermissionError):
                return RaplReading(reason=NOT_READABLE)
            return RaplReading(reason=unreadable_reason(self._root, error))
        now = self._clock()
        previous, self._previous = self._previous, (now, counters)
        if previous is None:
            watts: dict[str, float | None] = {zone.zone_id: None for zone in choice.counted}
        else:
            watts = zone_watts(choice.counted, previous[1], counters, now - previous[0])
        return RaplReading(
            node_watts=_total(watts.values()),
            limit_watts=choice.limit_watts,
            zones=tuple((zone.name, watts[zone.zone_id]) for zone in choice.counted),
        )

    def _discover(self) -> ZoneChoice:
        zones = discover_zones(self._root, self._read_text)
        choice = choose_zones(zones)
        if self._choice is None or _ids(choice) != _ids(self._choice):
            # Other zones: their counters do not continue the previous ones.
            self._previous = None
        self._choice, self._scanned_at = choice, self._clock()
        self._empty_reason = no_cpu_zone_reason(self._root) if zones else no_rapl_reason(self._root)
        return self._choice


def _ids(choice: ZoneChoice) -> tuple[str, ...]:
    return tuple(zone.zone_id for zone in choice.counted)


def _zone_order(zone: RaplZone) -> tuple[bool, tuple[int, ...]]:
    """MSR zones first, then by their numbers (intel-rapl:10 after intel-rapl:2)."""
    numbers = tuple(int(part) for part in zone.zone_id.split(":")[1:])
    return zone.mmio, numbers


def _parse_int(text: str) -> int | None:
    """The text as a non-negative integer, or None."""
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def _read_int(path: Path, read_text: ReadText) -> int | None:
    """A file's non-negative integer, or None when missing, unreadable or malformed."""
    try:
        return _parse_int(read_text(path))
    except OSError:
        return None


def _read_zone(directory: Path, read_text: ReadText) -> RaplZone | None:
    """The zone in `directory`, or None when it has no name or no energy counter."""
    try:
        name = read_text(directory / "name").strip()
    except OSError:
        return None
    if not name or not _has_counter(directory / "energy_uj", read_text):
        return None
    return RaplZone(
        zone_id=directory.name,
        path=directory,
        name=name,
        max_energy_range_uj=_read_int(directory / "max_energy_range_uj", read_text) or None,
        limit_uw=_long_term_limit_uw(directory, read_text),
        max_power_uw=_max_power_uw(directory, read_text),
    )


def _has_counter(path: Path, read_text: ReadText) -> bool:
    """Whether the energy counter exists and, where it can be read, holds a number."""
    try:
        return _parse_int(read_text(path)) is not None
    except FileNotFoundError:
        return False
    except OSError:
        # Root-only (or failing) counters: the zone exists, and reading it says what is wrong.
        return True


def _long_term_limit_uw(directory: Path, read_text: ReadText) -> int | None:
    """The zone's long-term (PL1) power limit in µW, or None for no limit."""
    names: dict[int, str] = {}
    try:
        entries = list(directory.iterdir())
    except OSError:
        return None
    for entry in entries:
        match = CONSTRAINT_NAME.match(entry.name)
        if match is None:
            continue
        try:
            names[int(match.group(1))] = read_text(entry).strip()
        except OSError:
            continue
    if not names:
        return None
    # The long-term limit is the sustained one (TDP-like); it is constraint_0 on every part
    # seen, but the name is what the kernel promises.
    index = next((i for i, name in sorted(names.items()) if name == "long_term"), 0)
    limit = _read_int(directory / f"constraint_{index}_power_limit_uw", read_text)
    return limit or None


def _max_power_uw(directory: Path, read_text: ReadText) -> int | None:
    """The largest power limit or max_power_uw of the zone's constraints; None without any."""
    try:
        names = [entry.name for entry in directory.iterdir() if CONSTRAINT_POWER.match(entry.name)]
    except OSError:
        return None
    values = [_read_int(directory / name, read_text) or 0 for name in names]
    return max(values, default=0) or None


def _limit_watts(zones: Sequence[RaplZone]) -> float | None:
    """The zones' limits added up, or None unless each of them has one."""
    # A sum missing one socket's limit would look like a real, too-low limit.
    if any(zone.limit_uw is None for zone in zones):
        return None
    return sum(zone.limit_uw or 0 for zone in zones) / 1e6


def _total(watts: Iterable[float | None]) -> float | None:
    """The sum, or None if any term is missing: a partial sum would understate the node."""
    total = 0.0
    for value in watts:
        if value is None:
            return None
        total += value
    return total
