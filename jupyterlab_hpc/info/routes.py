"""GET jupyterlab-hpc/info: what this server offers, for the frontend's handshake."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..metrics.sampler import MetricsSampler

AUTH_RESOURCE = "jupyterlab_hpc"

# The info answer must not hang on a stuck sampler: it only needs to know which meters
# can be read at all.
FIRST_SAMPLE_TIMEOUT_S = 5.0

SANDBOX_NOT_CONFIGURED = "Sandbox mode is not configured for this server."

# The features that are sections of the metrics snapshot.
METERED = ("memory", "cpu_power", "gpu_power", "emissions")
NO_SAMPLE = "The server has not taken its first sample yet."


class InfoHandler(APIHandler):
    """Version, features, sandbox, banner, Slurm job and hub links."""

    auth_resource = AUTH_RESOURCE
    _track_activity = False

    def initialize(
        self,
        sampler: MetricsSampler,
        version: str,
        sample_interval_s: float,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """Receive what the answer is made of."""
        self._sampler = sampler
        self._version = version
        self._sample_interval_s = sample_interval_s
        self._environ = os.environ if environ is None else environ

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Answer the server's capabilities."""
        sample = await self._sampler.wait_latest(FIRST_SAMPLE_TIMEOUT_S)
        snapshot = sample.snapshot if sample is not None else {}
        measured = {name: bool(snapshot.get(name, {}).get("available")) for name in METERED}
        # Why a meter is off, in words an admin can act on (e.g. RAPL readable by root only).
        reasons = {
            name: snapshot.get(name, {}).get("reason") or NO_SAMPLE
            for name in METERED
            if not measured[name]
        }
        self.finish(
            json.dumps(
                {
                    "version": self._version,
                    "features": {
                        **measured,
                        "slurm": False,
                        "apps": False,
                        "filesystems": False,
                    },
                    "sandbox": {"enabled": False, "reason": SANDBOX_NOT_CONFIGURED},
                    "banner": None,
                    "job": self._job(),
                    "hub": None,
                    "sample_interval_s": self._sample_interval_s,
                    "unavailable": reasons,
                }
            )
        )

    def _job(self) -> dict[str, Any] | None:
        job_id = self._environ.get("SLURM_JOB_ID")
        if not job_id:
            return None
        # Time limit and end time need squeue; they come with the session concern.
        return {"id": job_id, "time_limit_s": None, "end_time": None}


def info_routes(
    sampler: MetricsSampler, version: str, sample_interval_s: float
) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    kwargs = {"sampler": sampler, "version": version, "sample_interval_s": sample_interval_s}
    return [(r"jupyterlab-hpc/info", InfoHandler, kwargs)]
