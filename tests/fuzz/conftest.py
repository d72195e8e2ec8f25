"""Schemathesis against the merged OpenAPI, one service app in process per test module."""

import copy
import functools
import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import schemathesis
from _pytest.nodeid import NodeId
from fastapi.openapi.utils import get_openapi
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.pytest import _test_builder
from schemathesis.pytest.plugin import SchemathesisFunction
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from gateway.main import create_app as create_gateway
from gateway.openapi import merge_specs
from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from shared.http.auth import ALL_ROLES
from shared.settings import PlatformSettings
from tests.conftest import auth_headers, delete_stream, make_platform
from tests.fuzz import media  # noqa: F401  (registers the spreadsheet serializer)
from tests.fuzz.app_host import ModuleLifespanApp
from tests.infra import TestInfra, clone_database, drop_database

FACTORIES = {
    "enrollment": create_enrollment,
    "contribution": create_contribution,
    "payout": create_payout,
    "budget": create_budget,
}


@functools.cache
def merged_spec() -> dict[str, Any]:
    """What the gateway serves at /openapi.json, built from the apps without the network
    (once per process: the four fuzz modules each narrow a copy of it)."""
    gateway = create_gateway()
    base = get_openapi(title=gateway.title, version=gateway.version, routes=gateway.routes)
    return merge_specs(base, {name: make().openapi() for name, make in FACTORIES.items()})


def service_schema(service: str) -> schemathesis.BaseSchema:
    """The merged OpenAPI narrowed to one service's paths."""
    spec = copy.deepcopy(merged_spec())
    return schemathesis.openapi.from_dict(spec).include(path_regex=f"^/v1/{service}/")


_build_operation_test = _test_builder.build_operation_test


def _build_when_run(**kwargs: Any) -> Callable[..., None]:
    """A stand-in for an operation's hypothesis test, built when its item is set up.

    Schemathesis builds every operation's test at collection, its coverage cases with it,
    and every xdist worker collects every module: a worker that ran none of them paid for
    all of them (collecting tests/fuzz took 37 s of CPU; 13 s with this and the cached spec).
    The stand-in has the built test's fixtures (the test function's, less the `case`); the
    same cases are generated (derandomized), only later.
    """
    test_func = kwargs["test_func"]
    signature = inspect.signature(test_func)

    def stand_in(**fixtures: Any) -> None:
        raise AssertionError("the operation's test was not built at set-up")

    stand_in.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for n, p in signature.parameters.items() if n != "case"]
    )
    stand_in.build = lambda: _build_operation_test(**kwargs)  # type: ignore[attr-defined]
    return stand_in


_test_builder.build_operation_test = _build_when_run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each operation's test its own node id, and mark it as hypothesis would.

    Schemathesis names an item per operation (`test_api[GET /v1/...]`), but pytest 9.2 builds
    the id from the function's name alone, so a module's operations share one id and xdist,
    which schedules by id, ran only the first of them.
    """
    for item in items:
        if isinstance(item, SchemathesisFunction) and item.parent is not None:
            unique = f"{item.parent.nodeid}::{item.name}"
            if item.nodeid != unique:
                item._id = NodeId.parse(unique)
            item.add_marker("hypothesis")  # its test is built later (_build_when_run)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Build the operation's hypothesis test now, on the worker that runs it."""
    if isinstance(item, SchemathesisFunction) and hasattr(item.obj, "build"):
        item.obj = item.obj.build()


@pytest.fixture(scope="module")
async def fuzz_platform(infra: TestInfra) -> AsyncIterator[PlatformSettings]:
    """A database and stream of the module's own, shared by all its generated requests."""
    name = await clone_database(infra)
    settings = make_platform(infra.database_url(name), infra.nats_url)
    yield settings
    await delete_stream(settings)
    await drop_database(infra, name)


@pytest.fixture(scope="module")
def fuzz_app(
    request: pytest.FixtureRequest, fuzz_platform: PlatformSettings
) -> Iterator[ModuleLifespanApp]:
    """The module's service, its lifespan entered at the first call and left with the module."""
    service = request.module.SERVICE
    app = ModuleLifespanApp(FACTORIES[service](fuzz_platform))
    yield app
    app.close()
    print(f"\nFUZZ {service}: {app.statuses.total()} requests {dict(sorted(app.statuses.items()))}")
    assert app.statuses.total() > 0, "the fuzzer sent nothing"


@pytest.fixture(scope="module")
def every_role(fuzz_platform: PlatformSettings) -> dict[str, str]:
    """A caller holding every role, so the fuzzer gets past the role checks into the rules."""
    return auth_headers(fuzz_platform, *sorted(ALL_ROLES), subject="fuzz-all-roles")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
# Bounded and repeatable: the same requests on every run, a few per operation and phase.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("PENSION_FUZZ_EXAMPLES", "10")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz_test(service: str) -> Callable[..., None]:
    """The test for one service: each operation of the merged OpenAPI, with every role."""
    schema = service_schema(service)

    @schema.parametrize()
    @FUZZ_SETTINGS
    def test_api(case: schemathesis.Case, fuzz_app: Any, every_role: dict[str, str]) -> None:
        """No answer is a 5xx, and every status and content type is the documented one."""
        case.call_and_validate(app=fuzz_app, headers=every_role, checks=CHECKS)

    return test_api
