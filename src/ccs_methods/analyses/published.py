"""Results of the site-year page built from published figures (``data/published``).

:func:`funding`, :func:`engagement` and :func:`coordination` return a :class:`Published`: the
published rows behind a step with their sources, a reader-facing table, a figure (or none) and
the values the page's prose quotes. They write no page text; the notebook shows the table and
figure and glues the values. :func:`sources_table` lists the sources of everything shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ccs_methods.data.params import Params
from ccs_methods.report import pages, plots
from ccs_methods.report.pages import PageContext


def timepoint_labels() -> dict[str, str]:
    """Reader labels of the coordination-feature timepoints (E4), from ``timepoints.csv``."""
    from ccs_methods.data.published import load_timepoints

    tp = load_timepoints()
    return dict(zip(tp["timepoint"], tp["label"], strict=True))


def step_items(step: str, year: int) -> list[str]:
    """The exhibits (or E4 timepoints) step ``step`` of a year's page shows, in file order.

    Read from ``data/published/page_steps.csv`` (which report gives what for which year is a
    fact about the reports, not code): e.g. funding in year 1 comes from ``E18`` and ``E2``.

    Parameters
    ----------
    step
        ``funding``, ``engagement`` or ``coordination``.
    year
        A programme year.

    Returns
    -------
    list of str
        Empty for a year the reports do not cover.

    """
    from ccs_methods.data.published import load_page_steps

    ps = load_page_steps()
    return list(ps.loc[(ps["step"] == step) & (ps["year"] == year), "item"])


def __getattr__(name: str) -> Any:
    """The old constants, now read from ``data/published`` when asked."""
    if name == "TIMEPOINT_LABELS":
        return timepoint_labels()
    steps = {
        "FUNDING_EXHIBITS": "funding",
        "ENGAGEMENT_EXHIBITS": "engagement",
        "COORDINATION_TIMEPOINTS": "coordination",
    }
    if name in steps:
        from ccs_methods.data.published import load_page_steps

        ps = load_page_steps()
        ps = ps[ps["step"] == steps[name]]
        return {int(y): list(g["item"]) for y, g in ps.groupby("year", sort=True)}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _figures() -> pd.DataFrame:
    from ccs_methods.data.published import load_figures

    return load_figures()


def _site_rows(ctx: PageContext, exhibits: Sequence[str], units: Sequence[str]) -> pd.DataFrame:
    fig = _figures()
    rows = pages.published_rows(
        fig, exhibits=exhibits, site=ctx.site.id, year=ctx.year.number, units=units
    )
    return rows.sort_values(["exhibit", "value"], ascending=[True, False]).reset_index(drop=True)


@dataclass
class Published:
    """The published figures behind one step of a site-year page, as results.

    Attributes
    ----------
    title
        What the step shows (figure titles and table captions use it).
    rows
        The published rows behind it with their sources (columns ``exhibit``, ``value``,
        ``source_file``, ``source_section``, ``source_quote``); empty when nothing is reported.
    table
        The reader-facing table, or ``None`` when nothing is reported.
    figure
        A chart of the rows (with alt text and source line), or ``None``.
    values
        The numbers and names the page's prose quotes (glue them; format with ``fmt``).
    """

    title: str
    rows: pd.DataFrame
    table: pd.DataFrame | None = None
    figure: plots.Figure | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def reported(self) -> bool:
        """Whether the reports publish anything for this step, site and year."""
        return self.table is not None and not self.rows.empty


@dataclass(frozen=True)
class SiteCoverage:
    """What params and the reports say exist for a site, so a page states only what is true.

    Attributes
    ----------
    site_id, display_name
        The site.
    published_years
        Programme years the published reports cover for the site (params
        ``datasets.published``); empty for a site the reports never covered.
    in_reports
        Whether the reports cover the site at all (False: a site added after them; say "the
        published reports do not cover <site>", not "years none").
    year_reported
        Whether the reports cover the site in this page's year.
    after_reports
        Whether this page's year comes after every year the reports cover for the site (then
        "not reported yet" is true; for a site never covered it is False).
    network_label
        "<name> (<short name>)" of the site's advice network, or None when params name none.
    referral_system
        Whether params give the site a referral dataset.
    n_published_rows
        Published figures filed under the site (``figures.csv`` ``site`` column).
    """

    site_id: str
    display_name: str
    published_years: tuple[int, ...]
    in_reports: bool
    year_reported: bool
    after_reports: bool
    network_label: str | None
    referral_system: bool
    n_published_rows: int


def coverage(params: Params, site: str, year: int) -> SiteCoverage:
    """What exists for ``site`` in ``year``: published years, network, referral system.

    Parameters
    ----------
    params
        Programme and site params.
    site, year
        The site id and programme year.

    Returns
    -------
    SiteCoverage
        Glue its fields, or pass them to a reading phrase, instead of listing years or naming
        a network the site does not have.

    """
    s = params.site(site)
    years = tuple(sorted(int(y) for y in s.datasets.get("published", [])))
    net = s.referral_network
    label = None
    if net.name:
        label = f"{net.name} ({net.short_name})" if net.short_name else net.name
    fig = _figures()
    return SiteCoverage(
        site_id=site,
        display_name=s.display_name,
        published_years=years,
        in_reports=bool(years),
        year_reported=year in years,
        after_reports=bool(years) and year > max(years),
        network_label=label,
        referral_system=net.referral_dataset is not None,
        n_published_rows=int((fig["site"] == site).sum()),
    )


def _context(params: Params, site: str, year: int) -> PageContext:
    return pages.page_context(params, site, year)


def funding(params: Params, site: str, year: int) -> Published:
    """Funding by workstream for one site and year (E2 in year 2, E18 in year 1).

    Parameters
    ----------
    params
        Programme and site params (:func:`ccs_methods.data.params.load_params`).
    site, year
        The site id and programme year.

    Returns
    -------
    Published
        Rows, a table (what, measure, amount, unit, source), a bar chart of the funding lines
        and ``values``: ``total_gbp`` (CCS workstream funding), ``leveraged_gbp`` (from other
        funders), ``n_lines``, ``largest_line`` and ``largest_gbp``. Not reported (no table)
        for a year the reports do not cover.

    """
    ctx = _context(params, site, year)
    exhibits = step_items("funding", ctx.year.number)
    rows = _site_rows(ctx, exhibits, ["gbp"]) if exhibits else pd.DataFrame()
    title = f"Funding by workstream, {ctx.site.display_name}, {ctx.year.label}"
    if rows.empty:
        return Published(title, rows)
    table = pages.display_table(rows, value_label="amount (£)")
    items = rows[rows["category"].fillna("") != ""].sort_values(
        ["measure", "value"], ascending=[True, False]
    )
    funded = rows[rows["measure"] == "funding_gbp"]
    total = float(funded["value"].sum()) if not funded.empty else float(rows["value"].max())
    leveraged = float(items.loc[items["measure"] != "funding_gbp", "value"].sum())
    top = (items if not items.empty else rows).iloc[0]
    values = {
        "total_gbp": total,
        "leveraged_gbp": leveraged,
        "n_lines": len(items),
        "largest_line": str(top["category"] or top["measure"]).replace("_", " "),
        "largest_gbp": float(top["value"]),
    }
    fig = None
    if not items.empty:
        data = pd.DataFrame(
            {
                "what": items["category"].str.slice(0, 60),
                "value": items["value"],
                "group": items["measure"].str.replace("_gbp", "").str.replace("_", " "),
            }
        )
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
    return Published(title, rows, table=table, figure=fig, values=values)


def engagement(params: Params, site: str, year: int) -> Published:
    """CCS team sessions (E3, year 2) or engagement counts (E19, E20, year 1) for a site-year.

    Parameters
    ----------
    params
        Programme and site params.
    site, year
        The site id and programme year.

    Returns
    -------
    Published
        Rows, a table, a bar chart (itemised parts plus what the report does not itemise, see
        :func:`breakdown_with_remainder`) and ``values``: ``n_counts``, ``largest_what`` and
        ``largest_value``.

    """
    ctx = _context(params, site, year)
    exhibits = step_items("engagement", ctx.year.number)
    units = ["sessions", "count", "people", "organisations"]
    rows = _site_rows(ctx, exhibits, units) if exhibits else pd.DataFrame()
    title = f"CCS sessions and engagement, {ctx.site.display_name}, {ctx.year.label}"
    if rows.empty:
        return Published(title, rows)
    table = pages.display_table(rows, value_label="number")
    data = breakdown_with_remainder(rows).sort_values("value", ascending=False, kind="stable")
    top = data.iloc[0]
    fig = pages.bar_chart(
        data,
        title=title,
        xlabel="Number",
        source="; ".join(sorted({pages.cite(r) for _, r in rows.iterrows()})),
        alt=(
            f"Horizontal bar chart of {len(rows)} published counts of CCS activity in "
            f"{ctx.site.display_name}, {ctx.year.label}; the largest is "
            f"{top['what']} at {top['value']:,.0f}."
        ),
        colour=plots.SITE_COLOURS.get(ctx.site.id),
    )
    values = {
        "n_counts": len(rows),
        "largest_what": str(top["what"]),
        "largest_value": float(top["value"]),
    }
    return Published(title, rows, table=table, figure=fig, values=values)


#: The four key features of coordination (DOMAIN.md, E4), in the reports' order.
COORDINATION_FEATURES = ["network", "referral_system", "resource", "legitimacy"]


def coordination(params: Params, site: str, year: int) -> Published:
    """The site's key features of coordination (E4) at the timepoints the year's page shows.

    Parameters
    ----------
    params
        Programme and site params.
    site, year
        The site id and programme year.

    Returns
    -------
    Published
        Rows (exhibit ``E4``, value = status, with sources), a table of status by feature and
        timepoint with the reports' detail at the latest timepoint, no figure, and ``values``:
        ``latest`` (timepoint label), ``n_present`` and ``n_features`` at the latest timepoint.

    """
    from ccs_methods.data.published import load_coordination_features

    ctx = _context(params, site, year)
    title = f"Key features of coordination, {ctx.site.display_name}"
    points = step_items("coordination", ctx.year.number)
    labels = timepoint_labels()
    cf = load_coordination_features()
    cf = cf[(cf["site"] == ctx.site.id) & cf["timepoint"].isin(points)]
    if cf.empty:
        return Published(title, pd.DataFrame())
    table = cf.pivot_table(index="feature", columns="timepoint", values="status", aggfunc="first")
    table = table.reindex(COORDINATION_FEATURES).fillna("")
    table = table.apply(lambda col: col.str.replace("_", " "))
    table.columns = [labels.get(c, c) for c in table.columns]
    latest = cf[cf["timepoint"] == points[-1]].set_index("feature")
    table["detail in the report"] = [
        str(latest["detail"].get(f, "") or "") if f in latest.index else ""
        for f in COORDINATION_FEATURES
    ]
    table.index = pd.Index([f.replace("_", " ") for f in COORDINATION_FEATURES], name="feature")
    # the status comes from the tick table (its row quoted); a detail may come from another
    # report, with its own words
    rows = pd.DataFrame(
        {
            "exhibit": "E4",
            "value": cf["feature"].str.replace("_", " ") + ": "
            + cf["status"].str.replace("_", " "),
            "source_file": cf["source_file"],
            "source_section": cf["source_section"],
            "source_quote": cf["source_quote"],
        }
    ).reset_index(drop=True)
    detailed = cf[cf["detail"] != ""]
    if not detailed.empty:
        rows = pd.concat(
            [
                rows,
                pd.DataFrame(
                    {
                        "exhibit": "E4",
                        "value": detailed["feature"].str.replace("_", " ") + ": "
                        + detailed["detail"],
                        "source_file": detailed["detail_source_file"],
                        "source_section": detailed["detail_source_section"],
                        "source_quote": detailed["detail_quote"],
                    }
                ),
            ],
            ignore_index=True,
        )
    values = {
        "latest": labels.get(points[-1], points[-1]),
        "n_present": int((latest["status"] == "present").sum()),
        "n_features": len(COORDINATION_FEATURES),
    }
    return Published(title, rows, table=table, values=values)


def breakdown_with_remainder(rows: pd.DataFrame) -> pd.DataFrame:
    """Chart data for counts that come as a total plus some itemised parts.

    For each measure with a ``total`` row, the chart shows the itemised parts and, if they do
    not add up to the total, a bar "not itemised (derived: total minus parts)" with the
    difference. That bar is computed by the book, not published: its ``derived`` column is
    ``True`` and the chart hatches it. Measures without a total are shown as they are.
    """
    out = []
    for measure, grp in rows.groupby("measure", sort=False):
        label = str(measure).replace("_", " ")
        cats = grp["category"].fillna("").astype(str)
        totals = grp[cats == "total"]
        parts = grp[(cats != "total") & (cats != "")]
        plain = grp[cats == ""]
        for _, r in plain.iterrows():
            out.append({"what": label, "value": float(r["value"]), "group": label,
                        "derived": False})
        for _, r in parts.iterrows():
            name = str(r["category"]).replace("_", " ")
            out.append({"what": f"{label}: {name}", "value": float(r["value"]), "group": label,
                        "derived": False})
        if not totals.empty:
            rest = float(totals["value"].iloc[0]) - float(parts["value"].sum())
            if parts.empty:
                out.append(
                    {
                        "what": f"{label}: total",
                        "value": float(totals["value"].iloc[0]),
                        "group": label,
                        "derived": False,
                    }
                )
            elif rest > 0:
                out.append(
                    {"what": f"{label}: not itemised (derived: total minus parts)",
                     "value": rest, "group": label, "derived": True}
                )
    return pd.DataFrame(out, columns=["what", "value", "group", "derived"])


def sources_table(shown: Iterable[Any]) -> pd.DataFrame:
    """The sources of every published figure shown on a page, one row per figure.

    Parameters
    ----------
    shown
        Frames of published figures, or results with a ``rows`` frame of them
        (:class:`Published`, or anything else with ``rows``); others are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``exhibit``, ``value``, ``report file``, ``section``, ``quote``, duplicates
        dropped; empty when nothing published is shown.

    """
    cols = ["exhibit", "value", "report file", "section", "quote"]
    parts = []
    for item in shown:
        rows = item if isinstance(item, pd.DataFrame) else getattr(item, "rows", None)
        if not isinstance(rows, pd.DataFrame) or rows.empty or "source_file" not in rows:
            continue
        units = rows.get("unit", pd.Series("", index=rows.index))
        values = rows.get("value", pd.Series("", index=rows.index))
        parts.append(
            pd.DataFrame(
                {
                    "exhibit": rows.get("exhibit", ""),
                    "value": [_value_text(v, u) for v, u in zip(values, units, strict=True)],
                    "report file": rows["source_file"].astype(str),
                    "section": rows["source_section"].astype(str),
                    "quote": rows.get("source_quote", pd.Series("", index=rows.index))
                    .fillna("").astype(str),
                    "key": rows.get("figure_id", pd.Series(range(len(rows)), index=rows.index))
                    .astype(str) + f"@{len(parts)}" * ("figure_id" not in rows),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True).drop_duplicates("key")[cols].reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out


def _value_text(value: Any, unit: Any) -> str:
    if isinstance(value, int | float) and not pd.isna(value):
        num = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        if unit == "gbp":
            return f"£{num}"
        return f"{num} {unit}".strip() if isinstance(unit, str) and unit else num
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
