"""Use cases of payee account changes: request, approve (by another user), reject."""

import uuid
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.labels import chinese_labels
from services.payout.models import AccountChange, Retiree
from services.payout.payee_accounts import repository
from services.payout.payee_accounts.schemas import AccountChangeIn, AccountChangeOut
from shared.data.audit import changed_fields
from shared.data.ids import mask_account_number
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.four_eyes import require_second_person
from shared.http.masking import shown_account_number
from shared.problems import ProblemError


def present(change: AccountChange) -> AccountChangeOut:
    """A change as the API shows it."""
    out = AccountChangeOut.model_validate(change, from_attributes=True)
    out.status_label = chinese_labels()["account_change_status"].get(change.status, change.status)
    return out


def _detail(change: AccountChange, remark: str | None = None) -> dict[str, object]:
    # The log is read by auditors: the account as they may see it (the change keeps it all).
    detail = {
        "person_id": str(change.person_id),
        "bank_code": change.bank_code,
        "account_number": mask_account_number(change.account_number),
    }
    return detail | ({"remark": remark} if remark else {})


def _masked(account_number: str | None) -> str | None:
    return None if account_number is None else mask_account_number(account_number)


async def _living_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree:
    retiree = await repository.retiree(session, person_id, lock=True)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    if retiree.status == "deceased":
        raise ProblemError(409, "retiree_deceased")
    return retiree


async def request_change(
    work: Work,
    person_id: uuid.UUID,
    body: AccountChangeIn,
) -> AccountChangeOut:
    """Record a change; payments keep going to the old account until it is approved. One
    change waits at a time, and it must change something."""
    retiree = await _living_retiree(work.session, person_id)
    current = (retiree.bank_code, retiree.account_number, retiree.account_name)
    if (body.bank_code, body.account_number, body.account_name) == current:
        raise ProblemError(422, "account_unchanged")
    waiting = await repository.pending(work.session, person_id)
    if waiting is not None:
        raise ProblemError(409, "account_change_pending", change_id=str(waiting.id))
    change = await repository.insert(
        work.session,
        AccountChange(person_id=person_id, requested_by=work.actor.subject, **body.model_dump()),
    )
    await work.audit(
        "account_change.requested", "account_change", change.id, detail=_detail(change)
    )
    return present(change)


async def decide(
    work: Work,
    change_id: uuid.UUID,
    approve: bool,
    remark: str | None = None,
) -> AccountChangeOut:
    """Approve (the change takes effect) or reject; never by the clerk who asked for it, and
    no approval once the retiree has died."""
    change = await repository.get(work.session, change_id, lock=True)
    if change is None:
        raise ProblemError(404, "account_change_not_found", change_id=change_id)
    if change.status != "pending":
        raise ProblemError(409, "account_change_decided")
    # The shared four-eyes rule (改卡冒领): another clerk than the one who asked, not admin.
    require_second_person(work.actor, change.requested_by, act="发放账户变更", allowed=("clerk",))
    changes = None
    if approve:
        retiree = await _living_retiree(work.session, change.person_id)
        # The paying account before and after: compared in full, kept as auditors may see it
        # (two numbers may mask alike and still differ).
        changes = {
            field: {side: _masked(value) for side, value in sides.items()}
            if field == "account_number"
            else sides
            for field, sides in changed_fields(
                retiree, change, ("bank_code", "account_number", "account_name")
            ).items()
        }
    status = "approved" if approve else "rejected"
    await repository.decide(work.session, change.id, status, work.actor.subject, datetime.now(UTC))
    if approve:
        await repository.apply(work.session, change)
    await work.session.refresh(change)
    await work.audit(
        f"account_change.{status}",
        "account_change",
        change.id,
        detail=_detail(change, remark),
        changes=changes,
    )
    return present(change)


async def of_person(
    session: AsyncSession, person_id: uuid.UUID, who: Principal
) -> list[AccountChangeOut]:
    """A retiree's account changes, oldest first, accounts as the caller may see them."""
    out = [present(c) for c in await repository.of_person(session, person_id)]
    for c in out:
        c.account_number = shown_account_number(c.account_number, who)
    return out
