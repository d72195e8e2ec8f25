"""Building the 待遇核定表 and the yearly payment notice from what payout recorded."""

import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations import repository as determinations
from services.payout.determinations import service as determination_service
from services.payout.labels import chinese_labels
from services.payout.models import Retiree
from services.payout.parameters import repository as parameters
from services.payout.printables import repository
from services.payout.printables.schemas import (
    DeterminationSheet,
    NoticeLine,
    ParameterUsed,
    PaymentNotice,
    RetireeCard,
)
from shared.problems import ProblemError

ZERO = Decimal("0.00")
# Lines that pay (or are on their way): a failed line is owed until re-issued or written off,
# and its replacement is a line of its own.
PAYING = frozenset({"sent", "paid"})


def _card(retiree: Retiree) -> RetireeCard:
    return RetireeCard(
        person_id=retiree.person_id,
        name=retiree.name,
        citizen_id=retiree.citizen_id,
        unit_credit_code=retiree.unit_credit_code,
        retired_on=retiree.retired_on,
        bank_code=retiree.bank_code,
        account_number=retiree.account_number,
    )


async def _retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree:
    retiree = await determinations.get_retiree(session, person_id)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    return retiree


async def determination_sheet(
    session: AsyncSession, determination_id: uuid.UUID, agency: str
) -> DeterminationSheet:
    """A determination with the retiree, and each parameter version it was made on."""
    determination = await determination_service.get(session, determination_id)
    retiree = await _retiree(session, determination.person_id)
    recorded = await parameters.by_ids(session, list(determination.parameter_versions.values()))
    labels = chinese_labels()["parameter"]
    used = []
    for name, version in sorted(determination.parameter_versions.items()):
        found = recorded.get(version)
        used.append(
            ParameterUsed(
                name=name,
                label=labels.get(name, name),
                id=version,
                effective_from=found.effective_from if found else None,
                note=found.note if found else None,
            )
        )
    return DeterminationSheet(
        agency=agency, retiree=_card(retiree), determination=determination, parameters=used
    )


async def payment_notice(
    session: AsyncSession, person_id: uuid.UUID, year: int, agency: str
) -> PaymentNotice:
    """The retiree's paying lines of the year month by month, and the year's totals."""
    retiree = await _retiree(session, person_id)
    rows = await repository.year_lines(session, person_id, year)
    programs, statuses = chinese_labels()["program"], chinese_labels()["payment_status"]
    lines = [
        NoticeLine(
            period=r["period"],
            program=r["program"],
            program_label=programs.get(r["program"], r["program"]),
            gross=r["gross"],
            tax_withheld=r["tax_withheld"],
            offset=r["offset_withheld"],
            net=r["net"],
            status=r["status"],
            status_label=statuses.get(r["status"], r["status"]),
        )
        for r in rows
        if r["status"] in PAYING
    ]
    return PaymentNotice(
        agency=agency,
        year=year,
        retiree=_card(retiree),
        lines=lines,
        gross=sum((line.gross for line in lines), ZERO),
        tax_withheld=sum((line.tax_withheld for line in lines), ZERO),
        offset=sum((line.offset for line in lines), ZERO),
        net=sum((line.net for line in lines), ZERO),
        failed_lines=sum(1 for r in rows if r["status"] == "failed"),
    )
