"""Use cases of local subsidies: entitlements, and the quarterly run (once per person,
program and quarter, paid through the next payroll run's batches)."""

import uuid
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.bounds import above, subsidy_bound
from services.payout.domain.periods import add_months, format_quarter, parse_quarter
from services.payout.models import Retiree, SubsidyEntitlement, SubsidyEntitlementEnd
from services.payout.parameters.schemas import AmountBounds, SubsidyStandard
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import InForce, check_bounds, in_force
from services.payout.subsidies import repository
from services.payout.subsidies.schemas import (
    AmountChangeIn,
    AmountChangeOut,
    EntitlementEndIn,
    EntitlementEndOut,
    EntitlementIn,
    EntitlementOut,
    SubsidyRunIn,
    SubsidyRunOut,
    SurvivorCertificationIn,
    SurvivorPayee,
)
from shared.data.clock import agency_today
from shared.data.ids import mask_account_number, mask_citizen_id
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.problems import ProblemError

PROGRAMS = ("living_subsidy", "survivor_pension", "transport_nursing", "hardship_aid")
# 遗属生活补助: a deceased retiree's, paid to the survivor named (issue #18, item 12).
SURVIVOR_PENSION = "survivor_pension"


async def _within_bound(
    session: AsyncSession, program: str, quarter: date, amount: Decimal | None, field: str
) -> None:
    """Refuse (422) a quarterly amount above the program's standard in force at `quarter`
    times the allowed multiple (amount_bounds); no amount means the standard itself."""
    if amount is None:
        return
    params = await in_force(session, [f"subsidy.{program}", "amount_bounds"], quarter)
    standard = params.value(f"subsidy.{program}", SubsidyStandard).quarterly_amount
    limits = params.value("amount_bounds", AmountBounds)
    bound = subsidy_bound(standard, limits.subsidy_max_multiple, limits.one_off_ceiling)
    check_bounds(above(field, amount, bound))


async def entitle(
    work: Work,
    person_id: uuid.UUID,
    body: EntitlementIn,
) -> EntitlementOut:
    """Request a retiree's entitlement to a subsidy program: it counts (and the quarters
    already run within it are queued) only once a second person approves it."""
    retiree = await repository.retiree(work.session, person_id)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    first = parse_quarter(body.from_quarter)
    _check_payee(retiree, body.program, first, body)
    last = parse_quarter(body.to_quarter) if body.to_quarter else None
    await _within_bound(
        work.session, body.program, first, body.quarterly_amount, "quarterly_amount"
    )
    # One entitlement per person, program and quarter: otherwise which amount is paid?
    other = await repository.overlapping(work.session, person_id, body.program, first, last)
    if other is not None:
        if other.from_quarter == first:
            raise ProblemError(409, "entitlement_exists", entitlement_id=str(other.id))
        raise ProblemError(
            409,
            "entitlement_overlap",
            quarter=format_quarter(other.from_quarter),
            entitlement_id=str(other.id),
        )
    row = SubsidyEntitlement(
        person_id=person_id,
        program=body.program,
        from_quarter=first,
        to_quarter=last,
        quarterly_amount=body.quarterly_amount,
        created_by=work.actor.subject,
        end_condition=body.end_condition,
        **_payee_columns(body.survivor),
    )
    if body.survivor is not None:
        row.survivor_certified_on = _certified_on(body.survivor.certified_on, "survivor")
    await repository.insert(work.session, row)
    await work.audit(
        "subsidy.requested",
        "retiree",
        person_id,
        detail={
            "entitlement_id": str(row.id),
            "program": body.program,
            "from": body.from_quarter,
            "to": body.to_quarter,
            "amount": None if body.quarterly_amount is None else str(body.quarterly_amount),
        }
        | _payee_audit(row),
    )
    return present(row, None)


def _check_payee(
    retiree: Retiree, program: str, first: date, body: EntitlementIn | None = None
) -> None:
    """A survivor pension (遗属生活补助) is a deceased retiree's, paid to the survivor from
    the quarter of the month after the death; every other program is a living retiree's."""
    deceased = retiree.status == "deceased"
    if program != SURVIVOR_PENSION:
        if deceased:
            raise ProblemError(409, "retiree_deceased", message="retiree_deceased.subsidy_new")
        return
    if not deceased or retiree.last_month is None:
        raise ProblemError(
            409, "retiree_not_deceased", message="retiree_not_deceased.survivor_pension"
        )
    start = survivorship_start(retiree.last_month)
    if first < start:
        raise ProblemError(
            422, "quarter_before_survivorship", quarter=format_quarter(start), field="from_quarter"
        )
    if body is not None and body.survivor is not None:
        if body.survivor.survivor_citizen_id == retiree.citizen_id:
            raise ProblemError(422, "survivor_is_deceased", field="survivor")


def _certified_on(day: date | None, field: str) -> date:
    """A survivor's certification date: today by default, never in the future."""
    today = agency_today()
    if day is not None and day > today:
        raise ProblemError(422, "date_in_future", field=field)
    return day or today


def _months_later(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days), as the
    runs' SQL adds an interval."""
    month = add_months(day.replace(day=1), months)
    return month.replace(day=min(day.day, monthrange(month.year, month.month)[1]))


async def certification_rule(session: AsyncSession) -> tuple[int, int]:
    """(period in months, grace in days) of survival certification in force today: how long
    a survivor's certification covers the quarters paid to them."""
    params = await in_force(session, ["certification"], agency_today())
    rule = params.value("certification", CertificationRule)
    return rule.period_months, rule.grace_days


def survivorship_start(last_month: date) -> date:
    """The first quarter of a survivor pension: the one holding the month after the death."""
    after = add_months(last_month, 1)
    return after.replace(month=(after.month - 1) // 3 * 3 + 1)


def _payee_columns(survivor: SurvivorPayee | None) -> dict:
    """The survivor's columns of an entitlement (none for a retiree's own)."""
    if survivor is None:
        return {}
    return {
        "survivor_name": survivor.survivor_name,
        "survivor_citizen_id": survivor.survivor_citizen_id,
        "survivor_relationship": survivor.relationship,
        "survivor_bank_code": survivor.bank_code,
        "survivor_account_number": survivor.account_number,
    }


def _payee_audit(row: SubsidyEntitlement) -> dict:
    """Who a survivor pension goes to, as the audit log keeps it (the account masked)."""
    if row.survivor_citizen_id is None:
        return {}
    return {
        "survivor_name": row.survivor_name,
        "survivor_citizen_id": mask_citizen_id(row.survivor_citizen_id),
        "bank_code": row.survivor_bank_code,
        "account_number": mask_account_number(row.survivor_account_number or ""),
        "end_condition": row.end_condition,
    }


def present(row: SubsidyEntitlement, end: SubsidyEntitlementEnd | None) -> EntitlementOut:
    """An entitlement as the API shows it: its last quarter is the one it was ended at."""
    out = EntitlementOut.model_validate(row, from_attributes=True)
    if end is not None:
        out.to_quarter = end.last_quarter  # an end is only recorded before the last quarter
        out.ended = EntitlementEndOut.model_validate(end, from_attributes=True)
    return out


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[EntitlementOut]:
    """A retiree's entitlements, as ended."""
    rows = await repository.of_person(session, person_id)
    ends = await repository.ends_of(session, [r.id for r in rows])
    return [present(r, ends.get(r.id)) for r in rows]


async def _locked_entitlement(
    session: AsyncSession, entitlement_id: uuid.UUID
) -> tuple[SubsidyEntitlement, date | None, Retiree | None]:
    """The entitlement, its last quarter and its retiree, with no run of its program nor
    other decision on the retiree's entitlements meanwhile (the program first, as a run)."""
    row = await repository.entitlement(session, entitlement_id)
    if row is None:
        raise ProblemError(404, "entitlement_not_found", entitlement_id=entitlement_id)
    await repository.lock_program(session, row.program)
    retiree = await repository.retiree(session, row.person_id)
    end = (await repository.ends_of(session, [row.id])).get(row.id)
    return row, end.last_quarter if end is not None else row.to_quarter, retiree


async def _check_end(
    session: AsyncSession, row: SubsidyEntitlement, until: date | None, last: date, field: str
) -> None:
    """Refuse to end an entitlement after `last` when that changes nothing, or takes away a
    quarter already run (run quarters are never changed afterwards)."""
    if until is not None and last >= until:
        raise ProblemError(409, "entitlement_ended", to_quarter=format_quarter(until))
    ran = await repository.first_run_after(session, row.program, last, row.from_quarter, until)
    if ran is not None:
        raise ProblemError(409, "quarter_already_run", field=field, quarter=format_quarter(ran))


async def end_entitlement(
    work: Work,
    entitlement_id: uuid.UUID,
    body: EntitlementEndIn,
) -> EntitlementOut:
    """End an entitlement at a quarter not yet run: it is paid up to that quarter only. One
    person may: an end only reduces payment (a requested one may be ended before approval)."""
    row, until, _ = await _locked_entitlement(work.session, entitlement_id)
    if row.status == "rejected":
        raise ProblemError(409, "entitlement_decided")
    last = parse_quarter(body.last_quarter)
    if last < row.from_quarter:
        raise ProblemError(
            422,
            "quarter_before_start",
            quarter=format_quarter(row.from_quarter),
            field="last_quarter",
        )
    await _check_end(work.session, row, until, last, "last_quarter")
    end = SubsidyEntitlementEnd(
        entitlement_id=row.id, last_quarter=last, reason=body.reason, ended_by=work.actor.subject
    )
    await repository.insert_end(work.session, end)
    await work.audit(
        "subsidy.ended",
        "subsidy_entitlement",
        row.id,
        detail={
            "person_id": str(row.person_id),
            "program": row.program,
            "last_quarter": body.last_quarter,
            "reason": body.reason,
        },
    )
    return present(row, end)


async def change_amount(
    work: Work,
    entitlement_id: uuid.UUID,
    body: AmountChangeIn,
) -> AmountChangeOut:
    """Request an amount change from a quarter not yet run: a successor entitlement (to the
    same last quarter) that, once a second person approves it, ends this one the quarter
    before and pays the new amount; until then this one pays as it did."""
    row, until, retiree = await _locked_entitlement(work.session, entitlement_id)
    deceased = retiree is not None and retiree.status == "deceased"
    if deceased and row.program != SURVIVOR_PENSION:
        raise ProblemError(409, "retiree_deceased", message="retiree_deceased.subsidy_change")
    if row.status != "approved":
        raise ProblemError(409, "entitlement_not_approved")
    waiting = await repository.pending_successor(work.session, row.id)
    if waiting is not None:
        raise ProblemError(409, "amount_change_pending", entitlement_id=str(waiting.id))
    first = parse_quarter(body.from_quarter)
    if first <= row.from_quarter:
        raise ProblemError(
            422,
            "quarter_not_after_start",
            quarter=format_quarter(row.from_quarter),
            field="from_quarter",
        )
    if body.quarterly_amount == row.quarterly_amount:
        raise ProblemError(422, "amount_unchanged", field="quarterly_amount")
    await _within_bound(work.session, row.program, first, body.quarterly_amount, "quarterly_amount")
    await _check_end(work.session, row, until, add_months(first, -3), "from_quarter")
    successor = SubsidyEntitlement(
        person_id=row.person_id,
        program=row.program,
        from_quarter=first,
        to_quarter=until,
        quarterly_amount=body.quarterly_amount,
        created_by=work.actor.subject,
        replaces_id=row.id,
        change_reason=body.reason,
        end_condition=row.end_condition,
        survivor_name=row.survivor_name,
        survivor_citizen_id=row.survivor_citizen_id,
        survivor_relationship=row.survivor_relationship,
        survivor_bank_code=row.survivor_bank_code,
        survivor_account_number=row.survivor_account_number,
        survivor_certified_on=row.survivor_certified_on,
    )
    await repository.insert(work.session, successor)
    await work.audit(
        "subsidy.amount_change_requested",
        "subsidy_entitlement",
        row.id,
        detail={
            "person_id": str(row.person_id),
            "program": row.program,
            "from_quarter": body.from_quarter,
            "amount_before": None if row.quarterly_amount is None else str(row.quarterly_amount),
            "amount_after": None if body.quarterly_amount is None else str(body.quarterly_amount),
            "successor_id": str(successor.id),
            "reason": body.reason,
        },
    )
    end = (await repository.ends_of(work.session, [row.id])).get(row.id)
    return AmountChangeOut(ended=present(row, end), opened=present(successor, None))


async def decide(
    work: Work,
    entitlement_id: uuid.UUID,
    approve: bool,
) -> EntitlementOut:
    """Approve (it counts from now: quarters already run within it are queued; an amount
    change ends its predecessor the quarter before) or reject a requested entitlement; by
    a second person with a business role, never its maker."""
    row, _, retiree = await _locked_entitlement(work.session, entitlement_id)
    if row.status != "requested":
        raise ProblemError(409, "entitlement_decided", message="entitlement_decided.approval")
    require_second_person(work.actor, row.created_by, act="补贴资格及标准变更")
    until, end = row.to_quarter, None
    if approve:
        if retiree is None:
            raise ProblemError(409, "retiree_deceased", message="retiree_deceased.subsidy_approve")
        if row.program == SURVIVOR_PENSION and row.survivor_citizen_id is not None:
            _check_payee(retiree, row.program, row.from_quarter)
        elif retiree.status == "deceased":
            raise ProblemError(409, "retiree_deceased", message="retiree_deceased.subsidy_approve")
        if row.replaces_id is not None:
            until, end = await _end_predecessor(work.session, row)
    status = "approved" if approve else "rejected"
    await repository.decide(work.session, row, status, work.actor.subject, datetime.now(UTC), until)
    await work.audit(
        f"subsidy.{status}",
        "subsidy_entitlement",
        row.id,
        detail={
            "person_id": str(row.person_id),
            "program": row.program,
            "requested_by": row.created_by,
            "replaces": str(row.replaces_id) if row.replaces_id else None,
            "ended": end.last_quarter.isoformat() if end else None,
        },
    )
    if approve:
        await queue_missed_quarters(work, row.person_id)
    ends = await repository.ends_of(work.session, [row.id])
    return present(row, ends.get(row.id))


async def _end_predecessor(
    session: AsyncSession, successor: SubsidyEntitlement
) -> tuple[date | None, SubsidyEntitlementEnd]:
    """End the entitlement an approved amount change replaces the quarter before it (the
    checks of the request again: nothing run nor ended meanwhile); the successor's last
    quarter is the predecessor's as it stands now."""
    assert successor.replaces_id is not None
    row, until, _ = await _locked_entitlement(session, successor.replaces_id)
    last = add_months(successor.from_quarter, -3)
    await _check_end(session, row, until, last, "from_quarter")
    end = SubsidyEntitlementEnd(
        entitlement_id=row.id,
        last_quarter=last,
        reason=successor.change_reason or "",
        successor_id=successor.id,
        ended_by=successor.created_by,
    )
    await repository.insert_end(session, end)
    return until, end


async def check_run(
    session: AsyncSession, body: SubsidyRunIn, today: date
) -> tuple[date, list[str], InForce]:
    """A quarter's run as asked: begun, and every program's standard in force at its start."""
    quarter = parse_quarter(body.quarter)
    if quarter > today:
        raise ProblemError(422, "quarter_in_future", quarter=body.quarter, field="quarter")
    programs = [body.program] if body.program else list(PROGRAMS)
    return quarter, programs, await in_force(session, [f"subsidy.{p}" for p in programs], quarter)


async def run_quarter(work: Work, body: SubsidyRunIn, today: date) -> SubsidyRunOut:
    """Queue the quarter's subsidies at the standards in force at its start (a quarter not
    yet begun is refused: the next payroll run would pay it ahead of time)."""
    quarter, programs, params = await check_run(work.session, body, today)
    queued, amount = 0, Decimal("0.00")
    cert = await certification_rule(work.session)
    for program in programs:  # locked in PROGRAMS' order, as two runs at once take them
        await repository.lock_program(work.session, program)
        standard = params.value(f"subsidy.{program}", SubsidyStandard)
        n, total = await repository.queue_quarter(
            work.session, program, quarter, standard.quarterly_amount, standard.prorate, cert
        )
        version = params.versions[f"subsidy.{program}"]
        await repository.record_run(
            work.session, program, quarter, standard, version, work.actor.subject
        )
        queued, amount = queued + n, amount + total
    await work.audit(
        "subsidy.quarter_queued",
        "subsidy_run",
        body.quarter,
        detail={"queued": queued, "amount": str(amount), "programs": programs},
    )
    return SubsidyRunOut(
        quarter=body.quarter, queued=queued, amount=amount, parameter_versions=params.versions
    )


async def queue_missed_quarters(work: Work, person_id: uuid.UUID) -> int:
    """An active retiree gets the quarters already run that are theirs and were not queued
    (suspended then, or entitled since), once each; a suspended one waits for resumption."""
    queued = await repository.queue_missed(
        work.session, person_id, await certification_rule(work.session)
    )
    if queued:
        await work.audit(
            "subsidy.back_pay_queued",
            "retiree",
            person_id,
            detail={"quarters": [f"{p} {format_quarter(q)}" for p, q in queued]},
        )
    return len(queued)


def _lines(rows: list[tuple]) -> list[dict]:
    """Subsidy lines as the audit log keeps them."""
    return [
        {"one_off": str(i), "program": p, "quarter": format_quarter(q), "amount": str(a)}
        for i, _, p, q, a in rows
    ]


async def hold_for_suspended(work: Work, person_ids: list[uuid.UUID]) -> int:
    """Retirees just suspended: their queued subsidy lines wait for the resumption."""
    held = await repository.hold_pending(work.session, person_ids) if person_ids else []
    for person_id in {r[1] for r in held}:
        await work.audit(
            "subsidy.held",
            "retiree",
            person_id,
            detail={"lines": _lines([r for r in held if r[1] == person_id])},
        )
    return len(held)


async def release_for_resumed(work: Work, person_id: uuid.UUID) -> int:
    """A resumed retiree's held subsidy lines are paid by the next run, to their account."""
    released = await repository.release_held(work.session, person_id)
    if released:
        await work.audit(
            "subsidy.released", "retiree", person_id, detail={"lines": _lines(released)}
        )
    return len(released)


async def stop_after_death(work: Work, person_id: uuid.UUID, last: date) -> None:
    """A death: queued subsidy lines for quarters beginning after the month of death are
    cancelled; held ones up to it are owed and paid like the pension months up to it; the
    quarter of the death is pro-rated where the standard says so."""
    cancelled = await repository.cancel_after(work.session, person_id, last)
    released = await repository.release_held(work.session, person_id, up_to=last)
    # Where the standard pro-rates, the quarter of the death pays the months up to it only.
    prorated = await repository.prorate_death_quarter(work.session, person_id, last)
    if cancelled or released or prorated:
        await work.audit(
            "subsidy.stopped_by_death",
            "retiree",
            person_id,
            detail={
                "cancelled": _lines(cancelled),
                "released": _lines(released),
                "prorated": _lines(prorated),
            },
        )


async def overpaid_in_death_quarter(
    session: AsyncSession, person_id: uuid.UUID, last: date
) -> list[tuple[uuid.UUID, str, date, Decimal]]:
    """What lines sent for the quarter of the death paid for months after it, where the
    standard pro-rates: (payment id, program, quarter, amount) to recover."""
    return [tuple(r) for r in await repository.overpaid_death_quarter(session, person_id, last)]


async def certify_survivor(
    work: Work,
    entitlement_id: uuid.UUID,
    body: SurvivorCertificationIn,
) -> EntitlementOut:
    """A survivor certified alive, like a retiree: a later date moves the certification on;
    one after a lapse (a quarter already run begins after the certification covered) only
    asks: a second person approves it before the quarters missed are paid."""
    row, _, _ = await _locked_entitlement(work.session, entitlement_id)
    if row.survivor_citizen_id is None or row.status != "approved":
        raise ProblemError(409, "not_survivor_pension")
    day = _certified_on(body.certified_on, "certified_on")
    assert row.survivor_certified_on is not None  # set at the request (migration 0033)
    months, grace = await certification_rule(work.session)
    covered = _months_later(row.survivor_certified_on, months) + timedelta(days=grace)
    action = "subsidy.survivor_certified"
    if day <= row.survivor_certified_on:
        action = "subsidy.survivor_certification_recorded"  # a record found late: no change
    elif day > covered and await repository.missed_by_survivor(work.session, row, covered):
        await repository.set_survivor_certification(
            work.session,
            row,
            {"survivor_recertified_on": day, "survivor_recertified_by": work.actor.subject},
        )
        action = "subsidy.survivor_resumption_requested"
    else:
        await repository.set_survivor_certification(
            work.session, row, {"survivor_certified_on": day}
        )
    await work.audit(action, "subsidy_entitlement", row.id, detail=_survivor(row, body.method, day))
    return present(row, (await repository.ends_of(work.session, [row.id])).get(row.id))


async def decide_survivor_certification(
    work: Work,
    entitlement_id: uuid.UUID,
    approve: bool,
    note: str | None = None,
) -> EntitlementOut:
    """Approve (the certification counts and the quarters missed are queued) or reject (the
    survivor stays uncertified) a certification after a lapse; by a second person."""
    row, _, _ = await _locked_entitlement(work.session, entitlement_id)
    if row.survivor_recertified_on is None:
        raise ProblemError(409, "resumption_not_pending", message="resumption_not_pending.survivor")
    require_second_person(work.actor, row.survivor_recertified_by, act="遗属认证后补发")
    day = row.survivor_recertified_on
    values: dict = {"survivor_recertified_on": None, "survivor_recertified_by": None}
    if approve:
        values["survivor_certified_on"] = day
    await repository.set_survivor_certification(work.session, row, values)
    action = "subsidy.survivor_resumed" if approve else "subsidy.survivor_resumption_rejected"
    await work.audit(action, "subsidy_entitlement", row.id, detail=_survivor(row, None, day, note))
    if approve:
        await queue_missed_quarters(work, row.person_id)
    return present(row, (await repository.ends_of(work.session, [row.id])).get(row.id))


def _survivor(
    row: SubsidyEntitlement, method: str | None, day: date, note: str | None = None
) -> dict:
    """A survivor certification's audit detail, with the payee as auditors may see it."""
    return {"method": method, "certified_on": day.isoformat(), "note": note} | _payee_audit(row)
