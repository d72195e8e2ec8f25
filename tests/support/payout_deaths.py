"""A retiree's death reported to payout, with a survivor."""

from datetime import date

from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish
from tests.shared.integration.helpers import eventually

SURVIVOR = {
    "survivor_name": "钱小",
    "survivor_citizen_id": "330522198501011233",
    "relationship": "子女",
    "bank_code": "PSBC",
    "account_number": "6221889900001111",
}


async def post(client, platform, path: str, body: dict, who: str = "clerk-x") -> dict:
    r = await client.post(path, headers=auth_headers(platform, "clerk", subject=who), json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def dies(platform, retired: EventEnvelope, on: date) -> None:
    """Publish the death as enrollment would and wait until payout has applied it."""
    person = retired.aggregate_id
    death = PersonDeceased(person_id=person, unit_id=retired.payload["unit_id"], date_of_death=on)
    await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

    async def deceased() -> bool:
        status = await scalar(
            platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
        )
        return status == "deceased"

    await eventually(deceased)
