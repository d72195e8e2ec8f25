"""Departments, department-years and their lines, projects, indicators, codes, actual spending.

Revision ID: 0003
Revises: audit_log_v1
"""

from alembic import op

revision = "0003"
down_revision = "audit_log_v1"
branch_labels = None
depends_on = None

S = "budget"

# 政府收支分类科目 (功能分类) as the seed and payout use them: 类 (3 digits), 款 (5), 项 (7).
FUNCTIONAL = [
    ("201", "一般公共服务支出"),
    ("205", "教育支出"),
    ("20508", "进修及培训"),
    ("206", "科学技术支出"),
    ("207", "文化旅游体育与传媒支出"),
    ("208", "社会保障和就业支出"),
    ("20801", "人力资源和社会保障管理事务"),
    ("2080109", "社会保险经办机构"),
    ("20805", "行政事业单位养老支出"),
    ("2080501", "行政单位离退休"),
    ("2080502", "事业单位离退休"),
    ("2080505", "机关事业单位基本养老保险缴费支出"),
    ("2080506", "机关事业单位职业年金缴费支出"),
    ("2080507", "对机关事业单位基本养老保险基金的补助"),
    ("2080599", "其他行政事业单位养老支出"),
    ("20808", "抚恤"),
    ("2080801", "死亡抚恤"),
    ("20899", "其他社会保障和就业支出"),
    ("210", "卫生健康支出"),
    ("21011", "行政事业单位医疗"),
    ("2101102", "事业单位医疗"),
    ("2101103", "公务员医疗补助"),
    ("221", "住房保障支出"),
    ("22102", "住房改革支出"),
    ("2210201", "住房公积金"),
    ("229", "其他支出"),
]

# 部门预算支出经济分类科目: 类 (3 digits) and 款 (5).
ECONOMIC = [
    ("301", "工资福利支出"),
    ("30101", "基本工资"),
    ("30102", "津贴补贴"),
    ("30103", "奖金"),
    ("30107", "绩效工资"),
    ("30108", "机关事业单位基本养老保险缴费"),
    ("30109", "职业年金缴费"),
    ("30110", "职工基本医疗保险缴费"),
    ("30111", "公务员医疗补助缴费"),
    ("30112", "其他社会保障缴费"),
    ("30113", "住房公积金"),
    ("30199", "其他工资福利支出"),
    ("302", "商品和服务支出"),
    ("30201", "办公费"),
    ("30202", "印刷费"),
    ("30207", "邮电费"),
    ("30211", "差旅费"),
    ("30213", "维修（护）费"),
    ("30215", "会议费"),
    ("30216", "培训费"),
    ("30217", "公务接待费"),
    ("30228", "工会经费"),
    ("30231", "公务用车运行维护费"),
    ("30239", "其他交通费用"),
    ("30299", "其他商品和服务支出"),
    ("303", "对个人和家庭的补助"),
    ("30301", "离休费"),
    ("30302", "退休费"),
    ("30304", "抚恤金"),
    ("30305", "生活补助"),
    ("30307", "医疗费补助"),
    ("30309", "奖励金"),
    ("30399", "其他对个人和家庭的补助支出"),
    ("310", "资本性支出"),
    ("31002", "办公设备购置"),
    ("31003", "专用设备购置"),
    ("31013", "公务用车购置"),
]


def _level(scheme: str, code: str) -> int:
    if scheme == "functional":
        return {3: 1, 5: 2, 7: 3}[len(code)]
    return {3: 1, 5: 2}[len(code)]


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.classification_code (
            scheme varchar NOT NULL,
            code varchar NOT NULL,
            name varchar NOT NULL,
            level integer NOT NULL,
            PRIMARY KEY (scheme, code)
        )""")
    rows = [("functional", c, n) for c, n in FUNCTIONAL] + [("economic", c, n) for c, n in ECONOMIC]
    values = ", ".join(f"('{s}', '{c}', '{n}', {_level(s, c)})" for s, c, n in rows)
    op.execute(f"INSERT INTO {S}.classification_code (scheme, code, name, level) VALUES {values}")
    op.execute(f"""
        CREATE TABLE {S}.department (
            id uuid PRIMARY KEY,
            code varchar NOT NULL UNIQUE,
            name varchar NOT NULL,
            county varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"""
        CREATE TABLE {S}.department_year (
            id uuid PRIMARY KEY,
            department_id uuid NOT NULL REFERENCES {S}.department (id),
            year integer NOT NULL,
            version integer NOT NULL,
            stated_unit varchar NOT NULL,
            profile jsonb NOT NULL,
            quantities jsonb NOT NULL,
            evaluation jsonb NOT NULL,
            statements jsonb NOT NULL,
            breakdowns jsonb NOT NULL,
            imported_by varchar NOT NULL,
            request_id varchar,
            imported_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT department_year_version UNIQUE (department_id, year, version)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.amount_line (
            year_id uuid NOT NULL REFERENCES {S}.department_year (id),
            part varchar NOT NULL,
            code varchar NOT NULL,
            ordinal integer NOT NULL,
            budget numeric(16, 2),
            actual numeric(16, 2) NOT NULL,
            PRIMARY KEY (year_id, part, code)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.project (
            id uuid PRIMARY KEY,
            year_id uuid NOT NULL REFERENCES {S}.department_year (id),
            ordinal integer NOT NULL,
            name varchar NOT NULL,
            funding_source varchar NOT NULL,
            declared numeric(16, 2) NOT NULL,
            approved numeric(16, 2) NOT NULL,
            budget numeric(16, 2) NOT NULL,
            executed numeric(16, 2) NOT NULL,
            budget_fiscal numeric(16, 2) NOT NULL,
            budget_other numeric(16, 2) NOT NULL,
            executed_fiscal numeric(16, 2) NOT NULL,
            executed_other numeric(16, 2) NOT NULL,
            score numeric(5, 2),
            texts jsonb NOT NULL
        )""")
    op.execute(f"CREATE INDEX ix_budget_project_year_id ON {S}.project (year_id)")
    op.execute(f"""
        CREATE TABLE {S}.indicator (
            project_id uuid NOT NULL REFERENCES {S}.project (id),
            ordinal integer NOT NULL,
            level1 varchar NOT NULL,
            level2 varchar NOT NULL,
            level3 varchar NOT NULL,
            expected varchar NOT NULL,
            actual varchar,
            PRIMARY KEY (project_id, ordinal)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.actual_spending (
            program varchar NOT NULL,
            period varchar NOT NULL,
            year integer NOT NULL,
            revision integer NOT NULL,
            functional_code varchar NOT NULL,
            economic_code varchar NOT NULL,
            paid_amount numeric(16, 2) NOT NULL,
            paid_count integer NOT NULL,
            failed_amount numeric(16, 2) NOT NULL,
            recovered_amount numeric(16, 2) NOT NULL,
            settled_on date NOT NULL,
            source_event_id uuid NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (program, period)
        )""")
    op.execute(f"CREATE INDEX ix_budget_actual_spending_year ON {S}.actual_spending (year)")


def downgrade() -> None:
    for table in (
        "actual_spending",
        "indicator",
        "project",
        "amount_line",
        "department_year",
        "department",
        "classification_code",
    ):
        op.execute(f"DROP TABLE {S}.{table}")
