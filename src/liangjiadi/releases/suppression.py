"""Small-count suppression (小数抑制): a count of 1..threshold-1 persons is shown as "<threshold".

A handful of persons at one hospital in one month can be recognised by the hospital's own
staff, so published copies never show such counts. Zero stays zero (it identifies nobody).
Renderers call `suppress_count` / `suppress_columns` on every person count they print;
the release bundle applies `suppress_findings` to the findings' evidence when it is frozen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from numbers import Number

import pyarrow as pa

from ..config import Settings

PERSON_COUNT_SUFFIXES = ("_persons", "_psn_count", "_patients")


def suppressed_label(threshold: int) -> str:
    return f"<{threshold}"


def is_small_count(value, threshold: int = 5) -> bool:
    """The one small-count rule: a number from 1 to threshold-1 (zero identifies nobody)."""
    if isinstance(value, bool) or not isinstance(value, Number) or value != value:  # NaN stays
        return False
    return 0 < value < threshold


def suppress_count(value, threshold: int = 5):
    """The value itself, or "<threshold" when it is a count from 1 to threshold-1."""
    return suppressed_label(threshold) if is_small_count(value, threshold) else value


def small_figure(unit: str | None, value, denominator, threshold: int = 5) -> str | None:
    """Why an indicator figure is not shown, or None: a count of 1..threshold-1 (shown "<threshold")
    or a rate, average or index computed over 1..threshold-1 cases (its denominator) — the same
    rule as `suppress_count`, applied to the cases a figure comes from."""
    if unit == "count" and is_small_count(value, threshold):
        return suppressed_label(threshold)
    if unit != "count" and is_small_count(denominator, threshold):
        return f"不足{threshold}例"
    return None


def is_person_count_key(key: str, person_keys: Iterable[str]) -> bool:
    key = key.lower()
    return key in {k.lower() for k in person_keys} or key.endswith(PERSON_COUNT_SUFFIXES)


def suppress_evidence(evidence: dict, person_keys: Iterable[str], threshold: int = 5) -> tuple[dict, list[str]]:
    """Evidence with person counts suppressed, and the keys that were replaced."""
    person_keys = list(person_keys)
    out, replaced = {}, []
    for key, value in evidence.items():
        if isinstance(value, dict):
            out[key], inner = suppress_evidence(value, person_keys, threshold)
            replaced += [f"{key}.{k}" for k in inner]
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            # a merged 线索 keeps each pattern's evidence as a list (anomalies/merging.py)
            out[key] = []
            for i, v in enumerate(value):
                if isinstance(v, dict):
                    v, inner = suppress_evidence(v, person_keys, threshold)
                    replaced += [f"{key}[{i}].{k}" for k in inner]
                out[key].append(v)
        elif is_person_count_key(key, person_keys):
            out[key] = suppress_count(value, threshold)
            if out[key] != value:
                replaced.append(key)
        else:
            out[key] = value
    return out, replaced


def suppress_findings(findings: pa.Table, settings: Settings) -> tuple[pa.Table, int]:
    """The findings table with person counts in `evidence` suppressed; and how many were."""
    if "evidence" not in findings.column_names or findings.num_rows == 0:
        return findings, 0
    replaced = 0
    texts = []
    for text in findings["evidence"].to_pylist():
        if not text:
            texts.append(text)
            continue
        evidence, keys = suppress_evidence(json.loads(text), settings.person_count_keys,
                                           settings.small_count_threshold)
        replaced += len(keys)
        texts.append(json.dumps(evidence, ensure_ascii=False, sort_keys=True, default=str))
    index = findings.column_names.index("evidence")
    return findings.set_column(index, findings.schema.field(index), pa.array(texts, pa.string())), replaced


def suppress_columns(table: pa.Table, columns: Iterable[str], threshold: int = 5) -> pa.Table:
    """A table whose person-count columns become text with small counts shown as "<threshold".

    For renderers: call it on the table about to be printed, naming the columns that count persons.
    """
    for name in columns:
        if name not in table.column_names:
            continue
        index = table.column_names.index(name)
        shown = [None if v is None else str(suppress_count(v, threshold)) for v in table[name].to_pylist()]
        table = table.set_column(index, pa.field(name, pa.string()), pa.array(shown, pa.string()))
    return table
