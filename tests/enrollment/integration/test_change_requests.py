"""Death reports and withdrawal requests wait for a second person (issue #17, item 1); the
province's matched notice stays one step; transfer-in amounts are bounded (item 2)."""

import json
from datetime import timedelta

import pytest

from services.enrollment.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    CHECKER,
    MAKER,
    citizen_id,
    clerk_key,
    counts,
    enrol,
    register_unit,
    report_death,
    request_withdrawal,
    scalar,
    set_parameter,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAYEE = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "本人"}
ABROAD = {"reason": "settled_abroad", "effective_on": "2020-06-30", "evidence": "定居证明"}
ELSEWHERE = {"area_code": "110105", "agency_name": "北京市朝阳区社保中心", "scheme": "institution"}


async def deceased_events(platform) -> int:
    return await scalar(
        platform,
        "SELECT count(*) FROM enrollment.outbox "
        "WHERE envelope->>'type' = 'enrollment.person.deceased'",
    )


async def test_a_death_report_waits_blocks_other_changes_and_takes_effect_as_entered(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        auditor = auth_headers(platform, "auditor")
        future = await report_death(
            client, platform, p, (agency_today() + timedelta(1)).isoformat()
        )
        assert (future.status_code, future.json()["field"]) == (422, "date_of_death")

        first = await report_death(client, platform, p, "2020-05-01", reason="误报")
        assert first.status_code == 201, first.text
        assert (first.json()["status"], first.json()["entered_by"]) == ("pending", MAKER)
        pending = await client.get(
            "/v1/enrollment/death-reports", params={"status": "pending"}, headers=auditor
        )
        [listed] = pending.json()["items"]
        assert (listed["id"], listed["document"], listed["entered_by"]) == (
            first.json()["id"],
            "死亡医学证明 0001",
            MAKER,
        )

        # While it waits, nothing else happens to the person: no second report, no change.
        second = await report_death(client, platform, p, "2020-05-02", subject="clerk-other")
        assert (second.status_code, second.json()["code"]) == (409, "death_report_pending")
        assert second.json()["pending_request_id"] == first.json()["id"]
        suspend = await client.post(
            f"/v1/enrollment/persons/{p}/status-changes",
            headers=clerk_key(platform),
            json={"change_type": "suspension", "effective_on": "2020-06-01", "reason": "停薪"},
        )
        assert (suspend.status_code, suspend.json()["code"]) == (409, "death_report_pending")
        withdraw = await request_withdrawal(client, platform, p, {**ABROAD, "payee": PAYEE})
        assert withdraw.json()["code"] == "death_report_pending"
        leave = await client.post(
            f"/v1/enrollment/persons/{p}/transfer-out",
            headers=clerk_key(platform),
            json={
                "effective_on": "2020-06-01",
                "same_pooling_area": False,
                "destination": ELSEWHERE,
            },
        )
        assert leave.json()["code"] == "death_report_pending"
        retire = await client.post(
            f"/v1/enrollment/persons/{p}/retirement",
            headers=clerk_key(platform),
            json={"retired_on": "2020-06-01", "bank_account": PAYEE},
        )
        assert (retire.status_code, retire.json()["code"]) == (409, "death_report_pending")
        direct = await client.post(
            f"/v1/enrollment/persons/{p}/status-changes",
            headers=clerk_key(platform),
            json={"change_type": "death", "effective_on": "2020-05-01", "reason": "病故"},
        )
        assert (direct.status_code, direct.json()["code"]) == (422, "death_report_required")
        assert await deceased_events(platform) == 0

        # The second person rejects: nothing changed, and the person is free again.
        reject = f"/v1/enrollment/death-reports/{first.json()['id']}/reject"
        own = await client.post(reject, headers=clerk_key(platform), json={"note": "撤回"})
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        rejected = await client.post(
            reject, headers=clerk_key(platform, CHECKER), json={"note": "证明不符"}
        )
        assert rejected.status_code == 200, rejected.text
        assert (rejected.json()["status"], rejected.json()["decided_by"]) == ("rejected", CHECKER)
        person = await client.get(f"/v1/enrollment/persons/{p}", headers=auditor)
        assert person.json()["status"] == "active"

        real = await report_death(client, platform, p, "2020-04-10")
        approved = await client.post(
            f"/v1/enrollment/death-reports/{real.json()['id']}/approve",
            headers=clerk_key(platform, CHECKER),
        )
        assert approved.status_code == 200, approved.text
        assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", CHECKER)
        history = await client.get(f"/v1/enrollment/persons/{p}/status-changes", headers=auditor)
        assert (
            history.json()["items"][-1]["change_type"],
            history.json()["items"][-1]["effective_on"],
        ) == (
            "death",
            "2020-04-10",  # dated as entered, not as approved
        )
        event = json.loads(
            await scalar(
                platform,
                "SELECT envelope::text FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.deceased'",
            )
        )
        assert event["payload"]["date_of_death"] == "2020-04-10"
        actions = await scalar(
            platform,
            "SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM enrollment.audit_log "
            "WHERE action LIKE 'death_request.%' OR action = 'person.death'",
        )
        assert actions == (
            f"death_request.entered:{MAKER},death_request.rejected:{CHECKER},"
            f"death_request.entered:{MAKER},person.death:{CHECKER},"
            f"death_request.approved:{CHECKER}"
        )


async def test_the_province_notice_is_one_step_and_supersedes_a_pending_report(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        cid = (await client.get(f"/v1/enrollment/persons/{p}", headers=clerk_key(platform))).json()[
            "citizen_id"
        ]
        report = await report_death(client, platform, p, "2020-07-01")
        notice = {"message_id": "P-9", "citizen_id": cid, "date_of_death": "2020-07-02"}
        r = await client.post(
            "/v1/enrollment/sync/death-notices",
            headers=auth_headers(platform, "province", subject="province"),
            json={"items": [notice]},
        )
        assert [(x["result"], x["detail"]) for x in r.json()["items"]] == [("applied", "recorded")]
        assert await deceased_events(platform) == 1
        got = await client.get(
            f"/v1/enrollment/death-reports/{report.json()['id']}", headers=clerk_key(platform)
        )
        assert (got.json()["status"], got.json()["decided_by"]) == ("superseded", "province")
        late = await client.post(
            f"/v1/enrollment/death-reports/{report.json()['id']}/approve",
            headers=clerk_key(platform, CHECKER),
        )
        assert (late.status_code, late.json()["code"]) == (409, "request_not_pending")
        assert await deceased_events(platform) == 1


async def test_a_withdrawal_request_is_listed_masked_rechecked_and_rejected(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p, q] = await enrol(client, platform, unit, 2)
        asked = await request_withdrawal(client, platform, p, {**ABROAD, "payee": PAYEE})
        assert asked.status_code == 201, asked.text
        assert (asked.json()["status"], asked.json()["result"]) == ("pending", None)
        assert asked.json()["payee"]["account_number"] == PAYEE["account_number"]
        [seen] = (
            await client.get(
                "/v1/enrollment/withdrawals",
                params={"status": "pending"},
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"]
        assert seen["payee"]["account_number"] == "************5678"
        assert seen["entered_by"] == MAKER
        again = await request_withdrawal(client, platform, p, {**ABROAD, "payee": PAYEE})
        assert (again.status_code, again.json()["code"]) == (409, "withdrawal_pending")

        rejected = await client.post(
            f"/v1/enrollment/withdrawals/{asked.json()['id']}/reject",
            headers=clerk_key(platform, CHECKER),
            json={"note": "账户非本人"},
        )
        assert rejected.json()["status"] == "rejected"
        assert await scalar(platform, "SELECT count(*) FROM enrollment.account_closing") == 0
        assert (
            await scalar(
                platform,
                "SELECT count(*) FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.withdrawn'",
            )
            == 0
        )

        # The rule is applied again on approval: the person died meanwhile (province notice).
        other = await request_withdrawal(client, platform, q, {**ABROAD, "payee": PAYEE})
        cid = (await client.get(f"/v1/enrollment/persons/{q}", headers=clerk_key(platform))).json()[
            "citizen_id"
        ]
        await client.post(
            "/v1/enrollment/sync/death-notices",
            headers=auth_headers(platform, "province", subject="province"),
            json={
                "items": [{"message_id": "P-1", "citizen_id": cid, "date_of_death": "2020-07-02"}]
            },
        )
        refused = await client.post(
            f"/v1/enrollment/withdrawals/{other.json()['id']}/approve",
            headers=clerk_key(platform, CHECKER),
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "withdrawal_not_allowed")
        assert await scalar(platform, "SELECT count(*) FROM enrollment.account_closing") == 0


async def test_transfer_in_amounts_and_months_are_bounded_by_dated_ceilings(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        body = {
            "citizen_id": citizen_id(seq="901"),
            "name": "外来",
            "unit_id": unit["id"],
            "staff_category": "public_institution_staff",
            "joined_on": "2020-03-01",
            "origin": ELSEWHERE,
            "basic_amount": "12000.50",
            "contribution_months": 96,
        }
        before = await counts(platform)
        for field, value, code in [
            ("basic_amount", "500000.01", "amount_above_ceiling"),
            ("pooled_fund_amount", "999999999999.99", "amount_above_ceiling"),
            ("annuity_funded_amount", "-0.01", "amount_negative"),
        ]:
            r = await client.post(
                "/v1/enrollment/transfers-in",
                headers=clerk_key(platform),
                json={**body, field: value},
            )
            assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, code, field)
        overflow = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk_key(platform),
            json={**body, "basic_amount": "1000000000000.00"},
        )
        assert overflow.status_code == 422  # past any column: refused by the schema
        lowered = {
            "name": "transfer_in_months_max",
            "effective_from": agency_today().isoformat(),
            "value": "480",
        }
        await set_parameter(client, platform, "limits", lowered)
        months = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk_key(platform),
            json={**body, "contribution_months": 481},
        )
        assert (months.status_code, months.json()["code"]) == (422, "months_above_ceiling")
        assert months.json()["field"] == "contribution_months"
        assert await counts(platform) == before

        at_ceiling = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk_key(platform),
            json={**body, "basic_amount": "500000.00", "contribution_months": 480},
        )
        assert at_ceiling.status_code == 201, at_ceiling.text
