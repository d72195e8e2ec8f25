"""SQL for receipts and allocations; bulk statements so thousands of receipts stay cheap."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import SCHEMA
from services.contribution.domain.allocation import PRIORITY, Allocation, Funds, OpenPlan
from services.contribution.models import Receipt, RosterUnit
from shared.contracts import AccountsCredited
from shared.data.sorting import SortKey, order_clauses


async def lock_units(session: AsyncSession, unit_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Lock the units' roster rows (in id order, so concurrent batches cannot deadlock)."""
    rows = await session.exec(
        text(
            "SELECT id FROM contribution.roster_unit WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"
        ).bindparams(ids=unit_ids)
    )
    return [row[0] for row in rows.all()]


async def lock_bank(session: AsyncSession, bank_id: str) -> None:
    """Serialise one bank's batches until this transaction ends."""
    await session.exec(
        text("SELECT pg_advisory_xact_lock(7102, hashtext(:bank))").bindparams(bank=bank_id)
    )


async def units_by_code(session: AsyncSession, codes: list[str]) -> dict[str, uuid.UUID]:
    """Unit ids by credit code, for the codes that are on the roster."""
    rows = await session.exec(
        select(RosterUnit.credit_code, RosterUnit.id).where(RosterUnit.credit_code.in_(codes))
    )
    return dict(rows.all())


async def existing_references(
    session: AsyncSession, bank_id: str, references: list[str]
) -> dict[str, Receipt]:
    """Receipts already recorded under these bank references."""
    rows = await session.exec(
        select(Receipt).where(Receipt.bank_id == bank_id, Receipt.reference.in_(references))
    )
    return {r.reference or "": r for r in rows.all()}


async def insert_receipts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record receipts."""
    if rows:
        await session.exec(insert(Receipt), params=rows)


async def open_funds(
    session: AsyncSession, unit_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Funds]]:
    """Each unit's receipts with money left, oldest first."""
    rows = await session.exec(
        text(
            "SELECT unit_id, id, received_on, unallocated FROM contribution.receipt "
            "WHERE unit_id = ANY(:units) AND unallocated > 0 "
            "ORDER BY unit_id, received_on, recorded_at, id"
        ).bindparams(units=unit_ids)
    )
    funds: dict[uuid.UUID, list[Funds]] = {}
    for unit_id, receipt_id, received_on, unallocated in rows.all():
        funds.setdefault(unit_id, []).append(Funds(receipt_id, received_on, unallocated))
    return funds


async def open_plans(
    session: AsyncSession, unit_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[OpenPlan]]:
    """Each unit's plans with principal still due, oldest period first, regular first."""
    rows = await session.exec(
        text(
            "SELECT unit_id, id, due_on, "
            + ", ".join(f"{item} - paid_{item} AS {item}" for item in PRIORITY)
            + " FROM contribution.plan WHERE unit_id = ANY(:units) AND settled_on IS NULL "
            "ORDER BY unit_id, period, seq"
        ).bindparams(units=unit_ids)
    )
    plans: dict[uuid.UUID, list[OpenPlan]] = {}
    for row in rows.mappings().all():
        outstanding = {item: row[item] for item in PRIORITY}
        plans.setdefault(row["unit_id"], []).append(OpenPlan(row["id"], row["due_on"], outstanding))
    return plans


async def insert_allocations(
    session: AsyncSession,
    unit_of_plan: dict[uuid.UUID, uuid.UUID],
    allocations: list[Allocation],
    fee_parameter_id: int,
) -> None:
    """Record allocations (each with its item split and late fee)."""
    if not allocations:
        return
    zero = Decimal("0.00")
    await session.exec(
        text(
            "INSERT INTO contribution.allocation (receipt_id, plan_id, unit_id, paid_on, "
            "basic_unit, basic_individual, annuity_unit, annuity_individual, principal, "
            "late_fee, days_late, late_fee_parameter_id) VALUES (:receipt_id, :plan_id, "
            ":unit_id, :paid_on, :basic_unit, :basic_individual, :annuity_unit, "
            ":annuity_individual, :principal, :late_fee, :days_late, :fee_parameter_id)"
        ),
        params=[
            {
                "receipt_id": a.receipt_id,
                "plan_id": a.plan_id,
                "unit_id": unit_of_plan[a.plan_id],
                "paid_on": a.paid_on,
                **{item: a.items.get(item, zero) for item in PRIORITY},
                "principal": a.principal,
                "late_fee": a.late_fee,
                "days_late": a.days_late,
                "fee_parameter_id": fee_parameter_id if a.late_fee > 0 else None,
            }
            for a in allocations
        ],
    )


async def apply_to_plans(session: AsyncSession, allocations: list[Allocation]) -> list[uuid.UUID]:
    """Add the allocations to their plans; returns the plans now fully paid."""
    if not allocations:
        return []
    totals: dict[uuid.UUID, dict[str, Decimal]] = {}
    last_paid: dict[uuid.UUID, date] = {}
    for a in allocations:
        plan = totals.setdefault(a.plan_id, {item: Decimal(0) for item in [*PRIORITY, "fee"]})
        for item, share in a.items.items():
            plan[item] += share
        plan["fee"] += a.late_fee
        last_paid[a.plan_id] = max(a.paid_on, last_paid.get(a.plan_id, a.paid_on))
    ids = list(totals)
    columns = [*PRIORITY, "fee"]
    arrays = {c: [totals[i][c] for i in ids] for c in columns}
    sets = ", ".join(f"paid_{item} = p.paid_{item} + v.{item}" for item in PRIORITY)
    rows = await session.exec(
        text(
            f"UPDATE contribution.plan p SET {sets}, "
            "paid_total = p.paid_total + v.basic_unit + v.basic_individual + v.annuity_unit "
            "+ v.annuity_individual, late_fee_paid = p.late_fee_paid + v.fee, "
            "settled_on = CASE WHEN p.paid_total + v.basic_unit + v.basic_individual "
            "+ v.annuity_unit + v.annuity_individual = p.total THEN v.paid_on END "
            "FROM (SELECT unnest(CAST(:ids AS uuid[])) AS id, "
            + ", ".join(f"unnest(CAST(:{c} AS numeric[])) AS {c}" for c in columns)
            + ", unnest(CAST(:paid_on AS date[])) AS paid_on) v "
            "WHERE p.id = v.id RETURNING p.id, p.settled_on"
        ).bindparams(ids=ids, paid_on=[last_paid[i] for i in ids], **arrays)
    )
    return [plan_id for plan_id, settled_on in rows.all() if settled_on is not None]


async def reduce_receipts(session: AsyncSession, allocations: list[Allocation]) -> None:
    """Take the allocated money (principal and fee) off the receipts' unallocated amounts."""
    used: dict[uuid.UUID, Decimal] = {}
    for a in allocations:
        used[a.receipt_id] = used.get(a.receipt_id, Decimal(0)) + a.principal + a.late_fee
    if not used:
        return
    await session.exec(
        text(
            "UPDATE contribution.receipt r SET unallocated = r.unallocated - v.used "
            "FROM (SELECT unnest(CAST(:ids AS uuid[])) AS id, "
            "unnest(CAST(:used AS numeric[])) AS used) v WHERE r.id = v.id"
        ).bindparams(ids=list(used), used=list(used.values()))
    )


RECEIPT_SORT = {
    "received_on": Receipt.received_on,
    "amount": Receipt.amount,
    "unallocated": Receipt.unallocated,
}


async def receipts(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    limit: int,
    offset: int,
    sort: SortKey | None = None,
) -> tuple[list[Receipt], int]:
    """Receipts, newest first unless sorted otherwise, optionally of one unit."""
    query = select(Receipt)
    if unit_id:
        query = query.where(Receipt.unit_id == unit_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    default = [Receipt.received_on.desc(), Receipt.id]
    order = order_clauses(sort, RECEIPT_SORT, Receipt.id, default)
    rows = await session.exec(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.all()), total


async def allocations_of(
    session: AsyncSession, receipt_ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Allocations of these receipts, with the period of the plan each paid."""
    rows = await session.exec(
        text(
            "SELECT a.*, p.period, p.seq FROM contribution.allocation a "
            "JOIN contribution.plan p ON p.id = a.plan_id "
            "WHERE a.receipt_id = ANY(:ids) ORDER BY a.id"
        ).bindparams(ids=receipt_ids)
    )
    return [dict(r._mapping) for r in rows.all()]


async def receipts_by_id(session: AsyncSession, receipt_ids: list[uuid.UUID]) -> list[Receipt]:
    """Receipts by id, read afresh (bulk updates bypass the session's objects)."""
    rows = await session.exec(
        select(Receipt).where(Receipt.id.in_(receipt_ids)).execution_options(populate_existing=True)
    )
    return list(rows.all())


# The accounts.credited events for settled plans, written into the outbox by one statement.
#
# Shape: one event per settled plan (a unit's month), split every 1,000 persons, so that a
# unit's month is what enrollment applies in one go. Each line carries the person's basic
# credit (the individual 8%), the funded and notional annuity parts (the unit's 8% is
# notional for fully state-funded units), the month's base and its index (base / last
# year's average wage as recorded on the plan, 4 places half up, at most 10).
#
# The envelopes are built by PostgreSQL: a large settlement credits hundreds of thousands
# of person-months, and building them line by line in Python cost more than the whole
# allocation. The integration tests check the rows against the contract.
LINES_PER_EVENT = 1000  # keeps a message far below NATS's 1 MB default payload limit

STAGE_CREDIT_EVENTS = """
WITH lines AS (
    SELECT p.id AS plan_id, p.unit_id, p.period, p.settled_on, l.person_id,
           (row_number() OVER (PARTITION BY p.id ORDER BY l.person_id) - 1) / :per_event
               AS chunk,
           json_build_object(
               'person_id', l.person_id,
               'basic', l.basic_individual::text,
               'annuity_funded', (l.annuity_individual + l.annuity_unit)::text,
               'annuity_notional', l.annuity_unit_notional::text,
               'contribution_base', l.base::text,
               'contribution_index', least(round(l.base / w.value, 4), 10)::text
           ) AS line
    FROM contribution.plan p
    JOIN contribution.plan_line l ON l.plan_id = p.id
    -- the average wage version the plan was generated with
    JOIN contribution.parameter w
      ON w.id = ANY(p.parameter_ids) AND w.name = 'average_monthly_wage'
    WHERE p.id = ANY(CAST(:plan_ids AS uuid[]))
), events AS (
    SELECT gen_random_uuid() AS event_id, plan_id, chunk, unit_id, period, settled_on,
           json_agg(line ORDER BY person_id) AS lines
    FROM lines GROUP BY plan_id, chunk, unit_id, period, settled_on
)
INSERT INTO contribution.outbox (event_id, subject, envelope)
SELECT event_id, :subject, json_build_object(
    'event_id', event_id,
    'type', :type,
    'version', :version,
    'occurred_at', now(),
    'source', :source,
    'aggregate_id', plan_id || ':' || chunk,
    'request_id', CAST(:request_id AS text),
    'payload', json_build_object(
        'unit_id', unit_id,
        'period', to_char(period, 'YYYY-MM'),
        'credited_on', settled_on,
        'lines', lines))
FROM events
"""


async def stage_credit_events(
    session: AsyncSession, plan_ids: list[uuid.UUID], request_id: str | None
) -> None:
    """Write the credit events of these settled plans into the outbox."""
    if not plan_ids:
        return
    await session.exec(
        text(STAGE_CREDIT_EVENTS).bindparams(
            plan_ids=plan_ids,
            per_event=LINES_PER_EVENT,
            subject=AccountsCredited.SUBJECT,
            type=AccountsCredited.event_type(),
            version=AccountsCredited.VERSION,
            source=SCHEMA,
            request_id=request_id,
        )
    )
