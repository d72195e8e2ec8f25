"""Every enum value enrollment shows in its API, by table: labels come from the catalogue."""

from typing import get_args

from services.enrollment.death_notice_issues.schemas import IssueReason, IssueStatus
from services.enrollment.death_reports.schemas import RequestStatus as DeathReportStatus
from services.enrollment.domain.interest import InterestConvention
from services.enrollment.domain.status import ChangeType, PersonStatus
from services.enrollment.individual_accounts.schemas import AccountKind, PostingType
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons.schemas import Sex, StaffCategory
from services.enrollment.transfers.schemas import Scheme
from services.enrollment.units.schemas import AdminLevel, FundingType, UnitKind, UnitStatus
from services.enrollment.withdrawal.schemas import Reason as WithdrawalReason
from shared.i18n.code_tables import CodeTables
from shared.jobs.tables import JOB_CODE_TABLES

CODE_TABLES: CodeTables = {
    "unit_kind": get_args(UnitKind),
    "funding_type": FundingType,
    "admin_level": AdminLevel,
    "unit_status": get_args(UnitStatus),
    "sex": Sex,
    "staff_category": StaffCategory,
    "staff_group": ("all", "cadre", "worker"),
    "person_status": PersonStatus,
    "change_type": ChangeType,
    "account_kind": AccountKind,
    "posting_type": get_args(PostingType),
    "interest_convention": InterestConvention,
    "limit_name": LimitName,
    "decision_status": ("submitted", "approved", "rejected"),
    "request_status": get_args(DeathReportStatus),
    "withdrawal_reason": get_args(WithdrawalReason),
    "deemed_source": ("clerk", "transfer_in", "retirement"),
    "deemed_status": ("pending_approval", "approved"),
    "transfer_scheme": get_args(Scheme),
    "transfer_direction": ("out", "in"),
    "closing_kind": ("transfer_out", "withdrawal", "retirement"),
    "supplement_reason": ("late_contribution", "interest_true_up"),
    "import_row_status": ("failed", "unchanged"),
    "death_notice_issue_reason": IssueReason,
    "death_notice_issue_status": IssueStatus,
    **JOB_CODE_TABLES,
}
