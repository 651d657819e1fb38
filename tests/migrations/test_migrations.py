"""The Alembic revisions: a new database gets every table; a database made before migrations
(tables by SQLAlchemy, no alembic_version) is adopted with its rows kept."""

from __future__ import annotations

import sqlalchemy as sa

from liangjiadi.config import Settings
from liangjiadi.migrations import current, head, upgrade
from liangjiadi.releases import add_member, list_members
from liangjiadi.releases.store import dispose_engines, engine_for

TABLES = {"ljd_releases", "ljd_members", "ljd_signoffs", "ljd_overrides", "ljd_audit_log", "ljd_users",
          "ljd_sessions", "ljd_access_log", "ljd_tier_requests", "ljd_notifications", "ljd_objections",
          "ljd_letters", "ljd_attachments", "ljd_export_requests"}


def test_a_new_database_is_at_the_newest_revision(tmp_path):
    settings = Settings(workdir=tmp_path)
    engine = engine_for(settings)
    assert current(engine) == head() == "0006"
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    dispose_engines()


def test_the_export_requests_revision_makes_the_models_columns(tmp_path):
    from liangjiadi.portal.exports import ExportRequestRow

    engine = engine_for(Settings(workdir=tmp_path))
    made = {c["name"] for c in sa.inspect(engine).get_columns("ljd_export_requests")}
    assert made == {c.name for c in ExportRequestRow.__table__.columns}
    dispose_engines()


def test_a_database_made_before_migrations_is_adopted(tmp_path):
    path = tmp_path / "ljd.sqlite"
    old = sa.create_engine(f"sqlite:///{path}")
    with old.begin() as conn:  # the release store as create_all left it, with one member
        conn.exec_driver_sql("CREATE TABLE ljd_members (member_id VARCHAR(64) PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                             " role VARCHAR(50) NOT NULL, active BOOLEAN NOT NULL, added_at DATETIME NOT NULL)")
        conn.exec_driver_sql("INSERT INTO ljd_members VALUES ('m01', '李主任', 'convener', 1, '2025-01-01 00:00:00')")
    assert current(old) is None
    upgrade(old)
    upgrade(old)  # a second start changes nothing
    assert current(old) == head()
    assert TABLES <= set(sa.inspect(old).get_table_names())
    old.dispose()
    settings = Settings(workdir=tmp_path)
    assert [m.member_id for m in list_members(settings)] == ["m01"]
    add_member("m02", "张医生", "hospital", settings, actor="管理员")
    assert len(list_members(settings)) == 2
    dispose_engines()


def test_the_survey_revision_makes_the_questionnaire_tables_without_who_or_when(tmp_path):
    """0006: the response and code tables have no column for a user, an institution or a time."""
    settings = Settings(workdir=tmp_path)
    inspector = sa.inspect(engine_for(settings))
    assert {"ljd_surveys", "ljd_survey_codes", "ljd_survey_responses", "ljd_suggestions"} <= set(inspector.get_table_names())
    assert {c["name"] for c in inspector.get_columns("ljd_survey_responses")} == {
        "id", "survey_id", "unit_type", "level", "answers", "blanks"}
    assert {c["name"] for c in inspector.get_columns("ljd_survey_codes")} == {"code_hash", "survey_id", "used"}
    dispose_engines()
