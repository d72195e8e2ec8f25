"""The annuity is paid until its balance is exhausted; the last payment is the remainder."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.annuity import annuity_for_month
from services.payout.domain.benefit import account_pension
from services.payout.domain.death import balance_left


def test_the_last_payment_is_the_remainder() -> None:
    balance, monthly = Decimal("1000.00"), Decimal("300.00")
    paid = [annuity_for_month(balance, monthly, k) for k in range(1, 7)]
    assert paid == [Decimal("300.00")] * 3 + [Decimal("100.00"), Decimal("0.00"), Decimal("0.00")]


@given(
    st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("900000.00"), places=2),
    st.integers(min_value=56, max_value=233),
)
def test_the_months_paid_sum_to_the_balance_and_what_is_left_is_inherited(balance, divisor) -> None:
    monthly = account_pension(balance, divisor)
    paid, months = Decimal("0.00"), 0
    while (amount := annuity_for_month(balance, monthly, months + 1)) > 0:
        assert amount <= monthly
        assert balance_left(balance, monthly, months) == balance - paid  # inheritable now
        paid, months = paid + amount, months + 1
    assert paid == balance
    assert months in (divisor - 1, divisor, divisor + 1)
    assert balance_left(balance, monthly, months) == 0
