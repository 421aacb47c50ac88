"""The factor in force: live, stale, estimated or static; one attempt per interval; quiet logs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

import pytest
from traitlets import TraitError

from jupyterlab_hpc.emissions.config import HPCEmissions
from jupyterlab_hpc.emissions.factor import FactorSource, factor_source_from_config
from jupyterlab_hpc.emissions.providers import ElectricityMaps, Fetch, RteEco2mix, http_get
from jupyterlab_hpc.emissions.static_factors import WORLD_FACTOR, country_factor
from tests.emissions.replay import ReplayServer, fixture_bytes

ECO2MIX_PATH = "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"
# An hour after the sample's newest row (2026-06-14T19:00Z).
NOW = datetime(2026, 6, 14, 20, 0, tzinfo=timezone.utc)
FRANCE = country_factor("FR")
assert FRANCE is not None
LOG = logging.getLogger("test-emissions")


def source(url: str, *, refresh_interval_s: float = 900.0, fetch: Fetch = http_get) -> FactorSource:
    """A FactorSource on RTE éCO2mix at `url`, France's average as fallback, a fixed clock."""
    return FactorSource(
        RteEco2mix(base_url=url),
        FRANCE,
        refresh_interval_s=refresh_interval_s,
        request_timeout_s=2.0,
        fetch=fetch,
        log=LOG,
        clock=lambda: NOW,
    )


async def never_fetch(url: str, headers: Mapping[str, str], timeout_s: float) -> bytes:
    raise AssertionError(f"no request expected, got one for {url}")


async def test_before_the_first_answer_the_static_factor_stands_in() -> None:
    reading = source("http://127.0.0.1:9", fetch=never_fetch).current()
    assert reading.status == "estimated"
    assert reading.g_per_kwh == 56.039
    assert reading.reason == "No answer from RTE éCO2mix yet"
    assert reading.time is None and reading.age_s is None


async def test_a_successful_fetch_is_live_with_its_age(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    reading = await source(replay.url).refresh()
    assert reading.status == "live"
    assert reading.g_per_kwh == 15.0
    assert reading.source == "RTE éCO2mix (ODRÉ)"
    assert reading.basis == "direct, French production"
    assert reading.age_s == 3600.0
    assert reading.reason is None


async def test_a_failure_keeps_the_last_good_factor_as_stale(replay: ReplayServer) -> None:
    factors = source(replay.url)
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    await factors.refresh()
    # When the provider then fails
    replay.reply(ECO2MIX_PATH, "oops", status=500)
    reading = await factors.refresh()
    # Then the last good factor is kept, marked stale, with why
    assert reading.status == "stale"
    assert reading.g_per_kwh == 15.0
    assert reading.age_s == 3600.0
    assert reading.reason == "RTE éCO2mix answered HTTP 500"
    # And a later success makes it live again
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    assert (await factors.refresh()).status == "live"


async def test_a_failure_without_any_good_factor_is_estimated(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, "{}")
    reading = await source(replay.url).refresh()
    assert reading.status == "estimated"
    assert reading.g_per_kwh == 56.039
    assert reading.source.startswith("France average 2023")
    assert reading.reason == "RTE éCO2mix returned no CO2 rate"


async def test_an_offline_node_warns_once_then_logs_at_debug_until_it_recovers(
    replay: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    online = False

    async def network(url: str, headers: Mapping[str, str], timeout_s: float) -> bytes:
        if not online:
            raise OSError(-3, "Temporary failure in name resolution")
        return await http_get(url, headers, timeout_s)

    caplog.set_level(logging.DEBUG, logger=LOG.name)
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    factors = source(replay.url, fetch=network)
    for _ in range(3):
        reading = await factors.refresh()
    assert reading.status == "estimated"
    assert reading.reason == (
        "RTE éCO2mix could not be reached: [Errno -3] Temporary failure in name resolution"
    )
    levels = [r.levelno for r in caplog.records]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "Next try in 900 s" in caplog.records[0].getMessage()
    # When the network comes back, one info line says so
    caplog.clear()
    online = True
    await factors.refresh()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "jupyterlab-hpc emissions: RTE éCO2mix (ODRÉ) answers again (15 g/kWh).")
    ]


def counting(calls: list[float]) -> Fetch:
    """http_get that notes the monotonic time of each request it is asked to make."""

    async def fetch(url: str, headers: Mapping[str, str], timeout_s: float) -> bytes:
        calls.append(time.monotonic())
        return await http_get(url, headers, timeout_s)

    return fetch


async def wait_until(condition: Callable[[], object], timeout_s: float = 60) -> None:
    """Poll `condition` on the loop until it holds; fail after `timeout_s` (a loaded machine)."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout_s)


async def test_failures_are_not_retried_before_the_interval(replay: ReplayServer) -> None:
    # Given a provider that fails and an hour-long interval
    replay.reply(ECO2MIX_PATH, "down", status=503)
    hourly_calls: list[float] = []
    factors = source(replay.url, refresh_interval_s=3600.0, fetch=counting(hourly_calls))
    factors.start()
    factors.start()  # idempotent
    # When its first attempt has failed
    await wait_until(lambda: factors.current().reason == "RTE éCO2mix answered HTTP 503")
    # and, on the same loop, a source with a short interval has since retried the same
    # failing provider twice: the hourly source had time enough for a retry storm
    short_calls: list[float] = []
    control = source(replay.url, refresh_interval_s=0.1, fetch=counting(short_calls))
    control.start()
    await wait_until(lambda: len(short_calls) >= 3)
    await control.stop()
    await factors.stop()
    # Then the hourly source made exactly one request: no retry storm
    assert len(hourly_calls) == 1
    assert factors.current().reason == "RTE éCO2mix answered HTTP 503"


async def test_the_loop_refreshes_once_per_interval(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    calls: list[float] = []
    interval_s = 0.2
    factors = source(replay.url, refresh_interval_s=interval_s, fetch=counting(calls))
    factors.start()
    # When the loop has asked three times
    await wait_until(lambda: len(calls) >= 3)
    await factors.stop()
    # Then each request waited for the interval after the one before, however loaded the
    # machine (load only stretches the gaps), and the factor is live
    gaps = [later - earlier for earlier, later in zip(calls, calls[1:])]
    assert all(gap >= interval_s - 0.01 for gap in gaps), gaps
    assert factors.current().status == "live"
    # After stop, refresh asks nothing
    count = len(calls)
    await factors.refresh()
    assert len(calls) == count


async def test_an_unexpected_error_while_reading_does_not_stop_the_source() -> None:
    async def broken(url: str, headers: Mapping[str, str], timeout_s: float) -> bytes:
        raise RuntimeError("boom")

    reading = await source("http://127.0.0.1:9", fetch=broken).refresh()
    assert reading.status == "estimated"
    assert reading.reason == "RTE éCO2mix's answer could not be read: boom"


async def test_provider_static_never_fetches() -> None:
    factors = FactorSource(None, FRANCE, fetch=never_fetch, log=LOG)
    factors.start()
    assert factors.task is None
    reading = await factors.refresh()
    assert (reading.status, reading.reason, reading.g_per_kwh) == ("static", None, 56.039)
    await factors.stop()


async def test_a_configuration_error_is_logged_and_never_fetched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    provider = ElectricityMaps(zone="FR")
    factors = FactorSource(provider, FRANCE, fetch=never_fetch, log=LOG)
    factors.start()
    assert factors.task is None
    reading = await factors.refresh()
    assert reading.status == "estimated"
    assert reading.reason == "Electricity Maps needs an API token: set HPCEmissions.token"
    assert len(caplog.records) == 1


async def test_current_can_be_read_from_another_thread(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    factors = source(replay.url)
    await factors.refresh()
    seen: list[float] = []
    reader = threading.Thread(target=lambda: seen.append(factors.current().g_per_kwh))
    reader.start()
    reader.join()
    assert seen == [15.0]


# --- configuration -------------------------------------------------------------------------


def test_the_default_configuration_is_rte_with_the_french_fallback() -> None:
    factors = factor_source_from_config(HPCEmissions(), log=LOG)
    assert isinstance(factors.provider, RteEco2mix)
    assert factors.provider.base_url == "https://odre.opendatasoft.com"
    assert factors.fallback == FRANCE
    assert factors.refresh_interval_s == 900.0
    assert factors.request_timeout_s == 10.0


@pytest.mark.parametrize(
    ("settings", "g_per_kwh"),
    [
        ({"provider": "uk-carbon-intensity"}, 237.589),
        ({"provider": "electricity-maps", "zone": "DE", "token": "t"}, 380.95),
        ({"provider": "static"}, 475.0),
        ({"provider": "static", "country": "se"}, 38.42),
        ({"provider": "static", "country": "UK"}, 237.589),
        ({"country": "DE", "static_factor": 100.0}, 100.0),
    ],
)
def test_the_fallback_follows_the_provider_country_or_the_settings(
    settings: dict[str, object], g_per_kwh: float
) -> None:
    factors = factor_source_from_config(HPCEmissions(**settings), log=LOG)
    assert factors.fallback.g_per_kwh == g_per_kwh


def test_an_unknown_country_falls_back_to_the_world_average(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOG.name)
    factors = factor_source_from_config(HPCEmissions(provider="static", country="XX"), log=LOG)
    assert factors.fallback == WORLD_FACTOR
    assert "'XX'" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "settings",
    [
        {"url": "file:///etc/passwd"},
        {"url": "odre.opendatasoft.com"},
        {"refresh_interval": 0},
        {"request_timeout": -1},
        {"static_factor": -5.0},
        {"provider": "watttime"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(TraitError):
        HPCEmissions(**settings)


def test_the_token_is_not_in_the_url_or_the_messages() -> None:
    provider = ElectricityMaps(zone="FR", token="s3cret")
    assert "s3cret" not in provider.url()
    assert provider.headers() == {"auth-token": "s3cret"}


async def test_a_trickling_provider_turns_the_factor_stale_at_the_deadline(
    replay: ReplayServer,
) -> None:
    # given a live factor
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    factors = source(replay.url)
    assert (await factors.refresh()).status == "live"
    # when the provider starts trickling its answer a byte every 0.2 s (minutes in all)
    slow_body = fixture_bytes("eco2mix-sample.json") + b" " * 100_000
    replay.reply(ECO2MIX_PATH, slow_body, trickle_s=0.2)
    reading = await asyncio.wait_for(factors.refresh(), 60)
    # then the fetch ends at its 2 s deadline and the kept factor says it is stale
    assert (reading.status, reading.g_per_kwh) == ("stale", 15.0)
    assert reading.reason == "RTE éCO2mix did not answer within 2 s"
    assert factors.current().status == "stale"
