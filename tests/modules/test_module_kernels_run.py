"""Kernels of the testbed's real modules run side by side, each in its own module only.

The server has modules of its own loaded (as jupyterlmod's panel would leave it): a kernel
from a module starts after a purge, so it sees its module and its dependencies, nothing else.
Lmod and, where the testbed has it, Tcl Environment Modules run the same code.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import pytest
from jupyter_client.asynchronous import AsyncKernelClient

from jupyterlab_hpc.modules.system import ModuleSystem
from tests.modules.conftest import ModuleTree

DEADLINE_S = 120.0
REPORT = (
    "import json, os, sys\n"
    "print(json.dumps({'prefix': sys.prefix, 'module': os.environ.get('TESTBED_MODULE'),"
    " 'torch_root': os.environ.get('PYTORCH_MODULE_ROOT'),"
    " 'loaded': os.environ.get('LOADEDMODULES')}))\n"
)


@pytest.fixture(params=["lmod", "tcl"])
def module_command(request: pytest.FixtureRequest, module_tree: ModuleTree) -> dict[str, Any]:
    if request.param == "lmod":
        return {"command": [module_tree.lmod_cmd, "python"], "modulepath": module_tree.modulepath}
    if module_tree.tcl_cmd is None:
        pytest.skip("the module testbed has no Tcl Environment Modules")
    return {"command": [module_tree.tcl_cmd, "python"], "modulepath": module_tree.tcl_modulepath}


@pytest.fixture
def hpc_config(module_command: dict[str, Any]) -> dict[str, Any]:
    return {"HPCModules": module_command}


@pytest.fixture
def server_has_gcc_loaded(module_command: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's own environment with gcc/12 loaded, as jupyterlmod's panel leaves it."""
    system = ModuleSystem(module_command["command"], modulepath=module_command["modulepath"])
    env = asyncio.run(system.load(dict(os.environ), ["gcc/12"], purge=False))
    assert env["LOADEDMODULES"] == "gcc/12"
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def run_report(serverapp: Any, kernel_name: str) -> dict[str, Any]:
    """Start the kernel through the server's kernel manager and run REPORT in it."""
    manager = serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name=kernel_name)
    try:
        client: AsyncKernelClient = manager.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=DEADLINE_S)
            printed: list[str] = []

            def output(message: dict[str, Any]) -> None:
                if message["header"]["msg_type"] == "stream":
                    printed.append(message["content"]["text"])

            reply = await client.execute_interactive(REPORT, output_hook=output, timeout=DEADLINE_S)
            assert reply["content"]["status"] == "ok", reply["content"]
            return dict(json.loads("".join(printed)))
        finally:
            client.stop_channels()
    finally:
        await manager.shutdown_kernel(kernel_id, now=True)


async def names_when_discovered(hpc_app: Any) -> set[str]:
    deadline = time.monotonic() + DEADLINE_S
    while hpc_app.module_kernels.state.refreshed_at is None:
        assert time.monotonic() < deadline, "no discovery finished"
        await asyncio.sleep(0.05)
    return {kernel.name for kernel in hpc_app.module_kernels.state.kernels}


async def test_two_notebooks_on_two_modules_each_see_only_their_own(
    server_has_gcc_loaded: None, hpc_app: Any, jp_serverapp: Any, module_tree: ModuleTree
) -> None:
    names = await names_when_discovered(hpc_app)
    assert {"module-python-3.11-python3", "module-pytorch-2.1-python3"} <= names
    # No kernel in a module without one, none from the module that does not load.
    assert not any(name.startswith(("module-gcc", "module-broken")) for name in names)
    python, torch = await asyncio.gather(
        run_report(jp_serverapp, "module-python-3.11-python3"),
        run_report(jp_serverapp, "module-pytorch-2.1-python3"),
    )
    assert python["prefix"] == str(module_tree.envs / "python-3.11")
    assert python["module"] == "python/3.11"
    assert python["torch_root"] is None
    assert torch["prefix"] == str(module_tree.envs / "pytorch-2.1")
    assert torch["module"] == "pytorch/2.1"
    assert torch["torch_root"] == str(module_tree.envs / "pytorch-2.1")
    # pytorch/2.1's dependency is loaded with it; the server's gcc/12 is in neither.
    assert torch["loaded"].split(":") == ["python/3.11", "pytorch/2.1"]
    assert python["loaded"] == "python/3.11"
