"""Income tax on the annuity (domain/tax.py): worked examples and properties over the
default tables and over any table the parameter's schema accepts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.payout.domain.tax import (
    MONTHLY,
    YEARLY,
    ZERO,
    lump_sum_table,
    tax_given_back,
    tax_of_addition,
    taxes_of_additions,
    withhold,
)
from services.payout.parameters.defaults import annuity_income_tax
from services.payout.parameters.schemas import AnnuityIncomeTax

DEFAULTS = AnnuityIncomeTax.model_validate(annuity_income_tax())
MONTH, YEAR = DEFAULTS.table(MONTHLY), DEFAULTS.table(YEARLY)
D = Decimal
AMOUNTS = st.decimals(min_value=D("0.00"), max_value=D("2000000.00"), places=2)


@pytest.mark.parametrize(
    ("table", "taxable", "tax"),
    [
        (MONTH, "0.00", "0.00"),
        (MONTH, "2800.00", "84.00"),  # 3%
        (MONTH, "3000.00", "90.00"),  # the top of the first bracket
        (MONTH, "3000.01", "90.00"),  # 300.001 - 210 = 90.001: continuous at the limit
        (MONTH, "4000.00", "190.00"),  # 10% - 210
        (MONTH, "4500.00", "240.00"),
        (MONTH, "12345.67", "1059.13"),  # 20% - 1410 = 1059.134
        (MONTH, "100000.00", "29840.00"),  # 45% - 15160
        (YEAR, "36000.00", "1080.00"),
        (YEAR, "150000.00", "13080.00"),  # 20% - 16920
        (YEAR, "1000000.00", "268080.00"),  # 45% - 181920
    ],
)
def test_worked_examples(table, taxable, tax) -> None:
    assert table.tax(D(taxable)) == D(tax)


def test_back_pay_bears_the_tax_of_the_whole_month_less_what_was_withheld() -> None:
    # 4,000.00 paid (190.00 withheld), then 500.00 back pay for the month: 240.00 - 190.00.
    assert tax_of_addition(MONTH, D("4000.00"), D("190.00"), D("500.00")) == D("50.00")
    # The regular line was 2,900.00 (87.00); back pay of 300.00 crosses into 10%:
    # 100.00 at 3% and 200.00 at 10%.
    assert tax_of_addition(MONTH, D("2900.00"), D("87.00"), D("300.00")) == D("23.00")


def test_a_payment_splits_into_net_and_tax_and_only_its_taxable_part_is_taxed() -> None:
    # Death benefits: 5,000 funeral grant and 100,000 抚恤金 are tax free, the annuity
    # balance of 150,000.00 is taxed with the yearly table.
    paid = withhold(YEAR, D("255000.00"), D("150000.00"))
    assert (paid.tax, paid.net) == (D("13080.00"), D("241920.00"))


def test_lump_sums_to_heirs_or_abroad_use_the_yearly_table_others_the_monthly() -> None:
    assert lump_sum_table("death") == YEARLY
    assert lump_sum_table("settled_abroad") == YEARLY
    assert lump_sum_table("lump_sum_at_retirement_age") == MONTHLY


@given(AMOUNTS, AMOUNTS)
def test_tax_is_never_negative_never_above_the_amount_and_monotone(a, b) -> None:
    for table in (MONTH, YEAR):
        low, high = sorted((a, b))
        assert ZERO <= table.tax(low) <= table.tax(high)
        assert table.tax(high) <= high


@given(AMOUNTS, st.decimals(min_value=D("0.00"), max_value=D("1.00"), places=2))
def test_net_plus_tax_is_the_gross_to_the_fen(gross, share) -> None:
    taxable = (gross * share).quantize(D("0.01"))
    for table in (MONTH, YEAR):
        paid = withhold(table, gross, taxable)
        assert paid.net + paid.tax == gross
        assert paid.tax == paid.tax.quantize(D("0.01"))
        assert ZERO <= paid.tax <= taxable


@given(AMOUNTS, st.lists(AMOUNTS, max_size=5))
def test_additions_add_up_to_the_tax_of_the_whole(first, more) -> None:
    amounts = [first, *more]
    taxes = taxes_of_additions(MONTH, (ZERO, ZERO), amounts)
    assert all(t >= 0 for t in taxes)
    assert sum(taxes, ZERO) == MONTH.tax(sum(amounts, ZERO))


def _table(limits_and_rates: list[tuple[D, D]]) -> AnnuityIncomeTax:
    """A table through the schema, its quick deductions as implied."""
    from services.payout.domain.tax import implied_quick_deductions

    deductions = implied_quick_deductions(
        [(lim, rate) for lim, rate in limits_and_rates[:-1]] + [(None, limits_and_rates[-1][1])]
    )
    rows = [
        {"up_to": None if i == len(limits_and_rates) - 1 else str(lim), "rate": str(rate),
         "quick_deduction": str(q.quantize(D("0.01")))}
        for i, ((lim, rate), q) in enumerate(zip(limits_and_rates, deductions, strict=True))
    ]  # fmt: skip
    return AnnuityIncomeTax.model_validate({"monthly": rows, "yearly": rows})


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=100000),
            st.decimals(min_value=D("0"), max_value=D("0.5"), places=2),
        ),
        min_size=1,
        max_size=6,
    ),
    AMOUNTS,
    AMOUNTS,
)
def test_any_accepted_table_is_monotone_and_never_negative(steps, a, b) -> None:
    # Rising limits (whole yuan, so that the implied deductions are exact to the fen) and
    # rates, built cumulatively so that the schema accepts them.
    limit, rate, rows = D("0.00"), D("0"), []
    for width, rise in steps:
        limit, rate = limit + width, min(D("1"), rate + rise)
        rows.append((limit.quantize(D("0.01")), rate))
    table = _table(rows).table(MONTHLY)
    low, high = sorted((a, b))
    assert ZERO <= table.tax(low) <= table.tax(high) <= high


def test_a_table_with_wrong_quick_deductions_is_refused() -> None:
    value = annuity_income_tax()
    value["monthly"][1]["quick_deduction"] = "200.00"  # 210.00 is implied
    with pytest.raises(ValidationError, match="quick_deduction"):
        AnnuityIncomeTax.model_validate(value)
    value = annuity_income_tax()
    value["yearly"][-1]["up_to"] = "2000000.00"  # the last bracket has no limit
    with pytest.raises(ValidationError, match="bracket_open_not_last"):
        AnnuityIncomeTax.model_validate(value)


def test_the_tax_given_back_on_a_recovered_annuity() -> None:
    # 4,000.00 bore 190.00; recovering 500.00 keeps 3,500.00 (140.00): 50.00 back.
    assert tax_given_back(MONTH, D("4000.00"), D("190.00"), D("500.00")) == D("50.00")
    # Then the rest of the month: everything it still bore.
    assert tax_given_back(MONTH, D("3500.00"), D("140.00"), D("3500.00")) == D("140.00")
    # Never more than the month bore (a failed line withheld nothing).
    assert tax_given_back(MONTH, D("4000.00"), D("0.00"), D("500.00")) == ZERO


@given(AMOUNTS, AMOUNTS, AMOUNTS)
def test_the_cases_of_a_month_give_back_what_it_bore_above_the_tax_of_what_it_keeps(
    gross, first, second
) -> None:
    # Any two recoveries of one month, in turn: together they give back the tax withheld
    # less the tax of what the month finally keeps, never a fen more.
    bore = MONTH.tax(gross)
    one = tax_given_back(MONTH, gross, bore, first)
    two = tax_given_back(MONTH, gross - first, bore - one, second)
    kept = max(ZERO, gross - first - second)
    assert one >= ZERO and two >= ZERO
    assert one + two == bore - MONTH.tax(kept)
