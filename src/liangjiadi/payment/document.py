"""The 清算 document (年度清算结果 / 月度结算) as an Excel workbook, rendered from the frozen
output only (payment/<region>/<year>/*.json), so the document never disagrees with the tool.

Sheets: 清算汇总, 机构清算, 病例支付方式, 月度结算, 考核评价, 基金超支风险 (the 11.1 report),
行为与质量监测 (11.1), 动态调整, 配置. Text from data goes through safe_output.cell_text (never a formula)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..safe_output import cell_text
from .assess import INDICATORS, MISSING
from .config import describe
from .export import ITEM_CN
from .model import WAY_CN, WAYS
from .monitor import STATUS_CN

FONT = "宋体"


class _SafeWorksheet(Worksheet):
    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, cell_text(string), cell_format)


class _SafeWorkbook(xlsxwriter.Workbook):
    worksheet_class = _SafeWorksheet


def _num(v):
    """Numbers as numbers (Excel sums them), kept exact as text when they are not plain."""
    if v in (None, ""):
        return None
    try:
        return float(Decimal(str(v)))
    except Exception:  # noqa: BLE001 - a label, not a number
        return v


def render(frozen: dict, out: Path | str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    book = _SafeWorkbook(str(out))
    base = {"font_name": FONT, "font_size": 10}
    title = book.add_format({**base, "bold": True, "font_size": 14})
    head = book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format(base)
    money = book.add_format({**base, "num_format": "#,##0.00"})
    dec4 = book.add_format({**base, "num_format": "0.0000"})
    warn = book.add_format({**base, "font_color": "#C00000", "bold": True})
    kind = "年度清算" if frozen["final"] else f"月度结算（至 {frozen['through']}）"
    heading = f"{frozen['region']} {frozen['year']} 年 {frozen['scheme']} 付费{kind}"

    def sheet(name, columns, widths):
        ws = book.add_worksheet(name)
        ws.write(0, 0, f"{heading}：{name}", title)
        for i, (c, w) in enumerate(zip(columns, widths)):
            ws.write(2, i, c, head)
            ws.set_column(i, i, w)
        ws.freeze_panes(3, 0)
        return ws

    # 清算汇总
    ws = sheet("清算汇总", ["项目", "数值", "说明"], [30, 20, 70])
    value_name = "结算点值（元/分）" if frozen["scheme"] == "DIP" else "费率（元/权重）"
    rows = [
        ("可用基金（元）", frozen["fund_available"], money, frozen["fund_source"]),
        ("其中按项目/床日/定额支付（元）", frozen["fixed_total"], money, ""),
        ("按分值/权重分配（元）", frozen["fund_for_points"], money, ""),
        ("总分值/总权重", frozen["points_total"], dec4, ""),
        (value_name, frozen["point_value"], dec4, "按分值/权重分配的基金 ÷ 总分值" +
         ("，再 ÷ 实际报销比例" if frozen["scheme"] == "DIP" else "")),
        ("预算点值/每权重历史费用（元）", frozen["budget_point_value"], dec4,
         "参考年度加权住院总费用 ÷ 加权 Σ(分值 × 病例数)；年度权重 " +
         "、".join(f"{y}:{w}" for y, w in frozen["reference_years"].items())),
        ("实际报销比例", frozen["reimbursement_ratio"], dec4, ""),
        ("清算应付合计（元）", frozen["total_payment"], money, "= 可用基金（分配到分）"),
    ]
    if frozen["final"]:
        rows += [("年度清算拨付合计（元）", frozen["total_final"], money, ""),
                 ("基金留存（元）", frozen["fund_retained"], money, "结余收回未用于超支分担的部分 + 未返还的质量保证金")]
    for i, (name, v, fmt, note) in enumerate(rows, start=3):
        ws.write(i, 0, name, text)
        ws.write(i, 1, _num(v), fmt)
        ws.write(i, 2, note, text)
    r = 3 + len(rows) + 1
    for note in frozen["notes"]:
        ws.write(r, 0, "注意", warn)
        ws.write(r, 2, note, text)
        r += 1

    # 机构清算
    items = ["points", "payment", "fee_for_service", "balance"]
    if frozen["final"]:
        items += ["retained", "clawback", "shared_overspend", "cleared", "deposit_withheld",
                  "deposit_returned", "final_payment"]
    items += ["prepay"]
    cols = ["机构编码", "机构名称", "级别", "病例数", *(ITEM_CN[i] for i in items), "考核得分", "考核等级"]
    ws = sheet("机构清算", cols, [14, 24, 10, 8, *([14] * len(items)), 9, 9])
    for n, (code, inst) in enumerate(sorted(frozen["institutions"].items()), start=3):
        ws.write(n, 0, code, text)
        ws.write(n, 1, inst.get("name", ""), text)
        ws.write(n, 2, inst["level"], text)
        ws.write(n, 3, sum(inst["cases"].values()), text)
        for k, item in enumerate(items, start=4):
            ws.write(n, k, _num(inst.get(item)), dec4 if item == "points" else money)
        ws.write(n, 4 + len(items), _num(inst.get("score")) if inst.get("score") else MISSING, text)
        ws.write(n, 5 + len(items), inst.get("grade") or MISSING, text)

    # 病例支付方式
    ws = sheet("病例支付方式", ["机构编码", *(WAY_CN[w] for w in WAYS), "待专家评审", "特例单议超上限"],
               [14, *([12] * len(WAYS)), 10, 12])
    for n, (code, inst) in enumerate(sorted(frozen["institutions"].items()), start=3):
        ws.write(n, 0, code, text)
        for k, w in enumerate(WAYS, start=1):
            ws.write(n, k, inst["cases"].get(w, 0), text)
        ws.write(n, len(WAYS) + 1, inst.get("review_cases", 0), text)
        ws.write(n, len(WAYS) + 2, inst.get("special_over_cap", 0), text)

    # 月度结算
    months = sorted({m for inst in frozen["institutions"].values() for m in inst.get("provisional", {})})
    ws = sheet("月度结算", ["机构编码", "预付款", *months], [14, 14, *([13] * len(months))])
    for n, (code, inst) in enumerate(sorted(frozen["institutions"].items()), start=3):
        ws.write(n, 0, code, text)
        ws.write(n, 1, _num(inst.get("prepay")), money)
        for k, m in enumerate(months, start=2):
            ws.write(n, k, _num(inst["provisional"].get(m)), money)

    # 考核评价
    keys = list(INDICATORS)
    ws = sheet("考核评价", ["机构编码", *(f"{INDICATORS[k][0]}·{INDICATORS[k][1]}" for k in keys), "得分", "等级"],
               [14, *([14] * len(keys)), 8, 8])
    ws.write(3, 0, "统筹地区", text)
    for k, key in enumerate(keys, start=1):
        v = frozen["region_values"].get(key)
        ws.write(3, k, _num(v) if v is not None else MISSING, text)
    for n, (code, inst) in enumerate(sorted(frozen["institutions"].items()), start=4):
        ws.write(n, 0, code, text)
        for k, key in enumerate(keys, start=1):
            ind = inst.get("indicators", {}).get(key, {})
            ws.write(n, k, _num(ind.get("value")) if ind.get("value") is not None else MISSING, text)
        ws.write(n, len(keys) + 1, _num(inst.get("score")) if inst.get("score") else MISSING, text)
        ws.write(n, len(keys) + 2, inst.get("assess_grade") or MISSING, text)

    # 基金超支风险 (11.1)
    ws = sheet("基金超支风险", ["月份", "病例数", "当月统筹支出", "累计统筹支出", "累计预算进度", "支出/预算", "状态"],
               [10, 8, 15, 15, 15, 10, 8])
    for n, m in enumerate(frozen["monitoring"], start=3):
        ws.write(n, 0, m["month"], text)
        ws.write(n, 1, m["cases"], text)
        for k, key in enumerate(("spending", "cumulative", "budget_to_date"), start=2):
            ws.write(n, k, _num(m[key]), money)
        ws.write(n, 5, _num(m["ratio"]), dec4)
        ws.write(n, 6, STATUS_CN[m["status"]], warn if m["status"] != "ok" else text)

    r0 = 3 + len(frozen["monitoring"]) + 1
    ws.write(r0, 0, "机构超支风险（按项目统筹支付 / 结算应付）", title)
    for n, x in enumerate(frozen.get("institution_risks", []), start=r0 + 1):
        ws.write(n, 0, x["code"], text)
        ws.write(n, 2, _num(x["payment"]), money)
        ws.write(n, 3, _num(x["fee_for_service"]), money)
        ws.write(n, 5, _num(x["ratio"]), dec4)
        ws.write(n, 6, STATUS_CN[x["status"]], warn if x["status"] != "ok" else text)

    # 行为与质量监测 (11.1): the detectors' findings, CMI and the quality rates (payment/monitor.py)
    ws = sheet("行为与质量监测", ["类别", "机构编码", "机构名称", "监测项目", "近期值", "此前值", "状态", "说明"],
               [10, 14, 24, 30, 10, 10, 8, 60])
    signals = frozen.get("signals", [])
    if not signals:
        ws.write(3, 0, "未发现医疗行为或医疗质量预警" if "signals" in frozen else "该结算结果生成时尚无此项监测", text)
    for n, x in enumerate(signals, start=3):
        ws.write(n, 0, x["family"], text)
        ws.write(n, 1, x["code"], text)
        ws.write(n, 2, frozen["institutions"].get(x["code"], {}).get("name", ""), text)
        ws.write(n, 3, x["item"], text)
        ws.write(n, 4, _num(x["recent"]), dec4)
        ws.write(n, 5, _num(x["before"]), dec4)
        ws.write(n, 6, STATUS_CN[x["status"]], warn)
        ws.write(n, 7, x["note"], text)

    # 动态调整 (6.3.3)
    ws = sheet("动态调整", ["病组/病种", "现行分值/权重", "建议分值/权重", "变化", "病例数"], [28, 14, 14, 10, 8])
    for n, a in enumerate(frozen["adjustments"], start=3):
        ws.write(n, 0, a["grp_code"], text)
        ws.write(n, 1, _num(a["current"]), dec4)
        ws.write(n, 2, _num(a["proposed"]), dec4)
        ws.write(n, 3, _num(a["change"]), dec4)
        ws.write(n, 4, a["cases"], text)

    # 配置
    ws = sheet("配置", ["配置项", "取值"], [30, 90])
    indicator_names = {k: v[1] for k, v in INDICATORS.items()}
    for n, (k, v) in enumerate(sorted(frozen.get("config", {}).items()), start=3):
        name, shown = describe(k, v, indicator_names if k == "assessment_weights" else None)
        ws.write(n, 0, name, text)
        ws.write(n, 1, shown, text)
    book.close()
    return out
