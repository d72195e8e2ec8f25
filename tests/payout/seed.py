"""Many reviewed retirees straight into the payout schema, for crash tests and benchmarks."""

import asyncpg

RETIREES = """
    INSERT INTO payout.retiree (person_id, citizen_id, name, sex, birth_date, unit_id,
        unit_credit_code, retired_on, status, bank_code, account_number, account_name,
        retirement, source_event_id, first_month)
    SELECT gen_random_uuid(), lpad(i::text, 18, '0'), '退休' || i, 'male', '1959-12-01',
        gen_random_uuid(), '12330522MB0001070J', '2019-12-01', 'active',
        CASE WHEN i % 10 = 0 THEN 'ICBC' ELSE 'PSBC' END, '6221' || lpad(i::text, 12, '0'),
        '退休' || i, '{}'::jsonb, gen_random_uuid(), DATE '2020-01-01'
    FROM generate_series($1::int, $2::int) AS i
"""

DETERMINATIONS = """
    INSERT INTO payout.determination (id, person_id, seq, kind, effective_from, status, inputs,
        parameter_versions, months_divisor, basic_pension, account_pension,
        transitional_pension, total, comparison_adjustment, adjustments, monthly_amount,
        annuity_monthly, created_by, checked_by, approved_by)
    SELECT gen_random_uuid(), person_id, 1, 'initial', DATE '2020-01-01', 'approved', '{}',
        '{}', 139, 2000.00 + (i % 97), 1000.00, 500.00, 3500.00 + (i % 97), 0, 0,
        3500.00 + (i % 97), 300.00, 'seed', 'seed-a', 'seed-b'
    FROM (SELECT person_id, row_number() OVER () AS i FROM payout.retiree
          WHERE citizen_id BETWEEN lpad($1::int::text, 18, '0') AND lpad($2::int::text, 18, '0')) r
"""


async def seed_retirees(dsn: str, count: int, first: int = 1) -> None:
    """`count` retirees, reviewed, paid from 2020-01 (one in ten at another bank)."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(RETIREES, first, first + count - 1)
            await conn.execute(DETERMINATIONS, first, first + count - 1)
    finally:
        await conn.close()
