"""Back pay owed to a deceased retiree is paid to the survivor: the part paid with the death
benefits, the one-off that carried them, and the one-off that carried each difference.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    # Benefits granted before this had no back pay in them.
    op.execute(
        f"ALTER TABLE {S}.death_benefit ADD COLUMN back_pay numeric(14, 2) NOT NULL DEFAULT 0"
    )
    op.execute(f"ALTER TABLE {S}.death_benefit ALTER COLUMN back_pay DROP DEFAULT")
    op.execute(f"ALTER TABLE {S}.death_benefit ADD COLUMN one_off_id uuid")
    op.execute(f"""
        UPDATE {S}.death_benefit b SET one_off_id = o.id
        FROM {S}.one_off o
        WHERE o.person_id = b.person_id AND o.source = 'death_benefit'""")
    op.execute(f"ALTER TABLE {S}.death_benefit ALTER COLUMN one_off_id SET NOT NULL")
    op.execute(f"ALTER TABLE {S}.benefit_difference ADD COLUMN one_off_id uuid")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.benefit_difference DROP COLUMN one_off_id")
    op.execute(f"ALTER TABLE {S}.death_benefit DROP COLUMN one_off_id, DROP COLUMN back_pay")
