"""Message keys that enrollment builds at run time (not literals at a raise site) all have
both languages: the static check in tests/architecture cannot see them."""

from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.domain.deemed import DeemedLimits, DeemedRefused, check_deemed
from services.enrollment.domain.retirement import (
    AgeRule,
    MinimumRule,
    RetirementRefused,
    RuleMissing,
    decide_retirement,
    minimum_months,
)
from services.enrollment.domain.status import (
    TRANSITIONS,
    ChangeType,
    PersonStatus,
    TransitionRefused,
    next_status,
)
from services.enrollment.domain.transfers import AMOUNT_FIELDS, arrival_refusal
from services.enrollment.domain.withdrawal import withdrawal_refusal
from services.enrollment.individual_accounts.schemas import AccountKind
from services.enrollment.messages import LOCALES
from shared.data.ids import InvalidIdentifier, parse_citizen_id, validate_uscc
from shared.i18n.catalogue import LOCALES as LANGUAGES
from shared.i18n.catalogue import catalogue_for, placeholders

MESSAGES = catalogue_for(LOCALES).messages


def assert_known(*keys: str) -> None:
    missing = [f"{k} ({lang})" for k in keys for lang in LANGUAGES if k not in MESSAGES[lang]]
    assert missing == []


def assert_filled(key: str, params: dict[str, object]) -> None:
    """The message exists and every placeholder it has is given."""
    assert_known(key)
    assert placeholders(MESSAGES["zh_CN"][key]) <= set(params), key


def test_every_refused_transition_has_its_message() -> None:
    keys = []
    for change, (allowed, _) in TRANSITIONS.items():
        current = next(s for s in PersonStatus if s not in allowed)
        with pytest.raises(TransitionRefused) as refused:
            next_status(current, change)
        keys.append(refused.value.key)
    with pytest.raises(TransitionRefused) as once:
        next_status(PersonStatus.active, ChangeType.new_enrolment)
    assert_known(*keys, once.value.key)


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("33052219800315123", "citizen_id_format"),
        ("330522198002301234", "citizen_id_birth_date_impossible"),
        ("330522180001011234", "citizen_id_birth_year_too_early"),
        ("330522298001011234", "citizen_id_birth_date_future"),
        ("330522198003151230", "citizen_id_check_digit"),
    ],
)
def test_every_refused_citizen_id_names_its_message(number: str, key: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_citizen_id(number)
    assert refused.value.key == key
    assert_known(key)


def test_every_refused_credit_code_names_its_message() -> None:
    keys = []
    for code in ("12330000MB000001", "12330000MB0000001A", "12330000MB0000011X"):
        with pytest.raises(InvalidIdentifier) as refused:
            validate_uscc(code)
        keys.append(refused.value.key)
    assert len(set(keys)) >= 2
    assert_known(*keys)


def test_domain_refusals_name_messages_with_every_figure_they_use() -> None:
    zero = dict.fromkeys(AMOUNT_FIELDS, Decimal("0"))
    refusals = [arrival_refusal(zero, 601, Decimal("1"), 600)]
    for field in AMOUNT_FIELDS:
        refusals.append(arrival_refusal({**zero, field: Decimal("-1")}, 0, Decimal("1"), 600))
        refusals.append(arrival_refusal({**zero, field: Decimal("2")}, 0, Decimal("1"), 600))
    assert len({r.message for r in refusals if r is not None}) == 9
    for refusal in refusals:
        assert refusal is not None
        assert_filled(refusal.message, refusal.params)
    withdrawals = [
        withdrawal_refusal("death", PersonStatus.active, 0, 0, 0, 0),
        withdrawal_refusal("settled_abroad", PersonStatus.withdrawn, 0, 0, 0, 0),
        withdrawal_refusal("lump_sum_at_retirement_age", PersonStatus.active, 1, 2, 0, 0),
        withdrawal_refusal("lump_sum_at_retirement_age", PersonStatus.active, 2, 2, 180, 180),
    ]
    for withdrawal in withdrawals:
        assert withdrawal is not None
        assert_filled(*withdrawal)
    for kind in AccountKind:
        assert_filled(f"interest_rate_missing.{kind.value}", {"year": 2020, "account_kind": kind})


def test_rule_and_limit_refusals_name_their_messages() -> None:
    with pytest.raises(RuleMissing) as no_minimum:
        minimum_months(2020, [])
    assert_filled(no_minimum.value.key, no_minimum.value.params)
    rule = AgeRule(1, "male", "all", date(1900, 1, 1), None, 720, None, 0, 720)
    minimum = MinimumRule(1, 1990, 180)
    with pytest.raises(RuleMissing) as no_age:
        decide_retirement(date(1980, 1, 1), "female", "worker", date(2040, 1, 1), 0, 0, [rule], [])
    assert_filled(no_age.value.key, no_age.value.params)
    refusals = []
    for born, months in ((date(1980, 1, 1), 0), (date(1960, 1, 1), 0)):
        with pytest.raises(RetirementRefused) as refused:
            decide_retirement(
                born, "male", "worker", date(2021, 1, 1), months, 0, [rule], [minimum]
            )
        refusals.append(refused.value)
    assert [r.code for r in refusals] == [
        "retirement_age_not_reached",
        "contribution_years_insufficient",
    ]
    for refusal in refusals:
        assert_filled(refusal.code, refusal.figures)
    limits = DeemedLimits(16, Decimal("0.6"), Decimal("3"), 60)
    for months, index in ((700, Decimal("1")), (10, Decimal("9"))):
        with pytest.raises(DeemedRefused) as deemed:
            check_deemed(date(1960, 1, 1), months, index, 0, limits)
        assert_filled(deemed.value.key, deemed.value.params)
