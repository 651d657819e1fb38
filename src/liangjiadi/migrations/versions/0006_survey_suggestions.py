"""The 附录4 questionnaire (surveys, one-time codes, anonymous responses) and suggestions (survey/).

Revision ID: 0006
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _tables(meta: sa.MetaData) -> None:
    sa.Table(
        "ljd_surveys", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("admdvs", sa.String(12), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("release_id", sa.String(200)),
        sa.Column("meeting", sa.String(200)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TS),
    )
    # anonymous by construction: no user, institution, time or link between a code and a response
    sa.Table(
        "ljd_survey_codes", meta,
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("survey_id", sa.Integer, nullable=False, index=True),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    sa.Table(
        "ljd_survey_responses", meta,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("survey_id", sa.Integer, nullable=False, index=True),
        sa.Column("unit_type", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10)),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("blanks", sa.JSON, nullable=False),
    )
    sa.Table(
        "ljd_suggestions", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("admdvs", sa.String(12), nullable=False, index=True),
        sa.Column("category", sa.String(32), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("release_id", sa.String(200)),
        sa.Column("fixmedins_code", sa.String(30)),
        sa.Column("unit_kind", sa.String(20)),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
    )


NEW = ("ljd_surveys", "ljd_survey_codes", "ljd_survey_responses", "ljd_suggestions")


def upgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.create_all(op.get_bind(), tables=[meta.tables[n] for n in NEW], checkfirst=True)


def downgrade() -> None:
    meta = sa.MetaData()
    _tables(meta)
    meta.drop_all(op.get_bind(), tables=[meta.tables[n] for n in reversed(NEW)])
