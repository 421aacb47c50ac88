"""Submit paths stay inside the server's root; output paths are shown relative to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyterlab_hpc.slurm.paths import PathRejected, confine, relative_to_root
from tests.support import write_tree


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A server root with a script, a folder, and links in and out of it."""
    root = tmp_path / "root"
    write_tree(root, {"job.sh": "#!/bin/bash\n", "sub/dir/run it.sh": "#!/bin/bash\n"})
    write_tree(tmp_path, {"outside.sh": "#!/bin/bash\n"})
    (root / "out-link.sh").symlink_to(tmp_path / "outside.sh")
    (root / "out-dir").symlink_to(tmp_path)
    (root / "in-link.sh").symlink_to(root / "job.sh")
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("job.sh", "job.sh"),
        ("./job.sh", "job.sh"),
        ("sub/dir/run it.sh", "sub/dir/run it.sh"),
        ("sub/dir/../../job.sh", "job.sh"),
        ("in-link.sh", "job.sh"),
    ],
)
def test_files_inside_the_root_resolve_to_their_real_path(
    root: Path, text: str, expected: str
) -> None:
    assert confine(root, text, kind="file") == (root / expected).resolve()


def test_absolute_paths_inside_the_root_are_accepted(root: Path) -> None:
    assert confine(root, str(root / "job.sh"), kind="file") == (root / "job.sh").resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("../outside.sh", "is outside the server's root folder"),
        ("sub/../../outside.sh", "is outside the server's root folder"),
        ("out-link.sh", "is outside the server's root folder"),
        ("out-dir/outside.sh", "is outside the server's root folder"),
        ("/etc/passwd", "is outside the server's root folder"),
        ("missing.sh", "is not a file under the server's root folder"),
        ("sub", "is not a file under the server's root folder"),
        ("--wrap=id", "may not start with '-'"),
        ("-x.sh", "may not start with '-'"),
        ("job.sh\0", "NUL"),
    ],
)
def test_anything_else_is_refused_with_a_message(root: Path, text: str, message: str) -> None:
    with pytest.raises(PathRejected, match=message):
        confine(root, text, kind="file")


def test_a_file_named_like_an_option_is_reachable_as_dot_slash(root: Path) -> None:
    (root / "--wrap=id").write_text("#!/bin/bash\n")
    assert confine(root, "./--wrap=id", kind="file") == (root / "--wrap=id").resolve()


def test_folders(root: Path) -> None:
    assert confine(root, ".", kind="folder") == root.resolve()
    assert confine(root, "sub/dir", kind="folder") == (root / "sub/dir").resolve()
    with pytest.raises(PathRejected, match="is not a folder"):
        confine(root, "job.sh", kind="folder")
    with pytest.raises(PathRejected, match="outside"):
        confine(root, "..", kind="folder")
    with pytest.raises(PathRejected, match="must be a string"):
        confine(root, ["sub"], kind="folder")


def test_output_paths_relative_to_the_root(root: Path, tmp_path: Path) -> None:
    assert relative_to_root(root, str(root / "sub" / "slurm-1.out")) == "sub/slurm-1.out"
    # through a link in the root that points out: the contents API can still open it
    assert relative_to_root(root, str(root / "out-dir" / "x.out")) == "out-dir/x.out"
    assert relative_to_root(root, str(tmp_path / "x.out")) is None
    assert relative_to_root(root, str(root)) is None
    assert relative_to_root(root, "relative.out") is None
    assert relative_to_root(root, None) is None


def test_a_root_reached_through_a_link_gives_the_same_answers(root: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-root"
    link.symlink_to(root)
    assert confine(link, "job.sh", kind="file") == (root / "job.sh").resolve()
    assert relative_to_root(link, os.path.join(root, "a.out")) == "a.out"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * 5000, "5000 characters long; the most is 4096"),
        ("d/" + "n" * 256, "longer than 255 bytes"),
        ("/".join(["b" * 254] * 16), "cannot be used: File name too long"),
        ("job\ud800.sh", "lone surrogate"),
    ],
    ids=["5000 characters", "a 256-byte name", "too long under the root", "lone surrogate"],
)
def test_paths_no_file_system_can_hold_are_refused_with_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(PathRejected, match=message):
        confine(tmp_path, text, kind="file")
