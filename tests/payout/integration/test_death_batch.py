"""A fetched batch of deaths (the province's death matches come in thousands) is applied
set-wise, with the same result as one death at a time."""

import uuid
from datetime import date

import pytest

from services.payout.death import service
from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.db import make_engine, make_session_factory
from shared.data.work import unit_of_work
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
DIED = date(2025, 5, 10)


def death(retired: EventEnvelope) -> PersonDeceased:
    return PersonDeceased(
        person_id=retired.aggregate_id, unit_id=retired.payload["unit_id"], date_of_death=DIED
    )


async def cases_of(client, platform, person: str) -> list[tuple]:
    r = await client.get(
        "/v1/payout/recoveries",
        params={"person_id": person},
        headers=auth_headers(platform, "finance"),
    )
    return sorted((c["program"], c["period"], c["amount"], c["status"]) for c in r.json()["items"])


async def test_a_batch_of_deaths_stops_and_recovers_as_one_at_a_time(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = [retirement(71 + i) for i in range(3)]
        for envelope in retired:
            [first] = await retire(client, platform, envelope)
            await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        one, *batch = retired

        # One death at a time, as the consumer applies a single event.
        await publish(
            platform,
            EventEnvelope.wrap(death(one), source="enrollment", aggregate_id=one.aggregate_id),
        )

        async def applied() -> bool:
            return len(await cases_of(client, platform, one.aggregate_id)) == 2

        await eventually(applied)

        # The batch: two retirees (one of them twice) and a person payout does not know.
        stranger = uuid.uuid4()
        events = [
            (death(batch[0]), uuid.uuid4(), "req-a"),
            (death(batch[1]), uuid.uuid4(), "req-b"),
            (death(batch[0]), uuid.uuid4(), "req-c"),
            (
                PersonDeceased(person_id=stranger, unit_id=uuid.uuid4(), date_of_death=DIED),
                uuid.uuid4(),
                "req-d",
            ),
        ]
        engine = make_engine(platform.database_url)
        try:
            async with unit_of_work(make_session_factory(engine), "payout") as work:
                await service.record_deaths(work.session, events)
            async with unit_of_work(make_session_factory(engine), "payout") as work:
                await service.record_deaths(work.session, events)  # again: nothing changes
        finally:
            await engine.dispose()

        expected = await cases_of(client, platform, one.aggregate_id)
        assert [c[:2] for c in expected] == [
            ("basic_pension", "2025-06-01"),
            ("occupational_annuity", "2025-06-01"),
        ]
        for envelope in batch:
            got = await cases_of(client, platform, envelope.aggregate_id)
            assert [c[1:] for c in got] == [c[1:] for c in expected]
        states = await scalar(
            platform,
            "SELECT string_agg(status || ' ' || died_on || ' ' || last_month, ',') "
            "FROM payout.retiree",
        )
        assert states == ",".join(["deceased 2025-05-10 2025-05-01"] * 3)
        audits = await scalar(
            platform,
            "SELECT string_agg(coalesce(request_id, '-') || ' ' || (detail->>'recoveries') || ' '"
            " || (detail->'back_pay_cancelled')::text, ',' ORDER BY request_id NULLS FIRST) "
            "FROM payout.audit_log WHERE action = 'retiree.deceased'",
        )
        assert audits.split(",")[1:] == ["req-a 2 []", "req-b 2 []"]
        assert audits.split(",")[0].endswith(" 2 []")
        kept = await scalar(
            platform, f"SELECT count(*) FROM payout.death_notice WHERE person_id = '{stranger}'"
        )
        assert kept == 1
        july = await run_payroll(client, platform, "2025-07")
        assert july["payments"] == 0
