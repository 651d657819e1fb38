"""The region's institutions and pharmacies, and the foreign institutions used for 异地就医."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SynthConfig

# Peer groups used for volumes and prices: 0 = 三级, 1 = 二级, 2 = 一级及以下.
TERTIARY, SECONDARY, PRIMARY = 0, 1, 2
LEVEL_OF_HOSP_LV = {"01": 0, "02": 0, "03": 0, "04": 0, "05": 1, "06": 1, "07": 1,
                    "08": 2, "09": 2, "10": 2, "11": 2}

# Beds per 1,000 insured (千人口床位数) and the share of beds by peer group.
BEDS_PER_1000 = 7.0
BED_SHARE = (0.45, 0.36, 0.19)
# Inpatient cases per bed and month relative to the mean, by peer group (turnover).
TURNOVER = (1.15, 1.0, 0.65)
# Outpatient visits per discharge (门诊住院人次比) by peer group.
OTP_PER_IPT = (13.0, 21.0, 45.0)
# Approximate centre of the default region (长治) for lon/lat.
CENTRE = (113.12, 36.20)

# 异地就医 destinations: (admdvs, city, lon, lat). The region's insured are treated there.
FOREIGN_CITIES = (
    ("140100", "太原市", 112.55, 37.87),
    ("110000", "北京市", 116.40, 39.90),
    ("130100", "石家庄市", 114.51, 38.04),
    ("410100", "郑州市", 113.62, 34.75),
    ("310000", "上海市", 121.47, 31.23),
    ("460100", "海口市", 110.32, 20.03),
    ("650100", "乌鲁木齐市", 87.62, 43.83),
)
# Share of the region's insured's 异地 cases by destination (same order as FOREIGN_CITIES).
FOREIGN_SHARE = np.array([0.45, 0.22, 0.08, 0.12, 0.07, 0.03, 0.03])
# Regions whose insured come to be treated here (insu_admdvs ≠ region).
VISITOR_ADMDVS = ("140100", "140500", "140700", "130400", "410800")

TOWNS = ("城关", "东关", "西街", "南岭", "北营", "太行", "漳泽", "黎都", "上党", "潞安", "紫云", "柳林",
         "平顺", "襄垣", "屯留", "沁源", "武乡", "黄碾", "荫城", "苏店", "西火", "东和", "石哲", "韩店")
SPECIALTIES = (("眼科医院", "C"), ("骨科医院", "I"), ("心血管病医院", "F"), ("精神卫生中心", "T"),
               ("肿瘤医院", "R"), ("肛肠医院", "G"))


@dataclass
class Institutions:
    """Columns of the local institutions (hospitals first, then pharmacies)."""

    code: list[str]
    name: list[str]
    fixmedins_type: np.ndarray  # "1" hospital, "2" pharmacy
    hosp_lv: list[str]
    level: np.ndarray  # 0/1/2 peer group; -1 pharmacy
    kind: list[str]
    ownership: list[str]
    beds: np.ndarray
    drg: np.ndarray  # bool: paid by DRG
    yigongti: list[str]
    lon: np.ndarray
    lat: np.ndarray
    focus_mdc: list[str]  # specialty MDC letter ("" for general)
    ipt_rate: np.ndarray  # expected inpatient cases per month (before seasonality/growth)
    otp_rate: np.ndarray  # expected outpatient visits per month
    rx_rate: np.ndarray  # expected pharmacy purchases per month (pharmacies)

    @property
    def n(self) -> int:
        return len(self.code)

    @property
    def hospitals(self) -> np.ndarray:
        return np.flatnonzero(self.fixmedins_type == "1")

    @property
    def pharmacies(self) -> np.ndarray:
        return np.flatnonzero(self.fixmedins_type == "2")


@dataclass
class ForeignInstitutions:
    code: list[str]
    admdvs: list[str]
    city_index: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


# With K injections per pattern (SynthConfig.injections_per_pattern > 1), at least this many
# hospitals per copy in the peer group: 3 tertiary patterns + 2 clean tertiary hospitals, and
# 8 patterns at secondary hospitals + 4 clean ones, so that one pattern's K injected
# institutions stay a small share (1/5, 1/12) of the peers its detector compares them with.
# (A hospital's volume is the scale's beds shared among the group: scale 0.024·K keeps that of
# the single-injection regions of scale 0.02.)
TERTIARY_PER_COPY, SECONDARY_PER_COPY = 5, 12


def build_institutions(cfg: SynthConfig, rng: np.random.Generator) -> Institutions:
    s = cfg.scale
    k = cfg.injections_per_pattern
    n3 = max(cfg.min_tertiary, round(8 * s ** 0.5), TERTIARY_PER_COPY * k if k > 1 else 0)
    n2 = max(10, round(26 * s ** 0.5), SECONDARY_PER_COPY * k if k > 1 else 0)
    n1 = max(10, round(80 * s ** 0.6))
    n_rx = max(6, round(350 * s))
    city = cfg.region_name

    rows: list[dict] = []
    # tertiary: make sure 01..04 all appear; one 中医, one 妇幼, a private specialist
    lv3 = ["02", "03", "01", "04"] + ["02", "03"] * n3
    for i in range(n3):
        kind, own, focus = "综合", "公立", ""
        name = f"{city}第{'一二三四五六七八九'[i % 9]}人民医院" if i < 9 else f"{city}第{i + 1}人民医院"
        if i == 2:
            kind, name = "中医", f"{city}中医医院"
        elif i == 3:
            kind, focus, name = "妇幼", "O", f"{city}妇幼保健院"
        elif i >= 4 and i % 3 == 1:
            spec, focus = SPECIALTIES[i % len(SPECIALTIES)]
            kind, own, name = "专科", "民营", f"{city}和康{spec}"
        rows.append(dict(level=0, hosp_lv=lv3[i], kind=kind, own=own, focus=focus, name=name))
    # secondary: 05..07; county hospitals (lead of a 医共体), private specialists, 中医
    n_ygt = max(2, n2 // 4)
    for i in range(n2):
        lv = ("05", "06", "05", "07")[i % 4]
        town = TOWNS[i % len(TOWNS)]
        kind, own, focus, name = "综合", "公立", "", f"{town}区人民医院"
        if i % 5 == 3:
            spec, focus = SPECIALTIES[(i // 5) % len(SPECIALTIES)]
            kind, own, name = "专科", "民营", f"{city}{town}{spec}"
        elif i % 5 == 4:
            kind, name = "中医", f"{town}区中医医院"
        elif i % 7 == 6:
            kind, own, name = "综合", "民营", f"{city}{town}仁和医院"
        rows.append(dict(level=1, hosp_lv=lv, kind=kind, own=own, focus=focus, name=name,
                         ygt=i % n_ygt if i < n_ygt else None))
    # primary: 08..11 township centres and community centres; some private clinics (11)
    for i in range(n1):
        lv = ("08", "09", "10", "11", "08", "09")[i % 6]
        town = TOWNS[(i + 7) % len(TOWNS)]
        own = "民营" if lv == "11" else "公立"
        name = (f"{city}{town}诊所{i + 1}" if lv == "11" else
                f"{town}镇卫生院" if i % 2 == 0 else f"{town}社区卫生服务中心")
        if lv != "11" and i >= len(TOWNS):
            name = name.replace(town, f"{town}{i // len(TOWNS) + 1}")
        rows.append(dict(level=2, hosp_lv=lv, kind="基层", own=own, focus="", name=name,
                         ygt=(i % n_ygt) if lv != "11" else None))
    n_h = len(rows)

    level = np.array([r["level"] for r in rows])
    # beds: share of the region's beds per peer group, lognormal spread inside the group
    total_beds = BEDS_PER_1000 * cfg.insured / 1000
    beds = np.zeros(n_h)
    for lv in (0, 1, 2):
        idx = np.flatnonzero(level == lv)
        raw = rng.lognormal(0.0, 0.45, len(idx))
        if lv == 2:  # clinics of 无等级 have few beds
            raw *= np.where(np.array([rows[i]["hosp_lv"] for i in idx]) == "11", 0.25, 1.0)
        beds[idx] = raw / raw.sum() * total_beds * BED_SHARE[lv]
    beds = np.maximum(np.round(beds), 2).astype(np.int64)

    drg = np.array([r["level"] < 2 or (r.get("ygt") is not None and r["hosp_lv"] == "08") for r in rows])
    drg &= np.array([r["focus"] != "T" for r in rows])  # psychiatric: paid by bed-day
    ygt = [f"YGT{cfg.region}{r['ygt'] + 1:02d}" if r.get("ygt") is not None else "" for r in rows]

    ipt = beds * np.array([TURNOVER[lv] for lv in level]) * rng.lognormal(0, 0.15, n_h)
    otp = ipt * np.array([OTP_PER_IPT[lv] for lv in level]) * rng.lognormal(0, 0.2, n_h)
    # inpatient volume of the region's own insured + visitors: 住院率 21%/yr, ~6% treated elsewhere
    target_ipt = cfg.insured * 0.21 / 12 * 0.94 * 1.03
    scale_ipt = target_ipt / ipt.sum()
    ipt, otp = ipt * scale_ipt, otp * scale_ipt

    # pharmacies
    rx_raw = rng.lognormal(0, 0.6, n_rx)
    rx = rx_raw / rx_raw.sum() * cfg.insured * 0.52

    lon = CENTRE[0] + rng.normal(0, 0.18, n_h + n_rx)
    lat = CENTRE[1] + rng.normal(0, 0.15, n_h + n_rx)
    chains = ("康宁大药房", "百姓大药房", "仁德堂药店", "益丰药房", "老百姓大药房", "华润堂药房")
    rx_names = [f"{city}{chains[i % len(chains)]}第{i // len(chains) + 1}分店" for i in range(n_rx)]

    code = [f"H{cfg.region}{i + 1:05d}" for i in range(n_h)] + [f"P{cfg.region}{i + 1:05d}" for i in range(n_rx)]
    return Institutions(
        code=code,
        name=[r["name"] for r in rows] + rx_names,
        fixmedins_type=np.array(["1"] * n_h + ["2"] * n_rx),
        hosp_lv=[r["hosp_lv"] for r in rows] + [""] * n_rx,
        level=np.concatenate([level, np.full(n_rx, -1)]),
        kind=[r["kind"] for r in rows] + [""] * n_rx,
        ownership=[r["own"] for r in rows] + ["民营"] * n_rx,
        beds=np.concatenate([beds, np.zeros(n_rx, dtype=np.int64)]),
        drg=np.concatenate([drg, np.zeros(n_rx, dtype=bool)]),
        yigongti=ygt + [""] * n_rx,
        lon=np.round(lon, 5),
        lat=np.round(lat, 5),
        focus_mdc=[r["focus"] for r in rows] + [""] * n_rx,
        ipt_rate=np.concatenate([ipt, np.zeros(n_rx)]),
        otp_rate=np.concatenate([otp, np.zeros(n_rx)]),
        rx_rate=np.concatenate([np.zeros(n_h), rx]),
    )


def build_foreign(per_city: int = 3) -> ForeignInstitutions:
    code, adm, city, lon, lat = [], [], [], [], []
    for ci, (admdvs, _name, lo, la) in enumerate(FOREIGN_CITIES):
        for k in range(per_city):
            code.append(f"H{admdvs}{k + 1:05d}")
            adm.append(admdvs)
            city.append(ci)
            lon.append(lo + 0.02 * k)
            lat.append(la + 0.01 * k)
    return ForeignInstitutions(code, adm, np.array(city), np.array(lon), np.array(lat))
