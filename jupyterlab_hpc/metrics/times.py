"""The API's time format: ISO 8601, UTC, milliseconds, trailing Z."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# "+01:00" arrives as " 01:00" when a client forgets to URL-encode the plus sign.
_UNENCODED_PLUS = re.compile(r"(T[0-9:.,]+) ([0-9]{2}:?[0-9]{2})$")


def utc_now() -> datetime:
    """Now in UTC, cut to the milliseconds the API shows (so a sample's time round-trips)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_time(moment: datetime) -> str:
    """Format an aware datetime like 2026-11-23T09:00:05.000Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time into an aware UTC datetime; naive times are UTC.

    Raises ValueError when the text is not an ISO 8601 time.
    """
    text = _UNENCODED_PLUS.sub(r"\1+\2", text.strip())
    if text.endswith(("Z", "z")):
        # datetime.fromisoformat accepts "Z" only from Python 3.11 on.
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 is before the first moment a datetime can hold in UTC.
        raise ValueError(f"{text!r} is outside the times UTC can hold") from None
