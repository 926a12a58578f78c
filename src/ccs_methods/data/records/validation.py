"""Validation of a record file in three stages (bytes and layout, types, values)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandera.errors import SchemaError, SchemaErrors

from ccs_methods.data.records.context import RecordContext, record_context
from ccs_methods.data.records.files import dataset_for_file
from ccs_methods.data.records.registry import DATASETS
from ccs_methods.data.records.specs import DatasetSpec
from ccs_methods.data.records.vocabulary import _TRUE
from ccs_methods.errors import DataValidationError


def _error(
    path: Path,
    message: str,
    *,
    line: int | None = None,
    column: str | None = None,
    others: int = 0,
    rule: str | None = None,
) -> DataValidationError:
    where = f" (line {line} of the file; the header is line 1)" if line is not None else ""
    more = ""
    if others:
        more = f"; {others} other failure{'s' if others != 1 else ''} in this file"
    err = DataValidationError(
        f"{message}{where}{more}", file=path, row=line, column=column, rule=rule
    )
    err.line = line  # type: ignore[attr-defined]
    return err


def _read_text(path: Path, spec: DatasetSpec) -> str:
    if not path.exists():
        raise _error(
            path,
            f"missing file: dataset '{spec.name}' expects {spec.file_name} with columns "
            f"{', '.join(spec.column_names)}",
        )
    if path.is_dir():
        raise _error(path, f"expected a CSV file for dataset '{spec.name}', found a folder")
    data = path.read_bytes()
    if not data.strip():
        raise _error(
            path,
            f"empty file: expected a header line with columns {', '.join(spec.column_names)} "
            "and at least one data row",
            line=1,
            column=spec.column_names[0],
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
        names = [h.strip() for h in header.split(",")]
        field_index = data.count(b",", start, exc.start)
        column = names[field_index] if field_index < len(names) else None
        bad = data[exc.start : exc.end]
        raise _error(
            path,
            f"bytes {bad!r} are not valid UTF-8 at byte {exc.start}; save the file as UTF-8",
            line=line,
            column=column,
        ) from None


def _parse(path: Path, spec: DatasetSpec) -> tuple[pd.DataFrame, list[int]]:
    """Parse the CSV into a frame of strings (empty cells as missing) and each row's line."""
    text = _read_text(path, spec)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:  # pragma: no cover - empty text is caught above
        header = []
    while not any(h.strip() for h in header):
        try:
            header = next(reader)
        except StopIteration:
            raise _error(path, "empty file: no header line", line=1) from None
    header_line = reader.line_num
    header = [h.strip() for h in header]
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        joined = ",".join(header)
        found = [d for d in (";", "\t", "|") if joined.count(d) >= len(spec.column_names) - 1]
        if found:
            name = {";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}[found[0]]
            raise _error(
                path,
                f"the header is {name}-separated, not comma-separated; save the file as a CSV "
                f"with commas between the columns: {', '.join(spec.column_names)}",
                line=header_line,
                rule="comma delimiter",
            )
        raise _error(
            path,
            f"missing column '{missing[0]}'"
            + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; the header must hold: {', '.join(spec.column_names)}",
            line=header_line,
            column=missing[0],
        )
    extra = [c for c in header if c not in spec.column_names]
    if extra:
        raise _error(
            path,
            f"unexpected column '{extra[0]}'; the header must hold exactly: "
            f"{', '.join(spec.column_names)}",
            line=header_line,
            column=extra[0],
        )
    dupes = [c for c in header if header.count(c) > 1]
    if dupes:
        raise _error(
            path,
            f"column '{dupes[0]}' appears twice in the header",
            line=header_line,
            column=dupes[0],
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = header_line
    try:
        for row in reader:
            start = previous + 1
            previous = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                if len(row) < len(header):
                    col = header[len(row)]
                    what = f"no value for column '{col}' onwards"
                else:
                    col = None  # which value holds the stray comma cannot be known
                    what = (
                        f"line {start} has {len(row) - len(header)} field(s) too many: a value "
                        "with an unquoted comma"
                    )
                raise _error(
                    path,
                    f"expected {len(header)} comma-separated fields as in the header, found "
                    f"{len(row)} ({what}); quote values that contain commas",
                    line=start,
                    column=col,
                    rule="field count",
                )
            rows.append([v.strip() for v in row])
            lines.append(start)
    except csv.Error as exc:
        raise _error(path, f"not a readable CSV: {exc}", line=previous + 1) from None
    if not rows:
        raise _error(
            path,
            "header only: the file has a header but no data rows",
            line=header_line,
            column=header[0],
        )
    frame = pd.DataFrame(rows, columns=header, dtype="str")
    frame = frame.replace("", None)
    return frame[spec.column_names], lines


_INT64_MAX = 2**63 - 1


def _check_numbers(path: Path, frame: pd.DataFrame, lines: list[int], spec: DatasetSpec) -> None:
    """Whole numbers must fit in 64 bits and amounts must be finite (no 1e400, inf or nan)."""
    for c in spec.columns:
        if c.kind not in ("int", "float"):
            continue
        s = frame[c.name].dropna()
        if c.kind == "int":
            too_big = s[s.str.lstrip("+-").str.lstrip("0").str.len() >= 19]
            for idx, v in too_big.items():
                if abs(int(v)) > _INT64_MAX:
                    raise _error(
                        path,
                        f"value {v!r} is far too large for a count (at most {_INT64_MAX:,})",
                        line=lines[int(idx)],  # type: ignore[call-overload]
                        column=c.name,
                        rule="count in range",
                    )
        else:
            nums = pd.to_numeric(s, errors="coerce")
            bad = nums[~np.isfinite(nums.to_numpy(dtype=float))]
            if len(bad):
                idx = bad.index[0]
                raise _error(
                    path,
                    f"value {s[idx]!r} is not a finite number (too large, inf or nan); amounts "
                    "must be ordinary numbers",
                    line=lines[int(idx)],  # type: ignore[call-overload]
                    column=c.name,
                    rule="finite number",
                    others=len(bad) - 1,
                )


def _convert(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    out = {}
    for c in spec.columns:
        s = frame[c.name]
        if c.kind == "int":
            out[c.name] = s.astype("int64")
        elif c.kind == "float":
            out[c.name] = s.astype("float64")
        elif c.kind == "bool":
            out[c.name] = s.str.lower().isin(_TRUE).astype("bool")
        elif c.kind == "date":
            out[c.name] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[ns]")
        else:
            out[c.name] = s.astype("str")
    return pd.DataFrame(out, index=frame.index)


_NO_LINE = 10**12  # sorts failures without a row after those with one


def _raise_schema(
    path: Path,
    exc: SchemaError | SchemaErrors,
    frame: pd.DataFrame,
    lines: list[int],
    spec: DatasetSpec,
    ctx: RecordContext | None = None,
) -> None:
    """Turn pandera's failure cases into one DataValidationError (first failure by line)."""
    if isinstance(exc, SchemaErrors):
        cases = exc.failure_cases.copy()
    else:  # a single SchemaError
        fc = exc.failure_cases
        if isinstance(fc, pd.DataFrame):
            cases = fc.copy()
        else:
            cases = pd.DataFrame({"index": [None], "failure_case": [fc]})
        cases["column"] = getattr(exc.schema, "name", None)
        cases["check"] = str(getattr(exc.check, "name", exc.check))
    cases = cases.reset_index(drop=True)
    rules = spec.row_rules_for(ctx) if ctx is not None else spec.row_rules
    rule_of = {f"{r.column}: {r.rule}": r.column for r in rules}
    records: list[tuple[int, int, str | None, str, Any]] = []
    col_order = {c: i for i, c in enumerate(spec.column_names)}
    for _, case in cases.iterrows():
        check = str(case.get("check"))
        column = case.get("column")
        column = None if column is None or pd.isna(column) else str(column)
        idx = case.get("index")
        line = _NO_LINE if idx is None or pd.isna(idx) else lines[int(idx)]
        if check in ("field_uniqueness", "multiple_fields_uniqueness"):
            key_cols, blame = _key_for(spec, column)
            first = _first_duplicate_line(frame, key_cols, int(idx), lines)
            label = key_cols[0] if len(key_cols) == 1 else "(" + ", ".join(key_cols) + ")"
            value = (
                frame.at[int(idx), key_cols[0]]
                if len(key_cols) == 1
                else tuple(str(frame.at[int(idx), k]) for k in key_cols)
            )
            rule = f"duplicate {label} {value!r}: {label} must be unique; same as line {first}"
            records.append((line, col_order.get(blame, 99), blame, rule, None))
            continue
        if check in rule_of:
            blame = rule_of[check]
            value = frame.at[int(idx), blame] if line != _NO_LINE else None
            rule = check.split(": ", 1)[1]
            records.append(
                (line, col_order.get(blame, 99), blame, f"breaks the rule: {rule}", value)
            )
            continue
        if check == "not_nullable":
            rule = "missing value: the cell is empty and this column is required"
            records.append((line, col_order.get(column or "", 99), column, rule, None))
            continue
        if check.startswith("column_in_dataframe") or check == "column_in_schema":
            rule = f"column problem: {check}"
            records.append((1, col_order.get(column or "", 99), column, rule, None))
            continue
        if check.startswith("dtype("):
            rule = f"wrong type {case.get('failure_case')!r} (schema expects {check})"
            records.append((line, col_order.get(column or "", 99), column, rule, None))
            continue
        value = case.get("failure_case")
        records.append(
            (line, col_order.get(column or "", 99), column, f"breaks the rule: {check}", value)
        )
    # several identical records (uniqueness reported per key column) count once
    unique_records = sorted({(r[0], r[1], r[2], r[3], _show(r[4])) for r in records})
    line, _, column, rule, shown = unique_records[0]
    message = f"value {shown} {rule}" if shown and rule.startswith("breaks") else rule
    raise _error(
        path,
        message,
        line=None if line == _NO_LINE else line,
        column=column,
        others=len(unique_records) - 1,
    ) from None


def _show(value: Any) -> str:
    """Render a failing value for a message ('' when there is none)."""
    if value is None:
        return ""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return repr(value.strftime("%Y-%m-%d"))
    return repr(value)


def _key_for(spec: DatasetSpec, column: str | None) -> tuple[tuple[str, ...], str]:
    for cols, blame in spec.keys:
        if column is None or column in cols:
            return cols, blame
    for c in spec.columns:  # pragma: no cover - unique columns are always keys
        if c.unique and c.name == column:
            return (c.name,), c.name
    return ((column or "?",), column or "?")  # pragma: no cover


def _first_duplicate_line(
    frame: pd.DataFrame, key_cols: tuple[str, ...], idx: int, lines: list[int]
) -> int:
    key = tuple(frame.at[idx, k] for k in key_cols)
    mask = pd.Series(True, index=frame.index)
    for k, v in zip(key_cols, key, strict=True):
        mask &= frame[k] == v
    return lines[int(mask.idxmax())]


def _is_synthetic(path: Path) -> bool:
    manifest = path.parent / "MANIFEST.json"
    if not manifest.is_file():
        return False
    try:
        info = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return "SYNTHETIC" in str(info.get("statement", "")) and path.name in str(info.get("files"))


def _check_one_sector_per_org(path: Path, frame: pd.DataFrame, lines: list[int]) -> None:
    """Each organisation must have one sector across the file (as sender and as receiver)."""
    sides = pd.concat(
        [
            pd.DataFrame(
                {
                    "org": frame[f"{side}_org"],
                    "sector": frame[f"{side}_sector"],
                    "col": side,
                    "pos": range(len(frame)),
                }
            )
            for side in ("from", "to")
        ],
        ignore_index=True,
    ).sort_values(["pos", "col"], kind="stable")
    first = sides.drop_duplicates("org").set_index("org")["sector"]
    clash = sides[sides["sector"].to_numpy() != first.reindex(sides["org"]).to_numpy()]
    if clash.empty:
        return
    row = clash.iloc[0]
    n_orgs = clash["org"].nunique()
    raise _error(
        path,
        f"organisation {row['org']!r} has sector {row['sector']!r} here but "
        f"{first[row['org']]!r} earlier in the file; each organisation needs one sector",
        line=lines[int(row["pos"])],
        column=f"{row['col']}_sector",
        others=n_orgs - 1,
    )


def validate_file(
    path: str | Path, dataset: str | None = None, *, params_dir: Path | None = None
) -> pd.DataFrame:
    """Read and validate one record-level CSV file and return it typed.

    Parameters
    ----------
    path
        The CSV file.
    dataset
        Dataset name (a key of :data:`DATASETS`); inferred from the file name if omitted.
    params_dir
        The ``params/`` folder whose sites, schemes and date windows apply (default: the
        project's, found from the working directory).

    Returns
    -------
    pandas.DataFrame
        Typed frame in the dataset's column order: ints as ``int64``, amounts as ``float64``,
        flags as ``bool``, dates as ``datetime64[ns]``, months as ``YYYY-MM`` strings.
        ``attrs`` holds ``dataset``, ``source_file`` and ``synthetic`` (True when a
        ``MANIFEST.json`` stating SYNTHETIC sits beside the file and lists it).

    Raises
    ------
    DataValidationError
        The file is missing, empty, not UTF-8, or breaks the dataset's schema. The message
        names the file, the line in the file (header = line 1), the column and the rule, and
        counts any other failures.

    """
    path = Path(path)
    name = dataset if dataset is not None else dataset_for_file(path)
    if name not in DATASETS:
        raise _error(path, f"unknown dataset '{name}'; known: {', '.join(DATASETS)}")
    cache = _cache_file(path, name, params_dir)
    if cache is not None and cache.is_file():
        try:
            typed = pd.read_pickle(cache)  # written by this package below, in .ccs-run/cache
            typed.attrs.update(
                {"dataset": name, "source_file": str(path), "synthetic": _is_synthetic(path)}
            )
            return typed
        except Exception:  # a damaged or older cache file is rebuilt
            cache.unlink(missing_ok=True)
    typed = _validate_uncached(path, name, params_dir)
    if cache is not None:
        _write_cache(cache, typed)
    return typed


#: Environment variable naming the folder where a run keeps validated datasets (set by the
#: runner, inherited by its workers and kernels): each file is validated once per run.
CACHE_ENV = "CCS_RECORDS_CACHE"


def _cache_file(path: Path, name: str, params_dir: Path | str | None = None) -> Path | None:
    """The cache file of this data file's exact bytes and this code, if a run set a cache."""
    folder = os.environ.get(CACHE_ENV, "").strip()
    if not folder or not path.is_file():
        return None
    import hashlib
    import inspect

    from ccs_methods.data.records import registry, specs, vocabulary

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    for module in (sys.modules[__name__], specs, registry, vocabulary):
        h.update(inspect.getsource(module).encode())
    # the sites, schemes and date windows of params decide what is valid: part of the key
    h.update(repr(record_context(params_dir)).encode() + name.encode()
             + pd.__version__.encode())
    return Path(folder) / f"{name}-{h.hexdigest()[:32]}.pkl"


def _write_cache(cache: Path, typed: pd.DataFrame) -> None:
    """Store the validated frame atomically (unique temp name); drop older ones of the dataset."""
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        typed.to_pickle(tmp)
        os.replace(tmp, cache)
        prefix = cache.name.rsplit("-", 1)[0] + "-"
        for old in cache.parent.glob(f"{prefix}*.pkl"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)  # no cache (e.g. disk full): the next kernel validates again


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Share one string object per distinct value in each text column (same values, same dtype).

    The CSV reader makes a new string for every cell; a 2-million-row extract then holds tens of
    millions of them. Equal values now point at one object, which cuts the frame's memory by
    an order of magnitude for the low-cardinality columns (site, sector, organisation, reason).
    """
    out = frame.copy(deep=False)
    for col in out.columns:
        dtype = out[col].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            codes, uniques = pd.factorize(out[col], use_na_sentinel=False)
            shared = np.asarray(uniques, dtype=object).take(codes)
            out[col] = pd.Series(shared, index=out.index, dtype=dtype)
    out.attrs.update(frame.attrs)
    return out


def _validate_uncached(path: Path, name: str, params_dir: Path | str | None = None
                       ) -> pd.DataFrame:
    spec = DATASETS[name]
    frame, lines = _parse(path, spec)
    try:
        spec.string_schema().validate(frame, lazy=True)
    except (SchemaError, SchemaErrors) as exc:
        _raise_schema(path, exc, frame, lines, spec)
    _check_numbers(path, frame, lines, spec)
    typed = _convert(frame, spec)
    ctx = record_context(params_dir)
    try:
        spec.build_schema(ctx).validate(typed, lazy=True)
    except (SchemaError, SchemaErrors) as exc:
        _raise_schema(path, exc, typed, lines, spec, ctx)
    if name.startswith("referrals_"):
        _check_one_sector_per_org(path, typed, lines)
    del frame, lines
    typed = _compact(typed)
    typed.attrs.update(
        {"dataset": name, "source_file": str(path), "synthetic": _is_synthetic(path)}
    )
    return typed
