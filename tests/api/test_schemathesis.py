"""Fuzz every operation of the OpenAPI document with schemathesis: as an admin of a small seeded org on
SQLite, no request makes the API fail (5xx) and every answer matches what the document declares (status,
content type, headers, body schema; errors are problem+json)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import sessionmaker

from api.app import create_app
from okrflow.runtime.settings import Settings
from okrflow.store import make_session_factory, unit_of_work
from okrflow.store.testing import migrated_engine
from tests.api.conftest import World, seed

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 8  # per operation: enough to reach every branch of the inputs' shapes, bounded in time
# The coverage phase (boundary values for every field; about three times slower) runs on request:
# OKRFLOW_SCHEMATHESIS_COVERAGE=1 pytest tests/api/test_schemathesis.py
COVERAGE = os.environ.get("OKRFLOW_SCHEMATHESIS_COVERAGE") == "1"


# The document is read from the app when the module is collected (no database needed for that); the
# fixture below plugs in a seeded database before the first request. (schemathesis' ``from_fixture``
# does not work with pytest 9.)
APP = create_app(Settings(), session_factory=sessionmaker())
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
# /health is operational, outside /api/v1: its 503 (Temporal is not connected here) is its honest answer.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP, config=CONFIG).include(
    path_regex="^/api/v1/"
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    with migrated_engine("sqlite", directory=directory) as engine:
        sessions = make_session_factory(engine)
        with unit_of_work(sessions) as session:
            world = seed(session, World())
        APP.state.session_factory = APP.state.read_session_factory = sessions
        try:
            yield world
        finally:
            APP.state.session_factory = APP.state.read_session_factory = sessionmaker()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_fails_the_api_and_every_answer_matches_the_document(
    case: schemathesis.Case, fuzzed: World
) -> None:
    case.call_and_validate(headers=fuzzed.auth("root"), checks=CHECKS)


def test_every_operation_documents_its_errors_as_problem_json() -> None:
    document = APP.openapi()
    undocumented = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
            if "401" not in errors:
                undocumented.append(f"{method.upper()} {path}: no 401")
            undocumented += [
                f"{method.upper()} {path}: {code} is not problem+json"
                for code, response in errors.items()
                if list(response.get("content", {})) != ["application/problem+json"]
            ]
    assert undocumented == []
