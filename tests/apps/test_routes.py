"""GET jupyterlab-hpc/apps and the apps' icons through a real Jupyter server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.support import load_golden, shape_mismatches

APPS = ("jupyterlab-hpc", "apps")
DOCS = [{"title": "Jean Zay user documentation", "url": "https://www.idris.fr/eng/jean-zay/"}]


@pytest.fixture
def only_tensorboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH where tensorboard is installed and nothing else of the catalogue."""
    bin_dir = tmp_path / "only-tensorboard"
    bin_dir.mkdir()
    (bin_dir / "tensorboard").write_text("#!/bin/sh\n")
    (bin_dir / "tensorboard").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


async def get_apps(jp_fetch: Any) -> Any:
    response = await jp_fetch(*APPS)
    assert response.code == 200
    return json.loads(response.body)


@pytest.mark.parametrize("hpc_config", [{"HPCApps": {"documentation": DOCS}}])
async def test_apps_match_the_golden_shape(
    only_tensorboard: None, hpc_app: Any, jp_fetch: Any, jp_base_url: str
) -> None:
    answer = await get_apps(jp_fetch)
    assert shape_mismatches(load_golden("apps.json"), answer) == []
    # the categories in the reference deployment's order
    assert [(c["name"], c["rank"]) for c in answer["categories"]] == [
        ("Notebook", 0),
        ("Console", 1),
        ("Applications", 2),
        ("Dashboards", 3),
        ("HPC Tools", 4),
        ("Documentation", 5),
        ("Other", 6),
    ]
    assert answer["documentation"] == DOCS
    apps = {app["name"]: app for app in answer["apps"]}
    assert list(apps) == ["tensorboard", "mlflow", "code-server", "novnc", "nerfstudio"]
    assert (
        apps["tensorboard"]["icon_url"] == f"{jp_base_url}jupyterlab-hpc/apps/icons/tensorboard.svg"
    )
    assert (apps["tensorboard"]["endpoints"], apps["code-server"]["endpoints"]) == (3, 1)


async def test_an_app_not_installed_is_listed_with_the_reason(
    only_tensorboard: None, hpc_app: Any, jp_fetch: Any
) -> None:
    apps = {app["name"]: app for app in (await get_apps(jp_fetch))["apps"]}
    assert (apps["tensorboard"]["available"], apps["tensorboard"]["reason"]) == (True, None)
    assert apps["code-server"]["available"] is False
    assert "code-server is not installed in this environment" in apps["code-server"]["reason"]


@pytest.mark.parametrize(
    "hpc_config",
    [
        {
            "HPCApps": {
                "apps": {"dask": {"command": ["dask-dash", "{port}"], "category": "Clusters"}},
                "categories": ["Applications", "Other"],
            }
        }
    ],
)
async def test_a_category_only_an_app_names_comes_last(hpc_app: Any, jp_fetch: Any) -> None:
    answer = await get_apps(jp_fetch)
    assert answer["categories"] == [
        {"name": "Applications", "rank": 0},
        {"name": "Other", "rank": 1},
        {"name": "Clusters", "rank": 2},
    ]
    assert answer["apps"][0]["icon_url"] is None


async def test_info_says_apps_are_offered(hpc_app: Any, jp_fetch: Any) -> None:
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["features"]["apps"] is True


@pytest.mark.parametrize("hpc_config", [{"HPCApps": {"apps": {}}}])
async def test_info_says_no_apps_without_a_catalogue(hpc_app: Any, jp_fetch: Any) -> None:
    info = json.loads((await jp_fetch("jupyterlab-hpc", "info")).body)
    assert info["features"]["apps"] is False
    assert (await get_apps(jp_fetch))["apps"] == []


async def test_an_icon_is_served_as_svg(hpc_app: Any, jp_fetch: Any) -> None:
    response = await jp_fetch(*APPS, "icons", "tensorboard.svg")
    assert response.code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.body.lstrip().startswith(b"<svg")


@pytest.mark.parametrize(
    "path",
    [
        ("icons", "nope.svg"),
        ("icons", "..%2F..%2Fetc%2Fpasswd.svg"),
        ("icons", "tensorboard.png"),
        ("icons", "TensorBoard.svg"),
    ],
)
async def test_only_the_catalogues_icons_are_served(
    hpc_app: Any, jp_fetch: Any, path: tuple[str, ...]
) -> None:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*APPS, *path)
    assert raised.value.code == 404
