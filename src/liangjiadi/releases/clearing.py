"""The year-end 清算 of DRG/DIP payment as a release of its own kind, and its use by the annual notice.

seeds/004 9.2.2 (清算/决算 … 考核结果的运用、风险分担机制的执行) and 10.2.2 (考核评价结果与 … 信息公开
直接挂钩): the 清算 result per institution is published like the other releases — frozen at
`release create --kind clearing --period YYYY`, sealed at submission, signed by the quorum,
published through the same gates and audit chain (releases/service.py).

- A clearing release freezes `payment/<region>/<year>/settlement.json` (written by
  `liangjiadi payment settle --year YYYY`, the year-end run, never a provisional one) as
  `clearing.json`; its documents (Excel and Word) are rendered from that file only.
- An annual release freezes the newest *published* clearing release of its year, as that
  release's bundle holds it (`clearing.json`, plus `clearing_release.json` naming the release, its
  version and content hash). The annual notice's §五 reads these two files and nothing else; an
  annual release made before the clearing was published shows none (it says so).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import select

from ..config import Settings
from . import bundle as B
from .errors import BundleIntegrityError, MissingSourceError
from .model import Kind, State
from .store import ReleaseRow, as_utc, session_scope

CLEARING_FILE = "clearing.json"
CLEARING_RELEASE_FILE = "clearing_release.json"


def freeze_clearing(settings: Settings, admdvs: str, year: int, staging: Path) -> dict:
    """A clearing release's figures: the region's frozen year-end settlement of `year`."""
    from ..payment.service import load, output_dir

    frozen = load(settings.workdir, admdvs, year)
    if frozen is None or not frozen.get("final"):
        raise MissingSourceError(f"统筹地区 {admdvs} {year} 年尚未做 DRG/DIP 年度清算，无法创建年度清算发布。",
                                 f"请先运行：liangjiadi payment settle --year {year}")
    shutil.copyfile(output_dir(settings.workdir, admdvs, year) / "settlement.json", staging / CLEARING_FILE)
    (staging / "context.json").write_text(json.dumps({"region_name": settings.region_name or None},
                                                     ensure_ascii=False), encoding="utf-8")
    return frozen


def newest_published_clearing(settings: Settings, admdvs: str, year: int) -> ReleaseRow | None:
    with session_scope(settings) as session:
        row = session.scalars(select(ReleaseRow).where(
            ReleaseRow.admdvs == admdvs, ReleaseRow.kind == Kind.CLEARING.value, ReleaseRow.period == f"{year:04d}",
            ReleaseRow.state == State.PUBLISHED.value,
        ).order_by(ReleaseRow.version.desc())).first()
        if row is not None:
            session.expunge(row)
        return row


def freeze_published_clearing(settings: Settings, admdvs: str, year: int, staging: Path) -> dict | None:
    """For an annual release: copy the published clearing release's frozen figures (refused when
    its bundle no longer matches its manifest); None when the year's clearing is not published."""
    row = newest_published_clearing(settings, admdvs, year)
    if row is None:
        return None
    bundle = Path(settings.workdir) / row.bundle_dir
    problems = B.integrity_problems(bundle, row.content_hash)
    if problems:
        raise BundleIntegrityError(f"年度清算发布 {row.release_id} 与清单不符：" + "；".join(problems),
                                   "请核实并修订年度清算发布后再创建年度通报")
    shutil.copyfile(bundle / CLEARING_FILE, staging / CLEARING_FILE)
    source = {"release_id": row.release_id, "version": row.version, "content_hash": row.content_hash,
              "published_at": as_utc(row.published_at).isoformat() if row.published_at else None}
    (staging / CLEARING_RELEASE_FILE).write_text(json.dumps(source, ensure_ascii=False, indent=1), encoding="utf-8")
    return source
