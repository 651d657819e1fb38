"""Web page for the portal: the same DocumentView as the Word file, with interactive ECharts.

ECharts is vendored in reports/static/ (Apache-2.0, licence beside it) and referenced by a
relative path: the users' networks are closed, so no page may load anything from the internet.
Chart options are embedded as JSON in the page.
"""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

from .charts import to_echarts
from .view import DocumentView

STATIC = Path(__file__).parent / "static"
ECHARTS_FILE = "echarts.min.js"
ECHARTS_SRC = f"static/{ECHARTS_FILE}"  # relative to the page
TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"
LETTERHEAD = {"monthly_push": "医保数据工作组 · 月推送", "institution_push": "医保数据工作组 · 定向推送（仅供收件机构使用）",
              "quarterly_report": "医保数据工作组 · 季度发布", "topic_report": "医保数据工作组 · 专题分析",
              "annual_notice": "医保数据工作组 · 年度通报", "county_report": "医保数据工作组 · 县域医共体报告"}
@lru_cache(maxsize=2)
def _template(path: str):
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(Path(path).read_text(encoding="utf-8"))


def html_template_path(workdir: Path | None) -> Path:
    if workdir is not None and (Path(workdir) / "templates" / "report.html.j2").exists():
        return Path(workdir) / "templates" / "report.html.j2"
    return TEMPLATE


STATIC_FILES = (ECHARTS_FILE, "echarts-LICENSE.txt", "echarts-NOTICE.txt")  # .txt: the redaction scan reads text files


def copy_static(out_dir: Path) -> list[Path]:
    """Put echarts.min.js and its licence next to the pages, under static/."""
    target = out_dir / "static"
    target.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        if not (target / name).exists():
            shutil.copyfile(STATIC / name, target / name)
    return [target / name for name in STATIC_FILES]


def _next_steps(workdir: Path | None) -> str:
    """Text the user keeps in <workdir>/templates/next_steps.html, appended after the drafted
    下一步工作打算 (a section of the body, reports/contents.py); none by default."""
    if workdir is not None:
        own = Path(workdir) / "templates" / "next_steps.html"
        if own.exists():
            return own.read_text(encoding="utf-8")
    return ""


def render_html(view: DocumentView, out: Path, *, workdir: Path | None = None, echarts_src: str = ECHARTS_SRC) -> Path:
    index = {id(sec): n for n, sec in enumerate(view.sections, start=1)}
    options = {}
    for sec in view.sections:
        for n, spec in enumerate(sec.charts, start=1):
            options[f"chart-{n}-{spec.key}-{index[id(sec)]}"] = to_echarts(spec)
    chart_json = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")
    page = _template(str(html_template_path(workdir))).render(
        view=view, letterhead=LETTERHEAD.get(view.key, "医保数据工作组"), echarts_src=echarts_src,
        chart_json=chart_json, sec_index=lambda sec: index[id(sec)],
        extra_sections=[t for t in [_next_steps(workdir)] if t] if view.key == "quarterly_report" else [])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
