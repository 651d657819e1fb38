"""§五 of the annual notice: the DRG/DIP 年度清算 per institution, from the published clearing
release the annual release froze (releases/clearing.py), never from the live payment output.

Amounts are printed exactly as frozen (Decimal, to the fen); a row's figures add up as in the
清算 document: 清算应付 − 按项目付费统筹支付 = 盈亏; 年度清算拨付 = 清算后金额 − 质量保证金预留 + 返还."""

from __future__ import annotations

from decimal import Decimal

from .models import PaymentClearing
from .source import ReleaseSource

COLUMNS = ["机构", "级别", "病例数", "清算应付", "按项目付费统筹支付", "盈亏", "结余留用", "合理超支分担",
           "质量保证金预留", "质量保证金返还", "年度清算拨付", "考核等级"]
NOT_PUBLISHED = ("本年度 DRG/DIP 年度清算结果在本通报创建时尚未经工作组审议发布，本节暂不列示各机构清算拨付；"
                 "清算结果发布后将修订本通报。")


def yuan(value) -> str:
    """An amount as frozen, to the fen (never through a float)."""
    return "—" if value in (None, "") else f"{Decimal(str(value)):,.2f}元"


def _rate(value, unit: str) -> str:
    return "—" if value in (None, "") else f"{Decimal(str(value)):,.4f}{unit}"


def payment_clearing(src: ReleaseSource) -> PaymentClearing | None:
    """None for a bundle frozen before clearing releases existed (no word either way)."""
    frozen = src.frozen
    if frozen is None:
        return None
    clearing, source = frozen.clearing, frozen.clearing_release
    if clearing is None or source is None:
        return PaymentClearing(published=False, paragraphs=[NOT_PUBLISHED])
    scheme = clearing["scheme"]
    value = "结算点值" if scheme == "DIP" else "费率"
    unit = "元/分" if scheme == "DIP" else "元/权重"
    insts = clearing["institutions"]
    cases = sum(sum(i["cases"].values()) for i in insts.values())
    paragraphs = [
        f"本节取自工作组审议发布的{clearing['year']}年度清算第{source['version']}版（内容哈希 "
        f"{str(source['content_hash'])[:12]}），与清算文件一致。",
        f"{clearing['year']}年 {scheme} 付费可用基金{yuan(clearing['fund_available'])}，{len(insts)}家定点医疗机构"
        f"{cases:,}例出院病例，{value}{_rate(clearing.get('point_value'), unit)}；清算应付合计"
        f"{yuan(clearing['total_payment'])}，年度清算拨付合计{yuan(clearing['total_final'])}，"
        f"基金留存{yuan(clearing['fund_retained'])}。",
        "盈亏 = 清算应付 − 同一批病例按项目付费应由统筹基金支付的金额；结余按考核等级留用，合理超支按考核等级分担，"
        "质量保证金按考核等级返还（《医疗保险基金支付方式管理工作规范》9.2.2、10.2.2）。",
    ]
    rows = []
    for code, i in sorted(insts.items(), key=lambda kv: (kv[1].get("name") or kv[0], kv[0])):
        rows.append([src.institution(code).name if not i.get("name") else i["name"], i["level"],
                     f"{sum(i['cases'].values()):,}", *(yuan(i.get(k)) for k in (
                         "payment", "fee_for_service", "balance", "retained", "shared_overspend",
                         "deposit_withheld", "deposit_returned", "final_payment")), i.get("grade") or "—"])
    return PaymentClearing(published=True, release_id=source["release_id"], paragraphs=paragraphs,
                           columns=COLUMNS, rows=rows)
