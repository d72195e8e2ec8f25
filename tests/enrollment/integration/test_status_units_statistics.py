"""Status history, yearly statistics, and changing or closing units."""

import pytest
from sqlalchemy import text

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import clerk_key, enrol, record_death, register_unit, scalar

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def change(client, platform, person: str, change_type: str, on: str):
    return await client.post(
        f"/v1/enrollment/persons/{person}/status-changes",
        headers=clerk_key(platform),
        json={"change_type": change_type, "effective_on": on, "reason": "测试"},
    )


async def outbox_types(platform) -> list[str]:
    engine_sql = "SELECT envelope->>'type' FROM enrollment.outbox ORDER BY id"
    from shared.data.db import make_engine

    engine = make_engine(platform.database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text(engine_sql))).scalars().all()
    await engine.dispose()
    return list(rows)


async def test_state_machine_history_and_events(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        assert (await change(client, platform, p, "suspension", "2019-05-01")).status_code == 201
        refused = await change(client, platform, p, "suspension", "2019-06-01")
        assert refused.status_code == 409
        assert refused.json()["code"] == "status_transition_refused"
        assert refused.json()["current_status"] == "suspended"
        early = await change(client, platform, p, "resumption", "2019-04-01")
        assert (early.status_code, early.json()["code"]) == (
            422,
            "effective_date_before_last_change",
        )
        future = await change(client, platform, p, "resumption", "2999-01-01")
        assert future.json()["code"] == "effective_date_in_future"
        assert (await change(client, platform, p, "resumption", "2019-09-01")).status_code == 201
        # A death is a report that a second clerk approves, never a direct change.
        direct = await change(client, platform, p, "death", "2020-02-10")
        assert (direct.status_code, direct.json()["code"]) == (422, "death_report_required")
        died = await record_death(client, platform, p, "2020-02-10")
        assert died["status"] == "approved"
        after_death = await change(client, platform, p, "suspension", "2020-03-01")
        assert after_death.status_code == 409
        retire = await client.post(
            f"/v1/enrollment/persons/{p}/status-changes",
            headers=auth_headers(platform, "clerk"),
            json={"change_type": "retirement", "effective_on": "2020-01-01", "reason": "x"},
        )
        assert retire.status_code == 422  # retirement has its own use case with its checks

        history = await client.get(
            f"/v1/enrollment/persons/{p}/status-changes", headers=auth_headers(platform, "auditor")
        )
        assert [(h["change_type"], h["status_after"]) for h in history.json()["items"]] == [
            ("new_enrolment", "active"),
            ("suspension", "suspended"),
            ("resumption", "active"),
            ("death", "deceased"),
        ]
        person = await client.get(
            f"/v1/enrollment/persons/{p}", headers=auth_headers(platform, "clerk")
        )
        assert person.json()["status"] == "deceased"
        assert await outbox_types(platform) == [
            "enrollment.unit.registered",
            "enrollment.person.registered",
            "enrollment.person.status_changed",
            "enrollment.person.status_changed",
            "enrollment.person.status_changed",
            "enrollment.person.deceased",
        ]


async def test_year_statistics_from_history(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        people = await enrol(client, platform, unit, 4)  # all joined 2015-01-01
        await change(client, platform, people[0], "suspension", "2020-06-01")
        await record_death(client, platform, people[1], "2020-08-01")
        await change(client, platform, people[2], "suspension", "2021-02-01")
        admin = auth_headers(platform, "admin")
        put = await client.put(
            "/v1/enrollment/parameters/coverage-targets/2020", headers=admin, json={"target": 3}
        )
        assert put.status_code == 200
        stats = (
            await client.get(
                "/v1/enrollment/statistics/2020", headers=auth_headers(platform, "auditor")
            )
        ).json()
        # At the end of 2020: people[2] and [3] active (people[2] is suspended only in 2021).
        assert stats["insured_at_year_end"] == 2
        assert stats["suspended_at_year_end"] == 1
        assert stats["target"] == 3
        assert stats["coverage_percent"] == "66.7"
        assert stats["changes_by_type"] == {"suspension": 1, "death": 1}
        assert stats["changes_total"] == 2
        s2015 = (
            await client.get(
                "/v1/enrollment/statistics/2015", headers=auth_headers(platform, "auditor")
            )
        ).json()
        assert (s2015["insured_at_year_end"], s2015["changes_by_type"]) == (4, {"new_enrolment": 4})
        assert s2015["coverage_percent"] is None


async def test_update_is_audited_and_close_needs_an_empty_unit(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        clerk = auth_headers(platform, "clerk")
        r = await client.patch(
            f"/v1/enrollment/units/{unit['id']}",
            headers=clerk,
            json={"funding_type": "partial", "contact_phone": "0572-1234567", "reason": "改制"},
        )
        assert r.status_code == 200
        assert (r.json()["funding_type"], r.json()["contact_phone"]) == ("partial", "0572-1234567")
        audit = await scalar(platform, "SELECT changes::text FROM enrollment.unit_change")
        assert '"from": "full"' in audit and '"to": "partial"' in audit
        bad = await client.patch(
            f"/v1/enrollment/units/{unit['id']}",
            headers=clerk,
            json={"funding_type": "free", "reason": "x1"},
        )
        assert bad.status_code == 422

        [p] = await enrol(client, platform, unit, 1)
        close = {"closed_on": "2020-12-31", "reason": "机构改革撤并"}
        refused = await client.post(
            f"/v1/enrollment/units/{unit['id']}/close", headers=clerk, json=close
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "unit_has_insured_persons")
        await record_death(client, platform, p, "2020-06-01")
        closed = await client.post(
            f"/v1/enrollment/units/{unit['id']}/close", headers=clerk, json=close
        )
        assert closed.status_code == 200, closed.text
        assert (closed.json()["status"], closed.json()["closed_on"]) == ("closed", "2020-12-31")
        again = await client.patch(
            f"/v1/enrollment/units/{unit['id']}",
            headers=clerk,
            json={"name": "新名", "reason": "更名"},
        )
        assert (again.status_code, again.json()["code"]) == (409, "unit_closed")
        types = await outbox_types(platform)
        assert types.count("enrollment.unit.updated") == 1
        assert types[-1] == "enrollment.unit.closed"
