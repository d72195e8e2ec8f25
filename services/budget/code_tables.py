"""Every enum budget shows in its API, labelled from its catalogues (/code-tables and /codes).

The values come from domain/labels.py, whose Chinese labels the disclosure report prints;
tests/budget/unit/test_code_tables.py keeps the catalogue's Chinese labels equal to them.
"""

from services.budget.domain import labels
from services.budget.domain.document import UNITS
from shared.i18n.code_tables import CodeTables
from shared.jobs.tables import JOB_CODE_TABLES

# The parts with fixed codes: each part's codes are a table of their own, named as the part.
FIXED_PARTS = {part: tuple(fixed) for part, (_, fixed) in labels.PARTS.items() if fixed}

CODE_TABLES: CodeTables = {
    "part": tuple(labels.PARTS),
    **FIXED_PARTS,
    "quantity": tuple(labels.QUANTITIES),
    "statement_kind": tuple(labels.STATEMENT_KINDS),
    "funding_source": tuple(labels.FUNDING_SOURCES),
    "severity": tuple(labels.SEVERITIES),
    "program": tuple(labels.PROGRAMS),
    "unit": tuple(UNITS),
    "scheme": ("functional", "economic"),
    **JOB_CODE_TABLES,
}
