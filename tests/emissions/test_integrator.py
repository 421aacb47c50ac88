"""Energy and CO2 totals: the arithmetic, the section's shape, and persistence within a job."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jupyterlab_hpc.emissions.factor import FactorReading
from jupyterlab_hpc.emissions.integrator import NO_POWER, POWER_PAUSED, EmissionsAccount

T0 = datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
LOG = logging.getLogger("test-emissions")
SECTION_KEYS = {
    "available",
    "factor_g_per_kwh",
    "factor_source",
    "factor_time",
    "energy_wh",
    "cpu_energy_wh",
    "gpu_energy_wh",
    "co2_g",
    "since",
    "reason",
    "factor_status",
    "factor_age_s",
    "factor_basis",
}


def factor(g_per_kwh: float = 50.0, **changes: object) -> FactorReading:
    """A live factor published at T0."""
    fields: dict[str, object] = {
        "g_per_kwh": g_per_kwh,
        "source": "RTE éCO2mix (ODRÉ)",
        "basis": "direct, French production",
        "status": "live",
        "time": T0,
        "age_s": 120.4,
        "reason": None,
    }
    fields.update(changes)
    return FactorReading(**fields)  # type: ignore[arg-type]


def account(tmp_path: Path, job_id: str | None = "4242") -> EmissionsAccount:
    return EmissionsAccount(state_dir=tmp_path, job_id=job_id, log=LOG)


# --- arithmetic ----------------------------------------------------------------------------


def test_constant_power_and_factor(tmp_path: Path) -> None:
    # Given 100 W for one hour at 50 g/kWh
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    section = totals.update(T0 + HOUR, 100.0, None, factor())
    # Then 100 Wh and 5 g
    assert section["energy_wh"] == 100.0
    assert section["co2_g"] == 5.0
    assert section["since"] == "2026-06-14T19:00:00.000Z"


def test_many_small_samples_add_up_to_the_same(tmp_path: Path) -> None:
    totals = account(tmp_path)
    for step in range(721):
        section = totals.update(T0 + step * timedelta(seconds=5), 100.0, None, factor())
    assert section["energy_wh"] == pytest.approx(100.0)
    assert section["co2_g"] == pytest.approx(5.0)


def test_stepped_power_and_stepped_factor(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, None, None, factor(50.0))
    # 200 W for half an hour at 50 g/kWh: 100 Wh, 5 g
    section = totals.update(T0 + HOUR / 2, 200.0, None, factor(50.0))
    assert (section["energy_wh"], section["co2_g"]) == (100.0, 5.0)
    # then 100 W for half an hour at 100 g/kWh (the factor in force then): +50 Wh, +5 g
    section = totals.update(T0 + HOUR, 100.0, None, factor(100.0))
    assert (section["energy_wh"], section["co2_g"]) == (150.0, 10.0)
    # the first interval with power starts the count
    assert section["since"] == "2026-06-14T19:00:00.000Z"


def test_an_interval_without_a_power_reading_adds_nothing(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    section = totals.update(T0 + HOUR, None, None, factor())
    assert section["available"] is True
    assert section["energy_wh"] == 0.0
    assert section["reason"] == POWER_PAUSED
    section = totals.update(T0 + 2 * HOUR, 100.0, None, factor())
    assert section["energy_wh"] == 100.0
    assert section["reason"] is None


@pytest.mark.parametrize("watts", [float("nan"), float("inf"), -20.0])
def test_a_broken_power_reading_counts_as_none(tmp_path: Path, watts: float) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    assert totals.update(T0 + HOUR, watts, None, factor())["energy_wh"] == 0.0


def test_a_clock_stepped_back_subtracts_nothing(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    assert totals.update(T0 - HOUR, 100.0, None, factor())["energy_wh"] == 0.0


def test_without_any_power_reading_the_estimate_is_unavailable(tmp_path: Path) -> None:
    totals = account(tmp_path)
    totals.update(T0, None, None, factor())
    section = totals.update(T0 + HOUR, None, None, factor())
    assert section["available"] is False
    assert section["reason"] == NO_POWER
    assert (section["energy_wh"], section["co2_g"], section["since"]) == (None, None, None)
    # The factor is still shown: it does not depend on power
    assert section["factor_g_per_kwh"] == 50.0


def test_the_section_has_the_contract_keys_and_formats(tmp_path: Path) -> None:
    totals = account(tmp_path)
    section = totals.update(T0, 100.0, None, factor())
    assert set(section) == SECTION_KEYS
    assert section == {
        "available": True,
        "factor_g_per_kwh": 50.0,
        "factor_source": "RTE éCO2mix (ODRÉ)",
        "factor_time": "2026-06-14T19:00:00.000Z",
        "energy_wh": 0.0,
        "cpu_energy_wh": 0.0,
        "gpu_energy_wh": 0.0,
        "co2_g": 0.0,
        "since": "2026-06-14T19:00:00.000Z",
        "reason": None,
        "factor_status": "live",
        "factor_age_s": 120,
        "factor_basis": "direct, French production",
    }
    json.dumps(section)  # serialisable as is


def test_a_factor_problem_is_the_reason_of_an_available_estimate(tmp_path: Path) -> None:
    totals = account(tmp_path)
    stale = factor(status="stale", reason="RTE éCO2mix answered HTTP 500")
    section = totals.update(T0, 100.0, None, stale)
    assert section["available"] is True
    assert section["reason"] == "RTE éCO2mix answered HTTP 500."
    assert section["factor_status"] == "stale"
    static = factor(475.0, status="static", time=None, age_s=None)
    section = totals.update(T0 + HOUR, None, None, static)
    assert section["reason"] == POWER_PAUSED
    assert (section["factor_time"], section["factor_age_s"]) == (None, None)


# --- persistence ---------------------------------------------------------------------------


def test_a_restart_in_the_same_job_continues_the_totals(tmp_path: Path) -> None:
    first = account(tmp_path)
    first.update(T0, 100.0, None, factor())
    first.update(T0 + HOUR, 100.0, None, factor())
    first.save()
    # When the server restarts four hours later in the same job
    second = account(tmp_path)
    section = second.update(T0 + 5 * HOUR, 100.0, None, factor())
    # Then the total goes on, and the time the server was down adds nothing
    assert (section["energy_wh"], section["co2_g"]) == (100.0, 5.0)
    assert section["since"] == "2026-06-14T19:00:00.000Z"
    section = second.update(T0 + 6 * HOUR, 100.0, None, factor())
    assert (section["energy_wh"], section["co2_g"]) == (200.0, 10.0)


def test_a_restored_total_is_available_before_any_power_reading(tmp_path: Path) -> None:
    first = account(tmp_path)
    first.update(T0, 100.0, None, factor())
    first.update(T0 + HOUR, 100.0, None, factor())
    first.save()
    section = account(tmp_path).update(T0 + 2 * HOUR, None, None, factor())
    assert section["available"] is True
    assert section["energy_wh"] == 100.0


def test_another_job_starts_from_zero(tmp_path: Path) -> None:
    first = account(tmp_path, "4242")
    first.update(T0, 100.0, None, factor())
    first.update(T0 + HOUR, 100.0, None, factor())
    first.save()
    section = account(tmp_path, "4243").update(T0 + 2 * HOUR, 100.0, None, factor())
    assert section["energy_wh"] == 0.0
    assert section["since"] == "2026-06-14T21:00:00.000Z"


def test_outside_a_job_nothing_is_saved(tmp_path: Path) -> None:
    totals = account(tmp_path, None)
    totals.update(T0, 100.0, None, factor())
    totals.update(T0 + HOUR, 100.0, None, factor())
    totals.save()
    assert totals.state_file is None
    assert list(tmp_path.iterdir()) == []


def test_the_state_file_is_named_after_the_job_and_left_without_temporaries(
    tmp_path: Path,
) -> None:
    totals = account(tmp_path)
    totals.update(T0, 100.0, None, factor())
    totals.update(T0 + HOUR, 100.0, None, factor())
    totals.save()
    assert [p.name for p in tmp_path.iterdir()] == ["jupyterlab-hpc-emissions-4242.json"]
    state = json.loads((tmp_path / "jupyterlab-hpc-emissions-4242.json").read_text())
    assert state == {
        "job_id": "4242",
        "energy_wh": 100.0,
        "cpu_energy_wh": 100.0,
        "gpu_energy_wh": 0.0,
        "co2_g": 5.0,
        "since": "2026-06-14T19:00:00.000Z",
    }


def test_the_state_file_is_written_at_most_once_a_minute(tmp_path: Path) -> None:
    totals = account(tmp_path)
    path = tmp_path / "jupyterlab-hpc-emissions-4242.json"

    def saved_wh() -> float:
        return float(json.loads(path.read_text())["energy_wh"])

    # 3600 W: 5 Wh per 5-second sample
    totals.update(T0, 3600.0, None, factor())
    totals.update(T0 + timedelta(seconds=5), 3600.0, None, factor())
    assert saved_wh() == 5.0
    for step in range(2, 13):
        totals.update(T0 + timedelta(seconds=5 * step), 3600.0, None, factor())
    # 55 s after the first write: not yet
    assert saved_wh() == 5.0
    totals.update(T0 + timedelta(seconds=65), 3600.0, None, factor())
    assert saved_wh() == 65.0


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"job_id": "4242", "energy_wh": "lots", "co2_g": 1, "since": "2026-06-14T19:00:00Z"}',
        '{"job_id": "4242", "energy_wh": 1, "co2_g": -1, "since": "2026-06-14T19:00:00Z"}',
        '{"job_id": "4242", "energy_wh": 1, "co2_g": 1, "since": "yesterday"}',
        '{"job_id": "9999", "energy_wh": 1, "co2_g": 1, "since": "2026-06-14T19:00:00Z"}',
    ],
)
def test_a_corrupt_state_file_is_logged_once_and_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    (tmp_path / "jupyterlab-hpc-emissions-4242.json").write_text(content)
    totals = account(tmp_path)
    section = totals.update(T0, 100.0, None, factor())
    assert section["energy_wh"] == 0.0
    assert len(caplog.records) == 1
    assert "counting from zero" in caplog.records[0].getMessage()
    # The next save replaces the bad file with a sound one
    totals.update(T0 + HOUR, 100.0, None, factor())
    totals.save()
    assert account(tmp_path).energy_wh == 100.0


def test_a_job_id_that_could_escape_the_directory_disables_persistence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    totals = account(tmp_path / "state", "../../etc/x")
    assert totals.state_file is None
    assert len(caplog.records) == 1


def test_an_unwritable_state_directory_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOG.name)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    totals = account(blocker)
    for hours in range(4):
        totals.update(T0 + hours * HOUR, 100.0, None, factor())
    # (Root ignores permissions, so a file stands where the directory should be.)
    saves = [r.levelno for r in caplog.records if "could not save" in r.getMessage()]
    assert saves == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    # Counting goes on regardless
    assert totals.energy_wh == 300.0
