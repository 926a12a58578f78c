"""Phrases for the "at a glance" boxes at the top of the site chapter and site-year pages.

Each function turns one result (or its absence) into one phrase a template glues into its box;
a missing result gives a phrase that says so, so the box never shows a blank or a stale value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ccs_methods.report import fmt

__all__ = [
    "awards_phrase",
    "claims_phrase",
    "features_phrase",
    "funding_phrase",
    "network_phrase",
    "referrals_phrase",
]


def _data(synthetic: bool) -> str:
    return " (synthetic stand-in data: an illustration, not evidence)" if synthetic else ""


def funding_phrase(total_gbp: float | None, exhibit: str | None, years: str = "") -> str:
    """``£36,000 of workstream funding (E2)`` or that no funding is published for the year.

    ``years`` names the years summed (``"year 1"``), for a total over several pages.
    """
    if total_gbp is None or pd.isna(total_gbp):
        return "no funding by workstream is published for this year"
    when = f" in {years}" if years else ""
    return f"{fmt.gbp(total_gbp)} of workstream funding{when}" + (
        f" ({exhibit})" if exhibit else "")


def awards_phrase(rate_ratio: float | None, low: float | None, high: float | None,
                  years: Sequence[int] = (), *, synthetic: bool = False) -> str:
    """The awards trend: a yearly rate ratio with its interval and years, or why there is none."""
    if rate_ratio is None or pd.isna(rate_ratio):
        return "no award trend (too few complete years of award data)"
    span = f" over {years[0]}–{years[-1]} (n = {len(years)} years)" if len(years) else ""
    return f"rate ratio {fmt.ratio_ci(rate_ratio, low, high)} a year{span}{_data(synthetic)}"


def referrals_phrase(level: Mapping[str, Any] | None, n_months: int | None = None, *,
                     network: str = "", synthetic: bool = False,
                     has_system: bool = True) -> str:
    """The referral level change at the CCS start (interrupted time series), or why none."""
    if not has_system:
        return "no referral system in this site, so no referral records"
    if not level:
        return ("no interrupted time series: the referral records do not cover enough months "
                "before and after the CCS start")
    months = f" over {n_months} months" if n_months else ""
    return (
        f"{network + ' ' if network else ''}level change at the CCS start "
        f"{fmt.ratio_ci(level['rate_ratio'], level['ci_low'], level['ci_high'])}{months}"
        f"{_data(synthetic)}"
    )


def network_phrase(change: Mapping[str, Any] | None, label: str = "connections", *,
                   synthetic: bool = False, available: bool = True,
                   basis: str = "on the year before", scope: str = "this year") -> str:
    """The year-on-year change of a network measure with its bootstrap interval, or why none.

    ``change`` is a :func:`ccs_methods.methods.network.yoy_change` result (``change_pct``,
    ``ci_low_pct``, ``ci_high_pct``; ``n`` when given), ``None`` (no network this year) or a
    dict with ``error``.
    """
    from ccs_methods.report.network_readings import change_phrase

    if not available:
        return f"no referral network to measure for {scope}"
    if change is None:
        return f"described for {scope}; no comparison with the year before"
    if "error" in change:
        return f"{label}: not estimable for this year"
    n = change.get("n")
    n_text = f", n = {fmt.count(n)} referrals" if n is not None and not pd.isna(n) else ""
    return f"{label} {change_phrase(change)} {basis}{n_text}{_data(synthetic)}"


def features_phrase(n_present: int | None, n_features: int | None, when: str | None) -> str:
    """``3 of 4 features of coordination ticked at <when>`` or that none are published."""
    if n_present is None or n_features is None:
        return "the features of coordination are not published for this site and year"
    return f"{n_present} of {n_features} features of coordination ticked at {when}"


def claims_phrase(
    table: pd.DataFrame,
    site: str,
    year: int | None = None,
    *,
    reported_years: Mapping[str, Sequence[int]] | None = None,
) -> str:
    """The confidence labels of the claims that name a site (and year): ``likely: 5; …``.

    Parameters
    ----------
    table
        :attr:`ProgrammeSynthesis.table` (``sites`` comma list, ``year``, ``verbal``).
    site
        Site id; claims naming ``programme`` count for every site.
    year
        Programme year, or ``None`` for all years.
    reported_years
        Site id to the programme years the reports cover it
        (:attr:`ccs_methods.analyses.contribution.Register.reported_years`). When given, a
        ``programme`` claim counts for ``site`` only in a year the reports covered the site,
        as in :func:`ccs_methods.analyses.contribution.claims_for`: a site added after the
        reports is not in their programme-wide claims.

    """
    covered = None if reported_years is None else set(reported_years.get(site, ()))

    def concerns(sites: str, claim_year: int) -> bool:
        names = {x.strip() for x in str(sites).split(",")}
        if site in names:
            return True
        return "programme" in names and (covered is None or int(claim_year) in covered)

    mask = pd.Series(
        [concerns(s, y) for s, y in zip(table["sites"], table["year"], strict=True)],
        index=table.index,
        dtype=bool,
    )
    if year is not None:
        mask &= table["year"] == year
    sel = table[mask]
    if sel.empty:
        when = " in this year" if year is not None else ""
        return f"no contribution claim concerns this site{when}"
    counts = sel["verbal"].value_counts()
    order = [v for v in sel.sort_values("posterior", ascending=False)["verbal"].unique()]
    parts = [f"{counts[v]} {v}" for v in order]
    return f"of {len(sel)} claims, " + ", ".join(parts)
