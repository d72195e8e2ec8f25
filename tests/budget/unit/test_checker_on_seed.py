"""The checker run on the seed's 2020 report finds the document's real contradictions."""

import pytest
from pydantic import ValidationError

from services.budget.domain.checker import check
from services.budget.domain.document import Indicator
from tests.support.budget_seed import seed_years


def by_code(findings) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def test_income_growth_stated_as_4_90_is_an_error_and_contradicts_4_87() -> None:
    prior, current = seed_years()
    found = by_code(check(current, prior))
    (growth,) = found["growth_rate_mismatch"]
    assert growth.severity == "error"
    assert growth.places[0].value == "4.90%"
    assert "4.8704%" in growth.message
    (twice,) = found["stated_differently"]
    assert [p.value for p in twice.places] == ["4.87%", "4.90%"]
    assert twice.places[0].place.startswith("第二部分 一") and twice.places[1].place.startswith(
        "第二部分 四"
    )


def test_expenditure_growth_4_9_and_4_94_are_consistent_at_their_precision() -> None:
    prior, current = seed_years()
    findings = check(current, prior)
    stated = {p.value for f in findings for p in f.places}
    assert "4.9%" not in stated and "4.94%" not in stated and "4.23%" not in stated


def test_shares_forced_to_add_up_are_found_but_rounding_is_not() -> None:
    prior, current = seed_years()
    found = by_code(check(current, prior))
    wrong = {f.places[0].what: f.places[0].value for f in found["share_mismatch"]}
    assert wrong == {"项目支出（占比）": "1%", "住房保障支出（占比）": "0.08%"}
    truncated = {f.places[0].what for f in found["share_truncated"]}
    assert truncated == {"基本支出（占比）", "教育支出（占比）"}
    # 65.33%, 0.04%, 99.33%, 0.67% and 99% of income are right at their precision
    flagged = {p.value for f in found.get("share_mismatch", []) for p in f.places}
    assert not {"65.33%", "0.04%", "99.33%", "0.67%"} & flagged


def test_rates_from_a_zero_base() -> None:
    prior, current = seed_years()
    zero = by_code(check(current, prior))["rate_from_zero_base"]
    warnings = [f for f in zero if f.severity == "warning"]
    assert [f.places[0].what for f in warnings] == ["公务接待费（增长率）"]
    assert warnings[0].places[0].value == "100%"
    assert all(f.severity == "note" for f in zero if f not in warnings)


def test_three_public_completion_8_percent_against_its_only_item_at_100() -> None:
    prior, current = seed_years()
    (conflict,) = by_code(check(current, prior))["completion_parts_conflict"]
    assert [p.value for p in conflict.places] == ["8%", "100%"]


def test_sums_consistent_at_stated_precision_are_not_flagged() -> None:
    prior, current = seed_years()
    found = by_code(check(current, prior))
    # 0.2 + 3.3 + 0.6 = 4.1 against 4.11, 8621.36 + 58.38 against 8679.75: rounding only
    for code in ("breakdown_does_not_add_up", "parts_do_not_add_up", "stated_amount_differs"):
        assert code not in found, found.get(code)
    assert "completion_rate_mismatch" not in found
    assert "change_mismatch" not in found


def test_a_wrong_amount_and_a_missing_indicator_are_reported_with_both_places() -> None:
    prior, current = seed_years()
    statements = list(current.statements)
    statements[1] = statements[1].model_copy(update={"value": "8677.30"})
    project = current.projects[0]
    indicators = list(project.indicators)
    indicators[0] = indicators[0].model_copy(update={"actual": None})
    projects = [project.model_copy(update={"indicators": indicators}), *current.projects[1:]]
    changed = current.model_copy(update={"statements": statements, "projects": projects})
    found = by_code(check(changed, prior))
    (amount,) = found["stated_amount_differs"]
    assert [p.value for p in amount.places] == ["8677.30万元", "8677.03万元"]
    (missing,) = found["indicator_actual_missing"]
    assert missing.severity == "warning" and "走访认证人数" in missing.message


def test_without_a_prior_year_no_growth_is_checked() -> None:
    _, current = seed_years()
    codes = {f.code for f in check(current, None)}
    assert "growth_rate_mismatch" not in codes and "share_mismatch" in codes


def test_basic_expenditure_breakdown_plus_projects_exceeds_the_general_budget() -> None:
    prior, current = seed_years()
    (found,) = by_code(check(current, prior))["basic_and_projects_exceed_total"]
    assert found.severity == "warning"
    assert [(p.place[:7], p.value) for p in found.places] == [
        ("第二部分 五（", "8621.36"),
        ("第二部分 六、", "8621.36"),
        ("第二部分 十（", "13.87"),
    ]


def test_a_cost_indicator_that_is_not_the_projects_money_is_found() -> None:
    prior, current = seed_years()
    assert "indicator_cost_differs" not in by_code(check(current, prior))  # 4.11, 2.3, 3.59...
    project = current.projects[1]
    indicators = [
        i.model_copy(update={"actual": "2.8万元"}) if i.level2 == "成本指标" else i
        for i in project.indicators
    ]
    projects = list(current.projects)
    projects[1] = project.model_copy(update={"indicators": indicators})
    found = by_code(check(current.model_copy(update={"projects": projects}), prior))
    (cost,) = found["indicator_cost_differs"]
    assert [p.value for p in cost.places] == ["2.8万元", "2.30万元"]


def test_satisfaction_over_100_percent_is_refused() -> None:
    with pytest.raises(ValidationError, match="percent_above_whole"):
        Indicator(level1="效益指标", level2="满意度", level3="受众满意程度", expected="120%")
    # a completion rate may pass 100 (the seed's 100.1% of the coverage target)
    Indicator(level1="项目完成指标", level2="数量指标", level3="参保人数", expected="100.1%")
