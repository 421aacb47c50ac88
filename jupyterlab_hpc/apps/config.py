"""Admin settings for the launcher: the application catalogue, categories, documentation."""

from __future__ import annotations

import copy
import re
import string
from collections.abc import Mapping
from typing import Any

from traitlets import Dict, Float, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from ..modules.system import is_module_name
from .args import ArgumentError, expand_value
from .catalogue import DEFAULT_APPS, DEFAULT_CATEGORIES, DEFAULT_DASHBOARDS

# App names appear in URLs (`apps/<name>/<endpoint>`) and icon file names.
APP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII)
# Apps are served at {base_url}<name>/<endpoint>/: names that Jupyter's own routes (or those of
# common extensions) use would hide them, or be hidden.
RESERVED_NAMES = frozenset(
    {
        "api",
        "lab",
        "tree",
        "notebooks",
        "edit",
        "view",
        "files",
        "static",
        "custom",
        "login",
        "logout",
        "nbconvert",
        "kernelspecs",
        "terminals",
        "proxy",
        "server-proxy",
        "jupyterlab-hpc",
        "hub",
        "voila",
        "doc",
        "metrics",
        "extensions",
    }
)
DASHBOARD_KEYS = frozenset({"title", "default_port", "path", "icon", "docs_url", "category"})
MAX_ENDPOINTS = 16
MAX_TIMEOUT_S = 600.0
DEFAULT_TIMEOUT_S = 30.0

# The placeholders each key may use; `{args}` is a whole command item, not a field.
COMMAND_FIELDS = frozenset({"port", "base_url", "unix_socket", "endpoint"})
ENV_FIELDS = frozenset({"port", "base_url", "unix_socket", "endpoint"})
QUERY_FIELDS = frozenset({"port", "base_url", "endpoint", "websocket_url"})
ARGS_ITEM = "{args}"

KEYS = frozenset(
    {
        "title",
        "command",
        "category",
        "endpoints",
        "environment",
        "timeout",
        "icon",
        "args_hint",
        "docs_url",
        "unix_socket",
        "absolute_url",
        "cwd",
        "open_query",
        "modules",
    }
)


class HPCApps(Configurable):
    """The applications the launcher offers, its categories and its documentation links."""

    apps = Dict(
        help="""The applications of the launcher: name -> settings.

        The name (lowercase letters, digits, - and _) appears in URLs. Settings:

        * command (required): the argv list, run without a shell. Placeholders: {port} (a
          free port on 127.0.0.1), {unix_socket} (a socket path in a private folder, with
          unix_socket: True), {base_url} (the Jupyter server's base URL), {endpoint} (0..N-1).
          One whole item "{args}" is replaced by the user's arguments, one item per word.
        * title (the name), category ("Applications"), endpoints (3): how many copies a
          user may run at once, icon: an SVG file or an https:// URL, args_hint: the line the
          launch dialog shows (e.g. "--logdir is required"), docs_url.
        * environment: variables added for the app; values may use {port}, {base_url},
          {unix_socket} and {endpoint}. The user's variables from the dialog come on top.
        * cwd: where the app runs (default: the file browser's root); $VAR, ${VAR:-default}
          and ~ are expanded from the app's environment, e.g. "${MLRUNS_DIR:-~}".
        * timeout (30): seconds the app has to start answering.
        * unix_socket (False), absolute_url (False): as in jupyter-server-proxy.
        * open_query: a query string added to the URL the browser opens; {websocket_url} is
          the app's own address as ws:// or wss://, e.g. "websocket_url={websocket_url}".
        * modules: environment modules loaded before the app starts, full names in load
          order, e.g. ["tensorboard/2.18"]. Loaded on top of what the user loaded (in
          jupyterlmod's panel, say), never purged; the launch dialog offers the other versions
          `module avail` lists. The app's command is looked for on the PATH they give.

        The shipped catalogue has tensorboard, mlflow, code-server, novnc and nerfstudio
        (jupyterlab_hpc.apps.catalogue.DEFAULT_APPS). Add to it with
        c.HPCApps.apps.update({"myapp": {...}}), remove one with
        c.HPCApps.apps.update({"novnc": None}), or replace it with c.HPCApps.apps = {...}.
        An app whose executable is not on the server's PATH is listed as unavailable, with
        the reason.
        """,
    ).tag(config=True)

    categories = List(
        Unicode(),
        default_value=list(DEFAULT_CATEGORIES),
        help="""The launcher's categories, in order (Notebook, Console, Applications,
        Dashboards, HPC Tools, Documentation, Other). An app whose category is not listed
        comes after them.
        """,
    ).tag(config=True)

    documentation = List(
        Dict(),
        help="""Documentation tiles of the launcher: [{"title": ..., "url": "https://..."}].
        """,
    ).tag(config=True)

    dashboards = Dict(
        help="""Dashboards of programs the user starts themselves (Dask, Ray): name -> settings.

        The launcher asks for the port the dashboard listens on (on this node), checks that
        something answers there and opens it through this server's proxy at
        {base_url}jupyterlab-hpc/proxy/<port>/. Settings: title, default_port, path (opened
        first, e.g. "/status" for Dask), icon (an SVG file or URL), docs_url, category
        ("Dashboards"). The shipped ones are dask (8787) and ray (8265); remove one with
        c.HPCApps.dashboards.update({"ray": None}).
        """,
    ).tag(config=True)

    log_dir = Unicode(
        "",
        help="""The folder of the apps' logs, one file per app and endpoint.

        Empty (the default): <Jupyter runtime folder>/jupyterlab-hpc-apps. $VAR and ~ are
        expanded from the server's environment, e.g. "$WORK/jupyter_spawner_logs" keeps the
        logs on a filesystem that outlives the job. The folder is created readable by the
        user only (0700), and made so if it exists and is theirs; a folder that belongs to
        someone else, or a path that does not expand to an absolute one, is not used: the
        server logs why and writes to the default folder.
        """,
    ).tag(config=True)

    shutdown_grace = Float(
        5.0,
        help="""Seconds an app has to exit after SIGTERM before it and its children are
        killed (5). Some apps, MLflow among them, ignore SIGTERM.
        """,
    ).tag(config=True)

    @default("dashboards")
    def _dashboards_default(self) -> dict[str, dict[str, Any]]:
        return normalize_dashboards(copy.deepcopy(DEFAULT_DASHBOARDS))

    @validate("dashboards")
    def _validate_dashboards(self, proposal: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return normalize_dashboards(proposal["value"])

    @validate("log_dir")
    def _validate_log_dir(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip()
        if "\0" in value:
            raise TraitError("HPCApps.log_dir must be a folder's path without NUL.")
        return value

    @validate("shutdown_grace")
    def _validate_shutdown_grace(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 <= value <= MAX_TIMEOUT_S:
            raise TraitError(
                f"HPCApps.shutdown_grace must be from 0 to {MAX_TIMEOUT_S:g} s, not {value}."
            )
        return value

    @default("apps")
    def _apps_default(self) -> dict[str, dict[str, Any]]:
        return normalize_apps(copy.deepcopy(DEFAULT_APPS))

    @validate("apps")
    def _validate_apps(self, proposal: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return normalize_apps(proposal["value"])

    @validate("categories")
    def _validate_categories(self, proposal: dict[str, Any]) -> list[str]:
        names = [str(name).strip() for name in proposal["value"]]
        if any(not name for name in names):
            raise TraitError("HPCApps.categories: a category needs a name.")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise TraitError(f"HPCApps.categories lists {duplicates} more than once.")
        return names

    @validate("documentation")
    def _validate_documentation(self, proposal: dict[str, Any]) -> list[dict[str, str]]:
        links = []
        for index, link in enumerate(proposal["value"]):
            where = f"HPCApps.documentation[{index}]"
            if set(link) != {"title", "url"}:
                raise TraitError(f"{where} must have exactly the keys title and url: {link!r}.")
            links.append(
                {
                    "title": _text(link["title"], f"{where}.title"),
                    "url": _web_url(link["url"], f"{where}.url"),
                }
            )
        return links


def normalize_apps(apps: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every app with its defaults filled in; TraitError naming the app and key at fault."""
    return {name: normalize_app(name, app) for name, app in apps.items() if app is not None}


def normalize_dashboards(dashboards: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every dashboard with its defaults; TraitError naming the dashboard and key at fault."""
    result = {}
    for name, dashboard in dashboards.items():
        if dashboard is None:
            continue
        if not isinstance(name, str) or not APP_NAME.fullmatch(name):
            raise TraitError(f"HPCApps.dashboards: {name!r} is not a name (a-z, 0-9, - and _).")
        where = f"HPCApps.dashboards[{name!r}]"
        if not isinstance(dashboard, Mapping):
            raise TraitError(f"{where} must be a dict, not {type(dashboard).__name__}.")
        unknown = sorted(set(dashboard) - DASHBOARD_KEYS)
        if unknown:
            raise TraitError(f"{where}: unknown keys {unknown}; known: {sorted(DASHBOARD_KEYS)}.")
        port = dashboard.get("default_port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise TraitError(f"{where}.default_port must be a port (1-65535), not {port!r}.")
        path = dashboard.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            raise TraitError(f"{where}.path must start with /, not {path!r}.")
        result[name] = {
            "title": _text(dashboard.get("title", name), f"{where}.title"),
            "category": _text(dashboard.get("category", "Dashboards"), f"{where}.category"),
            "default_port": port,
            "path": path,
            "icon": _icon(dashboard.get("icon"), f"{where}.icon"),
            "docs_url": _optional_url(dashboard.get("docs_url"), f"{where}.docs_url"),
        }
    return result


def normalize_app(name: object, app: object) -> dict[str, Any]:
    """One catalogue entry, checked, with its defaults."""
    if not isinstance(name, str) or not APP_NAME.fullmatch(name):
        raise TraitError(
            f"HPCApps.apps: {name!r} is not an app name (lowercase letters, digits, - and _, "
            "at most 64)."
        )
    if name in RESERVED_NAMES:
        raise TraitError(
            f"HPCApps.apps: {name!r} is taken by a route of Jupyter or of an extension (apps "
            f"are served at <base_url>/{name}/<endpoint>/); choose another name."
        )
    where = f"HPCApps.apps[{name!r}]"
    if not isinstance(app, Mapping):
        raise TraitError(f"{where} must be a dict, not {type(app).__name__}.")
    unknown = sorted(set(app) - KEYS)
    if unknown:
        raise TraitError(f"{where}: unknown keys {unknown}; known keys: {sorted(KEYS)}.")
    if "command" not in app:
        raise TraitError(f"{where} needs a command (an argv list).")
    unix_socket = _flag(app.get("unix_socket", False), f"{where}.unix_socket")
    return {
        "title": _text(app.get("title", name), f"{where}.title"),
        "command": _command(app["command"], unix_socket, f"{where}.command"),
        "category": _text(app.get("category", "Applications"), f"{where}.category"),
        "endpoints": _endpoints(app.get("endpoints", 3), f"{where}.endpoints"),
        "environment": _environment(app.get("environment", {}), f"{where}.environment"),
        "timeout": _timeout(app.get("timeout", DEFAULT_TIMEOUT_S), f"{where}.timeout"),
        "icon": _icon(app.get("icon"), f"{where}.icon"),
        "args_hint": _text(app.get("args_hint", ""), f"{where}.args_hint", empty=True),
        "docs_url": _optional_url(app.get("docs_url"), f"{where}.docs_url"),
        "unix_socket": unix_socket,
        "absolute_url": _flag(app.get("absolute_url", False), f"{where}.absolute_url"),
        "cwd": _cwd(app.get("cwd"), f"{where}.cwd"),
        "open_query": _open_query(app.get("open_query"), f"{where}.open_query"),
        "modules": _modules(app.get("modules", []), f"{where}.modules"),
    }


def _text(value: object, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise TraitError(f"{where} must be a non-empty string, not {value!r}.")
    return value


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise TraitError(f"{where} must be True or False, not {value!r}.")
    return value


def _fields(template: str, allowed: frozenset[str], where: str) -> set[str]:
    """The {placeholders} of a template; only plain names from `allowed`."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise TraitError(f"{where}: {template!r} is not a valid template ({error}).") from None
    fields = set()
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        # No attributes, indexes or formats: "{port.__class__}" must not reach str.format.
        if field not in allowed or spec or conversion:
            raise TraitError(
                f"{where}: {{{field}}} is not a placeholder here; use "
                f"{', '.join('{' + name + '}' for name in sorted(allowed))}."
            )
        fields.add(field)
    return fields


def _command(command: object, unix_socket: bool, where: str) -> list[str]:
    if (
        not isinstance(command, (list, tuple))
        or not command
        or not all(isinstance(item, str) and item for item in command)
    ):
        raise TraitError(f"{where} must be a non-empty list of non-empty strings: {command!r}.")
    if command[0] == ARGS_ITEM or _fields(command[0], COMMAND_FIELDS, where):
        raise TraitError(f"{where}: the executable {command[0]!r} cannot be a placeholder.")
    if list(command).count(ARGS_ITEM) > 1:
        raise TraitError(f"{where}: {ARGS_ITEM} may appear only once.")
    used: set[str] = set()
    for item in command:
        if item != ARGS_ITEM:
            if "{args}" in item:
                raise TraitError(
                    f"{where}: {ARGS_ITEM} must be a whole item (the user's arguments become "
                    f"items of their own), not part of {item!r}."
                )
            used |= _fields(item, COMMAND_FIELDS, where)
    if "unix_socket" in used and not unix_socket:
        raise TraitError(f"{where} uses {{unix_socket}}: set unix_socket to True.")
    return list(command)


def _endpoints(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ENDPOINTS:
        raise TraitError(f"{where} must be an integer from 1 to {MAX_ENDPOINTS}, not {value!r}.")
    return value


def _timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TraitError(f"{where} must be a number of seconds, not {value!r}.")
    if not 0 < value <= MAX_TIMEOUT_S:
        raise TraitError(f"{where} must be > 0 and at most {MAX_TIMEOUT_S:g} seconds, not {value}.")
    return float(value)


def _environment(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TraitError(f"{where} must be a dict of name -> value, not {value!r}.")
    for name, text in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise TraitError(f"{where}: {name!r} is not a valid environment variable name.")
        if not isinstance(text, str) or "\0" in text:
            raise TraitError(f"{where}[{name!r}] must be a string without NUL, not {text!r}.")
        _fields(text, ENV_FIELDS, f"{where}[{name!r}]")
    return dict(value)


def _icon(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not (
        value.startswith(("https://", "http://")) or value.startswith("/")
    ):
        raise TraitError(f"{where} must be an absolute path to an SVG file or a URL: {value!r}.")
    # SVG text becomes a LabIcon, which JupyterLab draws in any launcher category.
    if value.startswith("/") and not value.lower().endswith(".svg"):
        raise TraitError(f"{where} must be an SVG file: {value!r}.")
    return value


def _web_url(value: object, where: str) -> str:
    if not isinstance(value, str) or not re.match(r"https?://[^\s/]", value):
        raise TraitError(f"{where} must be an http(s):// URL, not {value!r}.")
    return value


def _optional_url(value: object, where: str) -> str | None:
    return None if value is None else _web_url(value, where)


def _cwd(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise TraitError(f"{where} must be a non-empty string, not {value!r}.")
    try:
        expand_value(value, env={}, home="/", cwd="/", what=where)
    except ArgumentError as error:
        raise TraitError(error.message) from None
    return value


def _modules(value: object, where: str) -> list[str]:
    """Module full names: each handed to `module load` as one argument, never a path."""
    if not isinstance(value, (list, tuple)):
        raise TraitError(f"{where} must be a list of module names, not {value!r}.")
    for module in value:
        # A "." part would make `./gcc` a path relative to wherever the module tool runs.
        if not is_module_name(module) or "." in module.split("/"):
            raise TraitError(
                f"{where}: {module!r} is not a module name (as `module avail` lists them, "
                'e.g. "tensorboard/2.18"; no spaces, no path, no leading - or /).'
            )
    names = [str(module) for module in value]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise TraitError(f"{where} lists {duplicates} more than once.")
    return names


def _open_query(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.startswith(("?", "&")):
        raise TraitError(f"{where} must be a query string without the leading ?: {value!r}.")
    _fields(value, QUERY_FIELDS, where)
    return value
