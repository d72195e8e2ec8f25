"""A failed line is owed until it is paid or written off by two people (issue #18, item 8):
re-issued to the same account after a retry decision (or to a corrected one), paid to the
estate when the retiree has died, or written off by a second person."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import (
    approve,
    grant_death_benefits,
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import post_results, two_banks  # noqa: F401
from tests.support.payout_deaths import SURVIVOR
from tests.support.payout_failed_lines import answer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]


async def line_of(platform, person: str, program: str, period: str, status="failed") -> str:
    return str(
        await scalar(
            platform,
            f"SELECT id::text FROM payout.payment WHERE person_id = '{person}' "
            f"AND program = '{program}' AND period = '{period}' AND status = '{status}'",
        )
    )


async def test_a_failed_line_is_owed_until_retried_or_written_off_by_two(platform) -> None:
    async with running_app(create_app(platform)) as client:
        a = (await retire(client, platform, retirement(81)))[0]
        b = (await retire(client, platform, retirement(82)))[0]
        for d in (a, b):
            await review(client, platform, d["id"])
        await run_payroll(client, platform, "2025-04")
        await answer(
            client,
            platform,
            {
                ("退休81", "basic_pension"),
                ("退休82", "basic_pension"),
                ("退休82", "occupational_annuity"),
            },
        )
        finance = auth_headers(platform, "finance")
        owed = (await client.get("/v1/payout/failed-lines", headers=finance)).json()["items"]
        assert sorted((x["person_id"], x["program"]) for x in owed) == sorted(
            [
                (a["person_id"], "basic_pension"),
                (b["person_id"], "basic_pension"),
                (b["person_id"], "occupational_annuity"),
            ]
        )
        # Paged in SQL: two pages of two hold the three lines once each, in the same order.
        pages = [
            (
                await client.get(
                    "/v1/payout/failed-lines", headers=finance, params={"limit": 2, "offset": at}
                )
            ).json()
            for at in (0, 2)
        ]
        assert [(p["total"], len(p["items"])) for p in pages] == [(3, 2), (3, 1)]
        assert [x for p in pages for x in p["items"]] == owed
        # The download is the whole list, not one page: a heading and the three lines.
        csv = await client.get(
            "/v1/payout/failed-lines", headers=finance, params={"limit": 1, "format": "csv"}
        )
        assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 4, csv.text
        # No account change and no decision: still owed, not re-issued, not lost.
        may = await run_payroll(client, platform, "2025-05")
        assert may["payments"] == 4
        assert (
            len((await client.get("/v1/payout/failed-lines", headers=finance)).json()["items"]) == 3
        )

        a_april = await line_of(platform, a["person_id"], "basic_pension", "2025-04-01")
        retried = await client.post(
            f"/v1/payout/failed-lines/{a_april}/retry",
            headers=finance | key(),
            json={"reason": "账户冻结已解除"},
        )
        assert retried.status_code == 200, retried.text
        assert (retried.json()["action"], retried.json()["status"]) == ("retry", "approved")
        again = await client.post(
            f"/v1/payout/failed-lines/{a_april}/retry",
            headers=finance | key(),
            json={"reason": "again"},
        )
        assert (again.status_code, again.json()["code"]) == (409, "line_decided")

        # A write-off forgives what is owed: one asks, a second person approves.
        maker = auth_headers(platform, "finance", subject="maker")
        b_annuity = await line_of(platform, b["person_id"], "occupational_annuity", "2025-04-01")
        b_pension = await line_of(platform, b["person_id"], "basic_pension", "2025-04-01")
        for ref in (b_annuity, b_pension):
            r = await client.post(
                f"/v1/payout/failed-lines/{ref}/write-off",
                headers=maker | key(),
                json={"reason": "账户长期冻结, 本人放弃"},
            )
            assert (r.status_code, r.json()["status"]) == (201, "requested"), r.text
        url = f"/v1/payout/failed-lines/{b_annuity}/write-off/approve"
        admin = auth_headers(platform, "admin", subject="root")
        auditor = auth_headers(platform, "auditor", subject="auditor-1")
        for who, code in (
            (maker, "four_eyes_required"),
            (admin, "approver_role_required"),
            (auditor, "approver_role_required"),
        ):
            r = await client.post(url, headers=who | key())
            assert (r.status_code, r.json()["code"]) == (403, code)
        done = await approve(client, platform, url)
        assert (done["status"], done["decided_by"]) == ("approved", "second-clerk")
        rejected = await approve(
            client, platform, f"/v1/payout/failed-lines/{b_pension}/write-off/reject"
        )
        assert rejected["status"] == "rejected"

        june = await run_payroll(client, platform, "2025-06")
        assert june["payments"] == 4 + 1  # June's lines and A's April, re-issued
        replacement = await scalar(
            platform,
            "SELECT account_number || ' ' || amount || ' ' || status FROM payout.payment "
            f"WHERE reissue_of = '{a_april}'",
        )
        assert replacement == f"6221880000000081 {a['monthly_amount']} sent"
        decision = await scalar(
            platform,
            "SELECT status || ' ' || (replacement_id IS NOT NULL) FROM "
            f"payout.failed_line_decision WHERE payment_id = '{a_april}'",
        )
        assert decision == "done true"
        owed = (await client.get("/v1/payout/failed-lines", headers=finance)).json()["items"]
        # B's written-off annuity is no longer owed; the rejected write-off left the pension owed.
        assert [(x["person_id"], x["program"]) for x in owed] == [(b["person_id"], "basic_pension")]
        assert owed[0]["decision"] is None
        assert (
            await scalar(
                platform,
                "SELECT string_agg(action, ',' ORDER BY action) FROM payout.audit_log "
                "WHERE action LIKE 'failed_line.%'",
            )
            == "failed_line.retry_decided,failed_line.write_off_rejected,"
            "failed_line.write_off_requested,failed_line.write_off_requested,"
            "failed_line.written_off"
        )


async def test_a_deceased_retirees_failed_months_reach_the_estate_once(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(83)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        await answer(client, platform, {("退休83", "basic_pension")})  # both months fail
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))
        finance = auth_headers(platform, "finance")

        async def deceased() -> bool:
            r = await client.get(
                "/v1/payout/retirees", params={"status": "deceased"}, headers=finance
            )
            return r.json()["total"] == 1

        await eventually(deceased)
        april = await line_of(platform, person, "basic_pension", "2025-04-01")
        r = await client.post(
            f"/v1/payout/failed-lines/{april}/retry", headers=finance | key(), json={"reason": "x"}
        )
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")

        benefits = await grant_death_benefits(client, platform, person, SURVIVOR, finance)
        june = await run_payroll(client, platform, "2025-06")
        assert june["payments"] == 2  # the grant, and April and May's pensions to the estate
        one_offs = await scalar(
            platform,
            "SELECT json_agg(json_build_array(source, amount::text, account_number) "
            "ORDER BY period) FROM payout.one_off WHERE program = 'death_benefit'",
        )
        monthly = Decimal(first["monthly_amount"])
        assert one_offs == [
            ["death_benefit", benefits["total"], SURVIVOR["account_number"]],
            ["failed_line_to_estate", str(2 * monthly), SURVIVOR["account_number"]],
        ]
        assert (
            await scalar(
                platform,
                "SELECT count(*) FROM payout.failed_line_decision "
                "WHERE action = 'estate' AND status = 'done' AND one_off_id IS NOT NULL",
            )
            == 2
        )
        assert (await client.get("/v1/payout/failed-lines", headers=finance)).json()["items"] == []
        # Nothing twice: a later run pays nothing more, to the estate or anyone.
        assert (await run_payroll(client, platform, "2025-07"))["payments"] == 0
        lines = await scalar(
            platform, "SELECT count(*) FROM payout.payment WHERE program = 'death_benefit'"
        )
        assert lines == 2


async def test_failed_months_to_the_estate_follow_the_shares_and_the_lump_sum_tax(platform) -> None:
    """Failed months of a deceased retiree go to the survivors like any addition to the death
    benefits: split by their shares to their own accounts, the annuity months taxed as part
    of the heirs' lump sum (yearly table) and the tax split by the same shares."""
    async with running_app(create_app(platform)) as client:
        retired = retirement(84)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        failing = {("退休84", "basic_pension"), ("退休84", "occupational_annuity")}
        await answer(client, platform, failing)
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))
        finance = auth_headers(platform, "finance")

        async def deceased() -> bool:
            r = await client.get(
                "/v1/payout/retirees", params={"status": "deceased"}, headers=finance
            )
            return r.json()["total"] == 1

        await eventually(deceased)
        failed = await scalar(
            platform,
            "SELECT json_build_array(sum(amount)::text, (sum(amount) FILTER "
            "(WHERE program = 'occupational_annuity'))::text) FROM payout.payment "
            f"WHERE person_id = '{person}' AND status = 'failed'",
        )
        owed, annuity = (Decimal(x) for x in failed)  # type: ignore[union-attr]
        assert annuity > 0
        second = SURVIVOR | {
            "survivor_name": "钱二",
            "survivor_citizen_id": "330522196001010016",
            "account_number": "6221889900002222",
        }
        body = {"survivors": [SURVIVOR | {"share": "1/3"}, second | {"share": "2/3"}]}
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=finance | key(), json=body
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")
        await run_payroll(client, platform, "2025-06")

        parts = await scalar(
            platform,
            "SELECT json_agg(json_build_array(payee_seq, account_number, amount::text, "
            "taxable_amount::text, tax_withheld::text) ORDER BY payee_seq) FROM payout.one_off "
            "WHERE source = 'failed_line_to_estate'",
        )
        assert [(p[0], p[1]) for p in parts] == [  # type: ignore[union-attr]
            (0, SURVIVOR["account_number"]),
            (1, second["account_number"]),
        ]
        amounts = [Decimal(p[2]) for p in parts]  # type: ignore[union-attr]
        taxable = [Decimal(p[3]) for p in parts]  # type: ignore[union-attr]
        tax = [Decimal(p[4]) for p in parts]  # type: ignore[union-attr]
        # The whole is split by the shares (to the fen); only the annuity months are taxable.
        assert sum(amounts) == owed and abs(amounts[1] - 2 * amounts[0]) <= Decimal("0.02")
        assert sum(taxable) == annuity
        assert sum(tax) > 0 and abs(tax[1] - 2 * tax[0]) <= Decimal("0.02")
        # Each line to the bank: its part less its tax.
        paid = await scalar(
            platform,
            "SELECT json_agg((p.amount - p.tax_withheld - p.offset_amount)::text ORDER BY p.id) "
            "FROM payout.payment p JOIN payout.one_off o USING (id) "
            "WHERE o.source = 'failed_line_to_estate'",
        )
        assert sorted(Decimal(x) for x in paid) == sorted(  # type: ignore[union-attr]
            a - t for a, t in zip(amounts, tax, strict=True)
        )
        decisions = await scalar(
            platform,
            "SELECT count(*) FROM payout.failed_line_decision "
            "WHERE action = 'estate' AND status = 'done'",
        )
        assert decisions == 4  # April and May, pension and annuity
