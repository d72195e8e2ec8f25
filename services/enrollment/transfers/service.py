"""Transfers out and in: what moves, the postings, the history rows and the events."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts import repository as accounts
from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import (
    ChangeType,
    PersonStatus,
)
from services.enrollment.models import Person
from services.enrollment.persons import repository as persons
from services.enrollment.persons.schemas import PersonCreate
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from services.enrollment.transfers import repository
from services.enrollment.units import repository as units
from shared.contracts import (
    EventEnvelope,
    PersonTransferredIn,
    PersonTransferredOut,
)
from shared.data.money import Money, round_fen
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events

REFORM_PERIOD = "2014-10"  # the pooled-fund share counts bases from the 2014-10 reform on
Scheme = Literal["institution", "enterprise"]


class Counterpart(BaseModel):
    """The other agency."""

    area_code: str = Field(pattern=r"^\d{6}$")
    agency_name: str = Field(min_length=2, max_length=200)
    scheme: Scheme = "institution"


class TransferOutIn(BaseModel):
    """Transfer a person out: within the pooling area to another unit, or elsewhere."""

    effective_on: date
    same_pooling_area: bool
    new_unit_id: uuid.UUID | None = None
    destination: Counterpart | None = None

    @model_validator(mode="after")
    def _target(self) -> "TransferOutIn":
        if self.same_pooling_area and self.new_unit_id is None:
            raise ValueError("new_unit_id: required within the same pooling area")
        if not self.same_pooling_area and self.destination is None:
            raise ValueError("destination: required for a transfer out of the pooling area")
        return self


class TransferOut(BaseModel):
    """What moved."""

    person_id: uuid.UUID
    effective_on: date
    same_pooling_area: bool
    basic_amount: Money
    pooled_fund_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    contribution_months: int


class TransferInIn(PersonCreate):
    """A person arriving from another pooling area or scheme, with what came with them."""

    origin: Counterpart
    basic_amount: Money
    annuity_notional_amount: Money = Decimal("0.00")
    annuity_funded_amount: Money = Decimal("0.00")
    contribution_months: int = Field(ge=0, le=600)


async def transfer_out(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: TransferOutIn,
    who: Principal,
    request_id: str | None,
) -> TransferOut:
    """Move a person's relation (and, across areas, their money) away."""
    person = await changes.lock_for_change(session, person_id, ChangeType.transfer_out)
    await _check_date(session, person, body.effective_on)
    if body.same_pooling_area:
        return await _move_within_area(session, person, body, who, request_id)
    assert body.destination is not None
    balances = await accounts.balances(session, person.id, body.effective_on)
    rate = await repository.pooled_rate(session, body.effective_on)
    if rate is None:
        raise ProblemError(409, "pooled_fund_rate_missing", "No pooled-fund rate is in force.")
    bases, months = await repository.bases_since(
        session, person.id, REFORM_PERIOD, body.effective_on
    )
    pooled = round_fen(bases * rate[1])
    await accounts.post_movements(
        session,
        person.id,
        {k: -v for k, v in balances.items()},
        posting_type="transfer_out",
        value_date=body.effective_on,
        memo=f"transfer out to {body.destination.agency_name}",
        who=who.subject,
    )
    out = TransferOut(
        person_id=person.id,
        effective_on=body.effective_on,
        same_pooling_area=False,
        basic_amount=balances.get("basic", Decimal(0)),
        pooled_fund_amount=pooled,
        annuity_notional_amount=balances.get("annuity_notional", Decimal(0)),
        annuity_funded_amount=balances.get("annuity_funded", Decimal(0)),
        contribution_months=months,
    )
    await repository.add_transfer(
        session,
        {
            "person_id": person.id,
            "direction": "out",
            "effective_on": body.effective_on,
            "same_pooling_area": False,
            "counterpart_area_code": body.destination.area_code,
            "counterpart_agency": body.destination.agency_name,
            "counterpart_scheme": body.destination.scheme,
            "from_unit_id": person.unit_id,
            "basic_amount": out.basic_amount,
            "pooled_fund_amount": pooled,
            "annuity_notional_amount": out.annuity_notional_amount,
            "annuity_funded_amount": out.annuity_funded_amount,
            "contribution_months": months,
            "pooled_rate_id": rate[0],
            "recorded_by": who.subject,
        },
    )
    _, events = await changes.apply_change(
        session,
        person,
        ChangeType.transfer_out,
        body.effective_on,
        f"to {body.destination.agency_name}",
        who,
        request_id,
    )
    events.append(
        EventEnvelope.wrap(
            PersonTransferredOut(
                person_id=person.id,
                unit_id=person.unit_id,
                effective_on=body.effective_on,
                destination_area_code=body.destination.area_code,
                destination_agency=body.destination.agency_name,
                destination_scheme=body.destination.scheme,
                **out.model_dump(
                    include={
                        "basic_amount",
                        "pooled_fund_amount",
                        "annuity_notional_amount",
                        "annuity_funded_amount",
                        "contribution_months",
                    }
                ),
            ),
            source=SCHEMA,
            aggregate_id=str(person.id),
            request_id=request_id,
        )
    )
    await stage_events(session, SCHEMA, events)
    return out


async def _move_within_area(
    session: AsyncSession,
    person: Person,
    body: TransferOutIn,
    who: Principal,
    request_id: str | None,
) -> TransferOut:
    """Within the pooling area only the relation moves: out of one unit, into another."""
    assert body.new_unit_id is not None
    unit = await units.get(session, body.new_unit_id)
    if unit is None or unit.status != "active":
        raise ProblemError(
            422, "unit_unknown", f"No active unit {body.new_unit_id}.", field="new_unit_id"
        )
    if unit.id == person.unit_id:
        raise ProblemError(
            422, "same_unit", "The person is already insured under this unit.", field="new_unit_id"
        )
    await repository.add_transfer(
        session,
        {
            "person_id": person.id,
            "direction": "out",
            "effective_on": body.effective_on,
            "same_pooling_area": True,
            "from_unit_id": person.unit_id,
            "to_unit_id": unit.id,
            "recorded_by": who.subject,
        },
    )
    _, events = await changes.apply_change(
        session,
        person,
        ChangeType.transfer_out,
        body.effective_on,
        f"to unit {unit.credit_code}",
        who,
        request_id,
    )
    person.unit_id = unit.id
    _, arrived = await changes.apply_change(
        session,
        person,
        ChangeType.transfer_in,
        body.effective_on,
        "within the pooling area",
        who,
        request_id,
    )
    events += arrived
    await stage_events(session, SCHEMA, events)
    zero = Decimal("0.00")
    return TransferOut(
        person_id=person.id,
        effective_on=body.effective_on,
        same_pooling_area=True,
        basic_amount=zero,
        pooled_fund_amount=zero,
        annuity_notional_amount=zero,
        annuity_funded_amount=zero,
        contribution_months=0,
    )


async def transfer_in(
    session: AsyncSession, body: TransferInIn, who: Principal, request_id: str | None
) -> dict[str, object]:
    """Open (or reopen) the relation and post what arrived."""
    unit = await units.get(session, body.unit_id)
    if unit is None or unit.status != "active":
        raise ProblemError(422, "unit_unknown", f"No active unit {body.unit_id}.", field="unit_id")
    existing = await persons.get_by_citizen_id(session, body.citizen_id)
    if existing is not None and existing.status != PersonStatus.transferred_out.value:
        raise ProblemError(
            409,
            "person_already_enrolled",
            f"This person is {existing.status} under unit {existing.unit_id}.",
            person_id=str(existing.id),
        )
    if existing is None:
        assert body.birth_date is not None and body.sex is not None
        person = Person(
            citizen_id=body.citizen_id,
            name=body.name,
            sex=body.sex.value,
            birth_date=body.birth_date,
            unit_id=unit.id,
            staff_category=body.staff_category.value,
            joined_on=body.joined_on,
            status=PersonStatus.transferred_out.value,
            created_by=who.subject,
        )
        session.add(person)
        await session.flush()
        await accounts.open_accounts(session, person.id, body.joined_on)
    else:
        person = await history.lock_person(session, existing.id)
        assert person is not None
        await _check_date(session, person, body.joined_on)
        person.unit_id = unit.id
    amounts = {
        "basic": body.basic_amount,
        "annuity_notional": body.annuity_notional_amount,
        "annuity_funded": body.annuity_funded_amount,
    }
    await accounts.post_movements(
        session,
        person.id,
        amounts,
        posting_type="transfer_in",
        value_date=body.joined_on,
        memo=f"transfer in from {body.origin.agency_name}",
        who=who.subject,
    )
    await repository.add_transfer(
        session,
        {
            "person_id": person.id,
            "direction": "in",
            "effective_on": body.joined_on,
            "same_pooling_area": False,
            "counterpart_area_code": body.origin.area_code,
            "counterpart_agency": body.origin.agency_name,
            "counterpart_scheme": body.origin.scheme,
            "to_unit_id": unit.id,
            "basic_amount": body.basic_amount,
            "annuity_notional_amount": body.annuity_notional_amount,
            "annuity_funded_amount": body.annuity_funded_amount,
            "contribution_months": body.contribution_months,
            "recorded_by": who.subject,
        },
    )
    _, events = await changes.apply_change(
        session,
        person,
        ChangeType.transfer_in,
        body.joined_on,
        f"from {body.origin.agency_name}",
        who,
        request_id,
    )
    events.append(
        EventEnvelope.wrap(
            PersonTransferredIn(
                person_id=person.id,
                unit_id=unit.id,
                unit_credit_code=unit.credit_code,
                citizen_id=person.citizen_id,
                name=person.name,
                staff_category=person.staff_category,
                effective_on=body.joined_on,
                origin_area_code=body.origin.area_code,
                basic_amount=body.basic_amount,
                annuity_notional_amount=body.annuity_notional_amount,
                annuity_funded_amount=body.annuity_funded_amount,
                contribution_months=body.contribution_months,
            ),
            source=SCHEMA,
            aggregate_id=str(person.id),
            request_id=request_id,
        )
    )
    await stage_events(session, SCHEMA, events)
    return {
        "person_id": person.id,
        "status": person.status,
        "unit_id": unit.id,
        "contribution_months_brought_in": body.contribution_months,
    }


async def _check_date(session: AsyncSession, person: Person, on: date) -> None:
    latest = await changes.latest_change_date(session, person)
    if on < latest or on > date.today():
        raise ProblemError(
            422,
            "effective_date_invalid",
            f"The date must be between {latest} and today.",
            field="effective_on",
        )
