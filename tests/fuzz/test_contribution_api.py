"""Contribution: no generated request gets a 5xx or an answer its OpenAPI does not document."""

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.fuzz.conftest import service_schema

SERVICE = "contribution"
schema = service_schema(SERVICE)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_contribution_api(
    case: schemathesis.Case, fuzz_app: Any, every_role: dict[str, str]
) -> None:
    """Every operation, fuzzed with a caller of every role."""
    case.call_and_validate(app=fuzz_app, headers=every_role, checks=CHECKS)
