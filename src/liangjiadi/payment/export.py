"""The frozen settlement as a long table (item, scope, fixmedins_code, value) for
`liangjiadi export payment`: region rows first, then each institution's."""

from __future__ import annotations

from .model import WAYS

INST_ITEMS = ("points", "payment", "fee_for_service", "balance", "retained", "clawback", "shared_overspend",
              "cleared", "deposit_withheld", "deposit_returned", "final_payment", "prepay")
ITEM_CN = {
    "point_value": "结算点值（元/分）", "rate": "费率（元/权重）", "fund_available": "可用基金（元）",
    "budget_point_value": "预算点值/每权重费用（元）", "reimbursement_ratio": "实际报销比例",
    "cases": "病例数", "points": "总分值/总权重", "payment": "清算应付（元）",
    "fee_for_service": "按项目付费统筹支付（元）", "balance": "盈亏（元）", "retained": "结余留用（元）",
    "clawback": "结余收回（元）", "shared_overspend": "合理超支分担（元）", "cleared": "清算后金额（元）",
    "deposit_withheld": "质量保证金预留（元）", "deposit_returned": "质量保证金返还（元）",
    "final_payment": "年度清算拨付（元）", "prepay": "预付款（元）", "fund_retained": "基金留存（元）",
    "score": "考核得分", "grade": "考核等级",
}


def long_rows(frozen: dict) -> list[tuple[str, str, str, str]]:
    value_item = "point_value" if frozen["scheme"] == "DIP" else "rate"
    insts = frozen["institutions"]
    rows = [
        ("scheme", "region", "", frozen["scheme"]),
        ("fund_available", "region", "", frozen["fund_available"]),
        (value_item, "region", "", frozen["point_value"] or ""),
        ("budget_point_value", "region", "", frozen["budget_point_value"] or ""),
        ("reimbursement_ratio", "region", "", frozen["reimbursement_ratio"]),
        ("cases", "region", "", str(sum(sum(i["cases"].values()) for i in insts.values()))),
        ("points", "region", "", frozen["points_total"]),
        ("payment", "region", "", frozen["total_payment"]),
        ("final_payment", "region", "", frozen["total_final"]),
        ("fund_retained", "region", "", frozen["fund_retained"]),
    ]
    for code, i in sorted(insts.items()):
        rows.append(("cases", "institution", code, str(sum(i["cases"].values()))))
        for way in WAYS:
            rows.append((f"cases_{way}", "institution", code, str(i["cases"].get(way, 0))))
        for item in INST_ITEMS:
            rows.append((item, "institution", code, str(i.get(item, ""))))
        rows.append(("score", "institution", code, i.get("score") or ""))
        rows.append(("grade", "institution", code, i.get("grade") or ""))
    return rows
