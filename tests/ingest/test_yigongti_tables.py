"""The 县域医共体 input tables (seeds/003; docs/yigongti.md) go through the same validation and
quarantine as every other table: a bad row is quarantined with file, line, column and rule; the
good rows reach the lake; the person table's psn_no is pseudonymised."""

from __future__ import annotations

from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest.rules import RULES

from .conftest import REGION, lake_rows, read_quarantine, write_csv


def _one(rep):
    assert len(rep.files) == 1
    return rep.files[0]


def test_yigongti_table_good_and_bad_rows(settings, tmp_path):
    rows = [
        {"yigongti_id": "Y1", "yigongti_name": "甲县医共体", "county_admdvs": "140421", "lead_fixmedins_code": "H001",
         "members": "H001;H002", "tight_since": "2024-01"},
        {"yigongti_id": "Y2", "yigongti_name": "乙县医共体", "county_admdvs": "14042X", "lead_fixmedins_code": "H003",
         "members": "", "tight_since": ""},
    ]
    path = write_csv(tmp_path / "in" / "yigongti.csv", rows)
    res = _one(ingest_paths([path], settings))
    assert res.rows_accepted == 1 and res.rows_quarantined == 1
    hit = read_quarantine(res.quarantine_file)[0]
    assert hit["行号"] == "3" and hit["列名"] == "county_admdvs" and "yigongti.csv" in hit["说明"]
    got = lake_rows(settings.workdir, "yigongti")
    assert [r["yigongti_id"] for r in got] == ["Y1"] and got[0]["admdvs"] == REGION


def test_person_table_is_pseudonymised(settings, tmp_path):
    path = write_csv(tmp_path / "in" / "yigongti_person.csv",
                     [{"psn_no": "P0001", "county_admdvs": "140421"}, {"psn_no": "P0002", "county_admdvs": "140423"}])
    res = _one(ingest_paths([path], settings))
    assert res.rows_accepted == 2
    got = lake_rows(settings.workdir, "yigongti_person")
    assert {r["psn_no"] for r in got}.isdisjoint({"P0001", "P0002"})


def test_satisfaction_part_exceeds_total(settings, tmp_path):
    rows = [{"yigongti_id": "Y1", "year": "2025", "surveyed_cnt": "100", "satisfied_cnt": "90"},
            {"yigongti_id": "Y2", "year": "2025", "surveyed_cnt": "10", "satisfied_cnt": "11"}]
    path = write_csv(tmp_path / "in" / "yigongti_satisfaction.csv", rows)
    res = _one(ingest_paths([path], settings))
    assert res.rows_accepted == 1 and res.rule_counts.get("part_exceeds_total") == 1


def test_bureau_item_code_checked(settings, tmp_path):
    rows = [{"yigongti_id": "Y1", "year": "2025", "item": "overspend_price", "amount": "1000.00"},
            {"yigongti_id": "Y1", "year": "2025", "item": "because", "amount": "5.00"}]
    path = write_csv(tmp_path / "in" / "yigongti_bureau.csv", rows)
    res = _one(ingest_paths([path], settings))
    assert res.rows_accepted == 1 and res.rows_quarantined == 1
    assert RULES  # the rule named in the quarantine is one of the contract's
    assert read_quarantine(res.quarantine_file)[0]["列名"] == "item"


def test_unknown_fixmedins_checks_the_regions_counties(fixmedins_loaded, tmp_path):
    """A settlement at an unknown institution of a configured county is quarantined like one of the
    region's own code (region_county_admdvs); without the setting the county counts as elsewhere."""
    from .conftest import SETL_COLS, setl_row

    rows = [setl_row(1, fixmedins_code="X123", fix_blng_admdvs="140421"), setl_row(2)]
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    with_counties = fixmedins_loaded.model_copy(update={"region_county_admdvs": ["140421"]})
    res = _one(ingest_paths([path], with_counties))
    assert res.rows_accepted == 1 and res.rule_counts.get("unknown_fixmedins") == 1
    res = _one(ingest_paths([path], fixmedins_loaded))
    assert res.rows_accepted == 2


def test_referral_marks_need_their_settlement_and_a_flag(settings, tmp_path):
    """yigongti_referral (连续计算起付线): a mark on a settlement the lake does not hold, or with a
    flag other than 0/1, is quarantined; the good mark takes its settlement's month."""
    from liangjiadi.lake import write_rows

    write_rows(settings.workdir, "setl_d", [{
        "setl_id": "S1", "mdtrt_id": "M1", "psn_no": "tok", "insutype": "390", "med_type": "21",
        "fixmedins_code": "H001", "fix_blng_admdvs": REGION, "insu_admdvs": "140421",
        "setl_time": "2025-03-15 10:00:00", "medfee_sumamt": 100, "fulamt_ownpay_amt": 0, "inscp_scp_amt": 0,
        "hifp_pay": 50, "fund_pay_sumamt": 50, "refd_setl_flag": "0", "vali_flag": "1"}], REGION)
    rows = [{"setl_id": "S1", "refl_out_fixmedins_code": "H002", "cont_dedc_flag": "1"},
            {"setl_id": "S404", "refl_out_fixmedins_code": "", "cont_dedc_flag": "1"},
            {"setl_id": "S1x", "refl_out_fixmedins_code": "", "cont_dedc_flag": "是"}]
    path = write_csv(tmp_path / "in" / "yigongti_referral.csv", rows)
    res = _one(ingest_paths([path], settings))
    assert res.rows_accepted == 1 and res.rows_quarantined == 2
    got = lake_rows(settings.workdir, "yigongti_referral")
    assert [(r["setl_id"], r["period"]) for r in got] == [("S1", "2025-03")]
