"""The filesystems routes through a real Jupyter server: check, mount, browse, run kernels."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.support import load_golden, shape_mismatches


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The user's WORK, outside the server's root: a project with a data file."""
    root = tmp_path / "gpfswork"
    (root / "project" / "data").mkdir(parents=True)
    (root / "project" / "data" / "input.csv").write_text("a,b\n1,2\n")
    (tmp_path / "private").mkdir()
    return root


@pytest.fixture
def hpc_config(work: Path) -> dict[str, Any]:
    """WORK is the one allowed root, and the one default filesystem."""
    return {
        "HPCFilesystems": {
            "allowed_roots": [str(work)],
            "defaults": [{"name": "WORK", "url": f"osfs://{work}"}],
        }
    }


async def send(jp_fetch: Any, route: str, method: str, body: Any) -> Any:
    response = await jp_fetch(
        *route.split("/"), method=method, body=json.dumps(body), raise_error=False
    )
    return response.code, json.loads(response.body or b"null")


async def mount(jp_fetch: Any, entries: list[dict[str, str]]) -> list[dict[str, Any]]:
    code, answer = await send(
        jp_fetch, "jupyterlab-hpc/filesystems/mounts", "PUT", {"filesystems": entries}
    )
    assert code == 200
    return answer["filesystems"]


async def test_get_lists_the_admins_roots_and_defaults(
    hpc_app: Any, jp_fetch: Any, work: Path
) -> None:
    response = await jp_fetch("jupyterlab-hpc", "filesystems")
    answer = json.loads(response.body)
    assert shape_mismatches(load_golden("filesystems.json"), answer) == []
    assert answer["allowed_roots"] == [str(work)]
    assert answer["defaults"] == [{"name": "WORK", "url": f"osfs://{work}"}]
    assert answer["mounted"] == []


async def test_validate_says_why_each_refused_entry_is_refused(
    hpc_app: Any, jp_fetch: Any, work: Path, tmp_path: Path
) -> None:
    (work / "escape").symlink_to(tmp_path / "private")
    entries = [
        {"name": "project", "url": f"osfs://{work}/project"},
        {"name": "private", "url": f"osfs://{tmp_path}/private"},
        {"name": "up", "url": f"osfs://{work}/../private"},
        {"name": "escape", "url": f"osfs://{work}/escape"},
        {"name": "gone", "url": f"osfs://{work}/missing"},
        {"name": "bucket", "url": "s3://bucket/data"},
        {"name": "project", "url": f"osfs://{work}"},
    ]
    code, answer = await send(
        jp_fetch, "jupyterlab-hpc/filesystems/validate", "POST", {"filesystems": entries}
    )
    assert code == 200
    results = answer["filesystems"]
    assert (
        shape_mismatches(load_golden("filesystems-validate.json")["filesystems"][0], results[0])
        == []
    )
    assert [r["valid"] for r in results] == [True, False, False, False, False, False, False]
    assert results[0]["root"] == str(work / "project")
    messages = [r["message"] for r in results[1:]]
    for message, expected in zip(
        messages,
        [
            "Outside the folders",
            "'..' is not allowed",
            "symbolic link",
            "No such folder",
            "only local folders",
            "already named 'project'",
        ],
        strict=True,
    ):
        assert expected in message
    # and validating mounts nothing
    listing = json.loads((await jp_fetch("jupyterlab-hpc", "filesystems")).body)
    assert listing["mounted"] == []


async def test_entries_of_the_wrong_types_are_refused_not_crashed_on(
    hpc_app: Any, jp_fetch: Any
) -> None:
    entries = [{"name": ["x"], "url": "osfs:///tmp"}, {"name": "n", "url": 3}]
    code, answer = await send(
        jp_fetch, "jupyterlab-hpc/filesystems/validate", "POST", {"filesystems": entries}
    )
    assert code == 200
    assert [r["valid"] for r in answer["filesystems"]] == [False, False]
    assert "Invalid name" in answer["filesystems"][0]["message"]
    assert "empty" in answer["filesystems"][1]["message"]


async def test_a_body_without_a_list_is_a_400_with_a_message(hpc_app: Any, jp_fetch: Any) -> None:
    code, answer = await send(jp_fetch, "jupyterlab-hpc/filesystems/validate", "POST", {"x": 1})
    assert code == 400
    assert "filesystems" in answer["message"]


async def test_a_mounted_filesystem_opens_and_saves_files(
    hpc_app: Any, jp_fetch: Any, work: Path
) -> None:
    # given WORK mounted, and an entry outside the allowed roots
    results = await mount(
        jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}, {"name": "etc", "url": "osfs:///etc"}]
    )
    assert [r["valid"] for r in results] == [True, False]
    # when the browser lists a folder and opens a file
    base = "jupyterlab-hpc/filesystems/WORK/contents".split("/")
    listing = json.loads((await jp_fetch(*base, "project", "data")).body)
    assert [item["path"] for item in listing["content"]] == ["project/data/input.csv"]
    opened = json.loads((await jp_fetch(*base, "project", "data", "input.csv")).body)
    assert opened["content"] == "a,b\n1,2\n"
    # and saves a new file
    model = {"type": "file", "format": "text", "content": "saved from the browser\n"}
    response = await jp_fetch(*base, "project", "out.txt", method="PUT", body=json.dumps(model))
    assert response.code == 201
    assert (work / "project" / "out.txt").read_text() == "saved from the browser\n"
    # then the unmounted entry has no contents route
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("jupyterlab-hpc", "filesystems", "etc", "contents")
    assert raised.value.code == 404


async def test_contents_stay_inside_the_mounted_root(
    hpc_app: Any, jp_fetch: Any, work: Path
) -> None:
    await mount(jp_fetch, [{"name": "project", "url": f"osfs://{work}/project"}])
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("jupyterlab-hpc/filesystems/project/contents/%2E%2E/project")
    assert raised.value.code in (400, 404)


async def test_remounting_drops_entries_no_longer_listed(
    hpc_app: Any, jp_fetch: Any, work: Path
) -> None:
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    await mount(jp_fetch, [])
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch("jupyterlab-hpc", "filesystems", "WORK", "contents")
    assert raised.value.code == 404


async def kernel_cwd(jp_fetch: Any, serverapp: Any, path: str, kind: str = "notebook") -> str:
    """Start a session of `kind` for `path` as JupyterLab does; the kernel process's cwd."""
    body = {
        "path": path,
        "name": os.path.basename(path),
        "type": kind,
        "kernel": {"name": "python3"},
    }
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    session = json.loads(response.body)
    kernel = serverapp.kernel_manager.get_kernel(session["kernel"]["id"])
    try:
        pid = kernel.provisioner.process.pid
        deadline = time.monotonic() + 60
        while True:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            if cwd or time.monotonic() > deadline:
                return cwd
            await asyncio.sleep(0.1)
    finally:
        await jp_fetch("api", "sessions", session["id"], method="DELETE")


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
async def test_notebooks_in_a_filesystem_run_in_their_folder(
    hpc_app: Any, jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, work: Path
) -> None:
    # given WORK mounted outside the server's root
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    # when notebooks in WORK start kernels, then they run in the notebook's folder
    assert await kernel_cwd(jp_fetch, jp_serverapp, "WORK:project/data/nb.ipynb") == str(
        work / "project" / "data"
    )
    assert await kernel_cwd(jp_fetch, jp_serverapp, "WORK:nb.ipynb") == str(work)
    # and notebooks of the server root still run in the server root
    assert await kernel_cwd(jp_fetch, jp_serverapp, "nb.ipynb") == os.path.realpath(jp_root_dir)


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
async def test_consoles_opened_in_a_filesystem_run_in_its_folder(
    hpc_app: Any, jp_fetch: Any, jp_serverapp: Any, work: Path
) -> None:
    # given WORK mounted
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    # when the launcher of WORK's browser opens consoles, their sessions are named as
    # JupyterLab's ConsolePanel names them: PathExt.join(browser folder, console-N-uuid)
    folder = await kernel_cwd(
        jp_fetch, jp_serverapp, "WORK:project/console-1-6f1c2a", kind="console"
    )
    top = await kernel_cwd(jp_fetch, jp_serverapp, "WORK:/console-2-9b3d4e", kind="console")
    # then each runs in the browser's folder
    assert folder == str(work / "project")
    assert top == str(work)


HOSTILE_BODIES = [
    (b'{"filesystems": [{"name": "WORK", "url": "osfs:///\xff"}]}', 400, "not UTF-8"),
    (b"[" * 100_000, 400, "nests deeper than"),
    (
        json.dumps({"filesystems": [{"name": "x\ud800", "url": "osfs:///tmp"}]}).encode(),
        400,
        "lone surrogate",
    ),
    (
        json.dumps({"filesystems": [{"name": f"f{i}", "url": "osfs:///"} for i in range(101)]}),
        400,
        "the most one user may have is 100",
    ),
    (
        json.dumps({"filesystems": [{"name": f"f{i}", "url": "osfs:///"} for i in range(100_000)]}),
        413,
        "the most this route takes",
    ),
]
HOSTILE_IDS = ["invalid UTF-8", "100,000 [", "lone surrogate", "101 entries", "100,000 entries"]


@pytest.mark.parametrize("route", ["validate", "mounts"])
@pytest.mark.parametrize(("body", "code", "expected"), HOSTILE_BODIES, ids=HOSTILE_IDS)
async def test_a_hostile_body_is_refused_and_nothing_is_mounted(
    hpc_app: Any, jp_fetch: Any, work: Path, route: str, body: bytes, code: int, expected: str
) -> None:
    # given WORK mounted
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    # when a hostile body comes, then it is refused with the reason
    method = "POST" if route == "validate" else "PUT"
    response = await jp_fetch(
        "jupyterlab-hpc", "filesystems", route, method=method, body=body, raise_error=False
    )
    assert response.code == code
    assert expected in json.loads(response.body)["message"]
    # and what was mounted still is
    listed = json.loads((await jp_fetch("jupyterlab-hpc", "filesystems")).body)
    assert [fs["name"] for fs in listed["mounted"]] == ["WORK"]


async def test_a_5000_character_url_is_refused_with_the_reason(
    hpc_app: Any, jp_fetch: Any, work: Path
) -> None:
    entry = {"name": "long", "url": f"osfs://{work}/" + "a" * 5000}
    code, answer = await send(
        jp_fetch, "jupyterlab-hpc/filesystems/validate", "POST", {"filesystems": [entry]}
    )
    assert code == 200
    [result] = answer["filesystems"]
    assert result["valid"] is False
    assert "the most is 4103" in result["message"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"type": "file", "format": "text", "content": "\xff"}', "not UTF-8"),
        (b"[" * 100_000, "nests deeper than"),
        (
            json.dumps({"type": "file", "format": "text", "content": "a\udc00"}).encode(),
            "lone surrogate",
        ),
    ],
    ids=["invalid UTF-8", "100,000 [", "lone surrogate"],
)
async def test_a_hostile_save_in_a_filesystem_is_refused_and_writes_nothing(
    hpc_app: Any, jp_fetch: Any, work: Path, body: bytes, expected: str
) -> None:
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    response = await jp_fetch(
        "jupyterlab-hpc",
        "filesystems",
        "WORK",
        "contents",
        "saved.txt",
        method="PUT",
        body=body,
        raise_error=False,
    )
    assert response.code == 400
    assert expected in json.loads(response.body)["message"]
    assert not (work / "saved.txt").exists()


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "expected"),
    [
        ("GET", "project/missing.txt", None, 404, "missing.txt"),
        (
            "POST",
            "project/missing.txt/checkpoints",
            "",
            404,
            "No such file: WORK:project/missing.txt",
        ),
        ("POST", "project/missing.txt/checkpoints/checkpoint", "", 404, "No such file"),
        ("POST", "project/checkpoints", "", 400, "WORK:project is a folder"),
        ("POST", "project/checkpoints/checkpoint", "", 400, "folders have no checkpoints"),
        ("PUT", "project", {"type": "file", "format": "text", "content": "x"}, 400, "WORK:project"),
        ("POST", "checkpoints", "", 400, "WORK:/ is a folder: folders have no checkpoints"),
        ("POST", "checkpoints/checkpoint", "", 400, "WORK:/ is a folder"),
        ("PUT", "", {"type": "file", "format": "text", "content": "x"}, 400, "WORK:/ is a folder"),
    ],
    ids=[
        "a missing file",
        "a checkpoint of a missing file",
        "restoring one",
        "a checkpoint of a folder",
        "restoring a folder's",
        "a file saved over a folder",
        "a checkpoint of the root folder",
        "restoring the root folder's",
        "a file saved over the root folder",
    ],
)
async def test_a_file_error_is_a_4xx_in_json_naming_the_path_in_the_filesystem(
    hpc_app: Any,
    jp_fetch: Any,
    work: Path,
    method: str,
    path: str,
    body: Any,
    code: int,
    expected: str,
) -> None:
    # given WORK mounted
    await mount(jp_fetch, [{"name": "WORK", "url": f"osfs://{work}"}])
    before = sorted(p.name for p in (work / "project").rglob("*"))
    # when the browser asks for something the filesystem cannot give
    response = await jp_fetch(
        "jupyterlab-hpc",
        "filesystems",
        "WORK",
        "contents",
        *filter(None, path.split("/")),
        method=method,
        body=None if body is None else json.dumps(body),
        allow_nonstandard_methods=True,
        raise_error=False,
    )
    # then it is told why, in the API's JSON, without the server's own paths, and nothing changed
    assert response.code == code
    message = json.loads(response.body)["message"]
    assert expected in message
    assert str(work) not in message
    assert sorted(p.name for p in (work / "project").rglob("*")) == before
