"""A retiree's life through the gateway: retired, determined, reviewed twice, paid monthly,
a failed payment corrected and re-issued, suspended for a missing certification, resumed
with back pay, dies: payments stop, the overpayment is recovered, death benefits are paid."""

import csv
import io
import json
import time
import uuid
from datetime import timedelta

import httpx

from deploy.local.demo import demo_credit_code
from shared.data.clock import agency_today
from shared.http.bank_signature import sign
from tests.e2e.conftest import System, login
from tests.enrollment.helpers import citizen_id
from tests.job_wait import wait_for_job_sync
from tests.support.waits import until

BANK = "bank-psbc"
SECRET = "bank-psbc-demo-signing-secret"  # payout's demo default for the bank


def bank_headers(gateway: str) -> dict[str, str]:
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


def post_signed(bank: httpx.Client, path: str, body: dict, nonce: list[int]) -> httpx.Response:
    raw = json.dumps(body).encode()
    nonce[0] += 1
    ts = int(time.time()) - nonce[0]  # a new signature for every post
    headers = {
        "X-Bank-Id": BANK,
        "X-Timestamp": str(ts),
        "X-Signature": sign(SECRET, ts, raw, method="POST", target=path),
        "content-type": "application/json",
    }
    return bank.post(path, content=raw, headers=headers)


def run(gw: httpx.Client, period: str) -> dict:
    r = gw.post("/v1/payout/payroll-runs", json={"period": period})
    assert r.status_code == 202, r.text
    url = f"/v1/payout/payroll-runs/{r.json()['id']}"
    return until(lambda: (j := gw.get(url).json())["state"] == "done" and j)


def batch_lines(gw: httpx.Client, run_id: str, program: str) -> dict[str, list[str]]:
    """The run's batch file for a program, by period."""
    [batch] = [
        b
        for b in gw.get("/v1/payout/batches", params={"limit": 500}).json()["items"]
        if b["run_id"] == run_id and b["program"] == program and b["bank_code"] == "PSBC"
    ]
    rows = list(csv.reader(io.StringIO(gw.get(f"/v1/payout/batches/{batch['id']}/file").text)))
    return {row[5]: row for row in rows[1:-1]}


def test_a_retirees_life(system: System) -> None:
    gw_url, nonce = system.gateway, [0]
    clerk, clerk2 = login(gw_url, "clerk"), login(gw_url, "clerk2")
    finance = login(gw_url, "finance")
    with (
        httpx.Client(base_url=gw_url, headers=clerk, timeout=30) as gw,
        httpx.Client(base_url=gw_url, headers=clerk2, timeout=30) as gw2,
        httpx.Client(base_url=gw_url, headers=finance, timeout=30) as fin,
        httpx.Client(base_url=gw_url, headers=bank_headers(gw_url), timeout=30) as bank,
    ):
        unit = gw.post(
            "/v1/enrollment/units",
            json={
                "credit_code": demo_credit_code(41),
                "name": "县退管中心",
                "funding_type": "full",
            },
        ).json()
        person = gw.post(
            "/v1/enrollment/persons",
            json={
                "citizen_id": citizen_id(birth="19650315", seq="411"),
                "name": "孙退休",
                "unit_id": unit["id"],
                "staff_category": "civil_servant",
                "joined_on": "1990-07-01",
            },
        ).json()
        pid = person["id"]
        retired = gw.post(
            f"/v1/enrollment/persons/{pid}/retirement",
            json={
                "retired_on": "2025-10-15",
                "deemed_months": 290,
                "deemed_index": "1.0500",
                "deemed_document": "人事档案 E2E-411",
                "bank_account": {
                    "bank_code": "PSBC",
                    "account_number": "6221880041100001",
                    "account_name": "孙退休",
                },
            },
        )
        assert retired.status_code == 201, retired.text

        # Determined from the event, then 审核 and 复核 by two different clerks.
        def determinations() -> list:
            r = gw.get(f"/v1/payout/retirees/{pid}/determinations")
            return r.json()["items"] if r.status_code == 200 else []

        [first] = until(determinations)
        assert first["status"] == "pending" and first["effective_from"] == "2025-11-01"
        assert gw.post(f"/v1/payout/determinations/{first['id']}/check").status_code == 200
        same = gw.post(f"/v1/payout/determinations/{first['id']}/approve")
        assert (same.status_code, same.json()["code"]) == (403, "four_eyes_required")
        approved = gw2.post(f"/v1/payout/determinations/{first['id']}/approve").json()
        monthly = approved["monthly_amount"]

        # Paid monthly: November and December 2025.
        december = run(fin, "2025-12")
        pension = batch_lines(fin, december["id"], "basic_pension")
        assert set(pension) == {"2025-11", "2025-12"}
        assert {row[4] for row in pension.values()} == {monthly}
        results = [
            {"reference": pension["2025-11"][0], "outcome": "paid"},
            {
                "reference": pension["2025-12"][0],
                "outcome": "failed",
                "reason_code": "account_closed",
            },
        ]
        r = post_signed(bank, f"/v1/payout/bank/{BANK}/results", {"results": results}, nonce)
        assert r.json() == {
            "recorded": 2,
            "already_recorded": 0,
            "suspense": 0,
            "suspense_references": [],
        }, r.text

        # The account is corrected (approved by another clerk) and December re-issued.
        change = gw.post(
            f"/v1/payout/retirees/{pid}/account-changes",
            json={
                "bank_code": "PSBC",
                "account_number": "6221880041100002",
                "account_name": "孙退休",
                "reason": "原卡销户, 换新卡",
            },
        ).json()
        own = gw.post(f"/v1/payout/account-changes/{change['id']}/approve")
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        assert gw2.post(f"/v1/payout/account-changes/{change['id']}/approve").status_code == 200
        january = run(fin, "2026-01")
        lines = batch_lines(gw, january["id"], "basic_pension")  # the clerk sees accounts
        assert set(lines) == {"2025-12", "2026-01"}
        assert lines["2025-12"][3] == "6221880041100002"

        # Not certified within a year (due 2026-10-15, 30 days' grace): suspended.
        today = agency_today().isoformat()
        # A day's suspension runs once, and the calendar ran today's when the system started,
        # before this retiree existed: the clerk asks for yesterday's (overdue then too).
        yesterday = (agency_today() - timedelta(days=1)).isoformat()
        asked = gw.post("/v1/payout/certification/suspension-runs", json={"as_of": yesterday})
        assert wait_for_job_sync(gw, asked, {})["result"]["suspended"] >= 1
        assert run(fin, "2026-03")["total"] == 0
        # The certification asks for a resumption; a second clerk approves it (four eyes).
        certified = gw.post(
            f"/v1/payout/retirees/{pid}/certifications",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"method": "online", "certified_on": today},
        )
        assert certified.json()["resumption"] == "pending", certified.text
        resume = f"/v1/payout/certifications/{certified.json()['id']}/approve"
        own = gw.post(resume, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        resumed = gw2.post(resume, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert resumed.json()["resumed"] is True, resumed.text
        may = run(fin, "2026-05")
        assert set(batch_lines(fin, may["id"], "basic_pension")) == {
            "2026-02",
            "2026-03",
            "2026-04",
            "2026-05",
        }

        # Dies on 10 April 2026: May was overpaid and is recovered; death benefits once.
        # A clerk enters the death; it takes effect when a second clerk approves it.
        reported = gw.post(
            f"/v1/enrollment/persons/{pid}/death-reports",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"date_of_death": "2026-04-10", "reason": "病故", "document": "死亡医学证明 E-1"},
        )
        assert reported.status_code == 201, reported.text
        approve = f"/v1/enrollment/death-reports/{reported.json()['id']}/approve"
        own = gw.post(approve, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        died = gw2.post(approve, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert died.status_code == 200, died.text
        cases = until(
            lambda: gw.get("/v1/payout/recoveries", params={"person_id": pid}).json()["items"]
        )
        # No annuity account (no contributions since the reform): only the pension is owed back.
        assert [(c["program"], c["period"], c["amount"]) for c in cases] == [
            ("basic_pension", "2026-05-01", monthly)
        ]
        for case in cases:
            r = fin.post(
                f"/v1/payout/recoveries/{case['id']}/resolve", json={"method": "bank_return"}
            )
            assert r.json()["status"] == "recovered"
        benefits = fin.post(
            f"/v1/payout/retirees/{pid}/death-benefits",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "survivor_name": "孙小",
                "survivor_citizen_id": citizen_id(birth="19900101", seq="412"),
                "relationship": "子女",
                "bank_code": "PSBC",
                "account_number": "6221880041200001",
            },
        )
        assert benefits.status_code == 201, benefits.text
        assert benefits.json()["status"] == "requested"  # paid once a second person approves
        approve_url = f"/v1/payout/retirees/{pid}/death-benefits/approve"
        own = fin.post(approve_url, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        approved = gw2.post(approve_url, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (approved.status_code, approved.json()["status"]) == (200, "approved")
        again = fin.post(
            f"/v1/payout/retirees/{pid}/death-benefits",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "survivor_name": "孙小",
                "survivor_citizen_id": citizen_id(birth="19900101", seq="412"),
                "relationship": "子女",
                "bank_code": "PSBC",
                "account_number": "6221880041200001",
            },
        )
        assert (again.status_code, again.json()["code"]) == (409, "death_benefit_exists")
        june = run(fin, "2026-06")
        assert june["payments"] >= 1  # the death benefits; no pension after April
        paid = batch_lines(fin, june["id"], "death_benefit")
        assert paid["2026-04"][4] == benefits.json()["total"]
