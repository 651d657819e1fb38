"""docs/checks.md, generated from the registry so the documentation cannot drift.

Regenerate with `python -m liangjiadi.checks.docs > docs/checks.md`; a test compares.
"""

from __future__ import annotations

from .frequency import PUBLISH_MONTHS
from .catalogue import FREQ_CN
from .model import GENERAL_REASON_CODES, SEVERITY_CN, STATUS_CN, Status
from .registry import builtin_checks, template_names

_INTRO = """\
# 复核规则（数据底稿的复核）

本文件由 `python -m liangjiadi.checks.docs` 根据规则注册表生成，请勿手工修改；
测试会比较本文件与注册表，规则、阈值或原因代码改动后须重新生成。

依据：《医保数据工作组工作手册》§六(三)——“复核内容包括不同指标的数据来源和口径不一致、
数据间逻辑错误（其中项大于加和项）、对数据指标含义理解错误、数据结果错误或无法支撑结论
（如医保结算清单质控通过率超100%、医保外费用占比为负或超100%等）”。

## 怎么用

```
liangjiadi check --period 2025-03 [--workdir W] [--admdvs 140400] [--rules checks.yaml] [--strict]
```

- 复核最新一次计算结果（`liangjiadi compute` 的输出）；没有结果时提示先计算，退出码 2。
- 每条规则都会运行，所有问题一并列出，不会在第一个错误处停止。
- 报告保存在 `<工作目录>/checks/<区划>/<期间>/<复核批次>.parquet`，同名 `.md`（中文报告）与 `.csv`（可用 Excel 打开）。
- 退出码：默认 0（即使有不通过项，终端中会醒目提示）；加 `--strict` 时有不通过或规则出错则退出码 1，便于在脚本中阻断发布。
- Python 接口：`liangjiadi.checks.run_checks(period, settings, results=None) -> CheckReport`，
  `liangjiadi.checks.load_check_report(workdir, admdvs, period, run_id=None)`，
  `liangjiadi.checks.publishable_ids(period)`（本期可公开的指标）。

## 状态与严重程度

"""

_OVERRIDES = """\
## 本地调整与本地规则

统筹地区可在 `<工作目录>/checks.yaml`（或 `--rules` 指定的文件）中调整内置规则的阈值、
严重程度或停用规则，并用模板新增本地规则，无需改代码：

```yaml
checks:
  mom_jump:
    params: {max_change: 1.5, min_discharges: 50}
  fund_vs_settlement:
    severity: warning      # 不通过降为警告
  missing_institution:
    enabled: false
rules:
  - id: local_l01_range
    template: range        # 可用模板见下
    indicators: [L01]
    min: 0
    max: 1
    title: 地方指标L01取值范围
    note: 本地特色指标L01为比例。
```

"""


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_checks_markdown() -> str:
    lines = [_INTRO.rstrip("\n"), ""]
    lines += ["| 状态 | 含义 |", "|---|---|"]
    meaning = {
        Status.PASS: "规则比较的各项均符合",
        Status.WARN: "需复核人员确认的问题（严重程度为“警告”的规则的违例，或较轻的偏差）",
        Status.FAIL: "数据错误，须改正或说明后才能发布（本次复核结论即为不通过）",
        Status.NOT_APPLICABLE: "本期无可比较的数据，或指标本期不到公开时点",
        Status.ERROR: "规则本身运行出错，结论未知（其余规则照常运行）",
    }
    lines += [f"| {s.value}（{STATUS_CN[s]}） | {meaning[s]} |" for s in Status]
    lines += ["", "严重程度：" + "；".join(f"`{k.value}` {v}" for k, v in SEVERITY_CN.items()) + "。",
              "规则的违例在严重程度为 error 时记为不通过，为 warning 或 info 时记为提示。", "",
              "建议公开频次：" + "；".join(
                  f"{FREQ_CN[f]}（{f}）在 {'、'.join(str(m) for m in sorted(ms))} 月" if len(ms) < 12 else f"{FREQ_CN[f]}（{f}）每月"
                  for f, ms in PUBLISH_MONTHS.items()) + "公开。", ""]
    lines += ["## 规则一览", "", "| 规则编号 | 规则 | 严重程度 | 阈值 | 原因代码 |", "|---|---|---|---|---|"]
    specs = builtin_checks()
    for spec in specs.values():
        codes = "<br>".join(f"`{c}`" for c in spec.reason_codes)
        lines.append(f"| `{spec.check_id}` | {_escape(spec.title)} | {spec.severity.value} | "
                     f"{_escape(spec.threshold_text())} | {codes} |")
    for spec in specs.values():
        lines += ["", f"### `{spec.check_id}` {spec.title}", "",
                  f"- 规则：{spec.rule}",
                  f"- 依据：{spec.note}",
                  f"- 严重程度：{spec.severity.value}（{SEVERITY_CN[spec.severity]}）",
                  f"- 数据：{'、'.join(_uses_cn(u) for u in spec.uses)}"]
        if spec.params:
            lines.append("- 阈值与参数：")
            lines += [f"  - `{name}` = {p.describe()}：{p.note}" for name, p in spec.params.items()]
        else:
            lines.append("- 阈值与参数：无")
        lines.append("- 原因代码：")
        lines += [f"  - `{code}`：{text}" for code, text in spec.reason_codes.items()]
    lines += ["", "### 通用原因代码", "", "各规则除自身的原因代码外，还可能报告：", ""]
    lines += [f"- `{code}`：{text}" for code, text in GENERAL_REASON_CODES.items()]
    lines += ["", _OVERRIDES.rstrip("\n"), "", "可用模板：" + "、".join(f"`{t}`" for t in template_names()) + "。",
              "", "- `range`：`indicators`、`min`、`max`（可选 `tolerance`），值须在范围内；",
              "- `part_of`：`part`、`whole`，其中项不大于合计项；",
              "- `sum_of`：`total`、`items`，合计等于各分项之和。", "",
              "本地规则引用的指标编号（`indicators`、`part`、`whole`、`total`、`items`）须是指标目录中的序号或已登记的地方特色指标；",
              "引用了不存在的指标时，复核在加载配置时即报错（写明配置文件、规则编号和不存在的指标），不会把该规则记为“不适用”。", ""]
    return "\n".join(lines)


def _uses_cn(use: str) -> str:
    if use == "results":
        return "本期计算结果"
    if use == "previous_results":
        return "上期计算结果"
    if use.startswith("lake:"):
        return f"数据湖 {use[5:]} 表"
    return use


if __name__ == "__main__":  # pragma: no cover
    print(render_checks_markdown(), end="")
