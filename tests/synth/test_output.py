"""Determinism, formats, file layout, codes and row-level invariants of the generated files."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from liangjiadi.schema import TABLES
from liangjiadi.synth import SynthConfig, generate
from liangjiadi.synth.catalogue import MDC_NAMES, Catalogue

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "chs-drg-1.1"


def _digest(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    cfg = SynthConfig(scale=0.005, months=3, seed=11)
    generate(cfg, tmp_path / "a")
    generate(cfg, tmp_path / "b")
    generate(SynthConfig(scale=0.005, months=3, seed=12), tmp_path / "c")
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert a == b
    assert a["setl_d_2025-12.csv"] != c["setl_d_2025-12.csv"]


def test_file_layout_and_headers(region):
    names = {p.name for p in region.path.iterdir()}
    for single in ("fixmedins.csv", "grp_catalog.csv", "fund_report.csv", "psn_count.csv", "budget.csv",
                   "ground_truth.json"):
        assert single in names
    for period in region.cfg.periods:
        for t in ("setl_d", "setl_list", "setl_fee", "clr_result"):
            assert f"{t}_{period}.csv" in names
    assert any(n.startswith("special_case_") for n in names)
    for t in ("fixmedins", "grp_catalog", "fund_report", "psn_count", "budget", "setl_list", "setl_fee",
              "special_case", "clr_result"):
        f = f"{t}.csv" if f"{t}.csv" in names else sorted(n for n in names if n.startswith(f"{t}_"))[0]
        header = (region.path / f).open(encoding="utf-8").readline().strip().split(",")
        assert header == TABLES[t].column_names
    header = (region.path / f"setl_d_{region.cfg.periods[0]}.csv").open(encoding="utf-8").readline().strip().split(",")
    assert [h for h in header if h not in ("certno", "psn_name")] == TABLES["setl_d"].column_names


def test_text_formats(region):
    d = region.read("setl_d", region.cfg.periods[5])
    money = re.compile(r"^-?\d+\.\d{2}$")
    for col in ("medfee_sumamt", "hifp_pay", "psn_part_amt"):
        assert all(money.match(v) for v in d[col].to_pylist()[:2000])
    assert all(re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", v) for v in d["setl_time"].to_pylist()[:2000])
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}$", v) for v in d["begndate"].to_pylist()[:2000])
    assert set(d["insutype"].to_pylist()) <= {"310", "340", "390"}
    fx = region.read("fixmedins")
    assert {f"{i:02d}" for i in range(1, 12)} <= set(fx["hosp_lv"].to_pylist())
    assert set(fx["fixmedins_type"].to_pylist()) == {"1", "2"}
    # personal columns are obviously fake
    assert all(v.startswith("000000") and len(v) == 18 for v in d["certno"].to_pylist()[:500])
    assert all(v.startswith("测试人员") for v in d["psn_name"].to_pylist()[:500])
    # persons recur across months
    first = set(region.read("setl_d", region.cfg.periods[0])["psn_no"].to_pylist())
    later = set(region.read("setl_d", region.cfg.periods[6])["psn_no"].to_pylist())
    assert len(first & later) > 0.2 * len(later)


def test_parquet_gbk_xlsx_and_cli(tmp_path):
    generate(SynthConfig(scale=0.003, months=2, seed=3, fmt="parquet"), tmp_path / "pq")
    t = pq.read_table(tmp_path / "pq" / "setl_d_2025-12.parquet")
    assert str(t.schema.field("medfee_sumamt").type) == "decimal128(18, 2)"
    generate(SynthConfig(scale=0.003, months=2, seed=3, encoding="gbk"), tmp_path / "gbk")
    text = (tmp_path / "gbk" / "fixmedins.csv").read_bytes().decode("gbk")
    assert "人民医院" in text
    from liangjiadi.cli.main import app

    res = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "x"), "--scale", "0.003", "--months", "2",
                                   "--format", "xlsx", "--no-faults"])
    assert res.exit_code == 0, res.output
    assert "注入异常模式" in res.output
    assert (tmp_path / "x" / "setl_d_2025-12.xlsx").exists()


def test_catalogue_has_real_shapes():
    cat = Catalogue()
    assert {c[0] for c in cat.group_codes} == set(MDC_NAMES) and len(MDC_NAMES) == 26
    assert all(re.match(r"^[A-Z]{2}[0-9][1359]$", c) for c in cat.group_codes)
    assert int(cat.group_basic.sum()) == 31
    assert all(re.match(r"^[A-Z]\d{2}\.[0-9x]\d{2}$", d) for d in cat.diag_codes)
    # weights increase with severity within an ADRG
    for a in range(len(cat.adrgs)):
        w = [cat.group_weight[g] for g in cat.group_index[a] if g >= 0]
        assert w == sorted(w, reverse=True) or len(w) == 1
    if SHARED.exists():
        groups = {l.split()[0] for l in (SHARED / "drg_groups.txt").open(encoding="utf-8")}
        diags = {l.split()[0] for l in (SHARED / "diagnoses.txt").open(encoding="utf-8")}
        assert set(cat.group_codes) <= groups
        assert set(cat.diag_codes) <= diags


def test_generated_codes_have_real_shapes(region):
    lst = region.read("setl_list")
    codes = set(lst["grp_code"].to_pylist())
    assert all(re.match(r"^[A-Z]{2}[0-9][1359]$", c) for c in codes - {"QY"})
    diags = set(lst["maindiag_code"].to_pylist())
    assert all(re.match(r"^[A-Z]\d{2}\.[0-9x]\d{2}$", d) for d in diags)
    assert {"I63.300", "I63.500", "I63.900"} <= diags
    cat = region.read("grp_catalog")
    assert set(codes - {"QY"}) <= set(cat["grp_code"].to_pylist())
    assert sum(v == "1" for v in cat["basic_grp_flag"].to_pylist()) == 31


def test_settlement_row_invariants(region, to_fen):
    d = region.read("setl_d")
    m = {c: np.asarray(to_fen(d[c])) for c in ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay",
                                              "preselfpay_amt", "inscp_scp_amt", "hifp_pay", "hifmi_pay",
                                              "hifob_pay", "cvlserv_pay", "maf_pay", "oth_pay", "fund_pay_sumamt",
                                              "acct_pay", "psn_cash_pay", "psn_part_amt")}
    refund = np.asarray(d["refd_setl_flag"]) == "1"
    sign = np.where(refund, -1, 1)
    med = m["medfee_sumamt"] * sign
    assert (med > 0).all()
    for part in ("fulamt_ownpay_amt", "inscp_scp_amt", "fund_pay_sumamt", "psn_part_amt"):
        v = m[part] * sign
        assert ((v >= 0) & (v <= med)).all(), part
    assert ((m["hifp_pay"] * sign) <= (m["fund_pay_sumamt"] * sign)).all()
    fund = m["hifp_pay"] + m["hifmi_pay"] + m["hifob_pay"] + m["cvlserv_pay"] + m["maf_pay"] + m["oth_pay"]
    assert (fund == m["fund_pay_sumamt"]).all()
    assert (m["psn_part_amt"] == m["medfee_sumamt"] - m["fund_pay_sumamt"]).all()
    assert (m["acct_pay"] + m["psn_cash_pay"] == m["psn_part_amt"]).all()
    begn = np.array(d["begndate"].to_pylist(), dtype="datetime64[D]")
    end = np.array(d["enddate"].to_pylist(), dtype="datetime64[D]")
    setl = np.array([s[:10] for s in d["setl_time"].to_pylist()], dtype="datetime64[D]")
    assert (end >= begn).all()
    assert (setl >= begn).all()
    lag = (setl - end).astype(int)
    assert ((lag >= 0) | refund).all() and (lag <= 8).all()
    assert 0 < refund.mean() < 0.01
    invalid = np.asarray(d["vali_flag"]) == "0"
    assert 0 < invalid.mean() < 0.01
    # every pay way is a code; DRG cases carry drg_std / itemized / special / bed_day
    assert set(d["setl_pay_way"].to_pylist()) <= {"drg_std", "itemized", "special", "bed_day", "none"}
    # local and 异地 rows exist in both directions
    fix_adm = np.asarray(d["fix_blng_admdvs"])
    insu_adm = np.asarray(d["insu_admdvs"])
    assert ((fix_adm != "140400") & (insu_adm == "140400")).any()
    assert ((fix_adm == "140400") & (insu_adm != "140400")).any()
    local_codes = set(region.read("fixmedins")["fixmedins_code"].to_pylist())
    foreign = set(np.asarray(d["fixmedins_code"])[fix_adm != "140400"])
    assert not (foreign & local_codes)
    assert set(np.asarray(d["fixmedins_code"])[fix_adm == "140400"]) <= local_codes


def test_refunds_mirror_their_original(region):
    d = region.read("setl_d", region.cfg.periods[3])
    rows = d.select(["mdtrt_id", "refd_setl_flag", "medfee_sumamt", "hifp_pay", "setl_time"]).to_pylist()
    by = {}
    for r in rows:
        by.setdefault(r["mdtrt_id"], []).append(r)
    refunds = [r for r in rows if r["refd_setl_flag"] == "1"]
    assert refunds
    for r in refunds:
        orig = [o for o in by[r["mdtrt_id"]] if o["refd_setl_flag"] == "0"]
        assert len(orig) == 1
        assert r["medfee_sumamt"] == "-" + orig[0]["medfee_sumamt"]
        assert r["setl_time"] > orig[0]["setl_time"]


def test_list_fee_special_consistency(region, to_fen):
    period = region.cfg.periods[8]
    d = region.read("setl_d", period)
    lst = region.read("setl_list", period)
    fee = region.read("setl_fee", period)
    setl = {r["setl_id"]: r for r in d.select(["setl_id", "begndate", "enddate", "medfee_sumamt",
                                                "fulamt_ownpay_amt", "med_type", "refd_setl_flag"]).to_pylist()}
    for r in lst.to_pylist():
        s = setl[r["setl_id"]]
        assert s["med_type"] in ("21", "22", "24", "28", "52") and s["refd_setl_flag"] == "0"
        assert r["adm_time"][:10] == s["begndate"] and r["dscg_time"][:10] == s["enddate"]
        days = (date.fromisoformat(s["enddate"]) - date.fromisoformat(s["begndate"])).days
        assert int(r["act_ipt_days"]) == max(1, days)
        assert r["adm_time"] < r["dscg_time"]
        if r["upld_time"]:
            assert r["upld_time"] > r["dscg_time"]
    sums: dict[str, int] = {}
    own: dict[str, int] = {}
    for sid, a, o in zip(fee["setl_id"].to_pylist(), to_fen(fee["item_sumamt"]).to_pylist(),
                         to_fen(fee["item_ownpay_amt"]).to_pylist()):
        sums[sid] = sums.get(sid, 0) + a
        own[sid] = own.get(sid, 0) + o
    for sid, total in sums.items():
        s = setl[sid]
        assert total == int(s["medfee_sumamt"].replace(".", ""))
        assert own[sid] == int(s["fulamt_ownpay_amt"].replace(".", ""))
    sp = region.read("special_case")
    assert sp.num_rows > 0
    for r in sp.to_pylist():
        assert r["audit_result"] in ("0", "1", "")
        if r["audit_date"]:
            assert r["audit_date"] >= r["apply_date"]


def test_config_is_checked():
    import pytest

    from liangjiadi.errors import ConfigError

    for bad in (dict(region="1404"), dict(end_month="2025-13"), dict(months=0), dict(fmt="json"),
                dict(encoding="latin-1"), dict(fmt="xlsx", scale=1.0)):
        with pytest.raises(ConfigError):
            SynthConfig(**bad)
    cfg = SynthConfig(months=24, end_month="2025-12")
    assert cfg.periods[0] == "2024-01" and cfg.periods[-1] == "2025-12"
    assert cfg.baseline_periods[-1] == "2024-12" and cfg.affected_periods[0] == "2025-01"
    assert SynthConfig(scale=1.0).insured == 1_000_000
