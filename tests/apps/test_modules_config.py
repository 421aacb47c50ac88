"""c.HPCApps.apps[...]['modules']: module names an admin writes, checked before any launch."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets import TraitError

from jupyterlab_hpc.apps.config import HPCApps


def catalogue(modules: object) -> dict[str, Any]:
    return {"myapp": {"command": ["myapp", "--port", "{port}"], "modules": modules}}


def test_modules_are_kept_in_load_order() -> None:
    apps = HPCApps(apps=catalogue(["gcc/12", "tensorboard/2.18", "cuda"])).apps
    assert apps["myapp"]["modules"] == ["gcc/12", "tensorboard/2.18", "cuda"]


def test_an_app_loads_no_module_unless_told() -> None:
    apps = HPCApps(apps={"myapp": {"command": ["myapp"]}}).apps
    assert apps["myapp"]["modules"] == []


@pytest.mark.parametrize(
    "name",
    [
        "tensorboard/2.18 gcc/12",  # two names in one: each is one argument of `module load`
        "gcc/12\n",
        "-f",  # an option of the module command
        "--force",
        "/opt/modulefiles/gcc/12",  # a path, not a name
        "../gcc/12",
        "gcc/../../etc",
        "./gcc",
        "",
        12,
        None,
    ],
)
def test_anything_but_a_module_name_is_refused(name: object) -> None:
    with pytest.raises(
        TraitError, match=r"HPCApps.apps\['myapp'\].modules: .* is not a module name"
    ):
        HPCApps(apps=catalogue([name]))


@pytest.mark.parametrize("modules", ["tensorboard/2.18", {"tensorboard": "2.18"}])
def test_modules_must_be_a_list(modules: object) -> None:
    with pytest.raises(TraitError, match="must be a list of module names"):
        HPCApps(apps=catalogue(modules))


def test_a_module_listed_twice_is_refused() -> None:
    with pytest.raises(TraitError, match=r"lists \['gcc/12'\] more than once"):
        HPCApps(apps=catalogue(["gcc/12", "tool/1", "gcc/12"]))
