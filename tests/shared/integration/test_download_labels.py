"""Coded columns of a download show their code table's labels in the caller's language, the
same in the streamed file and in an export job's; an export job's progress is rows written of
rows to write (tests/architecture/test_download_labels.py checks every route's columns)."""

import pytest

from services.enrollment.main import create_app
from shared.http import downloads
from shared.jobs import outputs
from tests.conftest import auth_headers, running_app
from tests.e2e import downloads_compare
from tests.enrollment.helpers import enrol, register_unit
from tests.job_wait import wait_for_job
from tests.support.downloaded_files import cells

pytestmark = pytest.mark.asyncio(loop_scope="session")
PERSONS = "/v1/enrollment/persons"
UNITS = "/v1/enrollment/units"
# Per language: the labels 性别 may hold (sequence 500 and 502 are women, 501 a man).
SEXES = {"zh-CN": {"女", "男"}, "en": {"Female", "Male"}}
RAW = {"female", "male", "worker", "active", "government_agency", "public_institution"}


def column(rows: list[list[object]], title: str) -> list[object]:
    """A file's column under its heading."""
    at = rows[0].index(title)
    return [row[at] for row in rows[1:]]


async def test_coded_columns_show_labels_in_the_callers_language_streamed_and_as_a_job(
    platform,
) -> None:
    as_job = platform.model_copy(update={"export_job_rows": 2})
    async with (
        running_app(create_app(platform)) as direct,
        running_app(create_app(as_job)) as exporting,
    ):
        unit = await register_unit(direct, platform)
        await enrol(direct, platform, unit, 3)
        for language, sexes in SEXES.items():
            asker = auth_headers(platform, "clerk") | {"Accept-Language": language}
            for fmt in ("csv", "xlsx"):
                query = {"format": fmt, "unit_id": unit["id"]}
                streamed = await direct.get(PERSONS, params=query, headers=asker)
                assert streamed.status_code == 200, streamed.text
                accepted = await exporting.get(PERSONS, params=query, headers=asker)
                assert accepted.status_code == 202, accepted.text
                job = await wait_for_job(exporting, accepted, asker)
                assert job["state"] == "succeeded", job
                got = await exporting.get(f"{accepted.headers['location']}/file", headers=asker)
                files = cells(fmt, streamed.content), cells(fmt, got.content)
                assert files[0] == files[1], (language, fmt)
                rows = files[0]
                assert sorted(column(rows, "性别")) == sorted(
                    ["Female", "Male", "Female"] if language == "en" else ["女", "男", "女"]
                ), (language, fmt)
                assert set(column(rows, "性别")) == sexes
                coded = column(rows, "人员类别") + column(rows, "参保状态")
                assert not RAW & set(coded), (language, fmt, coded)
            await _compared_as_the_e2e_walk_does(direct, asker, unit["id"])
            # A Literal-typed column (the unit's kind and status) is labelled too.
            units = await direct.get(UNITS, params={"format": "csv"}, headers=asker)
            kinds = column(cells("csv", units.content), "单位类型")
            assert kinds and not RAW & set(kinds), (language, kinds)


async def _compared_as_the_e2e_walk_does(client, asker: dict[str, str], unit_id: str) -> None:
    """The e2e walk's comparison (tests/e2e/downloads_compare.py), which refuses a raw code
    in a coded column, passes for the persons' files."""
    spec = (await client.get("/v1/enrollment/openapi.json")).json()
    [(schema, _)] = downloads_compare.row_schemas(spec["paths"][PERSONS]["get"], spec)
    labels: dict[str, set[str]] = {}
    for table in (await client.get("/v1/enrollment/code-tables", headers=asker)).json().values():
        for value, label in table.items():
            labels.setdefault(value, set()).add(label)
    query = {"unit_id": unit_id}
    rows = (await client.get(PERSONS, params=query, headers=asker)).json()["items"]
    files = [
        (await client.get(PERSONS, params=query | {"format": f}, headers=asker)).content
        for f in ("csv", "xlsx")
    ]
    cols = downloads_compare.columns(schema, spec)
    assert any(c[2]["x-enum"] for c in cols if c[1] == "性别")
    downloads_compare.compare(rows, cols, *files, labels, PERSONS)
    # A raw code where its label belongs is refused.
    [female] = labels["female"]
    raw = files[0].replace(female.encode(), b"female")
    assert raw != files[0]
    with pytest.raises(AssertionError):
        downloads_compare.compare(rows, cols, raw, files[1], labels, PERSONS)


async def test_an_export_jobs_progress_is_rows_written_of_rows_to_write(
    platform, monkeypatch
) -> None:
    monkeypatch.setattr(downloads, "BATCH_ROWS", 2)
    monkeypatch.setattr(outputs, "PROGRESS_SECONDS", 0)
    seen: list[tuple[int, int | None]] = []
    report = outputs._RowsWritten.report
    app = create_app(platform.model_copy(update={"export_job_rows": 2}))
    async with running_app(app) as client:
        clerk = auth_headers(platform, "clerk")

        async def observed(self, done: int, total: int | None) -> None:
            await report(self, done, total)  # committed: a client reads it now
            job = await client.get(f"/v1/enrollment/jobs/{self.ctx.job.id}", headers=clerk)
            seen.append((job.json()["done"], job.json()["total"]))

        monkeypatch.setattr(outputs._RowsWritten, "report", observed)
        unit = await register_unit(client, platform)
        await enrol(client, platform, unit, 5)
        accepted = await client.get(
            PERSONS, params={"format": "csv", "unit_id": unit["id"]}, headers=clerk
        )
        assert accepted.status_code == 202, accepted.text
        assert (accepted.json()["done"], accepted.json()["total"]) == (0, 5)
        job = await wait_for_job(client, accepted, clerk)
        assert job["state"] == "succeeded", job
        # Batches of two: a bar a client can draw, rows written of the five to write.
        assert seen == [(2, 5), (4, 5), (5, 5)]
        assert (job["done"], job["total"], job["result"]["rows"]) == (5, 5, 5)
        got = await client.get(f"{accepted.headers['location']}/file", headers=clerk)
        assert len(cells("csv", got.content)) == 6  # the heading and five persons
