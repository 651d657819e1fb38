"""`liangjiadi release ...`: freeze, review, sign, publish and revise releases (thin: logic in releases/).

Exit codes: 0 done; 1 publication refused (failing 复核 without a reason, personal data found,
bundle changed) or a scan that found personal data; 2 the command could not run (bad arguments,
unknown release, an act the state does not allow).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import console, engine_override, EngineOpt, err_console, friendly_errors, settings_for, WorkdirOpt

release_app = typer.Typer(help="发布：冻结发布包、成员审议签署、发布与修订（月推送、季发布、专题分析、年度通报）。",
                          no_args_is_help=True)
member_app = typer.Typer(help="数据工作组成员登记（可签署审议意见的成员）。", no_args_is_help=True)
release_app.add_typer(member_app, name="member")

ReleaseArg = Annotated[str, typer.Argument(help="发布编号，如 140400-monthly-2025-03-v1（见 release list）")]
ByOpt = Annotated[str | None, typer.Option("--by", help="操作人姓名（记入审计日志；缺省取 LJD_USER 或系统用户名）")]

_STATE_STYLE = {"draft": "dim", "in_review": "yellow", "approved": "cyan", "published": "bold green",
                "revised": "magenta", "withdrawn": "bold red"}


def _by(name: str | None) -> str:
    if name or os.environ.get("LJD_USER"):
        return (name or os.environ["LJD_USER"]).strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers): the API then asks for --by
        return ""


def _fmt_time(value, fmt: str = "%Y-%m-%d %H:%M:%S", suffix: str = " 北京时间") -> str:
    """Stored times are UTC; shown in Beijing time (config.DISPLAY_TZ)."""
    from ..config import local_time

    return f"{local_time(value, fmt)}{suffix}" if value else "—"


def _state(release) -> str:
    from ..releases import STATE_CN

    return f"[{_STATE_STYLE[release.state.value]}]{STATE_CN[release.state]}[/]"


def create(
    kind: Annotated[str, typer.Option("--kind", "-k", help="monthly 月推送 | quarterly 季发布 | topic 专题分析 | annual 年度通报 | clearing 年度清算（先 payment settle）")],
    period: Annotated[str, typer.Option("--period", "-p", help="月 YYYY-MM；季 YYYY-Qn 或季末月；年 YYYY；专题可加名称，如 2025-Q1-糖尿病")],
    workdir: WorkdirOpt = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="统筹地区区划（工作目录中只有一个时可省略）")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="专题名（专题分析）")] = None,
    title: Annotated[str | None, typer.Option("--title", help="标题（可选）")] = None,
    adrg: Annotated[str | None, typer.Option("--adrg", help="专题分析：ADRG 编码，如 EJ1")] = None,
    category: Annotated[str | None, typer.Option("--category", help="专题分析：诊断类目，如 I63")] = None,
    audience: Annotated[str | None, typer.Option("--audience", help="受众（可选，缺省为本地区全部机构）：字段=值[,值]，分号分隔；字段 level 等级、kind 类别、county 县区、yigongti 医共体，如 \"level=三级;county=140402\"")] = None,
    by: ByOpt = None,
    engine: EngineOpt = None,
) -> None:
    """冻结本期最新的计算结果、复核报告与疑点线索，以及报告要展示的一切（机构目录、24个月历史、同级比较、基金预测、专题分析、上期意见），生成第 1 版发布草稿。"""
    from ..releases import create_release

    with friendly_errors():
        settings = settings_for(workdir, region_admdvs=admdvs, **engine_override(engine))
        with console.status("正在冻结发布数据（缺算的历史月份会先补算）……"):
            release = create_release(kind, period, settings, creator=_by(by), admdvs=admdvs, topic=topic,
                                     title=title, adrg=adrg, category=category, audience=audience)
    console.print(f"已创建发布草稿 [bold]{release.release_id}[/]（{release.label}）")
    _print_publication(release)
    _print_sources(release)
    console.print(f"发布包：{release.bundle_dir}")
    console.print(f"内容哈希：{release.content_hash}")
    if release.check_status in ("fail", "error"):
        console.print("[bold red]注意：冻结的复核报告有不通过项[/]，发布时须改正后修订，或说明理由强制发布。")
    console.print(f"下一步：附加发布材料后提交审议 —— liangjiadi release submit {release.release_id}")


def _print_publication(release) -> None:
    """The publication rules frozen with the release: its audience and the internal-only indicators left out."""
    from ..releases.publication import read_publication

    rules = read_publication(release.bundle_dir)
    if not rules:
        return
    codes = rules.get("audience_codes")
    console.print(f"受众：{rules['audience_text']}" + (f"（{len(codes)} 家机构）" if codes is not None else ""))
    if rules.get("internal_dropped"):
        console.print(f"[yellow]以下指标为仅内部使用，未进入本发布：{'、'.join(rules['internal_dropped'])}[/]")


def submit(release_id: ReleaseArg, workdir: WorkdirOpt = None, by: ByOpt = None) -> None:
    """提交工作组审议（草稿 → 审议中）；提交后发布包不能再改动。"""
    from ..releases import submit as submit_release
    from ..releases.seal import key_id, key_path, seal_key

    with friendly_errors():
        settings = settings_for(workdir)
        new_key = not key_path(settings).exists()
        release = submit_release(release_id, _by(by), settings)
    console.print(f"{release.release_id} 已提交审议（需 {release.approvals_needed} 名成员同意），发布包已封签。")
    if new_key and key_path(settings).exists():
        console.print(f"[yellow]已生成发布封签密钥：{key_path(settings)}（指纹 {key_id(seal_key(settings, create=False))}）；"
                      "请备份，丢失后无法核验已封签的发布。[/]")
    from ..releases import list_members

    active = len(list_members(settings))
    if active < release.approvals_needed:
        console.print(f"[yellow]注意：在册成员只有 {active} 名，不足法定同意人数，请先登记成员"
                      f"（liangjiadi release member add）或调整 release_quorum。[/]")
    console.print(f"成员签署：liangjiadi release sign {release.release_id} --member 成员编号 --approve [--comment 意见]")


def sign(
    release_id: ReleaseArg,
    member: Annotated[str, typer.Option("--member", "-m", help="成员编号或姓名")],
    approve: Annotated[bool, typer.Option("--approve", help="同意发布")] = False,
    comment: Annotated[str | None, typer.Option("--comment", "-c", help="审议意见")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """成员签署：同意（--approve）和/或审议意见（--comment）；同意人数达到法定人数即审议通过。"""
    from ..releases import sign as sign_release

    with friendly_errors():
        release = sign_release(release_id, member, approve, comment or "", settings_for(workdir))
    what = "同意" if approve else "意见"
    console.print(f"已记录 {member} 的{what}。同意 {len(release.approvers)}/{release.approvals_needed}，"
                  f"当前状态：{_state(release)}")


def publish(
    release_id: ReleaseArg,
    by: Annotated[str, typer.Option("--by", help="发布人姓名（必填，记入审计日志）")],
    override_reason: Annotated[str | None, typer.Option(
        "--override-reason", help="复核有不通过项时，经审议同意后强制发布的理由（记入审计日志）")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """发布（审议通过 → 已发布）：先校验发布包、复核结论与脱敏扫描，任何一项不通过即拒绝。"""
    from ..releases import PublishBlockedError
    from ..releases import publish as publish_release

    with friendly_errors():
        try:
            settings = settings_for(workdir)
            release = publish_release(release_id, by, override_reason, settings)
        except PublishBlockedError as exc:
            err_console.print(f"[bold red]{escape(exc.message)}[/]", highlight=False)
            if exc.hint:
                err_console.print(f"提示：{escape(exc.hint)}", highlight=False)
            raise typer.Exit(code=1) from exc
    console.print(f"[bold green]已发布[/] {release.release_id}（{release.label}），内容哈希 {release.content_hash}")
    if release.overrides:
        o = release.overrides[-1]
        console.print(f"[yellow]复核不通过项已由 {escape(o.actor)} 说明理由后强制发布：{escape(o.reason)}[/]")
    _announce(settings, "发布")


def revise(
    release_id: ReleaseArg,
    reason: Annotated[str, typer.Option("--reason", help="修订理由（必填）")],
    by: Annotated[str, typer.Option("--by", help="修订人姓名（必填）")],
    workdir: WorkdirOpt = None,
    audience: Annotated[str | None, typer.Option("--audience", help="受众（可选，缺省沿用被修订版本的受众）：字段=值[,值]，分号分隔；字段 level 等级、kind 类别、county 县区、yigongti 医共体，如 \"level=三级;county=140402\"")] = None,
) -> None:
    """修订：以本期最新的计算、复核与检测结果生成新版本草稿，记录变化与理由；原版本保持可读、不变。"""
    from ..releases import release_changes
    from ..releases import revise as revise_release

    with friendly_errors():
        settings = settings_for(workdir)
        release = revise_release(release_id, by, reason, settings, audience=audience)
        changes = release_changes(release.release_id, settings)
    console.print(f"已生成修订版草稿 [bold]{release.release_id}[/]（修订自 {release_id}）")
    _print_publication(release)
    _print_changes(changes)


def withdraw(
    release_id: ReleaseArg,
    reason: Annotated[str, typer.Option("--reason", help="撤回理由（必填，记入审计日志并在门户上显示）")],
    by: Annotated[str, typer.Option("--by", help="撤回人姓名（必填）")],
    workdir: WorkdirOpt = None,
) -> None:
    """撤回已发布的版本（与修订不同：不生成新版本）：原版本保持可读、不变，在门户上标明“已撤回”及理由。"""
    from ..releases import withdraw as withdraw_release

    with friendly_errors():
        settings = settings_for(workdir)
        release = withdraw_release(release_id, by, reason, settings)
    console.print(f"[bold red]已撤回[/] {release.release_id}（{release.label}）；理由：{escape(reason.strip())}")
    console.print("该版本在门户上保留供查阅并标明已撤回；如需更正后重新发布：liangjiadi release revise "
                  f"{release.release_id} --reason 理由 --by 姓名")
    _announce(settings, "撤回")


def _announce(settings, what: str) -> None:
    """Tell the targeted institutions' portal users now, not when the portal next starts: a withdrawn
    figure must stop being relied on at once (seeds/001 §六(八) 监测与反馈)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import LjdError
    from ..portal.notify import deliver_pending

    try:
        told = deliver_pending(settings)
    except (LjdError, SQLAlchemyError, OSError) as exc:  # the act itself is done and recorded: say so, exit 0
        err_console.print(f"[yellow]{what}已完成，但通知未能发出（{escape(str(exc))}）；门户下次启动时补发。[/]")
        return
    if told:
        console.print(f"已向 {told} 个机构用户发出{what}通知（门户消息{'，并按已配置的邮件服务器发送邮件' if settings.smtp_host else ''}）")


def list_(
    workdir: WorkdirOpt = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="只看某类发布")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="只看某期（须同时给 --kind）")] = None,
    state: Annotated[str | None, typer.Option("--state", help="draft | in_review | approved | published | revised | withdrawn")] = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="统筹地区区划")] = None,
) -> None:
    """列出发布及其状态。"""
    from ..releases import KIND_CN, list_releases

    with friendly_errors():
        releases = list_releases(settings_for(workdir), admdvs=admdvs, kind=kind, period=period, state=state)
    if not releases:
        console.print("还没有发布。创建：liangjiadi release create --kind monthly --period YYYY-MM")
        return
    table = Table(title="发布一览")
    for col in ("发布编号", "类型", "期间", "版本", "状态", "复核", "同意", "创建", "发布", "内容哈希"):
        table.add_column(col)
    for r in releases:
        table.add_row(r.release_id, KIND_CN[r.kind], r.period, f"v{r.version}", _state(r), _check_cn(r.check_status),
                      f"{len(r.approvers)}/{r.approvals_needed}", f"{r.creator} {_fmt_time(r.created_at, '%m-%d %H:%M', '')}",
                      f"{r.published_by} {_fmt_time(r.published_at, '%m-%d %H:%M', '')}" if r.published_at else "—",
                      r.content_hash[:12])
    console.print(table)


def show(release_id: ReleaseArg, workdir: WorkdirOpt = None,
         log_all: Annotated[bool, typer.Option("--all-log", help="审计日志显示全部字段")] = False) -> None:
    """显示一个发布：状态、各版本、签署、强制发布说明、文件与哈希、审计日志。"""
    from ..releases import ACTION_CN, KIND_CN, audit_log, get_release, list_releases, release_changes
    from ..releases.bundle import ROLE_CN
    from ..releases.members import ROLE_CN as MEMBER_ROLE_CN

    with friendly_errors():
        settings = settings_for(workdir)
        release = get_release(release_id, settings)
        versions = [r for r in list_releases(settings, admdvs=release.admdvs, kind=release.kind.value)
                    if r.period == release.period]
        changes = release_changes(release_id, settings)
        log = audit_log(settings, release_id)
        files = release.files()

    console.print(f"[bold]{release.release_id}[/] —— {release.label}" + (f"《{release.title}》" if release.title else ""))
    console.print(f"状态：{_state(release)}    内容哈希：{release.content_hash}")
    console.print(f"数据哈希（不含发布材料，各报告页脚所印）：{release.manifest().get('data_hash', '—')}")
    console.print(f"创建：{release.creator} {_fmt_time(release.created_at)}；提交审议：{_fmt_time(release.submitted_at)}；"
                  f"审议通过：{_fmt_time(release.approved_at)}；发布：{release.published_by or '—'} {_fmt_time(release.published_at)}")
    if release.withdrawn_at:
        console.print(f"[bold red]已撤回[/]：{escape(release.withdrawn_by or '')} {_fmt_time(release.withdrawn_at)}；"
                      f"理由：{escape(release.withdrawal_reason or '')}")
    if release.superseded_by:
        console.print(f"[magenta]已被 {release.superseded_by} 取代[/]")
    _print_sources(release)
    _print_publication(release)
    console.print(f"发布包：{release.bundle_dir}")

    vt = Table(title=f"各版本（{KIND_CN[release.kind]} {release.period}）")
    for col in ("版本", "发布编号", "状态", "创建", "修订理由", "内容哈希"):
        vt.add_column(col)
    for r in versions:
        vt.add_row(f"v{r.version}", r.release_id, _state(r), f"{r.creator} {_fmt_time(r.created_at, '%Y-%m-%d %H:%M', '')}",
                   escape(r.revision_reason or "—"), r.content_hash[:16])
    console.print(vt)

    st = Table(title=f"成员签署（同意 {len(release.approvers)}/{release.approvals_needed}）")
    for col in ("时间", "成员", "角色", "同意", "意见"):
        st.add_column(col)
    for s in release.signoffs:
        st.add_row(_fmt_time(s.signed_at), f"{s.member_name}（{s.member_id}）", MEMBER_ROLE_CN.get(s.role, s.role),
                   "[green]同意[/]" if s.approve else "—", escape(s.comment or ""))
    console.print(st if release.signoffs else "成员签署：尚无")

    for o in release.overrides:
        console.print(f"[yellow]强制发布说明[/]：{escape(o.actor)} {_fmt_time(o.at)}，"
                      f"不通过的规则 {'、'.join(o.failing_checks)}；理由：{escape(o.reason)}")

    ft = Table(title="文件（sha256）")
    for col in ("文件", "类别", "字节", "sha256"):
        ft.add_column(col)
    for f in files:
        ft.add_row(f["path"], ROLE_CN.get(f["role"], f["role"]), str(f["bytes"]), f["sha256"])
    console.print(ft)

    if changes:
        console.print(f"[bold]修订说明[/]：修订自 {changes['parent_release_id']}，{escape(changes['revised_by'])}；"
                      f"理由：{escape(changes['reason'])}")
        _print_changes(changes)

    lt = Table(title="审计日志（只追加）")
    for col in ("序号", "时间", "操作人", "操作", "说明"):
        lt.add_column(col)
    for e in log:
        lt.add_row(str(e.seq), _fmt_time(e.at), escape(e.actor), ACTION_CN.get(e.action, e.action),
                   escape(_detail(e.detail, log_all)))
    console.print(lt)


def attach(
    release_id: ReleaseArg,
    files: Annotated[list[Path], typer.Argument(help="要附加的文件（docx、xlsx、html 等）")],
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """把发布材料附加到草稿的 reports/ 目录（同名文件替换），并更新清单与内容哈希。"""
    from ..releases import attach_files

    with friendly_errors():
        release = attach_files(release_id, files, settings_for(workdir), actor=_by(by))
    console.print(f"已附加 {len(files)} 个文件到 {release.release_id}；内容哈希 {release.content_hash}")


def scan(release_id: ReleaseArg, workdir: WorkdirOpt = None) -> None:
    """脱敏扫描（发布前也会自动执行）：身份证号、手机号、人员编号、姓名列。"""
    from ..releases import scan_release
    from ..releases.redaction import KIND_CN as HIT_CN

    with friendly_errors():
        report = scan_release(release_id, settings_for(workdir))
    for note in report.notes:
        console.print(f"[dim]{note}[/]")
    if report.clean:
        console.print(f"[green]{report.summary()}[/]")
        return
    table = Table(title=f"脱敏扫描：发现 {len(report.hits)} 处个人信息（只显示遮蔽后的形式）")
    for col in ("文件", "位置", "类别", "遮蔽值"):
        table.add_column(col)
    for h in report.hits:
        table.add_row(escape(h.file), escape(h.location), HIT_CN[h.kind], h.masked or "—")
    console.print(table)
    raise typer.Exit(code=1)


def verify(release_id: ReleaseArg, workdir: WorkdirOpt = None) -> None:
    """校验发布包：每个文件的 sha256 与清单、内容哈希与数据库记录、封签（密钥在工作目录之外）一致；并校验审计日志哈希链。"""
    from ..releases import verify_audit, verify_release

    with friendly_errors():
        settings = settings_for(workdir)
        problems = verify_release(release_id, settings)
        broken = verify_audit(settings)
    for p in problems:
        console.print(f"[red]· {p}[/]")
    if broken:
        console.print(f"[red]审计日志第 {'、'.join(map(str, broken))} 条与哈希链不符（可能被改动）[/]")
    if problems or broken:
        raise typer.Exit(code=1)
    console.print("[green]发布包与清单、封签一致，审计日志完整。[/]")


def record(
    release_id: ReleaseArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件（Markdown）；缺省打印")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """审议记录：成员意见与签署、强制发布说明、操作记录（可打印后由成员签字确认）。"""
    from ..releases import review_record

    with friendly_errors():
        text = review_record(release_id, settings_for(workdir))
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"审议记录已写入：{out}")
    else:
        console.print(text, markup=False, highlight=False)


def member_add(
    member_id: Annotated[str, typer.Option("--id", help="成员编号")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    role: Annotated[str, typer.Option("--role", help="convener 召集人 | insurer 医保部门 | hospital 定点医疗机构代表 | pharmacy 定点零售药店代表 | staff 工作人员")],
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """登记一名工作组成员。"""
    from ..releases import ROLE_CN, add_member

    with friendly_errors():
        actor = _by(by)
        m = add_member(member_id, name, role, settings_for(workdir), actor=actor)
    console.print(f"已登记成员 {m.name}（{m.member_id}，{ROLE_CN[m.role]}）；操作人 {actor} 已记入审计日志")


def member_list(workdir: WorkdirOpt = None,
                all_: Annotated[bool, typer.Option("--all", help="含已停用的成员")] = False) -> None:
    """列出工作组成员与当前的法定同意人数。"""
    from ..releases import ROLE_CN, list_members

    with friendly_errors():
        settings = settings_for(workdir)
        members = list_members(settings, include_inactive=all_)
    from ..releases.members import MIN_APPROVALS

    table = Table(title=f"数据工作组成员（法定同意人数设置 release_quorum = {settings.release_quorum:g}，"
                        f"不少于 {MIN_APPROVALS} 人）")
    for col in ("编号", "姓名", "角色", "状态"):
        table.add_column(col)
    for m in members:
        table.add_row(m.member_id, m.name, ROLE_CN.get(m.role, m.role), "在册" if m.active else "[dim]已停用[/]")
    console.print(table)


def member_remove(member_id: Annotated[str, typer.Argument(help="成员编号")], workdir: WorkdirOpt = None,
                  by: ByOpt = None) -> None:
    """停用一名成员（任期结束）；其已有签署保持不变。"""
    from ..releases import deactivate_member

    with friendly_errors():
        actor = _by(by)
        m = deactivate_member(member_id, settings_for(workdir), actor=actor)
    console.print(f"成员 {m.name}（{m.member_id}）已停用；操作人 {actor} 已记入审计日志。")


# ---- printing helpers ----------------------------------------------------------------------------


def _check_cn(status: str) -> str:
    from ..checks.model import STATUS_CN, Status

    style = {"pass": "green", "warn": "yellow", "fail": "bold red", "error": "magenta"}.get(status, "dim")
    try:
        return f"[{style}]{STATUS_CN[Status(status)]}[/]"
    except ValueError:
        return status


def _print_sources(release) -> None:
    console.print(f"冻结来源（{release.source_period}）：计算批次 {release.results_run_id}；"
                  f"复核批次 {release.check_run_id}（{_check_cn(release.check_status)}）；"
                  f"疑点线索批次 {release.findings_run_id}")


def _print_changes(changes: dict | None) -> None:
    if not changes:
        return
    res, files = changes["results"], changes["files"]
    console.print(f"指标值变化：改变 {res['changed']} 项，新增 {res['added']} 项，删除 {res['removed']} 项；"
                  f"文件：新增 {len(files['added'])}，删除 {len(files['removed'])}，内容改变 {len(files['changed'])}")
    if res["rows"]:
        table = Table(title="指标值变化（按指标与机构）")
        for col in ("指标", "机构", "变化", "原值", "新值"):
            table.add_column(col)
        label = {"changed": "改变", "added": "新增", "removed": "删除"}
        for row in res["rows"][:50]:
            table.add_row(row["indicator_id"], row["fixmedins_code"] or "统筹地区", label[row["change"]],
                          row["old"] or "—", row["new"] or "—")
        console.print(table)
        if len(res["rows"]) > 50:
            console.print(f"……另有 {len(res['rows']) - 50} 项，见发布包中的 changes.json")
    for key, label in (("added", "新增文件"), ("removed", "删除文件"), ("changed", "内容改变的文件")):
        if files[key]:
            console.print(f"{label}：" + "、".join(files[key]))


def _detail(detail: dict, full: bool) -> str:
    if full:
        import json

        return json.dumps(detail, ensure_ascii=False)
    keys = ("reason", "comment", "superseded_by", "parent", "failing_checks", "approvals", "content_hash", "files")
    parts = []
    for k in keys:
        if k in detail and detail[k] not in (None, "", [], {}):
            value = detail[k]
            if k == "content_hash":
                value = str(value)[:12]
            elif k == "files" and isinstance(value, dict):
                value = "、".join(value) if "added" not in value else f"新增{len(value['added'])} 删除{len(value['removed'])}"
            elif isinstance(value, list):
                value = "、".join(map(str, value))
            parts.append(f"{_DETAIL_CN.get(k, k)}：{value}")
    return "；".join(parts)


_DETAIL_CN = {"reason": "理由", "comment": "意见", "superseded_by": "取代者", "parent": "修订自",
              "failing_checks": "不通过的规则", "approvals": "同意人数", "content_hash": "内容哈希", "files": "文件"}


for _name, _func in (("create", create), ("submit", submit), ("sign", sign), ("publish", publish),
                     ("revise", revise), ("withdraw", withdraw), ("list", list_), ("show", show), ("attach", attach), ("scan", scan),
                     ("verify", verify), ("record", record)):
    release_app.command(_name)(_func)
for _name, _func in (("add", member_add), ("list", member_list), ("remove", member_remove)):
    member_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(release_app, name="release")

