"""Retirement rules: required age from a dated rule table, minimum contribution months.

Rules are data (parameter rows), not constants: an age rule covers persons of one sex and
staff group born in a date range, at a base age, rising by `step_months` for every
`step_every_months` months of birth after the range starts (the gradual rise from 2025),
up to a cap.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class AgeRule:
    """One row of the retirement-age table."""

    id: int
    sex: str  # male | female
    staff_group: str  # all | cadre | worker
    born_from: date
    born_to: date | None
    base_age_months: int
    step_every_months: int | None
    step_months: int
    max_age_months: int


@dataclass(frozen=True)
class MinimumRule:
    """Minimum contribution months for retirements from a year on."""

    id: int
    from_year: int
    months: int


@dataclass(frozen=True)
class ContributionSummary:
    """The months a retirement counts and what payout's average index I is computed from:
    local months with the sum of their monthly indices, months brought in by transfers with
    the sum of the indices their origins stated (contribution months include both)."""

    months: int
    average_index: Decimal | None  # local indexed months only (shown as before)
    indexed_months: int
    index_sum: Decimal
    transferred_months: int
    transferred_indexed_months: int
    transferred_index_sum: Decimal


CADRE_CATEGORIES = frozenset({"civil_servant", "public_institution_staff"})


class RuleMissing(LookupError):
    """No parameter row covers the case; `key` and `params` name it for the message."""

    def __init__(self, detail: str, key: str, **params: object) -> None:
        super().__init__(detail)
        self.key = key
        self.params = params


def staff_group(staff_category: str) -> str:
    """Cadre (干部) or worker (工人): women's retirement ages differ by group."""
    return "cadre" if staff_category in CADRE_CATEGORIES else "worker"


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (age in months on a date)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def required_age_months(
    birth: date, sex: str, category: str, rules: list[AgeRule]
) -> tuple[int, AgeRule]:
    """The retirement age in months for this person, and the rule that gave it."""
    group = staff_group(category)
    for rule in rules:
        if rule.sex != sex or rule.staff_group not in ("all", group):
            continue
        if birth < rule.born_from or (rule.born_to is not None and birth > rule.born_to):
            continue
        age = rule.base_age_months
        if rule.step_every_months:
            born_after = (
                (birth.year - rule.born_from.year) * 12 + birth.month - rule.born_from.month
            )
            age += (born_after // rule.step_every_months + 1) * rule.step_months
        return min(age, rule.max_age_months), rule
    raise RuleMissing(
        f"no retirement-age rule for a {sex} {group} born {birth}",
        "retirement_age_rule_missing",
        sex=sex,
        staff_group=group,
        birth_date=birth.isoformat(),
    )


def minimum_months(retirement_year: int, rules: list[MinimumRule]) -> tuple[int, MinimumRule]:
    """The minimum contribution months for a retirement in that year, and its rule."""
    applicable = [r for r in rules if r.from_year <= retirement_year]
    if not applicable:
        raise RuleMissing(
            f"no minimum-contribution rule for {retirement_year}",
            "minimum_rule_missing",
            year=retirement_year,
        )
    rule = max(applicable, key=lambda r: (r.from_year, r.id))
    return rule.months, rule


@dataclass(frozen=True)
class RetirementDecision:
    """Whether a person may retire on a date, and the figures the decision rests on."""

    age_months: int
    required_age_months: int
    age_rule: AgeRule
    minimum_months: int
    minimum_rule: MinimumRule


class RetirementRefused(ValueError):
    """The person may not retire; `code` and `figures` explain why."""

    def __init__(self, code: str, detail: str, **figures: object) -> None:
        super().__init__(detail)
        self.code = code
        self.figures = figures


def decide_retirement(
    birth: date,
    sex: str,
    category: str,
    retired_on: date,
    contribution_months: int,
    deemed_months: int,
    age_rules: list[AgeRule],
    minimum_rules: list[MinimumRule],
) -> RetirementDecision:
    """Retirement age reached and enough months (contributed plus deemed), or refused.

    Raises RuleMissing when no parameter row covers the case.
    """
    required, age_rule = required_age_months(birth, sex, category, age_rules)
    minimum, minimum_rule = minimum_months(retired_on.year, minimum_rules)
    age = months_between(birth, retired_on)
    if age < required:
        raise RetirementRefused(
            "retirement_age_not_reached",
            f"Age on {retired_on} is {age // 12} years {age % 12} months; this person "
            f"retires at {required // 12} years {required % 12} months.",
            age_months=age,
            required_age_months=required,
            rule_id=age_rule.id,
            on=retired_on.isoformat(),
            age_years=age // 12,
            age_rest_months=age % 12,
            required_years=required // 12,
            required_rest_months=required % 12,
        )
    if contribution_months + deemed_months < minimum:
        raise RetirementRefused(
            "contribution_years_insufficient",
            f"{contribution_months} months contributed plus {deemed_months} deemed months is "
            f"less than the {minimum} months required; the person may contribute on or "
            "choose the lump-sum withdrawal.",
            contribution_months=contribution_months,
            deemed_months=deemed_months,
            minimum_months=minimum,
        )
    return RetirementDecision(age, required, age_rule, minimum, minimum_rule)
