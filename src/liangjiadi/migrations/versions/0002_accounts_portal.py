"""Accounts (one registry of people), portal sessions, the access log, benchmark-tier requests,
notifications.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _tables(meta: sa.MetaData) -> None:
    sa.Table("ljd_members", meta, sa.Column("member_id", sa.String(64), primary_key=True))  # for the key below
    sa.Table(
        "ljd_users", meta,
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, index=True),
        sa.Column("fixmedins_code", sa.String(30), index=True),
        sa.Column("admdvs", sa.String(12), index=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("ljd_members.member_id"), unique=True),
        sa.Column("email", sa.String(200)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", TS),
        sa.Column("valid_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("password_changed_at", TS, nullable=False),
    )
    sa.Table(
        "ljd_sessions", meta,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("ljd_users.user_id"), nullable=False, index=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    sa.Table(
        "ljd_access_log", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("release_id", sa.String(200), index=True),
        sa.Column("fixmedins_code", sa.String(30), index=True),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("watermark_id", sa.String(32), index=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    sa.Table(
        "ljd_tier_requests", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), nullable=False, index=True),
        sa.Column("indicator_id", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", TS),
    )
    sa.Table(
        "ljd_notifications", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("ljd_users.user_id"), nullable=False, index=True),
        sa.Column("release_id", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS),
        sa.Column("mailed_at", TS),
    )


NEW = ("ljd_users", "ljd_sessions", "ljd_access_log", "ljd_tier_requests", "ljd_notifications")


def upgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.create_all(op.get_bind(), tables=[meta.tables[n] for n in NEW], checkfirst=True)


def downgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.drop_all(op.get_bind(), tables=[meta.tables[n] for n in reversed(NEW)])
