"""The county report (县域医共体报告) and the 医共体 part of a member's 定向推送, printed from the
医共体 figures a release froze (yigongti.json, releases/snapshot.py) — never from the live data.

Per 医共体 (seeds/003 二、三、四 and its annex): the budget, what was disbursed to the lead hospital,
the 域外 deductions, the balance, the year-end clearing once December is in, the assessment table
with formula, data source, numerator, denominator, value and score, the 差别化支付 ratios by level,
and the monitoring warnings and signals. `export yigongti --out *.xlsx|*.docx` prints the same
figures computed on the spot (yigongti.figures), outside any release.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..period import period_label
from .models import ContentBlock, ContentTable
from .view import DocumentView, Section, Table

SHEETS = ("医共体汇总", "按月拨付", "绩效考核", "基金运行", "预警与线索", "说明")
YUAN_INDICATORS = {"2-4"}  # 参保人员住院人均费用: yuan, the others are shares
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+")
_PAREN_IDENT = re.compile(r"（[^（）]*[a-z][a-z0-9]*_[a-z0-9_]+[^（）]*）")


def reader_text(text: str) -> str:
    """A note for a reader: the table and field names a command's message cites are left out."""
    text = _PAREN_IDENT.sub("", text or "")
    return re.sub(r"\s{2,}", " ", _IDENT.sub("", text)).strip()


def _d(x) -> Decimal | None:
    return None if x is None or x == "" else Decimal(str(x))


def yuan(x) -> str:
    d = _d(x)
    return "—" if d is None else f"{d:,.2f}"


def pct(x) -> str:
    d = _d(x)
    return "—" if d is None else f"{d * 100:.2f}%"


def indicator_value(iid: str, x) -> str:
    if _d(x) is None:
        return "缺少数据"
    return f"{yuan(x)} 元" if iid in YUAN_INDICATORS else pct(x)


def target_text(iid: str, target: str) -> str:
    if target == "上年":
        return "不高于上年"
    if not target:
        return "—"
    return f"{yuan(target)} 元" if iid in YUAN_INDICATORS else pct(target)


def score_text(s: dict) -> str:
    return f"{s['score'] if s['score'] is not None else '—'}/{s['weight']}"


def _name(names: dict[str, str], code: str) -> str:
    return names.get(code) or code


def _through(fig: dict) -> str:
    return period_label(fig["through"]) if fig.get("through") else "—"


# ---- the parts, as tables of text --------------------------------------------------------------


def summary_rows(fig: dict, names: dict[str, str]) -> list[list[str]]:
    return [[u["name"], _name(names, u["lead"]), str(len(u["members"])), yuan(u["budget"]), yuan(u["family_doctor_fee"]),
             yuan(u["disbursed"]), yuan(u["deducted"]), yuan(u["inside"]), yuan(u["outside"]), yuan(u["balance"]),
             u["assessment"]["total"] or "—", u["assessment"]["grade"]] for u in fig["units"]]


SUMMARY_COLUMNS = ["医共体", "牵头医院", "成员数", "总额预算（元）", "签约服务费（元）", "已拨付（元）", "域外扣减（元）",
                   "域内支出（元）", "域外支出（元）", "结余（元）", "考核总分", "等级"]
CLEARING_COLUMNS = ["医共体", "考核等级", "结余（负为超支）", "结余留用", "结余收回", "合理超支", "基金分担", "医共体承担",
                    "清算拨付（负为收回）"]
SCORE_COLUMNS = ["指标", "计算方法", "数据来源", "分子", "分母", "值", "目标", "得分/权重", "说明"]


def clearing_rows(fig: dict) -> list[list[str]]:
    return [[u["name"], c["grade"], yuan(c["balance"]), yuan(c["retained"]), yuan(c["returned"]), yuan(c["reasonable"]),
             yuan(c["shared"]), yuan(c["borne"]), yuan(c["settlement"])]
            for u in fig["units"] if (c := u["clearing"])]


def score_rows(u: dict) -> list[list[str]]:
    return [[f"{s['id']} {s['name']}", s["formula"], s.get("annex_source") or "", s["numerator"] or "—",
             s["denominator"] or "—", indicator_value(s["id"], s["value"]), target_text(s["id"], s["target"]),
             score_text(s), reader_text(s["note"])] for s in u["assessment"]["scores"]]


def level_rows(u: dict) -> list[list[str]]:
    return [[lv["level"], str(lv["n"]), yuan(lv["medfee"]), yuan(lv["fund"]), pct(lv["ratio"])] for lv in u["levels"]]


def referral_line(u: dict) -> str:
    r = u.get("referrals")
    if r is None:
        return f"{u['name']}：数据中没有转诊住院标记，连续计算起付线占比缺少数据。"
    if not r["referred"]:
        return f"{u['name']}：服务参保人员住院 {r['inpatients']} 人次，其中无转诊住院。"
    return (f"{u['name']}：服务参保人员住院 {r['inpatients']} 人次，其中转诊住院 {r['referred']} 人次"
            f"（{pct(r['referred_share'])}），连续计算起付线 {r['continued']} 人次，占转诊住院的 {pct(r['continued_share'])}。")


def signal_rows(fig: dict, names: dict[str, str], code: str | None = None) -> list[list[str]]:
    return [[u["name"], _name(names, s["member"]), period_label(s["period"]) if s["period"] else "—", s["kind"], s["text"]]
            for u in fig["units"] for s in u["monitoring"]["signals"] if code is None or s["member"] == code]


def _budget_lines(fig: dict) -> list[str]:
    b = fig.get("budget")
    if not b:
        return ["本年未编制总额预算：" + "；".join(reader_text(n) for n in fig["notes"][-1:])] if fig["notes"] else []
    return [f"按照“以收定支、收支平衡、略有结余”原则，在按规定预留风险调节金后编制总额预算，当期不编制赤字预算："
            f"预计统筹基金收入 {yuan(b['income'])} 元，预留风险调节金 {yuan(b['reserve'])} 元（{pct(b['risk_reserve_rate'])}），"
            f"可用于预算 {yuan(b['available'])} 元，已安排医共体总额预算及家庭医生签约服务费 {yuan(b['committed'])} 元。",
            "医保经办机构对牵头医院按月拨付；服务参保人员在医共体外发生的统筹基金支出在结算时从预算总额中扣减，"
            "当月不足扣减的结转下月。"]


# ---- the county report: Word / web page --------------------------------------------------------


def county_view(fig: dict, names: dict[str, str], *, region_label: str, footer: str) -> DocumentView:
    year = fig["year"]
    if region_label[-1:].isdigit():  # 统筹地区140400 2025年, not 1404002025年
        region_label += " "
    if not fig.get("available", True):
        return DocumentView(key="county_report", title=f"{region_label}{year}年县域医共体医保基金运行与考核报告",
                            subtitle=f"截至{_through(fig)}", lead="本期没有可报告的县域医共体数据。",
                            sections=[Section(heading="说明", paragraphs=[reader_text(fig.get("reason", ""))])],
                            footer=footer)
    sections = [Section(heading="一、总额预算与按月拨付", paragraphs=_budget_lines(fig),
                        tables=[Table(title="各医共体预算执行（年初至本期）", columns=SUMMARY_COLUMNS,
                                      rows=summary_rows(fig, names),
                                      note="结余 = 总额预算 − 域外支出 − 域内支出（统筹基金）；域外扣减含上月结转。",
                                      widths=[2, 1.6, 0.6, 1.2, 1, 1.2, 1.2, 1.2, 1.2, 1.2, 0.7, 0.7])])]
    if fig.get("cleared"):
        clearing = [Table(title="年终清算", columns=CLEARING_COLUMNS, rows=clearing_rows(fig),
                          note="结余按考核等级的比例留用；医保部门认定的合理超支按等级比例由风险调节金分担，"
                               "合计不超过风险调节金。")]
        sections.append(Section(heading="二、年终清算", tables=clearing, paragraphs=[
            "建立“结余留用，合理超支分担”的责任共担机制；结余留用的医保基金纳入业务收入，由牵头医疗机构在医共体内部合理分配。"]))
    else:
        sections.append(Section(heading="二、年终清算", paragraphs=[
            f"本期数据截至{_through(fig)}，年终清算待全年结算数据齐全后进行。"]))
    assess = []
    for u in fig["units"]:
        a = u["assessment"]
        missing = "、".join(a["missing"]) or "无"
        assess.append(Section(heading=u["name"], paragraphs=[
            f"考核总分 {a['total'] or '—'}（按有数据指标的权重折算为百分制），等级 {a['grade']}；缺少数据的指标：{missing}。"],
            tables=[Table(columns=SCORE_COLUMNS, rows=score_rows(u), widths=[1.6, 2.4, 1.2, 1, 1, 1, 0.9, 0.8, 1.6])]))
    sections.append(Section(heading="三、医保绩效考核", paragraphs=[
        "参考《县域医共体医保绩效考核参考指标（试行）》：每项指标列出计算方法、数据来源、分子、分母、值与得分；"
        "输入缺失的指标显示“缺少数据”且不计分。"], subsections=assess))
    levels = [Table(title=u["name"], columns=["就医机构等级", "住院人次", "住院医疗总费用（元）", "基金支付（元）", "实际报销比"],
                    rows=level_rows(u)) for u in fig["units"] if u["levels"]]
    sections.append(Section(heading="四、差别化支付与转诊连续计算起付线", tables=levels, paragraphs=[
        "继续对不同层级医疗机构实行差别化支付政策，对符合规定的转诊住院患者连续计算起付线。下表为服务参保人员"
        "按就医机构等级的住院实际报销比。"] + [referral_line(u) for u in fig["units"]]))
    warnings = [f"{u['name']}：{w}" for u in fig["units"] for w in u["monitoring"]["warnings"]]
    signals = signal_rows(fig, names)
    sections.append(Section(
        heading="五、基金运行监测与预警", paragraphs=(warnings or ["本期未触发预警。"]) + [
            "线索为需要核查的提示，不是认定。逐月基金运行见 Excel 附表。"],
        tables=[Table(title="成员单位线索", columns=["医共体", "成员单位", "月份", "类别", "内容"], rows=signals,
                      widths=[1.6, 1.8, 1, 1.6, 4])] if signals else []))
    sections.append(Section(heading="六、说明", paragraphs=[reader_text(n) for n in fig["notes"]] + [fig["source"]]))
    return DocumentView(
        key="county_report", title=f"{region_label}{year}年县域医共体医保基金运行与考核报告",
        subtitle=f"截至{_through(fig)}",
        lead=f"根据《关于推进辽宁省紧密型县域医疗卫生共同体医保支付方式改革的通知》，现将{region_label}{year}年"
             f"{len(fig['units'])}个县域医共体的总额预算、按月拨付、域外扣减、结余与清算及医保绩效考核情况报告如下。",
        sections=sections, footer=footer)


# ---- the county report: Excel ---------------------------------------------------------------------


def write_county_workbook(fig: dict, names: dict[str, str], out: Path) -> Path:
    """One sheet per part; money as numbers (yuan), the same figures as the Word report."""

    def num(x):
        d = _d(x)
        return None if d is None else float(d)

    summary = [[u["yigongti_id"], u["name"], u["county"], _name(names, u["lead"]), len(u["members"]), num(u["budget"]),
                num(u["family_doctor_fee"]), num(u["disbursed"]), num(u["deducted"]), num(u["inside"]), num(u["outside"]),
                num((u["clearing"] or {}).get("balance", u["balance"])), num((u["clearing"] or {}).get("retained")),
                num((u["clearing"] or {}).get("shared")), num((u["clearing"] or {}).get("settlement")),
                num(u["assessment"]["total"]), u["assessment"]["grade"]] for u in fig.get("units", [])]
    sheets = [
        ("医共体汇总", ["医共体", "名称", "县区划", "牵头医院", "成员数", "总额预算（元）", "签约服务费（元）", "已拨付（元）",
                   "域外扣减（元）", "域内支出（元）", "域外支出（元）", "结余（负为超支）", "结余留用", "基金分担", "清算拨付",
                   "考核总分", "等级"], summary),
        ("按月拨付", ["医共体", "月份", "额度", "域外支出", "扣减", "结转", "预付金", "拨付"],
         [[u["yigongti_id"], m["period"], num(m["quota"]), num(m["outside"]), num(m["deducted"]), num(m["carried"]),
           num(m["advance"]), num(m["disbursed"])] for u in fig.get("units", []) for m in u["months"]]),
        ("绩效考核", ["医共体", "指标", "名称", "分子", "分母", "值", "目标", "权重", "得分", "计算方法", "数据来源", "说明"],
         [[u["yigongti_id"], s["id"], s["name"], num(s["numerator"]), num(s["denominator"]), num(s["value"]),
           target_text(s["id"], s["target"]), num(s["weight"]), num(s["score"]), s["formula"], s.get("annex_source") or "",
           reader_text(s["note"]) if s["value"] is not None else (reader_text(s["note"]) or "缺少数据")]
          for u in fig.get("units", []) for s in u["assessment"]["scores"]]),
        ("基金运行", ["医共体", "月份", "域内支出", "域外支出", "累计", "执行进度", "时间进度", "县域外出院人次", "上年同月"],
         [[u["yigongti_id"], r["period"], num(r["inside"]), num(r["outside"]), num(r["cumulative"]), num(r["execution"]),
           num(r["elapsed"]), r["outside_discharges"], r["outside_discharges_last_year"]]
          for u in fig.get("units", []) for r in u["monitoring"]["months"]]),
        ("预警与线索", ["医共体", "类别", "成员单位", "月份", "内容"],
         [[u["yigongti_id"], "预警", "", "", w] for u in fig.get("units", []) for w in u["monitoring"]["warnings"]]
         + [[u["yigongti_id"], s["kind"], _name(names, s["member"]), s["period"] or "", s["text"]]
            for u in fig.get("units", []) for s in u["monitoring"]["signals"]]),
        ("说明", ["说明"], [[reader_text(n)] for n in fig.get("notes", []) + [fig.get("reason", "")] if n]
         + [[fig.get("source", "")]]),
    ]
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for c in ws[1]:
            c.font = bold
            c.alignment = Alignment(horizontal="center")
        for r in rows:
            ws.append(r)
        for col in range(1, len(header) + 1):
            ws.column_dimensions[ws.cell(1, col).column_letter].width = 18 if col > 1 else 24
        ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# ---- a member's 定向推送 -------------------------------------------------------------------------


def member_block(fig: dict, code: str, names: dict[str, str]) -> ContentBlock | None:
    """The 医共体 the institution belongs to, as its push shows it (None for a non-member)."""
    u = next((x for x in fig.get("units", []) if code in x["members"]), None)
    if u is None:
        return None
    role = "牵头医院" if u["lead"] == code else "成员单位"
    a = u["assessment"]
    lines = [f"贵院为{u['name']}（牵头医院：{_name(names, u['lead'])}，成员单位 {len(u['members'])} 家）的{role}。"
             f"数据截至{_through(fig)}。"]
    if u["budget"] is not None:
        lines.append(f"本年总额预算 {yuan(u['budget'])} 元，已按月拨付牵头医院 {yuan(u['disbursed'])} 元，"
                     f"服务参保人员在医共体外发生的统筹基金支出已扣减 {yuan(u['deducted'])} 元"
                     + (f"（待扣减结转 {yuan(u['carried'])} 元）" if _d(u["carried"]) else "")
                     + f"；医共体内统筹基金支出 {yuan(u['inside'])} 元，结余 {yuan(u['balance'])} 元。")
    else:
        lines.append("本年未对该医共体实行总额付费（未判定为紧密型或未编制预算），仅做考核与监测。")
    if c := u["clearing"]:
        lines.append(f"年终清算：结余（负为超支）{yuan(c['balance'])} 元，结余留用 {yuan(c['retained'])} 元，"
                     f"合理超支基金分担 {yuan(c['shared'])} 元，清算拨付 {yuan(c['settlement'])} 元（负为收回）。")
    lines.append(f"医保绩效考核总分 {a['total'] or '—'}，等级 {a['grade']}。")
    lines += [f"预警：{w}" for w in u["monitoring"]["warnings"][-3:]]
    own = signal_rows(fig, names, code)
    if own:
        lines.append(f"涉及本院的医共体监测线索 {len(own)} 条（推诿、降低医疗服务标准、分解住院），需核查，不是认定。")
    tables = [ContentTable(title="医共体医保绩效考核", columns=["指标", "值", "目标", "得分/权重"],
                           rows=[[f"{s['id']} {s['name']}", indicator_value(s["id"], s["value"]),
                                  target_text(s["id"], s["target"]), score_text(s)] for s in a["scores"]],
                           widths=[3, 1.2, 1.2, 1])]
    return ContentBlock(key="yigongti", title=f"本院所在县域医共体：{u['name']}", paragraphs=lines, tables=tables)
