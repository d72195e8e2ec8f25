"""Payout's settled disbursements are kept at their highest revision and shown against budget."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.budget.main import create_app
from shared.contracts import EventEnvelope
from shared.contracts.payout import DisbursementSettled
from shared.data.platform_tables import platform_tables
from shared.data.work import unit_of_work
from shared.messaging.outbox import stage_events
from tests.budget.integration.helpers import load_seed
from tests.conftest import auth_headers
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


def settled(program: str, period: str, revision: int, paid: str, functional: str, economic: str):
    event = DisbursementSettled(
        program=program,
        period=period,
        year=2020,
        revision=revision,
        functional_code=functional,
        economic_code=economic,
        paid_amount=paid,
        paid_count=100,
        failed_amount="0.00",
        recovered_amount="0.00",
        settled_on=date(2020, 4, 5),
        ledger_id=uuid.uuid4(),
    )
    return EventEnvelope.wrap(event, source="payout", aggregate_id=f"{program}:{period}")


async def test_highest_revision_is_kept_and_shown_against_the_lines(platform, start_apps) -> None:
    app = create_app(platform)
    (client,) = await start_apps(app)
    department_id = await load_seed(client, platform)
    events = [
        settled("living_subsidy", "2020-Q1", 1, "1000000.00", "2080502", "30305"),
        settled("living_subsidy", "2020-Q1", 2, "1200000.00", "2080502", "30305"),
        settled("living_subsidy", "2020-Q1", 1, "1000000.00", "2080502", "30305"),  # late, lower
        settled("death_benefit", "2020-03", 1, "50000.00", "2080801", "30304"),
        settled("transport_nursing", "2020-Q1", 1, "7000.00", "2130101", "30399"),
    ]
    processed = platform_tables("budget").processed_event

    async def consumed(n: int) -> bool:
        async with app.state.sessions() as session:
            done = (await session.exec(select(func.count()).select_from(processed))).scalar_one()
        return done >= n

    async with unit_of_work(app.state.sessions, "budget") as work:
        session = work.session
        await stage_events(session, "budget", events[:2])
    await eventually(lambda: consumed(2))  # revision 2 applied before the late revision 1 is sent
    async with unit_of_work(app.state.sessions, "budget") as work:
        session = work.session
        await stage_events(session, "budget", events[2:])
    await eventually(lambda: consumed(5))

    url = f"/v1/budget/departments/{department_id}/years/2020/spending"
    headers = auth_headers(platform, "finance")
    answer = (await client.get(url, headers=headers)).json()
    programs = {p["program"]: p["paid"] for p in answer["programs"]}
    assert programs == {"living_subsidy": "120", "death_benefit": "5", "transport_nursing": "0.7"}
    lines = {(x["scheme"], x["code"]): x for x in answer["lines"]}
    assert Decimal(lines[("functional", "208")]["paid"]) == Decimal("125")
    assert Decimal(lines[("functional", "208")]["difference"]) == Decimal("5507.54")
    assert Decimal(lines[("economic", "303")]["paid"]) == Decimal("125")
    assert Decimal(lines[("economic", "30399")]["paid"]) == Decimal("0.7")
    assert [p["functional_code"] for p in answer["unmatched"]] == ["2130101"]
    audit = await client.get(
        "/v1/budget/audit-log",
        params={"action": "actual_spending.settled"},
        headers=auth_headers(platform, "auditor"),
    )
    revisions = sorted(e["detail"]["revision"] for e in audit.json()["items"])
    assert revisions == [1, 1, 1, 2]  # the late revision 1 changed nothing and is not logged
