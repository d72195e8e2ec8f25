"""The simulated city's steps, each as the agency's users and its bank would take it."""

import asyncio
import csv
import io
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

from deploy.local import city_data
from deploy.local.city_api import BANK, Api, ApiError, each
from deploy.local.city_cluster import fetch
from deploy.local.province_sim import ProvinceSimulator
from services.contribution.config import get_settings as contribution_settings
from services.payout.config import get_settings as payout_settings
from shared.data.clock import agency_today

YEAR = 2020
PERIOD = f"{YEAR}-01"
RECEIPTS_PER_POST = 1_000
RESULTS_PER_POST = 5_000
FEED_PAGE = 10_000
TAKEOVER_FILE = 5_000  # lines a take-over file holds (the import takes up to 10,000)
# The exactness checks and the credits' progress, read from the primary.
RECEIPTS_SQL = "SELECT count(*) FROM contribution.receipt WHERE reference LIKE 'CITY-%'"
RECEIVED_SQL = "SELECT sum(amount) FROM contribution.receipt WHERE reference LIKE 'CITY-%'"
CREDITED_SQL = f"""
    SELECT count(DISTINCT a.person_id) FROM enrollment.posting p
    JOIN enrollment.account a ON a.id = p.account_id
    WHERE p.posting_type = 'contribution' AND p.period = '{PERIOD}'"""
CHANGES_SQL = "SELECT " + " + ".join(
    f"(SELECT count(*) FROM {s}.change_log)" for s in ("enrollment", "contribution", "payout")
)


async def units_and_insured(api: Api, units: list[city_data.Unit], workers: int) -> dict[str, str]:
    """Each unit registered, then its staff through the person import job; returns the
    units' ids by credit code."""
    ids: dict[str, str] = {}

    async def load(unit: city_data.Unit) -> None:
        r = await api.call(
            "POST",
            "/v1/enrollment/units",
            "clerk",
            headers={"Idempotency-Key": f"city-unit-{unit.credit_code}"},
            json={
                "credit_code": unit.credit_code,
                "name": unit.name,
                "funding_type": "full",
                "registered_on": "2014-10-01",
            },
        )
        unit_id = ids[unit.credit_code] = (await api.follow(r, "clerk"))["id"]
        imported = await api.call(
            "POST",
            f"/v1/enrollment/units/{unit_id}/persons/import",
            "clerk",
            headers={"Idempotency-Key": f"city-import-{unit.credit_code}"},
            files={"file": ("staff.csv", city_data.import_csv(unit))},
        )
        await api.follow(imported, "clerk")

    await each(units, load, workers)
    return ids


async def take_over(api: Api, retirees: list[city_data.Retiree], workers: int) -> int:
    """批量接管: the retirees in files of TAKEOVER_FILE lines, each imported by a job, its
    batch checked by one clerk and approved by a second; files in parallel (`workers`)."""
    today = agency_today().isoformat()
    files = [retirees[i : i + TAKEOVER_FILE] for i in range(0, len(retirees), TAKEOVER_FILE)]

    async def one(part: list[city_data.Retiree]) -> None:
        first = part[0].citizen_id
        content = city_data.takeover_csv(part, f"{PERIOD}-01", today)
        r = await api.call(
            "POST",
            "/v1/payout/taken-over-retirees/imports",
            "clerk",
            headers={"Idempotency-Key": f"city-takeover-{first}"},
            files={"file": (f"retirees-{first}.csv", content)},
        )
        result = await api.follow(r, "clerk")
        if result["accepted"] != len(part):
            raise ApiError(f"take-over of {first}...: {result}")
        batch = f"/v1/payout/takeover-batches/{result['batch_id']}"
        await api.call("POST", f"{batch}/check", "clerk")
        await api.call("POST", f"{batch}/approve", "clerk2")

    await each(files, one, workers)
    return len(retirees)


async def until(seconds: float, what: str, done: Callable[[], Awaitable[bool]]) -> None:
    """Poll `done` until true; a wait longer than `seconds` is an error."""
    deadline = time.monotonic() + seconds
    while not await done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {seconds:g} s")
        await asyncio.sleep(0.5)


async def roster(api: Api, expected: int) -> int:
    """Contribution learns every insured person from enrollment's events."""

    async def known() -> bool:
        r = await api.call("GET", "/v1/contribution/roster/persons", "clerk", params={"limit": 1})
        return r.json()["total"] >= expected

    await until(3600, "contribution's roster", known)
    return expected


async def declarations(
    api: Api, units: list[city_data.Unit], ids: dict[str, str], workers: int
) -> int:
    """Each unit's wages for the year declared, submitted, approved by a second clerk."""

    async def declare(unit: city_data.Unit) -> None:
        lines = [
            {"citizen_id": p.citizen_id, "name": p.name, "wage": city_data.wage(i)}
            for i, p in enumerate(unit.staff)
        ]
        r = await api.call(
            "POST",
            "/v1/contribution/declarations",
            "clerk",
            json={"unit_id": ids[unit.credit_code], "year": YEAR, "lines": lines},
        )
        declaration = (await api.follow(r, "clerk"))["id"]
        await api.call("POST", f"/v1/contribution/declarations/{declaration}/submit", "clerk")
        await api.call(
            "POST",
            f"/v1/contribution/declarations/{declaration}/approve",
            "clerk2",
            json={"note": "核定"},
        )

    return await each(units, declare, workers)


async def plans(api: Api) -> list[dict]:
    """The month's collection plans (one job), then listed."""
    r = await api.call("POST", "/v1/contribution/plans/generate", "clerk", json={"period": PERIOD})
    await api.follow(r, "clerk")
    return await api.pages("/v1/contribution/plans", "clerk", period=PERIOD)


async def receipts(api: Api, month_plans: list[dict], codes: dict[str, str]) -> list[dict]:
    """The bank's receipts: every unit pays its plan in full, in signed posts of 1,000."""
    secret = contribution_settings().bank_secrets[BANK][0]
    paid = [
        {
            "reference": f"CITY-{PERIOD}-{codes[p['unit_id']]}",
            "unit_credit_code": codes[p["unit_id"]],
            "amount": p["total"],
            "received_on": f"{PERIOD}-10",
        }
        for p in month_plans
        if p["seq"] == 0
    ]
    path = f"/v1/contribution/bank/{BANK}/receipts"
    for start in range(0, len(paid), RECEIPTS_PER_POST):
        r = await api.signed(path, {"receipts": paid[start : start + RECEIPTS_PER_POST]}, secret)
        await api.follow(r, "bank")
    return paid


async def resend_receipts(api: Api, paid: list[dict]) -> None:
    """The bank sends its first post again (a retry after a lost answer)."""
    secret = contribution_settings().bank_secrets[BANK][0]
    path = f"/v1/contribution/bank/{BANK}/receipts"
    r = await api.signed(path, {"receipts": paid[:RECEIPTS_PER_POST]}, secret)
    await api.follow(r, "bank")


async def credits(dsn: str, insured: int) -> int:
    """Enrollment credits every insured person's account from contribution's events."""

    async def credited() -> bool:
        return await fetch(dsn, CREDITED_SQL) >= insured

    await until(3600, "the accounts' credits", credited)
    return insured


async def payroll(api: Api) -> dict:
    """The month's payroll run, until done."""
    r = await api.call(
        "POST",
        "/v1/payout/payroll-runs",
        "finance",
        headers={"Idempotency-Key": f"city-run-{PERIOD}"},
        json={"period": PERIOD},
    )
    url = f"/v1/payout/payroll-runs/{r.json()['id']}"
    run: dict = {}

    async def done() -> bool:
        nonlocal run
        run = (await api.call("GET", url, "finance")).json()
        return run["state"] == "done"

    await until(3600, "the payroll run", done)
    return run


async def bank_results(api: Api, run: dict) -> int:
    """The bank fetches the run's files and posts every line paid (signed posts of 5,000)."""
    batches = await api.pages(f"/v1/payout/bank/{BANK}/batches", "bank")
    lines = []
    for batch in (b for b in batches if b["run_id"] == run["id"]):
        file = await api.call("GET", f"/v1/payout/bank/{BANK}/batches/{batch['id']}/file", "bank")
        for ref, *_ in list(csv.reader(io.StringIO(file.text)))[1:-1]:
            lines.append({"reference": ref, "outcome": "paid"})
    secret = payout_settings().bank_secrets[BANK][0]
    path = f"/v1/payout/bank/{BANK}/results"
    for start in range(0, len(lines), RESULTS_PER_POST):
        r = await api.signed(path, {"results": lines[start : start + RESULTS_PER_POST]}, secret)
        await api.follow(r, "bank")
    return len(lines)


async def ledger(api: Api) -> list[dict]:
    """The disbursement ledger's rows of the month."""
    rows = await api.pages(f"/v1/payout/ledger/{YEAR}", "finance")
    return [row for row in rows if row["period"] == PERIOD]


async def province_feed(gateway: str) -> dict[str, int]:
    """The province reads every feed from the start to its end: changes per feed."""
    async with ProvinceSimulator(gateway, page_size=FEED_PAGE) as province:
        await province.pull()
        return dict(province.pulled.per_stream)


def paid_total(rows: list[dict], key: str) -> Decimal:
    """The sum of an amount field."""
    return sum((Decimal(r[key]) for r in rows), Decimal(0))
