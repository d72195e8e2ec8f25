"""The shared pieces of list search and sorting: name keys, LIKE prefixes, `sort=`."""

from typing import Annotated

import httpx
from fastapi import FastAPI

from shared.data.search import name_key, prefix_pattern
from shared.data.sorting import SortKey, order_sql
from shared.http.errors import install_problem_handlers
from shared.http.sorting import sort_by


def test_brackets_of_either_width_are_one_name() -> None:
    half = "某某(集团)有限公司"
    assert name_key("某某（集团）有限公司") == name_key(half) == half


def test_a_prefix_pattern_escapes_what_like_would_read_as_wildcards() -> None:
    assert prefix_pattern(" 张 ") == "张%"
    assert prefix_pattern("100%_a\\b（") == "100\\%\\_a\\\\b(%"


def test_raw_sql_order_takes_columns_only_from_the_list() -> None:
    columns = {"name": "name", "joined_on": "joined_on"}
    assert order_sql(None, columns, "id", "created_at, id") == "created_at, id"
    assert order_sql(SortKey("joined_on", True), columns, "id", "x") == "joined_on DESC, id"
    assert order_sql(SortKey("name"), columns, "id", "x") == "name ASC, id"


async def test_sort_is_an_enum_of_the_fields_and_their_descending_forms() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things")
    async def things(sort: Annotated[SortKey | None, sort_by("name", "born_on")]) -> dict:
        return {"sort": None if sort is None else [sort.field, sort.descending]}

    schema = next(
        p for p in app.openapi()["paths"]["/things"]["get"]["parameters"] if p["name"] == "sort"
    )["schema"]
    assert schema["anyOf"][0]["enum"] == ["name", "born_on", "-name", "-born_on"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/things")).json() == {"sort": None}
        assert (await client.get("/things?sort=-born_on")).json() == {"sort": ["born_on", True]}
        refused = await client.get("/things?sort=id")
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
