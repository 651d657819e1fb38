"""docs/detection.md: the detector list is generated from the registry (a test keeps it in
step); the measured quality section is written by bench/detection_quality.py."""

from __future__ import annotations

import re
from pathlib import Path

from .registry import all_detectors

DETECTORS_START, DETECTORS_END = "<!-- detectors:start -->", "<!-- detectors:end -->"
MEASURED_START, MEASURED_END = "<!-- measured:start -->", "<!-- measured:end -->"
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
    lines = [DETECTORS_START, "", "## 检测器一览（由注册表生成）", ""]
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
            "",
        ]
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
