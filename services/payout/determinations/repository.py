"""SQL for retirees and their determinations."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Determination, Retiree, UndeterminedRetirement


async def insert_retiree(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Add a retiree unless known already; True if added."""
    added = await session.exec(
        pg_insert(Retiree).values(**row).on_conflict_do_nothing().returning(Retiree.person_id)
    )
    return added.first() is not None


async def lock_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """The retiree, locked so that their determinations get consecutive numbers."""
    rows = await session.exec(
        select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    )
    return rows.first()


async def next_seq(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The number of the person's next determination (call with the retiree locked)."""
    rows = await session.exec(
        select(func.coalesce(func.max(Determination.seq), 0)).where(
            Determination.person_id == person_id
        )
    )
    return int(rows.one()) + 1


async def insert_determination(session: AsyncSession, determination: Determination) -> None:
    """Record a determination."""
    session.add(determination)
    await session.flush()


async def get(
    session: AsyncSession, determination_id: uuid.UUID, lock: bool = False
) -> Determination | None:
    """One determination (locked for a review step)."""
    query = select(Determination).where(Determination.id == determination_id)
    rows = await session.exec(query.with_for_update() if lock else query)
    return rows.first()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[Determination]:
    """A person's determinations, oldest first."""
    rows = await session.exec(
        select(Determination)
        .where(Determination.person_id == person_id)
        .order_by(Determination.seq)
    )
    return list(rows.all())


async def approved_for(
    session: AsyncSession, person_id: uuid.UUID, month: date
) -> Determination | None:
    """The approved determination that pays a month: the latest one effective by then."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status == "approved",
            Determination.effective_from <= month,
        )
        .order_by(Determination.effective_from.desc(), Determination.seq.desc())
        .limit(1)
    )
    return rows.first()


async def set_review(
    session: AsyncSession,
    determination_id: uuid.UUID,
    status: str,
    actor_field: str | None,
    actor: str,
    at: datetime,
) -> None:
    """Move a determination to its next review status, naming who did it."""
    values: dict[str, Any] = {"status": status}
    if actor_field:
        values |= {f"{actor_field}_by": actor, f"{actor_field}_at": at}
    await session.exec(
        update(Determination).where(Determination.id == determination_id).values(**values)
    )


async def get_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree by person id."""
    return await session.get(Retiree, person_id)


async def open_payments(session: AsyncSession, person_id: uuid.UUID, month: date) -> None:
    """An approved determination pays from its month: move the retiree's first month back."""
    await session.exec(
        update(Retiree)
        .where(Retiree.person_id == person_id)
        .values(first_month=func.least(func.coalesce(Retiree.first_month, month), month))
    )


async def listing(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[list[Determination], int]:
    """Determinations (filtered by status), oldest first, and how many there are."""
    where = [Determination.status == status] if status else []
    total = (
        await session.exec(select(func.count()).select_from(Determination).where(*where))
    ).one()
    rows = await session.exec(
        select(Determination)
        .where(*where)
        .order_by(Determination.created_at, Determination.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total)


async def in_review(session: AsyncSession, person_id: uuid.UUID) -> Determination | None:
    """A determination of the person still waiting for review, if any."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status.in_(("awaiting_old_method", "pending", "checked")),
        )
        .order_by(Determination.seq)
        .limit(1)
    )
    return rows.first()


async def in_force_after(
    session: AsyncSession, person_id: uuid.UUID, month: date
) -> list[Determination]:
    """The approved 调待 and corrections that take over after a month, in order: for each
    later month one starts in, the one in force then (the latest approved of that month)."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status == "approved",
            Determination.kind.in_(("adjustment", "recalculation")),
            Determination.effective_from > month,
        )
        .order_by(Determination.effective_from, Determination.seq.desc())
        .ext(distinct_on(Determination.effective_from))
    )
    return list(rows.all())


async def rebased_on(session: AsyncSession, determination_id: uuid.UUID) -> list[Determination]:
    """The determinations in review that were recomputed on this one, locked."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.rebased_on == determination_id,
            Determination.status.in_(("pending", "checked")),
        )
        .with_for_update()
    )
    return list(rows.all())


async def record_undetermined(
    session: AsyncSession, person_id: uuid.UUID, code: str, detail: str, event_id: uuid.UUID
) -> None:
    """Record a retirement that could not be determined (once per retiree)."""
    await session.exec(
        pg_insert(UndeterminedRetirement)
        .values(person_id=person_id, reason_code=code, detail=detail, source_event_id=event_id)
        .on_conflict_do_nothing()
    )


async def open_undetermined(
    session: AsyncSession, person_id: uuid.UUID
) -> UndeterminedRetirement | None:
    """The retiree's undetermined retirement not yet resolved, locked."""
    rows = await session.exec(
        select(UndeterminedRetirement)
        .where(
            UndeterminedRetirement.person_id == person_id,
            col(UndeterminedRetirement.resolved_at).is_(None),
        )
        .with_for_update()
    )
    return rows.first()


async def has_approved(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """True once the person has an approved determination (then corrections apply)."""
    rows = await session.exec(
        select(Determination.id)
        .where(Determination.person_id == person_id, Determination.status == "approved")
        .limit(1)
    )
    return rows.first() is not None


async def latest(session: AsyncSession, person_id: uuid.UUID) -> Determination | None:
    """The person's latest determination, whatever its state."""
    rows = await session.exec(
        select(Determination)
        .where(Determination.person_id == person_id)
        .order_by(Determination.seq.desc())
        .limit(1)
    )
    return rows.first()


async def resolve_undetermined(
    session: AsyncSession,
    person_id: uuid.UUID,
    by: str,
    at: datetime,
    determination_id: uuid.UUID,
) -> None:
    """Mark an open undetermined retirement determined, naming the determination made for it
    (an initial determination or a re-determination; nothing where none is open)."""
    await session.exec(
        update(UndeterminedRetirement)
        .where(
            col(UndeterminedRetirement.person_id) == person_id,
            col(UndeterminedRetirement.resolved_at).is_(None),  # resolved once, by the first
        )
        .values(resolved_by=by, resolved_at=at, determination_id=determination_id)
    )


async def undetermined(
    session: AsyncSession, resolved: bool, limit: int, offset: int
) -> tuple[list[tuple[UndeterminedRetirement, Retiree]], int]:
    """Undetermined retirements (open or resolved) with their retiree, oldest first."""
    done = col(UndeterminedRetirement.resolved_at)
    where = done.is_not(None) if resolved else done.is_(None)
    total = (
        await session.exec(select(func.count()).select_from(UndeterminedRetirement).where(where))
    ).one()
    rows = await session.exec(
        select(UndeterminedRetirement, Retiree)
        .join(Retiree, col(Retiree.person_id) == col(UndeterminedRetirement.person_id))
        .where(where)
        .order_by(col(UndeterminedRetirement.created_at), col(UndeterminedRetirement.person_id))
        .limit(limit)
        .offset(offset)
    )
    return [(u, r) for u, r in rows.all()], int(total)


WITHOUT_DETERMINATION = """
    FROM payout.retiree r
    LEFT JOIN LATERAL (
        SELECT id, seq, kind, status FROM payout.determination d
        WHERE d.person_id = r.person_id ORDER BY seq DESC LIMIT 1) d ON true
    LEFT JOIN payout.undetermined_retirement u
        ON u.person_id = r.person_id AND u.resolved_at IS NULL
    WHERE NOT EXISTS (
        SELECT 1 FROM payout.determination a
        WHERE a.person_id = r.person_id AND a.status = 'approved')"""


async def without_determination(
    session: AsyncSession, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Retirees with no approved determination (paid nothing), with their latest one and
    the reason of a retirement recorded as undetermined and not yet resolved."""
    total = (await session.exec(text(f"SELECT count(*) {WITHOUT_DETERMINATION}"))).one()[0]
    rows = await session.exec(
        text(f"""
            SELECT r.person_id, r.name, r.retired_on, r.status,
                   d.id, d.seq, d.kind, d.status, u.reason_code {WITHOUT_DETERMINATION}
            ORDER BY r.retired_on, r.person_id LIMIT :limit OFFSET :offset""").bindparams(
            limit=limit, offset=offset
        )
    )
    return list(rows.all()), int(total)


# Per retiree, the latest approved determination (history is never edited, so this one
# carries the versions every later month is paid on) and each formula parameter it used
# that is not the version in force on the retirement date any more.
STALE = """
    WITH cur AS (
        SELECT DISTINCT ON (d.person_id) d.person_id, d.id, d.seq, d.parameter_versions,
               r.retired_on, r.name
        FROM payout.determination d JOIN payout.retiree r USING (person_id)
        WHERE d.status = 'approved'
        ORDER BY d.person_id, d.seq DESC),
    stale AS (
        SELECT cur.*, n.name AS parameter, (cur.parameter_versions->>n.name)::int AS used,
               p.id AS in_force
        FROM cur
        CROSS JOIN unnest(CAST(:names AS text[])) n(name)
        CROSS JOIN LATERAL (
            SELECT id FROM payout.parameter
            WHERE name = n.name AND effective_from <= cur.retired_on
              AND status = 'approved'
            ORDER BY effective_from DESC, id DESC LIMIT 1) p
        WHERE cur.parameter_versions->>n.name IS NOT NULL
          AND (cur.parameter_versions->>n.name)::int <> p.id)
    SELECT person_id, name, retired_on, id, seq,
           jsonb_agg(jsonb_build_object('name', parameter, 'used', used, 'in_force', in_force)
                     ORDER BY parameter),
           EXISTS (SELECT 1 FROM payout.determination w
                   WHERE w.person_id = stale.person_id
                     AND w.status IN ('awaiting_old_method', 'pending', 'checked'))
    FROM stale
    GROUP BY person_id, name, retired_on, id, seq"""


async def stale(
    session: AsyncSession,
    names: list[str],
    limit: int,
    offset: int,
    ready_only: bool = False,
    parameter_id: int | None = None,
) -> tuple[list[Any], int]:
    """Retirees whose determination in force was made on a parameter version no longer in
    force for their retirement date (`ready_only`: nothing of theirs in review;
    `parameter_id`: the version now in force is this one)."""
    where = ["NOT in_review"] if ready_only else []
    if parameter_id is not None:
        version = "jsonb_build_object('in_force', CAST(:version AS int))"
        where.append(f"parameters @> jsonb_build_array({version})")
    columns = "person_id, name, retired_on, id, seq, parameters, in_review"
    query = f"SELECT * FROM ({STALE}) s({columns})"
    if where:
        query += " WHERE " + " AND ".join(where)
    binds = {"names": names} | ({} if parameter_id is None else {"version": parameter_id})
    total = (
        await session.exec(text(f"SELECT count(*) FROM ({query}) c").bindparams(**binds))
    ).one()[0]
    rows = await session.exec(
        text(f"{query} ORDER BY retired_on, person_id LIMIT :limit OFFSET :offset").bindparams(
            limit=limit, offset=offset, **binds
        )
    )
    return list(rows.all()), int(total)


PROVISIONAL = """
    FROM (SELECT DISTINCT ON (d.person_id) d.*
          FROM payout.determination d WHERE d.status = 'approved'
          ORDER BY d.person_id, d.seq DESC) cur
    WHERE cur.provisional"""


async def provisional(
    session: AsyncSession, limit: int, offset: int
) -> tuple[list[Determination], int]:
    """The latest approved determinations that are provisional (预发), still to settle."""
    total = (await session.exec(text(f"SELECT count(*) {PROVISIONAL}"))).one()[0]
    ids = await session.exec(
        text(
            f"SELECT cur.id {PROVISIONAL} ORDER BY cur.effective_from, cur.id "
            "LIMIT :limit OFFSET :offset"
        ).bindparams(limit=limit, offset=offset)
    )
    found = [i for (i,) in ids.all()]
    if not found:
        return [], int(total)
    rows = await session.exec(
        select(Determination)
        .where(Determination.id.in_(found))
        .order_by(Determination.effective_from, Determination.id)
    )
    return list(rows.all()), int(total)


async def retiree_by_citizen_id(session: AsyncSession, citizen_id: str) -> Retiree | None:
    """The retiree with this citizen id, locked."""
    rows = await session.exec(
        select(Retiree).where(Retiree.citizen_id == citizen_id).with_for_update()
    )
    return rows.first()
