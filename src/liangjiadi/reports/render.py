"""Render every file of a release, and attach them to it while it is a draft.

    result = render_release("140400-monthly-2025-03-v1", Path("out"), settings)

monthly:   月推送 docx + html, 数据底稿 xlsx, 定向推送 docx + html for every institution
quarterly: 季度分析报告 docx + html, 附表 xlsx, 数据底稿 xlsx, 定向推送 for every institution
topic:     专题分析 docx + html (+ the topic analysis it was built from, as JSON)
annual:    年度通报 docx + html, 附表 xlsx, 数据底稿 xlsx
clearing:  年度清算 xlsx (every sheet) + docx (支付方案要点与清算结果), from the frozen clearing.json only
and, for a region whose bundle froze 县域医共体 figures (yigongti.json), the 县域医共体报告 docx + html +
xlsx of the year up to the release's month (reports/county.py); members' pushes show their 医共体.
Per-institution pushes are spread over `workers` processes (each renders a share of them).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Settings
from ..period import shift
from ..releases import State, attach_files, get_release
from ..safe_output import confined_path, safe_file_name
from . import build as B
from .appendix import write_appendix
from .docx_render import render_docx
from .html_render import ECHARTS_FILE, copy_static, render_html
from .source import ReleaseSource, load_source
from .view import view_of

INSTITUTION_DIR = "定向推送"
STATIC_DIR = "static"


@dataclass
class RenderResult:
    release_id: str
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    institution_files: list[Path] = field(default_factory=list)
    attached: bool = False

    @property
    def all_files(self) -> list[Path]:
        return self.files + self.institution_files


def _stem(src: ReleaseSource, what: str) -> str:
    return f"{what}_{src.release.admdvs}_{src.release.period}"


def _out(out_dir: Path, stem: str, suffix: str) -> Path:
    """Where a file goes: a name made safe from data (an institution code), inside `out_dir`."""
    return confined_path(out_dir, safe_file_name(stem) + suffix)


def _both(model, out_dir: Path, stem: str, workdir: Path, png_cache: dict | None = None) -> list[Path]:
    view = view_of(model)
    return [render_docx(view, _out(out_dir, stem, ".docx"), workdir=workdir, png_cache=png_cache),
            render_html(view, _out(out_dir, stem, ".html"), workdir=workdir,
                        echarts_src=_echarts_src(out_dir))]


def _echarts_src(page_dir: Path) -> str:
    """The vendored ECharts relative to a page: static/ at the top of the output."""
    return f"../{STATIC_DIR}/{ECHARTS_FILE}" if page_dir.name == INSTITUTION_DIR else f"{STATIC_DIR}/{ECHARTS_FILE}"


def _worksheet(src: ReleaseSource, out: Path) -> Path:
    """The 数据底稿 workbook of the frozen results, last year's frozen results and the frozen
    复核 report (reports/worksheet.py)."""
    from ..checks.report import CheckReport
    from .worksheet import write_worksheet
    from .worksheet_data import ResultIndex, WorksheetData

    admdvs, period = src.release.admdvs, src.period
    last_period = shift(period, -12)
    history = src.frozen.history if src.frozen else None
    last_year = None
    if src.windowed:  # the same window a year earlier, by the same rules
        last_year = src.frozen.window_last_year
    elif history is not None and history.num_rows:
        last_year = history.filter(pc.equal(history["period"], last_period))
    if last_year is not None and src.last_year_to_date_missing:  # an incomplete year-to-date is no base
        keep = [src.window_rule(i) != "cumulative" for i in last_year["indicator_id"].to_pylist()]
        last_year = last_year.filter(pa.array(keep, type=pa.bool_()))
    rows = src.check_report.to_pylist()
    meta = src.frozen.check_meta if src.frozen else {}
    report = CheckReport(admdvs=admdvs, period=period, check_run_id=src.release.check_run_id,
                         results_run_id=meta.get("results_run_id", src.release.results_run_id),
                         checked_at=rows[0]["checked_at"] if rows else src.release.created_at, rows=rows,
                         publishable_ids=list(src.publishable_ids))
    last_runs = sorted({r for r in last_year["run_id"].to_pylist() if r}) if last_year is not None else []
    data = WorksheetData(
        admdvs=admdvs, period=period, catalogue=src.catalogue, results=ResultIndex(src.results),
        results_run_id=src.release.results_run_id,
        last_year=ResultIndex(last_year if last_year is not None and last_year.num_rows else None),
        last_year_run_id=last_runs[-1] if last_runs else None, check_report=report,
        institutions=src.institutions, region_name=src.region_name or None,
        period_label=src.meta.period_label if src.windowed else None, notes=src.meta.window_notes,
        last_year_label=(src.window.get("last_year") or {}).get("label"), halves=dict(src.window.get("halves") or {}))
    return write_worksheet(data, out)


def county_files(src: ReleaseSource, out_dir: Path, cache: dict | None = None) -> list[Path]:
    """The county report of the frozen 医共体 figures: Word, web page and Excel."""
    from .county import county_view, write_county_workbook
    from .view import _footer

    fig = src.frozen.yigongti
    names = {code: src.institution(code).name for u in fig.get("units", []) for code in u["members"]}
    stem = _stem(src, "县域医共体报告")
    view = county_view(fig, names, region_label=src.meta.region_label, footer=_footer(src.meta))
    workdir = Path(src.settings.workdir)
    return [render_docx(view, _out(out_dir, stem, ".docx"), workdir=workdir, png_cache=cache),
            render_html(view, _out(out_dir, stem, ".html"), workdir=workdir, echarts_src=_echarts_src(out_dir)),
            write_county_workbook(fig, names, _out(out_dir, stem, ".xlsx"))]


# ---- per-institution pushes, in worker processes --------------------------------------------------


def _render_institutions(args) -> list[str]:
    release_id, settings_dict, region_name, institutions, codes, out_dir = args
    from ..config import Settings as S

    settings = S(**settings_dict)
    src = load_source(release_id, settings, region_name=region_name, institutions=institutions)
    return [str(p) for p in _institution_files(src, codes, Path(out_dir))]


def _institution_files(src: ReleaseSource, codes: list[tuple[str, str]], out_dir: Path) -> list[Path]:
    """codes: (institution code, file stem) pairs."""
    src.preload_history(B.MONEY_IDS + B.EFFECT_IDS + B.SERVICE_IDS)
    dists = {i: d for i in B.starred_ids(src) if (d := B.distribution(src, i))}
    groups = B.region_groups(src)
    workdir = Path(src.settings.workdir)
    files = []
    pharmacies = set(B.pharmacies(src))
    for code, stem in codes:
        push = B.pharmacy_push(src, code, groups) if code in pharmacies else B.institution_push(src, code, dists, groups)
        files += _both(push, out_dir, stem, workdir)
    return files


def file_stems(codes: list[str]) -> list[tuple[str, str]]:
    """Each institution code with a safe file stem of its own: two codes that sanitise to the same
    name (e.g. "A/B" and "A_B") get "-2", "-3" ..., so no push silently overwrites another."""
    used: set[str] = set()
    out = []
    for code in codes:
        base = stem = safe_file_name(code)
        n = 1
        while stem.casefold() in used:  # case-insensitive file systems (Windows, macOS)
            n += 1
            stem = f"{base}-{n}"
        used.add(stem.casefold())
        out.append((code, stem))
    return out


def institution_pushes(src: ReleaseSource, out_dir: Path, workers: int = 1) -> list[Path]:
    codes = file_stems(src.hospitals + [c for c in B.pharmacies(src) if c not in set(src.hospitals)])
    out_dir.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or len(codes) < 20:
        return _institution_files(src, codes, out_dir)
    shares = [codes[n::workers] for n in range(workers)]
    settings_dict = src.settings.model_dump()
    jobs = [(src.release.release_id, settings_dict, src.region_name, src.institutions, share, str(out_dir))
            for share in shares if share]
    files: list[Path] = []
    # spawned, not forked: a worker opens its own database connections instead of inheriting the parent's
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in pool.map(_render_institutions, jobs):
            files += [Path(p) for p in done]
    return files


def _clearing_files(src: ReleaseSource, out_dir: Path) -> list[Path]:
    """The 清算 documents of a clearing release, from its frozen figures (payment/document*.py)."""
    from ..errors import ConfigError
    from ..payment.document import render as render_xlsx
    from ..payment.document_docx import render_docx as render_word

    clearing = src.frozen.clearing if src.frozen else None
    if clearing is None:
        raise ConfigError(f"发布 {src.release.release_id} 的发布包中没有冻结的年度清算结果，无法生成清算文件",
                          "年度清算在创建发布时冻结：liangjiadi release create --kind clearing --period YYYY")
    stem = _stem(src, "年度清算")
    return [render_xlsx(clearing, _out(out_dir, stem, ".xlsx")), render_word(clearing, _out(out_dir, stem, ".docx"))]


# ---- the release ------------------------------------------------------------------------------------


def render_release(release_id: str, out_dir: Path, settings: Settings, *, region_name: str | None = None,
                   attach: bool = True, actor: str = "", workers: int | None = None,
                   institutions: bool = True) -> RenderResult:
    """Render the release's files into `out_dir`; attach them when the release is a draft.
    Everything comes from the bundle: two renders of a release give the same figures."""
    src = load_source(release_id, settings, region_name=region_name)
    workdir = Path(settings.workdir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    result = RenderResult(release_id, out_dir)
    kind = src.release.kind.value
    cache: dict = {}
    if kind == "monthly":
        result.files += _both(B.monthly_push(src), out_dir, _stem(src, "月推送"), workdir, cache)
        result.files.append(_worksheet(src, _out(out_dir, _stem(src, '数据底稿'), ".xlsx")))
    elif kind == "quarterly":
        report = B.quarterly_report(src)
        result.files += _both(report, out_dir, _stem(src, "季度分析报告"), workdir, cache)
        dists = report.key_distributions + report.payment_distributions
        result.files.append(write_appendix(_out(out_dir, _stem(src, '附表'), ".xlsx"), report.meta.period_label + "分析报告附表",
                                           dists, report.findings))
        result.files.append(_worksheet(src, _out(out_dir, _stem(src, '数据底稿'), ".xlsx")))
    elif kind == "annual":
        notice = B.annual_notice(src)
        result.files += _both(notice, out_dir, _stem(src, "年度通报"), workdir, cache)
        dists = notice.efficiency + ([notice.settlement] if notice.settlement else [])
        result.files.append(write_appendix(_out(out_dir, _stem(src, '附表'), ".xlsx"), notice.meta.period_label + "通报附表",
                                           dists, B.finding_items(src)))
        result.files.append(_worksheet(src, _out(out_dir, _stem(src, '数据底稿'), ".xlsx")))
    elif kind == "topic":
        topic_analysis = src.frozen.topic_analysis if src.frozen else None
        if topic_analysis is None:
            from ..errors import ConfigError

            raise ConfigError(f"发布 {release_id} 的发布包中没有冻结的专题分析，无法生成专题分析材料",
                              "专题分析在创建发布时计算并冻结：liangjiadi release create --kind topic --period 期间 "
                              "--adrg 编码（或 --category 类目）")
        data_file = _out(out_dir, _stem(src, '专题分析数据'), ".json")
        data_file.write_text(json.dumps(topic_analysis, ensure_ascii=False, indent=1, sort_keys=True, default=str),
                             encoding="utf-8")
        result.files += _both(B.topic_report(src, topic_analysis), out_dir, _stem(src, "专题分析"), workdir, cache)
        result.files.append(data_file)
    elif kind == "clearing":
        result.files += _clearing_files(src, out_dir)
    if kind != "topic" and src.frozen and src.frozen.yigongti:
        result.files += county_files(src, out_dir, cache)
    if institutions and kind in ("monthly", "quarterly"):
        result.institution_files = institution_pushes(src, out_dir / INSTITUTION_DIR, workers)
    static = copy_static(out_dir)
    if attach and get_release(release_id, settings).state == State.DRAFT:
        attach_files(release_id, result.files, settings, actor=actor)
        if result.institution_files:
            attach_files(release_id, result.institution_files, settings, actor=actor, subdir=INSTITUTION_DIR)
        attach_files(release_id, static, settings, actor=actor, subdir=STATIC_DIR)
        result.attached = True
    return result
