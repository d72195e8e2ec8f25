"""Bank files come from SQL: masked staff copies are masked in the COPY (exactly as the shared
masking policy says, for any length of id or account), and a file is only made once its run
has finished (no line joins a batch after that)."""

import csv
import io
import uuid

import asyncpg
import pytest

from services.payout.banking.repository import masked_account_sql, masked_citizen_id_sql
from services.payout.main import create_app
from shared.data.db import asyncpg_dsn
from shared.data.ids import mask_account_number, mask_citizen_id
from tests.conftest import auth_headers, running_app

pytestmark = pytest.mark.asyncio(loop_scope="session")
SAMPLES = [
    "",
    "1",
    "1234",
    "12345",
    "123456789",
    "1234567890",
    "33052219591201001X",
    "6221000000000000123",
    "账户号码一二三四五六七八九十",
    "62 21-00",
]


async def test_sql_masks_as_the_policy_does(platform) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        for value in SAMPLES:
            row = await conn.fetchrow(
                f"SELECT {masked_citizen_id_sql('$1::text')}, {masked_account_sql('$1::text')}",
                value,
            )
            assert (row[0], row[1]) == (mask_citizen_id(value), mask_account_number(value)), value
    finally:
        await conn.close()


async def test_a_batch_file_waits_for_its_run_to_finish(platform) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    run, batch = uuid.uuid4(), uuid.uuid4()
    try:
        await conn.execute(
            "INSERT INTO payout.payroll_run (id, period, state, total, done, payments, "
            "created_by) VALUES ($1, '2020-01-01', 'running', 10, 5, 10, 'test')",
            run,
        )
        await conn.execute(
            "INSERT INTO payout.batch (id, run_id, period, bank_code, program) "
            "VALUES ($1, $2, '2020-01-01', 'PSBC', 'basic_pension')",
            batch,
            run,
        )
        async with running_app(create_app(platform)) as client:
            url = f"/v1/payout/batches/{batch}/file"
            early = await client.get(url, headers=auth_headers(platform, "clerk"))
            assert (early.status_code, early.json()["code"]) == (409, "batch_not_final")
            await conn.execute("UPDATE payout.payroll_run SET state = 'done' WHERE id = $1", run)
            done = await client.get(url, headers=auth_headers(platform, "clerk"))
            assert done.status_code == 200
            assert done.text.splitlines() == [
                "reference,person_number,name,account_number,amount,period,gross_amount,"
                "tax_withheld",
                "TOTAL,0,,,0.00,,0.00,0.00",
            ]
    finally:
        await conn.close()


async def test_a_payee_name_never_becomes_a_formula_in_the_bank_file(platform) -> None:
    """A withdrawal's payee or a survivor typed as a formula reaches the bank as text."""
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    run, batch = uuid.uuid4(), uuid.uuid4()
    names = ['=HYPERLINK("http://evil.example","领取")', "@SUM(A1)", "张三"]
    lines = [(uuid.UUID(int=n + 1), name) for n, name in enumerate(names)]
    try:
        await conn.execute(
            "INSERT INTO payout.payroll_run (id, period, state, total, done, payments, "
            "created_by) VALUES ($1, '2020-01-01', 'done', 3, 3, 3, 'test')",
            run,
        )
        await conn.execute(
            "INSERT INTO payout.batch (id, run_id, period, bank_code, program) "
            "VALUES ($1, $2, '2020-01-01', 'PSBC', 'withdrawal')",
            batch,
            run,
        )
        for reference, name in lines:
            await conn.execute(
                "INSERT INTO payout.payment (id, person_id, program, period, amount, batch_id, "
                "person_number, bank_code, account_number, account_name, status) VALUES "
                "($1, $2, 'withdrawal', '2020-01-01', 21244.67, $3, '33052219591201001X', "
                "'PSBC', '6221000000000000123', $4, 'sent')",
                reference,
                uuid.uuid4(),
                batch,
                name,
            )
        async with running_app(create_app(platform)) as client:
            r = await client.get(
                f"/v1/payout/batches/{batch}/file", headers=auth_headers(platform, "clerk")
            )
        assert r.status_code == 200, r.text
        rows = list(csv.reader(io.StringIO(r.text)))
        assert [row[2] for row in rows[1:-1]] == [
            '\'=HYPERLINK("http://evil.example","领取")',
            "'@SUM(A1)",
            "张三",
        ]
        assert [row[4] for row in rows[1:]] == ["21244.67"] * 3 + ["63734.01"]  # numbers stay
    finally:
        await conn.close()
