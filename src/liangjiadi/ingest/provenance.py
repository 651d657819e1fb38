"""Provenance: a file's fingerprint and the append-only log of every file ever loaded."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from .report import FileResult, LoadReport

PROVENANCE_FILE = "provenance.jsonl"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def append(workdir: Path, results: list[FileResult]) -> Path:
    """One JSON line per file; never rewritten, so earlier loads stay on record."""
    path = Path(workdir) / PROVENANCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
    return path


def write_report(report: LoadReport, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "load_report.json"
    path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return path


def read_log(workdir: Path) -> list[dict]:
    path = Path(workdir) / PROVENANCE_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
