"""docs/yigongti.md cites seeds/003 for every rule: each quotation introduced by “——” is found word
for word in the notice (a “……” marks an omission; each part must be there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"


def _quotes(text: str) -> list[str]:
    """The quotations after each “——”, a quotation may run over several lines of its paragraph."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        joined = "".join(line.strip() for line in para.splitlines())
        for cited in joined.split("——")[1:]:
            cited_run = re.match(r"(?:“[^“”]+”)+", cited)  # “A”“B” right after the dash
            out += re.findall(r"“([^“”]+)”", cited_run.group(0)) if cited_run else []
    return out


def test_every_rule_quotes_the_notice():
    seed = next(SEEDS.glob("003_*.txt"), None) if SEEDS.exists() else None
    if seed is None:
        pytest.skip("shared/seeds/003 is not beside the repository")
    notice = re.sub(r"\s+", "", seed.read_text(encoding="utf-8")).replace("“", "‘").replace("”", "’")
    doc = (ROOT / "docs" / "yigongti.md").read_text(encoding="utf-8")
    quotes = _quotes(doc)
    assert len(quotes) >= 12
    missing = [q for q in quotes for part in q.split("……") if re.sub(r"\s+", "", part) not in notice]
    assert not missing, missing
