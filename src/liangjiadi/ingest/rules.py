"""The registry of ingest rules: stable English codes, Chinese names and messages.

Row rules send a row to quarantine; file rules reject a whole file. The docs (docs/ingest.md)
carry a table generated from this registry, and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # Chinese name shown in reports and quarantine files
    message: str  # Chinese explanation; row messages are prefixed with file, line and column
    level: Literal["row", "file"]


_RULES = (
    # ---- row rules (the row goes to quarantine; the other rows still load) ----
    Rule("bad_row", "列数不符", "该行的列数与表头不一致（可能含未加引号的分隔符或换行）", "row"),
    Rule("truncated_row", "末行不完整", "文件最后一行的列数少于表头且没有换行结尾：文件可能被截断", "row"),
    Rule("unbalanced_quote", "引号不成对或值内换行",
         "一个带引号的值跨越了多行（引号不成对，或值内含换行）：所跨的每一行都隔离；引号未闭合时只隔离该行", "row"),
    Rule("value_too_long", "值超长", "值超过该列的最大长度（见输入契约“最长”列）；原值不保存", "row"),
    Rule("numeric_identifier", "编号被转成数字",
         "编号或代码列是科学计数法文本（如 1.23457E+14）或超过 15 位有效数字的 Excel 数字单元格，位数可能已丢失", "row"),
    Rule("personal_id_in_column", "疑似个人证件号",
         "非个人信息列中出现形如 18 位身份证号（或配置的人员编号格式）的值，可能是列错位；原值不显示", "row"),
    Rule("bad_encoding", "编码无法识别", "该行既不是 UTF-8 也不是 GB18030 编码，整行未读取", "row"),
    Rule("blank_required", "必填值为空", "该列不允许为空", "row"),
    Rule("bad_number", "数值格式错误", "不是合法的数字", "row"),
    Rule("money_scale", "金额超过两位小数", "金额以元为单位，最多保留 2 位小数", "row"),
    Rule("bad_date", "日期格式错误", "不是合法的日期或日期时间（如 2025-03-01 或 2025-03-01 10:20:00）", "row"),
    Rule("bad_admdvs", "区划代码格式错误", "医保区划代码应为 6 位数字", "row"),
    Rule("bad_period", "期间格式错误", "期间应为 YYYY-MM（如 2025-03），年度应为 4 位数字；或无法确定该行所属期间", "row"),
    Rule("unknown_code", "代码不在代码表中", "代码不在国家代码表或本地扩展代码（extra_codes）中", "row"),
    Rule("duplicate_key", "主键重复", "本次导入中已有相同主键的行（保留第一次出现的行）", "row"),
    Rule("negative_amount", "非退费行金额为负", "只有退费行（refd_setl_flag=1）的金额可以为负", "row"),
    Rule("part_exceeds_total", "分项大于总额", "分项金额的绝对值大于其所属总额的绝对值", "row"),
    Rule("end_before_begin", "结束早于开始", "结束日期/时间早于开始日期/时间", "row"),
    Rule("orphan_settlement", "找不到对应结算", "结算ID 既不在本次导入的结算数据中，也不在数据湖中", "row"),
    Rule("unknown_fixmedins", "本地机构不在定点机构表", "机构所属区划为本统筹地区，但机构编号不在定点医药机构表中", "row"),
    Rule("period_mismatch", "期间与声明月份不符", "该行所属期间与文件名或 --period 声明的月份不一致", "row"),
    Rule("amount_out_of_range", "金额超出合理范围",
         "金额的绝对值超过上限（缺省 10 亿元；配置 ingest_amount_max 与 ingest_amount_max_by_column）", "row"),
    Rule("date_out_of_range", "日期超出合理范围",
         "日期早于下限（缺省 1990-01-01，配置 ingest_date_min）或晚于今天（允许 ingest_date_days_ahead 天）", "row"),
    Rule("period_out_of_range", "期间超出合理范围", "该行所属期间晚于当前月份（或年度晚于明年），或早于日期下限所在月份", "row"),
    Rule("setl_id_other_month", "结算ID 已在其他月份", "结算ID 已在数据湖的另一个月份中（一笔结算只属于一个月；同月重新交付不受影响）", "row"),
    # ---- file rules (the whole file is not loaded; the other files still load) ----
    Rule("missing_column", "缺少必需列", "文件缺少契约规定的必需列", "file"),
    Rule("empty_file", "空文件", "文件为空或只有表头，没有数据行", "file"),
    Rule("unreadable_file", "文件无法读取", "文件不存在、已损坏或编码无法识别", "file"),
    Rule("numeric_identifier_file", "编号列为浮点类型",
         "Parquet 文件中编号或代码列是浮点数/小数类型，位数可能已丢失（整数类型可以导入）", "file"),
    Rule("nothing_accepted", "没有一行入湖", "文件的数据行全部被隔离，没有一行写入数据湖（按未导入处理，退出码非 0）", "file"),
    Rule("unknown_table", "无法识别数据表", "无法从文件名识别数据表，请用 --table 指定", "file"),
    Rule("unsupported_format", "不支持的文件格式", "只支持 .csv/.txt、.xlsx 与 .parquet", "file"),
    Rule("region_unknown", "无法确定统筹地区", "请用 --admdvs 或配置 region_admdvs 指定，或先导入定点医药机构表", "file"),
    Rule("memory_limit", "超出内存上限",
         "DuckDB 在 duckdb_memory_limit 内做不完该表的某一步（无法落盘）：该表的文件都未导入；调大上限或减少 duckdb_threads 后重新导入", "file"),
    Rule("spill_full", "落盘目录已满",
         "DuckDB 的落盘目录（duckdb_temp_directory）写满：该表的文件都未导入；清理磁盘或改用空间更大的目录后重新导入", "file"),
    Rule("shrink_refused", "拒绝缩小已有分区", "本次交付会使数据湖中某月（或定点机构目录）的数据明显减少，该分区未写入；确需整体替换时加 --replace", "file"),
)

RULES: dict[str, Rule] = {r.code: r for r in _RULES}
ROW_RULES = [r for r in _RULES if r.level == "row"]
FILE_RULES = [r for r in _RULES if r.level == "file"]


def rule_name(code: str) -> str:
    return RULES[code].name if code in RULES else code


def rules_markdown() -> str:
    """The rule table of docs/ingest.md (kept identical by a test)."""
    lines = ["| 规则代码 | 级别 | 规则名称 | 说明 |", "|---|---|---|---|"]
    for r in _RULES:
        level = "行（隔离该行）" if r.level == "row" else "文件（整个文件不导入）"
        lines.append(f"| `{r.code}` | {level} | {r.name} | {r.message} |")
    return "\n".join(lines)
