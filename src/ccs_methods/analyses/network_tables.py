"""Display tables of the referral-network pages, every count under disclosure control.

Each table of referral counts goes through :func:`ccs_methods.methods.disclosure.suppress`
with the threshold the notebook passes (``disclosure.threshold`` in ``params/analysis.yml``).
Sector tables merge school, health and other organisations
(:mod:`ccs_methods.methods.network_groups`); reasons for referral are suppressed with printed
totals, acceptance counts with public totals. A share, rate or change is shown only where the
counts behind it are shown. Suppressed cells read ``[c]``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import disclosure, network
from ccs_methods.methods.network_groups import (
    GROUP_LABELS,
    GROUPS,
    SECTOR_GROUPS,
    hidden_measure,
)
from ccs_methods.methods.network_intervals import share_change_bootstrap

__all__ = [
    "MARK",
    "SITE_MEASURES",
    "SUBGROUP_MEASURES",
    "acceptance_table",
    "diagram_parts",
    "display_counts",
    "format_value",
    "lwa_table",
    "measure_table",
    "reasons_table",
    "suppressed_counts",
]

MARK = disclosure.DEFAULT_MARKER

#: Measures of the site-year table: (measure name in ``ccs_methods.methods.network``, label, kind).
SITE_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("total_referrals", "Referrals", "count"),
    ("organisations", "Organisations (made or received a referral)", "count"),
    ("connections", "Connections (ordered pairs of organisations with a referral)", "count"),
    ("connections_per_organisation", "Connections per organisation (2E/N)", "ratio"),
    ("referring_organisations_statutory", "Statutory organisations referring", "count"),
    ("referring_organisations_vcs", "VCS organisations referring", "count"),
    ("referrals_to_vcs", "Referrals to VCS organisations", "count"),
    ("cross_sector_share", "Cross-sector share of referrals", "share"),
    ("reciprocity", "Reciprocity (share of connections returned)", "share"),
    ("density", "Density (share of possible connections)", "share"),
)


#: Counts of the measure table that are below site level (one sector of organisations), so
#: under the disclosure threshold like any table cell.
SUBGROUP_MEASURES = frozenset(
    {"referring_organisations_statutory", "referring_organisations_vcs", "referrals_to_vcs"}
)


def format_value(value: float | None, kind: str) -> str:
    """A table cell: ``count`` (``1,234``), ``share`` (``12.3%``) or ratio (``1.23``).

    A missing or non-finite value is a dash.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "count":
        return f"{round(value):,}"
    if kind == "share":
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def _pct(v: float) -> str:
    return f"{v:+.1f}%"


def _ci_pct(res: Mapping[str, Any]) -> str:
    return f"{_pct(res['ci_low_pct'])} to {_pct(res['ci_high_pct'])}"


def display_counts(table: pd.DataFrame) -> pd.DataFrame:
    """A suppressed sector table for display: ``[c]`` where hidden, group names as labels."""
    out = disclosure.format_suppressed(table).rename(index=GROUP_LABELS, columns=GROUP_LABELS)
    out.index.name = "from \\ to"
    out.columns.name = None
    return out


def suppressed_counts(reports: Sequence[disclosure.SuppressionReport | None]) -> tuple[int, int]:
    """(primary, secondary) suppressed cells over several suppression reports."""
    n_p = sum(len(r.primary) for r in reports if r is not None)
    n_s = sum(len(r.secondary) for r in reports if r is not None)
    return n_p, n_s


def measure_table(
    measures: pd.DataFrame,
    order: Sequence[str],
    yoy: Mapping[str, Mapping[str, Any]],
    hidden: Mapping[str, Mapping[str, set[str]] | None],
    *,
    compare: bool,
    threshold: int,
) -> pd.DataFrame:
    """Network measures by period with the change and its 95% interval.

    Parameters
    ----------
    measures
        :func:`ccs_methods.methods.network.measures_by_period`, periods as index.
    order
        The periods to show, in order.
    yoy
        ``{measure: yoy_change result}`` (may hold ``error`` entries).
    hidden
        ``{period: hidden_totals of its sector table}``: a measure repeating a hidden total is
        hidden (``[c]``) in that period and its change too.
    compare
        Whether to add ``change`` and ``95% CI`` columns.
    threshold
        Disclosure threshold: a count below site level (:data:`SUBGROUP_MEASURES`) from 1 to
        ``threshold - 1`` is hidden (``[c]``), and its change too.

    Returns
    -------
    pandas.DataFrame
        Strings, one row per :data:`SITE_MEASURES`.

    """
    rows = []
    for m, _label, kind in SITE_MEASURES:
        row: dict[str, str] = {}
        masked = False
        for w in order:
            hide = hidden_measure(m, hidden.get(w)) or (
                m in SUBGROUP_MEASURES and disclosure.is_small(float(measures.loc[w, m]), threshold)
            )
            masked |= hide
            row[w] = MARK if hide else format_value(float(measures.loc[w, m]), kind)
        if compare:
            res = yoy.get(m, {})
            if masked:
                row["change"], row["95% CI"] = MARK, MARK
            elif not res or "error" in res:
                row["change"], row["95% CI"] = "–", "not estimable"
            else:
                row["change"], row["95% CI"] = _pct(res["change_pct"]), _ci_pct(res)
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index([lab for _, lab, _ in SITE_MEASURES],
                                              name="measure"))


def reasons_table(
    df: pd.DataFrame,
    period: str,
    periods: Sequence[Hashable],
    threshold: int,
    *,
    n_boot: int,
    seed: int,
    labels: Mapping[Hashable, str] | None = None,
) -> tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]:
    """Reasons for referral by period: suppressed counts, shares and change in share with CI.

    The counts table (reason x period, printed totals) goes through ``suppress``; a share is
    shown only where its count is, and the change in share between the first and last period
    (percentage points) only where both counts are, with the interval of
    :func:`ccs_methods.methods.network_intervals.share_change_bootstrap`.

    Parameters
    ----------
    df
        Cleaned referrals with a period column.
    period
        The period column.
    periods
        The periods to show, in order (one or more).
    threshold
        Disclosure threshold.
    n_boot, seed
        Bootstrap replicates and seed.
    labels
        Display names of the periods (default: ``str(period)``).

    Returns
    -------
    (pandas.DataFrame, SuppressionReport, list of str)
        The display table (reasons with reader labels, largest in the last period first, a
        ``Total`` row last), the suppression report, and the reasons with a suppressed cell.

    """
    if not periods:
        raise MethodInputError("reasons_table needs at least one period.", column="periods")
    names = labels or {p: str(p) for p in periods}
    part = df[df[period].isin(list(periods))]
    if part.empty:
        raise MethodInputError("reasons_table: no referrals in the periods asked for.",
                               column=period)
    counts = (
        pd.crosstab(part["reason"], part[period])
        .reindex(columns=list(periods), fill_value=0)
        .astype(int)
    )
    counts = counts.sort_values(list(periods)[::-1], ascending=False, kind="stable")
    sup, report = disclosure.suppress(counts, threshold, margins=True)
    totals = counts.sum(axis=0)
    out = pd.DataFrame(index=pd.Index(
        [r if r in disclosure.TOTAL_LABELS else network.reason_label(r) for r in sup.index],
        name="reason"))
    for p in periods:
        col = sup[p]
        out[f"{names[p]}: referrals"] = [MARK if pd.isna(v) else f"{int(v):,}" for v in col]
        out[f"{names[p]}: share"] = [
            MARK if pd.isna(v) else f"{100 * int(v) / max(int(totals[p]), 1):.1f}%" for v in col
        ]
    hidden = [str(r) for r in counts.index if bool(report.mask.loc[r].any())]
    if len(periods) >= 2:
        a, b = periods[0], periods[-1]
        change, low, high = share_change_bootstrap(counts[a].to_numpy(), counts[b].to_numpy(),
                                                   n_boot=n_boot, seed=seed)
        chg, ci = [], []
        for i, r in enumerate(counts.index):
            if pd.isna(sup.loc[r, a]) or pd.isna(sup.loc[r, b]):
                chg.append(MARK)
                ci.append(MARK)
            else:
                chg.append(f"{change[i]:+.1f}")
                ci.append(f"{low[i]:+.1f} to {high[i]:+.1f}")
        out[f"change in share, {names[a]} to {names[b]} (points)"] = [*chg, ""]
        out["95% CI (points)"] = [*ci, ""]
    return out, report, hidden


def acceptance_table(
    df: pd.DataFrame, threshold: int, *, hidden: Mapping[str, set[str]] | None = None
) -> tuple[pd.DataFrame, disclosure.SuppressionReport | None]:
    """Acceptance of referrals by receiving sector group, with Wilson intervals.

    The counts (sector group x accepted/declined) go through ``suppress(..., margins=False)``;
    a rate and its 95% Wilson interval are shown only where neither count behind it is
    suppressed. A table that cannot be protected is hidden whole.

    Parameters
    ----------
    df
        Cleaned referrals of one period.
    threshold
        Disclosure threshold.
    hidden
        :func:`~ccs_methods.methods.network_groups.hidden_totals` of the page's sector table
        for the same period: a receiving group whose total is hidden there is hidden here, and
        so is the "All sectors" row if the grand total is hidden.

    Returns
    -------
    (pandas.DataFrame, SuppressionReport or None)
        ``accepted``, ``declined``, ``acceptance rate``, ``95% CI`` (strings) per receiving
        group plus ``All sectors``; the report is ``None`` when the table is hidden whole.

    """
    grouped = df.assign(to_group=df["to_sector"].map(SECTOR_GROUPS))
    rates = network.acceptance_rates(grouped, by="to_group")
    order = [g for g in GROUPS if g in set(rates["to_group"])]
    rates = rates.set_index("to_group").loc[order]
    counts = pd.DataFrame({"accepted": rates["accepted"],
                           "declined": rates["n"] - rates["accepted"]}).astype(int)
    report: disclosure.SuppressionReport | None
    try:
        sup, report = disclosure.suppress(counts, threshold, margins=False)
    except MethodInputError:
        sup = counts.astype("Int64").mask(counts >= 0)
        report = None
    hidden = hidden or {}
    for g in hidden.get("to", set()) & set(order):
        sup.loc[g] = pd.NA
    overall = network.acceptance_rates(df, by=None).iloc[0]
    rows = []
    for g in order:
        acc, dec = sup.loc[g, "accepted"], sup.loc[g, "declined"]
        shown = not (pd.isna(acc) or pd.isna(dec))
        r = rates.loc[g]
        rows.append({
            "accepted": MARK if pd.isna(acc) else f"{int(acc):,}",
            "declined": MARK if pd.isna(dec) else f"{int(dec):,}",
            "acceptance rate": f"{100 * r['rate']:.1f}%" if shown else MARK,
            "95% CI": f"{100 * r['ci_low']:.1f}% to {100 * r['ci_high']:.1f}%" if shown
            else MARK,
        })
    acc_t, n_t = int(overall["accepted"]), int(overall["n"])
    small = any(1 <= v < threshold for v in (acc_t, n_t - acc_t)) or bool(hidden.get("all"))
    rows.append({
        "accepted": MARK if small else f"{acc_t:,}",
        "declined": MARK if small else f"{n_t - acc_t:,}",
        "acceptance rate": MARK if small else f"{100 * overall['rate']:.1f}%",
        "95% CI": MARK if small else
        f"{100 * overall['ci_low']:.1f}% to {100 * overall['ci_high']:.1f}%",
    })
    index = [GROUP_LABELS[g] for g in order] + ["All sectors"]
    return pd.DataFrame(rows, index=pd.Index(index, name="receiving sector")), report


def lwa_table(flows: Mapping[str, pd.DataFrame], lwa_name: str) -> pd.DataFrame:
    """Referrals made by and to the LWA scheme, read off the suppressed sector tables.

    Parameters
    ----------
    flows
        ``{period: suppressed sector table}``.
    lwa_name
        The scheme's short name (row labels).

    Returns
    -------
    pandas.DataFrame
        ``Int64`` counts (NA where suppressed), one column per period; directions with no
        referral in any period are left out.

    """
    others = [g for g in GROUPS if g != "lwa"]
    cols = {}
    for label, table in flows.items():
        vals = {}
        for g in others:
            vals[f"{lwa_name} → {GROUP_LABELS[g]}"] = table.loc["lwa", g]
        for g in others:
            vals[f"{GROUP_LABELS[g]} → {lwa_name}"] = table.loc[g, "lwa"]
        cols[label] = vals
    frame = pd.DataFrame(cols).astype("Int64")
    frame = frame.loc[~(frame.fillna(1) == 0).all(axis=1)]
    frame.index.name = "direction"
    return frame


def diagram_parts(parts: Mapping[Hashable, pd.DataFrame], threshold: int,
                  synthetic: bool) -> tuple[dict[Hashable, pd.DataFrame], int]:
    """The referrals a network diagram draws, and how many connections it leaves out.

    With real extracts, connections carrying fewer than ``threshold`` referrals are left out
    (disclosure control); synthetic stand-ins are drawn whole.
    """
    if synthetic:
        return dict(parts), 0
    out, dropped = {}, 0
    for label, part in parts.items():
        w = part.groupby(["from_org", "to_org"])["referral_id"].transform("size")
        keep = w >= threshold
        dropped += int(part.loc[~keep].groupby(["from_org", "to_org"]).ngroups)
        if keep.any():
            out[label] = part.loc[keep]
    return out, dropped
