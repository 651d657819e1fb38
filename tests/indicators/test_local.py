"""地方特色指标 from YAML: parsing, validation errors (file, entry, field), golden values."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from liangjiadi.errors import DefinitionError
from liangjiadi.indicators import compute
from liangjiadi.indicators.local import parse_local_indicators

from . import golden

LOCAL_YAML = """
indicators:
  - id: L01
    name: 门诊慢特病与急诊人次
    unit: count
    scope: both
    table: setl_d
    filter:
      - {column: med_type, op: in, value: ["13", "14"]}
      - {column: insu_admdvs, op: "==", value: "140400"}
    numerator: count
  - id: L02
    name: 职工住院统筹支付占医疗费用比例
    unit: ratio
    scope: both
    table: setl_d
    filter: {med_type: ["21", "22"], fix_blng_admdvs: "140400"}
    numerator: {agg: sum, column: hifp_pay, filter: [{column: insutype, op: "==", value: "310"}]}
    denominator: {agg: sum, column: medfee_sumamt, filter: [{column: insutype, op: "==", value: "310"}]}
  - id: L03
    name: 累计就诊人数
    unit: count
    basis: cumulative
    table: setl_d
    filter: [{column: med_type, op: "not in", value: ["41"]}]
    numerator: {agg: count_distinct, column: psn_no}
  - id: L04
    name: 千人住院人次（区）
    unit: per_mille_people
    table: setl_d
    filter: [{column: med_type, op: "!=", value: "11"}]
    numerator: {agg: count, filter: [{column: med_type, op: "==", value: "21"}]}
    denominator: {agg: count, filter: [{column: med_type, op: "==", value: "99"}]}
    scale: 1000
"""


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    work = golden.build(tmp_path_factory.mktemp("local"))
    (work / "local_indicators.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    table = compute(golden.P, golden.settings(work), save=False)
    return {(r["indicator_id"], r["fixmedins_code"]): r for r in table.to_pylist()}


def test_local_count_both(rows):
    # March, valid, non-refund, med_type 13/14, insured of R: S8 (13, H1) only
    assert rows[("L01", None)]["value"] == D(1)
    assert rows[("L01", "H1")]["value"] == D(1)
    assert rows[("L01", "H2")]["value"] == D(0)  # every local institution gets a row
    assert rows[("L01", "H3")]["value"] == D(0)


def test_local_ratio_with_filters(rows):
    # 310 inpatient at local institutions in March (net): hifp S1 7000 + S3 -1400 + S4 5000 + S5 3000 + S13 2000
    #   = 15600; medfee 10000 - 2000 + 8000 + 4000 + 3000 = 23000
    r = rows[("L02", None)]
    assert (r["numerator"], r["denominator"]) == (D(15600), D(23000))
    assert r["value"] == (D(15600) / D(23000)).quantize(D("1e-10"))
    assert rows[("L02", "H2")]["value"] == D("0.75")  # 3000 / 4000
    h3 = rows[("L02", "H3")]
    assert h3["value"] is None and "分母为0" in h3["note"]  # empty institution


def test_local_cumulative_count_distinct(rows):
    # Jan..Mar valid rows except med_type 41: J1 J2 T1..T7 S1..S8 S10 S12 S13 (S9 invalid, S11 pharmacy)
    #   psn_no is per settlement in golden.py -> 9 + 8 + 3 = 20 distinct
    assert rows[("L03", None)]["value"] == D(20)
    assert ("L03", "H1") not in rows  # scope region


def test_local_division_by_zero(rows):
    r = rows[("L04", None)]
    assert r["value"] is None and r["note"]


@pytest.mark.parametrize("text, field", [
    ("indicators: [{id: 5, name: x, table: setl_d, numerator: count}]", "id"),
    ("indicators: [{id: L1, name: x, table: nosuch, numerator: count}]", "table"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: {agg: sum, column: nosuch}}]", "numerator.column"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: {agg: avg}}]", "numerator.agg"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: count, filter: [{column: med_type, op: '>', value: 1}]}]", "filter[1]"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: count, scope: institution}]", "scope"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: count, unit: ratio}]", "denominator"),
    ("indicators: [{id: L1, name: x, table: setl_fee, numerator: count, scope: both}]", "scope"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: {agg: sum, column: med_type}}]", "numerator.column"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: count, python: 'import os'}]", "python"),
    ("indicators: [{id: L1, name: x, table: setl_d, numerator: count}, {id: L1, name: y, table: setl_d, numerator: count}]", "id"),
    ("indicators: [{id: L1, table: setl_d, numerator: count}]", "name"),
])
def test_invalid_definitions_name_file_entry_and_field(text, field):
    with pytest.raises(DefinitionError) as exc:
        parse_local_indicators(text, "local.yaml")
    msg = str(exc.value)
    assert "local.yaml" in msg and "第 " in msg and f"字段 {field}" in msg


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(DefinitionError, match="YAML"):
        parse_local_indicators("indicators: [", "x.yaml")
    from liangjiadi.indicators.local import load_local_indicators

    s = golden.settings(tmp_path, local_indicators_file=tmp_path / "nosuch.yaml")
    with pytest.raises(DefinitionError, match="不存在"):
        load_local_indicators(s)


def test_local_indicator_metadata():
    inds = parse_local_indicators(LOCAL_YAML, "f.yaml")
    assert [i.id for i in inds] == ["L01", "L02", "L03", "L04"]
    l2 = inds[1]
    assert l2.family == "local" and l2.unit == "ratio" and l2.scope == "both" and l2.local
    assert "sum(hifp_pay)" in l2.formula and "f.yaml" in l2.method
    assert inds[2].window == "ytd" and inds[2].basis == "cumulative"


# ---- one registry: a local indicator is found like a built-in, and a broken file fails everywhere ----


def test_local_indicators_are_in_the_one_registry(tmp_path):
    from liangjiadi.indicators import REGISTRY, get, load_indicators

    with_file = tmp_path / "a"
    with_file.mkdir()
    (with_file / "local_indicators.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    without = tmp_path / "b"
    without.mkdir()
    ids = [i.id for i in load_indicators(golden.settings(with_file))]
    assert ids[-4:] == ["L01", "L02", "L03", "L04"] and "37" in ids
    assert get("L01").name == "门诊慢特病与急诊人次" and get("L01").local and get("37").name == "次均住院费用"
    load_indicators(golden.settings(without))  # another region, without local indicators
    assert not any(i.local for i in REGISTRY.values())
    with pytest.raises(Exception, match="未知指标编号"):
        get("L01")


def test_a_local_id_taken_by_a_built_in_result_is_refused(tmp_path):
    from liangjiadi.indicators import load_indicators

    (tmp_path / "local_indicators.yaml").write_text(
        "indicators: [{id: CMI, name: x, table: setl_d, numerator: count}]", encoding="utf-8")
    with pytest.raises(DefinitionError, match="CMI 与内置指标的编号重复"):
        load_indicators(golden.settings(tmp_path))


BROKEN = "indicators: [{id: L1, name: x, table: setl_d, numerator: {agg: avg}}]"


@pytest.mark.parametrize("command", [
    ["compute", "--period", golden.P],
    ["check", "--period", golden.P],
    ["detect", "--period", golden.P],
    ["release", "create", "--kind", "monthly", "--period", golden.P, "--by", "王敏"],
    ["export", "results", "--period", golden.P, "--out", "x.csv"],
    ["export", "worksheet", "--period", golden.P, "--out", "x.xlsx"],
], ids=lambda c: " ".join(c[:2]))
def test_a_broken_local_file_fails_every_command_that_reads_indicators(tmp_path, monkeypatch, command):
    """Before, only compute read the file: check and export fell back to the built-ins, detect and
    release create never looked."""
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app
    from liangjiadi.config import reset_settings_cache
    from liangjiadi.indicators.results import RESULT_SCHEMA, save_results

    work = golden.build(tmp_path / "w")
    (work / "local_indicators.yaml").write_text(BROKEN, encoding="utf-8")
    row = {"admdvs": golden.R, "period": golden.P, "indicator_id": "1", "scope": "region", "run_id": "R1"}
    save_results(work, golden.R, golden.P, __import__("pyarrow").Table.from_pylist([row], schema=RESULT_SCHEMA), "R1")
    monkeypatch.setenv("LJD_REGION_ADMDVS", golden.R)
    monkeypatch.chdir(tmp_path)
    reset_settings_cache()
    try:
        result = CliRunner().invoke(app, [*command, "--workdir", str(work)], env={"COLUMNS": "200"})
    finally:
        reset_settings_cache()
    assert result.exit_code == 2, result.output
    assert "地方特色指标文件" in result.output and "numerator.agg" in result.output, result.output
