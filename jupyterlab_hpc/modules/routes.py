"""GET jupyterlab-hpc/modules and POST jupyterlab-hpc/modules/kernels/refresh."""

from __future__ import annotations

import json
import os
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .kernels import ModuleKernels
from .system import ModuleError, ModuleSystem

AUTH_RESOURCE = "jupyterlab_hpc"


def modules_model(system: ModuleSystem, kernels: ModuleKernels) -> dict[str, Any]:
    """What the module system offers this server: modules, the loaded ones, module kernels."""
    return {
        "available": system.available,
        "kind": system.kind,
        "reason": system.reason,
        "modules": system.cached_avail(),
        # What the user loaded into the server (jupyterlmod's panel): apps start with them.
        "loaded": [m for m in os.environ.get("LOADEDMODULES", "").split(":") if m],
        **kernels.describe(),
    }


class _ModulesAPIHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    def initialize(self, system: ModuleSystem, kernels: ModuleKernels) -> None:
        self._system = system
        self._kernels = kernels


class ModulesHandler(_ModulesAPIHandler):
    """The modules and the kernels found inside them."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        if self._system.available:
            try:
                await self._system.avail()
            except ModuleError as error:
                raise web.HTTPError(502, f"module avail failed: {error.message}") from None
        self.finish(json.dumps(modules_model(self._system, self._kernels)))


class RefreshKernelsHandler(_ModulesAPIHandler):
    """Discover the kernels in modules now, and answer once it is done."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        if not self._system.available:
            raise web.HTTPError(409, self._system.reason or "No environment module system")
        try:
            await self._kernels.refresh()
        except ModuleError as error:
            raise web.HTTPError(502, f"Discovering kernels failed: {error.message}") from None
        self.finish(json.dumps(modules_model(self._system, self._kernels)))


def modules_routes(
    system: ModuleSystem, kernels: ModuleKernels
) -> list[tuple[str, type[APIHandler], dict[str, Any]]]:
    """Routes of this concern, relative to the server's base URL."""
    options = {"system": system, "kernels": kernels}
    return [
        (r"jupyterlab-hpc/modules", ModulesHandler, options),
        (r"jupyterlab-hpc/modules/kernels/refresh", RefreshKernelsHandler, options),
    ]
