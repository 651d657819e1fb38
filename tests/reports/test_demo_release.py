"""`liangjiadi demo` ends with a published monthly and quarterly release holding every file."""

from __future__ import annotations

from liangjiadi.config import Settings
from liangjiadi.releases import list_releases
from liangjiadi.releases.store import dispose_engines


def test_demo_publishes_monthly_and_quarterly_releases(demo):
    assert demo.exit_code == 0, demo.output
    assert "发布完成" in demo.output
    work = demo.workdir
    settings = Settings(workdir=work, region_admdvs="140400")
    try:
        published = {r.kind.value: r for r in list_releases(settings, state="published")}
    finally:
        dispose_engines()
    assert set(published) == {"monthly", "quarterly"}
    for kind, release in published.items():
        files = {f["path"] for f in release.files()}
        assert any(p.endswith(".docx") and "定向推送" not in p for p in files), kind
        assert any(p.endswith(".html") and "定向推送" not in p for p in files), kind
        pushes = [p for p in files if p.startswith("reports/定向推送/") and p.endswith(".docx")]
        assert len(pushes) >= 3, kind
        assert "reports/static/echarts.min.js" in files
        assert len(release.approvers) >= release.approvals_needed
    out = work / "outputs" / "发布材料"
    assert (out / "monthly-2025-12-v1" / "月推送_140400_2025-12.docx").exists()
    assert (out / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx").exists()


def test_quarterly_report_forecast_is_the_fund_outlooks(demo):
    """Issue 9: the report's forecast figures and warnings are those of `liangjiadi analyse fund`."""
    import docx

    from liangjiadi.analysis.fund_outlook import fund_outlook
    from liangjiadi.reports import narrative as N

    assert demo.exit_code == 0, demo.output
    work = demo.workdir
    outlook = fund_outlook(Settings(workdir=work, region_admdvs="140400"), "2025-12")
    dispose_engines()
    path = work / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx"
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "liangjiadi analyse fund" in text
    for w in outlook.warnings:
        assert w.rstrip("。") + "。" in text
    for b in outlook.balances:
        assert f"{b.label}累计结余{N.money(float(b.balance_cumulative))}" in text
    for f in outlook.forecasts:
        if f.balance_12m is not None:
            assert f"{f.label}" in text and N.money(f.balance_12m) in text
    total = sum(f.balance_12m for f in outlook.forecasts if f.balance_12m is not None)
    assert f"收支差{N.money(total)}" in text
