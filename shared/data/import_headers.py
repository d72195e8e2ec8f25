"""The one table of column headers that clerks write, for every import, and how a header row
is found under the title rows a clerk's file has above it.

参保日期 (joined the scheme) and 参加工作日期 (started working) are different dates: a person
may have worked years before the unit enrolled them, so the two never map to one field.
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

# field -> every header spelling seen in clerks' files (the first is the template's).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "citizen_id": (
        "身份证号",
        "公民身份号码",
        "身份证号码",
        "身份证",
        "证件号码",
        "社会保障号码",
        "citizen_id",
    ),
    "name": ("姓名", "职工姓名", "人员姓名", "name"),
    "staff_category": ("人员类别", "人员身份", "编制类别", "staff_category"),
    "joined_on": ("参保日期", "参保时间", "参加养老保险日期", "joined_on"),
    "work_started_on": ("参加工作日期", "参加工作时间", "工作日期", "work_started_on"),
    "birth_date": ("出生日期", "出生年月日", "birth_date"),
    "sex": ("性别", "sex"),
    "joined_before_unit_reason": (
        "参保早于单位成立的原因",
        "早于单位成立原因",
        "joined_before_unit_reason",
    ),
    "wage": (
        "上年月平均工资",
        "上年度月平均工资",
        "月平均工资",
        "月均工资",
        "工资",
        "wage",
    ),
    # 接管 (payout's taken-over retirees import): the vendor system's roster of retirees.
    "retired_on": ("退休日期", "退休时间", "retired_on"),
    "unit_credit_code": ("统一社会信用代码", "单位统一社会信用代码", "unit_credit_code"),
    "bank_code": ("开户银行代码", "银行代码", "bank_code"),
    "account_number": ("银行账号", "账号", "卡号", "account_number"),
    "account_name": ("账户名", "户名", "account_name"),
    "effective_from": ("本系统起付月份", "起付月份", "接管月份", "effective_from"),
    "monthly_amount": ("月基本养老金", "基本养老金月发放额", "月发放额", "monthly_amount"),
    "basic_pension": ("基础养老金", "basic_pension"),
    "account_pension": ("个人账户养老金", "account_pension"),
    "transitional_pension": ("过渡性养老金", "transitional_pension"),
    "comparison_adjustment": ("保低限高调整额", "新老办法对比调整额", "comparison_adjustment"),
    "adjustments": ("历年调待", "历年调整额", "adjustments"),
    "annuity_monthly": ("职业年金月领取额", "职业年金月发放额", "annuity_monthly"),
    "basic_balance": ("基本养老保险个人账户余额", "个人账户余额", "basic_balance"),
    "annuity_balance": ("职业年金个人账户余额", "职业年金余额", "annuity_balance"),
    "last_certified_on": ("最近认证日期", "最近一次认证日期", "last_certified_on"),
    "reason": ("接管原因", "备注", "reason"),
}
# How far down a header row is looked for (title, unit, date rows come first).
HEADER_SEARCH_ROWS = 20

_BRACKETED = re.compile(r"\([^)]*\)")  # "上年月平均工资（元）", "姓名(必填)"
_IGNORED = re.compile(r"[\s*＊:：]")


def normalised_header(cell: Any) -> str:
    """A header cell as compared: width-folded (NFKC), lower case, without spaces, required
    marks (*) and bracketed notes such as （元） or (必填)."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell)).replace("\ufeff", "").lower()
    return _IGNORED.sub("", _BRACKETED.sub("", text))


_FIELD_OF = {normalised_header(s): f for f, spellings in HEADER_SYNONYMS.items() for s in spellings}


def field_of(cell: Any) -> str | None:
    """The field a header cell names, if any."""
    return _FIELD_OF.get(normalised_header(cell))


def label_of(field: str) -> str:
    """The Chinese header of a field (the template's spelling)."""
    return HEADER_SYNONYMS[field][0]


def header_fields(row: Sequence[Any], wanted: Sequence[str]) -> list[str | None]:
    """The wanted field each cell of a header row names (the first of a repeated one wins)."""
    fields: list[str | None] = []
    for cell in row:
        field = field_of(cell)
        fields.append(field if field in wanted and field not in fields else None)
    return fields


def find_header(
    rows: Sequence[Sequence[Any]], wanted: Sequence[str], required: Sequence[str]
) -> tuple[int, list[str | None]]:
    """(index, fields) of the header row: the first of the top rows naming every required
    field, else the one naming most wanted fields (whose missing ones the caller reports)."""
    best, best_fields, best_count = 0, [], 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = header_fields(row, wanted)
        if all(f in fields for f in required):
            return index, fields
        count = sum(f is not None for f in fields)
        if count > best_count:
            best, best_fields, best_count = index, fields, count
    return best, best_fields
