"""Budget: no generated request gets a 5xx or an answer its OpenAPI does not document."""

from tests.fuzz.conftest import fuzz_test

SERVICE = "budget"
test_budget_api = fuzz_test(SERVICE)
