"""The demo region's detection and 复核 answers on the engine its settings name, in a form two
engines' answers can be compared with == (the cluster, Spark Connect and partition tests compare
Spark's with DuckDB's)."""

from __future__ import annotations

PERIOD = "2025-12"


def findings(settings):
    """(every finding, every detector's coverage), sorted."""
    from liangjiadi.anomalies.runner import run_detection

    run = run_detection(PERIOD, settings, save=False)
    rows = sorted((r["pattern"], r["fixmedins_code"] or "", r["subject"] or "", r["severity"], r["message"])
                  for r in run.findings.to_pylist())
    return rows, sorted((c.pattern, c.status, c.findings) for c in run.coverage)


def checks(settings):
    """Every check's rows (id, institution, indicators, status, observed), sorted."""
    from liangjiadi.checks import run_checks

    report = run_checks(PERIOD, settings, save=False)
    return sorted((r["check_id"], r.get("fixmedins_code") or "", str(r.get("indicator_ids") or ""), r["status"],
                   str(r.get("observed"))) for r in report.rows)
