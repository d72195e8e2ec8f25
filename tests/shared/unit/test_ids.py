"""Citizen id (GB 11643) and unified social credit code (GB 32100) checks."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.data.ids import (
    USCC_CHARSET,
    InvalidIdentifier,
    citizen_check_char,
    mask_account_number,
    mask_citizen_id,
    org_code_check_char,
    parse_citizen_id,
    uscc_check_char,
    uscc_kind,
    validate_uscc,
)


def test_published_citizen_id_example_parses_with_birth_date_and_sex() -> None:
    parsed = parse_citizen_id("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "female"  # 17th digit 2 is even
    assert parsed.area_code == "110105"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "check digit"),
        ("11010519491231002", "17 digits"),
        ("1101051949123100XX", "17 digits"),
        ("110105194902300025", "impossible birth date"),
        ("110105180001010029", "before 1900"),
    ],
)
def test_bad_citizen_ids_are_refused_with_a_reason(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        parse_citizen_id(number)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["110105", "330522", "440305"]),
)
def test_any_number_with_its_computed_check_char_parses_back(
    birth: date, seq: int, area: str
) -> None:
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    parsed = parse_citizen_id(first17 + citizen_check_char(first17))
    assert parsed.birth_date == birth
    assert parsed.sex == ("male" if seq % 2 else "female")


@given(st.integers(min_value=0, max_value=16), st.sampled_from("0123456789"))
def test_changing_one_digit_breaks_the_check(position: int, digit: str) -> None:
    valid = "11010519491231002X"
    mutated = valid[:position] + digit + valid[position + 1 :]
    if mutated == valid:
        return
    with pytest.raises(InvalidIdentifier):
        parse_citizen_id(mutated)


def test_mask_keeps_area_and_last_two() -> None:
    assert mask_citizen_id("11010519491231002X") == "110105**********2X"


@given(st.text(alphabet="0123456789", max_size=32))
def test_an_account_number_masked_shows_at_most_its_last_four(number: str) -> None:
    masked = mask_account_number(number)
    assert len(masked) == len(number)
    shown = masked.lstrip("*")
    assert len(shown) == (4 if len(number) > 4 else 0) and number.endswith(shown)


def test_published_credit_code_example_is_valid() -> None:
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_credit_code_prefix_tells_the_unit_kind() -> None:
    assert uscc_kind("11330522MB00000194") == "government_agency"
    assert uscc_kind("12330522MB0000027A") == "public_institution"
    assert uscc_kind("91350100M000100Y43") is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "18 characters"),  # I is not in the charset
    ],
)
def test_bad_credit_codes_are_refused(code: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        validate_uscc(code)


def test_credit_code_with_a_broken_organisation_code_part_is_refused() -> None:
    body8 = "MB000001"
    wrong = "0" if org_code_check_char(body8) != "0" else "1"
    first17 = "12330522" + body8 + wrong
    with pytest.raises(InvalidIdentifier, match="organisation code"):
        validate_uscc(first17 + uscc_check_char(first17))


@given(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
    st.sampled_from(["11", "12"]),
)
def test_generated_credit_codes_round_trip(body8: str, prefix: str) -> None:
    org_check = org_code_check_char(body8)
    if org_check not in USCC_CHARSET:
        return
    first17 = prefix + "330522" + body8 + org_check
    assert validate_uscc(first17 + uscc_check_char(first17)) == first17 + uscc_check_char(first17)
