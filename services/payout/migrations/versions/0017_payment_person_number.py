"""Each payment line keeps the person number it was sent with (the payee's citizen id), so a
bank file is read from payment alone and shows what was sent even if an id is corrected
later; failed lines get a small index of their own for the re-issue step.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.payment ADD COLUMN person_number varchar")
    op.execute(f"""
        UPDATE {S}.payment p SET person_number = coalesce(
            (SELECT o.citizen_id FROM {S}.one_off o WHERE o.id = p.id),
            (SELECT r.citizen_id FROM {S}.retiree r WHERE r.person_id = p.person_id))""")
    op.execute(f"ALTER TABLE {S}.payment ALTER COLUMN person_number SET NOT NULL")
    # Only failed lines are in it: new lines ('sent') never touch it.
    op.execute(f"CREATE INDEX payment_failed ON {S}.payment (person_id) WHERE status = 'failed'")


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_failed")
    op.execute(f"ALTER TABLE {S}.payment DROP COLUMN person_number")
