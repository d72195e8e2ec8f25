"""A parameter the provincial platform publishes, in the province's name, checked by the
schema of the payout parameter it maps to."""

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

from services.payout.parameters.schemas import ParameterName, nested_refusal, parse_value
from shared.http.inbound import InboundItem
from shared.i18n import Invalid


class PublishedName(StrEnum):
    """The province's names of the parameters payout keeps (docs/province.md)."""

    benefit_wage_base = "benefit_wage_base"  # 计发基数
    pension_adjustment = "pension_adjustment"  # the year's 调待 rule


OURS: dict[PublishedName, ParameterName] = {
    PublishedName.benefit_wage_base: ParameterName.wage_base,
    PublishedName.pension_adjustment: ParameterName.pension_adjustment,
}


class PublishedParameter(InboundItem):
    """One published version: in force from `effective_from`, its value shaped as the payout
    parameter's (`{"amount"}` for the 计发基数, `{"fixed_amount", "rate"}` for 调待)."""

    model_config = ConfigDict(extra="forbid")

    name: PublishedName
    effective_from: date
    value: dict[str, Any]
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _value_fits(self) -> "PublishedParameter":
        # A year's 计发基数 applies to every retirement of the year, even when published in
        # July (docs/payout.md, 预发): dated otherwise it would leave some provisional for good.
        first_of_year = (self.effective_from.month, self.effective_from.day) == (1, 1)
        if self.name is PublishedName.benefit_wage_base and not first_of_year:
            raise Invalid("wage_base_from_first_of_year", field="effective_from")
        try:
            parsed = parse_value(OURS[self.name], self.value)
        except ValidationError as exc:
            raise nested_refusal(exc.errors()[0]) from None
        self.value = parsed.model_dump(mode="json")
        return self

    @property
    def ours(self) -> ParameterName:
        """The payout parameter it is a version of."""
        return OURS[self.name]
