"""GET jupyterlab-hpc/info: what this server offers, for the frontend's handshake."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..banner.config import HPCBanner, HPCSandbox
from ..banner.message import current_banner
from ..banner.sandbox import sandbox_state
from ..metrics.sampler import MetricsSampler
from ..slurm.session import SessionJob

AUTH_RESOURCE = "jupyterlab_hpc"

# The info answer must not hang on a stuck sampler: it only needs to know which meters
# can be read at all.
FIRST_SAMPLE_TIMEOUT_S = 5.0
# ...nor on a Slurm controller that does not answer: the job's limit then comes later.
SESSION_JOB_TIMEOUT_S = 3.0

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
        session_job: SessionJob,
        apps: bool,
        filesystems: bool,
        banner: HPCBanner,
        sandbox: HPCSandbox,
        modules: bool,
    ) -> None:
        """Receive what the answer is made of."""
        self._apps = apps
        self._modules = modules
        self._filesystems = filesystems
        self._banner = banner
        self._sandbox = sandbox
        self._sampler = sampler
        self._version = version
        self._sample_interval_s = sample_interval_s
        self._session_job = session_job

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
                        # Slurm's clients are found on PATH, as users' own shells find them.
                        "slurm": shutil.which("squeue") is not None,
                        # At least one app in the catalogue (each says itself if it can start).
                        "apps": self._apps,
                        "filesystems": self._filesystems,
                        # Lmod or Environment Modules found: module kernels, apps' modules.
                        "modules": self._modules,
                    },
                    # Read at each request: a maintenance window opens and closes on its own.
                    "sandbox": sandbox_state(
                        self._sandbox.enabled, os.environ, self._sandbox.proc_root
                    ),
                    "banner": current_banner(self._banner, os.environ),
                    "job": await self._session_job.current(SESSION_JOB_TIMEOUT_S),
                    "hub": hub_links(os.environ),
                    "sample_interval_s": self._sample_interval_s,
                    "unavailable": reasons,
                }
            )
        )


def hub_links(env: Mapping[str, str]) -> dict[str, str] | None:
    """`{control_panel_url, logout_url}` under JupyterHub (the sign that a hub is present).

    From the env jupyterhub-singleuser gets: JUPYTERHUB_SERVICE_PREFIX (this server's prefix),
    JUPYTERHUB_BASE_URL (the hub's base URL, "/" by default) and, where user servers have their
    own subdomains, JUPYTERHUB_HOST (the hub's origin).
    """
    if not env.get("JUPYTERHUB_SERVICE_PREFIX") and not env.get("JUPYTERHUB_API_URL"):
        return None
    host = env.get("JUPYTERHUB_HOST", "").rstrip("/")
    hub = host + "/" + env.get("JUPYTERHUB_BASE_URL", "/").strip("/")
    hub = hub.rstrip("/") + "/hub"
    return {"control_panel_url": f"{hub}/home", "logout_url": f"{hub}/logout"}


def info_routes(
    sampler: MetricsSampler,
    version: str,
    sample_interval_s: float,
    session_job: SessionJob,
    *,
    apps: bool = False,
    filesystems: bool = False,
    banner: HPCBanner | None = None,
    sandbox: HPCSandbox | None = None,
    modules: bool = False,
) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    kwargs = {
        "apps": apps,
        "modules": modules,
        "filesystems": filesystems,
        "banner": banner or HPCBanner(),
        "sandbox": sandbox or HPCSandbox(),
        "sampler": sampler,
        "version": version,
        "sample_interval_s": sample_interval_s,
        "session_job": session_job,
    }
    return [(r"jupyterlab-hpc/info", InfoHandler, kwargs)]
