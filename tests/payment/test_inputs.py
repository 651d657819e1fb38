"""The optional payment inputs go through ingest's validation like every table: bad rows are
quarantined with file, line, column and rule; good rows reach the lake."""

from liangjiadi.config import Settings
from liangjiadi.ingest import ingest_paths
from liangjiadi.lake import partitions


def test_payment_inputs_validated(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "pay_coef.csv").write_text(
        "admdvs,year,fixmedins_code,adj_coef\n140400,2025,H1,1.05\n140400,2025,H2,abc\n", encoding="utf-8")
    (src / "bed_day_rate.csv").write_text(
        "admdvs,year,pay_level,day_rate\n140400,2025,2,300\n140400,2025,9,300\n", encoding="utf-8")
    (src / "day_surgery.csv").write_text(
        "admdvs,year,grp_type,grp_code,pay_std\n140400,2025,DRG,GD19,\n140400,2025,XYZ,FF39,5000\n",
        encoding="utf-8")
    settings = Settings(workdir=tmp_path / "work", region_admdvs="140400",
                        pseudonym_key="k" * 40)
    report = ingest_paths([src], settings, replace=True)
    assert report.rows_accepted == 3 and report.rows_quarantined == 3
    for table in ("pay_coef", "bed_day_rate", "day_surgery"):
        assert partitions(tmp_path / "work", table) == [("140400", "2025")]
    quarantined = "".join(p.read_text(encoding="utf-8-sig")
                          for p in (tmp_path / "work" / "quarantine").rglob("*.csv"))
    assert "pay_coef.csv 第 3 行，列 adj_coef" in quarantined
    assert "不在代码表 pay_level 中" in quarantined and "不在代码表 grp_type 中" in quarantined


def test_assessment_inputs_validated(tmp_path):
    """setl_diag, oprn_grade and patient_satisfaction: bad rows quarantined with file, line, column
    and rule like every optional table; the good rows reach the lake."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "fixmedins.csv").write_text(
        "fixmedins_code,fixmedins_name,fixmedins_type,hosp_lv,admdvs\nH1,甲医院,1,01,140400\n", encoding="utf-8")
    (src / "setl_d.csv").write_text(
        "setl_id,mdtrt_id,psn_no,insutype,med_type,fixmedins_code,fix_blng_admdvs,insu_admdvs,begndate,enddate,"
        "setl_time,medfee_sumamt,fulamt_ownpay_amt,inscp_scp_amt,hifp_pay,fund_pay_sumamt,psn_part_amt,refd_setl_flag\n"
        "S1,M1,P1,310,21,H1,140400,140400,2025-03-01,2025-03-05,2025-03-05 10:20:30,1000.25,10.00,900.10,600.5,"
        "650,300.05,0\n", encoding="utf-8")
    (src / "setl_diag.csv").write_text(
        "setl_id,diag_code,maindiag_flag,adm_cond_type\nS1,I63.9,1,1\nS1,J18.9,0,4\nS1,K29.7,0,7\nS9,I10,0,1\n",
        encoding="utf-8")
    (src / "oprn_grade.csv").write_text("oprn_code,oprn_grade,oprn_name\n36.0601,4,冠状动脉支架置入\n47.0901,5,阑尾切除\n",
                                        encoding="utf-8")
    (src / "patient_satisfaction.csv").write_text(
        "admdvs,year,fixmedins_code,surveyed_cnt,satisfied_cnt\n140400,2025,H1,100,90\n140400,2025,H2,50,60\n",
        encoding="utf-8")
    settings = Settings(workdir=tmp_path / "work", region_admdvs="140400", pseudonym_key="k" * 40)
    ingest_paths([src], settings, replace=True)
    quarantined = "".join(p.read_text(encoding="utf-8-sig")
                          for p in (tmp_path / "work" / "quarantine").rglob("*.csv"))
    assert "setl_diag.csv 第 4 行，列 adm_cond_type" in quarantined and "不在代码表 adm_cond 中" in quarantined
    assert "setl_diag.csv 第 5 行" in quarantined  # S9: no settlement to link to
    assert "oprn_grade.csv 第 3 行，列 oprn_grade" in quarantined
    assert "patient_satisfaction.csv 第 3 行" in quarantined  # 满意 60 > 调查 50
    assert partitions(tmp_path / "work", "setl_diag") == [("140400", "2025-03")]
    assert partitions(tmp_path / "work", "patient_satisfaction") == [("140400", "2025")]
    assert partitions(tmp_path / "work", "oprn_grade")
