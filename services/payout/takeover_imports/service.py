"""批量接管: the checks of every line (those of a single take-over), the set-wise writes of a
batch of lines, and the batch's two reviews (审核 then 复核, by two people)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.determinations.schemas import TakeOverIn
from services.payout.determinations.service import REVIEWERS, audited
from services.payout.determinations.takeover import (
    excesses,
    first_determination,
    inputs_of,
    retiree_audit,
    retiree_row,
)
from services.payout.domain.bounds import above
from services.payout.models import Determination, TakeoverBatch
from services.payout.parameters.schemas import AmountBounds
from services.payout.parameters.service import bounds, check_bounds
from services.payout.takeover_imports import repository
from services.payout.takeover_imports.schemas import DEFAULT_REASON, TakeoverBatchOut
from shared.data.import_headers import label_of
from shared.data.imports import Issue, SourceRow
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.import_reports import RowResult, RowStatus, failed
from shared.i18n.invalid import Invalid
from shared.jobs.queue import get_job
from shared.problems import ProblemError

PREFIX = "/v1/payout"


def report_url(batch_id: uuid.UUID | str) -> str:
    """Where a batch's kept report is read."""
    return f"{PREFIX}/takeover-batches/{batch_id}/report"


def _issues(exc: ValidationError, values: dict[str, str | None]) -> list[Issue]:
    """A line's validation errors as report reasons: a rule's own catalogue key, or the value
    named as invalid."""
    issues = []
    for error in exc.errors():
        rule = (error.get("ctx") or {}).get("error")
        if isinstance(rule, Invalid):
            issues.append(Issue(rule.field or "row", rule.key, rule.params))
            continue
        field = str(error["loc"][0]) if error["loc"] else "citizen_id"
        params = {"column": label_of(field), "value": values.get(field)}
        issues.append(Issue(field, "import_value_invalid", params))
    return issues


def _problem(exc: ProblemError, field: str) -> Issue:
    """A refusal of the single route as a line's reason (same code and parameters)."""
    params = {k: str(v) for k, v in exc.extra.items()}
    return Issue(params.get("field", field), exc.code, params, exc.message)


async def checked(
    session: AsyncSession, source: SourceRow, reason: str, limits: dict[date, AmountBounds]
) -> TakeOverIn | list[Issue]:
    """The line as a take-over, or why it cannot be one (the single route's checks, with the
    amount bounds looked up once a month)."""
    if source.issues:
        return source.issues
    values = {k: v for k, v in source.values.items() if v is not None}
    try:
        body = TakeOverIn.model_validate({"reason": reason, **values})
    except ValidationError as exc:
        return _issues(exc, source.values)
    try:
        if body.effective_from not in limits:
            limits[body.effective_from] = await bounds(session, body.effective_from)
        check_bounds(*excesses(body, limits[body.effective_from]))
        inputs_of(body)
    except ProblemError as exc:
        return [_problem(exc, "monthly_amount")]
    return body


def line_reason(filename: str) -> str:
    """The reason recorded for a line that gives none."""
    return f"{DEFAULT_REASON} ({filename})"[:500]


async def write_lines(
    work: Work,
    batch_id: uuid.UUID,
    lines: list[tuple[SourceRow, TakeOverIn]],
) -> list[RowResult]:
    """Take over a batch of valid lines set-wise, as the single route would one by one: a
    new retiree and their first determination, or for one taken over before whose
    determinations were all returned a new one superseding the last (in review, made by the
    uploader); the batch's lines and the audit entries. A line whose person has a
    determination approved or in review, or was determined from a retirement record, is
    refused and writes nothing."""
    by = work.actor.subject
    known = await repository.known(work.session, [b.citizen_id for _, b in lines])
    again = [(s, b, known[b.citizen_id]) for s, b in lines if _again(known.get(b.citizen_id))]
    results = [
        _exists(s) for s, b in lines if b.citizen_id in known and not _again(known[b.citizen_id])
    ]
    fresh = [(s, b, b.person_id or uuid.uuid4()) for s, b in lines if b.citizen_id not in known]
    added = await repository.insert_retirees(work.session, [retiree_row(b, p) for _, b, p in fresh])
    # A person added by another batch since the look-up is refused like one known before.
    results += [_exists(s) for s, _, p in fresh if p not in added]
    taken = [(s, b, p, None) for s, b, p in fresh if p in added]
    taken += [(s, b, k.person_id, k) for s, b, k in again]
    rows = [_determination(b, p, k, by) for _, b, p, k in taken]
    await repository.insert_determinations(work.session, rows)
    await repository.insert_lines(
        work.session,
        [
            {"determination_id": r.id, "batch_id": batch_id, "line": s.number, "person_id": p}
            for (s, _, p, _), r in zip(taken, rows, strict=True)
        ],
    )
    entries = []
    for (_, body, person_id, before), row in zip(taken, rows, strict=True):
        if before is None:  # a new retiree (the single route's entry)
            detail = retiree_audit(body) | {"batch_id": str(batch_id)}
            entry = work.audit_entry("retiree.taken_over", "retiree", person_id, detail=detail)
            entries.append(entry)
        detail = audited(row, kind=row.kind, batch_id=str(batch_id))
        entries.append(
            work.audit_entry("determination.created", "determination", row.id, detail=detail)
        )
    await work.audit_many(entries)
    return results + [RowResult(s, RowStatus.accepted, []) for s, _, _, _ in taken]


def _again(known: repository.Known | None) -> bool:
    """Taken over before and every determination since returned: taken over again."""
    return known is not None and known.taken_over and not known.open


def _determination(
    body: TakeOverIn, person_id: uuid.UUID, before: repository.Known | None, by: str
) -> Determination:
    """The determination a line makes: the first, or the next superseding the last."""
    row = first_determination(inputs_of(body), body, person_id, by)
    if before is not None:
        row.seq, row.supersedes = before.latest_seq + 1, before.latest_id
    return row


def _exists(source: SourceRow) -> RowResult:
    return failed(source, Issue("citizen_id", "import_retiree_exists"))


def present(batch: TakeoverBatch) -> TakeoverBatchOut:
    """A batch as the API shows it."""
    fields = batch.model_dump(exclude={"report"})
    return TakeoverBatchOut(**fields, report_url=report_url(batch.id))


async def get(session: AsyncSession, batch_id: uuid.UUID, lock: bool = False) -> TakeoverBatch:
    """A batch (404 if there is none)."""
    found = await repository.batch(session, batch_id, lock)
    if found is None:
        raise ProblemError(404, "takeover_batch_not_found", batch_id=str(batch_id))
    return found


async def report(session: AsyncSession, batch_id: uuid.UUID) -> dict[str, Any]:
    """A batch's kept report (409 while it is still importing)."""
    found = await get(session, batch_id)
    if found.report is None:
        raise ProblemError(409, "takeover_batch_importing", batch_id=str(batch_id))
    return {**found.report, "created_by": found.created_by, "created_at": found.created_at}


async def _import_failed(work: Work, batch: TakeoverBatch) -> bool:
    """Whether the batch's import job failed for good (its committed steps stay in review:
    a partial batch is never approved as one, only returned)."""
    if batch.status != "importing":
        return False
    job = await get_job(work.session, SCHEMA, batch.job_id)
    return job is not None and job.state == "failed"


def _wanted(batch: TakeoverBatch, status: str) -> None:
    if batch.status != status:
        raise ProblemError(
            409, "takeover_batch_wrong_state", current_status=batch.status, wanted=status
        )


async def check(work: Work, batch_id: uuid.UUID) -> TakeoverBatchOut:
    """审核 of a whole batch: every determination it made still pending is checked."""
    batch = await get(work.session, batch_id, lock=True)
    _wanted(batch, "imported")
    return await _review(work, batch, "check", ("pending",), "checked")


async def approve(work: Work, batch_id: uuid.UUID) -> TakeoverBatchOut:
    """复核 of a whole batch, by a clerk who neither imported nor checked it: every checked
    determination it made is approved (payable from its month); each is still within the
    ceiling in force then."""
    batch = await get(work.session, batch_id, lock=True)
    _wanted(batch, "checked")
    require_second_person(
        work.actor, batch.created_by, batch.checked_by, act="批量接管复核", allowed=REVIEWERS
    )
    for month, monthly, annuity in await repository.largest_checked(work.session, batch.id):
        limits = await bounds(work.session, month)
        check_bounds(
            above("monthly_amount", monthly, limits.monthly_ceiling),
            above("annuity_monthly", annuity, limits.monthly_ceiling),
        )
    return await _review(work, batch, "approve", ("checked",), "approved")


async def return_batch(work: Work, batch_id: uuid.UUID, remark: str | None) -> TakeoverBatchOut:
    """退回 of a whole batch before its approval, or of one whose import failed part-way:
    every determination it made still in review is returned (its retirees are listed without
    determination, to be taken over again, by a corrected file or one by one)."""
    batch = await get(work.session, batch_id, lock=True)
    if batch.status not in ("imported", "checked") and not await _import_failed(work, batch):
        raise ProblemError(
            409,
            "takeover_batch_wrong_state",
            current_status=batch.status,
            wanted="imported, checked",
        )
    return await _review(work, batch, "return", ("pending", "checked"), "returned", remark)


async def _review(
    work: Work,
    batch: TakeoverBatch,
    action: str,
    status: tuple[str, ...],
    after: str,
    remark: str | None = None,
) -> TakeoverBatchOut:
    """One review step over the batch's determinations, set-wise, each audited as the single
    step audits it, and the batch's own entry."""
    now, by = datetime.now(UTC), work.actor.subject
    field = {"check": "checked", "approve": "approved"}.get(action)
    moved = await repository.review_lines(work.session, batch.id, status, after, field, by, now)
    if after == "approved":
        # New retirees, paid nothing before: no month to settle (differences.after_approval).
        await repository.open_payments(work.session, [m[0] for m in moved])
    entries = [
        work.audit_entry(
            f"determination.{action}",
            "determination",
            determination_id,
            detail={
                "person_id": str(person_id),
                "seq": seq,
                "status": after,
                "batch_id": str(batch.id),
                **({"remark": remark} if remark else {}),
            },
        )
        for determination_id, person_id, seq, _ in moved
    ]
    await work.audit_many(entries)
    reviewed = {f"{field}_by": by, f"{field}_at": now} if field else {}
    await repository.set_batch(work.session, batch.id, status=after, **reviewed)
    detail: dict[str, Any] = {"lines": len(moved)} | ({"remark": remark} if remark else {})
    await work.audit(f"takeover_batch.{action}", "takeover_batch", batch.id, detail=detail)
    refreshed = await get(work.session, batch.id)
    await work.session.refresh(refreshed)
    return present(refreshed)
