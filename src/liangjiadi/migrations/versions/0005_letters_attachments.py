"""点名提醒 letters (releases/letters.py), attachments of objections and letters
(releases/attachments.py), and an objection's corrected release and escalation.

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004a"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _letters(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "ljd_letters", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), nullable=False, index=True),
        sa.Column("admdvs", sa.String(12), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("fixmedins_code", sa.String(30), nullable=False, index=True),
        sa.Column("institution_name", sa.String(200)),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("selfcheck", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("document", sa.String(300)),
        sa.Column("signed_by", sa.String(64)),
        sa.Column("signed_at", TS),
        sa.Column("reported_by", sa.String(64)),
        sa.Column("reported_at", TS),
        sa.Column("report_text", sa.Text),
        sa.Column("routed_by", sa.String(64)),
        sa.Column("routed_at", TS),
        sa.Column("route_to", sa.String(16)),
        sa.Column("outcome", sa.Text),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TS),
        sa.Column("escalated_at", TS),
    )


def _attachments(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "ljd_attachments", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer, nullable=False, index=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("stored_name", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
    )


def upgrade() -> None:
    meta = sa.MetaData()
    bind = op.get_bind()
    _letters(meta).create(bind, checkfirst=True)
    _attachments(meta).create(bind, checkfirst=True)
    have = {c["name"] for c in sa.inspect(bind).get_columns("ljd_objections")}
    with op.batch_alter_table("ljd_objections") as batch:
        if "correction_release_id" not in have:
            batch.add_column(sa.Column("correction_release_id", sa.String(200)))
        if "escalated_at" not in have:
            batch.add_column(sa.Column("escalated_at", TS))


def downgrade() -> None:
    with op.batch_alter_table("ljd_objections") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("correction_release_id")
    meta = sa.MetaData()
    _attachments(meta).drop(op.get_bind())
    _letters(meta).drop(op.get_bind())
