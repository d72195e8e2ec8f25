"""The annuity benefit stops when the annuity balance is exhausted.

Rule (docs/payout.md): month k of the annuity (k = 1 for the first month paid) pays the
monthly amount while k × monthly fits in the balance; the month after the last full one pays
the remainder, and later months nothing. The amount is a function of the balance, the
monthly amount and k only, so the payroll (in SQL, `ANNUITY_SQL`) and a recalculation agree.
What is left at death is the balance less the months paid (domain/death.py).
"""

from decimal import Decimal

ZERO = Decimal("0.00")

# The same rule in SQL over (bal, ann, k) expressions, for set-based payroll statements.
ANNUITY_SQL = (
    "CASE WHEN {ann} * {k} <= {bal} THEN {ann} ELSE greatest({bal} - {ann} * ({k} - 1), 0) END"
)
# Month k of a month `m` counted from the retiree's first month paid `f` (both dates).
MONTH_INDEX_SQL = (
    "((extract(year FROM {m}) - extract(year FROM {f})) * 12"
    " + extract(month FROM {m}) - extract(month FROM {f}) + 1)"
)


def annuity_for_month(balance: Decimal, monthly: Decimal, k: int) -> Decimal:
    """The annuity paid in month k: monthly, then the remainder once, then nothing."""
    if monthly * k <= balance:
        return monthly
    return max(balance - monthly * (k - 1), ZERO)


def annuity_sql(balance: str, monthly: str, month: str, first_month: str) -> str:
    """ANNUITY_SQL for a month given as dates."""
    k = MONTH_INDEX_SQL.format(m=month, f=first_month)
    return ANNUITY_SQL.format(bal=balance, ann=monthly, k=k)
