"""A determination keeps its terms (a 调待's fixed amount and rate, a correction's corrected
inputs) so that a correction from an earlier month can re-apply them on the corrected base,
and names the determination in review it was recomputed on (rebased_on).

Adjustments made before this kept only the increase they gave: it becomes their fixed
amount (rate 0), so a later correction re-applies the same increase.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

S = "payout"
CORRECTABLE = (
    "contribution_months",
    "deemed_months",
    "average_index",
    "deemed_index",
    "basic_balance",
    "annuity_balance",
)


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.determination ADD COLUMN terms jsonb")
    op.execute(f"ALTER TABLE {S}.determination ADD COLUMN rebased_on uuid")
    op.execute(f"""
        UPDATE {S}.determination a
        SET terms = jsonb_build_object(
            'fixed_amount', (CAST(a.inputs->>'adjustments' AS numeric(14, 2))
                             - CAST(b.inputs->>'adjustments' AS numeric(14, 2)))::text,
            'rate', '0',
            'corrected', '{{}}'::jsonb)
        FROM {S}.determination b
        WHERE a.kind = 'adjustment' AND b.id = a.supersedes""")
    names = ", ".join(f"'{n}'" for n in CORRECTABLE)
    op.execute(f"""
        UPDATE {S}.determination a
        SET terms = jsonb_build_object(
            'fixed_amount', '0.00',
            'rate', '0',
            'corrected', coalesce(
                (SELECT jsonb_object_agg(k, a.inputs->k) FROM unnest(ARRAY[{names}]) k
                 WHERE a.inputs->k IS DISTINCT FROM b.inputs->k),
                '{{}}'::jsonb))
        FROM {S}.determination b
        WHERE a.kind = 'recalculation' AND b.id = a.supersedes""")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.determination DROP COLUMN rebased_on, DROP COLUMN terms")
