"""The SQL of formula-safe CSV text (for files PostgreSQL's COPY writes) neutralises exactly
as the Python rule does, for the cells that matter and for many random ones."""

import random

import asyncpg
import pytest

from shared.data.csv_text import FORMULA_STARTS, formula_safe, formula_safe_sql
from shared.data.db import asyncpg_dsn

pytestmark = pytest.mark.asyncio(loop_scope="session")
SAMPLES = [
    "",
    "张三",
    '=HYPERLINK("http://evil.example","领取")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "-",
    "-1234.56",
    "1234.56",
    "-12",
    "-1.",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    " =1",
    "'=1",
    "张=三",
    "O'Brien",
    "back\\slash",
    "6221000000000000123",
    "**************0123",
]


def _random_cells(count: int) -> list[str]:
    """Short strings of the characters that matter, the same every run."""
    rng = random.Random(17)
    alphabet = [*FORMULA_STARTS, "0", "1", ".", "'", "\\", "张", "a", " ", "\n", '"']
    return ["".join(rng.choices(alphabet, k=rng.randrange(0, 6))) for _ in range(count)]


async def test_sql_neutralises_as_the_python_rule_does(platform) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        cells = SAMPLES + _random_cells(3000)
        rows = await conn.fetch(
            f"SELECT v, {formula_safe_sql('v')} FROM unnest($1::text[]) AS t(v)", cells
        )
        assert [(r[0], r[1]) for r in rows] == [(c, formula_safe(c)) for c in cells]
        assert await conn.fetchval(f"SELECT {formula_safe_sql('NULL::text')}") is None
    finally:
        await conn.close()
