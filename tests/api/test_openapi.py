"""docs/api/openapi.yaml: valid OpenAPI 3, true to the golden answers and to the routes.

The routes are read from the running extension (HPCApp.handlers, as initialize_handlers built
them), never from a list kept here, so a route added without its documentation fails.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from jupyter_server.base.handlers import APIHandler
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from tornado import web

from tests.api.conftest import load_document, resolved
from tests.apps.conftest import TEST_APPS
from tests.support import GOLDEN, load_golden

# Each golden answer and the operation (path, method, status) that answers it.
GOLDEN_OPERATIONS = {
    "apps-launch.json": ("/jupyterlab-hpc/apps/{name}/{endpoint}", "post", "202"),
    "apps-running.json": ("/jupyterlab-hpc/apps/running", "get", "200"),
    "apps.json": ("/jupyterlab-hpc/apps", "get", "200"),
    "dashboards-check.json": ("/jupyterlab-hpc/dashboards/{name}", "post", "200"),
    "error.json": ("/jupyterlab-hpc/metrics/history", "get", "400"),
    "filesystems-validate.json": ("/jupyterlab-hpc/filesystems/validate", "post", "200"),
    "filesystems.json": ("/jupyterlab-hpc/filesystems", "get", "200"),
    "history.json": ("/jupyterlab-hpc/metrics/history", "get", "200"),
    "info.json": ("/jupyterlab-hpc/info", "get", "200"),
    "metrics.json": ("/jupyterlab-hpc/metrics", "get", "200"),
    "modules.json": ("/jupyterlab-hpc/modules", "get", "200"),
    "slurm-history.json": ("/jupyterlab-hpc/slurm/history", "get", "200"),
    "slurm-job.json": ("/jupyterlab-hpc/slurm/jobs/{job_id}", "get", "200"),
    "slurm-jobs.json": ("/jupyterlab-hpc/slurm/jobs", "get", "200"),
    "slurm-partitions.json": ("/jupyterlab-hpc/slurm/partitions", "get", "200"),
    "slurm-submit.json": ("/jupyterlab-hpc/slurm/jobs", "post", "201"),
    "slurm-templates.json": ("/jupyterlab-hpc/slurm/templates", "get", "200"),
}
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    response = resolved(document["paths"][path][method]["responses"][status], document)
    return response["content"]["application/json"]["schema"]


def schema_errors(schema: Any, answer: Any) -> list[str]:
    return [error.message for error in OAS30Validator(schema).iter_errors(answer)]


def test_the_document_is_valid_openapi_3() -> None:
    document = load_document()
    validate_spec(document)
    assert document["openapi"].startswith("3.")


def test_every_golden_answer_is_mapped_to_an_operation() -> None:
    # A golden file added for a new answer must say which operation it shows.
    assert sorted(path.name for path in GOLDEN.glob("*.json")) == sorted(GOLDEN_OPERATIONS)


@pytest.mark.parametrize("name", sorted(GOLDEN_OPERATIONS))
def test_golden_answer_validates_against_its_response_schema(name: str) -> None:
    document = load_document()
    schema = response_schema(document, *GOLDEN_OPERATIONS[name])
    golden = load_golden(name)
    assert schema_errors(schema, golden) == []
    # and the schema is no blank cheque: the answer without a required field is refused
    required = schema.get("required") or []
    assert required, f"{name}: its schema requires nothing"
    broken = copy.deepcopy(golden)
    del broken[required[0]]
    assert schema_errors(schema, broken) != []


# -- routes ---------------------------------------------------------------------------------


@pytest.fixture
def hpc_config() -> dict[str, Any]:
    """The test catalogue: app proxy routes exist only for configured apps."""
    return {"HPCApps": {"apps": TEST_APPS}}


def _groups(pattern: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level parenthesised group of a route's regex."""
    spans, depth, start, escaped = [], 0, 0, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            if depth == 0:
                start = index
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                spans.append((start, index + 1))
    return spans


def templates(pattern: str) -> set[str]:
    """The URL templates a route's regex serves, each parameter written `{}`.

    A group that follows a literal other than `/` carries its own leading slash (the rest of
    a path); when it may be empty, the URL without it is served too.
    """
    results = {""}
    position = 0
    for start, end in _groups(pattern):
        literal = pattern[position:start]
        group = pattern[start:end]
        slash = "" if (literal or pattern[:start]).endswith("/") else "/"
        optional = slash == "/" and re.fullmatch(group, "") is not None
        results = {r + literal + slash + "{}" for r in results} | (
            {r + literal for r in results} if optional else set()
        )
        position = end
    tail = pattern[position:]
    return {(r + tail).replace("\\.", ".").lstrip("/").rstrip("$") for r in results}


def implemented(handler: type[web.RequestHandler]) -> set[str]:
    """The HTTP methods the handler class answers, besides jupyter_server's CORS OPTIONS."""
    return {
        method.lower()
        for method in handler.SUPPORTED_METHODS
        if getattr(handler, method.lower(), None)
        not in (None, web.RequestHandler._unimplemented_method, APIHandler.options)
    }


def served_routes(app: Any) -> dict[str, set[str]]:
    """URL template -> methods, for every route the extension registered."""
    apps = app.app_manager.apps
    served: dict[str, set[str]] = {}
    for pattern, handler, *_ in app.handlers:
        for template in templates(pattern):
            for name, config in apps.items():
                for endpoint in range(config["endpoints"]):
                    prefix = f"{name}/{endpoint}"
                    if template == prefix or template.startswith(prefix + "/"):
                        template = "{}/{}" + template[len(prefix) :]
            served.setdefault(template, set()).update(implemented(handler))
    return served


def documented_routes(document: dict[str, Any]) -> dict[str, set[str]]:
    return {
        re.sub(r"\{[^}]+\}", "{}", path).lstrip("/"): {m for m in item if m in METHODS}
        for path, item in document["paths"].items()
    }


def test_templates_of_route_patterns() -> None:
    # the reading of tornado patterns the route comparison relies on
    assert templates(r"jupyterlab-hpc/proxy/([0-9]+)(/.*|)") == {
        "jupyterlab-hpc/proxy/{}",
        "jupyterlab-hpc/proxy/{}/{}",
    }
    assert templates(r"jupyterlab-hpc/apps/icons/(?P<name>[a-z0-9][a-z0-9_-]{0,63})\.svg") == {
        "jupyterlab-hpc/apps/icons/{}.svg"
    }
    assert templates("tb/0(/.*)") == {"tb/0/{}"}


def test_every_route_is_documented_and_every_documented_route_exists(hpc_app: Any) -> None:
    served = served_routes(hpc_app)
    documented = documented_routes(load_document())
    # the catalogue's apps are served, so the app proxy is among the routes compared
    assert "{}/{}/{}" in served
    assert sorted(set(served) - set(documented)) == []
    assert sorted(set(documented) - set(served)) == []
    # and each with exactly the methods its handler answers
    assert {t: sorted(m) for t, m in served.items()} == {t: sorted(documented[t]) for t in served}
