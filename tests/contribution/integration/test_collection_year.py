"""A unit's year: declare, approve, plan, pay (on time, late, partial, over), credit accounts."""

from decimal import Decimal

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.contracts import AccountsCredited, EventEnvelope
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    balances,
    declare_and_approve,
    generate,
    pay,
    plans,
    register,
    scalar,
    wage_lines,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_units_year_end_to_end(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县财政局": ("full", 2, "2019-01-01"), "县医院": ("self", 1, "2019-01-01")},
    )
    finance, hospital = county.units["县财政局"], county.units["县医院"]
    await declare_and_approve(
        contribution, platform, finance, 2020, wage_lines(county.persons["县财政局"], "6000.00")
    )
    await declare_and_approve(
        contribution, platform, hospital, 2020, wage_lines(county.persons["县医院"], "6000.00")
    )

    first = await generate(contribution, platform, "2020-01")
    assert first["regular_plans"] == 2 and first["person_months"] == 3
    # 2 x (960 + 480 + 240) cash for the fully funded unit, 960 + 480 + 480 + 240 for the other
    assert first["total_due"] == "5520.00"
    again = await generate(contribution, platform, "2020-01")
    assert again["regular_plans"] == again["supplementary_plans"] == again["person_months"] == 0

    [january] = await plans(contribution, platform, finance)
    assert january["annuity_unit"] == "0.00" and january["annuity_unit_notional"] == "960.00"
    assert january["due_on"] == "2020-01-15" and january["outstanding"] == "3360.00"

    # Partial payment on time: individual shares are paid first, nothing is credited yet.
    partial = await pay(contribution, platform, finance, "1000.00", "2020-01-10", "pay-0001")
    assert partial["unallocated"] == "0.00"
    [january] = await plans(contribution, platform, finance)
    assert january["outstanding"] == "2360.00" and january["settled_on"] is None

    # The rest 10 days late: 0.05% a day on the principal paid late.
    fee = (Decimal("2360.00") * Decimal("0.0005") * 10).quantize(Decimal("0.01"))
    late = await pay(
        contribution, platform, finance, str(Decimal("2360.00") + fee), "2020-01-25", "pay-0002"
    )
    assert (
        late["allocations"][0]["late_fee"] == str(fee) and late["allocations"][0]["days_late"] == 10
    )
    [january] = await plans(contribution, platform, finance)
    assert january["outstanding"] == "0.00" and january["settled_on"] == "2020-01-25"
    assert january["late_fee_paid"] == str(fee)

    # The retry of a payment is answered from the first recording, not paid twice.
    replay = await pay(contribution, platform, finance, "1000.00", "2020-01-10", "pay-0001")
    assert replay["id"] == partial["id"]

    # Over-payment by the hospital becomes credit that the next month's plan uses.
    over = await pay(contribution, platform, hospital, "3000.00", "2020-01-12", "pay-0003")
    assert over["unallocated"] == "840.00"
    await generate(contribution, platform, "2020-02")
    feb = (await plans(contribution, platform, hospital))[1]
    assert feb["paid_total"] == "840.00" and feb["outstanding"] == "1320.00"

    # A clerk sorts receipts by amount and plans by what is still due (issue #19 item 3).
    auditor = auth_headers(platform, "auditor")
    by_amount = await contribution.get("/v1/contribution/receipts?sort=-amount", headers=auditor)
    amounts = [Decimal(r["amount"]) for r in by_amount.json()["items"]]
    assert len(amounts) == 3 and amounts == sorted(amounts, reverse=True)
    latest_due = await contribution.get(
        "/v1/contribution/plans", params={"sort": "-due_on", "limit": 1}, headers=auditor
    )
    assert latest_due.json()["items"][0]["due_on"] == "2020-02-15"
    for wrong in ({"sort": "unit_id"}, {"sort": "--amount"}):
        r = await contribution.get("/v1/contribution/receipts", params=wrong, headers=auditor)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), wrong

    # Settled months reach the accounts in enrollment: basic 8%, annuity by funding type.
    person = county.persons["县财政局"][0]["id"]

    async def credited() -> bool:
        found = await balances(enrollment, platform, person, "2020-12-31")
        return found.get("basic") == "480.00"

    await eventually(credited)
    # The outbox rows PostgreSQL built are envelopes of the published contract.
    envelope = EventEnvelope.model_validate_json(
        await scalar(
            platform,
            "SELECT envelope::text FROM contribution.outbox "
            f"WHERE envelope->'payload'->>'unit_id' = '{finance['id']}'",
        )
    )
    credited_event = envelope.parse(AccountsCredited)
    assert envelope.type == "contribution.accounts.credited"
    assert (credited_event.period, str(credited_event.credited_on)) == ("2020-01", "2020-01-25")
    assert credited_event.lines[0].contribution_index == Decimal("1.0091")  # 6000 / 5946
    found = await balances(enrollment, platform, person, "2020-12-31")
    assert found == {"basic": "480.00", "annuity_notional": "480.00", "annuity_funded": "240.00"}
    nurse = county.persons["县医院"][0]["id"]

    async def hospital_credited() -> bool:
        return (await balances(enrollment, platform, nurse, "2020-12-31")).get(
            "annuity_funded"
        ) == "720.00"

    await eventually(hospital_credited)

    # Arrears as of March: the hospital's February rest, with the fee accrued since the 15th.
    r = await contribution.get(
        "/v1/contribution/arrears",
        params={"as_of": "2020-03-01"},
        headers=auth_headers(platform, "auditor"),
    )
    report = r.json()
    [unit] = [u for u in report["units"] if u["unit_id"] == hospital["id"]]
    [month] = unit["months"]
    assert month["period"] == "2020-02" and month["outstanding"] == "1320.00"
    assert month["days_overdue"] == 15 and month["late_fee"] == "9.90"
    assert unit["total_to_pay"] == "1329.90"
    persons = await contribution.get(
        f"/v1/contribution/arrears/{hospital['id']}/persons",
        params={"as_of": "2020-03-01"},
        headers=auth_headers(platform, "auditor"),
    )
    assert [p["period"] for p in persons.json()["items"]] == ["2020-02"]
    assert "*" in persons.json()["items"][0]["citizen_id"]

    # The hospital's statement: two months due, one receipt, its over-payment used up.
    r = await contribution.get(
        f"/v1/contribution/units/{hospital['id']}/statement/2020",
        headers=auth_headers(platform, "auditor"),
    )
    statement = r.json()
    assert [p["period"] for p in statement["plans"]] == ["2020-01", "2020-02"]
    assert (statement["due"], statement["paid"], statement["outstanding"]) == (
        "4320.00",
        "3000.00",
        "1320.00",
    )
    assert (statement["received"], statement["credit"]) == ("3000.00", "0.00")
    r = await contribution.get(
        "/v1/contribution/units/00000000-0000-0000-0000-000000000001/statement/2020",
        headers=auth_headers(platform, "auditor"),
    )
    assert (r.status_code, r.json()["code"]) == (404, "unit_not_found")

    # The year's report: due = paid + outstanding, item by item.
    r = await contribution.get(
        "/v1/contribution/reports/2020", headers=auth_headers(platform, "auditor")
    )
    year = r.json()
    for item, due in year["due"].items():
        assert Decimal(due) == Decimal(year["paid"][item]) + Decimal(year["outstanding"][item])
    assert year["late_fees_paid"] == str(fee)
    assert Decimal(year["annuity_collected"]) == Decimal(year["paid"]["annuity_unit"]) + Decimal(
        year["paid"]["annuity_individual"]
    )
    # Per unit, paged in SQL: one unit a page, as many pages as the year has units, and the
    # units' dues add up to the year's.
    units = [
        (
            await contribution.get(
                "/v1/contribution/reports/2020/units",
                params={"limit": 1, "offset": at},
                headers=auth_headers(platform, "auditor"),
            )
        ).json()
        for at in range(year["units"])
    ]
    assert {u["total"] for u in units} == {year["units"]}
    rows = [u["items"][0] for u in units]
    assert len({r["unit_id"] for r in rows}) == year["units"]
    for item, due in year["due"].items():
        assert sum(Decimal(r["due"][item]) for r in rows) == Decimal(due)
