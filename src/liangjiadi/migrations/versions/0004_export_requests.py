"""Requests to export detail beyond one's own institution, their approval and expiry (portal/exports.py).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    if "ljd_export_requests" in sa.inspect(op.get_bind()).get_table_names():
        return  # made by an older create_all before this revision existed
    op.create_table(
        "ljd_export_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), nullable=False, index=True),
        sa.Column("admdvs", sa.String(12), nullable=False, index=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False, index=True),
        sa.Column("requester_role", sa.String(16), nullable=False),
        sa.Column("requester_fixmedins", sa.String(30)),
        sa.Column("requester_admdvs", sa.String(12)),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", TS),
        sa.Column("decision_note", sa.Text),
        sa.Column("expires_at", TS),
    )


def downgrade() -> None:
    op.drop_table("ljd_export_requests")
