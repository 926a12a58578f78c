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

#: Reader labels of the coordination-feature timepoints (E4).
TIMEPOINT_LABELS = {
    "baseline_2019": "baseline 2019",
    "end_year2_2021_09": "end of year 2 (Sep 2021)",
}

#: Exhibits that give funding by workstream, by programme year (DOMAIN.md: E2 year 2, E18 year 1).
FUNDING_EXHIBITS = {1: ["E18", "E2"], 2: ["E2"]}
#: Exhibits that give sessions (E3, year 2) and engagement (E19, year 1).
ENGAGEMENT_EXHIBITS = {1: ["E19", "E20"], 2: ["E3"]}


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
    exhibits = FUNDING_EXHIBITS.get(ctx.year.number, [])
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
    exhibits = ENGAGEMENT_EXHIBITS.get(ctx.year.number, [])
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


#: Which published timepoints of E4 a programme year's page shows.
COORDINATION_TIMEPOINTS = {1: ["baseline_2019"], 2: ["baseline_2019", "end_year2_2021_09"]}
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
    points = COORDINATION_TIMEPOINTS.get(ctx.year.number, [])
    cf = load_coordination_features()
    cf = cf[(cf["site"] == ctx.site.id) & cf["timepoint"].isin(points)]
    if cf.empty:
        return Published(title, pd.DataFrame())
    table = cf.pivot_table(index="feature", columns="timepoint", values="status", aggfunc="first")
    table = table.reindex(COORDINATION_FEATURES).fillna("")
    table = table.apply(lambda col: col.str.replace("_", " "))
    table.columns = [TIMEPOINT_LABELS.get(c, c) for c in table.columns]
    latest = cf[cf["timepoint"] == points[-1]].set_index("feature")
    table["detail in the report"] = [
        str(latest["detail"].get(f, "") or "") if f in latest.index else ""
        for f in COORDINATION_FEATURES
    ]
    table.index = pd.Index([f.replace("_", " ") for f in COORDINATION_FEATURES], name="feature")
    # the tick tables have no quotable sentence: cite file and section only
    rows = pd.DataFrame(
        {
            "exhibit": "E4",
            "value": cf["feature"].str.replace("_", " ") + ": "
            + cf["status"].str.replace("_", " "),
            "source_file": cf["source_file"],
            "source_section": cf["source_section"],
            "source_quote": "",
        }
    ).reset_index(drop=True)
    values = {
        "latest": TIMEPOINT_LABELS.get(points[-1], points[-1]),
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
