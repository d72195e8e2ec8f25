"""Every list download shows coded columns as their code table's labels (issue: the exported
persons' 性别 held `female`). Walks every GET route that downloads, in every service and the
gateway, and
checks each column of its rows: an Enum or Literal column resolves to exactly one code table,
a column named like a code names its table, and a named table exists.

Integration tests (tests/shared/integration/test_download_labels.py) check the labels reach
the files, sync and job, in both languages."""

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from gateway.main import create_app as create_gateway
from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from shared.http.downloads import Column, Labels, _download, columns_of
from tests.conftest import make_platform

# Field names that hold a code (a status, a kind, a programme...) when typed as plain str.
CODE_LIKE = ("status", "kind", "program", "method", "sex", "reason_code", "source", "state")
# Columns that hold codes no code table lists, and why.
NOT_CODED = {
    # A job's kind names its handler, an identifier shown as it is (no catalogue entry).
    ("JobOut", "kind"): "job kinds are handler names",
    ("ScheduleOut", "kind"): "job kinds are handler names",
    ("ScheduleRunOut", "kind"): "job kinds are handler names",
    # Where a one-off came from, with its detail (`withdrawal:death`): not one table's code.
    ("OneOffOut", "source"): "an origin and its detail, not a code",
}


def _contexts(routes: list[Any]) -> Iterator[Any]:
    """Every API route, those of included routers among them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):  # FastAPI's included router
            yield from route.effective_route_contexts()


def _downloads(dependant: Any) -> bool:
    return any(d.call is _download or _downloads(d) for d in dependant.dependencies)


def _row_models(answer: Any) -> list[type[BaseModel]]:
    """The models of a list answer's rows: a page's items, a report's lists, a bare list."""
    if typing.get_origin(answer) is list:
        return _row_model(typing.get_args(answer)[0])
    if not (isinstance(answer, type) and issubclass(answer, BaseModel)):
        return []
    if "items" in answer.model_fields:
        return _row_models(answer.model_fields["items"].annotation)
    lists = [
        f.annotation
        for f in answer.model_fields.values()
        if typing.get_origin(f.annotation) is list
    ]
    return [m for a in lists for m in _row_models(a)] if lists else [answer]


def _row_model(row: Any) -> list[type[BaseModel]]:
    """A list's row model (its own list fields are cells, not more rows)."""
    return [row] if isinstance(row, type) and issubclass(row, BaseModel) else []


def _download_columns(app: FastAPI) -> Iterator[tuple[str, type[BaseModel], Column]]:
    for route in _contexts(app.routes):
        if "GET" in (route.methods or ()) and _downloads(route.dependant):
            for model in _row_models(route.response_model):
                try:
                    columns = columns_of(model)
                except TypeError:  # untitled: a report's list the route does not download
                    continue
                for column in columns:
                    yield route.path, model, column


def _owner(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel]:
    """The model whose field a column is (a nested model's own)."""
    for name in path[:-1]:
        annotation = model.model_fields[name].annotation
        model = next(
            a
            for a in (annotation, *typing.get_args(annotation))
            if isinstance(a, type) and issubclass(a, BaseModel)
        )
    return model


@pytest.mark.parametrize(
    "create", [create_enrollment, create_contribution, create_payout, create_budget, create_gateway]
)
def test_every_coded_download_column_has_its_code_table(create) -> None:
    platform = make_platform("postgresql+asyncpg://u:p@localhost/none", "nats://localhost:1")
    app = create(platform=platform)
    labels = Labels(getattr(app.state, "code_tables", {}), lambda table, value: value)
    unlabelled: list[str] = []
    seen = 0
    for path, model, column in _download_columns(app):
        seen += 1
        where = f"{path} {model.__name__}.{'.'.join(column.path)} ({column.title})"
        owner = _owner(model, column.path)
        name = column.path[-1]
        field = owner.model_fields[name]
        if labels.table_of(column) is not None:
            continue
        if column.coded is not None:
            unlabelled.append(
                f"{where}: {column.coded!r} is no code table, or not exactly one table's values"
            )
            continue
        code_like = name in labels.names or name.endswith(CODE_LIKE)
        if (
            code_like
            and field.annotation in (str, str | None)
            # A code column next to its label column (状态代码 and 状态) is meant raw.
            and not column.title.endswith("代码")
            and f"{name}_label" not in owner.model_fields
            and (owner.__name__, name) not in NOT_CODED
        ):
            unlabelled.append(f"{where}: a code shown raw; name its table with code_table()")
    assert seen > 0
    assert not unlabelled, "\n".join(unlabelled)
