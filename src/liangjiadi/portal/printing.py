"""A dashboard printed to PDF on the server, with the reader's watermark drawn into every page.

Issue 11: a visible dynamic watermark (name, institution, time, a watermark id traceable in the
access log) on pages and on images or PDFs printed from them; the frozen files themselves download
unchanged. A browser's own "print" of a page keeps the page's CSS watermark, but a PDF made here
cannot lose it: the watermark is part of each page's drawing (repeated across the page and once
in the footer), and the watermark id is also in the PDF's metadata (Subject, Keywords). The
access log records the print with the same id (action `print`).

matplotlib (already used for the reports' charts, reports/fonts.py for the CJK font) draws it;
it is imported on the first print only, so a portal worker that never prints does not load it.
"""

from __future__ import annotations

import io

ROWS_PER_PAGE = 26
CHARTS_PER_PAGE = 4
A4 = (8.27, 11.69)


def _stamp(fig, watermark: str) -> None:
    """The watermark across the page (faint, rotated, repeated) and in full in the footer."""
    for row in range(7):
        for col in range(2):
            fig.text(0.05 + col * 0.5, 0.06 + row * 0.14, watermark, rotation=28, fontsize=9, color="#000000",
                     alpha=0.13, ha="left", va="bottom", zorder=100)
    fig.text(0.5, 0.015, f"水印：{watermark}　仅限本地区、知悉范围内使用，不得外传", fontsize=7, ha="center",
             va="bottom", color="#555555", zorder=100)


def _figures_page(fig, data: dict, start: int, heading: list[str]) -> None:
    y = 0.95
    for i, line in enumerate(heading):
        fig.text(0.06, y, line, fontsize=14 if i == 0 else 9,
                 color="#c92a2a" if line.startswith("本版本已") else "#000000", va="top", wrap=True)
        y -= 0.035 if i == 0 else 0.025
    rows = data["figures"][start:start + ROWS_PER_PAGE]
    if not rows:
        fig.text(0.06, y - 0.02, "本期无本机构指标。", fontsize=9, va="top")
        return
    table = []
    for f in rows:
        mine = (data["peers"].get(f["indicator_id"]) or {}).get("own") or {}
        rank = f"{mine['rank']}/{mine['of']}" if mine.get("rank") else ("样本量小，不排名" if mine.get("small_volume") else "—")
        table.append([f["name"][:28], _shown(f["value"]), _unit(f.get("unit")), rank, mine.get("percentile") or "—"])
    ax = fig.add_axes((0.06, 0.08, 0.88, y - 0.10))
    ax.axis("off")
    grid = ax.table(cellText=table, colLabels=["指标", "本期数值", "单位", "同级排名", "百分位"], loc="upper left",
                    colWidths=[0.46, 0.16, 0.12, 0.14, 0.12], cellLoc="left")
    grid.auto_set_font_size(False)
    grid.set_fontsize(8)
    grid.scale(1, 1.25)


def _charts_page(fig, data: dict, ids: list[str]) -> None:
    periods = data["series"]["periods"]
    names = {f["indicator_id"]: f["name"] for f in data["figures"]}
    for n, ind in enumerate(ids):
        ax = fig.add_subplot(CHARTS_PER_PAGE, 1, n + 1)
        own = data["series"]["institution"].get(ind) or {}
        region = data["series"]["region"].get(ind) or {}
        x = list(range(len(periods)))
        ax.plot(x, [_num(own.get(p)) for p in periods], marker="o", markersize=2.5, label="本机构")
        if region:
            twin = ax.twinx()
            twin.plot(x, [_num(region.get(p)) for p in periods], color="#888888", linestyle="--", label="全地区")
            twin.tick_params(labelsize=6)
        ax.set_title(names.get(ind, ind)[:40], fontsize=9)
        ax.set_xticks(x[:: max(1, len(x) // 8)], [periods[i] for i in x[:: max(1, len(x) // 8)]], fontsize=6)
        ax.tick_params(axis="y", labelsize=6)
        ax.legend(loc="upper left", fontsize=6)
    fig.subplots_adjust(left=0.1, right=0.9, top=0.95, bottom=0.08, hspace=0.6)


def _num(value):
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _shown(value) -> str:
    from .figures import shown

    return shown(value)


def _unit(unit) -> str:
    from .figures import unit_cn

    return unit_cn(unit)


def dashboard_pdf(data: dict, watermark: str, watermark_id: str) -> bytes:
    """The institution dashboard `data` (figures.institution_detail) as an A4 PDF, every page
    watermarked; the watermark id in the metadata too."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from ..reports.fonts import use_cjk_font

    use_cjk_font()
    inst, r = data["institution"], data["release"]
    heading = [f"{inst.get('name') or inst['code']}（{inst['code']}）",
               f"{r['admdvs']} {r['period_cn']}{r['kind_cn']} 第{r['version']}版 · {r['state_cn']} · 数据指纹 "
               f"{(r.get('data_hash') or '')[:16]}"]
    if r.get("mark"):
        heading.append(r["mark"])
    charted = [f["indicator_id"] for f in data["figures"] if data["series"]["institution"].get(f["indicator_id"])]
    buffer = io.BytesIO()
    metadata = {"Title": f"{heading[0]} 看板", "Subject": f"水印编号 {watermark_id}", "Keywords": watermark_id,
                "Creator": "亮家底 医保数据发布门户"}
    with PdfPages(buffer, metadata=metadata) as pdf:
        for start in range(0, max(1, len(data["figures"])), ROWS_PER_PAGE):
            fig = Figure(figsize=A4)
            _figures_page(fig, data, start, heading if start == 0 else heading[:1])
            _stamp(fig, watermark)
            pdf.savefig(fig)
        for start in range(0, len(charted), CHARTS_PER_PAGE):
            fig = Figure(figsize=A4)
            _charts_page(fig, data, charted[start:start + CHARTS_PER_PAGE])
            _stamp(fig, watermark)
            pdf.savefig(fig)
    return buffer.getvalue()
