"""Registering units and persons in the enrollment service (real PostgreSQL)."""

import uuid

import pytest

from deploy.local.demo import demo_credit_code
from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, counts, register_unit

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_person_gets_birth_date_and_sex_from_the_id(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        assert unit["kind"] == "public_institution"
        r = await client.post(
            "/v1/enrollment/persons",
            headers=auth_headers(platform, "clerk"),
            json={
                "citizen_id": citizen_id(),
                "name": "张三",
                "unit_id": unit["id"],
                "staff_category": "civil_servant",
                "joined_on": "2005-07-01",
            },
        )
        assert r.status_code == 201, r.text
        person = r.json()
        assert (person["birth_date"], person["sex"]) == ("1980-03-15", "male")
        assert await counts(platform) == {"unit": 1, "person": 1, "status_change": 1, "outbox": 2}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"citizen_id": "330522198003151230"}, "citizen_id"),
        ({"citizen_id": "33052219800315123"}, "citizen_id"),
        ({"sex": "female"}, "sex"),
        ({"birth_date": "1980-03-16"}, "birth_date"),
        ({"joined_on": "2999-01-01"}, "joined_on"),
        ({"joined_on": "1970-01-01"}, "joined_on"),
        ({"staff_category": "astronaut"}, "staff_category"),
        ({"unit_id": "not-a-uuid"}, "unit_id"),
        ({"name": None}, "name"),
    ],
)
async def test_invalid_person_is_a_422_naming_the_field_and_writes_nothing(
    platform,
    change: dict,
    field: str,
) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        before = await counts(platform)
        body = {
            "citizen_id": citizen_id(),
            "name": "李四",
            "unit_id": unit["id"],
            "staff_category": "worker",
            "joined_on": "2010-01-01",
            **change,
        }
        r = await client.post(
            "/v1/enrollment/persons", json=body, headers=auth_headers(platform, "clerk")
        )
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["code"] == "validation_failed"
        assert field in [e["field"] for e in problem["errors"]]
        assert await counts(platform) == before


async def test_unknown_unit_and_second_relation_are_refused(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        headers = auth_headers(platform, "clerk")
        body = {
            "citizen_id": citizen_id(),
            "name": "王五",
            "unit_id": str(uuid.uuid4()),
            "staff_category": "worker",
            "joined_on": "2010-01-01",
        }
        unknown = await client.post("/v1/enrollment/persons", json=body, headers=headers)
        assert (unknown.status_code, unknown.json()["code"]) == (422, "unit_unknown")
        first = await client.post(
            "/v1/enrollment/persons", headers=headers, json={**body, "unit_id": unit["id"]}
        )
        assert first.status_code == 201
        again = await client.post(
            "/v1/enrollment/persons", headers=headers, json={**body, "unit_id": unit["id"]}
        )
        assert again.status_code == 409
        assert again.json()["code"] == "person_already_enrolled"
        assert again.json()["person_id"] == first.json()["id"]
        assert (await counts(platform))["person"] == 1


async def test_credit_code_checks_and_admin_override(platform) -> None:
    async with running_app(create_app(platform)) as client:
        bad_code = demo_credit_code(9)[:-1] + ("0" if demo_credit_code(9)[-1] != "0" else "1")
        body = {"credit_code": bad_code, "name": "老单位", "funding_type": "self"}
        refused = await client.post(
            "/v1/enrollment/units", json=body, headers=auth_headers(platform, "clerk")
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "credit_code"
        override = {**body, "code_check_override_reason": "1998年赋码，早期代码"}
        by_clerk = await client.post(
            "/v1/enrollment/units", json=override, headers=auth_headers(platform, "clerk")
        )
        assert (by_clerk.status_code, by_clerk.json()["code"]) == (403, "code_override_forbidden")
        by_admin = await client.post(
            "/v1/enrollment/units",
            json=override,
            headers=auth_headers(platform, "admin", subject="root"),
        )
        assert by_admin.status_code == 201
        assert by_admin.json()["code_check_overridden_by"] == "root"
        dup = await client.post(
            "/v1/enrollment/units", json=override, headers=auth_headers(platform, "admin")
        )
        assert (dup.status_code, dup.json()["code"]) == (409, "unit_already_registered")


async def test_ids_are_masked_for_auditors_and_roles_are_enforced(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        cid = citizen_id()
        created = await client.post(
            "/v1/enrollment/persons",
            headers=auth_headers(platform, "clerk"),
            json={
                "citizen_id": cid,
                "name": "赵六",
                "unit_id": unit["id"],
                "staff_category": "worker",
                "joined_on": "2010-01-01",
            },
        )
        path = f"/v1/enrollment/persons/{created.json()['id']}"
        as_auditor = await client.get(path, headers=auth_headers(platform, "auditor"))
        masked = as_auditor.json()
        assert masked["citizen_id"] == cid[:6] + "**********" + cid[-2:]
        assert masked["birth_date"] == cid[6:10] + "-**-**"  # the birth year at most
        as_clerk = await client.get(path, headers=auth_headers(platform, "clerk"))
        assert as_clerk.json()["citizen_id"] == cid
        assert as_clerk.json()["birth_date"] == f"{cid[6:10]}-{cid[10:12]}-{cid[12:14]}"
        found = await client.get(
            "/v1/enrollment/persons",
            params={"citizen_id": cid},
            headers=auth_headers(platform, "clerk"),
        )
        assert found.json()["total"] == 1
        # A search by id would tell a masked-id reader which candidate is the real one.
        oracle = await client.get(
            "/v1/enrollment/persons",
            params={"citizen_id": cid},
            headers=auth_headers(platform, "auditor"),
        )
        assert (oracle.status_code, oracle.json()["code"]) == (403, "citizen_id_search_forbidden")
        no_token = await client.get(path)
        assert (no_token.status_code, no_token.json()["code"]) == (401, "token_missing")
        wrong_role = await client.post(
            "/v1/enrollment/units", json={}, headers=auth_headers(platform, "auditor")
        )
        assert (wrong_role.status_code, wrong_role.json()["code"]) == (403, "role_forbidden")
