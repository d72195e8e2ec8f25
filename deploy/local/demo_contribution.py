"""The demo county's 2020 contributions, loaded through the gateway like a clerk and a bank.

Every unit declares its staff's wages (a few below the floor), a second clerk approves, the
twelve months are planned, and the bank posts each month's receipts: most units pay on
time, some late (with the late fee), some partly, some too much (credit for the next
month), and a few stop paying in November; one credit from a payer not on the roster waits
as 待查明款项 for a clerk. The yearly audit runs at the end. Amounts and
references are deterministic, so running it again changes nothing.
"""

import json
import random
import time
from collections.abc import Callable
from decimal import Decimal

import httpx

from deploy.local.demo import demo_credit_code
from deploy.local.demo_progress import Phases, each, follow
from services.contribution.config import get_settings
from shared.data.money import round_fen
from shared.http.bank_signature import sign

BANK = "bank-psbc"
YEAR = 2020
LATE_FEE_DAILY = Decimal("0.0005")  # the default parameter; the demo pays what it owes


def _token(client: httpx.Client, data: dict[str, str]) -> dict[str, str]:
    r = client.post("/v1/auth/token", data=data)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _all(client: httpx.Client, path: str, headers: dict, **params: object) -> list[dict]:
    items: list[dict] = []
    while True:
        page = client.get(
            path, headers=headers, params={**params, "limit": 500, "offset": len(items)}
        )
        page.raise_for_status()
        body = page.json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items


def _wait_for_roster(client: httpx.Client, clerk: dict, expected: int, progress: Phases) -> None:
    """Contribution learns persons from enrollment's events: wait until it has them all, as
    long as it keeps learning (a roster standing still for a minute is an error)."""
    with progress.phase("contribution: roster caught up", expected) as bar:
        seen, since = -1, time.monotonic()
        while True:
            r = client.get("/v1/contribution/roster/persons", headers=clerk, params={"limit": 1})
            known = r.json()["total"] if r.status_code == 200 else seen
            bar.show(min(known, expected), expected)
            if known >= expected:
                return
            if known > seen:
                seen, since = known, time.monotonic()
            elif time.monotonic() - since > 60:
                raise RuntimeError(
                    f"contribution's roster stood at {seen} of {expected} persons for a minute"
                )
            time.sleep(0.2)


def _wage(citizen_id: str) -> str:
    """Mostly ordinary county wages around the local average (5946 in 2019, the base the
    seed's 32.72 M of annuity implies); about one in twenty below the floor (3567.60).

    Seeded by the person, so the wage does not depend on the order persons are listed in.
    """
    rng = random.Random(f"wage-{YEAR}-{citizen_id}")
    low = rng.random() < 0.05
    return f"{rng.randrange(2800, 3500) if low else rng.randrange(3600, 8850)}.00"


def _declare(client, clerk, clerk2, unit: dict, persons: list[dict]) -> None:
    lines = [
        {
            "citizen_id": p["citizen_id"],
            "name": p["name"],
            "wage": _wage(p["citizen_id"]),
        }
        for p in persons
        if p["status"] != "retired"
    ]
    if not lines:
        return
    r = client.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": unit["id"], "year": YEAR, "lines": lines},
    )
    if r.status_code == 409 and r.json().get("code") == "declaration_exists":
        return  # loaded by an earlier run
    declaration = follow(client, r)["id"]
    client.post(
        f"/v1/contribution/declarations/{declaration}/submit", headers=clerk
    ).raise_for_status()
    client.post(
        f"/v1/contribution/declarations/{declaration}/approve",
        headers=clerk2,
        json={"note": "核定"},
    ).raise_for_status()


def _behaviour(credit_code: str) -> str:
    """How a unit pays, the same every run."""
    roll = random.Random(credit_code).random()
    if roll < 0.06:
        return "late"
    if roll < 0.10:
        return "partial"
    if roll < 0.13:
        return "over"
    if roll < 0.15:
        return "stops"
    return "on_time"


UNKNOWN_PAYER = {
    "reference": f"DEMO-{YEAR}12-UNKNOWN",
    "unit_credit_code": demo_credit_code(999_999),  # no demo unit has this serial
    "amount": "1200.00",
    "received_on": f"{YEAR}-12-15",
}


def _receipt(plan: dict, code: str, month: int) -> dict | None:
    total = Decimal(plan["total"])
    how = _behaviour(code)
    day, amount = 10, total
    if how == "late":
        day, amount = 25, total + round_fen(total * LATE_FEE_DAILY * 10)
    elif how == "partial":
        amount = round_fen(total * Decimal("0.7"))
    elif how == "over":
        amount = total + Decimal("500.00")
    elif how == "stops" and month >= 11:
        return None
    return {
        "reference": f"DEMO-{YEAR}{month:02d}-{code}",
        "unit_credit_code": code,
        "amount": str(amount),
        "received_on": f"{YEAR}-{month:02d}-{day:02d}",
    }


def _post_bank_batch(client: httpx.Client, bank: dict, receipts: list[dict]) -> None:
    """A signed batch; one signed in the same second as an identical one (a repeated demo)
    is refused as a replay, so it is signed again a second later."""
    raw = json.dumps({"receipts": receipts}).encode()
    secret = get_settings().bank_secrets[BANK][0]
    url = f"/v1/contribution/bank/{BANK}/receipts"
    for _ in range(5):
        ts = int(time.time())
        r = client.post(
            url,
            content=raw,
            headers={
                **bank,
                "X-Bank-Id": BANK,
                "X-Timestamp": str(ts),
                "X-Signature": sign(secret, ts, raw, method="POST", target=url),
                "content-type": "application/json",
            },
        )
        if r.status_code != 401 or r.json().get("code") != "signature_replayed":
            break
        time.sleep(1.1)
    follow(client, r)


def load_contribution_demo(
    client: httpx.Client,
    progress: Phases,
    settled: Callable[[], None] = lambda: None,
    workers: int = 4,
) -> dict:
    """Declarations, plans, receipts and the audit for 2020; returns the year's report.

    `settled` returns once contribution has applied every event so far (the year's status
    changes decide the liabilities the plans are made of)."""
    clerk = _token(client, {"username": "clerk", "password": "clerk-demo"})
    clerk2 = _token(client, {"username": "clerk2", "password": "clerk2-demo"})
    bank = _token(
        client,
        {"grant_type": "client_credentials", "client_id": BANK, "client_secret": f"{BANK}-demo"},
    )
    units = _all(client, "/v1/enrollment/units", clerk)
    persons = _all(client, "/v1/enrollment/persons", clerk)
    _wait_for_roster(client, clerk, len(persons), progress)
    settled()
    by_unit: dict[str, list[dict]] = {}
    for p in persons:
        by_unit.setdefault(p["unit_id"], []).append(p)
    with progress.phase("contribution: declarations", len(units)) as bar:
        # Units declare independently: a few at a time (each unit's own steps in order).
        each(
            sorted(units, key=lambda u: u["credit_code"]),
            lambda unit: _declare(client, clerk, clerk2, unit, by_unit.get(unit["id"], [])),
            bar,
            workers,
        )
    codes = {u["id"]: u["credit_code"] for u in units}
    with progress.phase("contribution: 12 months of plans, receipts", 12) as bar:
        for month in range(1, 13):  # in order: a month's credit and arrears carry to the next
            period = f"{YEAR}-{month:02d}"
            follow(
                client,
                client.post(
                    "/v1/contribution/plans/generate", headers=clerk, json={"period": period}
                ),
            )
            plans = _all(client, "/v1/contribution/plans", clerk, period=period)
            receipts = [
                r
                for p in plans
                if p["seq"] == 0 and (r := _receipt(p, codes[p["unit_id"]], month)) is not None
            ]
            if receipts:
                _post_bank_batch(client, bank, receipts)
            bar.advance()
    # A credit from a payer not on the roster: held as 待查明款项 for a clerk to resolve.
    _post_bank_batch(client, bank, [UNKNOWN_PAYER])
    with progress.phase("contribution: yearly audit") as bar:
        follow(
            client,
            client.post(
                "/v1/contribution/audits/yearly-run",
                headers=clerk,
                json={"year": YEAR, "as_of": f"{YEAR}-12-31"},
            ),
            bar,
        )
    report = client.get(f"/v1/contribution/reports/{YEAR}", headers=clerk).json()
    arrears = client.get(
        "/v1/contribution/arrears", headers=clerk, params={"as_of": f"{YEAR}-12-31"}
    ).json()
    return {
        "report": report,
        "units_in_arrears": len(arrears["units"]),
        "arrears": arrears["outstanding"],
    }
