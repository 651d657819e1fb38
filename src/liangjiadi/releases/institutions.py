"""The institution directory a release freezes (indicators/institutions.py reads it from the
lake at `release create`); a release's documents read the frozen copy (institutions.json)."""

from __future__ import annotations

from ..schema.institution import Institution

__all__ = ["Institution", "hospitals", "institutions_from_rows"]


def institutions_from_rows(rows: list[dict]) -> dict[str, Institution]:
    """The frozen directory (institutions.json rows) as Institution records."""
    return {r["code"]: Institution.from_row(r) for r in rows}


def hospitals(results, directory: dict[str, Institution]) -> list[str]:
    """Institutions with results (a RESULT_SCHEMA table) that are hospitals: those the directory
    lists as 医疗机构 (type 1) or does not list (pharmacies have none of these indicators)."""
    codes = {r["fixmedins_code"] for r in results.select(["scope", "fixmedins_code"]).to_pylist()
             if r["scope"] != "region" and r["fixmedins_code"]}
    return sorted(c for c in codes if directory.get(c) is None or directory[c].fixmedins_type in (None, "1"))
