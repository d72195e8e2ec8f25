"""Transfers out and in: decide what moves (domain/transfers.py), then write it."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import service as closings
from services.enrollment.config import SCHEMA
from services.enrollment.deemed import service as deemed
from services.enrollment.domain.status import ChangeType, PersonStatus
from services.enrollment.domain.transfers import (
    arrival_amounts,
    arrival_refusal,
    transfer_out_carries,
)
from services.enrollment.individual_accounts import repository as accounts
from services.enrollment.models import Person, PooledFundRate
from services.enrollment.naming import person_named, unit_named, unit_named_by_id
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons import repository as persons
from services.enrollment.persons import service as person_rules
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from services.enrollment.transfers import repository
from services.enrollment.transfers.schemas import (
    PooledRateIn,
    PooledRateOut,
    TransferInIn,
    TransferInOut,
    TransferOut,
    TransferOutIn,
)
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonTransferredIn, PersonTransferredOut
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError


async def transfer_out(
    work: Work,
    person_id: uuid.UUID,
    body: TransferOutIn,
) -> TransferOut:
    """Move a person's relation (and, across areas, their money and months) away."""
    person = await changes.lock_for_change(work.session, person_id, ChangeType.transfer_out)
    await _check_date(work.session, person, body.effective_on)
    if body.same_pooling_area:
        return await _move_within_area(work, person, body)
    assert body.destination is not None
    rate = await repository.pooled_rate(work.session, body.effective_on)
    if rate is None:
        raise ProblemError(409, "pooled_fund_rate_missing")
    holdings = await repository.holdings(work.session, person.id)
    closed = await closings.close_accounts(
        work.session,
        person,
        "transfer_out",
        body.effective_on,
        work.actor.subject,
        ("transfer_out", f"transfer out to {body.destination.agency_name}"),
    )
    carried = transfer_out_carries(closed.amounts, holdings, rate[1])
    out = TransferOut(
        person_id=person.id,
        effective_on=body.effective_on,
        same_pooling_area=False,
        closing_interest=closed.interest,
        unpaid_periods=closed.unpaid_periods,
        **vars(carried),
    )
    await repository.add_transfer(
        work.session,
        {
            "person_id": person.id,
            "direction": "out",
            "effective_on": body.effective_on,
            "same_pooling_area": False,
            "counterpart_area_code": body.destination.area_code,
            "counterpart_agency": body.destination.agency_name,
            "counterpart_scheme": body.destination.scheme,
            "from_unit_id": person.unit_id,
            "basic_amount": carried.basic_amount,
            "pooled_fund_amount": carried.pooled_fund_amount,
            "annuity_notional_amount": carried.annuity_notional_amount,
            "annuity_funded_amount": carried.annuity_funded_amount,
            "contribution_months": carried.contribution_months,
            "deemed_months": carried.deemed_months,
            "deemed_index": carried.deemed_index,
            "pooled_rate_id": rate[0],
            "recorded_by": work.actor.subject,
        },
    )
    _, events = await changes.apply_change(
        work,
        person,
        ChangeType.transfer_out,
        body.effective_on,
        f"to {body.destination.agency_name}",
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
                closing_interest=closed.interest,
                **vars(carried),
            ),
            source=SCHEMA,
            aggregate_id=str(person.id),
            request_id=work.request_id,
        )
    )
    await stage_events(work.session, SCHEMA, events)
    await work.audit(
        "person.transferred_out", "person", person.id, detail=out.model_dump(mode="json")
    )
    return out


async def _move_within_area(
    work: Work,
    person: Person,
    body: TransferOutIn,
) -> TransferOut:
    """Within the pooling area only the relation moves: out of one unit, into another."""
    assert body.new_unit_id is not None
    unit = await units.get(work.session, body.new_unit_id)
    if unit is None or unit.status != "active":
        raise ProblemError(422, "unit_unknown", field="new_unit_id")
    if unit.id == person.unit_id:
        raise ProblemError(422, "same_unit", field="new_unit_id", **unit_named(unit))
    await repository.add_transfer(
        work.session,
        {
            "person_id": person.id,
            "direction": "out",
            "effective_on": body.effective_on,
            "same_pooling_area": True,
            "from_unit_id": person.unit_id,
            "to_unit_id": unit.id,
            "recorded_by": work.actor.subject,
        },
    )
    _, events = await changes.apply_change(
        work, person, ChangeType.transfer_out, body.effective_on, f"to unit {unit.credit_code}"
    )
    person.unit_id = unit.id
    _, arrived = await changes.apply_change(
        work, person, ChangeType.transfer_in, body.effective_on, "within the pooling area"
    )
    await stage_events(work.session, SCHEMA, events + arrived)
    zero = Decimal("0.00")
    out = TransferOut(
        person_id=person.id,
        effective_on=body.effective_on,
        same_pooling_area=True,
        basic_amount=zero,
        pooled_fund_amount=zero,
        annuity_notional_amount=zero,
        annuity_funded_amount=zero,
        contribution_months=0,
    )
    await work.audit(
        "person.moved_within_area", "person", person.id, detail=out.model_dump(mode="json")
    )
    return out


async def _check_arrival(session: AsyncSession, body: TransferInIn) -> None:
    """422 naming the field for an amount or month count above today's ceilings."""
    today = agency_today()
    refused = arrival_refusal(
        {
            "basic_amount": body.basic_amount,
            "annuity_notional_amount": body.annuity_notional_amount,
            "annuity_funded_amount": body.annuity_funded_amount,
            "pooled_fund_amount": body.pooled_fund_amount,
        },
        body.contribution_months,
        await parameters.limit(session, LimitName.transfer_in_amount_max, today),
        int(await parameters.limit(session, LimitName.transfer_in_months_max, today)),
    )
    if refused is not None:
        raise ProblemError(
            422, refused.code, message=refused.message, field=refused.field, **refused.params
        )
    if body.contribution_index is not None:
        # Indices are bases over the average wage, clamped like a base: the deemed range.
        low = await parameters.limit(session, LimitName.deemed_index_min, today)
        high = await parameters.limit(session, LimitName.deemed_index_max, today)
        if not low <= body.contribution_index <= high:
            raise ProblemError(
                422,
                "contribution_index_out_of_range",
                field="contribution_index",
                index=str(body.contribution_index),
                low=str(low),
                high=str(high),
            )


async def transfer_in(work: Work, body: TransferInIn) -> TransferInOut:
    """Open (or reopen) the relation and post what arrived."""
    await _check_arrival(work.session, body)
    unit = await units.get(work.session, body.unit_id)
    if unit is None or unit.status != "active":
        raise ProblemError(422, "unit_unknown", field="unit_id")
    await person_rules.check_joining(work.session, body, unit)
    existing = await persons.get_by_citizen_id(work.session, body.citizen_id)
    if existing is not None and existing.status != PersonStatus.transferred_out.value:
        raise ProblemError(
            409,
            "person_already_enrolled",
            person_id=str(existing.id),
            unit_id=str(existing.unit_id),
            person_status=existing.status,
            joined_on=existing.joined_on.isoformat(),
            **person_named(existing),
            **await unit_named_by_id(work.session, existing.unit_id),
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
            joined_before_unit_reason=body.joined_before_unit_reason,
            created_by=work.actor.subject,
        )
        work.session.add(person)
        await work.session.flush()
        await accounts.open_accounts(work.session, person.id, body.joined_on)
    else:
        locked = await history.lock_person(work.session, existing.id)
        assert locked is not None
        person = locked
        await _check_date(work.session, person, body.joined_on)
        person.unit_id = unit.id
        await closings.reopen(work.session, person.id, body.joined_on)
    if body.deemed_months:
        assert body.deemed_index is not None
        await deemed.record_arrived(
            work, person, body.deemed_months, body.deemed_index, body.origin.agency_name
        )
    await accounts.post_movements(
        work.session,
        person.id,
        arrival_amounts(
            body.basic_amount, body.annuity_notional_amount, body.annuity_funded_amount
        ),
        posting_type="transfer_in",
        value_date=body.joined_on,
        memo=f"transfer in from {body.origin.agency_name}",
        who=work.actor.subject,
    )
    await repository.add_transfer(
        work.session,
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
            "pooled_fund_amount": body.pooled_fund_amount,
            "annuity_notional_amount": body.annuity_notional_amount,
            "annuity_funded_amount": body.annuity_funded_amount,
            "contribution_months": body.contribution_months,
            "deemed_months": body.deemed_months,
            "deemed_index": body.deemed_index,
            "contribution_index": body.contribution_index,
            "recorded_by": work.actor.subject,
        },
    )
    _, events = await changes.apply_change(
        work, person, ChangeType.transfer_in, body.joined_on, f"from {body.origin.agency_name}"
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
                pooled_fund_amount=body.pooled_fund_amount,
                contribution_months=body.contribution_months,
                deemed_months=body.deemed_months,
            ),
            source=SCHEMA,
            aggregate_id=str(person.id),
            request_id=work.request_id,
        )
    )
    await stage_events(work.session, SCHEMA, events)
    out = TransferInOut(
        person_id=person.id,
        status=person.status,
        unit_id=unit.id,
        contribution_months_brought_in=body.contribution_months,
    )
    await work.audit(
        "person.transferred_in", "person", person.id, detail=out.model_dump(mode="json")
    )
    return out


async def list_pooled_rates(session: AsyncSession) -> list[PooledRateOut]:
    """Pooled-fund rate versions, newest first."""
    return [PooledRateOut(**r) for r in await repository.list_pooled_rates(session)]


async def add_pooled_rate(work: Work, body: PooledRateIn) -> PooledRateOut:
    """Submit a pooled-fund rate version: in force once a finance user approves it."""
    rate_id = await repository.add_pooled_rate(
        work.session, body.effective_from, body.rate, body.note, work.actor.subject
    )
    out = PooledRateOut(
        **body.model_dump(), id=rate_id, recorded_by=work.actor.subject, status="submitted"
    )
    await work.audit(
        "pooled_fund_rate.submitted", "parameter", rate_id, detail=out.model_dump(mode="json")
    )
    return out


async def decide_pooled_rate(
    work: Work, rate_id: int, approve: bool, note: str | None
) -> PooledRateOut:
    """Approve or reject a submitted pooled-fund rate version."""
    row = await parameters.decide_version(
        work, PooledFundRate, "pooled_fund_rate", rate_id, approve, note
    )
    return PooledRateOut.model_validate(row, from_attributes=True)


async def _check_date(session: AsyncSession, person: Person, on: date) -> None:
    latest = await changes.latest_change_date(session, person)
    if on < latest or on > agency_today():
        raise ProblemError(
            422,
            "effective_date_invalid",
            field="effective_on",
            earliest=latest.isoformat(),
        )
