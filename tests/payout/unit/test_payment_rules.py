"""Payout's pure payment rules: results per line, reconciliation, periods, death benefits."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.death import death_benefits
from services.payout.domain.periods import add_months, format_period, months_between, parse_period
from services.payout.domain.reconciliation import BankTotals, Tally, classify, reconcile

STATUSES = ("sent", "paid", "failed", "reissued")
amounts = st.decimals(min_value=0, max_value=100_000, places=2)


def test_a_result_is_new_once_then_the_same_or_a_conflict() -> None:
    assert classify("sent", None, "paid", None) == "new"
    assert classify("paid", None, "paid", None) == "same"
    assert classify("failed", "account_closed", "failed", "account_closed") == "same"
    assert classify("reissued", "account_closed", "failed", "account_closed") == "same"
    assert classify("failed", "account_closed", "failed", "name_mismatch") == "conflict"
    assert classify("paid", None, "failed", "other") == "conflict"
    assert classify("failed", "other", "paid", None) == "conflict"


@given(st.lists(st.tuples(st.sampled_from(STATUSES), amounts), max_size=60))
def test_per_batch_total_is_paid_failed_reissued_and_outstanding(lines) -> None:
    by_status: dict[str, Tally] = {}
    for status, amount in lines:
        t = by_status.get(status, Tally())
        by_status[status] = Tally(t.count + 1, t.amount + amount)
    r = reconcile(by_status, None)
    assert r.total == Tally(len(lines), sum((a for _, a in lines), Decimal("0.00")))
    assert r.total.amount == r.paid.amount + r.failed.amount + r.reissued.amount + (
        r.outstanding.amount
    )
    # The bank's own figures must be reported, and agree, before the batch is reconciled.
    assert r.reconciled is False and r.bank_agrees is None
    failed = Tally(r.failed.count + r.reissued.count, r.failed.amount + r.reissued.amount)
    agreed = reconcile(by_status, BankTotals(r.paid, failed))
    assert agreed.bank_agrees is True
    assert agreed.reconciled == all(s != "sent" for s, _ in lines)
    off = BankTotals(Tally(r.paid.count, r.paid.amount + Decimal("0.01")), failed)
    assert reconcile(by_status, off).reconciled is False


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-300, 300))
def test_months_add_up(day, n) -> None:
    month = day.replace(day=1)
    assert parse_period(format_period(month)) == month
    later = add_months(month, n)
    assert add_months(later, -n) == month
    if n >= 0:
        assert len(months_between(month, later)) == n + 1


def test_death_benefits_by_part() -> None:
    b = death_benefits(
        Decimal("5000.00"),
        20,
        Decimal("4792.71"),
        (Decimal("101000.00"), Decimal("1000.00"), 2),
        (Decimal("50500.00"), Decimal("500.00"), 200),
        Decimal("200.00"),
    )
    assert b.survivor_amount == Decimal("95854.20")
    assert (b.basic_balance_left, b.annuity_balance_left) == (Decimal("99000.00"), Decimal(0))
    assert b.back_pay == Decimal("200.00")
    assert b.total == Decimal("5000.00") + Decimal("95854.20") + Decimal("99000.00") + 200
