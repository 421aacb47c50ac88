"""The launch dialog's text: split and expanded as a shell would, and nothing ever run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from jupyterlab_hpc.apps.args import (
    MAX_TEXT_CHARS,
    MAX_WORDS,
    ArgumentError,
    expand_value,
    parse_arguments,
    validate_env,
)

HOME = "/home/alice"
ROOT = "/gpfswork/alice"
# The server's environment every case sees; no value holds a blank or a glob character, so
# that bash (which splits and globs unquoted expansions, where we do not) agrees on all cases.
ENV = {
    "HOME": HOME,
    "WORK": "/gpfswork/alice",
    "SCRATCH": "/gpfsscratch/alice",
    "RUN": "run-7",
    "EMPTY": "",
}


def parse(text: str, env: dict[str, str] | None = None) -> list[str]:
    return parse_arguments(text, env=ENV if env is None else env, home=HOME, cwd=ROOT)


# (typed text, the argv words a user gets) — each checked against bash below.
TABLE = [
    ("", []),
    ("   \t ", []),
    ("--logdir runs", ["--logdir", "runs"]),
    ("  a   b\tc  ", ["a", "b", "c"]),
    ("--logdir=runs/exp1", ["--logdir=runs/exp1"]),
    # quotes
    ("'a b' c", ["a b", "c"]),
    ('"a b" c', ["a b", "c"]),
    ("''", [""]),
    ('""', [""]),
    ("a''b", ["ab"]),
    ("'it'\\''s'", ["it's"]),
    ('"it\'s"', ["it's"]),
    ("'\"'", ['"']),
    ("'$WORK'", ["$WORK"]),
    ("'$(touch x)'", ["$(touch x)"]),
    ("'`id`; rm -rf *'", ["`id`; rm -rf *"]),
    ('"a;b|c&d<e>f(g)"', ["a;b|c&d<e>f(g)"]),
    ('"*.py" \'?\' "[ab]"', ["*.py", "?", "[ab]"]),
    ("--title='My run'", ["--title=My run"]),
    ('--title="My run"', ["--title=My run"]),
    # backslashes
    ("a\\ b", ["a b"]),
    ("\\'", ["'"]),
    ('\\"', ['"']),
    ("\\\\", ["\\"]),
    ("\\$WORK", ["$WORK"]),
    ("\\*", ["*"]),
    ("\\;", [";"]),
    ("a\\", ["a\\"]),
    ('"\\$WORK"', ["$WORK"]),
    ('"a\\b"', ["a\\b"]),
    ('"\\""', ['"']),
    ('"\\\\"', ["\\"]),
    ("'a\\b'", ["a\\b"]),
    # expansion
    ("$WORK", ["/gpfswork/alice"]),
    ("${WORK}", ["/gpfswork/alice"]),
    ("--logdir $WORK/tb/$RUN", ["--logdir", "/gpfswork/alice/tb/run-7"]),
    ("--logdir=${SCRATCH}/tb", ["--logdir=/gpfsscratch/alice/tb"]),
    ('"$WORK/my runs"', ["/gpfswork/alice/my runs"]),
    ("${RUN}x", ["run-7x"]),
    ("$RUNx", []),
    ("a$RUNx", ["a"]),
    ("$UNSET", []),
    ("$EMPTY a", ["a"]),
    ('"$UNSET"', [""]),
    ("''$UNSET", [""]),
    ("${UNSET:-/tmp/logs}", ["/tmp/logs"]),
    ("${EMPTY:-fallback}", ["fallback"]),
    ("${RUN:-fallback}", ["run-7"]),
    ("${UNSET:-$WORK}/x", ["/gpfswork/alice/x"]),
    ("${UNSET:-~/logs}", [f"{HOME}/logs"]),
    ("$", ["$"]),
    ("a$ b", ["a$", "b"]),
    ("$/x", ["$/x"]),
    ('"$"', ["$"]),
    ("100$", ["100$"]),
    # tilde
    ("~", [HOME]),
    ("~/runs", [f"{HOME}/runs"]),
    ("--logdir ~/runs", ["--logdir", f"{HOME}/runs"]),
    ("~+", [ROOT]),
    ("~+/runs", [f"{ROOT}/runs"]),
    ("'~'", ["~"]),
    ('"~/x"', ["~/x"]),
    ("\\~", ["~"]),
    ("a~", ["a~"]),
    ("--logdir=~/runs", ["--logdir=~/runs"]),
    # characters a shell keeps as they are
    ("a=b c:d e,f", ["a=b", "c:d", "e,f"]),
    ("a#b", ["a#b"]),
    ("a]b} !x @y %z +1 -", ["a]b}", "!x", "@y", "%z", "+1", "-"]),
    ("héllo 日本", ["héllo", "日本"]),
    ("relative/path ../up ./here", ["relative/path", "../up", "./here"]),
]


@pytest.mark.parametrize(("text", "words"), TABLE)
def test_text_is_split_and_expanded_as_a_shell_would(text: str, words: list[str]) -> None:
    assert parse(text) == words


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(("text", "words"), TABLE)
def test_the_table_agrees_with_bash(text: str, words: list[str], tmp_path: Path) -> None:
    # given bash, with the same environment and the root as its working directory
    root = tmp_path / "root"
    root.mkdir()
    env = {**ENV, "PWD": str(root), "PATH": os.defpath}
    # when bash prints each word of the text NUL-terminated (a first word, so that an empty
    # list still prints); the table holds no substitutions, operators or patterns
    output = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f"printf '%s\\0' first {text}"],
        cwd=root,
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    # then it gets what our parser gets
    from_bash = output.decode().split("\0")[1:-1]
    ours = parse_arguments(text, env=ENV, home=HOME, cwd=str(root))
    assert from_bash == ours
    assert list(os.listdir(root)) == []


def test_an_expansion_stays_one_word_and_is_never_globbed() -> None:
    # unlike bash, a value with blanks or patterns cannot add arguments
    env = {"SP": "a b  c", "STAR": "*", "OP": "x; rm -rf ~"}
    assert parse("$SP $STAR $OP", env) == ["a b  c", "*", "x; rm -rf ~"]
    assert parse("--x=$SP", env) == ["--x=a b  c"]


def test_variables_entered_in_the_dialog_are_seen_by_the_arguments() -> None:
    rows = validate_env({"MLRUNS_DIR": "$WORK/mlflow"}, env=ENV, home=HOME, cwd=ROOT)
    assert parse("--dir $MLRUNS_DIR", {**ENV, **rows}) == ["--dir", "/gpfswork/alice/mlflow"]


# (hostile text, words the message must contain)
HOSTILE = [
    ("$(touch {sentinel})", ["$( )", "command substitution", "character 1"]),
    ("--logdir $(touch {sentinel})", ["command substitution", "character 10"]),
    ('"$(touch {sentinel})"', ["command substitution", "character 2"]),
    ("$((1+2))", ["command substitution"]),
    ("`touch {sentinel}`", ["Backticks", "character 1"]),
    ('"`touch {sentinel}`"', ["Backticks", "character 2"]),
    ("a; touch {sentinel}", ["';'", "shell operator", "character 2"]),
    ("a;touch {sentinel}", ["';'"]),
    ("a | touch {sentinel}", ["'|'", "shell operator"]),
    ("a || touch {sentinel}", ["'|'"]),
    ("a && touch {sentinel}", ["'&'"]),
    ("a & touch {sentinel}", ["'&'"]),
    ("a > {sentinel}", ["'>'"]),
    ("a >> {sentinel}", ["'>'"]),
    ("a < /etc/passwd", ["'<'"]),
    ("<(touch {sentinel})", ["'<'"]),
    ("(touch {sentinel})", ["'('"]),
    ("a)", ["')'"]),
    ("a\ntouch {sentinel}", ["line break", "character 2"]),
    ("a\rtouch {sentinel}", ["line break"]),
    ("a\0touch {sentinel}", ["NUL", "character 2"]),
    ("a\x1b[2J", ["control character U+001B"]),
    ("*.py", ["'*'", "no globbing: quote it"]),
    ("runs/?", ["'?'", "no globbing"]),
    ("[ab]", ["'['", "no globbing"]),
    ("{a,b}", ["brace expansion"]),
    ("# comment", ["comment"]),
    ("'unterminated", ["single quote is never closed", "character 1"]),
    ('a "unterminated', ["double quote is never closed", "character 3"]),
    ('"a\\"', ["double quote is never closed"]),
    ("${WORK", ["${ is never closed"]),
    ("${}", ["variable name"]),
    ("${1}", ["variable name"]),
    ("${WORK#/}", ["${WORK#/}", "not supported"]),
    ("${WORK/a/b}", ["not supported"]),
    ("${WORK:=x}", ["not supported"]),
    ("${#WORK}", ["variable name"]),
    ("${!WORK}", ["variable name"]),
    ("${X:-$(touch {sentinel})}", ["command substitution", "character 6"]),
    ("${X:-`touch {sentinel}`}", ["may not hold"]),
    ("$1", ["$1", "special parameter"]),
    ("$@", ["special parameter"]),
    ("$$", ["special parameter"]),
    ("$[1+2]", ["arithmetic"]),
    ("$'\\x41'", ["quoting is not supported"]),
    ('$"x"', ["quoting is not supported"]),
    ("~root/x", ["~user"]),
    ("~-", ["~user"]),
    ("a" * (MAX_TEXT_CHARS + 1), ["cannot be longer than 8192 characters (8193 given)"]),
    ("x" * 100 * 1024, ["cannot be longer than"]),
    (" ".join(["a"] * (MAX_WORDS + 1)), ["Too many arguments", "256"]),
]


@pytest.mark.parametrize(("template", "expected"), HOSTILE)
def test_hostile_text_is_refused_with_a_message_and_runs_nothing(
    template: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = tmp_path / "sentinel"
    monkeypatch.chdir(tmp_path)
    text = template.replace("{sentinel}", str(sentinel))
    with pytest.raises(ArgumentError) as raised:
        parse(text)
    for words in expected:
        assert words in raised.value.message
    assert not sentinel.exists() and list(tmp_path.iterdir()) == []


def test_an_error_knows_the_position_of_the_offending_text() -> None:
    with pytest.raises(ArgumentError) as raised:
        parse("--logdir runs; id")
    assert raised.value.position == 13
    assert "(at character 14: '; id')" in raised.value.message


def test_a_long_offending_text_is_quoted_short() -> None:
    with pytest.raises(ArgumentError) as raised:
        parse("$(" + "x" * 1000 + ")")
    assert len(raised.value.message) < 200


def test_an_expansion_cannot_blow_up_the_arguments() -> None:
    env = {"BIG": "x" * 64 * 1024}
    assert parse("$BIG", env) == ["x" * 64 * 1024]
    with pytest.raises(ArgumentError, match="exceed"):
        parse("$BIG $BIG $BIG", env)


def test_text_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ArgumentError, match="must be text, not list"):
        parse_arguments(["a"], env={}, home=HOME, cwd=ROOT)  # type: ignore[arg-type]


# Environment rows


def test_env_values_are_expanded_as_in_an_assignment() -> None:
    rows = {
        "MLRUNS_DIR": "$WORK/mlflow",
        "TITLE": "my run  (two spaces)",
        "QUOTED": "'$WORK' \"$RUN\"",
        "SEARCH": "~/bin:~+/bin:$MLRUNS_DIR",
        "GLOB": "*.py;|&<>",
        "EMPTY_TOO": "",
        "DEFAULTED": "${UNSET:-~}",
    }
    assert validate_env(rows, env=ENV, home=HOME, cwd=ROOT) == {
        "MLRUNS_DIR": "/gpfswork/alice/mlflow",
        "TITLE": "my run  (two spaces)",
        "QUOTED": "$WORK run-7",
        "SEARCH": f"{HOME}/bin:{ROOT}/bin:/gpfswork/alice/mlflow",
        "GLOB": "*.py;|&<>",
        "EMPTY_TOO": "",
        "DEFAULTED": HOME,
    }


def test_a_row_sees_the_rows_before_it_not_after() -> None:
    rows = {"A": "$B-a", "B": "b", "C": "$B-c"}
    assert validate_env(rows, env={}, home=HOME, cwd=ROOT) == {"A": "-a", "B": "b", "C": "b-c"}


def test_path_and_ld_library_path_may_be_set() -> None:
    rows = {"PATH": "$HOME/bin:/usr/bin", "LD_LIBRARY_PATH": "/opt/cuda/lib64"}
    assert validate_env(rows, env=ENV, home=HOME, cwd=ROOT)["PATH"] == f"{HOME}/bin:/usr/bin"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ({"1ABC": "x"}, "'1ABC' is not a valid environment variable name"),
        ({"A-B": "x"}, "not a valid environment variable name"),
        ({"A B": "x"}, "not a valid environment variable name"),
        ({"A=B": "x"}, "not a valid environment variable name"),
        ({"ÉTÉ": "x"}, "not a valid environment variable name"),
        ({"A\0": "x"}, "not a valid environment variable name"),
        ({"BASH_FUNC_x%%": "() { id; }"}, "not a valid environment variable name"),
        ({"": "x"}, "needs a name"),
        ({"A" * 129: "x"}, "longer than 128 characters"),
        ({"LD_PRELOAD": "/tmp/evil.so"}, "LD_PRELOAD cannot be set here: it changes how"),
        ({"LD_AUDIT": "x"}, "LD_AUDIT cannot be set here"),
        ({"BASH_ENV": "/tmp/x"}, "BASH_ENV cannot be set here: it makes shells"),
        ({"ENV": "/tmp/x"}, "ENV cannot be set here"),
        ({"PYTHONSTARTUP": "/tmp/x"}, "PYTHONSTARTUP cannot be set here"),
        ({"A": "$(touch x)"}, "The value of A: $( ) is command substitution"),
        ({"A": "`id`"}, "The value of A: Backticks"),
        ({"A": "a\nb"}, "The value of A cannot hold a line break"),
        ({"A": "a\0b"}, "The value of A cannot hold a NUL character"),
        ({"A": "'open"}, "The value of A: This single quote is never closed"),
        ({"A": "x" * (8 * 1024 + 1)}, "The value of A cannot be longer than 8192"),
        ({"A": 3}, "The value of A must be text, not int"),
        ({"A": None}, "The value of A must be text, not NoneType"),
        ({f"V{i}": "x" for i in range(65)}, "Too many environment variables: 65"),
        ([["A", "x"]], "must be an object"),
        ("A=x", "must be an object"),
    ],
)
def test_bad_env_rows_are_refused_with_the_reason(
    rows: object, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArgumentError) as raised:
        validate_env(rows, env=ENV, home=HOME, cwd=ROOT)
    assert expected in raised.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_value_is_one_word_even_when_empty() -> None:
    assert expand_value("", env={}, home=HOME, cwd=ROOT) == ""
    assert expand_value("$UNSET", env={}, home=HOME, cwd=ROOT) == ""
    assert expand_value("  a  ", env={}, home=HOME, cwd=ROOT) == "  a  "
