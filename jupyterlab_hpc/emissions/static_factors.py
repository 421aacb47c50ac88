"""Annual average grid emission factors: the honest fallback when no live factor is available.

Source: Our World in Data, "Carbon intensity of electricity generation" (grams of CO2eq per
kWh, lifecycle emission factors), data from Ember and the Energy Institute's Statistical
Review of World Energy, with processing by Our World in Data; licence CC BY 4.0
(https://ourworldindata.org/grapher/carbon-intensity-electricity). Year 2023 for every country.

Two releases of that series are quoted, and each row names its own:
* "CodeCarbon release": FR, DE, GB, US as CodeCarbon ships them in
  codecarbon/data/private_infra/global_energy_mix.json (project research notes, section 3).
* "later release": the other countries, read from a later OWID CSV export that already
  holds 2025 data. Ember revises past years between releases: that export gives 2023 values
  of FR 53.26, DE 362.92, GB 235.63, US 392.89, a few percent from the CodeCarbon figures.
The world default, 475 g/kWh, is the IEA 2019 average that CodeCarbon, Green Algorithms and
jupyter-power-usage all use (OWID's later release gives 483.18 for 2023).

These are yearly averages of generation: a live provider's factor for the same country can
differ several-fold (RTE's éCO2mix counts direct emissions of French production only).
"""

from __future__ import annotations

from dataclasses import dataclass

OWID = "Our World in Data"
CODECARBON_RELEASE = "CodeCarbon release"
LATER_RELEASE = "later release"
WORLD = "world"
BASIS = "lifecycle, annual average of generation"


@dataclass(frozen=True)
class StaticFactor:
    """A fixed emission factor with the label and basis the UI shows next to it."""

    g_per_kwh: float
    source: str
    basis: str


@dataclass(frozen=True)
class _Row:
    name: str
    g_per_kwh: float
    release: str


# ISO 3166-1 alpha-2 code -> 2023 average, g CO2eq/kWh.
_TABLE: dict[str, _Row] = {
    "FR": _Row("France", 56.039, CODECARBON_RELEASE),
    "DE": _Row("Germany", 380.95, CODECARBON_RELEASE),
    "GB": _Row("United Kingdom", 237.589, CODECARBON_RELEASE),
    "US": _Row("United States", 369.473, CODECARBON_RELEASE),
    "ES": _Row("Spain", 169.68, LATER_RELEASE),
    "IT": _Row("Italy", 323.23, LATER_RELEASE),
    "CH": _Row("Switzerland", 34.82, LATER_RELEASE),
    "BE": _Row("Belgium", 134.67, LATER_RELEASE),
    "NL": _Row("Netherlands", 268.17, LATER_RELEASE),
    "SE": _Row("Sweden", 38.42, LATER_RELEASE),
    "NO": _Row("Norway", 30.46, LATER_RELEASE),
    "PL": _Row("Poland", 650.68, LATER_RELEASE),
    "JP": _Row("Japan", 492.45, LATER_RELEASE),
    "CN": _Row("China", 583.04, LATER_RELEASE),
    "IN": _Row("India", 713.36, LATER_RELEASE),
    "CA": _Row("Canada", 174.37, LATER_RELEASE),
    "AU": _Row("Australia", 556.7, LATER_RELEASE),
}

WORLD_FACTOR = StaticFactor(475.0, "World average 2019 (IEA)", "annual average of generation")

# Codes people write that are not the ISO one.
_ALIASES = {"UK": "GB"}


def country_factor(country: str) -> StaticFactor | None:
    """The 2023 average of a country (ISO code, any case) or "world"; None when not in the table."""
    code = country.strip().upper()
    if code == WORLD.upper():
        return WORLD_FACTOR
    row = _TABLE.get(_ALIASES.get(code, code))
    if row is None:
        return None
    return StaticFactor(row.g_per_kwh, f"{row.name} average 2023 ({OWID}, {row.release})", BASIS)


def configured_factor(g_per_kwh: float) -> StaticFactor:
    """The factor an admin set with c.HPCEmissions.static_factor."""
    return StaticFactor(
        g_per_kwh, "Configured factor (HPCEmissions.static_factor)", "as configured"
    )


def known_countries() -> list[str]:
    """The country codes the table holds, for messages."""
    return sorted(_TABLE)
