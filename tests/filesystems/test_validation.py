"""Checking filesystem entries against the admin's allowed roots, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyterlab_hpc.filesystems.config import HPCFilesystems, environment_roots
from jupyterlab_hpc.filesystems.validation import FilesystemError, resolve, url_path


@pytest.fixture
def spaces(tmp_path: Path) -> dict[str, Path]:
    """An allowed WORK with a project, an allowed SCRATCH, and a private folder outside both."""
    work = tmp_path / "gpfswork"
    scratch = tmp_path / "gpfsscratch"
    private = tmp_path / "private"
    for folder in (work / "project" / "data", scratch, private):
        folder.mkdir(parents=True)
    (work / "notes.txt").write_text("not a folder\n")
    return {"work": work, "scratch": scratch, "private": private}


def roots(spaces: dict[str, Path]) -> list[str]:
    return [str(spaces["work"]), str(spaces["scratch"])]


def test_a_folder_in_an_allowed_root_mounts_at_its_real_path(spaces: dict[str, Path]) -> None:
    # given a project folder under WORK, when it is resolved, then it mounts as is
    fs = resolve("project", f"osfs://{spaces['work']}/project", roots(spaces))
    assert (fs.name, fs.root) == ("project", str(spaces["work"] / "project"))


def test_an_allowed_root_itself_can_be_mounted(spaces: dict[str, Path]) -> None:
    assert resolve("SCRATCH", f"osfs://{spaces['scratch']}", roots(spaces)).root == str(
        spaces["scratch"]
    )


def test_a_path_outside_the_allowed_roots_is_refused(spaces: dict[str, Path]) -> None:
    with pytest.raises(FilesystemError, match=r"^Outside the folders the administrator allows: "):
        resolve("private", f"osfs://{spaces['private']}", roots(spaces))


def test_a_sibling_sharing_the_roots_prefix_is_outside(spaces: dict[str, Path]) -> None:
    # given /…/gpfswork2 next to the allowed /…/gpfswork
    sibling = spaces["work"].with_name("gpfswork2")
    sibling.mkdir()
    with pytest.raises(FilesystemError, match=r"^Outside"):
        resolve("w2", f"osfs://{sibling}", roots(spaces))


def test_dot_dot_is_refused_even_when_it_stays_inside(spaces: dict[str, Path]) -> None:
    with pytest.raises(FilesystemError, match=r"'\.\.' is not allowed"):
        resolve("up", f"osfs://{spaces['work']}/project/..", roots(spaces))
    with pytest.raises(FilesystemError, match=r"'\.\.' is not allowed"):
        resolve("out", f"osfs://{spaces['work']}/../private", roots(spaces))


def test_a_symlink_out_of_an_allowed_root_is_refused(spaces: dict[str, Path]) -> None:
    # given WORK/escape -> the private folder
    (spaces["work"] / "escape").symlink_to(spaces["private"])
    with pytest.raises(FilesystemError, match=r"^Outside .* symbolic link: .* leads to .*private"):
        resolve("escape", f"osfs://{spaces['work']}/escape", roots(spaces))


def test_a_symlink_to_another_allowed_root_is_accepted(spaces: dict[str, Path]) -> None:
    (spaces["work"] / "to-scratch").symlink_to(spaces["scratch"])
    fs = resolve("s", f"osfs://{spaces['work']}/to-scratch", roots(spaces))
    assert fs.root == str(spaces["scratch"])


def test_an_allowed_root_given_through_a_symlink_still_contains_its_folders(
    spaces: dict[str, Path], tmp_path: Path
) -> None:
    # given an admin root written as a link (/work -> /gpfswork), as sites often do
    link = tmp_path / "work-link"
    link.symlink_to(spaces["work"])
    fs = resolve("p", f"osfs://{link}/project", [str(link)])
    assert fs.root == str(spaces["work"] / "project")


def test_a_path_that_does_not_exist_is_refused(spaces: dict[str, Path]) -> None:
    with pytest.raises(FilesystemError, match=r"^No such folder: "):
        resolve("gone", f"osfs://{spaces['work']}/missing", roots(spaces))


def test_a_file_is_not_a_folder(spaces: dict[str, Path]) -> None:
    with pytest.raises(FilesystemError, match=r"^Not a folder: "):
        resolve("f", f"osfs://{spaces['work']}/notes.txt", roots(spaces))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("s3://bucket/data", "only local folders can be mounted"),
        ("/gpfswork/project", "no scheme"),
        ("file:///gpfswork/project", "only local folders"),
        ("osfs://host/gpfswork", "no host"),
        ("osfs:///gpfswork?x=1", "no host, query or fragment"),
        ("", "empty"),
    ],
)
def test_urls_that_are_not_local_absolute_folders_are_refused(url: str, reason: str) -> None:
    with pytest.raises(FilesystemError, match=reason):
        url_path(url)


@pytest.mark.parametrize("name", ["", "a/b", "WORK:x", "-dash", "x" * 33, None])
def test_names_that_cannot_be_drive_names_are_refused(
    name: object, spaces: dict[str, Path]
) -> None:
    with pytest.raises(FilesystemError, match="Invalid name"):
        resolve(name, f"osfs://{spaces['work']}", roots(spaces))


def test_an_empty_allow_list_allows_nothing(spaces: dict[str, Path]) -> None:
    with pytest.raises(FilesystemError, match="allows no folders"):
        resolve("w", f"osfs://{spaces['work']}", [])


def test_percent_encoded_paths_are_decoded(spaces: dict[str, Path]) -> None:
    (spaces["work"] / "my data").mkdir()
    fs = resolve("d", f"osfs://{spaces['work']}/my%20data", roots(spaces))
    assert fs.root.endswith("/my data")


def test_the_default_roots_are_home_work_and_scratch_where_they_exist(
    spaces: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given WORK and SCRATCH set, HOME set to a folder that does not exist
    monkeypatch.setenv("HOME", str(spaces["work"] / "nobody"))
    monkeypatch.setenv("WORK", str(spaces["work"]))
    monkeypatch.setenv("SCRATCH", str(spaces["scratch"]))
    assert environment_roots({"WORK": "relative/path"}) == {}
    config = HPCFilesystems()
    assert config.allowed_roots == [str(spaces["work"]), str(spaces["scratch"])]
    assert config.defaults == [
        {"name": "WORK", "url": f"osfs://{spaces['work']}"},
        {"name": "SCRATCH", "url": f"osfs://{spaces['scratch']}"},
    ]
