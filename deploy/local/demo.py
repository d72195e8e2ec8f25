"""A deterministic demo county shaped like the seed's, loaded through the public API.

308 units and about 11,500 staff (imported per unit through the bulk import endpoint), a
year of status changes in 2020 and the year's coverage target. Running it again changes
nothing: units and changes carry idempotency keys and re-imports leave rows unchanged.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from shared.data.ids import USCC_CHARSET, citizen_check_char, org_code_check_char, uscc_check_char

AREA = "330522"  # a county area code
UNITS = 308
STAFF = 11_500
RETIREES = 2_500
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
        funding = "full" if agency or rng.random() < 0.6 else rng.choice(["partial", "self"])
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
        if rng.random() < 0.06:  # the year's new enrolments
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


def _csv(staff: list[tuple[str, str, str, date]]) -> bytes:
    lines = ["citizen_id,name,staff_category,joined_on"]
    lines += [f"{c},{n},{k},{j.isoformat()}" for c, n, k, j, *_ in staff]
    return ("\n".join(lines) + "\n").encode()


class PoliteClient(httpx.Client):
    """An httpx client that honours 429 Retry-After, as callers of the gateway should."""

    def send(self, request: httpx.Request, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        """Send, waiting and retrying while the gateway answers 429."""
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


def load_demo(gateway_url: str) -> dict[str, object]:
    """Load the county through the gateway; returns the 2020 statistics."""
    county = build_county()
    rng = random.Random(2020)
    with PoliteClient(base_url=gateway_url, timeout=60) as client:
        clerk, admin = _token(client, "clerk"), _token(client, "admin")
        for unit in county:
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
            unit_id = (
                r.json()["unit_id"] if r.status_code == 409 else r.raise_for_status().json()["id"]
            )
            client.post(
                f"/v1/enrollment/units/{unit_id}/persons/import",
                headers=clerk,
                files={"file": ("staff.csv", _csv(unit.staff + unit.retirees))},
            ).raise_for_status()
            people = client.get(
                "/v1/enrollment/persons", headers=clerk, params={"unit_id": unit_id, "limit": 500}
            ).json()["items"]
            ids = {p["citizen_id"]: p["id"] for p in people}
            _retire(client, clerk, unit.retirees, ids)
            if rng.random() < 0.5:
                retired = {r[0] for r in unit.retirees}
                working = sorted(  # person ids are random: sample in a stable order
                    (p for p in people if p["citizen_id"] not in retired),
                    key=lambda p: p["citizen_id"],
                )
                _year_of_changes(client, clerk, working, rng)
        client.put(
            "/v1/enrollment/parameters/coverage-targets/2020",
            headers=admin,
            json={"target": 11_500},
        ).raise_for_status()
        return client.get("/v1/enrollment/statistics/2020", headers=clerk).json()


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
                "bank_account": {
                    "bank_code": "PSBC",
                    "account_number": f"62218800{cid[-10:-1]}{number:03d}",
                    "account_name": name,
                },
            },
        ).raise_for_status()


def _year_of_changes(
    client: httpx.Client, clerk: dict[str, str], staff: list[dict], rng: random.Random
) -> None:
    """Suspensions, resumptions and deaths in 2020 for a few of the unit's working staff."""
    for person in rng.sample(staff, k=min(len(staff), rng.randrange(1, 5))):
        if person["joined_on"] >= "2020-01-01":
            continue
        kind = rng.choices(["suspension", "death", "suspension-resumption"], [5, 1, 4])[0]
        day = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 300))
        steps = (
            [("suspension", day), ("resumption", day + timedelta(days=45))]
            if kind == "suspension-resumption"
            else [(kind, day)]
        )
        for step, (change, on) in enumerate(steps):
            client.post(
                f"/v1/enrollment/persons/{person['id']}/status-changes",
                headers={**clerk, "Idempotency-Key": f"demo-change-{person['id']}-{step}"},
                json={"change_type": change, "effective_on": on.isoformat(), "reason": "示范数据"},
            )
