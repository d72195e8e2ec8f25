"""Contribution's pure rules: liability, clamping, allocation and late fees."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.contribution.domain.allocation import (
    PRIORITY,
    Funds,
    OpenPlan,
    allocate,
    late_fee,
)
from services.contribution.domain.bases import Limits, clamp_base, wage_problem
from services.contribution.domain.liability import Change, liability_intervals, liable_in
from services.contribution.domain.periods import due_date, month_end, parse_period

UNIT, OTHER = uuid.uuid4(), uuid.uuid4()
RATE = Decimal("0.0005")


def months(intervals, year: int) -> list[int]:
    return [
        m
        for m in range(1, 13)
        if liable_in(intervals, date(year, m, 1), month_end(date(year, m, 1)))
    ]


def test_liability_follows_the_status_history() -> None:
    joined = date(2020, 3, 20)
    assert months(liability_intervals(joined, UNIT, []), 2020) == list(range(3, 13))
    # Retirement effective 1 June: May is the last month owed.
    retired = [Change(date(2020, 6, 1), "retirement", UNIT)]
    assert months(liability_intervals(joined, UNIT, retired), 2020) == [3, 4, 5]
    # Death on 15 June: June is still owed.
    died = [Change(date(2020, 6, 15), "death", UNIT)]
    assert months(liability_intervals(joined, UNIT, died), 2020) == [3, 4, 5, 6]
    # Suspended from 1 July, resumed 1 October.
    gap = [
        Change(date(2020, 10, 1), "resumption", UNIT),
        Change(date(2020, 7, 1), "suspension", UNIT),
    ]
    assert months(liability_intervals(joined, UNIT, gap), 2020) == [3, 4, 5, 6, 10, 11, 12]
    # Out and back in on the same day, to another unit: the new interval is the other unit's.
    moved = [
        Change(date(2020, 8, 1), "transfer_in", OTHER),
        Change(date(2020, 8, 1), "transfer_out", UNIT),
    ]
    intervals = liability_intervals(joined, OTHER, moved)  # the roster shows the new unit
    assert [(i.unit_id, i.start_on, i.end_on) for i in intervals] == [
        (UNIT, joined, date(2020, 8, 1)),
        (OTHER, date(2020, 8, 1), None),
    ]


def test_bases_are_clamped_to_the_floor_and_cap() -> None:
    limits = Limits.of(Decimal("5946.00"), Decimal("0.6"), Decimal("3"))
    assert (limits.floor, limits.cap) == (Decimal("3567.60"), Decimal("17838.00"))
    assert clamp_base(Decimal("2000.00"), limits).clamp == "raised_to_floor"
    assert clamp_base(Decimal("20000.00"), limits).base == Decimal("17838.00")
    assert clamp_base(Decimal("6000.00"), limits).clamp is None
    assert wage_problem(Decimal("0")) and wage_problem(Decimal("-0.01"))
    assert wage_problem(Decimal("6000.00")) is None


def test_periods_and_due_dates() -> None:
    assert parse_period("2020-02") == date(2020, 2, 1)
    assert due_date(date(2020, 2, 1), 31) == date(2020, 2, 29)
    assert due_date(date(2020, 3, 1), 15) == date(2020, 3, 15)


def plan(amount: str, due: date) -> OpenPlan:
    each = Decimal(amount) / 4
    return OpenPlan(uuid.uuid4(), due, {item: each for item in PRIORITY})


def test_worked_example_partial_late_and_over_payment() -> None:
    jan, feb = plan("1000.00", date(2020, 1, 15)), plan("1000.00", date(2020, 2, 15))
    on_time = Funds(uuid.uuid4(), date(2020, 1, 10), Decimal("600.00"))
    late = Funds(uuid.uuid4(), date(2020, 1, 25), Decimal("2000.00"))
    result = allocate([on_time, late], [jan, feb], RATE)
    # 600 on time to January, individual shares first (250 + 250, then 100 of the unit's).
    assert result[0].items == {
        "basic_individual": Decimal("250.00"),
        "annuity_individual": Decimal("250.00"),
        "basic_unit": Decimal("100.00"),
    }
    assert result[0].late_fee == 0
    # January's other 400 ten days late: fee 400 x 0.05% x 10 = 2.00.
    assert (result[1].principal, result[1].late_fee, result[1].days_late) == (
        Decimal("400.00"),
        Decimal("2.00"),
        10,
    )
    # February paid in advance in full; 598.00 left as credit.
    assert result[2].principal == Decimal("1000.00") and result[2].late_fee == 0
    assert late.available == Decimal("598.00")


def test_money_short_of_principal_plus_fee_pays_the_largest_principal_that_fits() -> None:
    jan = plan("1000.00", date(2020, 1, 15))
    funds = Funds(uuid.uuid4(), date(2020, 3, 15), Decimal("500.00"))  # 60 days late
    [only] = allocate([funds], [jan], RATE)
    assert only.principal + only.late_fee <= Decimal("500.00")
    assert only.late_fee == late_fee(only.principal, RATE, 60)
    bigger = only.principal + Decimal("0.01")
    assert bigger + late_fee(bigger, RATE, 60) > Decimal("500.00")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)


@given(
    receipts=st.lists(st.tuples(amounts, st.integers(0, 400)), min_size=1, max_size=6),
    plans=st.lists(st.tuples(amounts, st.integers(0, 300)), min_size=1, max_size=6),
)
def test_allocation_never_exceeds_receipts_and_due_equals_paid_plus_outstanding(
    receipts, plans
) -> None:
    start = date(2020, 1, 1)
    funds = [
        Funds(uuid.uuid4(), start + timedelta(days=d), a)
        for a, d in sorted(receipts, key=lambda r: r[1])
    ]
    open_plans = []
    for amount, d in plans:
        quarter = (amount / 4).quantize(Decimal("0.01"))
        items = dict(zip(PRIORITY, [quarter, quarter, quarter, amount - 3 * quarter], strict=True))
        open_plans.append(OpenPlan(uuid.uuid4(), start + timedelta(days=d), items))
    due = {p.id: p.total_outstanding for p in open_plans}
    given_money = {f.id: f.available for f in funds}
    result = allocate(funds, open_plans, RATE)
    for f in funds:
        used = sum((a.principal + a.late_fee for a in result if a.receipt_id == f.id), Decimal(0))
        assert used + f.available == given_money[f.id] and f.available >= 0
    for p in open_plans:
        paid = sum((a.principal for a in result if a.plan_id == p.id), Decimal(0))
        assert paid + p.total_outstanding == due[p.id] and p.total_outstanding >= 0
        assert all(v >= 0 for v in p.outstanding.values())
    for a in result:
        assert a.late_fee == late_fee(a.principal, RATE, a.days_late)
