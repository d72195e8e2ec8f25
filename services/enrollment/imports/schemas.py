"""What the persons import reads: its columns (from the shared header table), its template's
example row and the labels clerks write for staff categories and sex. It answers the shared
report shape (shared.http.import_reports.ImportReportOut)."""

from shared.data.imports import EXAMPLE_CITIZEN_ID, ImportColumn, Kind

COLUMNS = (
    ImportColumn("citizen_id", Kind.citizen_id),
    ImportColumn("name"),
    ImportColumn("staff_category"),
    ImportColumn("joined_on", Kind.date),
    ImportColumn("birth_date", Kind.date, required=False),
    ImportColumn("sex", required=False),
    ImportColumn("joined_before_unit_reason", required=False),
)
EXAMPLE = (EXAMPLE_CITIZEN_ID, "张三", "事业单位工作人员", "2015-07-01", "1949-12-31", "女", "")
CATEGORY_LABELS = {
    "公务员": "civil_servant",
    "事业单位工作人员": "public_institution_staff",
    "事业人员": "public_institution_staff",
    "工勤人员": "worker",
    "其他": "other",
}
SEX_LABELS = {"男": "male", "女": "female"}
MAX_ROWS = 100_000
KIND = "enrollment.persons"
