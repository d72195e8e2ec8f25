"""Schemathesis over the gateway's merged OpenAPI: no 5xx, no undocumented status code.

Bounded and deterministic (a fixed number of examples per operation, derandomized). Opt-in
with PENSION_RUN_FUZZ=1 because it starts five processes of its own; `tests/fuzz/` runs the
same merged document against each service in process in every `make test`.
"""

import os
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.e2e.conftest import System, login
from tests.fuzz import media  # noqa: F401  (registers the spreadsheet serializer)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("PENSION_RUN_FUZZ") != "1", reason="set PENSION_RUN_FUZZ=1 to fuzz"
    ),
]
EXAMPLES = int(os.environ.get("PENSION_FUZZ_EXAMPLES", "5"))


@pytest.mark.timeout(3600)
def test_no_server_error_and_only_documented_statuses(system: System) -> None:
    spec = httpx.get(f"{system.gateway}/openapi.json", timeout=30).json()
    assert not spec["info"]["x-services-missing"]
    schema = schemathesis.openapi.from_dict(spec)
    admin = login(system.gateway, "admin")  # every route is open to it: refusals are input
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            response = case.call(base_url=system.gateway, headers=admin, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # one line per failing operation
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            failures[operation.label] = " | ".join(lines[1:5])[:300]
    report = "\n".join(f"{label}: {why}" for label, why in sorted(failures.items()))
    print(f"\nBENCH fuzz statuses: {dict(sorted(statuses.items()))}")
    print(f"BENCH fuzz failing operations: {len(failures)}\n{report}")
    assert not failures, report
