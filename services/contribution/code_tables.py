"""Every enum contribution shows in its API, labelled from its catalogues at /code-tables."""

from typing import get_args

from services.contribution.declarations.schemas import DeclarationStatus
from services.contribution.domain import codes
from services.contribution.domain.findings import FindingStatus
from services.contribution.domain.review import ReviewStatus
from services.contribution.domain.suspense import SuspenseAction, SuspenseStatus
from services.contribution.parameters.schemas import ParameterName
from shared.i18n.code_tables import CodeTables
from shared.jobs.tables import JOB_CODE_TABLES

CODE_TABLES: CodeTables = {
    "declaration_status": DeclarationStatus,
    "review_status": ReviewStatus,
    "finding_status": FindingStatus,
    "finding_kind": get_args(codes.FindingKind),
    "audit_kind": get_args(codes.AuditKind),
    "plan_kind": get_args(codes.PlanKind),
    "clamp": get_args(codes.Clamp),
    "funding_type": codes.FUNDING_TYPES,
    "staff_category": codes.STAFF_CATEGORIES,
    "person_status": codes.PERSON_STATUSES,
    "unit_status": get_args(codes.UnitStatus),
    "receipt_source": get_args(codes.ReceiptSource),
    "parameter_name": ParameterName,
    "suspense_status": SuspenseStatus,
    "suspense_action": SuspenseAction,
    **JOB_CODE_TABLES,
}
