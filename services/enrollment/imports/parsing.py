"""Reading staff rows from CSV or XLSX: headers in Chinese or English, typed cells normalised."""

from shared.data.spreadsheets import Record, Source, UploadLimits, read_records

# Column name (as clerks write it) -> field.
HEADER_ALIASES = {
    "citizen_id": "citizen_id",
    "身份证号": "citizen_id",
    "公民身份号码": "citizen_id",
    "身份证号码": "citizen_id",
    "name": "name",
    "姓名": "name",
    "staff_category": "staff_category",
    "人员类别": "staff_category",
    "joined_on": "joined_on",
    "参保日期": "joined_on",
    "参加工作日期": "joined_on",
    "birth_date": "birth_date",
    "出生日期": "birth_date",
    "sex": "sex",
    "性别": "sex",
}
REQUIRED = ("citizen_id", "name", "staff_category", "joined_on")
CATEGORY_LABELS = {
    "公务员": "civil_servant",
    "事业单位工作人员": "public_institution_staff",
    "事业人员": "public_institution_staff",
    "工勤人员": "worker",
    "其他": "other",
}
SEX_LABELS = {"男": "male", "女": "female"}
MAX_ROWS = 100_000


def read_rows(
    filename: str, content: Source, limits: UploadLimits | None = None
) -> list[tuple[int, Record]]:
    """(row number, record) of the first sheet (XLSX) or the file (CSV, UTF-8, BOM or not)."""
    records = read_records(filename, content, HEADER_ALIASES, REQUIRED, MAX_ROWS, limits)
    for _, record in records:
        category = record.get("staff_category")
        record["staff_category"] = CATEGORY_LABELS.get(category or "", category)
        if record.get("sex"):
            record["sex"] = SEX_LABELS.get(record["sex"] or "", record["sex"])
    return records
