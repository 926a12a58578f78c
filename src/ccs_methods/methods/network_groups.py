"""Referrals between sector groups, with disclosure control.

The published sector tables merge school, health and other organisations into one group so
that fewer cells are small (merging categories before suppressing is standard disclosure
practice, and keeps cells the report publishes, such as NAS -> VCS, from being hidden as
complements of a small health or school cell). Every view of the flows (tables, heatmap,
flows to and from the LWA scheme, measures and acceptance rows) hides what these tables hide.
The rule is stated in ``book/methods/networks.md``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pandas as pd

from ccs_methods.methods import disclosure, network

__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "SECTOR_GROUPS",
    "TOTAL",
    "grouped_flow_matrix",
    "hidden_measure",
    "hidden_totals",
    "sector_flow_tables",
]

#: Sector of a referral record -> sector group of the published tables.
SECTOR_GROUPS: dict[str, str] = {
    "vcs": "vcs", "statutory": "statutory", "lwa": "lwa",
    "school": "other", "health": "other", "other": "other",
}
#: Display names of the sector groups.
GROUP_LABELS: dict[str, str] = {
    "vcs": "VCS", "statutory": "Statutory", "lwa": "LWA scheme",
    "other": "Other (school, health, other)",
}
#: The groups in table order.
GROUPS: tuple[str, ...] = ("vcs", "statutory", "lwa", "other")
#: Label of the total row and column.
TOTAL = "Total"


def grouped_flow_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals from sector group (rows) to sector group (columns), see :data:`SECTOR_GROUPS`.

    Parameters
    ----------
    df
        Cleaned referrals.

    Returns
    -------
    pandas.DataFrame
        Counts, the four groups on both axes in fixed order.

    """
    full = network.sector_flow_matrix(df)
    grouped = full.groupby(SECTOR_GROUPS).sum().T.groupby(SECTOR_GROUPS).sum().T
    out = grouped.reindex(index=list(GROUPS), columns=list(GROUPS), fill_value=0).astype(int)
    out.index.name, out.columns.name = "from_sector", "to_sector"
    return out


def sector_flow_tables(
    parts: Mapping[Hashable, pd.DataFrame], threshold: int
) -> dict[Hashable, tuple[pd.DataFrame, disclosure.SuppressionReport]]:
    """Referrals between sector groups per period, with disclosure control.

    Each table goes through ``suppress(..., margins=True)``: small cells and small totals are
    hidden, and complementary cells (totals included) until nothing hidden can be worked out.

    Parameters
    ----------
    parts
        ``{period label: cleaned referrals}``.
    threshold
        Disclosure threshold: counts from 1 to ``threshold - 1`` are suppressed.

    Returns
    -------
    dict
        ``{period label: (table, report)}``; the table is ``Int64`` with ``pd.NA`` where
        hidden, with a ``Total`` row and column.

    """
    return {label: disclosure.suppress(grouped_flow_matrix(part), threshold, margins=True,
                                       total_label=TOTAL)
            for label, part in parts.items()}


def hidden_totals(table: pd.DataFrame) -> dict[str, set[str]]:
    """Which totals of a suppressed sector table are hidden.

    Parameters
    ----------
    table
        A table from :func:`sector_flow_tables`.

    Returns
    -------
    dict
        ``{"to": groups whose referrals received are hidden, "from": groups whose referrals
        made are hidden, "all": {"all"} if the grand total is hidden}``.

    """
    col = table.loc[TOTAL]
    row = table[TOTAL]
    return {
        "to": {str(g) for g in col.index if g != TOTAL and pd.isna(col[g])},
        "from": {str(g) for g in row.index if g != TOTAL and pd.isna(row[g])},
        "all": {"all"} if pd.isna(table.loc[TOTAL, TOTAL]) else set(),
    }


def hidden_measure(measure: str, hidden: Mapping[str, set[str]] | None) -> bool:
    """Whether a count measure repeats a total that the sector table hides.

    Parameters
    ----------
    measure
        A measure name (``total_referrals``, ``referrals_to_vcs``, ...).
    hidden
        :func:`hidden_totals` of the sector table of the same period, or ``None``.

    Returns
    -------
    bool

    """
    if not hidden:
        return False
    if measure == "total_referrals":
        return bool(hidden.get("all"))
    for prefix, side in (("referrals_to_", "to"), ("referrals_from_", "from")):
        if measure.startswith(prefix):
            return SECTOR_GROUPS.get(measure[len(prefix):], "") in hidden.get(side, set())
    return False
