"""The province's inbound batches (issue #20 item 3): death notices (死亡比对) and transfers in.

Each item is idempotent by its message id; a bad item is refused with its problem while the
good ones apply; notices that match no one or contradict what is recorded wait for a clerk.
"""

import uuid
from datetime import timedelta

import pytest

from services.enrollment.main import create_app
from services.payout.main import create_app as create_payout_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    CHECKER,
    MAKER,
    citizen_id,
    clerk_key,
    enrol,
    register_unit,
    scalar,
)
from tests.payout.integration.helpers import retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
NOTICES = "/v1/enrollment/sync/death-notices"
TRANSFERS = "/v1/enrollment/sync/transfers-in"
ISSUES = "/v1/enrollment/death-notice-issues"
ELSEWHERE = {"area_code": "110105", "agency_name": "北京市朝阳区社保中心", "scheme": "institution"}


def province(platform) -> dict[str, str]:
    return auth_headers(platform, "province", subject="province")


async def citizen_ids(client, platform, persons: list[str]) -> list[str]:
    clerk = auth_headers(platform, "clerk")
    return [
        (await client.get(f"/v1/enrollment/persons/{p}", headers=clerk)).json()["citizen_id"]
        for p in persons
    ]


async def deceased_events(platform) -> int:
    return await scalar(
        platform,
        "SELECT count(*) FROM enrollment.outbox "
        "WHERE envelope->>'type' = 'enrollment.person.deceased'",
    )


def outcomes(answer: dict) -> list[tuple]:
    return [(x["index"], x["message_id"], x["result"], x["detail"]) for x in answer["items"]]


async def test_good_notices_apply_doubtful_ones_wait_and_bad_ones_are_refused(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        a, b = await enrol(client, platform, unit, 2)
        ids = await citizen_ids(client, platform, [a, b])
        tomorrow = (agency_today() + timedelta(days=1)).isoformat()
        batch = {
            "items": [
                {"message_id": "N-1", "citizen_id": ids[0], "date_of_death": "2020-07-01"},
                {
                    "message_id": "N-2",
                    "citizen_id": citizen_id(seq="999"),
                    "date_of_death": "2020-07-01",
                    "name": "查无",
                },
                {"message_id": "N-3", "citizen_id": ids[1], "date_of_death": tomorrow},
                {"message_id": "N-4", "citizen_id": ids[1], "date_of_death": "2010-01-01"},
                {"message_id": "N-5", "citizen_id": "330522198003151230", "date_of_death": "2020"},
                {"citizen_id": ids[1], "date_of_death": "2020-07-01"},
                {"message_id": "N-7", "citizen_id": ids[0], "date_of_death": "2020-07-01"},
                {"message_id": "N-8", "citizen_id": ids[0], "date_of_death": "2021-01-01"},
            ]
        }
        r = await client.post(NOTICES, headers=province(platform), json=batch)
        assert r.status_code == 200, r.text
        first = r.json()
        assert outcomes(first) == [
            (0, "N-1", "applied", "recorded"),
            (1, "N-2", "queued", "unknown_person"),
            (2, "N-3", "queued", "date_in_future"),
            (3, "N-4", "queued", "before_last_change"),
            (4, "N-5", "refused", first["items"][4]["detail"]),
            (5, None, "refused", first["items"][5]["detail"]),
            (6, "N-7", "applied", "already_recorded"),
            (7, "N-8", "queued", "date_conflict"),
        ]
        assert (first["applied"], first["queued"], first["duplicate"], first["refused"]) == (
            2,
            4,
            0,
            2,
        )
        bad = first["items"][4]["problem"]
        assert (bad["status"], bad["code"]) == (422, "validation_failed")
        assert {e["field"] for e in bad["errors"]} >= {"items.4.date_of_death"}
        assert first["items"][0]["record_id"] == a
        assert await deceased_events(platform) == 1
        statuses = [
            (await client.get(f"/v1/enrollment/persons/{p}", headers=clerk_key(platform))).json()[
                "status"
            ]
            for p in (a, b)
        ]
        assert statuses == ["deceased", "active"]
        assert await scalar(platform, "SELECT count(*) FROM enrollment.death_notice_issue") == 4

        # Sent again: every kept item answers its first outcome and nothing changes twice.
        again = (await client.post(NOTICES, headers=province(platform), json=batch)).json()
        assert [x["result"] for x in again["items"]] == [
            "duplicate",
            "duplicate",
            "duplicate",
            "duplicate",
            "refused",
            "refused",
            "duplicate",
            "duplicate",
        ]
        assert [x["record_id"] for x in again["items"]] == [x["record_id"] for x in first["items"]]
        assert await deceased_events(platform) == 1
        assert await scalar(platform, "SELECT count(*) FROM enrollment.death_notice_issue") == 4

        # The same id with other content is refused; a corrected resend of a refused one is new.
        reused = {"message_id": "N-1", "citizen_id": ids[1], "date_of_death": "2020-07-01"}
        fixed = {"message_id": "N-5", "citizen_id": ids[1], "date_of_death": "2020-08-01"}
        r = await client.post(NOTICES, headers=province(platform), json={"items": [reused, fixed]})
        [x, y] = r.json()["items"]
        assert (x["result"], x["problem"]["code"], x["problem"]["status"]) == (
            "refused",
            "message_id_reused",
            409,
        )
        assert (y["result"], y["detail"], y["record_id"]) == ("applied", "recorded", b)
        assert await deceased_events(platform) == 2

        clerk = await client.post(NOTICES, headers=auth_headers(platform, "clerk"), json=batch)
        assert clerk.status_code == 403
        empty = await client.post(NOTICES, headers=province(platform), json={"items": []})
        assert (empty.status_code, empty.json()["code"]) == (422, "validation_failed")


async def test_a_clerk_lists_resolves_and_a_second_clerk_approves(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [b] = await enrol(client, platform, unit, 1)
        [cid] = await citizen_ids(client, platform, [b])
        tomorrow = (agency_today() + timedelta(days=1)).isoformat()
        unknown = citizen_id(seq="997")
        items = [
            {"message_id": "Q-1", "citizen_id": unknown, "date_of_death": "2020-07-01"},
            {"message_id": "Q-2", "citizen_id": cid, "date_of_death": tomorrow},
            {
                "message_id": "Q-3",
                "citizen_id": citizen_id(seq="995"),
                "date_of_death": "2020-07-01",
            },
        ]
        r = await client.post(NOTICES, headers=province(platform), json={"items": items})
        assert [x["result"] for x in r.json()["items"]] == ["queued"] * 3
        [q1, q2, q3] = [x["record_id"] for x in r.json()["items"]]

        clerk = auth_headers(platform, "clerk", subject=MAKER)
        page = (await client.get(ISSUES, params={"status": "open"}, headers=clerk)).json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 100, 0)
        assert [i["id"] for i in page["items"]] == [int(q3), int(q2), int(q1)]
        assert page["items"][2]["citizen_id"] == unknown
        assert page["items"][2]["notice"]["citizen_id"] == unknown
        masked = (await client.get(ISSUES, headers=auth_headers(platform, "auditor"))).json()
        assert "**********" in masked["items"][2]["citizen_id"]
        assert masked["items"][2]["notice"]["citizen_id"] != unknown
        only = (await client.get(ISSUES, params={"reason": "date_in_future"}, headers=clerk)).json()
        assert [(i["id"], i["person_id"]) for i in only["items"]] == [(int(q2), b)]
        wrong = await client.get(ISSUES, params={"reason": "nonsense"}, headers=clerk)
        assert wrong.status_code == 422
        sheet = await client.get(
            ISSUES, params={"format": "csv"}, headers=clerk | {"Accept-Language": "zh-CN"}
        )
        assert sheet.status_code == 200
        head, *rows = sheet.content.decode("utf-8-sig").splitlines()
        assert "身份证号" in head and "待处理原因" in head and len(rows) == 3
        assert any("查无此人" in row for row in rows)

        # Dismissed with the reason; a second resolution is refused.
        url = f"{ISSUES}/{q1}/resolve"
        done = await client.post(
            url, headers=clerk, json={"action": "dismiss", "reason": "外省人员，非本统筹区"}
        )
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["resolved_by"]) == ("dismissed", MAKER)
        twice = await client.post(url, headers=clerk, json={"action": "dismiss", "reason": "再次"})
        assert (twice.status_code, twice.json()["code"]) == (409, "death_notice_issue_resolved")
        nobody = await client.post(
            f"{ISSUES}/{q3}/resolve",
            headers=clerk,
            json={"action": "record_death", "reason": "核实"},
        )
        assert (nobody.status_code, nobody.json()["code"]) == (
            422,
            "death_notice_person_required",
        )
        missing = await client.post(
            f"{ISSUES}/999999/resolve",
            headers=clerk,
            json={"action": "dismiss", "reason": "无此记录"},
        )
        assert (missing.status_code, missing.json()["code"]) == (
            404,
            "death_notice_issue_not_found",
        )
        auditor = await client.post(
            url,
            headers=auth_headers(platform, "auditor"),
            json={"action": "dismiss", "reason": "稽核"},
        )
        assert auditor.status_code == 403

        # The future date was a typo: the clerk enters a death report with the true date; it
        # takes effect only when a second clerk approves it.
        reported = await client.post(
            f"{ISSUES}/{q2}/resolve",
            headers=clerk,
            json={"action": "record_death", "reason": "核实为笔误", "date_of_death": "2020-09-01"},
        )
        assert reported.status_code == 200, reported.text
        issue = reported.json()
        assert issue["status"] == "death_reported" and issue["death_report_id"]
        report = f"/v1/enrollment/death-reports/{issue['death_report_id']}"
        got = (await client.get(report, headers=clerk)).json()
        assert (got["status"], got["date_of_death"], got["entered_by"]) == (
            "pending",
            "2020-09-01",
            MAKER,
        )
        assert await deceased_events(platform) == 0
        own = await client.post(f"{report}/approve", headers=clerk_key(platform, MAKER))
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        approved = await client.post(f"{report}/approve", headers=clerk_key(platform, CHECKER))
        assert approved.status_code == 200, approved.text
        assert await deceased_events(platform) == 1
        actions = await scalar(
            platform,
            "SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM enrollment.audit_log "
            "WHERE action LIKE 'death_notice_issue.%'",
        )
        assert actions == ",".join(
            ["death_notice_issue.opened:province"] * 3
            + [
                f"death_notice_issue.dismissed:{MAKER}",
                f"death_notice_issue.death_reported:{MAKER}",
            ]
        )


def arriving(seq: str, unit: dict, **fields) -> dict:
    return {
        "citizen_id": citizen_id(seq=seq),
        "name": f"转入{seq}",
        "unit_id": unit["id"],
        "staff_category": "public_institution_staff",
        "joined_on": "2020-03-01",
        "origin": ELSEWHERE,
        "basic_amount": "12000.50",
        "pooled_fund_amount": "3000.00",
        "contribution_months": 96,
    } | fields


async def test_transfers_in_are_applied_by_the_clerks_use_case_and_refused_as_it_refuses(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [here] = await enrol(client, platform, unit, 1)
        [here_id] = await citizen_ids(client, platform, [here])
        by_code = arriving("903", unit, unit_credit_code=unit["credit_code"])
        del by_code["unit_id"]
        items = [
            {"message_id": "T-1", **arriving("901", unit)},
            {"message_id": "T-2", **by_code},
            {"message_id": "T-3", **(by_code | {"unit_credit_code": "91330000MA00000000"})},
            {"message_id": "T-4", **arriving("905", unit, citizen_id=here_id)},
            {"message_id": "T-5", **arriving("907", unit, basic_amount="500000.01")},
            {"message_id": "T-6", **arriving("909", unit, annuity_funded_amount="-0.01")},
            {"message_id": "T-7", **{k: v for k, v in by_code.items() if k != "unit_credit_code"}},
            {"message_id": "T-8", **arriving("911", unit, contribution_months=-1)},
        ]
        r = await client.post(TRANSFERS, headers=province(platform), json={"items": items})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert [x["result"] for x in answer["items"]] == ["applied"] * 2 + ["refused"] * 6
        codes = [(x["problem"]["status"], x["problem"]["code"]) for x in answer["items"][2:]]
        assert codes == [
            (422, "unit_unknown"),
            (409, "person_already_enrolled"),
            (422, "amount_above_ceiling"),
            (422, "amount_negative"),
            (422, "validation_failed"),
            (422, "validation_failed"),
        ]
        assert answer["items"][2]["problem"]["field"] == "unit_credit_code"
        assert answer["items"][4]["problem"]["field"] == "basic_amount"
        created = answer["items"][0]["record_id"]
        person = (
            await client.get(f"/v1/enrollment/persons/{created}", headers=clerk_key(platform))
        ).json()
        assert (person["status"], person["unit_id"]) == ("active", unit["id"])
        rows = await scalar(
            platform,
            "SELECT string_agg(counterpart_agency || ' ' || basic_amount || ' ' "
            "|| contribution_months || ' ' || recorded_by, '|' ORDER BY id) "
            "FROM enrollment.transfer WHERE direction = 'in'",
        )
        assert rows == "|".join([f"{ELSEWHERE['agency_name']} 12000.50 96 province"] * 2)
        audit = await scalar(
            platform,
            "SELECT count(*) FROM enrollment.audit_log "
            "WHERE action = 'person.transferred_in' AND actor = 'province'",
        )
        assert audit == 2

        again = (
            await client.post(TRANSFERS, headers=province(platform), json={"items": items})
        ).json()
        assert [x["result"] for x in again["items"][:2]] == ["duplicate", "duplicate"]
        assert again["items"][0]["record_id"] == created
        assert await scalar(platform, "SELECT count(*) FROM enrollment.transfer") == 2
        transferred = await scalar(
            platform,
            "SELECT count(*) FROM enrollment.outbox "
            "WHERE envelope->>'type' = 'enrollment.person.transferred_in'",
        )
        assert transferred == 2


async def test_a_province_notice_stops_a_paid_retiree_end_to_end_through_payout(
    platform, start_apps
) -> None:
    enrollment, payout = await start_apps(create_app(platform), create_payout_app(platform))
    unit = await register_unit(enrollment, platform)
    [person] = await enrol(enrollment, platform, unit, 1)
    [cid] = await citizen_ids(enrollment, platform, [person])
    # The person retired (as enrollment announces it) and payout paid April to June.
    retired = retirement(
        61, person_id=uuid.UUID(person), unit_id=uuid.UUID(unit["id"]), citizen_id=cid
    )
    [first] = await retire(payout, platform, retired)
    await review(payout, platform, first["id"])
    await run_payroll(payout, platform, "2025-06")

    notice = {"message_id": "D-61", "citizen_id": cid, "date_of_death": "2025-05-10"}
    r = await enrollment.post(NOTICES, headers=province(platform), json={"items": [notice]})
    assert outcomes(r.json()) == [(0, "D-61", "applied", "recorded")]

    staff = auth_headers(platform, "finance")
    cases: list[dict] = []

    async def recovered() -> bool:
        got = await payout.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        cases[:] = got.json()["items"]
        return len(cases) == 2

    await eventually(recovered)
    assert {(c["program"], c["period"], c["status"]) for c in cases} == {
        ("basic_pension", "2025-06-01", "open"),
        ("occupational_annuity", "2025-06-01", "open"),
    }
    retiree = await scalar(
        platform,
        f"SELECT status || ' ' || died_on FROM payout.retiree WHERE person_id = '{person}'",
    )
    assert retiree == "deceased 2025-05-10"
    due = (await payout.get("/v1/payout/death-benefits/due", headers=staff)).json()
    assert [d["person_id"] for d in due["items"]] == [person]  # awaiting a clerk
    assert await scalar(platform, "SELECT count(*) FROM payout.death_benefit") == 0
    july = await run_payroll(payout, platform, "2025-07")
    assert july["payments"] == 0


async def test_one_message_id_twice_in_a_batch_is_applied_once(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        good = {"message_id": "T-9", **arriving("913", unit)}
        other = {"message_id": "T-10", **arriving("915", unit)}
        items = [
            good | {"basic_amount": "500000.01"},  # refused: keeps nothing, not even its id
            good,  # the corrected resend in the same batch applies
            good,  # sent twice: the first outcome
            other,
            other | {"name": "另一人"},  # the same id with other content
        ]
        r = await client.post(TRANSFERS, headers=province(platform), json={"items": items})
        answer = r.json()
        assert [x["result"] for x in answer["items"]] == [
            "refused",
            "applied",
            "duplicate",
            "applied",
            "refused",
        ]
        assert answer["items"][2]["record_id"] == answer["items"][1]["record_id"]
        assert answer["items"][4]["problem"]["code"] == "message_id_reused"
        assert await scalar(platform, "SELECT count(*) FROM enrollment.transfer") == 2
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 2
        kept = await scalar(
            platform,
            "SELECT string_agg(message_id || ' ' || (outcome->>'result'), ',' ORDER BY message_id)"
            " FROM enrollment.inbound_message WHERE kind = 'transfer_in'",
        )
        assert kept == "T-10 applied,T-9 applied"
        again = (
            await client.post(TRANSFERS, headers=province(platform), json={"items": [good]})
        ).json()
        assert again["items"][0]["result"] == "duplicate"
