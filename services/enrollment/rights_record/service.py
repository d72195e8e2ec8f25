"""Building the yearly statement from the postings alone, so it is exactly reproducible."""

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.individual_accounts.schemas import AccountKind
from services.enrollment.models import Posting
from services.enrollment.persons import repository as persons
from services.enrollment.persons.service import present
from services.enrollment.rights_record import repository
from services.enrollment.rights_record.schemas import (
    AccountStatement,
    MonthLine,
    RightsRecord,
    StatementPosting,
)
from services.enrollment.units import repository as units
from shared.data.clock import agency_today
from shared.http.auth import Principal
from shared.problems import ProblemError

ZERO = Decimal("0.00")
# Yearly interest, interest to a closing date, and corrections for late-dated postings.
INTEREST_TYPES = frozenset({"interest", "closing_interest", "interest_correction"})


async def build(
    session: AsyncSession, person_id: uuid.UUID, year: int, who: Principal
) -> RightsRecord:
    """The statement for the year, from the postings up to 31 December."""
    person = await persons.get(session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    unit = await units.get(session, person.unit_id)
    assert unit is not None
    rows = await repository.postings_until(session, person_id, date(year, 12, 31))
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    in_year: dict[str, list[Posting]] = defaultdict(list)
    months: dict[str, dict[str, Decimal | None]] = {}
    for kind, posting in rows:
        if posting.value_date.year < year:
            opening[kind] += posting.amount
            continue
        in_year[kind].append(posting)
        if posting.posting_type == "contribution" and posting.period:
            line = months.setdefault(posting.period, {"contribution_base": None})
            line[kind] = posting.amount
            if posting.contribution_base is not None:
                line["contribution_base"] = posting.contribution_base
    accounts = [_account(kind, opening[kind.value], in_year[kind.value]) for kind in AccountKind]
    month_lines = [
        MonthLine(
            period=p,
            contribution_base=v["contribution_base"],
            basic=v.get("basic") or ZERO,
            annuity_funded=v.get("annuity_funded") or ZERO,
            annuity_notional=v.get("annuity_notional") or ZERO,
        )
        for p, v in sorted(months.items())
    ]
    return RightsRecord(
        year=year,
        person=present(person),
        unit_name=unit.name,
        unit_credit_code=unit.credit_code,
        months_contributed=sum(1 for m in month_lines if m.basic > 0),
        months=month_lines,
        accounts=accounts,
        last_posting_id=max((p.id or 0 for _, p in rows), default=None),
        generated_on=agency_today(),
    )


def _account(kind: AccountKind, opening: Decimal, postings: list[Posting]) -> AccountStatement:
    contributions = sum((p.amount for p in postings if p.posting_type == "contribution"), ZERO)
    interest = sum((p.amount for p in postings if p.posting_type in INTEREST_TYPES), ZERO)
    total = sum((p.amount for p in postings), ZERO)
    return AccountStatement(
        kind=kind,
        opening_balance=opening,
        contributions=contributions,
        interest=interest,
        other_movements=total - contributions - interest,
        closing_balance=opening + total,
        postings=[
            StatementPosting(
                value_date=p.value_date,
                posting_type=p.posting_type,
                amount=p.amount,
                period=p.period,
            )
            for p in postings
        ],
    )
