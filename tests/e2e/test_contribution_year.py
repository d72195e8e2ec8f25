"""A unit's contribution year through the gateway: clerks declare and approve, the bank pays,
enrollment's accounts are credited, arrears and the audit show what is still wrong."""

import json
import time

import httpx

from deploy.local.demo import demo_credit_code
from services.contribution.config import get_settings
from shared.http.bank_signature import sign
from tests.contribution.helpers import citizen_id
from tests.e2e.conftest import System, login
from tests.job_wait import wait_for_job_sync

BANK = "bank-psbc"


def bank_login(gateway: str) -> dict[str, str]:
    r = httpx.post(
        f"{gateway}/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": BANK,
            "client_secret": f"{BANK}-demo",
        },
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def until(check, within: float = 20.0):
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_a_units_year_through_the_gateway(system: System) -> None:
    gw = system.gateway
    clerk, clerk2, auditor = login(gw, "clerk"), login(gw, "clerk2"), login(gw, "auditor")
    with httpx.Client(base_url=gw, timeout=20) as c:
        unit = c.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": demo_credit_code(61), "name": "县卫健局", "funding_type": "self"},
        ).json()
        staff = [
            c.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(birth="19850101", seq=f"6{n}1"),
                    "name": f"医生{n}",
                    "unit_id": unit["id"],
                    "staff_category": "public_institution_staff",
                    "joined_on": "2019-01-01",
                },
            ).json()
            for n in range(2)
        ]

        def roster() -> bool:
            r = c.get(
                "/v1/contribution/roster/persons", headers=clerk, params={"unit_id": unit["id"]}
            )
            return r.json()["total"] == 2

        assert until(roster)

        # Declare (clerk), approve (clerk2; the submitter may not).
        lines = [
            {"citizen_id": p["citizen_id"], "name": p["name"], "wage": "6000.00"} for p in staff
        ]
        d = c.post(
            "/v1/contribution/declarations",
            headers=clerk,
            json={"unit_id": unit["id"], "year": 2020, "lines": lines},
        ).json()
        assert (
            c.post(f"/v1/contribution/declarations/{d['id']}/submit", headers=clerk).status_code
            == 200
        )
        assert (
            c.post(
                f"/v1/contribution/declarations/{d['id']}/approve", headers=clerk, json={}
            ).status_code
            == 403
        )
        assert (
            c.post(
                f"/v1/contribution/declarations/{d['id']}/approve", headers=auditor, json={}
            ).status_code
            == 403
        )
        approved = c.post(
            f"/v1/contribution/declarations/{d['id']}/approve", headers=clerk2, json={}
        )
        assert approved.json()["status"] == "approved"

        for period in ("2020-01", "2020-02", "2020-03"):
            generating = c.post(
                "/v1/contribution/plans/generate", headers=clerk, json={"period": period}
            )
            assert wait_for_job_sync(c, generating, clerk)["state"] == "succeeded"
        plans = c.get(
            "/v1/contribution/plans", headers=clerk, params={"unit_id": unit["id"]}
        ).json()["items"]
        assert [p["total"] for p in plans] == ["4320.00"] * 3  # 2 x 6000 x (16% + 8% + 8% + 4%)

        # The bank pays January on time, February 5 days late with the fee, March in part.
        receipts = [
            {
                "reference": "E2E-01",
                "unit_credit_code": unit["credit_code"],
                "amount": "4320.00",
                "received_on": "2020-01-10",
            },
            {
                "reference": "E2E-02",
                "unit_credit_code": unit["credit_code"],
                "amount": "4330.80",
                "received_on": "2020-02-20",
            },
            {
                "reference": "E2E-03",
                "unit_credit_code": unit["credit_code"],
                "amount": "1000.00",
                "received_on": "2020-03-10",
            },
        ]
        raw = json.dumps({"receipts": receipts}).encode()
        ts = int(time.time())
        url = f"/v1/contribution/bank/{BANK}/receipts"
        secret = get_settings().bank_secrets[BANK][0]
        headers = {
            **bank_login(gw),
            "X-Bank-Id": BANK,
            "X-Timestamp": str(ts),
            "X-Signature": sign(secret, ts, raw, method="POST", target=url),
            "content-type": "application/json",
        }
        r = c.post(url, content=raw, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["recorded"] == 3
        assert r.json()["results"][1]["receipt"]["allocations"][0]["late_fee"] == "10.80"
        # A bank token cannot reach clerk endpoints; a clerk cannot post as the bank.
        assert c.get("/v1/contribution/plans", headers=bank_login(gw)).status_code == 403
        assert (
            c.post(
                f"/v1/contribution/bank/{BANK}/receipts",
                content=raw,
                headers={**clerk, "content-type": "application/json"},
            ).status_code
            == 403
        )

        # January and February are settled and credited: 2 x 480 basic, 2 x 720 funded annuity.
        person = staff[0]["id"]

        def credited():
            accounts = c.get(
                f"/v1/enrollment/persons/{person}/accounts",
                headers=auditor,
                params={"as_of": "2020-12-31"},
            ).json()["items"]
            return {a["kind"]: a["balance"] for a in accounts} == {
                "basic": "960.00",
                "annuity_notional": "0.00",
                "annuity_funded": "1440.00",
            }

        assert until(credited)

        # March is in arrears with its fee; the audit finds the unpaid month.
        arrears = c.get(
            "/v1/contribution/arrears",
            headers=auditor,
            params={"as_of": "2020-03-25", "unit_id": unit["id"]},
        ).json()
        [owing] = arrears["units"]
        assert owing["outstanding"] == "3320.00" and owing["late_fee"] == "16.60"
        audit = c.post(
            "/v1/contribution/audits",
            headers=clerk,
            json={"unit_id": unit["id"], "year": 2020, "as_of": "2020-03-31"},
        ).json()
        assert [f["kind"] for f in audit["findings"]] == ["unpaid_month"]
