"""The release store on a real PostgreSQL (started by the `postgres` fixture): the workflow,
the append-only rule and the hash-chained audit log behave as on SQLite."""

from __future__ import annotations

import pytest

from liangjiadi.migrations import current, head
from liangjiadi.releases import add_member
from liangjiadi.releases.store import engine_for

from . import test_workflow as W
from .conftest import BASE_VALUES, LAKE_TOKEN, make_settings, write_check, write_findings, write_lake_tokens, write_results


@pytest.fixture
def pg_settings(tmp_path, postgres):
    s = make_settings(tmp_path / "work", database_url=postgres.create_database())
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc")
    write_findings(s, "20250405T020000-ffffff")
    write_lake_tokens(s, [LAKE_TOKEN, "0" * 31 + "1"])
    for member_id, name, role in (("m01", "李主任", "convener"), ("m02", "张医生", "hospital"),
                                  ("m03", "王科长", "insurer")):
        add_member(member_id, name, role, s, actor="管理员")
    return s


def test_the_schema_is_migrated_to_the_newest_revision(pg_settings):
    assert engine_for(pg_settings).dialect.name == "postgresql"
    assert current(engine_for(pg_settings)) == head()


@pytest.mark.parametrize("case", [
    W.test_happy_path_draft_to_published, W.test_every_act_is_logged_with_who_and_when,
    W.test_audit_log_and_signoffs_are_append_only, W.test_an_edit_behind_the_orms_back_breaks_the_hash_chain,
    W.test_quorum_counts_distinct_approving_members, W.test_only_registered_active_members_sign,
], ids=lambda f: f.__name__.removeprefix("test_"))
def test_workflow_on_postgresql(pg_settings, case):
    case(pg_settings)
