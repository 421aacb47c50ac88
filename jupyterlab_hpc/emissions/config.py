"""Admin settings for the emissions estimate."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from traitlets import Enum, Float, TraitError, Unicode, validate
from traitlets.config import Configurable

PROVIDERS = ("rte-eco2mix", "uk-carbon-intensity", "electricity-maps", "static")


class HPCEmissions(Configurable):
    """Where the grid emission factor comes from, and the fallback when it cannot be had."""

    provider = Enum(
        PROVIDERS,
        default_value="rte-eco2mix",
        help="""Source of the live grid emission factor (g CO2eq per kWh).

        "rte-eco2mix" (the default): French grid operator RTE's real-time éCO2mix
        data on the ODRÉ open-data portal, no key needed; direct emissions of French
        production. "uk-carbon-intensity": NESO's Carbon Intensity API for Great
        Britain, no key needed. "electricity-maps": Electricity Maps' API, needs
        `token` and `zone`. "static": never fetch; use `static_factor` (or the
        country's annual average) all the time, e.g. on clusters without internet.
        """,
    ).tag(config=True)

    url = Unicode(
        "",
        help="""Base URL of the provider's API, replacing its public address.

        Empty (the default) uses the provider's own address
        (https://odre.opendatasoft.com, https://api.carbonintensity.org.uk,
        https://api.electricitymap.org). Set it to a mirror or a caching proxy
        reachable from your compute nodes. Only http:// and https:// URLs are
        accepted. HTTP(S)_PROXY and NO_PROXY environment variables are honoured.
        """,
    ).tag(config=True)

    zone = Unicode(
        "",
        help="""Grid zone to ask the provider for.

        Empty (the default) means France for rte-eco2mix and the national figure
        for uk-carbon-intensity (both serve only that zone). Required for
        electricity-maps: one of its zone codes, e.g. "FR", "DE", "US-CAL-CISO".
        """,
    ).tag(config=True)

    token = Unicode(
        "",
        help="""API token for providers that need one (electricity-maps).

        Sent in the `auth-token` header only; never logged. Empty by default.
        """,
    ).tag(config=True)

    country = Unicode(
        "",
        help="""Country whose annual average factor is the fallback (ISO code, e.g. "FR").

        Used when the live factor is unavailable and `static_factor` is not set.
        Empty (the default) means the provider's country: FR for rte-eco2mix, GB
        for uk-carbon-intensity, the zone's country for electricity-maps, and the
        world average (475 g/kWh) for provider "static". Unknown codes also fall
        back to the world average.
        """,
    ).tag(config=True)

    static_factor = Float(
        None,
        allow_none=True,
        help="""Emission factor in g CO2eq/kWh used when no live factor is available.

        None (the default) looks up the annual average of `country` in the table
        shipped with jupyterlab-hpc (Our World in Data, 2023). With provider
        "static" this is the factor used all the time.
        """,
    ).tag(config=True)

    refresh_interval = Float(
        900.0,
        help="""Seconds between two fetches of the live factor (900 = 15 minutes).

        The server fetches once per interval for all users, failures included, so
        an offline compute node costs one attempt per interval. RTE updates its
        open data hourly and the public APIs are rate-limited: do not go below 60 s
        outside tests.
        """,
    ).tag(config=True)

    request_timeout = Float(
        10.0,
        help="""Seconds the whole fetch may take, answer included, before giving up (10).""",
    ).tag(config=True)

    state_dir = Unicode(
        "",
        help="""Directory for the running total's state file.

        Empty (the default) uses the Jupyter runtime directory. Inside a Slurm job
        the total is saved to `jupyterlab-hpc-emissions-<SLURM_JOB_ID>.json` there,
        so it survives a restart of the server within the same job.
        """,
    ).tag(config=True)

    @validate("url")
    def _validate_url(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip()
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise TraitError(f"HPCEmissions.url must be an http(s):// URL, not {value!r}.")
        return value

    @validate("static_factor")
    def _validate_static_factor(self, proposal: dict[str, Any]) -> float | None:
        value = proposal["value"]
        if value is None:
            return None
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise TraitError(
                f"HPCEmissions.static_factor must be a number of g/kWh >= 0, not {value}."
            )
        return value

    @validate("refresh_interval", "request_timeout")
    def _validate_positive(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value > 0):
            name = proposal["trait"].name
            raise TraitError(f"HPCEmissions.{name} must be > 0 seconds, not {value}.")
        return value
