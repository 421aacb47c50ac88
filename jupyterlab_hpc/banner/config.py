"""Admin settings of the top-bar banner and of sandbox mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from traitlets import Bool, Enum, TraitError, Unicode, validate
from traitlets.config import Configurable

LEVELS = ("info", "warning", "critical")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date-time; without a UTC offset it is the server's local time."""
    moment = datetime.fromisoformat(text)
    # astimezone() on a naive value reads it as local time: both ends compare then.
    return moment if moment.tzinfo is not None else moment.astimezone()


class HPCBanner(Configurable):
    """The admin's message in every user's top bar, optionally shown only in a time window."""

    text = Unicode(
        "",
        help="""The message of the top-bar banner, plain text ("": no banner).

        When empty (or outside its time window), the JUPYTERLAB_TOPBAR_MESSAGE environment
        variable of the server is shown instead, with its level from JUPYTERLAB_TOPBAR_LEVEL
        (the convention of IDRIS's jupyterlab-topbar-message: a spawner sets them).
        """,
    ).tag(config=True)

    level = Enum(
        LEVELS,
        default_value="info",
        help="""How the banner is styled: "info" (default), "warning" or "critical".""",
    ).tag(config=True)

    show_from = Unicode(
        "",
        help="""When the banner starts showing, an ISO 8601 date-time ("": at once).

        For a maintenance notice, set it some days before the maintenance starts, and
        `show_until` to its end, e.g. "2026-12-01T08:00+01:00". A date-time without a UTC
        offset is the server's local time.
        """,
    ).tag(config=True)

    show_until = Unicode(
        "",
        help="""When the banner stops showing, an ISO 8601 date-time ("": never).

        The banner shows while show_from <= now < show_until, evaluated at every request,
        so no restart is needed when the window opens or closes.
        """,
    ).tag(config=True)

    @validate("show_from", "show_until")
    def _validate_moment(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip()
        name = proposal["trait"].name
        if not value:
            return value
        try:
            parse_moment(value)
        except ValueError:
            raise TraitError(
                f"HPCBanner.{name} must be an ISO 8601 date-time such as "
                f'"2026-12-01T08:00+01:00", not {value!r}.'
            ) from None
        # The other end may not be set yet (config order): checked once both are.
        ends = {"show_from": self.show_from, "show_until": self.show_until, name: value}
        if ends["show_from"] and ends["show_until"]:
            if not parse_moment(ends["show_from"]) < parse_moment(ends["show_until"]):
                raise TraitError(
                    f"HPCBanner.show_from ({ends['show_from']}) must be before "
                    f"HPCBanner.show_until ({ends['show_until']})."
                )
        return value


class HPCSandbox(Configurable):
    """Whether this server runs in its own network namespace ("sandbox mode")."""

    enabled = Bool(
        None,
        allow_none=True,
        help="""Sandbox mode: True, False, or None to decide otherwise (default).

        When None, the JUPYTERLAB_HPC_SANDBOX environment variable decides (1 or 0, set by
        a spawner that starts the server in a network namespace); without it, the server
        compares its network namespace with that of PID 1 (/proc/self/ns/net and
        /proc/1/ns/net): different means sandboxed.
        """,
    ).tag(config=True)

    proc_root = Unicode(
        "/proc",
        help="""Where procfs is mounted, for the namespace detection (/proc).""",
    ).tag(config=True)
