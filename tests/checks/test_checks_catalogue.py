"""The catalogue adapter: the registry and the YAML fallback agree on what the checks use."""

from __future__ import annotations

from liangjiadi.checks.catalogue import _packaged_yaml, catalogue_from_yaml, load_catalogue


def test_registry_metadata_the_checks_rely_on():
    cat = load_catalogue()
    assert [m.id for m in cat if m.id.isdigit() and int(m.id) <= 49] == [str(i) for i in range(1, 50)]
    pairs = set(cat.parent_pairs())
    assert {("11", "10"), ("13", "12"), ("34", "33"), ("3", "2"), ("10", "9")} <= pairs
    assert ("1", ("2", "5")) in cat.sums() and ("15", ("17", "20")) in cat.sums()
    assert cat.get("29").bounds == (0.0, 1.0) and cat.get("45").bounds == (0.0, 1.0)
    assert cat.get("16").is_heading and cat.get("19").is_heading and not cat.get("15").is_heading
    assert cat.get("36").per_institution and not cat.get("1").per_institution
    assert cat.label("11") == "指标11（住院统筹基金支出）"


def test_yaml_fallback_matches_the_registry_on_official_ids():
    from_yaml = catalogue_from_yaml(_packaged_yaml())
    registry = load_catalogue()
    for meta in from_yaml:
        if not meta.id.isdigit() or int(meta.id) > 49:
            continue
        other = registry.get(meta.id)
        assert (other.name, other.freq, other.scope, other.unit, other.bounds, other.parent, other.sum_of) == (
            meta.name, meta.freq, meta.scope, meta.unit, meta.bounds, meta.parent, meta.sum_of), meta.id
