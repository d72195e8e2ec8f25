"""The client of docs/banks.md §3, run as written (urllib, the demo client and signing
secrets) against the whole system behind the gateway: one credit recorded, one held as
待查明款项, and the bank's own list shows what it posted."""

import copy
import time

import httpx

from deploy.local.demo import demo_credit_code
from tests.bank_docs import example
from tests.e2e.conftest import System, login
from tests.support.waits import until


def test_the_documented_client_works_through_the_gateway(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    with httpx.Client(base_url=system.gateway, headers=clerk, timeout=30) as gw:
        r = gw.post(
            "/v1/enrollment/units",
            json={"credit_code": demo_credit_code(42), "name": "县档案馆", "funding_type": "full"},
        )
        assert r.status_code == 201, r.text
        unit = r.json()
        # Contribution learns the unit from enrollment's event: wait until it is on the roster.
        statement = f"/v1/contribution/units/{unit['id']}/statement/2020"
        until(lambda: gw.get(statement).status_code == 200)

    client = example()
    client.GATEWAY = system.gateway
    # The page's payer is demo unit 1; here the unit just registered.
    client.RECEIPTS = copy.deepcopy(client.RECEIPTS)
    client.RECEIPTS["receipts"][0]["unit_credit_code"] = unit["credit_code"]
    target = f"/v1/contribution/bank/{client.BANK}/receipts"
    bearer = client.token()  # the client secret, not the signing secret

    answer = client.post(bearer, target, client.RECEIPTS)
    assert (answer["recorded"], answer["already_recorded"], answer["suspense"]) == (1, 0, 1)
    assert [r["outcome"] for r in answer["results"]] == ["recorded", "suspense"]
    assert answer["results"][1]["suspense"]["status_label"] == "待查明"
    time.sleep(1)  # a new second: a new timestamp, so a new signature (docs §2)
    again = client.post(bearer, target, client.RECEIPTS)
    assert (again["recorded"], again["already_recorded"], again["suspense"]) == (0, 1, 1)

    bank = {"Authorization": f"Bearer {bearer}"}
    mine = httpx.get(
        f"{system.gateway}/v1/contribution/bank/{client.BANK}/receipts",
        params={"reference": "PSBC-20260101-0001"},
        headers=bank,
    ).json()
    assert [x["amount"] for x in mine["items"]] == ["1000.00"]
    held = httpx.get(
        f"{system.gateway}/v1/contribution/bank/{client.BANK}/suspense", headers=bank
    ).json()
    assert [x["reference"] for x in held["items"]] == ["PSBC-20260101-0002"]
