"""The energy split: CPU and GPU watts integrated apart, adding up to the total, kept across
restarts, and state files saved before the split still continued."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jupyterlab_hpc.emissions.factor import FactorReading
from jupyterlab_hpc.emissions.integrator import EmissionsAccount

JOB = "4242"
STATE_NAME = f"jupyterlab-hpc-emissions-{JOB}.json"
T0 = datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
LOG = logging.getLogger("test-emissions-split")
# What a version without the split saved.
OLD_STATE = {"job_id": JOB, "energy_wh": 12.5, "co2_g": 0.5, "since": "2026-06-14T18:00:00.000Z"}


def factor() -> FactorReading:
    return FactorReading(50.0, "RTE éCO2mix (ODRÉ)", "direct", "live", T0, 1.0, None)


def account(directory: Path) -> EmissionsAccount:
    return EmissionsAccount(state_dir=directory, job_id=JOB, log=LOG)


def test_cpu_and_gpu_energy_are_counted_apart_and_add_up(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, 300.0, factor())
    # 100 W of CPU and 300 W of GPU for an hour at 50 g/kWh
    section = totals.update(T0 + HOUR, 100.0, 300.0, factor())
    assert (section["cpu_energy_wh"], section["gpu_energy_wh"]) == (100.0, 300.0)
    assert (section["energy_wh"], section["co2_g"]) == (400.0, 20.0)


def test_the_split_adds_up_to_the_total_over_uneven_samples(tmp_path: Path) -> None:
    totals = account(tmp_path)
    # Readings come and go: no GPU reading, then no CPU reading, then a broken one.
    readings = [(95.5, 250.25), (80.0, None), (None, 310.0), (120.0, float("nan")), (77.7, 0.0)]
    for step in range(200):
        cpu, gpu = readings[step % len(readings)]
        section = totals.update(T0 + step * timedelta(seconds=7), cpu, gpu, factor())
    assert section["cpu_energy_wh"] > 0 and section["gpu_energy_wh"] > 0
    assert section["cpu_energy_wh"] + section["gpu_energy_wh"] == pytest.approx(
        section["energy_wh"], rel=1e-9
    )


def test_a_missing_or_broken_part_adds_nothing_to_its_side(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    section = totals.update(T0 + HOUR, 100.0, None, factor())
    assert (section["cpu_energy_wh"], section["gpu_energy_wh"]) == (100.0, 0.0)
    section = totals.update(T0 + 2 * HOUR, float("inf"), 50.0, factor())
    assert (section["cpu_energy_wh"], section["gpu_energy_wh"]) == (100.0, 50.0)
    assert section["energy_wh"] == 150.0


def test_the_split_survives_a_restart_within_the_job(tmp_path: Path) -> None:
    first = account(tmp_path)
    first.update(T0, 100.0, 300.0, factor())
    first.update(T0 + HOUR, 100.0, 300.0, factor())
    first.save()
    state = json.loads((tmp_path / STATE_NAME).read_text())
    assert (state["cpu_energy_wh"], state["gpu_energy_wh"]) == (100.0, 300.0)
    second = account(tmp_path)
    second.update(T0 + 5 * HOUR, 10.0, 20.0, factor())
    section = second.update(T0 + 6 * HOUR, 10.0, 20.0, factor())
    assert (section["cpu_energy_wh"], section["gpu_energy_wh"]) == (110.0, 320.0)
    assert section["energy_wh"] == 430.0


def test_a_state_file_saved_before_the_split_is_continued(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    (tmp_path / STATE_NAME).write_text(json.dumps(OLD_STATE))
    totals = account(tmp_path)
    # The old total goes on; the split of it is unknown, so both parts count from zero.
    assert (totals.energy_wh, totals.co2_g, totals.restarted_reason) == (12.5, 0.5, None)
    assert caplog.records == []
    assert list(tmp_path.glob(f"{STATE_NAME}.corrupt-*")) == []
    totals.update(T0, 100.0, None, factor())
    section = totals.update(T0 + HOUR, 100.0, None, factor())
    assert (section["energy_wh"], section["cpu_energy_wh"], section["gpu_energy_wh"]) == (
        112.5,
        100.0,
        0.0,
    )
    assert section["since"] == "2026-06-14T18:00:00.000Z"
    assert "restarted_reason" not in section
    # and the next save writes the split, which a restart reads back
    totals.save()
    again = account(tmp_path)
    assert (again.energy_wh, again.cpu_energy_wh, again.gpu_energy_wh) == (112.5, 100.0, 0.0)


@pytest.mark.parametrize(
    "changes",
    [
        {"cpu_energy_wh": -1.0},
        {"gpu_energy_wh": "lots"},
        {"cpu_energy_wh": 13.0},
        {"cpu_energy_wh": 10.0, "gpu_energy_wh": 5.0},
    ],
    ids=["negative", "not a number", "a part above the total", "parts above the total"],
)
def test_a_split_that_cannot_be_is_set_aside(tmp_path: Path, changes: dict[str, object]) -> None:
    (tmp_path / STATE_NAME).write_text(json.dumps({**OLD_STATE, **changes}))
    totals = account(tmp_path)
    assert (totals.energy_wh, totals.cpu_energy_wh, totals.gpu_energy_wh) == (0.0, 0.0, 0.0)
    assert totals.restarted_reason is not None
    assert len(list(tmp_path.glob(f"{STATE_NAME}.corrupt-*"))) == 1
