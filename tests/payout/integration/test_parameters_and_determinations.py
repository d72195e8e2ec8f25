"""Payout's dated parameters, the trial calculation, and determinations with their review."""

from datetime import date

import pytest

from services.payout.determinations.records import inputs_from_json
from services.payout.domain.determination import derive
from services.payout.main import create_app
from services.payout.parameters.schemas import parse_value
from services.payout.parameters.service import comparison_rule
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, retire, retirement, review
from tests.payout.parameters_helper import set_parameter
from tests.support.payout_parameters import TRIAL

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_parameters_are_dated_versions_with_an_admin_api(platform) -> None:
    async with running_app(create_app(platform)) as client:
        r = await client.get(
            "/v1/payout/parameters",
            params={"name": "wage_base"},
            headers=auth_headers(platform, "auditor"),
        )
        assert r.status_code == 200
        assert {p["effective_from"]: p["value"]["amount"] for p in r.json()["items"]}[
            "2020-01-01"
        ] == ("5946.00")
        new = {"name": "transition_coefficient", "effective_from": "2027-01-01"}
        r = await client.post(
            "/v1/payout/parameters",
            headers=auth_headers(platform, "clerk"),
            json=new | {"value": {"rate": "0.013"}},
        )
        assert (r.status_code, r.json()["code"]) == (403, "role_forbidden")
        for bad in ({"rate": "1.3"}, {"rate": "0.013", "extra": 1}, {"amount": "1"}):
            r = await client.post(
                "/v1/payout/parameters",
                headers=auth_headers(platform, "admin"),
                json=new | {"value": bad},
            )
            assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), r.text
            assert r.json()["errors"][0]["field"].startswith("value"), r.text
        # Versions already recorded (the migrations' defaults) are in force as they were.
        r = await client.get(
            "/v1/payout/parameters",
            params={"name": "transition_coefficient"},
            headers=auth_headers(platform, "auditor"),
        )
        assert {p["status"] for p in r.json()["items"]} == {"approved"}
        added = await set_parameter(
            client, platform, new | {"value": {"rate": "0.013"}, "note": "省厅2027年文件"}
        )
        assert (added["value"], added["status"]) == ({"rate": "0.013"}, "approved")
        labels = await client.get("/v1/payout/code-tables", headers=auth_headers(platform, "clerk"))
        assert labels.json()["determination_status"]["approved"] == "已复核"


async def test_trial_answers_the_components_and_writes_nothing(platform) -> None:
    async with running_app(create_app(platform)) as client:
        before = await scalar(platform, "SELECT count(*) FROM payout.determination")
        r = await client.post(
            "/v1/payout/determinations/trial",
            headers=auth_headers(platform, "clerk"),
            json=TRIAL,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["months_divisor"] == 139
        assert (body["basic_pension"], body["account_pension"]) == ("2185.16", "1000.00")
        assert (body["transitional_pension"], body["total"]) == ("784.87", "3970.03")
        assert body["annuity_monthly"] == "500.00"
        assert body["transition_comparison"] is None
        inside = await client.post(
            "/v1/payout/determinations/trial",
            headers=auth_headers(platform, "clerk"),
            json=TRIAL | {"retirement_date": "2020-05-31"},
        )
        assert inside.json()["transition_comparison"]["applies"] is True
        assert inside.json()["transition_comparison"]["excess_share"] == "0.60"
        assert await scalar(platform, "SELECT count(*) FROM payout.determination") == before

        for bad, field in (
            ({"wage_base": 5946.0}, "wage_base"),
            ({"retirement_age": 75}, "retirement_age"),
            ({"deemed_years": "36"}, "deemed_years"),
            ({"surprise": 1}, "surprise"),
        ):
            r = await client.post(
                "/v1/payout/determinations/trial",
                headers=auth_headers(platform, "clerk"),
                json=TRIAL | bad,
            )
            assert r.status_code == 422, r.text
            assert r.json()["code"] in ("validation_failed", "months_divisor_missing")
            fields = [e["field"] for e in r.json().get("errors", [])] or [r.json()["field"]]
            assert field in fields, r.json()


async def test_retirement_is_determined_once_and_reviewed_by_two_people(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(1)
        [first] = await retire(client, platform, event)
        await publish(platform, event, msg_id="delivered-again")
        assert first["status"] == "pending" and first["status_label"] == "待审核"
        assert first["effective_from"] == "2025-04-01"
        # 2025: B 7593, Y 35, deemed 10, age 65 (101 months).
        assert (first["basic_pension"], first["account_pension"]) == ("2790.43", "1000.00")
        assert (first["transitional_pension"], first["total"]) == ("1002.28", "4792.71")
        assert (first["annuity_monthly"], first["monthly_amount"]) == ("500.00", "4792.71")
        assert set(first["parameter_versions"]) == {
            "average_index",  # the weighting of I (issue #18)
            "months_divisor",
            "transition_comparison",
            "transition_coefficient",
            "wage_base",
        }
        assert first["inputs"]["wage_base"] == "7593.00"
        url = f"/v1/payout/determinations/{first['id']}"
        early = await client.post(url + "/approve", headers=auth_headers(platform, "clerk"))
        assert (early.status_code, early.json()["code"]) == (409, "determination_wrong_state")
        a = auth_headers(platform, "clerk", subject="clerk-a")
        assert (await client.post(url + "/check", headers=a)).status_code == 200
        same = await client.post(url + "/approve", headers=a)
        assert (same.status_code, same.json()["code"]) == (403, "four_eyes_required")
        assert (await client.get(url, headers=a)).json()["status"] == "checked"
        r = await client.post(
            url + "/approve", headers=auth_headers(platform, "clerk", subject="clerk-b")
        )
        approved = r.json()
        assert approved["status"] == "approved" and approved["approved_by"] == "clerk-b"
        assert approved["checked_by"] == "clerk-a"
        assert await scalar(platform, "SELECT count(*) FROM payout.determination") == 1
        log = await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        assert log.status_code == 200, log.text
        actions = [(e["action"], e["actor"]) for e in log.json()["items"]]
        for entry in (
            ("determination.created", "system:person.retired"),
            ("determination.check", "clerk-a"),
            ("determination.approve", "clerk-b"),
        ):
            assert entry in actions


async def test_transition_retirement_waits_for_the_old_standard(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(3, retired_on=date(2020, 5, 31), age_months=60 * 12)
        [first] = await retire(client, platform, event)
        assert first["status"] == "awaiting_old_method"
        url = f"/v1/payout/determinations/{first['id']}"
        r = await client.post(url + "/check", headers=auth_headers(platform, "clerk"))
        assert (r.status_code, r.json()["code"]) == (409, "old_method_missing")
        r = await client.post(
            url + "/old-method",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
            json={"final_salary": "6000.00", "service_years": 32, "allowances": "300.00"},
        )
        assert r.status_code == 201, r.text
        second = r.json()
        assert (second["seq"], second["kind"], second["supersedes"]) == (
            2,
            "old_method",
            first["id"],
        )
        # New method 2185.16 + 1000 × ... vs old standard 6000 × 85% + 300 = 5400.00.
        assert second["comparison"]["old_standard"] == "5400.00"
        new_method = second["comparison"]["new_method"]
        assert second["comparison"]["excess_share"] == "0.60"
        paid = second["comparison"]["paid"]
        assert second["monthly_amount"] == f"{float(paid) - float(second['annuity_monthly']):.2f}"
        assert float(new_method) > 0
        again = await client.post(
            url + "/old-method",
            headers=auth_headers(platform, "clerk"),
            json={"final_salary": "6000.00", "service_years": 32},
        )
        assert (again.status_code, again.json()["code"]) == (409, "old_method_not_awaited")
        # The author of the old standard checks it; the approver must be someone else.
        r = await client.post(
            f"/v1/payout/determinations/{second['id']}/check",
            headers=auth_headers(platform, "clerk", subject="clerk-c"),
        )
        assert r.status_code == 200
        r = await client.post(
            f"/v1/payout/determinations/{second['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
        )
        assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required")


async def test_adjustment_is_a_new_determination_from_its_month(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(5))
        r = await client.post(
            f"/v1/payout/retirees/{first['person_id']}/adjustments",
            headers=auth_headers(platform, "clerk"),
            json={"effective_from": "2026-01-01", "fixed_amount": "50.00", "reason": "2026年调待"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "no_approved_determination")
        await review(client, platform, first["id"])
        r = await client.post(
            f"/v1/payout/retirees/{first['person_id']}/adjustments",
            headers=auth_headers(platform, "clerk", subject="clerk-x"),
            json={
                "effective_from": "2026-01-01",
                "fixed_amount": "50.00",
                "rate": "0.02",
                "reason": "2026年调待: 定额50元加2%",
            },
        )
        assert r.status_code == 201, r.text
        adjusted = r.json()
        # 50.00 + 2% of 4792.71 (95.8542 → 95.85)
        assert adjusted["adjustments"] == "145.85"
        assert adjusted["monthly_amount"] == "4938.56"
        assert adjusted["total"] == first["total"]  # the components are unchanged
        assert (adjusted["kind"], adjusted["status"], adjusted["effective_from"]) == (
            "adjustment",
            "pending",
            "2026-01-01",
        )
        r = await client.get(
            f"/v1/payout/retirees/{first['person_id']}/determinations",
            headers=auth_headers(platform, "auditor"),
        )
        assert [d["seq"] for d in r.json()["items"]] == [1, 2]
        assert r.json()["items"][0]["status"] == "approved"  # history is kept as it was
        bad = await client.post(
            f"/v1/payout/retirees/{first['person_id']}/adjustments",
            headers=auth_headers(platform, "clerk"),
            json={"effective_from": "2026-01-15", "fixed_amount": "50.00", "reason": "x"},
        )
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "effective_from")


async def test_a_stored_determination_re_derives_from_its_inputs_and_versions(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(7, retired_on=date(2019, 6, 30)))
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk"),
            json={"final_salary": "5200.00", "service_years": 36, "allowances": "150.00"},
        )
        stored = r.json()
        versions = {
            p["id"]: p
            for p in (
                await client.get("/v1/payout/parameters", headers=auth_headers(platform, "auditor"))
            ).json()["items"]
        }
        used = {name: versions[i] for name, i in stored["parameter_versions"].items()}
        assert used["wage_base"]["value"]["amount"] == stored["inputs"]["wage_base"] == "5552.00"
        assert (
            used["transition_coefficient"]["value"]["rate"]
            == stored["inputs"]["transition_coefficient"]
        )
        table = parse_value("months_divisor", used["months_divisor"]["value"]).table
        rule = comparison_rule(
            parse_value("transition_comparison", used["transition_comparison"]["value"])
        )
        figures = derive(inputs_from_json(stored["inputs"]), dict(table), rule)
        assert (
            str(figures.benefit.basic_pension),
            str(figures.benefit.account_pension),
            str(figures.benefit.transitional_pension),
            str(figures.benefit.annuity_monthly),
            str(figures.monthly_amount),
        ) == (
            stored["basic_pension"],
            stored["account_pension"],
            stored["transitional_pension"],
            stored["annuity_monthly"],
            stored["monthly_amount"],
        )
        assert stored["comparison"]["excess_share"] == "0.50"  # retired in 2019
