"""Unknown query parameters are a 422 that names them (issue #19 item 3).

A misspelt or unsupported filter (`?credit_cod=...`) must not silently answer the whole list:
every route of every service and of the gateway compares the request's query keys with the
parameters its dependant declares, its dependencies' included.
"""

from typing import Any

from fastapi import Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.problems import ProblemError

UNKNOWN_QUERY_PARAMETER = "unknown_query_parameter"

# The declared names, kept on the route once computed: its dependant does not change after
# start-up (routes are unhashable, so no mapping keyed by them).
_DECLARED = "_declared_query_names"


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameter names a dependant and its sub-dependencies accept."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            names.add(field.alias)
            # A pydantic model taken as query parameters accepts its fields' names.
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                names.update(f.alias or n for n, f in annotation.model_fields.items())
        pending.extend(current.dependencies)
    return frozenset(names)


def _effective(request: Request, route: APIRoute) -> Any:
    """What the request runs: a route included into an app is run with the dependencies of
    its inclusion added (FastAPI keeps them in the scope, not on the route)."""
    lookup = getattr(routing, "_get_scope_effective_route_context", None)
    context = lookup(request.scope) if lookup is not None else None
    return context if getattr(context, "dependant", None) is not None else route


async def refuse_unknown_query_parameters(request: Request) -> None:
    """Refuse a request whose query names a parameter its route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    effective = _effective(request, route)
    declared: frozenset[str] | None = getattr(effective, _DECLARED, None)
    if declared is None:
        declared = declared_query_names(effective.dependant)
        setattr(effective, _DECLARED, declared)
    unknown = sorted(set(request.query_params.keys()) - declared)
    if unknown:
        raise ProblemError(
            422,
            UNKNOWN_QUERY_PARAMETER,
            names=", ".join(unknown),
            parameters=unknown,
            allowed=sorted(declared),
        )
