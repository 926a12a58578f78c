"""Figures published in the CCS evaluation reports, transcribed into tidy CSV files.

The files live in ``<data dir>/published/`` (see :mod:`ccs_methods.data.paths`):

``figures.csv``
    One row per numeric figure of exhibits E1-E22 (except E16 and the E4/E17 structures below),
    each with the exact words of the report that state it.
``kpis.csv``
    E16, the five programme KPIs (targets, quasi-baselines, year 1 and year 2 values as text).
``assumptions.csv``
    E17, the eight year-2 logic-model assumptions and the report's verdict on each.
``coordination_features.csv``
    E4, the key features of coordination by site at baseline (2019) and at the end of year 2.
``logic_model.csv`` and ``logic_model_links.csv``
    E17, the nodes of the year-2 logic models and the links between them.

Every loader reads the file, validates it against its pandera schema and returns a
:class:`pandas.DataFrame` with typed columns (text columns keep ``""`` for empty cells; ``year``
is a nullable ``Int64``; numeric values are ``float64`` with ``NaN`` for empty optional cells).

Errors
------
Any problem raises :class:`ccs_methods.errors.DataValidationError` naming the file, the row and
the column and saying which rule is broken. **Row numbers are line numbers of the file: the
header is line 1, so the first data row is row 2** (what an editor shows). When a file has
several problems the first (by line) is reported and up to three more are summarised.

Nothing is read at import time.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ccs_methods.data import paths
from ccs_methods.errors import CCSInputError, DataValidationError

__all__ = [
    "ASSUMPTIONS_SCHEMA",
    "COORDINATION_FEATURES_SCHEMA",
    "EXHIBITS",
    "FIGURES_SCHEMA",
    "KPIS_SCHEMA",
    "LOGIC_MODEL_LINKS_SCHEMA",
    "LOGIC_MODEL_SCHEMA",
    "SITES",
    "SOURCE_FILES",
    "UNITS",
    "load_assumptions",
    "load_coordination_features",
    "load_figures",
    "load_kpis",
    "load_logic_model",
    "published_dir",
]

# --------------------------------------------------------------------------- vocabularies
SITES: tuple[str, ...] = ("norfolk", "oldham", "swansea", "tower_hamlets", "programme")
PILOT_SITES: tuple[str, ...] = SITES[:4]
EXHIBITS: tuple[str, ...] = tuple(f"E{i}" for i in range(1, 23))
UNITS: tuple[str, ...] = (
    "gbp", "count", "percent", "ratio", "people", "households", "organisations", "sessions",
    "referrals", "awards", "items", "per_month",
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
TIMEPOINTS: tuple[str, ...] = ("baseline_2019", "end_year2_2021_09")
FEATURES: tuple[str, ...] = ("network", "referral_system", "resource", "legitimacy")
FEATURE_STATUSES: tuple[str, ...] = ("present", "absent", "not_reported")
LEVELS: tuple[str, ...] = (
    "activity", "year2_outcome", "medium_term", "year3_outcome", "long_term", "legacy_year1",
)
SCOPES: tuple[str, ...] = ("pilot_sites", "beyond_pilot_sites")

_ROW_CONVENTION = "rows are file line numbers; the header is line 1"


# --------------------------------------------------------------------------- reusable checks
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


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True, order=True)
class _Problem:
    line: int
    rank: int  # 0: a cell breaks its own rule; 1: a rule across columns (reported after)
    col_pos: int
    column: str | None
    message: str


def _fail(path: Path, problems: list[_Problem]) -> DataValidationError:
    """Build the error for the first problem, summarising up to three more."""
    problems = sorted(set(problems))
    first = problems[0]
    message = f"{first.message} ({_ROW_CONVENTION})"
    rest = problems[1:]
    if rest:
        shown = "; ".join(
            f"row {p.line}, column '{p.column}': {p.message}" if p.column else
            f"row {p.line}: {p.message}"
            for p in rest[:3]
        )
        more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
        message += f". Other problems: {shown}{more}"
    return DataValidationError(message, file=path, row=first.line, column=first.column)


def _decode(path: Path, raw: bytes, columns: list[str]) -> str:
    """Decode UTF-8 (an optional BOM is dropped), naming line, column and byte offset on failure."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line_no = raw.count(b"\n", 0, exc.start) + 1
        prefix = raw[line_start:exc.start].decode("utf-8", errors="replace")
        field_index = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")]), [])
        names = header if line_no > 1 else columns
        column = names[field_index] if 0 <= field_index < len(names) else None
        bad = raw[exc.start:exc.end].hex(" ")
        raise DataValidationError(
            f"byte(s) {bad} at byte offset {exc.start} are not valid UTF-8; save the file as UTF-8 "
            f"({_ROW_CONVENTION})",
            file=path,
            row=line_no,
            column=column,
        ) from None


def _read_records(path: Path, spec: _Spec) -> pd.DataFrame:
    """Read ``path`` into a frame of strings indexed by file line number, checking the layout."""
    path = Path(path)
    expected = spec.columns
    if not path.exists():
        raise DataValidationError(
            f"file not found; expected the published table '{spec.filename}' with columns "
            f"{', '.join(expected)}",
            file=path,
        )
    if not path.is_file():
        raise DataValidationError("is not a file", file=path)
    raw = path.read_bytes()
    text = _decode(path, raw, expected)
    if not text.strip():
        raise DataValidationError(
            f"file is empty; expected a header line with the columns {', '.join(expected)} "
            f"followed by data rows ({_ROW_CONVENTION})",
            file=path,
            row=1,
            column=expected[0],
        )

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        records: list[tuple[int, list[str]]] = []
        previous_end = reader.line_num
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or (all(not cell.strip() for cell in record) and len(record) <= 1):
                continue  # blank line
            records.append((start, record))
    except csv.Error as exc:
        raise DataValidationError(
            f"malformed CSV ({exc}); check the quoting ({_ROW_CONVENTION})",
            file=path,
            row=reader.line_num,
        ) from None

    header = [h.strip() for h in header]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataValidationError(
                f"column name appears twice in the header ({_ROW_CONVENTION})",
                file=path, row=1, column=name,
            )
        seen.add(name)
    missing = [c for c in expected if c not in seen]
    if missing:
        raise DataValidationError(
            f"required column is missing from the header (missing: {', '.join(missing)}; "
            f"expected columns: {', '.join(expected)}) ({_ROW_CONVENTION})",
            file=path, row=1, column=missing[0],
        )
    extra = [c for c in header if c not in expected]
    if extra:
        raise DataValidationError(
            f"unexpected column in the header; allowed columns: {', '.join(expected)} "
            f"({_ROW_CONVENTION})",
            file=path, row=1, column=extra[0],
        )
    if not records:
        raise DataValidationError(
            f"the file has a header but no data rows ({_ROW_CONVENTION})", file=path, row=2
        )

    problems = []
    for line, record in records:
        if len(record) != len(header):
            column = header[len(record)] if len(record) < len(header) else None
            problems.append(_Problem(
                line, 0, len(record), column,
                f"has {len(record)} fields but the header has {len(header)}; "
                "quote cells that contain commas",
            ))
    if problems:
        raise _fail(path, problems)

    lines = [line for line, _ in records]
    data = {name: [rec[i] for _, rec in records] for i, name in enumerate(header)}
    frame = pd.DataFrame(data, index=pd.Index(lines, name="line"))
    return frame[expected]


_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _convert(frame: pd.DataFrame, spec: _Spec) -> tuple[pd.DataFrame, list[_Problem]]:
    """Turn numeric columns from text into numbers, collecting a problem per unusable cell."""
    problems: list[_Problem] = []
    out = frame.copy()
    positions = {name: i for i, name in enumerate(spec.columns)}
    for name in spec.int_columns | spec.float_columns:
        is_int = name in spec.int_columns
        pattern = _INT_RE if is_int else _FLOAT_RE
        values: list[object] = []
        for line, cell in frame[name].items():
            cell = cell.strip()
            if not cell:
                if name in spec.required_numbers:
                    problems.append(_Problem(int(line), 0, positions[name], name,
                                             "a number is required but the cell is empty"))
                values.append(pd.NA if is_int else math.nan)
            elif pattern.match(cell):
                values.append(int(cell) if is_int else float(cell))
            else:
                kind = "a whole number" if is_int else "a plain number such as 1234.5"
                problems.append(_Problem(
                    int(line), 0, positions[name], name,
                    f"expected {kind} (no commas, currency or % signs), got {cell!r}",
                ))
                values.append(pd.NA if is_int else math.nan)
        if is_int:
            series = pd.array(values, dtype="Int64")
            out[name] = series
        else:
            out[name] = pd.Series(values, index=frame.index, dtype="float64")
    return out, problems


_BUILTIN_MESSAGES = {
    "not_nullable": "a value is required but the cell is empty",
}


def _schema_problems(frame: pd.DataFrame, spec: _Spec) -> list[_Problem]:
    """Run the pandera schema lazily and translate its failure cases into problems."""
    try:
        spec.schema.validate(_for_pandera(frame, spec), lazy=True)
    except SchemaErrors as exc:
        return _translate(exc.failure_cases, frame, spec)
    return []


def _for_pandera(frame: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """Give non-nullable integer columns (parsed as nullable Int64) their plain int64 dtype."""
    out = frame.copy()
    for name in spec.int_columns:
        col = spec.schema.columns[name]
        if not col.nullable and not out[name].isna().any():
            out[name] = out[name].astype("int64")
    return out


def _translate(cases: pd.DataFrame, frame: pd.DataFrame, spec: _Spec) -> list[_Problem]:
    positions = {name: i for i, name in enumerate(spec.columns)}
    problems: list[_Problem] = []
    unique_done = False
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if "uniqueness" in check:
            if not unique_done:
                problems.extend(_uniqueness_problems(frame, spec))
                unique_done = True
            continue
        if case.index is None or (isinstance(case.index, float) and math.isnan(case.index)):
            # a whole-column failure (e.g. a dtype) that has no row
            column = case.column if case.column in positions else None
            problems.append(_Problem(
                2, 0, positions.get(column, 0), column, f"column breaks rule {check}"
            ))
            continue
        line = int(case.index)
        cross_column = check in spec.blame
        column = spec.blame.get(check, case.column)
        if column not in positions:
            column = None
        if check in _BUILTIN_MESSAGES:
            message = _BUILTIN_MESSAGES[check]
        elif check == _ERR_FID_EXHIBIT:
            exhibit = frame.at[line, "exhibit"]
            if exhibit not in EXHIBITS:
                continue  # the exhibit cell itself is reported
            expected = f"E{int(exhibit[1:]):02d}-"
            message = (
                f"value {_show(frame.at[line, column])} must start with {expected!r} "
                f"to match exhibit {exhibit!r}"
            )
        else:
            shown = frame.at[line, column] if column else case.failure_case
            message = f"value {_show(shown)} {check}"
        problems.append(_Problem(
            line, int(cross_column), positions.get(column, 0) if column else 0, column, message
        ))
    return problems


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "(empty)"
    return repr(value.item() if hasattr(value, "item") else value)


def _uniqueness_problems(frame: pd.DataFrame, spec: _Spec) -> list[_Problem]:
    positions = {name: i for i, name in enumerate(spec.columns)}
    subsets: list[list[str]] = [
        [name] for name, col in spec.schema.columns.items() if col.unique
    ]
    if spec.schema.unique:
        subsets.append(list(spec.schema.unique))
    problems = []
    for subset in subsets:
        keys = frame[subset].astype(str).agg(" | ".join, axis=1)
        blamed = subset[-1]  # the last column of a combined key, e.g. 'feature'
        first_line: dict[str, int] = {}
        for line, key in keys.items():
            if key in first_line:
                problems.append(_Problem(
                    int(line), 0, positions[blamed], blamed,
                    f"duplicate value {key!r} for ({', '.join(subset)}); it already appears on "
                    f"row {first_line[key]} and must be unique",
                ))
            else:
                first_line[key] = int(line)
    return problems


def _load_lines(path: Path, spec: _Spec) -> pd.DataFrame:
    """Read, convert and validate one published table; the index holds file line numbers."""
    frame = _read_records(path, spec)
    typed, problems = _convert(frame, spec)
    if problems:  # unusable numbers first: schema checks on them would only add noise
        raise _fail(Path(path), problems)
    problems = _schema_problems(typed, spec)
    if problems:
        raise _fail(Path(path), problems)
    return _for_pandera(typed, spec)


def _load(path: Path, spec: _Spec) -> pd.DataFrame:
    """Read, convert and validate one published table; return it with a fresh index."""
    out = _load_lines(path, spec).reset_index(drop=True)
    out.attrs["source"] = str(path)
    return out


# --------------------------------------------------------------------------- public API
def published_dir(data_dir: str | Path | None = None) -> Path:
    """Return the folder holding the published tables.

    Parameters
    ----------
    data_dir
        The data folder (the one that holds ``published/``). Defaults to
        :func:`ccs_methods.data.paths.data_dir` (``$CCS_DATA_DIR`` or ``<project root>/data``).

    Returns
    -------
    Path
        ``<data_dir>/published``.

    """
    base = Path(data_dir) if data_dir is not None else paths.data_dir()
    return base / "published"


def _resolve(path: str | Path | None, data_dir: str | Path | None, spec: _Spec) -> Path:
    return Path(path) if path is not None else published_dir(data_dir) / spec.filename


def _normalise_exhibit(exhibit: str) -> str:
    match = re.fullmatch(r"[Ee]0*(\d{1,2})", str(exhibit).strip())
    code = f"E{int(match.group(1))}" if match else None
    if code not in EXHIBITS:
        raise CCSInputError(
            f"unknown exhibit {exhibit!r}; use one of E1 ... E22", column="exhibit"
        )
    return code


def load_figures(
    path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    exhibit: str | None = None,
    site: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Load and validate ``figures.csv``, optionally filtered.

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/figures.csv``.
    data_dir
        The data folder used when ``path`` is not given (see :func:`published_dir`).
    exhibit
        Keep only this exhibit (``"E3"``; ``"E03"`` and ``"e3"`` are accepted too).
    site
        Keep only this site (``norfolk``, ``oldham``, ``swansea``, ``tower_hamlets``,
        ``programme``).
    year
        Keep only this programme year (1, 2 or 3). Figures for calendar periods have no year
        and are dropped by this filter.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`FIGURES_SCHEMA`; ``value`` is float, ``year`` nullable Int64.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema (message names file, row, column).
    CCSInputError
        If a filter value is not recognised.

    """
    if site is not None and site not in SITES:
        raise CCSInputError(f"unknown site {site!r}; use one of {', '.join(SITES)}", column="site")
    if year is not None and year not in YEARS:
        raise CCSInputError(f"unknown programme year {year!r}; use 1, 2 or 3", column="year")
    code = _normalise_exhibit(exhibit) if exhibit is not None else None
    frame = _load(_resolve(path, data_dir, _FIGURES), _FIGURES)
    keep = pd.Series(True, index=frame.index)
    if code is not None:
        keep &= frame["exhibit"] == code
    if site is not None:
        keep &= frame["site"] == site
    if year is not None:
        keep &= (frame["year"] == year).fillna(False)
    out = frame[keep].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def load_kpis(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``kpis.csv`` (E16, one row per KPI).

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/kpis.csv``.
    data_dir
        The data folder used when ``path`` is not given.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`KPIS_SCHEMA`; ``kpi`` int, ``target_value`` and
        ``quasi_baseline_value`` float (NaN where the report gives no number).

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _KPIS), _KPIS)


def load_assumptions(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``assumptions.csv`` (E17, the year-2 logic-model assumptions).

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/assumptions.csv``.
    data_dir
        The data folder used when ``path`` is not given.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`ASSUMPTIONS_SCHEMA`.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _ASSUMPTIONS), _ASSUMPTIONS)


def load_coordination_features(
    path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    site: str | None = None,
    timepoint: str | None = None,
) -> pd.DataFrame:
    """Load and validate ``coordination_features.csv`` (E4), optionally filtered.

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/coordination_features.csv``.
    data_dir
        The data folder used when ``path`` is not given.
    site
        Keep only this pilot site.
    timepoint
        Keep only ``baseline_2019`` or ``end_year2_2021_09``.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`COORDINATION_FEATURES_SCHEMA`.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.
    CCSInputError
        If a filter value is not recognised.

    """
    if site is not None and site not in PILOT_SITES:
        raise CCSInputError(
            f"unknown pilot site {site!r}; use one of {', '.join(PILOT_SITES)}", column="site"
        )
    if timepoint is not None and timepoint not in TIMEPOINTS:
        raise CCSInputError(
            f"unknown timepoint {timepoint!r}; use one of {', '.join(TIMEPOINTS)}",
            column="timepoint",
        )
    frame = _load(_resolve(path, data_dir, _FEATURES), _FEATURES)
    keep = pd.Series(True, index=frame.index)
    if site is not None:
        keep &= frame["site"] == site
    if timepoint is not None:
        keep &= frame["timepoint"] == timepoint
    out = frame[keep].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def load_logic_model(
    nodes_path: str | Path | None = None,
    links_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load and validate the logic-model nodes and links (E17).

    Every ``from_node`` and ``to_node`` must name a node of ``logic_model.csv``.

    Parameters
    ----------
    nodes_path
        The nodes CSV; defaults to ``<data_dir>/published/logic_model.csv``.
    links_path
        The links CSV; defaults to ``<data_dir>/published/logic_model_links.csv``.
    data_dir
        The data folder used when a path is not given.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(nodes, links)`` with the columns of :data:`LOGIC_MODEL_SCHEMA` and
        :data:`LOGIC_MODEL_LINKS_SCHEMA`.

    Raises
    ------
    DataValidationError
        If a file is missing, unreadable, breaks its schema, or a link names an unknown node.

    """
    nodes_file = _resolve(nodes_path, data_dir, _NODES)
    links_file = _resolve(links_path, data_dir, _LINKS)
    nodes = _load(nodes_file, _NODES)
    links = _load_lines(links_file, _LINKS)
    known = set(nodes["node_id"])
    problems = [
        _Problem(int(line), 0, i, column, f"value {node!r} is not a node_id of {nodes_file.name}")
        for i, column in enumerate(("from_node", "to_node"))
        for line, node in links[column].items()
        if node not in known
    ]
    if problems:
        raise _fail(links_file, problems)
    links = links.reset_index(drop=True)
    links.attrs["source"] = str(links_file)
    return nodes, links
