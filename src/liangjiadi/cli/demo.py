"""`liangjiadi demo`: the whole monthly job on a generated region, in one command.

generate a region -> ingest (validate, quarantine) -> compute the worksheet indicators for the
last month and the same month last year -> 复核 -> export the 数据底稿 workbook -> detect ->
create (which computes the history months the reports show and freezes them), render, sign
and publish the monthly and quarterly releases.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from ..period import Period
from ..config import Settings
from .common import WorkdirOpt, console, friendly_errors, progress, settings_for
from .synth import SchemeChoice


def _generated_scheme(src: Path) -> str | None:
    """The payment scheme of the region generated before (None when there is none)."""
    import json

    try:
        gt = json.loads((src / "ground_truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return gt.get("scheme", "DRG")  # regions generated before DIP existed are DRG


def demo(
    workdir: WorkdirOpt = None,
    scale: Annotated[float, typer.Option("--scale", help="模拟地区规模（1.0 ≈ 100 万参保人）")] = 0.02,
    months: Annotated[int, typer.Option("--months", help="生成的月份数")] = 24,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子结果相同）")] = 20251,
    keep_input: Annotated[bool, typer.Option("--keep-input/--fresh", help="保留已生成的模拟数据，不重新生成")] = False,
    scheme: Annotated[SchemeChoice, typer.Option("--scheme", help="模拟地区的付费方式：drg（默认）/ dip")] = SchemeChoice.drg,
    yigongti: Annotated[bool, typer.Option(
        "--yigongti", help="各医共体生成为县：演示县域医共体总额预算 → 按月拨付 → 域外扣减 → 年终清算，发布县域医共体报告"
                           "（须 24 个月以上且截至 12 月）")] = False,
) -> None:
    """演示：生成模拟统筹地区 → 校验导入 → 计算指标 → 复核 → 导出数据底稿。"""
    from ..checks import run_checks
    from ..checks.model import STATUS_CN
    from ..indicators import compute
    from ..period import shift
    from ..ingest import ingest_paths
    from ..reports.worksheet import write_worksheet
    from ..reports.worksheet_data import load_worksheet_data
    from ..synth import SynthConfig, generate
    from .ingest import _RichHook

    with friendly_errors():
        settings = settings_for(workdir, creates_workdir=True)
        work = Path(settings.workdir)
        cfg = SynthConfig(scale=scale, months=months, seed=seed, region=settings.region_admdvs or "140400",
                          scheme=scheme.value, min_tertiary=DEMO_MIN_PER_LEVEL)
        settings = settings.model_copy(update={"region_admdvs": cfg.region,
                                               "region_name": settings.region_name or cfg.region_name,
                                               "peer_min_volume": demo_min_volume(scale, settings.peer_min_volume)})
        src = work / "demo-input"
        period = cfg.periods[-1]
        last_year = shift(period, -12)
        out_dir = work / "outputs"
        out_dir.mkdir(parents=True, exist_ok=True)

        console.rule("[bold]1/9 生成模拟统筹地区")
        if yigongti:
            _require_two_years(cfg)
        if keep_input and _generated_scheme(src) == cfg.scheme.upper() and _has_counties(src) == yigongti:
            console.print(f"沿用已生成的模拟数据：{src}")
        else:
            shutil.rmtree(src, ignore_errors=True)
            with progress() as bar:
                task = bar.add_task("生成", total=None)

                def on_step(message: str, done: int, total: int) -> None:
                    bar.update(task, description=message, completed=done, total=total)

                summary = generate(cfg, src, progress=on_step)
                if yigongti:
                    from ..synth.yigongti import add_yigongti

                    bar.update(task, description="生成县与县域医共体")
                    add_yigongti(cfg, src)
            console.print(f"已生成 {summary.files} 个文件（{sum(summary.rows.values()):,} 行）到 {src}")
        if yigongti:
            counties = _counties(src)
            settings = settings.model_copy(update={"region_county_admdvs": counties})
            console.print(f"县域医共体：{len(counties)} 个县（{'、'.join(counties)}），本地区代码集合 = 地区代码 + 所辖县"
                          f"（设置 region_county_admdvs）")

        if settings.peer_min_volume < Settings.model_fields["peer_min_volume"].default:
            console.print(f"[dim]·[/] 演示地区规模小（约 {cfg.insured:,} 名参保人），同级比较的最低出院人次按规模降为 "
                          f"{settings.peer_min_volume} 人次（真实地区按配置 peer_min_volume，缺省 30）。")

        console.rule("[bold]2/9 校验并导入")
        with progress() as bar:
            # the demo's own generated region is the whole truth: a rerun at a smaller scale replaces
            report = ingest_paths([src], settings, progress=_RichHook(bar), replace=True)
        console.print(f"入湖 {report.rows_accepted:,} 行，隔离 {report.rows_quarantined:,} 行；"
                      f"隔离文件与导入报告：{work / 'quarantine' / report.load_id}")
        for note in report.notes:  # e.g. where the new pseudonym key is and its fingerprint
            console.print(f"[dim]·[/] {note}")

        console.rule("[bold]3/9 计算数据底稿指标")
        computed = {}
        with progress() as bar:
            task = bar.add_task("计算指标", total=2)
            for p in (last_year, period):
                if p in cfg.periods:
                    computed[p] = compute(p, settings)
                bar.advance(task)
        console.print(f"{period} 结果 {computed[period].num_rows:,} 行" +
                      (f"；上年同期 {last_year} 已计算" if last_year in computed else ""))

        console.rule("[bold]4/9 复核")
        check = run_checks(period, settings)
        console.print(f"复核结论：{STATUS_CN[check.status]}（{_status_counts(check)}）")

        console.rule("[bold]5/9 导出数据底稿")
        data = load_worksheet_data(period, settings, region_name=cfg.region_name)
        xlsx = write_worksheet(data, out_dir / f"数据底稿_{cfg.region}_{period}.xlsx")
        payment_doc = _payment_step(settings, cfg, period, out_dir)
        if yigongti:
            _yigongti_step(settings, int(period[:4]))

    console.rule("[bold green]数据底稿完成")
    console.print(f"工作目录：{work}")
    console.print(f"  数据底稿（Excel）：{xlsx}")
    if payment_doc:
        console.print(f"  {cfg.scheme.upper()} 年度清算（Excel）：{payment_doc}")
    console.print(f"  复核报告：{work / 'checks' / cfg.region / period}")
    console.print(f"  指标结果：{work / 'results' / cfg.region / period}")
    console.print(f"  隔离文件：{work / 'quarantine' / report.load_id}")
    console.print(f"  模拟数据与注入真值：{src / 'ground_truth.json'}")

    with friendly_errors():
        _publish_steps(settings, cfg, period, computed, out_dir)


def _payment_step(settings, cfg, period: str, out_dir: Path) -> Path | None:
    """The generated year's DRG/DIP 年度清算 and its document, when the data hold all of it."""
    from ..payment.document import render
    from ..payment.service import run, to_json, write

    year = int(period[:4])
    if period[5:] != "12" or f"{year}-01" not in cfg.periods:
        return None
    console.rule(f"[bold]{cfg.scheme.upper()} 年度清算（支付方式管理）")
    r = run(settings, year)
    write(r, settings.workdir)
    s = r.settlement
    name = "结算点值" if r.cfg.scheme == "DIP" else "费率"
    console.print(f"{year} 年可用基金 {s.fund_available:,} 元，{name} {s.point_value:,.4f}，"
                  f"{len(s.institutions)} 家机构清算拨付 {s.total_final:,} 元，基金留存 {s.fund_retained:,} 元")
    return render(to_json(r), out_dir / f"清算_{cfg.region}_{year}.xlsx")
def _require_two_years(cfg) -> None:
    from ..errors import ConfigError

    year = int(cfg.periods[-1][:4])
    if cfg.periods[-1][5:] != "12" or f"{year - 1}-01" not in cfg.periods:
        raise ConfigError("演示县域医共体须生成截至 12 月的两个完整年度：上年全年为预算依据，本年全年做年终清算。",
                          "请用 --months 24（或更多）")


def _has_counties(src: Path) -> bool:
    return (src / "yigongti.csv").exists()


def _counties(src: Path) -> list[str]:
    import csv

    with (src / "yigongti.csv").open(encoding="utf-8-sig", newline="") as fh:
        return sorted({r["county_admdvs"] for r in csv.DictReader(fh)})


def _yigongti_step(settings, year: int) -> None:
    """The generated year of 县域医共体 (seeds/003): budget → monthly disbursement → 域外 deductions →
    year-end clearing; the releases below freeze the same figures and publish the county report."""
    from ..yigongti import service

    console.rule(f"[bold]县域医共体 {year} 年：总额预算 → 按月拨付 → 域外扣减 → 年终清算")
    data = service.load_year(settings, year)
    rb = service.budget(data)
    months = service.disbursements(data, rb)
    clearing = {c.yigongti_id: c for c in service.settle(data, rb, service.assessments(data))}
    console.print(f"预计统筹基金收入 {rb.income:,} 元，先留风险调节金 {rb.reserve:,} 元，可用于预算 {rb.available:,} 元")
    for b in rb.budgets:
        ms, c = months[b.yigongti_id], clearing[b.yigongti_id]
        console.print(f"{b.yigongti_id}：总额预算 {b.total:,} 元；12 个月拨付牵头医院 {sum(m.disbursed for m in ms):,} 元，"
                      f"域外扣减 {sum(m.deducted for m in ms):,} 元；结余（负为超支）{c.balance:,} 元，考核等级 {c.grade}，"
                      f"结余留用 {c.retained:,} 元，合理超支分担 {c.shared:,} 元，清算拨付 {c.settlement:,} 元")


# Fewest hospitals per level in the demo city: a peer set shows statistics from 6 (five peers and
# itself), one spare so that a month in which a small hospital discharges nobody still leaves six.
DEMO_MIN_PER_LEVEL = 7
# the scale at which a generated hospital's month reaches the real minimum volume (30 discharges)
FULL_VOLUME_SCALE = 0.5


def demo_min_volume(scale: float, configured: int) -> int:
    """The peer minimum volume for a generated city: the configured one scaled down with the city
    (a 4,000-insured test city discharges a handful per hospital a month), never below 1."""
    return max(1, min(configured, round(configured * scale / FULL_VOLUME_SCALE)))


def _status_counts(check) -> str:
    from ..checks.model import STATUS_CN

    return "，".join(f"{STATUS_CN.get(k, k)} {v}" for k, v in check.counts().items() if v) or "无检查项"


# ---- appended: findings, releases, rendered files, review and publication --------------------------

DEMO_MEMBERS = [("demo-01", "演示召集人", "convener"), ("demo-02", "演示医保部门成员", "insurer"),
                ("demo-03", "演示医疗机构代表", "hospital")]
DEMO_ACTOR = "演示操作员"
DEMO_OVERRIDE = "演示数据含注入的数据错误"


def _publish_steps(settings, cfg, period: str, computed: dict, out_dir: Path) -> None:
    """6 检测疑点 → 7 创建发布（补算并冻结报告要用的历史月份）→ 8 生成并附加材料 → 9 审议签署、发布。"""
    from ..anomalies import detect
    from ..releases import add_member, failing_checks, list_members, publish, sign, submit
    from ..reports.render import render_release

    console.rule("[bold]6/9 异常检测（疑点线索）")
    findings = detect(period, settings)
    console.print(f"{period} 发现疑点线索 {findings.num_rows} 条")

    console.rule("[bold]7/9 创建发布：冻结结果、复核、疑点与报告所需的一切")
    console.print("缺算的历史月份先补算。")
    console.rule("[bold]8/9 生成发布材料（只读发布包）")
    quarter = Period.parse(period).quarter_window().key
    releases = []
    for kind, key in (("monthly", period), ("quarterly", quarter)):
        if kind == "quarterly" and Period.parse(period).month % 3:
            console.print(f"{period} 不是季末月份，跳过季发布")
            continue
        with console.status(f"正在创建{kind}发布并冻结数据……"):
            release = _fresh_release(kind, key, settings)
        missing = _missing_history(release)
        if missing:
            console.print(f"[yellow]历史月份 {missing[0]} 至 {missing[-1]} 共 {len(missing)} 个月数据湖中没有，报告中注明缺失。[/]")
        target = out_dir / "发布材料" / f"{kind}-{release.period}-v{release.version}"
        result = render_release(release.release_id, target, settings, actor=DEMO_ACTOR)
        console.print(f"{release.release_id}：生成 {len(result.files)} 个报告文件、"
                      f"{len(result.institution_files) // 2} 家机构的定向推送，已附加到发布包")
        releases.append((release, target))

    console.rule("[bold]9/9 审议签署并发布")
    registered = {m.member_id for m in list_members(settings)}
    for member_id, name, role in DEMO_MEMBERS:
        if member_id not in registered:
            add_member(member_id, name, role, settings, actor=DEMO_ACTOR)
    published = []
    for release, target in releases:
        submitted = submit(release.release_id, DEMO_ACTOR, settings)
        for member_id, _, _ in DEMO_MEMBERS[:max(submitted.approvals_needed, 1)]:
            sign(release.release_id, member_id, approve=True, comment="演示：核对无误", settings=settings)
        failing = failing_checks(release)
        reason = DEMO_OVERRIDE if failing else None
        if failing:
            console.print(f"[yellow]{release.release_id} 的复核有 {len(failing)} 项不通过（演示数据注入了数据错误），"
                          f"以强制发布说明“{DEMO_OVERRIDE}”发布，说明已记入审计日志。[/]")
        final = publish(release.release_id, DEMO_ACTOR, override_reason=reason, settings=settings)
        published.append((final, target))

    console.rule("[bold green]发布完成")
    for release, target in published:
        console.print(f"{release.label}（{release.release_id}）已发布")
        console.print(f"  发布包：{release.bundle_dir}")
        console.print(f"  发布材料：{target}（定向推送在其中的“定向推送”目录）")
        for county in sorted(target.glob("县域医共体报告_*")):
            console.print(f"  县域医共体报告：{county}")


def _missing_history(release) -> list[str]:
    from ..releases.frozen import read_frozen

    return read_frozen(release.bundle_dir).history_missing


def _fresh_release(kind: str, key: str, settings):
    """A new draft: v1, or — when the demo runs again in the same workdir — a revision."""
    from ..releases import create_release, list_releases, revise

    existing = list_releases(settings, kind=kind, period=key)
    if not existing:
        return create_release(kind, key, settings, creator=DEMO_ACTOR)
    return revise(existing[-1].release_id, DEMO_ACTOR, "演示重新运行，按最新计算结果生成新版本", settings)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
