"""Cleaning of referral records: checks, recodes and drops, with a :class:`CleaningReport`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import DataValidationError, MethodInputError, ParamsError
from ccs_methods.methods.network.vocabulary import (
    _DROP_REASONS,
    CLEANING_RULES,
    OUTCOMES,
    REQUIRED_COLUMNS,
    SECTORS,
)


@dataclass(frozen=True)
class CleaningReport:
    """What :func:`clean_referrals` did to a referral table.

    Attributes
    ----------
    source_file
        The file the table came from, if given.
    row_numbering
        ``"line"`` (1-based line in the file, the header is line 1) when ``source_file`` was
        given, otherwise ``"row"`` (1-based data row, header excluded).
    n_input, n_output
        Rows in and rows out; ``n_input == n_output + sum(dropped.values())``.
    dropped
        Rows dropped by reason: ``duplicate_id``, ``self_referral``, ``outside_period`` (every
        key is present, zero when nothing was dropped for that reason).
    dropped_rows
        The row (or line) numbers dropped for each reason.
    recoded
        Values changed rather than dropped: ``unknown_sector_to_other`` counts sector cells
        recoded to ``other``.
    recoded_rows
        The row (or line) numbers of each recoding.
    rules
        The rules applied, in order (:data:`CLEANING_RULES`).

    """

    source_file: str | None
    row_numbering: str
    n_input: int
    n_output: int
    dropped: dict[str, int]
    dropped_rows: dict[str, list[int]]
    recoded: dict[str, int]
    recoded_rows: dict[str, list[int]]
    rules: tuple[str, ...] = CLEANING_RULES
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        """Total number of rows dropped."""
        return sum(self.dropped.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "source_file": self.source_file,
            "row_numbering": self.row_numbering,
            "n_input": self.n_input,
            "n_output": self.n_output,
            "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped),
            "dropped_rows": {k: list(v) for k, v in self.dropped_rows.items()},
            "recoded": dict(self.recoded),
            "recoded_rows": {k: list(v) for k, v in self.recoded_rows.items()},
            "rules": list(self.rules),
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """Return a one-paragraph plain-language summary of the cleaning."""
        parts = [f"{self.n_input:,} referrals read, {self.n_output:,} kept"]
        for reason in _DROP_REASONS:
            n = self.dropped.get(reason, 0)
            if n:
                parts.append(f"{n:,} dropped ({reason.replace('_', ' ')})")
        for what, n in self.recoded.items():
            if n:
                parts.append(f"{n:,} sector values recoded to 'other' ({what})")
        return "; ".join(parts) + "."


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise MethodInputError(
            f"{name} must be one of {list(allowed)}, not {value!r}.", column=name
        )


def clean_referrals(
    df: pd.DataFrame,
    *,
    period: tuple[Any, Any] | None = None,
    self_referrals: Literal["drop", "error"] = "drop",
    duplicate_ids: Literal["error", "drop"] = "error",
    unknown_sectors: Literal["error", "other"] = "error",
    source_file: str | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Validate and clean a referral table, reporting every row dropped and why.

    The rules (:data:`CLEANING_RULES`) are applied in order; a row dropped by one rule is
    counted under that rule only. Nothing is dropped silently: every dropped row appears in
    the report with its reason and its row number.

    Parameters
    ----------
    df
        One row per referral with the columns of :data:`REQUIRED_COLUMNS` (extra columns are
        kept unchanged).
    period
        ``(start, end)`` dates, both inclusive (anything :func:`pandas.Timestamp` accepts);
        referrals outside are dropped. ``None`` keeps every date.
    self_referrals
        ``"drop"`` (default) drops referrals from an organisation to itself; ``"error"`` raises.
    duplicate_ids
        ``"error"`` (default) raises on a repeated ``referral_id``; ``"drop"`` keeps the first
        occurrence and drops the others.
    unknown_sectors
        ``"error"`` (default) raises on a sector outside :data:`SECTORS`; ``"other"`` recodes
        it to ``"other"``.
    source_file
        The file the table was read from. Errors and the report then give the line in that
        file (data row index + 2, the header being line 1); otherwise the 1-based data row.

    Returns
    -------
    (pandas.DataFrame, CleaningReport)
        The cleaned rows (original index kept, so rows can be traced back; ``date`` as
        datetime64, sectors and outcome lower case, strings stripped) and the report.

    Raises
    ------
    DataValidationError
        A rule is broken; the message names the row (or line) and the column.
    MethodInputError
        An option has an invalid value.
    ParamsError
        ``period`` is not a valid (start, end) pair.

    """
    _check_choice("self_referrals", self_referrals, ("drop", "error"))
    _check_choice("duplicate_ids", duplicate_ids, ("error", "drop"))
    _check_choice("unknown_sectors", unknown_sectors, ("error", "other"))
    if not isinstance(df, pd.DataFrame):
        raise MethodInputError(f"referrals must be a pandas DataFrame, not {type(df).__name__}.")
    start, end = _parse_period(period)

    base = 2 if source_file is not None else 1
    unit = "line" if source_file is not None else "row"

    def rownum(pos: int) -> int:
        return int(pos) + base

    def fail(message: str, pos: int | None = None, column: str | None = None) -> None:
        raise DataValidationError(
            message,
            file=source_file,
            row=rownum(pos) if pos is not None else None,
            column=column,
        )

    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        fail(
            f"missing required column(s) {missing}; a referral table needs the columns "
            f"{list(REQUIRED_COLUMNS)}.",
            column=missing[0],
        )

    n_input = len(df)
    out = df.copy()

    # Rule 2: no missing or blank values.
    for col in REQUIRED_COLUMNS:
        raw = out[col]
        if col == "date":
            blank = raw.isna().to_numpy().copy()
            if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                blank |= (raw.astype("str").str.strip() == "").fillna(True).to_numpy(dtype=bool)
        else:
            text = raw.astype("str").str.strip()
            blank = raw.isna().to_numpy() | (text == "").fillna(True).to_numpy(dtype=bool)
            out[col] = text
        if blank.any():
            pos = int(np.flatnonzero(blank)[0])
            fail(
                f"{int(blank.sum())} referral(s) have no value in column '{col}' (first at "
                f"{unit} {rownum(pos)}); every referral needs a {col}.",
                pos,
                col,
            )

    # Rule 3: dates.
    if not pd.api.types.is_datetime64_any_dtype(out["date"]):
        parsed = pd.to_datetime(out["date"], errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            fail(
                f"date {out['date'].iloc[pos]!r} is not a date; write dates as YYYY-MM-DD.",
                pos,
                "date",
            )
        out["date"] = parsed
    if getattr(out["date"].dt, "tz", None) is not None:
        out["date"] = out["date"].dt.tz_localize(None)

    # Rule 4: outcome.
    out["outcome"] = out["outcome"].str.lower()
    bad = ~out["outcome"].isin(OUTCOMES).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        fail(
            f"outcome {out['outcome'].iloc[pos]!r} is not one of {list(OUTCOMES)}.",
            pos,
            "outcome",
        )

    # Rule 5: sectors.
    recoded_rows: dict[str, list[int]] = {"unknown_sector_to_other": []}
    recoded_positions: list[int] = []
    for col in ("from_sector", "to_sector"):
        out[col] = out[col].str.lower()
        bad = ~out[col].isin(SECTORS).to_numpy()
        if bad.any():
            if unknown_sectors == "error":
                pos = int(np.flatnonzero(bad)[0])
                fail(
                    f"sector {out[col].iloc[pos]!r} is not one of {list(SECTORS)}; fix the "
                    "data or pass unknown_sectors='other' to recode it.",
                    pos,
                    col,
                )
            recoded_positions.extend(int(p) for p in np.flatnonzero(bad))
            out[col] = out[col].where(~bad, "other")
    recoded_rows["unknown_sector_to_other"] = [rownum(p) for p in sorted(recoded_positions)]

    keep = np.ones(n_input, dtype=bool)
    dropped_rows: dict[str, list[int]] = {r: [] for r in _DROP_REASONS}

    # Rule 6: duplicate ids (judged on the whole table, first occurrence kept).
    dup = out["referral_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        if duplicate_ids == "error":
            pos = int(np.flatnonzero(dup)[0])
            rid = out["referral_id"].iloc[pos]
            first = int(np.flatnonzero((out["referral_id"] == rid).to_numpy())[0])
            fail(
                f"referral_id {rid!r} repeats the referral at {unit} {rownum(first)}; ids must "
                "be unique (pass duplicate_ids='drop' to keep the first occurrence only).",
                pos,
                "referral_id",
            )
        dropped_rows["duplicate_id"] = [rownum(p) for p in np.flatnonzero(dup)]
        keep &= ~dup

    # Rule 7: self-referrals.
    selfref = (out["from_org"] == out["to_org"]).to_numpy() & keep
    if selfref.any():
        if self_referrals == "error":
            pos = int(np.flatnonzero(selfref)[0])
            fail(
                f"organisation {out['from_org'].iloc[pos]!r} refers to itself; self-referrals "
                "are not part of the network (pass self_referrals='drop' to drop them).",
                pos,
                "to_org",
            )
        dropped_rows["self_referral"] = [rownum(p) for p in np.flatnonzero(selfref)]
        keep &= ~selfref

    # Rule 8: period.
    if start is not None and end is not None:
        day = out["date"].dt.normalize()
        outside = (~((day >= start) & (day <= end))).to_numpy() & keep
        dropped_rows["outside_period"] = [rownum(p) for p in np.flatnonzero(outside)]
        keep &= ~outside

    result = out.loc[keep].copy()

    # Rule 9: one sector per organisation.
    _check_sector_consistency(result, np.flatnonzero(keep), fail, unit, rownum)

    dropped = {r: len(v) for r, v in dropped_rows.items()}
    report = CleaningReport(
        source_file=source_file,
        row_numbering=unit,
        n_input=n_input,
        n_output=len(result),
        dropped=dropped,
        dropped_rows=dropped_rows,
        recoded={"unknown_sector_to_other": len(recoded_positions)},
        recoded_rows=recoded_rows,
        settings={
            "period": None if start is None else [str(start.date()), str(end.date())],
            "self_referrals": self_referrals,
            "duplicate_ids": duplicate_ids,
            "unknown_sectors": unknown_sectors,
        },
    )
    assert report.n_input == report.n_output + report.n_dropped
    return result, report


def _parse_period(period: tuple[Any, Any] | None) -> tuple[pd.Timestamp | None, ...]:
    if period is None:
        return None, None
    try:
        start, end = period
        start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError) as exc:
        raise ParamsError(
            f"period must be a (start, end) pair of dates, not {period!r}.", column="period"
        ) from exc
    if start_ts > end_ts:
        raise ParamsError(
            f"period start {start_ts.date()} is after its end {end_ts.date()}.", column="period"
        )
    return start_ts, end_ts


def _check_sector_consistency(
    df: pd.DataFrame,
    positions: np.ndarray,
    fail: Callable[..., None],
    unit: str,
    rownum: Callable[[int], int],
) -> None:
    if df.empty:
        return
    n = len(df)
    long = pd.DataFrame(
        {
            "org": np.concatenate([df["from_org"].to_numpy(), df["to_org"].to_numpy()]),
            "sector": np.concatenate([df["from_sector"].to_numpy(), df["to_sector"].to_numpy()]),
            "pos": np.concatenate([positions, positions]),
            "column": ["from_sector"] * n + ["to_sector"] * n,
        }
    ).sort_values(["pos", "column"], kind="stable")
    first = long.groupby("org", sort=False)["sector"].transform("first")
    clash = long["sector"] != first
    if clash.any():
        row = long.loc[clash].iloc[0]
        org = row["org"]
        first_row = long[(long["org"] == org)].iloc[0]
        fail(
            f"organisation {org!r} has sector {row['sector']!r} here but {first_row['sector']!r} "
            f"at {unit} {rownum(int(first_row['pos']))}; each organisation needs one sector.",
            int(row["pos"]),
            str(row["column"]),
        )
