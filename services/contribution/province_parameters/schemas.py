"""A parameter the provincial platform publishes, in the province's name, checked as the
contribution parameter it maps to (the local route's range)."""

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, Field, ValidationError, model_validator

from services.contribution.parameters.schemas import ParameterIn, ParameterName
from shared.http.inbound import InboundItem
from shared.i18n import Invalid


class PublishedName(StrEnum):
    """The province's names of the parameters contribution keeps (docs/province.md)."""

    average_wage = "average_wage"  # 上年度全省(地区)在岗职工月平均工资


OURS: dict[PublishedName, ParameterName] = {
    PublishedName.average_wage: ParameterName.average_monthly_wage,
}


class PublishedParameter(InboundItem):
    """One published version, in force from `effective_from` (the average monthly wage in
    yuan, effective 1 January of the year whose bases it bounds)."""

    model_config = ConfigDict(extra="forbid")

    name: PublishedName
    effective_from: date
    value: Decimal = Field(max_digits=14, decimal_places=6)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _in_range(self) -> "PublishedParameter":
        try:
            ParameterIn(name=self.ours, effective_from=self.effective_from, value=self.value)
        except ValidationError as exc:
            refusal = (exc.errors()[0].get("ctx") or {}).get("error")
            if isinstance(refusal, Invalid):
                raise refusal from None
            raise
        return self

    @property
    def ours(self) -> ParameterName:
        """The contribution parameter it is a version of."""
        return OURS[self.name]
