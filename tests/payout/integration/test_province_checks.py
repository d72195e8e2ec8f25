"""The province's inbound checks (issue #20 item 3): data-match certifications recorded as
survival certifications (a suspended retiree's resumption waits for a clerk), duplicate
receipts listed with the retiree's payment held, and the clerks' resolution both ways."""

from datetime import date, timedelta

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import (
    approve,
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
CERTIFICATIONS = "/v1/payout/sync/certifications"
DUPLICATES = "/v1/payout/sync/duplicate-receipts"
UNKNOWN_ID = "11010519491231002X"


def results(answer: dict) -> list[tuple[str, str | None]]:
    """Each item's result and, for a refused one, its problem code."""
    return [(i["result"], (i["problem"] or {}).get("code")) for i in answer["items"]]


async def retirees(client, platform, *seqs: int) -> list[dict]:
    """Retirements with approved first determinations: (person_id, citizen_id) each."""
    out = []
    for seq in seqs:
        event = retirement(seq)
        [first] = await retire(client, platform, event)
        await review(client, platform, first["id"])
        out.append({"id": first["person_id"], "citizen_id": event.payload["citizen_id"]})
    return out


async def status_of(platform, person: str) -> str:
    return await scalar(platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'")


async def payments(platform, person: str, since: str) -> int:
    """Payment lines made for a retiree for months from `since`."""
    return await scalar(
        platform,
        f"SELECT count(*) FROM payout.payment WHERE person_id = '{person}' "
        f"AND period >= DATE '{since}'",
    )


async def read_feed(client, headers, path: str) -> list[dict]:
    """Every change of a feed from its beginning."""
    changes, after = [], None
    while True:
        params = {"limit": 10_000} | ({"after": after} if after else {})
        page = (await client.get(path, headers=headers, params=params)).json()
        changes += page["changes"]
        after = page["next_cursor"]
        if not page["has_more"]:
            return changes


async def test_certifications_from_the_province(platform) -> None:
    async with running_app(create_app(platform)) as client:
        a, b, dead = await retirees(client, platform, 201, 202, 203)
        await run_payroll(client, platform, "2025-05")
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        province = auth_headers(platform, "province", subject="province")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/certification/suspension-runs",
                headers=clerk,
                json={"as_of": "2026-07-15"},
            ),
        )
        assert r.json()["suspended"] == 3
        died = PersonDeceased(
            person_id=dead["id"], unit_id=dead["id"], date_of_death=date(2026, 8, 1)
        )
        await publish(
            platform, EventEnvelope.wrap(died, source="enrollment", aggregate_id=dead["id"])
        )

        async def deceased() -> bool:
            return await status_of(platform, dead["id"]) == "deceased"

        await eventually(deceased)
        today = agency_today()
        batch = [
            {"message_id": "c-1", "citizen_id": a["citizen_id"], "certified_on": str(today)},
            {"message_id": "c-2", "citizen_id": UNKNOWN_ID, "certified_on": str(today)},
            {
                "message_id": "c-3",
                "citizen_id": b["citizen_id"],
                "certified_on": str(today + timedelta(days=1)),
            },
            {
                "message_id": "c-4",
                "citizen_id": b["citizen_id"],
                "certified_on": str(today),
                "method": "home_visit",  # not the province's to report
            },
            {"message_id": "c-5", "citizen_id": dead["citizen_id"], "certified_on": str(today)},
            {
                "message_id": "c-6",
                "citizen_id": b["citizen_id"].lower(),
                "certified_on": str(today),
                "method": "social_security_card",
                "out_of_province": True,
            },
            {"citizen_id": b["citizen_id"], "certified_on": str(today)},  # no message id
        ]
        r = await client.post(CERTIFICATIONS, headers=province, json={"items": batch})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert results(answer) == [
            ("applied", None),
            ("refused", "citizen_id_unknown"),
            ("refused", "date_in_future"),
            ("refused", "validation_failed"),
            ("refused", "retiree_deceased"),
            ("applied", None),
            ("refused", "validation_failed"),
        ]
        assert (answer["applied"], answer["refused"]) == (2, 5)
        assert "clerk's approval" in answer["items"][0]["detail"]
        assert answer["items"][3]["problem"]["errors"][0]["field"] == "items.3.method"
        # Recorded as survival certifications, the method shown, each asking for resumption.
        listed = await client.get(
            "/v1/payout/certifications", params={"status": "any"}, headers=clerk
        )
        mine = {i["id"]: i for i in listed.json()["items"]}
        first, sixth = (mine[answer["items"][i]["record_id"]] for i in (0, 5))
        assert (first["method"], first["method_label"], first["recorded_by"]) == (
            "data_match",
            "数据比对",
            "province",
        )
        assert (sixth["method_label"], sixth["out_of_province"]) == ("社保卡用卡认证", True)
        assert first["resumption"] == sixth["resumption"] == "pending"
        by_method = await client.get(
            "/v1/payout/certifications",
            params={"status": "pending", "method": "social_security_card"},
            headers=clerk,
        )
        assert [i["id"] for i in by_method.json()["items"]] == [sixth["id"]]
        assert await status_of(platform, a["id"]) == "suspended"
        # A later one that does not say where B lives leaves the residence as it is.
        later = {"message_id": "c-7", "citizen_id": b["citizen_id"], "certified_on": str(today)}
        r = await client.post(CERTIFICATIONS, headers=province, json={"items": [later]})
        assert results(r.json()) == [("applied", None)]
        residence = f"SELECT out_of_province FROM payout.retiree WHERE person_id = '{b['id']}'"
        assert await scalar(platform, residence) is True

        # A replay answers the first outcomes and records nothing twice; a refused item kept
        # nothing, so it is refused again; a reused id with other content is refused.
        count = "SELECT count(*) FROM payout.certification"
        before = await scalar(platform, count)
        again = (await client.post(CERTIFICATIONS, headers=province, json={"items": batch})).json()
        assert [i["result"] for i in again["items"]][:2] == ["duplicate", "refused"]
        assert again["items"][0]["record_id"] == answer["items"][0]["record_id"]
        assert again["items"][5]["result"] == "duplicate"
        reused = {**batch[0], "certified_on": str(today - timedelta(days=3))}
        r = await client.post(CERTIFICATIONS, headers=province, json={"items": [reused]})
        assert results(r.json()) == [("refused", "message_id_reused")]
        assert await scalar(platform, count) == before

        # A drawing elsewhere of a deceased retiree is listed (no hold to add: payment
        # stopped at the death), and the months before the death wait for the clerk.
        r = await client.post(
            DUPLICATES,
            headers=province,
            json={
                "items": [
                    {
                        "message_id": "d-dead",
                        "citizen_id": dead["citizen_id"],
                        "other_area_code": "330100",
                        "other_agency": "杭州市社会保险事业管理中心",
                        "benefit_kind": "enterprise_pension",
                        "drawing_since": "2025-04-01",
                    }
                ]
            },
        )
        assert results(r.json()) == [("queued", None)]
        assert "deceased" in r.json()["items"][0]["detail"]

        # The resumption follows the clerks' rule: a clerk approves, the next run pays the
        # months withheld; B, not approved, stays unpaid.
        approved = await approve(
            client, platform, f"/v1/payout/certifications/{first['id']}/approve"
        )
        assert approved["resumed"] is True
        await run_payroll(client, platform, "2025-08")
        assert await payments(platform, a["id"], "2025-06-01") == 2 * 3  # June to August
        assert await payments(platform, b["id"], "2025-06-01") == 0
        assert await payments(platform, dead["id"], "2025-06-01") == 0
        assert await status_of(platform, b["id"]) == "suspended"

        # Only the province reaches its routes.
        r = await client.post(CERTIFICATIONS, headers=clerk, json={"items": batch[:1]})
        assert r.status_code == 403


async def test_a_duplicate_receipt_holds_payment_until_a_clerk_resolves_it(platform) -> None:
    app = create_app(platform)
    async with running_app(app) as client:
        a, b, c = await retirees(client, platform, 211, 212, 213)
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        province = auth_headers(platform, "province", subject="province")
        today = agency_today()
        for person in (a, b, c):  # certified: not overdue today, payment runs
            r = await client.post(
                f"/v1/payout/retirees/{person['id']}/certifications",
                headers=clerk | key(),
                json={"method": "online", "certified_on": str(today)},
            )
            assert r.status_code == 201, r.text
        await run_payroll(client, platform, "2025-06")  # April to June

        def item(mid: str, person: dict, since: str, **more) -> dict:
            return {
                "message_id": mid,
                "citizen_id": person["citizen_id"],
                "other_area_code": "330100",
                "other_agency": "杭州市社会保险事业管理中心",
                "benefit_kind": "enterprise_pension",
                "drawing_since": since,
            } | more

        batch = [
            item("d-1", a, "2025-05-10"),
            item("d-2", b, "2025-06-01", benefit_kind="resident_pension"),
            item("d-3", c, str(today + timedelta(days=1))),
            {**item("d-4", c, "2025-05-01"), "citizen_id": UNKNOWN_ID},
            item("d-5", c, "2025-05-01", benefit_kind="lottery"),
            item("d-7", c, "0001-01-01"),
        ]
        r = await client.post(DUPLICATES, headers=province, json={"items": batch})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert results(answer) == [
            ("queued", None),
            ("queued", None),
            ("refused", "date_in_future"),
            ("refused", "citizen_id_unknown"),
            ("refused", "validation_failed"),
            ("refused", "validation_failed"),
        ]
        assert answer["items"][0]["detail"] == "listed for a clerk; payment held"
        a_listing, b_listing = (answer["items"][i]["record_id"] for i in (0, 1))
        # The same drawing again under another id answers the listing already there.
        r = await client.post(
            DUPLICATES, headers=province, json={"items": [item("d-6", a, "2025-05-12")]}
        )
        assert (r.json()["items"][0]["record_id"], r.json()["items"][0]["detail"]) == (
            a_listing,
            "already listed",
        )
        replay = (await client.post(DUPLICATES, headers=province, json={"items": batch})).json()
        assert [i["result"] for i in replay["items"][:2]] == ["duplicate", "duplicate"]
        assert await scalar(platform, "SELECT count(*) FROM payout.duplicate_receipt") == 2
        assert await status_of(platform, a["id"]) == "suspended"
        assert await status_of(platform, c["id"]) == "active"

        # Held: a run pays C only; a certification does not resume a held retiree.
        held = await run_payroll(client, platform, "2025-07")
        assert held["payments"] == 2  # C's July, two programs
        r = await client.post(
            f"/v1/payout/retirees/{a['id']}/certifications",
            headers=clerk | key(),
            json={"method": "home_visit", "certified_on": str(today)},
        )
        assert (r.status_code, r.json()["resumption"]) == (201, None)

        # The clerks' list: paged, filtered, masked for an auditor, downloadable.
        url = "/v1/payout/duplicate-receipts"
        page = (await client.get(url, params={"status": "open"}, headers=clerk)).json()
        assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
        first = next(i for i in page["items"] if i["id"] == a_listing)
        assert (first["id"], first["status_label"], first["benefit_kind_label"]) == (
            a_listing,
            "待处理",
            "企业职工基本养老保险",
        )
        assert (first["citizen_id"], first["held"], first["retiree_status"]) == (
            a["citizen_id"],
            True,
            "suspended",
        )
        kind = await client.get(url, params={"benefit_kind": "resident_pension"}, headers=clerk)
        assert [i["id"] for i in kind.json()["items"]] == [b_listing]
        auditor = auth_headers(platform, "auditor")
        masked = {i["citizen_id"] for i in (await client.get(url, headers=auditor)).json()["items"]}
        assert all("*" in m for m in masked) and a["citizen_id"] not in masked
        r = await client.get(url, params={"citizen_id": a["citizen_id"]}, headers=auditor)
        assert (r.status_code, r.json()["code"]) == (403, "citizen_id_search_forbidden")
        r = await client.get(url, params={"format": "csv"}, headers=clerk)
        header = r.content.decode("utf-8-sig").splitlines()[0]
        assert r.status_code == 200 and "领取地经办机构" in header and "身份证号" in header
        r = await client.get(url, params={"colour": "red"}, headers=clerk)
        assert r.status_code == 422

        # Confirmed: payment stays stopped, the basic pension paid for May and June (drawn
        # elsewhere since 10 May) becomes recovery cases.
        r = await client.post(
            f"{url}/{a_listing}/resolve",
            headers=clerk | key(),
            json={"action": "confirmed", "reason": "异地确认领取企业养老金"},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["recoveries"]) == ("confirmed", 2)
        cases = await client.get(
            "/v1/payout/recoveries", params={"person_id": a["id"]}, headers=clerk
        )
        assert sorted((c["program"], c["period"]) for c in cases.json()["items"]) == [
            ("basic_pension", "2025-05-01"),
            ("basic_pension", "2025-06-01"),
        ]
        r = await client.post(
            f"{url}/{a_listing}/resolve",
            headers=clerk | key(),
            json={"action": "cleared", "reason": "再议"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "duplicate_receipt_not_open")

        # Cleared: asked by one clerk, approved by a second; rejected first, then approved.
        clear = {"action": "cleared", "reason": "省厅复核为同名误配"}
        r = await client.post(f"{url}/{b_listing}/resolve", headers=clerk | key(), json=clear)
        assert r.json()["status"] == "clear_requested"
        r = await client.post(f"{url}/{b_listing}/approve", headers=clerk | key())
        assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required")
        second = auth_headers(platform, "clerk", subject="clerk-b")
        r = await client.post(f"{url}/{b_listing}/reject", headers=second | key(), json={})
        assert (r.status_code, r.json()["code"]) == (422, "note_required")
        r = await client.post(
            f"{url}/{b_listing}/reject", headers=second | key(), json={"note": "缺省厅函"}
        )
        assert (r.json()["status"], r.json()["decision_note"]) == ("open", "缺省厅函")
        assert await status_of(platform, b["id"]) == "suspended"
        r = await client.post(f"{url}/{b_listing}/resolve", headers=second | key(), json=clear)
        assert r.json()["resolved_by"] == "clerk-b"
        cleared = await approve(client, platform, f"{url}/{b_listing}/approve", approver="clerk-a")
        assert (cleared["status"], cleared["resumed"]) == ("cleared", True)
        assert await status_of(platform, b["id"]) == "active"
        paid = await run_payroll(client, platform, "2025-08")
        assert paid["payments"] == 2 * 2 + 2  # B's July and August, C's August; not A
        assert await status_of(platform, a["id"]) == "suspended"

        audit = "/v1/payout/audit-log"
        log = (await client.get(audit, params={"limit": 500}, headers=auditor)).json()["items"]
        suspended = [e for e in log if e["action"] == "retiree.suspended"]
        assert {e["detail"]["reason"] for e in suspended} == {"duplicate_receipt"}
        assert {
            "duplicate_receipt.listed",
            "duplicate_receipt.confirmed",
            "duplicate_receipt.clear_requested",
            "duplicate_receipt.clear_rejected",
            "duplicate_receipt.cleared",
            "retiree.resumed",
        } <= {e["action"] for e in log}

        # The held-payment list is in the payments feed, every change in order.
        await app.state.change_sequencer.drain()
        feed = await read_feed(client, province, "/v1/payout/sync/payments/changes")
        listed = [c for c in feed if c["entity"] == "duplicate_receipt"]
        assert [c["key"] for c in listed if c["operation"] == "insert"] == [a_listing, b_listing]
        last = {c["key"]: c["record"] for c in listed}
        assert (last[a_listing]["aac001"], last[a_listing]["status"]) == (a["id"], "confirmed")
        assert (last[b_listing]["aac001"], last[b_listing]["status"]) == (b["id"], "cleared")
        assert "person_id" not in last[a_listing]


async def test_one_batch_naming_a_retiree_twice_acts_as_items_sent_one_by_one(platform) -> None:
    """Items are decided in memory and written together: a later item of the batch sees
    what an earlier one did to the same retiree (as separate batches would)."""
    async with running_app(create_app(platform)) as client:
        a, b = await retirees(client, platform, 221, 222)
        province = auth_headers(platform, "province", subject="province")
        today = date.today()
        newer, older = str(today), str(today - timedelta(days=30))
        certs = [
            {"message_id": "cc-1", "citizen_id": a["citizen_id"], "certified_on": newer},
            {"message_id": "cc-2", "citizen_id": a["citizen_id"], "certified_on": older},
        ]
        answer = (await client.post(CERTIFICATIONS, headers=province, json={"items": certs})).json()
        assert results(answer) == [("applied", None), ("applied", None)]
        last = await scalar(
            platform,
            f"SELECT last_certified_on FROM payout.retiree WHERE person_id = '{a['id']}'",
        )
        assert str(last) == newer  # the older one, found late, is history
        assert (
            await scalar(
                platform, f"SELECT count(*) FROM payout.certification WHERE person_id = '{a['id']}'"
            )
            == 2
        )

        def drawing(mid: str, area: str) -> dict:
            return {
                "message_id": mid,
                "citizen_id": b["citizen_id"],
                "other_area_code": area,
                "other_agency": "某地社会保险事业管理中心",
                "benefit_kind": "enterprise_pension",
                "drawing_since": "2025-05-01",
            }

        batch = [drawing("dd-1", "330100"), drawing("dd-2", "330200"), drawing("dd-3", "330100")]
        answer = (await client.post(DUPLICATES, headers=province, json={"items": batch})).json()
        first, second, again = answer["items"]
        assert first["detail"] == "listed for a clerk; payment held"
        assert second["detail"] == (
            "listed for a clerk; payment already suspended, now held by this listing too"
        )
        assert (again["record_id"], again["detail"]) == (first["record_id"], "already listed")
        held = await scalar(
            platform,
            "SELECT string_agg(held::text, ',' ORDER BY other_area_code) "
            f"FROM payout.duplicate_receipt WHERE person_id = '{b['id']}'",
        )
        assert held == "true,false"
        assert await status_of(platform, b["id"]) == "suspended"
        suspended = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action = 'retiree.suspended' "
            f"AND object_id = '{b['id']}'",
        )
        assert suspended == 1
