"""待查明款项 of bank results: an unknown reference is held while the rest of the post is
recorded; a clerk matches or returns it with a second person; a bank sees only its own."""

from datetime import timedelta

import pytest

from services.payout.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.support.payout_bank_month import month_of_lines
from tests.support.payout_banks import ICBC, PSBC, post_results, two_banks  # noqa: F401

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]
CLERK, CLERK2 = "clerk-a", "clerk-b"


def mistyped(reference: str) -> str:
    """The reference with its last four digits changed: a line the agency never sent."""
    return reference[:-4] + ("0000" if not reference.endswith("0000") else "1111")


async def test_an_unknown_reference_is_held_and_matched_by_two_people(platform) -> None:
    async with running_app(create_app(platform)) as client:
        ref = await month_of_lines(client, platform)
        typo = mistyped(ref["退休82"])
        post = [
            {"reference": ref["退休81"], "outcome": "paid"},
            {"reference": typo, "outcome": "paid"},
        ]
        r = await post_results(client, platform, post)
        assert r.json() == {
            "recorded": 1,
            "already_recorded": 0,
            "suspense": 1,
            "suspense_references": [typo],
        }
        # Posted again: nothing new; the held line is answered as held again. (The skew keeps
        # its timestamp, so its signature, apart from the first post's.)
        r = await post_results(client, platform, post, skew=7)
        assert r.status_code == 200, r.text
        assert (r.json()["recorded"], r.json()["already_recorded"], r.json()["suspense"]) == (
            0,
            1,
            1,
        )
        assert await scalar(platform, "SELECT count(*) FROM payout.result_suspense") == 1
        # Another result for the held reference is a conflict, as for a known line.
        other = [{"reference": typo, "outcome": "failed", "reason_code": "other"}]
        r = await post_results(client, platform, other)
        assert (r.status_code, r.json()["code"]) == (409, "result_conflict")

        clerk = auth_headers(platform, "clerk", subject=CLERK)
        clerk2 = auth_headers(platform, "clerk", subject=CLERK2)
        [held] = (
            await client.get("/v1/payout/suspense", params={"status": "open"}, headers=clerk)
        ).json()["items"]
        assert (held["reference"], held["status_label"]) == (typo, "待查明")
        base = f"/v1/payout/suspense/{held['id']}"

        async def match(line: str, key: str):
            body = {"payment_id": line, "note": "户名、账号、金额与该流水一致"}
            return await client.post(
                f"{base}/match", json=body, headers={**clerk, "Idempotency-Key": key}
            )

        r = await match(ref["退休83"], "match-icbc-line")
        assert (r.status_code, r.json()["code"]) == (422, "payment_other_bank")
        assert r.json()["detail"] == (
            f"付款流水 {ref['退休83']}（退休83）不是发往银行 {PSBC} 的，不能匹配。"
        )
        english = await client.post(
            f"{base}/match",
            json={"payment_id": ref["退休83"], "note": "户名一致"},
            headers={**clerk, "Idempotency-Key": "match-icbc-line-en", "Accept-Language": "en"},
        )
        assert english.json()["detail"].startswith(f"Payment line {ref['退休83']} (退休83) was not")
        r = await match(ref["退休81"], "match-paid-line")
        assert (r.status_code, r.json()["code"]) == (409, "payment_has_result")
        r = await match(ref["退休82"], "match-right-line")
        assert (r.status_code, r.json()["status"]) == (200, "submitted"), r.text
        for who, code in (
            (clerk, "four_eyes_required"),
            (auth_headers(platform, "admin", subject="root"), "approver_role_required"),
            (auth_headers(platform, "auditor"), "approver_role_required"),
        ):
            r = await client.post(f"{base}/approve", json={}, headers=who)
            assert (r.status_code, r.json()["code"]) == (403, code)
        status = f"SELECT status FROM payout.payment WHERE id = '{ref['退休82']}'"
        assert await scalar(platform, status) == "sent"
        r = await client.post(
            f"{base}/approve", json={}, headers={**clerk2, "Idempotency-Key": "approve-match-82"}
        )
        assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (
            200,
            "matched",
            CLERK2,
        )
        assert await scalar(platform, status) == "paid"

        # The bank's reconciliation list shows both lines paid, by reference and by day.
        bank = auth_headers(platform, "bank", subject=PSBC)
        url = f"/v1/payout/bank/{PSBC}/results"
        mine = (await client.get(url, headers=bank)).json()
        assert sorted(x["reference"] for x in mine["items"]) == sorted(
            [ref["退休81"], ref["退休82"]]
        )
        assert {x["outcome"] for x in mine["items"]} == {"paid"} and mine["total"] == 2
        one = (await client.get(url, params={"reference": ref["退休82"]}, headers=bank)).json()
        assert [x["amount"] for x in one["items"]] == ["4792.71"]
        today = agency_today()
        tomorrow = str(today + timedelta(days=1))
        later = (await client.get(url, params={"result_from": tomorrow}, headers=bank)).json()
        assert later["total"] == 0
        now = await client.get(
            url, params={"result_from": str(today), "result_to": str(today)}, headers=bank
        )
        assert now.json()["total"] == 2

        actions = await scalar(
            platform,
            "SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM payout.audit_log "
            "WHERE object_type = 'result_suspense'",
        )
        assert (
            actions == f"result_suspense.match_submitted:{CLERK},result_suspense.matched:{CLERK2}"
        )


async def test_a_returned_result_moves_nothing_and_banks_see_only_their_own(platform) -> None:
    async with running_app(create_app(platform)) as client:
        ref = await month_of_lines(client, platform)
        stray = mistyped(ref["退休81"])
        r = await post_results(client, platform, [{"reference": stray, "outcome": "paid"}])
        assert r.json()["suspense_references"] == [stray]
        clerk = auth_headers(platform, "clerk", subject=CLERK)
        clerk2 = auth_headers(platform, "clerk", subject=CLERK2)
        [held] = (await client.get("/v1/payout/suspense", headers=clerk)).json()["items"]
        base = f"/v1/payout/suspense/{held['id']}"
        r = await client.post(
            f"{base}/return",
            json={"note": "本中心无此流水, 退回银行核查"},
            headers={**clerk, "Idempotency-Key": "return-stray-line"},
        )
        assert r.json()["action"] == "return"
        r = await client.post(f"{base}/reject", json={}, headers=clerk2)
        assert (r.status_code, r.json()["code"]) == (422, "note_required")
        r = await client.post(
            f"{base}/approve", json={}, headers={**clerk2, "Idempotency-Key": "approve-return-1"}
        )
        assert (r.json()["status"], r.json()["status_label"]) == ("returned", "已退回银行")
        assert (
            await scalar(platform, "SELECT count(*) FROM payout.payment WHERE status <> 'sent'")
            == 0
        )

        # The bank sees how its held line was resolved; another bank sees none of it.
        psbc = auth_headers(platform, "bank", subject=PSBC)
        own = (await client.get(f"/v1/payout/bank/{PSBC}/suspense", headers=psbc)).json()
        assert [(x["reference"], x["status"]) for x in own["items"]] == [(stray, "returned")]
        icbc = auth_headers(platform, "bank", subject=ICBC)
        for path in ("results", "suspense"):
            r = await client.get(f"/v1/payout/bank/{PSBC}/{path}", headers=icbc)
            assert (r.status_code, r.json()["code"]) == (403, "bank_forbidden")
            r = await client.get(f"/v1/payout/bank/{ICBC}/{path}", headers=icbc)
            assert (r.status_code, r.json()["total"]) == (200, 0)
