"""The release store on a real PostgreSQL (started by the `postgres` fixture): the workflow,
the append-only rule and the hash-chained audit log behave as on SQLite."""

from __future__ import annotations

import pytest

from liangjiadi.migrations import current, head
from liangjiadi.releases.store import engine_for

from . import test_workflow as W
from .conftest import make_settings, prepared_store


@pytest.fixture
def pg_settings(tmp_path, postgres):
    return prepared_store(make_settings(tmp_path / "work", database_url=postgres.create_database()))


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
