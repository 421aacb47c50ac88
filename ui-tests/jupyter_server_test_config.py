"""Jupyter server configuration of the Galata UI tests.

The memory meter reads a fake cgroup v2 tree built here, so what it shows is
known in advance; the tests then change the tree's files to drive the meter.
"""

from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is injected by the config loader)
# CI runs as root on a throwaway machine.
c.ServerApp.allow_root = True  # noqa: F821
# Galata deletes its temporary test folders through the contents API: delete them, rather than
# move them to the Trash of whoever runs the tests (jupyter_server's default).
c.FileContentsManager.delete_to_trash = False  # noqa: F821

GIB = 1024**3
HERE = Path(__file__).resolve().parent
# The fake cgroup tree; the tests write its memory.current (see tests/memory.spec.ts).
CGROUP_ROOT = HERE / ".jupyter-tmp" / "cgroup"
job = CGROUP_ROOT / "job"
job.mkdir(parents=True, exist_ok=True)
(job / "memory.max").write_text(f"{5 * GIB}\n")
(job / "memory.current").write_text(f"{int(1.2 * GIB)}\n")

c.HPCMemory.cgroup_root = str(CGROUP_ROOT)  # noqa: F821
c.HPCMemory.cgroup_path = "job"  # noqa: F821
c.HPCPower.sample_interval = 1  # noqa: F821

# Power and emissions: a running RAPL tree, four fake GPUs of which the job sees
# two (1 and 2), and a local replay of the éCO2mix API (see fake_hardware.py).
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, str(HERE))
import fake_hardware  # noqa: E402

POWERCAP_ROOT = HERE / ".jupyter-tmp" / "powercap"
fake_hardware.start_powercap(POWERCAP_ROOT)
os.environ["CUDA_VISIBLE_DEVICES"] = "1,2"
os.environ.pop("SLURM_JOB_GPUS", None)
os.environ.pop("SLURM_STEP_GPUS", None)
c.HPCPower.powercap_root = str(POWERCAP_ROOT)  # noqa: F821
c.HPCPower.attribution = "node"  # noqa: F821
c.HPCPower.gpu_backend = "nvidia-smi"  # noqa: F821
c.HPCPower.nvidia_smi = str(fake_hardware.FAKE_NVIDIA_SMI)  # noqa: F821
c.HPCEmissions.provider = "rte-eco2mix"  # noqa: F821
c.HPCEmissions.url = fake_hardware.start_grid_api()  # noqa: F821

# Slurm: the project's testbed (scripts/slurm-testbed, started by `make test-ui`).
os.environ.setdefault("SLURM_CONF", "/tmp/jupyterlab-hpc-testbed/etc/slurm.conf")
c.HPCSlurm.poll_interval = 1  # noqa: F821
# A centre's template for the New job form: its defaults fill the form's fields and its own.
c.HPCSlurm.templates = [  # noqa: F821
    {
        "name": "Sleep a while",
        "description": "Hold two CPUs for a while.",
        "script": "sleep {{seconds}}\n",
        "defaults": {"seconds": "90", "time": "00:05:00", "cpus_per_task": "2"},
    }
]

# Apps: the shipped catalogue (MLflow, code-server… whose programs this machine lacks: their
# tiles say why; TensorBoard comes from its environment module, below), plus the project's
# small test app (tests/apps/testapp.py) and one that always crashes at start; the shipped Dask
# dashboard answers on a free port of this machine.
from jupyterlab_hpc.apps.catalogue import DEFAULT_DASHBOARDS  # noqa: E402

TESTAPP = HERE.parent / "tests" / "apps" / "testapp.py"
c.HPCApps.apps.update(  # noqa: F821
    {
        "testapp": {
            "title": "Test app",
            "command": [sys.executable, str(TESTAPP), "--port", "{port}", "{args}"],
            "args_hint": "Any arguments; they are shown at /record.",
            "timeout": 20,
        },
        "crashapp": {
            "title": "Crashing app",
            "command": [sys.executable, str(TESTAPP), "--port", "{port}", "--crash", "{args}"],
            "endpoints": 1,
        },
    }
)
c.HPCApps.documentation = [  # noqa: F821
    {"title": "Jean Zay documentation", "url": "https://www.idris.fr/eng/jean-zay/"}
]
c.HPCApps.shutdown_grace = 2  # noqa: F821
c.HPCApps.dashboards.update(  # noqa: F821
    {"dask": {**DEFAULT_DASHBOARDS["dask"], "default_port": fake_hardware.start_dashboard()}}
)

# Banner (tests/banner.spec.ts): the admin's maintenance notice, and sandbox mode whatever this
# machine's namespaces are. No JUPYTERHUB_* variables: the hub buttons are simulated there.
c.HPCBanner.text = "Maintenance on Tuesday 1 December, 08:00-18:00: save your work."  # noqa: F821
c.HPCBanner.level = "warning"  # noqa: F821
c.HPCSandbox.enabled = True  # noqa: F821
for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_API_URL", "JUPYTERLAB_TOPBAR_MESSAGE"):
    os.environ.pop(name, None)

# Filesystems: WORK and SCRATCH in a throwaway tree are the allowed roots and the defaults
# (this machine's $HOME is neither); tests/filesystems.spec.ts mounts WORK/project.
FILESYSTEMS = HERE / ".jupyter-tmp" / "filesystems"
for folder in ("work/project", "scratch", "private"):
    (FILESYSTEMS / folder).mkdir(parents=True, exist_ok=True)
(FILESYSTEMS / "work" / "project" / "input.csv").write_text("a,b\n1,2\n")
c.HPCFilesystems.allowed_roots = [str(FILESYSTEMS / "work"), str(FILESYSTEMS / "scratch")]  # noqa: F821
c.HPCFilesystems.defaults = [  # noqa: F821
    {"name": "WORK", "url": f"osfs://{FILESYSTEMS / 'work'}"},
    {"name": "SCRATCH", "url": f"osfs://{FILESYSTEMS / 'scratch'}"},
]

# Environment modules (tests/modules.spec.ts): a copy of the module testbed's tree
# (scripts/modules-testbed, started by `make test-ui`), which the tests change. Beside the
# testbed's modules, two wait outside the tree (modules/extra) for the tests to add them:
# "galata/1.0" and "fragile/1.0", each with a kernel of its own (a kernels folder on
# JUPYTER_PATH, run by python/3.11's venv); the tests break fragile's modulefile after its
# kernel is found. The kernel cache keeps its default TTL (15 minutes): only a refresh shows a
# module added meanwhile.
# TensorBoard, shipped, is loaded from the tensorboard/2.18 module.
import shutil  # noqa: E402
import subprocess  # noqa: E402

from jupyterlab_hpc.apps.catalogue import DEFAULT_APPS  # noqa: E402

MODULES = HERE / ".jupyter-tmp" / "modules"
MODULES_TESTBED = HERE.parent / "scripts" / "modules-testbed"
testbed = subprocess.run(
    [sys.executable, str(MODULES_TESTBED), "status"], capture_output=True, text=True, check=False
)
if testbed.returncode == 0:
    TESTBED_MODULEFILES = Path(testbed.stdout.strip().splitlines()[-1])
    MODULEFILES = MODULES / "modulefiles"
    shutil.rmtree(MODULES, ignore_errors=True)
    shutil.copytree(TESTBED_MODULEFILES, MODULEFILES)
    VENV_PYTHON = TESTBED_MODULEFILES.parent / "envs" / "python-3.11" / "bin" / "python"
    for name in ("fragile", "galata"):
        kernel = MODULES / f"{name}-kernels" / "kernels" / name
        kernel.mkdir(parents=True)
        (kernel / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [
                        str(VENV_PYTHON),
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                    ],
                    "display_name": "Python 3",
                    "language": "python",
                }
            )
        )
        modulefile = MODULES / "extra" / name
        modulefile.mkdir(parents=True)
        (modulefile / "1.0.lua").write_text(
            f'setenv("TESTBED_MODULE", "{name}/1.0")\n'
            f'prepend_path("JUPYTER_PATH", "{MODULES / f"{name}-kernels"}")\n'
        )
    os.environ["MODULEPATH"] = str(MODULEFILES)
    c.HPCModules.modulepath = str(MODULEFILES)  # noqa: F821
    c.HPCApps.apps.update(  # noqa: F821
        {"tensorboard": {**DEFAULT_APPS["tensorboard"], "modules": ["tensorboard/2.18"]}}
    )
else:
    print(f"jupyter_server_test_config: no module tree: {testbed.stdout.strip()}", file=sys.stderr)

# Idle time (tests/idle.spec.ts): the hub's culler stops idle servers after an hour; the spec
# asks for its notification two hours ahead, so it shows at once.
c.HPCIdle.cull_timeout = 3600  # noqa: F821
