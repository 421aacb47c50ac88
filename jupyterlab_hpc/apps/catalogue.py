"""The shipped applications, and the catalogue as the launcher sees it (`GET apps`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app_modules import missing_system_reason, offers

if TYPE_CHECKING:
    from ..modules.system import ModuleSystem

ICONS = Path(__file__).parent / "icons"

# The launcher's categories, in their order (the reference deployment's launcher page).
DEFAULT_CATEGORIES = [
    "Notebook",
    "Console",
    "Applications",
    "Dashboards",
    "HPC Tools",
    "Documentation",
    "Other",
]

# What the reference deployment offers (Jean Zay's JupyterHub, IDRIS). Every app listens on
# 127.0.0.1 or a private unix socket only: the proxy, which checks the Jupyter login, is the
# one way in (anyone else on a shared node could reach a port bound to all interfaces).
DEFAULT_APPS: dict[str, dict[str, Any]] = {
    "tensorboard": {
        "title": "TensorBoard",
        "command": ["tensorboard", "--host", "127.0.0.1", "--port", "{port}", "{args}"],
        "category": "Applications",
        "endpoints": 3,
        # Large log folders take a while to load.
        "timeout": 60,
        "icon": str(ICONS / "tensorboard.svg"),
        "args_hint": (
            "--logdir is required, e.g. --logdir $WORK/runs (relative paths start at the "
            "file browser's root). Give the job enough memory for large logs: TensorBoard "
            "fails silently when it runs out."
        ),
        "docs_url": "https://www.tensorflow.org/tensorboard",
    },
    "mlflow": {
        "title": "MLflow",
        # MLflow has no option for where the mlruns folder is: it is run in MLRUNS_DIR, the
        # folder holding mlruns/ (the reference deployment's convention), or in the home.
        "command": [
            "mlflow",
            "ui",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--backend-store-uri",
            "./mlruns",
            "{args}",
        ],
        "cwd": "${MLRUNS_DIR:-~}",
        "category": "Applications",
        "endpoints": 3,
        "icon": str(ICONS / "mlflow.svg"),
        "args_hint": (
            "Set MLRUNS_DIR to the folder that holds mlruns/, e.g. MLRUNS_DIR=$WORK/mlflow "
            "for $WORK/mlflow/mlruns; without it MLflow starts in your home."
        ),
        "docs_url": "https://mlflow.org/docs/latest/",
    },
    "code-server": {
        "title": "code-server",
        "command": [
            "code-server",
            "--socket",
            "{unix_socket}",
            "--auth",
            "none",
            "--disable-telemetry",
            "--disable-update-check",
            "{args}",
        ],
        "unix_socket": True,
        "category": "Applications",
        # One editor per user: its settings and extensions live in one folder.
        "endpoints": 1,
        "icon": str(ICONS / "code-server.svg"),
        "args_hint": "Optional: a folder to open, e.g. $WORK/project.",
        "docs_url": "https://coder.com/docs/code-server",
    },
    "novnc": {
        "title": "noVNC desktop",
        "command": ["novnc_proxy", "--listen", "127.0.0.1:{port}", "{args}"],
        "category": "Applications",
        "endpoints": 1,
        "icon": str(ICONS / "novnc.svg"),
        "args_hint": (
            "--vnc HOST:PORT of your VNC server is required, e.g. --vnc localhost:5901; "
            "start JupyterLab on a visualisation node to have one."
        ),
        "docs_url": "https://novnc.com/",
    },
    "nerfstudio": {
        "title": "Nerfstudio viewer",
        "command": [
            "ns-viewer",
            "--viewer.websocket-host",
            "127.0.0.1",
            "--viewer.websocket-port",
            "{port}",
            "{args}",
        ],
        "category": "Applications",
        "endpoints": 3,
        # The viewer page must be told where its websocket is, through the proxy and with
        # wss:// when JupyterLab is served over https (the reference deployment's ?websocket_url).
        "open_query": "websocket_url={websocket_url}",
        "icon": str(ICONS / "nerfstudio.svg"),
        "args_hint": (
            "--load-config is required, e.g. --load-config outputs/scene/nerfacto/<run>/"
            "config.yml. Start it on the node where the training runs."
        ),
        "docs_url": "https://docs.nerf.studio/",
    },
}


# Dashboards of programs users start themselves; the launcher asks for the port.
DEFAULT_DASHBOARDS: dict[str, dict[str, Any]] = {
    "dask": {
        "title": "Dask dashboard",
        "default_port": 8787,
        "path": "/status",
        "icon": str(ICONS / "dask.svg"),
        "docs_url": "https://docs.dask.org/en/stable/dashboard.html",
    },
    "ray": {
        "title": "Ray dashboard",
        "default_port": 8265,
        "path": "/",
        "icon": str(ICONS / "ray.svg"),
        "docs_url": "https://docs.ray.io/en/latest/ray-observability/getting-started.html",
    },
}


def describe_dashboards(
    dashboards: Mapping[str, Mapping[str, Any]], *, icons_url: str
) -> list[dict[str, Any]]:
    """Each dashboard as the launcher shows it."""
    return [
        {
            "name": name,
            "title": dashboard["title"],
            "category": dashboard["category"],
            "default_port": dashboard["default_port"],
            "path": dashboard["path"],
            "icon_url": icon_url(name, dashboard.get("icon"), icons_url),
            "docs_url": dashboard.get("docs_url"),
        }
        for name, dashboard in dashboards.items()
    ]


def describe(
    apps: Mapping[str, Mapping[str, Any]],
    env: Mapping[str, str],
    *,
    icons_url: str,
    modules: ModuleSystem | None = None,
    available_modules: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Each app as the launcher shows it, and whether it can start here (and if not, why).

    `icons_url` is where the icon route is served, ending in a slash. `modules` is the
    module system (None: there is none); `available_modules` what `module avail` lists (None:
    unknown), from which the other versions of an app's modules are offered.
    """
    return [
        _describe_one(name, app, env, icons_url, modules, available_modules)
        for name, app in apps.items()
    ]


def _describe_one(
    name: str,
    app: Mapping[str, Any],
    env: Mapping[str, str],
    icons_url: str,
    modules: ModuleSystem | None,
    available_modules: Sequence[str] | None,
) -> dict[str, Any]:
    reason = missing_system_reason(modules, app)
    if reason is None and app["modules"]:
        # The command is on the PATH its modules give, known once they are loaded (at launch,
        # which says so if it is not there); only an absolute path can be checked now.
        executable = app["command"][0]
        reason = unavailable_reason(executable, env) if os.sep in executable else None
    elif reason is None:
        reason = unavailable_reason(app["command"][0], env)
    return {
        "name": name,
        "title": app["title"],
        "category": app["category"],
        "endpoints": app["endpoints"],
        "icon_url": icon_url(name, app.get("icon"), icons_url),
        "args_hint": app["args_hint"],
        "docs_url": app.get("docs_url"),
        "available": reason is None,
        "reason": reason,
        "modules": offers(app, available_modules),
    }


def unavailable_reason(executable: str, env: Mapping[str, str]) -> str | None:
    """Why `executable` cannot be started with this environment's PATH; None when it can."""
    if os.sep in executable:
        if shutil.which(executable) is None:
            return f"{executable} is not an executable file on this node."
        return None
    if shutil.which(executable, path=env.get("PATH", os.defpath)) is None:
        return (
            f"{executable} is not installed in this environment (not found on PATH). "
            "Load a module that provides it before starting JupyterLab, or ask your admins."
        )
    return None


def icon_url(name: str, icon: str | None, icons_url: str) -> str | None:
    """A URL's own address; a file's, served by the icon route; None without an icon."""
    if not icon:
        return None
    if icon.startswith(("https://", "http://")):
        return icon
    return f"{icons_url}{name}.svg" if os.path.isfile(icon) else None
