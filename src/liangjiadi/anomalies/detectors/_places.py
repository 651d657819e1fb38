"""Where an institution is, for the 逻辑验证 of impossible travel.

Institutions in fixmedins carry lon/lat. 异地 institutions (another region's codes in setl_d)
usually do not: they are placed at the capital of the province given by the first two digits
of their 医保区划 (fix_blng_admdvs), with a radius that covers the whole province — or, when the
区划 is the capital city itself (most 异地就医 goes there), CAPITAL_RADIUS_KM around it. Every
distance is taken as a lower bound (centre distance minus both radii). An institution whose
province is unknown has no place and its settlements are not judged.
"""

from __future__ import annotations

import numpy as np

# province code -> (name, capital lon, capital lat, radius km covering the province from there)
PROVINCES: dict[str, tuple[str, float, float, float]] = {
    "11": ("北京市", 116.40, 39.90, 120), "12": ("天津市", 117.20, 39.13, 120),
    "13": ("河北省", 114.51, 38.04, 450), "14": ("山西省", 112.55, 37.87, 400),
    "15": ("内蒙古自治区", 111.75, 40.84, 1500), "21": ("辽宁省", 123.43, 41.80, 400),
    "22": ("吉林省", 125.32, 43.82, 450), "23": ("黑龙江省", 126.53, 45.80, 900),
    "31": ("上海市", 121.47, 31.23, 100), "32": ("江苏省", 118.80, 32.06, 400),
    "33": ("浙江省", 120.16, 30.27, 350), "34": ("安徽省", 117.23, 31.82, 350),
    "35": ("福建省", 119.30, 26.08, 400), "36": ("江西省", 115.86, 28.68, 350),
    "37": ("山东省", 117.00, 36.67, 500), "41": ("河南省", 113.62, 34.75, 400),
    "42": ("湖北省", 114.31, 30.59, 600), "43": ("湖南省", 112.94, 28.23, 450),
    "44": ("广东省", 113.26, 23.13, 500), "45": ("广西壮族自治区", 108.37, 22.82, 450),
    "46": ("海南省", 110.32, 20.03, 300), "50": ("重庆市", 106.55, 29.56, 400),
    "51": ("四川省", 104.07, 30.57, 800), "52": ("贵州省", 106.63, 26.65, 400),
    "53": ("云南省", 102.83, 24.88, 600), "54": ("西藏自治区", 91.11, 29.65, 1300),
    "61": ("陕西省", 108.94, 34.34, 500), "62": ("甘肃省", 103.83, 36.06, 1100),
    "63": ("青海省", 101.78, 36.62, 900), "64": ("宁夏回族自治区", 106.23, 38.49, 300),
    "65": ("新疆维吾尔自治区", 87.62, 43.83, 1500), "71": ("台湾省", 121.56, 25.04, 350),
    "81": ("香港特别行政区", 114.17, 22.32, 60), "82": ("澳门特别行政区", 113.54, 22.19, 30),
}


# 区划 prefixes (4 digits) of the provincial capitals: placed at the capital with a city radius.
CAPITAL_PREFIXES = {
    "1301", "1401", "1501", "2101", "2201", "2301", "3201", "3301", "3401", "3501", "3601", "3701",
    "4101", "4201", "4301", "4401", "4501", "4601", "5101", "5201", "5301", "5401", "6101", "6201",
    "6301", "6401", "6501",
}
CAPITAL_RADIUS_KM = 100.0


def province_name(admdvs: str | None) -> str:
    row = PROVINCES.get((admdvs or "")[:2])
    return row[0] if row else "未知地区"


def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(x, dtype=float)) for x in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def locate(codes, admdvs, known: dict[str, tuple[float, float]]):
    """Arrays lon, lat, radius (km) for institutions; NaN where nothing is known.

    `known`: code -> (lon, lat) from fixmedins (radius 0)."""
    n = len(codes)
    lon, lat, rad = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i, (c, a) in enumerate(zip(codes, admdvs)):
        if c in known:
            lon[i], lat[i] = known[c]
            rad[i] = 0.0
        else:
            row = PROVINCES.get((a or "")[:2])
            if row:
                capital = (a or "")[:4] in CAPITAL_PREFIXES
                lon[i], lat[i], rad[i] = row[1], row[2], min(row[3], CAPITAL_RADIUS_KM) if capital else row[3]
    return lon, lat, rad
