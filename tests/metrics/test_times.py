"""The API's time format and the `since` parameter's parsing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyterlab_hpc.metrics.times import format_time, parse_time, utc_now

NINE = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T09:00:00Z",
        "2026-11-23T09:00:00.000Z",
        "2026-11-23T09:00:00",  # naive: UTC
        "2026-11-23T10:00:00+01:00",
        "2026-11-23T10:00:00 01:00",  # "+" not URL-encoded by the client
    ],
)
def test_parse_time_accepts_iso_8601_and_returns_utc(text: str) -> None:
    assert parse_time(text) == NINE


@pytest.mark.parametrize("text", ["garbage", "", "2026-13-01T00:00:00Z", "09:00"])
def test_parse_time_rejects_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_format_time_is_utc_milliseconds_with_z() -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 23, 10, 0, 5, 123456, tzinfo=paris)
    assert format_time(moment) == "2026-11-23T09:00:05.123Z"


def test_now_round_trips_through_the_api_format() -> None:
    now = utc_now()
    assert parse_time(format_time(now)) == now
