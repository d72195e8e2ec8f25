"""批量接管 (issue #23): retirees taken over from a file in a job, line by line reported,
checked and approved as a batch by two people, the same determinations as the single route,
and an interrupted import resumed without taking anyone over twice."""

import asyncio

import pytest

from services.payout.config import SCHEMA
from services.payout.main import create_app
from services.payout.takeover_imports import job as import_job
from services.payout.takeover_imports import service
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, scalar
from tests.job_wait import wait_for_job
from tests.payout.integration.helpers import key
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test, resume_with_a_second_runner

pytestmark = pytest.mark.asyncio(loop_scope="session")

HEADER = (
    "身份证号,姓名,退休日期,开户银行代码,银行账号,账户名,本系统起付月份,月基本养老金,"
    "基础养老金,个人账户养老金,历年调待,基本养老保险个人账户余额,最近认证日期,接管原因"
)
IMPORT = "/v1/payout/taken-over-retirees/imports"


def line(cid: str, name: str = "接管老人", amount: str = "3456.78", **over: str) -> str:
    """One CSV line of the template's columns (fields replaced by `over`)."""
    fields = {
        "citizen_id": cid,
        "name": name,
        "retired_on": "2005-01-31",
        "bank_code": "PSBC",
        "account_number": "6221880000006701",
        "account_name": name,
        "effective_from": "2025-01-01",
        "monthly_amount": amount,
        "basic_pension": "2000.00",
        "account_pension": "500.00",
        "adjustments": "800.00",
        "basic_balance": "30000.00",
        "last_certified_on": "2024-12-01",
        "reason": "系统上线接管",
    } | over
    return ",".join(fields.values())


def csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def clerk(platform, who: str, role: str = "clerk") -> dict[str, str]:
    return auth_headers(platform, role, subject=who) | key()


async def imported(client, platform, content: bytes, who: str = "clerk-maker") -> dict:
    """Upload a file and wait for its job; the job's result."""
    r = await client.post(IMPORT, headers=clerk(platform, who), files={"file": ("r.csv", content)})
    job = await wait_for_job(client, r, auth_headers(platform, "clerk", subject=who))
    assert job["state"] == "succeeded", job
    return job["result"]


async def test_a_file_s_good_lines_are_taken_over_and_its_bad_ones_reported(platform) -> None:
    ids = [citizen_id(birth="19450101", seq=f"{n}1") for n in range(70, 80)]
    async with running_app(create_app(platform)) as client:
        # Taken over before through the single route: the file cannot take them over again.
        single = "/v1/payout/taken-over-retirees"
        body = {
            "citizen_id": ids[9],
            "name": "已接管",
            "retired_on": "2005-01-31",
            "bank_code": "PSBC",
            "account_number": "6221880000006709",
            "account_name": "已接管",
            "effective_from": "2025-01-01",
            "monthly_amount": "3000.00",
            "reason": "逐人接管",
        }
        r = await client.post(single, headers=clerk(platform, "clerk-x"), json=body)
        assert r.status_code == 201, r.text
        content = csv(
            line(ids[0], "甲"),  # row 2
            line(ids[1], "乙", amount="2000.00"),  # 3: components 3300 > 2000
            line(ids[2], "丙", amount="60000.00"),  # 4: above the ceiling
            line(ids[3], "丁", effective_from="2025-01-15"),  # 5: not a first of month
            line(ids[0], "甲"),  # 6: repeats row 2
            line(ids[9], "已接管"),  # 7: a retiree already
            line(ids[4], "戊", retired_on=""),  # 8: a required value missing
            line("330522194501017", "己"),  # 9: not a citizen id
            line(ids[5], "庚", amount="¥12345.60"),  # 10: a lenient amount, taken
        )
        result = await imported(client, platform, content)
        batch_id = result["batch_id"]
        assert {k: result[k] for k in ("total_rows", "accepted", "failed")} == {
            "total_rows": 9,
            "accepted": 2,
            "failed": 7,
        }
        reader = auth_headers(platform, "clerk")
        report = (await client.get(result["report_url"], headers=reader)).json()
        codes = {r["row"]: [e["code"] for e in r["errors"]] for r in report["rows"]}
        assert codes == {
            2: [],
            3: ["components_exceed_amount"],
            4: ["amount_above_bound"],
            5: ["first_of_month_required"],
            6: ["import_duplicate_row"],
            7: ["import_retiree_exists"],
            8: ["import_value_missing"],
            9: ["import_citizen_id_invalid"],
            10: [],
        }
        [dup] = [r for r in report["rows"] if r["row"] == 6]
        assert "2" in dup["errors"][0]["message"]  # names the first row, in Chinese
        english = auth_headers(platform, "clerk") | {"Accept-Language": "en"}
        report_en = (await client.get(result["report_url"], headers=english)).json()
        [exists] = [r for r in report_en["rows"] if r["row"] == 7]
        assert exists["errors"][0]["message"].startswith("This person is a retiree")
        # Refused lines wrote nothing: two new retirees and determinations, besides the one.
        assert await scalar(platform, "SELECT count(*) FROM payout.retiree") == 3
        made = await scalar(
            platform,
            "SELECT string_agg(d.monthly_amount || ' ' || d.status, ',' ORDER BY l.line) "
            f"FROM payout.takeover_batch_line l JOIN payout.determination d "
            f"ON d.id = l.determination_id WHERE l.batch_id = '{batch_id}'",
        )
        assert made == "3456.78 pending,12345.60 pending"
        audits = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action IN "
            "('retiree.taken_over', 'determination.created') "
            f"AND detail->>'batch_id' = '{batch_id}'",
        )
        assert audits == 4
        batch = (await client.get(result["batch_url"], headers=reader)).json()
        assert (batch["status"], batch["accepted"], batch["created_by"]) == (
            "imported",
            2,
            "clerk-maker",
        )
        download = await client.get(f"{result['report_url']}.xlsx", headers=reader)
        assert download.status_code == 200
        template = "/v1/payout/taken-over-retirees/imports/template.xlsx"
        assert (await client.get(template, headers=reader)).status_code == 200
        # A file without the required columns is refused at once, naming them.
        r = await client.post(
            IMPORT, headers=clerk(platform, "clerk-maker"), files={"file": ("r.csv", b"a,b\n1,2\n")}
        )
        assert (r.status_code, r.json()["code"]) == (422, "import_columns_missing")


async def test_a_batch_is_checked_and_approved_by_two_people(platform) -> None:
    ids = [citizen_id(birth="19460202", seq=f"{n}1") for n in range(60, 63)]
    async with running_app(create_app(platform)) as client:
        result = await imported(client, platform, csv(*(line(i) for i in ids)))
        base = f"/v1/payout/takeover-batches/{result['batch_id']}"
        r = await client.post(f"{base}/approve", headers=clerk(platform, "clerk-b"))
        assert (r.status_code, r.json()["code"]) == (409, "takeover_batch_wrong_state")
        r = await client.post(f"{base}/check", headers=clerk(platform, "clerk-x", "admin"))
        assert (r.status_code, r.json()["code"]) == (403, "approver_role_required")
        r = await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))
        assert (r.status_code, r.json()["status"]) == (200, "checked"), r.text
        for who, role, code in (
            ("clerk-maker", "clerk", "four_eyes_required"),  # who imported it
            ("clerk-a", "clerk", "four_eyes_required"),  # who checked it
            ("admin-z", "admin", "approver_role_required"),
        ):
            r = await client.post(f"{base}/approve", headers=clerk(platform, who, role))
            assert (r.status_code, r.json()["code"]) == (403, code), who
        paid = "SELECT count(*) FROM payout.retiree WHERE first_month IS NOT NULL"
        assert await scalar(platform, paid) == 0
        r = await client.post(f"{base}/approve", headers=clerk(platform, "clerk-b"))
        assert r.status_code == 200, r.text
        batch = r.json()
        assert (batch["status"], batch["checked_by"], batch["approved_by"]) == (
            "approved",
            "clerk-a",
            "clerk-b",
        )
        states = await scalar(
            platform,
            "SELECT string_agg(DISTINCT status || ' ' || created_by || ' ' || checked_by || ' '"
            " || approved_by, ',') FROM payout.determination",
        )
        assert states == "approved clerk-maker clerk-a clerk-b"
        assert await scalar(platform, paid) == 3
        assert await scalar(platform, "SELECT min(first_month)::text FROM payout.retiree") == (
            "2025-01-01"
        )
        audits = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action IN "
            "('determination.check', 'determination.approve', 'takeover_batch.check', "
            "'takeover_batch.approve')",
        )
        assert audits == 3 + 3 + 1 + 1
        r = await client.post(f"{base}/approve", headers=clerk(platform, "clerk-c"))
        assert (r.status_code, r.json()["code"]) == (409, "takeover_batch_wrong_state")


async def test_the_ceiling_in_force_is_checked_again_on_approval(platform) -> None:
    async with running_app(create_app(platform)) as client:
        result = await imported(client, platform, csv(line(citizen_id("19460505", "611"))))
        base = f"/v1/payout/takeover-batches/{result['batch_id']}"
        assert (await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))).is_success
        bounds = (
            await client.get(
                "/v1/payout/parameters",
                params={"name": "amount_bounds"},
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"][-1]["value"]
        await set_parameter(
            client,
            platform,
            {
                "name": "amount_bounds",
                "effective_from": "2025-01-01",
                "value": bounds | {"monthly_ceiling": "3000.00"},
                "note": "月额上限下调",
            },
        )
        r = await client.post(f"{base}/approve", headers=clerk(platform, "clerk-b"))
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (
            422,
            "amount_above_bound",
            "monthly_amount",
        )
        assert await scalar(platform, "SELECT status FROM payout.determination") == "checked"


async def test_a_batch_returned_is_taken_over_again_by_a_corrected_file(platform) -> None:
    a, b, c = (citizen_id("19470606", f"{n}1") for n in (71, 72, 73))
    async with running_app(create_app(platform)) as client:
        first = await imported(client, platform, csv(line(a, "甲"), line(b, "乙")))
        base = f"/v1/payout/takeover-batches/{first['batch_id']}"
        assert (await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))).is_success
        r = await client.post(f"{base}/return", headers=clerk(platform, "clerk-b"), json={})
        assert r.status_code == 422  # a remark is required
        r = await client.post(
            f"{base}/return", headers=clerk(platform, "clerk-b"), json={"remark": "金额核对有误"}
        )
        assert (r.status_code, r.json()["status"]) == (200, "returned"), r.text
        r = await client.post(f"{base}/approve", headers=clerk(platform, "clerk-c"))
        assert (r.status_code, r.json()["code"]) == (409, "takeover_batch_wrong_state")
        listed = (
            await client.get(
                "/v1/payout/retirees-without-determination", headers=auth_headers(platform, "clerk")
            )
        ).json()
        assert {i["latest_status"] for i in listed["items"]} == {"returned"}
        assert all("taken-over-retirees" in i["way_forward"] for i in listed["items"])

        # The corrected file: 甲 with another amount, 乙 as before, and 丙 new.
        second = await imported(
            client, platform, csv(line(a, "甲", amount="3400.00"), line(b, "乙"), line(c, "丙"))
        )
        assert (second["accepted"], second["failed"]) == (3, 0)
        made = await scalar(
            platform,
            "SELECT string_agg(r.name || ' ' || d.seq || ' ' || d.monthly_amount || ' ' "
            "|| (d.supersedes IS NOT NULL), ',' ORDER BY l.line) "
            "FROM payout.takeover_batch_line l "
            "JOIN payout.determination d ON d.id = l.determination_id "
            "JOIN payout.retiree r ON r.person_id = l.person_id "
            f"WHERE l.batch_id = '{second['batch_id']}'",
        )
        assert made == "甲 2 3400.00 true,乙 2 3456.78 true,丙 1 3456.78 false"
        taken = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action = 'retiree.taken_over' "
            f"AND detail->>'batch_id' = '{second['batch_id']}'",
        )
        assert taken == 1  # only 丙 is a new retiree
        base = f"/v1/payout/takeover-batches/{second['batch_id']}"
        assert (await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))).is_success
        assert (await client.post(f"{base}/approve", headers=clerk(platform, "clerk-b"))).is_success
        # Approved now: a third file cannot take them over again (one by one corrects).
        third = await imported(client, platform, csv(line(a, "甲")))
        assert (third["accepted"], third["failed"]) == (0, 1)


COMPARED = (
    "kind, effective_from, status, inputs, parameter_versions, "
    "months_divisor, basic_pension, account_pension, transitional_pension, total, "
    "comparison_adjustment, adjustments, monthly_amount, annuity_monthly, annuity_balance, "
    "comparison, floor_amount, supersedes, terms, rebased_on, provisional, reason, seq, "
    "created_by, checked_by, approved_by"
)
RETIREE = (
    "name, sex, birth_date, unit_id, unit_credit_code, retired_on, status, bank_code, "
    "account_number, account_name, (retirement->'taken_over') - 'citizen_id' AS retirement, "
    "first_month, last_month, paid_until, last_certified_on, out_of_province, died_on"
)


async def test_the_import_makes_what_the_single_route_makes(platform) -> None:
    """Two people with everything alike but the id's sequence: one taken over by the single
    route, one by the file, each checked by one clerk and approved by another."""
    single_id, bulk_id = citizen_id("19470303", "551"), citizen_id("19470303", "553")
    over = {"transitional_pension": "120.00", "annuity_monthly": "300.00"}
    over |= {"annuity_balance": "40000.00", "comparison_adjustment": "10.00"}
    header = HEADER + ",过渡性养老金,职业年金月领取额,职业年金个人账户余额,保低限高调整额"
    async with running_app(create_app(platform)) as client:
        body = {
            "citizen_id": single_id,
            "name": "接管老人",
            "retired_on": "2005-01-31",
            "bank_code": "PSBC",
            "account_number": "6221880000006701",
            "account_name": "接管老人",
            "effective_from": "2025-01-01",
            "monthly_amount": "3456.78",
            "basic_pension": "2000.00",
            "account_pension": "500.00",
            "adjustments": "800.00",
            "basic_balance": "30000.00",
            "last_certified_on": "2024-12-01",
            "reason": "系统上线接管",
        } | over
        r = await client.post(
            "/v1/payout/taken-over-retirees", headers=clerk(platform, "clerk-maker"), json=body
        )
        assert r.status_code == 201, r.text
        d = r.json()["id"]
        for step, who in (("check", "clerk-a"), ("approve", "clerk-b")):
            r = await client.post(
                f"/v1/payout/determinations/{d}/{step}", headers=clerk(platform, who)
            )
            assert r.status_code == 200, r.text
        content = (header + "\n" + line(bulk_id) + "," + ",".join(over[k] for k in (
            "transitional_pension", "annuity_monthly", "annuity_balance", "comparison_adjustment"
        )) + "\n").encode()  # fmt: skip
        result = await imported(client, platform, content)
        base = f"/v1/payout/takeover-batches/{result['batch_id']}"
        assert (await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))).is_success
        assert (await client.post(f"{base}/approve", headers=clerk(platform, "clerk-b"))).is_success

        async def row(columns: str, table: str, cid: str) -> dict:
            person = f"(SELECT person_id FROM payout.retiree WHERE citizen_id = '{cid}')"
            return await scalar(
                platform,
                f"SELECT to_jsonb(x) FROM (SELECT {columns} FROM payout.{table} "
                f"WHERE person_id = {person}) x",
            )

        single = await row(COMPARED, "determination", single_id)
        bulk = await row(COMPARED, "determination", bulk_id)
        assert single["inputs"]["unspecified"] == "26.78"  # 3456.78 - 2000 - 500 - 120 - 10 - 800
        assert bulk == single
        assert await row(RETIREE, "retiree", bulk_id) == await row(RETIREE, "retiree", single_id)


async def test_an_interrupted_import_resumes_and_takes_no_one_over_twice(
    platform, monkeypatch
) -> None:
    app = create_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    monkeypatch.setattr(import_job, "BATCH", 3)
    gate, calls = asyncio.Event(), []
    write = service.write_lines

    async def gated(*args, **kwargs):
        calls.append(len(args[2]))
        if len(calls) == 2:
            await gate.wait()  # the process dies here, inside the second step
        return await write(*args, **kwargs)

    monkeypatch.setattr(service, "write_lines", gated)
    ids = [citizen_id(birth="19480404", seq=f"{n}1") for n in range(40, 47)]
    lines = [line(i, f"老人{n}") for n, i in enumerate(ids)]
    lines.insert(7, line(ids[1], "老人1"))  # row 9 repeats row 3, two steps on
    content = csv(*lines)
    async with running_app(app) as client:
        leave_to_the_test(app, import_job.KIND)
        headers = clerk(platform, "clerk-maker")
        accepted = await client.post(IMPORT, headers=headers, files={"file": ("r.csv", content)})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["id"]
        again = await client.post(IMPORT, headers=headers, files={"file": ("r.csv", content)})
        assert (again.status_code, again.json()["id"]) == (202, job_id)  # the same key: once

        handlers = {import_job.KIND: import_job.run_job}
        first = JobRunner(SCHEMA, handlers, app.state.sessions, lease=1.0)
        crashed = asyncio.create_task(first.run_once())
        await eventually(lambda: _true(len(calls) == 2))
        crashed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashed
        assert await scalar(platform, "SELECT count(*) FROM payout.retiree") == 3
        gate.set()
        await resume_with_a_second_runner(
            client, SCHEMA, handlers, app.state.sessions, f"/v1/payout/jobs/{job_id}", headers
        )
        job = await wait_for_job(client, accepted, headers)
        assert job["attempts"] == 2 and (job["done"], job["total"]) == (8, 8)
        assert {k: job["result"][k] for k in ("total_rows", "accepted", "failed")} == {
            "total_rows": 8,
            "accepted": 7,
            "failed": 1,
        }
        for sql in (
            "SELECT count(*) FROM payout.retiree",
            "SELECT count(*) FROM payout.determination",
            "SELECT count(*) FROM payout.takeover_batch_line",
            "SELECT count(*) FROM payout.audit_log WHERE action = 'retiree.taken_over'",
            "SELECT count(*) FROM payout.audit_log WHERE action = 'determination.created'",
        ):
            assert await scalar(platform, sql) == 7, sql
        report = (await client.get(job["result"]["report_url"], headers=headers)).json()
        assert [r["row"] for r in report["rows"]] == list(range(2, 10))
        [repeat] = [r for r in report["rows"] if r["status"] == "failed"]
        assert (repeat["row"], repeat["errors"][0]["code"]) == (9, "import_duplicate_row")
        for table in ("job_input", "job_part"):  # the file and the parts are gone
            left = f"SELECT count(*) FROM payout.{table} WHERE job_id = '{job_id}'"
            assert await scalar(platform, left) == 0


async def test_a_batch_whose_import_failed_part_way_is_returned_not_approved(
    platform, monkeypatch
) -> None:
    monkeypatch.setattr(import_job, "BATCH", 2)
    write, calls = service.write_lines, []

    async def breaks_on_the_second_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug in the second step")
        return await write(*args, **kwargs)

    monkeypatch.setattr(service, "write_lines", breaks_on_the_second_step)
    ids = [citizen_id(birth="19480505", seq=f"{n}1") for n in range(50, 54)]
    content = csv(*(line(i, f"老人{n}") for n, i in enumerate(ids)))
    async with running_app(create_app(platform)) as client:
        headers = clerk(platform, "clerk-maker")
        r = await client.post(IMPORT, headers=headers, files={"file": ("r.csv", content)})
        job = await wait_for_job(client, r, auth_headers(platform, "clerk", subject="clerk-maker"))
        assert job["state"] == "failed"
        batch_id = await scalar(
            platform, f"SELECT id FROM payout.takeover_batch WHERE job_id = '{job['id']}'"
        )
        base = f"/v1/payout/takeover-batches/{batch_id}"
        assert (await client.get(base, headers=headers)).json()["status"] == "importing"
        of_batch = (
            "SELECT count(*) FROM payout.determination d JOIN payout.takeover_batch_line l "
            f"ON l.determination_id = d.id WHERE l.batch_id = '{batch_id}' AND d.status = "
        )
        in_review = of_batch + "'pending'"
        assert await scalar(platform, in_review) == 2  # the first step's two lines
        r = await client.post(f"{base}/check", headers=clerk(platform, "clerk-a"))
        assert (r.status_code, r.json()["code"]) == (409, "takeover_batch_wrong_state")
        r = await client.post(
            f"{base}/return", headers=clerk(platform, "clerk-a"), json={"remark": "导入中断"}
        )
        assert (r.status_code, r.json()["status"]) == (200, "returned"), r.text
        assert await scalar(platform, in_review) == 0
        assert await scalar(platform, of_batch + "'returned'") == 2


async def _true(value: bool) -> bool:
    return value
