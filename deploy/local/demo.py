"""A small deterministic demo county loaded through the public API (safe to run again)."""

import random
from datetime import date, timedelta

import httpx

from shared.ids import USCC_CHARSET, citizen_check_char, org_code_check_char, uscc_check_char

AREA = "330522"  # a county area code


def demo_credit_code(serial: int, kind: str = "12") -> str:
    """A valid unified social credit code for a demo unit."""
    body8 = f"MB{serial:06d}"
    org = body8 + org_code_check_char(body8)
    first17 = kind + AREA + org
    assert all(c in USCC_CHARSET for c in first17)
    return first17 + uscc_check_char(first17)


def demo_citizen_id(rng: random.Random, birth: date, male: bool) -> str:
    """A valid citizen id for a demo person."""
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0) + 100
    first17 = f"{AREA}{birth:%Y%m%d}{seq:03d}"
    return first17 + citizen_check_char(first17)


def load_demo(gateway_url: str, token: str, units: int = 3, persons_per_unit: int = 5) -> int:
    """Register demo units and staff; returns how many persons exist afterwards."""
    rng = random.Random(20201231)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=10) as client:
        for u in range(1, units + 1):
            code = demo_credit_code(u, "11" if u == 1 else "12")
            r = client.post(
                "/v1/enrollment/units",
                json={
                    "credit_code": code,
                    "name": f"示范县第{u}事业单位" if u > 1 else "示范县人社局",
                    "funding_type": "full" if u % 2 else "partial",
                    "registered_on": "2014-10-01",
                },
                headers={"Idempotency-Key": f"demo-unit-{code}"},
            )
            if r.status_code == 409:
                unit_id = r.json()["unit_id"]
            else:
                r.raise_for_status()
                unit_id = r.json()["id"]
            for p in range(persons_per_unit):
                male = rng.random() < 0.5
                birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
                cid = demo_citizen_id(rng, birth, male)
                r = client.post(
                    "/v1/enrollment/persons",
                    json={
                        "citizen_id": cid,
                        "name": f"示范人员{u:02d}{p:02d}",
                        "unit_id": unit_id,
                        "staff_category": "public_institution_staff",
                        "joined_on": str(max(birth + timedelta(days=365 * 22), date(2014, 10, 1))),
                    },
                    headers={"Idempotency-Key": f"demo-person-{cid}"},
                )
                if r.status_code not in (200, 201, 409):
                    r.raise_for_status()
        return client.get("/v1/enrollment/persons", params={"limit": 1}).json()["total"]
