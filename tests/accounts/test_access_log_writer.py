"""The access log's per-process writer: a request only queues its entry (no transaction, no wait);
the queue is written in one transaction, read back before any query, and kept when the database
refuses it (never dropped)."""

from __future__ import annotations

import pytest

from liangjiadi.accounts import access_log, flush_access_log, log_access, query_access
from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines


@pytest.fixture
def settings(tmp_path):
    s = Settings(workdir=tmp_path)
    yield s
    flush_access_log(s)
    dispose_engines()


def test_logging_opens_no_transaction_and_a_query_sees_the_queue(settings, monkeypatch):
    query_access(settings)  # the database exists
    calls = []
    real = access_log.session_scope
    monkeypatch.setattr(access_log, "session_scope", lambda s: (calls.append(1), real(s))[1])
    monkeypatch.setattr(access_log, "FLUSH_SECONDS", 3600)  # the writer thread stays out of the way
    for n in range(3):
        log_access(settings, f"u{n}", "view", release_id="R", watermark_id=f"wm{n}")
    queued = len(calls)
    entries = query_access(settings, action="view")
    assert [e.watermark_id for e in reversed(entries)] == ["wm0", "wm1", "wm2"]
    assert queued <= 1 and len(calls) <= queued + 2  # one batch insert (and the query), not one per entry


def test_a_refused_batch_is_kept_in_order_and_written_next_time(settings, monkeypatch):
    query_access(settings)
    writer = access_log._writer(settings)
    with writer.lock:
        writer.pending.clear()
    log_access(settings, "a", "download", watermark_id="first")
    log_access(settings, "b", "download", watermark_id="second")

    def broken(_settings):
        raise OSError("数据库暂时不可用")
    monkeypatch.setattr(access_log, "session_scope", broken)
    with pytest.raises(OSError):
        writer.flush()
    assert [e["watermark_id"] for e in writer.pending][:2] == ["first", "second"]
    monkeypatch.undo()
    log_access(settings, "c", "download", watermark_id="third")
    got = [e.watermark_id for e in reversed(query_access(settings, action="download"))]
    assert got == ["first", "second", "third"]
