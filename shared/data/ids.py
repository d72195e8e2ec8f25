"""Identifier checks: citizen id (GB 11643) and unified social credit code (GB 32100)."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from shared.data.clock import agency_today
from shared.i18n.invalid import Invalid

CITIZEN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_CHECK = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_KIND_BY_PREFIX = {"11": "government_agency", "12": "public_institution"}


class InvalidIdentifier(Invalid):
    """An identifier that fails its format or check digit: a catalogue key, and English text
    for logs and callers that print it."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(key)
        self.text = text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class CitizenId:
    """A validated citizen id with what it tells about the person."""

    number: str
    birth_date: date
    sex: str  # "male" or "female"
    area_code: str


def citizen_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, CITIZEN_WEIGHTS, strict=True))
    return CITIZEN_CHECK[total % 11]


def parse_citizen_id(raw: str) -> CitizenId:
    """Validate an 18-character citizen id and derive birth date and sex from it."""
    number = raw.strip().upper()
    well_formed = len(number) == 18 and number[:17].isdigit() and number[17] in "0123456789X"
    if not well_formed:
        raise InvalidIdentifier(
            "citizen_id_format", "citizen id must be 17 digits followed by a digit or X"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdentifier(
            "citizen_id_birth_date_impossible", "citizen id holds an impossible birth date"
        ) from exc
    if birth.year < 1900:
        raise InvalidIdentifier(
            "citizen_id_birth_year_too_early", "citizen id holds a birth year before 1900"
        )
    if birth > agency_today():
        raise InvalidIdentifier(
            "citizen_id_birth_date_future", "citizen id holds a birth date in the future"
        )
    if citizen_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier("citizen_id_check_digit", "citizen id check digit does not match")
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return CitizenId(number=number, birth_date=birth, sex=sex, area_code=number[:6])


def mask_citizen_id(number: str) -> str:
    """Mask a citizen id for display: keep the area prefix and the last two characters.

    Not the last four: with the birth year shown, area + last four leave ~33 candidate ids
    (the check character rules out ten birth dates in eleven); see shared/http/masking.py.
    """
    if len(number) < 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 8) + number[-2:]


def mask_account_number(number: str) -> str:
    """Mask a bank account number for display: keep the last four characters."""
    return "*" * (len(number) - 4) + number[-4:] if len(number) > 4 else "*" * len(number)


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation code body."""
    # GB 11714 values letters over the whole alphabet (A=10 ... Z=35), unlike GB 32100.
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Validate an 18-character unified social credit code and return it normalised."""
    code = raw.strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        raise InvalidIdentifier(
            "credit_code_format",
            "credit code must be 18 characters from 0-9 and ABCDEFGHJKLMNPQRTUWXY",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier("credit_code_check", "credit code check character does not match")
    org_body = code[8:16]
    if org_code_check_char(org_body) != code[16]:
        raise InvalidIdentifier(
            "credit_code_org_part", "organisation code part (characters 9-17) fails its check"
        )
    return code


def uscc_kind(code: str) -> str | None:
    """Return 'government_agency' or 'public_institution' from the code prefix, if known."""
    return USCC_KIND_BY_PREFIX.get(code[:2])


def _normalised_citizen_id(raw: str) -> str:
    try:
        return parse_citizen_id(raw).number
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from exc


# A request field holding a valid citizen id (normalised to upper case).
CitizenIdField = Annotated[
    str,
    AfterValidator(_normalised_citizen_id),
    WithJsonSchema({"type": "string", "minLength": 18, "maxLength": 18}),
]
