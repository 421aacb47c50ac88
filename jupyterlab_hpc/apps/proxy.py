"""The proxy in front of launched apps and dashboards: jupyter-server-proxy's handlers, narrowed.

Apps are served at `{base_url}<app>/<endpoint>/` by a subclass of jupyter-server-proxy's
`SuperviseAndProxyHandler`; a dashboard the user points at is served at
`{base_url}jupyterlab-hpc/proxy/<port>/` by a subclass of its `LocalProxyHandler`. What differs
from jupyter-server-proxy:

* a request never starts an app: apps start from the launch dialog (`POST apps/…`), with the
  user's arguments. A request to an app that is starting waits for it; one to an app that is
  not running gets a page saying so (jupyter-server-proxy would start it again, with no
  arguments, as soon as a forgotten tab reloads);
* the user's Jupyter credentials never reach an app: Jupyter's and JupyterHub's cookies, the
  `_xsrf` cookie, `Authorization`, `X-XSRFToken` and a `token` or `_xsrf` in the query are
  removed from what is forwarded (jupyter-server-proxy #590: an app, or whoever holds its port,
  could otherwise act as the user);
* a request that changes something (POST, PUT, PATCH, DELETE) sent from another site's page
  with the login cookie alone is refused (jupyter-server-proxy's XSRF check does nothing, so
  that the apps' own forms work): it must come from a page of the server's own origin, as
  jupyter_server asks of websockets, or carry the token or Jupyter's `_xsrf`;
* it connects to 127.0.0.1, where apps listen, not to "localhost", which is ::1 first on most
  systems (where anyone on the node may listen on the same port).

jupyter-server-proxy's own extension is turned off by our install (its `/proxy/<port>/` would
forward all of the above to any port); `server_proxy_routes` keeps the servers a centre gave it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import unquote

from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from jupyter_server_proxy import (
    IconHandler,
    ServerProxyConfig,
    ServersInfoHandler,
    get_entrypoint_server_processes,
    make_handlers,
)
from jupyter_server_proxy.handlers import (
    AddSlashHandler,
    LocalProxyHandler,
    ProxyHandler,
    SuperviseAndProxyHandler,
)
from tornado import httputil, web

from .environment import app_environment
from .instances import RUNNING, STARTING, AppManager

# Headers that carry the user's Jupyter identity.
CREDENTIAL_HEADERS = ("Authorization", "X-XSRFToken", "X-Xsrftoken", "X-CSRFToken")
# Query parameters that do.
CREDENTIAL_PARAMETERS = frozenset({"token", "_xsrf"})
# Methods that change nothing, left to the browser's own checks.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Cookies of JupyterHub (its login, its OAuth state) and of a single-user server's login.
HUB_COOKIE_PREFIXES = ("jupyterhub-", "username-")


class CredentialFilter:
    """Mixin for jupyter-server-proxy handlers: forward nothing that identifies the user."""

    request: httputil.HTTPServerRequest

    def proxy_request_headers(self) -> httputil.HTTPHeaders:
        headers: httputil.HTTPHeaders = super().proxy_request_headers()  # type: ignore[misc]
        for name in CREDENTIAL_HEADERS:
            headers.pop(name, None)
        cookie = headers.pop("Cookie", None)
        kept = _app_cookies(cookie, self._jupyter_cookie_names()) if cookie else ""
        if kept:
            headers["Cookie"] = kept
        return headers

    def get_client_uri(self, protocol: str, host: str, port: Any, proxied_path: str) -> str:
        uri: str = super().get_client_uri(protocol, host, port, proxied_path)  # type: ignore[misc]
        path, _, query = uri.partition("?")
        if not query:
            return uri
        kept = [
            part
            for part in query.split("&")
            if unquote(part.partition("=")[0]) not in CREDENTIAL_PARAMETERS
        ]
        return f"{path}?{'&'.join(kept)}" if kept else path

    def _jupyter_cookie_names(self) -> set[str]:
        names = {"_xsrf"}
        # The server's login cookie (JupyterHandler.cookie_name is deprecated).
        identity_provider = getattr(self, "identity_provider", None)
        if identity_provider is not None:
            names.add(identity_provider.get_cookie_name(self))
        return names


class CrossSiteGuard:
    """Mixin for jupyter-server-proxy handlers: refuse cross-site writes on the login cookie.

    jupyter-server-proxy's `check_xsrf_cookie` does nothing ("defer to proxied apps"): an app
    behind the proxy shares Jupyter's origin and cookie, so any site the user visits could post
    a form to it and act as the user. An app's own pages cannot send Jupyter's `_xsrf`, but a
    browser tells where a request comes from: `Origin` (every browser sends it with a POST,
    PUT, PATCH or DELETE), else `Referer`. They must name the server's own origin as it sees
    it (the `Host` header), or one that `c.ServerApp.allow_origin`/`allow_origin_pat` allows:
    jupyter_server's own check for websockets, which keeps working behind JupyterHub's proxy.
    Scripts send the token, which needs neither; Jupyter's `_xsrf` is accepted too.
    """

    request: httputil.HTTPServerRequest
    settings: dict[str, Any]

    def check_xsrf_cookie(self) -> None:
        if self.request.method in SAFE_METHODS:
            # A navigation or a websocket (whose Origin tornado checks in its handshake).
            return
        if not hasattr(self, "_jupyter_current_user"):
            # tornado asks before jupyter_server's `prepare` knows the user; it asks again.
            return
        if self.token_authenticated or self.settings.get("disable_check_xsrf", False):  # type: ignore[attr-defined]
            return
        origin = self.request.headers.get("Origin")
        if origin is not None and self.check_origin():  # type: ignore[attr-defined]
            return
        if origin is None and self.check_referer():  # type: ignore[attr-defined]
            return
        try:
            web.RequestHandler.check_xsrf_cookie(self)  # type: ignore[arg-type]
        except web.HTTPError:
            source = origin or self.request.headers.get("Referer") or "a page that did not say"
            raise web.HTTPError(
                403,
                f"Refused a {self.request.method} from {source}: it did not come from this "
                "server's pages. Send the Jupyter token, or allow that origin with "
                "c.ServerApp.allow_origin.",
            ) from None


class BodilessPatch:
    """Mixin for jupyter-server-proxy handlers: forward a PATCH without a body.

    jupyter-server-proxy forwards an empty PATCH (or DELETE, OPTIONS) body as none, which
    tornado's client refuses unless told: a 500 instead of the app's answer.
    """

    def proxy_request_options(self) -> dict[str, Any]:
        options: dict[str, Any] = super().proxy_request_options()  # type: ignore[misc]
        return {**options, "allow_nonstandard_methods": True}


class LoopbackTarget:
    """Mixin for jupyter-server-proxy handlers: connect to 127.0.0.1, never to "localhost".

    Apps listen on 127.0.0.1 and dashboards are checked there, but jupyter-server-proxy
    connects to "localhost", which most systems resolve to ::1 first: anyone on the node
    listening on [::1]:<the same port> would get the user's requests and answer them as pages
    of Jupyter's own origin.
    """

    unix_socket: str | None

    def get_client_uri(self, protocol: str, host: str, port: Any, proxied_path: str) -> str:
        if host == "localhost" and self.unix_socket is None:
            host = "127.0.0.1"
        return super().get_client_uri(protocol, host, port, proxied_path)  # type: ignore[misc,no-any-return]


def _authenticated(cls: type[web.RequestHandler]) -> type[web.RequestHandler]:
    """Mark every HTTP method @web.authenticated, as jupyter_server asks of extension routes.

    jupyter-server-proxy's handlers already check the login in `prepare`, before any method
    runs; this repeats the check where jupyter_server looks for it.
    """
    for method in cls.SUPPORTED_METHODS:
        function = getattr(cls, method.lower())
        if function is not web.RequestHandler._unimplemented_method:
            setattr(cls, method.lower(), web.authenticated(function))
    return cls


def _app_cookies(header: str, jupyter_names: set[str]) -> str:
    """The Cookie header without Jupyter's and JupyterHub's cookies.

    Split as browsers and tornado's `parse_cookie` split it (on `;`, the name before the first
    `=`), each kept cookie forwarded as sent. `SimpleCookie` is no use here: one value it finds
    invalid (a space, JSON set by another app of this origin) makes it drop the whole header,
    and with it the app's own session cookie.
    """
    kept = []
    for part in header.split(";"):
        part = part.strip()
        name = part.partition("=")[0].strip() if "=" in part else ""
        # JupyterHub's c.JupyterHub.cookie_host_prefix_enabled names its cookies
        # `__Host-jupyterhub-user-<name>` (and `...-oauth-state`).
        bare = name.removeprefix("__Host-").removeprefix("__Secure-")
        if part and bare not in jupyter_names and not bare.startswith(HUB_COOKIE_PREFIXES):
            kept.append(part)
    return "; ".join(kept)


@_authenticated
class AppProxyHandler(  # type: ignore[misc]
    CredentialFilter, CrossSiteGuard, BodilessPatch, LoopbackTarget, SuperviseAndProxyHandler
):
    """`{base_url}<app>/<endpoint>/…` to the app launched there."""

    def initialize(self, manager: AppManager, name: str, endpoint: int) -> None:  # type: ignore[override]
        super().initialize(state={})
        self.manager = manager
        self.app_name = name
        self.endpoint = endpoint
        self.name = f"{name}/{endpoint}"
        # jupyter-server-proxy's context path (X-Forwarded-Prefix, Location rewrites).
        self.proxy_base = f"{name}/{endpoint}"

    @property
    def port(self) -> int:  # type: ignore[override]
        instance = self.manager.get(self.app_name, self.endpoint)
        return instance.port if instance is not None else 0

    @property
    def unix_socket(self) -> str | None:  # type: ignore[override]
        instance = self.manager.get(self.app_name, self.endpoint)
        return instance.unix_socket if instance is not None else None

    async def ensure_process(self) -> None:
        """Wait for a starting app; refuse when none runs here (never start one)."""
        instance = self.manager.get(self.app_name, self.endpoint)
        if instance is not None and instance.state == STARTING:
            await asyncio.shield(instance.settled.wait())
        if instance is None or instance.state != RUNNING:
            title = self.manager.apps[self.app_name]["title"]
            why = instance.message if instance is not None and instance.message else None
            raise web.HTTPError(
                503,
                f"{title} is not running on endpoint {self.endpoint}"
                + (f": {why}" if why else ".")
                + " Start it from the JupyterLab launcher.",
            )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A short page for the browser tab, with the reason."""
        exception = kwargs.get("exc_info", (None, None))[1]
        message = getattr(exception, "log_message", None) or self._reason
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(f"{status_code}: {message}\n")


@_authenticated
class DashboardProxyHandler(  # type: ignore[misc]
    CredentialFilter, CrossSiteGuard, BodilessPatch, LoopbackTarget, LocalProxyHandler
):
    """`{base_url}jupyterlab-hpc/proxy/<port>/…` to a dashboard on this node (Dask, Ray)."""

    def initialize(self, own_port: int) -> None:
        self.own_port = own_port

    def _get_context_path(self, host: str, port: Any) -> str:
        return url_path_join(self.base_url, "jupyterlab-hpc", "proxy", str(port))

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        await super().prepare(*args, **kwargs)
        port = int(self.path_args[0]) if self.path_args else 0
        if not 1 <= port <= 65535 or port == self.own_port:
            raise web.HTTPError(400, f"Port {port} is not a dashboard port.")

    async def proxy(self, port: Any, proxied_path: str) -> Any:
        """jupyter-server-proxy's forwarding; nothing listening is a 502 that says so."""
        try:
            return await super().proxy(port, proxied_path)
        except OSError as error:
            # jupyter-server-proxy lets a refused connection escape as a 500.
            raise web.HTTPError(
                502,
                f"Nothing answers on port {port} of this node ({error.strerror or error}): "
                "start the dashboard, or check its port.",
            ) from None


def app_proxy_routes(
    manager: AppManager,
) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """One route per app and endpoint (relative to the base URL), as jupyter-server-proxy
    makes one per server."""
    routes: list[tuple[str, type[web.RequestHandler], dict[str, Any]]] = []
    for name, app in manager.apps.items():
        for endpoint in range(app["endpoints"]):
            kwargs = {
                "manager": manager,
                "name": name,
                "endpoint": endpoint,
                "absolute_url": app["absolute_url"],
            }
            routes.append((f"{name}/{endpoint}(/.*)", AppProxyHandler, kwargs))
            routes.append((f"{name}/{endpoint}", AddSlashHandler, {}))
    return routes


@_authenticated
class ServerProxyIconHandler(IconHandler):  # type: ignore[misc]
    """jupyter-server-proxy's launcher icons, behind the login as every route of ours is."""


def server_proxy_routes(serverapp: ServerApp) -> list[tuple[Any, ...]]:
    """jupyter-server-proxy's named servers, without its `/proxy/<port>/` routes.

    Installing jupyterlab-hpc turns jupyter-server-proxy's own extension off (jupyter-config/):
    its `/proxy/<port>/` routes forward the user's token and cookies to whatever listens on any
    port of the node. The servers a centre configures (`c.ServerProxy.servers`) or installs
    (`jupyter_serverproxy_servers` entry points, e.g. jupyter-rsession-proxy) keep their routes
    and launcher entries: these are the routes its extension would add for them, relative to
    the base URL. A centre that turns its extension back on gets them from it, not twice.
    Unlike its extension's, these forward no credential (`CredentialFilter`) and start their
    process without JupyterHub's and Jupyter's tokens in its environment (`CredentialFreeStart`).
    """
    if serverapp.jpserver_extensions.get("jupyter_server_proxy"):
        return []
    config = ServerProxyConfig(parent=serverapp)
    processes = [*config.servers.values(), *get_entrypoint_server_processes()]
    icons = {
        process.name: process.launcher_entry.icon_path
        for process in processes
        if process.launcher_entry.enabled and process.launcher_entry.icon_path
    }
    return [
        *(_narrowed(route) for route in make_handlers("/", processes)),
        ("server-proxy/servers-info", ServersInfoHandler, {"server_processes": processes}),
        ("server-proxy/icon/(.*)", ServerProxyIconHandler, {"icons": icons}),
    ]


class CredentialFreeStart:
    """Mixin for jupyter-server-proxy's supervised servers: start them without credentials.

    jupyter-server-proxy starts a server (code-server, RStudio...) with a copy of the Jupyter
    server's whole environment, JUPYTERHUB_API_TOKEN included. Its command is prefixed with
    `env -u NAME...` for each variable `app_environment` removes from a launched app's
    environment (only names reach the argv, never values).
    """

    def get_cmd(self) -> list[str]:
        command: list[str] = super().get_cmd()  # type: ignore[misc]
        if not command:
            # A server jupyter-server-proxy does not start: nothing to clean.
            return command
        secrets = [_server_token(self.settings.get("serverapp"))]  # type: ignore[attr-defined]
        kept = app_environment(os.environ, secrets)
        unset = [part for name in sorted(os.environ) if name not in kept for part in ("-u", name)]
        return ["env", *unset, "--", *command] if unset else command


def _server_token(serverapp: Any) -> str:
    provider = getattr(serverapp, "identity_provider", None)
    return str(getattr(provider, "token", "") or "")


def _narrowed(route: tuple[Any, ...]) -> tuple[Any, ...]:
    """A route of `make_handlers` whose proxy handler forwards and starts without credentials."""
    pattern, handler, *rest = route
    if not (isinstance(handler, type) and issubclass(handler, ProxyHandler)):
        return route
    mixins: tuple[type, ...] = (CredentialFilter,)
    if issubclass(handler, SuperviseAndProxyHandler):
        mixins = (CredentialFreeStart, *mixins)
    narrowed = type(handler.__name__, (*mixins, handler), {"__doc__": handler.__doc__})
    return (pattern, _authenticated(narrowed), *rest)
