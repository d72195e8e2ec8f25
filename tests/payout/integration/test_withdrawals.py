"""Withdrawals from enrollment are paid once, as one-off lines of the next run's batches."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonWithdrawn
from shared.data.db import make_engine
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, run_payroll
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import post_results, two_banks  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")


def withdrawal(person: uuid.UUID, effective_on: date = date(2025, 6, 12)) -> PersonWithdrawn:
    """A withdrawal of 42,000.50 to a PSBC account."""
    return PersonWithdrawn(
        person_id=person,
        unit_id=uuid.uuid4(),
        reason="settled_abroad",
        effective_on=effective_on,
        basic_amount=Decimal("30000.00"),
        annuity_notional_amount=Decimal("0.00"),
        annuity_funded_amount=Decimal("12000.50"),
        total_amount=Decimal("42000.50"),
        payee_name="出国者",
        payee_bank_code="PSBC",
        payee_account_number="6221880011112222",
    )


async def test_a_withdrawal_is_paid_once_through_a_batch(platform) -> None:
    async with running_app(create_app(platform)) as client:
        person = uuid.uuid4()
        event = withdrawal(person)
        envelope = EventEnvelope.wrap(event, source="enrollment", aggregate_id=str(person))
        await publish(platform, envelope)
        await publish(platform, envelope, msg_id="again")
        # A withdrawal of nothing (balances already paid out) is no line of 0.00 for a bank.
        nobody = uuid.uuid4()
        nothing = event.model_copy(
            update={
                "person_id": nobody,
                "basic_amount": Decimal("0.00"),
                "annuity_funded_amount": Decimal("0.00"),
                "total_amount": Decimal("0.00"),
            }
        )
        await publish(
            platform, EventEnvelope.wrap(nothing, source="enrollment", aggregate_id=str(nobody))
        )
        staff = auth_headers(platform, "finance")

        async def queued() -> bool:
            r = await client.get("/v1/payout/one-offs", headers=staff)
            log = await client.get(
                "/v1/payout/audit-log", headers=auth_headers(platform, "auditor")
            )
            actions = [e["action"] for e in log.json()["items"]]
            return r.json()["total"] == 1 and "withdrawal.nothing_to_pay" in actions

        await eventually(queued)
        [one_off] = (await client.get("/v1/payout/one-offs", headers=staff)).json()["items"]
        assert one_off["account_number"] == "************2222"  # masked for finance
        run = await run_payroll(client, platform, "2025-06")
        assert run["payments"] == 1
        assert (await run_payroll(client, platform, "2025-06"))["payments"] == 0
        [batch] = (await client.get("/v1/payout/batches", headers=staff)).json()["items"]
        # Settled abroad: the annuity part (12,000.50) is taxed with the yearly table, 3% =
        # 360.02; the bank pays the net.
        assert (one_off["taxable_amount"], one_off["tax_withheld"]) == ("12000.50", "360.02")
        assert (batch["program"], batch["total"]) == (
            "withdrawal",
            {"count": 1, "amount": "41640.48"},
        )
        file = await client.get(f"/v1/payout/batches/{batch['id']}/file", headers=staff)
        assert str(person) not in file.text and "41640.48" in file.text
        assert "6221880011112222" not in file.text and "************2222" in file.text
        clerk = auth_headers(platform, "clerk")
        file = await client.get(f"/v1/payout/batches/{batch['id']}/file", headers=clerk)
        assert f"{person},出国者,6221880011112222,41640.48,2025-06,42000.50,360.02" in file.text


@pytest.mark.usefixtures("two_banks")
async def test_a_month_outside_the_settlement_years_is_never_queued_nor_settled(platform) -> None:
    """A withdrawal effective in 1999 is not queued (the audit log says so); a line of such a
    month queued before this rule still takes its bank result, and is not settled."""
    async with running_app(create_app(platform)) as client:
        early = uuid.uuid4()
        await publish(
            platform,
            EventEnvelope.wrap(
                withdrawal(early, date(1999, 6, 12)), source="enrollment", aggregate_id=str(early)
            ),
        )
        auditor = auth_headers(platform, "auditor")

        async def recorded() -> list[dict]:
            log = (await client.get("/v1/payout/audit-log", headers=auditor)).json()["items"]
            return [e for e in log if e["action"] == "withdrawal.period_out_of_range"]

        await eventually(recorded)
        [entry] = await recorded()
        assert entry["object_id"] == str(early)
        assert entry["detail"] == {"amount": "42000.50", "effective_on": "1999-06-12"}
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0

        # As an earlier version queued it, with budget codes an admin dated back to 1999.
        admin = auth_headers(platform, "admin")
        [codes] = (
            await client.get("/v1/payout/parameters?name=budget_codes", headers=admin)
        ).json()["items"]
        await set_parameter(
            client,
            platform,
            {"name": "budget_codes", "effective_from": "1999-01-01", "value": codes["value"]},
        )
        engine = make_engine(platform.database_url)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO payout.one_off (id, person_id, citizen_id, program, period, "
                    "amount, bank_code, account_number, account_name, status, source) VALUES "
                    "(gen_random_uuid(), CAST(:person AS uuid), :person, 'withdrawal', "
                    "'1999-06-01', 42000.50, 'PSBC', '6221880011112222', '出国者', 'pending', "
                    "'withdrawal')"
                ).bindparams(person=str(early))
            )
        await engine.dispose()
        assert (await run_payroll(client, platform, "2025-06"))["payments"] == 1
        line = await scalar(platform, "SELECT id::text FROM payout.payment")
        r = await post_results(client, platform, [{"reference": line, "outcome": "paid"}])
        assert (r.status_code, r.json()) == (
            200,
            {"recorded": 1, "already_recorded": 0, "suspense": 0, "suspense_references": []},
        )
        assert await scalar(platform, "SELECT status FROM payout.payment") == "paid"
        assert await scalar(platform, "SELECT count(*) FROM payout.ledger_settlement") == 0
        assert (
            await scalar(
                platform,
                "SELECT count(*) FROM payout.outbox WHERE subject = "
                "'pension.payout.disbursement.settled'",
            )
            == 0
        )


async def test_a_withdrawal_above_the_one_off_ceiling_is_never_queued(platform) -> None:
    """A withdrawal of more than any plausible one-off (500,000 by default) reaches no bank:
    the audit log names the amount and the bound for a clerk to check by hand."""
    async with running_app(create_app(platform)) as client:
        person = uuid.uuid4()
        huge = withdrawal(person).model_copy(
            update={
                "basic_amount": Decimal("999999999999.99"),
                "annuity_funded_amount": Decimal("0.00"),
                "total_amount": Decimal("999999999999.99"),
            }
        )
        await publish(
            platform, EventEnvelope.wrap(huge, source="enrollment", aggregate_id=str(person))
        )
        auditor = auth_headers(platform, "auditor")

        async def recorded() -> list[dict]:
            log = (await client.get("/v1/payout/audit-log", headers=auditor)).json()["items"]
            return [e for e in log if e["action"] == "withdrawal.amount_above_bound"]

        await eventually(recorded)
        [entry] = await recorded()
        assert entry["detail"] == {"amount": "999999999999.99", "bound": "500000.00"}
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        assert (await run_payroll(client, platform, "2025-06"))["payments"] == 0
