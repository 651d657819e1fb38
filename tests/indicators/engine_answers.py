"""The demo region's detection and 复核 answers on a given engine, in a form two engines'
answers can be compared with == (the cluster and Spark Connect tests compare them with DuckDB's)."""

from __future__ import annotations

PERIOD = "2025-12"


def findings(work, **settings):
    """(every finding, every detector's coverage), sorted."""
    from liangjiadi.anomalies.runner import run_detection
    from liangjiadi.config import Settings

    run = run_detection(PERIOD, Settings(workdir=work, **settings), save=False)
    rows = sorted((r["pattern"], r["fixmedins_code"] or "", r["subject"] or "", r["severity"], r["message"])
                  for r in run.findings.to_pylist())
    return rows, sorted((c.pattern, c.status, c.findings) for c in run.coverage)


def checks(work, **settings):
    """Every check's rows (id, institution, indicators, status, observed), sorted."""
    from liangjiadi.checks import run_checks
    from liangjiadi.config import Settings

    report = run_checks(PERIOD, Settings(workdir=work, **settings), save=False)
    return sorted((r["check_id"], r.get("fixmedins_code") or "", str(r.get("indicator_ids") or ""), r["status"],
                   str(r.get("observed"))) for r in report.rows)
