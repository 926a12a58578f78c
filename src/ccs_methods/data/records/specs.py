"""Dataset specifications: columns, row rules and datasets, with their pandera schemas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from ccs_methods.data.records.vocabulary import (
    _DTYPES,
    _FALSE,
    _TRUE,
    _TYPE_RULES,
    DEFAULT_SITE_SCHEMES,
    SITES,
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
    date_range
        Inclusive (first, last) date or month allowed in ``range_column``.
    range_column
        The date or month column the range applies to.
    keys
        Column combinations that must be unique, with the column blamed for a duplicate.
    site_column_allowed
        Sites allowed in the ``site`` column; ``None`` means every known site.
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
    date_range: tuple[str, str] | None = None
    range_column: str | None = None
    keys: tuple[tuple[tuple[str, ...], str], ...] = ()
    site_column_allowed: tuple[str, ...] | None = None
    row_rules: tuple[RowRule, ...] = ()
    schema: pa.DataFrameSchema = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "schema", self.build_schema())

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

    def allowed_values(
        self,
        col: ColumnSpec,
        sites: tuple[str, ...] | None = None,
        site_schemes: dict[str, str] | None = None,
    ) -> tuple[str, ...]:
        """Return the allowed values of ``col``.

        ``site`` allows ``sites`` (default: the pilots) unless the dataset fixes its site;
        ``scheme`` also allows the schemes of sites added in ``params/``.
        """
        if col.name == "site":
            if self.site_column_allowed is not None:
                return self.site_column_allowed
            return sites if sites is not None else SITES
        allowed = col.allowed if col.allowed is not None else ()
        if col.name == "scheme" and site_schemes:
            allowed = tuple(dict.fromkeys((*allowed, *site_schemes.values())))
        return allowed

    def build_schema(
        self,
        sites: tuple[str, ...] | None = None,
        site_schemes: dict[str, str] | None = None,
    ) -> pa.DataFrameSchema:
        """Build the typed pandera schema (stage 3 of validation).

        Parameters
        ----------
        sites
            Known site ids (default: the four pilot sites).
        site_schemes
            Site id to LWA scheme short name, for the ``lwa_awards`` scheme/site rule.

        Returns
        -------
        pandera.pandas.DataFrameSchema
            Schema over the typed frame (ints, floats, bools, datetimes, strings).

        """
        cols: dict[str, pa.Column] = {}
        for c in self.columns:
            checks: list[pa.Check] = []
            allowed = self.allowed_values(c, sites, site_schemes)
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
            if self.date_range is not None and c.name == self.range_column:
                lo, hi = self.date_range
                if c.kind == "date":
                    lo_ts, hi_ts = pd.Timestamp(lo), pd.Timestamp(hi)
                    checks.append(
                        pa.Check(
                            lambda s, lo_ts=lo_ts, hi_ts=hi_ts: (s >= lo_ts) & (s <= hi_ts),
                            name=f"date must be within the dataset's range {lo} to {hi}",
                        )
                    )
                else:
                    checks.append(
                        pa.Check(
                            lambda s, lo=lo, hi=hi: (s >= lo) & (s <= hi),
                            name=f"month must be within the dataset's range {lo} to {hi}",
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
            pa.Check(r.ok, name=f"{r.column}: {r.rule}") for r in self._row_rules(site_schemes)
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

    def _row_rules(self, site_schemes: dict[str, str] | None) -> tuple[RowRule, ...]:
        rules = list(self.row_rules)
        if self.name == "lwa_awards":
            schemes = site_schemes or DEFAULT_SITE_SCHEMES
            text = ", ".join(f"{k} {v}" for k, v in schemes.items())

            def _scheme_ok(df: pd.DataFrame, schemes: dict[str, str] = schemes) -> pd.Series:
                expected = df["site"].map(schemes)
                return expected.isna() | (expected == df["scheme"])

            rules.append(RowRule("scheme", f"must be the site's LWA scheme ({text})", _scheme_ok))
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
