"""The demo county's 2020 payouts, loaded through the gateway like clerks and a bank would.

Every retiree's determination gets its old-method standard (all retired in the transition
period), 审核 by one clerk and 复核 by another; every money act of one user (a subsidy
entitlement, the death benefits) is approved by a second one (clerk2). Everyone is certified
by the yearly data match except a dozen, who are suspended and certified in June (clerk2
approves their resumption; back pay in July). Living subsidies run quarterly. Each month's
payroll runs, the bank posts its results (a few accounts closed; the accounts are corrected,
approved by a second clerk and the lines re-issued the month after). One retiree dies in
August: September's payment is recovered and the death benefits are paid. Everything is
keyed deterministically, so a second run changes nothing.
"""

import csv
import io
import json
import random
import time
from datetime import date, timedelta
from decimal import Decimal

import httpx

from deploy.local.demo import report_death
from services.payout.config import get_settings
from shared.http.bank_signature import sign

BANK = "bank-psbc"
YEAR = 2020
UNCERTIFIED = 12
FAILING_PER_MONTH = 3


def _token(client: httpx.Client, data: dict[str, str]) -> dict[str, str]:
    r = client.post("/v1/auth/token", data=data)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _ok(r: httpx.Response) -> dict:
    if r.status_code >= 400 and r.status_code != 409:
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}")
    return r.json()


def _done(client: httpx.Client, headers: dict, accepted: httpx.Response) -> dict:
    """A run answered 202 with a job: poll its Location until it ends; its result."""
    _ok(accepted)
    while (job := _ok(client.get(accepted.headers["location"], headers=headers)))["state"] not in (
        "succeeded",
        "failed",
    ):
        time.sleep(0.2)
    if job["state"] == "failed":
        raise RuntimeError(f"job {job['kind']} failed: {job['problem']}")
    return job["result"]


def _page(client: httpx.Client, path: str, headers: dict, **params: object) -> list[dict]:
    items: list[dict] = []
    while True:
        body = _ok(
            client.get(path, headers=headers, params={**params, "limit": 500, "offset": len(items)})
        )
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items


def _review(client: httpx.Client, clerk: dict, clerk2: dict) -> int:
    """Old-method standards for transition-period retirements, then both review steps."""
    rng = random.Random(YEAR)
    for d in _page(client, "/v1/payout/determinations", clerk, status="awaiting_old_method"):
        salary = Decimal(rng.randrange(450_000, 900_000)) / 100
        _ok(
            client.post(
                f"/v1/payout/determinations/{d['id']}/old-method",
                headers={**clerk, "Idempotency-Key": f"demo-old-{d['id']}"},
                json={
                    "final_salary": str(salary),
                    "service_years": rng.randrange(25, 40),
                    "allowances": "300.00",
                },
            )
        )
    approved = 0
    for d in _page(client, "/v1/payout/determinations", clerk, status="pending"):
        _ok(client.post(f"/v1/payout/determinations/{d['id']}/check", headers=clerk))
        _ok(client.post(f"/v1/payout/determinations/{d['id']}/approve", headers=clerk2))
        approved += 1
    return approved


def _run(client: httpx.Client, finance: dict, period: str) -> dict:
    r = _ok(
        client.post(
            "/v1/payout/payroll-runs",
            headers={**finance, "Idempotency-Key": f"demo-run-{period}"},
            json={"period": period},
        )
    )
    url = f"/v1/payout/payroll-runs/{r['id']}"
    deadline = time.monotonic() + 600
    while (run := _ok(client.get(url, headers=finance)))["state"] != "done":
        if time.monotonic() > deadline:
            raise RuntimeError(f"payroll run {period} did not finish in 10 minutes")
        time.sleep(0.5)
    return run


def _post_results(client: httpx.Client, bank: dict, results: list[dict]) -> None:
    """Signed posts of 5,000 lines; a post signed in the same second as an identical one
    (a repeated demo) is refused as a replay, so it is signed again a second later."""
    secret = get_settings().bank_secrets[BANK][0]
    url = f"/v1/payout/bank/{BANK}/results"
    for start in range(0, len(results), 5000):
        raw = json.dumps({"results": results[start : start + 5000]}).encode()
        for _ in range(5):
            ts = int(time.time())
            headers = {
                **bank,
                "X-Bank-Id": BANK,
                "X-Timestamp": str(ts),
                "X-Signature": sign(secret, ts, raw, method="POST", target=url),
                "content-type": "application/json",
            }
            r = client.post(url, content=raw, headers=headers)
            if r.status_code != 401 or r.json().get("code") != "signature_replayed":
                break
            time.sleep(1.1)
        _ok(r)


def _bank_month(client: httpx.Client, bank: dict, run: dict, failing: set[str]) -> list[str]:
    """The bank answers every line of the run's batches; returns the persons whose line
    failed (their accounts were closed)."""
    batches = _ok(
        client.get(f"/v1/payout/bank/{BANK}/batches", headers=bank, params={"limit": 500})
    )["items"]
    results, failed = [], []
    for batch in (b for b in batches if b["run_id"] == run["id"]):
        file = client.get(f"/v1/payout/bank/{BANK}/batches/{batch['id']}/file", headers=bank)
        for ref, person, *_ in list(csv.reader(io.StringIO(file.text)))[1:-1]:
            if batch["program"] == "basic_pension" and person in failing:
                results.append(
                    {"reference": ref, "outcome": "failed", "reason_code": "account_closed"}
                )
                failed.append(person)
            else:
                results.append({"reference": ref, "outcome": "paid"})
    _post_results(client, bank, results)
    return sorted(set(failed))


def load_payout_demo(client: httpx.Client) -> dict:
    """The year 2020 of payouts; returns the year's totals by program."""
    clerk = _token(client, {"username": "clerk", "password": "clerk-demo"})
    clerk2 = _token(client, {"username": "clerk2", "password": "clerk2-demo"})
    finance = _token(client, {"username": "finance", "password": "finance-demo"})
    bank = _token(
        client,
        {"grant_type": "client_credentials", "client_id": BANK, "client_secret": f"{BANK}-demo"},
    )
    _review(client, clerk, clerk2)
    approved = _page(client, "/v1/payout/determinations", clerk, status="approved")
    records = {p: _person(client, clerk, p) for p in {d["person_id"] for d in approved}}
    # In citizen-id order (the seeded plan's), not by key (random per run): who is late,
    # fails at the bank or dies is then the same on every `make up`, and so are the totals.
    persons = sorted(records, key=lambda p: records[p]["citizen_id"])
    citizens = {p: r["citizen_id"] for p, r in records.items()}
    today = date.today().isoformat()
    n_late = min(UNCERTIFIED, len(persons) // 4)
    late, regular = persons[:n_late], persons[n_late:-1]
    deceased = persons[-1]
    for person in persons[n_late:]:
        _ok(
            client.post(
                f"/v1/payout/retirees/{person}/certifications",
                headers={**clerk, "Idempotency-Key": f"demo-cert-{person}"},
                json={"method": "data_match", "certified_on": today},
            )
        )
    _done(
        client,
        clerk,
        # A day runs once and the calendar ran today's before the demo's retirees existed:
        # yesterday's run (they were overdue then too).
        client.post(
            "/v1/payout/certification/suspension-runs",
            headers=clerk,
            json={"as_of": (date.today() - timedelta(days=1)).isoformat()},
        ),
    )
    for person in persons:
        asked = _ok(
            client.post(
                f"/v1/payout/retirees/{person}/subsidies",
                headers={**clerk, "Idempotency-Key": f"demo-subsidy-{person}"},
                json={"program": "living_subsidy", "from_quarter": f"{YEAR}-Q1"},
            )
        )
        # Four eyes: the entitlement counts once a second clerk approves it.
        entitlement = asked.get("id") or asked["entitlement_id"]
        _ok(
            client.post(
                f"/v1/payout/subsidies/{entitlement}/approve",
                headers={**clerk2, "Idempotency-Key": f"demo-subsidy-ok-{entitlement}"},
            )
        )
    rng = random.Random(YEAR + 1)
    for month in range(1, 13):
        period = f"{YEAR}-{month:02d}"
        if month % 3 == 1:
            _done(
                client,
                clerk,
                client.post(
                    "/v1/payout/subsidy-runs",
                    headers={**clerk, "Idempotency-Key": f"demo-subsidy-run-{period}"},
                    json={"quarter": f"{YEAR}-Q{month // 3 + 1}"},
                ),
            )
        if month == 7:  # the dozen come forward in June: resumed, back pay in July
            for person in late:
                certified = _ok(
                    client.post(
                        f"/v1/payout/retirees/{person}/certifications",
                        headers={**clerk, "Idempotency-Key": f"demo-cert-late-{person}"},
                        json={
                            "method": "home_visit",
                            "certified_on": today,
                            "out_of_province": True,
                        },
                    )
                )
                # Four eyes: the resumption (and its back pay) once a second clerk approves.
                _ok(
                    client.post(
                        f"/v1/payout/certifications/{certified['id']}/approve",
                        headers={**clerk2, "Idempotency-Key": f"demo-cert-ok-{certified['id']}"},
                    )
                )
        run = _run(client, finance, period)
        sample = rng.sample(regular, min(FAILING_PER_MONTH, len(regular)))
        by_citizen = {citizens[p]: p for p in sample}
        for person_number in _bank_month(client, bank, run, set(by_citizen)):
            person = by_citizen[person_number]
            change = _ok(
                client.post(
                    f"/v1/payout/retirees/{person}/account-changes",
                    headers={**clerk, "Idempotency-Key": f"demo-acct-{person}-{period}"},
                    json={
                        "bank_code": "PSBC",
                        "account_number": f"62218899{month:02d}{rng.randrange(10**6):06d}",
                        "account_name": records[person]["name"],  # the retiree's own card
                        "reason": "原账户已销户, 本人持新卡申请变更",
                    },
                )
            )
            if change.get("status") == "pending":
                _ok(
                    client.post(
                        f"/v1/payout/account-changes/{change['id']}/approve",
                        headers={**clerk2, "Idempotency-Key": f"demo-acct-ok-{change['id']}"},
                    )
                )
        if month == 9:
            _death(client, clerk, clerk2, finance, deceased)
    ledger = _page(client, f"/v1/payout/ledger/{YEAR}", finance)
    totals: dict[str, Decimal] = {}
    for row in ledger:
        totals[row["program"]] = totals.get(row["program"], Decimal(0)) + Decimal(
            row["paid_amount"]
        )
    return {"retirees": len(persons), "totals": totals}


def _person(client: httpx.Client, clerk: dict, person: str) -> dict:
    """A retiree's enrollment record (citizen id for the bank file, name for the account)."""
    return _ok(client.get(f"/v1/enrollment/persons/{person}", headers=clerk))


def _death(client: httpx.Client, clerk: dict, clerk2: dict, finance: dict, person: str) -> None:
    """A retiree dies on 10 August: September's payment is recovered, benefits requested by
    finance, approved by a second clerk and paid once."""
    # Entered by one clerk, approved by a second: a clerk's word alone records no death.
    report_death(client, (clerk, clerk2), person, date(YEAR, 8, 10), "病故", f"demo-death-{person}")
    deadline = time.monotonic() + 60
    while not (cases := _page(client, "/v1/payout/recoveries", finance, person_id=person)):
        if time.monotonic() > deadline:
            raise RuntimeError("the death did not reach payout in a minute")
        time.sleep(0.5)
    for case in cases:
        if case["status"] == "open":
            _ok(
                client.post(
                    f"/v1/payout/recoveries/{case['id']}/resolve",
                    headers=finance,
                    json={"method": "bank_return"},
                )
            )
    _ok(
        client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers={**finance, "Idempotency-Key": f"demo-death-benefit-{person}"},
            json={
                "survivor_name": "家属",
                "survivor_citizen_id": "330522199001011231",
                "relationship": "配偶",
                "bank_code": "PSBC",
                "account_number": "6221889900000001",
            },
        )
    )
    _ok(
        client.post(
            f"/v1/payout/retirees/{person}/death-benefits/approve",
            headers={**clerk2, "Idempotency-Key": f"demo-death-benefit-ok-{person}"},
        )
    )
