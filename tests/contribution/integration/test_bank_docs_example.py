"""The example of docs/banks.md §3, run by its own code against the contribution service: one
credit recorded, one held as 待查明款项, the same post again recording nothing."""

import asyncio
import copy
import json

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.bank_docs import example
from tests.conftest import auth_headers
from tests.contribution.helpers import register

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_documented_receipts_post_answers_as_documented(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"示范县交通运输局": ("self", 1, "2019-01-01")}
    )
    client = example()
    receipts = copy.deepcopy(client.RECEIPTS)
    # The page's payer is demo unit 1; here it is this test's unit (the credit codes differ).
    receipts["receipts"][0]["unit_credit_code"] = county.units["示范县交通运输局"]["credit_code"]
    target = f"/v1/contribution/bank/{client.BANK}/receipts"
    bearer = auth_headers(platform, "bank", subject=client.BANK)["Authorization"].split()[1]

    async def post() -> dict:
        body = json.dumps(receipts, separators=(",", ":")).encode()
        r = await contribution.post(
            target, content=body, headers=client.signed_headers(bearer, target, body)
        )
        assert r.status_code == 200, r.text
        return r.json()

    first = await post()
    assert (first["recorded"], first["already_recorded"], first["suspense"]) == (1, 0, 1)
    [recorded, held] = first["results"]
    assert (recorded["outcome"], recorded["receipt"]["amount"], recorded["suspense"]) == (
        "recorded",
        "1000.00",
        None,
    )
    assert (held["outcome"], held["receipt"]) == ("suspense", None)
    assert (held["suspense"]["status"], held["suspense"]["status_label"]) == ("open", "待查明")
    assert held["suspense"]["reason"] == "unit_unknown"
    await asyncio.sleep(1)  # a new second: a new timestamp, so a new signature (docs §2)
    again = await post()
    assert (again["recorded"], again["already_recorded"], again["suspense"]) == (0, 1, 1)
