"""Settlement amounts in integer fen, vectorised, with the row identities the contract demands.

fund_pay_sumamt = hifp_pay + hifmi_pay + hifob_pay + cvlserv_pay + maf_pay + oth_pay
psn_part_amt    = medfee_sumamt - fund_pay_sumamt
acct_pay + psn_cash_pay = psn_part_amt
inscp_scp_amt   = medfee_sumamt - fulamt_ownpay_amt - overlmt_selfpay - preselfpay_amt
Every part is >= 0 and <= medfee_sumamt; hifp_pay <= fund_pay_sumamt.
"""

from __future__ import annotations

import numpy as np

KIND_OTP, KIND_IPT, KIND_RX = 1, 2, 4

MONEY_COLUMNS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                 "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay",
                 "oth_pay", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "psn_part_amt")

# 起付线 (fen) for inpatient cases by peer group: employee, resident.
DEDUCTIBLE_EMP = np.array([100_000, 60_000, 30_000])
DEDUCTIBLE_RES = np.array([120_000, 80_000, 40_000])
# Pooling-fund rate within the policy range, by peer group.
IPT_RATE_EMP = np.array([0.87, 0.90, 0.92])
IPT_RATE_RES = np.array([0.68, 0.76, 0.85])
OTP_RATE_EMP = np.array([0.55, 0.60, 0.70])
OTP_RATE_RES = np.array([0.45, 0.50, 0.60])
# 医保目录外 (全自费) share of the total by peer group, before noise.
OWNPAY_SHARE = np.array([0.075, 0.055, 0.035])


def settle(medfee: np.ndarray, ownpay_share: np.ndarray, kind: np.ndarray, level: np.ndarray,
           employee: np.ndarray, lixiu: np.ndarray, assisted: np.ndarray, elsewhere: np.ndarray,
           chronic: np.ndarray, rx_pooled: np.ndarray, u: np.ndarray) -> dict[str, np.ndarray]:
    """All amount columns for rows with the given total (fen) and attributes.

    `level` is the peer group 0/1/2 (pharmacies and foreign institutions pass 0); `u` is a
    (n, 4) array of uniform draws so that the caller controls the random stream.
    """
    medfee = np.maximum(medfee.astype(np.int64), 100)
    ipt = kind == KIND_IPT
    lv = np.clip(level, 0, 2)
    fulamt = np.floor(medfee * np.clip(ownpay_share, 0, 0.95)).astype(np.int64)
    overlmt = np.where(ipt, np.floor(medfee * 0.004 * u[:, 0]), 0).astype(np.int64)
    rest = medfee - fulamt - overlmt
    preself = np.floor(rest * np.where(ipt, 0.05, 0.02) * u[:, 1]).astype(np.int64)
    inscp = rest - preself

    deductible = np.where(ipt, np.where(employee, DEDUCTIBLE_EMP[lv], DEDUCTIBLE_RES[lv]), 0)
    rate = np.where(ipt, np.where(employee, IPT_RATE_EMP[lv], IPT_RATE_RES[lv]),
                    np.where(employee, OTP_RATE_EMP[lv], OTP_RATE_RES[lv]))
    rate = rate + np.where(chronic, 0.12, 0.0) - np.where(elsewhere, 0.10, 0.0)
    rate = np.where(kind == KIND_RX, np.where(rx_pooled, 0.5, 0.0), rate)
    hifp = np.floor(np.maximum(inscp - deductible, 0) * np.clip(rate, 0, 0.95)).astype(np.int64)
    remaining = inscp - hifp
    # 职工大额 above 50,000 yuan in scope; 公务员补助 for 离休; 居民大病 above 15,000 yuan own burden
    hifob = np.where(ipt & employee, np.floor(np.maximum(inscp - 5_000_000, 0) * 0.08), 0).astype(np.int64)
    hifob = np.minimum(hifob, remaining)
    remaining -= hifob
    cvlserv = np.where(lixiu, np.floor(remaining * 0.5), 0).astype(np.int64)
    remaining -= cvlserv
    hifmi = np.where(ipt & ~employee, np.floor(np.maximum(remaining - 1_500_000, 0) * 0.6), 0).astype(np.int64)
    remaining -= hifmi
    maf = np.where(assisted & ~elsewhere, np.floor(remaining * 0.7), 0).astype(np.int64)
    oth = np.zeros_like(medfee)
    fund = hifp + hifmi + hifob + cvlserv + maf + oth
    part = medfee - fund
    acct_share = np.where(kind == KIND_RX, np.where(u[:, 3] < 0.85, 0.95, 0.0),
                          np.where(ipt, 0.3 * u[:, 2], 0.6 * u[:, 2]))
    acct = np.where(employee, np.floor(part * acct_share), 0).astype(np.int64)
    cash = part - acct
    return {
        "medfee_sumamt": medfee, "fulamt_ownpay_amt": fulamt, "overlmt_selfpay": overlmt,
        "preselfpay_amt": preself, "inscp_scp_amt": inscp, "hifp_pay": hifp, "hifmi_pay": hifmi,
        "hifob_pay": hifob, "cvlserv_pay": cvlserv, "maf_pay": maf, "oth_pay": oth,
        "fund_pay_sumamt": fund, "acct_pay": acct, "psn_cash_pay": cash, "psn_part_amt": part,
    }
