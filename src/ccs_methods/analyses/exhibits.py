"""The published exhibits E1–E22 as results, for the "published figures" page.

:func:`exhibit` returns every figure the reports give in their text for one exhibit, with its
source, a table, a chart by site where there is one, and what is only in a chart (from
``data/published/NOT_IN_TEXT.md``); :func:`tensions` the figures the reports contradict
themselves on; :func:`kpis`, :func:`coordination_features` and :func:`assumptions` the
exhibits kept as tables of their own. Nothing here computes a new number or writes page text;
the point is traceability.
"""

from __future__ import annotations

import re

import pandas as pd

from ccs_methods.analyses.published import Published, timepoint_labels
from ccs_methods.data import published
from ccs_methods.data.paths import data_dir
from ccs_methods.data.readlog import cache_with_reads
from ccs_methods.report import pages, plots

#: Short names of the exhibits (see DOMAIN.md); the numbers come from data/published only.
EXHIBIT_TITLES: dict[str, str] = {
    "E1": "Core CCS funding by site and year",
    "E2": "Funding by workstream, and its access/systems split",
    "E3": "CCS team sessions in year 2 by site and purpose",
    "E4": "Key features of coordination by site, baseline 2019 and end of year 2",
    "E5": "NCAN monthly referrals before and since CCS",
    "E6": "Reasons for referral in Norfolk over time",
    "E7": "THCAN referrals since its launch",
    "E8": "Capability survey of local organisations",
    "E9": "Monitoring returns of the funded organisations",
    "E10": "Reach in year 2",
    "E11": "Relationship between local authority and VCS (survey)",
    "E12": "NCAN direction of referral, 2019 and 2021",
    "E13": "Referrals between statutory agencies in Norfolk, 2021",
    "E14": "LWA and DAF awards over time",
    "E15": "NAS referrals within NCAN by year",
    "E16": "Key performance indicators",
    "E17": "Year 2 logic model and its assumptions",
    "E18": "Year 1 workstreams and amounts by site",
    "E19": "Year 1 engagement by site",
    "E20": "Year 1 activity counts",
    "E21": "Norfolk systems-change survey (year 1)",
    "E22": "Norwich Integration Partnership case study",
}

#: Exhibits whose figures live in a structured table of their own.
STRUCTURED = {
    "E4": "coordination_features.csv",
    "E16": "kpis.csv",
    "E17": "assumptions.csv and logic_model.csv",
}


@cache_with_reads(maxsize=4)
def _figures_cached(folder: str) -> pd.DataFrame:
    return published.load_figures(data_dir=folder)


#: Reader labels of the E4 timepoints.


def site_label(site: str) -> str:
    """A site id as readers see it (``tower_hamlets`` -> ``Tower Hamlets``)."""
    return str(site).replace("_", " ").title()


def figures() -> pd.DataFrame:
    """All published figures (validated), cached per data folder."""
    return _figures_cached(str(data_dir())).copy()


def not_in_text() -> dict[str, str]:
    """What each exhibit lacks in the text (only in a chart), from ``NOT_IN_TEXT.md``."""
    path = data_dir() / "published" / "NOT_IN_TEXT.md"
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"E\d{1,2}", cells[0]):
            out[cells[0]] = cells[-1]
    return out


def figure_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A reader-facing table of published figures with their source and any note."""
    out = pd.DataFrame(
        {
            "site": rows["site"].map(site_label),
            "year": [("" if pd.isna(v) else str(int(v))) for v in rows["year"]],
            "period": rows["period"].astype(str),
            "measure": rows["measure"].astype(str).str.replace("_", " "),
            "category": rows["category"].fillna("").astype(str),
            "value": [f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}" for v in rows["value"]],
            "unit": rows["unit"].astype(str),
            "source": [pages.cite(r) for _, r in rows.iterrows()],
            "note": rows["note"].fillna("").astype(str),
        }
    )
    out.index = pd.Index(rows["figure_id"].astype(str), name="figure id")
    return out


def _by_site_chart(rows: pd.DataFrame, exhibit: str) -> plots.Figure | None:
    """A bar chart by site when an exhibit gives one measure for several pilot sites."""
    sited = rows[rows["site"].isin(published.PILOT_SITES)]
    if sited.empty:
        return None
    total_rows = sited[sited["category"].fillna("").isin(["", "total"])]
    for measure, grp in total_rows.groupby("measure", sort=False):
        if grp["site"].nunique() >= 2 and len(grp) == grp["site"].nunique():
            unit = str(grp["unit"].iloc[0])
            fig, ax = plots.new_figure(figsize=(7, 3))
            names = grp["site"].str.replace("_", " ").str.title()
            colours = [plots.SITE_COLOURS.get(s, plots.PALETTE[0]) for s in grp["site"]]
            ax.bar(names, grp["value"], color=colours)
            plots.bar_labels(ax)
            label = str(measure).replace("_", " ")
            plots.finish(
                fig,
                ax,
                title=f"{exhibit}: {label} by site",
                xlabel="Pilot site",
                ylabel=f"{label} ({unit})",
                source="; ".join(sorted({pages.cite(r) for _, r in grp.iterrows()})),
                alt=(
                    f"Bar chart of {label} by pilot site as published: "
                    + ", ".join(f"{n} {v:,.0f}" for n, v in zip(names, grp["value"], strict=True))
                    + f" ({unit})."
                ),
            )
            return fig
    return None


def exhibit(exhibit_id: str) -> Published:
    """Everything the reports publish in their text for one exhibit, with sources.

    Parameters
    ----------
    exhibit_id
        ``E1`` to ``E22`` (keys of :data:`EXHIBIT_TITLES`).

    Returns
    -------
    Published
        Rows (all published figures of the exhibit), a table (:func:`figure_table`) or
        ``None`` when the text gives no figures, a bar chart by site where the exhibit gives
        one measure for several pilot sites, and ``values``: ``n_figures``, ``only_in_chart``
        (what is only in the reports' charts, from ``NOT_IN_TEXT.md``, or ``""``) and
        ``structured`` (the file holding the exhibit's figures when they are a table of their
        own, or ``""``).

    Raises
    ------
    KeyError
        ``exhibit_id`` is not an exhibit of DOMAIN.md.

    """
    title = f"{exhibit_id}: {EXHIBIT_TITLES[exhibit_id]}"
    rows = figures()
    rows = rows[rows["exhibit"] == exhibit_id].reset_index(drop=True)
    values = {
        "n_figures": len(rows),
        "only_in_chart": not_in_text().get(exhibit_id, ""),
        "structured": STRUCTURED.get(exhibit_id, ""),
    }
    if rows.empty:
        return Published(title, rows, values=values)
    return Published(
        title, rows, table=figure_table(rows), figure=_by_site_chart(rows, exhibit_id),
        values=values,
    )


def tensions() -> Published:
    """Published figures whose note says the reports contradict themselves, side by side.

    Returns
    -------
    Published
        The rows, a table (site, period, measure, value, unit, source, note) and ``values``
        ``n_figures``; both figures of each contradiction are kept, neither is resolved.

    """
    rows = figures()
    mask = rows["note"].fillna("").str.contains(r"contradict|tension|vs ", case=False, regex=True)
    rows = rows[mask].reset_index(drop=True)
    title = "Where the reports disagree with themselves"
    if rows.empty:
        return Published(title, rows, values={"n_figures": 0})
    table = figure_table(rows)[["site", "period", "measure", "value", "unit", "source", "note"]]
    return Published(title, rows, table=table, values={"n_figures": len(rows)})


def _source_rows(df: pd.DataFrame, exhibit_id: str, value: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "exhibit": exhibit_id,
            "value": value.astype(str).to_numpy(),
            "source_file": df["source_file"].to_numpy(),
            "source_section": df["source_section"].to_numpy(),
            "source_quote": (
                df["source_quote"].fillna("").to_numpy() if "source_quote" in df else ""
            ),
        }
    )


def kpis() -> Published:
    """E16: the five KPIs with targets, quasi-baselines, year 1 and year 2 values and caveats.

    Returns
    -------
    Published
        Rows with sources, a table indexed by KPI and ``values`` ``n_kpis``.

    """
    k = published.load_kpis(data_dir=data_dir())
    table = k[
        [
            "kpi",
            "indicator",
            "target_year3",
            "quasi_baseline_text",
            "year1_text",
            "year2_text",
            "caveat",
        ]
    ].set_index("kpi")
    rows = _source_rows(k, "E16", k["kpi"])
    return Published("E16: Key performance indicators", rows, table=table,
                     values={"n_kpis": len(k)})


def coordination_features(site: str | None = None) -> Published:
    """E4: key features of coordination (network, referral system, resource, legitimacy).

    Parameters
    ----------
    site
        One site id, or ``None`` for all pilot sites.

    Returns
    -------
    Published
        Rows with sources (value = site, feature and status), a table of status by site,
        feature and timepoint in reader labels, and ``values`` ``n_sites``.

    """
    cf = published.load_coordination_features(data_dir=data_dir())
    if site is not None:
        cf = cf[cf["site"] == site]
    labelled = cf.assign(
        site=cf["site"].map(site_label),
        feature=cf["feature"].str.replace("_", " "),
        status=cf["status"].str.replace("_", " "),
        timepoint=cf["timepoint"].map(timepoint_labels()).fillna(cf["timepoint"]),
    )
    wide = labelled.pivot_table(
        index=["site", "feature"], columns="timepoint", values="status", aggfunc="first"
    )
    wide.columns.name = None
    # the reports' words for the latest timepoint: a tick's colour (long-term, early stage,
    # planned) is only in the charts, but where the text gives it, it is in these words
    latest = labelled[labelled["timepoint"] == labelled["timepoint"].iloc[-1]] if len(
        labelled) else labelled
    words = latest.set_index(["site", "feature"])["detail"].fillna("")
    wide["the report's words (latest)"] = words.reindex(wide.index).fillna("").to_numpy()
    value = labelled["site"] + ", " + labelled["feature"] + ", " + labelled["timepoint"] + ": " \
        + labelled["status"]
    rows = _source_rows(cf.assign(source_quote=""), "E4", value)
    return Published("E4: Key features of coordination", rows, table=wide,
                     values={"n_sites": int(cf["site"].nunique())})


def assumptions() -> Published:
    """E17: the year 2 logic model's assumptions and the evaluators' verdicts.

    Returns
    -------
    Published
        Rows with sources, a table indexed by assumption id and ``values`` ``n_assumptions``.

    """
    a = published.load_assumptions(data_dir=data_dir())
    table = a[["assumption_id", "assumption", "verdict_short", "verdict_text"]].set_index(
        "assumption_id"
    )
    rows = _source_rows(a, "E17", a["assumption_id"].astype(str) + ": " + a["verdict_short"])
    return Published("E17: Assumptions of the year 2 logic model", rows, table=table,
                     values={"n_assumptions": len(a)})
