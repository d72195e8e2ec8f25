"""Use cases of recalculation differences: found when a determination for a month already
paid is approved; listed per retiree."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import estate
from services.payout.differences import repository
from services.payout.differences.schemas import DifferenceOut
from services.payout.domain.difference import differences
from services.payout.labels import chinese_labels
from services.payout.models import BenefitDifference, Determination
from services.payout.tax import service as taxes
from shared.data.work import Work
from shared.problems import ProblemError


async def after_approval(work: Work, row: Determination) -> list[BenefitDifference]:
    """Record the back pay or recovery of every month already paid from the approved
    determination's month (the months not yet paid simply use it)."""
    retiree = await repository.lock_retiree(work.session, row.person_id)
    if retiree is None or retiree.paid_until is None:
        return []
    last = min(retiree.paid_until, retiree.last_month or retiree.paid_until)
    if last < row.effective_from:
        return []
    due = await repository.due(work.session, row.person_id, row.effective_from, last)
    settled = await repository.settled(work.session, row.person_id, row.effective_from, last)
    found = differences(due, settled)
    rows = [
        BenefitDifference(
            person_id=row.person_id,
            determination_id=row.id,
            program=d.program,
            month=d.month,
            settled=d.settled,
            due=d.due,
            amount=d.amount,
            kind=d.kind,
            # Back pay waits for the next payroll run (or, for a deceased retiree, the death
            # benefits); a recovery is a case from now on.
            status="pending" if d.kind == "back_pay" else "recovery_opened",
            created_by=work.actor.subject,
        )
        for d in found
    ]
    cases = repository.recovery_cases(rows)
    # The tax withheld on an overpaid annuity is given back once recovered (tax report).
    await taxes.give_back_on(work.session, cases)
    await repository.insert(work.session, rows, cases)
    for r in rows:
        await work.audit(
            f"benefit_difference.{r.kind}",
            "benefit_difference",
            r.id,
            detail={
                "person_id": str(r.person_id),
                "determination_id": str(r.determination_id),
                "program": r.program,
                "month": r.month.isoformat(),
                "settled": str(r.settled),
                "due": str(r.due),
                "amount": str(r.amount),
            },
        )
    if retiree.last_month is not None:
        await estate.after_approval(work, row.person_id, retiree.last_month)
    return rows


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[DifferenceOut]:
    """A retiree's recalculation differences with Chinese labels."""
    if await repository.get_retiree(session, person_id) is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    return [
        DifferenceOut.model_validate(r, from_attributes=True).labelled(chinese_labels())
        for r in await repository.of_person(session, person_id)
    ]
