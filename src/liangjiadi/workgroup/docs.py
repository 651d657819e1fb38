"""The rules section of docs/workgroup.md, generated from the built-in profiles (a test keeps it in step)."""

from __future__ import annotations

from .plan import CHANGZHI_RULES, KIND_CN, RULES
from .profiles import BUILT_IN, load_profile

BEGIN, END = "<!-- rules:begin（由 liangjiadi.workgroup.docs 生成，勿手改） -->", "<!-- rules:end -->"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    out = []
    for name in BUILT_IN:
        p = load_profile(name)
        out += [f"### `{name}`：{p.title}", "", "| 方面 | 规则 | 取值 | 出处 | 原文 |", "|---|---|---|---|---|"]
        for what, c in (("每家机构推荐人数上限", p.max_nominees), ("拒绝第三方运维人员", p.refuse_third_party),
                        ("医保部门人员所在部门（岗位须写明）", p.bureau_departments)):
            value = "、".join(c.value) if isinstance(c.value, list) else {True: "是", False: "否"}.get(c.value, c.value)
            out.append(f"| 成员库 | {what} | {_cell(value)} | {_cell(c.source)} | {_cell(c.quote)} |")
        for r in p.draw:
            value = f"{r.value:g}" + (f"（{'/'.join(r.levels)}）" if r.levels else "")
            out.append(f"| 抽选 | {_cell(r.label)} | {value} | {_cell(r.source)} | {_cell(r.quote)} |")
        t = p.terms
        term = (f"每届 {t.years_per_term} 年；最长 {t.max_years or '不限'} 年；"
                f"{'不得连任' if t.no_consecutive else '可连任'}")
        out.append(f"| 任期 | 任期与连任 | {term} | {_cell(t.source)} | {_cell(t.quote)} |")
        for r in p.roles:
            span = f"{r.min}" if r.min == r.max else f"{r.min}-{r.max}"
            detail = [f"{span} 人"]
            if r.source_from == "bureau":
                detail.append("医保部门人员")
            if r.department:
                detail.append(f"{r.department}部门")
            if r.bureau:
                detail.append(f"医保部门 {r.bureau[0]}-{r.bureau[1]} 人")
            if r.institution:
                detail.append(f"机构代表 {r.institution[0]}-{r.institution[1]} 人")
            out.append(f"| 职务 | {r.role} | {'；'.join(detail)} | {_cell(r.source)} | {_cell(r.quote)} |")
        if p.dismissal:
            out.append(f"| 解除 | 违纪解除任职，立即补充抽选 | — | {_cell(p.dismissal.source)} | {_cell(p.dismissal.quote)} |")
        out.append("")
    out += ["### 年度发布计划的事项（各规则共用；长治的月、季时间用其本地条款）", "",
            "| 事项 | 出处 | 原文 |", "|---|---|---|"]
    for kind, (source, quote) in RULES.items():
        out.append(f"| {KIND_CN[kind]} | {_cell(source)} | {_cell(quote)} |")
    for kind, (source, quote) in CHANGZHI_RULES.items():
        out.append(f"| {KIND_CN[kind]}（changzhi） | {_cell(source)} | {_cell(quote)} |")
    return "\n".join([BEGIN, "", *out, END])


def update_doc(path) -> bool:
    """Replace the generated section of docs/workgroup.md in place; True when it changed."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = text[: text.index(BEGIN)] + rules_markdown() + text[text.index(END) + len(END):]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m liangjiadi.workgroup.docs docs/workgroup.md
    import sys

    print("已更新" if update_doc(sys.argv[1]) else "无变化")
