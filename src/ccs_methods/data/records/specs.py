"""Dataset specifications: columns, row rules and datasets, with their pandera schemas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from ccs_methods.data.records.context import WINDOWS_FILE, RecordContext
from ccs_methods.data.records.vocabulary import (
    _DTYPES,
    _FALSE,
    _TRUE,
    _TYPE_RULES,
    DAF_PAYMENT_TYPES,
    Kind,
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a record-level dataset.

    Parameters
    ----------
    name
        Column name in the CSV header.
    kind
        ``str``, ``int`` (non-negative count), ``float``, ``bool``, ``date`` (``YYYY-MM-DD``) or
        ``month`` (``YYYY-MM``).
    description
        What the column holds.
    unit
        Unit of measurement, if any (``referrals``, ``GBP``, ...).
    allowed
        The allowed values of a categorical column, or ``None`` for free text / numbers.
    unique
        Whether values must be unique (an id column).

    """

    name: str
    kind: Kind
    description: str
    unit: str = ""
    allowed: tuple[str, ...] | None = None
    unique: bool = False


@dataclass(frozen=True)
class RowRule:
    """A rule linking columns of one row; ``ok(df)`` is True where the row passes."""

    column: str
    rule: str
    ok: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class DatasetSpec:
    """A record-level dataset: where it lives, what it holds and the rules it must obey.

    Parameters
    ----------
    name
        Dataset name, also the loader suffix (``load_<name>``).
    file_name
        File name under ``data/synthetic/`` or ``data/raw/``.
    columns
        The columns in file order.
    description
        One row is ...; what the dataset is.
    unit_notes
        Units and caveats a reader needs.
    source
        Who holds the real data and which exhibit of the reports it feeds.
    synthetic
        Whether the shipped file (``data/synthetic/``) is a synthetic stand-in (always True in
        this repository: no real record-level data is committed).
    range_column
        The date or month column that must fall within the dataset's window (the window
        itself is in ``params/datasets.yml``, resolved against the programme years).
    keys
        Column combinations that must be unique, with the column blamed for a duplicate.
    referral_system
        Whether this is a referral-system extract: its ``site`` and ``network`` columns then
        allow only the site whose params file names the dataset as ``referral_dataset``.
    row_rules
        Rules linking columns within a row.

    """

    name: str
    file_name: str
    columns: tuple[ColumnSpec, ...]
    description: str
    unit_notes: str
    source: str
    synthetic: bool = True
    range_column: str | None = None
    keys: tuple[tuple[tuple[str, ...], str], ...] = ()
    referral_system: bool = False
    row_rules: tuple[RowRule, ...] = ()

    @property
    def column_names(self) -> list[str]:
        """Column names in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def allowed_values(self, col: ColumnSpec, ctx: RecordContext) -> tuple[str, ...]:
        """Return the allowed values of ``col`` under the params in ``ctx``.

        ``site`` allows the sites of params (for a referral extract, only the site whose file
        names the dataset); ``network`` of a referral extract allows that site's network;
        ``scheme`` allows the schemes named in the site files.
        """
        if col.name in ("site", "network") and self.referral_system:
            owner = ctx.referral_owners.get(self.name)
            if owner is None:
                return ()
            return (owner[0],) if col.name == "site" else (owner[1],)
        if col.name == "site":
            return ctx.sites
        if col.name == "scheme":
            return tuple(dict.fromkeys(ctx.schemes.values()))
        return col.allowed if col.allowed is not None else ()

    def build_schema(self, ctx: RecordContext) -> pa.DataFrameSchema:
        """Build the typed pandera schema (stage 3 of validation).

        Parameters
        ----------
        ctx
            What params say: sites, schemes, referral networks and date windows
            (:func:`ccs_methods.data.records.context.record_context`).

        Returns
        -------
        pandera.pandas.DataFrameSchema
            Schema over the typed frame (ints, floats, bools, datetimes, strings).

        """
        cols: dict[str, pa.Column] = {}
        for c in self.columns:
            checks: list[pa.Check] = []
            allowed = self.allowed_values(c, ctx)
            if self.referral_system and c.name in ("site", "network") and not allowed:
                allowed = ("(none: no site in params names this dataset as referral_dataset)",)
            if allowed:
                checks.append(
                    pa.Check(
                        _isin(allowed),
                        name=f"must be one of: {', '.join(allowed)}",
                    )
                )
            if c.kind in ("int", "float"):
                checks.append(
                    pa.Check(
                        lambda s: s >= 0,
                        name="must be >= 0 (a count or amount cannot be negative)",
                    )
                )
            window = ctx.window_text(self.name, month=c.kind == "month")
            if window is not None and c.name == self.range_column:
                lo, hi = window
                if c.kind == "date":
                    lo_ts, hi_ts = pd.Timestamp(lo), pd.Timestamp(hi)
                    checks.append(
                        pa.Check(
                            lambda s, lo_ts=lo_ts, hi_ts=hi_ts: (s >= lo_ts) & (s <= hi_ts),
                            name=f"date must be within the dataset's window {lo} to {hi} "
                            f"(params/{WINDOWS_FILE})",
                        )
                    )
                else:
                    checks.append(
                        pa.Check(
                            lambda s, lo=lo, hi=hi: (s >= lo) & (s <= hi),
                            name=f"month must be within the dataset's window {lo} to {hi} "
                            f"(params/{WINDOWS_FILE})",
                        )
                    )
            cols[c.name] = pa.Column(
                _DTYPES[c.kind],
                checks=checks,
                nullable=False,
                unique=c.unique,
                report_duplicates="exclude_first",
            )
        frame_checks = [
            pa.Check(r.ok, name=f"{r.column}: {r.rule}") for r in self.row_rules_for(ctx)
        ]
        unique: list[str] | None = None
        if len(self.keys) == 1 and len(self.keys[0][0]) > 1:
            unique = list(self.keys[0][0])
        return pa.DataFrameSchema(
            cols,
            checks=frame_checks,
            strict=True,
            ordered=False,
            unique=unique,
            report_duplicates="exclude_first",
            name=self.name,
        )

    def row_rules_for(self, ctx: RecordContext) -> tuple[RowRule, ...]:
        """The dataset's row rules, with the rules of params when it has the columns.

        ``scheme`` must be the site's scheme (``lwa_scheme.short_name``); ``payment_type`` must
        be a DAF payment type (EAP or IAP) exactly when the site's scheme is of kind ``daf``.
        """
        rules = list(self.row_rules)
        cols = set(self.column_names)
        if {"scheme", "site"} <= cols:
            schemes = dict(ctx.schemes)
            text = ", ".join(f"{k} {v}" for k, v in schemes.items())

            def _scheme_ok(df: pd.DataFrame, schemes: dict[str, str] = schemes) -> pd.Series:
                return df["site"].map(schemes) == df["scheme"]

            rules.append(RowRule("scheme", f"must be the site's LWA scheme ({text})", _scheme_ok))
        if {"payment_type", "site"} <= cols:
            daf = {s for s, k in ctx.scheme_kinds.items() if k == "daf"}
            split = " or ".join(DAF_PAYMENT_TYPES)

            def _payment_ok(df: pd.DataFrame, daf: set[str] = daf) -> pd.Series:
                return df["site"].isin(daf) == df["payment_type"].isin(DAF_PAYMENT_TYPES)

            rules.insert(
                0,
                RowRule(
                    "payment_type",
                    f"must be {split} for a site whose scheme is of kind daf and 'all' for "
                    "other schemes",
                    _payment_ok,
                ),
            )
        return tuple(rules)

    def string_schema(self) -> pa.DataFrameSchema:
        """Build the text-level pandera schema (stage 2): every cell parses as its type."""
        cols = {
            c.name: pa.Column(
                "str",
                checks=[pa.Check(_type_check(c.kind), name=_TYPE_RULES[c.kind])],
                nullable=False,
            )
            for c in self.columns
        }
        return pa.DataFrameSchema(cols, strict=True, ordered=False, name=f"{self.name} (text)")


def _isin(allowed: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
    values = set(allowed)
    return lambda s: s.isin(values)


def _type_check(kind: str) -> Callable[[pd.Series], pd.Series]:
    if kind == "str":
        return lambda s: s.str.len() > 0
    if kind == "int":
        return lambda s: s.str.fullmatch(r"[+-]?\d+")
    if kind == "float":
        return lambda s: s.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
    if kind == "bool":
        return lambda s: s.str.lower().isin(_TRUE | _FALSE)
    if kind == "date":
        return lambda s: (
            s.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            & pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna()
        )
    if kind == "month":
        return lambda s: s.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    raise ValueError(kind)  # pragma: no cover
