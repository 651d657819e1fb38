"""Which indicators may be published in a period (建议公开频次).

The worksheet, the releases and the `publish_frequency` check all ask here, so a half-year
indicator is never pushed in a monthly release by one and held back by another.
"""

from __future__ import annotations

from .catalogue import FREQ_CN, Catalogue, IndicatorMeta, load_catalogue
from ..period import Period

# Months in which an indicator of each frequency is published.
PUBLISH_MONTHS: dict[str, frozenset[int]] = {
    "month": frozenset(range(1, 13)),
    "quarter": frozenset({3, 6, 9, 12}),
    "half_year": frozenset({6, 12}),
    "year": frozenset({12}),
    "half_year_or_year": frozenset({6, 12}),
}


def is_publishable(freq: str, period: str) -> bool:
    """True when an indicator of frequency `freq` is due in `period`.

    An unknown frequency (a local indicator with a typo) is treated as monthly, so it is
    shown rather than silently hidden; the catalogue validation reports the typo.
    """
    month = Period.parse(period).month
    return month in PUBLISH_MONTHS.get(freq, PUBLISH_MONTHS["month"])


def publishable_ids(period: str, catalogue: Catalogue | None = None) -> list[str]:
    """Ids of the catalogue indicators due in `period`, in catalogue order."""
    catalogue = catalogue or load_catalogue()
    return [m.id for m in catalogue if not m.is_heading and is_publishable(m.freq, period)]


def not_due_reason(meta: IndicatorMeta, period: str) -> str:
    """A short Chinese phrase for why an indicator is not published in `period`."""
    months = "、".join(f"{m}月" for m in sorted(PUBLISH_MONTHS.get(meta.freq, ())))
    return f"建议公开频次为{FREQ_CN.get(meta.freq, meta.freq)}，仅在{months}公开"
