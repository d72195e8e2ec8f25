"""Transfer-in amounts and months at their bounds (issue #17, item 2): property tests."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.transfers import AMOUNT_FIELDS, arrival_refusal
from shared.data.money import MAX_AMOUNT

CEILING = Decimal("500000.00")
FIELDS = sorted(AMOUNT_FIELDS)
fen = st.integers(min_value=0, max_value=int(CEILING * 100)).map(lambda n: Decimal(n) / 100)
above = st.integers(min_value=int(CEILING * 100) + 1, max_value=int(MAX_AMOUNT * 100)).map(
    lambda n: Decimal(n) / 100
)


@given(st.lists(fen, min_size=4, max_size=4), st.integers(min_value=0, max_value=600))
def test_everything_up_to_the_ceilings_is_accepted(amounts: list[Decimal], months: int) -> None:
    assert arrival_refusal(dict(zip(FIELDS, amounts, strict=True)), months, CEILING, 600) is None


@given(st.sampled_from(FIELDS), above, st.lists(fen, min_size=4, max_size=4))
def test_one_amount_above_the_ceiling_is_refused_by_its_field(
    field: str, amount: Decimal, others: list[Decimal]
) -> None:
    amounts = {**dict(zip(FIELDS, others, strict=True)), field: amount}
    refused = arrival_refusal(amounts, 0, CEILING, 600)
    assert refused is not None
    assert (refused.code, refused.field) == ("amount_above_ceiling", field)
    assert refused.params["ceiling"] == str(CEILING)
    assert refused.message == f"amount_above_ceiling.{field}"


def test_negative_amounts_and_too_many_months_are_refused() -> None:
    zero = dict.fromkeys(FIELDS, Decimal("0.00"))
    negative = arrival_refusal({**zero, "pooled_fund_amount": Decimal("-0.01")}, 0, CEILING, 600)
    assert negative is not None and negative.code == "amount_negative"
    months = arrival_refusal(zero, 601, CEILING, 600)
    assert months is not None
    assert (months.code, months.field) == ("months_above_ceiling", "contribution_months")
    assert arrival_refusal(zero, 600, CEILING, 600) is None
