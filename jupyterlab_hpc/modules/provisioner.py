"""Start a kernel found inside a module: purge, load its module, then the kernel itself.

A jupyter_client kernel provisioner (entry point `jupyterlab-hpc-modules`), named in the
kernelspecs discovery writes. The module load runs before anything else of the start (no
connection file, no process): when it fails, the start fails at once with the module tool's own
message, which JupyterLab shows in its "Error Starting Kernel" dialog, and no kernel is left
"starting". No shell is involved: the environment the load gives is passed to the kernel's
argv as it is.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from tornado import web
from traitlets import List, Unicode

from .config import HPCModules
from .system import ModuleError, ModuleSystem


class ModuleLoadFailed(web.HTTPError):
    """The kernel's module could not be loaded: the message says why, in the tool's words.

    An HTTPError, so that jupyter_server answers the kernel or session request with this
    message (any other exception becomes "Unhandled error") and JupyterLab shows it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(500, message.replace("%", "%%"))
        self.message = message

    def __str__(self) -> str:
        return self.message


class ModuleKernelProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A local kernel started in a clean environment with its module (and dependencies) loaded."""

    modules = List(
        Unicode(), default_value=[], help="The modules loaded (after a purge) before the kernel."
    ).tag(config=True)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        # parent=self: c.HPCModules.* of the server's configuration reach this provisioner.
        system = ModuleSystem.from_config(HPCModules(parent=self))
        env = kwargs.get("env")
        try:
            kwargs["env"] = await system.load(
                env if env is not None else dict(os.environ), self.modules, purge=True
            )
        except ModuleError as error:
            names = ", ".join(self.modules)
            raise ModuleLoadFailed(
                f"The kernel could not start: loading {names} failed.\n{error.message}"
            ) from None
        return await super().pre_launch(**kwargs)
