"""Issue #20 item 3: parameters the province publishes into payout (计发基数, the 调待 rule).
Each is a version in force at once, refused on its own when bad, idempotent by message id;
a 计发基数 re-derives in the background the determinations made provisionally on last
year's, and their approval records the difference of the months paid."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout import province_parameters
from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually
from tests.support.payout_determinations import determinations, execute, get

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/v1/payout/sync/parameters"


async def send(client, platform, items: list[dict], role: str = "province") -> dict:
    r = await client.post(
        URL, headers=auth_headers(platform, role, subject="prov"), json={"items": items}
    )
    assert r.status_code == 200, r.text
    return r.json()


def base_2026(message_id: str = "P-2026-WB", amount: str = "7862.00") -> dict:
    return {
        "message_id": message_id,
        "name": "benefit_wage_base",
        "effective_from": "2026-01-01",
        "value": {"amount": amount},
        "note": "2026年计发基数",
    }


async def test_a_batch_applies_the_good_items_and_refuses_the_bad_ones(platform) -> None:
    async with running_app(create_app(platform)) as client:
        r = await client.post(
            URL, headers=auth_headers(platform, "admin"), json={"items": [base_2026()]}
        )
        assert r.status_code == 403, r.text  # only the province publishes here, not even admin
        rule = {
            "message_id": "P-2026-TD",
            "name": "pension_adjustment",
            "effective_from": "2026-01-01",
            "value": {"fixed_amount": "50.00", "rate": "0.02"},
        }
        items = [
            rule,
            {**rule, "message_id": "P-BAD-1", "name": "average_wage"},  # contribution's
            {**rule, "message_id": "P-BAD-2", "value": {"fixed_amount": "-1.00", "rate": "0"}},
            {**rule, "message_id": "P-BAD-3", "value": {"fixed_amount": "0", "rate": "0"}},
            {**rule, "message_id": "P-BAD-4", "value": {"fixed_amount": "3000.00", "rate": "0"}},
            {**base_2026("P-BAD-5"), "value": {"amount": "7862.00", "typo": 1}},
            {**base_2026("P-BAD-6"), "effective_from": "2026-07-01"},  # the year's: 1 January
        ]
        out = await send(client, platform, items)
        assert (out["applied"], out["refused"]) == (1, 6), out
        first = out["items"][0]
        assert (first["result"], first["detail"]) == ("applied", "in_force")
        refused = {i["message_id"]: i["problem"] for i in out["items"][1:]}
        assert {m: p["status"] for m, p in refused.items()} == dict.fromkeys(refused, 422)
        fields = {m: [e["field"] for e in p.get("errors", [])] for m, p in refused.items()}
        assert fields["P-BAD-1"] == ["items.1.name"]
        assert fields["P-BAD-2"] == ["items.2.value.fixed_amount"]
        assert fields["P-BAD-3"] == ["items.3.value.fixed_amount"]
        assert refused["P-BAD-4"]["code"] == "amount_above_bound"  # 调待 bound 2,000.00
        assert fields["P-BAD-5"] == ["items.5.value.typo"]
        assert fields["P-BAD-6"] == ["items.6.effective_from"]

        versions = await get(client, platform, "/v1/payout/parameters", name="pension_adjustment")
        [version] = versions["items"]
        assert version["id"] == int(first["record_id"])
        assert (version["status"], version["recorded_by"], version["decided_by"]) == (
            "approved",
            "prov",
            None,
        )
        assert version["decision_note"] == "省级平台发布 (报文 P-2026-TD)"
        assert version["value"] == {"fixed_amount": "50.00", "rate": "0.02"}
        audit = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action = 'parameter.published' "
            f"AND object_id = '{version['id']}'",
        )
        assert audit == 1

        # Replayed: the first outcome, nothing new; a reused id with other content: refused;
        # the same version under a new id: unchanged; a refused item's id may be reused.
        again = await send(client, platform, [rule, {**rule, "note": "改"}])
        assert [i["result"] for i in again["items"]] == ["duplicate", "refused"]
        assert again["items"][0]["record_id"] == first["record_id"]
        assert again["items"][1]["problem"]["code"] == "message_id_reused"
        same = await send(client, platform, [{**rule, "message_id": "P-2026-TD-2"}])
        assert (same["items"][0]["detail"], same["items"][0]["record_id"]) == (
            "unchanged",
            first["record_id"],
        )
        fixed = await send(
            client,
            platform,
            [{**rule, "message_id": "P-BAD-3", "value": {"fixed_amount": "60.00", "rate": "0"}}],
        )
        assert fixed["applied"] == 1
        versions = await get(client, platform, "/v1/payout/parameters", name="pension_adjustment")
        assert versions["total"] == 2  # a newer version of the same date: in force


async def test_a_published_wage_base_rederives_the_provisional_determinations(
    platform, monkeypatch
) -> None:
    """Retired in March 2026 before 2026's 计发基数 was published: paid provisionally on
    2025's. The province publishes it: a recalculation awaits review with the new base,
    made in the background (one retiree per batch here, so the batches chain); approved by
    two clerks, the months paid get their back pay."""
    monkeypatch.setattr(province_parameters.service, "BATCH", 1)
    await execute(
        platform,
        "DELETE FROM payout.parameter WHERE name = 'wage_base' AND effective_from = '2026-01-01'",
    )
    async with running_app(create_app(platform)) as client:
        event = retirement(
            67, retired_on=date(2026, 3, 15), birth_date=date(1961, 3, 15), age_months=65 * 12
        )
        [first] = await retire(client, platform, event)
        person = first["person_id"]
        assert (first["inputs"]["wage_base"], first["provisional"]) == ("7593.00", True)
        await review(client, platform, first["id"])
        other = retirement(
            68, retired_on=date(2026, 2, 10), birth_date=date(1961, 2, 10), age_months=65 * 12
        )
        [second] = await retire(client, platform, other)
        await review(client, platform, second["id"])
        await run_payroll(client, platform, "2026-05")  # April, May (March to May)

        out = await send(client, platform, [base_2026()])
        [item] = out["items"]
        assert (item["result"], item["detail"]) == ("applied", "in_force, rederiving")
        version = int(item["record_id"])

        made: list[dict] = []

        async def rederived() -> bool:
            made[:] = await determinations(client, platform, person)
            return len(made) == 2

        await eventually(rederived, within=20)
        theirs: list[dict] = []

        async def also_theirs() -> bool:
            theirs[:] = await determinations(client, platform, second["person_id"])
            return len(theirs) == 2

        await eventually(also_theirs, within=20)
        assert (theirs[-1]["kind"], theirs[-1]["inputs"]["wage_base"]) == (
            "recalculation",
            "7862.00",
        )
        recalculation = made[-1]
        assert (recalculation["kind"], recalculation["status"]) == ("recalculation", "pending")
        assert recalculation["effective_from"] == "2026-04-01"
        assert (recalculation["inputs"]["wage_base"], recalculation["provisional"]) == (
            "7862.00",
            False,
        )
        assert recalculation["parameter_versions"]["wage_base"] == version
        assert recalculation["created_by"] == "prov"
        assert recalculation["reason"].startswith("参数更正 (wage_base): 省级平台发布")
        batches = await scalar(
            platform,
            "SELECT string_agg(detail->>'parameter_id' || ':' || (detail->>'remaining'), ',' "
            "ORDER BY id) FROM payout.audit_log "
            "WHERE action = 'determination.rederivation_batch'",
        )
        assert batches == f"{version}:1,{version}:0"  # one retiree each, the second asked for
        stale = await get(client, platform, "/v1/payout/parameter-rederivations")
        assert {(i["person_id"], i["in_review"]) for i in stale["items"]} == {
            (person, True),
            (second["person_id"], True),
        }

        # Published again (the province resends under a new id): nothing new is made.
        again = await send(client, platform, [base_2026("P-2026-WB-RESENT")])
        assert again["items"][0]["detail"] == "unchanged"

        # Two clerks review; the difference of April and May is recorded as back pay.
        await review(client, platform, recalculation["id"])
        final, provisional = (
            Decimal(recalculation["monthly_amount"]),
            Decimal(first["monthly_amount"]),
        )
        assert final > provisional
        owed = await scalar(
            platform,
            "SELECT string_agg(to_char(month, 'YYYY-MM') || ' ' || amount, ',' ORDER BY month) "
            "FROM payout.benefit_difference WHERE kind = 'back_pay' AND program = 'basic_pension' "
            f"AND person_id = '{person}'",
        )
        assert owed == f"2026-04 {final - provisional},2026-05 {final - provisional}"
        assert len(await determinations(client, platform, person)) == 2  # nothing else made
