"""Items the provincial platform sends in: death notices (死亡比对) and transfer-in requests."""

import uuid
from datetime import date

from pydantic import Field, model_validator

from services.enrollment.transfers.schemas import TransferInIn
from shared.data.ids import InvalidIdentifier, parse_citizen_id
from shared.http.inbound import InboundItem
from shared.i18n import Invalid


class DeathNoticeItem(InboundItem):
    """One death the province's data match found (死亡比对结果)."""

    citizen_id: str = Field(min_length=18, max_length=18, examples=["11010519491231002X"])
    date_of_death: date
    name: str | None = Field(default=None, max_length=100, description="As the province has it.")
    source: str | None = Field(
        default=None, max_length=200, description="Where the province learnt of the death."
    )

    @model_validator(mode="after")
    def _valid_id(self) -> "DeathNoticeItem":
        try:
            self.citizen_id = parse_citizen_id(self.citizen_id).number
        except InvalidIdentifier as exc:
            raise Invalid(exc.key, field="citizen_id") from exc
        return self


class TransferInItem(TransferInIn, InboundItem):
    """A person arriving from another area (转入), as the province forwards the sending
    agency's transfer: the person, the receiving unit (by id or credit code), the sending
    area and agency (`origin`), and the amounts, months and indices received."""

    unit_id: uuid.UUID | None = None  # type: ignore[assignment]
    unit_credit_code: str | None = Field(
        default=None,
        min_length=18,
        max_length=18,
        description="The receiving unit's unified credit code, if `unit_id` is not given.",
    )

    @model_validator(mode="after")
    def _unit_named(self) -> "TransferInItem":
        if (self.unit_id is None) == (self.unit_credit_code is None):
            raise Invalid("transfer_unit_required", field="unit_id")
        return self
