"""Local subsidies: entitlements, a quarterly run once per person, program and quarter."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import text

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.clock import agency_today
from shared.data.db import make_engine
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import (
    approve,
    key,
    publish,
    resume,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_quarterly_subsidies_are_paid_once_through_the_batches(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (61, 62)]
        for d in people:
            await review(client, platform, d["id"])
        staff = auth_headers(platform, "clerk")
        for d, extra in zip(people, ({}, {"quarterly_amount": "7500.00"}), strict=True):
            r = await client.post(
                f"/v1/payout/retirees/{d['person_id']}/subsidies",
                headers=staff,
                json={"program": "living_subsidy", "from_quarter": "2025-Q2"} | extra,
            )
            assert r.status_code == 201, r.text
            await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        twice = await client.post(
            f"/v1/payout/retirees/{people[0]['person_id']}/subsidies",
            headers=staff,
            json={"program": "living_subsidy", "from_quarter": "2025-Q2"},
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "entitlement_exists")
        bad = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q5"}
            ),
        )
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "quarter")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q2"}
            ),
        )
        assert r.json()["queued"] == 2 and r.json()["amount"] == "13500.00"  # 6000 standard
        again = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q2"}
            ),
        )
        assert again.job["id"] == r.job["id"]  # asked again: the quarter's run, not a second
        run = await run_payroll(client, platform, "2025-04")
        assert run["payments"] == 2 * 2 + 2  # a month of pensions, the two subsidies
        batches = (await client.get("/v1/payout/batches", headers=staff)).json()["items"]
        [subsidy] = [b for b in batches if b["program"] == "living_subsidy"]
        assert subsidy["total"] == {"count": 2, "amount": "13500.00"}
        ledger = (await client.get("/v1/payout/ledger/2025", headers=staff)).json()["items"]
        assert [x["period"] for x in ledger if x["program"] == "living_subsidy"] == ["2025-Q2"]


async def test_a_retiree_suspended_when_a_quarter_ran_is_back_paid_once_resumed(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (65, 66)]
        staff = auth_headers(platform, "clerk")
        for d in people:
            await review(client, platform, d["id"])
            r = await client.post(
                f"/v1/payout/retirees/{d['person_id']}/subsidies",
                headers=staff,
                json={"program": "living_subsidy", "from_quarter": "2025-Q3"},
            )
            assert r.status_code == 201, r.text
            await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q3"}
            ),
        )
        assert r.json()["queued"] == 2
        away, here = (d["person_id"] for d in people)
        certify = f"/v1/payout/retirees/{here}/certifications"
        r = await client.post(
            certify, headers=staff, json={"method": "online", "certified_on": "2026-03-01"}
        )
        assert r.status_code == 201, r.text
        r = await finished(
            client,
            await client.post(
                "/v1/payout/certification/suspension-runs",
                headers=staff,
                json={"as_of": "2026-04-15"},
            ),
        )
        assert r.json()["suspended"] == 1  # the one not certified since retiring
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2026-Q2"}
            ),
        )
        assert r.json()["queued"] == 1  # the suspended one is skipped

        resumed = await resume(client, platform, away, agency_today().isoformat(), staff)
        assert resumed["resumed"] is True
        again = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2026-Q2"}
            ),
        )
        # The quarter's run answers again (the resumption queued the retiree's quarter).
        assert again.job["id"] == r.job["id"] and again.json()["queued"] == 1
        lines = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, ',' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{away}' AND program = 'living_subsidy'",
        )
        assert lines == "2025-07 6000.00,2026-04 6000.00"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()
        assert "subsidy.back_pay_queued" in {e["action"] for e in log["items"]}
        run = await run_payroll(client, platform, "2026-05")
        paid = await scalar(
            platform,
            "SELECT count(*) FROM payout.payment WHERE program = 'living_subsidy' "
            f"AND person_id = '{away}'",
        )
        assert run["state"] == "done" and paid == 2


async def test_entitlements_do_not_overlap_and_quarters_are_theirs_once(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (67, 68)]
        for d in people:
            await review(client, platform, d["id"])
        first, second = (d["person_id"] for d in people)
        staff = auth_headers(platform, "clerk")
        url = f"/v1/payout/retirees/{first}/subsidies"

        def entitlement(**fields) -> dict:
            return {"program": "living_subsidy", "from_quarter": "2025-Q2"} | fields

        reversed_ = await client.post(url, headers=staff, json=entitlement(to_quarter="2025-Q1"))
        assert (reversed_.status_code, reversed_.json()["errors"][0]["field"]) == (
            422,
            "to_quarter",
        )
        # Three overlapping entitlements at once: one is recorded, the others refused.
        answers = await asyncio.gather(
            *(
                client.post(url, headers=staff, json=entitlement(from_quarter=q))
                for q in ("2025-Q2", "2025-Q3", "2025-Q4")
            )
        )
        assert sorted(r.status_code for r in answers) == [201, 409, 409]
        assert {r.json()["code"] for r in answers if r.status_code == 409} <= {
            "entitlement_overlap",
            "entitlement_exists",
        }
        assert len((await client.get(url, headers=staff)).json()["items"]) == 1
        [recorded] = [r.json() for r in answers if r.status_code == 201]
        await approve(client, platform, f"/v1/payout/subsidies/{recorded['id']}/approve")
        # The quarter before the retirement (in March, paid from April) is not theirs.
        early = await client.post(
            url,
            headers=staff,
            json={"program": "hardship_aid", "from_quarter": "2024-Q4", "to_quarter": "2025-Q1"},
        )
        assert early.status_code == 201, early.text
        await approve(client, platform, f"/v1/payout/subsidies/{early.json()['id']}/approve")
        future = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2099-Q1"}
            ),
        )
        assert (future.status_code, future.json()["code"]) == (422, "quarter_in_future")
        for quarter in ("2025-Q1", "2025-Q4"):
            r = await finished(
                client,
                await client.post(
                    "/v1/payout/subsidy-runs", headers=staff, json={"quarter": quarter}
                ),
            )
            assert r.status_code == 200, r.text
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 1  # 2025-Q4

        # Entitled after its quarters ran: they are queued on approval, once each.
        late = await client.post(
            f"/v1/payout/retirees/{second}/subsidies",
            headers=staff,
            json={"program": "living_subsidy", "from_quarter": "2025-Q3"},
        )
        assert late.status_code == 201, late.text
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 1  # not yet
        await approve(client, platform, f"/v1/payout/subsidies/{late.json()['id']}/approve")
        queued = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM'), ',' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{second}'",
        )
        assert queued == "2025-10"  # 2025-Q3 never ran: nothing to catch up for it
        # The same quarter run three times at once: each person's line once.
        answers = await asyncio.gather(
            *(
                client.post("/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q4"})
                for _ in range(3)
            )
        )
        # Each asks for the quarter's run, which ran already: the same job, nothing queued.
        assert {r.status_code for r in answers} == {202}
        assert len({r.json()["id"] for r in answers}) == 1
        await finished(client, answers[0])
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 2


async def test_a_standard_of_nothing_queues_no_lines(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [d] = await retire(client, platform, retirement(69))
        await review(client, platform, d["id"])
        staff = auth_headers(platform, "clerk")
        await set_parameter(
            client,
            platform,
            {
                "name": "subsidy.hardship_aid",
                "effective_from": "2025-04-01",
                "value": {"label": "困难补助 (暂停)", "quarterly_amount": "0.00"},
            },
        )
        r = await client.post(
            f"/v1/payout/retirees/{d['person_id']}/subsidies",
            headers=staff,
            json={"program": "hardship_aid", "from_quarter": "2025-Q2"},
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs",
                headers=staff,
                json={"quarter": "2025-Q2", "program": "hardship_aid"},
            ),
        )
        assert r.json()["queued"] == 0 and r.json()["amount"] == "0.00"
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0


async def test_an_entitlement_is_ended_or_its_amount_changed_from_a_quarter_not_run(
    platform,
) -> None:
    """An open-ended entitlement ends at a quarter, or changes its amount from one (ending
    it and opening its successor); quarters already run are never changed; all is kept."""
    async with running_app(create_app(platform)) as client:
        [d] = await retire(client, platform, retirement(71))
        await review(client, platform, d["id"])
        person = d["person_id"]
        staff = auth_headers(platform, "clerk", subject="clerk-a")
        url = f"/v1/payout/retirees/{person}/subsidies"
        r = await client.post(
            url, headers=staff, json={"program": "living_subsidy", "from_quarter": "2025-Q2"}
        )
        assert r.status_code == 201, r.text
        first = r.json()["id"]
        await approve(client, platform, f"/v1/payout/subsidies/{first}/approve")
        for quarter in ("2025-Q2", "2025-Q3"):
            r = await finished(
                client,
                await client.post(
                    "/v1/payout/subsidy-runs", headers=staff, json={"quarter": quarter}
                ),
            )
            assert r.json()["queued"] == 1

        change = f"/v1/payout/subsidies/{first}/amount-changes"
        refused = {
            "at its first quarter": (
                {"from_quarter": "2025-Q2", "quarterly_amount": "7500.00", "reason": "调标"},
                422,
                "quarter_not_after_start",
            ),
            "a quarter already run": (
                {"from_quarter": "2025-Q3", "quarterly_amount": "7500.00", "reason": "调标"},
                409,
                "quarter_already_run",
            ),
            "the same amount (the standard)": (
                {"from_quarter": "2025-Q4", "reason": "调标"},
                422,
                "amount_unchanged",
            ),
        }
        for label, (body, status, code) in refused.items():
            r = await client.post(change, headers=staff, json=body)
            assert (r.status_code, r.json()["code"]) == (status, code), label
        r = await client.post(
            change, headers=staff, json={"from_quarter": "2025-Q3", "quarterly_amount": "1.00"}
        )
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "reason")
        r = await client.post(
            change,
            headers=staff,
            json={"from_quarter": "2025-Q3", "quarterly_amount": "7500.00", "reason": "调标"},
        )
        assert r.json()["quarter"] == "2025-Q3"  # the quarter in the way

        # Above the standard (6,000) times the allowed multiple (2): refused, nothing kept.
        r = await client.post(
            change,
            headers=staff | key(),
            json={"from_quarter": "2025-Q4", "quarterly_amount": "12000.01", "reason": "调标"},
        )
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (
            422,
            "amount_above_bound",
            "quarterly_amount",
        )
        r = await client.post(
            change,
            headers=staff | key(),
            json={"from_quarter": "2025-Q4", "quarterly_amount": "7500.00", "reason": "调标"},
        )
        assert r.status_code == 201, r.text
        asked, opened = r.json()["ended"], r.json()["opened"]
        # Requested: the entitlement pays as it did until a second person approves.
        assert (asked["id"], asked["to_quarter"], asked["ended"]) == (first, None, None)
        assert (opened["status"], opened["replaces_id"]) == ("requested", first)
        pending = await client.post(
            change,
            headers=staff | key(),
            json={"from_quarter": "2026-Q1", "quarterly_amount": "8000.00", "reason": "调标"},
        )
        assert (pending.status_code, pending.json()["code"]) == (409, "amount_change_pending")
        own = await client.post(
            f"/v1/payout/subsidies/{opened['id']}/approve", headers=staff | key()
        )
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement_end") == 0
        opened = await approve(client, platform, f"/v1/payout/subsidies/{opened['id']}/approve")
        assert (opened["status"], opened["decided_by"]) == ("approved", "second-clerk")
        [ended] = [
            e for e in (await client.get(url, headers=staff)).json()["items"] if e["id"] == first
        ]
        assert (ended["id"], ended["to_quarter"]) == (first, "2025-07-01")
        assert ended["ended"]["successor_id"] == opened["id"]
        assert ended["ended"]["reason"] == "调标" and ended["ended"]["ended_by"] == "clerk-a"
        assert (opened["from_quarter"], opened["to_quarter"], opened["quarterly_amount"]) == (
            "2025-10-01",
            None,
            "7500.00",
        )
        again = await client.post(
            change,
            headers=staff,
            json={"from_quarter": "2025-Q4", "quarterly_amount": "8000.00", "reason": "调标"},
        )
        assert (again.status_code, again.json()["code"]) == (409, "entitlement_ended")
        overlap = await client.post(
            url, headers=staff, json={"program": "living_subsidy", "from_quarter": "2026-Q1"}
        )
        assert (overlap.status_code, overlap.json()["entitlement_id"]) == (409, opened["id"])
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q4"}
            ),
        )
        assert (r.json()["queued"], r.json()["amount"]) == (1, "7500.00")

        # Ending the successor: not before it starts, nor at or after its end, then once.
        end = f"/v1/payout/subsidies/{opened['id']}/end"
        for last, status, code in (
            ("2025-Q3", 422, "quarter_before_start"),
            ("1999-Q4", 422, "validation_failed"),
        ):
            r = await client.post(end, headers=staff, json={"last_quarter": last, "reason": "x"})
            assert (r.status_code, r.json()["code"]) == (status, code), last
        r = await client.post(
            end, headers=staff, json={"last_quarter": "2025-Q4", "reason": "迁出本县"}
        )
        assert r.status_code == 200, r.text
        assert (r.json()["to_quarter"], r.json()["ended"]["last_quarter"]) == (
            "2025-10-01",
            "2025-10-01",
        )
        r = await client.post(end, headers=staff, json={"last_quarter": "2026-Q1", "reason": "x"})
        assert (r.status_code, r.json()["code"]) == (409, "entitlement_ended")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2026-Q1"}
            ),
        )
        assert r.json()["queued"] == 0  # ended: no 2026-Q1
        # The freed quarters take a new entitlement; 2026-Q1, already run, is caught up once.
        r = await client.post(
            url,
            headers=staff,
            json={
                "program": "living_subsidy",
                "from_quarter": "2026-Q1",
                "quarterly_amount": "8000.00",
            },
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        paid = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || '=' || amount, ',' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{person}'",
        )
        assert paid == "2025-04=6000.00,2025-07=6000.00,2025-10=7500.00,2026-01=8000.00"

        listed = (await client.get(url, headers=staff)).json()["items"]
        assert [(e["from_quarter"], e["to_quarter"], e["quarterly_amount"]) for e in listed] == [
            ("2025-04-01", "2025-07-01", None),
            ("2025-10-01", "2025-10-01", "7500.00"),
            ("2026-01-01", None, "8000.00"),
        ]
        assert [e["ended"] is not None for e in listed] == [True, True, False]
        # History kept: the entitlements are as recorded, their ends are records of their own.
        assert (
            await scalar(
                platform, "SELECT count(*) FROM payout.subsidy_entitlement WHERE to_quarter IS NULL"
            )
            == 3
        )
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement_end") == 2
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        actions = ("subsidy.amount_change_requested", "subsidy.ended")
        changes = [e for e in log if e["action"] in actions]
        assert sorted((e["action"], e["object_id"]) for e in changes) == sorted(
            [("subsidy.amount_change_requested", first), ("subsidy.ended", opened["id"])]
        )
        [changed] = [e for e in changes if e["action"] == "subsidy.amount_change_requested"]
        assert changed["detail"]["amount_before"] is None
        assert changed["detail"]["amount_after"] == "7500.00"
        assert changed["detail"]["successor_id"] == opened["id"]


async def test_an_end_and_a_run_at_once_never_pay_an_ended_quarter(platform) -> None:
    """Runs and ends of a program take turns: while one is decided (the program's lock held
    here), neither goes on; after, either the end came first (nothing queued for them) or
    the run (the end refused), never both."""
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (72, 73, 74)]
        staff = auth_headers(platform, "clerk")
        ids = []
        for d in people:
            await review(client, platform, d["id"])
            r = await client.post(
                f"/v1/payout/retirees/{d['person_id']}/subsidies",
                headers=staff,
                json={"program": "transport_nursing", "from_quarter": "2025-Q2"},
            )
            ids.append(r.json()["id"])
            await approve(client, platform, f"/v1/payout/subsidies/{ids[-1]}/approve")
        engine = make_engine(platform.database_url)
        async with engine.connect() as holder:
            await holder.execute(
                text("SELECT pg_advisory_lock(hashtext('payout-subsidy:transport_nursing'))")
            )
            # The run answers at once (202); its job waits for the program like the ends.
            accepted = await client.post(
                "/v1/payout/subsidy-runs",
                headers=staff,
                json={"quarter": "2025-Q3", "program": "transport_nursing"},
            )
            assert accepted.status_code == 202, accepted.text
            calls = [
                asyncio.create_task(
                    client.post(
                        f"/v1/payout/subsidies/{i}/end",
                        headers=staff,
                        json={"last_quarter": "2025-Q2", "reason": "不再符合条件"},
                    )
                )
                for i in ids
            ]
            await asyncio.sleep(1.0)
            assert not any(c.done() for c in calls)  # all wait for the program
            job = (await client.get(accepted.headers["location"], headers=staff)).json()
            assert job["state"] in ("queued", "running")
            await holder.execute(
                text("SELECT pg_advisory_unlock(hashtext('payout-subsidy:transport_nursing'))")
            )
        await engine.dispose()
        ends = await asyncio.gather(*calls)
        run = await finished(client, accepted)
        assert {r.status_code for r in ends} <= {200, 409}
        assert {r.json()["code"] for r in ends if r.status_code == 409} <= {"quarter_already_run"}
        ended = sum(r.status_code == 200 for r in ends)
        assert run.json()["queued"] == 3 - ended
        queued = await scalar(
            platform, "SELECT count(*) FROM payout.one_off WHERE program = 'transport_nursing'"
        )
        assert queued == 3 - ended


async def test_ending_and_changing_refusals(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(75)
        [d] = await retire(client, platform, retired)
        await review(client, platform, d["id"])
        staff = auth_headers(platform, "clerk")
        missing = await client.post(
            f"/v1/payout/subsidies/{d['id']}/end",
            headers=staff,
            json={"last_quarter": "2025-Q4", "reason": "x"},
        )
        assert (missing.status_code, missing.json()["code"]) == (404, "entitlement_not_found")
        r = await client.post(
            f"/v1/payout/retirees/{d['person_id']}/subsidies",
            headers=staff,
            json={"program": "hardship_aid", "from_quarter": "2025-Q2", "to_quarter": "2025-Q4"},
        )
        entitlement = r.json()["id"]
        await approve(client, platform, f"/v1/payout/subsidies/{entitlement}/approve")
        r = await client.post(
            f"/v1/payout/subsidies/{entitlement}/end",
            headers=staff,
            json={"last_quarter": "2025-Q4", "reason": "x"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "entitlement_ended")
        r = await client.post(
            f"/v1/payout/subsidies/{entitlement}/amount-changes",
            headers=auth_headers(platform, "auditor"),
            json={"from_quarter": "2025-Q3", "quarterly_amount": "1.00", "reason": "x"},
        )
        assert r.status_code == 403
        person = retired.aggregate_id
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def deceased() -> bool:
            status = f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            return await scalar(platform, status) == "deceased"

        await eventually(deceased)
        r = await client.post(
            f"/v1/payout/subsidies/{entitlement}/amount-changes",
            headers=staff,
            json={"from_quarter": "2025-Q3", "quarterly_amount": "1.00", "reason": "x"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "retiree_deceased")
        r = await client.post(
            f"/v1/payout/subsidies/{entitlement}/end",
            headers=staff,
            json={"last_quarter": "2025-Q2", "reason": "死亡"},
        )
        assert (r.status_code, r.json()["to_quarter"]) == (200, "2025-04-01")
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement") == 1


async def test_one_user_cannot_pay_any_amount_for_a_quarter_already_run(platform) -> None:
    """The reported failure: a finance user alone entitled a retiree to hardship aid of
    999,999,999,999.99 for a quarter already run. Now an amount above the standard times
    the allowed multiple is a 422 that changes nothing, and a plausible one waits for a
    second person before any quarter is queued."""
    async with running_app(create_app(platform)) as client:
        [d] = await retire(client, platform, retirement(76))
        await review(client, platform, d["id"])
        person = d["person_id"]
        finance = auth_headers(platform, "finance", subject="finance-a")
        r = await finished(
            client,
            await client.post(
                "/v1/payout/subsidy-runs", headers=finance | key(), json={"quarter": "2025-Q2"}
            ),
        )
        assert r.status_code == 200, r.text
        url = f"/v1/payout/retirees/{person}/subsidies"
        for amount in ("999999999999.99", "9999999.99", "1000.01"):  # standard 500 × 2
            r = await client.post(
                url,
                headers=finance | key(),
                json={
                    "program": "hardship_aid",
                    "from_quarter": "2025-Q2",
                    "quarterly_amount": amount,
                },
            )
            assert (r.status_code, r.json()["code"], r.json()["field"]) == (
                422,
                "amount_above_bound",
                "quarterly_amount",
            ), amount
            assert r.json()["bound"] == "1000.00"
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement") == 0
        r = await client.post(
            url,
            headers=finance | key(),
            json={
                "program": "hardship_aid",
                "from_quarter": "2025-Q2",
                "quarterly_amount": "1000.00",
            },
        )
        assert (r.status_code, r.json()["status"]) == (201, "requested")
        entitlement = r.json()["id"]
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        for who, code in (
            (finance, "four_eyes_required"),
            (auth_headers(platform, "admin"), "approver_role_required"),
            (auth_headers(platform, "auditor"), "approver_role_required"),
        ):
            refused = await client.post(
                f"/v1/payout/subsidies/{entitlement}/approve", headers=who | key()
            )
            assert (refused.status_code, refused.json()["code"]) == (403, code)
        run = await run_payroll(client, platform, "2025-04")
        assert run["payments"] == 2  # the month's pension and annuity, no subsidy
        r = await client.post(
            f"/v1/payout/subsidies/{entitlement}/reject",
            headers=auth_headers(platform, "clerk", subject="clerk-b") | key(),
        )
        assert (r.status_code, r.json()["status"]) == (200, "rejected")
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        again = await client.post(
            f"/v1/payout/subsidies/{entitlement}/approve", headers=finance | key()
        )
        assert (again.status_code, again.json()["code"]) == (409, "entitlement_decided")
        # Rejected: the quarters are free for a corrected request.
        r = await client.post(
            url,
            headers=finance | key(),
            json={"program": "hardship_aid", "from_quarter": "2025-Q2"},
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        queued = await scalar(
            platform, f"SELECT amount FROM payout.one_off WHERE person_id = '{person}'"
        )
        assert str(queued) == "500.00"  # 2025-Q2, already run, at its standard
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        assert {"subsidy.requested", "subsidy.rejected", "subsidy.approved"} <= {
            e["action"] for e in log
        }
