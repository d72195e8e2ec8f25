"""Generated enrollment data at provincial scale, for the benchmarks."""

import time

import asyncpg


async def generate(dsn: str, persons: int) -> float:
    """Units, persons, one basic account each and two contribution postings per account."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("""
            INSERT INTO enrollment.unit (id, credit_code, name, kind, funding_type,
                                         registered_on, created_by)
            SELECT gen_random_uuid(), lpad(i::text, 18, '0'), '单位' || i, 'public_institution',
                   'full', '2014-10-01', 'bench'
            FROM generate_series(1, 1000) AS i""")
        await conn.execute(
            """
            INSERT INTO enrollment.person (id, citizen_id, name, sex, birth_date, unit_id,
                                           staff_category, joined_on, created_by)
            SELECT gen_random_uuid(), '330522' || lpad(i::text, 12, '0'), '人员' || i,
                   'male', date '1970-01-01' + (i % 9000), u.ids[1 + i % 1000], 'worker',
                   '2015-01-01', 'bench'
            FROM generate_series(1, $1) AS i,
                 (SELECT array_agg(id) AS ids FROM enrollment.unit) AS u""",
            persons,
        )
        await conn.execute("""
            INSERT INTO enrollment.account (id, person_id, kind, opened_on)
            SELECT gen_random_uuid(), id, 'basic', '2015-01-01' FROM enrollment.person""")
        await conn.execute("""
            INSERT INTO enrollment.posting (account_id, posting_type, amount, value_date,
                                            period, created_by)
            SELECT a.id, 'contribution', round((random() * 2000)::numeric, 2), v.d,
                   to_char(v.d, 'YYYY-MM'), 'bench'
            FROM enrollment.account a,
                 (VALUES (date '2019-12-20'), (date '2020-06-20')) AS v(d)""")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started
