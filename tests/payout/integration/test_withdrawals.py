"""Withdrawals from enrollment are paid once, as one-off lines of the next run's batches."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonWithdrawn
from tests.conftest import auth_headers, running_app
from tests.payout.integration.helpers import publish, run_payroll
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_withdrawal_is_paid_once_through_a_batch(platform) -> None:
    async with running_app(create_app(platform)) as client:
        person = uuid.uuid4()
        event = PersonWithdrawn(
            person_id=person,
            unit_id=uuid.uuid4(),
            reason="settled_abroad",
            effective_on=date(2025, 6, 12),
            basic_amount=Decimal("30000.00"),
            annuity_notional_amount=Decimal("0.00"),
            annuity_funded_amount=Decimal("12000.50"),
            total_amount=Decimal("42000.50"),
            payee_name="出国者",
            payee_bank_code="PSBC",
            payee_account_number="6221880011112222",
        )
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
            return len(r.json()) == 1 and "withdrawal.nothing_to_pay" in actions

        await eventually(queued)
        [one_off] = (await client.get("/v1/payout/one-offs", headers=staff)).json()
        assert one_off["account_number"] == "************2222"  # masked for finance
        run = await run_payroll(client, platform, "2025-06")
        assert run["payments"] == 1
        assert (await run_payroll(client, platform, "2025-06"))["payments"] == 0
        [batch] = (await client.get("/v1/payout/batches", headers=staff)).json()
        assert (batch["program"], batch["total"]) == (
            "withdrawal",
            {"count": 1, "amount": "42000.50"},
        )
        file = await client.get(f"/v1/payout/batches/{batch['id']}/file", headers=staff)
        assert str(person) not in file.text and "42000.50" in file.text
        assert "6221880011112222" not in file.text and "************2222" in file.text
        clerk = auth_headers(platform, "clerk")
        file = await client.get(f"/v1/payout/batches/{batch['id']}/file", headers=clerk)
        assert f"{person},出国者,6221880011112222,42000.50,2025-06" in file.text
