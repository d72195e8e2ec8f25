"""A deterministic demo county shaped like the seed's, loaded through the public API.

308 units and their staff (imported per unit through the bulk import endpoint), about 1,200
retirees, a year of status changes in 2020 (new enrolments, retirements, suspensions,
deaths, transfers within and out of the pooling area, arrivals from elsewhere) and the
year's coverage target. The year is planned offline (`plan_year`), so its headline figures
are known before anything is loaded (`planned_figures`) and fitted to the seed's: 11,513
insured against 11,500, 1,701 changes, about 1,200 retirees. Running it again changes
nothing: every write carries an idempotency key and re-imports leave rows unchanged.
"""

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, partial

import httpx

from deploy.local.demo_progress import Phases, WhenReady, each, follow
from shared.data.ids import USCC_CHARSET, citizen_check_char, org_code_check_char, uscc_check_char

AREA = "330522"  # a county area code
UNITS = 308
STAFF = 11_663
RETIREES = 1_200
TARGET = 11_500
NEW_SHARE = 0.006
# The year's changes besides new enrolments and retirements (fitted to the seed's 1,701).
MOVES_WITHIN_AREA = 150  # two rows each: out of one unit, into another
TRANSFERS_OUT = 90  # out of the pooling area, with the accounts
ARRIVALS = 100  # transfers in from elsewhere
DEATHS = 40
SUSPENSIONS = 120  # not resumed by the year end
SUSPENSIONS_RESUMED = 95  # two rows each
ELSEWHERE = {"area_code": "330100", "agency_name": "杭州市社会保险事业管理中心"}
DEPARTMENTS = [
    "人社局",
    "财政局",
    "教育局",
    "卫健局",
    "民政局",
    "公安局",
    "自然资源局",
    "住建局",
    "交通运输局",
    "农业农村局",
    "水利局",
    "文广旅体局",
    "审计局",
    "统计局",
    "市场监管局",
    "应急管理局",
    "司法局",
    "档案馆",
    "机关事务中心",
]
INSTITUTIONS = [
    "中学",
    "小学",
    "幼儿园",
    "人民医院",
    "中医院",
    "卫生院",
    "疾控中心",
    "农技站",
    "水文站",
    "图书馆",
    "文化馆",
    "社保中心",
]


def demo_credit_code(serial: int, kind: str = "12") -> str:
    """A valid unified social credit code for a demo unit."""
    body8 = f"MB{serial:06d}"
    org = body8 + org_code_check_char(body8)
    first17 = kind + AREA + org
    assert all(c in USCC_CHARSET for c in first17)
    return first17 + uscc_check_char(first17)


def demo_citizen_id(rng: random.Random, birth: date, male: bool) -> str:
    """A valid citizen id for a demo person."""
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{AREA}{birth:%Y%m%d}{seq:03d}"
    return first17 + citizen_check_char(first17)


@dataclass
class DemoUnit:
    """A unit and its staff rows (citizen id, name, category, joined on)."""

    serial: int
    name: str
    kind: str
    funding_type: str
    staff: list[tuple[str, str, str, date]]
    retirees: list[tuple[str, str, str, date, date]] = field(default_factory=list)


def build_county(seed: int = 20201231) -> list[DemoUnit]:
    """The demo county, the same every time."""
    rng = random.Random(seed)
    units = []
    for serial in range(1, UNITS + 1):
        agency = serial <= 120
        base = (
            DEPARTMENTS[serial % len(DEPARTMENTS)]
            if agency
            else INSTITUTIONS[serial % len(INSTITUTIONS)]
        )
        name = f"示范县{'第' + str(serial) if not agency else ''}{base}" + (
            f"（{serial}）" if agency else ""
        )
        # Nearly all units are fully state funded: their annuity unit shares are notional.
        funding = "full" if agency or rng.random() < 0.97 else rng.choice(["partial", "self"])
        units.append(DemoUnit(serial, name, "11" if agency else "12", funding, []))
    weights = [1 if u.kind == "11" else 3 for u in units]  # schools and hospitals are bigger
    seen: set[str] = set()
    while len(seen) < STAFF:
        unit = rng.choices(units, weights)[0]
        male = rng.random() < 0.5
        birth = date(1961, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
        cid = demo_citizen_id(rng, birth, male)
        if cid in seen:
            continue
        seen.add(cid)
        joined = max(
            birth + timedelta(days=365 * 22 + rng.randrange(0, 365 * 3)), date(2014, 10, 1)
        )
        if rng.random() < NEW_SHARE:  # new enrolments in 2020 besides the young who join
            joined = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 365))
        category = (
            "civil_servant"
            if unit.kind == "11"
            else rng.choice(["public_institution_staff"] * 4 + ["worker"])
        )
        unit.staff.append((cid, f"职工{len(seen):05d}", category, min(joined, date(2020, 12, 31))))
    _add_retirees(units, weights, rng, seen)
    return units


def _add_retirees(
    units: list[DemoUnit], weights: list[int], rng: random.Random, seen: set[str]
) -> None:
    """Staff who reached retirement age between 2014-11 and 2020-06 (statutory ages)."""
    count = 0
    while count < RETIREES:
        unit = rng.choices(units, weights)[0]
        male = rng.random() < 0.5
        cadre = unit.kind == "11" or rng.random() < 0.8
        age = 60 if male else (55 if cadre else 50)
        reached = date(2014, 11, 1) + timedelta(days=rng.randrange(0, 365 * 5 + 210))
        birth = date(reached.year - age, reached.month, min(reached.day, 28))
        cid = demo_citizen_id(rng, birth, male)
        if cid in seen:
            continue
        seen.add(cid)
        count += 1
        retire_on = date(reached.year + reached.month // 12, reached.month % 12 + 1, 1)
        category = (
            "civil_servant"
            if unit.kind == "11"
            else ("public_institution_staff" if cadre else "worker")
        )
        unit.retirees.append((cid, f"退休{count:05d}", category, date(2014, 10, 1), retire_on))


@cache
def county_retirees() -> tuple[str, ...]:
    """The county's retirees' citizen ids, in the county's order."""
    return tuple(r[0] for unit in build_county() for r in unit.retirees)


def _csv(staff: list[tuple[str, str, str, date]]) -> bytes:
    lines = ["citizen_id,name,staff_category,joined_on"]
    lines += [f"{c},{n},{k},{j.isoformat()}" for c, n, k, j, *_ in staff]
    return ("\n".join(lines) + "\n").encode()


class PoliteClient(httpx.Client):
    """An httpx client that honours 429 Retry-After, as callers of the gateway should."""

    def send(self, request: httpx.Request, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        """Send, waiting and retrying while the gateway answers 429.

        A POST without an Idempotency-Key gets a fresh one (money-moving POSTs require one),
        the same for its retries here; the demo's own keys make reloads idempotent.
        """
        if request.method == "POST" and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        for _ in range(20):
            response = super().send(request, **kwargs)  # type: ignore[arg-type]
            if response.status_code != 429:
                return response
            time.sleep(float(response.headers.get("retry-after", "1")))
        return response


def _token(client: httpx.Client, user: str) -> dict[str, str]:
    r = client.post("/v1/auth/token", data={"username": user, "password": f"{user}-demo"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@dataclass(frozen=True)
class Change:
    """One planned change of 2020 for a staff member (citizen id) of a unit (serial)."""

    serial: int
    citizen_id: str
    kind: str  # suspension | suspension-resumption | death | transfer-out | move
    day: date
    to_serial: int | None = None


@dataclass(frozen=True)
class Arrival:
    """A person arriving in 2020 from another pooling area, with their months and money."""

    serial: int
    citizen_id: str
    name: str
    joined_on: date
    months: int
    basic_amount: str
    pooled_fund_amount: str


@dataclass
class YearPlan:
    """The year's changes, decided before anything is loaded."""

    changes: list[Change]
    arrivals: list[Arrival]


def plan_year(county: list[DemoUnit], seed: int = 2020) -> YearPlan:
    """Pick who changes and how in 2020, the same every time."""
    rng = random.Random(seed)
    eligible = sorted(
        (unit.serial, cid)
        for unit in county
        for cid, _, _, joined in unit.staff
        if joined < date(2020, 1, 1)
    )
    kinds = (
        ["move"] * MOVES_WITHIN_AREA
        + ["transfer-out"] * TRANSFERS_OUT
        + ["death"] * DEATHS
        + ["suspension"] * SUSPENSIONS
        + ["suspension-resumption"] * SUSPENSIONS_RESUMED
    )
    changes = []
    for (serial, cid), kind in zip(rng.sample(eligible, len(kinds)), kinds, strict=True):
        day = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 300))
        to_serial = None
        if kind == "move":
            to_serial = rng.choice([u.serial for u in county if u.serial != serial])
        changes.append(Change(serial, cid, kind, day, to_serial))
    taken = {cid for unit in county for cid, *_ in unit.staff + unit.retirees}
    arrivals: list[Arrival] = []
    while len(arrivals) < ARRIVALS:
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
        cid = demo_citizen_id(rng, birth, rng.random() < 0.5)
        if cid in taken:
            continue
        taken.add(cid)
        months = rng.randrange(12, 241)
        base = Decimal(rng.randrange(4000, 8000))
        arrivals.append(
            Arrival(
                serial=rng.randrange(1, UNITS + 1),
                citizen_id=cid,
                name=f"调入{len(arrivals) + 1:03d}",
                joined_on=date(2020, 1, 1) + timedelta(days=rng.randrange(0, 330)),
                months=months,
                basic_amount=str(base * Decimal("0.08") * months),
                pooled_fund_amount=str(base * Decimal("0.12") * min(months, 74)),
            )
        )
    return YearPlan(changes, arrivals)


def planned_figures(county: list[DemoUnit], plan: YearPlan) -> dict[str, int]:
    """The 2020 figures the loaded demo will show (statistics from the status history)."""
    staff = [s for unit in county for s in unit.staff]
    retirees = [r for unit in county for r in unit.retirees]
    rows = {"move": 2, "suspension-resumption": 2}
    leaving = sum(c.kind in ("suspension", "death", "transfer-out") for c in plan.changes)
    transfers = sum(c.kind in ("move", "transfer-out") for c in plan.changes) + len(plan.arrivals)
    return {
        "insured": len(staff) - leaving + len(plan.arrivals),
        "changes": sum(s[3] >= date(2020, 1, 1) for s in staff)
        + sum(r[4].year == 2020 for r in retirees)
        + sum(rows.get(c.kind, 1) for c in plan.changes)
        + len(plan.arrivals),
        "retirees": len(retirees),
        "transfers": transfers,
    }


def load_demo(
    client: httpx.Client,
    progress: Phases,
    workers: int = 4,
    retired: Callable[[list[dict]], object] = lambda _: None,
) -> dict[str, object]:
    """Load the county through the gateway; returns the 2020 statistics.

    Units go a few at a time (each unit's own steps in order); each of the year's changes and
    arrivals starts once the units it names are in (the person's, the one moved to), beside
    the other units: no step reads what another unit's or person's step wrote. `retired`
    gets each unit's retirees (enrollment's records) as soon as they are retired (the year's
    changes concern staff only).
    """
    county = build_county()
    plan = plan_year(county)
    clerk, admin = _token(client, "clerk"), _token(client, "admin")
    clerk2 = _token(client, "clerk2")  # the second pair of eyes for deaths and withdrawals
    unit_ids: dict[int, str] = {}
    person_ids: dict[str, str] = {}

    def load_unit(unit: DemoUnit) -> None:
        code = demo_credit_code(unit.serial, unit.kind)
        r = client.post(
            "/v1/enrollment/units",
            headers={**clerk, "Idempotency-Key": f"demo-unit-{code}"},
            json={
                "credit_code": code,
                "name": unit.name,
                "funding_type": unit.funding_type,
                "registered_on": "2014-10-01",
            },
        )
        unit_id = r.json()["unit_id"] if r.status_code == 409 else follow(client, r)["id"]
        unit_ids[unit.serial] = unit_id
        follow(
            client,
            client.post(
                f"/v1/enrollment/units/{unit_id}/persons/import",
                headers={**clerk, "Idempotency-Key": f"demo-import-{code}"},
                files={"file": ("staff.csv", _csv(unit.staff + unit.retirees))},
            ),
        )
        people = follow(
            client,
            client.get(
                "/v1/enrollment/persons", headers=clerk, params={"unit_id": unit_id, "limit": 500}
            ),
        )["items"]
        ids = {p["citizen_id"]: p["id"] for p in people}
        person_ids.update(ids)
        _retire(client, clerk, unit.retirees, ids)
        theirs = {r[0] for r in unit.retirees}
        retired([p for p in people if p["citizen_id"] in theirs])
        changes.ready(unit.serial)

    with (
        progress.phase("enrollment: 2020 changes", len(plan.changes) + len(plan.arrivals)) as bar,
        WhenReady(bar, workers) as changes,
    ):
        for change in plan.changes:
            changes.add(
                {change.serial, change.to_serial or change.serial},
                partial(_change, client, (clerk, clerk2), change, person_ids, unit_ids),
            )
        for arrival in plan.arrivals:
            changes.add({arrival.serial}, partial(_arrive, client, clerk, arrival, unit_ids))
        with progress.phase("enrollment: units, staff, retirees", len(county)) as units_bar:
            each(county, load_unit, units_bar, workers)
        changes.wait()
    client.put(
        "/v1/enrollment/parameters/coverage-targets/2020",
        headers=admin,
        json={"target": TARGET},
    ).raise_for_status()
    return client.get("/v1/enrollment/statistics/2020", headers=clerk).raise_for_status().json()


def _retire(
    client: httpx.Client,
    clerk: dict[str, str],
    retirees: list[tuple[str, str, str, date, date]],
    ids: dict[str, str],
) -> None:
    """Retire the unit's retirees on the first day of the month after they reached the age."""
    for number, (cid, name, _, _, retire_on) in enumerate(retirees):
        client.post(
            f"/v1/enrollment/persons/{ids[cid]}/retirement",
            headers={**clerk, "Idempotency-Key": f"demo-retire-{cid}"},
            json={
                "retired_on": retire_on.isoformat(),
                "deemed_months": 300,
                "deemed_index": "1.0000",
                "deemed_document": f"人事档案 {cid[-6:]}",
                "bank_account": {
                    "bank_code": "PSBC",
                    "account_number": f"62218800{cid[-10:-1]}{number:03d}",
                    "account_name": name,
                },
            },
        ).raise_for_status()


def _change(
    client: httpx.Client,
    clerks: tuple[dict[str, str], dict[str, str]],
    change: Change,
    person_ids: dict[str, str],
    unit_ids: dict[int, str],
) -> None:
    """Record one planned change (keys make a second run replay instead of repeat)."""
    clerk = clerks[0]
    person = person_ids[change.citizen_id]
    key = f"demo-change-{change.citizen_id}"
    if change.kind == "death":
        report_death(client, clerks, person, change.day, "示范数据", key)
        return
    if change.kind in ("move", "transfer-out"):
        within = change.kind == "move"
        body: dict[str, object] = {
            "effective_on": change.day.isoformat(),
            "same_pooling_area": within,
        }
        if within:
            assert change.to_serial is not None
            body["new_unit_id"] = unit_ids[change.to_serial]
        else:
            body["destination"] = ELSEWHERE
        client.post(
            f"/v1/enrollment/persons/{person}/transfer-out",
            headers={**clerk, "Idempotency-Key": key},
            json=body,
        ).raise_for_status()
        return
    steps = [(change.kind.split("-")[0], change.day)]
    if change.kind == "suspension-resumption":
        steps.append(("resumption", change.day + timedelta(days=45)))
    for step, (kind, on) in enumerate(steps):
        client.post(
            f"/v1/enrollment/persons/{person}/status-changes",
            headers={**clerk, "Idempotency-Key": f"{key}-{step}"},
            json={"change_type": kind, "effective_on": on.isoformat(), "reason": "示范数据"},
        ).raise_for_status()


def report_death(
    client: httpx.Client,
    clerks: tuple[dict[str, str], dict[str, str]],
    person: str,
    on: date,
    reason: str,
    key: str,
) -> None:
    """A death entered by one clerk and approved by a second (four eyes, issue #17)."""
    clerk, clerk2 = clerks
    r = client.post(
        f"/v1/enrollment/persons/{person}/death-reports",
        headers={**clerk, "Idempotency-Key": f"{key}-report"},
        json={"date_of_death": on.isoformat(), "reason": reason, "document": f"死亡证明 {key}"},
    )
    r.raise_for_status()
    client.post(
        f"/v1/enrollment/death-reports/{r.json()['id']}/approve",
        headers={**clerk2, "Idempotency-Key": f"{key}-approve"},
    ).raise_for_status()


def _arrive(
    client: httpx.Client, clerk: dict[str, str], arrival: Arrival, unit_ids: dict[int, str]
) -> None:
    """A transfer in from another pooling area."""
    client.post(
        "/v1/enrollment/transfers-in",
        headers={**clerk, "Idempotency-Key": f"demo-arrival-{arrival.citizen_id}"},
        json={
            "citizen_id": arrival.citizen_id,
            "name": arrival.name,
            "unit_id": unit_ids[arrival.serial],
            "staff_category": "public_institution_staff",
            "joined_on": arrival.joined_on.isoformat(),
            "origin": ELSEWHERE,
            "basic_amount": arrival.basic_amount,
            "pooled_fund_amount": arrival.pooled_fund_amount,
            "contribution_months": arrival.months,
        },
    ).raise_for_status()
