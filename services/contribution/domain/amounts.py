"""Plausible amounts and the bounds under which no amount or sum overflows.

Every amount a person types is refused above a dated ceiling (`bound.monthly_wage` for a
declared wage, `bound.receipt_amount` for a receipt). Everything contribution computes is
derived from bounded inputs: a base is at most the cap (average wage x cap ratio), an item at
most base x rate, a plan holds at most MAX_PERSONS_PER_UNIT lines, a late fee is at most
principal x daily rate x days. The ranges below bound the parameters an admin may set, so
that at their worst every stored amount fits its column (numeric(14, 2) is 999,999,999,999.99;
a plan's total numeric(16, 2)) and every single-plan answer fits `Money`, for payments up to
HORIZON. Sums over many plans, units or years (reports, arrears, a run's total) are answered
as `Total`, which has no ceiling. tests/contribution/unit/test_amount_bounds.py proves it.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from shared.data.money import FEN

# The parameter ranges an admin may set (parameters/schemas.py RANGES uses them).
MAX_RATE = Decimal("0.3")  # each of the four contribution rates (today 16%, 8%, 8%, 4%)
MAX_CAP_RATIO = Decimal(5)  # the base cap, times the average wage (today 3)
MAX_AVERAGE_WAGE = Decimal(100_000)  # the local average monthly wage (today 7,862)
MAX_LATE_FEE_DAILY_RATE = Decimal("0.001")  # the late fee a day (by law 0.0005)
MAX_WAGE_CEILING = Decimal(1_000_000)  # bound.monthly_wage at most
MAX_RECEIPT_CEILING = Decimal(99_999_999)  # bound.receipt_amount at most (numeric(14, 6))

# Sizes: a declaration holds at most this many lines (enforced); a unit's monthly plan has
# one line per liable person with a base, so this is also the size assumed for a unit.
MAX_PERSONS_PER_UNIT = 100_000
EARLIEST = date(2014, 10, 1)  # the first month anything is owed (settings.earliest_date)
HORIZON = date(2059, 12, 31)  # the last payment date the bounds are proved for

MAX_COLUMN = Decimal("999999999999.99")  # numeric(14, 2)
MAX_TOTAL_COLUMN = Decimal("99999999999999.99")  # numeric(16, 2)


def above_ceiling(amount: Decimal, ceiling: Decimal) -> str | None:
    """Why an amount a person typed cannot be right (above its ceiling), or None."""
    if amount > ceiling:
        return f"金额 {amount} 超过合理上限 {ceiling} 元, 应为录入错误"
    return None


def _exact_total(value: Any) -> Decimal:
    """A sum as computed (from the database or Python): finite and exact to the fen."""
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("a total must be finite")
    return amount.quantize(FEN)


Total = Annotated[
    Decimal,
    BeforeValidator(_exact_total),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$"}),
]
"""A sum over many plans, units or years: exact yuan with two places and no upper bound
(Money's 999,999,999,999.99 bounds one amount, not a county's arrears over decades)."""
