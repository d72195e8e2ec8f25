"""No amount overflows: with every parameter anywhere in its range (up to the top), a unit of
up to MAX_PERSONS_PER_UNIT persons all declaring the highest wage, receipts at the ceiling and
payments as late as HORIZON, every stored amount fits its column (read from the models) and
every single plan's or receipt's answer fits `Money`; sums over plans, units and years are
`Total`, exact without a ceiling."""

import uuid
from datetime import timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from services.contribution.domain.allocation import Funds, OpenPlan, allocate, late_fee
from services.contribution.domain.amounts import (
    EARLIEST,
    HORIZON,
    MAX_AVERAGE_WAGE,
    MAX_CAP_RATIO,
    MAX_LATE_FEE_DAILY_RATE,
    MAX_PERSONS_PER_UNIT,
    MAX_RATE,
    MAX_RECEIPT_CEILING,
    MAX_WAGE_CEILING,
    Total,
    above_ceiling,
)
from services.contribution.domain.bases import Limits, clamp_base
from services.contribution.models import (
    Allocation,
    Base,
    Declaration,
    DeclarationLine,
    Parameter,
    Plan,
    PlanLine,
    Receipt,
)
from services.contribution.parameters.schemas import RANGES, ParameterName
from shared.data.clock import agency_today
from shared.data.money import Money, round_fen

MONEY = TypeAdapter(Money)
TOTAL = TypeAdapter(Total)
ITEMS = ("basic_unit", "basic_individual", "annuity_unit", "annuity_individual")
LATEST_DAYS = (HORIZON - EARLIEST).days  # the latest a plan can be paid


def capacity(model, column: str) -> Decimal:
    """The largest value a numeric(p, s) column of a model holds."""
    kind = model.__table__.c[column].type
    return Decimal(10) ** (kind.precision - kind.scale) - Decimal(1).scaleb(-kind.scale)


def fits(value: Decimal, model, column: str) -> bool:
    """Whether the value fits the column, and as an answer's `Money`."""
    return value <= capacity(model, column) and MONEY.validate_python(value) == value


def test_the_ranges_are_the_bounds_proved_here() -> None:
    tops = {name: high for name, (_, high) in RANGES.items()}
    assert all(tops[ParameterName(n)] == MAX_RATE for n in [f"rate.{i}" for i in ITEMS])
    assert tops[ParameterName.cap_ratio] == MAX_CAP_RATIO
    assert tops[ParameterName.average_monthly_wage] == MAX_AVERAGE_WAGE
    assert tops[ParameterName.late_fee_daily_rate] == MAX_LATE_FEE_DAILY_RATE
    assert tops[ParameterName.wage_ceiling] == MAX_WAGE_CEILING
    assert tops[ParameterName.receipt_ceiling] == MAX_RECEIPT_CEILING
    # Every value an admin may set fits the parameter column (numeric(14, 6)).
    assert max(tops.values()) <= capacity(Parameter, "value")


rates = st.decimals(min_value=0, max_value=MAX_RATE, places=4)


@settings(max_examples=200, deadline=None)
@given(
    average=st.decimals(min_value=100, max_value=MAX_AVERAGE_WAGE, places=2),
    cap_ratio=st.decimals(min_value=1, max_value=MAX_CAP_RATIO, places=2),
    wage=st.decimals(min_value=Decimal("0.01"), max_value=MAX_WAGE_CEILING, places=2),
    item_rates=st.tuples(rates, rates, rates, rates),
    persons=st.integers(min_value=1, max_value=MAX_PERSONS_PER_UNIT),
    daily=st.decimals(min_value=0, max_value=MAX_LATE_FEE_DAILY_RATE, places=6),
    days=st.integers(min_value=0, max_value=LATEST_DAYS),
)
@example(
    average=MAX_AVERAGE_WAGE,
    cap_ratio=MAX_CAP_RATIO,
    wage=MAX_WAGE_CEILING,
    item_rates=(MAX_RATE,) * 4,
    persons=MAX_PERSONS_PER_UNIT,
    daily=MAX_LATE_FEE_DAILY_RATE,
    days=LATEST_DAYS,
)
def test_a_units_month_at_the_bounds_fits_every_column(
    average: Decimal,
    cap_ratio: Decimal,
    wage: Decimal,
    item_rates: tuple[Decimal, ...],
    persons: int,
    daily: Decimal,
    days: int,
) -> None:
    limits = Limits.of(average, Decimal("0.6"), cap_ratio)
    assert fits(limits.cap, Declaration, "cap") and fits(limits.floor, Declaration, "floor")
    assert fits(wage, DeclarationLine, "declared_wage")
    base = clamp_base(wage, limits).base
    assert fits(base, DeclarationLine, "base") and fits(base, Base, "base")
    # The declaration's unit base: the sum of its lines (answered as Money).
    assert MONEY.validate_python(base * persons) == base * persons

    # One person's line, then the unit's plan: the same line for every person is the most
    # a plan can ask (plans/repository.py GENERATE: round(base x rate, 2), summed).
    line = {item: round_fen(base * rate) for item, rate in zip(ITEMS, item_rates, strict=True)}
    assert all(fits(v, PlanLine, item) for item, v in line.items())
    plan = {item: v * persons for item, v in line.items()}
    assert all(fits(v, Plan, item) for item, v in plan.items())
    total = sum(plan.values(), Decimal(0))
    assert fits(total, Plan, "total") and fits(total, Plan, "paid_total")

    # Late fees on the whole plan paid as late as possible: in a plan's answer and column.
    fee = late_fee(total, daily, days)
    assert fits(fee, Plan, "late_fee_paid") and fits(fee, Allocation, "late_fee")

    # A county of many such units over many years is a Total: exact, no ceiling.
    county_decades = (total + fee) * 1000 * 12 * 50
    assert TOTAL.validate_python(county_decades) == county_decades
    assert TOTAL.dump_json(county_decades).decode() == f'"{county_decades:.2f}"'


@settings(max_examples=100, deadline=None)
@given(
    receipts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=MAX_RECEIPT_CEILING, places=2),
        min_size=1,
        max_size=5,
    ),
    daily=st.decimals(min_value=0, max_value=MAX_LATE_FEE_DAILY_RATE, places=6),
    days=st.integers(min_value=0, max_value=LATEST_DAYS),
)
@example(receipts=[MAX_RECEIPT_CEILING] * 5, daily=MAX_LATE_FEE_DAILY_RATE, days=LATEST_DAYS)
def test_receipts_at_the_ceiling_allocate_within_every_column(
    receipts: list[Decimal], daily: Decimal, days: int
) -> None:
    assert all(fits(r, Receipt, "amount") and fits(r, Receipt, "unallocated") for r in receipts)
    # The biggest plan there can be, overdue as long as can be, paid by these receipts.
    line = round_fen(MAX_AVERAGE_WAGE * MAX_CAP_RATIO * MAX_RATE)
    outstanding = {item: line * MAX_PERSONS_PER_UNIT for item in ITEMS}
    due_on = EARLIEST
    paid_on = due_on + timedelta(days=days)
    plan = OpenPlan(uuid.uuid4(), due_on, dict(outstanding))
    funds = [Funds(uuid.uuid4(), paid_on, amount) for amount in receipts]
    made = allocate(funds, [plan], daily)
    for a in made:
        assert fits(a.principal, Allocation, "principal") and fits(
            a.late_fee, Allocation, "late_fee"
        )
        assert all(fits(v, Allocation, item) for item, v in a.items.items())
        assert a.principal + a.late_fee <= max(receipts)  # one receipt pays one allocation
    paid_fees = sum((a.late_fee for a in made), Decimal(0))
    assert fits(paid_fees, Plan, "late_fee_paid")
    assert sum((a.principal + a.late_fee for a in made), Decimal(0)) <= sum(receipts)


def test_amounts_above_their_ceiling_are_refused_and_at_it_taken() -> None:
    assert above_ceiling(Decimal("100000.00"), Decimal(100_000)) is None
    assert "100000" in (above_ceiling(Decimal("100000.01"), Decimal(100_000)) or "")
    assert above_ceiling(Decimal("999999999999.99"), MAX_RECEIPT_CEILING)


def test_a_total_is_exact_beyond_what_money_holds() -> None:
    beyond = Decimal("123456789012345678.90")
    assert TOTAL.validate_python(beyond) == beyond
    assert TOTAL.dump_json(beyond) == b'"123456789012345678.90"'
    assert TOTAL.validate_python(agency_today().year) == Decimal(agency_today().year)
