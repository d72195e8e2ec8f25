"""Registering records whose changes the feeds carry."""

from tests.conftest import auth_headers
from tests.enrollment.helpers import citizen_id


async def register(client, platform, unit: dict, seq: int) -> str:
    """One more person under the unit (citizen id by sequence number); their id."""
    r = await client.post(
        "/v1/enrollment/persons",
        headers=auth_headers(platform, "clerk"),
        json={
            "citizen_id": citizen_id(seq=f"{seq:03d}"),
            "name": f"后来{seq}",
            "unit_id": unit["id"],
            "staff_category": "worker",
            "joined_on": "2016-01-01",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]
