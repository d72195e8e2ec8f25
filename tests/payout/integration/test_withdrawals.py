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
        staff = auth_headers(platform, "finance")

        async def queued() -> bool:
            r = await client.get("/v1/payout/one-offs", headers=staff)
            return len(r.json()) == 1

        await eventually(queued)
        run = await run_payroll(client, platform, "2025-06")
        assert run["payments"] == 1
        assert (await run_payroll(client, platform, "2025-06"))["payments"] == 0
        [batch] = (await client.get("/v1/payout/batches", headers=staff)).json()
        assert (batch["program"], batch["total"]) == (
            "withdrawal",
            {"count": 1, "amount": "42000.50"},
        )
        file = await client.get(f"/v1/payout/batches/{batch['id']}/file", headers=staff)
        assert str(person) in file.text and "42000.50" in file.text
