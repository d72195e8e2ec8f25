"""Every mutating route of every service and of the gateway writes an audit entry (issue #21).

A static walk: for each POST/PUT/PATCH/DELETE route of each app's OpenAPI, the functions its
handler calls or refers to are followed, module by module (`services.*`, `shared.*`,
`gateway.*`), until one of the audit writers is reached. A route that changes nothing (a
preview, a check, a read sent as a POST because its question is long) is listed in
`CHANGES_NOTHING` with the reason; a new route that neither audits nor is listed fails here.
The refused side (every 403 recorded) is tests/shared/integration/test_audit_denial_walk.py.
"""

import ast
import inspect
import textwrap
import typing
from collections.abc import Callable, Iterator
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway.main import create_app as create_gateway
from gateway.security import repository as gateway_repository
from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from shared.data import audit
from tests.conftest import make_platform

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# This module too, for the controls at the end (no route calls into tests).
PROJECT = ("services.", "shared.", "gateway.", __name__)
SINKS = frozenset(
    {
        audit.record_audit,
        audit.record_audits,
        gateway_repository.audit,
        gateway_repository.insert_audit_row,
    }
)
MAX_DEPTH = 12

# (method, path) of mutating routes that change no state, each with why.
CHANGES_NOTHING: dict[tuple[str, str], str] = {
    ("POST", "/v1/payout/determinations/trial"): "待遇测算: figures for given inputs, a read",
}


def apps() -> dict[str, FastAPI]:
    """Every app, built without starting it (routes and OpenAPI only)."""
    platform = make_platform("postgresql+asyncpg://u:p@localhost/none", "nats://localhost:1")
    return {
        "enrollment": create_enrollment(platform),
        "contribution": create_contribution(platform),
        "payout": create_payout(platform),
        "budget": create_budget(platform),
        "gateway": create_gateway(platform=platform),
    }


def mutating_routes() -> Iterator[tuple[str, str, str, Callable[..., Any]]]:
    """(app, method, path, handler) for every mutating route in the app's OpenAPI."""
    for name, app in apps().items():
        documented = {
            (method.upper(), path)
            for path, item in app.openapi().get("paths", {}).items()
            for method in item
        }
        for path, methods, endpoint in _api_routes(app.routes):
            for method in sorted(methods & MUTATING):
                if (method, path) in documented:
                    yield name, method, path, endpoint


def _api_routes(routes: list[Any]) -> Iterator[tuple[str, set[str], Callable[..., Any]]]:
    """(path, methods, handler) of the API routes, those of included routers among them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, set(route.methods), route.endpoint
        elif hasattr(route, "effective_route_contexts"):  # FastAPI's included router
            for context in route.effective_route_contexts():
                yield context.path, set(context.methods or ()), context.endpoint


def _unwrap(value: Any) -> FunctionType | None:
    """The plain function behind a value (a function, a bound method, a wrapped one)."""
    value = getattr(value, "__func__", value)
    value = inspect.unwrap(value) if callable(value) else value
    return value if isinstance(value, FunctionType) else None


def _in_project(fn: FunctionType) -> bool:
    return fn.__module__.startswith(PROJECT)


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    """The object a name or dotted attribute refers to in a module's globals, if any."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope)
        if isinstance(base, ModuleType | type) or (base is not None and callable(base)):
            return getattr(base, node.attr, None)
    return None


def _parameter_classes(fn: FunctionType) -> dict[str, type]:
    """Each parameter's project class (an `Annotated` one unwrapped), so that a call on a
    parameter (`write.audit(...)`, `work.audit(...)`) resolves to the method it calls."""
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # a hint that does not evaluate: the names in the body still count
        return {}
    found = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is typing.Annotated:
            hint = hint.__origin__
        if isinstance(hint, type) and hint.__module__.startswith(PROJECT):
            found[name] = hint
    return found


@cache
def referenced(fn: FunctionType) -> tuple[FunctionType, ...]:
    """The project functions a function calls or refers to (callbacks, coroutines passed on),
    including those of the classes it names (their methods) and of nested functions."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return ()
    scope = {**fn.__globals__, **_closure(fn)}
    parameters = _parameter_classes(fn)
    found: list[FunctionType] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name | ast.Attribute):
            continue
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) in parameters:
            target = getattr(parameters[node.value.id], node.attr, None)  # type: ignore[attr-defined]
        else:
            target = _resolve(node, scope)
        if isinstance(target, type) and target.__module__.startswith(PROJECT):
            found += [
                f
                for f in (_unwrap(v) for v in vars(target).values())
                if f is not None and _in_project(f)
            ]
            continue
        plain = _unwrap(target)
        if plain is not None and (_in_project(plain) or plain in SINKS):
            found.append(plain)
    return tuple(found)


def _closure(fn: FunctionType) -> dict[str, Any]:
    names = fn.__code__.co_freevars
    cells = fn.__closure__ or ()
    values = {}
    for name, cell in zip(names, cells, strict=False):
        try:
            values[name] = cell.cell_contents
        except ValueError:
            continue
    return values


def reaches_audit(fn: FunctionType) -> bool:
    """True if the function, or anything it calls within the project, writes the audit log."""
    seen: set[FunctionType] = set()
    frontier = [fn]
    for _ in range(MAX_DEPTH):
        following: list[FunctionType] = []
        for current in frontier:
            if current in SINKS:
                return True
            if current in seen:
                continue
            seen.add(current)
            following += referenced(current)
        frontier = following
        if not frontier:
            break
    return False


_FOUND = list(mutating_routes())  # the apps are built once, at collection
ROUTES = sorted((a, m, p) for a, m, p, _ in _FOUND)
HANDLERS = {(m, p): h for _, m, p, h in _FOUND}


def test_the_walk_sees_every_app_and_many_mutating_routes() -> None:
    assert {a for a, _, _ in ROUTES} == {
        "enrollment",
        "contribution",
        "payout",
        "budget",
        "gateway",
    }
    assert len(ROUTES) > 80


@pytest.mark.parametrize(("app", "method", "path"), ROUTES)
def test_every_mutating_route_writes_an_audit_entry(app: str, method: str, path: str) -> None:
    handler = _unwrap(HANDLERS[(method, path)])
    assert handler is not None
    if (method, path) in CHANGES_NOTHING:
        assert not reaches_audit(handler), f"{method} {path} audits now: take it off the list"
        return
    assert reaches_audit(handler), (
        f"{app}: {method} {path} writes no audit entry (shared/data/audit.py record_audit); "
        "if it changes nothing, list it in CHANGES_NOTHING with the reason"
    )


def test_the_allow_list_names_only_routes_that_exist() -> None:
    assert set(CHANGES_NOTHING) <= set(HANDLERS)


async def _silent_route(session: Any, who: Any) -> None:
    """A control: a handler that changes state through the shared helpers, unaudited."""
    await _helper(session)


async def _helper(session: Any) -> None:
    await session.commit()


async def _audited_route(session: Any, who: Any) -> None:
    """A control: a handler that audits through a helper two calls down."""
    await _audited_helper(session, who)


async def _audited_helper(session: Any, who: Any) -> None:
    await audit.record_audit(
        session, "x", actor=who, roles=[], action="a", object_type="o", object_id=1
    )


def test_the_walk_tells_an_unaudited_handler_from_an_audited_one() -> None:
    assert not reaches_audit(_silent_route)
    assert reaches_audit(_audited_route)
