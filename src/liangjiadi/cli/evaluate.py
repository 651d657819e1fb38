"""`liangjiadi evaluate`: precision and recall of the detectors on a generated region
(thin: matching in anomalies/evaluate.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from .common import EngineOpt, WorkdirOpt, console, engine_override, friendly_errors, settings_for


def evaluate_command(
    ground_truth: Annotated[Path, typer.Option("--ground-truth", "-g", help="生成器输出的 ground_truth.json")],
    workdir: WorkdirOpt = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="评估的月份（缺省为生成数据的最后一个月）")] = None,
    engine: EngineOpt = None,
) -> None:
    """用合成数据的注入真值评估异常检测：各模式的精确率、召回率与检出的最小效应。"""
    from ..anomalies import all_detectors, detect, load_findings
    from ..anomalies.evaluate import evaluate, fmt_ratio, load_ground_truth
    from ..errors import ConfigError

    with friendly_errors():
        if not ground_truth.exists():
            raise ConfigError(f"找不到真值文件：{ground_truth}", "请指定 liangjiadi synth 输出目录中的 ground_truth.json")
        gt = load_ground_truth(ground_truth)
        settings = settings_for(workdir, region_admdvs=gt["region"], **engine_override(engine))
        period = period or gt["end_month"]
        findings = load_findings(Path(settings.workdir), gt["region"], period)
        if findings is None:
            console.print(f"{period} 尚无检测结果，先运行异常检测……")
            findings = detect(period, settings)
        scores = evaluate(gt, findings, patterns=[d.pattern for d in all_detectors()])
    names = {d.pattern: d.name for d in all_detectors()}
    table = RichTable(title=f"检测质量（{gt['region']}，{period}，效应倍数 {gt.get('effect')}，"
                            f"{'含注入' if gt.get('anomalies_enabled', True) else '无注入'}）")
    for col in ("检测器", "名称", "注入", "检出", "召回率", "标记对象", "正确", "误报", "关联", "精确率", "检出的最小效应"):
        table.add_column(col, justify="left" if col in ("检测器", "名称") else "right")
    for p, s in scores.items():
        table.add_row(p, names.get(p, ""), str(s.injected), str(s.detected), fmt_ratio(s.recall), str(s.flagged),
                      str(s.true), str(s.false), str(s.explained), fmt_ratio(s.precision),
                      fmt_ratio(s.smallest_effect_found))
    console.print(table)
    console.print("[dim]说明：召回率 = 检出的注入 / 注入数；精确率 = 正确标记 / 标记对象数（同一机构多条发现计一次）；"
                  "“关联”为相关注入模式所在机构的发现，不计入精确率；表扬类发现不计。[/]")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
