"""Use cases of the retiree list for clerks: filtered, paginated, or as a workbook; detail."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.certification import due_on, shift_months
from services.payout.labels import chinese_labels
from services.payout.models import Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import in_force
from services.payout.retirees import repository
from services.payout.retirees.schemas import RetireeDetail, RetireeItem
from shared.data.sorting import SortKey
from shared.http.auth import Principal
from shared.http.masking import sees_full_citizen_ids, shown_account_number, shown_citizen_id
from shared.http.pagination import Page
from shared.problems import ProblemError


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
    *,
    name: str | None = None,
    citizen_id: str | None = None,
    sort: SortKey | None = None,
) -> Page[RetireeItem]:
    """A page of retirees; certification_due_by keeps those due on or before the date, name
    those whose name starts so (brackets of either width alike), citizen_id the one.

    As in enrollment's person search, only callers who see full ids may search by id: for
    the others it would tell which of a masked id's candidates is the real one.
    """
    citizen_id = (citizen_id or "").strip().upper() or None
    if citizen_id and not sees_full_citizen_ids(who):
        raise ProblemError(403, "citizen_id_search_forbidden")  # text: shared catalogue
    p = await _period(session, certification_due_by or today)
    base_by = shift_months(certification_due_by, -p) if certification_due_by else None
    search = repository.Search(
        status=status,
        base_by=base_by,
        bank_code=bank_code,
        name=(name or "").strip() or None,
        citizen_id=citizen_id,
    )
    rows, total = await repository.listing(session, search, sort, limit, offset)
    return Page[RetireeItem](
        items=[_item(r, p, who) for r in rows], total=total, limit=limit, offset=offset
    )


async def _period(session: AsyncSession, on: date) -> int:
    """The certification period in months in force on a day."""
    rule = (await in_force(session, ["certification"], on)).value(
        "certification", CertificationRule
    )
    return rule.period_months


async def detail(
    session: AsyncSession, who: Principal, person_id: uuid.UUID, today: date
) -> RetireeDetail:
    """One retiree, or 404."""
    r = await repository.get(session, person_id)
    if r is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    item = _item(r, await _period(session, today), who)
    # The item's own values, not its serialisation (that would mask what is already shown).
    return RetireeDetail(
        **{field: getattr(item, field) for field in RetireeItem.model_fields},
        sex=r.sex,
        birth_date=r.birth_date,
        unit_id=r.unit_id,
        unit_credit_code=r.unit_credit_code,
        account_name=r.account_name,
        first_month=r.first_month,
        last_month=r.last_month,
        died_on=r.died_on,
    )
