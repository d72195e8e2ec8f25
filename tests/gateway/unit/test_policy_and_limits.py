"""Gateway access policy, rate limiter and OpenAPI merge."""

import pytest

from gateway.openapi import merge_specs
from shared.http.access_policy import check_access
from shared.http.auth import Principal
from shared.http.rate_limit import RateLimiter
from shared.problems import ProblemError


def who(*roles: str) -> Principal:
    return Principal(subject="s", roles=frozenset(roles), token_id="t")


@pytest.mark.parametrize(
    ("roles", "method", "path", "allowed"),
    [
        (("clerk",), "POST", "persons", True),
        (("auditor",), "GET", "persons", True),
        (("auditor",), "POST", "persons", False),
        (("bank",), "POST", "bank/psbc/results", True),
        (("bank",), "GET", "persons", False),
        (("clerk",), "POST", "bank/psbc/results", False),
        (("province",), "POST", "sync/persons", True),
        (("province",), "GET", "units", False),
        (("admin",), "POST", "bank/psbc/results", True),
    ],
)
def test_access_policy(roles: tuple[str, ...], method: str, path: str, allowed: bool) -> None:
    if allowed:
        check_access(who(*roles), method, path)
    else:
        with pytest.raises(ProblemError) as caught:
            check_access(who(*roles), method, path)
        assert caught.value.status == 403


def test_token_bucket_allows_burst_then_refills() -> None:
    limiter = RateLimiter(rate=10, burst=3)
    assert [limiter.allow("a", now=0) for _ in range(3)] == [0, 0, 0]
    assert limiter.allow("a", now=0) == pytest.approx(0.1)
    assert limiter.allow("b", now=0) == 0  # callers do not share a bucket
    assert limiter.allow("a", now=0.1) == 0


def test_merge_renames_only_clashing_schemas_and_rewrites_refs() -> None:
    same = {"type": "object", "properties": {"x": {"type": "string"}}}

    def spec(path: str, schema: dict) -> dict:
        ref = {"$ref": "#/components/schemas/Item"}
        return {
            "paths": {
                path: {
                    "get": {
                        "responses": {"200": {"content": {"application/json": {"schema": ref}}}}
                    }
                }
            },
            "components": {"schemas": {"Item": schema, "Shared": same}},
        }

    merged = merge_specs(
        {"openapi": "3.1.0", "paths": {}},
        {
            "a": spec("/v1/a/items", {"type": "object", "title": "A"}),
            "b": spec("/v1/b/items", {"type": "object", "title": "B"}),
        },
    )
    schemas = merged["components"]["schemas"]
    assert schemas["Item"]["title"] == "A"
    assert schemas["b__Item"]["title"] == "B"
    assert "b__Shared" not in schemas
    ref = merged["paths"]["/v1/b/items"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["$ref"]
    assert ref == "#/components/schemas/b__Item"


def test_a_generic_page_of_a_renamed_schema_is_renamed_too() -> None:
    """`Page_Item_` reads the same in two services but holds each one's own `Item`."""

    def spec(path: str, title: str) -> dict:
        page = {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
            },
        }
        answer = {"$ref": "#/components/schemas/Page_Item_"}
        return {
            "paths": {
                path: {
                    "get": {
                        "responses": {"200": {"content": {"application/json": {"schema": answer}}}}
                    }
                }
            },
            "components": {
                "schemas": {"Item": {"type": "object", "title": title}, "Page_Item_": page}
            },
        }

    merged = merge_specs(
        {"openapi": "3.1.0", "paths": {}},
        {"a": spec("/v1/a/items", "A"), "b": spec("/v1/b/items", "B")},
    )
    schemas = merged["components"]["schemas"]

    def item_of(path: str) -> str:
        answer = merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = schemas[answer["schema"]["$ref"].rsplit("/", 1)[-1]]
        ref = page["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]
        return schemas[ref]["title"]

    assert (item_of("/v1/a/items"), item_of("/v1/b/items")) == ("A", "B")
