"""The catalogue an admin writes: shipped defaults, and mistakes named before any launch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyterlab_hpc.apps.catalogue import DEFAULT_APPS, ICONS, describe
from jupyterlab_hpc.apps.config import HPCApps


def app(**settings: Any) -> dict[str, Any]:
    return {"command": ["myapp", "--port", "{port}", "{args}"], **settings}


def test_the_shipped_catalogue_has_the_reference_deployments_apps() -> None:
    apps = HPCApps().apps
    assert list(apps) == ["tensorboard", "mlflow", "code-server", "novnc", "nerfstudio"]
    assert {name: apps[name]["endpoints"] for name in apps} == {
        "tensorboard": 3,
        "mlflow": 3,
        "code-server": 1,
        "novnc": 1,
        "nerfstudio": 3,
    }
    assert "--logdir is required" in apps["tensorboard"]["args_hint"]
    assert "MLRUNS_DIR" in apps["mlflow"]["args_hint"]
    assert apps["mlflow"]["cwd"] == "${MLRUNS_DIR:-~}"
    assert apps["code-server"]["unix_socket"] is True
    assert "{unix_socket}" in apps["code-server"]["command"]
    assert apps["nerfstudio"]["open_query"] == "websocket_url={websocket_url}"


def test_shipped_apps_listen_on_loopback_or_a_socket_only() -> None:
    for name, settings in HPCApps().apps.items():
        command = " ".join(settings["command"])
        assert "0.0.0.0" not in command and "--bind_all" not in command
        assert "127.0.0.1" in command or settings["unix_socket"], name


def test_shipped_icons_are_svg_files_of_our_own() -> None:
    for name, settings in HPCApps().apps.items():
        icon = Path(settings["icon"])
        assert icon.parent == ICONS and icon.name == f"{name}.svg"
        assert icon.read_text().lstrip().startswith("<svg")


def test_the_shipped_catalogue_is_not_shared_between_servers() -> None:
    first = HPCApps()
    first.apps["tensorboard"]["endpoints"] = 9
    assert HPCApps().apps["tensorboard"]["endpoints"] == 3
    assert DEFAULT_APPS["tensorboard"]["endpoints"] == 3


def test_an_admin_adds_and_removes_apps_with_update() -> None:
    config = Config()
    config.HPCApps.apps.update({"novnc": None, "myapp": app(title="My app")})
    apps = HPCApps(config=config).apps
    assert "novnc" not in apps and "tensorboard" in apps
    assert apps["myapp"] == {
        "title": "My app",
        "command": ["myapp", "--port", "{port}", "{args}"],
        "category": "Applications",
        "endpoints": 3,
        "environment": {},
        "timeout": 30.0,
        "icon": None,
        "args_hint": "",
        "docs_url": None,
        "unix_socket": False,
        "absolute_url": False,
        "cwd": None,
        "open_query": None,
        "modules": [],
    }


def test_an_admin_replaces_the_catalogue() -> None:
    apps = HPCApps(apps={"dask": app(category="Dashboards", endpoints=1)}).apps
    assert list(apps) == ["dask"] and apps["dask"]["category"] == "Dashboards"


@pytest.mark.parametrize(
    ("apps", "message"),
    [
        ({"My App": app()}, "'My App' is not an app name"),
        ({"../x": app()}, "is not an app name"),
        ({"x": ["myapp"]}, "HPCApps.apps['x'] must be a dict, not list"),
        ({"x": {"title": "X"}}, "needs a command"),
        ({"x": app(titel="X")}, "unknown keys ['titel']"),
        ({"x": app(command="myapp --port {port}")}, "must be a non-empty list"),
        ({"x": app(command=[])}, "must be a non-empty list"),
        ({"x": app(command=["myapp", ""])}, "must be a non-empty list"),
        ({"x": app(command=["{args}"])}, "cannot be a placeholder"),
        ({"x": app(command=["{port}"])}, "cannot be a placeholder"),
        ({"x": app(command=["a", "{args}", "{args}"])}, "may appear only once"),
        ({"x": app(command=["a", "--x={args}"])}, "must be a whole item"),
        ({"x": app(command=["a", "{prot}"])}, "{prot} is not a placeholder here"),
        ({"x": app(command=["a", "{port.__class__}"])}, "is not a placeholder here"),
        ({"x": app(command=["a", "{0}"])}, "{0} is not a placeholder here"),
        ({"x": app(command=["a", "{port!r}"])}, "is not a placeholder here"),
        ({"x": app(command=["a", "{port"])}, "is not a valid template"),
        ({"x": app(command=["a", "{unix_socket}"])}, "set unix_socket to True"),
        ({"x": app(endpoints=0)}, "endpoints must be an integer from 1 to 16"),
        ({"x": app(endpoints=17)}, "from 1 to 16"),
        ({"x": app(endpoints="3")}, "from 1 to 16"),
        ({"x": app(endpoints=True)}, "from 1 to 16"),
        ({"x": app(timeout=0)}, "timeout must be > 0"),
        ({"x": app(timeout="fast")}, "must be a number of seconds"),
        ({"x": app(title="")}, "title must be a non-empty string"),
        ({"x": app(category=None)}, "category must be a non-empty string"),
        ({"x": app(environment=["A=1"])}, "environment must be a dict"),
        ({"x": app(environment={"1A": "x"})}, "'1A' is not a valid environment variable name"),
        ({"x": app(environment={"A": 1})}, "must be a string without NUL"),
        ({"x": app(environment={"A": "{home}"})}, "{home} is not a placeholder here"),
        ({"x": app(icon="icons/x.svg")}, "absolute path to an SVG file or a URL"),
        ({"x": app(icon="/opt/x.png")}, "must be an SVG file"),
        ({"x": app(docs_url="javascript:alert(1)")}, "must be an http(s):// URL"),
        ({"x": app(unix_socket="yes")}, "unix_socket must be True or False"),
        ({"x": app(absolute_url=1)}, "absolute_url must be True or False"),
        ({"x": app(cwd="$(pwd)")}, "cwd: $( ) is command substitution"),
        ({"x": app(open_query="?a=b")}, "without the leading ?"),
        ({"x": app(open_query="u={url}")}, "{url} is not a placeholder here"),
    ],
)
def test_bad_catalogue_entries_are_refused_naming_app_and_key(
    apps: dict[str, Any], message: str
) -> None:
    with pytest.raises(TraitError) as raised:
        HPCApps(apps=apps)
    assert message in str(raised.value)


def test_categories_are_in_the_reference_order_and_configurable() -> None:
    assert HPCApps().categories == [
        "Notebook",
        "Console",
        "Applications",
        "Dashboards",
        "HPC Tools",
        "Documentation",
        "Other",
    ]
    assert HPCApps(categories=["Applications", "Notebook"]).categories == [
        "Applications",
        "Notebook",
    ]
    with pytest.raises(TraitError, match=r"lists \['Notebook'\] more than once"):
        HPCApps(categories=["Notebook", "Notebook"])
    with pytest.raises(TraitError, match="needs a name"):
        HPCApps(categories=[" "])


def test_documentation_links_are_checked() -> None:
    links = [{"title": "Jean Zay", "url": "https://www.idris.fr/eng/jean-zay/"}]
    assert HPCApps(documentation=links).documentation == links
    assert HPCApps().documentation == []
    with pytest.raises(TraitError, match="must be an http"):
        HPCApps(documentation=[{"title": "x", "url": "file:///etc/passwd"}])
    with pytest.raises(TraitError, match="exactly the keys title and url"):
        HPCApps(documentation=[{"title": "x"}])


# Availability


def test_an_app_whose_executable_is_missing_says_why(tmp_path: Path) -> None:
    # given a PATH holding only tensorboard
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tensorboard").write_text("#!/bin/sh\n")
    (bin_dir / "tensorboard").chmod(0o755)
    # when the catalogue is described
    apps = {
        entry["name"]: entry
        for entry in describe(HPCApps().apps, {"PATH": str(bin_dir)}, icons_url="/i/")
    }
    # then tensorboard can start, and mlflow is unavailable with a reason that says why
    assert (apps["tensorboard"]["available"], apps["tensorboard"]["reason"]) == (True, None)
    assert apps["mlflow"]["available"] is False
    assert apps["mlflow"]["reason"].startswith(
        "mlflow is not installed in this environment (not found on PATH)."
    )
    assert apps["tensorboard"]["icon_url"] == "/i/tensorboard.svg"


def test_an_absolute_executable_is_checked_as_a_file(tmp_path: Path) -> None:
    apps = HPCApps(apps={"x": app(command=[str(tmp_path / "nope"), "{port}"])}).apps
    (entry,) = describe(apps, {"PATH": ""}, icons_url="/i/")
    assert entry["available"] is False
    assert entry["reason"] == f"{tmp_path / 'nope'} is not an executable file on this node."


def test_icons_are_urls_files_or_nothing(tmp_path: Path) -> None:
    apps = HPCApps(
        apps={
            "url": app(icon="https://example.org/x.svg"),
            "gone": app(icon=str(tmp_path / "gone.svg")),
            "none": app(),
        }
    ).apps
    urls = {entry["name"]: entry["icon_url"] for entry in describe(apps, {}, icons_url="/i/")}
    assert urls == {"url": "https://example.org/x.svg", "gone": None, "none": None}
