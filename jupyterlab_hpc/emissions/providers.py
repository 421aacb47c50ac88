"""Live grid-intensity providers: how to ask each one, and how to read its answer.

Parsing is pure (bytes in, Factor out) so that tests replay recorded payloads. Every failure
is a ProviderError whose message a user can read in a tooltip.
"""

from __future__ import annotations

import asyncio
import json
import math
import urllib.parse
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, ClassVar

import aiohttp

from .. import __version__
from ..metrics.times import parse_time

# A factor outside this range is not a grid's g/kWh: a unit mix-up (lbs/MWh, kg/kWh) or junk.
MAX_G_PER_KWH = 2000.0
# The answers are a few hundred bytes; anything larger is cut, so it fails as invalid JSON.
MAX_ANSWER_BYTES = 1024 * 1024
USER_AGENT = f"jupyterlab-hpc/{__version__}"

# GET url with headers and a total deadline in seconds; returns the body, raises aiohttp's
# errors (or asyncio.TimeoutError).
Fetch = Callable[[str, Mapping[str, str], float], Awaitable[bytes]]


class ProviderError(Exception):
    """The provider gave no usable factor; the message says why, for users."""


@dataclass(frozen=True)
class Factor:
    """A grid emission factor as a provider published it."""

    g_per_kwh: float
    time: datetime
    source: str
    basis: str


class Provider:
    """A live grid-intensity service: its address, its request and its answer's parser."""

    # Short name used in messages ("RTE éCO2mix answered HTTP 500").
    name: ClassVar[str]
    # Label shown next to the factor.
    source: ClassVar[str]
    default_base_url: ClassVar[str]
    # The country whose annual average is the natural fallback.
    default_country: ClassVar[str]

    def __init__(self, *, base_url: str = "", zone: str = "", token: str = "") -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.zone = zone.strip()
        self._token = token.strip()

    @property
    def country(self) -> str:
        """ISO code of the country this provider's factor describes."""
        return self.default_country

    def configuration_error(self) -> str | None:
        """Why this provider cannot be asked as configured, or None."""
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"HPCEmissions.url must be an http(s):// URL, not {self.base_url!r}"
        return None

    def url(self) -> str:
        """The URL to GET."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Extra request headers (credentials)."""
        return {}

    def parse(self, payload: bytes) -> Factor:
        """Read the factor out of the provider's answer; raises ProviderError."""
        raise NotImplementedError

    def _json(self, payload: bytes) -> Any:
        try:
            return json.loads(payload)
        except ValueError:
            # UnicodeDecodeError is a ValueError too.
            raise ProviderError(f"{self.name} returned invalid JSON") from None

    def _factor(self, value: float | None, time_text: Any, basis: str) -> Factor:
        """Validate a rate and its time into a Factor."""
        if value is None:
            raise ProviderError(f"{self.name} returned no CO2 rate")
        if not math.isfinite(value):
            raise ProviderError(f"{self.name} returned a CO2 rate that is not a finite number")
        if not 0 <= value <= MAX_G_PER_KWH:
            raise ProviderError(
                f"{self.name} returned a CO2 rate of {value:g}, outside 0-{MAX_G_PER_KWH:g} g/kWh"
                " (wrong units?)"
            )
        time = _time(time_text)
        if time is None:
            raise ProviderError(f"{self.name} returned a CO2 rate without a valid time")
        return Factor(value, time, self.source, basis)

    def _check_unit(self, *containers: Any) -> None:
        """Reject an answer that declares a unit other than g/kWh (in `unit` or `units`)."""
        for container in containers:
            if not isinstance(container, Mapping):
                continue
            for key in ("unit", "units"):
                declared = container.get(key)
                if isinstance(declared, str) and not _is_g_per_kwh(declared):
                    raise ProviderError(f"{self.name} answered in {declared!r}, not g/kWh")


class RteEco2mix(Provider):
    """RTE éCO2mix real-time national data on the ODRÉ portal (Opendatasoft Explore v2.1)."""

    name = "RTE éCO2mix"
    source = "RTE éCO2mix (ODRÉ)"
    default_base_url = "https://odre.opendatasoft.com"
    default_country = "FR"
    dataset_path = "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"
    basis = "direct, French production"

    def configuration_error(self) -> str | None:
        """Only the national French figure exists; a zone other than FR is a mistake."""
        if self.zone.upper() not in ("", "FR"):
            return (
                "RTE éCO2mix covers France only:"
                f" HPCEmissions.zone must be empty or FR, not {self.zone!r}"
            )
        return super().configuration_error()

    def url(self) -> str:
        """The newest few rows that carry a CO2 rate, newest first."""
        # A few rows, not one: the filter is the server's, the parser checks again and
        # picks the newest row that really holds a number.
        query = urllib.parse.urlencode(
            {
                "select": "date_heure,taux_co2",
                "where": "taux_co2 is not null",
                "order_by": "date_heure desc",
                "limit": "4",
            },
            quote_via=urllib.parse.quote,
        )
        return f"{self.base_url}{self.dataset_path}?{query}"

    def parse(self, payload: bytes) -> Factor:
        """The newest row's `taux_co2`, keyed on `date_heure` (v2.1 `results` or v1 `records`)."""
        answer = self._json(payload)
        if not isinstance(answer, Mapping):
            raise ProviderError(f"{self.name} returned no CO2 rate")
        if isinstance(answer.get("results"), list):
            rows = answer["results"]
        elif isinstance(answer.get("records"), list):
            # The legacy Records API v1 nests each row under "fields".
            rows = [r.get("fields") for r in answer["records"] if isinstance(r, Mapping)]
        else:
            rows = []
        self._check_unit(answer)
        newest: tuple[datetime, float, Mapping[str, Any]] | None = None
        for row in rows:
            if not isinstance(row, Mapping):
                continue
            value = _number(row.get("taux_co2"))
            time = _time(row.get("date_heure"))
            # Rows at the head may hold only forecasts (null or "ND" measurements): skip them.
            if value is None or time is None:
                continue
            if newest is None or time > newest[0]:
                newest = (time, value, row)
        if newest is None:
            raise ProviderError(f"{self.name} returned no CO2 rate")
        self._check_unit(newest[2])
        return self._factor(newest[1], newest[2].get("date_heure"), self.basis)


class UkCarbonIntensity(Provider):
    """NESO's Carbon Intensity API, national figure for Great Britain."""

    name = "NESO Carbon Intensity"
    source = "NESO Carbon Intensity"
    default_base_url = "https://api.carbonintensity.org.uk"
    default_country = "GB"
    basis = "direct, GB generation incl. imports"

    def configuration_error(self) -> str | None:
        """Only the national figure is supported (regional ones are forecasts only)."""
        if self.zone.upper() not in ("", "GB"):
            return (
                "NESO Carbon Intensity is used for the national figure only:"
                f" HPCEmissions.zone must be empty or GB, not {self.zone!r}"
            )
        return super().configuration_error()

    def url(self) -> str:
        """The current half hour."""
        return f"{self.base_url}/intensity"

    def parse(self, payload: bytes) -> Factor:
        """`data[0].intensity.actual`, or its forecast while the half hour is still open."""
        answer = self._json(payload)
        data = answer.get("data") if isinstance(answer, Mapping) else None
        period = data[0] if isinstance(data, list) and data else None
        intensity = period.get("intensity") if isinstance(period, Mapping) else None
        if not isinstance(intensity, Mapping):
            raise ProviderError(f"{self.name} returned no CO2 rate")
        self._check_unit(answer, period, intensity)
        # "actual" is null until the period closes; the forecast is what NESO shows meanwhile.
        value = _number(intensity.get("actual"))
        basis = self.basis
        if value is None:
            value = _number(intensity.get("forecast"))
            basis = f"{self.basis}, forecast"
        return self._factor(value, period.get("from") if period else None, basis)


class ElectricityMaps(Provider):
    """Electricity Maps API v3, latest carbon intensity of one zone."""

    name = "Electricity Maps"
    source = "Electricity Maps"
    default_base_url = "https://api.electricitymap.org"
    default_country = ""

    @property
    def country(self) -> str:
        """The zone's country: "US" for "US-CAL-CISO", "SE" for "SE-SE3"."""
        return self.zone.split("-", 1)[0].upper()

    def configuration_error(self) -> str | None:
        """A token and a zone are needed (without a zone the API would geolocate the server)."""
        if not self._token:
            return "Electricity Maps needs an API token: set HPCEmissions.token"
        if not self.zone:
            return 'Electricity Maps needs a zone: set HPCEmissions.zone (e.g. "FR")'
        return super().configuration_error()

    def url(self) -> str:
        """The latest value of the configured zone."""
        query = urllib.parse.urlencode({"zone": self.zone})
        return f"{self.base_url}/v3/carbon-intensity/latest?{query}"

    def headers(self) -> dict[str, str]:
        """The API token, in the header the API documents."""
        return {"auth-token": self._token}

    def parse(self, payload: bytes) -> Factor:
        """`carbonIntensity` at `datetime`, with the emission factor type as its basis."""
        answer = self._json(payload)
        if not isinstance(answer, Mapping):
            raise ProviderError(f"{self.name} returned no CO2 rate")
        self._check_unit(answer)
        zone = answer.get("zone")
        if isinstance(zone, str) and zone.upper() != self.zone.upper():
            raise ProviderError(f"{self.name} answered for zone {zone}, not {self.zone}")
        factor_type = answer.get("emissionFactorType")
        basis = factor_type if isinstance(factor_type, str) and factor_type else "lifecycle"
        if answer.get("isEstimated") is True:
            basis = f"{basis}, estimated"
        return self._factor(_number(answer.get("carbonIntensity")), answer.get("datetime"), basis)


PROVIDER_CLASSES: dict[str, type[Provider]] = {
    "rte-eco2mix": RteEco2mix,
    "uk-carbon-intensity": UkCarbonIntensity,
    "electricity-maps": ElectricityMaps,
}


def make_provider(kind: str, *, base_url: str = "", zone: str = "", token: str = "") -> Provider:
    """The provider named by c.HPCEmissions.provider (not "static", which fetches nothing)."""
    return PROVIDER_CLASSES[kind](base_url=base_url, zone=zone, token=token)


async def http_get(url: str, headers: Mapping[str, str], timeout_s: float) -> bytes:
    """GET `url` and return (at most MAX_ANSWER_BYTES of) its body within `timeout_s` in all.

    One deadline for the whole fetch, connection and body included: a provider that trickles
    its answer a byte at a time is abandoned like one that never answers.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    # A fresh session per fetch (one every refresh interval): trust_env reads HTTPS_PROXY /
    # HTTP_PROXY / NO_PROXY from the environment now, as clusters set them for compute nodes.
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_s), trust_env=True
    ) as session:
        request_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **headers}
        async with session.get(url, headers=request_headers, raise_for_status=True) as response:
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) >= MAX_ANSWER_BYTES:
                    break
            return bytes(body[:MAX_ANSWER_BYTES])


async def fetch_factor(provider: Provider, *, timeout_s: float, fetch: Fetch = http_get) -> Factor:
    """Ask the provider once and parse its answer; every failure is a ProviderError."""
    problem = provider.configuration_error()
    if problem is not None:
        raise ProviderError(problem)
    name = provider.name
    try:
        payload = await fetch(provider.url(), provider.headers(), timeout_s)
    except aiohttp.ClientResponseError as error:
        raise ProviderError(f"{name} answered HTTP {error.status}") from None
    except (asyncio.TimeoutError, TimeoutError):
        # aiohttp's connect and read timeouts are TimeoutErrors too.
        raise ProviderError(f"{name} did not answer within {timeout_s:g} s") from None
    except aiohttp.ClientConnectorError as error:
        # DNS failures, refused connections, unreachable proxies.
        raise ProviderError(f"{name} could not be reached: {error.os_error}") from None
    except (aiohttp.ClientError, OSError, ValueError) as error:
        raise ProviderError(f"{name} could not be reached: {error}") from None
    return provider.parse(payload)


def _number(value: Any) -> float | None:
    """A JSON number, or a string holding one ("15"); None for null, "ND" and the like."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def _is_g_per_kwh(unit: str) -> bool:
    """Whether a declared unit means grams of CO2(eq) per kWh ("gCO2eq/kWh", "g_co2_per_kwh")."""
    text = unit.lower().replace("₂", "2")
    for noise in (" ", "_", "-", "."):
        text = text.replace(noise, "")
    text = text.replace("per", "/")
    for gas in ("co2eq", "co2e", "co2"):
        text = text.replace(gas, "")
    # kg/MWh is the same quantity as g/kWh.
    return text in ("g/kwh", "kg/mwh")
