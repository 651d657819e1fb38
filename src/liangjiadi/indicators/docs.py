"""docs/indicators.md, generated from the registry.

Regenerate with `python -m liangjiadi.indicators.docs docs/indicators.md`; a test fails when the
committed file drifts from `render_markdown()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import local as local_module
from .registry import FAMILIES, WINDOWS, builtin_indicators

UNIT_CN = {
    "yuan": "元", "ratio": "比率（小数，0.1234 = 12.34%）", "count": "人次/个数", "index": "指数",
    "per_mille_people": "每千参保人", "per_mille": "‰", "per_100k": "每十万", "years": "岁", "none": "—",
}
SCOPE_CN = {"region": "统筹地区", "both": "统筹地区 + 各医疗机构", "institution": "仅各医疗机构"}
BASIS_CN = {"cumulative": "累计", "period": "当期", "none": "—"}
FREQ_CN = {"month": "月", "quarter": "季度", "half_year": "半年", "year": "年", "half_year_or_year": "半年/年"}

GENERAL = """\
## 通用口径

- **结算有效性**：只用有效结算（`vali_flag` 为 1 或空）。**人次**只计非退费行（`refd_setl_flag` 为 0 或空）；
  **金额取净额**：有效行全部相加，退费行为负数，自然相抵。
- **住院 / 药店 / 门诊**：`med_type` 属于设置 `inpatient_med_types`（默认 21、22、23、24、25、26、28、52）为住院；
  属于 `pharmacy_med_types`（默认 41）为药店购药；其余为门诊。
- **本地 / 异地**：本地机构 = `fix_blng_admdvs` 属于本统筹地区；本地参保人 = `insu_admdvs` 属于本统筹地区。
  “属于本统筹地区”指等于本地区代码或设置 `region_county_admdvs` 所列的所辖县（市、区）代码之一（docs/yigongti.md）。
  “不含异地就医”（11、13、36-41、45）= 本地参保人在本地机构就医。
- **机构名单**：凡涉及各医疗机构的指标，每一家本地定点医疗机构（`fixmedins_type` 1，所属区划为本地区，
  取 P 期有效快照：每个机构编号取 `period` ≤ P 的最新一行，`0000-00` 表示一直有效）都有一行，
  即使当期没有病例（人次为 0，比率无值并注明原因）。本地结算中出现、但不在机构表中的非药店编号也列出。
- **时间窗口**：P 为计算月份。当期指标用 P 当月；累计指标用 1 月至 P；建议半年公布的当期指标
  （33、34、35、42）用所在半年的 1 月（或 7 月）至 P；41 另需上月 P−1；48、49 用近 12 个月。
- **基金报表**：`fund_report` 的金额是年初至本期累计数。1-10、12、15-23 照 P 期报表取数（手册§六(二)：
  “通过……基金报表进行采集，根据公开口径选择对应的月、季度或者年度报表”）。当期结余（15、17、20）取报表
  “当期结余”项 `balance_period`（本年结余），与 18、21 的“累计结余”（历年滚存）相对；
  48、49 的 12 个月动态结余按月发生额（本期累计 − 上期累计，1 月即 1 月累计）相加。
- **参保人数**：`psn_count` 月末固化值，险种 310（职工）与 380/390/391（居民）相加；补充险种（320、330、370、392 等）
  与基本险是同一批人，不重复计算。
- **无值**：缺数据或分母为 0 时值为空，`note` 用中文写明原因；从不输出 inf 或 NaN。
- **精度**：分子、分母为精确十进制；比率为小数（0.1234，不是 12.34），值保留 10 位小数（四舍六入五成双），
  在 DuckDB 与 PySpark 上结果一致。
- **计算方式**：每组指标共用一次 Ibis 聚合（结算表一次扫描得到 期间 × 机构 × 本地/异地 × 类别 × 险种 的人次与金额；
  住院病例与结算清单、特例单议一次关联聚合；入组病例按病组一次聚合），再由各指标函数在小表上精确计算。
"""

EXTRA = """\
## 目录之外的结果编号

| 结果编号 | 含义 | 归属 |
|---|---|---|
| 41m | 出院人次混合增长率（增长率 × 规模权重），仅各医疗机构 | 41 |
| CMI | 病例组合指数：入组病例权重之和 / 入组病例数，统筹地区与各机构 | 43、44 |
| 50e / 50r | 职工 / 居民人均医保基金收入 | 50 |
| 51e / 51r | 职工 / 居民人均医保基金支出 | 51 |
| L01 … | 地方特色指标（YAML 定义） | — |

16、19 是标题行，没有数值，不输出结果。52-57 只有在 `external` 表提供时才输出。
"""


CLI = """\
## 命令行

```text
liangjiadi compute --period 2025-03 [--engine duckdb|pyspark] [--workdir W]
    计算一个月的全部指标（含各医疗机构与地方特色指标），保存为一次计算批次
    <W>/results/<admdvs>/<period>/<run_id>.parquet，并打印摘要：指标数、机构数、无值项及原因、批次号。
    工作目录不存在时拒绝并写出路径；数据湖中该月没有结算数据（setl_d）时拒绝计算（“…没有结算数据，不计算该月指标”）。
liangjiadi export results --period 2025-03 --out 结果.csv [--run RUN_ID] [--workdir W]
    导出最新（或指定）批次为 CSV（UTF-8 带 BOM）：indicator_id, scope, fixmedins_code, value,
    numerator, denominator, name, note；数值为普通小数写法。
```

统筹地区取设置 `region_admdvs`（`LJD_REGION_ADMDVS`）；未设置且数据湖中只有一个地区时自动识别。
"""


def _cell(text: str) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


SHARED_BASE = """## 共用基础：期间、机构目录、计算批次

各部分共用下面三样东西，每样只在一处实现：

- **期间**（`liangjiadi.period`）：`Period.parse("2025-03")`、`shift`、`span`，以及季度、半年、年度窗口
  `Window.parse("2025-Q4")`（`.months`、`.label` 如“2025年第四季度”、`.previous()`）。期间格式错误一律报
  “期间格式不正确”；发布的期间（月推送、季发布、年度通报、专题）也由它解析，各自保留本类型的中文提示。
- **某期的机构目录**（`liangjiadi.indicators.institutions.institutions_as_of(engine, period, region)`）：
  定点医药机构表中每家机构取生效期间不晚于该期的最新一行（期间为空即一直有效），得到唯一的
  `Institution` 记录（`liangjiadi.schema.institution`：编码、名称、等级及等级组、类型、区划、类别、
  所有制、床位、DRG/DIP、医共体、经纬度）。指标计算、复核、分析、异常检测与 `release create`
  都用它；发布包冻结这些记录（institutions.json），报告读冻结的副本。
- **计算批次**（`liangjiadi.runs`）：指标结果（results）、复核报告（checks）、异常检测结果（findings）
  都存为 `<工作目录>/<kind>/<区划>/<期间>/<批次号>.parquet`，用同一组函数列出与读取：
  `list_runs(workdir, kind, admdvs, period)`（由旧到新）、`latest_run`、`read_run`、`write_run`。
  批次号以生成的秒开头；同一秒内的多个批次按写入先后排列，“最新”总是最后一次运行的结果。
  指定的批次不存在时报中文错误。
"""


def render_markdown() -> str:
    inds = builtin_indicators()
    out = [
        "# 数据底稿指标（由 `liangjiadi.indicators.docs.render_markdown()` 生成，请勿手改）",
        "",
        "指标目录来自国家《医保数据工作组数据底稿》（2025 年 3 月版，47 项）、2025-03-24 通知（48、49）及手册"
        "“其他指标”（50-57）。每项列出官方公式与本项目的计算口径。结果表见 `indicators/results.py`"
        "（admdvs、period、indicator_id、scope、fixmedins_code、value、numerator、denominator、basis、note、run_id）。",
        "",
        GENERAL,
        EXTRA,
        "## 总表",
        "",
        "| 编号 | 项目 | 指标 | 频次 | 口径 | 范围 | 单位 | 窗口 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i in inds:
        out.append(f"| {i.id} | {_cell(i.group)} | {_cell(i.name)} | {FREQ_CN.get(i.freq, i.freq)} | "
                   f"{BASIS_CN.get(i.basis, i.basis)} | {SCOPE_CN[i.scope]} | {UNIT_CN.get(i.unit, i.unit)} | "
                   f"{WINDOWS[i.window]} |")
    out.append("")
    for fam, fam_cn in FAMILIES.items():
        members = [i for i in inds if i.family == fam]
        if not members:
            continue
        out += [f"## {fam_cn}（`indicators/{fam}.py`）", ""]
        for i in members:
            out += [f"### {i.id} {i.name}", ""]
            out.append(f"- 项目：{i.group}；频次：{FREQ_CN.get(i.freq, i.freq)}；口径：{BASIS_CN.get(i.basis, i.basis)}；"
                       f"范围：{SCOPE_CN[i.scope]}；单位：{UNIT_CN.get(i.unit, i.unit)}；窗口：{WINDOWS[i.window]}")
            if i.formula:
                out.append(f"- 官方公式：{i.formula}")
            out.append(f"- 计算口径：{i.method}")
            if i.note:
                out.append(f"- 备注：{i.note}")
            if i.bounds:
                out.append(f"- 合理范围：[{i.bounds[0]}, {i.bounds[1]}]（超出为复核错误）")
            if i.parent:
                out.append(f"- 上级指标：{i.parent}（部分不超过整体）")
            if i.sum_of:
                out.append(f"- 等于：{' + '.join(i.sum_of)}")
            out.append("")
    out += [CLI]
    out += ["## 地方特色指标", "", "在 `<工作目录>/local_indicators.yaml`（或设置 `local_indicators_file` 指定的文件）中声明，"
            "不执行任何代码；格式错误时报告文件、第几项和字段。", "",
            "地方特色指标与内置指标登记在同一个指标表中（`registry.load_indicators(settings)`）："
            "`get(\"L01\")` 与 `get(\"37\")` 一样可查，编号与内置指标（含 41m、CMI 等结果编号）重复即报错。"
            "compute、check、detect、release create、export results / worksheet 都先读取该文件，"
            "文件有误时这些命令都报同一个错误，不会退回只用内置指标。", "", "```text",
            (local_module.__doc__ or "").strip(), "```", ""]
    out += [SHARED_BASE]
    return "\n".join(out)


def write(path: Path) -> None:
    path.write_text(render_markdown(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/indicators.md"))
