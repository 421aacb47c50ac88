"""The jupyter_server extension: configurables, routes and the background sampler."""

from __future__ import annotations

from typing import Any, ClassVar

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from traitlets.config import Configurable

from . import __version__
from .info.routes import info_routes
from .memory.config import HPCMemory
from .memory.reader import MemoryReader
from .metrics.routes import metrics_routes
from .metrics.sampler import MetricsSampler
from .metrics.sections import not_yet_readers
from .power.config import HPCPower


class HPCApp(ExtensionApp):
    """jupyterlab-hpc's server side, mounted under {base_url}jupyterlab-hpc/."""

    name = "jupyterlab_hpc"
    load_other_extensions = True
    classes: ClassVar[list[type[Configurable]]] = [HPCMemory, HPCPower]

    sampler: MetricsSampler | None = None

    def initialize_settings(self) -> None:
        """Read the configurables and build the one sampler of this server."""
        # parent=self: the ExtensionApp holds the ServerApp's whole config (config files and
        # command line), so c.HPCMemory.* set anywhere reaches these objects.
        self.memory_config = HPCMemory(parent=self)
        self.power_config = HPCPower(parent=self)
        memory = MemoryReader(
            cgroup_root=self.memory_config.cgroup_root,
            cgroup_path=self.memory_config.cgroup_path,
            log=self.log,
        )
        readers: dict[str, Any] = {"memory": memory.read, **not_yet_readers()}
        self.sampler = MetricsSampler(
            readers,
            interval_s=self.power_config.sample_interval,
            history_size=self.power_config.history_size,
            log=self.log,
        )

    def initialize_handlers(self) -> None:
        """Add the routes of every concern."""
        assert self.sampler is not None
        self.handlers.extend(metrics_routes(self.sampler))
        self.handlers.extend(
            info_routes(self.sampler, __version__, self.power_config.sample_interval)
        )

    async def _start_jupyter_server_extension(self, serverapp: ServerApp) -> None:
        """Start sampling once the server's event loop runs."""
        if self.sampler is not None:
            self.sampler.start()

    async def stop_extension(self) -> None:
        """Stop sampling when the server shuts down."""
        if self.sampler is not None:
            await self.sampler.stop()
