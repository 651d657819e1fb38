"""docs/workgroup.md shows every rule of every built-in profile, as the profiles hold them."""

from __future__ import annotations

import re
from pathlib import Path

from liangjiadi.workgroup.docs import BEGIN, END, rules_markdown
from liangjiadi.workgroup.profiles import BUILT_IN, load_profile

DOC = Path(__file__).resolve().parents[2] / "docs" / "workgroup.md"


def test_rules_section_is_generated_from_the_profiles():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == rules_markdown(), "docs/workgroup.md 的规则表与规则文件不一致：运行 python -m liangjiadi.workgroup.docs docs/workgroup.md"


def _quoted(profile):
    yield from ((c.source, c.quote) for c in (profile.max_nominees, profile.refuse_third_party,
                                              profile.bureau_departments, profile.dismissal))
    yield from ((r.source, r.quote) for r in profile.draw)
    yield from ((r.source, r.quote) for r in profile.roles)
    yield profile.terms.source, profile.terms.quote


def test_every_rule_quotes_a_clause_found_in_its_seed():
    seeds = Path("/work/shared/seeds")
    texts = {p.name[:3]: re.sub(r"\s", "", p.read_text(encoding="utf-8")) for p in seeds.glob("*.txt")}
    checked = 0
    for name in BUILT_IN:
        for source, quote in _quoted(load_profile(name)):
            assert source and quote
            if texts and source[:3] in texts:
                for part in quote.split("……"):
                    assert re.sub(r"\s", "", part) in texts[source[:3]], f"{name}：{source} 原文不符：{part}"
                checked += 1
    assert checked > 30 or not texts
