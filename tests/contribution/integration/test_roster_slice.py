"""The vertical slice: enrollment registers, the event flows, contribution's roster shows it."""

import asyncio
import uuid
from datetime import date

import pytest

from deploy.local.demo import demo_credit_code
from deploy.local.embedded import EmbeddedNats, free_port
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.contracts import EventEnvelope, UnitClosed, UnitRegistered
from tests.conftest import auth_headers, delete_stream, make_platform, running_app
from tests.contribution.helpers import (
    citizen_id,
    consumer_state,
    publish,
    scalar,
    stream_messages,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_registered_person_appears_in_the_contribution_roster(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    clerk = auth_headers(platform, "clerk")
    unit = (
        await enrollment.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": demo_credit_code(5), "name": "县教育局", "funding_type": "full"},
        )
    ).json()
    persons = []
    for seq in ("101", "102", "103"):
        r = await enrollment.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={
                "citizen_id": citizen_id(seq=seq),
                "name": f"人员{seq}",
                "unit_id": unit["id"],
                "staff_category": "public_institution_staff",
                "joined_on": "2019-09-01",
            },
        )
        persons.append(r.json())

    async def roster_complete() -> bool:
        r = await contribution.get(
            "/v1/contribution/roster/persons", params={"unit_id": unit["id"]}, headers=clerk
        )
        return r.json()["total"] == 3

    await eventually(roster_complete)
    one = await contribution.get(
        f"/v1/contribution/roster/persons/{persons[0]['id']}", headers=clerk
    )
    assert one.json()["unit_credit_code"] == unit["credit_code"]
    assert one.json()["citizen_id"] == persons[0]["citizen_id"]
    masked = await contribution.get(
        f"/v1/contribution/roster/persons/{persons[0]['id']}",
        headers=auth_headers(platform, "auditor"),
    )
    assert "********" in masked.json()["citizen_id"]
    # A clerk finds someone on the roster by citizen id (issue #19 item 3); others may not.
    wanted = persons[1]["citizen_id"]
    found = await contribution.get(
        "/v1/contribution/roster/persons", params={"citizen_id": wanted.lower()}, headers=clerk
    )
    assert [p["id"] for p in found.json()["items"]] == [persons[1]["id"]]
    oracle = await contribution.get(
        "/v1/contribution/roster/persons",
        params={"citizen_id": wanted},
        headers=auth_headers(platform, "auditor"),
    )
    assert (oracle.status_code, oracle.json()["code"]) == (403, "citizen_id_search_forbidden")


async def test_invalid_registration_emits_no_event(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    clerk = auth_headers(platform, "clerk")
    unit = (
        await enrollment.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={
                "credit_code": demo_credit_code(6),
                "name": "县卫健局",
                "funding_type": "partial",
            },
        )
    ).json()
    bad = await enrollment.post(
        "/v1/enrollment/persons",
        headers=clerk,
        json={
            "citizen_id": "330522198003151230",
            "name": "坏号码",
            "unit_id": unit["id"],
            "staff_category": "worker",
            "joined_on": "2019-09-01",
        },
    )
    assert bad.status_code == 422
    good = await enrollment.post(
        "/v1/enrollment/persons",
        headers=clerk,
        json={
            "citizen_id": citizen_id(seq="201"),
            "name": "好号码",
            "unit_id": unit["id"],
            "staff_category": "worker",
            "joined_on": "2019-09-01",
        },
    )
    assert good.status_code == 201

    async def one_person() -> bool:
        r = await contribution.get("/v1/contribution/roster/persons", headers=clerk)
        return r.json()["total"] == 1

    await eventually(one_person)
    # Absence, checked without waiting: the refused registration wrote no outbox row (its
    # event would have been published before the good one), the stream holds only the
    # unit's and the good person's events, and the roster's consumer has nothing left.
    assert await scalar(platform, "SELECT count(*) FROM enrollment.outbox") == 2
    assert await stream_messages(platform) == 2
    delivered, pending, unacked = await consumer_state(
        platform, "contribution.roster.person-registered"
    )
    assert (delivered, pending, unacked) == (1, 0, 0)
    r = await contribution.get("/v1/contribution/roster/persons", headers=clerk)
    assert [p["name"] for p in r.json()["items"]] == ["好号码"]


async def test_registrations_during_a_nats_outage_reach_the_roster_afterwards(
    database_url,
    tmp_path,
    start_apps,
) -> None:
    own_nats = EmbeddedNats(tmp_path / "nats", free_port())
    own_nats.start()
    platform = make_platform(database_url, own_nats.url)
    try:
        enrollment, contribution = await start_apps(
            enrollment_app(platform), contribution_app(platform)
        )
        clerk = auth_headers(platform, "clerk")
        unit = (
            await enrollment.post(
                "/v1/enrollment/units",
                headers=clerk,
                json={
                    "credit_code": demo_credit_code(7),
                    "name": "县民政局",
                    "funding_type": "full",
                },
            )
        ).json()
        own_nats.stop()
        for seq in ("401", "402", "403", "404"):
            r = await enrollment.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(seq=seq),
                    "name": f"停机{seq}",
                    "unit_id": unit["id"],
                    "staff_category": "worker",
                    "joined_on": "2019-09-01",
                },
            )
            assert r.status_code == 201  # the HTTP call does not depend on NATS
        health = (await enrollment.get("/health")).json()
        assert (health["status"], health["nats"]) == ("degraded", "disconnected")
        assert health["outbox_pending"] >= 4
        own_nats.start()

        async def all_four() -> bool:
            r = await contribution.get(
                "/v1/contribution/roster/persons", params={"unit_id": unit["id"]}, headers=clerk
            )
            return r.json()["total"] == 4

        await eventually(all_four, within=60)
    finally:
        own_nats.stop()
        await delete_stream(platform)


async def test_a_close_that_overtakes_the_registration_is_applied_after_it(platform) -> None:
    unit_id = uuid.uuid4()
    closed = UnitClosed(unit_id=unit_id, closed_on=date(2020, 6, 30), reason="撤销")
    registered = UnitRegistered(
        unit_id=unit_id,
        credit_code=demo_credit_code(77),
        name="县招待所",
        kind="public_institution",
        funding_type="self",
        registered_on=date(2014, 10, 1),
    )
    app = contribution_app(platform)
    async with running_app(app):
        await asyncio.wait_for(app.state.bus.connected.wait(), 10)  # the stream exists
        # The close first, and seen by its consumer before the registration exists.
        await publish(
            platform, EventEnvelope.wrap(closed, source="enrollment", aggregate_id=str(unit_id))
        )

        async def close_seen() -> bool:
            delivered, _, _ = await consumer_state(platform, "contribution.roster.unit-closed")
            return delivered >= 1

        await eventually(close_seen)
        await publish(
            platform, EventEnvelope.wrap(registered, source="enrollment", aggregate_id=str(unit_id))
        )

        async def closed_on_roster() -> bool:
            return (
                await scalar(
                    platform,
                    "SELECT count(*) FROM contribution.roster_unit "
                    f"WHERE id = '{unit_id}' AND status = 'closed'",
                )
                == 1
            )

        await eventually(closed_on_roster, within=20)
    assert await scalar(platform, "SELECT count(*) FROM contribution.dead_letter") == 0
