"""Request and response bodies for the provincial platform's death notices."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.http.masking import CitizenIdText


class DeathNotice(BaseModel):
    """One death reported by the provincial platform."""

    notice_id: str = Field(min_length=1, max_length=64)
    citizen_id: str = Field(min_length=18, max_length=18)
    date_of_death: date


class DeathNotices(BaseModel):
    """A batch of death notices."""

    notices: list[DeathNotice] = Field(min_length=1, max_length=1000)


class NoticeResult(BaseModel):
    """What happened to one notice (recorded, already recorded, unknown person, rejected)."""

    notice_id: str
    citizen_id: CitizenIdText
    result: Literal["recorded", "already_recorded", "unknown_person", "rejected"]
    detail: str | None = None
