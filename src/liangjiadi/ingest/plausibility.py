"""Plausibility bounds checked at ingest: amounts, dates and periods that cannot be real.

A value can be well formed and still impossible (an amount of 1e15 yuan, a settlement in 1900
or in 2099): such rows are quarantined with the rule, so no impossible partition is created.
The bounds come from the settings (config.py); the defaults suit a prefecture-level region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

DEFAULT_AMOUNT_MAX = Decimal("1000000000")  # 10 亿元 per field of one row
# Region-level totals are larger than any single settlement.
DEFAULT_AMOUNT_MAX_BY_COLUMN = {
    "fund_report.amount": Decimal("1000000000000"),
    "budget.amount": Decimal("1000000000000"),
}
DEFAULT_DATE_MIN = date(1990, 1, 1)
DEFAULT_DAYS_AHEAD = 1  # clock and time-zone slack (settlement times are Beijing time)

# Shapes of personal ID numbers that must never land in an ordinary column (a column shift).
CERTNO_RE = r"^[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]$"
_CERTNO_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def certno_sql(v: str) -> str:
    """SQL: v is a resident ID number (GB 11643 shape and check digit). The check digit keeps
    ordinary 18-digit codes (region + date + sequence) from being taken for one (10 in 11).

    The weighted sum is one lambda over the 17 digits, not 17 terms written out: the test is
    repeated for every text column in the check and quarantine statements, and DuckDB's
    planning of those statements (tens of KB) cost about as much as running them (issue 16)."""
    weights = "[" + ", ".join(str(w) for w in _CERTNO_WEIGHTS) + "]"
    total = (f"list_sum(list_transform(range(17), lambda i: "
             f"TRY_CAST(substr({v}, i + 1, 1) AS INTEGER) * {weights}[i + 1]))")
    # CASE evaluates the check digit only for the few 18-character values (big months).
    return (f"(CASE WHEN length({v}) = 18 AND regexp_full_match({v}, '{CERTNO_RE}') THEN "
            f"upper(substr({v}, 18, 1)) = substr('10X98765432', 1 + CAST(({total}) % 11 AS INTEGER), 1) "
            f"ELSE false END)")


def certno_check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _CERTNO_WEIGHTS)) % 11]


@dataclass(frozen=True)
class Plausibility:
    amount_max: Decimal = DEFAULT_AMOUNT_MAX
    amount_max_by_column: dict[str, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_AMOUNT_MAX_BY_COLUMN))
    date_min: date = DEFAULT_DATE_MIN
    days_ahead: int = DEFAULT_DAYS_AHEAD
    today: date | None = None  # None = the day of the load
    psn_pattern: str | None = None  # local psn_no shape (settings.redaction_psn_pattern)

    @classmethod
    def from_settings(cls, settings) -> "Plausibility":
        return cls(
            amount_max=Decimal(str(getattr(settings, "ingest_amount_max", DEFAULT_AMOUNT_MAX))),
            amount_max_by_column={k: Decimal(str(v)) for k, v in
                                  getattr(settings, "ingest_amount_max_by_column",
                                          DEFAULT_AMOUNT_MAX_BY_COLUMN).items()},
            date_min=getattr(settings, "ingest_date_min", DEFAULT_DATE_MIN),
            days_ahead=getattr(settings, "ingest_date_days_ahead", DEFAULT_DAYS_AHEAD),
            psn_pattern=getattr(settings, "redaction_psn_pattern", None),
        )

    def personal_sql(self, v: str) -> str:
        """SQL: v looks like a personal identifier (resident ID number, or the local psn_no
        shape when configured). Such a value is never shown, wherever it turns up."""
        cond = certno_sql(v)
        if self.psn_pattern:
            pattern = "'" + self.psn_pattern.replace("'", "''") + "'"
            cond += f" OR regexp_full_match({v}, {pattern})"
        return f"({cond})"

    def amount_limit(self, table: str, column: str) -> Decimal:
        return self.amount_max_by_column.get(f"{table}.{column}", self.amount_max)

    @property
    def date_max(self) -> date:
        return (self.today or date.today()) + timedelta(days=self.days_ahead)

    @property
    def period_max(self) -> str:
        return self.date_max.strftime("%Y-%m")

    @property
    def period_min(self) -> str:
        return self.date_min.strftime("%Y-%m")

    @property
    def year_max(self) -> int:
        # A budget is for the next year.
        return self.date_max.year + 1
