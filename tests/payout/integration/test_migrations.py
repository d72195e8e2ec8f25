"""Migrations that fill new columns from old rows: they do so exactly."""

import asyncio
import json
import uuid

import asyncpg
from alembic import command

from deploy.local.migrate import alembic_config
from shared.data.db import asyncpg_dsn

INPUTS = {
    "retired_on": "2025-03-15", "age_months": 780, "retirement_age": 65,
    "contribution_months": 300, "deemed_months": 120, "average_index": "1.1000",
    "deemed_index": "1.1000", "basic_balance": "101000.00", "annuity_balance": "50500.00",
    "wage_base": "5946.00", "transition_coefficient": "0.012", "old_method": None,
    "adjustments": "0.00",
}  # fmt: skip
INSERT = """
    INSERT INTO payout.determination (id, person_id, seq, kind, effective_from, status, inputs,
        parameter_versions, months_divisor, basic_pension, account_pension,
        transitional_pension, total, comparison_adjustment, adjustments, monthly_amount,
        annuity_monthly, supersedes, created_by)
    VALUES ($1, $2, $3, $4, CAST($5::text AS date), 'approved', $6::jsonb, '{}', 101,
        0, 0, 0, 0, 0, 0, 0, 0, $7, 'clerk')"""


async def test_adjustments_and_corrections_made_before_terms_get_theirs(database_url) -> None:
    config = alembic_config("payout", database_url)
    await asyncio.to_thread(command.downgrade, config, "0013")
    person, ids = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]
    adjusted = INPUTS | {"adjustments": "145.85"}
    corrected = adjusted | {"basic_balance": "81000.00", "contribution_months": 312}
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for seq, (kind, month, inputs, supersedes) in enumerate(
            [
                ("initial", "2025-04-01", INPUTS, None),
                ("adjustment", "2026-01-01", adjusted, ids[0]),
                ("recalculation", "2026-03-01", corrected, ids[1]),
            ]
        ):
            await conn.execute(
                INSERT, ids[seq], person, seq + 1, kind, month, json.dumps(inputs), supersedes
            )
        await asyncio.to_thread(command.upgrade, config, "head")
        rows = await conn.fetch(
            "SELECT terms::text FROM payout.determination WHERE person_id = $1 ORDER BY seq",
            person,
        )
    finally:
        await conn.close()
    initial, adjustment, recalculation = (None if r[0] is None else json.loads(r[0]) for r in rows)
    assert initial is None
    # The increase the 调待 gave becomes its fixed amount.
    assert adjustment == {"fixed_amount": "145.85", "rate": "0", "corrected": {}}
    assert recalculation == {
        "fixed_amount": "0.00",
        "rate": "0",
        "corrected": {"basic_balance": "81000.00", "contribution_months": 312},
    }


async def test_death_benefits_granted_before_back_pay_name_their_payment(database_url) -> None:
    config = alembic_config("payout", database_url)
    await asyncio.to_thread(command.downgrade, config, "0012")
    person, payment = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(
            """
            INSERT INTO payout.death_benefit (person_id, died_on, funeral_grant,
                survivor_months, survivor_base, survivor_amount, basic_balance_left,
                annuity_balance_left, total, parameter_versions, survivor_name, relationship,
                created_by)
            VALUES ($1, DATE '2025-05-10', 5000, 20, 4792.71, 95854.20, 99000, 49500,
                249354.20, '{}', '钱小', '子女', 'finance')""",
            person,
        )
        await conn.execute(
            """
            INSERT INTO payout.one_off (id, person_id, citizen_id, program, period, amount,
                bank_code, account_number, account_name, status, source)
            VALUES ($1, $2, '330522198501011234', 'death_benefit', DATE '2025-05-01',
                249354.20, 'PSBC', '6221889900001111', '钱小', 'issued', 'death_benefit')""",
            payment,
            person,
        )
        await asyncio.to_thread(command.upgrade, config, "head")
        row = await conn.fetchrow(
            "SELECT back_pay, one_off_id FROM payout.death_benefit WHERE person_id = $1", person
        )
    finally:
        await conn.close()
    assert (str(row["back_pay"]), row["one_off_id"]) == ("0.00", payment)


async def test_lines_made_before_person_numbers_get_the_number_they_were_sent_with(
    database_url,
) -> None:
    config = alembic_config("payout", database_url)
    await asyncio.to_thread(command.downgrade, config, "0016")
    retiree, one_off, batch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(
            "INSERT INTO payout.retiree (person_id, citizen_id, name, sex, birth_date, unit_id, "
            "unit_credit_code, retired_on, status, bank_code, account_number, account_name, "
            "retirement, source_event_id) VALUES ($1, '330522195912010013', '退休', 'male', "
            "'1959-12-01', $2, '12330522MB0001070J', '2019-12-01', 'deceased', 'PSBC', "
            "'6221000000000001', '退休', '{}', $2)",
            retiree,
            uuid.uuid4(),
        )
        await conn.execute(
            "INSERT INTO payout.one_off (id, person_id, citizen_id, program, period, amount, "
            "bank_code, account_number, account_name, status, source) VALUES ($1, $2, "
            "'330522198501011234', 'death_benefit', '2020-05-01', 100.00, 'PSBC', "
            "'6221889900001111', '钱小', 'issued', 'death_benefit')",
            one_off,
            retiree,
        )
        for line, program in ((uuid.uuid4(), "basic_pension"), (one_off, "death_benefit")):
            await conn.execute(
                "INSERT INTO payout.payment (id, person_id, program, period, amount, batch_id, "
                "bank_code, account_number, account_name, status) VALUES ($1, $2, $3, "
                "'2020-04-01', 100.00, $4, 'PSBC', '1', 'x', 'paid')",
                line,
                retiree,
                program,
                batch,
            )
        await asyncio.to_thread(command.upgrade, config, "head")
        rows = await conn.fetch(
            "SELECT program, person_number FROM payout.payment ORDER BY program"
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [
        ("basic_pension", "330522195912010013"),
        ("death_benefit", "330522198501011234"),
    ]
