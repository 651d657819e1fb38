"""年度工作总结 (001 §六(八) 年度末全面梳理, §七(五) 开展工作总结): a Word draft from what the tool records.

Objections answered, 提醒函 closed and the questionnaire come from their records in the release
database (releases/objections.py, releases/letters.py, survey/); what the tool does not record is
left as a marked gap for the group to write, never invented.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from . import store
from .errors import WorkgroupError
from .meetings import AGENDA_001, COVERAGE_SOURCE, Coverage, agenda_gaps
from .plan import plan_status, warnings
from .profiles import LEVELS, Profile
from .service import status
from .word import add_table, new_document, save

GAP = "（待填写：本工具尚未登记此项）"


def write_summary(settings, profile: Profile, year: int, out: Path, *, as_of: date,
                  coverage: Coverage | None = None) -> Path:
    workdir = Path(settings.workdir)
    region = settings.region_name or "本统筹地区"
    info = status(workdir, profile, year)
    doc = new_document(f"{region}医保数据工作组{year}年度工作总结（草稿）")
    doc.add_paragraph(f"依据：001 §六(八)“年度末要全面梳理医保数据发布工作开展情况，总结工作成效、存在问题和不足，"
                      f"研究下一年度重点工作。”本草稿由工具按登记的记录生成（截至 {as_of}），请工作组审阅补充。")

    doc.add_heading("一、工作组组成", level=1)
    draws = info["draws"]
    doc.add_paragraph(f"规则：{profile.title}。本年度抽选 {sum(d['kind'] == 'initial' for d in draws)} 次、"
                      f"补充抽选 {sum(d['kind'] == 'replacement' for d in draws)} 次；在任定点医疗机构代表 "
                      f"{len(info['serving'])} 人，医保部门成员 {len(info['bureau'])} 人。")
    levels = Counter(p.单位级别 for p in info["serving"])
    if info["serving"]:
        doc.add_paragraph("在任代表级别分布：" + "、".join(f"{k} {levels[k]} 人" for k in LEVELS if levels[k]))
    for t in info["left"]:
        doc.add_paragraph(f"{t['person']['单位名称']}代表{t['status']}：{t['reason']}")
    for problem in info["role_problems"]:
        doc.add_paragraph(f"职务尚未满足：{problem}")

    doc.add_heading("二、数据发布", level=1)
    try:
        _plan, items = plan_status(settings, year, as_of)
    except WorkgroupError as exc:
        doc.add_paragraph(f"年度发布计划：{exc.message}")
        items = []
    if items:
        counts = Counter(i.status for i in items)
        doc.add_paragraph("年度发布计划 " + f"{len(items)} 项：" + "、".join(f"{k} {v} 项" for k, v in counts.items()))
        add_table(doc, ["事项", "应完成", "完成", "状态"],
                  [[i.title, i.due, i.done_on or "—", i.status + (f"（{i.days} 天）" if i.days and "逾期" in i.status else "")]
                   for i in items if i.kind in ("quarterly", "topic", "half_inpatient", "half_special") or "逾期" in i.status])

    doc.add_heading("三、面对面发布", level=1)
    meetings = [m for m in store.load(workdir)["meetings"] if m["date"].startswith(str(year))]
    offline = sum(m["mode"] == "线下" for m in meetings)
    doc.add_paragraph(f"全年面对面发布 {len(meetings)} 次，其中线下 {offline} 次。议程参照 001 §六(六)："
                      + "、".join(AGENDA_001) + "。")
    if meetings:
        add_table(doc, ["日期", "形式", "名称", "参会机构", "说明"],
                  [[m["date"], m["mode"], m["title"], len(m.get("attending", [])), "；".join(agenda_gaps(m)) or "—"]
                   for m in meetings])
    if coverage:
        doc.add_paragraph(f"近两年（{coverage.start} 至 {coverage.end}）覆盖定点医疗机构 {len(coverage.covered)} / "
                          f"{coverage.designated} 家（{coverage.share:.1%}），参会机构中基层占 {coverage.basic_share:.1%}"
                          f"（{COVERAGE_SOURCE[0]}：“{COVERAGE_SOURCE[1]}”）。")
    else:
        doc.add_paragraph("机构覆盖：" + GAP + "（用 liangjiadi group meeting coverage 计算）")

    doc.add_heading("四、意见收集与反馈", level=1)
    for line in _feedback(settings, year):
        doc.add_paragraph(line)

    doc.add_heading("五、存在问题与不足", level=1)
    for text in warnings(items) or ["（按登记的记录，未发现逾期事项）"]:
        doc.add_paragraph(text, style="List Bullet")

    doc.add_heading("六、下一年度重点工作", level=1)
    doc.add_paragraph(f"{year + 1} 年度数据发布计划（001 §三(一)：每年 12 月底前确定并报送省级医保部门）：" + GAP)
    return save(doc, out)


def _in_year(stamp: str | None, year: int) -> bool:
    return bool(stamp) and stamp[:4] == str(year)


def _feedback(settings, year: int) -> list[str]:
    """Objections, 提醒函 and the questionnaire of the year, counted from their records (001 §六(七)(八), 附录4)."""
    from ..errors import LjdError
    from ..releases.letters import list_letters
    from ..releases.objections import list_objections
    from ..survey.questionnaire import load
    from ..survey.results import aggregate
    from ..survey.service import list_surveys, sheets

    region = settings.region_admdvs
    try:
        objections = [o for o in list_objections(settings, admdvs=region) if _in_year(o["submitted_at"], year)]
        letters = [x for x in list_letters(settings, admdvs=region) if _in_year(x["issued_at"], year)]
        surveys = [v for v in list_surveys(settings, admdvs=region) if _in_year(v["opened_at"], year)]
        answers = sheets(settings, [v["id"] for v in surveys]) if surveys else []
    except LjdError as exc:
        return [f"异议、提醒函与问卷的记录无法读取（{exc.message}）：" + GAP]
    lines = []
    if objections:
        answered = [o for o in objections if o["answered_at"]]
        lines.append(f"定点医药机构异议 {len(objections)} 件，已答复 {len(answered)} 件（采纳 "
                     f"{sum(o['adopted'] is True for o in answered)} 件，不采纳 {sum(o['adopted'] is False for o in answered)} 件），"
                     f"据以更正发布 {sum(bool(o['correction_release_id']) for o in objections)} 次，"
                     f"逾期未答复 {sum(o['overdue'] for o in objections)} 件（001 §六(八)）。")
    else:
        lines.append("定点医药机构异议：本年度没有登记的异议。")
    if letters:
        lines.append(f"点名提醒函 {len(letters)} 件，已签收回执 {sum(bool(x['signed_at']) for x in letters)} 件，"
                     f"已报送自查报告 {sum(bool(x['reported_at']) for x in letters)} 件，移交核查 "
                     f"{sum(bool(x['route_to']) for x in letters)} 件，已办结 {sum(bool(x['closed_at']) for x in letters)} 件，"
                     f"逾期 {sum(x['overdue'] for x in letters)} 件（001 §六(七)、附录3）。")
    else:
        lines.append("点名提醒函：本年度没有发出提醒函。")
    if surveys:
        result = aggregate(load(), answers)
        signals = [a for a in result["arrears"] if a["count"]]
        lines.append(f"调查问卷（附录4）开放 {len(surveys)} 次，收回无记名答卷 {result['n']} 份"
                     + ("；指向拖欠的选项：" + "；".join(f"第{a['no']}题“{a['option']}”{a['count']}/{a['answered']}"
                                                     for a in signals) if signals else "；没有答卷选择指向拖欠的选项")
                     + "。问卷结果由省级医保部门汇总分析（001 §六(六)）。")
    else:
        lines.append("调查问卷（附录4）：本年度没有开放问卷。")
    return lines
