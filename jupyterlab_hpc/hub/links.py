"""The hub's control panel and log-out URLs, from the env jupyterhub-singleuser gets."""

from __future__ import annotations

from collections.abc import Mapping


def hub_links(env: Mapping[str, str]) -> dict[str, str] | None:
    """`{control_panel_url, logout_url}` under JupyterHub, else None.

    The spawner gives a single-user server JUPYTERHUB_SERVICE_PREFIX (its own URL prefix,
    /user/<name>/), JUPYTERHUB_BASE_URL (the hub's base URL, "/" by default) and, where
    user servers have their own subdomains, JUPYTERHUB_HOST (the hub's origin).
    """
    if not env.get("JUPYTERHUB_SERVICE_PREFIX") and not env.get("JUPYTERHUB_API_URL"):
        return None
    host = env.get("JUPYTERHUB_HOST", "").rstrip("/")
    base = "/" + env.get("JUPYTERHUB_BASE_URL", "/").strip("/")
    hub = f"{host}{base.rstrip('/')}/hub"
    return {"control_panel_url": f"{hub}/home", "logout_url": f"{hub}/logout"}
