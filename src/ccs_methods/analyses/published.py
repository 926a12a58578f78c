"""Sections of the site-year page built from published figures (``data/published``).

Each ``*_section`` function returns a :class:`Section`: the published rows behind it, a
reader-facing table, a figure (or none) and, where the reports publish nothing for this site
and year, a "not reported" note instead. :func:`show_section` displays it in a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ccs_methods.report import pages, plots
from ccs_methods.report.pages import PageContext

#: Exhibits that give funding by workstream, by programme year (DOMAIN.md: E2 year 2, E18 year 1).
FUNDING_EXHIBITS = {1: ["E18", "E2"], 2: ["E2"]}
#: Exhibits that give sessions (E3, year 2) and engagement (E19, year 1).
ENGAGEMENT_EXHIBITS = {1: ["E19", "E20"], 2: ["E3"]}


@dataclass
class Section:
    """One section of a page, displayed by :func:`show_section` in this order.

    Attributes
    ----------
    title
        What the section shows (used in figure titles and captions).
    rows
        The published figures behind it (their sources are listed at the foot of the page);
        an empty frame when the section is computed from record-level data only.
    note
        A "not reported" or "no data" note; when set, nothing else is shown.
    banner
        A banner shown first, e.g. :func:`ccs_methods.report.pages.synthetic_banner`.
    markdown
        Paragraphs of reading and caveats, shown before the tables.
    table
        The main table.
    extra_tables
        Further (caption, table) pairs.
    figure, figures
        The figure(s), each with alt text (see :mod:`ccs_methods.report.plots`).
    results
        Computed results by id (JSON-serialisable dicts), for the evidence register.
    """

    title: str
    rows: pd.DataFrame
    table: pd.DataFrame | None = None
    figure: plots.Figure | None = None
    note: str | None = None
    extra_tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    banner: str | None = None
    markdown: list[str] = field(default_factory=list)
    figures: list[plots.Figure] = field(default_factory=list)
    results: dict[str, dict] = field(default_factory=dict)


def _figures() -> pd.DataFrame:
    from ccs_methods.data.published import load_figures

    return load_figures()


def _site_rows(ctx: PageContext, exhibits: Sequence[str], units: Sequence[str]) -> pd.DataFrame:
    fig = _figures()
    rows = pages.published_rows(
        fig, exhibits=exhibits, site=ctx.site.id, year=ctx.year.number, units=units
    )
    return rows.sort_values(["exhibit", "value"], ascending=[True, False]).reset_index(drop=True)


def funding_section(ctx: PageContext) -> Section:
    """Funding by workstream for this site and year (E2/E18), as table and bar chart."""
    exhibits = FUNDING_EXHIBITS.get(ctx.year.number, [])
    rows = _site_rows(ctx, exhibits, ["gbp"]) if exhibits else pd.DataFrame()
    title = f"Funding by workstream, {ctx.site.display_name}, {ctx.year.label}"
    if rows.empty:
        return Section(title, rows, note=pages.not_reported_markdown("funding by workstream", ctx))
    table = pages.display_table(rows, value_label="amount (£)")
    items = rows[rows["category"].fillna("") != ""].sort_values(
        ["measure", "value"], ascending=[True, False]
    )
    fig = None
    if not items.empty:
        data = pd.DataFrame(
            {
                "what": items["category"].str.slice(0, 60),
                "value": items["value"],
                "group": items["measure"].str.replace("_gbp", "").str.replace("_", " "),
            }
        )
        total = float(items.loc[items["measure"] == "funding_gbp", "value"].sum())
        leveraged = float(items.loc[items["measure"] != "funding_gbp", "value"].sum())
        fig = pages.bar_chart(
            data,
            title=title,
            xlabel="Amount (£)",
            source="; ".join(sorted({pages.cite(r) for _, r in items.iterrows()})),
            alt=(
                f"Horizontal bar chart of {len(items)} published funding lines in "
                f"{ctx.site.display_name}, {ctx.year.label}: CCS workstream funding of "
                f"£{total:,.0f} in all"
                + (f", plus £{leveraged:,.0f} leveraged from other funders" if leveraged else "")
                + f"; the largest line is {items.iloc[0]['category']} at "
                f"£{items.iloc[0]['value']:,.0f}."
            ),
            colour=plots.SITE_COLOURS.get(ctx.site.id),
            fmt="£{:,.0f}",
        )
    return Section(title, rows, table=table, figure=fig)


def engagement_section(ctx: PageContext) -> Section:
    """CCS team sessions (E3) or engagement counts (E19) for this site and year."""
    exhibits = ENGAGEMENT_EXHIBITS.get(ctx.year.number, [])
    units = ["sessions", "count", "people", "organisations"]
    rows = _site_rows(ctx, exhibits, units) if exhibits else pd.DataFrame()
    title = f"CCS sessions and engagement, {ctx.site.display_name}, {ctx.year.label}"
    if rows.empty:
        return Section(
            title, rows, note=pages.not_reported_markdown("sessions and engagement", ctx)
        )
    table = pages.display_table(rows, value_label="number")
    data = breakdown_with_remainder(rows)
    fig = pages.bar_chart(
        data,
        title=title,
        xlabel="Number",
        source="; ".join(sorted({pages.cite(r) for _, r in rows.iterrows()})),
        alt=(
            f"Horizontal bar chart of {len(rows)} published counts of CCS activity in "
            f"{ctx.site.display_name}, {ctx.year.label}; the largest is "
            f"{data.iloc[0]['what']} at {data.iloc[0]['value']:,.0f}."
        ),
        colour=plots.SITE_COLOURS.get(ctx.site.id),
    )
    return Section(title, rows, table=table, figure=fig)


#: Which published timepoints of E4 a programme year's page shows.
COORDINATION_TIMEPOINTS = {1: ["baseline_2019"], 2: ["baseline_2019", "end_year2_2021_09"]}


def coordination_section(ctx: PageContext) -> Section:
    """The site's key features of coordination (E4) at the timepoints the reports give."""
    from ccs_methods.data.published import load_coordination_features

    title = f"Key features of coordination, {ctx.site.display_name}"
    points = COORDINATION_TIMEPOINTS.get(ctx.year.number, [])
    cf = load_coordination_features()
    cf = cf[(cf["site"] == ctx.site.id) & cf["timepoint"].isin(points)]
    if cf.empty:
        return Section(
            title, pd.DataFrame(), note=pages.not_reported_markdown("features of coordination", ctx)
        )
    from ccs_methods.analyses.exhibits import TIMEPOINT_LABELS

    table = cf.pivot_table(index="feature", columns="timepoint", values="status", aggfunc="first")
    table = table.reindex(["network", "referral_system", "resource", "legitimacy"]).fillna("")
    table = table.apply(lambda col: col.str.replace("_", " "))
    table.columns = [TIMEPOINT_LABELS.get(c, c) for c in table.columns]
    table.index = table.index.str.replace("_", " ")
    details = cf[cf["detail"].fillna("") != ""]
    # the tick tables have no quotable sentence: cite file and section only
    rows = cf.assign(source_quote="")[["source_file", "source_section", "source_quote"]]
    text = (
        "*present* means the reports' tables tick the feature; the colour of each tick "
        "(long-term security, early stage, planned) is only in the charts."
    )
    if not details.empty:
        text += " " + " ".join(
            f"{str(r['feature']).replace('_', ' ').capitalize()}: {r['detail']}."
            for _, r in details.iterrows()
            if r["timepoint"] == points[-1]
        )
    return Section(title, rows, table=table, markdown=[text])


def breakdown_with_remainder(rows: pd.DataFrame) -> pd.DataFrame:
    """Chart data for counts that come as a total plus some itemised parts.

    For each measure with a ``total`` row, the chart shows the itemised parts and, if they do
    not add up to the total, a bar "not itemised in the report" with the difference. Measures
    without a total are shown as they are.
    """
    out = []
    for measure, grp in rows.groupby("measure", sort=False):
        label = str(measure).replace("_", " ")
        cats = grp["category"].fillna("").astype(str)
        totals = grp[cats == "total"]
        parts = grp[(cats != "total") & (cats != "")]
        plain = grp[cats == ""]
        for _, r in plain.iterrows():
            out.append({"what": label, "value": float(r["value"]), "group": label})
        for _, r in parts.iterrows():
            name = str(r["category"]).replace("_", " ")
            out.append({"what": f"{label}: {name}", "value": float(r["value"]), "group": label})
        if not totals.empty:
            rest = float(totals["value"].iloc[0]) - float(parts["value"].sum())
            if parts.empty:
                out.append(
                    {
                        "what": f"{label}: total",
                        "value": float(totals["value"].iloc[0]),
                        "group": label,
                    }
                )
            elif rest > 0:
                out.append(
                    {"what": f"{label}: not itemised in the report", "value": rest, "group": label}
                )
    return pd.DataFrame(out, columns=["what", "value", "group"])


def show_section(section: Section) -> None:
    """Display a section in a notebook: its note, or banner, text, tables and figures."""
    from IPython.display import Markdown, display

    if section.note:
        display(Markdown(section.note))
        return
    if section.banner:
        display(Markdown(section.banner))
    for text in section.markdown:
        display(Markdown(text))
    if section.table is not None:
        display(section.table)
    for caption, extra in section.extra_tables:
        display(Markdown(f"**{caption}**"))
        display(extra)
    for fig in [section.figure, *section.figures]:
        if fig is not None:
            plots.show(fig)


def sources_for(sections: Sequence[Section]) -> str:
    """The numbered source list of every published figure shown in ``sections``."""
    rows = [s.rows for s in sections if not s.rows.empty]
    if not rows:
        return "No published figures are shown on this page."
    return pages.sources_markdown(pd.concat(rows, ignore_index=True))
