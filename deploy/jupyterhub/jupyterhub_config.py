"""JupyterHub on a Slurm cluster, starting each user's JupyterLab (with jupyterlab-hpc) as a job.

This is the configuration `scripts/hub-testbed` runs on the project's one-node Slurm, and the
one docs/admin/jupyterhub-slurm.md explains. Everything site-specific comes from the
environment, so that a centre can read it as a template:

    JUPYTERLAB_HPC_USER_ENV   the users' environment (a virtualenv with jupyterlab-hpc,
                              jupyterhub and batchspawner); jobs run its jupyterhub-singleuser
    HUB_TESTBED_DIR           where the hub keeps its database, cookie secret and logs
    HUB_PORT                  the public port of the proxy (on 127.0.0.1); the hub's API
                              listens on HUB_PORT + 81, the proxy's API on HUB_PORT + 1
    HUB_USERS                 the accounts allowed to log in (comma-separated)
    HUB_CULL_TIMEOUT/EVERY    the idle culler's timeout and period, in seconds
    HUB_ACTIVITY_INTERVAL     how often a single-user server reports its activity, in seconds
    HUB_PROXY_COMMAND         configurable-http-proxy's executable
    SLURM_CONF                the cluster's slurm.conf (Slurm's clients need it)
"""

# `get_config` is given by JupyterHub when it loads this file; the state folder is in /tmp on
# the testbed only.
# ruff: noqa: F821, S108

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import ClassVar

from batchspawner import SlurmSpawner
from traitlets import default

c = get_config()  # type: ignore[name-defined]

USER_ENV = Path(os.environ["JUPYTERLAB_HPC_USER_ENV"])
STATE = Path(os.environ.get("HUB_TESTBED_DIR", "/tmp/jupyterlab-hpc-hub"))
PORT = int(os.environ.get("HUB_PORT", "8000"))
SLURM_CONF = os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf")

# --- The hub, its proxy and its state ----------------------------------------------------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
# The hub's own API and the proxy's API sit beside the public port (8081 and 8001 by default).
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 81}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [os.environ.get("HUB_PROXY_COMMAND", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
# A spawn request answers 202 at once and the spawn page follows the progress; without this,
# JupyterHub 6.1 can answer 500 to a spawn that finishes while the request waits.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
# Log out stops the user's servers, and with them their Slurm jobs.
c.JupyterHub.shutdown_on_logout = True
# Stopping the hub stops the servers (and cancels their jobs); this is JupyterHub's default,
# spelled out because the testbed relies on it.
c.JupyterHub.cleanup_servers = True

# --- Who logs in: PAM, the cluster's own accounts and passwords ---------------------------------
# PAM is what an HPC login node already trusts (the accounts are the Slurm users, and LDAP or
# Kerberos sit behind PAM at most centres); the hub runs as root to check passwords and to
# submit jobs as the user.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {
    name for name in os.environ.get("HUB_USERS", "").split(",") if name
}

# --- Activity and the idle culler ----------------------------------------------------------------
# What counts as activity is what the single-user server reports (kernels, terminals, API calls
# a person makes, apps used through the proxy); jupyterlab-hpc's own polling does not count.
# The proxy's per-route timestamps count every answered request (a meter's poll too), so the
# hub does not read them: `last_activity_interval` is the period of that read, and 0 turns it off.
c.JupyterHub.last_activity_interval = 0
cull_timeout = int(os.environ.get("HUB_CULL_TIMEOUT", "3600"))
cull_every = int(os.environ.get("HUB_CULL_EVERY", "300"))
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={cull_timeout}",
            f"--cull-every={cull_every}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
# A testbed-only admin token, for the tests and the benchmark (read from a 0600 file).
api_token_file = STATE / "api-token"
if api_token_file.exists():
    c.JupyterHub.services.append(
        {"name": "testbed", "api_token": api_token_file.read_text().strip()}
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "testbed",
            "scopes": [
                "admin:users",
                "admin:servers",
                "tokens",
                "access:servers",
                "list:users",
                "read:users",
            ],
            "services": ["testbed"],
        }
    )


# --- The spawner: one Slurm job per server ---------------------------------------------------
class SlurmSessionSpawner(SlurmSpawner):
    """batchspawner's SlurmSpawner with a form for the job's time, memory and CPUs.

    batchspawner copies `user_options` into the batch script as they come, and the hub's REST API
    takes `user_options` without the form: every value is checked against the choices below
    whichever way it arrives, so nothing a user sends reaches the script but those choices.
    """

    CHOICES: ClassVar[dict[str, dict[str, str]]] = {
        "runtime": {"00:30:00": "30 minutes", "01:00:00": "1 hour", "04:00:00": "4 hours"},
        "memory": {"1G": "1 GB", "2G": "2 GB", "4G": "4 GB"},
        "nprocs": {"1": "1 CPU", "2": "2 CPUs"},
    }
    DEFAULTS: ClassVar[dict[str, str]] = {"runtime": "01:00:00", "memory": "2G", "nprocs": "2"}

    @default("options_form")
    def _options_form_default(self) -> str:
        labels = {"runtime": "Time limit", "memory": "Memory", "nprocs": "CPUs"}
        fields = []
        for key, choices in self.CHOICES.items():
            options = "".join(
                f'<option value="{value}"{" selected" if value == self.DEFAULTS[key] else ""}>'
                f"{label}</option>"
                for value, label in choices.items()
            )
            fields.append(
                f'<div class="form-group"><label for="hpc-{key}">{labels[key]}</label>'
                f'<select class="form-control" id="hpc-{key}" name="{key}">{options}</select></div>'
            )
        return "\n".join(fields)

    def options_from_form(self, formdata: dict[str, list[str]]) -> dict[str, str]:
        return {key: (formdata.get(key) or [""])[0] for key in self.CHOICES}

    def _checked_options(self) -> dict[str, str]:
        given = dict(self.user_options or {})
        unknown = sorted(set(given) - set(self.CHOICES))
        if unknown:
            raise ValueError(f"Unknown job options: {', '.join(unknown)}.")
        checked = {}
        for key, choices in self.CHOICES.items():
            value = str(given.get(key) or self.DEFAULTS[key])
            if value not in choices:
                raise ValueError(f"{key} must be one of {', '.join(choices)}, not {value!r}.")
            checked[key] = value
        return checked

    async def start(self):  # type: ignore[no-untyped-def]
        self.user_options = self._checked_options()
        return await super().start()


c.JupyterHub.spawner_class = SlurmSessionSpawner
c.SlurmSpawner.batch_script = """#!/bin/bash
#SBATCH --output={{homedir}}/.jupyterhub_slurmspawner_%j.log
#SBATCH --job-name=jupyterhub-{{username}}
#SBATCH --chdir={{homedir}}
#SBATCH --export={{keepvars}}
#SBATCH --time={{runtime}}
#SBATCH --mem={{memory}}
#SBATCH --cpus-per-task={{nprocs}}
set -euo pipefail
trap 'echo SIGTERM received' TERM
{{srun}} {{cmd}}
"""
# No sudo on these nodes: runuser submits as the user and keeps the environment below.
c.SlurmSpawner.exec_prefix = "/usr/sbin/runuser -u {username} --"
c.SlurmSpawner.batchspawner_singleuser_cmd = str(USER_ENV / "bin" / "batchspawner-singleuser")
c.Spawner.cmd = [str(USER_ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# A server's token may stop its own server (End Session in JupyterLab); the first two scopes are
# JupyterHub's default for it. Without the third, End Session cancels the server's Slurm job.
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "delete:servers!server",
]
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
# The hub's own environment does not reach sbatch: what the job needs is given here, and
# `--export` passes it on into the job.
c.Spawner.environment = {
    "SLURM_CONF": SLURM_CONF,
    "PATH": f"{USER_ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTERHUB_ACTIVITY_INTERVAL": os.environ.get("HUB_ACTIVITY_INTERVAL", "300"),
    # The culler's timeout, so that JupyterLab warns the user before the server is stopped.
    "JUPYTERHUB_CULL_TIMEOUT": str(cull_timeout),
}
# The centre's banner and the sandbox badge are read from the server's environment; set them in
# the hub's environment (or here) and every user's server gets them.
for name in ("JUPYTERLAB_TOPBAR_MESSAGE", "JUPYTERLAB_TOPBAR_LEVEL", "JUPYTERLAB_HPC_SANDBOX"):
    if name in os.environ:
        c.Spawner.environment[name] = os.environ[name]
# Environment modules: a job started without a login shell has no MODULEPATH (nor LMOD_CMD; the
# server finds Debian's Lmod by itself). The centre's module tree, for kernels found in modules
# and the modules apps load.
for name in ("MODULEPATH", "LMOD_CMD", "MODULES_CMD", "MODULESHOME"):
    if os.environ.get(name):
        c.Spawner.environment[name] = os.environ[name]
if not re.fullmatch(r"[0-9]+", os.environ.get("HUB_ACTIVITY_INTERVAL", "300")):
    raise SystemExit("HUB_ACTIVITY_INTERVAL must be a whole number of seconds")
