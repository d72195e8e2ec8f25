"""A clerk finds units and persons as they type them (issue #19 item 3): by the beginning of
a name with brackets of either width alike, a unit by its credit code, a person by citizen id;
lists sort by the fields a clerk sorts by; unknown filters and bad enum values are a 422."""

import asyncpg
import pytest

from services.enrollment.main import create_app
from shared.data.db import asyncpg_dsn
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def listed(client, platform, path: str, role: str = "auditor", **params) -> dict:
    """A list answer (asserted 200) as JSON."""
    r = await client.get(path, params=params, headers=auth_headers(platform, role))
    assert r.status_code == 200, r.text
    return r.json()


async def refused(client, platform, path: str, **params) -> tuple[int, str]:
    """The status and code of a refused list call."""
    r = await client.get(path, params=params, headers=auth_headers(platform, "clerk"))
    return r.status_code, r.json()["code"]


async def test_units_by_name_prefix_brackets_and_credit_code(platform) -> None:
    async with running_app(create_app(platform)) as client:
        group = await register_unit(client, platform, 1, name="杭州某某（集团）有限公司")
        await register_unit(client, platform, 2, name="杭州某某科技有限公司")
        await register_unit(client, platform, 3, name="宁波甲乙(集团)公司")
        await register_unit(client, platform, 4, name="100%_单位")
        units = "/v1/enrollment/units"

        def names(page: dict) -> list[str]:
            return [u["name"] for u in page["items"]]

        found = await listed(client, platform, units, name="杭州")
        assert found["total"] == 2
        assert set(names(found)) == {"杭州某某（集团）有限公司", "杭州某某科技有限公司"}
        # A prefix only: the middle of a name finds nothing.
        assert (await listed(client, platform, units, name="某某"))["total"] == 0
        # Half-width typed, full-width stored, and the other way round.
        assert names(await listed(client, platform, units, name="杭州某某(集团")) == [
            "杭州某某（集团）有限公司"
        ]
        assert names(await listed(client, platform, units, name="宁波甲乙（集团）")) == [
            "宁波甲乙(集团)公司"
        ]
        # LIKE's wildcards typed are plain characters.
        assert names(await listed(client, platform, units, name="100%_")) == ["100%_单位"]
        assert (await listed(client, platform, units, name="%"))["total"] == 0

        # 统一社会信用代码, in any case.
        code = group["credit_code"]
        by_code = await listed(client, platform, units, credit_code=code.lower())
        assert [u["id"] for u in by_code["items"]] == [group["id"]]
        assert (await listed(client, platform, units, credit_code="91330000MA0000000X"))[
            "total"
        ] == 0

        # sort: descending by credit code, and a field nobody sorts by is refused.
        codes = [
            u["credit_code"]
            for u in (await listed(client, platform, units, sort="-credit_code"))["items"]
        ]
        assert len(codes) == 4 and codes == sorted(codes, reverse=True)
        assert await refused(client, platform, units, sort="contact_phone") == (
            422,
            "validation_failed",
        )
        # A misspelt filter and a bad enum value are refused, never the whole list.
        assert await refused(client, platform, units, credit_cod=code) == (
            422,
            "unknown_query_parameter",
        )
        assert await refused(client, platform, units, status="gone") == (422, "validation_failed")
        assert (await listed(client, platform, units, status="closed"))["total"] == 0


async def test_persons_by_name_prefix_citizen_id_and_sort(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, 1)
        people = {"张三": "101", "张三丰": "103", "李四": "105", "阿依古丽（小）": "107"}
        ids = {}
        for i, (name, seq) in enumerate(people.items()):
            r = await client.post(
                "/v1/enrollment/persons",
                headers=auth_headers(platform, "clerk"),
                json={
                    "citizen_id": citizen_id(birth=f"198{i}0101", seq=seq),
                    "name": name,
                    "unit_id": unit["id"],
                    "staff_category": "worker",
                    "joined_on": "2015-01-01",
                },
            )
            assert r.status_code == 201, r.text
            ids[name] = r.json()
        persons = "/v1/enrollment/persons"

        found = await listed(client, platform, persons, name="张", sort="name")
        assert [p["name"] for p in found["items"]] == ["张三", "张三丰"]  # a prefix sorts first
        assert found["total"] == 2
        assert [
            p["name"]
            for p in (await listed(client, platform, persons, name="阿依古丽(小)"))["items"]
        ] == ["阿依古丽（小）"]

        # By citizen id, lower-case x or not, for a clerk; an auditor may not (oracle).
        wanted = ids["李四"]["citizen_id"]
        by_id = await listed(client, platform, persons, "clerk", citizen_id=wanted.lower())
        assert [p["name"] for p in by_id["items"]] == ["李四"]
        r = await client.get(
            persons, params={"citizen_id": wanted}, headers=auth_headers(platform, "auditor")
        )
        assert (r.status_code, r.json()["code"]) == (403, "citizen_id_search_forbidden")

        # Sorted by birth date, youngest first; the tie-break keeps pages disjoint.
        youngest = await listed(client, platform, persons, sort="-birth_date")
        births = [
            p["birth_date"]
            for p in (await listed(client, platform, persons, "clerk", sort="-birth_date"))["items"]
        ]
        assert births == sorted(births, reverse=True) and youngest["total"] == 4
        pages = [
            (await listed(client, platform, persons, sort="status", limit=1, offset=i))["items"]
            for i in range(4)
        ]
        assert len({page[0]["id"] for page in pages}) == 4

        assert await refused(client, platform, persons, status="alive") == (
            422,
            "validation_failed",
        )
        assert await refused(client, platform, persons, sort="-unit_id") == (
            422,
            "validation_failed",
        )
        assert await refused(client, platform, persons, nam="张") == (
            422,
            "unknown_query_parameter",
        )


async def test_a_name_prefix_can_be_read_from_its_index(platform) -> None:
    """The prefix searches are index range scans (text_pattern_ops), whatever the collation;
    sequential scans are switched off only to ask whether the index applies at all."""
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        await conn.execute("SET enable_seqscan = off")
        for table in ("person", "unit"):
            rows = await conn.fetch(
                f"EXPLAIN (FORMAT TEXT) SELECT id FROM enrollment.{table} WHERE name_key LIKE '张%'"
            )
            plan = "\n".join(row[0] for row in rows)
            assert f"{table}_name_key_prefix" in plan, plan
    finally:
        await conn.close()
