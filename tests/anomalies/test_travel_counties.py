"""逻辑验证 (impossible travel) on a region whose institutions carry county codes: a move between
two counties of the region is a move inside the region (Settings.own_admdvs), never between regions.

The two county hospitals are given coordinates 1,800 km apart (a data-entry slip in fixmedins):
under the region's own code the pair is never judged (same 医保区划); with county codes it must
not be either. A settlement in Hainan minutes after a county visit is still found.
"""

from __future__ import annotations

import pytest

from liangjiadi.anomalies.detectors.persons import detect_impossible_travel
from liangjiadi.config import Settings

from .volume_builder import R, VolumeRegion

COUNTIES = ["140421", "140423"]


class CountyRegion(VolumeRegion):
    def __init__(self, workdir, counties):
        super().__init__(workdir)
        self.counties = counties

    def settings(self) -> Settings:
        return Settings(workdir=self.workdir, region_admdvs=R, region_county_admdvs=self.counties)


def _build(workdir, codes: tuple[str, str], counties: list[str]) -> CountyRegion:
    r = CountyRegion(workdir, counties)
    r.hospital("NEAR")
    r.hospital("SLIP", lon=110.32, lat=20.03)  # wrong coordinates: 海口
    for k in range(3):
        psn = f"tok-county-{k}"
        r.settlement("NEAR", f"2025-0{k + 3}-10 10:00:00", psn=psn, blng=codes[0], insu=codes[0])
        r.settlement("SLIP", f"2025-0{k + 3}-10 10:10:00", psn=psn, blng=codes[1], insu=codes[0])
    r.settlement("NEAR", "2025-07-10 10:00:00", psn="tok-far", blng=codes[0], insu=codes[0])
    r.settlement("H46010000001", "2025-07-10 10:12:00", psn="tok-far", blng="460100", insu=codes[0])
    r.write()
    return r


@pytest.mark.parametrize("codes", [(R, R), tuple(COUNTIES)])
def test_a_move_between_counties_of_the_region_is_not_travel(tmp_path, codes):
    findings = _build(tmp_path, codes, COUNTIES).detect(detect_impossible_travel)
    assert len(findings) == 1, [f.message for f in findings]  # only the Hainan settlement
    assert findings[0].evidence["cases"] == 1 and "海南省" in findings[0].message


def test_without_the_county_set_the_counties_are_other_regions(tmp_path):
    """The configured set is what decides: unconfigured, 140423 is another 医保区划."""
    findings = _build(tmp_path, tuple(COUNTIES), []).detect(detect_impossible_travel)
    assert sum(f.evidence["cases"] for f in findings) == 4
