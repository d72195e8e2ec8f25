"""What a 催缴通知书 (arrears notice) shows: the unit's arrears to a date and the deadline."""

from datetime import date

from pydantic import BaseModel

from services.contribution.reports.schemas import PersonMonthOwed, UnitArrears


class ArrearsNotice(BaseModel):
    """One unit's notice: months and amounts owed, late fees to the date, pay-by date."""

    agency: str
    as_of: date
    pay_by: date
    pay_within_days: int
    notice_days_parameter_id: int
    late_fee_daily_rate: str
    late_fee_parameter_id: int
    unit: UnitArrears
    persons: list[PersonMonthOwed]
