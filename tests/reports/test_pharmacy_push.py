"""Pharmacies are institutions too (issue 12 item 5): their own 医保结算 in contents.json, checked
against the lake; their own 定向推送 (47, 57 and their own figures) in every demo release."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines

REGION = "140400"
Q4 = ["2025-10", "2025-11", "2025-12"]
MONTHLY = "140400-monthly-2025-12-v1"


@pytest.fixture(scope="module")
def settings(demo) -> Settings:
    assert demo.exit_code == 0, demo.output
    return Settings(workdir=demo.workdir, region_admdvs=REGION)


@pytest.fixture(scope="module")
def quarter(settings) -> dict:
    from liangjiadi.analysis.contents import release_contents

    return release_contents(settings, REGION, Q4)["pharmacies"]


def _lake(settings: Settings, table: str) -> str:
    return f"read_parquet('{Path(settings.workdir) / 'lake' / table}/**/*.parquet', union_by_name=true)"


def test_each_pharmacys_settlement_is_the_lakes(settings, quarter):
    lake = duckdb.connect().execute(
        f"SELECT s.fixmedins_code, sum(s.medfee_sumamt), sum(s.fund_pay_sumamt), "
        f"sum(CASE WHEN coalesce(s.refd_setl_flag, '0') = '0' THEN 1 ELSE 0 END) "
        f"FROM {_lake(settings, 'setl_d')} s WHERE s.period IN {tuple(Q4)} AND coalesce(s.vali_flag, '1') = '1' "
        f"AND s.fix_blng_admdvs = '{REGION}' AND s.fixmedins_code IN "
        f"(SELECT fixmedins_code FROM {_lake(settings, 'fixmedins')} WHERE fixmedins_type = '2') GROUP BY 1").fetchall()
    expected = {c: (Decimal(str(m)), Decimal(str(f)), n) for c, m, f, n in lake}
    rows = {r["code"]: r for r in quarter["rows"]}
    assert set(rows) == set(expected) and len(rows) >= 6
    for code, (medfee, fund, visits) in expected.items():
        r = rows[code]
        assert (Decimal(str(r["medfee"])), Decimal(str(r["fund"])), r["visits"]) == (
            medfee.quantize(Decimal("0.01")), fund.quantize(Decimal("0.01")), visits), code
        assert sum(m["visits"] for m in r["monthly"]) == visits and [m["period"] for m in r["monthly"]] == Q4
        assert Decimal(str(r["per_visit"])) == (Decimal(str(r["medfee"])) / visits).quantize(Decimal("0.01"))
    per_visit = sorted(Decimal(str(r["per_visit"])) for r in rows.values())
    n = len(per_visit)
    middle = per_visit[n // 2] if n % 2 else (per_visit[n // 2 - 1] + per_visit[n // 2]) / 2
    assert Decimal(str(quarter["median_per_visit"])) == middle.quantize(Decimal("0.01"))
    assert quarter["total"]["visits"] == sum(r["visits"] for r in rows.values())


def test_with_fewer_than_six_pharmacies_no_median_is_shown():
    from liangjiadi.analysis.contents import _pharmacies

    setl = [{"fixmedins_code": f"P{i}", "linst": "1", "period": "2025-12", "kind": "pharm", "n": 10 * (i + 1),
             "medfee": 100 * (i + 1), "fund": 10, "hifp": 8, "acct": 50} for i in range(5)]
    block = _pharmacies(setl, ["2025-12"], {f"P{i}": "2" for i in range(5)}, {})
    assert block["peers"] == 5 and block["median_per_visit"] is None
    assert _pharmacies(setl + [dict(setl[0], fixmedins_code="P9")], ["2025-12"],
                       {**{f"P{i}": "2" for i in range(5)}, "P9": "2"}, {})["median_per_visit"] == Decimal("10.00")


def test_every_pharmacy_gets_its_push_in_the_release(settings):
    import docx

    from liangjiadi.releases import get_release

    try:
        release = get_release(MONTHLY, settings)
        contents = release.bundle_dir / "contents.json"
        files = {f["path"] for f in release.files()}
        import json

        block = json.loads(contents.read_text(encoding="utf-8"))["pharmacies"]
        row = block["rows"][0]
        push = release.bundle_dir / "reports" / "定向推送" / f"{row['code']}.docx"
        assert f"reports/定向推送/{row['code']}.docx" in files and f"reports/定向推送/{row['code']}.html" in files
        text = "\n".join(p.text for p in docx.Document(push).paragraphs)
        tables = "\n".join(c.text for t in docx.Document(push).tables for r in t.rows for c in r.cells)
    finally:
        dispose_engines()
    assert "定点零售药店" in text and "三、本店医保结算情况" in text and "二、定点零售药店相关指标" in text
    assert "千人口定点零售药店数" in tables and f"{row['visits']:,}人次" in tables
    assert "本院" not in text + tables  # a pharmacy is not addressed as a hospital
