"""The release store as it was before migrations: releases, members, sign-offs, overrides, audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _tables(meta: sa.MetaData) -> None:
    sa.Table(
        "ljd_releases", meta,
        sa.Column("release_id", sa.String(200), primary_key=True),
        sa.Column("admdvs", sa.String(12), index=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("source_period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), index=True, nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("bundle_dir", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("results_run_id", sa.String(64), nullable=False),
        sa.Column("check_run_id", sa.String(64), nullable=False),
        sa.Column("findings_run_id", sa.String(64), nullable=False),
        sa.Column("check_status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("creator", sa.String(100), nullable=False),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("revision_reason", sa.Text),
        sa.Column("submitted_at", TS),
        sa.Column("approved_at", TS),
        sa.Column("published_at", TS),
        sa.Column("published_by", sa.String(100)),
        sa.Column("superseded_by", sa.String(200)),
        sa.UniqueConstraint("admdvs", "kind", "period", "version", name="uq_release_version"),
    )
    sa.Table(
        "ljd_members", meta,
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("added_at", TS, nullable=False),
    )
    sa.Table(
        "ljd_signoffs", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), sa.ForeignKey("ljd_releases.release_id"), index=True, nullable=False),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("ljd_members.member_id"), nullable=False),
        sa.Column("approve", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("signed_at", TS, nullable=False),
    )
    sa.Table(
        "ljd_overrides", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("release_id", sa.String(200), sa.ForeignKey("ljd_releases.release_id"), index=True, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("failing_checks", sa.JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    sa.Table(
        "ljd_audit_log", meta,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("release_id", sa.String(200), index=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )


def upgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.create_all(op.get_bind(), checkfirst=True)  # adopts a database made before migrations


def downgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.drop_all(op.get_bind())
