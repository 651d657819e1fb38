"""The seeds' contents beyond the indicator catalogue, worded for the documents.

seeds/002 长治市规则第十一至十三条 and seeds/001 附录3 ask for 病例入组情况, each institution's
monthly fund settlement, each institution's total cost, fund use, discharges and 住院率, 重点病组,
budget execution, the flow of fund expense, cost structure and 个人负担, common-disease cost
differences, clearing per institution, 特例单议 settlement. `release create` computed them over
the release's window (analysis/contents.py) and froze them as contents.json; this module only
words and lays them out (docs/reports.md “各报告的内容与出处” says which document shows which).
"""

from __future__ import annotations

from . import narrative as N
from .models import ContentBlock, ContentTable
from .source import ReleaseSource

CLEARING_SOURCE = "数据来源：医保经办机构报送的清算结果（清算结果表：申报金额、违规扣除金额、实际支付金额）。"
SETTLEMENT_SOURCE = "数据来源：冻结于发布包的结算数据（有效结算，退费相抵）。"


def _f(value) -> float | None:
    return None if value is None else float(value)


def _money(value) -> str:
    return N.money(_f(value))


def _yuan(value) -> str:
    return N.yuan(_f(value))


def _window_label(src: ReleaseSource, months: list[str]) -> str:
    if not months:
        return src.meta.period_label
    if len(months) == 1:
        return N.period_cn(months[0])
    return f"{N.period_cn(months[0])}至{N.period_cn(months[-1])}"


def contents_of(src: ReleaseSource) -> dict:
    return (src.frozen.contents if src.frozen else {}) or {}


def blocks(src: ReleaseSource) -> dict[str, ContentBlock]:
    """Every block the frozen contents allow, by key; an empty dict for bundles made before
    contents.json existed."""
    c = contents_of(src)
    if not c or c.get("unavailable"):
        return {}
    label = _window_label(src, c.get("months") or [])
    out = {}
    for key, fn in (("cases", _cases), ("monthly_settlement", _monthly_settlement),
                    ("institutions", _institutions), ("key_groups", _key_groups), ("common_costs", _common_costs),
                    ("flow", _flow), ("burden", _burden), ("budget", _budget), ("clearing", _clearing),
                    ("special", _special)):
        block = fn(c, label)
        if block is not None:
            out[key] = block
    return out


# ---- each block ---------------------------------------------------------------------------------


def _cases(c: dict, label: str) -> ContentBlock | None:
    d = c.get("cases") or {}
    rows = d.get("rows") or []
    if not rows:
        return ContentBlock(key="cases", title="病例入组情况", paragraphs=[f"{label}本地定点医疗机构无住院病例。"])
    region = rows[0]
    text = (f"{label}本地定点医疗机构住院病例{N.count(region['cases'], '例')}，其中入组"
            f"{N.count(region['grouped'], '例')}，入组率{N.pct(region['rate'])}；未入组"
            f"{N.count(region['cases'] - region['grouped'], '例')}。")
    levels = [f"{r['level']}{N.pct(r['rate'])}" for r in rows[1:]]
    if levels:
        text += "分级别入组率：" + "，".join(levels) + "。"
    table = ContentTable(title="病例入组情况", columns=["范围", "住院病例", "入组病例", "入组率"],
                         rows=[[r["level"], N.count(r["cases"]), N.count(r["grouped"]), N.pct(r["rate"])] for r in rows],
                         note="入组病例：有结算清单且已分入DRG/DIP病组的病例（未入组、歧义组不计）。",
                         widths=[2, 1, 1, 1])
    months = d.get("months") or []
    tables = [table]
    if len(months) > 1:
        tables.append(ContentTable(title="病例入组情况（按月）", columns=["月份", "住院病例", "入组病例", "入组率"],
                                   rows=[[N.period_cn(m["period"]), N.count(m["cases"]), N.count(m["grouped"]),
                                          N.pct(m["rate"])] for m in months], widths=[2, 1, 1, 1]))
    return ContentBlock(key="cases", title="病例入组情况", paragraphs=[text], tables=tables)


def _monthly_settlement(c: dict, label: str) -> ContentBlock | None:
    d = c.get("settlement") or {}
    rows, months = d.get("rows") or [], d.get("months") or []
    if not rows:
        return None
    total = d.get("total") or {}
    text = (f"{label}本地{len(rows)}家定点医疗机构（不含定点零售药店）基金支付合计{_money(total.get('fund'))}，"
            f"其中统筹基金{_money(total.get('hifp'))}。")
    if len(months) == 1:
        columns = ["机构", "级别", "统筹基金支付", "基金支付合计"]
        body = [[r["name"], r["level"], _money(r["monthly"][0]["hifp"]), _money(r["monthly"][0]["fund"])] for r in rows]
        widths = [3, 1.2, 1.5, 1.5]
    else:
        columns = ["机构", "级别"] + [f"{int(m[5:])}月统筹基金" for m in months] + ["合计"]
        body = [[r["name"], r["level"]] + [_money(m["hifp"]) for m in r["monthly"]] + [_money(r["hifp"])]
                for r in rows]
        widths = [3, 1.2] + [1.3] * len(months) + [1.3]
    return ContentBlock(key="monthly_settlement", title="各定点医疗机构月度基金结算情况", paragraphs=[text],
                        tables=[ContentTable(title="各定点医疗机构月度基金结算", columns=columns, rows=body,
                                             note=SETTLEMENT_SOURCE + "统筹基金：基本医疗保险统筹基金支出；"
                                                  "基金支付合计另含大病保险、医疗救助等。", widths=widths)])


def _institutions(c: dict, label: str) -> ContentBlock | None:
    d = c.get("settlement") or {}
    rows = d.get("rows") or []
    if not rows:
        return None
    total = d.get("total") or {}
    text = (f"{label}本地定点医疗机构医疗总费用{_money(total.get('medfee'))}，医保基金支付{_money(total.get('fund'))}，"
            f"出院{N.count(total.get('discharges'), '人次')}，门诊{N.count(total.get('visits'), '人次')}。")
    table = ContentTable(
        title="各定点医疗机构医疗总费用、医保基金使用、出院人次及住院率",
        columns=["机构", "级别", "医疗总费用", "医保基金支付", "出院人次", "住院率"],
        rows=[[r["name"], r["level"], _money(r["medfee"]), _money(r["fund"]), N.count(r["discharges"]),
               N.pct(r["admission_rate"])] for r in rows],
        note=SETTLEMENT_SOURCE + "住院率 = 出院人次 ÷ 门诊人次（本机构收治住院的比例）；无门诊结算的机构不计算。",
        widths=[3, 1.2, 1.5, 1.5, 1, 1])
    return ContentBlock(key="institutions", title="各定点医疗机构医疗总费用、基金使用、出院人次及住院率",
                        paragraphs=[text], tables=[table])


def _group_rows(rows: list[dict], with_change: bool) -> list[list[str]]:
    out = []
    for r in rows:
        row = [r["code"], r["name"] or "—", N.count(r["cases"]), _money(r["cost"]), _yuan(r["per_case"])]
        if with_change:
            row += [N.count(r["last_year_cases"]) if r["last_year_cases"] is not None else "—",
                    N.fmt_change("count", r["change"])]
        else:
            row += [N.pct(r["case_share"]), N.pct(r["cost_share"])]
        out.append(row)
    return out


def _key_groups(c: dict, label: str) -> ContentBlock | None:
    d = c.get("key_groups") or {}
    if not d.get("by_volume"):
        return ContentBlock(key="key_groups", title="重点病组结算情况", paragraphs=[f"{label}无入组病例。"])
    top = d["by_volume"][0]
    costly = d["by_cost"][0]
    text = [f"{label}入组病例分布于{d['groups']}个病组，共{N.count(d['cases'], '例')}，医疗总费用{_money(d['cost'])}。"
            f"病例数最多的病组为{top['code']}（{top['name'] or '—'}），{N.count(top['cases'], '例')}，占{N.pct(top['case_share'])}；"
            f"费用最高的病组为{costly['code']}（{costly['name'] or '—'}），{_money(costly['cost'])}，占{N.pct(costly['cost_share'])}。"]
    if d.get("by_change"):
        ch = d["by_change"][0]
        text.append(f"与上年同期相比变化最大的病组为{ch['code']}（{ch['name'] or '—'}），病例数由"
                    f"{N.count(ch['last_year_cases'], '例')}变为{N.count(ch['cases'], '例')}（{N.fmt_change('count', ch['change'])}）。")
    elif not d.get("compared"):
        text.append("数据湖中没有上年同期的病例，不作同比。")
    cols = ["病组", "名称", "病例数", "医疗总费用", "次均费用"]
    widths = [1, 3.2, 0.9, 1.3, 1.3, 1, 1]
    tables = [ContentTable(title="重点病组：病例数前十位", columns=cols + ["病例占比", "费用占比"],
                           rows=_group_rows(d["by_volume"], False), widths=widths),
              ContentTable(title="重点病组：医疗总费用前十位", columns=cols + ["病例占比", "费用占比"],
                           rows=_group_rows(d["by_cost"], False), widths=widths)]
    if d.get("by_change"):
        tables.append(ContentTable(title="重点病组：病例数同比变化最大的十个病组", columns=cols + ["上年同期", "同比"],
                                   rows=_group_rows(d["by_change"], True), widths=widths,
                                   note=f"只比较本期与上年同期病例数均不少于{d['min_cases']}例的病组。"))
    return ContentBlock(key="key_groups", title="重点病组结算情况", paragraphs=text, tables=tables)


def _common_costs(c: dict, label: str) -> ContentBlock | None:
    d = c.get("common_costs") or {}
    if not d.get("groups"):
        return None
    rows = d.get("rows") or []
    if not rows:
        return ContentBlock(key="common_costs", title="常见病组费用差异", paragraphs=[
            f"{label}病例数最多的{len(d['groups'])}个病组中，同级别病例数不少于{d['min_cases']}例的机构均不足2家，暂不作同级比较。"])
    widest = max((r for r in rows if r["spread"] is not None), key=lambda r: r["spread"], default=None)
    text = [f"选取{label}病例数最多的{len(d['groups'])}个病组，比较同级别医疗机构（病例数不少于{d['min_cases']}例）之间的次均费用。"]
    if widest:
        text.append(f"差异最大的是{widest['level']}医疗机构的{widest['code']}（{widest['name'] or '—'}），次均费用最高"
                    f"{_yuan(widest['highest'])}、最低{_yuan(widest['lowest'])}，相差{N.number(widest['spread'], 2, '倍')}，"
                    "提示治疗路径和管理水平存在差异。")
    table = ContentTable(title="常见病组同级机构次均费用差异",
                         columns=["病组", "名称", "级别", "机构数", "最低", "中位数", "最高", "最高÷最低"],
                         rows=[[r["code"], r["name"] or "—", r["level"], str(r["institutions"]), _yuan(r["lowest"]),
                                _yuan(r["median"]), _yuan(r["highest"]), N.number(r["spread"], 2, "倍")] for r in rows],
                         widths=[0.9, 2.6, 1, 0.7, 1.2, 1.2, 1.2, 1])
    return ContentBlock(key="common_costs", title="常见病组费用差异", paragraphs=text, tables=[table])


def _share_rows(rows: list[dict]) -> list[list[str]]:
    return [[r["key"], _money(r["amount"]), N.pct(r["share"])] for r in rows]


def _flow(c: dict, label: str) -> ContentBlock | None:
    d = c.get("flow") or {}
    if not d.get("by_level") and not d.get("by_direction"):
        return None
    text = []
    if d.get("by_level"):
        text.append(f"{label}统筹基金在本地定点医药机构的支出流向：" + "，".join(
            f"{r['key']}{_money(r['amount'])}（{N.pct(r['share'])}）" for r in d["by_level"]) + "。")
    if d.get("by_direction"):
        text.append("按就医地与参保地：" + "，".join(
            f"{r['key']}{_money(r['amount'])}（{N.pct(r['share'])}）" for r in d["by_direction"]) + "。")
    tables = [ContentTable(title="统筹基金支出流向（按机构级别）", columns=["机构级别", "统筹基金支出", "占比"],
                           rows=_share_rows(d.get("by_level") or []), widths=[2, 1.5, 1]),
              ContentTable(title="统筹基金支出流向（按就医方向）", columns=["方向", "统筹基金支出", "占比"],
                           rows=_share_rows(d.get("by_direction") or []), widths=[2, 1.5, 1], note=SETTLEMENT_SOURCE)]
    return ContentBlock(key="flow", title="基金支出流向", paragraphs=text, tables=tables)


def _burden(c: dict, label: str) -> ContentBlock | None:
    d = c.get("burden") or {}
    rows, structure = d.get("rows") or [], d.get("structure") or []
    if not rows and not structure:
        return None
    text, tables = [], []
    ipt = next((r for r in rows if r["kind"] == "住院"), None)
    if ipt:
        text.append(f"{label}本地参保人住院次均个人负担{_yuan(ipt['per_visit_part'])}，人均个人负担"
                    f"{_yuan(ipt['per_person_part'])}，个人负担占医疗费用的{N.pct(ipt['part_share'])}；"
                    f"次均个人账户支出{_yuan(ipt['per_visit_acct'])}。")
    if rows:
        tables.append(ContentTable(
            title="参保人个人负担", columns=["就医类别", "次均个人负担", "人均个人负担", "次均个人账户支出",
                                     "人均个人账户支出", "个人负担占比"],
            rows=[[r["kind"], _yuan(r["per_visit_part"]), _yuan(r["per_person_part"]), _yuan(r["per_visit_acct"]),
                   _yuan(r["per_person_acct"]), N.pct(r["part_share"])] for r in rows],
            note="本地参保人（含异地就医）；个人负担 = 个人负担总金额（含个人账户与现金支付）；次均按结算人次，人均按就医人数。",
            widths=[1.2, 1.2, 1.2, 1.2, 1.2, 1]))
    if structure:
        top = structure[0]
        text.append(f"住院医疗费用结构中{top['item']}占比最高（{N.pct(top['share'])}）。")
        tables.append(ContentTable(
            title="住院医疗费用结构", columns=["费用类别", "金额", "占比", "上年同期占比", "变化"],
            rows=[[r["item"], _money(r["amount"]), N.pct(r["share"]), N.pct(r["last_share"]),
                   "—" if r["share"] is None or r["last_share"] is None
                   else f"{(r['share'] - r['last_share']) * 100:+.2f}个百分点"] for r in structure],
            note="本地定点医疗机构住院病例的费用构成（收费项目类别）。", widths=[1.5, 1.5, 1, 1.2, 1.3]))
    return ContentBlock(key="burden", title="医疗费用结构与个人负担", paragraphs=text, tables=tables)


def _budget(c: dict, label: str) -> ContentBlock | None:
    d = c.get("budget") or {}
    if not d:
        return None
    year, progress = d["year"], d.get("time_progress")
    text = []
    if d.get("has_budget"):
        done = [r for r in d["rows"] if r["execution"] is not None]
        text.append(f"{year}年度预算执行（1至{d['months_elapsed']}月，时间进度{N.pct(progress)}）：" + "，".join(
            f"{r['item']}执行{N.pct(r['execution'])}" for r in done) + "。")
    else:
        text.append(f"未导入{year}年度预算，不计算预算执行率；以下列出{year}年1至{d['months_elapsed']}月统筹基金实际支出。")
    if d.get("has_next_budget"):
        text.append(f"{year + 1}年度预算：" + "，".join(
            f"{r['item']}{_money(r['next_year'])}" + (f"（较本年实际支出{N.fmt_change('amount', r['next_vs_actual'])}）"
                                                     if r["next_vs_actual"] is not None else "")
            for r in d["rows"] if r["next_year"] is not None) + "。")
    table = ContentTable(title="预算执行情况",
                         columns=["项目", f"{year}年预算", "年初至今实际支出", "执行率", f"{year + 1}年预算"],
                         rows=[[r["item"], _money(r["budget"]), _money(r["actual"]), N.pct(r["execution"]),
                                _money(r["next_year"])] for r in d["rows"]],
                         note="实际支出：本地参保人在本地定点医疗机构的统筹基金支出（住院、门诊；DRG/DIP付费为开展DRG/DIP付费机构的住院）。",
                         widths=[2, 1.3, 1.5, 1, 1.3])
    return ContentBlock(key="budget", title="预算执行情况", paragraphs=text, tables=[table])


def _clearing(c: dict, label: str) -> ContentBlock | None:
    d = c.get("clearing") or {}
    if not d.get("available"):
        return ContentBlock(key="clearing", title="各定点医疗机构清算情况",
                            paragraphs=[f"{label}没有清算结果，暂不通报各机构清算情况。"])
    t = d["total"]
    text = [f"{label}各定点医疗机构申报医保结算金额{_money(t['declared'])}，违规扣除{_money(t['deducted'])}，"
            f"实际支付{_money(t['paid'])}，拨付到位率{N.pct(t['paid_rate'])}。", CLEARING_SOURCE]
    table = ContentTable(title="各定点医疗机构清算情况",
                         columns=["机构", "级别", "申报金额", "违规扣除", "实际支付", "扣除比例", "到位率"],
                         rows=[[r["name"], r["level"], _money(r["declared"]), _money(r["deducted"]), _money(r["paid"]),
                                N.pct(r["deducted_rate"]), N.pct(r["paid_rate"])] for r in d["rows"]],
                         note=CLEARING_SOURCE + "到位率 = 实际支付 ÷（申报金额 − 违规扣除）。",
                         widths=[3, 1.1, 1.3, 1.2, 1.3, 1, 1])
    return ContentBlock(key="clearing", title="各定点医疗机构清算情况", paragraphs=text, tables=[table])


def _special(c: dict, label: str) -> ContentBlock | None:
    d = c.get("special") or {}
    rows = d.get("rows") or []
    if d.get("available") is False:  # releases frozen before the flag existed keep their wording
        return ContentBlock(key="special", title="特例单议受理及结算情况",
                            paragraphs=[f"{label}未提供特例单议数据（special_case 表），暂不通报特例单议受理情况。"])
    if not rows:
        return ContentBlock(key="special", title="特例单议受理及结算情况", paragraphs=[f"{label}未受理特例单议申请。"])
    r0 = rows[0]
    text = [f"{label}受理特例单议申请{N.count(r0['applied'], '份')}，审核通过{N.count(r0['approved'], '份')}、"
            f"不通过{N.count(r0['rejected'], '份')}、待审{N.count(r0['pending'], '份')}；通过病例医疗总费用"
            f"{_money(r0['approved_medfee'])}，统筹基金支付{_money(r0['approved_hifp'])}。"]
    table = ContentTable(title="特例单议受理及结算", columns=["范围", "申请", "通过", "不通过", "待审", "通过率",
                                                      "通过病例医疗总费用", "通过病例统筹基金"],
                         rows=[[r["level"], N.count(r["applied"]), N.count(r["approved"]), N.count(r["rejected"]),
                                N.count(r["pending"]), N.pct(r["approval_rate"]), _money(r["approved_medfee"]),
                                _money(r["approved_hifp"])] for r in rows],
                         note="申请按其病例的结算期间归属；通过率 = 通过 ÷（通过 + 不通过）。",
                         widths=[1.4, 0.8, 0.8, 0.8, 0.8, 1, 1.5, 1.5])
    return ContentBlock(key="special", title="特例单议受理及结算情况", paragraphs=text, tables=[table])


# ---- 下一步工作打算 --------------------------------------------------------------------------------


CN_NUM = "一二三四五六七八九十"


def next_steps(src: ReleaseSource, *, warnings: list[str], findings: list, named: list[tuple[str, str]],
               next_label: str) -> list[str]:
    """下一步工作打算 drafted from the period: the fund's warnings, the findings and the institutions
    named, the 入组率, the budget execution, pending 特例单议 and the 复核 conclusion. Each line is
    a draft the working group edits in Word before sending."""
    c = contents_of(src)
    items: list[str] = []
    if warnings:
        items.append("基金运行。" + "".join(warnings) + "将按月跟踪基金收支，提请各定点医疗机构合理控制费用增长，"
                     "共同应对基金运行压力。")
    else:
        items.append("基金运行。本期基金运行分析未发出警示，继续按月跟踪基金收支和可支付月数。")
    if findings:
        insts = sorted({f.institution_name for f in findings if f.institution_name})
        high = sum(1 for f in findings if f.severity == "high")
        line = f"线索核查。本期疑点线索{len(findings)}条（高{high}条），涉及{len(insts)}家机构"
        line += ("：" + "、".join(insts[:8]) + ("等" if len(insts) > 8 else "")) if insts else ""
        items.append(line + "。相关机构请于收到本报告后15个工作日内完成自查并书面说明；医保部门将对高等级线索组织核查。")
    if named:
        names = sorted({n for n, _ in named})
        items.append("重点指标。对" + "、".join(names[:8]) + ("等" if len(names) > 8 else "")
                     + f"{len(names)}家在重点指标上偏离同级较大的机构，请结合本报告所列指标逐项分析原因，于下次发布前反馈。")
    cases = ((c.get("cases") or {}).get("rows") or [None])[0]
    if cases and cases.get("rate") is not None and cases["cases"] > cases["grouped"]:
        items.append(f"结算清单与入组。本期入组率{N.pct(cases['rate'])}，未入组病例"
                     f"{N.count(cases['cases'] - cases['grouped'], '例')}，请相关机构核对结算清单的诊断与手术编码，提高入组质量。")
    budget = c.get("budget") or {}
    over = [r for r in budget.get("rows") or [] if r.get("execution") is not None
            and r["execution"] > (budget.get("time_progress") or 1)]
    if over:
        items.append("预算执行。" + "、".join(r["item"] for r in over) + f"执行进度快于时间进度（{N.pct(budget['time_progress'])}），"
                     "将加强月度监测，必要时提示相关机构。")
    special = ((c.get("special") or {}).get("rows") or [None])[0]
    if special and special.get("pending"):
        items.append(f"特例单议。尚有{N.count(special['pending'], '份')}申请待审，将在下一结算周期内完成审核并反馈结果。")
    if src.release.check_status in ("warn", "fail"):
        items.append(f"数据质量。本期复核结论为“{src.meta.check_status_cn}”，将会同有关机构核实提示项目，在数据底稿中说明。")
    items.append(f"发布安排。{next_label}数据发布的时间、形式另行通知；欢迎各定点医疗机构通过数据工作组成员反馈意见建议。")
    return [f"（{CN_NUM[i]}）{text}" for i, text in enumerate(items)]
