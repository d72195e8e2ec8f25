"""Enrollment's audit trail: every registration (one or by import), what an update changed,
and refused attempts, read back through the auditor's endpoint."""

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit
from tests.job_wait import imported as import_report

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _log(client, platform, **filters: str) -> dict:
    r = await client.get(
        "/v1/enrollment/audit-log",
        params={"limit": 500, **filters},
        headers=auth_headers(platform, "auditor"),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_every_registered_person_has_an_entry_one_by_one_or_imported(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        clerk = auth_headers(platform, "clerk", subject="clerk-1", **{"X-Request-Id": "req-one"})
        one = await client.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={
                "citizen_id": citizen_id(seq="701"),
                "name": "甲",
                "unit_id": unit["id"],
                "staff_category": "civil_servant",
                "joined_on": "2005-07-01",
            },
        )
        assert one.status_code == 201, one.text
        rows = [f"{citizen_id(seq=f'{n:03d}')},职工{n},工勤人员,2011-09-01" for n in range(1, 41)]
        content = ("身份证号,姓名,人员类别,参保日期\n" + "\n".join(rows) + "\n").encode()
        importer = auth_headers(platform, "clerk", subject="clerk-2")
        report = await client.post(
            f"/v1/enrollment/units/{unit['id']}/persons/import",
            headers=importer,
            files={"file": ("staff.csv", content)},
        )
        # The request is audited as queued; the job writes the persons' entries.
        [queued] = (await _log(client, platform, action="persons_import.queued"))["items"]
        assert (queued["object_id"], queued["detail"]["job_id"]) == (
            unit["id"],
            report.json()["id"],
        )
        report = await import_report(client, report, importer)
        assert report.json()["accepted"] == 40, report.text
        log = await _log(client, platform, action="person.registered")
        assert log["total"] == 41
        entries = log["items"]
        assert len({e["object_id"] for e in entries}) == 41  # one per person
        single = next(e for e in entries if e["actor"] == "clerk-1")
        assert single["object_id"] == one.json()["id"] and single["request_id"] == "req-one"
        assert single["roles"] == ["clerk"] and single["object_type"] == "person"
        assert single["detail"] == {
            "unit_id": unit["id"],
            "joined_on": "2005-07-01",
            "staff_category": "civil_servant",
            "via": "registration",
        }
        imported = [e for e in entries if e["actor"] == "clerk-2"]
        assert {e["detail"]["via"] for e in imported} == {"import"}
        [kept] = (await _log(client, platform, action="persons.imported"))["items"]
        assert kept["object_id"] == report.json()["id"] and kept["object_type"] == "import_report"
        assert (kept["detail"]["accepted"], kept["detail"]["failed"]) == (40, 0)
        # A status change says which status it ended.
        suspended = await client.post(
            f"/v1/enrollment/persons/{one.json()['id']}/status-changes",
            headers=clerk,
            json={"change_type": "suspension", "effective_on": "2015-01-01", "reason": "停保"},
        )
        assert suspended.status_code == 201, suspended.text
        [entry] = (await _log(client, platform, action="person.suspension"))["items"]
        assert entry["detail"]["changes"] == {"status": {"before": "active", "after": "suspended"}}
        # Importing the same file again registers nobody: the import's entry only.
        again = await client.post(
            f"/v1/enrollment/units/{unit['id']}/persons/import",
            headers=importer,
            files={"file": ("staff.csv", content)},
        )
        assert (await import_report(client, again, importer)).json()["unchanged"] == 40
        assert (await _log(client, platform, action="person.registered"))["total"] == 41
        assert (await _log(client, platform, action="persons.imported"))["total"] == 2


async def test_an_update_records_the_changed_fields_before_and_after(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        r = await client.patch(
            f"/v1/enrollment/units/{unit['id']}",
            headers=auth_headers(platform, "clerk"),
            json={"name": unit["name"], "contact_name": "王五", "reason": "联系人变更"},
        )
        assert r.status_code == 200, r.text
        log = await _log(client, platform, action="unit.updated", object_id=unit["id"])
        assert log["total"] == 1
        detail = log["items"][0]["detail"]
        # The unchanged name is not listed; the changed contact is, before and after.
        assert detail["changes"] == {"contact_name": {"before": None, "after": "王五"}}
        assert detail["reason"] == "联系人变更"
        target = await client.put(
            "/v1/enrollment/parameters/coverage-targets/2024",
            headers=auth_headers(platform, "admin"),
            json={"target": 1000},
        )
        assert target.status_code == 200, target.text
        await client.put(
            "/v1/enrollment/parameters/coverage-targets/2024",
            headers=auth_headers(platform, "admin"),
            json={"target": 1200},
        )
        versions = (await _log(client, platform, action="coverage_target.set"))["items"]
        assert [v["detail"]["changes"]["target"] for v in versions] == [
            {"before": 1000, "after": 1200},
            {"before": None, "after": 1000},
        ]


async def test_a_refused_attempt_is_recorded_once_per_minute_and_changes_nothing(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        finance = auth_headers(platform, "finance", subject="fin-9", **{"X-Request-Id": "deny-1"})
        for _ in range(5):  # the same refusal, five times within the minute
            r = await client.patch(
                f"/v1/enrollment/units/{unit['id']}",
                headers=finance,
                json={"name": "改名", "reason": "试一试"},
            )
            assert r.status_code == 403
        log = await _log(client, platform, action="access.denied")
        assert log["total"] == 1
        entry = log["items"][0]
        assert (entry["actor"], entry["roles"], entry["request_id"]) == (
            "fin-9",
            ["finance"],
            "deny-1",
        )
        assert entry["object_id"] == "PATCH /v1/enrollment/units/{unit_id}"  # no ids
        assert entry["detail"]["code"] == "role_forbidden" and entry["detail"]["status"] == 403
        assert (await _log(client, platform, action="unit.updated"))["total"] == 0
        # The auditor filters refusals by actor.
        assert (await _log(client, platform, action="access.denied", actor="fin-9"))["total"] == 1
