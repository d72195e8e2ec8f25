"""Building a unit's 催缴通知书 from the arrears list and the notice's dated time limit."""

import uuid
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.notices.schemas import ArrearsNotice
from services.contribution.parameters.repository import in_force
from services.contribution.parameters.schemas import ParameterName
from services.contribution.reports import service as reports
from services.contribution.roster import repository as roster
from shared.http.auth import Principal
from shared.problems import ProblemError


async def arrears_notice(
    session: AsyncSession, unit_id: uuid.UUID, as_of: date, agency: str, who: Principal
) -> ArrearsNotice:
    """The unit's arrears on `as_of` with late fees to that day, to pay within the time limit
    in force on that day (person ids as the caller may see them)."""
    unit = await roster.get_unit(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    report = await reports.arrears(session, as_of, unit_id)
    if not report.units:
        raise ProblemError(
            404,
            "unit_not_in_arrears",
            unit_name=unit.name,
            unit_number=unit.credit_code,
            as_of=as_of,
        )
    limit = (await in_force(session, [ParameterName.notice_pay_within_days.value], as_of))[
        ParameterName.notice_pay_within_days.value
    ]
    days = int(limit.value)
    return ArrearsNotice(
        agency=agency,
        as_of=as_of,
        pay_by=as_of + timedelta(days=days),
        pay_within_days=days,
        notice_days_parameter_id=limit.id or 0,
        late_fee_daily_rate=report.late_fee_daily_rate,
        late_fee_parameter_id=report.late_fee_parameter_id,
        unit=report.units[0],
        persons=await reports.arrears_by_person(session, unit_id, as_of, who),
    )
