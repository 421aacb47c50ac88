"""Launched apps: one instance per app and endpoint, started, watched and stopped here.

A launch never blocks the event loop: it checks the user's text, starts the process and answers
at once ("starting"); a task watches the app until it answers ("running"), fails to ("failed",
with its exit code and the reason) or exits later ("exited"). The proxy routes wait for that
task before they forward a request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import shlex
import shutil
import socket
import tempfile
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import aiohttp
from jupyter_core.paths import jupyter_runtime_dir

from ..modules.system import ModuleError, ModuleSystem
from .app_modules import LOAD_FAILED, ModuleChoiceError, choose, missing_system_reason
from .args import ArgumentError, expand_value, parse_arguments, validate_env
from .catalogue import unavailable_reason
from .config import ARGS_ITEM
from .environment import app_environment
from .leftovers import (
    describe,
    family_of,
    left_behind,
    log_reclaimed,
    remove_record,
    this_server,
    write_record,
)
from .logdir import resolve_log_dir
from .process import AppProcess, end_family

# What `GET …/log` answers: the end of the log, enough for any traceback.
LOG_TAIL_BYTES = 64 * 1024
# How long one readiness request may take before it counts as "not yet".
PROBE_TIMEOUT_S = 2.0

STARTING, RUNNING, STOPPING, EXITED, FAILED = "starting", "running", "stopping", "exited", "failed"
ALIVE = (STARTING, RUNNING)


class LaunchError(Exception):
    """A launch refused before anything ran; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(eq=False)
class Instance:
    """One app on one endpoint, from its launch to its end."""

    name: str
    title: str
    endpoint: int
    url: str
    args: str
    env: dict[str, str]
    port: int
    unix_socket: str | None
    log_path: Path
    started: datetime
    open_query: str | None = None
    # The environment modules loaded before it started, in load order.
    modules: list[str] = field(default_factory=list)
    state: str = STARTING
    message: str | None = None
    process: AppProcess | None = None
    socket_dir: str | None = None
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    watcher: asyncio.Task[None] | None = None
    # The record that lets the next server stop this app if this one is killed.
    record: Path | None = None

    @property
    def exit_code(self) -> int | None:
        return self.process.exit_code if self.process is not None else None

    def describe(self, base_url: str, websocket_base: str | None = None) -> dict[str, Any]:
        """The instance as the API shows it: names of variables, never their values."""
        open_url = self.url
        if self.open_query:
            websocket_url = f"{websocket_base}{self.url}" if websocket_base else self.url
            query = self.open_query.format(
                port=self.port,
                base_url=base_url,
                endpoint=self.endpoint,
                websocket_url=websocket_url,
            )
            open_url = f"{self.url}?{query}"
        return {
            "name": self.name,
            "title": self.title,
            "endpoint": self.endpoint,
            "url": self.url,
            "open_url": open_url,
            "state": self.state,
            "pid": self.process.pid if self.process is not None else None,
            "started": self.started.isoformat(timespec="seconds"),
            "exit_code": self.exit_code,
            "message": self.message,
            "args": self.args,
            "env_names": sorted(self.env),
            "modules": list(self.modules),
            "log_url": f"{base_url}jupyterlab-hpc/apps/{self.name}/{self.endpoint}/log",
        }


class AppManager:
    """Every launched instance of this server, keyed by (app, endpoint)."""

    def __init__(
        self,
        apps: Mapping[str, Mapping[str, Any]],
        *,
        root_dir: str,
        base_url: str,
        shutdown_grace_s: float,
        log: logging.Logger | logging.LoggerAdapter[Any],
        log_dir: str = "",
        modules: ModuleSystem | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        """log_dir: c.HPCApps.log_dir as configured ("": the runtime folder's); modules: the
        module system apps' `modules` are loaded with (None: there is none)."""
        self.apps = apps
        self.root_dir = root_dir
        self.base_url = base_url
        default_dir = Path(jupyter_runtime_dir()) / "jupyterlab-hpc-apps"
        self.log_dir = resolve_log_dir(log_dir, default_dir, log=log)
        self.modules = modules
        self.shutdown_grace_s = shutdown_grace_s
        self.log = log
        # The server's token: no variable holding it reaches an app.
        self.secrets = tuple(secrets)
        # Where running apps are recorded, for the next server if this one is killed: always
        # the runtime folder, whatever the log folder, so a changed log_dir loses no record.
        self.records_dir = default_dir / "running"
        self._instances: dict[tuple[str, int], Instance] = {}
        self._closing: asyncio.Future[None] | None = None
        # One launch or stop at a time per endpoint: a double click starts one app.
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    def url(self, name: str, endpoint: int) -> str:
        """Where the app is served: {base_url}<name>/<endpoint>/."""
        return f"{self.base_url}{name}/{endpoint}/"

    def get(self, name: str, endpoint: int) -> Instance | None:
        return self._instances.get((name, endpoint))

    def instances(self) -> list[Instance]:
        return sorted(self._instances.values(), key=lambda i: (i.name, i.endpoint))

    def app(self, name: str, endpoint: int) -> Mapping[str, Any]:
        """The catalogue entry; LaunchError 404 for an unknown app or endpoint."""
        app = self.apps.get(name)
        if app is None:
            raise LaunchError(404, f"There is no app named {name!r}.")
        if not 0 <= endpoint < app["endpoints"]:
            last = app["endpoints"] - 1
            which = f"endpoints 0 to {last}" if last else "one endpoint, 0"
            raise LaunchError(404, f"{app['title']} has {which}, not {endpoint}.")
        return app

    async def launch(
        self, name: str, endpoint: int, args: object, env: object, *, modules: object = None
    ) -> Instance:
        """Start the app on the endpoint (restarting one launched differently); answer at once.

        `modules`: the version chosen for each of the app's modules (None: the configured ones).
        """
        app = self.app(name, endpoint)
        key = (name, endpoint)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            prepared = await self._prepare(app, args, env, modules)
            current = self._instances.get(key)
            if current is not None and current.state in ALIVE:
                settings = (prepared["args"], prepared["user_env"], prepared["modules"])
                if (current.args, current.env, current.modules) == settings:
                    return current
                self.log.info("Relaunching %s on endpoint %d with new settings", name, endpoint)
            if current is not None:
                await self._stop(current)
                # Ended: a start refused below must not leave it listed, "stopping" for ever.
                del self._instances[key]
            instance = await self._start(name, endpoint, app, prepared)
            self._instances[key] = instance
            return instance

    async def stop(self, name: str, endpoint: int) -> None:
        """Shut the endpoint's app down (group SIGTERM, then SIGKILL) and forget it."""
        self.app(name, endpoint)
        key = (name, endpoint)
        async with self._locks.setdefault(key, asyncio.Lock()):
            instance = self._instances.pop(key, None)
            if instance is not None:
                await self._stop(instance)

    async def close(self) -> None:
        """Stop every app: the server is shutting down.

        A second call (SIGTERM during `jupyter server stop`'s own shutdown) waits for the first
        to finish: the server must not exit while an app is still being stopped.
        """
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        instances = list(self._instances.values())
        self._instances.clear()
        results = await asyncio.gather(*(self._stop(i) for i in instances), return_exceptions=True)
        for instance, result in zip(instances, results):
            if isinstance(result, BaseException):
                self.log.error("Stopping %s failed: %r", instance.name, result)

    async def reclaim(self) -> None:
        """Stop the apps that servers killed before they could stop them left running here."""
        for path, record in left_behind(self.records_dir):
            family = family_of(record)
            if family:
                log_reclaimed(self.log, record, len(family))
                find = functools.partial(family_of, record)
                if not await end_family(find, self.shutdown_grace_s):
                    self.log.info("%s ignored SIGTERM: killed it", describe(record))
            remove_record(path)

    def environment(self) -> dict[str, str]:
        """The server's environment as apps see it: Jupyter's and JupyterHub's credentials out."""
        return app_environment(os.environ, self.secrets)

    def log_tail(self, name: str, endpoint: int) -> bytes:
        """The end of the endpoint's log; LaunchError 404 when it was never launched."""
        app = self.app(name, endpoint)
        path = self._log_path(name, endpoint)
        try:
            with path.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - LOG_TAIL_BYTES))
                return log.read()
        except FileNotFoundError:
            raise LaunchError(
                404, f"{app['title']} was not launched on endpoint {endpoint}: no log yet."
            ) from None

    # -- launching --------------------------------------------------------------------------

    async def _prepare(
        self, app: Mapping[str, Any], args: object, env: object, modules: object
    ) -> dict[str, Any]:
        """The user's text checked and expanded, the modules loaded; LaunchError saying why not.

        400 for what the user or the admin can fix, 422 with the module tool's own words when
        a module does not load.
        """
        if args is None:
            args = ""
        if env is None:
            env = {}
        if not isinstance(args, str):
            raise LaunchError(400, "The arguments must be text, as typed in a shell.")
        reason = missing_system_reason(self.modules, app)
        if reason is not None:
            raise LaunchError(400, f"{app['title']} cannot start here: {reason}")
        try:
            chosen = await choose(self.modules, app, modules)
        except ModuleChoiceError as error:
            raise LaunchError(error.status, error.message) from None
        # $VAR in the user's text expands from what the app itself gets: no credentials, and
        # what its modules set (the command is looked for on their PATH, too).
        server_env = await self._load(app, chosen)
        reason = unavailable_reason(app["command"][0], server_env)
        if reason is not None and chosen and os.sep not in app["command"][0]:
            reason = (
                f"{app['command'][0]} is not found on the PATH of the modules "
                f"{', '.join(chosen)}, nor on this server's."
            )
        if reason is not None:
            raise LaunchError(400, f"{app['title']} cannot start here: {reason}")
        home = os.path.expanduser("~")
        try:
            user_env = validate_env(env, env=server_env, home=home, cwd=self.root_dir)
            words = parse_arguments(
                args, env={**server_env, **user_env}, home=home, cwd=self.root_dir
            )
        except ArgumentError as error:
            raise LaunchError(400, error.message) from None
        # The folder is checked here, before a running instance is stopped for a relaunch: a
        # refused relaunch leaves the running app alone. (The app's own variables count with
        # their placeholders unfilled; a folder that needs {port} makes no sense.)
        cwd = self._cwd(app, {**server_env, **app["environment"], **user_env})
        return {
            "args": args,
            "user_env": user_env,
            "words": words,
            "cwd": cwd,
            "env": server_env,
            "modules": chosen,
        }

    async def _load(self, app: Mapping[str, Any], chosen: list[str]) -> dict[str, str]:
        """The server's environment for apps, with the chosen modules loaded on top.

        No purge: what the user loaded (jupyterlmod's panel changes the server's own
        environment) stays loaded for the app too.
        """
        env = self.environment()
        if not chosen:
            return env
        assert self.modules is not None  # missing_system_reason said there is one
        try:
            return await self.modules.load(env, chosen, purge=False)
        except ModuleError as error:
            raise LaunchError(
                LOAD_FAILED,
                f"{app['title']} cannot start: loading {', '.join(chosen)} failed.\n"
                f"{error.message}",
            ) from None

    async def _start(
        self, name: str, endpoint: int, app: Mapping[str, Any], prepared: dict[str, Any]
    ) -> Instance:
        socket_dir = None
        unix_socket = None
        port = 0
        if app["unix_socket"]:
            # A private folder (0700): nobody else on the node can connect to the socket.
            socket_dir = tempfile.mkdtemp(prefix=f"jupyterlab-hpc-{name}-")
            unix_socket = os.path.join(socket_dir, "socket")
        else:
            port = _free_port()
        fields = {
            "port": port,
            "unix_socket": unix_socket or "",
            "base_url": self.base_url,
            "endpoint": endpoint,
        }
        argv: list[str] = []
        for item in app["command"]:
            if item == ARGS_ITEM:
                argv.extend(prepared["words"])
            else:
                argv.append(item.format(**fields))
        env = dict(prepared["env"])
        env.update({key: value.format(**fields) for key, value in app["environment"].items()})
        env.update(prepared["user_env"])
        cwd = prepared["cwd"]
        instance = Instance(
            name=name,
            title=app["title"],
            endpoint=endpoint,
            url=self.url(name, endpoint),
            args=prepared["args"],
            env=prepared["user_env"],
            port=port,
            unix_socket=unix_socket,
            log_path=self._log_path(name, endpoint),
            started=datetime.now(timezone.utc),
            open_query=app.get("open_query"),
            modules=prepared["modules"],
            socket_dir=socket_dir,
            message=f"Starting {app['title']} on endpoint {endpoint}…",
        )
        output = self._open_log(instance, argv, cwd)
        try:
            process = AppProcess(
                f"{name}/{endpoint}",
                argv,
                env=env,
                cwd=cwd,
                output=output,
                ready_func=lambda _: _answers(instance),
                ready_timeout=app["timeout"],
                log=self.log,
            )
            try:
                await process.start()
            except OSError as error:
                _remove(socket_dir)
                raise LaunchError(
                    400, f"{app['title']} could not be started: {error.strerror or error}."
                ) from None
        finally:
            # The child has its own copy of the file; ours is not needed.
            output.close()
        instance.process = process
        instance.record = self._write_record(instance)
        instance.watcher = asyncio.ensure_future(self._watch(instance, app["timeout"]))
        self.log.info("Started %s on endpoint %d (pid %s)", name, endpoint, process.pid)
        return instance

    def _cwd(self, app: Mapping[str, Any], env: Mapping[str, str]) -> str:
        """Where the app runs: its configured folder (expanded) or the server's root."""
        if not app["cwd"]:
            return self.root_dir
        try:
            folder = expand_value(
                app["cwd"],
                env=env,
                home=os.path.expanduser("~"),
                cwd=self.root_dir,
                what=f"The folder of {app['title']}",
            )
        except ArgumentError as error:
            raise LaunchError(400, error.message) from None
        path = os.path.join(self.root_dir, os.path.expanduser(folder))
        if not os.path.isdir(path):
            raise LaunchError(
                400,
                f"{app['title']} runs in {folder} ({app['cwd']}), which is not a folder here.",
            )
        return path

    def _write_record(self, instance: Instance) -> Path | None:
        process = instance.process
        assert process is not None
        record = {
            "name": instance.name,
            "endpoint": instance.endpoint,
            "pid": process.pid,
            # The app is the leader of its own session and process group.
            "sid": process.pid,
            "pgid": process.pid,
            "create_time": process.create_time,
            "mark": process.mark,
            **this_server(),
        }
        try:
            return write_record(self.records_dir, f"{instance.name}-{instance.endpoint}", record)
        except OSError as error:
            self.log.warning("Cannot record %s in %s: %s", instance.name, self.records_dir, error)
            return None

    def _log_path(self, name: str, endpoint: int) -> Path:
        return self.log_dir / f"{name}-{endpoint}.log"

    def _open_log(self, instance: Instance, argv: list[str], cwd: str) -> IO[bytes]:
        """The instance's log, emptied, readable by the user only, headed by what is run."""
        self.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(instance.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        output = os.fdopen(fd, "wb")
        header = f"[jupyterlab-hpc] {instance.started.isoformat(timespec='seconds')} in {cwd}\n"
        if instance.modules:
            header += f"[jupyterlab-hpc] modules loaded: {' '.join(instance.modules)}\n"
        header += f"[jupyterlab-hpc] $ {shlex.join(argv)}\n"
        output.write(header.encode("utf-8", "replace"))
        output.flush()
        return output

    async def _watch(self, instance: Instance, timeout_s: float) -> None:
        """Follow the instance from its start to its end."""
        process = instance.process
        assert process is not None
        try:
            ready = await process.ready()
        except Exception:  # a broken probe must not leave the instance "starting" forever
            self.log.exception("Readiness check of %s failed", instance.name)
            ready = False
        if ready and instance.state == STARTING:
            instance.state, instance.message = RUNNING, None
        elif instance.state == STARTING:
            if process.exited.is_set():
                instance.message = (
                    f"{instance.title} exited with code {process.exit_code} before it answered."
                )
            else:
                instance.message = (
                    f"{instance.title} did not answer within {timeout_s:g} s and was stopped."
                )
                await process.stop(self.shutdown_grace_s)
            instance.state = FAILED
            _remove(instance.socket_dir)
        instance.settled.set()
        await process.exited.wait()
        # Exited, and what it left is ended (the process's own watch): nothing to reclaim.
        remove_record(instance.record)
        if instance.state == RUNNING:
            instance.state = EXITED
            instance.message = f"{instance.title} exited with code {process.exit_code}."
            _remove(instance.socket_dir)

    async def _stop(self, instance: Instance) -> None:
        process = instance.process
        if process is not None and not process.exited.is_set():
            instance.state = STOPPING
            await process.stop(self.shutdown_grace_s)
        if instance.watcher is not None:
            instance.watcher.cancel()
        instance.settled.set()
        remove_record(instance.record)
        _remove(instance.socket_dir)
        self.log.info("Stopped %s on endpoint %d", instance.name, instance.endpoint)


async def _answers(instance: Instance) -> bool:
    """Whether the app answers HTTP at all (any status: an error page is the app's to show).

    A plain connection attempt comes first: while the app is not listening yet (most of its
    start) a refused connect is all each check costs.
    """
    if instance.unix_socket is not None:
        if not os.path.exists(instance.unix_socket):
            return False
        if not await _accepts(asyncio.open_unix_connection(instance.unix_socket)):
            return False
        connector: aiohttp.BaseConnector = aiohttp.UnixConnector(path=instance.unix_socket)
        url = "http://localhost/"
    else:
        if not await _accepts(asyncio.open_connection("127.0.0.1", instance.port)):
            return False
        connector = aiohttp.TCPConnector()
        url = f"http://127.0.0.1:{instance.port}/"
    timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            async with session.get(url, allow_redirects=False) as response:
                return response.status > 0
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


async def _accepts(
    connecting: Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
) -> bool:
    """Whether a connection is accepted (and then closed at once)."""
    try:
        _, writer = await asyncio.wait_for(connecting, PROBE_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True


def _free_port() -> int:
    """A port free on 127.0.0.1 now (the app binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _remove(folder: str | None) -> None:
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
