"""A parameter the provincial platform publishes, in the province's name, checked as the
enrollment parameter it maps to (the local route's schema)."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.enrollment.domain.interest import InterestConvention
from services.enrollment.individual_accounts.schemas import AccountKind, InterestRateIn
from shared.http.inbound import InboundItem
from shared.i18n import Invalid


class PublishedName(StrEnum):
    """The province's names of the parameters enrollment keeps (docs/province.md)."""

    interest_rate = "interest_rate"  # 记账利率, for one year and account kind


class PublishedRate(BaseModel):
    """A year's bookkeeping rate: the account kind, the yearly rate as a decimal fraction
    string (6.04% is "0.0604"), and how postings during the year earn it."""

    model_config = ConfigDict(extra="forbid")

    account_kind: AccountKind
    rate: str
    convention: InterestConvention = InterestConvention.month_after_credit


class PublishedParameter(InboundItem):
    """One published version: a rate is the year's, so it is in force from 1 January."""

    model_config = ConfigDict(extra="forbid")

    name: PublishedName
    effective_from: date
    value: PublishedRate
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _as_local(self) -> "PublishedParameter":
        if (self.effective_from.month, self.effective_from.day) != (1, 1):
            raise Invalid("rate_from_first_of_year", field="effective_from")
        self.local()
        return self

    def local(self) -> InterestRateIn:
        """The version as the local route takes it (its checks: the year, the rate's form)."""
        try:
            return InterestRateIn(
                year=self.effective_from.year,
                account_kind=self.value.account_kind,
                rate=self.value.rate,
                convention=self.value.convention,
                note=self.note,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = {"year": "effective_from"}.get(str(first["loc"][0]), f"value.{first['loc'][0]}")
            context = {k: str(v) for k, v in (first.get("ctx") or {}).items()}
            raise Invalid(f"validation.{first['type']}", field=where, **context) from None
