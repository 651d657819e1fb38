"""The registry against the catalogue, and the generated docs against the committed file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from liangjiadi.indicators.docs import render_markdown
from liangjiadi.indicators.registry import catalogue, builtin_indicators

from .test_golden import EXPECTED

SPEC = Path("/work/shared/spec/indicators.yaml")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not present")
def test_packaged_catalogue_matches_the_spec_field_by_field():
    spec = {int(e["id"]): e for e in yaml.safe_load(SPEC.read_text(encoding="utf-8"))}
    packaged = catalogue()
    assert sorted(spec) == sorted(packaged)
    for cid, entry in spec.items():
        assert set(entry) == set(packaged[cid]), cid
        for field, value in entry.items():
            assert packaged[cid][field] == value, (cid, field)


def test_catalogue_ids_1_to_57():
    assert sorted(catalogue()) == list(range(1, 58))


def test_registry_holds_every_catalogue_indicator():
    by_cat = {}
    for ind in builtin_indicators():
        by_cat.setdefault(ind.catalogue_id, []).append(ind)
    assert sorted(by_cat) == list(range(1, 58))
    # 50 and 51 are published per scheme
    assert {i.id for i in by_cat[50]} == {"50e", "50r"}
    assert {i.id for i in by_cat[51]} == {"51e", "51r"}
    assert {i.id for i in by_cat[41]} == {"41", "41m"}
    extra = {i.id for i in builtin_indicators()} - {str(n) for n in range(1, 58)}
    assert extra == {"41m", "CMI", "50e", "50r", "51e", "51r"}


def test_registry_facts_come_from_the_catalogue():
    for ind in builtin_indicators():
        facts = catalogue()[ind.catalogue_id]
        if ind.id == str(ind.catalogue_id):
            assert (ind.name, ind.group, ind.freq, ind.basis, ind.scope, ind.unit) == (
                facts["name"], facts["group"], facts["freq"], facts["basis"], facts["scope"], facts["unit"])
            assert ind.bounds == (tuple(facts["bounds"]) if facts.get("bounds") else None)


@pytest.mark.parametrize("ind", [i for i in builtin_indicators() if not i.heading], ids=lambda i: i.id)
def test_every_indicator_has_method_unit_and_golden_test(ind):
    assert ind.method and len(ind.method) > 10, "口径 text missing"
    assert ind.formula or ind.method
    assert ind.unit and ind.unit != "none"
    assert ind.fn is not None
    assert ind.family in ("fund", "payment", "service", "other")
    assert any(k[0] == ind.id and v[0] is not None for k, v in EXPECTED.items()), "no golden value"


def test_headings_have_no_function():
    heads = [i for i in builtin_indicators() if i.heading]
    assert sorted(i.id for i in heads) == ["16", "19"]
    assert all(i.fn is None for i in heads)


def test_docs_are_generated_and_current():
    text = render_markdown()
    for ind in builtin_indicators():
        assert f"### {ind.id} " in text
    assert DOCS.exists(), "run: python -m liangjiadi.indicators.docs docs/indicators.md"
    assert DOCS.read_text(encoding="utf-8") == text, (
        "docs/indicators.md is out of date: python -m liangjiadi.indicators.docs docs/indicators.md")


def test_get_by_result_id():
    from liangjiadi.errors import IndicatorError
    from liangjiadi.indicators import get

    assert get(37).name == "次均住院费用"
    assert get("41m").catalogue_id == 41 and get("41m").scope == "institution"
    with pytest.raises(IndicatorError):
        get("999")
