"""Helpers: a small county registered in enrollment and visible in contribution's roster."""

from dataclasses import dataclass, field

from deploy.local.demo import demo_credit_code
from tests.conftest import auth_headers
from tests.enrollment.integration.test_registration import citizen_id
from tests.shared.integration.helpers import eventually


@dataclass
class County:
    """What the helpers registered: units by name, persons by unit."""

    units: dict[str, dict] = field(default_factory=dict)
    persons: dict[str, list[dict]] = field(default_factory=dict)


async def register(
    enrollment, contribution, platform, units: dict[str, tuple[str, int, str]]
) -> County:
    """Register units {name: (funding_type, staff, joined_on)} with their staff; wait for the
    roster to hold them all."""
    clerk = auth_headers(platform, "clerk")
    county = County()
    for serial, (name, (funding, staff, joined)) in enumerate(units.items(), start=11):
        r = await enrollment.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": demo_credit_code(serial), "name": name, "funding_type": funding},
        )
        assert r.status_code == 201, r.text
        county.units[name] = r.json()
        county.persons[name] = []
        for n in range(staff):
            r = await enrollment.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(seq=f"{serial}{n}"[-3:].rjust(3, "1")),
                    "name": f"{name}{n}",
                    "unit_id": county.units[name]["id"],
                    "staff_category": "civil_servant",
                    "joined_on": joined,
                },
            )
            assert r.status_code == 201, r.text
            county.persons[name].append(r.json())
    total = sum(len(p) for p in county.persons.values())

    async def roster_complete() -> bool:
        r = await contribution.get(
            "/v1/contribution/roster/persons", params={"limit": 1}, headers=clerk
        )
        return r.json()["total"] == total

    await eventually(roster_complete)
    return county


async def declare_and_approve(contribution, platform, unit: dict, year: int, lines: list) -> dict:
    """A declaration submitted by one clerk and approved by another."""
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=auth_headers(platform, "clerk", subject="clerk-a"),
        json={"unit_id": unit["id"], "year": year, "lines": lines},
    )
    assert r.status_code == 201, r.text
    declaration = r.json()
    r = await contribution.post(
        f"/v1/contribution/declarations/{declaration['id']}/submit",
        headers=auth_headers(platform, "clerk", subject="clerk-a"),
    )
    assert r.status_code == 200, r.text
    r = await contribution.post(
        f"/v1/contribution/declarations/{declaration['id']}/approve",
        headers=auth_headers(platform, "clerk", subject="clerk-b"),
        json={},
    )
    assert r.status_code == 200, r.text
    return r.json()


def wage_lines(persons: list[dict], wage: str) -> list[dict]:
    """Every person at the same wage."""
    return [{"citizen_id": p["citizen_id"], "name": p["name"], "wage": wage} for p in persons]


async def generate(contribution, platform, period: str) -> dict:
    """Generate a month's plans."""
    r = await contribution.post(
        "/v1/contribution/plans/generate",
        headers=auth_headers(platform, "clerk"),
        json={"period": period},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def pay(contribution, platform, unit: dict, amount: str, on: str, key: str) -> dict:
    """A counter receipt."""
    r = await contribution.post(
        "/v1/contribution/receipts",
        headers=auth_headers(platform, "finance", **{"Idempotency-Key": key}),
        json={"unit_id": unit["id"], "amount": amount, "received_on": on},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def plans(contribution, platform, unit: dict) -> list[dict]:
    """A unit's plans, oldest first."""
    r = await contribution.get(
        "/v1/contribution/plans",
        params={"unit_id": unit["id"], "limit": 500},
        headers=auth_headers(platform, "auditor"),
    )
    return r.json()["items"]
