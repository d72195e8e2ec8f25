"""A recovery opened on a line the bank later fails (issue #18, item 7): the money never
left, so the case is void, and a `bank_return` recorded for it is not subtracted twice."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import post_results, two_banks  # noqa: F401

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]


async def lines_of(platform, period: str) -> dict[str, str]:
    """{program: reference} of the lines of a month."""
    found = await scalar(
        platform,
        "SELECT coalesce(json_object_agg(program, id::text), '{}') FROM payout.payment "
        f"WHERE period = '{period}'",
    )
    return dict(found)  # type: ignore[arg-type]


async def test_a_recovery_on_a_line_the_bank_fails_is_void_and_not_subtracted_twice(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(71)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        finance = auth_headers(platform, "finance")
        # April and May are paid; June's lines are still with the bank when the death arrives.
        for month in ("2025-04-01", "2025-05-01"):
            refs = await lines_of(platform, month)
            paid = [{"reference": r, "outcome": "paid"} for r in refs.values()]
            assert (await post_results(client, platform, paid)).status_code == 200
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def cases() -> list[dict]:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": person}, headers=finance
            )
            return r.json()["items"] if len(r.json()["items"]) == 2 else []

        await eventually(cases)
        by_program = {c["program"]: c for c in await cases()}
        # The pension's case is (wrongly) recorded as returned by the bank before its result.
        basic = by_program["basic_pension"]
        r = await client.post(
            f"/v1/payout/recoveries/{basic['id']}/resolve",
            headers=finance,
            json={"method": "bank_return"},
        )
        assert r.json()["status"] == "recovered"

        june = await lines_of(platform, "2025-06-01")
        failed = [
            {"reference": ref, "outcome": "failed", "reason_code": "account_closed"}
            for ref in june.values()
        ]
        assert (await post_results(client, platform, failed)).status_code == 200

        after = {c["program"]: c for c in await cases()}
        for program in ("basic_pension", "occupational_annuity"):
            assert (after[program]["status"], after[program]["method"]) == ("void", "line_failed")
        settled = (await client.get("/v1/payout/ledger/2025/settlements", headers=finance)).json()[
            "items"
        ]
        last = {}
        for s in settled:
            last[(s["program"], s["period"][:7])] = s
        june_basic = last[("basic_pension", "2025-06")]
        # Nothing paid, nothing recovered: before the fix, paid 0 − recovered 4792.71.
        assert Decimal(june_basic["paid_amount"]) == 0
        assert Decimal(june_basic["recovered_amount"]) == 0
        assert Decimal(june_basic["failed_amount"]) == Decimal("4792.71")
        ledger = (await client.get("/v1/payout/ledger/2025", headers=finance)).json()["items"]
        [row] = [x for x in ledger if (x["program"], x["period"]) == ("basic_pension", "2025-06")]
        assert (row["paid_amount"], row["recovered_amount"]) == ("0.00", "0.00")
        # A month after the death is never re-issued; the cases say why they are closed.
        assert (
            await scalar(
                platform,
                "SELECT count(*) FROM payout.audit_log WHERE action = 'recovery.void'",
            )
            == 2
        )
        assert (await run_payroll(client, platform, "2025-07"))["payments"] == 0
