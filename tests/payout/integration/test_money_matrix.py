"""The four-eyes matrix of payout (issue #17): every route on which money leaves or a debt is
forgiven, and for each the proof that the maker cannot approve (four_eyes_required), that an
admin or an auditor cannot (approver_role_required), that a second person with the
business role can, and that nothing reaches a payment line before that approval."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
from tests.payout.parameters_helper import (
    POLICY_CHECKER,
    POLICY_MAKER,
    decide_parameter,
    submit_parameter,
)
from tests.shared.integration.helpers import eventually
from tests.support.payout_deaths import SURVIVOR

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Every POST route of payout that moves money, and how one person's word is not enough.
MONEY_ROUTES = {
    # Requests: nothing is paid or forgiven until the approval route below.
    "/v1/payout/retirees/{person_id}/death-benefits": "death-benefits/approve",
    "/v1/payout/recoveries/{recovery_id}/resolve": "recoveries/{id}/approve (waived, offset)",
    "/v1/payout/retirees/{person_id}/subsidies": "subsidies/{id}/approve",
    "/v1/payout/subsidies/{entitlement_id}/amount-changes": "subsidies/{id}/approve",
    "/v1/payout/retirees/{person_id}/account-changes": "account-changes/{id}/approve",
    "/v1/payout/retirees/{person_id}/adjustments": "determinations/{id}/approve (复核)",
    "/v1/payout/determinations/{determination_id}/corrections": "determinations/{id}/approve",
    "/v1/payout/determinations/{determination_id}/old-method": "determinations/{id}/approve",
    # Issue #18: a new first determination, re-derivations on corrected parameters, a take-over,
    # the first determination of an undetermined retirement (all determinations in review:
    # paid once 复核'd by a second clerk).
    "/v1/payout/retirees/{person_id}/redeterminations": "determinations/{id}/approve",
    "/v1/payout/parameter-rederivations": "determinations/{id}/approve",
    "/v1/payout/taken-over-retirees": "determinations/{id}/approve",
    # A file of them: the batch paid once 复核'd by a clerk who neither uploaded nor checked it
    # (tests/payout/integration/test_takeover_import.py).
    "/v1/payout/taken-over-retirees/imports": "takeover-batches/{id}/approve",
    "/v1/payout/takeover-batches/{batch_id}/check": "takeover-batches/{id}/approve",
    "/v1/payout/takeover-batches/{batch_id}/approve": "second person",
    "/v1/payout/retirees/{person_id}/initial-determination": "determinations/{id}/approve",
    # A failed line no longer owed (tests/payout/integration/test_failed_lines.py).
    "/v1/payout/failed-lines/{payment_id}/write-off": "failed-lines/{id}/write-off/approve",
    # A certification of a suspended retiree resumes payment and pays the withheld months.
    "/v1/payout/retirees/{person_id}/certifications": "certifications/{id}/approve",
    # A survivor certified after a lapse: the quarters missed are paid once a second approves.
    "/v1/payout/subsidies/{entitlement_id}/survivor-certifications": (
        "subsidies/{id}/survivor-certifications/approve"
    ),
    "/v1/payout/subsidies/{entitlement_id}/survivor-certifications/approve": "second person",
    # The approvals themselves: the second pair of eyes (tested below).
    "/v1/payout/retirees/{person_id}/death-benefits/approve": "second person",
    "/v1/payout/recoveries/{recovery_id}/approve": "second person",
    "/v1/payout/subsidies/{entitlement_id}/approve": "second person",
    "/v1/payout/account-changes/{change_id}/approve": "second person",
    "/v1/payout/determinations/{determination_id}/approve": "second person",
    # A policy version (a benefit table, a standard, a bound, a tax table) moves every payment
    # made on it: an admin submits it, a finance user other than the submitter approves it.
    "/v1/payout/parameters": "parameters/{id}/approve (finance)",
    "/v1/payout/parameters/{parameter_id}/approve": "second person (finance)",
    "/v1/payout/failed-lines/{payment_id}/write-off/approve": "second person",
    "/v1/payout/certifications/{certification_id}/approve": "second person",
    # The province's certification of a suspended retiree asks for the same resumption; a
    # duplicate-receipt listing cleared resumes payment once a second person approves
    # (tests/payout/integration/test_province_checks.py).
    "/v1/payout/sync/certifications": "certifications/{id}/approve",
    "/v1/payout/duplicate-receipts/{receipt_id}/resolve": "duplicate-receipts/{id}/approve",
    "/v1/payout/duplicate-receipts/{receipt_id}/approve": "second person",
    # A bank's result for an unknown reference, matched to the line the bank meant: it pays or
    # fails a person's line (tests/payout/integration/test_bank_suspense.py).
    "/v1/payout/suspense/{suspense_id}/match": "suspense/{id}/approve",
    "/v1/payout/suspense/{suspense_id}/approve": "second person",
    # Pay only what was approved: approved determinations and entitlements, at the dated
    # standards; failed lines re-issued to an account only an approved change set; one-offs
    # only once approved (withdrawals: approved in enrollment, bounded by the ceiling here).
    "/v1/payout/payroll-runs": "pays approved acts only",
    "/v1/payout/subsidy-runs": "pays approved entitlements only",
    # A failed line owed is re-issued at its approved amount to the account in force.
    "/v1/payout/failed-lines/{payment_id}/retry": "pays an owed line to the approved account",
}
# POST routes that move no money (or only shorten or refuse a payment).
NOT_MONEY = {
    "/v1/payout/determinations/trial",  # writes nothing
    "/v1/payout/determinations/{determination_id}/check",  # 审核: the first look
    "/v1/payout/determinations/{determination_id}/return",
    "/v1/payout/takeover-batches/{batch_id}/return",
    "/v1/payout/retirees/{person_id}/death-benefits/reject",
    "/v1/payout/recoveries/{recovery_id}/reject",
    "/v1/payout/subsidies/{entitlement_id}/reject",
    "/v1/payout/account-changes/{change_id}/reject",
    "/v1/payout/failed-lines/{payment_id}/write-off/reject",  # the line stays owed
    "/v1/payout/subsidies/{entitlement_id}/end",  # only reduces payment
    "/v1/payout/certifications/{certification_id}/reject",  # stays suspended
    "/v1/payout/subsidies/{entitlement_id}/survivor-certifications/reject",  # stays unpaid
    "/v1/payout/certification/suspension-runs",
    "/v1/payout/parameters/{parameter_id}/reject",  # never in force
    "/v1/payout/bank/{bank_id}/results",  # the bank's signed answers
    "/v1/payout/bank/{bank_id}/batches/{batch_id}/totals",
    # A held result returned to the bank changes no line (approved by a second person all
    # the same); a rejected proposal leaves the result held.
    "/v1/payout/suspense/{suspense_id}/return",
    "/v1/payout/suspense/{suspense_id}/reject",
    # An operator replays an event the consumer failed on: the acts it carries were
    # approved where they were made (a withdrawal in enrollment), and payout's bounds apply.
    "/v1/payout/admin/dead-letters/{dead_letter_id}/replay",
    # The province's duplicate receipts only hold payment; a rejected clearing keeps it held.
    "/v1/payout/sync/duplicate-receipts",
    "/v1/payout/duplicate-receipts/{receipt_id}/reject",
    # A parameter the province publishes moves no money itself: the determinations it
    # re-derives are reviewed by two clerks before any difference is paid.
    "/v1/payout/sync/parameters",
    # An admin pauses or resumes the calendar: a resumed payroll schedule starts runs that
    # pay only what was approved, as a clerk's POST /payroll-runs does.
    "/v1/payout/schedules/{kind}/pause",
    "/v1/payout/schedules/{kind}/resume",
}


async def test_every_post_route_is_classified(platform) -> None:
    """A new POST route must be placed in the matrix (or declared to move no money)."""
    paths = create_app(platform).openapi()["paths"]
    posts = {path for path, ops in paths.items() if "post" in ops}
    assert posts == set(MONEY_ROUTES) | NOT_MONEY


@dataclass(frozen=True)
class Act:
    """A money act waiting for approval: its approval route and who may approve it."""

    name: str
    url: str
    maker: dict
    approver_role: str
    also_refused: tuple[dict, ...] = ()


async def post(client, path: str, headers: dict, body: dict | None = None, status=201) -> dict:
    r = await client.post(path, headers=headers | key(), json=body)
    assert r.status_code == status, r.text
    return r.json()


async def lines(platform, where: str) -> int:
    return await scalar(platform, f"SELECT count(*) FROM payout.payment WHERE {where}")


async def test_no_money_leaves_on_one_persons_word(platform) -> None:
    async with running_app(create_app(platform)) as client:
        living_event, dying_event = retirement(121), retirement(122)
        [living] = await retire(client, platform, living_event)
        [dying] = await retire(client, platform, dying_event)
        [sleeping] = await retire(client, platform, retirement(123))
        for d in (living, dying, sleeping):
            await review(client, platform, d["id"])
        await run_payroll(client, platform, "2025-06")  # April to June
        alive, dead = living["person_id"], dying["person_id"]
        death = PersonDeceased(
            person_id=dead, unit_id=dying_event.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=dead))
        finance = auth_headers(platform, "finance")

        async def cases() -> list[dict]:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": dead}, headers=finance
            )
            return r.json()["items"] if len(r.json()["items"]) == 2 else []

        await eventually(cases)
        waived, offset = await cases()

        # One maker (clerk and finance at once) asks for everything.
        maker = auth_headers(platform, "clerk", "finance", subject="maker")
        await post(client, f"/v1/payout/retirees/{dead}/death-benefits", maker, SURVIVOR)
        for case, method in ((waived, "waived"), (offset, "offset")):
            r = await post(
                client,
                f"/v1/payout/recoveries/{case['id']}/resolve",
                maker,
                {"method": method},
                200,
            )
            assert r["status"] == "pending_approval"
        entitlement = await post(
            client,
            f"/v1/payout/retirees/{alive}/subsidies",
            maker,
            {"program": "living_subsidy", "from_quarter": "2025-Q3"},
        )
        hardship = await post(
            client,
            f"/v1/payout/retirees/{alive}/subsidies",
            maker,
            {"program": "hardship_aid", "from_quarter": "2025-Q2"},
        )
        await approve(client, platform, f"/v1/payout/subsidies/{hardship['id']}/approve")
        change = await post(
            client,
            f"/v1/payout/subsidies/{hardship['id']}/amount-changes",
            maker,
            {"from_quarter": "2026-Q1", "quarterly_amount": "800.00", "reason": "调标"},
        )
        account = await post(
            client,
            f"/v1/payout/retirees/{alive}/account-changes",
            maker,
            {
                "bank_code": "PSBC",
                "account_number": "6221880012120121",
                "account_name": "退休121",
                "reason": "换卡",
            },
        )
        raised = await post(
            client,
            f"/v1/payout/retirees/{alive}/adjustments",
            maker,
            {"effective_from": "2025-07-01", "fixed_amount": "100.00", "reason": "2025年调待"},
        )
        # The living retiree is certified (one step: not suspended); the sleeping one is
        # suspended as overdue, and the maker's certification of them asks for a resumption.
        today = agency_today().isoformat()
        certified = await post(
            client,
            f"/v1/payout/retirees/{alive}/certifications",
            maker,
            {"method": "online", "certified_on": today},
        )
        assert certified["resumption"] is None
        r = await finished(
            client,
            await client.post(
                "/v1/payout/certification/suspension-runs", headers=finance | key(), json={}
            ),
        )
        assert r.json()["suspended"] == 1
        slept = sleeping["person_id"]
        resumption = await post(
            client,
            f"/v1/payout/retirees/{slept}/certifications",
            maker,
            {"method": "data_match", "certified_on": today},
        )
        assert resumption["resumption"] == "pending"
        checker = auth_headers(platform, "clerk", subject="checker")
        await post(client, f"/v1/payout/determinations/{raised['id']}/check", checker, None, 200)

        # Before any approval: a quarter and a month are run; none of it is paid.
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=finance | key(), json={"quarter": "2025-Q3"}
            ),
        )
        assert r.json()["queued"] == 1  # the approved hardship aid only
        await run_payroll(client, platform, "2025-07")
        assert await lines(platform, "program IN ('death_benefit', 'living_subsidy')") == 0
        july = f"person_id = '{alive}' AND program = 'basic_pension' AND period = '2025-07-01'"
        assert await lines(platform, f"{july} AND amount = {living['monthly_amount']}") == 1
        assert await lines(platform, "account_number = '6221880012120121'") == 0
        back_pay = f"person_id = '{slept}' AND period > '2025-06-01'"
        assert await lines(platform, back_pay) == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement_end") == 0
        statuses = "SELECT string_agg(status, ',' ORDER BY status) FROM payout.recovery"
        assert await scalar(platform, statuses) == "pending_approval,pending_approval"

        finance_only = auth_headers(platform, "finance", subject="second-finance")
        acts = [
            Act(
                "death benefits",
                f"/v1/payout/retirees/{dead}/death-benefits/approve",
                maker,
                "finance",
            ),
            Act("write-off", f"/v1/payout/recoveries/{waived['id']}/approve", maker, "finance"),
            Act("offset", f"/v1/payout/recoveries/{offset['id']}/approve", maker, "finance"),
            Act(
                "entitlement", f"/v1/payout/subsidies/{entitlement['id']}/approve", maker, "finance"
            ),
            Act(
                "amount change",
                f"/v1/payout/subsidies/{change['opened']['id']}/approve",
                maker,
                "clerk",
            ),
            Act(
                "account change",
                f"/v1/payout/account-changes/{account['id']}/approve",
                maker,
                "clerk",
                also_refused=(finance_only,),  # finance does not decide payee accounts
            ),
            Act(
                "调待 复核",
                f"/v1/payout/determinations/{raised['id']}/approve",
                maker,
                "clerk",
                also_refused=(checker, finance_only),
            ),
            Act(
                "resumption",
                f"/v1/payout/certifications/{resumption['id']}/approve",
                maker,
                "clerk",
            ),
        ]
        admin = auth_headers(platform, "admin", subject="root")
        auditor = auth_headers(platform, "auditor", subject="auditor-1")
        for act in acts:
            refusals = [
                (act.maker, "four_eyes_required"),
                (admin, "approver_role_required"),
                (auditor, "approver_role_required"),
            ] + [
                (who, "four_eyes_required" if who is checker else "approver_role_required")
                for who in act.also_refused
            ]
            for who, code in refusals:
                r = await client.post(act.url, headers=who | key())
                assert (r.status_code, r.json()["code"]) == (403, code), (act.name, code)
            approved = await approve(
                client,
                platform,
                act.url,
                approver=f"second-{act.approver_role}",
                role=act.approver_role,
            )
            assert approved, act.name

        # Approved: the next run pays them, to the approved account, at the approved amount.
        await run_payroll(client, platform, "2025-08")
        assert await lines(platform, "program = 'death_benefit'") == 1
        assert await lines(platform, "program = 'living_subsidy'") == 1  # 2025-Q3, caught up
        august = f"person_id = '{alive}' AND program = 'basic_pension' AND period = '2025-08-01'"
        raised_amount = Decimal(living["monthly_amount"]) + 100
        assert await lines(platform, f"{august} AND amount = {raised_amount}") == 1
        assert await lines(platform, f"{august} AND account_number = '6221880012120121'") == 1
        resumed = f"{back_pay} AND program = 'basic_pension'"
        assert await lines(platform, resumed) == 2  # July (withheld) and August
        # The offset is withheld from the death benefits (issue #18, item 6): recovered once
        # the bank pays them.
        assert await scalar(platform, statuses) == "offsetting,waived"
        withheld = "SELECT offset_amount FROM payout.payment WHERE program = 'death_benefit'"
        assert await scalar(platform, withheld) == Decimal(offset["amount"])
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement_end") == 1


async def stale_wage_base(client, platform, person: str) -> list[int]:
    """The wage_base versions in force that `person`'s determination was not made on."""
    r = await client.get(
        "/v1/payout/parameter-rederivations", headers=auth_headers(platform, "auditor")
    )
    assert r.status_code == 200, r.text
    return [
        p["in_force"]
        for item in r.json()["items"]
        if item["person_id"] == person
        for p in item["parameters"]
        if p["name"] == "wage_base"
    ]


async def test_no_one_person_sets_policy(platform) -> None:
    """A payout parameter version is in force only once a finance user other than the admin
    who submitted it approves it; the submitter (also holding finance), another admin, an
    auditor and a clerk are refused, and a rejected version never comes into force."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(192))  # retired 2025-03
        await review(client, platform, first["id"])
        person = first["person_id"]
        assert await stale_wage_base(client, platform, person) == []
        body = {"name": "wage_base", "effective_from": "2025-01-01", "value": {"amount": "7700.00"}}
        r = await submit_parameter(client, platform, body)
        assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
        version = r.json()["id"]
        rejected = (await submit_parameter(client, platform, body | {"note": "录错"})).json()

        # Submitted: listed with its status, but nothing is computed on it.
        listed = await client.get(
            "/v1/payout/parameters",
            params={"name": "wage_base"},
            headers=auth_headers(platform, "auditor"),
        )
        assert {p["id"]: p["status"] for p in listed.json()["items"]}[version] == "submitted"
        assert await stale_wage_base(client, platform, person) == []

        refusals = [
            ("admin", POLICY_MAKER, "approver_role_required"),
            ("admin", "another-admin", "approver_role_required"),
            ("auditor", "auditor-1", "approver_role_required"),
            ("clerk", "clerk-1", "approver_role_required"),
        ]
        for role, subject, code in refusals:
            r = await decide_parameter(client, platform, version, "approve", role, subject)
            assert (r.status_code, r.json()["code"]) == (403, code), (role, subject)
        # The submitter also holding finance is still one person.
        r = await client.post(
            f"/v1/payout/parameters/{version}/approve",
            headers=auth_headers(platform, "admin", "finance", subject=POLICY_MAKER) | key(),
            json={},
        )
        assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required")
        assert await stale_wage_base(client, platform, person) == []

        # A rejection needs a reason and leaves the version out of force for good.
        r = await decide_parameter(
            client, platform, rejected["id"], "reject", "finance", POLICY_CHECKER
        )
        assert (r.status_code, r.json()["code"]) == (422, "note_required")
        r = await decide_parameter(
            client, platform, rejected["id"], "reject", "finance", POLICY_CHECKER, "金额有误"
        )
        assert (r.status_code, r.json()["status"]) == (200, "rejected"), r.text
        assert r.json()["decision_note"] == "金额有误"
        r = await decide_parameter(
            client, platform, rejected["id"], "approve", "finance", POLICY_CHECKER
        )
        assert (r.status_code, r.json()["code"]) == (409, "parameter_decided")
        assert await stale_wage_base(client, platform, person) == []

        # A finance user other than the submitter approves: in force from its date.
        r = await decide_parameter(client, platform, version, "approve", "finance", POLICY_CHECKER)
        assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
        assert (r.json()["decided_by"], r.json()["recorded_by"]) == (POLICY_CHECKER, POLICY_MAKER)
        assert await stale_wage_base(client, platform, person) == [version]
        actions = await scalar(
            platform,
            "SELECT string_agg(action, ',' ORDER BY id) FROM payout.audit_log "
            f"WHERE object_type = 'parameter' AND object_id = '{version}'",
        )
        assert actions == "parameter.submitted,parameter.approved"
