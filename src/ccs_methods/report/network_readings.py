"""Short reading phrases for the referral-network pages; each function returns one phrase.

The sentences of the network pages live in the notebooks' Markdown cells
(``notebooks/site_year.md``, region *network*, and ``notebooks/programme_network.md``). Where a
phrase depends on the data (did a flow rise, does an interval include no change, is the
report's figure reproduced, why a site has no referral data), one function here returns it and
the notebook glues it into the prose. Numbers are formatted with :mod:`ccs_methods.report.fmt`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ccs_methods.report import fmt

__all__ = [
    "calibration_phrase",
    "change_phrase",
    "comparison_basis",
    "counts_phrase",
    "coverage_phrase",
    "data_phrase",
    "diagram_note",
    "direction",
    "grouped_reasons_phrase",
    "interval_verdict",
    "largest_flow_phrase",
    "launch_caveat",
    "no_comparison_phrase",
    "no_flow_change_phrase",
    "no_referral_reason",
    "partial_caveat",
    "reasons_caveat",
    "reproduction_phrase",
    "suppression_phrase",
]

def direction(a: float, b: float) -> str:
    """``"rose"``, ``"fell"`` or ``"did not change"`` from ``a`` to ``b``."""
    return "rose" if b > a else "fell" if b < a else "did not change"


def change_phrase(res: Mapping[str, Any]) -> str:
    """A percent change with its 95% interval, e.g. ``+12.3% (95% CI +1.0% to +20.5%)``.

    Parameters
    ----------
    res
        A :func:`ccs_methods.methods.network.yoy_change` result, or a dict with ``error``.

    Returns
    -------
    str
        The change and interval, or ``"not estimable"``.

    """
    if not res or "error" in res:
        return "not estimable"
    return (f"{fmt.percent(res['change_pct'], 1)} (95% CI {fmt.percent(res['ci_low_pct'], 1)} "
            f"to {fmt.percent(res['ci_high_pct'], 1)})")


def interval_verdict(res: Mapping[str, Any]) -> str:
    """What the 95% interval of a change says, as one clause.

    Returns
    -------
    str
        ``"the 95% interval includes no change, so ... weak evidence on its own"``, or
        ``"the 95% interval excludes no change, so chance ... is unlikely to explain the rise"``,
        or ``"the change cannot be estimated"``.

    """
    if not res or "error" in res:
        return "the change cannot be estimated from these records"
    a, b = res["value_a"], res["value_b"]
    what = "rise" if b > a else "fall" if b < a else "difference"
    if res["ci_low_pct"] <= 0 <= res["ci_high_pct"]:
        return (f"the 95% interval includes no change, so on a base of this size the {what} "
                "is weak evidence on its own")
    return ("the 95% interval excludes no change, so chance variation in which referrals were "
            f"made is unlikely to explain the {what}")


def reproduction_phrase(computed_pct: float, published_pct: float) -> str:
    """Whether a computed percent change reproduces the report's (rounded to whole percent).

    Returns
    -------
    str
        ``"reproduced (the report rounds to whole percent)"`` or
        ``"differs from the report by +2.1 points"``.

    """
    diff = computed_pct - published_pct
    if abs(diff) <= 0.5:
        return "reproduced (the report rounds to whole percent)"
    return f"differs from the report by {fmt.signed(diff, 1)} points"


def counts_phrase(a: int, b: int, threshold: int) -> str:
    """``"from 12 to 22"``, or a note that counts below the disclosure threshold are not shown."""
    if all(v == 0 or v >= threshold for v in (a, b)):
        return f"from {fmt.count(a)} to {fmt.count(b)}"
    return "(counts below the disclosure threshold are not shown)"


def suppression_phrase(n_primary: int, n_secondary: int, threshold: int) -> str:
    """How many cells disclosure control hid, as one sentence-part.

    Parameters
    ----------
    n_primary
        Cells counting 1 to ``threshold - 1`` referrals.
    n_secondary
        Further cells hidden so that no hidden cell can be worked out from the totals.
    threshold
        The disclosure threshold.

    """
    if n_primary + n_secondary == 0:
        return (f"no cell of these tables counts 1 to {threshold - 1} referrals, so nothing is "
                "suppressed")
    return (f"cells counting 1 to {threshold - 1} referrals are suppressed and shown as [c] "
            f"({n_primary} cell(s)), with {n_secondary} further cell(s) suppressed so that no "
            "hidden cell can be worked out from the totals")


def coverage_phrase(cov: Mapping[str, Any], label: str) -> str:
    """Which months of a period have referrals, as one sentence.

    Parameters
    ----------
    cov
        A :func:`ccs_methods.analyses.network_site.coverage` result.
    label
        The period's label, e.g. ``"Year 2 (Oct 2020 to Sep 2021)"``.

    """
    n_in, n_have = cov["months_in_period"], cov["months_with_data"]
    if n_have == 0:
        return f"No referrals are recorded in {label}."
    if cov["partial"]:
        first = dt.date.fromisoformat(cov["first"])
        last = dt.date.fromisoformat(cov["last"])
        return (f"Partial year: referrals are recorded in {n_have} of the {n_in} months of "
                f"{label}, from {first:%-d %B %Y} to {last:%-d %B %Y}.")
    return f"Referrals are recorded in all {n_in} months of {label}."


def comparison_basis(short: str, label: str) -> str:
    """What a programme year is compared with: the months before CCS or the previous year."""
    if short == "Pre-CCS":
        return "the twelve months before CCS started"
    return f"the previous programme year, {label}"


def data_phrase(dataset: str, synthetic: bool) -> str:
    """The records a result is computed from, e.g. ``NCAN referral records (synthetic ...)``."""
    short = dataset.replace("referrals_", "").upper()
    kind = "synthetic stand-in" if synthetic else "record-level extract"
    return f"{short} referral records ({kind}, {dataset})"


def reasons_caveat(n_a: int, n_b: int) -> str:
    """Why rising counts and rising shares of reasons differ, given the two totals."""
    if n_b > n_a:
        return ("with more referrals overall, a reason can rise in count while its share "
                "falls; the shares show which reasons grew faster than the rest")
    if n_b < n_a:
        return ("with fewer referrals overall, a reason can fall in count while its share "
                "rises; the shares show which reasons fell less than the rest")
    return "with the same total, counts and shares move together"


def no_referral_reason(
    *,
    site_id: str,
    site_name: str,
    network_name: str | None,
    network_short: str | None,
    launch: dt.date | None,
    year_label: str,
    year_number: int,
    year_start: dt.date,
    year_end: dt.date,
    years_listed: list[int],
    extract_end: dt.date | None = None,
    no_system_note: str | None = None,
) -> str:
    """Why a site has no referral network to show for a programme year, as one paragraph.

    Parameters
    ----------
    site_id, site_name
        The site.
    network_name, network_short, launch
        The site's advice network (``None`` when params name none) and the launch date of
        its referral system (``None``: not live).
    year_label, year_number, year_start, year_end
        The programme year.
    years_listed
        Programme years for which params list referral data (0 = pre-CCS).
    extract_end
        The date of the last referral in the current extract, if any.
    no_system_note
        Why there is no system, in the reports' words, from the site's params
        (``referral_network.no_system_note``); a plain sentence when ``None``.

    """
    if launch is None:
        if network_name:
            label = f"{network_name} ({network_short})" if network_short else network_name
            default = (f"{label} has no live referral system in params "
                       f"(params/sites/{site_id}.yml), so there are no referral records.")
        else:
            default = (f"Params (params/sites/{site_id}.yml) name no advice network or "
                       f"referral system for {site_name}, so there are no referral records.")
        why = no_system_note or default
        return (f"{site_name} has no referral system yet. {why} The network section fills in "
                "when a referral extract is added and listed in the site's params.")
    if launch > year_end:
        return (f"The {network_short} referral system went live in {launch:%B %Y}, after "
                f"{year_label} ended ({year_end:%-d %B %Y}), so there are no referrals to show "
                f"for this year. The network from {launch:%B %Y} is on the page for the year "
                "it falls in.")
    listed = ", ".join("pre-CCS" if y == 0 else str(y) for y in years_listed) or "none"
    text = (f"Params list {network_short} referral data for programme years {listed} "
            f"(params/sites/{site_id}.yml), not for {year_label}.")
    if years_listed and year_number > max(years_listed):
        text += (" No extract for this year has been added yet; the section fills in when "
                 "referral data for the year is added to data/ and listed in the site's "
                 "params, and the book is rebuilt.")
        if extract_end is not None and year_start <= extract_end:
            text += (f" The current extract ends on {extract_end:%-d %B %Y}, part-way into "
                     f"{year_label}; a part-year is not shown until params list the year.")
    return text


def partial_caveat(partial: bool) -> str:
    """The caution for a comparison in which one period is a part-year (``""`` otherwise)."""
    if not partial:
        return ""
    return "One of the periods is a part-year: compare shares and ratios, not counts."


def launch_caveat(launch: dt.date | None, network_short: str, year_label: str,
                  months_with_data: int, months_in_period: int) -> str:
    """The caution for a year in which the referral system went live (``""`` otherwise).

    Parameters
    ----------
    launch
        The launch date of the referral system, or ``None``; pass ``None`` when it is not
        inside the year.
    network_short, year_label
        Names used in the sentence.
    months_with_data, months_in_period
        Months of the year with referrals, and months in the year.

    """
    if launch is None or months_with_data >= months_in_period:
        return ""
    return (f"The {network_short} referral system went live in {launch:%B %Y}, so "
            f"{year_label} holds {months_with_data} months of referrals, not "
            f"{months_in_period}: counts are not comparable with a full year.")


def no_comparison_phrase(network_short: str, year_label: str) -> str:
    """Why a year's network is shown without change or intervals."""
    return (f"There is no earlier {network_short} referral data to compare {year_label} with, "
            "so the network is shown as it is, without change or intervals.")


def diagram_note(dropped: int, threshold: int) -> str:
    """How many connections a diagram leaves out for disclosure control (``""`` for none)."""
    if not dropped:
        return ""
    return (f"The diagram leaves out {dropped} connection(s) carrying fewer than {threshold} "
            "referrals (disclosure control).")


def largest_flow_phrase(from_label: str, to_label: str, n: int, threshold: int) -> str:
    """The largest flow between sector groups, e.g. ``the largest flow is VCS to VCS (1,865)``."""
    count = fmt.count(n) if n >= threshold else "a count below the disclosure threshold"
    return f"the largest flow is from {from_label} to {to_label} organisations ({count} referrals)"


def no_flow_change_phrase(compared: bool) -> str:
    """Why no change is estimated for referrals from VCS organisations to the scheme."""
    if not compared:
        return "There is no earlier period to compare with."
    return ("A count behind the change is suppressed or the change cannot be estimated, so "
            "no change is given.")


def grouped_reasons_phrase(n_grouped: int) -> str:
    """Whether reasons with a suppressed count are grouped in the chart (``""`` for none)."""
    if not n_grouped:
        return ""
    return (f"The {n_grouped} reason(s) with a suppressed count are grouped as smaller "
            "reasons in the chart.")


def calibration_phrase(synthetic: bool) -> str:
    """What agreement with the published figures shows, given where the records come from."""
    if synthetic:
        return ("The synthetic NCAN stand-ins were calibrated to these published figures "
                "(ccs_methods.data.synth), so agreement here checks that the book's definitions "
                "and code reproduce the report's arithmetic, not that the report is right. With "
                "the real extract (data/raw/) the same tables test the report.")
    return "Computed from the NCAN record-level extract; agreement tests the report's figures."
