"""GET jupyterlab-hpc/metrics and jupyterlab-hpc/metrics/history."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .sampler import MetricsSampler
from .times import parse_time

AUTH_RESOURCE = "jupyterlab_hpc"

# How long a request arriving before the first sample waits for it.
FIRST_SAMPLE_TIMEOUT_S = 10.0


class SamplerHandler(APIHandler):
    """A route that answers from the server's sampler."""

    auth_resource = AUTH_RESOURCE
    # Meters poll in the background: that is not user activity, and counting it would keep
    # idle servers from ever being culled by JupyterHub.
    _track_activity = False

    def initialize(self, sampler: MetricsSampler) -> None:
        """Receive the server's sampler."""
        self._sampler = sampler


class MetricsHandler(SamplerHandler):
    """The latest snapshot, as the sampler serialised it."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer the latest snapshot."""
        # A client: the sampler keeps (or goes back to) its full cadence.
        sample = await self._sampler.serve_client(FIRST_SAMPLE_TIMEOUT_S)
        if sample is None:
            raise web.HTTPError(503, "The first metrics sample is not ready yet; try again soon.")
        # Until the next sample nothing changes: the tabs of one browser may share this answer
        # from the browser's cache, so N open tabs cost the server about what one costs.
        # `private`: never kept by shared proxies.
        self.set_header("Cache-Control", f"private, max-age={self._sampler.fresh_for_s()}")
        self.finish(sample.json)


class HistoryHandler(SamplerHandler):
    """The history ring, optionally only the samples after a given time."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Answer `{samples: [...]}`, strictly after `?since=` when given."""
        since_text = self.get_argument("since", None)
        since = None
        if since_text:
            try:
                since = parse_time(since_text)
            except ValueError:
                raise web.HTTPError(
                    400,
                    "since must be an ISO 8601 time such as 2026-11-23T09:00:00Z,"
                    f" not {since_text!r}.",
                ) from None
        self.finish(self._sampler.history_json(since))


def metrics_routes(sampler: MetricsSampler) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    return [
        (r"jupyterlab-hpc/metrics", MetricsHandler, {"sampler": sampler}),
        (r"jupyterlab-hpc/metrics/history", HistoryHandler, {"sampler": sampler}),
    ]
