"""Tables linked to inpatient settlements: 结算清单, 费用构成, 特例单议 (one block at a time)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .catalogue import Catalogue
from .dip import UNGROUPED as DIP_UNGROUPED
from .dip import DipCatalogue
from .writers import money_array, typed_table

FEE_TYPES = ("药品", "耗材", "检查", "化验", "诊疗", "手术", "护理", "床位")
FEE_SHARE_SURGICAL = np.array([0.24, 0.22, 0.09, 0.09, 0.10, 0.16, 0.05, 0.05])
FEE_SHARE_MEDICAL = np.array([0.38, 0.07, 0.15, 0.15, 0.13, 0.00, 0.06, 0.06])


def list_table(cat: Catalogue, codes_all: pa.Array, f: dict, li: np.ndarray, setl_id: pa.Array,
               qc: np.ndarray, upld: np.ndarray, dip: DipCatalogue | None = None) -> tuple[pa.Table, np.ndarray]:
    """setl_list rows for positions `li`, and their group codes: DRG groups ("QY" = not grouped)
    or, with a DIP catalogue, 病种 of diagnosis + treatment ("0000" = not grouped)."""
    grp = f["group"][li]
    if dip is None:
        codes = np.where(grp >= 0, cat.group_codes[np.maximum(grp, 0)], "QY")
        weight = pa.array(np.where(grp >= 0, cat.group_weight[np.maximum(grp, 0)], np.nan), from_pandas=True)
    else:
        k = dip.of(grp, f["diag"][li])
        codes = np.where(k >= 0, dip.codes[np.maximum(k, 0)], DIP_UNGROUPED)
        weight = pa.array(np.where(k >= 0, dip.weight[np.maximum(k, 0)], np.nan), from_pandas=True)
    days = np.maximum(1, (f["end"][li] - f["begn"][li]).astype(np.int64))
    proc = cat.proc_codes[f["adrg"][li]]
    table = typed_table("setl_list", {
        "setl_id": setl_id.take(pa.array(li)),
        "fixmedins_code": codes_all.take(pa.array(f["inst"][li])),
        "upld_time": pa.array(upld[li]),
        "qc_pass_flag": pa.array(qc[li].astype(str)),
        "adm_time": pa.array(f["adm"][li]), "dscg_time": pa.array(f["dscg"][li]),
        "act_ipt_days": pa.array(days),
        "dscg_way": pa.array(f["dscg_way"][li]),
        "maindiag_code": pa.array(cat.diag_codes[f["diag"][li]]),
        "main_oprn_code": pa.array(np.where(proc == "", None, proc)),
        "grp_type": pa.array(np.full(len(li), "DRG" if dip is None else "DIP")),
        "grp_code": pa.array(codes),
        "grp_weight": weight,
    }, len(li))
    return table, codes


def fee_table(cat: Catalogue, f: dict, fi: np.ndarray, setl_id: pa.Array) -> pa.Table:
    """Cost components per settlement: they sum exactly to medfee_sumamt, and their 自费 parts
    sum exactly to fulamt_ownpay_amt; 甲类 + 乙类 + 自费 = the item's total."""
    medfee = f["medfee_sumamt"][fi]
    own_total = f["fulamt_ownpay_amt"][fi]
    share = np.where(cat.surgical[f["adrg"][fi]][:, None], FEE_SHARE_SURGICAL, FEE_SHARE_MEDICAL)
    # a deterministic wobble derived from the amount: no extra random draws needed
    share = share * (1 + 0.25 * np.sin((medfee[:, None] % 997) * np.arange(1, 9)))
    share = share / share.sum(axis=1, keepdims=True)
    comp = np.floor(medfee[:, None] * share).astype(np.int64)
    comp[:, 0] += medfee - comp.sum(axis=1)  # the rounding remainder goes to 药品
    own = np.floor(comp * (own_total / np.maximum(medfee, 1))[:, None]).astype(np.int64)
    rest = own_total - own.sum(axis=1)  # a few fen: put them where the item has most room
    room = np.argmax(comp - own, axis=1)
    own[np.arange(len(fi)), room] += rest
    claa = np.floor((comp - own) * 0.62).astype(np.int64)
    clab = comp - own - claa
    r, c = np.nonzero(comp > 0)
    return typed_table("setl_fee", {
        "setl_id": setl_id.take(pa.array(fi[r])),
        "med_chrgitm_type": pa.array(np.array(FEE_TYPES)[c]),
        "item_sumamt": money_array(comp[r, c]),
        "item_claa_amt": money_array(claa[r, c]),
        "item_clab_amt": money_array(clab[r, c]),
        "item_ownpay_amt": money_array(own[r, c]),
    }, len(r))


def special_table(codes_all: pa.Array, f: dict, si: np.ndarray, setl_id: pa.Array) -> pa.Table:
    res = f["special"][si]  # 1 passed, 0 rejected, 2 pending (written blank)
    return typed_table("special_case", {
        "setl_id": setl_id.take(pa.array(si)),
        "fixmedins_code": codes_all.take(pa.array(f["inst"][si])),
        "apply_date": pa.array(f["apply_date"][si]),
        "audit_result": pa.array(np.where(res == 2, None, res.astype(str))),
        "audit_date": pa.array(f["audit_date"][si]),
    }, len(si))
