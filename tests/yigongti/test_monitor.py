"""Monitoring (seeds/003 四): 基金运行 against the budget with warnings, 县域外住院 trend, and the
members' signals reusing the detectors' stored findings."""

from __future__ import annotations

from decimal import Decimal as D

import pyarrow.parquet as pq
import pytest

from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.yigongti import service
from liangjiadi.yigongti.monitor import monitor
from liangjiadi.yigongti.rules import Rules

from . import handbuilt as hb


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    work = hb.build(tmp_path_factory.mktemp("ygt"))
    found = [Finding(pattern="low_standard_admission", period="2025-03", severity="medium", message="低标准入院偏多",
                     fixmedins_code="L1"),
             Finding(pattern="readmission_15d", period="2025-03", severity="low", message="再入院", fixmedins_code="K1"),
             Finding(pattern="cost_deviation", period="2025-03", severity="low", message="费用偏离", fixmedins_code="M1")]
    out = run_dir(work, "findings", hb.R, "2025-03")
    out.mkdir(parents=True)
    pq.write_table(findings_table(found, "20250401T000000Z-aaaaaa"), out / "20250401T000000Z-aaaaaa.parquet")
    return service.load_year(hb.settings(work), hb.YEAR)


def test_fund_run_against_budget(data):
    rb = service.budget(data)
    mon = service.monitoring(data, rb)["Y1"]
    jan = mon.months[0]
    # January: 域内 a1 6000; cumulative 6000 of 29659.31 = 20.23% against 1/12 elapsed
    assert (jan.period, jan.inside, jan.outside, jan.cumulative) == ("2025-01", D("6000.00"), D("0.00"), D("6000.00"))
    assert jan.execution == D("0.2023")
    assert any(w.startswith("2025-01：基金支出进度") for w in mon.warnings)
    # 1..12: 域内 12330 + 域外 21400 = 33730 > budget: the 超支风险 warning
    assert mon.projected == D("33730.00")
    assert any(w.startswith("超支风险") for w in mon.warnings)


def test_outside_discharges_trend(data):
    mon = service.monitoring(data, None)["Y1"]
    aug = next(m for m in mon.months if m.period == "2025-08")
    assert (aug.outside_discharges, aug.outside_discharges_last_year) == (1, 0)
    jun_before = data.flows.total("Y1", periods=["2024-06"], kinds=("ipt",), places=("region", "outside")).n
    assert jun_before == 1  # b2 at K1


def test_member_signals_reuse_findings(data):
    mon = service.monitoring(data, None)["Y1"]
    kinds = {(s["member"], s["kind"]) for s in mon.signals}
    assert ("L1", "降低医疗服务标准（低标准入院）") in kinds
    assert all(s["member"] in {"L1", "M1"} for s in mon.signals)  # K1 is not a member; cost_deviation not a signal
    assert any("成员单位 L1" in w for w in mon.warnings)


def test_referral_out_signal():
    """A member whose discharges fall by a fifth while the 县域外 discharges rise."""
    from liangjiadi.yigongti.flows import Flow, Flows
    from liangjiadi.yigongti.units import Unit

    u = Unit("Y", "Y", "140421", "L", frozenset({"L"}), "2024-01")
    f = Flows()
    f.cells[("Y", "2025-03", "outside", "ipt", False)] = Flow(n=5)
    f.cells[("Y", "2024-03", "outside", "ipt", False)] = Flow(n=2)
    f.cells[("Y", "2025-03", "member", "ipt", False)] = Flow(n=8)
    f.member_discharges = {("L", "2025-03"): 8, ("L", "2024-03"): 10}
    mon = monitor(u, 2025, D(0), f, Rules(), [])
    assert [s["kind"] for s in mon.signals] == ["推诿 / 转外就医"]
    f.member_discharges[("L", "2025-03")] = 9  # a fall of 10%: no signal
    assert monitor(u, 2025, D(0), f, Rules(), []).signals == []
    f.member_discharges = {("L", "2025-03"): 0, ("L", "2024-03"): 4}  # too few a year earlier: noise
    assert monitor(u, 2025, D(0), f, Rules(), []).signals == []
