"""Allowed values in the published-figure files: sites, exhibits, units, sources, verdicts."""

from __future__ import annotations

# Sites are not listed here: the pilot sites come from params/programme.yml, and the other
# geographies a figure may describe (programme, nations, named non-pilot areas) from
# data/published/geographies.csv.
#: Kinds of geography in ``geographies.csv``.
GEOGRAPHY_KINDS: tuple[str, ...] = ("programme", "nation", "other_area")
#: Qualifiers of a published value: as stated ("" = exact), "c."/"around" (approximate),
#: "over"/"+"/"at least" (at_least), "nearly" (at_most), "2,000-4,000" (range: one row per end).
QUALIFIERS: tuple[str, ...] = ("approximate", "at_least", "at_most", "range")
#: What a KPI's target_value is: an increase over the quasi-baseline, a level, or no number.
TARGET_KINDS: tuple[str, ...] = ("above_baseline", "level", "qualitative")
EXHIBITS: tuple[str, ...] = tuple(f"E{i}" for i in range(1, 23))
UNITS: tuple[str, ...] = (
    "gbp", "count", "percent", "ratio", "people", "households", "organisations", "sessions",
    "referrals", "awards", "items", "per_month", "years", "months", "hours_per_week",
)
SOURCE_FILES: tuple[str, ...] = (
    "000_edc12c9fa5e8f842.txt",
    "001_06afea370260a111.txt",
    "002_54b7c9cad1604105.txt",
    "003_be4685d4f24850f1.txt",
    "004_e00ec04de64d96ca.txt",
)
YEARS: tuple[int, ...] = (1, 2, 3)
VERDICTS: tuple[str, ...] = ("yes", "yes_but", "partially", "no", "too_early", "not_reported")
FEATURES: tuple[str, ...] = ("network", "referral_system", "resource", "legitimacy")
FEATURE_STATUSES: tuple[str, ...] = ("present", "absent", "not_reported")
LEVELS: tuple[str, ...] = (
    "activity", "year2_outcome", "medium_term", "year3_outcome", "long_term", "legacy_year1",
)
SCOPES: tuple[str, ...] = ("pilot_sites", "beyond_pilot_sites")

_ROW_CONVENTION = "rows are file line numbers; the header is line 1"
