"""How long this server has been idle, when the hub culls it, and the opt-in end of its job.

Two clocks, from the same sources jupyter_server keeps (`web_app.last_activity()`): the
server's start, kernels' IOPub messages, terminals, `settings["last_activity_times"]` (proxied
apps, our busy kernels, the user's actions in the page) and `settings["api_last_activity"]`,
moved by every API request of a handler that tracks activity.

- **What the hub sees** is all of them: JupyterLab's own refreshes of kernels, sessions,
  terminals and the file browser (every 10 s while a tab is in front) move
  `api_last_activity`, so a tab left in front is never culled. The culling countdown uses it.
- **The user's idle time** is all of them but `api_last_activity`, with the user's own
  keystrokes and clicks in the page (`POST idle/activity`) instead: otherwise the page's own
  refreshes would keep "Idle" at zero while the user is away from the keyboard. The opt-in end
  of the job counts this one, so a forgotten tab does not hold GPUs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from tornado.ioloop import PeriodicCallback

from .config import MAX_END_JOB_MINUTES

# The key of `settings["last_activity_times"]` holding the user's last action in the page.
USER_ACTIONS_KEY = "jupyterlab-hpc-user-actions"
# The setting jupyter_server moves on API requests: JupyterLab's refreshes included.
API_ACTIVITY_KEY = "api_last_activity"

CullSource = Literal["config", "environment", "server"]


@dataclass(frozen=True)
class CullTimeout:
    """After how many idle seconds this server is stopped, and who said so."""

    seconds: float | None
    source: CullSource | None


def resolve_cull_timeout(
    configured: float | None, env: Mapping[str, str], shutdown_no_activity_timeout: int
) -> CullTimeout:
    """c.HPCIdle.cull_timeout, else JUPYTERHUB_CULL_TIMEOUT, else the server's own timeout.

    Raises ValueError for a JUPYTERHUB_CULL_TIMEOUT that is not a number of seconds > 0.
    """
    if configured is not None:
        return CullTimeout(configured, "config")
    text = env.get("JUPYTERHUB_CULL_TIMEOUT", "").strip()
    if text:
        try:
            seconds = float(text)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds < float("inf"):
            raise ValueError(
                f"JUPYTERHUB_CULL_TIMEOUT must be a number of seconds > 0 (the idle culler's "
                f"--timeout), not {text!r}."
            )
        return CullTimeout(seconds, "environment")
    if shutdown_no_activity_timeout > 0:
        return CullTimeout(float(shutdown_no_activity_timeout), "server")
    return CullTimeout(None, None)


class EndJobError(ValueError):
    """A choice of the end of an idle job that is refused; the message says why (a 400)."""


class IdleTracker:
    """The idle clocks of this server, and the end of its idle Slurm job when the user opted in."""

    def __init__(
        self,
        settings: dict[str, Any],
        hub_last_activity: Callable[[], datetime],
        cull: CullTimeout,
        *,
        job_id: str | None,
        cancel_job: Callable[[str], Awaitable[None]],
        end_job_after_minutes: int,
        end_job_minimum_minutes: int,
        end_job_warning_s: float,
        check_interval_s: float,
        log: logging.Logger | Any,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """settings: the web app's; hub_last_activity: `web_app.last_activity`;
        job_id: SLURM_JOB_ID, the only job this may end; cancel_job: scancel (argv)."""
        self._settings = settings
        self._hub_last_activity = hub_last_activity
        self.cull = cull
        self.job_id = job_id or None
        self._cancel_job = cancel_job
        self._end_after_s: float | None = (
            end_job_after_minutes * 60.0 if end_job_after_minutes > 0 else None
        )
        self.minimum_minutes = end_job_minimum_minutes
        self.warning_s = end_job_warning_s
        self._check_interval_s = check_interval_s
        self._log = log
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._callback: PeriodicCallback | None = None
        self._ending = False

    # The clocks

    def now(self) -> datetime:
        return self._now()

    def record_user_action(self) -> None:
        """The user acted in the page: the hub and the idle clock both see it."""
        self._settings.setdefault("last_activity_times", {})[USER_ACTIONS_KEY] = self.now()

    def user_last_activity(self) -> datetime:
        """The latest activity but JupyterLab's own API refreshes (see the module's doc)."""
        sources = [self._settings["started"]]
        kernels = self._settings.get("kernel_manager")
        kernel_activity = getattr(kernels, "last_kernel_activity", None)
        if kernel_activity is not None:
            sources.append(kernel_activity)
        sources.extend(
            value
            for key, value in self._settings.items()
            if key.endswith("_last_activity") and key != API_ACTIVITY_KEY
        )
        sources.extend(self._settings.get("last_activity_times", {}).values())
        return max(sources)

    def idle_s(self) -> float:
        return max(0.0, (self.now() - self.user_last_activity()).total_seconds())

    def culled_in_s(self) -> float | None:
        """Seconds until the culler's timeout, as the hub sees activity; None when unknown."""
        if self.cull.seconds is None:
            return None
        if self.cull.source == "server" and len(self._settings.get("kernel_manager") or ()):
            # jupyter_server stops itself only when no kernel is left.
            return None
        hub_idle = (self.now() - self._hub_last_activity()).total_seconds()
        return max(0.0, self.cull.seconds - max(0.0, hub_idle))

    # The end of an idle job

    @property
    def end_after_s(self) -> float | None:
        return self._end_after_s

    def set_end_job(self, enabled: Any, after_minutes: Any) -> None:
        """The user's choice (PUT idle/end-job); EndJobError, changing nothing, when refused."""
        if not isinstance(enabled, bool):
            raise EndJobError('"enabled" must be true or false.')
        if not enabled:
            if after_minutes is not None:
                self._check_minutes(after_minutes)
            self._end_after_s = None
            return
        if after_minutes is None:
            raise EndJobError('"after_minutes" is needed to end the job after idle minutes.')
        self._end_after_s = self._check_minutes(after_minutes) * 60.0

    def _check_minutes(self, minutes: Any) -> int:
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise EndJobError('"after_minutes" must be a whole number of minutes.')
        lowest = max(1, self.minimum_minutes)
        if not lowest <= minutes <= MAX_END_JOB_MINUTES:
            raise EndJobError(
                f'"after_minutes" must be between {lowest} and {MAX_END_JOB_MINUTES} minutes '
                f"(your administrator's minimum is {lowest}), not {minutes}."
            )
        return minutes

    def ends_in_s(self) -> float | None:
        """Seconds until the job ends for idleness; None when off or outside a job."""
        if self._end_after_s is None or self.job_id is None:
            return None
        return max(0.0, self._end_after_s - self.idle_s())

    def state(self) -> dict[str, Any]:
        """The answer of `GET idle`."""
        last = self.user_last_activity()
        culled_in = self.culled_in_s()
        ends_in = self.ends_in_s()
        return {
            "idle_s": round(self.idle_s(), 1),
            "last_activity": last.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            "cull_timeout_s": self.cull.seconds,
            "cull_source": self.cull.source,
            "culled_in_s": None if culled_in is None else round(culled_in, 1),
            "end_job": self.end_job_state(ends_in),
        }

    def end_job_state(self, ends_in: float | None = None) -> dict[str, Any]:
        if ends_in is None:
            ends_in = self.ends_in_s()
        return {
            "enabled": self._end_after_s is not None,
            "after_s": self._end_after_s,
            "warn_s": self.warning_s,
            "ends_in_s": None if ends_in is None else round(ends_in, 1),
            "job_id": self.job_id,
        }

    def start(self) -> None:
        """Check every interval, on the running event loop (only inside a Slurm job)."""
        if self.job_id is None:
            return
        self._callback = PeriodicCallback(self.check, self._check_interval_s * 1000)
        self._callback.start()

    def stop(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    async def check(self) -> bool:
        """End the job when it has been idle long enough; whether it was ended now."""
        ends_in = self.ends_in_s()
        if ends_in is None or ends_in > 0 or self._ending or self.job_id is None:
            return False
        self._ending = True
        idle_min = self.idle_s() / 60
        self._log.info(
            "Ending Slurm job %s: idle for %.0f min, the user chose to end it after %.0f min",
            self.job_id,
            idle_min,
            (self._end_after_s or 0) / 60,
        )
        try:
            await self._cancel_job(self.job_id)
        except Exception:
            # Tried again at the next check.
            self._ending = False
            self._log.exception("Ending idle Slurm job %s failed", self.job_id)
            return False
        return True
