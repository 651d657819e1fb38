"""The frozen bundle of one release version: its files, their sha256 and the manifest.

Layout (`<workdir>/releases/<admdvs>/<kind>/<period>/v<N>/`):

    manifest.json          what the bundle holds and where it came from (not in its own file list)
    results.parquet        the frozen results run (RESULT_SCHEMA)
    check_report.parquet   the frozen 复核 report (+ .md and .csv, as `liangjiadi check` wrote them)
    findings.parquet       the frozen findings run, person counts 1..threshold-1 shown as "<threshold"
    institutions.json, history.parquet, series.json, peers.json, fund_forecast.json, fund_outlook.json,
    topics.json, topic_analysis.json, feedback.yaml, patterns.json, indicators.json, context.json,
    window.json, window_results.parquet, window_last_year.parquet (quarterly and annual)
    publication.json       the publication rules: audience, internal-only indicators left out, threshold
                           everything else the documents show, computed at `release create`
                           (releases/snapshot.py)
    reports/...            rendered files attached later (docx, xlsx, html ...)
    changes.json           only in a revision: what changed against the previous version, and why

The content hash is the sha256 of the lines `<sha256>  <path>\\n` of every listed file, sorted
by path (the `sha256sum` format), so it changes when any file's bytes, name or presence change.
The data hash is the same over the frozen data only (not reports/ nor changes.json): it does not
change when rendered documents are attached, so every document prints it as its data fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import BundleIntegrityError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "liangjiadi-release/1"
REPORTS_DIR = "reports"
CHANGES = "changes.json"

ROLE_CN = {"results": "计算结果", "check_report": "复核报告", "findings": "疑点线索", "report": "发布材料",
           "changes": "修订说明", "institutions": "机构目录", "history": "历史结果（24个月）", "series": "趋势序列",
           "peers": "同级比较", "fund_forecast": "基金预测", "fund_outlook": "基金运行分析", "topics": "专题记录",
           "topic_analysis": "专题分析", "feedback": "上期意见", "objections": "上期异议及答复", "letters": "提醒函办理情况", "patterns": "疑点类型", "indicators": "指标目录", "context": "冻结说明",
           "coverage": "检测范围", "window": "窗口说明", "window_results": "窗口结果（季度/年度）",
           "window_last_year": "上年同期窗口结果", "publication": "发布规则（受众、内部指标、小数抑制）"}
NOT_DATA_ROLES = {"report", "changes"}


def releases_root(workdir: Path) -> Path:
    return Path(workdir) / "releases"


def bundle_path(workdir: Path, admdvs: str, kind: str, period_key: str, version: int) -> Path:
    return releases_root(workdir) / admdvs / kind / period_key / f"v{version}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(files: list[dict]) -> str:
    lines = "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(files, key=lambda f: f["path"]))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def data_hash(files: list[dict]) -> str:
    """The content hash of the frozen data alone (see the module docstring)."""
    return content_hash([f for f in files if role_of(f["path"]) not in NOT_DATA_ROLES])


def role_of(relative: str) -> str:
    if relative.startswith(REPORTS_DIR + "/"):
        return "report"
    if relative == CHANGES:
        return "changes"
    return relative.split(".")[0]


def list_files(bundle: Path) -> list[dict]:
    """Every file of the bundle except the manifest, with its sha256 and size."""
    files = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        relative = path.relative_to(bundle).as_posix()
        if relative == MANIFEST:
            continue
        files.append({"path": relative, "sha256": sha256_file(path), "bytes": path.stat().st_size,
                      "role": role_of(relative)})
    return files


def write_manifest(bundle: Path, header: dict) -> dict:
    """(Re)write the manifest from the files present; returns it."""
    files = list_files(bundle)
    manifest = {"format": MANIFEST_FORMAT, **header, "files": files, "content_hash": content_hash(files),
                "data_hash": data_hash(files)}
    (bundle / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                                   encoding="utf-8")
    return manifest


def read_manifest(bundle: Path) -> dict:
    path = bundle / MANIFEST
    if not path.exists():
        raise BundleIntegrityError(f"发布包缺少清单文件：{path}", "发布包不完整，请勿手工改动 releases/ 目录")
    return json.loads(path.read_text(encoding="utf-8"))


def integrity_problems(bundle: Path, expected_hash: str | None = None) -> list[str]:
    """Chinese descriptions of every difference between the bundle and its manifest."""
    manifest = read_manifest(bundle)
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    present = {f["path"]: f["sha256"] for f in list_files(bundle)}
    problems = [f"文件缺失：{p}" for p in sorted(listed.keys() - present.keys())]
    problems += [f"清单外多出文件：{p}" for p in sorted(present.keys() - listed.keys())]
    problems += [f"文件内容已改变（sha256 不符）：{p}" for p in sorted(listed.keys() & present.keys())
                 if listed[p] != present[p]]
    if content_hash(manifest["files"]) != manifest["content_hash"]:
        problems.append("清单中的内容哈希与文件哈希列表不符")
    if "data_hash" in manifest and data_hash(manifest["files"]) != manifest["data_hash"]:
        problems.append("清单中的数据哈希与文件哈希列表不符")
    if expected_hash and manifest["content_hash"] != expected_hash:
        problems.append("清单中的内容哈希与数据库记录不符")
    return problems


def make_read_only(bundle: Path) -> None:
    """A published bundle is not to be edited: drop the files' write bits (a guard, not security;
    `integrity_problems` is what detects a change)."""
    for path in (p for p in bundle.rglob("*") if p.is_file()):
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def copy_frozen(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def install_bundle(staging: Path, final: Path) -> None:
    """Move a fully written staging directory into place in one step."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise BundleIntegrityError(f"发布包目录已存在：{final}", "同一版本不能重复生成；如需更新请修订（revise）")
    os.replace(staging, final)


# ---- differences between two versions ------------------------------------------------------


def _values(table: pa.Table) -> dict[tuple[str, str, str], dict]:
    out = {}
    for row in table.select(["indicator_id", "scope", "fixmedins_code", "value", "note"]).to_pylist():
        out[(row["indicator_id"], row["scope"], row["fixmedins_code"] or "")] = row
    return out


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def results_diff(old: pa.Table, new: pa.Table) -> list[dict]:
    """Each indicator value (by indicator and institution) that differs, appeared or disappeared."""
    before, after = _values(old), _values(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        old_value = _text(a["value"]) if a else None
        new_value = _text(b["value"]) if b else None
        if a and b and old_value == new_value and (a["note"] or "") == (b["note"] or ""):
            continue
        change = "changed" if a and b else ("added" if b else "removed")
        changes.append({"indicator_id": key[0], "scope": key[1], "fixmedins_code": key[2] or None,
                        "change": change, "old": old_value, "new": new_value})
    return changes


def files_diff(old_files: list[dict], new_files: list[dict]) -> dict[str, list[str]]:
    ignore = {CHANGES}
    before = {f["path"]: f["sha256"] for f in old_files if f["path"] not in ignore}
    after = {f["path"]: f["sha256"] for f in new_files if f["path"] not in ignore}
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(p for p in before.keys() & after.keys() if before[p] != after[p]),
    }


def write_changes(bundle: Path, parent_bundle: Path, parent_id: str, reason: str, actor: str,
                  at: datetime) -> dict:
    """Record in the new version what changed against its parent and why."""
    results = results_diff(pq.read_table(parent_bundle / "results.parquet"), pq.read_table(bundle / "results.parquet"))
    files = files_diff(read_manifest(parent_bundle)["files"], [f for f in list_files(bundle)])
    changes = {
        "parent_release_id": parent_id,
        "reason": reason,
        "revised_by": actor,
        "revised_at": at.isoformat(),
        "results": {"changed": sum(c["change"] == "changed" for c in results),
                    "added": sum(c["change"] == "added" for c in results),
                    "removed": sum(c["change"] == "removed" for c in results),
                    "rows": results},
        "files": files,
    }
    (bundle / CHANGES).write_text(json.dumps(changes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return changes
