"""Enrollment: no generated request gets a 5xx or an answer its OpenAPI does not document."""

from tests.fuzz.conftest import fuzz_test

SERVICE = "enrollment"
test_enrollment_api = fuzz_test(SERVICE)
