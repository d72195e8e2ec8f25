"""The payout demo of `make up`, run against a small county through the gateway."""

import time

import httpx

from deploy.local.demo import PoliteClient, demo_credit_code
from deploy.local.demo_payout import load_payout_demo
from deploy.local.demo_progress import Phases
from tests.e2e.conftest import System, login
from tests.enrollment.helpers import citizen_id


def test_the_payout_demo_pays_a_year_and_is_safe_to_repeat(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    with httpx.Client(base_url=system.gateway, headers=clerk, timeout=30) as gw:
        unit = gw.post(
            "/v1/enrollment/units",
            json={
                "credit_code": demo_credit_code(51),
                "name": "县老干部局",
                "funding_type": "full",
            },
        ).json()
        for n in range(6):
            person = gw.post(
                "/v1/enrollment/persons",
                json={
                    "citizen_id": citizen_id(birth="19550315", seq=f"5{n}1"),
                    "name": f"老干部{n}",
                    "unit_id": unit["id"],
                    "staff_category": "civil_servant",
                    "joined_on": "1980-07-01",
                },
            ).json()
            r = gw.post(
                f"/v1/enrollment/persons/{person['id']}/retirement",
                json={
                    "retired_on": f"2015-0{4 + n % 3}-01",
                    "deemed_months": 290,
                    "deemed_index": "1.1000",
                    "deemed_document": f"人事档案 DEMO-5{n}1",
                    "bank_account": {
                        "bank_code": "PSBC",
                        "account_number": f"62218851{n:08d}",
                        "account_name": f"老干部{n}",
                    },
                },
            )
            assert r.status_code == 201, r.text
        deadline = time.monotonic() + 30
        while gw.get("/v1/payout/determinations", params={"limit": 1}).json()["total"] < 6:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    with PoliteClient(base_url=system.gateway, timeout=300) as client:
        first = load_payout_demo(client, Phases())
        again = load_payout_demo(client, Phases())
    assert first["retirees"] == 6
    assert {"basic_pension", "living_subsidy", "death_benefit"} <= set(first["totals"])
    # Four quarters for four, the first three for the deceased, and four for the one suspended
    # until July too: the quarters run while suspended are back-paid once on resumption.
    assert first["totals"]["living_subsidy"] == (4 * 4 + 3 + 4) * 6000
    assert again == first
