"""What a launch refuses, and what the API never shows: nothing hostile runs, secrets stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import Lab, message


@pytest.fixture
def hpc_config(launcher_config: dict[str, Any]) -> dict[str, Any]:
    return launcher_config


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file that any hostile text below would create if a shell ever ran it."""
    return tmp_path / "pwned"


LONG = "a" * 100_000

# (id, request body with {M} for the marker's path, what the message must say)
HOSTILE: list[tuple[str, Any, str]] = [
    ("command substitution", {"args": "--logdir $(touch {M})"}, "command substitution"),
    ("quoted substitution", {"args": '--logdir "$(touch {M})"'}, "command substitution"),
    ("substitution in a default", {"args": "${HPC_UNSET:-$(touch {M})}"}, "substitution"),
    ("backticks", {"args": "--logdir `touch {M}`"}, "Backticks are command substitution"),
    ("quoted backticks", {"args": '"`touch {M}`"'}, "Backticks are command substitution"),
    ("semicolon", {"args": "--logdir x; touch {M}"}, "';' is a shell operator"),
    ("pipe", {"args": "--logdir x | touch {M}"}, "'|' is a shell operator"),
    ("and", {"args": "--logdir x && touch {M}"}, "'&' is a shell operator"),
    ("background", {"args": "touch {M} &"}, "'&' is a shell operator"),
    ("redirection", {"args": "--logdir x > {M}"}, "'>' is a shell operator"),
    ("subshell", {"args": "(touch {M})"}, "'(' is a shell operator"),
    ("newline", {"args": "--logdir x\ntouch {M}"}, "line break"),
    ("carriage return", {"args": "--logdir x\rtouch {M}"}, "line break"),
    ("NUL", {"args": "--logdir x\0touch {M}"}, "NUL"),
    ("escape character", {"args": "--logdir \x1b[2J"}, "control character"),
    ("glob", {"args": "--logdir *.log"}, "no globbing"),
    ("brace expansion", {"args": "{a,b}"}, "brace expansion"),
    ("100 KB of arguments", {"args": LONG}, "cannot be longer than"),
    ("arguments not text", {"args": ["--logdir", "x"]}, "must be text"),
    ("arguments a number", {"args": 42}, "must be text"),
    ("env name starting with a digit", {"env": {"1A": "x"}}, "not a valid environment"),
    ("env name with a dash", {"env": {"A-B": "x"}}, "not a valid environment"),
    ("env name with a space", {"env": {"A B": "x"}}, "not a valid environment"),
    ("env name with =", {"env": {"A=B": "x"}}, "not a valid environment"),
    ("empty env name", {"env": {"": "x"}}, "needs a name"),
    ("LD_PRELOAD", {"env": {"LD_PRELOAD": "{M}.so"}}, "dynamic loader"),
    ("BASH_ENV", {"env": {"BASH_ENV": "{M}"}}, "shells started by the app"),
    ("env value a number", {"env": {"A": 1}}, "must be text"),
    ("env value null", {"env": {"A": None}}, "must be text"),
    ("env value a list", {"env": {"A": ["x"]}}, "must be text"),
    ("env value substitution", {"env": {"A": "$(touch {M})"}}, "command substitution"),
    ("env value backticks", {"env": {"A": "`touch {M}`"}}, "Backticks are command substitution"),
    ("env value newline", {"env": {"A": "x\ntouch {M}"}}, "line break"),
    ("env value NUL", {"env": {"A": "x\0y"}}, "NUL"),
    ("100 KB env value", {"env": {"A": LONG}}, "cannot be longer than"),
    ("env a list", {"env": ["A=1"]}, "must be an object"),
    ("env a string", {"env": "A=1"}, "must be an object"),
    ("too many env rows", {"env": {f"V{i}": "x" for i in range(65)}}, "Too many"),
    # json.dumps writes these as "\ud800" escapes: valid JSON, but no argv can carry them.
    ("lone surrogate in the arguments", {"args": "--logdir \ud800"}, "lone surrogate"),
    ("lone surrogate in an env value", {"env": {"A": "x\udfff"}}, "lone surrogate"),
    ("lone surrogate in an env name", {"env": {"\ud800": "x"}}, "lone surrogate"),
    ("body a list", ["--logdir", "x"], "request body must be"),
    ("body a string", "--logdir x", "request body must be"),
]


def with_marker(value: Any, marker: Path) -> Any:
    """The body with {M} replaced by the marker's path, wherever it is."""
    if isinstance(value, str):
        return value.replace("{M}", str(marker))
    if isinstance(value, list):
        return [with_marker(item, marker) for item in value]
    if isinstance(value, dict):
        return {key: with_marker(item, marker) for key, item in value.items()}
    return value


async def assert_nothing_ran(lab: Lab, marker: Path) -> None:
    """No marker file, no instance, and no log: no process was even started."""
    assert not marker.exists()
    assert await lab.running() == []
    assert not lab.log_path("testapp", 0).exists()
    assert (await lab.log("testapp", 0)).code == 404


@pytest.mark.parametrize(
    ("body", "expected"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
async def test_hostile_text_is_refused_and_nothing_runs(
    lab: Lab, marker: Path, body: Any, expected: str
) -> None:
    response = await lab.post("testapp", 0, with_marker(body, marker))
    assert response.code == 400
    assert expected in message(response)
    await assert_nothing_ran(lab, marker)


@pytest.mark.parametrize(
    "body", [b"not json", b"{'args': 'x'}", b"\xff\xfe", b'{"args": "x"'], ids=repr
)
async def test_a_body_that_is_not_json_is_refused(lab: Lab, marker: Path, body: bytes) -> None:
    response = await lab.post("testapp", 0, body)
    assert response.code == 400
    assert "The request body is not" in message(response)
    await assert_nothing_ran(lab, marker)


@pytest.mark.parametrize(
    ("body", "code", "expected"),
    [
        (b"[" * 100_000, 400, "nests deeper than"),
        (b'{"args": ' * 1000 + b'""' + b"}" * 1000, 400, "nests deeper than"),
        (b'{"args": "--logdir x", "env": {"A": NaN}}', 400, "NaN is not a JSON number"),
        (b'{"args": "' + b"a" * (2 * 1024 * 1024) + b'"}', 413, "the most this route takes"),
    ],
    ids=["100,000 [", "1,000 nested objects", "NaN", "2 MiB body"],
)
async def test_a_hostile_body_is_refused_with_a_message(
    lab: Lab, marker: Path, body: bytes, code: int, expected: str
) -> None:
    response = await lab.post("testapp", 0, body)
    assert response.code == code
    assert expected in message(response)
    await assert_nothing_ran(lab, marker)


async def test_a_refused_relaunch_leaves_the_running_app_alone(lab: Lab, marker: Path) -> None:
    launched = await lab.launch("testapp", 0, "--logdir runs")
    await lab.wait_state("testapp", 0)
    response = await lab.post("testapp", 0, {"args": f"--logdir $(touch {marker})"})
    assert response.code == 400
    assert not marker.exists()
    record = await lab.record("testapp", 0)
    assert (record["pid"], record["argv"][2:]) == (launched["pid"], ["--logdir", "runs"])


async def test_hostile_text_quoted_reaches_the_app_as_text(lab: Lab, marker: Path) -> None:
    args = f"'$(touch {marker})' '`touch {marker}`' '; touch {marker}' \"a|b&&c>d\""
    await lab.launch("testapp", 0, args, {"NOTE": f"'$(touch {marker})'"})
    await lab.wait_state("testapp", 0)
    record = await lab.record("testapp", 0)
    assert record["argv"][2:] == [
        f"$(touch {marker})",
        f"`touch {marker}`",
        f"; touch {marker}",
        "a|b&&c>d",
    ]
    assert record["env"]["NOTE"] == f"$(touch {marker})"
    assert not marker.exists()


async def test_apps_running_never_shows_environment_values(lab: Lab) -> None:
    secret = "hunter2-s3cr3t-9f8e7d"
    launched = await lab.launch("testapp", 0, "", {"API_TOKEN": secret, "MODE": "fast"})
    await lab.wait_state("testapp", 0)
    # the app has them
    env = (await lab.record("testapp", 0))["env"]
    assert (env["API_TOKEN"], env["MODE"]) == (secret, "fast")
    # the API names them only
    running = await lab.running()
    assert running[0]["env_names"] == ["API_TOKEN", "MODE"]
    assert launched["env_names"] == ["API_TOKEN", "MODE"]
    assert secret not in json.dumps(running) and secret not in json.dumps(launched)
    assert "fast" not in json.dumps(running)
    assert secret not in (await lab.log("testapp", 0)).body.decode()


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", ("nope", "0"), "There is no app named 'nope'"),
        ("POST", ("testapp", "3"), "endpoints 0 to 2, not 3"),
        ("POST", ("sockapp", "1"), "one endpoint, 0, not 1"),
        ("DELETE", ("nope", "0"), "There is no app named 'nope'"),
        ("DELETE", ("testapp", "5"), "not 5"),
        ("GET", ("testapp", "3", "log"), "not 3"),
        ("GET", ("testapp", "1", "log"), "was not launched on endpoint 1"),
        ("GET", ("nope", "0", "log"), "There is no app named 'nope'"),
    ],
)
async def test_unknown_apps_and_endpoints_are_not_found(
    jp_fetch: Any, lab: Lab, method: str, path: tuple[str, ...], expected: str
) -> None:
    body = json.dumps({"args": ""}) if method == "POST" else None
    response = await jp_fetch(
        "jupyterlab-hpc", "apps", *path, method=method, body=body, raise_error=False
    )
    assert response.code == 404
    assert expected in message(response)
    assert await lab.running() == []


async def test_stopping_an_endpoint_that_never_ran_is_fine(lab: Lab) -> None:
    await lab.stop("testapp", 2)
    assert await lab.running() == []
