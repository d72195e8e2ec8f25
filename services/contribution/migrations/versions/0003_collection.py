"""Liability, policy parameters, declarations, bases, plans, receipts, allocations, audits.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "contribution"
ITEMS = """
    basic_unit numeric(14, 2) NOT NULL DEFAULT 0,
    basic_individual numeric(14, 2) NOT NULL DEFAULT 0,
    annuity_unit numeric(14, 2) NOT NULL DEFAULT 0,
    annuity_individual numeric(14, 2) NOT NULL DEFAULT 0"""

# Demo defaults (DOMAIN.md, marked "check" there): administrators correct them by adding
# newer versions through the parameters API. Average wages are demo figures for the county.
DEFAULT_PARAMETERS = [
    ("rate.basic_unit", "2014-10-01", "0.20", "基本养老保险单位缴费比例 (before 2019-05)"),
    ("rate.basic_unit", "2019-05-01", "0.16", "基本养老保险单位缴费比例 降至16%"),
    ("rate.basic_individual", "2014-10-01", "0.08", "基本养老保险个人缴费比例"),
    ("rate.annuity_unit", "2014-10-01", "0.08", "职业年金单位缴费比例"),
    ("rate.annuity_individual", "2014-10-01", "0.04", "职业年金个人缴费比例"),
    ("base.floor_ratio", "2014-10-01", "0.60", "缴费基数下限: 上年社平工资的60%"),
    ("base.cap_ratio", "2014-10-01", "3.00", "缴费基数上限: 上年社平工资的300%"),
    ("late_fee.daily_rate", "2011-07-01", "0.0005", "滞纳金: 每日万分之五 (社会保险法 §86)"),
    ("plan.due_day", "2014-10-01", "15", "当月征缴计划的缴费截止日"),
    ("declaration.deadline_month", "2014-10-01", "3", "年度基数申报截止: 3月底"),
    ("average_monthly_wage", "2018-01-01", "5219.00", "demo: 2017 local average, for 2018 bases"),
    ("average_monthly_wage", "2019-01-01", "5552.00", "demo: 2018 local average, for 2019 bases"),
    ("average_monthly_wage", "2020-01-01", "5946.00", "demo: 2019 local average, for 2020 bases"),
    ("average_monthly_wage", "2021-01-01", "6298.00", "demo: 2020 local average, for 2021 bases"),
    ("average_monthly_wage", "2022-01-01", "6732.00", "demo: 2021 local average, for 2022 bases"),
    ("average_monthly_wage", "2023-01-01", "7015.00", "demo: 2022 local average, for 2023 bases"),
    ("average_monthly_wage", "2024-01-01", "7339.00", "demo: 2023 local average, for 2024 bases"),
    ("average_monthly_wage", "2025-01-01", "7593.00", "demo: 2024 local average, for 2025 bases"),
    ("average_monthly_wage", "2026-01-01", "7862.00", "demo: 2025 local average, for 2026 bases"),
]


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.roster_unit
            ADD COLUMN status text NOT NULL DEFAULT 'open',
            ADD COLUMN closed_on date""")
    op.execute(f"""
        CREATE TABLE {S}.roster_status_change (
            event_id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            unit_id uuid NOT NULL,
            change_type text NOT NULL,
            status_after text NOT NULL,
            effective_on date NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX roster_status_change_person ON {S}.roster_status_change (person_id)")
    # Intervals [start_on, end_on) in which a person owes contributions through a unit;
    # rebuilt from the roster and its changes whenever one of them arrives.
    op.execute(f"""
        CREATE TABLE {S}.liability (
            person_id uuid NOT NULL,
            unit_id uuid NOT NULL,
            start_on date NOT NULL,
            end_on date,
            PRIMARY KEY (person_id, start_on)
        )""")
    op.execute(f"CREATE INDEX liability_unit ON {S}.liability (unit_id)")

    op.execute(f"""
        CREATE TABLE {S}.parameter (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            effective_from date NOT NULL,
            value numeric(14, 6) NOT NULL,
            note text,
            recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX parameter_lookup ON {S}.parameter (name, effective_from, id)")
    for name, since, value, note in DEFAULT_PARAMETERS:
        op.execute(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            f"VALUES ('{name}', '{since}', {value}, '{note}', 'defaults')"
        )

    op.execute(f"""
        CREATE TABLE {S}.declaration (
            id uuid PRIMARY KEY,
            unit_id uuid NOT NULL,
            year int NOT NULL,
            status text NOT NULL,
            average_wage numeric(14, 2) NOT NULL,
            floor numeric(14, 2) NOT NULL,
            cap numeric(14, 2) NOT NULL,
            parameter_ids bigint[] NOT NULL,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            submitted_by text,
            submitted_at timestamptz,
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            UNIQUE (unit_id, year)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.declaration_line (
            declaration_id uuid NOT NULL REFERENCES {S}.declaration (id),
            citizen_id varchar(18) NOT NULL,
            name text NOT NULL,
            declared_wage numeric(14, 2) NOT NULL CHECK (declared_wage > 0),
            base numeric(14, 2) NOT NULL,
            clamp text,
            PRIMARY KEY (declaration_id, citizen_id)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.declaration_log (
            id bigserial PRIMARY KEY,
            declaration_id uuid NOT NULL REFERENCES {S}.declaration (id),
            action text NOT NULL,
            actor text NOT NULL,
            note text,
            at timestamptz NOT NULL DEFAULT now()
        )""")
    # The bases in force: approved lines, then adjustments; the latest row from a month wins.
    op.execute(f"""
        CREATE TABLE {S}.base (
            id bigserial PRIMARY KEY,
            year int NOT NULL,
            citizen_id varchar(18) NOT NULL,
            unit_id uuid NOT NULL,
            from_month int NOT NULL CHECK (from_month BETWEEN 1 AND 12),
            base numeric(14, 2) NOT NULL CHECK (base > 0),
            declared_wage numeric(14, 2) NOT NULL,
            clamp text,
            source text NOT NULL,
            declaration_id uuid NOT NULL REFERENCES {S}.declaration (id),
            reason text,
            recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX base_lookup ON {S}.base (year, citizen_id, from_month, id)")

    op.execute(f"""
        CREATE TABLE {S}.plan (
            id uuid PRIMARY KEY,
            unit_id uuid NOT NULL,
            period date NOT NULL,
            seq int NOT NULL,
            due_on date NOT NULL,
            person_count int NOT NULL,
            {ITEMS},
            annuity_unit_notional numeric(14, 2) NOT NULL DEFAULT 0,
            total numeric(16, 2) NOT NULL,
            paid_basic_unit numeric(14, 2) NOT NULL DEFAULT 0,
            paid_basic_individual numeric(14, 2) NOT NULL DEFAULT 0,
            paid_annuity_unit numeric(14, 2) NOT NULL DEFAULT 0,
            paid_annuity_individual numeric(14, 2) NOT NULL DEFAULT 0,
            paid_total numeric(16, 2) NOT NULL DEFAULT 0 CHECK (paid_total <= total),
            late_fee_paid numeric(14, 2) NOT NULL DEFAULT 0,
            settled_on date,
            funding_type text NOT NULL,
            parameter_ids bigint[] NOT NULL,
            generated_by text NOT NULL,
            generated_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (unit_id, period, seq)
        )""")
    op.execute(
        f"CREATE INDEX plan_open ON {S}.plan (unit_id, period, seq) WHERE settled_on IS NULL"
    )
    op.execute(f"CREATE INDEX plan_period ON {S}.plan (period)")
    op.execute(f"""
        CREATE TABLE {S}.plan_line (
            plan_id uuid NOT NULL,
            person_id uuid NOT NULL,
            base numeric(14, 2) NOT NULL,
            {ITEMS},
            annuity_unit_notional numeric(14, 2) NOT NULL DEFAULT 0,
            PRIMARY KEY (plan_id, person_id)
        )""")

    op.execute(f"""
        CREATE TABLE {S}.receipt (
            id uuid PRIMARY KEY,
            unit_id uuid NOT NULL,
            amount numeric(14, 2) NOT NULL CHECK (amount > 0),
            received_on date NOT NULL,
            source text NOT NULL,
            bank_id text,
            reference text,
            note text,
            unallocated numeric(14, 2) NOT NULL CHECK (unallocated >= 0),
            recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (bank_id, reference)
        )""")
    op.execute(f"CREATE INDEX receipt_open ON {S}.receipt (unit_id) WHERE unallocated > 0")
    op.execute(f"""
        CREATE TABLE {S}.allocation (
            id bigserial PRIMARY KEY,
            receipt_id uuid NOT NULL REFERENCES {S}.receipt (id),
            plan_id uuid NOT NULL REFERENCES {S}.plan (id),
            unit_id uuid NOT NULL,
            paid_on date NOT NULL,
            {ITEMS},
            principal numeric(14, 2) NOT NULL CHECK (principal >= 0),
            late_fee numeric(14, 2) NOT NULL CHECK (late_fee >= 0),
            days_late int NOT NULL,
            late_fee_parameter_id bigint,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX allocation_plan ON {S}.allocation (plan_id)")
    op.execute(f"CREATE INDEX allocation_receipt ON {S}.allocation (receipt_id)")

    op.execute(f"""
        CREATE TABLE {S}.audit (
            id uuid PRIMARY KEY,
            unit_id uuid NOT NULL,
            year int NOT NULL,
            kind text NOT NULL,
            opened_by text NOT NULL,
            opened_at timestamptz NOT NULL DEFAULT now(),
            as_of date NOT NULL
        )""")
    op.execute(
        f"CREATE UNIQUE INDEX audit_yearly_once ON {S}.audit (unit_id, year) WHERE kind = 'yearly'"
    )
    op.execute(f"""
        CREATE TABLE {S}.audit_finding (
            id uuid PRIMARY KEY,
            audit_id uuid NOT NULL REFERENCES {S}.audit (id),
            kind text NOT NULL,
            citizen_id varchar(18),
            name text,
            period date,
            amount numeric(14, 2),
            detail text NOT NULL,
            status text NOT NULL DEFAULT 'open',
            resolution_note text,
            resolved_by text,
            resolved_at timestamptz
        )""")
    op.execute(f"CREATE INDEX audit_finding_audit ON {S}.audit_finding (audit_id)")


def downgrade() -> None:
    for table in (
        "audit_finding",
        "audit",
        "allocation",
        "receipt",
        "plan_line",
        "plan",
        "base",
        "declaration_log",
        "declaration_line",
        "declaration",
        "parameter",
        "liability",
        "roster_status_change",
    ):
        op.execute(f"DROP TABLE {S}.{table}")
    op.execute(f"ALTER TABLE {S}.roster_unit DROP COLUMN status, DROP COLUMN closed_on")
