"""`liangjiadi synth`: generate a synthetic region (thin: the logic lives in liangjiadi.synth)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import console, friendly_errors, progress


class FormatChoice(str, Enum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


class SchemeChoice(str, Enum):
    drg = "drg"
    dip = "dip"


class EncodingChoice(str, Enum):
    utf8 = "utf-8"
    gbk = "gbk"


TABLE_CN = {
    "setl_d": "结算数据", "setl_list": "结算清单", "setl_fee": "费用构成", "special_case": "特例单议",
    "clr_result": "清算结果", "fixmedins": "定点医药机构", "grp_catalog": "分组目录",
    "fund_report": "基金报表", "psn_count": "参保人数", "budget": "下一年度预算",
}
CALIBRATION_CN = {
    "hospitalization_rate": ("住院率（年化）", "{:.2%}"),
    "otp_ipt_ratio": ("门诊住院人次比", "{:.1f} : 1"),
    "out_of_list_share": ("医保外费用占比", "{:.2%}"),
    "qc_pass_rate": ("结算清单质控通过率", "{:.2%}"),
    "grouping_rate": ("入组率", "{:.2%}"),
    "special_case_share": ("特例单议通过占比", "{:.2%}"),
    "ipt_mean_cost_yuan": ("次均住院费用（元）", "{:,.0f}"),
    "policy_payment_ratio_employee": ("职工政策范围内支付比例", "{:.2%}"),
    "policy_payment_ratio_resident": ("居民政策范围内支付比例", "{:.2%}"),
    "beds_per_1000": ("千人口床位数", "{:.2f}"),
}


def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录")],
    scale: Annotated[float, typer.Option("--scale", help="规模：1.0 ≈ 100 万参保人的城市；0.01 为测试用小区域")] = 0.01,
    months: Annotated[int, typer.Option("--months", help="生成月份数")] = 24,
    end_month: Annotated[str, typer.Option("--end-month", help="最后一个月 YYYY-MM")] = "2025-12",
    seed: Annotated[int, typer.Option("--seed", help="随机种子（同种子同参数生成的文件逐字节相同）")] = 20251,
    region: Annotated[str, typer.Option("--region", help="统筹地区 6 位医保区划代码")] = "140400",
    fmt: Annotated[FormatChoice, typer.Option("--format", help="输出格式 csv / parquet / xlsx（xlsx 仅适合小规模）")] = FormatChoice.csv,
    encoding: Annotated[EncodingChoice, typer.Option("--encoding", help="CSV 编码 utf-8 / gbk")] = EncodingChoice.utf8,
    anomalies: Annotated[bool, typer.Option("--anomalies/--no-anomalies", help="是否注入异常模式")] = True,
    faults: Annotated[bool, typer.Option("--faults/--no-faults", help="是否注入数据错误（供复核）")] = True,
    effect: Annotated[float, typer.Option("--effect", help="异常效应倍数（1 = 预设强度）")] = 1.0,
    yigongti: Annotated[bool, typer.Option("--yigongti", help="各医共体生成为县，并写出医共体表及可选表（仅 csv）")] = False,
    scheme: Annotated[SchemeChoice, typer.Option("--scheme", help="付费方式：drg 按病组（默认）/ dip 按病种分值（病种 = 诊断 + 治疗方式，如 I63.9::保守治疗）")] = SchemeChoice.drg,
    injections_per_pattern: Annotated[int, typer.Option("--copies", help="每个机构层面异常模式注入的机构数（一家机构只注入一个模式；大于 1 时同级医院数相应增加，供检测质量测量）")] = 1,
) -> None:
    """生成一个模拟统筹地区的全部输入表，并写出注入异常与错误的真值文件 ground_truth.json。"""
    from ..synth import SynthConfig, generate

    with friendly_errors():
        cfg = SynthConfig(region=region, scale=scale, months=months, end_month=end_month, seed=seed,
                          fmt=fmt.value, encoding=encoding.value, anomalies=anomalies, faults=faults,
                          effect=effect, scheme=scheme.value, injections_per_pattern=injections_per_pattern)
        with progress() as bar:
            task = bar.add_task("准备生成", total=months + 2)

            def on_step(message: str, done: int, total: int) -> None:
                bar.update(task, description=message, completed=done, total=total)

            summary = generate(cfg, out, progress=on_step)
        added = None
        if yigongti:
            from ..synth.yigongti import add_yigongti

            added = add_yigongti(cfg, out)

    periods = cfg.periods
    console.print(f"[bold]模拟统筹地区 {cfg.region}[/]（{cfg.scheme.upper()} 付费）：{periods[0]} 至 {periods[-1]}，共 {months} 个月，"
                  f"规模 {scale}（约 {cfg.insured:,} 名参保人），用时 {summary.seconds:.1f} 秒")
    table = Table(title="生成的数据表", show_lines=False)
    table.add_column("表")
    table.add_column("名称")
    table.add_column("行数", justify="right")
    for name, n in summary.rows.items():
        table.add_row(name, TABLE_CN.get(name, ""), f"{n:,}")
    console.print(table)
    cal = Table(title="校准检查（本地机构，含注入异常）")
    cal.add_column("指标")
    cal.add_column("数值", justify="right")
    for key, (cn, fmt_) in CALIBRATION_CN.items():
        if key in summary.calibration:
            cal.add_row(cn, fmt_.format(summary.calibration[key]))
    console.print(cal)
    console.print(f"注入异常模式 {summary.anomalies} 个，数据错误 {summary.faults} 处；"
                  f"真值见 {Path(summary.out_dir) / 'ground_truth.json'}")
    console.print(f"共写出 {summary.files} 个文件到 {summary.out_dir}")
    if added:
        codes = ", ".join(f'"{c}"' for c in added["counties"].values())
        console.print(f"县域医共体：{len(added['counties'])} 个县（{codes}）；另写出 "
                      + "、".join(f"{k} {v:,} 行" for k, v in added["tables"].items()))
        console.print(f"导入与计算前请在配置中设置本地区所辖县：region_admdvs = \"{cfg.region}\"，"
                      f"region_county_admdvs = [{codes}]（或环境变量 LJD_REGION_COUNTY_ADMDVS='[{codes}]'）")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
