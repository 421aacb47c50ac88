"""What the module tools print is read as data: parsed, never executed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyterlab_hpc.modules.system import (
    is_module_name,
    parse_avail,
    parse_changes,
    versions,
)

# Lmod 8.6's answer to `lmod python purge` with two modules loaded (as printed here).
LMOD_PURGE = """import os
os.environ["LOADEDMODULES"] = ''
del os.environ["LOADEDMODULES"]
os.environ["MODULEPATH"] = "/tmp/mt";
os.environ["PATH"] = "/usr/local/bin:/usr/bin:/bin";
os.environ["TESTBED_MODULE"] = ''
del os.environ["TESTBED_MODULE"]
_mlstatus = True
"""


def test_lmod_output_sets_and_unsets_variables() -> None:
    changes = parse_changes(LMOD_PURGE)
    loaded = {"LOADEDMODULES": "a/1:b/2", "TESTBED_MODULE": "b/2", "PATH": "/x/bin:/usr/bin"}
    env = changes.apply({**loaded, "HOME": "/h"})
    assert env == {"MODULEPATH": "/tmp/mt", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/h"}
    assert changes.status is True


def test_a_failed_command_says_so() -> None:
    assert parse_changes("_mlstatus = False\n").status is False


def test_pop_and_unsetenv_unset() -> None:
    changes = parse_changes('os.environ.pop("A", None)\nos.unsetenv("B")\n')
    assert changes.apply({"A": "1", "B": "2", "C": "3"}) == {"C": "3"}


def test_code_in_the_output_is_never_run(tmp_path: Path) -> None:
    """A modulefile's execute{} or a hostile tool cannot run Python in the server."""
    marker = tmp_path / "ran"
    text = (
        f"import os\nos.system('touch {marker}')\n"
        f"open('{marker}', 'w')\n"
        f"os.environ['X'] = __import__('os').getcwd()\n"
        f"os.environ['Y'] = 'plain'\n"
        f"os.environ.update({{'Z': '1'}})\n"
    )
    changes = parse_changes(text)
    assert not marker.exists()
    # Only a literal value counts: X (computed) and Z (update) are not set.
    assert changes.values == {"Y": "plain"}


def test_a_line_of_shell_among_the_statements_is_skipped() -> None:
    text = 'os.environ["A"] = "1";\necho hello from execute{} ; rm -rf ~\nos.environ["B"] = "2";\n'
    assert parse_changes(text).values == {"A": "1", "B": "2"}


def test_escaped_values_are_read_exactly() -> None:
    text = 'os.environ["A"] = "it\'s \\"quoted\\" and \\\\ back";\n'
    assert parse_changes(text).values == {"A": 'it\'s "quoted" and \\ back'}


def test_terse_avail_listing() -> None:
    listing = (
        "/apps/modulefiles:\nbroken/\nbroken/1.0\npython/\npython/3.11\npython/3.12(default)\n"
        "tensorboard/2.18(D)\nalias -> python/3.11\n\n/other:\ngcc/12 <aL>\npython/3.11\n"
    )
    assert parse_avail(listing) == [
        "broken/1.0",
        "python/3.11",
        "python/3.12",
        "tensorboard/2.18",
        "gcc/12",
    ]


def test_versions_of_a_module_in_natural_order() -> None:
    available = ["tensorboard/2.9", "tensorboard/2.18", "tensorflow/2.18", "tensorboard/2.17"]
    assert versions("tensorboard/2.18", available) == [
        "tensorboard/2.9",
        "tensorboard/2.17",
        "tensorboard/2.18",
    ]
    # A configured module that the tree no longer lists is still offered (its load will say).
    assert versions("gcc/13", available) == ["gcc/13"]


@pytest.mark.parametrize(
    "name", ["python/3.11", "pytorch/2.1", "gcc", "intel-oneapi/2024.1+cuda", "a/b/1.0"]
)
def test_module_names(name: str) -> None:
    assert is_module_name(name)


@pytest.mark.parametrize(
    "name",
    [
        *["", "-h", "--help", "/etc/passwd.lua", "../x/1", "./gcc", "a/./b", "a/../../b"],
        *["a b", "a;b", "$(id)", "a\n"],
    ],
)
def test_paths_options_and_text_are_not_module_names(name: str) -> None:
    assert not is_module_name(name)
