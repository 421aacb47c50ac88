"""A small client of the hub testbed (scripts/hub-testbed), for the deployment tests and bench/.

The testbed is JupyterHub with batchspawner's SlurmSpawner and the idle culler on the local
Slurm; everything about one running hub is found in its state folder, $HUB_TESTBED_DIR
(/tmp/jupyterlab-hpc-hub by default): settings.json (port, users, culler settings),
logins.json (each user's password) and api-token (the testbed's admin service token).

    hub = Hub.from_dir()                        # raises TestbedMissing, with the reason
    hub.spawn("ada", runtime="01:00:00", memory="2G", nprocs="2")
    hub.wait_ready("ada")
    ada = hub.client("ada")                     # the user's API token, through the proxy
    ada.get("jupyterlab-hpc/info").json()
    browser = hub.login("ada")                  # cookies, as a browser after the login page
    browser.get(hub.user_url("ada", "lab"))
    hub.stop("ada"); hub.wait_stopped("ada")

Node checks (the hub, Slurm and the servers run on this one machine): `hub.jobs(user)` asks
squeue, `user_processes(user)` and `marked_processes()` look at /proc (root reads every
process' environment).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import psutil
import requests

DEFAULT_DIR = "/tmp/jupyterlab-hpc-hub"
SLURM_TESTBED_DIR = os.environ.get("SLURM_TESTBED_DIR", "/tmp/jupyterlab-hpc-testbed")
# Generous for a loaded 2-core CI machine: a spawn is sbatch, the job's start, the server's.
SPAWN_TIMEOUT_S = 180.0
# A stop is one scancel; the spawner then waits for the job to leave the queue.
STOP_TIMEOUT_S = 120.0
HTTP_TIMEOUT_S = 60.0
# What a launched app's processes carry in their environment (jupyterlab_hpc.apps.process).
APP_MARK = "JUPYTERLAB_HPC_APP_ID"
# The job options the testbed's spawner form offers.
RUNTIMES = ("00:30:00", "01:00:00", "04:00:00")
MEMORIES = ("1G", "2G", "4G")
NPROCS = ("1", "2")

T = TypeVar("T")


class TestbedMissing(Exception):
    """No hub testbed answers at $HUB_TESTBED_DIR; the message says what is missing."""

    __test__ = False  # not a test class, whatever pytest's name rule says


def wait_until(
    condition: Callable[[], T | None],
    what: str,
    timeout_s: float,
    *,
    every_s: float = 0.5,
    last: Callable[[], object] | None = None,
) -> T:
    """The first truthy answer of `condition`; AssertionError naming `what` at the deadline.

    `last` describes the state at the deadline for the failure message (e.g. the server model).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            state = f": {last()}" if last is not None else ""
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s{state}")
        time.sleep(every_s)


@dataclass(frozen=True)
class Job:
    """One line of squeue."""

    id: str
    name: str
    user: str
    state: str


@dataclass
class Hub:
    """One running hub testbed, as its state folder describes it."""

    state_dir: Path
    url: str
    users: list[str]
    logins: dict[str, str] = field(repr=False)
    token: str = field(repr=False)
    cull_timeout_s: int
    cull_every_s: int
    activity_interval_s: int
    slurm_conf: str

    @classmethod
    def from_dir(cls, state_dir: str | Path | None = None) -> Hub:
        """The hub of `state_dir` ($HUB_TESTBED_DIR by default), if it answers."""
        folder = Path(state_dir or os.environ.get("HUB_TESTBED_DIR") or DEFAULT_DIR)
        try:
            settings = json.loads((folder / "settings.json").read_text())
            logins = dict(json.loads((folder / "logins.json").read_text()))
            token = (folder / "api-token").read_text().strip()
        except (OSError, ValueError) as error:
            raise TestbedMissing(f"no hub testbed in {folder} ({error})") from None
        hub = cls(
            state_dir=folder,
            url=f"http://127.0.0.1:{int(settings['HUB_PORT'])}",
            users=[name for name in settings["HUB_USERS"].split(",") if name],
            logins=logins,
            token=token,
            cull_timeout_s=int(settings["HUB_CULL_TIMEOUT"]),
            cull_every_s=int(settings["HUB_CULL_EVERY"]),
            activity_interval_s=int(settings["HUB_ACTIVITY_INTERVAL"]),
            slurm_conf=os.environ.get("SLURM_CONF") or f"{SLURM_TESTBED_DIR}/etc/slurm.conf",
        )
        if not hub.answers():
            raise TestbedMissing(f"the hub of {folder} does not answer at {hub.url}/hub/api/")
        return hub

    # --- the hub's REST API, with the testbed's admin token ------------------------------------

    def answers(self) -> bool:
        """Whether the hub's API answers through the proxy."""
        try:
            return requests.get(f"{self.url}/hub/api/", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """One call to /hub/api/<path> with the admin token (no status check)."""
        return requests.request(
            method,
            f"{self.url}/hub/api/{path.lstrip('/')}",
            json=body,
            headers={"Authorization": f"token {self.token}"},
            timeout=HTTP_TIMEOUT_S,
        )

    def user_model(self, user: str) -> dict[str, Any]:
        response = self.api("GET", f"users/{quote(user)}")
        response.raise_for_status()
        return dict(response.json())

    def server(self, user: str) -> dict[str, Any] | None:
        """The user's default server as the hub sees it (pending, ready, state...), or None."""
        return self.user_model(user)["servers"].get("")

    def spawn(
        self, user: str, *, runtime: str = "01:00:00", memory: str = "2G", nprocs: str = "2"
    ) -> None:
        """Ask the hub to start the user's server as a Slurm job (answers at once)."""
        options = {"runtime": runtime, "memory": memory, "nprocs": nprocs}
        response = self.api("POST", f"users/{quote(user)}/server", options)
        assert response.status_code in (201, 202), (response.status_code, response.text)

    def wait_ready(self, user: str, timeout_s: float = SPAWN_TIMEOUT_S) -> dict[str, Any]:
        """The server model once the hub says it is ready; fails if the spawn failed."""

        def ready() -> dict[str, Any] | None:
            server = self.server(user)
            if server is None:
                raise AssertionError(f"{user}'s spawn failed: {self.log_tail()}")
            return server if server["ready"] else None

        return wait_until(
            ready, f"{user}'s server ready", timeout_s, last=lambda: self.server(user)
        )

    def start(self, user: str, **options: str) -> dict[str, Any]:
        """Spawn (after stopping a server left running) and wait until it is ready."""
        self.ensure_stopped(user)
        self.spawn(user, **options)
        return self.wait_ready(user)

    def stop(self, user: str) -> None:
        """Ask the hub to stop the user's server (nothing when none runs)."""
        response = self.api("DELETE", f"users/{quote(user)}/server")
        assert response.status_code in (202, 204, 400, 404), (response.status_code, response.text)

    def wait_stopped(self, user: str, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Until the hub has no server for the user (stopped, culled, or never started)."""
        wait_until(
            lambda: self.server(user) is None,
            f"{user}'s server stopped",
            timeout_s,
            last=lambda: self.server(user),
        )

    def ensure_stopped(self, user: str) -> None:
        """Stop the user's server if any, wait, and cancel the user's jobs: a clean slate."""
        server = self.server(user)
        if server is not None:
            if server["pending"]:
                # A spawn in progress cannot be stopped yet: let it finish first.
                wait_until(
                    lambda: not (self.server(user) or {}).get("pending"),
                    f"{user}'s pending spawn settled",
                    SPAWN_TIMEOUT_S,
                )
            self.stop(user)
            self.wait_stopped(user)
        self.cancel_jobs(user)

    def touch(self, user: str) -> None:
        """Tell the hub the user's server is active now, as the server itself reports it."""
        now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        body = {"last_activity": now, "servers": {"": {"last_activity": now}}}
        response = self.api("POST", f"users/{quote(user)}/activity", body)
        assert response.status_code in (200, 204, 404), (response.status_code, response.text)

    @contextmanager
    def kept_alive(self, *users: str, every_s: float = 15) -> Iterator[None]:
        """The users' servers are not culled as idle during the block (activity every_s).

        For tests that are not about culling, on a hub whose culler timeout is short.
        """
        stopping = threading.Event()

        def touch() -> None:
            while not stopping.wait(every_s):
                for user in users:
                    try:
                        self.touch(user)
                    except (AssertionError, requests.RequestException):
                        pass

        thread = threading.Thread(target=touch, name="hub keep-alive", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stopping.set()
            thread.join(HTTP_TIMEOUT_S)

    def user_token(self, user: str, note: str = "deployment test") -> str:
        """A new API token of the user (expires in an hour)."""
        response = self.api(
            "POST", f"users/{quote(user)}/tokens", {"note": note, "expires_in": 3600}
        )
        assert response.status_code in (200, 201), (response.status_code, response.text)
        return str(response.json()["token"])

    def client(self, user: str) -> UserClient:
        """An HTTP client of the user's server through the proxy, with a new user token."""
        return UserClient(self, user, self.user_token(user))

    def login(self, user: str) -> Browser:
        """A cookie session logged in through /hub/login with the user's password."""
        browser = Browser(self)
        browser.log_in(user, self.logins[user])
        return browser

    def user_url(self, user: str, path: str = "") -> str:
        """The public URL of `path` under /user/<user>/."""
        return f"{self.url}/user/{quote(user)}/{path.lstrip('/')}"

    def log_tail(self, lines: int = 40) -> str:
        """The end of the hub's log, for failure messages."""
        try:
            text = (self.state_dir / "jupyterhub.log").read_text(errors="replace")
        except OSError:
            return "(no hub log)"
        return "\n".join(text.splitlines()[-lines:])

    # --- Slurm, as root ---------------------------------------------------------------------

    def jobs(self, user: str) -> list[Job]:
        """The user's jobs in the queue (every state squeue shows)."""
        result = subprocess.run(
            ["squeue", "--noheader", "--user", user, "--format=%i|%j|%u|%T"],
            env={**os.environ, "SLURM_CONF": self.slurm_conf},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return [Job(*line.split("|", 3)) for line in result.stdout.splitlines() if line.strip()]

    def session_jobs(self, user: str) -> list[Job]:
        """The jobs the hub started for the user (named jupyterhub-<user>)."""
        return [job for job in self.jobs(user) if job.name == f"jupyterhub-{user}"]

    def scancel(self, *job_ids: str) -> None:
        """Cancel these jobs (as root; unknown ids are no error)."""
        subprocess.run(
            ["scancel", *job_ids],
            env={**os.environ, "SLURM_CONF": self.slurm_conf},
            capture_output=True,
            timeout=60,
            check=False,
        )

    def cancel_jobs(self, user: str) -> None:
        """Cancel every job of the user and wait until the queue has none."""
        subprocess.run(
            ["scancel", "--user", user],
            env={**os.environ, "SLURM_CONF": self.slurm_conf},
            capture_output=True,
            timeout=60,
            check=False,
        )
        wait_until(
            lambda: not self.jobs(user),
            f"{user}'s jobs gone",
            STOP_TIMEOUT_S,
            last=lambda: self.jobs(user),
        )


class UserClient:
    """Requests to /user/<owner>/... through the proxy with one user's API token.

    `owner` defaults to the token's user; another user's name asks for their server with this
    token (what the two-user tests do).
    """

    def __init__(self, hub: Hub, user: str, token: str) -> None:
        self.hub = hub
        self.user = user
        self.token = token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def url(self, path: str, owner: str | None = None) -> str:
        return self.hub.user_url(owner or self.user, path)

    def request(
        self, method: str, path: str, *, owner: str | None = None, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        return self.session.request(method, self.url(path, owner), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def websocket_headers(self) -> list[str]:
        """Headers for a websocket to the user's server (give origin=hub.url besides)."""
        return [f"Authorization: token {self.token}"]

    # --- launched apps (jupyterlab-hpc/apps) ---------------------------------------------------

    def launch(self, name: str, endpoint: int = 0, args: str = "") -> dict[str, Any]:
        """Launch an app of the catalogue and wait until it runs; answers its instance."""
        response = self.post(f"jupyterlab-hpc/apps/{name}/{endpoint}", {"args": args, "env": {}})
        assert response.status_code == 202, (response.status_code, response.text)
        return self.wait_app(name, endpoint)

    def app_instance(self, name: str, endpoint: int = 0) -> dict[str, Any] | None:
        response = self.get("jupyterlab-hpc/apps/running")
        response.raise_for_status()
        for instance in response.json()["instances"]:
            if (instance["name"], instance["endpoint"]) == (name, endpoint):
                return dict(instance)
        return None

    def wait_app(self, name: str, endpoint: int = 0, timeout_s: float = 90) -> dict[str, Any]:
        def running() -> dict[str, Any] | None:
            instance = self.app_instance(name, endpoint)
            if instance is not None and instance["state"] not in ("starting", "running"):
                raise AssertionError(f"{name}/{endpoint} did not start: {instance}")
            return instance if instance is not None and instance["state"] == "running" else None

        return wait_until(running, f"{name}/{endpoint} running", timeout_s)


class Browser:
    """A cookie session that logged in through the hub's login page, as a browser does."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.session = requests.Session()
        self.user: str | None = None

    def log_in(self, user: str, password: str) -> None:
        """GET /hub/login (its form's _xsrf), then POST the form; fails unless logged in."""
        page = self.get(f"{self.hub.url}/hub/login")
        assert page.status_code == 200, (page.status_code, page.text[:500])
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
        assert xsrf, f"no _xsrf field in the login form: {page.text[:500]}"
        response = self.session.post(
            f"{self.hub.url}/hub/login",
            data={"username": user, "password": password, "_xsrf": xsrf.group(1)},
            timeout=HTTP_TIMEOUT_S,
        )
        assert response.status_code == 200, (response.status_code, response.text[:500])
        assert urlsplit(response.url).path != "/hub/login", (
            f"the hub refused {user}'s login: {response.text[:500]}"
        )
        self.user = user

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        return self.session.get(url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request as the page's script sends it: the cookies, and X-XSRFToken for changes."""
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        headers = dict(kwargs.pop("headers", None) or {})
        xsrf = self.xsrf_cookie(urlsplit(url).path)
        if xsrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-XSRFToken", xsrf)
        return self.session.request(method, url, headers=headers, **kwargs)

    def xsrf_cookie(self, path: str) -> str | None:
        """The _xsrf cookie a page of `path` would send (the single-user server's or the hub's)."""
        best: tuple[int, str] | None = None
        for cookie in self.session.cookies:
            if cookie.name == "_xsrf" and path.startswith(cookie.path or "/"):
                length = len(cookie.path or "/")
                if best is None or length > best[0]:
                    best = (length, str(cookie.value))
        return best[1] if best else None

    def cookie_header(self, path: str) -> str:
        """The Cookie header a browser would send to `path` (for websockets)."""
        return "; ".join(
            f"{cookie.name}={cookie.value}"
            for cookie in self.session.cookies
            if path.startswith(cookie.path or "/")
        )

    def cookie_names(self) -> set[str]:
        return {cookie.name for cookie in self.session.cookies}

    def log_out(self) -> requests.Response:
        """GET /hub/logout, as the Log out command opens it; answers the page it ends on."""
        return self.get(f"{self.hub.url}/hub/logout")


# --- processes on the node (as root) ------------------------------------------------------------


def user_processes(user: str) -> list[psutil.Process]:
    """Every live process owned by `user` (zombies aside: they are already gone)."""
    found = []
    for process in psutil.process_iter(["username", "status"]):
        if process.info["username"] == user and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def describe(processes: list[psutil.Process]) -> str:
    """pid and command line of each process, for failure messages."""
    lines = []
    for process in processes:
        try:
            lines.append(f"{process.pid} {process.username()} {' '.join(process.cmdline())}")
        except psutil.Error:
            lines.append(f"{process.pid} (gone)")
    return "\n".join(lines) or "(none)"


def environment(pid: int) -> dict[str, str]:
    """The environment a process started with (/proc/<pid>/environ; root reads any)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}


def marked_processes(mark: str | None = None, user: str | None = None) -> list[psutil.Process]:
    """Live processes whose environment has the app mark (this value, when given)."""
    found = []
    for process in psutil.process_iter(["username", "status"]):
        if user is not None and process.info["username"] != user:
            continue
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            value = environment(process.pid).get(APP_MARK)
        except OSError:
            continue
        if value is not None and (mark is None or value == mark):
            found.append(process)
    return found


def app_processes(pid: int) -> tuple[str, list[int]]:
    """An app's mark and the pids of its family (the app and its descendants), now."""
    mark = environment(pid)[APP_MARK]
    return mark, [process.pid for process in marked_processes(mark)]


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@contextmanager
def started(hub: Hub, user: str, **options: str) -> Iterator[dict[str, Any]]:
    """The user's server, ready, for the block; stopped and its jobs cancelled after, always."""
    try:
        yield hub.start(user, **options)
    finally:
        hub.ensure_stopped(user)
