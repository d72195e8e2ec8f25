"""Payout's monthly sums and difference posts."""

from tests.conftest import auth_headers
from tests.enrollment.helpers import scalar

# What each month and program came to: regular lines (a failed one is re-issued), back pay,
# less the recovery cases opened by recalculations.
MONTH_SUMS = """
    SELECT to_char(month, 'YYYY-MM') || ' ' || program || ' ' || sum(amount)
    FROM (
        SELECT period AS month, program, amount FROM payout.payment
        WHERE person_id = '{person}' AND status <> 'reissued'
        UNION ALL
        SELECT rc.period, rc.program, -rc.amount FROM payout.recovery rc
        JOIN payout.benefit_difference d ON d.id = rc.payment_id
        WHERE rc.person_id = '{person}') s
    GROUP BY month, program ORDER BY 1"""


async def month_sums(platform, person: str) -> list[str]:
    """Lines 'YYYY-MM program amount' for a person, from the database."""
    rows = await scalar(
        platform, f"SELECT string_agg(x, '|') FROM ({MONTH_SUMS.format(person=person)}) t(x)"
    )
    return rows.split("|")


async def post(client, platform, path: str, body: dict, who: str = "clerk-x") -> dict:
    r = await client.post(path, headers=auth_headers(platform, "clerk", subject=who), json=body)
    assert r.status_code == 201, r.text
    return r.json()
