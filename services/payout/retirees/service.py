"""Use cases of the retiree list for clerks: filtered, paginated, or as a workbook."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.certification import due_on, shift_months
from services.payout.labels import chinese_labels
from services.payout.models import Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import in_force
from services.payout.retirees import repository
from services.payout.retirees.schemas import RetireeItem
from shared.http.auth import Principal
from shared.http.masking import shown_account_number, shown_citizen_id
from shared.http.pagination import Page


def _item(r: Retiree, period: int, who: Principal) -> RetireeItem:
    return RetireeItem(
        person_id=r.person_id,
        citizen_id=shown_citizen_id(r.citizen_id, who),
        name=r.name,
        status=r.status,
        status_label=chinese_labels()["retiree_status"].get(r.status, r.status),
        retired_on=r.retired_on,
        bank_code=r.bank_code,
        account_number=shown_account_number(r.account_number, who),
        paid_until=r.paid_until,
        last_certified_on=r.last_certified_on,
        certification_due_on=due_on(r.last_certified_on or r.retired_on, period),
        out_of_province=r.out_of_province,
    )


async def listing(
    session: AsyncSession,
    who: Principal,
    status: str | None,
    certification_due_by: date | None,
    bank_code: str | None,
    limit: int,
    offset: int,
    today: date,
) -> Page[RetireeItem]:
    """A page of retirees; certification_due_by keeps those due on or before the date."""
    on = certification_due_by or today
    rule = (await in_force(session, ["certification"], on)).value(
        "certification", CertificationRule
    )
    p = rule.period_months
    base_by = shift_months(certification_due_by, -p) if certification_due_by else None
    rows, total = await repository.listing(session, status, base_by, bank_code, limit, offset)
    return Page[RetireeItem](
        items=[_item(r, p, who) for r in rows], total=total, limit=limit, offset=offset
    )
