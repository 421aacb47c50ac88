"""Kernels inside environment modules, found live by a real server through the real Lmod.

The trees are written by each test (Lua modulefiles, kernelspec folders, a `python` that is this
test's interpreter, which has ipykernel); tests/modules/test_module_kernels_run.py runs kernels
of the testbed's real virtualenvs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from jupyter_core.paths import jupyter_path
from tornado.httpclient import HTTPClientError

from jupyterlab_hpc.modules.kernels import ModuleKernels
from jupyterlab_hpc.modules.system import ModuleSystem
from tests.modules.trees import lmod_command, python_bin, write_kernel, write_modules
from tests.support import load_golden, shape_mismatches

DEADLINE_S = 90.0


class Tree:
    """A module tree under tmp_path: python/3.11 and pytorch/2.1 (depends on it) hold kernels
    through the PATH they add, julia/1.10 through JUPYTER_PATH; gcc/12 has none; broken/1.0
    never loads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modulepath = root / "modulefiles"
        py = python_bin(root / "envs" / "py311" / "bin")
        torch = python_bin(root / "envs" / "torch" / "bin")
        self.python_bins = {"python/3.11": py, "pytorch/2.1": torch}
        write_kernel(root / "envs" / "py311" / "share" / "jupyter" / "kernels" / "python3")
        (root / "envs/py311/share/jupyter/kernels/python3/logo-64x64.png").write_bytes(b"PNG64")
        write_kernel(root / "envs" / "torch" / "share" / "jupyter" / "kernels" / "python3")
        julia = root / "julia" / "kernels" / "julia-1.10"
        write_kernel(julia, "Julia 1.10.0")
        spec = json.loads((julia / "kernel.json").read_text())
        spec["argv"][0] = sys.executable
        spec["language"] = "julia"
        (julia / "kernel.json").write_text(json.dumps(spec))
        self.write(
            {
                "python/3.11": (
                    f'setenv("TESTBED_MODULE", "python/3.11")\nprepend_path("PATH", "{py}")\n'
                ),
                "pytorch/2.1": (
                    'depends_on("python/3.11")\nsetenv("TESTBED_MODULE", "pytorch/2.1")\n'
                    f'prepend_path("PATH", "{torch}")\n'
                ),
                "julia/1.10": f'prepend_path("JUPYTER_PATH", "{root / "julia"}")\n',
                "gcc/12": 'setenv("GCC_HOME", "/opt/gcc")\n',
                "broken/1.0": 'LmodError("broken/1.0: the licence server does not answer")\n',
            }
        )

    def write(self, modules: dict[str, str]) -> None:
        write_modules(self.modulepath, modules)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path / "tree")


@pytest.fixture
def ttl_s() -> float:
    return 900.0


@pytest.fixture
def hpc_config(tree: Tree, ttl_s: float) -> dict[str, Any]:
    return {
        "HPCModules": {
            "command": lmod_command(),
            "modulepath": str(tree.modulepath),
            "kernel_cache_ttl": ttl_s,
        }
    }


Fetch = Callable[..., Awaitable[Any]]


async def get_json(jp_fetch: Fetch, *path: str) -> Any:
    return json.loads((await jp_fetch(*path)).body)


async def discovered(hpc_app: Any) -> dict[str, Any]:
    """The first discovery's outcome (it runs in the background from the server's start)."""
    deadline = time.monotonic() + DEADLINE_S
    while hpc_app.module_kernels.state.refreshed_at is None:
        assert time.monotonic() < deadline, "no discovery finished"
        await asyncio.sleep(0.05)
    return dict(hpc_app.module_kernels.describe())


async def kernelspecs(jp_fetch: Fetch) -> dict[str, Any]:
    answer = await get_json(jp_fetch, "api", "kernelspecs")
    return {name: item["spec"] for name, item in answer["kernelspecs"].items()}


async def test_module_kernels_are_listed_beside_the_others(
    hpc_app: Any, jp_fetch: Fetch, tree: Tree
) -> None:
    await discovered(hpc_app)
    specs = await kernelspecs(jp_fetch)
    shown = {name: spec["display_name"] for name, spec in specs.items()}
    # The server's own kernels stay.
    assert shown["python3"] == "Python 3 (ipykernel)"
    assert {name: shown[name] for name in shown if name.startswith("module-")} == {
        "module-python-3.11-python3": "Python 3 (python/3.11)",
        "module-pytorch-2.1-python3": "Python 3 (pytorch/2.1)",
        "module-julia-1.10-julia-1.10": "Julia 1.10.0 (julia/1.10)",
    }
    # The module's own interpreter, not the server's: pytorch's kernel is its venv's python,
    # though python/3.11's folder is reachable through pytorch's dependency too.
    torch = specs["module-pytorch-2.1-python3"]
    assert torch["argv"][0] == str(tree.python_bins["pytorch/2.1"] / "python")
    assert torch["metadata"]["kernel_provisioner"] == {
        "provisioner_name": "jupyterlab-hpc-modules",
        "config": {"modules": ["pytorch/2.1"]},
    }
    assert torch["metadata"]["debugger"] is True
    assert specs["module-julia-1.10-julia-1.10"]["language"] == "julia"


async def test_the_kernels_logo_is_served(hpc_app: Any, jp_fetch: Fetch) -> None:
    await discovered(hpc_app)
    logo = await jp_fetch("kernelspecs", "module-python-3.11-python3", "logo-64x64.png")
    assert logo.body == b"PNG64"


async def test_modules_answer_lists_modules_kernels_and_failures(
    hpc_app: Any, jp_fetch: Fetch
) -> None:
    await discovered(hpc_app)
    answer = await get_json(jp_fetch, "jupyterlab-hpc", "modules")
    assert answer["available"] is True
    assert answer["kind"] == "lmod"
    assert sorted(answer["modules"]) == [
        "broken/1.0",
        "gcc/12",
        "julia/1.10",
        "python/3.11",
        "pytorch/2.1",
    ]
    assert {k["name"]: k["module"] for k in answer["kernels"]} == {
        "module-julia-1.10-julia-1.10": "julia/1.10",
        "module-python-3.11-python3": "python/3.11",
        "module-pytorch-2.1-python3": "pytorch/2.1",
    }
    [failed] = answer["failed"]
    assert failed["module"] == "broken/1.0"
    assert "the licence server does not answer" in failed["message"]
    assert answer["ttl_s"] == 900.0
    assert shape_mismatches(load_golden("modules.json"), answer) == []
    info = await get_json(jp_fetch, "jupyterlab-hpc", "info")
    assert info["features"]["modules"] is True


async def test_refresh_finds_a_module_added_since(
    hpc_app: Any, jp_fetch: Fetch, tree: Tree
) -> None:
    await discovered(hpc_app)
    python_bin(tree.root / "envs" / "r" / "bin")
    write_kernel(tree.root / "envs" / "r" / "share" / "jupyter" / "kernels" / "ir", "R")
    tree.write({"r/4.3": f'prepend_path("PATH", "{tree.root / "envs" / "r" / "bin"}")\n'})
    assert "module-r-4.3-ir" not in await kernelspecs(jp_fetch)
    answer = json.loads(
        (
            await jp_fetch(
                "jupyterlab-hpc", "modules", "kernels", "refresh", method="POST", body=b""
            )
        ).body
    )
    assert {"name": "module-r-4.3-ir", "display_name": "R (r/4.3)", "module": "r/4.3"} in answer[
        "kernels"
    ]
    assert (await kernelspecs(jp_fetch))["module-r-4.3-ir"]["display_name"] == "R (r/4.3)"


@pytest.mark.parametrize("ttl_s", [1.0])
async def test_within_the_ttl_a_new_module_appears_and_a_removed_one_goes(
    hpc_app: Any, jp_fetch: Fetch, tree: Tree
) -> None:
    """No restart, no refresh command: the admin's change shows within the TTL."""
    await discovered(hpc_app)
    write_kernel(tree.root / "extra" / "kernels" / "py-extra", "Python 3 (extra)")
    spec_file = tree.root / "extra" / "kernels" / "py-extra" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec["argv"][0] = sys.executable
    spec_file.write_text(json.dumps(spec))
    tree.write({"extra/1.0": f'prepend_path("JUPYTER_PATH", "{tree.root / "extra"}")\n'})
    (tree.modulepath / "julia" / "1.10.lua").unlink()
    deadline = time.monotonic() + DEADLINE_S
    while True:
        names = set(await kernelspecs(jp_fetch))
        if "module-extra-1.0-py-extra" in names and "module-julia-1.10-julia-1.10" not in names:
            break
        assert time.monotonic() < deadline, f"still {sorted(names)}"
        await asyncio.sleep(0.2)


async def test_a_module_whose_modulefiles_did_not_change_is_not_loaded_again(
    hpc_app: Any, jp_fetch: Fetch, tree: Tree, tmp_path: Path
) -> None:
    """Every TTL costs one `avail` (the server has no module loaded: no purge is needed) and a
    load of what changed (or failed) only."""
    command, calls = counting_command(tmp_path)
    await discovered(hpc_app)
    hpc_app.modules.command = command

    async def refresh() -> list[str]:
        calls.write_text("")
        await jp_fetch("jupyterlab-hpc", "modules", "kernels", "refresh", method="POST", body=b"")
        return calls.read_text().splitlines()

    # A module that failed to load is tried again (its admin may have fixed it).
    assert sorted(await refresh()) == ["--terse avail", "load broken/1.0"]
    # pytorch/2.1's dependency changed: pytorch is loaded again, and python/3.11 itself.
    modulefile = tree.modulepath / "python" / "3.11.lua"
    modulefile.write_text(modulefile.read_text() + 'setenv("CHANGED", "1")\n')
    os.utime(modulefile, (time.time() + 5, time.time() + 5))
    assert sorted(await refresh()) == [
        "--terse avail",
        "load broken/1.0",
        "load python/3.11",
        "load pytorch/2.1",
    ]


async def test_a_kernel_whose_module_no_longer_loads_fails_at_once_with_lmods_message(
    hpc_app: Any, jp_fetch: Fetch, tree: Tree
) -> None:
    """Never a kernel left "starting": the session request fails and says why."""
    await discovered(hpc_app)
    tree.write({"python/3.11": 'LmodError("python/3.11 was withdrawn by the admins")\n'})
    body = {
        "path": "a.ipynb",
        "type": "notebook",
        "name": "a.ipynb",
        "kernel": {"name": "module-python-3.11-python3"},
    }
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    assert failure.value.code == 500
    assert failure.value.response is not None
    message = json.loads(failure.value.response.body)["message"]
    assert "loading python/3.11 failed" in message
    assert "python/3.11 was withdrawn by the admins" in message
    assert await get_json(jp_fetch, "api", "kernels") == []
    assert await get_json(jp_fetch, "api", "sessions") == []


async def test_a_server_without_a_module_system_says_why(
    jp_fetch: Fetch, hpc_app: Any, tmp_path: Path
) -> None:
    hpc_app.modules.reason = "No environment module system was found"
    answer = await get_json(jp_fetch, "jupyterlab-hpc", "modules")
    assert answer["available"] is False
    assert answer["reason"] == "No environment module system was found"
    with pytest.raises(HTTPClientError) as failure:
        await jp_fetch("jupyterlab-hpc", "modules", "kernels", "refresh", method="POST", body=b"")
    assert failure.value.code == 409


async def test_module_kernels_stay_when_jupyterlmod_resets_the_kernel_folders(
    hpc_app: Any, jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    """jupyterlmod sets kernel_dirs = jupyter_path("kernels") after a load changing
    JUPYTER_PATH; the module kernels must not vanish with it."""
    await discovered(hpc_app)
    jp_serverapp.kernel_spec_manager.kernel_dirs = jupyter_path("kernels")
    assert "module-pytorch-2.1-python3" in await kernelspecs(jp_fetch)


def counting_command(tmp_path: Path) -> tuple[list[str], Path]:
    """Debian's Lmod behind a script that notes each call's arguments in a file."""
    calls = tmp_path / "calls"
    calls.write_text("")
    wrapper = tmp_path / "lmod-counting"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {" ".join(lmod_command())} "$@"\n')
    wrapper.chmod(0o755)
    return [str(wrapper)], calls


def test_the_next_server_of_the_user_starts_from_the_kept_scans(tree: Tree, tmp_path: Path) -> None:
    """A new session (a new Slurm job) does not load every module again: the scans the last
    server kept are used where the modulefiles did not change."""
    command, calls = counting_command(tmp_path)
    cache = tmp_path / "cache" / "module-scans.json"

    def discover() -> tuple[list[str], list[str]]:
        kernels = ModuleKernels(
            ModuleSystem(command, modulepath=str(tree.modulepath)),
            spec_dir=tmp_path / "specs",
            ttl_s=900,
            log=logging.getLogger("test"),
            cache_file=cache,
        )
        calls.write_text("")
        state = asyncio.run(kernels.refresh())
        return sorted(k.name for k in state.kernels), sorted(calls.read_text().splitlines())

    first_kernels, first_calls = discover()
    assert "load pytorch/2.1" in first_calls
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    kernels, later_calls = discover()
    assert kernels == first_kernels
    assert later_calls == ["--terse avail", "load broken/1.0"]
    # A modulefile changed in between: that module is loaded again.
    modulefile = tree.modulepath / "julia" / "1.10.lua"
    os.utime(modulefile, (time.time() + 5, time.time() + 5))
    assert "load julia/1.10" in discover()[1]
    # A cache of another module path is not used.
    other = tmp_path / "other"
    shutil.copytree(tree.modulepath, other)
    tree.modulepath = other
    assert "load pytorch/2.1" in discover()[1]
