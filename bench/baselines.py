"""Side-by-side baselines for the indicator benchmark.

`pandas_indicators` is what a careful analyst would write with plain pandas (floats, groupby);
`duckdb_single_scan` reads every column the indicators use once, in one aggregate query. They
compute the settlement-based service indicators (36-40, 45), the fund-expense indicators from
settlements (10-inst, 11, 13), the settlement-list rates (28, 29) and the time/cost indices
(43, 44): the part of the worksheet that touches millions of rows.

Each imports its libraries inside the function: the benchmark times every step in a fresh
process, loading what it uses (liangjiadi compute loads Ibis, DuckDB, pyarrow and, through
pyarrow, pandas; the pandas baseline loads pandas), as a user running it would.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

EMPLOYEE = ["310", "320", "330", "340", "350", "360", "370"]
RESIDENT = ["380", "390", "391", "392"]
INPATIENT = ["21", "22", "23", "24", "25", "26", "28", "52"]
PHARMACY = ["41"]
SETL_COLS = ["period", "setl_id", "insutype", "med_type", "fixmedins_code", "fix_blng_admdvs", "insu_admdvs",
             "medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "refd_setl_flag", "vali_flag"]


def months_needed(period: str) -> list[str]:
    """The months the worksheet reads for period P: January..P (cumulative indicators) and P-1
    (growth). Baselines read the same months so that the comparison is like for like."""
    y, m = int(period[:4]), int(period[5:7])
    months = [f"{y:04d}-{k:02d}" for k in range(1, m + 1)]
    prev = f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"
    return sorted(set(months) | {prev})


def _read(workdir: Path, table: str, periods: list[str], columns: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.dataset as ds

    files = sorted(f for p in periods for f in (Path(workdir) / "lake" / table).glob(f"*/{p}/*.parquet"))
    t = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=columns)
    casted = [c.cast(pa.float64()) if pa.types.is_decimal(c.type) else c for c in t.columns]
    return pa.table(casted, names=t.column_names).to_pandas()


def pandas_indicators(workdir: str, period: str, region: str) -> int:
    everything = _read(Path(workdir), "setl_d", months_needed(period), SETL_COLS)
    everything = everything[everything.vali_flag.fillna("1") == "1"]
    everything["ipt"] = everything.med_type.isin(INPATIENT)
    ytd = everything[everything.period.str[:4] == period[:4]]
    ytd_local = ytd[(ytd.fix_blng_admdvs == region) & (ytd.insu_admdvs == region)]
    prev_month = everything[(everything.period < period) & everything.ipt]
    prev_month = prev_month[(prev_month.fix_blng_admdvs == region) & (prev_month.insu_admdvs == region)]
    s = everything[everything.period == period].copy()
    s["count"] = (s.refd_setl_flag.fillna("0") == "0").astype("int64")
    s["ipt"] = s.med_type.isin(INPATIENT)
    s["otp"] = ~s.ipt & ~s.med_type.isin(PHARMACY)
    local = s[(s.fix_blng_admdvs == region) & (s.insu_admdvs == region)]
    out = {}
    by = local.groupby("fixmedins_code")
    ipt = local[local.ipt].groupby("fixmedins_code")
    out["36"] = ipt.medfee_sumamt.sum()
    out["39"] = ipt["count"].sum()
    out["37"] = out["36"] / out["39"]
    out["38"] = local[local.otp].groupby("fixmedins_code")["count"].sum()
    out["40"] = out["38"] / out["39"]
    both = local[local.ipt | local.otp].groupby("fixmedins_code")
    out["45"] = both.fulamt_ownpay_amt.sum() / both.medfee_sumamt.sum()
    # cumulative (January..P) fund expense from settlements, and growth against P-1
    emp = ytd_local[ytd_local.insutype.isin(EMPLOYEE)]
    out["10"] = emp.groupby("fixmedins_code").hifp_pay.sum()
    out["11"] = emp[emp.ipt].groupby("fixmedins_code").hifp_pay.sum()
    out["13"] = ytd_local[ytd_local.ipt & ytd_local.insutype.isin(RESIDENT)].groupby("fixmedins_code").hifp_pay.sum()
    prev_count = prev_month[prev_month.refd_setl_flag.fillna("0") == "0"].groupby("fixmedins_code").size()
    out["41"] = out["39"] / prev_count - 1
    # settlement lists: upload and QC rates, time and cost indices by group
    lst = _read(Path(workdir), "setl_list", [period], ["setl_id", "qc_pass_flag", "grp_code", "act_ipt_days"])
    ipt_all = s[s.ipt & (s["count"] == 1) & (s.fix_blng_admdvs == region)]
    merged = ipt_all.merge(lst, on="setl_id", how="left", indicator=True)
    merged["uploaded"] = merged["_merge"] == "both"
    g = merged.groupby("fixmedins_code")
    out["28"] = g.uploaded.mean()
    out["29"] = merged[merged.uploaded].groupby("fixmedins_code").qc_pass_flag.apply(lambda x: (x == "1").mean())
    grouped = merged[merged.uploaded & merged.grp_code.notna()]
    reg = grouped.groupby("grp_code")[["act_ipt_days", "medfee_sumamt"]].mean()
    hosp = grouped.groupby(["fixmedins_code", "grp_code"]).agg(
        n=("setl_id", "size"), los=("act_ipt_days", "mean"), fee=("medfee_sumamt", "mean")).reset_index()
    hosp = hosp.join(reg, on="grp_code")
    hosp["t"] = hosp.los / hosp.act_ipt_days * hosp.n
    hosp["c"] = hosp.fee / hosp.medfee_sumamt * hosp.n
    h = hosp.groupby("fixmedins_code")[["t", "c", "n"]].sum()
    out["43"] = h.t / h.n
    out["44"] = h.c / h.n
    return sum(len(v) for v in out.values())


def duckdb_single_scan(workdir: str, period: str, region: str) -> int:
    """One aggregate pass over the setl_d columns the indicators use, in the months they read."""
    import duckdb

    globs = [str(Path(workdir).resolve() / "lake" / "setl_d" / "*" / p / "*.parquet") for p in months_needed(period)]
    files = [f for g in globs for f in __import__("glob").glob(g)]
    setl = "', '".join(files)
    con = duckdb.connect()
    con.execute("SET threads=2")
    rows = con.execute(
        f"""
        SELECT period, fixmedins_code, insutype, med_type, fix_blng_admdvs = '{region}' AS loc_inst,
               insu_admdvs = '{region}' AS loc_psn, refd_setl_flag, vali_flag,
               count(setl_id), sum(medfee_sumamt), sum(fulamt_ownpay_amt), sum(hifp_pay)
        FROM read_parquet(['{setl}'])
        GROUP BY ALL
        """
    ).fetchall()
    return len(rows)
