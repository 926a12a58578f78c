"""Building blocks of the book's pages: context, published tables and charts, citations.

Notebooks stay thin: each code cell calls one function from here (or from an analysis module)
and shows what it returns; the prose lives in the notebooks' Markdown cells. Reading phrases
of the published-figures steps are in :mod:`ccs_methods.report.published_readings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ccs_methods.data.params import Params, ProgrammeYear, Site
from ccs_methods.report import plots

SOURCE_COLUMNS = ["source_file", "source_section", "source_quote"]

#: Human names of the seed report files cited as sources.
REPORT_NAMES: dict[str, str] = {
    "000_edc12c9fa5e8f842.txt": "Year 2 pilot-site snapshot: Oldham",
    "001_06afea370260a111.txt": "Year 2 evaluation, executive summary (Dec 2021)",
    "002_54b7c9cad1604105.txt": "Year 1 evaluation, executive summary",
    "003_be4685d4f24850f1.txt": "Year 2 evaluation, full report",
    "004_e00ec04de64d96ca.txt": "Year 1 executive summary and Norfolk case paper",
}


@dataclass(frozen=True)
class PageContext:
    """What a site-year page needs to know about its site and year."""

    site: Site
    year: ProgrammeYear
    params: Params

    @property
    def title(self) -> str:
        """Page title, e.g. ``Norfolk: Year 2``."""
        return f"{self.site.display_name}: {self.year.label}"

    def has(self, dataset: str) -> bool:
        """Whether params say ``dataset`` exists for this site and year."""
        return self.site.has(dataset, self.year.number)

    def period_text(self) -> str:
        """The year's dates in words."""
        return f"{self.year.start:%-d %B %Y} to {self.year.end:%-d %B %Y}"


def setup_display() -> None:
    """Notebook display options: show whole cells (sources are long), no truncated tables."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)
    plots.set_theme()


def page_context(params: Params, site: str, year: int) -> PageContext:
    """Validate ``site`` and ``year`` against params and return the page context."""
    return PageContext(site=params.site(site), year=params.programme.year(year), params=params)


def cite(row: pd.Series) -> str:
    """A short citation for one published figure: report name and section."""
    report = REPORT_NAMES.get(str(row["source_file"]), str(row["source_file"]))
    return f"{report}, {row['source_section']}"


def published_rows(
    figures: pd.DataFrame,
    *,
    exhibits: Iterable[str],
    site: str,
    year: int,
    units: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The published figures of some exhibits for one site and programme year."""
    sel = figures["exhibit"].isin(list(exhibits)) & (figures["site"] == site)
    sel &= figures["year"] == year
    if units is not None:
        sel &= figures["unit"].isin(list(units))
    return figures.loc[sel].reset_index(drop=True)


def display_table(df: pd.DataFrame, *, value_label: str) -> pd.DataFrame:
    """A reader-facing table: what, value, unit and source (report and section)."""
    category = df["category"].fillna("").astype(str)
    snake = category.str.fullmatch(r"[a-z0-9_]+")
    category = category.where(~snake, category.str.replace("_", " "))
    what = category.where(category != "", df["measure"].astype(str).str.replace("_", " "))
    out = pd.DataFrame(
        {
            "measure": df["measure"].astype(str).str.replace("_", " ").to_numpy(),
            value_label: [
                f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}" for v in df["value"]
            ],
            "unit": df["unit"].astype(str).to_numpy(),
            "source": [cite(r) for _, r in df.iterrows()],
        },
        index=pd.Index(what.to_numpy(), name="what"),
    )
    return out


def bar_chart(
    df: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    source: str,
    alt: str,
    colour: str | None = None,
    fmt: str = "{:,.0f}",
) -> plots.Figure:
    """A horizontal bar chart of ``df['what']`` against ``df['value']`` in the book style."""
    import seaborn as sns

    height = max(2.5, 0.45 * len(df) + 1.2)
    fig, ax = plots.new_figure(figsize=(8, height))
    grouped = "group" in df.columns and df["group"].nunique() > 1
    sns.barplot(
        data=df.reset_index(drop=True),
        x="value",
        y="what",
        hue="group" if grouped else None,
        palette=plots.PALETTE[: df["group"].nunique()] if grouped else None,
        color=None if grouped else (colour or plots.PALETTE[0]),
        orient="h",
        dodge=False,
        ax=ax,
    )
    if grouped and ax.get_legend_handles_labels()[0]:  # no empty-legend warning on pages
        ax.legend(loc="lower right", fontsize=plots.SMALL_PT, title=None)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    plots.bar_labels(ax, fmt=fmt)
    derived = df["derived"].fillna(False).astype(bool).to_numpy() if "derived" in df else None
    if derived is not None and derived.any():
        # a bar the book computed (a total minus its parts) is hatched and named as derived
        names = set(df.loc[derived, "what"].astype(str))
        labels = [t.get_text() for t in ax.get_yticklabels()]
        for patch in ax.patches:
            row = round(patch.get_y() + patch.get_height() / 2)
            if 0 <= row < len(labels) and labels[row] in names and patch.get_width() > 0:
                patch.set_hatch("//")
                patch.set_edgecolor("#333333")
        source = f"{source}. Hatched bar: derived by the book (published total minus parts)"
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel="", source=source, alt=alt,
                 data=df.reset_index(drop=True))
    return fig
