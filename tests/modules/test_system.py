"""The module system through Debian's real Lmod: load, purge, dependencies, failures, avail."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from jupyterlab_hpc.modules.system import ModuleError, ModuleSystem, detect_command
from tests.modules.trees import lmod_command, write_modules

TREE = {
    "python/3.11": (
        'setenv("TESTBED_MODULE", "python/3.11")\nprepend_path("PATH", "/opt/py311/bin")\n'
    ),
    "python/3.12": (
        'setenv("TESTBED_MODULE", "python/3.12")\nprepend_path("PATH", "/opt/py312/bin")\n'
    ),
    "pytorch/2.1": (
        'depends_on("python/3.11")\nsetenv("TESTBED_MODULE", "pytorch/2.1")\n'
        'prepend_path("PATH", "/opt/torch/bin")\n'
    ),
    "gcc/12": 'setenv("GCC_HOME", "/opt/gcc")\n',
    "broken/1.0": 'LmodError("broken/1.0: the licence server does not answer")\n',
}


@pytest.fixture
def system(tmp_path: Path) -> ModuleSystem:
    modulepath = write_modules(tmp_path / "modulefiles", TREE)
    return ModuleSystem(lmod_command(), modulepath=modulepath, timeout_s=60)


def base_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}


def test_load_gives_the_module_environment_with_its_dependencies(system: ModuleSystem) -> None:
    env = asyncio.run(system.load(base_env(), ["pytorch/2.1"], purge=True))
    assert env["LOADEDMODULES"].split(":") == ["python/3.11", "pytorch/2.1"]
    assert env["PATH"].split(":")[:2] == ["/opt/torch/bin", "/opt/py311/bin"]
    assert env["TESTBED_MODULE"] == "pytorch/2.1"
    assert env["HOME"] == base_env()["HOME"]


def test_purge_removes_what_was_loaded_before(system: ModuleSystem) -> None:
    """A kernel's environment: what the server had loaded is gone, the rest stays."""
    loaded = asyncio.run(system.load(base_env(), ["gcc/12", "python/3.12"], purge=False))
    assert loaded["GCC_HOME"] == "/opt/gcc"
    clean = asyncio.run(system.load(loaded, ["python/3.11"], purge=True))
    assert "GCC_HOME" not in clean
    assert clean["LOADEDMODULES"] == "python/3.11"
    assert "/opt/py312/bin" not in clean["PATH"].split(":")
    assert clean["PATH"].split(":")[0] == "/opt/py311/bin"


def test_without_purge_what_was_loaded_stays(system: ModuleSystem) -> None:
    """An app's environment: modules the user loaded (jupyterlmod) stay beside the app's."""
    loaded = asyncio.run(system.load(base_env(), ["gcc/12"], purge=False))
    env = asyncio.run(system.load(loaded, ["python/3.11"], purge=False))
    assert env["LOADEDMODULES"].split(":") == ["gcc/12", "python/3.11"]
    assert env["GCC_HOME"] == "/opt/gcc"


def test_a_failing_load_raises_lmods_own_message(system: ModuleSystem) -> None:
    with pytest.raises(ModuleError) as failure:
        asyncio.run(system.load(base_env(), ["broken/1.0"], purge=True))
    assert "the licence server does not answer" in failure.value.message


def test_an_unknown_module_says_so(system: ModuleSystem) -> None:
    with pytest.raises(ModuleError) as failure:
        asyncio.run(system.load(base_env(), ["nosuch/1.0"], purge=False))
    assert "nosuch/1.0" in failure.value.message
    assert "unknown" in failure.value.message


@pytest.mark.parametrize("name", ["/etc/passwd", "-h", "../gcc/12", "gcc/12; id"])
def test_a_path_or_an_option_is_never_given_to_the_tool(system: ModuleSystem, name: str) -> None:
    with pytest.raises(ModuleError, match="is not a module name"):
        asyncio.run(system.load(base_env(), [name], purge=False))


def test_avail_lists_every_module(system: ModuleSystem) -> None:
    assert sorted(asyncio.run(system.avail())) == sorted(TREE)


def test_avail_is_read_again_only_when_asked_or_stale(system: ModuleSystem, tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        first = await system.avail()
        write_modules(tmp_path / "modulefiles", {"cuda/12.4": 'setenv("CUDA", "1")\n'})
        cached = await system.avail()
        fresh = await system.avail(refresh=True)
        assert cached == first
        return first, fresh

    first, fresh = asyncio.run(scenario())
    assert "cuda/12.4" not in first
    assert "cuda/12.4" in fresh


def test_no_module_system_is_a_reason_not_an_error(tmp_path: Path) -> None:
    assert detect_command({"LMOD_CMD": str(tmp_path / "none")}) != (
        [str(tmp_path / "none"), "python"],
        "lmod",
    )
    missing = ModuleSystem([str(tmp_path / "lmod"), "python"])
    assert not missing.available
    assert missing.reason is not None and "does not exist" in missing.reason
    assert asyncio.run(missing.avail()) == []
    with pytest.raises(ModuleError):
        asyncio.run(missing.load({}, ["gcc/12"], purge=False))


def test_a_purge_runs_only_where_modules_are_loaded(system: ModuleSystem, tmp_path: Path) -> None:
    """A kernel's start in a server with nothing loaded runs the tool once (its load)."""
    calls = tmp_path / "calls"
    calls.write_text("")
    wrapper = tmp_path / "lmod-counting"
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec {" ".join(system.command)} "$@"\n')
    wrapper.chmod(0o755)
    system.command = [str(wrapper)]
    clean = asyncio.run(system.load(base_env(), ["python/3.11"], purge=True))
    assert calls.read_text().split() == ["load"]
    calls.write_text("")
    asyncio.run(system.load(clean, ["gcc/12"], purge=True))
    assert calls.read_text().split() == ["purge", "load"]
