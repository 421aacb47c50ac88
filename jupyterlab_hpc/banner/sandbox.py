"""Sandbox mode: from the admin's config, the spawner's env var, or the network namespace."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SANDBOX_ENV = "JUPYTERLAB_HPC_SANDBOX"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def sandbox_state(
    enabled: bool | None, env: Mapping[str, str], proc_root: str | Path = "/proc"
) -> dict[str, object]:
    """`{enabled, reason}`: the first source that decides, and which one it was."""
    if enabled is not None:
        return {
            "enabled": enabled,
            "reason": f"Set by the administrator (c.HPCSandbox.enabled = {enabled}).",
        }
    value = env.get(SANDBOX_ENV)
    if value is not None:
        flag = value.strip().lower()
        if flag in _TRUE or flag in _FALSE:
            return {
                "enabled": flag in _TRUE,
                "reason": f"Set by the spawner ({SANDBOX_ENV}={value.strip()}).",
            }
    return detect_namespace(Path(proc_root))


def detect_namespace(proc_root: Path) -> dict[str, object]:
    """Sandboxed when this process's network namespace is not PID 1's (the host's)."""
    own, host = proc_root / "self" / "ns" / "net", proc_root / "1" / "ns" / "net"
    try:
        # The links read "net:[4026531840]": the namespace's inode, the same for one namespace.
        own_ns, host_ns = os.readlink(own), os.readlink(host)
    except OSError as error:
        return {
            "enabled": False,
            "reason": (
                f"Sandbox mode cannot be detected: {error.filename} is not readable "
                f"({error.strerror}). Set c.HPCSandbox.enabled or {SANDBOX_ENV}."
            ),
        }
    if own_ns != host_ns:
        return {
            "enabled": True,
            "reason": f"This server runs in its own network namespace ({own_ns}, "
            f"the host's is {host_ns}).",
        }
    return {
        "enabled": False,
        "reason": f"This server shares the host's network namespace ({own_ns}).",
    }
