"""The jupyter_server extension: configurables, routes and the background sampler."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from jupyter_core.paths import jupyter_runtime_dir
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from traitlets.config import Configurable

from . import __version__
from .activity import BusyKernelActivity
from .apps.config import HPCApps
from .apps.instances import AppManager
from .apps.proxy import app_proxy_routes, server_proxy_routes
from .apps.routes import apps_routes
from .banner.config import HPCBanner, HPCSandbox
from .config_errors import stop_on_config_error
from .cpu.reader import CpuReader
from .emissions.config import HPCEmissions
from .emissions.factor import FactorSource, factor_source_from_config
from .emissions.integrator import EmissionsAccount
from .filesystems.config import HPCFilesystems
from .filesystems.mounts import Mounts, contents_manager_factory, install_kernel_hooks
from .filesystems.routes import filesystems_routes
from .hub.routes import session_routes
from .hub.session import HubServer, SessionEnder
from .idle.config import HPCIdle
from .idle.routes import idle_routes
from .idle.tracker import CullTimeout, IdleTracker, resolve_cull_timeout
from .info.routes import info_routes
from .kernels.usage import KernelUsageReader, local_kernel_pids
from .memory.config import HPCMemory
from .memory.reader import MemoryReader
from .metrics.prometheus import register_collector
from .metrics.routes import metrics_routes
from .metrics.sampler import MetricsSampler
from .modules.config import HPCModules
from .modules.kernels import (
    ModuleKernels,
    default_cache_file,
    keep_kernel_dir,
    remove_dead_kernel_dirs,
)
from .modules.routes import modules_routes
from .modules.system import ModuleSystem
from .power.config import HPCPower
from .power.cpu import CpuPowerReader
from .power.gpu import GpuPowerReader
from .proc import TreeWalk
from .slurm.actions import SlurmActions
from .slurm.config import HPCSlurm
from .slurm.partitions import PartitionInfo
from .slurm.queue import JobQueue
from .slurm.routes import slurm_routes
from .slurm.runner import SlurmRunner
from .slurm.session import SessionJob
from .slurm.users import server_user


class HPCApp(ExtensionApp):
    """jupyterlab-hpc's server side, mounted under {base_url}jupyterlab-hpc/."""

    name = "jupyterlab_hpc"
    load_other_extensions = True
    classes: ClassVar[list[type[Configurable]]] = [
        HPCMemory,
        HPCPower,
        HPCEmissions,
        HPCSlurm,
        HPCApps,
        HPCFilesystems,
        HPCBanner,
        HPCSandbox,
        HPCModules,
        HPCIdle,
    ]

    sampler: MetricsSampler | None = None
    factor_source: FactorSource | None = None
    emissions: EmissionsAccount | None = None
    gpu: GpuPowerReader | None = None
    jobs: JobQueue | None = None
    slurm_actions: SlurmActions | None = None
    slurm_partitions: PartitionInfo | None = None
    session_job: SessionJob | None = None
    session_ender: SessionEnder | None = None
    app_manager: AppManager | None = None
    _reclaiming: asyncio.Future[None] | None = None
    mounts: Mounts | None = None
    busy_kernels: BusyKernelActivity | None = None
    idle: IdleTracker | None = None
    modules: ModuleSystem | None = None
    module_kernels: ModuleKernels | None = None
    _unregister_prometheus: Callable[[], None] | None = None

    def initialize_settings(self) -> None:
        """Read the configurables; build the one sampler and the one job queue of this server."""
        # parent=self: the ExtensionApp holds the ServerApp's whole config (config files and
        # command line), so c.HPCMemory.* set anywhere reaches these objects.
        # A mistake in them stops the server, naming the setting (jupyter_server would serve
        # on without the extension, every route of ours a 404).
        with stop_on_config_error(self):
            self.memory_config = HPCMemory(parent=self)
            self.power_config = HPCPower(parent=self)
            self.emissions_config = HPCEmissions(parent=self)
            self.slurm_config = HPCSlurm(parent=self)
            self.apps_config = HPCApps(parent=self)
            self.filesystems_config = HPCFilesystems(parent=self)
            self.banner_config = HPCBanner(parent=self)
            self.sandbox_config = HPCSandbox(parent=self)
            self.modules_config = HPCModules(parent=self)
            self.idle_config = HPCIdle(parent=self)
        self._initialize_filesystems()
        self._initialize_modules()
        # One walk of the server's processes per sample, read by every section that needs it.
        self.process_tree = TreeWalk()
        memory = MemoryReader(
            cgroup_root=self.memory_config.cgroup_root,
            cgroup_path=self.memory_config.cgroup_path,
            tree=self.process_tree,
            log=self.log,
        )
        cores = CpuReader(
            cgroup_root=self.memory_config.cgroup_root,
            cgroup_path=self.memory_config.cgroup_path,
            tree=self.process_tree,
            log=self.log,
        )
        cpu = CpuPowerReader(
            powercap_root=self.power_config.powercap_root,
            attribution=self.power_config.attribution,
            tree=self.process_tree,
            log=self.log,
        )
        self.gpu = GpuPowerReader(
            backend=self.power_config.gpu_backend,
            nvidia_smi=self.power_config.nvidia_smi,
            log=self.log,
        )
        self.factor_source = factor_source_from_config(self.emissions_config, log=self.log)
        self.emissions = EmissionsAccount(
            state_dir=self.emissions_config.state_dir or jupyter_runtime_dir(),
            job_id=os.environ.get("SLURM_JOB_ID"),
            log=self.log,
        )
        self.sampler = MetricsSampler(
            {
                "memory": memory.read,
                "cpu": cores.read,
                "cpu_power": cpu.read,
                "gpu_power": self.gpu.read,
                "kernels": KernelUsageReader(
                    self.process_tree, self._kernel_pids, log=self.log
                ).read,
            },
            derived={"emissions": self._emissions},
            interval_s=self.power_config.sample_interval,
            idle_interval_s=self.power_config.idle_sample_interval,
            idle_after_s=self.power_config.idle_after,
            history_size=self.power_config.history_size,
            before_sample=self.process_tree.next_sample,
            log=self.log,
        )
        self._initialize_slurm()
        self.app_manager = AppManager(
            self.apps_config.apps,
            root_dir=self._root_dir(),
            base_url=self.serverapp.base_url,
            log_dir=self.apps_config.log_dir,
            modules=self.modules,
            shutdown_grace_s=self.apps_config.shutdown_grace,
            log=self.log,
            secrets=[_server_token(self.serverapp)],
        )

    def _kernel_pids(self) -> Mapping[str, int]:
        """The pids of this server's local kernels (sampler thread)."""
        return local_kernel_pids(self.serverapp.kernel_manager)

    def _initialize_slurm(self) -> None:
        """The one job queue of this server, the job actions and the session's own job."""
        runner = SlurmRunner(timeout_s=self.slurm_config.command_timeout)
        # The OS user this server runs as: never $USER, never the Jupyter identity.
        user = server_user()
        self.jobs = JobQueue(
            runner,
            user=user,
            poll_interval_s=self.slurm_config.poll_interval,
            cache_dir=self.slurm_config.queue_cache_dir or None,
            log=self.log,
        )
        self.slurm_actions = SlurmActions(
            runner,
            root_dir=self._root_dir(),
            user=user,
            history_ttl_s=self.slurm_config.poll_interval,
            emission_factor=self._emission_factor,
        )
        self.slurm_partitions = PartitionInfo(runner, user=user)
        self.session_job = SessionJob(runner)
        # End session: the hub stops this server, or this server's own Slurm job is cancelled.
        self.session_ender = SessionEnder(
            HubServer.from_env(os.environ),
            os.environ.get("SLURM_JOB_ID"),
            self.slurm_actions.cancel,
            log=self.log,
        )
        self._initialize_idle()

    def _initialize_idle(self) -> None:
        """Idle time, the culler's timeout, and the opt-in end of this server's idle job."""
        assert self.slurm_actions is not None
        try:
            cull = resolve_cull_timeout(
                self.idle_config.cull_timeout,
                os.environ,
                self.serverapp.shutdown_no_activity_timeout,
            )
        except ValueError as error:
            self.log.warning("Idle culling notice off: %s", error)
            cull = CullTimeout(None, None)
        web_app = self.serverapp.web_app
        self.idle = IdleTracker(
            web_app.settings,
            web_app.last_activity,
            cull,
            job_id=os.environ.get("SLURM_JOB_ID"),
            cancel_job=self.slurm_actions.cancel,
            end_job_after_minutes=self.idle_config.end_job_after,
            end_job_minimum_minutes=self.idle_config.end_job_minimum,
            end_job_warning_s=self.idle_config.end_job_warning,
            check_interval_s=self.idle_config.check_interval,
            log=self.log,
        )

    def _initialize_modules(self) -> None:
        """The module system, and the private kernelspec folder of the kernels in modules."""
        self.modules = ModuleSystem.from_config(self.modules_config)
        spec_dir = Path(jupyter_runtime_dir()) / f"jupyterlab-hpc-kernels-{os.getpid()}"
        remove_dead_kernel_dirs(spec_dir.parent)
        self.module_kernels = ModuleKernels(
            self.modules,
            spec_dir=spec_dir,
            ttl_s=self.modules_config.kernel_cache_ttl,
            patterns=self.modules_config.kernel_modules,
            log=self.log,
            cache_file=default_cache_file(os.environ),
        )
        if self.modules.available:
            keep_kernel_dir(self.serverapp.kernel_spec_manager, str(spec_dir))
        else:
            self.log.info("Kernels in environment modules: off (%s)", self.modules.reason)

    def _initialize_filesystems(self) -> None:
        """The user's mounted filesystems, and kernels of their notebooks started in them."""
        self.mounts = Mounts(
            self.filesystems_config.allowed_roots,
            contents_manager_factory(self.serverapp),
            log=self.log,
        )
        install_kernel_hooks(self.serverapp, self.mounts)

    def _root_dir(self) -> str:
        """The folder the file browser shows: where submitted scripts must lie."""
        contents = getattr(self.serverapp, "contents_manager", None)
        return str(getattr(contents, "root_dir", None) or self.serverapp.root_dir)

    def initialize_handlers(self) -> None:
        """Add the routes of every concern."""
        assert self.sampler is not None and self.session_job is not None
        assert self.jobs is not None and self.slurm_actions is not None
        assert self.slurm_partitions is not None
        self.handlers.extend(metrics_routes(self.sampler))
        self.handlers.extend(
            info_routes(
                self.sampler,
                __version__,
                self.power_config.sample_interval,
                self.session_job,
                apps=bool(self.apps_config.apps),
                filesystems=bool(self.filesystems_config.allowed_roots),
                banner=self.banner_config,
                sandbox=self.sandbox_config,
                modules=bool(self.modules and self.modules.available),
            )
        )
        self.handlers.extend(
            slurm_routes(
                self.jobs,
                self.slurm_actions,
                self.slurm_config.history_days,
                self.slurm_partitions,
                self.slurm_config.templates,
            )
        )
        assert self.app_manager is not None
        self.handlers.extend(apps_routes(self.apps_config, self.app_manager, self.serverapp.port))
        self.handlers.extend(app_proxy_routes(self.app_manager))
        # c.ServerProxy.servers of a centre: jupyter-server-proxy's own extension is off.
        self.handlers.extend(server_proxy_routes(self.serverapp))
        assert self.mounts is not None
        self.handlers.extend(filesystems_routes(self.filesystems_config, self.mounts))
        assert self.session_ender is not None
        self.handlers.extend(session_routes(self.session_ender))
        assert self.modules is not None and self.module_kernels is not None
        self.handlers.extend(modules_routes(self.modules, self.module_kernels))
        assert self.idle is not None
        self.handlers.extend(idle_routes(self.idle))

    async def _start_jupyter_server_extension(self, serverapp: ServerApp) -> None:
        """Start sampling and fetching the grid factor once the server's event loop runs."""
        if self.factor_source is not None:
            self.factor_source.start()
        if self.sampler is not None:
            self.sampler.start()
            # Our figures in jupyter_server's /metrics, from the sampler's latest snapshot.
            self._unregister_prometheus = register_collector(
                self.sampler, os.environ.get("SLURM_JOB_ID"), server_user()
            )
        self._stop_on_sigint()
        # A long, silent computation is activity for JupyterHub's idle culler.
        self.busy_kernels = BusyKernelActivity(
            serverapp.web_app.settings, serverapp.kernel_manager, log=self.log
        )
        self.busy_kernels.start()
        if self.idle is not None:
            # Ends this server's own job once idle as long as the user chose (opt-in).
            self.idle.start()
        if self.module_kernels is not None:
            self.module_kernels.start()
        if self.app_manager is not None:
            # Apps a server killed with SIGKILL left running here are stopped (and logged).
            self._reclaiming = asyncio.ensure_future(self.app_manager.reclaim())

    def _stop_on_sigint(self) -> None:
        """SIGINT shuts the server down as SIGTERM does, when no terminal can confirm it.

        Without a terminal, Jupyter leaves SIGINT to Python: a KeyboardInterrupt stops the
        event loop and the server exits without its shutdown, its apps left running. With
        one, Jupyter's own prompt (and its ^C^C) stays. Only where the server handles signals
        itself (SIGTERM is its own), as JupyterHub's single-user servers do for SIGINT.
        """
        stop = getattr(self.serverapp, "_signal_stop", None)
        if stop is None or signal.getsignal(signal.SIGTERM) != stop:
            return
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, stop)

    async def stop_extension(self) -> None:
        """Stop the apps (none is left running), sampling, and keep the emissions total."""
        if self.busy_kernels is not None:
            self.busy_kernels.stop()
        if self.idle is not None:
            self.idle.stop()
        if self.module_kernels is not None:
            await self.module_kernels.stop()
        if self.app_manager is not None:
            # First: processes left running outlive the server; the rest ends with it.
            try:
                if self._reclaiming is not None:
                    await self._reclaiming
                await self.app_manager.close()
            except Exception:
                self.log.exception("Stopping the launched apps failed")
        if self._unregister_prometheus is not None:
            self._unregister_prometheus()
        if self.sampler is not None:
            await self.sampler.stop()
        if self.factor_source is not None:
            await self.factor_source.stop()
        if self.emissions is not None:
            self.emissions.save()
        if self.gpu is not None:
            self.gpu.close()
        if self.jobs is not None:
            await self.jobs.close()
        if self.session_job is not None:
            await self.session_job.close()

    def _emission_factor(self) -> float | None:
        """The grid's g CO2e per kWh in force (the finished jobs' CO2 in the history)."""
        return self.factor_source.current().g_per_kwh if self.factor_source is not None else None

    def _emissions(self, moment: datetime, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        """The emissions section: this sample's CPU and GPU watts, integrated (sampler thread)."""
        assert self.emissions is not None and self.factor_source is not None

        def watts(name: str) -> float | None:
            section = snapshot.get(name)
            if isinstance(section, dict) and section.get("available"):
                value = section.get("watts")
                return float(value) if isinstance(value, (int, float)) else None
            return None

        return self.emissions.update(
            moment, watts("cpu_power"), watts("gpu_power"), self.factor_source.current()
        )


def _server_token(serverapp: ServerApp) -> str:
    """The server's token ('' when it has none): apps never get a variable holding it."""
    provider = getattr(serverapp, "identity_provider", None)
    return str(getattr(provider, "token", "") or "")
