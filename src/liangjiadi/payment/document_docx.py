"""The 清算 document as Word: the year's 支付方案 in brief (规范 7.1.2: 目标、范围、标准、考核、
结算办法、风险分担, from the configuration used) and the 清算结果 per institution, rendered from
the frozen output only, like the Excel workbook (payment/document.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from ..safe_output import cell_text
from .config import describe

FONT = "Noto Sans CJK SC"  # the reports' CJK family: Chinese never falls back to a font without glyphs


def _map(cfg: dict, key: str) -> str:
    return describe(key, cfg.get(key))[1]


def _money(v) -> str:
    return "—" if v in (None, "") else f"{Decimal(str(v)):,.2f}"


def _fonts(doc) -> None:
    for style in ("Normal", "Heading 1", "Heading 2", "Title"):
        st = doc.styles[style]
        st.font.name = FONT
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.styles["Normal"].font.size = Pt(10)


def _table(doc, columns: list[str], rows: list[list[str]]) -> None:
    t = doc.add_table(rows=1, cols=len(columns))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, columns):
        cell.text = text
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = cell_text(str(text))


def render_docx(frozen: dict, out: Path | str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cfg = frozen.get("config", {})
    scheme = frozen["scheme"]
    doc = Document()
    _fonts(doc)
    kind = "年度清算" if frozen["final"] else f"月度结算（至 {frozen['through']}）"
    doc.add_heading(f"{frozen['region']} {frozen['year']} 年 {scheme} 付费{kind}结果", level=0)

    doc.add_heading("一、支付方案要点", level=1)
    value_name = "结算点值" if scheme == "DIP" else "费率"
    weights = "、".join(f"{y} 年 {w}" for y, w in frozen["reference_years"].items()) or "无（取分组目录）"
    for line in (
        f"目标与范围：统筹地区 DRG/DIP 付费机构的住院病例，可用基金 {_money(frozen['fund_available'])} 元"
        f"（{frozen['fund_source']}）。",
        f"支付标准：病种分值/权重取{'历史数据' if cfg.get('standards_source') == 'history' else '分组目录'}，"
        f"参考年度权重 {weights}；等级系数 {_map(cfg, 'level_coefficients')}；基层病种按 {cfg.get('basic_level')} 系数同病同付。",
        f"极值病例：低于本级标准 {cfg.get('outlier_low')} 倍按项目，高于 {cfg.get('outlier_high')} 倍按倍率调整，"
        f"高于 {cfg.get('outlier_review')} 倍专家评审；特例单议上限 {cfg.get('special_cap', {}).get(scheme)}。",
        f"考核：按规范 10.1 五类指标加权评分，A ≥ {cfg.get('grade_thresholds', {}).get('A')}、"
        f"B ≥ {cfg.get('grade_thresholds', {}).get('B')}、C ≥ {cfg.get('grade_thresholds', {}).get('C')}。",
        f"结算办法：预付款 {cfg.get('prepay_share')} × 可用基金；月度按进度预算浮动结算；年度清算。",
        f"风险分担：结余留用比例 {_map(cfg, 'retain_share')}；合理超支（不超过按项目支付的 "
        f"{cfg.get('overspend_reasonable_limit')}）分担比例 {_map(cfg, 'overspend_share')}；质量保证金 "
        f"{cfg.get('deposit_share')}，返还比例 {_map(cfg, 'deposit_return')}。",
    ):
        doc.add_paragraph(line)

    doc.add_heading("二、清算汇总", level=1)
    rows = [["可用基金（元）", _money(frozen["fund_available"])],
            ["总分值/总权重", frozen["points_total"]],
            [f"{value_name}", frozen["point_value"] or "—"],
            ["清算应付合计（元）", _money(frozen["total_payment"])]]
    if frozen["final"]:
        rows += [["年度清算拨付合计（元）", _money(frozen["total_final"])],
                 ["基金留存（元）", _money(frozen["fund_retained"])]]
    _table(doc, ["项目", "数值"], rows)
    for note in frozen["notes"]:
        doc.add_paragraph(f"注：{note}")

    doc.add_heading("三、各机构清算结果", level=1)
    cols = ["机构", "病例", "清算应付", "按项目统筹支付", "盈亏"]
    cols += ["等级", "结余留用", "超支分担", "年度清算拨付"] if frozen["final"] else ["预付款"]
    body = []
    for code, i in sorted(frozen["institutions"].items()):
        row = [f"{code} {i.get('name', '')}".strip(), str(sum(i["cases"].values())), _money(i["payment"]),
               _money(i["fee_for_service"]), _money(i["balance"])]
        row += ([i.get("grade") or "—", _money(i["retained"]), _money(i["shared_overspend"]),
                 _money(i["final_payment"])] if frozen["final"] else [_money(i.get("prepay"))])
        body.append(row)
    _table(doc, cols, body)
    doc.save(str(out))
    return out
