"""逻辑验证 (impossible travel) on a province lake: the institution met elsewhere is located from
its own region's directory, and only the regions the settlement pairs name are read (a third
region's fixmedins files are corrupt here: opening one would fail, as the old code, which read
the whole province's directory, did)."""

from __future__ import annotations

import numpy as np

from liangjiadi.anomalies.detectors._places import haversine_km
from liangjiadi.anomalies.detectors.persons import detect_impossible_travel
from liangjiadi.lake import table_dir

from .volume_builder import CENTRE, VolumeRegion

SANYA = (109.51, 18.25)  # the Hainan hospital's own coordinates (not 海口, the capital)


def test_a_hospital_elsewhere_is_located_from_its_regions_directory_only(tmp_path):
    r = VolumeRegion(tmp_path)
    r.hospital("NEAR")
    r.fixmedins.append({"fixmedins_code": "H46020000001", "fixmedins_name": "三亚某医院", "fixmedins_type": "1",
                        "admdvs": "460200", "lon": SANYA[0], "lat": SANYA[1], "period": "2024-01"})
    r.settlement("NEAR", "2025-07-10 10:00:00", psn="tok-far")
    r.settlement("H46020000001", "2025-07-10 10:12:00", psn="tok-far", blng="460200")
    r.write()
    bad = table_dir(tmp_path, "fixmedins") / "150100" / "0000-00" / "part-0.parquet"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"PAR1 not a parquet file PAR1")

    findings = r.detect(detect_impossible_travel)
    assert len(findings) == 1
    km = float(haversine_km(np.array([CENTRE[0]]), np.array([CENTRE[1]]), np.array([SANYA[0]]), np.array([SANYA[1]]))[0])
    assert findings[0].evidence["distance_km"] == round(km, 1)  # the hospital itself, radius 0
