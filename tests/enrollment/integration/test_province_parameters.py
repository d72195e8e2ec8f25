"""Issue #20 item 3: the bookkeeping rates the province publishes into enrollment. A rate is
in force at once (the province's publication is the authority), refused on its own when bad,
idempotent by message id; like a rate approved here, it trues up the year's provisional
closing interest."""

from datetime import date

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    acked,
    credits,
    enrol,
    publish,
    register_unit,
    scalar,
    withdraw_approved,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/v1/enrollment/sync/parameters"
PAYEE = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "本人"}


async def test_a_published_rate_is_in_force_and_trues_up_the_closings(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        province = auth_headers(platform, "province", subject="prov")
        unit = await register_unit(client, platform)
        [person] = await enrol(client, platform, unit, 1)
        await publish(
            platform,
            credits(unit["id"], "2024-05", date(2024, 5, 20), [(person, "1000.00", "0", "0")]),
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 1))
        # 2025 has no rate yet: the closing takes 2024's 2.62% provisionally.
        body = {"reason": "settled_abroad", "evidence": "定居证明", "payee": PAYEE}
        r = await withdraw_approved(
            client, platform, person, {**body, "effective_on": "2025-03-31"}
        )
        assert r.json()["result"]["closing_interest"] == "21.93"

        rate = {
            "message_id": "P-2025-RATE-B",
            "name": "interest_rate",
            "effective_from": "2025-01-01",
            "value": {"account_kind": "basic", "rate": "0.0240"},
            "note": "2025年记账利率",
        }
        r = await client.post(URL, headers=auth_headers(platform, "admin"), json={"items": [rate]})
        assert r.status_code == 403, r.text  # the province's word only, not an admin's
        items = [
            rate,
            {**rate, "message_id": "P-BAD-1", "effective_from": "2025-03-01"},
            {**rate, "message_id": "P-BAD-2", "value": {"account_kind": "basic", "rate": "6%"}},
            {**rate, "message_id": "P-BAD-3", "value": {"account_kind": "x", "rate": "0.02"}},
            {**rate, "message_id": "P-BAD-4", "value": {**rate["value"], "year": 2025}},
            {**rate, "message_id": "P-BAD-5", "name": "average_wage"},  # contribution's
            {**rate, "message_id": "P-BAD-6", "effective_from": "1900-01-01"},
        ]
        r = await client.post(URL, headers=province, json={"items": items})
        assert r.status_code == 200, r.text
        out = r.json()
        assert (out["applied"], out["refused"]) == (1, 6), out
        applied = out["items"][0]
        assert (applied["result"], applied["detail"]) == (
            "applied",
            "in_force, closings trued up: 1",
        )
        fields = {
            i["message_id"]: [e["field"] for e in i["problem"]["errors"]] for i in out["items"][1:]
        }
        assert fields == {
            "P-BAD-1": ["items.1.effective_from"],
            "P-BAD-2": ["items.2.value.rate"],
            "P-BAD-3": ["items.3.value.account_kind"],
            "P-BAD-4": ["items.4.value.year"],
            "P-BAD-5": ["items.5.name"],
            "P-BAD-6": ["items.6.effective_from"],
        }
        rate_id = int(applied["record_id"])

        versions = await client.get(
            "/v1/enrollment/parameters/interest-rates",
            headers=clerk,
            params={"year": 2025, "account_kind": "basic"},
        )
        [version] = versions.json()["items"]
        assert (version["id"], version["rate"], version["status"], version["recorded_by"]) == (
            rate_id,
            "0.024",
            "approved",
            "prov",
        )
        assert version["decision_note"] == "省级平台发布 (报文 P-2025-RATE-B)"
        audited = await scalar(
            platform,
            "SELECT count(*) FROM enrollment.audit_log "
            f"WHERE action = 'interest_rate.published' AND object_id = '{rate_id}'",
        )
        assert audited == 1
        # The closing's provisional interest is trued up on it, as after a local approval:
        # 1015.28 x 2.40% x 3/12 = 6.09, less the 6.65 paid.
        supplements = f"/v1/enrollment/persons/{person}/supplements"
        [true_up] = (await client.get(supplements, headers=clerk)).json()["items"]
        assert (true_up["reason"], true_up["basic_amount"], true_up["rate_id"]) == (
            "interest_true_up",
            "-0.56",
            rate_id,
        )

        # Replayed, reused with other content, republished under a new id: nothing new.
        again = [rate, {**rate, "note": "更正"}, {**rate, "message_id": "P-2025-RATE-B2"}]
        r = await client.post(URL, headers=province, json={"items": again})
        assert [(i["result"], i["detail"]) for i in r.json()["items"]] == [
            ("duplicate", "in_force, closings trued up: 1"),
            ("refused", r.json()["items"][1]["problem"]["detail"]),
            ("applied", "unchanged"),
        ]
        assert r.json()["items"][1]["problem"]["code"] == "message_id_reused"
        assert (await client.get(supplements, headers=clerk)).json()["items"] == [true_up]
