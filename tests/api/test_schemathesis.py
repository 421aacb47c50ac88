"""schemathesis drives every documented operation of a live server: no 500, answers as documented.

The server (tests/api/conftest.py) runs as the Slurm testbed's user in a throw-away root
folder with only the test app, so the mutating operations are fuzzed for real: jobs are
submitted to the testbed (and cancelled at the end), the test app is launched and stopped,
filesystems are mounted inside the root. The proxy routes forward arbitrary content and are
not schema-checked; the last tests ask them, with every method, for a stopped app and a closed
port: never a 500.

Generation is deterministic (derandomize) and bounded (MAX_EXAMPLES per operation), so the
same cases run everywhere and the module fits in a few minutes on a loaded 2-core machine.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.exceptions import CheckFailed

from tests.api.conftest import MOUNTED, load_document, resolved
from tests.slurm.conftest import SlurmTestbed, UserServer, _free_port

MAX_EXAMPLES = 30
PROXY_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Operations whose documented answer to "the thing you asked about does not answer" is a
# 5xx by design: the dashboard check's 502 (the port is the request's own choice). Any other
# 5xx, and a 500 anywhere, fails.
# Where three generated cases in four are sent (see _aim).
AIMED = {
    "/jupyterlab-hpc/apps/{name}/{endpoint}": "testapp",
    "/jupyterlab-hpc/dashboards/{name}": "dask",
    "/jupyterlab-hpc/filesystems/{name}/": MOUNTED,
}
GATEWAY_ANSWERS = {("POST", "/jupyterlab-hpc/dashboards/{name}"): {502}}


class Fuzzing:
    """What the module's cases leave behind: their count, the jobs they submitted."""

    cases = 0
    proxy_requests = 0
    statuses: dict[str, int] = {}  # noqa: RUF012
    submitted: set[str] = set()  # noqa: RUF012
    foreign_jobs: set[str] = set()  # noqa: RUF012


@pytest.fixture(scope="module")
def fuzzed_server(api_server: UserServer, testbed: SlurmTestbed) -> Iterator[UserServer]:
    """The live server with one filesystem mounted; the jobs its cases submitted cancelled."""
    _mount(api_server)
    # Jobs of others on the shared testbed (another test's) are never cancelled, held or
    # released from here.
    queue = testbed.run(["squeue", "-h", "-o", "%A"], as_user=False)
    Fuzzing.foreign_jobs = set(queue.stdout.split())
    yield api_server
    if Fuzzing.submitted:
        testbed.run(["scancel", *sorted(Fuzzing.submitted)], as_user=False)


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: UserServer) -> Any:
    return schemathesis.from_dict(
        load_document(),
        base_url=fuzzed_server.url.rstrip("/"),
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


schema = schemathesis.from_pytest_fixture("api_schema").exclude(tag="proxy")


def no_server_error(response: Any, case: Any) -> None:
    """No 5xx, but for a gateway answer the document lists for that very operation."""
    allowed = GATEWAY_ANSWERS.get((case.method.upper(), case.path), set())
    if response.status_code >= 500 and response.status_code not in allowed:
        raise AssertionError(f"Server error {response.status_code}: {response.text[:2000]}")


CHECKS = (
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)


# One pytest item runs every operation: more than pytest's default timeout may be needed on a
# loaded machine (about 1 to 3 minutes is usual).
@pytest.mark.timeout(900)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_operation_answers_as_documented(case: Any, fuzzed_server: UserServer) -> None:
    # Negative cases keep to URLs the routes serve: others get jupyter_server's own 404 page.
    assume(_routed(case))
    assume(not _foreign(str((case.path_parameters or {}).get("job_id", ""))))
    _aim(case)
    # The generated credentials (the document's security schemes) give way to the real token:
    # a wrong `?token=` would win over the header and make every case a 403.
    if case.query:
        case.query.pop("token", None)
    Fuzzing.cases += 1
    logged = len(fuzzed_server.log())
    response = case.call(headers={"Authorization": f"token {fuzzed_server.token}"}, timeout=60)
    key = f"{case.method.upper()} {case.path} {response.status_code}"
    Fuzzing.statuses[key] = Fuzzing.statuses.get(key, 0) + 1
    if case.operation.verbose_name == "POST /jupyterlab-hpc/slurm/jobs":
        if response.status_code == 201:
            Fuzzing.submitted.add(response.json()["id"])
    if case.operation.verbose_name == "PUT /jupyterlab-hpc/filesystems/mounts":
        # mount the test's filesystem again, so that the contents routes find it
        _mount(fuzzed_server)
    try:
        case.validate_response(response, checks=CHECKS)
    except CheckFailed as failure:
        log = fuzzed_server.log()[logged:][:8000]
        raise AssertionError(f"{failure}\n\nthe server's log meanwhile:\n{log}") from None


def _aim(case: Any) -> None:
    """Point three cases in four at what exists: the test app, the dashboard, the filesystem.

    Random names would almost all be answered 404 before the body is read; the fourth case
    keeps its generated name. The choice depends on the generated value only (deterministic).
    """
    parameters = case.path_parameters or {}
    target = next((t for prefix, t in AIMED.items() if case.path.startswith(prefix)), None)
    if target is None or zlib.crc32(str(parameters).encode()) % 4 == 0:
        return
    parameters["name"] = target
    if isinstance(parameters.get("endpoint"), int):
        parameters["endpoint"] %= 3  # the test app has endpoints 0 and 1: 2 is a 404


def _routed(case: Any) -> bool:
    """Whether every path parameter of the case fits its schema (so a route serves the URL)."""
    for parameter in case.operation.path_parameters:
        schema = parameter.definition["schema"]
        value = (case.path_parameters or {}).get(parameter.name)
        if schema.get("type") == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            if not schema.get("minimum", value) <= value <= schema.get("maximum", value):
                return False
        elif not isinstance(value, str) or not value:
            return False
        elif "enum" in schema and value not in schema["enum"]:
            return False
        elif "pattern" in schema and re.fullmatch(schema["pattern"].strip("^$"), value) is None:
            return False
    return True


def _mount(server: UserServer) -> None:
    status, answer = server.request(
        "PUT",
        "jupyterlab-hpc/filesystems/mounts",
        {"filesystems": [{"name": MOUNTED, "url": f"osfs://{server.root_dir / MOUNTED}"}]},
    )
    assert status == 200 and answer["filesystems"][0]["valid"], answer


def _foreign(job_id: str) -> bool:
    """Whether the id names a job that was in the queue before this module started."""
    base = re.split(r"[_+]", job_id, maxsplit=1)[0]
    return base in Fuzzing.foreign_jobs


def test_app_proxy_answers_a_stopped_app_with_a_page_saying_so(fuzzed_server: UserServer) -> None:
    # given the test app stopped on endpoint 1
    assert fuzzed_server.request("DELETE", "jupyterlab-hpc/apps/testapp/1")[0] == 204
    for method in PROXY_METHODS:
        for path in ("testapp/1/", "testapp/1/some/page"):
            # when any method asks the app's pages
            status, answer = fuzzed_server.request(method, path)
            Fuzzing.proxy_requests += 1
            # then 503 with the documented one-line page: not running, start it from the launcher
            assert status == 503, f"{method} {path}: {status} {str(answer)[:300]}"
            if method != "HEAD":
                assert "not running" in answer and "launcher" in answer


def test_dashboard_proxy_answers_a_closed_port_without_a_server_error(
    fuzzed_server: UserServer,
) -> None:
    # given a port of this node where nothing listens
    closed = _free_port()
    for method in PROXY_METHODS:
        for path in (f"jupyterlab-hpc/proxy/{closed}", f"jupyterlab-hpc/proxy/{closed}/status"):
            # when any method asks it through the dashboard proxy
            logged = len(fuzzed_server.log())
            status, answer = fuzzed_server.request(method, path)
            Fuzzing.proxy_requests += 1
            # then the answer is an error page, never a 500
            assert status < 500 or status in (502, 503, 504), (
                f"{method} {path}: {status} {str(answer)[:300]}\n"
                f"the server's log meanwhile:\n{fuzzed_server.log()[logged:][:6000]}"
            )


def test_cases_run(
    fuzzed_server: UserServer,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """How many cases ran (README's reliability figures), in the output and in a file."""
    report = {
        "cases": Fuzzing.cases,
        "max_examples": MAX_EXAMPLES,
        "proxy_requests": Fuzzing.proxy_requests,
        "statuses": Fuzzing.statuses,
    }
    path = Path(tmp_path_factory.getbasetemp()) / "schemathesis-cases.json"
    path.write_text(json.dumps(report, indent=1, sort_keys=True))
    with capsys.disabled():
        print(
            f"\nschemathesis: {Fuzzing.cases} generated cases run against the live server,"
            f" and {Fuzzing.proxy_requests} requests to its proxies ({path})"
        )
    assert Fuzzing.cases > 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_every_operation_refuses_an_anonymous_request(fuzzed_server: UserServer) -> None:
    """No token, no cookie: 403 with a message, or the login page where the document says so."""
    document = load_document()
    opener = urllib.request.build_opener(_NoRedirect)
    answers = {}
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or "proxy" in operation.get("tags", []):
                continue
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            examples = {p["name"]: p.get("example") for p in resolved(parameters, document)}
            url = f"{fuzzed_server.url}{template.format(**examples).lstrip('/')}"
            request = urllib.request.Request(url, method=method.upper())
            try:
                with opener.open(request, timeout=60) as response:
                    answer = (response.status, response.headers, response.read())
            except urllib.error.HTTPError as error:
                answer = (error.code, error.headers, error.read())
            answers[(method.upper(), template)] = (answer, operation["responses"])
    assert len(answers) > 30
    for (method, template), ((status, headers, body), documented) in answers.items():
        if "403" in documented:
            assert status == 403, f"{method} {template}: {status}"
            assert isinstance(json.loads(body).get("message"), str), f"{method} {template}"
        else:
            # a page handler: to the login page, and nothing else
            assert "302" in documented, f"{method} {template} documents no refusal"
            assert status == 302, f"{method} {template}: {status}"
            assert "/login" in headers["Location"], f"{method} {template}: {headers['Location']}"
