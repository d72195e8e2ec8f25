"""The province's duplicate-receipt checks (重复领取比对, issue #20 item 3): a person drawing a
pension elsewhere is listed for a clerk, their payment held while the listing is open
(cleared with a second person's approval, or confirmed: stays stopped, the months paid since
are recovered).

Revision ID: 0037_y20_province_checks
Revises: 0036_p20_change_feeds
"""

from alembic import op

revision = "0037_y20_province_checks"
down_revision = "0036_p20_change_feeds"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.duplicate_receipt (
            id uuid PRIMARY KEY,
            message_id text NOT NULL,
            person_id uuid NOT NULL REFERENCES {S}.retiree (person_id),
            other_area_code text NOT NULL,
            other_agency text NOT NULL,
            benefit_kind text NOT NULL,
            drawing_since date NOT NULL,
            held boolean NOT NULL,
            status text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            action text,
            reason text,
            resolved_by text,
            resolved_at timestamptz,
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            recoveries integer,
            CONSTRAINT duplicate_receipt_status_check
                CHECK (status IN ('open', 'clear_requested', 'cleared', 'confirmed')),
            CONSTRAINT duplicate_receipt_action_check
                CHECK (action IS NULL OR action IN ('cleared', 'confirmed')),
            CONSTRAINT duplicate_receipt_benefit_kind_check
                CHECK (benefit_kind IN ('enterprise_pension', 'institution_pension',
                                        'resident_pension', 'other')),
            CONSTRAINT duplicate_receipt_decided_by_check
                CHECK (decided_by IS NULL OR decided_by <> resolved_by)
        )""")
    # One listing per person, other area and benefit while it holds payment: the province's
    # later message about the same drawing answers the listing already there.
    op.execute(
        f"CREATE UNIQUE INDEX duplicate_receipt_holding ON {S}.duplicate_receipt "
        "(person_id, other_area_code, benefit_kind) "
        "WHERE status IN ('open', 'clear_requested', 'confirmed')"
    )
    op.execute(
        f"CREATE INDEX duplicate_receipt_received ON {S}.duplicate_receipt (received_at, id)"
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.duplicate_receipt")
