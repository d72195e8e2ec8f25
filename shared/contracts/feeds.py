"""What the provincial change feeds carry: the domains, the tables in each, and the one table
from our column names to the national data elements (社会保险数据元) where one exists.

A field with no national element we could confirm keeps its own name; docs/province.md prints
this table. A column listed in `hidden` is internal (a search key, a worker's claim) and
never leaves.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# National data elements (社会保险业务基础数据元) the feeds use.
PERSON_NUMBER = "aac001"  # 个人编号
CITIZEN_ID = "aac002"  # 公民身份号码
PERSON_NAME = "aac003"  # 姓名
SEX = "aac004"  # 性别
BIRTH_DATE = "aac006"  # 出生日期
INSURED_STATUS = "aac008"  # 人员参保状态
UNIT_NUMBER = "aab001"  # 单位编号
UNIT_NAME = "aab004"  # 单位名称
CREDIT_CODE = "aab998"  # 统一社会信用代码
INSURANCE_TYPE = "aae140"  # 险种类型
PERIOD = "aae002"  # 费款所属期
CONTRIBUTION_BASE = "aae180"  # 缴费基数
BANK_ACCOUNT = "aae010"  # 银行账号
OPERATED_AT = "aae036"  # 经办时间

_NO_ELEMENTS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Entity:
    """One tracked table as it appears in a feed."""

    table: str
    key: str = "id"
    elements: Mapping[str, str] = field(default_factory=lambda: _NO_ELEMENTS)
    hidden: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Feed:
    """One data domain's change feed: its name in the path and the tables it carries."""

    domain: str
    entities: tuple[Entity, ...]

    def entity(self, table: str) -> Entity | None:
        """The entity of a table, if this feed carries it."""
        return next((e for e in self.entities if e.table == table), None)


PERSON_ELEMENTS = MappingProxyType(
    {
        "id": PERSON_NUMBER,
        "citizen_id": CITIZEN_ID,
        "name": PERSON_NAME,
        "sex": SEX,
        "birth_date": BIRTH_DATE,
        "status": INSURED_STATUS,
        "unit_id": UNIT_NUMBER,
        "created_at": OPERATED_AT,
    }
)
UNIT_ELEMENTS = MappingProxyType(
    {
        "id": UNIT_NUMBER,
        "name": UNIT_NAME,
        "credit_code": CREDIT_CODE,
        "created_at": OPERATED_AT,
    }
)
BY_PERSON = MappingProxyType({"person_id": PERSON_NUMBER, "unit_id": UNIT_NUMBER})
BY_UNIT = MappingProxyType({"unit_id": UNIT_NUMBER})
