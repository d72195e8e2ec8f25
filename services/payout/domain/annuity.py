"""The annuity benefit stops when the annuity balance is exhausted.

Rule (docs/payout.md): month k of the annuity (k = 1 for the first month paid) pays the
monthly amount while k × monthly fits in the balance; the month after the last full one pays
the remainder, and later months nothing. The amount is a function of the balance, the
monthly amount and k only, so the payroll (in SQL, `ANNUITY_SQL`) and a recalculation agree.
What is left at death is the balance less the months paid (domain/death.py).

保低 after the annuity is exhausted (issue #18; the provincial rule is the parameter
`transition_comparison.floor_after_annuity`): where the floor is kept, a determination
carries its `floor_amount` (the old standard plus its 调待 adjustments) and the basic pension
of a month makes up what the annuity paid that month leaves below it:
basic = monthly + max(floor − monthly − annuity paid, 0). While the annuity is paid in full
this adds nothing (the comparison already brought the two to at least the floor).
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


# The basic pension of a month with the floor kept, over (monthly, floor, annuity paid).
BASIC_SQL = "{monthly} + greatest(coalesce({floor} - {monthly} - ({annuity}), 0), 0)"


def basic_for_month(monthly: Decimal, floor: Decimal | None, annuity_paid: Decimal) -> Decimal:
    """The basic pension of a month: the monthly amount, made up to the floor if kept."""
    if floor is None:
        return monthly
    return monthly + max(floor - monthly - annuity_paid, ZERO)


def basic_sql(monthly: str, floor: str, annuity: str) -> str:
    """BASIC_SQL over SQL expressions."""
    return BASIC_SQL.format(monthly=monthly, floor=floor, annuity=annuity)
