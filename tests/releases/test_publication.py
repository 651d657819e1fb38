"""Publication rules frozen with a release (releases/publication.py): the audience, the
internal-only indicators that never enter a release, and the one small-count rule."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liangjiadi.releases import create_release, frozen_content, revise
from liangjiadi.releases.bundle import read_manifest
from liangjiadi.releases.publication import (
    AudienceError, audience_codes, in_audience, parse_audience, read_publication,
)
from liangjiadi.releases.suppression import small_figure, suppress_count
from liangjiadi.schema.institution import Institution

from .conftest import make_settings, prepared_store

DIRECTORY = [
    {"code": "H001", "name": "甲县人民医院", "hosp_lv": "05", "admdvs": "140402", "kind": "综合", "yigongti_id": "Y1",
     "fixmedins_type": "1"},
    {"code": "H002", "name": "乙县中医院", "hosp_lv": "06", "admdvs": "140403", "kind": "中医", "yigongti_id": "Y2",
     "fixmedins_type": "1"},
    {"code": "H003", "name": "市第一人民医院", "hosp_lv": "02", "admdvs": "140400", "kind": "综合",
     "fixmedins_type": "1"},
    {"code": "P001", "name": "甲县大药房", "hosp_lv": None, "admdvs": "140402", "fixmedins_type": "2"},
]


def test_an_audience_is_written_as_fields_and_values():
    assert parse_audience("level=三级,二级;county=140402") == {"level": sorted(["三级", "二级"]), "county": ["140402"]}
    assert parse_audience("县区=140402；医共体=Y1") == {"county": ["140402"], "yigongti": ["Y1"]}
    assert parse_audience("") is None and parse_audience(None) is None
    with pytest.raises(AudienceError, match="未知的受众字段：colour"):
        parse_audience("colour=red")
    with pytest.raises(AudienceError, match="受众条件写法有误"):
        parse_audience("county")


def test_within_a_field_any_value_across_fields_all():
    assert audience_codes({"county": ["140402"]}, DIRECTORY) == ["H001", "P001"]
    assert audience_codes({"county": ["140402", "140403"], "level": ["二级"]}, DIRECTORY) == ["H001", "H002"]
    assert audience_codes({"level": ["三级"]}, DIRECTORY) == ["H003"]
    assert audience_codes({"level": ["05"]}, DIRECTORY) == ["H001"]
    assert audience_codes({"kind": ["药店"]}, DIRECTORY) == ["P001"]
    assert audience_codes({"kind": ["中医"]}, DIRECTORY) == ["H002"]
    assert audience_codes({"yigongti": ["Y1"]}, DIRECTORY) == ["H001"]
    assert audience_codes(None, DIRECTORY) is None


def test_an_audience_the_directory_does_not_carry_is_refused():
    with pytest.raises(AudienceError, match="county（县区）=140499 在本期机构目录中没有任何机构"):
        audience_codes({"county": ["140499"]}, DIRECTORY)
    with pytest.raises(AudienceError, match="同时满足的机构为零"):
        audience_codes({"county": ["140403"], "kind": ["药店"]}, DIRECTORY)


def test_without_an_audience_every_institution_is_addressed():
    assert in_audience({"audience_codes": None}, "H009") and in_audience({}, "H009")
    assert in_audience({"audience_codes": ["H001"]}, "H001") and not in_audience({"audience_codes": ["H001"]}, "H002")


@pytest.fixture
def counties(monkeypatch):
    directory = {i["code"]: Institution.from_row(i) for i in DIRECTORY}
    monkeypatch.setattr("liangjiadi.releases.snapshot.institution_directory", lambda settings, period: directory)


def test_the_audience_is_frozen_with_the_release_and_kept_by_its_revision(settings, counties):
    release = create_release("monthly", "2025-03", settings, creator="王敏", audience="county=140402")
    rules = read_publication(release.bundle_dir)
    assert rules["audience"] == {"county": ["140402"]} and rules["audience_codes"] == ["H001", "P001"]
    assert rules["audience_text"] == "县区：140402"
    listed = {f["path"] for f in read_manifest(release.bundle_dir)["files"]}
    assert "publication.json" in listed  # hashed: changing the audience changes the content hash
    assert frozen_content(release.release_id, settings).publication["audience_codes"] == ["H001", "P001"]
    kept = revise(release.release_id, "王敏", "更正数据", settings)
    assert read_publication(kept.bundle_dir)["audience_codes"] == ["H001", "P001"]
    wider = revise(kept.release_id, "王敏", "扩大受众", settings, audience="county=140402,140403")
    assert read_publication(wider.bundle_dir)["audience_codes"] == ["H001", "H002", "P001"]


def test_a_mistyped_audience_refuses_the_release_and_leaves_nothing(settings, counties):
    with pytest.raises(AudienceError, match="140499"):
        create_release("monthly", "2025-03", settings, creator="王敏", audience="county=140499")
    assert not (settings.workdir / "releases" / "140400" / "monthly" / "2025-03" / "v1").exists()


def test_internal_only_indicators_never_enter_a_release(tmp_path):
    settings = prepared_store(make_settings(tmp_path / "work", internal_indicators=["12"]))
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    results = pq.read_table(release.bundle_dir / "results.parquet")
    assert "12" not in set(results["indicator_id"].to_pylist())
    assert "36" in set(results["indicator_id"].to_pylist())
    catalogue = json.loads((release.bundle_dir / "indicators.json").read_text(encoding="utf-8"))
    assert all(i["id"] != "12" for i in catalogue)
    history = pq.read_table(release.bundle_dir / "history.parquet")
    assert "12" not in set(history["indicator_id"].to_pylist())
    assert read_publication(release.bundle_dir)["internal_dropped"] == ["12"]
    assert read_manifest(release.bundle_dir)["publication"]["internal_dropped"] == ["12"]


def test_the_cli_says_which_indicators_were_kept_out(tmp_path):
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app

    settings = prepared_store(make_settings(tmp_path / "work"))
    result = CliRunner().invoke(app, ["release", "create", "--kind", "monthly", "--period", "2025-03",
                                      "--workdir", str(settings.workdir), "--by", "王敏"],
                                env={"LJD_PSEUDONYM_KEY": "test-key-padded-to-at-least-32-bytes",
                                     "LJD_INTERNAL_INDICATORS": '["12"]',
                                     "LJD_RELEASE_SEAL_KEY_FILE": str(tmp_path / "seal.key")})
    assert result.exit_code == 0, result.output
    assert "受众：本地区全部定点医药机构" in result.output
    assert "以下指标为仅内部使用，未进入本发布：12" in result.output


# ---- the one small-count rule ----------------------------------------------------------------


@given(st.integers(min_value=-3, max_value=40), st.integers(min_value=1, max_value=20))
def test_a_count_figure_is_withheld_exactly_when_suppress_count_would(value, threshold):
    withheld = small_figure("count", value, None, threshold)
    assert (withheld is not None) == (suppress_count(value, threshold) != value)


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=20))
def test_a_rate_from_few_cases_is_withheld_by_the_same_rule(cases, threshold):
    withheld = small_figure("ratio", 0.5, cases, threshold)
    assert (withheld is not None) == (suppress_count(cases, threshold) != cases)
    assert withheld is None or withheld == f"不足{threshold}例"
