"""Create (idempotently) the users' environment *without* jupyterlab-hpc, for the hub suite.

The hub suite spawns the same hub configuration twice: once with the project's own users'
environment (.venv: JupyterLab, jupyterhub, batchspawner and jupyterlab-hpc) and once with
this one. It is built with our virtualenv's Python, as the anchors' venv is (anchor_env.py),
and holds every distribution installed in ours at our version, except jupyterlab-hpc and
what only it requires (what `pip uninstall` of it and then of its orphaned requirements would
remove: jupyter-server-proxy, simpervisor, nvidia-ml-py), so the two environments differ by
jupyterlab-hpc alone. That includes what our venv has for the tests: it matters, e.g.
jsonschema imports rfc3987 when it is there and otherwise rfc3987-syntax, which builds a
grammar at import (~0.9 s of every server's start here).

Rebuilt only when missing, incomplete, or when the list of pins changed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

from anchor_env import canonical, our_pins, read_marker, run
from packaging.requirements import Requirement

STACK = ("jupyterlab", "jupyter_server", "tornado", "jupyterhub", "batchspawner")
MARKER = "bench-hub-plain.json"
OURS = "jupyterlab-hpc"


def only_ours() -> set[str]:
    """jupyterlab-hpc and what it alone requires (its extras' requirements left out)."""
    requires: dict[str, set[str]] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata.get("Name")
        if not name:
            continue
        reqs = [Requirement(r) for r in dist.requires or []]
        if canonical(name) == OURS:
            reqs = [r for r in reqs if r.marker is None or "extra" not in str(r.marker)]
        requires[canonical(name)] = {canonical(r.name) for r in reqs}
    keep = {canonical(n) for n in STACK}
    gone = {OURS}
    changed = True
    while changed:
        changed = False
        for name in requires:
            if name in gone or name in keep:
                continue
            by = {other for other, reqs in requires.items() if name in reqs}
            if by and by <= gone:
                gone.add(name)
                changed = True
    return gone


def stack_pins(pins: dict[str, str]) -> dict[str, str]:
    wanted = {name: pins.get(name.lower().replace("_", "-")) for name in STACK}
    missing = [name for name, version in wanted.items() if version is None]
    if missing:
        raise SystemExit(f"our venv lacks {missing}: install the project with its `hub` extra")
    return {name: str(version) for name, version in wanted.items()}


def is_current(venv: Path, pins: dict[str, str]) -> bool:
    marker = read_marker(venv, MARKER)
    tools = ("python", "jupyterhub-singleuser", "batchspawner-singleuser")
    return (
        marker is not None
        and marker.get("pins") == pins
        and all((venv / "bin" / tool).exists() for tool in tools)
    )


def installed_versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    names = [*STACK, "jupyterlab-hpc", "jupyter-server-proxy"]
    out = subprocess.run(
        [str(python), "-c", code, *names], check=True, capture_output=True, text=True, timeout=60
    )
    return dict(json.loads(out.stdout))


def build(venv: Path, pins: dict[str, str], left_out: set[str]) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, "-m", "venv", str(venv)])
    requirements = venv / "requirements.txt"
    requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-qq", "-r", str(requirements)])
    versions = installed_versions(python)
    if versions.get(OURS) is not None or versions.get("jupyter-server-proxy") is not None:
        raise SystemExit(f"{venv} has jupyterlab-hpc or jupyter-server-proxy: it must not")
    marker = {"pins": pins, "left_out": sorted(left_out), "versions": versions}
    (venv / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    # The jobs run as the hub's users: the environment must be readable by them.
    venv.chmod(0o755)
    print(f"plain users' environment ready: {venv} (without {', '.join(sorted(left_out))})")


def ensure(venv: Path) -> Path:
    venv = venv.resolve()
    left_out = only_ours()
    pins = {name: v for name, v in our_pins().items() if name not in left_out}
    stack_pins(pins)
    if is_current(venv, pins):
        print(f"plain users' environment up to date: {venv}", flush=True)
    else:
        build(venv, pins, left_out)
    return venv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, required=True, help="the plain environment's folder")
    ensure(parser.parse_args().venv)


if __name__ == "__main__":
    main()
