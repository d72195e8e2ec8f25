"""Issue #18 items 1 and 13 through the running service: I weighted over deemed and transferred
months, 计发月数 by age in years and months, retirements that cannot be determined recorded and
listed for a clerk (never dead-lettered), the trial by months, 限高 never below zero."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from services.payout.parameters.defaults import MONTHS_DIVISOR
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import key, publish, retire, retirement, review, run_payroll
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.payout_deaths import SURVIVOR, dies

pytestmark = pytest.mark.asyncio(loop_scope="session")
D = Decimal


def half_deemed(seq: int, **fields) -> dict:
    """A 中人: 15 years contributed averaging 0.75, 15 years deemed at 1.05, retired 2025."""
    return {
        "contribution_months": 180,
        "indexed_months": 180,
        "average_index": D("0.7500"),
        "index_sum": D("0.7500") * 180,
        "deemed_months": 180,
        "deemed_index": D("1.0500"),
        "age_months": 60 * 12,
        "basic_balance": D("41700.00"),
    } | fields


async def test_half_the_career_deemed_weighs_in_the_average_index(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(1, **half_deemed(1)))
        # I = (0.75 × 180 + 1.05 × 180) / 360 = 0.9000, not the local 0.75.
        assert first["inputs"]["average_index"] == "0.9000"
        basis = first["inputs"]["index_basis"]
        assert (basis["local_indexed_months"], basis["deemed_months"]) == (180, 180)
        assert "average_index" in first["parameter_versions"]
        # 基础养老金 = 7593 × (1 + 0.90) / 2 × 30 × 1% = 2164.005 → 2164.01; with the local
        # 0.75 alone it was 7593 × 1.75 / 2 × 0.30 = 1993.16: 170.85 a month too little.
        assert first["basic_pension"] == "2164.01"
        assert D(first["basic_pension"]) - D("1993.16") == D("170.85")


async def test_months_brought_in_count_with_their_indices(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # 10 local years at 0.80, 6 years brought in at 1.20 (stated by the origin), none deemed.
        event = retirement(
            2,
            contribution_months=192,
            indexed_months=120,
            average_index=D("0.8000"),
            index_sum=D("96.0000"),
            transferred_months=72,
            transferred_indexed_months=72,
            transferred_index_sum=D("86.4000"),
            deemed_months=0,
            deemed_index=None,
        )
        [first] = await retire(client, platform, event)
        assert first["inputs"]["average_index"] == "0.9500"  # (96 + 86.4) / 192


async def test_an_older_event_without_the_sums_still_parses(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(3, **half_deemed(3))
        payload = {k: v for k, v in event.payload.items() if k != "index_sum"}
        older = event.model_copy(update={"payload": payload})
        [first] = await retire(client, platform, older)
        # Its average × its indexed months stand for the sum: the same I.
        assert first["inputs"]["average_index"] == "0.9000"


async def test_age_in_years_and_months_sets_the_months_divisor(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # 55 years 7 months in 2025 (the reform's table interpolates): 166.5 → 167, not 170.
        [first] = await retire(client, platform, retirement(4, age_months=55 * 12 + 7))
        assert first["months_divisor"] == 167
        assert first["account_pension"] == "604.79"  # 101000.00 / 167
        # Before the reform a whole-years table counts 55 years.
        before = retirement(5, retired_on=date(2024, 12, 20), age_months=55 * 12 + 7)
        [old] = await retire(client, platform, before)
        assert old["months_divisor"] == 170


async def test_trial_by_months_equals_the_determination_to_the_fen(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(6, contribution_months=301, deemed_months=121, age_months=62 * 12 + 5)
        [first] = await retire(client, platform, event)
        inputs = first["inputs"]
        trial = {
            "wage_base": inputs["wage_base"],
            "average_index": inputs["average_index"],
            "deemed_index": inputs["deemed_index"],
            "transition_coefficient": inputs["transition_coefficient"],
            "basic_balance": inputs["basic_balance"],
            "annuity_balance": inputs["annuity_balance"],
            "retirement_date": "2025-03-15",
        }
        by_months = trial | {"contribution_months": 301, "deemed_months": 121, "age_months": 749}
        r = await client.post(
            "/v1/payout/determinations/trial",
            headers=auth_headers(platform, "clerk"),
            json=by_months,
        )
        assert r.status_code == 200, r.text
        for name in ("months_divisor", "basic_pension", "transitional_pension", "total"):
            assert r.json()[name] == first[name], name
        # Years to four places cannot say 422/12 exactly: the trial was a fen off.
        by_years = trial | {"contribution_years": "35.1667", "deemed_years": "10.0833"}
        r = await client.post(
            "/v1/payout/determinations/trial",
            headers=auth_headers(platform, "clerk"),
            json=by_years | {"age_months": 749},
        )
        assert r.json()["transitional_pension"] == "1010.62"
        assert first["transitional_pension"] == "1010.63"
        r = await client.post(
            "/v1/payout/determinations/trial",
            headers=auth_headers(platform, "clerk"),
            json=by_months | {"age_months": 71 * 12 + 1},
        )
        assert (r.status_code, r.json()["code"]) == (422, "months_divisor_missing")
        assert r.json()["field"] == "age_months" and "71 岁 1 个月" in r.json()["detail"]
        both = by_months | {"contribution_years": "35"}
        r = await client.post(
            "/v1/payout/determinations/trial", headers=auth_headers(platform, "clerk"), json=both
        )
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


async def _undetermined(client, platform) -> list[dict]:
    r = await client.get(
        "/v1/payout/undetermined-retirements", headers=auth_headers(platform, "clerk")
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_an_age_outside_the_table_is_listed_for_a_clerk_not_dead_lettered(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(7, retired_on=date(2026, 3, 15), age_months=71 * 12 + 3)
        person = event.aggregate_id
        await publish(platform, event)
        waiting: list[dict] = []

        async def listed() -> bool:
            waiting[:] = await _undetermined(client, platform)
            return bool(waiting)

        await eventually(listed)
        [item] = waiting
        assert (item["person_id"], item["reason_code"]) == (person, "months_divisor_missing")
        assert item["age_months"] == 855 and "71 岁 3 个月" in item["detail"]
        assert await scalar(platform, "SELECT count(*) FROM payout.dead_letter") == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.determination") == 0
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        url = f"/v1/payout/retirees/{person}/initial-determination"
        r = await client.post(url, headers=clerk | key(), json={})
        assert (r.status_code, r.json()["code"]) == (409, "months_divisor_missing")
        # An admin extends the table from 2026-03; the clerk then makes the determination.
        table = {str(age): months for age, months in MONTHS_DIVISOR.items()}
        rows = {"855": 47}  # 71 years 3 months
        await set_parameter(
            client,
            platform,
            {
                "name": "months_divisor",
                "effective_from": "2026-03-01",
                "value": {"table": table, "by_month": rows, "between_years": "interpolate"},
            },
        )
        r = await client.post(url, headers=clerk | key(), json={"note": "计发月数表已补充"})
        assert r.status_code == 201, r.text
        made = r.json()
        assert (made["kind"], made["status"], made["months_divisor"]) == ("initial", "pending", 47)
        approved = await review(client, platform, made["id"], "clerk-b", "clerk-c")
        assert approved["status"] == "approved"
        assert await _undetermined(client, platform) == []
        r = await client.get(
            "/v1/payout/undetermined-retirements",
            params={"resolved": "true"},
            headers=auth_headers(platform, "clerk"),
        )
        [done] = r.json()["items"]
        assert (done["resolved_by"], done["determination_id"]) == ("clerk-a", made["id"])
        r = await client.post(url, headers=clerk | key(), json={})
        assert (r.status_code, r.json()["code"]) == (404, "undetermined_not_found")
        log = await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        actions = [e["action"] for e in log.json()["items"]]
        assert "retirement.undetermined" in actions and "determination.created" in actions


async def test_a_missing_index_is_entered_by_a_clerk(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(
            8,
            average_index=None,
            indexed_months=0,
            deemed_months=0,
            deemed_index=None,
        )
        person = event.aggregate_id
        await publish(platform, event)
        waiting: list[dict] = []

        async def listed() -> bool:
            waiting[:] = await _undetermined(client, platform)
            return bool(waiting)

        await eventually(listed)
        assert waiting[0]["reason_code"] == "index_missing"
        url = f"/v1/payout/retirees/{person}/initial-determination"
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.post(url, headers=clerk | key(), json={"average_index": "9.0"})
        assert r.status_code == 422  # above the plausible bound: nothing changed
        r = await client.post(url, headers=clerk | key(), json={"average_index": "1.0000"})
        assert r.status_code == 201, r.text
        assert r.json()["inputs"]["average_index"] == "1.0000"
        assert r.json()["inputs"]["index_basis"]["given_index"] == "1.0000"


async def test_the_cap_never_makes_the_basic_pension_negative(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # 2020, 10 years at 0.6, no deemed years, a large annuity: 5000.00 a month.
        event = retirement(
            9,
            retired_on=date(2020, 5, 31),
            age_months=60 * 12,
            contribution_months=120,
            indexed_months=120,
            average_index=D("0.6000"),
            index_sum=D("72.0000"),
            deemed_months=0,
            deemed_index=None,
            basic_balance=D("13900.00"),
            annuity_notional_balance=D("395000.00"),
            annuity_funded_balance=D("300000.00"),
        )
        [first] = await retire(client, platform, event)
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk", subject="clerk-a") | key(),
            json={"final_salary": "2000.00", "service_years": 10},
        )
        assert r.status_code == 201, r.text
        capped = r.json()
        # New method 575.68 + 5000.00; old standard 1400.00 + 60% of the excess = 3905.41:
        # 限高 would take 1670.27, more than the basic pension: it takes 575.68, not more.
        assert capped["comparison"]["paid"] == "3905.41"
        assert capped["comparison"]["adjustment"] == "-575.68"
        assert capped["comparison_adjustment"] == "-575.68"
        assert (capped["monthly_amount"], capped["annuity_monthly"]) == ("0.00", "5000.00")


async def test_the_floor_outlives_the_annuity(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # Aged 70 in 2019: 56 months of annuity (901.79, the remainder 901.55 in 2024-02).
        # Old standard 5200 × 90% + 150 = 4830.00; new method 5478.58: 限高 pays 5154.29,
        # i.e. a basic pension of 4252.50 beside the annuity.
        [first] = await retire(
            client, platform, retirement(52, retired_on=date(2019, 6, 30), age_months=70 * 12)
        )
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk", subject="clerk-a") | key(),
            json={"final_salary": "5200.00", "service_years": 36, "allowances": "150.00"},
        )
        assert r.status_code == 201, r.text
        determination = r.json()
        assert (determination["monthly_amount"], determination["floor_amount"]) == (
            "4252.50",
            "4830.00",
        )
        await review(client, platform, determination["id"], "clerk-b", "clerk-c")
        await run_payroll(client, platform, "2024-06", within=60)
        person = first["person_id"]
        basic = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, ', ' "
            "ORDER BY period) FROM payout.payment WHERE program = 'basic_pension' "
            f"AND person_id = '{person}' AND period >= '2024-01-01'",
        )
        # Once the annuity is exhausted the basic pension makes up the old standard.
        assert basic == (
            "2024-01 4252.50, 2024-02 4252.50, 2024-03 4830.00, 2024-04 4830.00, "
            "2024-05 4830.00, 2024-06 4830.00"
        )
        # A 调待 of 100.00 from 2024-04 raises the floor with it: back pay of 100.00 a month.
        r = await client.post(
            f"/v1/payout/retirees/{person}/adjustments",
            headers=auth_headers(platform, "clerk", subject="clerk-a") | key(),
            json={"effective_from": "2024-04-01", "fixed_amount": "100.00", "reason": "2024 调待"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["floor_amount"] == "4930.00"
        await review(client, platform, r.json()["id"], "clerk-b", "clerk-c")
        r = await client.get(
            f"/v1/payout/retirees/{person}/differences", headers=auth_headers(platform, "clerk")
        )
        assert r.status_code == 200, r.text
        found = sorted((d["month"], d["program"], d["amount"]) for d in r.json()["items"])
        assert found == [
            (month, "basic_pension", "100.00")
            for month in ("2024-04-01", "2024-05-01", "2024-06-01")
        ]


async def test_a_correction_of_the_deemed_months_weighs_the_index_again(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(10, **half_deemed(10)))
        await review(client, platform, first["id"], "clerk-b", "clerk-c")
        url = f"/v1/payout/determinations/{first['id']}/corrections"
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.post(
            url,
            headers=clerk | key(),
            json={"effective_from": "2025-05-01", "deemed_months": 240, "reason": "档案补认"},
        )
        assert r.status_code == 201, r.text
        corrected = r.json()
        # (0.75 × 180 + 1.05 × 240) / 420 = 0.921428… → 0.9214, by the recorded rule version.
        assert corrected["inputs"]["average_index"] == "0.9214"
        assert corrected["terms"]["corrected"] == {"deemed_months": 240, "average_index": "0.9214"}
        assert corrected["parameter_versions"] == first["parameter_versions"]
        await review(client, platform, corrected["id"], "clerk-b", "clerk-c")

        async def correct(body: dict) -> dict:
            r = await client.post(url, headers=clerk | key(), json=body | {"reason": "更正"})
            assert r.status_code == 201, r.text
            await review(client, platform, r.json()["id"], "clerk-b", "clerk-c")
            return r.json()

        # Again on the corrected months: (0.75 × 180 + 1.10 × 240) / 420 = 0.9500.
        again = await correct({"effective_from": "2025-06-01", "deemed_index": "1.1000"})
        assert again["inputs"]["average_index"] == "0.9500"
        # An I the clerk corrects stands: a later correction of the months leaves it.
        given = await correct({"effective_from": "2025-07-01", "average_index": "1.0000"})
        assert given["inputs"]["average_index"] == "1.0000"
        later = await correct({"effective_from": "2025-08-01", "deemed_months": 230})
        assert later["inputs"]["average_index"] == "1.0000"


async def test_a_redetermination_resolves_the_undetermined_retirement(platform) -> None:
    """An undetermined retirement whose age was recorded wrong: listed as paid nothing with
    its reason, re-determined with the corrected age (计发月数 by months), record resolved."""
    async with running_app(create_app(platform)) as client:
        event = retirement(11, retired_on=date(2026, 3, 15), age_months=71 * 12 + 3)
        person = str(event.aggregate_id)
        await publish(platform, event)

        async def listed() -> bool:
            return person in [i["person_id"] for i in await _undetermined(client, platform)]

        await eventually(listed)
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.get("/v1/payout/retirees-without-determination", headers=clerk)
        [mine] = [i for i in r.json()["items"] if i["person_id"] == person]
        assert (mine["latest_id"], mine["undetermined_reason"]) == (None, "months_divisor_missing")
        assert "initial-determination" in mine["way_forward"]
        url = f"/v1/payout/retirees/{person}/redeterminations"
        r = await client.post(url, headers=clerk | key(), json={"reason": "按记录重新核定"})
        assert (r.status_code, r.json()["code"]) == (409, "months_divisor_missing")
        assert len(await _undetermined(client, platform)) == 1  # nothing changed
        body = {"age_months": 65 * 12 + 6, "reason": "出生日期更正, 退休年龄 65 岁 6 个月"}
        r = await client.post(url, headers=clerk | key(), json=body)
        assert r.status_code == 201, r.text
        made = r.json()
        # 2026: between the rows of 65 (101) and 66 (93): 101 − 8 × 6/12 = 97.
        assert (made["kind"], made["months_divisor"]) == ("initial", 97)
        assert made["inputs"]["index_basis"]["given_index"] is None
        assert await _undetermined(client, platform) == []
        r = await client.get(
            "/v1/payout/undetermined-retirements", params={"resolved": "true"}, headers=clerk
        )
        [done] = [i for i in r.json()["items"] if i["person_id"] == person]
        assert (done["resolved_by"], done["determination_id"]) == ("clerk-a", made["id"])
        r = await client.post(
            f"/v1/payout/retirees/{person}/initial-determination", headers=clerk | key(), json={}
        )
        assert (r.status_code, r.json()["code"]) == (404, "undetermined_not_found")
        r = await client.get("/v1/payout/retirees-without-determination", headers=clerk)
        [mine] = [i for i in r.json()["items"] if i["person_id"] == person]
        assert (mine["latest_id"], mine["undetermined_reason"]) == (made["id"], None)


async def test_a_redetermination_weighs_the_index_on_corrected_months(platform) -> None:
    """A returned first determination made again with corrected deemed months: I weighed by
    the rule, and a later correction weighs it again from the re-determination's sums."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(12, **half_deemed(12)))
        assert first["inputs"]["average_index"] == "0.9000"
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/return",
            headers=auth_headers(platform, "clerk", subject="clerk-b"),
            json={"remark": "视同缴费年限待核"},
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            f"/v1/payout/retirees/{first['person_id']}/redeterminations",
            headers=clerk | key(),
            json={"deemed_months": 240, "reason": "档案补认视同缴费年限"},
        )
        assert r.status_code == 201, r.text
        made = r.json()
        # (0.75 × 180 + 1.05 × 240) / 420 = 0.9214.
        assert made["inputs"]["average_index"] == "0.9214"
        assert made["inputs"]["index_basis"]["deemed_months"] == 240
        await review(client, platform, made["id"], "clerk-b", "clerk-c")
        r = await client.post(
            f"/v1/payout/determinations/{made['id']}/corrections",
            headers=clerk | key(),
            json={"effective_from": "2025-06-01", "deemed_index": "1.1000", "reason": "更正"},
        )
        assert r.status_code == 201, r.text
        # (0.75 × 180 + 1.10 × 240) / 420 = 0.9500.
        assert r.json()["inputs"]["average_index"] == "0.9500"


async def test_a_new_weighting_of_the_index_is_re_derived(platform) -> None:
    """A corrected `average_index` version in force on the retirement date lists the
    determination for re-derivation, which weighs I again by it."""
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(13, **half_deemed(13)))
        await review(client, platform, first["id"], "clerk-b", "clerk-c")
        version = (
            await set_parameter(
                client,
                platform,
                {
                    "name": "average_index",
                    "effective_from": "2025-01-01",
                    "value": {
                        "deemed_weight": "0.5",
                        "transferred": True,
                        "unindexed_months": "at_actual_average",
                        "decimals": 4,
                    },
                    "note": "视同缴费月按半数计权",
                },
            )
        )["id"]
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.get(
            "/v1/payout/parameter-rederivations", params={"parameter_id": version}, headers=clerk
        )
        [mine] = r.json()["items"]
        assert mine["person_id"] == first["person_id"]
        assert [(p["name"], p["in_force"]) for p in mine["parameters"]] == [
            ("average_index", version)
        ]
        r = await client.post(
            "/v1/payout/parameter-rederivations",
            headers=clerk | key(),
            json={"limit": 50, "reason": "平均缴费指数计权更正"},
        )
        assert r.status_code == 200, r.text
        [made] = [d for d in r.json()["rederived"] if d["person_id"] == first["person_id"]]
        # (0.75 × 180 + 1.05 × 180 × 0.5) / (180 + 90) = 0.8500.
        assert made["inputs"]["average_index"] == "0.8500"
        assert made["terms"]["corrected"]["average_index"] == "0.8500"
        assert made["parameter_versions"]["average_index"] == version
        assert D(made["basic_pension"]) < D(first["basic_pension"])


async def test_the_survivor_lump_sum_counts_the_floor_kept_after_the_annuity(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # As above: basic 4252.50 beside the annuity, made up to 4830.00 once it ran out (2024-03).
        retired = retirement(53, retired_on=date(2019, 6, 30), age_months=70 * 12)
        [first] = await retire(client, platform, retired)
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk", subject="clerk-a") | key(),
            json={"final_salary": "5200.00", "service_years": 36, "allowances": "150.00"},
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"], "clerk-b", "clerk-c")
        await dies(platform, retired, date(2024, 5, 10))
        r = await client.post(
            f"/v1/payout/retirees/{first['person_id']}/death-benefits",
            headers=auth_headers(platform, "finance", subject="finance-a") | key(),
            json=SURVIVOR,
        )
        assert r.status_code == 201, r.text
        grant = r.json()
        # The last monthly benefit is the basic pension of May 2024 as paid: 4830.00, not
        # the determination's 4252.50 (20 months: 96,600.00, not 85,050.00).
        assert (grant["survivor_base"], grant["survivor_amount"]) == ("4830.00", "96600.00")
