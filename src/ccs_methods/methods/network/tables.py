"""Referral tables by period: measures, sector flows, LWA flows, reasons, acceptance rates."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.network.cleaning import _check_choice
from ccs_methods.methods.network.measures import (
    _edge_table,
    _EdgeArrays,
    _flat_measures,
    _is_count,
    _require_columns,
)
from ccs_methods.methods.network.vocabulary import OUTCOMES, SECTORS


def period_labels(df: pd.DataFrame, period: str = "year") -> pd.Series:
    """Label each referral with its period.

    Parameters
    ----------
    df
        Referrals with a ``date`` column (datetime64).
    period
        ``"year"`` (calendar year, int), ``"quarter"`` (e.g. ``"2021Q3"``), ``"month"``
        (e.g. ``"2021-07"``), or the name of a column of ``df`` that already holds a period
        (e.g. a programme year added from ``params/programme.yml``).

    Returns
    -------
    pandas.Series
        Aligned with ``df``.

    """
    if not isinstance(period, str):
        raise MethodInputError(f"period must be a string, not {period!r}.", column="period")
    if period in df.columns:
        labels = df[period]
        if labels.isna().any():
            pos = int(np.flatnonzero(labels.isna().to_numpy())[0])
            raise MethodInputError(
                f"period column {period!r} is missing in data row {pos + 1}; every referral "
                "needs a period.",
                row=pos + 1,
                column=period,
            )
        return labels
    if period not in ("year", "quarter", "month"):
        raise MethodInputError(
            f"period {period!r} is neither 'year', 'quarter', 'month' nor a column of the table.",
            column="period",
        )
    _require_columns(df, ["date"], "period labels")
    if not pd.api.types.is_datetime64_any_dtype(df["date"]):
        raise MethodInputError("column 'date' must be datetime; run clean_referrals first.",
                               column="date")
    if period == "year":
        return df["date"].dt.year.astype(int).rename("year")
    if period == "quarter":
        return df["date"].dt.to_period("Q").astype(str).rename("quarter")
    return df["date"].dt.to_period("M").astype(str).rename("month")


def _split(df: pd.DataFrame, period: str) -> dict[Hashable, pd.DataFrame]:
    labels = period_labels(df, period)
    return {
        (k.item() if isinstance(k, np.generic) else k): g
        for k, g in df.groupby(labels.to_numpy(), sort=True)
    }


def measures_by_period(df: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Network measures for each period.

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.

    Returns
    -------
    pandas.DataFrame
        One row per period (index named after ``period``); columns: the scalar measures of
        :func:`network_measures` and, per sector, ``organisations_s``,
        ``referring_organisations_s``, ``receiving_organisations_s``, ``referrals_from_s``,
        ``referrals_to_s`` (sector-to-sector flows are in :func:`sector_flow_matrix`).

    """
    rows = {}
    for label, part in _split(df, period).items():
        edges = _edge_table(part)
        flat = _flat_measures(_EdgeArrays.from_edges(edges), edges["referrals"].to_numpy())
        rows[label] = {k: float(v[0]) for k, v in flat.items() if not k.startswith("flow_")}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = period
    counts = [c for c in table.columns if _is_count(c)]
    table[counts] = table[counts].round().astype(int)
    return table


def sector_flow_matrix(
    df: pd.DataFrame, *, normalize: Literal["row", "all"] | None = None
) -> pd.DataFrame:
    """Referrals from each sector (rows) to each sector (columns).

    Parameters
    ----------
    df
        Cleaned referrals.
    normalize
        ``None`` for counts; ``"row"`` for the share of each sending sector's referrals going
        to each receiving sector; ``"all"`` for shares of all referrals.

    Returns
    -------
    pandas.DataFrame
        All :data:`SECTORS` on both axes in fixed order (zero where no referral), index named
        ``from_sector``, columns named ``to_sector``.

    """
    _require_columns(df, ["from_sector", "to_sector"], "sector_flow_matrix")
    _check_choice("normalize", normalize, (None, "row", "all"))
    table = (
        pd.crosstab(df["from_sector"], df["to_sector"])
        .reindex(index=list(SECTORS), columns=list(SECTORS), fill_value=0)
        .astype(int)
    )
    table.index.name, table.columns.name = "from_sector", "to_sector"
    if normalize == "row":
        sums = table.sum(axis=1).replace(0, np.nan)
        return table.div(sums, axis=0).fillna(0.0)
    if normalize == "all":
        total = int(table.to_numpy().sum())
        if total == 0:
            raise MethodInputError("no referrals to normalise.")
        return table / total
    return table


def lwa_flows(
    df: pd.DataFrame, period: str = "year", *, lwa_org: str | None = None
) -> pd.DataFrame:
    """Referrals to and from the LWA scheme by period (exhibit E15).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.
    lwa_org
        Identifier of the LWA scheme organisation. ``None`` uses every organisation whose
        sector is ``lwa`` (raises if there is none).

    Returns
    -------
    pandas.DataFrame
        One row per period; columns ``from_lwa`` (referrals made by the scheme), ``to_lwa``
        (referrals made to it), then ``lwa_to_s`` and ``s_to_lwa`` for every other sector
        ``s`` (e.g. ``lwa_to_vcs``, ``vcs_to_lwa``). Every period of ``df`` appears, with
        zeros where the scheme had no referral.

    """
    _require_columns(df, ["from_org", "to_org", "from_sector", "to_sector", "date"], "lwa_flows")
    if lwa_org is None:
        is_from = (df["from_sector"] == "lwa").to_numpy()
        is_to = (df["to_sector"] == "lwa").to_numpy()
        if not (is_from.any() or is_to.any()):
            raise MethodInputError("no organisation has sector 'lwa'; pass lwa_org=.",
                                   column="from_sector")
    else:
        is_from = (df["from_org"] == lwa_org).to_numpy()
        is_to = (df["to_org"] == lwa_org).to_numpy()
        if not (is_from.any() or is_to.any()):
            raise MethodInputError(f"organisation {lwa_org!r} makes or receives no referral.",
                                   column="from_org")
    labels = period_labels(df, period).to_numpy()
    periods = sorted(pd.unique(labels).tolist())
    others = [s for s in SECTORS if s != "lwa"]
    cols: dict[str, pd.Series] = {}

    def count(sel: np.ndarray) -> pd.Series:
        return pd.Series(labels[sel]).value_counts().reindex(periods, fill_value=0).astype(int)

    cols["from_lwa"] = count(is_from)
    cols["to_lwa"] = count(is_to)
    to_sector = df["to_sector"].to_numpy()
    from_sector = df["from_sector"].to_numpy()
    for s in others:
        cols[f"lwa_to_{s}"] = count(is_from & (to_sector == s))
    for s in others:
        cols[f"{s}_to_lwa"] = count(is_to & (from_sector == s))
    table = pd.DataFrame(cols)
    table.index = pd.Index(periods, name=period)
    return table


def statutory_to_statutory(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals between statutory organisations (exhibit E13).

    Parameters
    ----------
    df
        Cleaned referrals (filter to the year of interest first, e.g. 2021).

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair of statutory organisations with ``referrals``, ``accepted``
        and ``share`` (of all statutory-to-statutory referrals), largest first (ties by
        name). Empty (with these columns) when there is none.

    """
    _require_columns(df, ["from_org", "to_org", "from_sector", "to_sector", "outcome"],
                     "statutory_to_statutory")
    sel = (df["from_sector"] == "statutory") & (df["to_sector"] == "statutory")
    part = df.loc[sel]
    cols = ["from_org", "to_org", "referrals", "accepted", "share"]
    if part.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("referrals", "accepted")
                                          else "float64" if c == "share" else "str")
                             for c in cols})
    table = (
        part.assign(acc=(part["outcome"] == "accepted").astype(int))
        .groupby(["from_org", "to_org"], sort=True)
        .agg(referrals=("acc", "size"), accepted=("acc", "sum"))
        .reset_index()
    )
    table["share"] = table["referrals"] / table["referrals"].sum()
    table = table.sort_values(["referrals", "from_org", "to_org"],
                              ascending=[False, True, True], kind="stable")
    return table.reset_index(drop=True)[cols]


def reasons_by_period(df: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Reasons for referral by period, with shares and change (exhibit E6).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per period and reason (every reason in every period, zero where
        absent): ``period``, ``reason``, ``referrals``, ``share`` (of the period's referrals),
        ``share_change_pp`` (change in share from the previous period, in percentage points)
        and ``referrals_change_pct`` (percent change in count from the previous period). The
        change columns are NA in the first period, and ``referrals_change_pct`` is NA where
        the previous count is zero (a percent change from zero is undefined).

    """
    _require_columns(df, ["reason"], "reasons_by_period")
    if len(df) == 0:
        raise MethodInputError("reasons_by_period needs at least one referral.")
    labels = period_labels(df, period)
    counts = pd.crosstab(labels.to_numpy(), df["reason"].to_numpy()).sort_index()
    shares = counts.div(counts.sum(axis=1), axis=0)
    long = counts.stack().rename("referrals").to_frame()
    long["share"] = shares.stack()
    long.index.names = ["period", "reason"]
    long = long.reset_index()
    long = long.sort_values(["reason", "period"], kind="stable")
    grp = long.groupby("reason", sort=False)
    long["share_change_pp"] = 100 * grp["share"].diff()
    prev = grp["referrals"].shift(1)
    long["referrals_change_pct"] = (100 * (long["referrals"] / prev - 1)).where(prev > 0)
    long = long.sort_values(["period", "referrals", "reason"], ascending=[True, False, True],
                            kind="stable").reset_index(drop=True)
    long["referrals"] = long["referrals"].astype(int)
    long = long.rename(columns={"period": period})
    return long


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    r"""Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998, method 3).

    .. math::
        \frac{\hat p + z^2/(2n) \pm z\sqrt{\hat p(1-\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}

    Parameters
    ----------
    k, n
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    confidence
        Coverage, default 0.95.

    Returns
    -------
    (float, float)
        Lower and upper limits, within [0, 1].

    """
    from scipy.stats import norm

    if not (0 < confidence < 1):
        raise MethodInputError(f"confidence must be between 0 and 1, not {confidence!r}.")
    if n < 1 or k < 0 or k > n:
        raise MethodInputError(f"need 0 <= k <= n and n >= 1 for a proportion, got k={k}, n={n}.")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def acceptance_rates(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "to_sector",
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of referrals accepted, with Wilson score intervals.

    Parameters
    ----------
    df
        Cleaned referrals (``outcome`` accepted or declined).
    by
        Column(s) to group by (e.g. ``"to_sector"``, ``["year", "to_sector"]`` after adding a
        ``year`` column), or ``None`` for one overall row.
    confidence
        Interval coverage, default 0.95.

    Returns
    -------
    pandas.DataFrame
        Columns: the grouping columns, ``n`` (referrals), ``accepted``, ``rate``, ``ci_low``,
        ``ci_high``.

    """
    _require_columns(df, ["outcome"], "acceptance_rates")
    if len(df) == 0:
        raise MethodInputError("acceptance_rates needs at least one referral.")
    bad = ~df["outcome"].isin(OUTCOMES)
    if bad.any():
        raise MethodInputError(f"outcome {df['outcome'][bad].iloc[0]!r} is not one of "
                               f"{list(OUTCOMES)}; run clean_referrals first.", column="outcome")
    acc = (df["outcome"] == "accepted").astype(int)
    if by is None:
        table = pd.DataFrame({"n": [len(df)], "accepted": [int(acc.sum())]})
    else:
        keys = [by] if isinstance(by, str) else list(by)
        _require_columns(df, keys, "acceptance_rates")
        table = (
            df.assign(_acc=acc).groupby(keys, sort=True)
            .agg(n=("_acc", "size"), accepted=("_acc", "sum"))
            .reset_index()
        )
    table["rate"] = table["accepted"] / table["n"]
    ci = [wilson_interval(int(k), int(n), confidence)
          for k, n in zip(table["accepted"], table["n"], strict=True)]
    table["ci_low"] = [c[0] for c in ci]
    table["ci_high"] = [c[1] for c in ci]
    return table
