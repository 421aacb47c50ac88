"""Which banner shows now: the admin's configured one in its window, else the spawner's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from .config import LEVELS, HPCBanner, parse_moment

# The IDRIS convention (jupyterlab-topbar-message): the spawner sets the message.
MESSAGE_ENV = "JUPYTERLAB_TOPBAR_MESSAGE"
LEVEL_ENV = "JUPYTERLAB_TOPBAR_LEVEL"


def in_window(config: HPCBanner, now: datetime) -> bool:
    """Whether `now` lies in the configured window [show_from, show_until)."""
    if config.show_from and now < parse_moment(config.show_from):
        return False
    return not (config.show_until and now >= parse_moment(config.show_until))


def current_banner(
    config: HPCBanner, env: Mapping[str, str], now: datetime | None = None
) -> dict[str, str] | None:
    """`{text, level}` of the banner to show at `now`, or None.

    The configured text wins while its window is open; outside it (or without it) the
    environment's message shows, so a maintenance notice ends back on the spawner's banner.
    """
    now = now or datetime.now(timezone.utc)
    if config.text.strip() and in_window(config, now):
        return {"text": config.text.strip(), "level": config.level}
    text = env.get(MESSAGE_ENV, "").strip()
    if not text:
        return None
    level = env.get(LEVEL_ENV, "").strip().lower()
    return {"text": text, "level": level if level in LEVELS else "info"}
