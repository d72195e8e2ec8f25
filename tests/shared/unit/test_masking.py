"""The masking policy: by field kind and caller, and what a masked id leaves to guess."""

import calendar
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from pydantic import BaseModel

from shared.data.ids import citizen_check_char, mask_citizen_id
from shared.http import masking
from shared.http.auth import Principal
from shared.http.masking import (
    AccountNumberText,
    BirthDate,
    CitizenIdText,
    MaskedDetail,
    SexText,
    bind_viewer,
    mask_free_form,
    shown,
)
from shared.redaction import FieldKind, kind_of_key

CID = "330522197104295450"  # the id of issue #17


@pytest.fixture(autouse=True)
def _no_viewer_left_behind() -> Iterator[None]:
    """Each test binds its own caller; none leaks into the tests that run after it."""
    token = masking._viewer.set(None)
    yield
    masking._viewer.reset(token)


class Answer(BaseModel):
    citizen_id: CitizenIdText
    survivor_citizen_id: CitizenIdText | None
    birth_date: BirthDate
    sex: SexText
    account_number: AccountNumberText
    detail: MaskedDetail


def _answer() -> Answer:
    return Answer(
        citizen_id=CID,
        survivor_citizen_id="11010519491231002X",
        birth_date=date(1971, 4, 29),
        sex="male",
        account_number="6221880011112222",
        detail={"payee": {"citizen_id": CID, "account_number": "6221880011112222"}, "n": 3},
    )


def _as(*roles: str) -> Principal:
    return Principal(subject=f"s-{uuid.uuid4()}", roles=frozenset(roles), token_id="t")


@pytest.mark.parametrize("roles", [("clerk",), ("admin",), ("finance", "clerk")])
def test_clerks_and_admins_see_everything_in_full(roles) -> None:
    bind_viewer(_as(*roles))
    out = _answer().model_dump(mode="json")
    assert out["citizen_id"] == CID and out["birth_date"] == "1971-04-29"
    assert out["account_number"] == "6221880011112222"
    assert out["detail"]["payee"]["citizen_id"] == CID


@pytest.mark.parametrize("roles", [("finance",), ("auditor",), ("bank",), ()])
def test_everyone_else_sees_area_and_last_two_the_birth_year_and_last_four(roles) -> None:
    bind_viewer(_as(*roles))
    for mode in ("json", "python"):
        out = _answer().model_dump(mode=mode)
        assert out["citizen_id"] == "330522**********50"
        assert out["survivor_citizen_id"] == "110105**********2X"
        assert out["birth_date"] == "1971-**-**"
        assert out["sex"] == "male"  # the masked id's 17th digit (5, odd) says as much
        assert out["account_number"] == "************2222"
        assert out["detail"] == {
            "payee": {"citizen_id": "330522**********50", "account_number": "************2222"},
            "n": 3,
        }


def test_a_field_kind_comes_from_its_name_and_free_text_is_masked_by_shape() -> None:
    assert kind_of_key("survivor_citizen_id") == FieldKind.citizen_id
    assert kind_of_key("payee_account_number") == FieldKind.account_number
    assert kind_of_key("born_on") == FieldKind.birth_date
    assert kind_of_key("unit_id") is None and kind_of_key("essex") is None
    remark = f"改发至 6221880011112222（{CID}，生于19710429）"
    masked = mask_free_form({"remark": remark}, _as("auditor"))
    assert masked == {"remark": "改发至 ************2222（330522**********50，生于1971****）"}
    assert shown(FieldKind.birth_date, date(1971, 4, 29), _as("finance")) == "1971-**-**"


def _candidates(masked: str, year: int, month: int | None) -> Iterator[str]:
    """Every valid id agreeing with the masked one, born in that year (and month)."""
    seqs = [f"{s:03d}" for s in range(1000)]
    seqs = [s for s in seqs if all(c in ("*", s[i]) for i, c in enumerate(masked[14:17]))]
    for m in [month] if month else range(1, 13):
        for day in range(1, calendar.monthrange(year, m)[1] + 1):
            for seq in seqs:
                first17 = f"{masked[:6]}{year}{m:02d}{day:02d}{seq}"
                full = first17 + citizen_check_char(first17)
                if all(c in ("*", full[i]) for i, c in enumerate(masked)):
                    yield full


def test_the_masked_id_and_the_birth_year_leave_thousands_of_candidates() -> None:
    # What issue #17 used: area + last four and the birth date; with only the year shown the
    # old mask still left a few dozen, and a birth month (a retirement date) a handful.
    old = CID[:6] + "********" + CID[-4:]
    assert len(list(_candidates(old, 1971, None))) < 40
    assert len(list(_candidates(old, 1971, 4))) < 5
    new = mask_citizen_id(CID)
    assert len(list(_candidates(new, 1971, 4))) > 200
    by_year = list(_candidates(new, 1971, None))
    assert CID in by_year and len(by_year) > 3000
