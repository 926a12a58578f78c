"""Pandera schemas of the published-figure files and the spec of each table."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from ccs_methods.data.published.measures import RULES as MEASURE_RULES
from ccs_methods.data.published.vocabulary import (
    EXHIBITS,
    FEATURE_STATUSES,
    FEATURES,
    GEOGRAPHY_KINDS,
    LEVELS,
    QUALIFIERS,
    SCOPES,
    SOURCE_FILES,
    TARGET_KINDS,
    UNITS,
    VERDICTS,
    YEARS,
)


def _one_of(values: Iterable[object], what: str) -> pa.Check:
    allowed = list(values)
    shown = ", ".join(str(v) for v in allowed)
    return pa.Check.isin(allowed, error=f"must be one of the allowed {what}: {shown}")


_NON_EMPTY = pa.Check(
    lambda s: s.str.strip().str.len() > 0, error="must not be empty"
)
_SINGLE_LINE = pa.Check(
    lambda s: ~s.str.contains(r"[\r\n]", regex=True),
    error="must be on a single line (collapse line breaks into spaces)",
)
_SNAKE = pa.Check.str_matches(
    r"^[a-z][a-z0-9_]*$", error="must be snake_case (lower-case letters, digits, '_')"
)
_SOURCE_FILE = _one_of(SOURCE_FILES, "seed file names")


def _text(*checks: pa.Check, required: bool = False, unique: bool = False) -> pa.Column:
    all_checks = [_NON_EMPTY, *checks] if required else list(checks)
    return pa.Column(str, checks=all_checks, unique=unique)


def _non_negative_unless_change(df: pd.DataFrame) -> pd.Series:
    return (df["value"] >= 0) | df["measure"].str.contains("change", regex=False)


def _figure_id_matches_exhibit(df: pd.DataFrame) -> pd.Series:
    expected = "E" + df["exhibit"].str.slice(1).str.zfill(2) + "-"
    return pd.Series(
        [fid.startswith(exp) for fid, exp in zip(df["figure_id"], expected, strict=True)],
        index=df.index,
    )


def _verdict_text_given(df: pd.DataFrame) -> pd.Series:
    return (df["verdict_short"] == "not_reported") | (df["verdict_text"].str.strip().str.len() > 0)


def _period_ordered(df: pd.DataFrame) -> pd.Series:
    both = (df["period_start"] != "") & (df["period_end"] != "")
    one = (df["period_start"] != "") != (df["period_end"] != "")
    return ~one & (~both | (df["period_start"] <= df["period_end"]))


def _duplicate_names_a_row(df: pd.DataFrame) -> pd.Series:
    ids = set(df["figure_id"])
    canonical = set(df.loc[df["duplicate_of"] == "", "figure_id"])
    dup = df["duplicate_of"]
    return (dup == "") | (dup.isin(ids) & dup.isin(canonical) & (dup != df["figure_id"]))


def _detail_sourced(df: pd.DataFrame) -> pd.Series:
    given = df["detail"].str.strip() != ""
    cols = ("detail_source_file", "detail_source_section", "detail_quote")
    sourced = pd.concat([df[c].str.strip() != "" for c in cols], axis=1).all(axis=1)
    unsourced = pd.concat([df[c] == "" for c in cols], axis=1).all(axis=1)
    return (given & sourced) | (~given & unsourced)


_ERR_DETAIL = (
    "a detail needs detail_source_file, detail_source_section and detail_quote; no detail, none"
)
_ERR_PERIOD = (
    "period_start and period_end must both be given (YYYY-MM) or both empty, start <= end"
)
_ERR_DUPLICATE = (
    "duplicate_of must be empty or name another figure_id of the file whose own duplicate_of "
    "is empty (the row that counts)"
)
_MONTH = pa.Check.str_matches(r"^(\d{4}-(0[1-9]|1[0-2]))?$", error="must be YYYY-MM or empty")
_ERR_NON_NEG = "must be >= 0 unless the measure is a change (its name contains 'change')"
_ERR_FID_EXHIBIT = "must start with the exhibit written with two digits (exhibit E3 -> 'E03-')"
_ERR_VERDICT_TEXT = "must not be empty unless verdict_short is 'not_reported'"

# --------------------------------------------------------------------------- schemas
FIGURES_SCHEMA = pa.DataFrameSchema(
    {
        "figure_id": _text(
            pa.Check.str_matches(
                r"^E\d{2}-[A-Za-z0-9_.\-]+$",
                error="must look like 'E03-oldham-y2-sessions-total' (letters, digits, _ . - only)",
            ),
            required=True,
            unique=True,
        ),
        "exhibit": _text(_one_of(EXHIBITS, "exhibits"), required=True),
        # a pilot site of params or a geography of geographies.csv (checked by the loader)
        "site": _text(_SNAKE, required=True),
        "year": pa.Column("Int64", _one_of(YEARS, "programme years"), nullable=True),
        "period": _text(required=True),
        "period_start": _text(_MONTH),
        "period_end": _text(_MONTH),
        "measure": _text(_SNAKE, required=True),
        "category": _text(),
        "value": pa.Column(float, pa.Check(lambda s: s.map(math.isfinite), error="must be finite")),
        "qualifier": _text(_one_of(["", *QUALIFIERS], "qualifiers (empty = as stated)")),
        "unit": _text(_one_of(UNITS, "units"), required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
        "note": _text(),
        # figure_id of the row that counts when the report quotes the same figure twice
        "duplicate_of": _text(),
    },
    checks=[
        pa.Check(_non_negative_unless_change, error=_ERR_NON_NEG),
        pa.Check(_figure_id_matches_exhibit, error=_ERR_FID_EXHIBIT),
        pa.Check(_period_ordered, error=_ERR_PERIOD),
        pa.Check(_duplicate_names_a_row, error=_ERR_DUPLICATE),
        # the naming scheme of measures (data dictionary, "Measures"), one check per rule
        *(pa.Check(rule, error=message) for message, rule in MEASURE_RULES.items()),
    ],
    strict=True,
    name="figures",
)

_GE0 = pa.Check.ge(0, error="must be >= 0")

KPIS_SCHEMA = pa.DataFrameSchema(
    {
        "kpi": pa.Column(
            int, pa.Check.in_range(1, 5, error="must be between 1 and 5"), unique=True
        ),
        "indicator": _text(required=True),
        "target_year3": _text(required=True),
        "target_value": pa.Column(float, _GE0, nullable=True),
        # above_baseline: target_value is an increase over the quasi-baseline; level: the
        # value to reach; qualitative: no number
        "target_kind": _text(_one_of(TARGET_KINDS, "target kinds"), required=True),
        "quasi_baseline_text": _text(required=True),
        "quasi_baseline_value": pa.Column(float, _GE0, nullable=True),
        "year1_text": _text(required=True),
        "year1_value": pa.Column(float, _GE0, nullable=True),
        "year1_qualifier": _text(_one_of(["", *QUALIFIERS], "qualifiers (empty = as stated)")),
        "year2_text": _text(required=True),
        "year2_value": pa.Column(float, _GE0, nullable=True),
        "year2_qualifier": _text(_one_of(["", *QUALIFIERS], "qualifiers (empty = as stated)")),
        "caveat": _text(),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
        "note": _text(),
    },
    strict=True,
    name="kpis",
)

ASSUMPTIONS_SCHEMA = pa.DataFrameSchema(
    {
        "assumption_id": _text(
            pa.Check.str_matches(r"^A[1-9]\d*$", error="must look like A1, A2, ..."),
            required=True,
            unique=True,
        ),
        "assumption": _text(required=True),
        "verdict_short": _text(_one_of(VERDICTS, "verdicts"), required=True),
        "verdict_text": _text(),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
        "note": _text(),
    },
    checks=[pa.Check(_verdict_text_given, error=_ERR_VERDICT_TEXT)],
    strict=True,
    name="assumptions",
)

COORDINATION_FEATURES_SCHEMA = pa.DataFrameSchema(
    {
        # a pilot site of params (checked by the loader)
        "site": _text(_SNAKE, required=True),
        # a timepoint of timepoints.csv (checked by the loader)
        "timepoint": _text(_SNAKE, required=True),
        "feature": _text(_one_of(FEATURES, "features"), required=True),
        "status": _text(_one_of(FEATURE_STATUSES, "statuses"), required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        # the row of the status table ('|' between cells, as the tabs of the text extraction)
        "source_quote": _text(_SINGLE_LINE, required=True),
        "detail": _text(),
        # the report and words the detail comes from (not always the status table's report)
        "detail_source_file": _text(_one_of(["", *SOURCE_FILES], "seed file names or empty")),
        "detail_source_section": _text(),
        "detail_quote": _text(_SINGLE_LINE),
        "note": _text(),
    },
    checks=[pa.Check(_detail_sourced, error=_ERR_DETAIL)],
    unique=["site", "timepoint", "feature"],
    strict=True,
    name="coordination_features",
)

_NODE_ID = pa.Check.str_matches(
    r"^[a-z][a-z0-9_]*$", error="must be a snake_case node id (lower-case letters, digits, '_')"
)

LOGIC_MODEL_SCHEMA = pa.DataFrameSchema(
    {
        "node_id": _text(_NODE_ID, required=True, unique=True),
        "level": _text(_one_of(LEVELS, "levels"), required=True),
        "scope": _text(_one_of(SCOPES, "scopes"), required=True),
        "label": _text(required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
    },
    strict=True,
    name="logic_model",
)

LOGIC_MODEL_LINKS_SCHEMA = pa.DataFrameSchema(
    {
        "from_node": _text(_NODE_ID, required=True),
        "to_node": _text(_NODE_ID, required=True),
        "basis": _text(required=True),
    },
    unique=["from_node", "to_node"],
    strict=True,
    name="logic_model_links",
)


# --------------------------------------------------------------------------- table specs
@dataclass(frozen=True)
class _Spec:
    filename: str
    schema: pa.DataFrameSchema
    int_columns: frozenset[str] = frozenset()
    float_columns: frozenset[str] = frozenset()
    required_numbers: frozenset[str] = frozenset()
    # error text of a frame-wide check -> the column to blame in messages
    blame: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)


_FIGURES = _Spec(
    "figures.csv",
    FIGURES_SCHEMA,
    int_columns=frozenset({"year"}),
    float_columns=frozenset({"value"}),
    required_numbers=frozenset({"value"}),
    blame={
        _ERR_NON_NEG: "value",
        _ERR_FID_EXHIBIT: "figure_id",
        _ERR_PERIOD: "period_start",
        _ERR_DUPLICATE: "duplicate_of",
        **dict.fromkeys(MEASURE_RULES, "measure"),
    },
)
_KPIS = _Spec(
    "kpis.csv",
    KPIS_SCHEMA,
    int_columns=frozenset({"kpi"}),
    float_columns=frozenset(
        {"target_value", "quasi_baseline_value", "year1_value", "year2_value"}
    ),
    required_numbers=frozenset({"kpi"}),
)
_ASSUMPTIONS = _Spec(
    "assumptions.csv", ASSUMPTIONS_SCHEMA, blame={_ERR_VERDICT_TEXT: "verdict_text"}
)
_FEATURES = _Spec(
    "coordination_features.csv", COORDINATION_FEATURES_SCHEMA, blame={_ERR_DETAIL: "detail_quote"}
)
_NODES = _Spec("logic_model.csv", LOGIC_MODEL_SCHEMA)

GEOGRAPHIES_SCHEMA = pa.DataFrameSchema(
    {
        "geography": _text(_SNAKE, required=True, unique=True),
        "kind": _text(_one_of(GEOGRAPHY_KINDS, "geography kinds"), required=True),
        "name": _text(required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
    },
    strict=True,
    name="geographies",
)
_GEOGRAPHIES = _Spec("geographies.csv", GEOGRAPHIES_SCHEMA)

TIMEPOINTS_SCHEMA = pa.DataFrameSchema(
    {
        "timepoint": _text(_SNAKE, required=True, unique=True),
        "label": _text(required=True),
        "period": _text(required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
    },
    strict=True,
    name="timepoints",
)
_TIMEPOINTS = _Spec("timepoints.csv", TIMEPOINTS_SCHEMA)

#: Which published items a site-year page's step shows, by programme year (data, not code).
PAGE_STEPS_SCHEMA = pa.DataFrameSchema(
    {
        "step": _text(_one_of(("funding", "engagement", "coordination"), "steps"), required=True),
        "year": pa.Column(int, _one_of(YEARS, "programme years")),
        "item": _text(required=True),
        "note": _text(),
    },
    unique=["step", "year", "item"],
    strict=True,
    name="page_steps",
)
_PAGE_STEPS = _Spec(
    "page_steps.csv",
    PAGE_STEPS_SCHEMA,
    int_columns=frozenset({"year"}),
    required_numbers=frozenset({"year"}),
)
_LINKS = _Spec("logic_model_links.csv", LOGIC_MODEL_LINKS_SCHEMA)
