"""What the wage upload reads: its columns (from the shared header table) and its template's
example row. Imports answer the shared report shape (shared.http.import_reports)."""

from shared.data.imports import EXAMPLE_CITIZEN_ID, ImportColumn, Kind

WAGE_COLUMNS = (
    ImportColumn("citizen_id", Kind.citizen_id),
    ImportColumn("name"),
    ImportColumn("wage", Kind.amount),
)
WAGE_EXAMPLE = (EXAMPLE_CITIZEN_ID, "张三", "5200.00")
WAGE_KIND = "contribution.wages"
MAX_ROWS = 100_000
