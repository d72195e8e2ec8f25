"""SQL for audits: findings are computed set-based for every audited unit at once."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Audit, AuditFinding

AUDITED = (
    "audited AS (SELECT unnest(CAST(:audit_ids AS uuid[])) AS audit_id, "
    "unnest(CAST(:unit_ids AS uuid[])) AS unit_id)"
)
DECLARED = (
    "declared AS (SELECT a.audit_id, a.unit_id, d.id AS declaration_id FROM audited a "
    "JOIN contribution.declaration d ON d.unit_id = a.unit_id AND d.year = :year)"
)
LIABLE = (
    "liable AS (SELECT DISTINCT a.audit_id, r.citizen_id, r.name FROM audited a "
    "JOIN contribution.liability l ON l.unit_id = a.unit_id AND l.start_on <= :last "
    "AND (l.end_on IS NULL OR l.end_on > :first) "
    "JOIN contribution.roster_person r ON r.id = l.person_id)"
)
INSERT = (
    "INSERT INTO contribution.audit_finding (id, audit_id, kind, citizen_id, name, period, "
    "amount, detail) "
)
# Each rule: a finding kind and the SELECT producing its rows.
RULES = {
    "not_insured": (
        f"WITH {AUDITED}, {DECLARED}, {LIABLE} {INSERT}"
        "SELECT gen_random_uuid(), d.audit_id, 'not_insured', dl.citizen_id, dl.name, NULL, "
        "NULL, '申报缴费基数但未在本单位参保 (on the declaration, not insured under the unit)' "
        "FROM declared d JOIN contribution.declaration_line dl ON dl.declaration_id = "
        "d.declaration_id WHERE NOT EXISTS (SELECT 1 FROM liable li WHERE li.audit_id = "
        "d.audit_id AND li.citizen_id = dl.citizen_id)"
    ),
    "missing_from_declaration": (
        f"WITH {AUDITED}, {DECLARED}, {LIABLE} {INSERT}"
        "SELECT gen_random_uuid(), li.audit_id, 'missing_from_declaration', li.citizen_id, "
        "li.name, NULL, NULL, '在本单位参保但未申报缴费基数 (insured, missing from the "
        "declaration)' FROM liable li JOIN declared d ON d.audit_id = li.audit_id "
        "WHERE NOT EXISTS (SELECT 1 FROM contribution.declaration_line dl WHERE "
        "dl.declaration_id = d.declaration_id AND dl.citizen_id = li.citizen_id)"
    ),
    "no_declaration": (
        f"WITH {AUDITED}, {DECLARED} {INSERT}"
        "SELECT gen_random_uuid(), a.audit_id, 'no_declaration', NULL, NULL, NULL, NULL, "
        "'本年度未申报缴费基数 (no base declaration for the year)' FROM audited a "
        "WHERE NOT EXISTS (SELECT 1 FROM declared d WHERE d.audit_id = a.audit_id) "
        "AND EXISTS (SELECT 1 FROM contribution.liability l WHERE l.unit_id = a.unit_id "
        "AND l.start_on <= :last AND (l.end_on IS NULL OR l.end_on > :first))"
    ),
    "base_below_floor": (
        f"WITH {AUDITED}, {DECLARED} {INSERT}"
        "SELECT gen_random_uuid(), d.audit_id, 'base_below_floor', dl.citizen_id, dl.name, "
        "NULL, dl.declared_wage, '申报工资低于缴费基数下限, 已按下限核定 (declared wage below "
        "the floor ' || dl.base || ', raised to it)' FROM declared d "
        "JOIN contribution.declaration_line dl ON dl.declaration_id = d.declaration_id "
        "WHERE dl.clamp = 'raised_to_floor'"
    ),
    "unpaid_month": (
        f"WITH {AUDITED} {INSERT}"
        "SELECT gen_random_uuid(), a.audit_id, 'unpaid_month', NULL, NULL, p.period, "
        "p.total - p.paid_total, '欠缴 (unpaid): due ' || p.due_on || ', outstanding ' || "
        "(p.total - p.paid_total) FROM audited a JOIN contribution.plan p ON p.unit_id = "
        "a.unit_id AND p.period BETWEEN :first AND :last AND p.settled_on IS NULL "
        "AND p.due_on < :as_of"
    ),
}


async def open_audits(
    session: AsyncSession, unit_ids: list[uuid.UUID], year: int, kind: str, who: str, as_of: date
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Open audits; a yearly audit already opened for a unit is not opened again."""
    rows = await session.exec(
        text(
            "INSERT INTO contribution.audit (id, unit_id, year, kind, opened_by, as_of) "
            "SELECT gen_random_uuid(), u, :year, :kind, :who, :as_of "
            "FROM unnest(CAST(:units AS uuid[])) AS u ON CONFLICT DO NOTHING "
            "RETURNING id, unit_id"
        ).bindparams(units=unit_ids, year=year, kind=kind, who=who, as_of=as_of)
    )
    return [(r[0], r[1]) for r in rows.all()]


async def find_all(
    session: AsyncSession, audits: list[tuple[uuid.UUID, uuid.UUID]], year: int, as_of: date
) -> None:
    """Compute every rule's findings for the audits."""
    if not audits:
        return
    params = {
        "audit_ids": [a for a, _ in audits],
        "unit_ids": [u for _, u in audits],
        "year": year,
        "first": date(year, 1, 1),
        "last": date(year, 12, 31),
        "as_of": as_of,
    }
    for sql in RULES.values():
        names = [n for n in params if f":{n}" in sql]
        await session.exec(text(sql).bindparams(**{n: params[n] for n in names}))


UNITS_IN_YEAR = (
    "SELECT unit_id FROM contribution.liability WHERE start_on <= :last "
    "AND (end_on IS NULL OR end_on > :first) "
    "UNION SELECT unit_id FROM contribution.declaration WHERE year = :year"
)


def _year(year: int) -> dict[str, object]:
    return {"year": year, "first": date(year, 1, 1), "last": date(year, 12, 31)}


async def count_units_to_audit(session: AsyncSession, year: int) -> int:
    """How many units have staff liable in the year or a declaration for it."""
    found = await session.exec(
        text(f"SELECT count(*) FROM ({UNITS_IN_YEAR}) u").bindparams(**_year(year))
    )
    return int(found.one()[0])


async def units_to_audit(
    session: AsyncSession, year: int, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """The next units (by id, after `after`) with staff liable in the year or a declaration."""
    rows = await session.exec(
        text(
            f"SELECT unit_id FROM ({UNITS_IN_YEAR}) u "
            "WHERE CAST(:after AS uuid) IS NULL OR unit_id > CAST(:after AS uuid) "
            "ORDER BY unit_id LIMIT :limit"
        ).bindparams(**_year(year), after=after, limit=limit)
    )
    return [r[0] for r in rows.all()]


async def get(session: AsyncSession, audit_id: uuid.UUID) -> Audit | None:
    """An audit by id."""
    return await session.get(Audit, audit_id)


async def search(
    session: AsyncSession, year: int | None, unit_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[Audit], int]:
    """Audits, newest first (id breaks ties, so pages never overlap), with the total."""
    query = select(Audit)
    if year:
        query = query.where(Audit.year == year)
    if unit_id:
        query = query.where(Audit.unit_id == unit_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Audit.opened_at.desc(), Audit.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def findings(session: AsyncSession, audit_ids: list[uuid.UUID]) -> list[AuditFinding]:
    """Findings of these audits, by kind."""
    rows = await session.exec(
        select(AuditFinding)
        .where(AuditFinding.audit_id.in_(audit_ids))
        .order_by(AuditFinding.kind, AuditFinding.period, AuditFinding.citizen_id)
    )
    return list(rows.all())


async def counts(
    session: AsyncSession, audit_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, dict[str, int]]]:
    """Per audit, its findings counted by kind and status."""
    rows = await session.exec(
        text(
            "SELECT audit_id, kind, status, count(*) FROM contribution.audit_finding "
            "WHERE audit_id = ANY(:ids) GROUP BY audit_id, kind, status"
        ).bindparams(ids=audit_ids)
    )
    out: dict[uuid.UUID, dict[str, dict[str, int]]] = {a: {} for a in audit_ids}
    for audit_id, kind, status, n in rows.all():
        out[audit_id].setdefault(kind, {})[status] = n
    return out


async def finding_for_update(session: AsyncSession, finding_id: uuid.UUID) -> AuditFinding | None:
    """A finding, locked for its resolution."""
    rows = await session.exec(
        select(AuditFinding).where(AuditFinding.id == finding_id).with_for_update()
    )
    return rows.first()


async def close_finding(
    session: AsyncSession, finding: AuditFinding, status: str, note: str, who: str
) -> AuditFinding:
    """Record a finding's resolution."""
    finding.status = status
    finding.resolution_note = note
    finding.resolved_by = who
    finding.resolved_at = datetime.now(UTC)
    session.add(finding)
    await session.flush()
    return finding
