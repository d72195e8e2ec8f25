"""Property tests: figures rounded half up at any precision are never reported."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.budget.domain.checker import check
from services.budget.domain.document import Line, Statement, YearDocument
from services.budget.domain.tolerance import half_unit, ratio_bounds, verdict

CENT = Decimal("0.01")
amounts = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n) / 100)


def rounded(value: Decimal, places: int, mode: str = ROUND_HALF_UP) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=mode))


def doc(lines: list[Decimal], statements: list[Statement]) -> YearDocument:
    return YearDocument(
        department={"code": "d", "name": "部门", "county": "县"},
        year=2020,
        functional=[Line(code=f"2{n:02d}", actual=a) for n, a in enumerate(lines)],
        statements=statements,
    )


@given(st.lists(amounts, min_size=1, max_size=8), st.integers(min_value=0, max_value=3))
def test_shares_rounded_half_up_are_never_flagged(parts: list[Decimal], places: int) -> None:
    total = sum(parts, Decimal(0))
    statements = [
        Statement(
            place="p",
            kind="share",
            subject=f"functional.2{n:02d}",
            of="functional.total",
            value=rounded(100 * a / total, places) if total else "0",
        )
        for n, a in enumerate(parts)
    ]
    findings = check(doc(parts, statements))
    assert [f for f in findings if f.code not in ("rate_from_zero_base",)] == []


@given(st.lists(amounts, min_size=1, max_size=10), st.integers(min_value=0, max_value=2))
def test_sums_of_rounded_parts_agree_with_the_rounded_total(parts, places) -> None:
    total = rounded(sum(parts, Decimal(0)), places)
    statements = [Statement(place="p", kind="amount", subject="functional.total", value=total)]
    lines = [Decimal(rounded(a, 2)) for a in parts]
    assert check(doc(lines, statements)) == []


@given(amounts.filter(lambda a: a > 1), amounts.filter(lambda a: a > 1))
def test_truncated_rates_are_told_from_wrong_ones(part: Decimal, whole: Decimal) -> None:
    bounds = ratio_bounds(part, Decimal("0.005"), whole, Decimal("0.005"))
    assert bounds is not None
    exact = 100 * part / whole
    assert verdict(rounded(exact, 2), bounds) == "ok"
    cut = rounded(exact, 2, ROUND_DOWN)
    assert verdict(cut, bounds) in ("ok", "truncated")
    far = str(Decimal(rounded(exact, 2)) + Decimal("0.05"))
    if Decimal(far) - half_unit(far) > bounds[1] + CENT:
        assert verdict(far, bounds) == "wrong"
