"""Counties and 县域医共体 for a generated region (`synth --yigongti`; seeds/003, docs/yigongti.md).

Run after the region is written, so the default output stays byte for byte what it was. Each
医共体 the generator already tags in fixmedins.yigongti_id becomes a county of its own:
  - its members carry the county's code (fixmedins.admdvs and the settlements' fix_blng_admdvs);
  - a person treated at a 医共体's members is insured in its county (insu_admdvs); the others are
    spread over the counties and the city's own code; everyone keeps going wherever the generator
    sent them, so served persons also go outside their 医共体, their county and the region;
  - psn_count gains a row per county (the city's own rows are unchanged);
  - the tables the platform does not hold are written: yigongti, 应参保人数, 财政补助, 村卫生室,
    集采 purchases, 满意度, 家庭医生签约, 预付金 and an over-spend reason, and referral marks
    (连续计算起付线) on a tenth of the county insured's inpatient stays outside their 医共体.
Lines that are not plain rows (the injected faults) are left exactly as they are.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .config import SynthConfig


def county_codes(region: str, n: int) -> list[str]:
    """n county codes under the city's prefix (140421, 140423 ...), never the city's own."""
    out, k = [], 21
    while len(out) < n:
        code = f"{region[:4]}{k:02d}"
        if code != region:
            out.append(code)
        k += 2
    return out


def _county_of_person(psn_no: str, n: int) -> int | None:
    """A stable county index for a person (None = insured under the city's code)."""
    digits = "".join(c for c in psn_no[-6:] if c.isdigit())
    k = int(digits or 0) % (n + 1)
    return k if k < n else None


def _home_counties(out: Path, encoding: str, member_county: dict[str, str]) -> dict[str, str]:
    """A person who gets at least half of their care at the members of one 医共体 lives in its
    county: most of a county's care then stays in its 医共体, and its insured still go elsewhere."""
    visits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    for path in sorted(out.glob("setl_d_*.csv")):
        header, lines = _read(path, encoding)
        pi, fi = header.index("psn_no"), header.index("fixmedins_code")
        for line in lines:
            parts = line.split(",")
            if '"' in line or len(parts) != len(header):
                continue
            total[parts[pi]] += 1
            if parts[fi] in member_county:
                visits[parts[pi]][member_county[parts[fi]]] += 1
    home = {}
    for p, c in visits.items():
        county = max(sorted(c), key=lambda k: c[k])
        if 2 * c[county] >= total[p]:
            home[p] = county
    return home


def _read(path: Path, encoding: str) -> tuple[list[str], list[str]]:
    lines = path.read_text(encoding=encoding).splitlines()
    return lines[0].split(","), lines[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)


def add_yigongti(cfg: SynthConfig, out: Path) -> dict:
    """Turn the generated region into counties with 医共体; returns what was added."""
    if cfg.fmt != "csv":
        raise ConfigError("--yigongti 目前只支持 csv 输出", "去掉 --format 或用 --format csv")
    out, enc = Path(out), cfg.encoding
    header, lines = _read(out / "fixmedins.csv", enc)
    ci, ai, yi, lvi, ki = (header.index(c) for c in ("fixmedins_code", "admdvs", "yigongti_id", "hosp_lv", "inst_kind"))
    rows = [line.split(",") for line in lines]
    ygts = sorted({r[yi] for r in rows if r[yi]})
    if not ygts:
        raise ConfigError("生成的地区没有县域医共体成员，无法生成县与医共体", "请用更大的 --scale")
    counties = dict(zip(ygts, county_codes(cfg.region, len(ygts)), strict=True))
    member_county: dict[str, str] = {}
    members: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for r in rows:
        if r[yi]:
            r[ai] = counties[r[yi]]
            member_county[r[ci]] = counties[r[yi]]
            members[r[yi]].append((r[ci], r[lvi], r[ki]))
    _write(out / "fixmedins.csv", header, rows, enc)

    county_list = [counties[g] for g in ygts]
    home = _home_counties(out, enc, member_county)
    persons_by_county: dict[str, set[str]] = defaultdict(set)
    referrals: list[list[str]] = []
    pick = np.random.Generator(np.random.PCG64(np.random.SeedSequence([cfg.seed, 3004])))
    for path in sorted(out.glob("setl_d_*.csv")):
        header, lines = _read(path, enc)
        width = len(header)
        pi, fi, ii, bi = (header.index(c) for c in ("psn_no", "fixmedins_code", "insu_admdvs", "fix_blng_admdvs"))
        si, mi, ri = (header.index(c) for c in ("setl_id", "med_type", "refd_setl_flag"))
        text = [",".join(header)]
        for line in lines:
            parts = line.split(",")
            if '"' in line or len(parts) != width:
                text.append(line)  # an injected fault or a quoted value: exactly as generated
                continue
            if parts[fi] in member_county and parts[bi] == cfg.region:
                parts[bi] = member_county[parts[fi]]
            if parts[ii] == cfg.region:
                k = _county_of_person(parts[pi], len(county_list))
                county = home.get(parts[pi]) or (county_list[k] if k is not None else None)
                if county is not None:
                    parts[ii] = county
                    persons_by_county[county].add(parts[pi])
                    # a tenth of a county's inpatients at a hospital outside its 医共体 were referred
                    # there; most had their 起付线 counted continuously (seeds/003 三)
                    if parts[mi].startswith("2") and parts[ri] != "1" and parts[fi] not in member_county \
                            and pick.random() < 0.1:
                        referrals.append([parts[si], "", "1" if pick.random() < 0.85 else "0"])
            text.append(",".join(parts))
        path.write_text("\n".join(text) + "\n", encoding=enc)

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([cfg.seed, 3003])))
    header, lines = _read(out / "psn_count.csv", enc)
    share = 1 / (len(county_list) + 1)
    extra = []
    for line in lines:
        r = line.split(",")
        if r[0] == cfg.region:
            for c in county_list:
                extra.append([c, r[1], r[2], str(int(round(int(r[3]) * share)))])
    _write(out / "psn_count.csv", header, [line.split(",") for line in lines] + extra, enc)

    years = sorted({int(p[:4]) for p in cfg.periods})
    first = cfg.periods[0]
    written = {"counties": counties}
    unit_rows, due, subsidy, clinics, vbp, sat, fdoc, bureau = [], [], [], [], [], [], [], []
    for g in ygts:
        c = counties[g]
        ordered = sorted(members[g], key=lambda m: (m[1] or "99", m[0]))
        lead = ordered[0][0]
        unit_rows.append([g, f"{c}县域医共体", c, lead, ";".join(m[0] for m in ordered), first])
        served = int(round(cfg.insured * share))
        for y in years:
            due.append([c, str(y), str(int(served / 0.96)), ""])
            for level, amount in (("中央", 0.5), ("省", 0.25), ("市", 0.15), ("县", 0.10)):
                amt = round(served * 640 * amount, 2)
                subsidy.append([c, str(y), level, f"{amt:.2f}", f"{amt * float(rng.uniform(0.85, 1.0)):.2f}"])
            n_clinics = 12
            fixed = int(round(n_clinics * (0.55 + 0.15 * (y - years[0]))))
            for v in range(n_clinics):
                clinics.append([c, str(y), f"V{c}{v + 1:03d}", f"{c}第{v + 1}村卫生室", "1" if v < fixed else "0",
                                ""])
            for v in range(4):
                for d in range(36):
                    selected = d < 32 - 4 * v
                    qty = int(rng.integers(20, 200))
                    vbp.append([c, str(y), f"V{c}{v + 1:03d}", f"通用名{d // 2}", "片剂", f"D{d:03d}",
                                "1" if selected else "0", str(qty)])
            surveyed = 200
            sat.append([g, str(y), str(surveyed), str(int(rng.integers(160, 196)))])
            fdoc.append([g, str(y), str(int(served * 0.3)), "12.00"])
            bureau.append([g, str(y), "advance", f"{served * 20:.2f}", "自愿申请，经批准"])
            bureau.append([g, str(y), "overspend_volume", f"{served * 5:.2f}", "就医数量大幅增加（模拟）"])
    tables = {
        "yigongti": (["yigongti_id", "yigongti_name", "county_admdvs", "lead_fixmedins_code", "members", "tight_since"],
                     unit_rows),
        "yigongti_insured_due": (["county_admdvs", "year", "due_cnt", "insured_cnt"], due),
        "yigongti_subsidy": (["county_admdvs", "year", "level", "due_amt", "arrived_amt"], subsidy),
        "yigongti_village_clinic": (["county_admdvs", "year", "clinic_code", "clinic_name", "fixed_flag",
                                     "fixmedins_code"], clinics),
        "yigongti_vbp": (["county_admdvs", "year", "clinic_code", "generic_name", "dosage_form", "drug_code",
                          "selected_flag", "qty"], vbp),
        "yigongti_satisfaction": (["yigongti_id", "year", "surveyed_cnt", "satisfied_cnt"], sat),
        "yigongti_family_doctor": (["yigongti_id", "year", "signed_paid_cnt", "fee_per_person"], fdoc),
        "yigongti_bureau": (["yigongti_id", "year", "item", "amount", "note"], bureau),
        "yigongti_referral": (["setl_id", "refl_out_fixmedins_code", "cont_dedc_flag"], referrals),
    }
    for name, (cols, rows_) in tables.items():
        _write(out / f"{name}.csv", cols, rows_, enc)
    written["tables"] = {name: len(r) for name, (_, r) in tables.items()}
    return written
