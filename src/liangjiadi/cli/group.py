"""`liangjiadi group ...`: the working group's pool, draw, verification, replacements and roles (logic in workgroup/).

Exit codes: 0 done; 1 rows rejected on import, a draw the pool cannot satisfy, or a draw directory
that does not verify; 2 the command could not run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import WorkdirOpt, console, err_console, friendly_errors, settings_for

group_app = typer.Typer(help="数据工作组：成员库、随机抽选与公示、复核、补充抽选、职务与年度计划。", no_args_is_help=True)
pool_app = typer.Typer(help="成员库（定点医疗机构推荐人选与医保部门人员）。", no_args_is_help=True)
group_app.add_typer(pool_app, name="pool")

ProfileOpt = Annotated[str, typer.Option("--profile", "-p",
                                         help="规则：national 国家手册 | liaoning 辽宁 | changzhi 长治 | 本地区规则文件（YAML/TOML）")]
YearOpt = Annotated[int | None, typer.Option("--year", help="工作组年度（缺省为今年）")]


QuarterOpt = Annotated[str, typer.Option("--quarter", help="季度 YYYY-Qn")]
DueOpt = Annotated[str | None, typer.Option("--due", help="应报送日期 YYYY-MM-DD（缺省为季度结束后次月末）")]
ExpectOpt = Annotated[list[str] | None, typer.Option("--expect", help="应报送的地区区划（可重复；未报送的列出）")]
ByOpt = Annotated[str | None, typer.Option("--by", help="操作人姓名（成员名册的变动记入审计日志；缺省取 LJD_USER 或系统用户名）")]


def _registry_sync(settings, year: int, by: str | None) -> None:
    """The group's people are the release members and portal users (one registry): synced after
    every change; when the registry cannot be reached the group's record stands and this says so."""
    from ..errors import LjdError
    from ..workgroup.people import sync_registry
    from .release import _by

    try:
        people = sync_registry(Path(settings.workdir), year, settings, _by(by))
    except LjdError as exc:
        err_console.print(f"[yellow]工作组记录已保存，但成员名册未同步[/]：{escape(exc.message)}", soft_wrap=True)
        err_console.print("提示：排除原因后运行 liangjiadi group sync --year 年度")
        return
    active = sum(p["active"] for p in people)
    console.print(f"成员名册已同步：{active} 人可签署发布（审核签名），{len(people) - active} 人已停用。")


def _year(year: int | None) -> int:
    from ..config import DISPLAY_TZ

    return year or datetime.now(DISPLAY_TZ).year


@pool_app.command("import")
def pool_import(
    file: Annotated[Path, typer.Argument(help="成员库文件（.xlsx 或 .csv），列：姓名、单位编码、单位名称、单位级别、单位类别、岗位、是否第三方运维")],
    profile: ProfileOpt = "national",
    replace: Annotated[bool, typer.Option("--replace", help="以本文件整体替换成员库（缺省为合并：同一单位编码与姓名的更新）")] = False,
    workdir: WorkdirOpt = None,
) -> None:
    """导入成员库：逐行校验，问题行写明文件、行、列与规则，其余行入库。"""
    from ..workgroup import import_pool, load_profile

    with friendly_errors():
        settings = settings_for(workdir, creates_workdir=True)
        report = import_pool(Path(settings.workdir), file, load_profile(profile), replace=replace)
    for problem in report.problems:
        err_console.print(f"[red]未入库[/]：{escape(str(problem))}", soft_wrap=True)
    console.print(f"成员库：新增 {report.added} 人，更新 {report.updated} 人，现有 {report.total} 人；"
                  f"未入库 {len({p.line for p in report.problems})} 行。")
    if report.problems:
        raise typer.Exit(code=1)


@pool_app.command("list")
def pool_list(workdir: WorkdirOpt = None) -> None:
    """列出成员库。"""
    from ..workgroup import store

    with friendly_errors():
        settings = settings_for(workdir)
        people = store.pool_of(store.load(Path(settings.workdir)))
    table = Table(title=f"成员库（{len(people)} 人）")
    for column in ("单位编码", "单位名称", "单位级别", "单位类别", "姓名", "岗位"):
        table.add_column(column)
    for p in people:
        table.add_row(p.单位编码, p.单位名称, p.单位级别 or "—", p.单位类别, p.姓名, p.岗位)
    console.print(table)


@group_app.command("seed")
def seed(
    date: Annotated[str, typer.Option("--date", help="抽选日期 YYYY-MM-DD（事先公布）")],
    number: Annotated[str, typer.Option("--number", help="抽选前无法预知的公开数字，如当日某期福利彩票开奖号码")],
) -> None:
    """由抽选日期与公开数字得出抽选种子（抽选前公布采用哪个公开数字）。"""
    from ..workgroup import seed_from

    with friendly_errors():
        day = _date(date, "抽选日期")
        if day.isoformat() != date.strip():  # the announced text is the seed: one spelling only
            from ..errors import ConfigError

            raise ConfigError(f"抽选日期格式不正确：{date}", "应为 YYYY-MM-DD，例如 2026-01-05")
        console.print(seed_from(date, number), highlight=False)


def _unmet_exit(exc) -> None:
    err_console.print(f"[bold red]抽选未完成[/]：{escape(exc.message)}", soft_wrap=True)
    if exc.hint:
        err_console.print(f"提示：{escape(exc.hint)}")
    raise typer.Exit(code=1)


@group_app.command("draw")
def draw_cmd(
    profile: ProfileOpt,
    seed: Annotated[str, typer.Option("--seed", help="事先公布的抽选种子（见 liangjiadi group seed）")],
    out: Annotated[Path, typer.Option("--out", help="抽选目录：result.csv、draw_log.json、抽选结果公示.docx 等")],
    year: YearOpt = None,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """年度抽选：从成员库随机抽取定点医疗机构代表，写出结果、抽选日志与公示。"""
    from ..workgroup import DrawFailed, load_profile, run_draw

    with friendly_errors():
        settings = settings_for(workdir)
        rules = load_profile(profile)
        try:
            result, path = run_draw(Path(settings.workdir), rules, seed, out, year=_year(year),
                                    region=settings.region_name or "")
        except DrawFailed as exc:
            _unmet_exit(exc)
        _registry_sync(settings, _year(year), by)
    _print_result(result, path)


def _print_result(result, path: Path) -> None:
    table = Table(title=f"抽选结果（{len(result.chosen)} 名定点医疗机构代表）")
    for column in ("序号", "姓名", "单位名称", "单位级别", "单位类别"):
        table.add_column(column)
    for i, p in enumerate(result.chosen, 1):
        table.add_row(str(i), p.姓名, p.单位名称, p.单位级别, p.单位类别)
    console.print(table)
    for o in result.outcomes:
        console.print(f"  [green]满足[/] {escape(o.rule.label)}：要求 {o.required}，实际 {o.actual}（{escape(o.rule.source)}）")
    console.print(f"抽选目录：{path.resolve()}（result.csv、draw_log.json、抽选结果公示.docx）")


@group_app.command("verify")
def verify(directory: Annotated[Path, typer.Argument(help="抽选目录（group draw --out 写出的）")]) -> None:
    """复核抽选：用目录中的成员库、规则与种子重新抽选，结果一致且满足全部规则时退出码为 0。"""
    from ..workgroup import verify_dir

    with friendly_errors():
        problems = verify_dir(directory)
    if problems:
        for problem in problems:
            err_console.print(f"[bold red]复核不通过[/]：{escape(problem)}", soft_wrap=True)
        raise typer.Exit(code=1)
    console.print(f"[green]复核通过[/]：{directory} 的结果可由公布的种子、成员库与规则重现，且满足全部规则。")


@group_app.command("replace")
def replace(
    member: Annotated[str, typer.Option("--member", help="离任代表：单位编码/姓名")],
    why: Annotated[str, typer.Option("--why", help="退出原因或解除的事实依据（记入记录与公示）")],
    seed: Annotated[str, typer.Option("--seed", help="事先公布的补充抽选种子")],
    out: Annotated[Path, typer.Option("--out", help="补充抽选目录")],
    profile: ProfileOpt,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="解除任职（违反纪律），缺省为本人退出")] = False,
    year: YearOpt = None,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """代表退出或被解除：记录原因并立即补充抽选，保持原人数与全部规则。"""
    from ..workgroup import DrawFailed, load_profile, person_key, replace_member
    from ..workgroup.terms import DISMISSED, WITHDRAWN

    with friendly_errors():
        settings = settings_for(workdir)
        try:
            result, path = replace_member(Path(settings.workdir), load_profile(profile), year=_year(year),
                                          key=person_key(member), status=DISMISSED if dismiss else WITHDRAWN,
                                          reason=why, seed=seed, out=out, region=settings.region_name or "")
        except DrawFailed as exc:
            _unmet_exit(exc)
        _registry_sync(settings, _year(year), by)
    _print_result(result, path)


@group_app.command("appoint")
def appoint_cmd(
    role: Annotated[str, typer.Option("--role", help="职务：组长、副组长、召集人（依规则）")],
    member: Annotated[str, typer.Option("--member", help="单位编码/姓名（须在成员库中）")],
    profile: ProfileOpt,
    year: YearOpt = None,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """登记职务（组长、副组长、召集人），并列出规则要求中尚未满足的。"""
    from ..workgroup import appoint, load_profile, person_key

    with friendly_errors():
        settings = settings_for(workdir)
        problems = appoint(Path(settings.workdir), load_profile(profile), year=_year(year), role=role,
                           key=person_key(member))
        _registry_sync(settings, _year(year), by)
    console.print(f"已登记：{role} {member}")
    for problem in problems:
        console.print(f"[yellow]尚未满足[/]：{escape(problem)}", soft_wrap=True)


@group_app.command("sync")
def sync_cmd(year: YearOpt = None, workdir: WorkdirOpt = None, by: ByOpt = None) -> None:
    """成员名册同步：在任代表与医保部门成员登记为可签署发布的成员，离任者停用（账户一并停用）。"""
    with friendly_errors():
        _registry_sync(settings_for(workdir), _year(year), by)


@group_app.command("link")
def link_cmd(
    member: Annotated[str, typer.Argument(help="成员库中的人：单位编码/姓名")],
    username: Annotated[str, typer.Argument(help="门户用户名（角色为 member 或 convener）")],
    year: YearOpt = None,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """把成员库中的人关联到门户账户：同一个人在成员名册、审核签名与门户中是同一条记录。"""
    from ..workgroup import person_key
    from ..workgroup.people import link_user
    from .release import _by

    with friendly_errors():
        settings = settings_for(workdir)
        linked = link_user(Path(settings.workdir), person_key(member), username, settings, _by(by), _year(year))
    console.print(f"已关联：{escape(linked['key'])} ↔ 门户用户 {escape(linked['username'])}（成员编号 {escape(linked['member_id'])}）")


@group_app.command("status")
def status_cmd(profile: ProfileOpt = "national", year: YearOpt = None, workdir: WorkdirOpt = None) -> None:
    """本年度工作组：在任代表、医保部门成员、职务、离任记录与未满足的职务要求。"""
    from ..workgroup import load_profile, status

    with friendly_errors():
        settings = settings_for(workdir)
        y = _year(year)
        info = status(Path(settings.workdir), load_profile(profile), y)
    table = Table(title=f"{y} 年工作组定点医疗机构代表（{len(info['serving'])} 人）")
    for column in ("单位编码/姓名", "单位名称", "单位级别", "单位类别"):
        table.add_column(column)
    for p in info["serving"]:
        table.add_row(p.key, p.单位名称, p.单位级别, p.单位类别)
    console.print(table)
    console.print("医保部门成员：" + ("；".join(f"{p.姓名}（{p.部门}）" for p in info["bureau"]) or "（无）"))
    for r in info["roles"]:
        console.print(f"职务：{r['role']} {r['key']}")
    for t in info["left"]:
        console.print(f"离任：{t['key']} {t['status']}，原因：{escape(t['reason'])}")
    for problem in info["role_problems"]:
        console.print(f"[yellow]尚未满足[/]：{escape(problem)}", soft_wrap=True)


plan_app = typer.Typer(help="年度发布计划：月推送、季发布、专题分析、半年住院率与特例单议、面对面发布；计划与实际。",
                       no_args_is_help=True)
meeting_app = typer.Typer(help="面对面发布活动（会议）登记。", no_args_is_help=True)
group_app.add_typer(plan_app, name="plan")
group_app.add_typer(meeting_app, name="meeting")


def _date(text: str | None, what: str):
    from datetime import date

    from ..config import DISPLAY_TZ
    from ..errors import ConfigError

    if not text:
        return datetime.now(DISPLAY_TZ).date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{what}格式不正确：{text}", "应为 YYYY-MM-DD，例如 2026-03-20") from None


@plan_app.command("init")
def plan_init(
    year: Annotated[int, typer.Option("--year", help="计划年度")],
    profile: ProfileOpt = "national",
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的计划文件")] = False,
    workdir: WorkdirOpt = None,
) -> None:
    """生成年度发布计划文件（专题病种与牵头承办机构、清算完成日期由地区填写）。"""
    from ..workgroup.plan import write_template

    with friendly_errors():
        settings = settings_for(workdir)
        path = write_template(Path(settings.workdir), year, profile, force=force)
    console.print(f"已生成 {path}：请填写专题分析的病种与牵头承办机构、上年度清算完成日期。")


@plan_app.command("status")
def plan_status_cmd(
    year: Annotated[int, typer.Option("--year", help="计划年度")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD（缺省为今天）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="导出 Excel（报送省级医保部门）")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """计划与实际：逐项列出应完成日期、完成依据与状态，逾期与即将到期的预警。"""
    from ..workgroup.plan import export_xlsx, plan_status, warnings

    with friendly_errors():
        settings = settings_for(workdir)
        day = _date(as_of, "截至日期")
        plan, items = plan_status(settings, year, day)
        path = export_xlsx(out, plan, items, day) if out else None
    table = Table(title=f"{year} 年度发布计划执行情况（截至 {day}）")
    for column in ("事项", "应完成", "完成", "状态"):
        table.add_column(column)
    style = {"逾期未完成": "bold red", "逾期完成": "yellow", "即将到期": "yellow", "按时完成": "green"}
    for item in items:
        table.add_row(escape(item.title), str(item.due), str(item.done_on or "—"),
                      f"[{style.get(item.status, 'dim')}]{item.status}[/]")
    console.print(table)
    for text in warnings(items):
        console.print(f"[bold red]预警[/]：{escape(text)}", soft_wrap=True)
    if path:
        console.print(f"已导出：{path.resolve()}")


@meeting_app.command("add")
def meeting_add(
    day: Annotated[str, typer.Option("--date", help="会议日期 YYYY-MM-DD")],
    mode: Annotated[str, typer.Option("--mode", help="线下 | 线上")],
    title: Annotated[str, typer.Option("--title", help="会议名称")],
    agenda: Annotated[list[str] | None, typer.Option("--agenda", help="议程（可重复；缺省为手册 §六(六) 的五项）")] = None,
    invited: Annotated[list[str] | None, typer.Option("--invited", help="邀请的机构编码（可重复）")] = None,
    attending: Annotated[list[str] | None, typer.Option("--attending", help="实际参会的机构编码（可重复）")] = None,
    minutes: Annotated[Path | None, typer.Option("--minutes", help="会议纪要（文本文件）")] = None,
    no_questionnaire: Annotated[bool, typer.Option("--no-questionnaire", help="现场未发放调查问卷（手册 §六(六)）")] = False,
    workdir: WorkdirOpt = None,
) -> None:
    """登记一次面对面发布活动（议程、邀请与参会机构、纪要、问卷），计入年度计划的会议要求。"""
    from ..errors import InputFileError
    from ..workgroup.meetings import add_meeting, agenda_gaps

    with friendly_errors():
        settings = settings_for(workdir)
        text = ""
        if minutes:
            try:
                text = minutes.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputFileError(minutes, f"无法读取（{type(exc).__name__}）", "纪要应为 UTF-8 文本文件") from None
        meeting = add_meeting(Path(settings.workdir), day=_date(day, "会议日期"), mode=mode.strip(), title=title,
                              agenda=agenda or [], invited=invited or [], attending=attending or [], minutes=text,
                              questionnaire=not no_questionnaire)
    console.print(f"已登记：{meeting['date']} {meeting['mode']} {escape(meeting['title'])}，"
                  f"邀请 {len(meeting['invited'])} 家、参会 {len(meeting['attending'])} 家机构")
    for gap in agenda_gaps(meeting):
        console.print(f"[yellow]提示[/]：{gap}（001 六(六)）")


@meeting_app.command("list")
def meeting_list(workdir: WorkdirOpt = None) -> None:
    """列出已登记的面对面发布活动。"""
    from ..workgroup import store
    from ..workgroup.meetings import agenda_gaps

    with friendly_errors():
        settings = settings_for(workdir)
        meetings = store.load(Path(settings.workdir))["meetings"]
    table = Table(title=f"面对面发布活动（{len(meetings)} 次）")
    for column in ("日期", "形式", "名称", "邀请", "参会", "说明"):
        table.add_column(column)
    for m in meetings:
        table.add_row(m["date"], m["mode"], escape(m["title"]), str(len(m.get("invited", []))),
                      str(len(m.get("attending", []))), "；".join(agenda_gaps(m)) or "—")
    console.print(table)


@meeting_app.command("coverage")
def meeting_coverage(
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD（缺省为今天）")] = None,
    institutions: Annotated[Path | None, typer.Option(
        "--institutions", help="定点医疗机构清单 csv（单位编码、单位名称、单位级别）；缺省取最新已发布发布包的机构目录")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """近两年面对面发布对定点医疗机构的覆盖，以及参会机构中基层的比例（手册 §四(一)）。"""
    from ..workgroup import store
    from ..workgroup.meetings import COVERAGE_SOURCE, coverage, institutions_from_file, institutions_from_releases

    with friendly_errors():
        settings = settings_for(workdir)
        directory = institutions_from_file(institutions) if institutions else institutions_from_releases(settings)
        cov = coverage(store.load(Path(settings.workdir))["meetings"], directory, _date(as_of, "截至日期"))
    console.print(f"{cov.start} 至 {cov.end}：定点医疗机构 {cov.designated} 家，参加过面对面发布 {len(cov.covered)} 家，"
                  f"覆盖 {cov.share:.1%}；参会 {cov.attendees} 家次，其中基层 {cov.basic_attendees} 家次（{cov.basic_share:.1%}）。",
                  soft_wrap=True)
    if cov.uncovered:
        console.print(f"尚未覆盖 {len(cov.uncovered)} 家：" + "、".join(escape(i.name or i.code) for i in cov.uncovered[:30])
                      + ("……" if len(cov.uncovered) > 30 else ""), soft_wrap=True)
    console.print(f"依据：{COVERAGE_SOURCE[0]}“{COVERAGE_SOURCE[1]}”", soft_wrap=True)


@group_app.command("summary")
def summary_cmd(
    year: Annotated[int, typer.Option("--year", help="总结年度")],
    out: Annotated[Path, typer.Option("--out", help="Word 文件，如 2026年度工作总结.docx")],
    profile: ProfileOpt = "national",
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日期 YYYY-MM-DD（缺省为今天）")] = None,
    institutions: Annotated[Path | None, typer.Option("--institutions", help="定点医疗机构清单 csv（用于覆盖率；缺省取最新已发布发布包）")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """年度工作总结草稿（Word）：工作组组成、发布计划执行、面对面发布与覆盖、待补充的事项。"""
    from ..workgroup import WorkgroupError, load_profile, store
    from ..workgroup.meetings import coverage, institutions_from_file, institutions_from_releases
    from ..workgroup.summary import write_summary

    with friendly_errors():
        settings = settings_for(workdir)
        day = _date(as_of, "截至日期")
        try:
            directory = institutions_from_file(institutions) if institutions else institutions_from_releases(settings)
            cov = coverage(store.load(Path(settings.workdir))["meetings"], directory, day)
        except WorkgroupError as exc:
            err_console.print(f"[yellow]提示[/]：覆盖率未计算：{escape(exc.message)}")
            cov = None
        path = write_summary(settings, load_profile(profile), year, out, as_of=day, coverage=cov)
    console.print(f"已生成年度工作总结草稿：{path.resolve()}")


province_app = typer.Typer(help="省级：各统筹地区季度报送（重点病组、主要机构比较、职工门诊统筹）的导入与并列比较。",
                           no_args_is_help=True)
group_app.add_typer(province_app, name="province")


@province_app.command("import")
def province_import(
    file: Annotated[Path, typer.Argument(help="地区季度报送 Excel（工作表：重点病组、机构比较、职工门诊统筹）")],
    region: Annotated[str, typer.Option("--region", help="报送地区的 6 位区划代码")],
    quarter: QuarterOpt,
    region_name: Annotated[str, typer.Option("--region-name", help="地区名称")] = "",
    received: Annotated[str | None, typer.Option("--received", help="收到日期 YYYY-MM-DD（缺省为今天）")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """导入一个地区的季度报送（同一地区同一季度再次导入即替换）。"""
    from ..workgroup.province import import_submission

    with friendly_errors():
        settings = settings_for(workdir)
        path = import_submission(Path(settings.workdir), file, region=region.strip(), region_name=region_name.strip(),
                                 quarter=quarter, received=_date(received, "收到日期"))
    console.print(f"已导入：{region} {escape(region_name)} {quarter} → {path}")


def _quarter_submissions(settings, quarter: str, due: str | None, expect: list[str] | None):
    """The quarter's deadline (given, or the default one) and every region's submission against it."""
    from ..workgroup.province import due_date, submissions

    deadline = _date(due, "应报送日期") if due else due_date(quarter)
    return deadline, submissions(Path(settings.workdir), quarter, due=deadline, expect=expect or [])


@province_app.command("compare")
def province_compare(
    quarter: QuarterOpt,
    out: Annotated[Path | None, typer.Option("--out", help="导出并列比较的 Excel")] = None,
    due: DueOpt = None,
    expect: ExpectOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """各地区季度报送并列比较：报送日期与逾期、重点病组与职工门诊统筹（只到地区层面，不含机构明细）。"""
    from ..workgroup.province import compare_xlsx

    with friendly_errors():
        settings = settings_for(workdir)
        deadline, subs = _quarter_submissions(settings, quarter, due, expect)
        path = compare_xlsx(out, quarter, subs, deadline) if out else None
    table = Table(title=f"{quarter} 各地区报送（应报送日期 {deadline}）")
    for column in ("区划", "地区", "收到日期", "状态", "重点病组", "比较机构数"):
        table.add_column(column)
    for s in subs:
        style = "green" if s.status == "按时" else "bold red"
        table.add_row(s.region, escape(s.region_name), str(s.received or "—"), f"[{style}]{s.status}[/]",
                      str(len(s.sheets.get("重点病组", []))), str(len(s.sheets.get("机构比较", []))))
    console.print(table)
    if path:
        console.print(f"已导出：{path.resolve()}")



@province_app.command("survey-import")
def province_survey_import(
    file: Annotated[Path, typer.Argument(help="地区的问卷汇总 Excel（liangjiadi survey export 导出，含“按题汇总”工作表）")],
    region: Annotated[str, typer.Option("--region", help="报送地区的 6 位区划代码")],
    quarter: QuarterOpt,
    workdir: WorkdirOpt = None,
) -> None:
    """导入一个地区的附录4问卷汇总（同一地区同一季度再次导入即替换），供全省汇总。"""
    from ..workgroup.province_summary import import_survey

    with friendly_errors():
        settings = settings_for(workdir)
        path = import_survey(Path(settings.workdir), file, region=region.strip(), quarter=quarter)
    console.print(f"已导入问卷汇总：{region} {quarter} → {path}")


@province_app.command("summary")
def province_summary(
    quarter: QuarterOpt,
    out: Annotated[Path, typer.Option("--out", help="全省汇总 Word 初稿（.docx）")],
    survey_out: Annotated[Path | None, typer.Option("--survey-out", help="另导出全省问卷汇总 Excel")] = None,
    due: DueOpt = None,
    expect: ExpectOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """省级季度汇总初稿（报国家）：各地区报送与逾期、共同的重点病组、全省问卷汇总与拖欠线索（只到地区层面）。"""
    from ..workgroup.province_summary import pooled_survey, pooled_xlsx, summary_docx

    with friendly_errors():
        settings = settings_for(workdir)
        deadline, subs = _quarter_submissions(settings, quarter, due, expect)
        regions, options = pooled_survey(Path(settings.workdir), quarter)
        path = summary_docx(out, quarter, subs, deadline, regions, options)
        sheet = pooled_xlsx(survey_out, quarter, regions, options) if survey_out else None
    console.print(f"已生成全省汇总初稿：{path.resolve()}（{len(subs)} 个地区报送，{len(regions)} 个地区的问卷）")
    if sheet:
        console.print(f"全省问卷汇总：{sheet.resolve()}")


def register(app: typer.Typer) -> None:
    app.add_typer(group_app, name="group")
