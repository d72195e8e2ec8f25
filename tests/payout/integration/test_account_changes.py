"""Payee account changes: one waiting at a time, it must change something, a second user
approves it, and nothing changes the account (or certifies, or entitles) a deceased retiree."""

import asyncio
from datetime import date

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import approve, publish, retire, retirement
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
A, B = "clerk-a", "clerk-b"


def new_account(number: str, name: str = "退休95", **extra) -> dict:
    return {
        "bank_code": "PSBC",
        "account_number": number,
        "account_name": name,
        "reason": "原账户已销户",
    } | extra


async def account_of(platform, person: str) -> str:
    return str(
        await scalar(
            platform,
            "SELECT bank_code || ' ' || account_number || ' ' || account_name "
            f"FROM payout.retiree WHERE person_id = '{person}'",
        )
    )


async def test_one_waiting_change_that_changes_something(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(95)
        [d] = await retire(client, platform, event)
        person = d["person_id"]
        url = f"/v1/payout/retirees/{person}/account-changes"
        a = auth_headers(platform, "clerk", subject=A)
        before = await account_of(platform, person)

        same = await client.post(url, headers=a, json=new_account("6221880000000095"))
        assert (same.status_code, same.json()["code"]) == (422, "account_unchanged")
        for bad in ('=HYPERLINK("http://x")', " 退休95", "退休\u000195"):
            r = await client.post(url, headers=a, json=new_account("6221880011110095", bad))
            assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), bad
        r = await client.post(url, headers=a, json=new_account("６２２１８８００１１１１００９５"))
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")

        # Three requests at once: one waits for approval, the others are refused.
        answers = await asyncio.gather(
            *(
                client.post(url, headers=a, json=new_account(f"622188001111009{n}"))
                for n in range(3)
            )
        )
        assert sorted(r.status_code for r in answers) == [201, 409, 409]
        refused = next(r for r in answers if r.status_code == 409).json()
        waiting = next(r for r in answers if r.status_code == 201).json()
        assert (refused["code"], refused["change_id"]) == ("account_change_pending", waiting["id"])
        assert len((await client.get(url, headers=a)).json()["items"]) == 1

        own = await client.post(f"/v1/payout/account-changes/{waiting['id']}/approve", headers=a)
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        assert await account_of(platform, person) == before
        r = await client.post(
            f"/v1/payout/account-changes/{waiting['id']}/reject",
            headers=auth_headers(platform, "clerk", subject=B),
            json={"remark": "卡号与开户证明不符"},
        )
        assert r.json()["status"] == "rejected" and await account_of(platform, person) == before
        # Decided: another may be asked for now. Once approved, the subsidy already queued
        # for the next run goes to the new account too.
        r = await client.post(
            f"/v1/payout/retirees/{person}/subsidies",
            headers=a,
            json={"program": "living_subsidy", "from_quarter": "2025-Q2"},
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        r = await finished(
            client,
            await client.post("/v1/payout/subsidy-runs", headers=a, json={"quarter": "2025-Q2"}),
        )
        assert r.json()["queued"] == 1
        r = await client.post(url, headers=a, json=new_account("6221880011110095"))
        assert r.status_code == 201, r.text
        r = await client.post(
            f"/v1/payout/account-changes/{r.json()['id']}/approve",
            headers=auth_headers(platform, "clerk", subject=B),
        )
        assert r.status_code == 200, r.text
        assert await account_of(platform, person) == "PSBC 6221880011110095 退休95"
        queued = await scalar(
            platform, f"SELECT account_number FROM payout.one_off WHERE person_id = '{person}'"
        )
        assert queued == "6221880011110095"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()
        rejected = next(e for e in log["items"] if e["action"] == "account_change.rejected")
        assert rejected["detail"]["remark"] == "卡号与开户证明不符"
        # The approval says what changed in the paying account (the number masked, as the
        # auditor may see it: compared in full, two numbers may still mask alike).
        approved = next(e for e in log["items"] if e["action"] == "account_change.approved")
        changed = approved["detail"]["changes"]
        assert changed["account_number"]["after"] == "************0095"
        assert changed["account_number"]["before"].startswith("*")
        assert set(changed) == {"account_number"}  # same bank, same name
        assert "6221880011110095" not in str(approved)


async def test_no_account_change_for_a_deceased_retiree(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(96)
        [d] = await retire(client, platform, event)
        person = d["person_id"]
        url = f"/v1/payout/retirees/{person}/account-changes"
        a = auth_headers(platform, "clerk", subject=A)
        waiting = await client.post(url, headers=a, json=new_account("6221880011110096", "退休96"))
        assert waiting.status_code == 201
        death = PersonDeceased(
            person_id=person, unit_id=event.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def deceased() -> bool:
            status = await scalar(
                platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            )
            return status == "deceased"

        await eventually(deceased)
        before = await account_of(platform, person)
        b = auth_headers(platform, "clerk", subject=B)
        r = await client.post(
            f"/v1/payout/account-changes/{waiting.json()['id']}/approve", headers=b
        )
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")
        r = await client.post(url, headers=a, json=new_account("6221880022220096", "退休96"))
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")
        assert await account_of(platform, person) == before
        changes = (await client.get(url, headers=a)).json()["items"]
        assert [c["status"] for c in changes] == ["pending"]
        # Nor is a deceased retiree certified or newly entitled to a subsidy.
        r = await client.post(
            f"/v1/payout/retirees/{person}/certifications",
            headers=a,
            json={"method": "online", "certified_on": "2025-05-01"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")
        r = await client.post(
            f"/v1/payout/retirees/{person}/subsidies",
            headers=a,
            json={"program": "living_subsidy", "from_quarter": "2025-Q2"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")
        counts = await scalar(
            platform,
            "SELECT (SELECT count(*) FROM payout.certification) + "
            "(SELECT count(*) FROM payout.subsidy_entitlement)",
        )
        assert counts == 0
        # Rejecting the waiting change is still possible: it changes no account.
        r = await client.post(
            f"/v1/payout/account-changes/{waiting.json()['id']}/reject", headers=b
        )
        assert r.json()["status"] == "rejected"
