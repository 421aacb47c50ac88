"""Live providers: the requests they send and how they read (or reject) recorded answers."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import pytest

from jupyterlab_hpc.emissions.providers import (
    ElectricityMaps,
    Factor,
    ProviderError,
    RteEco2mix,
    UkCarbonIntensity,
    fetch_factor,
)
from tests.emissions.replay import ReplayServer, fixture_bytes
from tests.support import finishes_within

ECO2MIX_PATH = "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"


def eco2mix_rows(*rows: dict[str, Any]) -> str:
    """An Explore v2.1 answer holding these rows."""
    return json.dumps({"total_count": len(rows), "results": list(rows)})


def fetch(provider: Any, timeout_s: float = 5.0) -> Factor:
    return asyncio.run(fetch_factor(provider, timeout_s=timeout_s))


# --- RTE éCO2mix ---------------------------------------------------------------------------


def test_eco2mix_asks_for_the_newest_rows_with_a_co2_rate(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    fetch(RteEco2mix(base_url=replay.url))
    [request] = replay.requests
    assert request.path == ECO2MIX_PATH
    assert parse_qs(request.query) == {
        "select": ["date_heure,taux_co2"],
        "where": ["taux_co2 is not null"],
        "order_by": ["date_heure desc"],
        "limit": ["4"],
    }
    # Spaces are percent-encoded, as the ODSQL examples show.
    assert "taux_co2%20is%20not%20null" in request.query


def test_eco2mix_reads_the_newest_rate_and_its_utc_time(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    factor = fetch(RteEco2mix(base_url=replay.url))
    assert factor == Factor(
        g_per_kwh=15.0,
        time=datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc),
        source="RTE éCO2mix (ODRÉ)",
        basis="direct, French production",
    )


def test_eco2mix_skips_newest_rows_without_measurements(replay: ReplayServer) -> None:
    # Given the newest row holds forecasts only (taux_co2 null)
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample-null-latest.json"))
    factor = fetch(RteEco2mix(base_url=replay.url))
    # Then the first row with a number wins
    assert factor.g_per_kwh == 15.0
    assert factor.time == datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc)


def test_eco2mix_skips_nd_and_accepts_numbers_written_as_strings() -> None:
    payload = eco2mix_rows(
        {"date_heure": "2026-06-14T19:15:00+00:00", "taux_co2": "ND"},
        {"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": "17"},
    )
    factor = RteEco2mix().parse(payload.encode())
    assert factor.g_per_kwh == 17.0
    assert factor.time == datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc)


def test_eco2mix_picks_the_newest_row_whatever_the_order() -> None:
    payload = eco2mix_rows(
        {"date_heure": "2026-06-14T18:45:00+00:00", "taux_co2": 16},
        {"date_heure": "2026-06-14T21:00:00+02:00", "taux_co2": 15},
    )
    assert RteEco2mix().parse(payload.encode()).g_per_kwh == 15.0


def test_eco2mix_accepts_the_legacy_records_envelope() -> None:
    payload = json.dumps(
        {
            "nhits": 2,
            "records": [
                {"recordid": "a", "fields": {"date_heure": "2026-06-14T19:00:00+00:00"}},
                {
                    "recordid": "b",
                    "fields": {"date_heure": "2026-06-14T18:45:00+00:00", "taux_co2": 16},
                },
            ],
        }
    )
    factor = RteEco2mix().parse(payload.encode())
    assert factor.g_per_kwh == 16.0
    assert factor.time == datetime(2026, 6, 14, 18, 45, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "payload",
    [
        eco2mix_rows(),
        eco2mix_rows({"date_heure": "2026-06-14T19:15:00+00:00", "taux_co2": "ND"}),
        eco2mix_rows({"date_heure": "2026-06-14T19:15:00+00:00", "taux_co2": None}),
        eco2mix_rows({"taux_co2": 15}),
        json.dumps({"error_code": "ODSQLError"}),
        "[]",
    ],
)
def test_eco2mix_without_a_usable_row_says_so(payload: str) -> None:
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix returned no CO2 rate$"):
        RteEco2mix().parse(payload.encode())


def test_eco2mix_http_500_is_reported_with_its_status(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, '{"error": "boom"}', status=500)
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix answered HTTP 500$"):
        fetch(RteEco2mix(base_url=replay.url))


def test_a_provider_slower_than_the_timeout_is_abandoned(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"), delay_s=1.0)
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix did not answer within 0.2 s$"):
        fetch(RteEco2mix(base_url=replay.url), timeout_s=0.2)


def test_invalid_json_is_reported(replay: ReplayServer) -> None:
    replay.reply(ECO2MIX_PATH, "<html>Service Unavailable</html>")
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix returned invalid JSON$"):
        fetch(RteEco2mix(base_url=replay.url))


def test_a_rate_in_other_units_is_rejected() -> None:
    # 15000 "g/kWh" is what kg/MWh * 1000 or a lbs mix-up looks like: no grid is that dirty.
    payload = eco2mix_rows({"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": 15000})
    with pytest.raises(ProviderError, match=r"outside 0-2000 g/kWh \(wrong units\?\)"):
        RteEco2mix().parse(payload.encode())


def test_a_declared_unit_other_than_g_per_kwh_is_rejected(replay: ReplayServer) -> None:
    answer = {"results": [{"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": 15}]}
    replay.reply(ECO2MIX_PATH, json.dumps({**answer, "units": "lbs_co2_per_mwh"}))
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix answered in 'lbs_co2_per_mwh'"):
        fetch(RteEco2mix(base_url=replay.url))


@pytest.mark.parametrize("unit", ["g/kWh", "gCO2eq/kWh", "g_co2_per_kwh", "gCO₂e/kWh", "kg/MWh"])
def test_declared_g_per_kwh_units_are_accepted(unit: str) -> None:
    payload = json.dumps(
        {"results": [{"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": 15, "unit": unit}]}
    )
    assert RteEco2mix().parse(payload.encode()).g_per_kwh == 15.0


@pytest.mark.parametrize("value", ["NaN", "Infinity", -3])
def test_rates_that_are_not_finite_or_negative_are_rejected(value: Any) -> None:
    payload = eco2mix_rows({"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": value})
    with pytest.raises(ProviderError, match=r"finite number|outside"):
        RteEco2mix().parse(payload.encode())


def test_a_base_url_with_a_path_prefix_is_kept(replay: ReplayServer) -> None:
    replay.reply("/mirror" + ECO2MIX_PATH, fixture_bytes("eco2mix-sample.json"))
    fetch(RteEco2mix(base_url=replay.url + "/mirror/"))
    assert replay.requests[0].path == "/mirror" + ECO2MIX_PATH


def test_an_unreachable_provider_is_reported() -> None:
    # A port nobody listens on: connection refused, as on a compute node without a route.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix could not be reached: "):
        fetch(RteEco2mix(base_url=f"http://127.0.0.1:{port}"))


def test_the_proxy_from_the_environment_is_used(
    replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given HTTP_PROXY points at the replay server, a host that does not resolve is reached
    monkeypatch.setenv("HTTP_PROXY", replay.url)
    replay.reply("/intensity", fixture_bytes("carbonintensity-uk-sample.json"))
    factor = fetch(UkCarbonIntensity(base_url="http://carbon.example.invalid"))
    assert factor.g_per_kwh == 263.0
    assert replay.requests[0].target == "http://carbon.example.invalid/intensity"


@pytest.mark.parametrize("kind", [RteEco2mix, UkCarbonIntensity])
def test_a_zone_these_providers_do_not_serve_is_a_configuration_error(kind: Any) -> None:
    provider = kind(zone="DE")
    assert "HPCEmissions.zone" in (provider.configuration_error() or "")


def test_a_url_that_is_not_http_is_a_configuration_error() -> None:
    provider = RteEco2mix(base_url="file:///etc")
    assert provider.configuration_error() == (
        "HPCEmissions.url must be an http(s):// URL, not 'file:///etc'"
    )
    with pytest.raises(ProviderError, match="http"):
        fetch(provider)


# --- NESO Carbon Intensity (GB) ------------------------------------------------------------


def test_uk_reads_the_actual_intensity_of_the_current_half_hour(replay: ReplayServer) -> None:
    replay.reply("/intensity", fixture_bytes("carbonintensity-uk-sample.json"))
    factor = fetch(UkCarbonIntensity(base_url=replay.url))
    assert replay.requests[0].target == "/intensity"
    assert factor == Factor(
        g_per_kwh=263.0,
        time=datetime(2018, 1, 20, 12, 0, tzinfo=timezone.utc),
        source="NESO Carbon Intensity",
        basis="direct, GB generation incl. imports",
    )


def test_uk_falls_back_to_the_forecast_while_the_period_is_open() -> None:
    answer = json.loads(fixture_bytes("carbonintensity-uk-sample.json"))
    answer["data"][0]["intensity"]["actual"] = None
    factor = UkCarbonIntensity().parse(json.dumps(answer).encode())
    assert factor.g_per_kwh == 266.0
    assert factor.basis.endswith("forecast")


@pytest.mark.parametrize("payload", ['{"data": []}', '{"data": [{"from": "x"}]}', "{}"])
def test_uk_without_intensity_says_so(payload: str) -> None:
    with pytest.raises(ProviderError, match=r"^NESO Carbon Intensity returned no CO2 rate$"):
        UkCarbonIntensity().parse(payload.encode())


# --- Electricity Maps ----------------------------------------------------------------------


def test_electricity_maps_sends_the_token_header_and_the_zone(replay: ReplayServer) -> None:
    replay.reply("/v3/carbon-intensity/latest", fixture_bytes("electricitymaps-sample.json"))
    factor = fetch(ElectricityMaps(base_url=replay.url, zone="FR", token="s3cret"))
    [request] = replay.requests
    assert request.query == "zone=FR"
    # Header names are case-insensitive; http.server keeps the client's spelling.
    assert {k.lower(): v for k, v in request.headers.items()}["auth-token"] == "s3cret"
    assert factor == Factor(
        g_per_kwh=29.0,
        time=datetime(2026, 6, 14, 19, 0, tzinfo=timezone.utc),
        source="Electricity Maps",
        basis="lifecycle, estimated",
    )


def test_electricity_maps_without_a_token_sends_no_request(replay: ReplayServer) -> None:
    replay.reply("/v3/carbon-intensity/latest", fixture_bytes("electricitymaps-sample.json"))
    provider = ElectricityMaps(base_url=replay.url, zone="FR")
    with pytest.raises(
        ProviderError, match=r"^Electricity Maps needs an API token: set HPCEmissions.token$"
    ):
        fetch(provider)
    assert replay.requests == []


def test_electricity_maps_without_a_zone_is_a_configuration_error() -> None:
    provider = ElectricityMaps(token="t")
    assert provider.configuration_error() == (
        'Electricity Maps needs a zone: set HPCEmissions.zone (e.g. "FR")'
    )


def test_electricity_maps_answer_for_another_zone_is_rejected() -> None:
    with pytest.raises(ProviderError, match="zone FR, not DE"):
        ElectricityMaps(zone="DE", token="t").parse(fixture_bytes("electricitymaps-sample.json"))


def test_electricity_maps_country_comes_from_the_zone() -> None:
    assert ElectricityMaps(zone="US-CAL-CISO", token="t").country == "US"


# --- a provider that trickles ---------------------------------------------------------------


def test_a_provider_that_trickles_its_answer_is_abandoned_at_the_deadline(
    replay: ReplayServer,
) -> None:
    # given a provider that sends its (valid, long) answer a byte every 0.2 s: each byte
    # comes well within any per-read timeout, the whole answer would take minutes
    slow_body = fixture_bytes("eco2mix-sample.json") + b" " * 100_000
    replay.reply(ECO2MIX_PATH, slow_body, trickle_s=0.2)
    # when it is asked with a 1 s deadline, then the whole fetch gives up at that deadline
    with pytest.raises(ProviderError, match=r"^RTE éCO2mix did not answer within 1 s$"):
        finishes_within(60, lambda: fetch(RteEco2mix(base_url=replay.url), timeout_s=1.0))


def test_no_proxy_is_honoured(replay: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a proxy that does not exist, and NO_PROXY naming the provider's host
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    replay.reply("/intensity", fixture_bytes("carbonintensity-uk-sample.json"))
    # then the provider is reached directly
    assert fetch(UkCarbonIntensity(base_url=replay.url)).g_per_kwh == 263.0
    assert replay.requests[0].target == "/intensity"
