"""Enrollment import files as a clerk uploads them."""

HEADER = ["序号", "姓名", "身份证号", "人员类别", "参加工作日期", "参保日期"]
TITLE = ["2015年度机关事业单位参保人员花名册"]
UNIT_LINE = ["填报单位（盖章）：县教育局", "", "", "填报日期：2015年7月"]


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding) + b"\r\n"
