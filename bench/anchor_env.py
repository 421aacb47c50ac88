"""Create (idempotently) the virtualenv that runs the anchors.

The anchors are jupyter-resource-usage, jupyter-power-usage and jupyterlab-slurm, side by
side in one venv (they do not conflict; each anchor server disables the others' extensions).

Run with *our* virtualenv's Python. Every distribution installed there (except our own
package and the packaging tools) becomes a pin in a constraints file, and the anchor venv
gets ``jupyterlab`` (same server extensions as ours) plus the latest release of each
anchor from the package index, so the only difference between the servers is the
extension under test.

The venv is rebuilt only when it is missing, incomplete, when the list of anchors changed,
or when the pins of the shared server stack (jupyter_server, tornado, jupyterlab) changed.
Delete the folder to force a fresh install, e.g. to pick up newer anchor releases.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

ANCHOR_DISTS = ("jupyter-resource-usage", "jupyter-power-usage", "jupyterlab-slurm")
STACK = ("jupyter_server", "tornado", "jupyterlab")
SKIP = {"jupyterlab-hpc", "jupyterlab_hpc", "pip", "setuptools", "wheel"}
MARKER = "bench-anchor.json"


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def our_pins() -> dict[str, str]:
    """``name -> version`` of every distribution in the interpreter running this script."""
    pins: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata.get("Name")
        if name and canonical(name) not in SKIP:
            pins[canonical(name)] = dist.version
    return pins


def stack_pins(pins: dict[str, str]) -> dict[str, str]:
    missing = [p for p in STACK if canonical(p) not in pins]
    if missing:
        raise SystemExit(f"our venv lacks {missing}; cannot pin the anchor's server stack")
    return {p: pins[canonical(p)] for p in STACK}


def read_marker(venv: Path, name: str = MARKER) -> dict[str, object] | None:
    """The JSON object the venv's builder left in `name`, or None (absent, unreadable)."""
    try:
        data = json.loads((venv / name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(venv: Path, stack: dict[str, str]) -> bool:
    marker = read_marker(venv)
    python = venv / "bin" / "python"
    return (
        marker is not None
        and marker.get("stack") == stack
        and marker.get("anchors") == list(ANCHOR_DISTS)
        and python.exists()
    )


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, timeout=900)


def installed_versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys;"
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    names = [*ANCHOR_DISTS, *STACK, "psutil", "prometheus_client", "py3nvml"]
    out = subprocess.run(
        [str(python), "-c", code, *names], check=True, capture_output=True, text=True, timeout=60
    )
    return dict(json.loads(out.stdout))


def build(venv: Path, pins: dict[str, str], stack: dict[str, str]) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, "-m", "venv", str(venv)])
    constraints = venv / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
    python = venv / "bin" / "python"
    pinned_stack = [f"{n}=={v}" for n, v in stack.items()]
    pip = [str(python), "-m", "pip", "install", "-qq", "-c", str(constraints)]
    run([*pip, *ANCHOR_DISTS, *pinned_stack])
    versions = installed_versions(python)
    marker = {"stack": stack, "anchors": list(ANCHOR_DISTS), "versions": versions}
    (venv / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    names = ", ".join(f"{d} {versions[d]}" for d in ANCHOR_DISTS)
    print(f"anchor venv ready: {venv} ({names})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, required=True, help="anchor venv folder")
    args = parser.parse_args()
    venv: Path = args.venv.resolve()
    pins = our_pins()
    stack = stack_pins(pins)
    if is_current(venv, stack):
        print(f"anchor venv up to date: {venv}", flush=True)
        return
    build(venv, pins, stack)


if __name__ == "__main__":
    main()
