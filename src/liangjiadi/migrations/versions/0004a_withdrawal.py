"""Withdrawal of a published release (撤回), distinct from its correction: when, by whom, why.

Revision ID: 0004a
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004a"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ljd_releases") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("withdrawn_by", sa.String(100)))
        batch.add_column(sa.Column("withdrawal_reason", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("ljd_releases") as batch:
        batch.drop_column("withdrawal_reason")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
