"""A busy kernel is activity: what JupyterHub's idle culler sees of a long, silent computation.

jupyterhub-singleuser reports `web_app.last_activity()` to the hub (every
JUPYTERHUB_ACTIVITY_INTERVAL s): the latest of the server's start, an API request of a
handler that tracks activity, a kernel's last IOPub message (`last_kernel_activity`), a
terminal's last output, and every `settings["last_activity_times"]` entry (where
jupyter-server-proxy puts proxied traffic). A kernel running `time.sleep(7200)`, or a solver
that prints nothing, sends one "busy" status and then nothing until it is done: its server
looks idle and is culled in the middle of the computation. This check marks the server
active, every `BUSY_CHECK_INTERVAL_S`, while any kernel's execution state is "busy".
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from tornado.ioloop import PeriodicCallback

# How often kernels are looked at: far below any culler's timeout (an hour, usually), and
# cheap (a loop over the kernels in memory, on the event loop, no I/O).
BUSY_CHECK_INTERVAL_S = 10.0
# The key of `settings["last_activity_times"]` this check keeps up to date.
ACTIVITY_KEY = "jupyterlab-hpc-busy-kernels"


class BusyKernelActivity:
    """Marks the server active while one of its kernels is busy."""

    def __init__(
        self,
        settings: dict[str, Any],
        kernel_manager: Any,
        *,
        interval_s: float | None = None,
        log: logging.Logger | Any,
    ) -> None:
        """settings: the web app's; kernel_manager: jupyter_server's MappingKernelManager."""
        self._settings = settings
        self._kernel_manager = kernel_manager
        self._interval_s = BUSY_CHECK_INTERVAL_S if interval_s is None else interval_s
        self._log = log
        self._callback: PeriodicCallback | None = None

    def start(self) -> None:
        """Check every interval, on the running event loop."""
        self._callback = PeriodicCallback(self.check, self._interval_s * 1000)
        self._callback.start()

    def stop(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    def check(self) -> bool:
        """Mark the server active now if a kernel is busy; whether one was."""
        try:
            busy = any(
                getattr(self._kernel_manager.get_kernel(kernel_id), "execution_state", None)
                == "busy"
                for kernel_id in self._kernel_manager.list_kernel_ids()
            )
        except Exception:
            # A kernel removed while looked at: the next check sees the rest.
            self._log.debug("Looking for busy kernels failed", exc_info=True)
            return False
        if busy:
            self._settings.setdefault("last_activity_times", {})[ACTIVITY_KEY] = datetime.now(
                timezone.utc
            )
        return busy
