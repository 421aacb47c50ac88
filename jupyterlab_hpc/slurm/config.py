"""Admin settings for the Slurm job panel."""

from __future__ import annotations

from typing import Any

from traitlets import Dict, Float, Int, List, TraitError, Unicode, validate
from traitlets.config import Configurable


class HPCSlurm(Configurable):
    """How often this server may ask Slurm, how long it waits, how far history goes back."""

    poll_interval = Float(
        15.0,
        help="""Minimum seconds between two `squeue` calls of this Jupyter server (15).

        Every browser tab of the server shares one cached job list: however many tabs
        poll, slurmctld sees at most one `squeue` per interval for the user's jobs (and one
        more when someone asks for the whole queue). After a failure the server waits up to
        4 times longer before it asks again. Cancel, hold, release and submit refresh the
        list at once.
        """,
    ).tag(config=True)

    command_timeout = Float(
        10.0,
        help="""Seconds a Slurm command (squeue, sbatch, scontrol, sacct...) may run (10).

        A command still running then is killed and the request fails with a timeout. Slurm's
        clients wait about 9 s for a controller that does not answer before they give up:
        keep this above that, so users see Slurm's own error message.
        """,
    ).tag(config=True)

    history_days = Int(
        7,
        help="""Days of finished jobs the job history shows by default (7).

        History comes from `sacct` (slurmdbd), or from `sacct -c` where the cluster only
        keeps a job completion file (JobCompType=jobcomp/filetxt).
        """,
    ).tag(config=True)

    queue_cache_dir = Unicode(
        "",
        help="""The cluster's shared queue list, read instead of `squeue -u` ("": none).

        Where hundreds of servers share one slurmctld, run the writer once for the cluster, as
        root: `jupyterlab-hpc-slurm-cache --dir /var/cache/jupyterlab-hpc/slurm --interval 15`
        (one `squeue` of the whole queue per interval; each user's jobs in a file only they
        can read) and point every server at the same folder. A server then asks slurmctld
        nothing for its user's jobs. It uses the list only while the folder and the stamp
        are root's and writable by no one else, and the list is at most three intervals old;
        otherwise it runs its own squeue (and logs why once).
        """,
    ).tag(config=True)

    templates = List(
        Dict(),
        default_value=[],
        help="""Batch script templates offered by the New job form ([]).

        Each is a dict: `name` (shown in the form, unique), `description` (one line), `script`
        (the body written after the form's `#SBATCH` lines; `{{key}}` placeholders take the
        form's values: job_name, partition, time, nodes, ntasks, cpus_per_task, mem, gpus,
        account, qos, output, or a key of the template's own `defaults`) and `defaults`
        (optional, form values as strings, e.g. {"time": "01:00:00", "ntasks": "4"}).
        Example: `{"name": "Python script", "description": "srun python main.py",
        "script": "module load python\nsrun python {{script}}\n", "defaults": {"script":
        "main.py"}}`.
        """,
    ).tag(config=True)

    @validate("templates")
    def _validate_templates(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        checked: list[dict[str, Any]] = []
        for index, template in enumerate(proposal["value"]):
            where = f"HPCSlurm.templates[{index}]"
            if not isinstance(template, dict):
                raise TraitError(f"{where} must be a dict, not {type(template).__name__}.")
            unknown = sorted(set(template) - {"name", "description", "script", "defaults"})
            if unknown:
                raise TraitError(f"{where} has unknown keys: {', '.join(unknown)}.")
            for key in ("name", "script"):
                value = template.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise TraitError(f"{where}['{key}'] must be a non-empty string.")
            description = template.get("description", "")
            if not isinstance(description, str):
                raise TraitError(f"{where}['description'] must be a string.")
            defaults = template.get("defaults", {})
            if not isinstance(defaults, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in defaults.items()
            ):
                raise TraitError(f"{where}['defaults'] must map strings to strings.")
            if any(other["name"] == template["name"] for other in checked):
                raise TraitError(f"{where}: a template named {template['name']!r} comes before.")
            checked.append(
                {
                    "name": template["name"],
                    "description": description,
                    "script": template["script"],
                    "defaults": dict(defaults),
                }
            )
        return checked

    @validate("poll_interval", "command_timeout")
    def _validate_seconds(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        # inf would never ask Slurm again; nan compares false with everything.
        if not 0 < value < float("inf"):
            name = proposal["trait"].name
            raise TraitError(f"HPCSlurm.{name} must be > 0 seconds, not {value}.")
        return value

    @validate("history_days")
    def _validate_history_days(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError(f"HPCSlurm.history_days must be at least 1, not {value}.")
        return value
