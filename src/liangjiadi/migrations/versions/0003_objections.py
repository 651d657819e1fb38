"""Institutions' objections to a release and the bureau's answers (releases/objections.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _table(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "ljd_objections", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), nullable=False, index=True),
        sa.Column("admdvs", sa.String(12), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("fixmedins_code", sa.String(30), nullable=False, index=True),
        sa.Column("indicator_id", sa.String(32)),
        sa.Column("scope", sa.String(200)),
        sa.Column("published_value", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("accepted_by", sa.String(64)),
        sa.Column("accepted_at", TS),
        sa.Column("answer", sa.Text),
        sa.Column("adopted", sa.Boolean),
        sa.Column("answered_by", sa.String(64)),
        sa.Column("answered_at", TS),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TS),
    )


def upgrade() -> None:
    meta = sa.MetaData()
    _table(meta).create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    meta = sa.MetaData()
    _table(meta).drop(op.get_bind())
