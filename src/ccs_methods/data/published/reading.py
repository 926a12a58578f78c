"""Reading and validating a published-figure file, with errors naming file, row and column."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandera.errors import SchemaErrors

from ccs_methods.data.published.schemas import _ERR_FID_EXHIBIT, _Spec
from ccs_methods.data.published.vocabulary import _ROW_CONVENTION, EXHIBITS
from ccs_methods.data.readlog import record_read
from ccs_methods.errors import DataValidationError


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


def _load_lines(
    path: Path,
    spec: _Spec,
    extra: Callable[[pd.DataFrame], list[_Problem]] | None = None,
) -> pd.DataFrame:
    """Read, convert and validate one published table; the index holds file line numbers.

    ``extra`` adds the problems of checks the schema cannot hold (reported with the schema's).
    """
    frame = _read_records(path, spec)
    typed, problems = _convert(frame, spec)
    if problems:  # unusable numbers first: schema checks on them would only add noise
        raise _fail(Path(path), problems)
    problems = _schema_problems(typed, spec) + (extra(typed) if extra is not None else [])
    if problems:
        raise _fail(Path(path), problems)
    return _for_pandera(typed, spec)


def _load(
    path: Path,
    spec: _Spec,
    extra: Callable[[pd.DataFrame], list[_Problem]] | None = None,
) -> pd.DataFrame:
    """Read, convert and validate one published table; return it with a fresh index.

    ``extra`` checks the typed frame (index = file line numbers) against what the schema cannot
    hold (sites of params, geographies) and returns its problems. The read is entered in the
    read log of :mod:`ccs_methods.data.datasets`, so "How this page was made" lists the
    published tables a page used, with their hashes.
    """
    out = _load_lines(path, spec, extra).reset_index(drop=True)
    out.attrs["source"] = str(path)
    record_read(Path(path).stem, Path(path), rows=len(out), source="published")
    return out
