"""Issue #18, the determination lifecycle: a 调待 entered late reaches the later ones (item
2), a returned determination has a way forward (11), inputs and parameters are corrected and
re-derived (9), and benefits are paid provisionally or taken over (15). Each ends with every
paid month summing to the amount in force."""

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, scalar
from tests.payout.integration.helpers import (
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.payout_deaths import SURVIVOR
from tests.support.payout_determinations import determinations, execute, get
from tests.support.payout_differences import month_sums

pytestmark = pytest.mark.asyncio(loop_scope="session")


def fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


async def call(client, platform, path: str, body: dict | None, status: int, who="clerk-x"):
    """POST as a clerk with a fresh Idempotency-Key; the answer's JSON."""
    headers = auth_headers(platform, "clerk", subject=who) | key()
    r = await client.post(path, headers=headers, json=body)
    assert r.status_code == status, r.text
    return r.json()


def expected(annuity: str, months: list[tuple[str, Decimal]]) -> list[str]:
    """The month sums of the basic pension and the annuity, month by month."""
    return [
        line
        for month, basic in months
        for line in (f"{month} basic_pension {basic}", f"{month} occupational_annuity {annuity}")
    ]


async def nothing_owed(platform, person: str) -> bool:
    pending = await scalar(
        platform,
        "SELECT count(*) FROM payout.benefit_difference "
        f"WHERE person_id = '{person}' AND status = 'pending'",
    )
    return pending == 0


async def test_a_late_adjustment_is_recomputed_into_the_later_ones(platform) -> None:
    """Item 2: a 调待 from May entered after July's: July's is recomputed on it."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(61))
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April to June
        adjustments = f"/v1/payout/retirees/{person}/adjustments"
        july = await call(
            client,
            platform,
            adjustments,
            {"effective_from": "2025-07-01", "fixed_amount": "50.00", "reason": "补充调待"},
            201,
        )
        await review(client, platform, july["id"])
        await run_payroll(client, platform, "2025-08")  # July, August

        # 2025's yearly 调待 from May arrives late.
        may = await call(
            client,
            platform,
            adjustments,
            {"effective_from": "2025-05-01", "fixed_amount": "100.00", "rate": "0.02",
             "reason": "2025年调待"},
            201,
        )  # fmt: skip
        *_, made, recomputed = await determinations(client, platform, person)
        assert made["id"] == may["id"]
        assert (recomputed["kind"], recomputed["effective_from"]) == ("adjustment", "2025-07-01")
        assert (recomputed["supersedes"], recomputed["rebased_on"]) == (july["id"], may["id"])
        assert recomputed["reason"] == f"随第 {may['seq']} 号调待重算: 补充调待"
        base = Decimal(first["monthly_amount"])
        raised = Decimal("100.00") + fen(base * Decimal("0.02"))
        assert Decimal(may["monthly_amount"]) == base + raised
        # Before: July paid base + 50 and lost the May 调待 (−raised a month).
        assert Decimal(july["monthly_amount"]) == base + 50
        assert Decimal(recomputed["monthly_amount"]) == base + raised + 50

        # The recomputed one is approved only after the one it was computed on.
        await call(client, platform, f"/v1/payout/determinations/{recomputed['id']}/check",
                   None, 200, who="clerk-a")  # fmt: skip
        r = await call(client, platform, f"/v1/payout/determinations/{recomputed['id']}/approve",
                       None, 409, who="clerk-b")  # fmt: skip
        assert r["code"] == "rebase_pending"
        await review(client, platform, may["id"])
        await call(client, platform, f"/v1/payout/determinations/{recomputed['id']}/approve",
                   None, 200, who="clerk-b")  # fmt: skip

        await run_payroll(client, platform, "2025-09")  # September and the back pay
        assert await month_sums(platform, person) == expected(
            first["annuity_monthly"],
            [("2025-04", base)]
            + [(m, base + raised) for m in ("2025-05", "2025-06")]
            + [(m, base + raised + 50) for m in ("2025-07", "2025-08", "2025-09")],
        )
        assert await nothing_owed(platform, person)


async def test_a_returned_first_determination_is_determined_again(platform) -> None:
    """Item 11: returned, the retiree is listed and re-determined from the retirement
    record with the corrected input; then paid."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(62))
        person = first["person_id"]
        await call(client, platform, f"/v1/payout/determinations/{first['id']}/return",
                   {"remark": "平均指数有误"}, 200, who="clerk-a")  # fmt: skip
        listed = await get(client, platform, "/v1/payout/retirees-without-determination")
        [mine] = [i for i in listed["items"] if i["person_id"] == person]
        assert (mine["latest_id"], mine["latest_status"]) == (first["id"], "returned")
        assert "redeterminations" in mine["way_forward"]

        again = f"/v1/payout/retirees/{person}/redeterminations"
        r = await call(client, platform, again, {"average_index": "9.0000", "reason": "x"}, 422)
        assert r["code"] == "validation_failed"  # above the schema's 3
        made = await call(
            client, platform, again, {"average_index": "1.2000", "reason": "平均指数更正"}, 201
        )
        assert (made["kind"], made["status"], made["supersedes"]) == (
            "initial",
            "pending",
            first["id"],
        )
        assert made["inputs"]["average_index"] == "1.2000"
        assert made["terms"]["corrected"] == {"average_index": "1.2000"}
        assert Decimal(made["monthly_amount"]) > Decimal(first["monthly_amount"])
        r = await call(client, platform, again, {"reason": "再来一次"}, 409)
        assert r["code"] == "review_pending"

        await review(client, platform, made["id"])
        r = await call(client, platform, again, {"reason": "再来一次"}, 409)
        assert r["code"] == "determination_in_force"
        listed = await get(client, platform, "/v1/payout/retirees-without-determination")
        assert person not in [i["person_id"] for i in listed["items"]]
        await run_payroll(client, platform, "2025-05")
        amount = Decimal(made["monthly_amount"])
        assert await month_sums(platform, person) == expected(
            made["annuity_monthly"], [("2025-04", amount), ("2025-05", amount)]
        )


TRANSITION = {
    "retired_on": date(2020, 3, 15),
    "age_months": 60 * 12,
    "birth_date": date(1960, 3, 15),
}
OLD = {"final_salary": "5000.00", "service_years": 36, "allowances": "200.00"}


async def test_a_returned_old_method_determination_is_determined_again(platform) -> None:
    """Item 11: a returned old-method determination is made again with the standard."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(63, **TRANSITION))
        person = first["person_id"]
        assert first["status"] == "awaiting_old_method"
        old = await call(
            client, platform, f"/v1/payout/determinations/{first['id']}/old-method", OLD, 201
        )
        await call(client, platform, f"/v1/payout/determinations/{old['id']}/return",
                   {"remark": "工资依据不足"}, 200, who="clerk-a")  # fmt: skip
        listed = await get(client, platform, "/v1/payout/retirees-without-determination")
        [mine] = [i for i in listed["items"] if i["person_id"] == person]
        assert (mine["latest_kind"], mine["latest_status"]) == ("old_method", "returned")

        body = {"old_method": OLD | {"final_salary": "4800.00"}, "reason": "按核实的工资重新核定"}
        made = await call(
            client, platform, f"/v1/payout/retirees/{person}/redeterminations", body, 201
        )
        assert (made["kind"], made["status"], made["supersedes"]) == (
            "old_method",
            "pending",
            old["id"],
        )
        assert made["inputs"]["old_method"]["final_salary"] == "4800.00"
        # 保低: 4800 × 90% + 200 is more than the new method here.
        assert made["comparison"]["old_standard"] == "4520.00"
        await review(client, platform, made["id"])
        await run_payroll(client, platform, "2020-04")
        amount = Decimal(made["monthly_amount"])
        assert await month_sums(platform, person) == expected(
            made["annuity_monthly"], [("2020-04", amount)]
        )


async def test_inputs_are_corrected_and_the_months_paid_follow(platform) -> None:
    """Item 9: the wage base, the age and the transition coefficient are corrected; the
    months already paid get the difference."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(64))
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        url = f"/v1/payout/determinations/{first['id']}/corrections"
        r = await call(client, platform, url, {"old_method": OLD, "reason": "x"}, 422)
        assert r["code"] == "old_method_not_applicable"  # retired after the transition
        r = await call(client, platform, url, {"wage_base": "200000.00", "reason": "x"}, 422)
        assert (r["code"], r["field"]) == ("amount_above_bound", "wage_base")
        fixed = await call(
            client,
            platform,
            url,
            {"wage_base": "7600.00", "age_months": 65 * 12 + 7,
             "transition_coefficient": "0.0125", "reason": "基数、年龄、过渡系数更正"},
            201,
        )  # fmt: skip
        assert (fixed["inputs"]["wage_base"], fixed["inputs"]["age_months"]) == ("7600.00", 787)
        assert fixed["inputs"]["transition_coefficient"] == "0.0125"
        assert fixed["terms"]["corrected"] == {
            "wage_base": "7600.00",
            "age_months": 787,
            "transition_coefficient": "0.0125",
        }
        # 计发月数 by the corrected age in months: retired in 2025, 65 years 7 months lies
        # between the rows of 65 (101) and 66 (93): 101 − 8 × 7/12 = 96.33 → 96.
        assert (first["months_divisor"], fixed["months_divisor"]) == (101, 96)
        assert fixed["transitional_pension"] != first["transitional_pension"]
        await review(client, platform, fixed["id"])
        diffs = (await get(client, platform, f"/v1/payout/retirees/{person}/differences"))["items"]
        change = Decimal(fixed["monthly_amount"]) - Decimal(first["monthly_amount"])
        # The annuity follows the 计发月数 too (balance / 96 instead of / 101).
        annuity = Decimal(fixed["annuity_monthly"]) - Decimal(first["annuity_monthly"])
        assert annuity > 0
        assert sorted((d["month"], d["program"], Decimal(d["amount"])) for d in diffs) == [
            ("2025-04-01", "basic_pension", change),
            ("2025-04-01", "occupational_annuity", annuity),
            ("2025-05-01", "basic_pension", change),
            ("2025-05-01", "occupational_annuity", annuity),
        ]
        await run_payroll(client, platform, "2025-06")
        amount = Decimal(fixed["monthly_amount"])
        assert await month_sums(platform, person) == expected(
            fixed["annuity_monthly"], [(m, amount) for m in ("2025-04", "2025-05", "2025-06")]
        )
        assert await nothing_owed(platform, person)


async def test_a_provisional_old_method_standard_is_settled_by_the_final_one(platform) -> None:
    """Item 15 (and 9): an old-method standard not final is paid 预发; its correction
    settles the months paid (here a recovery)."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(65, **TRANSITION))
        person = first["person_id"]
        body = OLD | {"provisional": True, "note": "工资档案待核"}
        old = await call(
            client, platform, f"/v1/payout/determinations/{first['id']}/old-method", body, 201
        )
        assert old["provisional"] is True
        await review(client, platform, old["id"])
        await run_payroll(client, platform, "2020-05")  # April, May
        listed = await get(client, platform, "/v1/payout/provisional-determinations")
        assert old["id"] in [d["id"] for d in listed["items"]]

        final = await call(
            client,
            platform,
            f"/v1/payout/determinations/{old['id']}/corrections",
            {"old_method": OLD | {"final_salary": "4600.00"}, "reason": "工资档案核定"},
            201,
        )
        assert final["provisional"] is False
        assert final["comparison"]["old_standard"] == "4340.00"  # 4600 × 90% + 200
        await review(client, platform, final["id"])
        listed = await get(client, platform, "/v1/payout/provisional-determinations")
        assert person not in [d["person_id"] for d in listed["items"]]
        recoveries = (await get(client, platform, "/v1/payout/recoveries", person_id=person))[
            "items"
        ]
        less = Decimal(old["monthly_amount"]) - Decimal(final["monthly_amount"])
        assert sorted((c["period"], Decimal(c["amount"])) for c in recoveries) == [
            ("2020-04-01", less),
            ("2020-05-01", less),
        ]
        await run_payroll(client, platform, "2020-06")
        amount = Decimal(final["monthly_amount"])
        assert await month_sums(platform, person) == expected(
            old["annuity_monthly"], [(m, amount) for m in ("2020-04", "2020-05", "2020-06")]
        )


async def test_a_wage_base_published_late_rederives_the_provisional_determinations(
    platform,
) -> None:
    """Items 15 and 9: retired in 2026 before 2026's 计发基数 was published, paid on 2025's
    provisionally; the new version lists the determination and re-derives it (and the 调待
    since), and the months paid get the back pay."""
    await execute(
        platform,
        "DELETE FROM payout.parameter WHERE name = 'wage_base' AND effective_from = '2026-01-01'",
    )
    async with running_app(create_app(platform)) as client:
        event = retirement(
            66, retired_on=date(2026, 3, 15), birth_date=date(1961, 3, 15), age_months=65 * 12
        )
        [first] = await retire(client, platform, event)
        person = first["person_id"]
        assert (first["inputs"]["wage_base"], first["provisional"]) == ("7593.00", True)
        await review(client, platform, first["id"])
        raise_ = await call(
            client,
            platform,
            f"/v1/payout/retirees/{person}/adjustments",
            {"effective_from": "2026-05-01", "fixed_amount": "60.00", "reason": "2026年调待"},
            201,
        )
        assert raise_["provisional"] is True  # on a provisional amount
        await review(client, platform, raise_["id"])
        await run_payroll(client, platform, "2026-05")  # April, May
        listed = await get(client, platform, "/v1/payout/provisional-determinations")
        assert raise_["id"] in [d["id"] for d in listed["items"]]
        stale = await get(client, platform, "/v1/payout/parameter-rederivations")
        assert person not in [i["person_id"] for i in stale["items"]]

        # 2026's base is published.
        version = (
            await set_parameter(
                client,
                platform,
                {
                    "name": "wage_base",
                    "effective_from": "2026-01-01",
                    "value": {"amount": "7862.00"},
                    "note": "2026年计发基数",
                },
            )
        )["id"]
        stale = await get(client, platform, "/v1/payout/parameter-rederivations")
        [mine] = [i for i in stale["items"] if i["person_id"] == person]
        assert mine["determination_id"] == raise_["id"]
        assert [(p["name"], p["in_force"]) for p in mine["parameters"]] == [("wage_base", version)]
        changed = await get(
            client, platform, "/v1/payout/parameter-rederivations", parameter_id=version
        )
        assert [i["person_id"] for i in changed["items"]] == [person]
        other = await get(
            client, platform, "/v1/payout/parameter-rederivations", parameter_id=version + 99
        )
        assert other["total"] == 0

        batch = await call(
            client,
            platform,
            "/v1/payout/parameter-rederivations",
            {"limit": 50, "reason": "2026年计发基数公布"},
            200,
        )
        assert (batch["skipped"], batch["remaining"]) == ([], 0)
        [rederived] = batch["rederived"]  # one per retiree; the 调待 since follow it
        assert (rederived["kind"], rederived["effective_from"]) == ("recalculation", "2026-04-01")
        assert (rederived["inputs"]["wage_base"], rederived["provisional"]) == ("7862.00", False)
        assert rederived["parameter_versions"]["wage_base"] == version
        assert rederived["reason"] == "参数更正 (wage_base): 2026年计发基数公布"
        later = (await determinations(client, platform, person))[-1]
        assert (later["kind"], later["rebased_on"], later["provisional"]) == (
            "adjustment",
            rederived["id"],
            False,
        )
        assert later["parameter_versions"]["wage_base"] == version
        final = Decimal(rederived["monthly_amount"])
        assert final > Decimal(first["monthly_amount"])
        assert Decimal(later["monthly_amount"]) == final + 60
        audit = await scalar(
            platform,
            "SELECT detail->>'remaining' FROM payout.audit_log WHERE action = "
            f"'determination.rederivation_batch' AND object_id = '{batch['batch_id']}'",
        )
        assert audit == "0"

        await review(client, platform, rederived["id"])
        await review(client, platform, later["id"])
        stale = await get(client, platform, "/v1/payout/parameter-rederivations")
        assert person not in [i["person_id"] for i in stale["items"]]
        listed = await get(client, platform, "/v1/payout/provisional-determinations")
        assert person not in [d["person_id"] for d in listed["items"]]
        await run_payroll(client, platform, "2026-06")
        assert await month_sums(platform, person) == expected(
            first["annuity_monthly"],
            [("2026-04", final), ("2026-05", final + 60), ("2026-06", final + 60)],
        )
        assert await nothing_owed(platform, person)

        # A corrected version of the same date lists it again (and nothing else moves).
        await set_parameter(
            client,
            platform,
            {"name": "wage_base", "effective_from": "2026-01-01",
             "value": {"amount": "7870.00"}, "note": "2026年计发基数更正"},
        )  # fmt: skip
        stale = await get(client, platform, "/v1/payout/parameter-rederivations")
        assert [i["person_id"] for i in stale["items"]] == [person]


async def test_a_rederivation_batch_skips_who_cannot_be_rederived_and_goes_on(platform) -> None:
    """Item 9: a corrected version that would move an amount beyond the correction bound
    leaves that retiree out with the problem; the batch goes on, and the next goes past."""
    async with running_app(create_app(platform)) as client:
        late = retirement(68, retired_on=date(2024, 11, 15), birth_date=date(1959, 11, 15))
        usual = retirement(69)  # 2025-03-15
        people = []
        for event in (late, usual):
            [first] = await retire(client, platform, event)
            await review(client, platform, first["id"])
            people.append(first["person_id"])
        for effective, amount in (("2024-01-01", "60000.00"), ("2025-01-01", "7600.00")):
            await set_parameter(
                client,
                platform,
                {"name": "wage_base", "effective_from": effective,
                 "value": {"amount": amount}, "note": "更正"},
            )  # fmt: skip
        url = "/v1/payout/parameter-rederivations"
        batch = await call(client, platform, url, {"limit": 1, "reason": "基数更正"}, 200)
        [skipped] = batch["skipped"]
        assert (skipped["person_id"], skipped["code"]) == (people[0], "amount_above_bound")
        assert (batch["rederived"], batch["remaining"], batch["next_offset"]) == ([], 1, 1)
        assert len(await determinations(client, platform, people[0])) == 1  # nothing made
        batch = await call(
            client, platform, url, {"limit": 1, "offset": 1, "reason": "基数更正"}, 200
        )
        [made] = batch["rederived"]
        assert (made["person_id"], made["inputs"]["wage_base"]) == (people[1], "7600.00")
        assert (batch["skipped"], batch["remaining"], batch["next_offset"]) == ([], 0, 1)
        stale = await get(client, platform, url)
        assert [(i["person_id"], i["in_review"]) for i in stale["items"]] == [
            (people[0], False),
            (people[1], True),
        ]


TAKE_OVER = {
    "citizen_id": citizen_id(birth="19450101", seq="671"),
    "name": "接管老人",
    "retired_on": "2005-01-31",
    "bank_code": "PSBC",
    "account_number": "6221880000006701",
    "account_name": "接管老人",
    "effective_from": "2025-01-01",
    "monthly_amount": "3456.78",
    "basic_pension": "2000.00",
    "account_pension": "500.00",
    "adjustments": "800.00",
    "basic_balance": "30000.00",
    "last_certified_on": "2024-12-01",
    "reason": "系统上线接管",
}


async def test_a_retiree_taken_over_is_paid_today_s_amount_and_gets_the_adjustments(
    platform,
) -> None:
    """Item 15: taken over with the amount in force (components as known), reviewed by two
    people, bounded, paid; a 调待 applies; a corrected amount is taken over again."""
    async with running_app(create_app(platform)) as client:
        url = "/v1/payout/taken-over-retirees"
        r = await call(client, platform, url, TAKE_OVER | {"basic_pension": "3000.00"}, 422)
        assert (r["code"], r["field"]) == ("components_exceed_amount", "monthly_amount")
        r = await call(client, platform, url, TAKE_OVER | {"monthly_amount": "60000.00"}, 422)
        assert (r["code"], r["field"]) == ("amount_above_bound", "monthly_amount")
        r = await call(client, platform, url, TAKE_OVER | {"annuity_monthly": "300.00"}, 422)
        assert r["errors"][0]["field"] == "annuity_balance"  # no balance left to pay it from
        r = await call(client, platform, url, TAKE_OVER | {"citizen_id": "330522194501016710"}, 422)
        assert r["code"] == "validation_failed"
        assert await scalar(platform, "SELECT count(*) FROM payout.retiree") == 0

        # Returned first (wrong amount typed): listed, and taken over again.
        wrong = await call(client, platform, url, TAKE_OVER | {"monthly_amount": "3465.78"}, 201)
        await call(client, platform, f"/v1/payout/determinations/{wrong['id']}/return",
                   {"remark": "金额有误"}, 200, who="clerk-a")  # fmt: skip
        listed = await get(client, platform, "/v1/payout/retirees-without-determination")
        [mine] = [i for i in listed["items"] if i["person_id"] == wrong["person_id"]]
        assert "taken-over-retirees" in mine["way_forward"]

        taken = await call(client, platform, url, TAKE_OVER, 201, who="clerk-maker")
        person = taken["person_id"]
        assert (person, taken["supersedes"]) == (wrong["person_id"], wrong["id"])
        assert (taken["kind"], taken["status"], taken["kind_label"]) == (
            "taken_over",
            "pending",
            "接管 (按接管时发放金额)",
        )
        assert (taken["monthly_amount"], taken["basic_pension"], taken["adjustments"]) == (
            "3456.78",
            "2000.00",
            "800.00",
        )
        assert (taken["total"], taken["inputs"]["unspecified"]) == ("2656.78", "156.78")
        assert taken["parameter_versions"] == {}
        # The maker does not approve it.
        await call(client, platform, f"/v1/payout/determinations/{taken['id']}/check",
                   None, 200, who="clerk-a")  # fmt: skip
        r = await call(client, platform, f"/v1/payout/determinations/{taken['id']}/approve",
                       None, 403, who="clerk-maker")  # fmt: skip
        assert r["code"] == "four_eyes_required"
        await call(client, platform, f"/v1/payout/determinations/{taken['id']}/approve",
                   None, 200, who="clerk-b")  # fmt: skip
        retiree = await scalar(
            platform,
            "SELECT sex || ' ' || status || ' ' || last_certified_on FROM payout.retiree "
            f"WHERE person_id = '{person}'",
        )
        assert retiree == "male active 2024-12-01"  # sex from the citizen id
        await run_payroll(client, platform, "2025-02")  # January, February

        raised = await call(
            client,
            platform,
            f"/v1/payout/retirees/{person}/adjustments",
            {"effective_from": "2025-02-01", "fixed_amount": "50.00", "rate": "0.02",
             "reason": "2025年调待"},
            201,
        )  # fmt: skip
        increase = Decimal("50.00") + fen(Decimal("3456.78") * Decimal("0.02"))
        assert Decimal(raised["adjustments"]) == Decimal("800.00") + increase
        assert Decimal(raised["monthly_amount"]) == Decimal("3456.78") + increase
        await review(client, platform, raised["id"])
        r = await call(
            client,
            platform,
            f"/v1/payout/determinations/{raised['id']}/corrections",
            {"average_index": "1.0000", "reason": "x"},
            409,
        )
        assert r["code"] == "taken_over_not_correctable"
        await run_payroll(client, platform, "2025-03")
        paid = Decimal("3456.78") + increase
        # No annuity taken over: no annuity line.
        assert await month_sums(platform, person) == [
            f"2025-01 basic_pension {Decimal('3456.78')}",
            f"2025-02 basic_pension {paid}",
            f"2025-03 basic_pension {paid}",
        ]

        # The amount taken over was wrong from January: taken over again, the 调待 follows.
        again = await call(
            client,
            platform,
            url,
            TAKE_OVER | {"monthly_amount": "3400.00", "reason": "接管金额更正"},
            201,
        )
        assert (again["person_id"], again["supersedes"]) == (person, taken["id"])
        follows = (await determinations(client, platform, person))[-1]
        assert (follows["kind"], follows["rebased_on"]) == ("adjustment", again["id"])
        increase = Decimal("50.00") + fen(Decimal("3400.00") * Decimal("0.02"))
        assert Decimal(follows["monthly_amount"]) == Decimal("3400.00") + increase
        await review(client, platform, again["id"])
        await review(client, platform, follows["id"])
        await run_payroll(client, platform, "2025-04")
        paid = Decimal("3400.00") + increase
        assert await month_sums(platform, person) == ["2025-01 basic_pension 3400.00"] + [
            f"{m} basic_pension {paid}" for m in ("2025-02", "2025-03", "2025-04")
        ]

        # Death in April: the death benefits use the balance taken over.
        death = PersonDeceased(
            person_id=person, unit_id=uuid.UUID(int=0), date_of_death=date(2025, 4, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def deceased() -> bool:
            status = await scalar(
                platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            )
            return status == "deceased"

        await eventually(deceased)
        benefits = await call(
            client, platform, f"/v1/payout/retirees/{person}/death-benefits", SURVIVOR, 201
        )
        assert benefits["basic_balance_left"] == "28000.00"  # 30000 − 4 months × 500
