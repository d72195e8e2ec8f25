"""Several survivors share the death benefits in stated shares (issue #18, item 14).

- death_benefit_share: each survivor's stated share, citizen id, account, amount and
  one-off (additions found later are split by the same shares to the same accounts).
- one_off.payee_seq: the survivor's number, so that the shares of one grant (one person,
  program and month) are one-offs of their own; 0 for every other one-off.
- payment_once leaves death-benefit lines out: each is its one-off's (primary key), and
  several survivors' lines share a person, program and month.

Revision ID: 0023_survivor_shares
Revises: 0022_annuity_tax
"""

from alembic import op

revision = "0023_survivor_shares"
down_revision = "0022_annuity_tax"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(
        f"""CREATE TABLE {S}.death_benefit_share (
            person_id uuid NOT NULL REFERENCES {S}.death_benefit (person_id) ON DELETE CASCADE,
            seq smallint NOT NULL,
            survivor_name varchar NOT NULL,
            relationship varchar NOT NULL,
            citizen_id varchar(18) NOT NULL,
            bank_code varchar NOT NULL,
            account_number varchar NOT NULL,
            share varchar NOT NULL,
            amount numeric(14, 2) NOT NULL,
            one_off_id uuid,
            PRIMARY KEY (person_id, seq))"""
    )
    op.execute(f"ALTER TABLE {S}.one_off ADD COLUMN payee_seq smallint NOT NULL DEFAULT 0")
    op.execute(f"ALTER TABLE {S}.one_off DROP CONSTRAINT one_off_once")
    op.execute(
        f"ALTER TABLE {S}.one_off ADD CONSTRAINT one_off_once "
        "UNIQUE (person_id, program, period, payee_seq)"
    )
    op.execute(f"DROP INDEX {S}.payment_once")
    op.execute(
        f"CREATE UNIQUE INDEX payment_once ON {S}.payment (person_id, program, period) "
        "WHERE status <> 'reissued' AND difference_id IS NULL AND program <> 'death_benefit'"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_once")
    op.execute(
        f"CREATE UNIQUE INDEX payment_once ON {S}.payment (person_id, program, period) "
        "WHERE status <> 'reissued' AND difference_id IS NULL"
    )
    op.execute(f"DELETE FROM {S}.one_off WHERE payee_seq <> 0")
    op.execute(f"ALTER TABLE {S}.one_off DROP CONSTRAINT one_off_once")
    op.execute(
        f"ALTER TABLE {S}.one_off ADD CONSTRAINT one_off_once UNIQUE (person_id, program, period)"
    )
    op.execute(f"ALTER TABLE {S}.one_off DROP COLUMN payee_seq")
    op.execute(f"DROP TABLE {S}.death_benefit_share")
