"""Tcl Environment Modules (Debian's modulecmd.tcl, unpacked by the testbed) through the same code.

Debian's environment-modules conflicts with lmod, so the testbed unpacks its package beside
Lmod rather than installing it; modulecmd.tcl runs from there with the system's tclsh.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from jupyterlab_hpc.modules.system import ModuleError, ModuleSystem
from tests.modules.conftest import BROKEN_MESSAGE, MODULES, ModuleTree


@pytest.fixture
def tcl(module_tree: ModuleTree) -> ModuleSystem:
    if module_tree.tcl_cmd is None:
        pytest.skip("the module testbed has no Tcl Environment Modules")
    system = ModuleSystem(
        [module_tree.tcl_cmd, "python"], modulepath=module_tree.tcl_modulepath, timeout_s=60
    )
    assert system.kind == "tcl"
    return system


def test_avail_lists_the_tcl_tree(tcl: ModuleSystem) -> None:
    assert asyncio.run(tcl.avail()) == MODULES


def test_load_purge_and_dependencies(tcl: ModuleSystem, module_tree: ModuleTree) -> None:
    env = asyncio.run(tcl.load(dict(os.environ), ["gcc/12", "pytorch/2.1"], purge=False))
    assert env["LOADEDMODULES"].split(":") == ["gcc/12", "python/3.11", "pytorch/2.1"]
    assert env["PATH"].split(":")[0] == str(module_tree.envs / "pytorch-2.1" / "bin")
    clean = asyncio.run(tcl.load(env, ["python/3.11"], purge=True))
    assert clean["LOADEDMODULES"] == "python/3.11"
    assert clean["TESTBED_MODULE"] == "python/3.11"
    assert str(module_tree.envs / "pytorch-2.1" / "bin") not in clean["PATH"].split(":")


def test_a_failing_load_raises_its_message(tcl: ModuleSystem) -> None:
    """modulecmd.tcl exits 0 on a failed load; `_mlstatus = False` says it failed."""
    with pytest.raises(ModuleError) as failure:
        asyncio.run(tcl.load(dict(os.environ), ["broken/1.0"], purge=True))
    assert BROKEN_MESSAGE in failure.value.message
