"""Short reading phrases for pages built from published figures; each returns one phrase.

The sentences of a page live in its notebook's Markdown cells. Where a phrase depends on the
data (whether a referral system is live, why a step has nothing to show, which report a
figure comes from), one function here returns it and the notebook glues it into the prose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from ccs_methods.report.pages import REPORT_NAMES, PageContext

__all__ = [
    "leveraged_phrase",
    "network_clause",
    "no_referral_system",
    "not_reported",
    "only_in_chart",
    "referral_system_phrase",
    "source_citation",
    "sources_phrase",
    "synthetic_basis",
    "synthetic_phrase",
]


def referral_system_phrase(launch: dt.date | None) -> str:
    """Whether and when a site's referral system went live, e.g. ``went live in March 2021``.

    Parameters
    ----------
    launch
        The launch date from the site's params, or ``None`` when there is no live system.

    Returns
    -------
    str
        ``"went live in <Month Year>"`` or ``"has not gone live"``.

    """
    return f"went live in {launch:%B %Y}" if launch else "has not gone live"


def not_reported(what: str, ctx: PageContext) -> str:
    """Why a step shows no published figures for this site and year, as one phrase.

    Parameters
    ----------
    what
        The topic, e.g. ``"funding by workstream"``.
    ctx
        The page's site and year (:func:`ccs_methods.report.pages.page_context`); the years
        the reports cover are the site's params ``datasets.published``.

    Returns
    -------
    str
        For a site the reports never covered (no published years): "The published evaluation
        reports do not cover <site> ..."; for a year after the reports: "No data has been
        reported for <year> yet ..."; otherwise "The published reports give no figures on
        <what> for <site> in <year>."

    """
    years = sorted(int(y) for y in ctx.site.datasets.get("published", []))
    number, label, name = ctx.year.number, ctx.year.label, ctx.site.display_name
    if not years:
        return (
            f"The published evaluation reports do not cover {name}, so they give no figures "
            f"on {what} for it. This step fills in when figures for {name} are added to "
            "`data/published/`, the site's params list their years under `datasets.published`, "
            "and the book is rebuilt."
        )
    if number > max(years):
        covered = ", ".join(map(str, years))
        return (
            f"No data has been reported for {label} yet: the published evaluation reports "
            f"cover years {covered}. This step fills in when data for the year is added to "
            "`data/` and the book is rebuilt."
        )
    return f"The published reports give no figures on {what} for {name} in {label}."


def network_clause(network_label: str | None, launch: dt.date | None, site_name: str) -> str:
    """The clause of a site page's opening sentence on the site's advice network.

    Parameters
    ----------
    network_label
        ``"<name> (<short name>)"`` from :func:`ccs_methods.analyses.published.coverage`, or
        ``None`` when params name no advice network for the site.
    launch
        The referral system's launch date from params, or ``None`` (not live).
    site_name
        The site's display name.

    Returns
    -------
    str
        ``"the advice network is <label>, whose referral system went live in March 2021"``,
        or, with no network in params, ``"params name no advice network or referral system
        for <site>"``.

    """
    if not network_label:
        return f"params name no advice network or referral system for {site_name}"
    system = referral_system_phrase(launch)
    return f"the advice network is {network_label}, whose referral system {system}"


def no_referral_system(network_label: str | None, site_name: str, in_reports: bool) -> str:
    """Why a site page has no referral records to analyse (the site has no referral system).

    Parameters
    ----------
    network_label
        ``"<name> (<short name>)"`` of the site's advice network, or ``None`` (none in params).
    site_name
        The site's display name.
    in_reports
        Whether the published reports cover the site (only then do they describe its network).

    Returns
    -------
    str
        One or two sentences; the reports' words on the network are mentioned only for a
        network the reports cover.

    """
    if not network_label:
        return (
            f"Params name no advice network or referral system for {site_name}, so there are "
            "no referral records to analyse."
        )
    text = (
        f"{network_label} has no live referral system, so there are no referral records to "
        "analyse."
    )
    if in_reports:
        text += " The reports describe the network's progress in words only."
    return text


def synthetic_basis(has_published: bool, site_name: str) -> str:
    """What a site's synthetic stand-ins were made from, ending "generated by seeded code …".

    Parameters
    ----------
    has_published
        Whether the reports publish figures for the site
        (:attr:`ccs_methods.analyses.published.SiteCoverage.n_published_rows` above zero).
    site_name
        The site's display name.

    Returns
    -------
    str
        ``"reconciled to the published figures"`` or, for a site the reports never covered,
        ``"drawn from the settings in `params/synthetic.yml`: the reports publish no figures
        for <site> to reconcile them to"``.

    """
    if has_published:
        return "reconciled to the published figures"
    return (
        "drawn from the settings in `params/synthetic.yml`: the reports publish no figures "
        f"for {site_name} to reconcile them to"
    )


def source_citation(source_file: str, source_section: str) -> str:
    """A short citation of one published figure: report name and section.

    Unknown report files are cited by their file name.
    """
    report = REPORT_NAMES.get(str(source_file), str(source_file))
    return f"{report}, {source_section}"


def sources_phrase(rows: pd.DataFrame) -> str:
    """The distinct reports behind some published rows, e.g. ``Year 2 evaluation, full report``.

    Returns ``"no published report"`` for no rows.
    """
    if rows is None or rows.empty:
        return "no published report"
    names = sorted({REPORT_NAMES.get(str(f), str(f)) for f in rows["source_file"]})
    return "; ".join(names)


def leveraged_phrase(leveraged_gbp: float) -> str:
    """The funding leveraged from other funders, as a clause after the CCS total.

    Returns ``", plus £12,000 leveraged from other funders"`` or ``""`` when nothing was.
    """
    if not leveraged_gbp:
        return ""
    return f", plus £{leveraged_gbp:,.0f} leveraged from other funders"


def synthetic_phrase(datasets: Iterable[str]) -> str:
    """The caution for results computed from synthetic stand-ins, naming the datasets."""
    names = ", ".join(f"`{d}`" for d in datasets)
    return (
        f"Computed from synthetic stand-ins ({names}) generated by seeded code in "
        "`ccs_methods.data.synth`; they have the shape of the private records, not their content."
    )


def only_in_chart(missing: str) -> str:
    """What an exhibit gives only in a chart, so not transcribed (``""`` when nothing is).

    Parameters
    ----------
    missing
        The ``NOT_IN_TEXT.md`` entry of the exhibit.

    """
    missing = str(missing or "").strip().rstrip(".")
    return f"Not in the report text, so not transcribed: {missing}." if missing else ""
