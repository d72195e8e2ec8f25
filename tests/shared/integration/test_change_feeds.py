"""The provincial change feeds: every change once, in commit order, resumable by cursor."""

import asyncio
import base64

import asyncpg
import pytest

from services.enrollment.main import create_app
from shared.data.db import asyncpg_dsn
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import enrol, register_unit
from tests.support.change_feeds import register

pytestmark = pytest.mark.asyncio(loop_scope="session")
FEED = "/v1/enrollment/sync/persons/changes"


async def read_all(client, headers, path: str, after: str | None = None, limit: int = 3):
    """Every change of a feed from a cursor, page by page; returns (changes, last cursor)."""
    changes: list[dict] = []
    while True:
        params = {"limit": limit} | ({"after": after} if after else {})
        page = (await client.get(path, headers=headers, params=params)).json()
        changes += page["changes"]
        after = page["next_cursor"]
        if not page["has_more"]:
            return changes, after


async def test_a_feed_gives_every_change_once_in_order_with_national_names(platform) -> None:
    app = create_app(platform)
    async with running_app(app) as client:
        province = auth_headers(platform, "province", subject="province")
        unit = await register_unit(client, platform)
        people = await enrol(client, platform, unit, 4)
        await app.state.change_sequencer.drain()
        changes, cursor = await read_all(client, province, FEED)
        persons = [c for c in changes if c["entity"] == "person"]
        assert [c["key"] for c in persons] == people
        first = persons[0]["record"]
        assert first["aac001"] == people[0] and len(first["aac002"]) == 18
        assert {"aac003", "aac004", "aac006", "aab001"} <= set(first)
        assert "name_key" not in first and "citizen_id" not in first
        seqs = [c["seq"] for c in changes]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

        # Nothing new: the cursor reads an empty page; a new change appears once, after it.
        empty = (await client.get(FEED, headers=province, params={"after": cursor})).json()
        assert empty["changes"] == [] and empty["next_cursor"] == cursor
        late = await register(client, platform, unit, 700)
        await app.state.change_sequencer.drain()
        more, _ = await read_all(client, province, FEED, after=cursor)
        assert [c["key"] for c in more if c["entity"] == "person"] == [late]

        units = (await client.get("/v1/enrollment/sync/units/changes", headers=province)).json()
        assert units["changes"][0]["record"]["aab001"] == unit["id"]


async def test_bad_cursors_are_refused_and_only_the_province_reads(platform) -> None:
    async with running_app(create_app(platform)) as client:
        province = auth_headers(platform, "province", subject="province")
        for bad in ("garbage", "Yz", base64.urlsafe_b64encode(b"c1.units.0").decode()):
            r = await client.get(FEED, headers=province, params={"after": bad})
            assert r.status_code == 422 and r.json()["code"] == "cursor_invalid", r.text
        future = base64.urlsafe_b64encode(b"c1.persons.99999").decode().rstrip("=")
        r = await client.get(FEED, headers=province, params={"after": future})
        assert r.status_code == 422 and r.json()["code"] == "cursor_ahead"
        r = await client.get(FEED, headers=auth_headers(platform, "clerk"))
        assert r.status_code == 403
        r = await client.get("/v1/enrollment/sync/nothing/changes", headers=province)
        assert r.status_code == 422


async def test_a_change_committed_late_is_never_skipped(platform) -> None:
    """A transaction that logged its change first but commits last still reaches a reader
    that already read past the changes committed meanwhile."""
    app = create_app(platform)
    async with running_app(app) as client:
        province = auth_headers(platform, "province", subject="province")
        unit = await register_unit(client, platform)
        [person] = await enrol(client, platform, unit, 1)
        sequencer = app.state.change_sequencer
        await sequencer.drain()
        _, cursor = await read_all(client, province, FEED)
        slow = await asyncpg.connect(asyncpg_dsn(platform.database_url))
        try:
            tx = slow.transaction()
            await tx.start()
            await slow.execute(
                "UPDATE enrollment.person SET name = name || '甲' WHERE id = $1", person
            )
            other = await register(client, platform, unit, 701)  # commits while the first waits
            await sequencer.drain()
            seen, cursor = await read_all(client, province, FEED, after=cursor)
            assert other in {c["key"] for c in seen}
            await tx.commit()
        finally:
            await slow.close()
        await asyncio.sleep(0)
        await sequencer.drain()
        late, _ = await read_all(client, province, FEED, after=cursor)
        assert [(c["key"], c["operation"]) for c in late] == [(person, "update")]
