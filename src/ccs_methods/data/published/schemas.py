"""Pandera schemas of the published-figure files and the spec of each table."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from ccs_methods.data.published.vocabulary import (
    EXHIBITS,
    FEATURE_STATUSES,
    FEATURES,
    LEVELS,
    PILOT_SITES,
    SCOPES,
    SITES,
    SOURCE_FILES,
    TIMEPOINTS,
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
        "site": _text(_one_of(SITES, "sites"), required=True),
        "year": pa.Column("Int64", _one_of(YEARS, "programme years"), nullable=True),
        "period": _text(required=True),
        "measure": _text(_SNAKE, required=True),
        "category": _text(),
        "value": pa.Column(float, pa.Check(lambda s: s.map(math.isfinite), error="must be finite")),
        "unit": _text(_one_of(UNITS, "units"), required=True),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "source_quote": _text(_SINGLE_LINE, required=True),
        "note": _text(),
    },
    checks=[
        pa.Check(_non_negative_unless_change, error=_ERR_NON_NEG),
        pa.Check(_figure_id_matches_exhibit, error=_ERR_FID_EXHIBIT),
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
        "quasi_baseline_text": _text(required=True),
        "quasi_baseline_value": pa.Column(float, _GE0, nullable=True),
        "year1_text": _text(required=True),
        "year2_text": _text(required=True),
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
        "site": _text(_one_of(PILOT_SITES, "pilot sites"), required=True),
        "timepoint": _text(_one_of(TIMEPOINTS, "timepoints"), required=True),
        "feature": _text(_one_of(FEATURES, "features"), required=True),
        "status": _text(_one_of(FEATURE_STATUSES, "statuses"), required=True),
        "detail": _text(),
        "source_file": _text(_SOURCE_FILE, required=True),
        "source_section": _text(required=True),
        "note": _text(),
    },
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
    blame={_ERR_NON_NEG: "value", _ERR_FID_EXHIBIT: "figure_id"},
)
_KPIS = _Spec(
    "kpis.csv",
    KPIS_SCHEMA,
    int_columns=frozenset({"kpi"}),
    float_columns=frozenset({"target_value", "quasi_baseline_value"}),
    required_numbers=frozenset({"kpi"}),
)
_ASSUMPTIONS = _Spec(
    "assumptions.csv", ASSUMPTIONS_SCHEMA, blame={_ERR_VERDICT_TEXT: "verdict_text"}
)
_FEATURES = _Spec("coordination_features.csv", COORDINATION_FEATURES_SCHEMA)
_NODES = _Spec("logic_model.csv", LOGIC_MODEL_SCHEMA)
_LINKS = _Spec("logic_model_links.csv", LOGIC_MODEL_LINKS_SCHEMA)
