"""Attachments (releases/attachments.py): the name shown is never a path; the type is the file's,
not its extension's; a refused file leaves nothing behind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangjiadi.config import Settings
from liangjiadi.releases import attachments as A
from liangjiadi.releases.store import dispose_engines


@given(st.text(max_size=300))
def test_a_shown_name_is_never_a_path(name):
    shown = A.safe_name(name)
    assert shown and "/" not in shown and "\\" not in shown and not shown.startswith(".")
    assert not any(ord(c) < 32 for c in shown) and len(shown) <= 120


def test_type_size_and_nothing_left_behind(tmp_path):
    settings = Settings(workdir=tmp_path, attachment_max_bytes=1024, attachment_types=["pdf", "png"])
    refused = [("a.docx", b"PK\x03\x04"), ("a.pdf", b"PK\x03\x04"), ("a.pdf", b"%PDF-" + b"0" * 2000), ("a.pdf", b""),
               ("a", b"%PDF-1.4")]
    for name, data in refused:
        with pytest.raises(A.AttachmentError):
            A.store(settings, "objection", 1, name, data, "inst")
    assert not (tmp_path / "attachments").exists() or not any((tmp_path / "attachments").rglob("*.*"))
    kept = A.store(settings, "objection", 1, "../../报告.pdf", b"%PDF-1.4 x", "inst")
    assert kept["name"] == "报告.pdf" and kept["content_type"] == "application/pdf"
    record, path = A.get(settings, kept["id"])
    assert path.parent == tmp_path / "attachments" / "objection" / "1" and path.read_bytes() == b"%PDF-1.4 x"
    assert A.list_for(settings, "objection", 1) == [record]
    dispose_engines()
