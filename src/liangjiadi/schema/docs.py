"""Render the input contract (docs/input-contract.md) from the schema code, so it cannot drift."""

from __future__ import annotations

from .codes import CODE_TABLES
from .tables import LOAD_ORDER, PERSONAL_COLUMNS, SNAPSHOT_PERIOD, TABLES, DTYPE_CN

_PERIOD_RULE = {
    "setl_time": "按 `setl_time`（结算时间）所在月份",
    "column": "按 `period` 列",
    "link": "随其结算（`setl_id` 对应的结算数据所在月份）；结算数据中找不到时按 `{col}` 所在月份",
    "year": "按 `year`（预算年度）",
    "snapshot": f"快照表：有 `period` 列时按该列（生效月份），否则为 `{SNAPSHOT_PERIOD}`（长期有效）",
}


def render_contract_markdown() -> str:
    out: list[str] = [
        "# 输入数据约定（Input contract）",
        "",
        "> 本文件由 `liangjiadi.schema.docs.render_contract_markdown()` 根据代码生成，"
        "测试会检查两者一致；请勿手工修改。",
        "",
        "字段名采用国家医疗保障信息平台的字段名（医院接口层，小写蛇形）。列名大小写不敏感"
        "（后台表的大写列名如 `SETL_ID`、`INSCP_AMT` 同样接受），并接受下表列出的别名。"
        "标注“项目自定”的字段为平台无标准名称时本项目的命名。",
        "",
        "支持的文件格式：CSV（UTF-8、UTF-8 BOM、GBK/GB18030，自动识别）、Excel（.xlsx）、Parquet。",
        "",
        "## 长度与编号",
        "",
        "“最长”列是每个值允许的最多字符数，超长的值使该行进入隔离区（规则 `value_too_long`），原值不保存。"
        "标注“编号”的列（编号、代码、区划）必须以文本交付：科学计数法文本（如 `1.23457E+14`）、"
        "超过 15 位有效数字或带小数的 Excel 数字单元格使该行隔离（`numeric_identifier`）；"
        "Parquet 中编号列为浮点数或小数类型时整个文件不导入（`numeric_identifier_file`），"
        "整数类型按原数字转为文本。",
        "",
        f"导入顺序：{' → '.join(f'`{t}`' for t in LOAD_ORDER)}。",
        "",
        "## 个人信息",
        "",
        "`psn_no`（人员编号）入湖前以带密钥的 HMAC 哈希替换，同一人跨月份得到同一代号；密钥来自配置，"
        "不与数据存放在一起。以下列一旦出现即在导入时删除，只在导入报告中记录列名："
        + "、".join(f"`{c}`" for c in sorted(PERSONAL_COLUMNS))
        + "。",
        "",
    ]
    for name in LOAD_ORDER:
        t = TABLES[name]
        flags = []
        if t.optional:
            flags.append("可选")
        if t.own:
            flags.append("项目自定")
        title = f"## {t.name} — {t.cn}" + (f"（{'，'.join(flags)}）" if flags else "")
        out += [title, ""]
        if t.note:
            out += [t.note, ""]
        out += [
            f"- 主键：{', '.join(f'`{k}`' for k in t.key)}",
            f"- 期间：{_PERIOD_RULE[t.period_source].format(col=t.period_column)}",
            f"- 区划分区：{'按行内 `admdvs`' if t.admdvs_from_row else '本统筹地区'}",
        ]
        if t.parts:
            out.append("- 行内部分不超过整体：" + "；".join(f"`{p}` ≤ `{w}`" for p, w in t.parts))
        if t.ordered:
            out.append("- 先后顺序：" + "；".join(f"`{e}` 不早于 `{b}`" for b, e in t.ordered))
        if t.refund_flag:
            out.append(f"- 退费行（`{t.refund_flag}` = 1）金额可为负；其余行金额不得为负")
        if t.link_setl_id:
            out.append("- 每行须能在结算数据（本次导入或数据湖）中找到其 `setl_id`")
        out += ["", "| 字段 | 含义 | 类型 | 必有列 | 可空 | 代码表 | 最长 | 编号 | 别名 | 说明 |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for c in t.columns:
            note = c.note
            if c.own:
                note = ("项目自定。" + note) if note else "项目自定"
            out.append(
                f"| `{c.name}` | {c.cn} | {DTYPE_CN[c.dtype]} | {'是' if c.required else ''} | "
                f"{'' if not c.nullable else '是'} | {f'`{c.codes}`' if c.codes else ''} | "
                f"{c.limit} | {'是' if c.identifier else ''} | "
                f"{', '.join(f'`{a}`' for a in c.aliases)} | {note} |"
            )
        out.append("")
    out += ["## 代码表", "", "地方扩展代码可在配置 `extra_codes` 中追加。", ""]
    for name, table in CODE_TABLES.items():
        out += [f"### `{name}`", "", "| 代码 | 含义 |", "|---|---|"]
        out += [f"| `{k}` | {v} |" for k, v in table.items()]
        out.append("")
    return "\n".join(out)
