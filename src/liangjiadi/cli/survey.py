"""`liangjiadi survey ...`: the 附录4 questionnaire (thin: logic in survey/)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError
from .common import WorkdirOpt, console, friendly_errors, settings_for
from .release import ByOpt, _by

survey_app = typer.Typer(help="调查问卷（附录4，无记名）：开放、发放一次性答卷码、查看结果、导出 xlsx 报省级。",
                         no_args_is_help=True)

SurveyArg = Annotated[int, typer.Argument(help="问卷编号（liangjiadi survey list）")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="输出文件")]


def _region(settings, admdvs: str | None) -> str:
    region = admdvs or settings.region_admdvs
    if not region:
        raise ConfigError("未指定统筹地区", "请用 --admdvs 指定 6 位区划代码（或配置 LJD_REGION_ADMDVS）")
    return region


def survey_open(
    workdir: WorkdirOpt = None,
    meeting: Annotated[str | None, typer.Option("--meeting", help="发布活动（会议）名称，例如 2026年1月数据发布会")] = None,
    release: Annotated[str | None, typer.Option("--release", help="对应的发布编号")] = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="统筹地区区划代码（缺省取配置 region_admdvs）")] = None,
    title: Annotated[str | None, typer.Option("--title", help="问卷名称（缺省：调查问卷（参考版）（会议或发布））")] = None,
    by: ByOpt = None,
) -> None:
    """开放问卷：对应一次发布活动（会议）或一次发布。"""
    from ..survey.service import open_survey

    with friendly_errors():
        settings = settings_for(workdir)
        made = open_survey(settings, _region(settings, admdvs), _by(by), release_id=release, meeting=meeting,
                           title=title)
    console.print(f"已开放问卷 {made['id']}：{escape(made['title'])}；下一步：liangjiadi survey codes {made['id']} --count N",
                  soft_wrap=True)


def survey_list(workdir: WorkdirOpt = None,
                admdvs: Annotated[str | None, typer.Option("--admdvs", help="只列该统筹地区")] = None,
                province: Annotated[str | None, typer.Option("--province", help="只列该省（区划前两位，例如 14）")] = None) -> None:
    """列出问卷及答卷码、答卷份数。"""
    from ..survey.service import list_surveys

    with friendly_errors():
        rows = list_surveys(settings_for(workdir), admdvs=admdvs, province=province)
    table = Table(title=f"问卷（{len(rows)} 份）")
    for col in ("编号", "地区", "名称", "发布活动（会议）", "对应发布", "状态", "已发码", "已用码", "答卷"):
        table.add_column(col)
    for s in rows:
        table.add_row(str(s["id"]), s["admdvs"], escape(s["title"]), escape(s["meeting"] or "—"),
                      escape(s["release_id"] or "—"), s["state_cn"], str(s["codes_issued"]), str(s["codes_used"]),
                      str(s["responses"]))
    console.print(table)


def survey_close(survey_id: SurveyArg, workdir: WorkdirOpt = None, by: ByOpt = None) -> None:
    """结束问卷：不再接受答卷，也不再发放答卷码。"""
    from ..survey.service import close_survey

    with friendly_errors():
        done = close_survey(settings_for(workdir), survey_id, _by(by))
    console.print(f"问卷 {survey_id} 已结束，共 {done['responses']} 份答卷")


def survey_codes(
    survey_id: SurveyArg,
    out: OutOpt,
    workdir: WorkdirOpt = None,
    count: Annotated[int, typer.Option("--count", "-n", help="按发布活动发放：答卷码个数")] = 0,
    per_institution: Annotated[int, typer.Option("--per-institution", help="按机构发放：每家机构的答卷码个数（与 --release 同用）")] = 0,
    release: Annotated[str | None, typer.Option("--release", help="按机构发放时，机构名单取自该发布（含定点零售药店）")] = None,
) -> None:
    """发放一次性答卷码，写入 CSV（只此一次：库中只存摘要，按机构发放的对应关系也不入库）。"""
    from ..survey.service import issue_codes

    with friendly_errors():
        settings = settings_for(workdir)
        if per_institution:
            rows = _per_institution(settings, survey_id, per_institution, release)
            header = ["机构编码", "机构名称", "答卷码"]
        elif count:
            rows = [[c] for c in issue_codes(settings, survey_id, count)]
            header = ["答卷码"]
        else:
            raise ConfigError("请用 --count 指定答卷码个数，或用 --per-institution 与 --release 按机构发放")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8-sig") as fh:
            from ..safe_output import csv_row

            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(csv_row(r) for r in rows)
    console.print(f"已生成 {len(rows)} 个答卷码，写入 {out}（请打印发放后妥善销毁此文件）", soft_wrap=True)


def _per_institution(settings, survey_id: int, each: int, release_id: str | None) -> list[list[str]]:
    from ..portal.catalog import find_release, institutions
    from ..survey.service import issue_codes

    if not release_id:
        raise ConfigError("按机构发放须用 --release 指定机构名单所在的发布")
    release = find_release(settings, release_id)
    if release is None:
        raise ConfigError(f"发布 {release_id} 不存在", "liangjiadi release list 列出发布")
    directory = sorted(institutions(release).values(), key=lambda i: i["code"])
    codes = issue_codes(settings, survey_id, each * len(directory))
    return [[inst["code"], inst.get("name") or "", codes[n * each + k]] for n, inst in enumerate(directory)
            for k in range(each)]


def _aggregate(settings, survey_ids: list[int]):
    from ..survey.questionnaire import load
    from ..survey.results import aggregate
    from ..survey.service import require_survey, sheets

    surveys = [require_survey(settings, i) for i in survey_ids]
    return surveys, {s["id"]: aggregate(load(), sheets(settings, [s["id"]])) for s in surveys}


def survey_results(survey_id: SurveyArg, workdir: WorkdirOpt = None) -> None:
    """按题汇总（拖欠相关题标注）。"""
    with friendly_errors():
        surveys, results = _aggregate(settings_for(workdir), [survey_id])
    result = results[survey_id]
    console.print(f"{escape(surveys[0]['title'])}：答卷 {result['n']} 份", soft_wrap=True)
    groups = "，".join(f"{g} {n}" for g, n in result["groups"].items() if n)
    console.print(f"按类别与等级：{groups or '无'}", soft_wrap=True)
    for q in result["questions"]:
        mark = "［拖欠相关］" if q["arrears"] else ""
        if q["options"]:
            parts = "；".join(f"{o['key']} {o['count']}" for o in q["options"])
        elif q["number"] is not None:
            n = q["number"]
            parts = f"{n['n']} 份" + (f"，平均 {n['mean']}，中位数 {n['median']}" if n["n"] else "")
        else:
            parts = f"{len(q['texts'])} 条意见"
        console.print(f"{q['no']}. {mark}{parts}（作答 {q['answered']}）", soft_wrap=True)
    for a in result["arrears"]:
        console.print(f"[yellow]拖欠线索[/]：第{a['no']}题 {a['key']}.{escape(a['option'])} {a['count']}/{a['answered']}",
                      soft_wrap=True)


def survey_export(
    out: OutOpt,
    survey_ids: Annotated[list[int] | None, typer.Argument(help="问卷编号（可多个）；缺省为 --province 或 --admdvs 的全部问卷")] = None,
    workdir: WorkdirOpt = None,
    province: Annotated[str | None, typer.Option("--province", help="该省全部问卷（区划前两位，例如 14）")] = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="该统筹地区全部问卷")] = None,
) -> None:
    """导出问卷结果 xlsx（供省级医保部门汇总分析；拖欠相关题单列）。"""
    from ..survey.export import write_results
    from ..survey.questionnaire import load
    from ..survey.service import list_surveys

    with friendly_errors():
        settings = settings_for(workdir)
        ids = list(survey_ids or [])
        if not ids:
            if not (province or admdvs):
                raise ConfigError("请指定问卷编号，或用 --province / --admdvs 导出一地的全部问卷")
            ids = [s["id"] for s in reversed(list_surveys(settings, admdvs=admdvs, province=province))]
        if not ids:
            raise ConfigError("没有符合条件的问卷")
        surveys, results = _aggregate(settings, ids)
        write_results(out, load(), surveys, results)
    console.print(f"已导出 {len(surveys)} 份问卷、{sum(r['n'] for r in results.values())} 份答卷的结果：{out}", soft_wrap=True)


for _name, _func in (("open", survey_open), ("list", survey_list), ("codes", survey_codes), ("close", survey_close),
                     ("results", survey_results), ("export", survey_export)):
    survey_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
