"""The emission factor in force: live from a provider, kept when stale, static as a fallback."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Literal

from ..metrics.times import utc_now
from .config import HPCEmissions
from .providers import Factor, Fetch, Provider, ProviderError, fetch_factor, http_get, make_provider
from .static_factors import (
    WORLD,
    WORLD_FACTOR,
    StaticFactor,
    configured_factor,
    country_factor,
    known_countries,
)

# live: the last fetch succeeded. stale: it failed, the last good factor is kept.
# estimated: no live factor yet (or the provider cannot be used), the static one stands in.
# static: provider "static", by the admin's choice.
FactorStatus = Literal["live", "stale", "estimated", "static"]


@dataclass(frozen=True)
class FactorReading:
    """The factor to multiply energy by now, where it comes from, and how much to trust it."""

    g_per_kwh: float
    source: str
    basis: str
    status: FactorStatus
    # When the provider says the factor was valid; None for static factors.
    time: datetime | None
    # Seconds between `time` and now.
    age_s: float | None
    # Why the status is not "live" or "static".
    reason: str | None


class FactorSource:
    """Holds the current factor; refreshes it from the provider once per refresh interval.

    `current()` is safe to call from any thread (the sampler's); `refresh()`, `start()` and
    `stop()` belong to the event loop.
    """

    def __init__(
        self,
        provider: Provider | None,
        fallback: StaticFactor,
        *,
        refresh_interval_s: float = 900.0,
        request_timeout_s: float = 10.0,
        fetch: Fetch = http_get,
        log: logging.Logger | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.provider = provider
        self.fallback = fallback
        self.refresh_interval_s = refresh_interval_s
        self.request_timeout_s = request_timeout_s
        self._fetch = fetch
        self._log = log or logging.getLogger(__name__)
        self._clock = clock
        self._config_error = provider.configuration_error() if provider is not None else None
        self._lock = threading.Lock()
        self._last_good: Factor | None = None
        self._failure: str | None = None
        # True from the first failure to the next success: later failures go to debug.
        self._failing = False
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The refresh loop, once started (None for static factors and bad configurations)."""
        return self._task

    def current(self) -> FactorReading:
        """The factor in force now."""
        with self._lock:
            last_good, failure = self._last_good, self._failure
        if self.provider is None:
            return self._fallback_reading("static", None)
        if self._config_error is not None:
            return self._fallback_reading("estimated", self._config_error)
        if last_good is None:
            return self._fallback_reading(
                "estimated", failure or f"No answer from {self.provider.name} yet"
            )
        age_s = max(0.0, (self._clock() - last_good.time).total_seconds())
        return FactorReading(
            g_per_kwh=last_good.g_per_kwh,
            source=last_good.source,
            basis=last_good.basis,
            status="stale" if failure is not None else "live",
            time=last_good.time,
            age_s=age_s,
            reason=failure,
        )

    async def refresh(self) -> FactorReading:
        """Ask the provider once, within request_timeout_s in all, and return the reading now."""
        if self.provider is None or self._config_error is not None or self._stopped:
            return self.current()
        provider = self.provider
        # Asynchronous I/O on the server's loop, no thread: nothing left to wait for at exit.
        try:
            factor = await fetch_factor(
                provider, timeout_s=self.request_timeout_s, fetch=self._fetch
            )
        except ProviderError as error:
            self._record_failure(str(error))
        except Exception as error:
            # A parser bug must not kill the refresh loop; its traceback goes to the log.
            self._record_failure(f"{provider.name}'s answer could not be read: {error}", error)
        else:
            self._record_success(factor)
        return self.current()

    def start(self) -> None:
        """Start refreshing in the running event loop (idempotent; not after stop)."""
        if self._task is not None or self._stopped:
            return
        if self.provider is None:
            return
        if self._config_error is not None:
            self._log.warning(
                "jupyterlab-hpc emissions: %s; using %s (%g g/kWh).",
                self._config_error,
                self.fallback.source,
                self.fallback.g_per_kwh,
            )
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Cancel the refresh loop, and the request in flight with it."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            await self.refresh()
            # Failures wait the full interval too: an offline compute node costs one attempt
            # per interval, and a struggling API gets no retry storm from every cluster node.
            await asyncio.sleep(self.refresh_interval_s)

    def _fallback_reading(self, status: FactorStatus, reason: str | None) -> FactorReading:
        return FactorReading(
            g_per_kwh=self.fallback.g_per_kwh,
            source=self.fallback.source,
            basis=self.fallback.basis,
            status=status,
            time=None,
            age_s=None,
            reason=reason,
        )

    def _record_success(self, factor: Factor) -> None:
        with self._lock:
            recovered = self._failing
            self._last_good, self._failure, self._failing = factor, None, False
        if recovered:
            self._log.info(
                "jupyterlab-hpc emissions: %s answers again (%g g/kWh).",
                factor.source,
                factor.g_per_kwh,
            )
        else:
            self._log.debug(
                "jupyterlab-hpc emissions: %g g/kWh from %s", factor.g_per_kwh, factor.source
            )

    def _record_failure(self, reason: str, error: Exception | None = None) -> None:
        with self._lock:
            first = not self._failing
            self._failure, self._failing = reason, True
            keeping = self._last_good is not None
        fallback = "keeping the last factor" if keeping else f"using {self.fallback.source}"
        if first:
            self._log.warning(
                "jupyterlab-hpc emissions: %s; %s. Next try in %g s; further failures are"
                " logged at debug level until it answers again.",
                reason,
                fallback,
                self.refresh_interval_s,
                exc_info=error,
            )
        else:
            self._log.debug("jupyterlab-hpc emissions: %s; %s.", reason, fallback)


def fallback_factor(
    config: HPCEmissions, provider: Provider | None, log: logging.Logger
) -> StaticFactor:
    """The static factor: the configured one, else the country's average, else the world's."""
    if config.static_factor is not None:
        return configured_factor(config.static_factor)
    country = config.country.strip() or (provider.country if provider is not None else "") or WORLD
    found = country_factor(country)
    if found is None:
        log.warning(
            "jupyterlab-hpc emissions: no annual factor for country %r (known: %s);"
            " using the world average.",
            country,
            ", ".join(known_countries()),
        )
        return WORLD_FACTOR
    return found


def factor_source_from_config(
    config: HPCEmissions, *, log: logging.Logger | None = None, fetch: Fetch = http_get
) -> FactorSource:
    """The FactorSource that c.HPCEmissions describes."""
    log = log or logging.getLogger(__name__)
    provider = None
    if config.provider != "static":
        provider = make_provider(
            config.provider, base_url=config.url, zone=config.zone, token=config.token
        )
    return FactorSource(
        provider,
        fallback_factor(config, provider, log),
        refresh_interval_s=config.refresh_interval,
        request_timeout_s=config.request_timeout,
        fetch=fetch,
        log=log,
    )
