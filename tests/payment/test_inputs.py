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
