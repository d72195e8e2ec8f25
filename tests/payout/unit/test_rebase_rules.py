"""调待 and corrections as terms: re-applied in order on a corrected base (更正重算)."""

from hypothesis import given
from hypothesis import strategies as st

from services.payout.determinations.records import terms_from_json, terms_to_json
from services.payout.domain.determination import DeterminationInputs, Terms
from tests.support.payout_rebase_rules import BASE, D, monthly

ADJUSTMENTS = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=300, places=2),
        st.decimals(min_value=0, max_value=D("0.2"), places=4),
    ),
    max_size=5,
)


def chain(start: DeterminationInputs, terms: list[Terms]) -> list[DeterminationInputs]:
    """Each term applied on the determination before it, as the service does."""
    out, on = [], start
    for t in terms:
        on = t.apply(on, monthly(on))
        out.append(on)
    return out


def test_a_tiao_dai_adds_its_fixed_amount_and_its_rate_of_the_amount_before_it() -> None:
    raised = Terms(fixed_amount=D("50.00"), rate=D("0.02")).apply(BASE, D("4792.71"))
    assert raised.adjustments == D("145.85")  # 50.00 + 95.8542 rounded to the fen
    fixed = Terms(corrected={"basic_balance": D("81000.00")}).apply(raised, D("4938.56"))
    assert (fixed.basic_balance, fixed.adjustments) == (D("81000.00"), D("145.85"))


def test_terms_keep_exact_strings_when_stored() -> None:
    terms = Terms(
        fixed_amount=D("50.00"),
        rate=D("0.025"),
        corrected={"contribution_months": 312, "average_index": D("1.2000")},
    )
    stored = terms_to_json(terms)
    assert stored == {
        "fixed_amount": "50.00",
        "rate": "0.025",
        "corrected": {"contribution_months": 312, "average_index": "1.2000"},
    }
    assert terms_from_json(stored) == terms


@given(ADJUSTMENTS)
def test_a_correction_that_changes_nothing_rebuilds_every_later_tiao_dai(adjustments) -> None:
    later = [Terms(fixed_amount=f, rate=r) for f, r in adjustments]
    same = Terms(corrected={"basic_balance": BASE.basic_balance}).apply(BASE, monthly(BASE))
    assert chain(same, later) == chain(BASE, later)


@given(ADJUSTMENTS, st.integers(min_value=180, max_value=480))
def test_each_rebased_tiao_dai_is_its_terms_on_the_corrected_amount_before_it(
    adjustments, months
) -> None:
    later = [Terms(fixed_amount=f, rate=r) for f, r in adjustments]
    corrected = Terms(corrected={"contribution_months": months}).apply(BASE, monthly(BASE))
    amounts = [monthly(corrected)] + [monthly(i) for i in chain(corrected, later)]
    for (fixed, rate), before, after in zip(adjustments, amounts[:-1], amounts[1:], strict=True):
        assert after - before == fixed + (before * rate).quantize(D("0.01"), "ROUND_HALF_UP")
