"""The module testbed itself: what the module tests rely on holds, with Lmod and Tcl modules.

Each check runs the real module command the way jupyterlab-hpc does (`<cmd> python load X`
in a clean environment) and reads its Python output without executing it.
"""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.modules.conftest import BROKEN_MESSAGE, MODULES, SCRIPT, ModuleTree

TOOLS = ["lmod", "tcl"]


def module(
    tree: ModuleTree, tool: str, home: Path, *args: str, modulepath: str | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """`<tool> python <args>` in a clean environment; returns the result and the environment
    the output asks for."""
    command = tree.lmod_cmd if tool == "lmod" else tree.tcl_cmd
    default_path = tree.modulepath if tool == "lmod" else tree.tcl_modulepath
    assert command and default_path, f"the testbed has no {tool}"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "MODULEPATH": modulepath or default_path}
    result = subprocess.run(
        [command, "python", *args], env=env, capture_output=True, text=True, timeout=60
    )
    return result, apply_output(env, result.stdout)


def apply_output(env: dict[str, str], text: str) -> dict[str, str]:
    """env after the `os.environ[K] = V` and `del os.environ[K]` statements of text."""
    changed = dict(env)
    for statement in ast.parse(text).body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript):
            changed[ast.literal_eval(statement.targets[0].slice)] = ast.literal_eval(
                statement.value
            )
        elif isinstance(statement, ast.Delete) and isinstance(statement.targets[0], ast.Subscript):
            changed.pop(ast.literal_eval(statement.targets[0].slice), None)
    return changed


def listed(stderr: str) -> list[str]:
    """The module names of a terse `avail` (both tools list on stderr), headers left out."""
    return sorted(line for line in stderr.split() if not line.endswith((":", "/")))


@pytest.mark.parametrize("tool", TOOLS)
def test_a_kernel_module_brings_its_own_python_and_kernel(
    module_tree: ModuleTree, tool: str, tmp_path: Path
) -> None:
    # when pytorch/2.1 is loaded alone in a clean environment
    result, env = module(module_tree, tool, tmp_path, "load", "pytorch/2.1")
    assert result.returncode == 0, result.stderr
    # then its dependency comes with it, and the variables are those of pytorch/2.1
    assert env["LOADEDMODULES"].split(":") == ["python/3.11", "pytorch/2.1"]
    assert env["TESTBED_MODULE"] == "pytorch/2.1"
    root = module_tree.envs / "pytorch-2.1"
    assert env["PYTORCH_MODULE_ROOT"] == str(root)
    # and the `python` of its PATH is its own venv's, with ipykernel
    answer = subprocess.run(
        ["python", "-c", "import sys, ipykernel; print(sys.prefix)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert answer.stdout.strip() == str(root)
    # and the kernel lies where discovery looks: <first PATH entry>/../share/jupyter/kernels
    first_bin = Path(env["PATH"].split(":")[0])
    spec = json.loads((first_bin.parent / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert spec["argv"][:3] == ["python", "-m", "ipykernel_launcher"]


@pytest.mark.parametrize("tool", TOOLS)
def test_the_broken_module_fails_with_its_message(
    module_tree: ModuleTree, tool: str, tmp_path: Path
) -> None:
    result, env = module(module_tree, tool, tmp_path, "load", "broken/1.0")
    # the tool says the load failed (Lmod also exits 1; modulecmd.tcl exits 0)
    assert "_mlstatus = False" in result.stdout
    assert result.returncode == (1 if tool == "lmod" else 0)
    assert BROKEN_MESSAGE in " ".join(result.stderr.split())
    assert "TESTBED_MODULE" not in env


@pytest.mark.parametrize("tool", TOOLS)
def test_avail_lists_every_module(module_tree: ModuleTree, tool: str, tmp_path: Path) -> None:
    result, _ = module(module_tree, tool, tmp_path, "--terse", "avail")
    assert result.returncode == 0, result.stderr
    assert listed(result.stderr) == MODULES


@pytest.mark.parametrize("version", ["2.17", "2.18"])
def test_each_tensorboard_module_runs_tensorboard(
    module_tree: ModuleTree, version: str, tmp_path: Path
) -> None:
    result, env = module(module_tree, "lmod", tmp_path, "load", f"tensorboard/{version}")
    assert result.returncode == 0, result.stderr
    assert env["TESTBED_MODULE"] == f"tensorboard/{version}"
    answer = subprocess.run(
        ["tensorboard", "--version"], env=env, capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().startswith("2.")


@pytest.mark.parametrize("tool", TOOLS)
def test_a_copy_takes_new_modules_and_leaves_the_tree_alone(
    module_tree: ModuleTree, tool: str, tmp_path: Path
) -> None:
    # given a private copy with one more module
    copy = Path(module_tree.copy(tmp_path, tcl=tool == "tcl"))
    if tool == "lmod":
        (copy / "extra").mkdir()
        (copy / "extra" / "1.0.lua").write_text('setenv("TESTBED_MODULE", "extra/1.0")\n')
    else:
        (copy / "extra").mkdir()
        (copy / "extra" / "1.0").write_text("#%Module1.0\nsetenv TESTBED_MODULE extra/1.0\n")
    # then the copy lists it and loads it, and the shared tree does not have it
    in_copy, _ = module(module_tree, tool, tmp_path, "--terse", "avail", modulepath=str(copy))
    assert listed(in_copy.stderr) == sorted([*MODULES, "extra/1.0"])
    _, env = module(module_tree, tool, tmp_path, "load", "extra/1.0", modulepath=str(copy))
    assert env["TESTBED_MODULE"] == "extra/1.0"
    in_tree, _ = module(module_tree, tool, tmp_path, "--terse", "avail")
    assert listed(in_tree.stderr) == MODULES
    # and a second copy in the same folder is a separate one
    assert module_tree.copy(tmp_path, tcl=tool == "tcl") != str(copy)


def test_every_user_can_read_and_run_the_tree(module_tree: ModuleTree) -> None:
    # The Slurm tests' servers run as a non-root user: every folder must be open to others,
    # every file readable, and what its owner may run, others may run too.
    closed: list[str] = []
    for folder, _, files in os.walk(module_tree.dir):
        for path in [Path(folder), *(Path(folder, name) for name in files)]:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            wanted = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) or mode & 0o100 else 0)
            if mode & wanted != wanted:
                closed.append(f"{path} {stat.filemode(mode)}")
    for parent in module_tree.dir.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            closed.append(f"{parent} (a parent)")
    assert not closed, closed[:20]


def test_tree300_has_300_modules_some_with_kernels(module_tree: ModuleTree, tmp_path: Path) -> None:
    # when the benchmark asks for its synthetic tree
    made = subprocess.run(
        [sys.executable, str(SCRIPT), "tree300", str(tmp_path / "big")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    # then stdout is its MODULEPATH, and Lmod lists 300 modules there
    modulepath = made.stdout.strip()
    assert modulepath == str(tmp_path / "big" / "modulefiles")
    result, _ = module(module_tree, "lmod", tmp_path, "--terse", "avail", modulepath=modulepath)
    assert len(listed(result.stderr)) == 300
    # and a module with a kernel points JUPYTER_PATH at a kernelspec that runs a real python
    _, env = module(module_tree, "lmod", tmp_path, "load", "tool010/2.0", modulepath=modulepath)
    [spec_file] = Path(env["JUPYTER_PATH"].split(":")[0]).glob("kernels/*/kernel.json")
    argv = json.loads(spec_file.read_text())["argv"]
    assert os.access(argv[0], os.X_OK), argv
    kernels = list((tmp_path / "big" / "kernels").glob("*/kernels/*/kernel.json"))
    assert len(kernels) == 30
