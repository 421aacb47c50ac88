"""The banner's sources, their precedence, and the maintenance time window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyterlab_hpc.banner.config import HPCBanner
from jupyterlab_hpc.banner.message import current_banner

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
SPAWNER = {"JUPYTERLAB_TOPBAR_MESSAGE": "📦 Sandbox session 📦"}


def banner(**traits: str) -> HPCBanner:
    return HPCBanner(config=Config({"HPCBanner": traits}))


def test_no_text_anywhere_means_no_banner() -> None:
    assert current_banner(banner(), {}, NOON) is None
    assert current_banner(banner(text="   "), {"JUPYTERLAB_TOPBAR_MESSAGE": " "}, NOON) is None


def test_the_admins_text_wins_over_the_spawners() -> None:
    config = banner(text="Maintenance tonight", level="critical")
    assert current_banner(config, SPAWNER, NOON) == {
        "text": "Maintenance tonight",
        "level": "critical",
    }


def test_the_spawners_message_shows_without_config_with_its_level() -> None:
    assert current_banner(banner(), SPAWNER, NOON) == {
        "text": "📦 Sandbox session 📦",
        "level": "info",
    }
    env = {**SPAWNER, "JUPYTERLAB_TOPBAR_LEVEL": "Warning"}
    assert current_banner(banner(), env, NOON) == {
        "text": SPAWNER["JUPYTERLAB_TOPBAR_MESSAGE"],
        "level": "warning",
    }
    # an unknown level falls back to info rather than an unstyled banner
    env = {**SPAWNER, "JUPYTERLAB_TOPBAR_LEVEL": "panic"}
    assert current_banner(banner(), env, NOON)["level"] == "info"  # type: ignore[index]


def test_an_unknown_configured_level_is_refused() -> None:
    with pytest.raises(TraitError):
        banner(level="panic")


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (datetime(2026, 11, 27, 7, 59, tzinfo=timezone.utc), False),  # before show_from
        (datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc), True),  # the window opens
        (NOON, True),  # during the maintenance
        (datetime(2026, 12, 1, 17, 0, tzinfo=timezone.utc), False),  # show_until: closed
        (datetime(2026, 12, 2, tzinfo=timezone.utc), False),  # after
    ],
)
def test_a_maintenance_notice_shows_only_in_its_window(now: datetime, shown: bool) -> None:
    # given a notice shown from four days before the maintenance until its end (18:00 CET)
    config = banner(
        text="Maintenance on 1 December, 08:00-18:00",
        level="warning",
        show_from="2026-11-27T08:00:00Z",
        show_until="2026-12-01T18:00:00+01:00",
    )
    # then it shows only inside [show_from, show_until)
    assert (current_banner(config, {}, now) is not None) is shown


def test_outside_its_window_the_notice_gives_way_to_the_spawners_message() -> None:
    config = banner(text="Maintenance", show_until="2026-12-01T00:00Z")
    assert current_banner(config, SPAWNER, NOON) == {
        "text": "📦 Sandbox session 📦",
        "level": "info",
    }


def test_a_one_sided_window() -> None:
    later = banner(text="New GPUs available", show_from="2026-12-01T13:00Z")
    assert current_banner(later, {}, NOON) is None
    assert current_banner(later, {}, datetime(2027, 1, 1, tzinfo=timezone.utc)) is not None


def test_a_date_without_offset_is_the_servers_local_time() -> None:
    local_noon = NOON.astimezone().replace(tzinfo=None).isoformat()
    config = banner(text="x", show_from=local_noon)
    assert current_banner(config, {}, NOON) is not None


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "1/12/2026 08:00"])
def test_a_bad_date_is_refused_at_config_time_with_the_trait_name(value: str) -> None:
    with pytest.raises(TraitError, match=r"HPCBanner\.show_from must be an ISO 8601"):
        banner(text="x", show_from=value)


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(TraitError, match=r"must be before HPCBanner\.show_until"):
        banner(show_from="2026-12-02T00:00Z", show_until="2026-12-01T00:00Z")
