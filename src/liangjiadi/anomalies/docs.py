"""docs/detection.md: the detector list is generated from the registry (a test keeps it in
step); the measured quality section is written by bench/detection_quality.py."""

from __future__ import annotations

import re
from pathlib import Path

from .registry import all_detectors

DETECTORS_START, DETECTORS_END = "<!-- detectors:start -->", "<!-- detectors:end -->"
MEASURED_START, MEASURED_END = "<!-- measured:start -->", "<!-- measured:end -->"
RUN_TEXT = """## 窗口、检测范围、线索合并与地区配置

使用已有的历史：出院人次、床位周转、门诊住院人次比骤降与住院率等同比检测器，上年同期12个月（至多缺1个月）都在时比较近12个月；
否则比较截至检测月份、本月份与上年同月都有数据的最长连续窗口（至少3个月，如18个月历史时为近6个月），每条发现的证据
（window、base_window、window_months）和提示语都写明所用窗口。连续可比月份不足3个月时，检测器记为“未检测”并写明原因。

检测范围（绝不无声地报“0 发现”）：每次运行为每个检测器记录“已检测”（检测机构数、同级比较对象最少几家、所用窗口）或
“未检测”及原因（历史数据不足、同级比较对象不足、输入表缺失）；某个检测器运行出错时记为“运行出错（未检测）”并附错误，
其余检测器的发现照常保存。已检测的检测器还逐家记下未能判断的机构及原因（如“历史不足：上年同期6个月中只有0个月有出院记录”
“病例数不足（本期与上年同期各需至少30例）”“未报送床位数”），`detect` 的检测范围一栏写“未检测机构N家（原因及家数）”，
导出的 coverage.csv 的 skipped 列逐家列出，未检测的机构不计入“检测机构”，也就不会被当作“已检查、无异常”。记录与发现并存于 `findings/<区划>/<月份>/<批次>.coverage.json`，`liangjiadi detect` 打印，
`liangjiadi export findings` 另写 `<输出文件名>.coverage.csv`；报告可用 `liangjiadi.anomalies.load_coverage` 与
`not_evaluated_line` 写出“本期未检测的项目及原因”。

一家机构一种行为一条线索：同一机构同一期间相关模式的发现合并为一条线索——高套编码（upcoding_severity、upcoding_diagnosis、
structure_shift）、收治轻症入院（basic_groups_in_tertiary、low_standard_admission）、诱导住院（admission_surge、
outpatient_inpatient_ratio、beds_turnover）。合并后的线索取最强的严重程度，`patterns` 列出全部模式，证据中
`by_pattern` 保留每个模式各自的证据；评估检测质量时合并线索对其每个模式都计数。

地区配置：`<工作目录>/detectors.yaml`（或设置 `detectors_file`、`liangjiadi detect --config F`）可调整下列参数、停用检测器，
并按模板新增本地区的检测器（与内置检测器一样注册、运行、记录检测范围）：

```yaml
detectors:
  admission_surge:
    params: {min_z: 3.0, min_excess: 0.25}
  impossible_travel:
    enabled: false
rules:
  - id: local_chronic_share      # 本地检测器编号（即模式名）
    template: peer_ratio           # 各机构比值与同级别机构比较（稳健z）
    name: 门诊慢特病人次占比偏高
    table: setl_d
    filter: {med_type: ["11", "14"]}
    numerator: {agg: count, filter: [{column: med_type, op: "==", value: "14"}]}
    denominator: {agg: count}
    direction: high                # high | low
    params: {min_cases: 200, min_z: 3.5, min_times: 1.5, months: 12}
```
筛选与汇总的写法与地方特色指标相同（docs/indicators.md）。
"""
COMPARES_CN = {"peers": "同级比较", "last_year": "上年同期", "last_month": "上月"}

HEADER = """# 异常检测（聚焦“错”）

每个检测器对应 spec/anomalies.md 中的一种模式，输出“发现”（finding）：机构（或统筹地区、匿名人员组）、
期间、模式、证据数字（本机构值、同级中位数与百分位、变化幅度、病例数、检验统计量、p 值）、严重程度和一句可直接
写入报告的中文提示（点名提醒）。发现中绝不出现人员编号，人员层面只给人数和匿名组号。

命令：`liangjiadi detect --period YYYY-MM` 运行全部检测器（所需的上年同期等比较期由检测器自行读取，导入后即可运行）；
`liangjiadi export findings --period YYYY-MM --out F.csv` 导出发现；
`liangjiadi evaluate --ground-truth ground_truth.json` 在合成数据上评估检测质量。

比较窗口：病例结构类检测器比较“近 12 个月”（截至检测月份）与上年同期的相同月份；只用数据湖中两年都有的月份，
不足 6 个月不做同比，只做同级比较。多重检验：同一检测器同一次运行的全部检验 p 值一并按 Benjamini-Hochberg
校正（FDR 5%），再加最小效应条件，以免因检验次数多而误报。
"""


def detectors_markdown() -> str:
    lines = [DETECTORS_START, "", RUN_TEXT.strip(), "", "## 检测器一览（由注册表生成）", ""]
    for d in all_detectors():
        compares = "、".join(COMPARES_CN.get(c, c) for c in d.compares)
        lines += [
            f"### `{d.pattern}` {d.name}",
            "",
            d.description,
            "",
            f"- 最少病例数：{d.min_cases}（低于此数不标记；小机构即使比例相同也不点名）",
            f"- 同级/比较对象：{d.peers}",
            f"- 比较方式：{compares}",
            f"- 严重程度：{d.severity_rule or '未说明'}",
        ]
        if d.params:
            lines.append("- 参数（可在 detectors.yaml 中按地区调整，见“地区配置”）：")
            lines += [f"  - `{k}` = {p.describe()}：{p.note}" for k, p in d.params.items()]
        lines.append("")
    lines.append(DETECTORS_END)
    return "\n".join(lines)


def _replace(text: str, start: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: body, text)
    return text.rstrip() + "\n\n" + body + "\n"


def current_sections(text: str) -> tuple[str | None, str | None]:
    def grab(start, end):
        m = re.search(re.escape(start) + r".*?" + re.escape(end), text, re.S)
        return m.group(0) if m else None

    return grab(DETECTORS_START, DETECTORS_END), grab(MEASURED_START, MEASURED_END)


def write_detection_doc(path: Path, measured: str | None = None) -> Path:
    """Rewrite the generated detector list; replace the measured section when given, else
    keep the one already in the file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    text = _replace(text, DETECTORS_START, DETECTORS_END, detectors_markdown())
    if measured is not None:
        body = f"{MEASURED_START}\n{measured.strip()}\n{MEASURED_END}"
        text = _replace(text, MEASURED_START, MEASURED_END, body)
    elif MEASURED_START not in text:
        text = _replace(text, MEASURED_START, MEASURED_END,
                        f"{MEASURED_START}\n## 检测质量（实测）\n\n尚未测量：运行 bench/detection_quality.py。\n{MEASURED_END}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path
