"""Referral-network sections of the book: the site-year pages and the programme network page.

The methods are in :mod:`ccs_methods.methods.network` (measures, bootstrap, figures) and
:mod:`ccs_methods.methods.disclosure` (cell suppression); their definitions are written out in
``book/methods/networks.md``. This module turns them into
:class:`~ccs_methods.analyses.published.Section`
objects that a notebook shows with :func:`ccs_methods.analyses.published.show_section`:

- :func:`network_section`: the referral network of one site in one programme year, compared
  with the previous programme year (or, for year 1, with the twelve months before CCS), or a
  note saying why the site has no referral data for that year;
- :func:`programme_network_sections`: the year 2 report's network exhibits regenerated from the
  NCAN records (E12, E13, E15, E6, calendar 2019 vs 2021) with intervals, published values and
  reconciliation notes, the network diagrams, and the THCAN summary (E7);
- :func:`computed_results`: ratios 2021 / 2019 with bootstrap intervals for the contribution
  analysis evidence register (``params/contribution/README.md``).

Disclosure control. Every table of referral counts shown here goes through
:func:`ccs_methods.methods.disclosure.suppress` with ``disclosure.threshold`` from
``params/analysis.yml``. Sector tables merge school, health and other organisations into one
group before suppressing (fewer small cells, and cells the report itself publishes are not
hidden as complements), treat their totals as public (``margins=False``, the cautious choice
since other tables on the page reveal some totals) and print the totals except small ones.
The sector heatmap (:func:`plot_flow_tables`) draws the same suppressed tables, and flows to
and from the LWA scheme are read off them, so every view hides the same cells. Reasons for
referral are suppressed with printed totals, acceptance counts with public totals. A share,
rate or change is shown only where the counts behind it are shown. Organisation-level tables
(statutory-to-statutory referrals) are suppressed too; with real extracts, network diagrams
leave out connections carrying fewer than threshold referrals.

Randomness. Every bootstrap uses :data:`BOOTSTRAP_SEED` and :data:`N_BOOT`, so every page and
every computed result is the same on every run. Heavy work is cached per process
(:func:`functools.lru_cache`), keyed on the params folder, the dataset and its source.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.analyses.published import Section
from ccs_methods.data import datasets
from ccs_methods.data.params import Params, load_params
from ccs_methods.errors import CCSInputError, MethodInputError
from ccs_methods.methods import disclosure, network
from ccs_methods.report import pages, plots
from ccs_methods.report.pages import PageContext

__all__ = [
    "BOOTSTRAP_SEED",
    "N_BOOT",
    "REPORT_YEARS",
    "RESULT_MEASURES",
    "SITE_MEASURES",
    "Window",
    "acceptance_table",
    "computed_results",
    "coverage",
    "grouped_flow_matrix",
    "network_section",
    "no_referral_data_note",
    "plot_flow_tables",
    "programme_network_sections",
    "reasons_reading",
    "reasons_table",
    "sector_flow_tables",
    "vcs_nas_reading",
    "year_windows",
]

#: Seed of every bootstrap on the network pages (``numpy.random.default_rng``).
BOOTSTRAP_SEED = 20211210
#: Seed of the spring layout of the network diagrams (one layout per dataset).
LAYOUT_SEED = 1
#: Bootstrap replicates per interval.
N_BOOT = 2000
#: The calendar years the year 2 report compares for NCAN (E12, E15, E6).
REPORT_YEARS = (2019, 2021)
#: Column holding the period label of each referral on the site-year pages.
PERIOD = "period"

NCAN = "referrals_ncan"
THCAN = "referrals_thcan"
REPORT_FILE = "003_be4685d4f24850f1.txt"

#: Measures in the site-year table: (measure name in ``ccs_methods.methods.network``, label, kind).
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

#: Computed results for the evidence register: result id -> NCAN measure (2021 vs 2019).
RESULT_MEASURES: dict[str, str] = {
    "network.ncan.connections_ratio": "connections",
    "network.ncan.statutory_to_vcs_ratio": "flow_statutory_to_vcs",
    "network.ncan.vcs_to_nas_ratio": "flow_vcs_to_lwa",
    "network.ncan.nas_to_vcs_ratio": "flow_lwa_to_vcs",
    "network.ncan.connections_per_organisation_ratio": "connections_per_organisation",
    "network.ncan.referrals_to_vcs_ratio": "referrals_to_vcs",
    "network.ncan.statutory_referring_organisations_ratio": "referring_organisations_statutory",
    "network.ncan.vcs_referring_organisations_ratio": "referring_organisations_vcs",
}

#: Why a site has no referral records, where the reports say (keyed by site id).
NO_SYSTEM_REASONS: dict[str, str] = {
    "oldham": (
        "OCAN, the Oldham Community Advice Network, was created by CCS (50 members by the end "
        "of year 2). Its referral system, designed with the CCS team, was onboarding its first "
        "user agencies when the year 2 report was written, so no referral records exist yet "
        "(report 003, key finding 3)."
    ),
    "swansea": (
        "The Swansea Neath Port Talbot Regional Advice Network has made the case for a "
        "referral system, and a small number of organisations have offered to manage it; the "
        "system is planned but not live, so there are no referral records (report 003, key "
        "finding 3)."
    ),
}

_QUALITATIVE = {
    "E6": (
        "Key finding 3 (continued), Figure 2.5: Reasons for referrals in Norfolk, change over time",
        "The nature of referrals in the NCAN referral data has changed from 2019 to 2021 (the "
        "period of the CCS programme). This is thought to be for a number of reasons including "
        "an increase in the number of households experiencing debt due to the Covid-19 "
        "Pandemic.",
    ),
    "E13": (
        "Key finding 9, Figure 2.11: Referrals between statutory agencies in Norfolk in 2021",
        "In Norfolk, statutory services (including agencies commissioned to delivery statutory "
        "services) are using the referral system to refer to one another.",
    ),
}


# --------------------------------------------------------------------------------------------
# Periods and coverage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A period of referrals shown on a page.

    Attributes
    ----------
    short
        Short name, e.g. ``"Year 2"`` or ``"Pre-CCS"``.
    start, end
        Inclusive dates.
    """

    short: str
    start: dt.date
    end: dt.date

    @property
    def span(self) -> str:
        """The months in words, e.g. ``Oct 2020 to Sep 2021``."""
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def label(self) -> str:
        """Short name and months, e.g. ``Year 2 (Oct 2020 to Sep 2021)``."""
        return f"{self.short} ({self.span})"

    def months(self) -> pd.PeriodIndex:
        """The calendar months the window spans."""
        return pd.period_range(self.start, self.end, freq="M")


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def year_windows(params: Params, site_id: str, year: int) -> tuple[Window, Window | None]:
    """The programme year and the period it is compared with on a site-year page.

    Parameters
    ----------
    params
        Loaded params (dates from ``params/programme.yml``).
    site_id
        A site id.
    year
        Programme year number.

    Returns
    -------
    (Window, Window or None)
        The programme year, and the comparison: the previous programme year if the site has
        referral data for it; for year 1, the same number of months just before year 1
        ("pre-CCS") if the site has pre-CCS referral data (year 0 in its params); otherwise
        ``None``.

    """
    site = params.site(site_id)
    y = params.programme.year(year)
    current = Window(y.label, y.start, y.end)
    if year > 1:
        if not site.has("referrals", year - 1):
            return current, None
        p = params.programme.year(year - 1)
        return current, Window(p.label, p.start, p.end)
    if not site.has("referrals", 0):
        return current, None
    n = _months_between(y.start, y.end)
    start = (pd.Timestamp(y.start) - pd.DateOffset(months=n)).date()
    return current, Window("Pre-CCS", start, y.start - dt.timedelta(days=1))


def coverage(df: pd.DataFrame, window: Window) -> dict[str, Any]:
    """Which months of a window have referrals.

    Parameters
    ----------
    df
        Cleaned referrals (``date`` as datetime64).
    window
        The period.

    Returns
    -------
    dict
        ``n_referrals``; ``months_in_period``; ``months_with_data``; ``first`` and ``last``
        (ISO dates of the first and last referral, or ``None``); ``partial`` (True when some
        months of the window have no referral); ``text`` (one sentence).

    """
    sel = (df["date"] >= pd.Timestamp(window.start)) & (
        df["date"] < pd.Timestamp(window.end) + pd.Timedelta(days=1)
    )
    part = df.loc[sel, "date"]
    months = window.months()
    have = pd.PeriodIndex(part.dt.to_period("M").unique(), freq="M").sort_values()
    n_in, n_have = len(months), len(have)
    first = part.min() if len(part) else None
    last = part.max() if len(part) else None
    partial = n_have < n_in
    if n_have == 0:
        text = f"No referrals are recorded in {window.label}."
    elif partial:
        text = (
            f"**Partial year:** referrals are recorded in {n_have} of the {n_in} months of "
            f"{window.label}, from {first:%-d %B %Y} to {last:%-d %B %Y}."
        )
    else:
        text = f"Referrals are recorded in all {n_in} months of {window.label}."
    return {
        "n_referrals": len(part),
        "months_in_period": n_in,
        "months_with_data": n_have,
        "first": None if first is None else first.date().isoformat(),
        "last": None if last is None else last.date().isoformat(),
        "partial": bool(partial),
        "text": text,
    }


def _in_window(df: pd.DataFrame, window: Window) -> pd.DataFrame:
    sel = (df["date"] >= pd.Timestamp(window.start)) & (
        df["date"] < pd.Timestamp(window.end) + pd.Timedelta(days=1)
    )
    return df.loc[sel]


# --------------------------------------------------------------------------------------------
# Data, cached per process
# --------------------------------------------------------------------------------------------

_Key = tuple[str, str, str, str]


def _key(params: Params, name: str) -> _Key:
    source = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    return (str(Path(params.root).resolve()), name, source, os.environ.get("CCS_DATA_DIR", ""))


@functools.lru_cache(maxsize=4)
def _params(params_dir: str) -> Params:
    return load_params(params_dir)


@functools.lru_cache(maxsize=8)
def _cleaned(key: _Key) -> tuple[pd.DataFrame, network.CleaningReport]:
    params = _params(key[0])
    raw = datasets.load_record(params, key[1])
    from ccs_methods.data import records

    file_name = records.DATASETS[key[1]].file_name
    return network.clean_referrals(raw, source_file=f"data/{key[2]}/{file_name}")


@functools.lru_cache(maxsize=8)
def _layout(key: _Key) -> dict[str, tuple[float, float]]:
    """Node positions on the union of every period of a dataset: one map for the whole book."""
    clean, _ = _cleaned(key)
    return network.network_layout({"all": clean}, seed=LAYOUT_SEED)


def _source_line(name: str, synthetic: bool) -> str:
    short = name.replace("referrals_", "").upper()
    kind = "synthetic stand-in" if synthetic else "record-level extract"
    return f"{short} referral records ({kind}, `{name}`)"


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------

MARK = disclosure.DEFAULT_MARKER


def _fmt(value: float | int | None, kind: str) -> str:
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


def _poisson_ci(k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count."""
    from scipy.stats import chi2

    a = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(chi2.ppf(a, 2 * k) / 2)
    high = float(chi2.ppf(1 - a, 2 * k + 2) / 2)
    return low, high


def _yoy(df: pd.DataFrame, measure: str, a: Hashable, b: Hashable, period: str) -> dict[str, Any]:
    """``network.yoy_change`` with the page seed; an ``error`` entry when it is undefined."""
    try:
        return network.yoy_change(df, measure, a, b, N_BOOT, seed=BOOTSTRAP_SEED, period=period)
    except MethodInputError as exc:
        return {"measure": measure, "error": str(exc)}


# --------------------------------------------------------------------------------------------
# Tables with disclosure control
# --------------------------------------------------------------------------------------------


#: Sector groups of the published sector tables: school, health and other are merged so that
#: fewer cells are small (merging categories before suppressing is standard disclosure
#: practice, and keeps cells the report publishes, such as NAS -> VCS, from being hidden as
#: complements of a small health or school cell).
SECTOR_GROUPS: dict[str, str] = {
    "vcs": "vcs", "statutory": "statutory", "lwa": "lwa",
    "school": "other", "health": "other", "other": "other",
}
#: Display names of the sector groups.
GROUP_LABELS: dict[str, str] = {
    "vcs": "VCS", "statutory": "Statutory", "lwa": "LWA scheme",
    "other": "Other (school, health, other)",
}
_GROUPS = ("vcs", "statutory", "lwa", "other")
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
    out = grouped.reindex(index=list(_GROUPS), columns=list(_GROUPS), fill_value=0).astype(int)
    out.index.name, out.columns.name = "from_sector", "to_sector"
    return out


def sector_flow_tables(
    parts: Mapping[Hashable, pd.DataFrame], threshold: int
) -> dict[Hashable, tuple[pd.DataFrame, disclosure.SuppressionReport]]:
    """Referrals between sector groups per period, with disclosure control.

    Each table (sector groups of :data:`SECTOR_GROUPS` on both axes, totals printed) goes
    through ``suppress(..., margins=True)``: small cells and small totals are hidden, and
    complementary cells (totals included) until nothing hidden can be worked out. Other
    tables on a page must then hide what these tables hide (see :func:`hidden_totals`).

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
    out = {}
    for label, part in parts.items():
        out[label] = disclosure.suppress(grouped_flow_matrix(part), threshold, margins=True,
                                         total_label=TOTAL)
    return out


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
        made are hidden, "all": {"all"} if the grand total is hidden}``. Any other table that
        would reveal one of these (an acceptance row, a measure) must hide it too.

    """
    col = table.loc[TOTAL]
    row = table[TOTAL]
    return {
        "to": {str(g) for g in col.index if g != TOTAL and pd.isna(col[g])},
        "from": {str(g) for g in row.index if g != TOTAL and pd.isna(row[g])},
        "all": {"all"} if pd.isna(table.loc[TOTAL, TOTAL]) else set(),
    }


def _relabel(table: pd.DataFrame) -> pd.DataFrame:
    out = table.rename(index=GROUP_LABELS, columns=GROUP_LABELS)
    out.index.name = "from \\ to"
    out.columns.name = None
    return out


def _show_counts(table: pd.DataFrame) -> pd.DataFrame:
    return _relabel(disclosure.format_suppressed(table))


def plot_flow_tables(
    tables: Mapping[Hashable, pd.DataFrame],
    *,
    title: str,
    source: str,
    synthetic: bool,
) -> plots.Figure:
    """Heatmap of suppressed sector-group tables, one panel per period.

    Draws exactly the cells of :func:`sector_flow_tables` (totals left out), so a table and
    its heatmap hide the same cells; suppressed cells are blank and marked ``[c]``.

    Parameters
    ----------
    tables
        ``{period label: table}`` from :func:`sector_flow_tables`.
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        With ``fig.alt_text`` and ``fig.data`` (period, from_sector, to_sector, referrals;
        NA where suppressed).

    """
    import seaborn as sns

    inner = {k: t.drop(index=TOTAL, columns=TOTAL) for k, t in tables.items()}
    vmax = max(float(t.astype("float64").max().max()) for t in inner.values())
    n = len(inner)
    fig, axes = plots.new_figure(1, n, figsize=(4.2 * n + 0.8, 4.6))
    axes = np.atleast_1d(axes).ravel()
    names = [GROUP_LABELS[g].split(" (")[0] for g in _GROUPS]
    summaries = []
    for i, (ax, (label, table)) in enumerate(zip(axes, inner.items(), strict=True)):
        values = table.astype("float64").to_numpy()
        annot = np.where(np.isnan(values), MARK,
                         np.vectorize(lambda v: f"{int(v):,}" if not np.isnan(v) else "")(values))
        sns.heatmap(pd.DataFrame(values, index=names, columns=names), ax=ax, cmap="viridis",
                    vmin=0, vmax=max(vmax, 1.0), annot=annot.astype(object), fmt="",
                    cbar=False, linewidths=0.5, linecolor="white", square=True,
                    annot_kws={"fontsize": 9})
        for r, c in np.argwhere(np.isnan(values)):
            ax.text(c + 0.5, r + 0.5, MARK, ha="center", va="center", fontsize=9,
                    color="#444444")
        ax.grid(False)
        ax.tick_params(axis="x", labelrotation=30)
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_title(str(label), fontsize=10)
        ax.set_xlabel("Receiving sector (referred to)")
        ax.set_ylabel("Referring sector (referred from)" if i == 0 else "")
        shown = table.stack().dropna().astype(int)
        (fs, ts), top = shown.idxmax(), int(shown.max())
        summaries.append(f"{label}: the largest flow is {GROUP_LABELS[fs]} to "
                         f"{GROUP_LABELS[ts]} ({top:,} referrals); "
                         f"{int(table.isna().to_numpy().sum())} cell(s) suppressed")
    fig.suptitle(title, fontweight="bold")
    line = f"Source: {source}. Other = school, health and other organisations."
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    fig.text(0.01, -0.02, line, ha="left", va="top", fontsize=8, color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Heatmap with the referring sector in rows and the receiving sector in "
        "columns (VCS, statutory, LWA scheme, other), lighter for more referrals, with the "
        "count printed in each cell; cells marked [c] are suppressed for confidentiality. "
        + "; ".join(summaries) + "."
    )
    fig.data = pd.concat(  # type: ignore[attr-defined]
        {k: t.stack(future_stack=True).rename("referrals") for k, t in inner.items()},
        names=["period"],
    ).reset_index()
    return fig


def reasons_table(
    df: pd.DataFrame,
    period: str,
    periods: Sequence[Hashable],
    threshold: int,
    *,
    seed: int = BOOTSTRAP_SEED,
    n_boot: int = N_BOOT,
    labels: Mapping[Hashable, str] | None = None,
) -> tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]:
    """Reasons for referral by period: suppressed counts, shares and change in share with CI.

    The counts table (reason x period, printed totals) goes through ``suppress``; a share is
    shown only where its count is, and the change in share between the first and last period
    (percentage points) only where both counts are. The 95% interval of the change is a
    Poisson bootstrap of referrals (each reason's count in a replicate is Poisson with the
    observed mean, which is what resampling each referral Poisson(1) times gives), percentile
    method, seeded.

    Parameters
    ----------
    df
        Cleaned referrals with a ``period`` column.
    period
        The column holding the period label.
    periods
        The periods to show, in order (one or more).
    threshold
        Disclosure threshold.
    seed, n_boot
        Bootstrap seed and replicates.
    labels
        Display names of the periods (default: ``str(period)``).

    Returns
    -------
    (pandas.DataFrame, SuppressionReport, list of str)
        The display table (strings, reasons as index with reader labels from
        :func:`ccs_methods.methods.network.reason_label`, largest in the last period first, a
        ``Total`` row last), the suppression report, and the reasons with any suppressed
        cell (group these before drawing shares).

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
        rng = np.random.default_rng(seed)
        ca = counts[a].to_numpy(dtype=float)
        cb = counts[b].to_numpy(dtype=float)
        ra = rng.poisson(ca, size=(n_boot, len(ca)))
        rb = rng.poisson(cb, size=(n_boot, len(cb)))
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = 100 * (rb / rb.sum(axis=1, keepdims=True) - ra / ra.sum(axis=1, keepdims=True))
        low, high = np.nanpercentile(diff, [2.5, 97.5], axis=0)
        change = 100 * (cb / cb.sum() - ca / ca.sum())
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

    The counts (sector group x accepted/declined) go through ``suppress(..., margins=False)``
    (referrals to each group are public on the same page); a rate and its 95% Wilson interval
    (:func:`~ccs_methods.methods.network.acceptance_rates`) are shown only where neither count
    behind it
    is suppressed. The "All sectors" row is hidden where its counts are small. A table that
    cannot be protected (a single receiving group with a small count) is hidden whole.

    Parameters
    ----------
    df
        Cleaned referrals of one period.
    threshold
        Disclosure threshold.
    hidden
        :func:`hidden_totals` of the page's sector table for the same period: a receiving
        group whose total is hidden there is hidden whole here (its accepted + declined would
        give the total away), and so is the "All sectors" row if the grand total is hidden.

    Returns
    -------
    (pandas.DataFrame, SuppressionReport or None)
        Display table with ``accepted``, ``declined``, ``acceptance rate``, ``95% CI``
        (strings, ``[c]`` where suppressed), one row per receiving group plus
        ``All sectors``; the report is ``None`` when the table is hidden whole.

    """
    grouped = df.assign(to_group=df["to_sector"].map(SECTOR_GROUPS))
    rates = network.acceptance_rates(grouped, by="to_group")
    order = [g for g in _GROUPS if g in set(rates["to_group"])]
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


def _suppressed_note(threshold: int,
                     reports: Sequence[disclosure.SuppressionReport | None]) -> str:
    n_p = sum(len(r.primary) for r in reports if r is not None)
    n_s = sum(len(r.secondary) for r in reports if r is not None)
    if n_p + n_s == 0:
        return (f"No cell of these tables counts 1 to {threshold - 1} referrals, so nothing is "
                "suppressed.")
    return (f"Cells counting 1 to {threshold - 1} referrals are suppressed and shown as "
            f"`{MARK}` ({n_p} cell(s)), with {n_s} further cell(s) suppressed so that no hidden "
            "cell can be worked out from the totals (disclosure threshold "
            f"{threshold}, `params/programme.yml`; rule on the methods page).")


# --------------------------------------------------------------------------------------------
# Site-year page
# --------------------------------------------------------------------------------------------


def no_referral_data_note(ctx: PageContext) -> str:
    """The note shown where a site has no referral records for the year, saying why.

    Parameters
    ----------
    ctx
        The page context.

    Returns
    -------
    str
        A MyST ``note`` admonition.

    """
    site, year = ctx.site, ctx.year
    net = site.referral_network
    launch = net.referral_system_launch
    title = f"No referral data: {site.display_name}, {year.label}"
    if net.referral_dataset is None or launch is None:
        why = NO_SYSTEM_REASONS.get(
            site.id,
            f"{net.name} ({net.short_name}) has no live referral system in params "
            f"(`params/sites/{site.id}.yml`), so there are no referral records.",
        )
        body = (f"{site.display_name} has no referral system yet. {why} The network section "
                "fills in when a referral extract is added and listed in the site's params.")
        return pages.admonition("note", title, body)
    if launch > year.end:
        body = (f"The {net.short_name} referral system went live in {launch:%B %Y}, after "
                f"{year.label} ended ({year.end:%-d %B %Y}), so there are no referrals to "
                f"show for this year. The network from {launch:%B %Y} is on the page for the "
                "year it falls in.")
        return pages.admonition("note", title, body)
    years = site.datasets.get("referrals", [])
    listed = ", ".join("pre-CCS" if y == 0 else str(y) for y in years) or "none"
    body = (f"Params list {net.short_name} referral data for programme years {listed} "
            f"(`params/sites/{site.id}.yml`), not for {year.label}.")
    if years and year.number > max(years):
        body += (" No extract for this year has been added yet; the section fills in when "
                 "referral data for the year is added to `data/` and listed in the site's "
                 "params, and the book is rebuilt.")
        try:
            clean, _ = _cleaned(_key(ctx.params, net.referral_dataset))
            last = clean["date"].max()
            if pd.Timestamp(year.start) <= last:
                body += (f" The current extract ends on {last:%-d %B %Y}, part-way into "
                         f"{year.label}; a part-year is not shown until params list the year.")
        except CCSInputError:  # the extract's end date is extra detail; the note stands without
            pass
    return pages.admonition("note", title, body)


@dataclass
class _SiteYear:
    site_id: str
    year: int
    dataset: str
    synthetic: bool
    threshold: int
    current: Window
    comparison: Window | None
    data: pd.DataFrame  # cleaned referrals of the windows with a PERIOD column
    cleaning: str
    coverage: dict[str, dict[str, Any]]
    order: list[str]
    measures: pd.DataFrame
    yoy: dict[str, dict[str, Any]]
    flows: dict[str, tuple[pd.DataFrame, disclosure.SuppressionReport]] | None
    flows_error: str | None
    lwa: pd.DataFrame | None
    lwa_yoy: dict[str, dict[str, Any]]
    reasons: tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]
    acceptance: dict[str, tuple[pd.DataFrame, disclosure.SuppressionReport]]
    reconciliation: pd.DataFrame
    rows: pd.DataFrame
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def _published_network_rows(site_id: str, year: int, short_name: str) -> pd.DataFrame:
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    sel = fig["exhibit"].isin(["E7", "E10"]) & (fig["site"] == site_id) & (fig["year"] == year)
    sel &= fig["category"].fillna("").str.contains(short_name, case=False, regex=False)
    return fig.loc[sel].reset_index(drop=True)


def _published_window(period: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``2021-03/2021-09`` -> first day of the first month, last day of the last month."""
    try:
        a, b = str(period).split("/")
        start = pd.Period(a, freq="M").start_time
        end = pd.Period(b, freq="M").end_time.normalize()
    except (ValueError, TypeError):
        return None
    return start, end


def _reconcile_site(rows: pd.DataFrame, clean: pd.DataFrame,
                    default: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """Published counts for a site and year against the records.

    ``default`` is the window of a figure whose period is not a month range, e.g. "2021 (time
    of writing)".
    """
    out = []
    for _, r in rows.iterrows():
        win = _published_window(str(r["period"])) or default
        part = clean[(clean["date"] >= win[0]) & (clean["date"] <= win[1])]
        if len(part):
            win = (part["date"].min(), part["date"].max())
        measure = str(r["measure"])
        published = float(r["value"])
        span = f"{win[0]:%b %Y} to {win[1]:%b %Y}"
        if measure == "organisations_on_referral_system":
            computed = float(len(set(part["from_org"]).union(part["to_org"])))
            what = f"Organisations with a referral, {span} (report: organisations on the system)"
            basis = ("organisations that made or received a referral in the months the report's "
                     "count of referrals covers; the report counts organisations 'on the system' "
                     "at the time of writing")
        else:
            computed = float(len(part))
            what = f"Referrals, {span} (report: {measure.replace('_', ' ')})"
            basis = "referral records dated in the report's period"
            if measure == "people_referred":
                basis += ("; the report counts people, the records count referrals (a person "
                          "referred twice counts twice)")
        diff = computed - published
        if abs(diff) < 0.5:
            verdict = "reproduced"
        else:
            verdict = (f"differs by {diff:+,.0f} ({100 * diff / published:+.0f}%): a tension "
                       "in the report or a different count, kept visible")
        note = f"{verdict}; computed as {basis}."
        if isinstance(r.get("note"), str) and r["note"]:
            note += f" Report note: {_readable_note(str(r['note']))}"
        out.append({
            "what": what,
            "computed": f"{computed:,.0f}",
            "published": f"{published:,.0f} {r['unit']}",
            "source": pages.cite(r),
            "reconciliation": note,
        })
    frame = pd.DataFrame(out, columns=["what", "computed", "published", "source",
                                       "reconciliation"])
    return frame.set_index("what")


def _ratio_result(res: Mapping[str, Any], n: int) -> dict[str, Any] | None:
    if "error" in res:
        return None
    return {
        "ratio": float(res["value_b"] / res["value_a"]),
        "ci_low": float(1 + res["ci_low_pct"] / 100),
        "ci_high": float(1 + res["ci_high_pct"] / 100),
        "n": int(n),
        "value_a": res["value_a"],
        "value_b": res["value_b"],
        "period_a": res["year_a"],
        "period_b": res["year_b"],
        "measure": res["measure"],
        "n_boot": res["n_boot"],
        "seed": res["seed"],
        "method": res["method"],
    }


@functools.lru_cache(maxsize=32)
def _site_year(key: _Key, site_id: str, year: int) -> _SiteYear | None:
    params = _params(key[0])
    site = params.site(site_id)
    clean, report = _cleaned(key)
    current, comparison = year_windows(params, site_id, year)
    threshold = params.analysis.disclosure.threshold
    windows = [w for w in (comparison, current) if w is not None]
    cov = {w.label: coverage(clean, w) for w in windows}
    if cov[current.label]["n_referrals"] == 0:
        return None
    if comparison is not None and cov[comparison.label]["n_referrals"] == 0:
        comparison = None
        windows = [current]
    frames = [_in_window(clean, w).assign(**{PERIOD: w.label}) for w in windows]
    data = pd.concat(frames)
    order = [w.label for w in windows]
    parts = {w.label: data[data[PERIOD] == w.label] for w in windows}

    measures = network.measures_by_period(data, PERIOD).reindex(order)
    yoy: dict[str, dict[str, Any]] = {}
    if comparison is not None:
        for m, _, _ in SITE_MEASURES:
            yoy[m] = _yoy(data, m, comparison.label, current.label, PERIOD)

    try:
        flows: dict[str, tuple[pd.DataFrame, disclosure.SuppressionReport]] | None = {
            str(k): v for k, v in sector_flow_tables(parts, threshold).items()}
        flows_error = None
    except MethodInputError as exc:
        flows, flows_error = None, str(exc)

    lwa_name = site.lwa_scheme.short_name
    lwa, lwa_yoy = None, {}
    if flows is not None and any((p["from_sector"] == "lwa").any() or (p["to_sector"] == "lwa")
                                 .any() for p in parts.values()):
        lwa = _lwa_table(flows, lwa_name)
        if comparison is not None:
            a, b = comparison.label, current.label
            for m, (fs, ts) in {"flow_lwa_to_vcs": ("lwa", "vcs"),
                                "flow_vcs_to_lwa": ("vcs", "lwa")}.items():
                if all(not pd.isna(flows[w][0].loc[fs, ts]) for w in (a, b)):
                    lwa_yoy[m] = _yoy(data, m, a, b, PERIOD)

    reasons = reasons_table(data, PERIOD, order, threshold,
                            labels={w.label: w.short for w in windows})
    acceptance = {
        w.label: acceptance_table(
            parts[w.label], threshold,
            hidden=hidden_totals(flows[w.label][0]) if flows is not None else None)
        for w in windows}
    rows = _published_network_rows(site_id, year, site.referral_network.short_name)
    reconciliation = _reconcile_site(
        rows, clean, (pd.Timestamp(current.start), pd.Timestamp(current.end)))

    results: dict[str, dict[str, Any]] = {}
    for m in ("connections", "connections_per_organisation", "referrals_to_vcs"):
        if m in yoy:
            r = _ratio_result(yoy[m], yoy[m].get("n_referrals_a", 0)
                              + yoy[m].get("n_referrals_b", 0))
            if r is not None:
                results[f"network.{site_id}.y{year}.{m}_ratio"] = r
    return _SiteYear(
        site_id=site_id, year=year, dataset=key[1], synthetic=datasets.is_synthetic(params, key[1]),
        threshold=threshold, current=current, comparison=comparison, data=data,
        cleaning=report.summary(), coverage=cov, order=order, measures=measures, yoy=yoy,
        flows=flows, flows_error=flows_error, lwa=lwa, lwa_yoy=lwa_yoy, reasons=reasons,
        acceptance=acceptance, reconciliation=reconciliation, rows=rows, results=results,
    )


def _lwa_table(flows: Mapping[str, tuple[pd.DataFrame, disclosure.SuppressionReport]],
               lwa_name: str) -> pd.DataFrame:
    """Referrals made by and to the LWA scheme, read off the suppressed sector tables."""
    others = [g for g in _GROUPS if g != "lwa"]
    cols = {}
    for label, (table, _) in flows.items():
        vals = {}
        for g in others:
            vals[f"{lwa_name} → {GROUP_LABELS[g]}"] = table.loc["lwa", g]
        for g in others:
            vals[f"{GROUP_LABELS[g]} → {lwa_name}"] = table.loc[g, "lwa"]
        cols[label] = vals
    frame = pd.DataFrame(cols)
    frame = frame.astype("Int64")
    keep = ~(frame.fillna(1) == 0).all(axis=1)
    frame = frame.loc[keep]
    frame.index.name = "direction"
    return frame


def _diagram_parts(parts: Mapping[Hashable, pd.DataFrame], threshold: int,
                   synthetic: bool) -> tuple[dict[Hashable, pd.DataFrame], int]:
    """With real extracts, leave out connections carrying fewer than ``threshold`` referrals."""
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


def _hidden_measure(m: str, hidden: Mapping[str, set[str]] | None) -> bool:
    """Whether a count measure repeats a total that the sector table hides."""
    if not hidden:
        return False
    if m == "total_referrals":
        return bool(hidden.get("all"))
    for prefix, side in (("referrals_to_", "to"), ("referrals_from_", "from")):
        if m.startswith(prefix):
            return SECTOR_GROUPS.get(m[len(prefix):], "") in hidden.get(side, set())
    return False


def _measure_column(values: pd.Series, hidden: Mapping[str, set[str]] | None) -> list[str]:
    return [MARK if _hidden_measure(m, hidden) else _fmt(float(values[m]), kind)
            for m, _, kind in SITE_MEASURES]


def _measure_table(sy: _SiteYear) -> pd.DataFrame:
    hidden = {w: hidden_totals(sy.flows[w][0]) if sy.flows is not None else None
              for w in sy.order}
    rows = []
    for m, _label, kind in SITE_MEASURES:
        row: dict[str, str] = {}
        masked = False
        for w in sy.order:
            masked |= _hidden_measure(m, hidden[w])
            row[w] = MARK if _hidden_measure(m, hidden[w]) else _fmt(
                float(sy.measures.loc[w, m]), kind)
        if sy.comparison is not None:
            res = sy.yoy.get(m, {})
            if masked:
                row["change"] = MARK
                row["95% CI"] = MARK
            elif "error" in res or not res:
                row["change"] = "–"
                row["95% CI"] = "not estimable"
            else:
                row["change"] = _pct(res["change_pct"])
                row["95% CI"] = _ci_pct(res)
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index([lab for _, lab, _ in SITE_MEASURES],
                                              name="measure"))


def network_section(ctx: PageContext) -> Section:
    """The referral network of one site in one programme year.

    Shows, when params list referral data for the site and year: the months covered (partial
    years flagged); network measures for the year against the previous programme year (year 1:
    the twelve months before CCS) with bootstrap 95% intervals and the n of referrals and
    organisations; network diagrams with the same node positions in every panel; referrals
    between sectors, to and from the LWA scheme, reasons for referral and their change, and
    acceptance rates with Wilson intervals, all with disclosure control; and a reconciliation
    with the published figures for the site and year (E7, E10). Otherwise a note says why
    there is no referral data.

    Parameters
    ----------
    ctx
        The page context (:func:`ccs_methods.report.pages.page_context`).

    Returns
    -------
    Section
        ``rows`` holds the published figures reconciled (so their sources are listed);
        ``results`` the ratios (this year / comparison) of connections, connections per
        organisation and referrals to the VCS, with intervals.

    """
    site, year = ctx.site, ctx.year
    net = site.referral_network
    title = f"Referral network, {site.display_name}, {year.label}"
    empty = pd.DataFrame()
    if not (ctx.has("referrals") and net.referral_dataset):
        return Section(title, empty, note=no_referral_data_note(ctx))
    key = _key(ctx.params, net.referral_dataset)
    sy = _site_year(key, site.id, year.number)
    if sy is None:
        body = (f"Params list {net.short_name} referral data for {year.label}, but the extract "
                f"(`{net.referral_dataset}`) has no referral dated {ctx.period_text()}.")
        return Section(title, empty, note=pages.admonition(
            "warning", f"No referrals in the data: {site.display_name}, {year.label}", body))

    cur = sy.current.label
    m_cur = sy.measures.loc[cur]
    text = [
        f"**Data.** {_source_line(sy.dataset, sy.synthetic)}: {sy.cleaning} "
        "Cleaning rules are on the methods page.",
        " ".join(c["text"] for c in sy.coverage.values()),
    ]
    launch = net.referral_system_launch
    if sy.coverage[cur]["partial"] and launch and year.start < launch <= year.end:
        text.append(f"The {net.short_name} referral system went live in {launch:%B %Y}, so "
                    f"{year.label} holds {sy.coverage[cur]['months_with_data']} months of "
                    "referrals, not 12: counts are not comparable with a full year.")
    n_text = (f"**n.** {year.label}: {int(m_cur['total_referrals']):,} referrals among "
              f"{int(m_cur['organisations']):,} organisations")
    if sy.comparison is not None:
        m_cmp = sy.measures.loc[sy.comparison.label]
        n_text += (f"; {sy.comparison.label}: {int(m_cmp['total_referrals']):,} referrals among "
                   f"{int(m_cmp['organisations']):,} organisations.")
        basis = ("the twelve months before CCS started" if sy.comparison.short == "Pre-CCS"
                 else f"the previous programme year ({sy.comparison.label})")
        text.append(n_text)
        con = sy.yoy.get("connections", {})
        cpo = sy.yoy.get("connections_per_organisation", {})
        reading = (f"**Reading.** {year.label} is compared with {basis}. Changes are percent "
                   "changes with 95% bootstrap intervals (referrals resampled within each "
                   f"period, {N_BOOT:,} replicates, seed {BOOTSTRAP_SEED}).")
        if "error" not in con and con:
            reading += (f" Connections changed by {_pct(con['change_pct'])} "
                        f"({_ci_pct(con)}), connections per organisation by "
                        f"{_pct(cpo['change_pct'])} ({_ci_pct(cpo)}).")
        reading += (" Intervals cover chance variation in referrals only; they say nothing "
                    "about whether CCS caused a change (see the contribution analysis).")
        if any(c["partial"] for c in sy.coverage.values()):
            reading += " One of the periods is a part-year: compare shares and ratios, not counts."
        text.append(reading)
    else:
        text.append(n_text + ".")
        text.append(f"There is no earlier {net.short_name} referral data to compare "
                    f"{year.label} with, so the network is shown as it is, without change "
                    "or intervals.")
    if site.id == "norfolk":
        text.append("The report's own comparison (calendar 2019 against 2021: exhibits E12, "
                    "E13, E15 and E6) is regenerated on the programme page *Referral "
                    "networks*.")

    extra: list[tuple[str, pd.DataFrame]] = []
    figures: list[plots.Figure] = []
    reports: list[disclosure.SuppressionReport] = []
    src = _source_line(sy.dataset, sy.synthetic).replace("`", "")

    # Network diagram, same node positions in every panel (and on every page of the site).
    parts = {w: sy.data[sy.data[PERIOD] == w] for w in sy.order}
    shown, dropped = _diagram_parts(parts, sy.threshold, sy.synthetic)
    if shown:
        positions = _layout(key)
        figures.append(network.plot_network(
            shown, positions=positions, period="period",
            title=f"{net.short_name} referral network, {site.display_name}",
            source=src, synthetic=sy.synthetic))
        if dropped:
            text.append(f"The diagram leaves out {dropped} connection(s) carrying fewer than "
                        f"{sy.threshold} referrals (disclosure control).")

    # Sector flows.
    if sy.flows is not None:
        for w in sy.order:
            table, rep = sy.flows[w]
            reports.append(rep)
            extra.append((f"Referrals between sectors, {w} (rows: referring sector)",
                          _show_counts(table)))
        figures.append(plot_flow_tables(
            {w: sy.flows[w][0] for w in sy.order},
            title=f"Referrals between sectors, {site.display_name}", source=src,
            synthetic=sy.synthetic))
    else:
        text.append(f"The sector-by-sector table is not shown: {sy.flows_error}")

    # LWA flows.
    lwa_name = site.lwa_scheme.short_name
    if sy.lwa is not None:
        lwa = sy.lwa.astype("object").map(lambda v: MARK if pd.isna(v) else f"{int(v):,}")
        if sy.lwa_yoy:
            chg, ci = [], []
            for idx in lwa.index:
                m = ("flow_lwa_to_vcs" if idx == f"{lwa_name} → {GROUP_LABELS['vcs']}" else
                     "flow_vcs_to_lwa" if idx == f"{GROUP_LABELS['vcs']} → {lwa_name}" else None)
                res = sy.lwa_yoy.get(m or "", {})
                if not res:
                    chg.append("")
                    ci.append("")
                elif "error" in res:
                    chg.append("–")
                    ci.append("not estimable (small base)")
                else:
                    chg.append(_pct(res["change_pct"]))
                    ci.append(_ci_pct(res))
            lwa["change"] = chg
            lwa["95% CI"] = ci
        extra.append((f"Referrals made by and to the {site.lwa_scheme.name} ({lwa_name})", lwa))
    else:
        text.append(f"No referral in these periods was made by or to the {lwa_name}.")

    # Reasons.
    rtable, rrep, hidden = sy.reasons
    reports.append(rrep)
    extra.append(("Reasons for referral: counts, shares and change in share", rtable))
    grouped = sy.data.assign(reason=sy.data["reason"].where(~sy.data["reason"].isin(hidden),
                                                            "smaller reasons (grouped)"))
    figures.append(network.plot_reasons(
        grouped, period=PERIOD, top_n=int(grouped["reason"].nunique()),
        title=f"Reasons for referral, {site.display_name}", source=src, synthetic=sy.synthetic))

    # Acceptance.
    for w in sy.order:
        atable, arep = sy.acceptance[w]
        reports.append(arep)
        extra.append((f"Referrals accepted by receiving sector, {w} (95% Wilson intervals)",
                      atable))

    text.append("**Disclosure control.** " + _suppressed_note(sy.threshold, reports)
                + " Sector tables merge school, health and other organisations; a measure or "
                "acceptance row that would reveal a total the sector table hides is hidden too."
                + (" Reasons with a suppressed count are grouped in the reasons chart."
                   if hidden else ""))

    # Reconciliation with the published figures.
    if not sy.reconciliation.empty:
        extra.append(("Reconciliation with the published figures", sy.reconciliation))

    table = _measure_table(sy)
    return Section(
        title,
        sy.rows,
        table=table,
        banner=pages.synthetic_banner([sy.dataset]) if sy.synthetic else None,
        markdown=text,
        extra_tables=extra,
        figures=figures,
        results=dict(sy.results),
    )


# --------------------------------------------------------------------------------------------
# Programme page
# --------------------------------------------------------------------------------------------


@dataclass
class _Programme:
    synthetic: bool
    threshold: int
    clean: pd.DataFrame  # NCAN with a 'year' column
    cleaning: str
    by_year: pd.DataFrame
    yoy: dict[str, dict[str, Any]]
    flows: dict[int, tuple[pd.DataFrame, disclosure.SuppressionReport]]
    lwa: pd.DataFrame
    s2s: dict[int, pd.DataFrame]
    s2s_matrix: tuple[pd.DataFrame, disclosure.SuppressionReport] | None
    reasons: tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]
    reasons_all: tuple[pd.DataFrame, disclosure.SuppressionReport, list[str]]
    last_date: pd.Timestamp


@functools.lru_cache(maxsize=4)
def _programme(key: _Key) -> _Programme:
    params = _params(key[0])
    clean, report = _cleaned(key)
    clean = clean.assign(year=network.period_labels(clean, "year"))
    a, b = REPORT_YEARS
    threshold = params.analysis.disclosure.threshold
    by_year = network.measures_by_period(clean, "year")
    measures = {*RESULT_MEASURES.values(), "flow_statutory_to_statutory", "organisations"}
    yoy = {m: _yoy(clean, m, a, b, "year") for m in sorted(measures)}
    years = sorted(clean["year"].unique().tolist())
    parts = {int(y): clean[clean["year"] == y] for y in years}
    flows = {int(k): v for k, v in sector_flow_tables(parts, threshold).items()}
    lwa = network.lwa_flows(clean, "year")
    s2s = {y: network.statutory_to_statutory(parts[y]) for y in (a, b) if y in parts}
    s2s_matrix = None
    if b in s2s and not s2s[b].empty:
        mat = s2s[b].pivot_table(index="from_org", columns="to_org", values="referrals",
                                 aggfunc="sum", fill_value=0).astype(int)
        s2s_matrix = disclosure.suppress(mat, threshold, margins=True)
    reasons = reasons_table(clean, "year", [a, b], threshold)
    reasons_all = reasons_table(clean, "year", years, threshold)
    return _Programme(
        synthetic=datasets.is_synthetic(params, key[1]), threshold=threshold, clean=clean,
        cleaning=report.summary(), by_year=by_year, yoy=yoy, flows=flows, lwa=lwa, s2s=s2s,
        s2s_matrix=s2s_matrix, reasons=reasons, reasons_all=reasons_all,
        last_date=clean["date"].max(),
    )


def _figure_rows(exhibit: str) -> pd.DataFrame:
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    return fig[fig["exhibit"] == exhibit].reset_index(drop=True)


def _qualitative_row(exhibit: str) -> pd.DataFrame:
    """A published statement without numbers, as a row with the source columns of figures.csv."""
    section, quote = _QUALITATIVE[exhibit]
    return pd.DataFrame([{
        "figure_id": f"{exhibit}-norfolk-statement", "exhibit": exhibit, "site": "norfolk",
        "year": pd.NA, "period": "2019/2021", "measure": "statement", "category": "",
        "value": np.nan, "unit": "text", "source_file": REPORT_FILE, "source_section": section,
        "source_quote": quote,
        "note": "no number in the report text (data/published/NOT_IN_TEXT.md)",
    }])


def _pick(rows: pd.DataFrame, measure: str, category: str | None = None) -> pd.Series:
    sel = rows["measure"] == measure
    if category is not None:
        sel &= rows["category"] == category
    found = rows.loc[sel]
    if found.empty:
        raise MethodInputError(f"no published figure {measure!r} ({category}) in figures.csv",
                               column="measure")
    return found.iloc[0]


def _figure(figure_id: str) -> pd.Series:
    """One published figure by its ``figure_id`` (value and source columns of figures.csv)."""
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    found = fig.loc[fig["figure_id"] == figure_id]
    if found.empty:
        raise MethodInputError(f"no published figure {figure_id!r} in figures.csv",
                               column="figure_id")
    return found.iloc[0]


def _pub(row: pd.Series, kind: str) -> str:
    """A published value formatted for prose: ``pct`` (+80%), ``count`` (3,040), ``ratio``."""
    v = float(row["value"])
    if kind == "pct":
        return f"{v:+.0f}%"
    if kind == "count":
        return f"{v:,.0f}"
    return f"{v:.1f}"


def _readable_note(note: str) -> str:
    """Replace figure ids (``E05-norfolk-...``) in a published note by a citation."""
    import re

    from ccs_methods.data.published import load_figures

    ids = set(load_figures()["figure_id"])

    def sub(m: re.Match[str]) -> str:
        return pages.cite(_figure(m.group(0))) if m.group(0) in ids else m.group(0)

    return re.sub(r"\bE\d{2}-[A-Za-z0-9_\-]+", sub, note)


def _direction(a: float, b: float, up: str = "rose", down: str = "fell",
               same: str = "did not change") -> str:
    return up if b > a else down if b < a else same


def vcs_nas_reading(res: Mapping[str, Any], published: pd.Series, threshold: int) -> str:
    """The reading of the VCS -> NAS change (E15), written from the computed values.

    Parameters
    ----------
    res
        :func:`ccs_methods.methods.network.yoy_change` result for ``flow_vcs_to_lwa`` (or a dict
        with an ``error`` entry).
    published
        The figures.csv row of the report's percent change.
    threshold
        Disclosure threshold: counts below it are not printed.

    Returns
    -------
    str
        Direction of change, whether the report's figure is reproduced, and whether the 95%
        interval excludes no change.

    """
    pub = _pub(published, "pct")
    src = pages.cite(published)
    if "error" in res:
        return (f"VCS → NAS referrals: the report gives {pub} ({src}); the change cannot be "
                f"estimated from these records ({res['error']})")
    a, b = res["value_a"], res["value_b"]
    shown = all(v == 0 or v >= threshold for v in (a, b))
    counts = f" from {a:,} to {b:,}" if shown else " (counts below the threshold not shown)"
    direction = _direction(a, b)
    text = f"VCS → NAS referrals {direction}{counts}, {_pct(res['change_pct'])}. "
    diff = res["change_pct"] - float(published["value"])
    text += (f"The report's {pub} ({src}) is reproduced as arithmetic. " if abs(diff) <= 0.5
             else f"The report gives {pub} ({src}); the computed change differs by "
                  f"{diff:+.1f} points. ")
    lo, hi = res["ci_low_pct"], res["ci_high_pct"]
    if lo <= 0 <= hi:
        text += (f"The 95% interval ({_ci_pct(res)}) includes no change, so on a base of "
                 f"this size the {'rise' if b > a else 'fall' if b < a else 'difference'} "
                 "is weak evidence on its own.")
    else:
        text += (f"The 95% interval ({_ci_pct(res)}) excludes no change, so chance variation "
                 f"in which referrals were made is unlikely to explain the "
                 f"{'rise' if b > a else 'fall'}.")
    return text


def reasons_reading(df: pd.DataFrame, period: str, a: Hashable, b: Hashable) -> str:
    """How counts and shares of reasons moved between two periods, from the data.

    Parameters
    ----------
    df
        Cleaned referrals with a ``reason`` column and a period column.
    period
        The period column.
    a, b
        The base and comparison periods.

    Returns
    -------
    str
        Direction of the total, and how many reasons rose in count and in share.

    """
    counts = pd.crosstab(df["reason"], df[period]).reindex(columns=[a, b], fill_value=0)
    na, nb = int(counts[a].sum()), int(counts[b].sum())
    if na == 0 or nb == 0:
        return "Reasons cannot be compared: one of the periods has no referrals."
    k = len(counts)
    up_count = int((counts[b] > counts[a]).sum())
    up_share = int((counts[b] / nb > counts[a] / na).sum())
    total = _direction(na, nb)
    text = (f"A rising share and a rising count are different statements. Referrals {total} "
            f"overall ({na:,} in {a}, {nb:,} in {b}); {up_count} of {k} reasons rose in "
            f"count and {up_share} of {k} rose in share. ")
    if nb > na:
        text += ("With more referrals overall, a reason can rise in count while its share "
                 "falls; the shares show which reasons grew faster than the rest.")
    elif nb < na:
        text += ("With fewer referrals overall, a reason can fall in count while its share "
                 "rises; the shares show which reasons fell less than the rest.")
    else:
        text += "With the same total, counts and shares move together."
    return text


def _verdict_pct(change: float, published: float, res: Mapping[str, Any]) -> str:
    diff = change - published
    out = ("reproduced (the report rounds to whole percent)" if abs(diff) <= 0.5 else
           f"differs from the report by {diff:+.1f} points")
    if "ci_low_pct" in res and res["ci_low_pct"] <= 0 <= res["ci_high_pct"]:
        out += "; the 95% interval includes no change"
    return out


def _e12(pg: _Programme) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = _figure_rows("E12")
    a, b = REPORT_YEARS
    spec = [
        ("Connections (E)", "connections", "count", _pick(rows, "connections_change_pct")),
        ("Statutory organisations referring", "referring_organisations_statutory", "count",
         _pick(rows, "referring_orgs_change_pct", "LA/statutory")),
        ("VCS organisations referring", "referring_organisations_vcs", "count",
         _pick(rows, "referring_orgs_change_pct", "VCS")),
        ("Referrals to the VCS", "referrals_to_vcs", "count",
         _pick(rows, "referrals_to_vcs_change_pct")),
    ]
    out = []
    for label, m, kind, prow in spec:
        res = pg.yoy[m]
        pub = float(prow["value"])
        out.append({
            "measure": label,
            str(a): _fmt(res["value_a"], kind), str(b): _fmt(res["value_b"], kind),
            "computed change": _pct(res["change_pct"]), "95% CI": _ci_pct(res),
            "published": f"{pub:+.0f}%", "source": pages.cite(prow),
            "reconciliation": _verdict_pct(res["change_pct"], pub, res),
        })
    cpo = pg.yoy["connections_per_organisation"]
    r19 = _pick(rows[rows["period"] == str(a)], "connections_per_organisation")
    r21 = _pick(rows[rows["period"] == str(b)], "connections_per_organisation")
    ok = abs(cpo["value_a"] - float(r19["value"])) <= 0.05 and abs(
        cpo["value_b"] - float(r21["value"])) <= 0.05
    out.append({
        "measure": "Connections per organisation (2E/N)",
        str(a): f"{cpo['value_a']:.2f}", str(b): f"{cpo['value_b']:.2f}",
        "computed change": _pct(cpo["change_pct"]), "95% CI": _ci_pct(cpo),
        "published": f"{float(r19['value']):.1f} → {float(r21['value']):.1f} "
                     f"({100 * (float(r21['value']) / float(r19['value']) - 1):+.0f}%)",
        "source": pages.cite(r21),
        "reconciliation": ("reproduced to one decimal (2E/N; E/N would give half the level "
                           "with the same change)" if ok else
                           "differs from the report's levels at one decimal"),
    })
    org = pg.yoy["organisations"]
    conn_row = _pick(rows, "connections_change_pct")
    implied = 100 * ((1 + float(conn_row["value"]) / 100)
                     * float(r19["value"]) / float(r21["value"]) - 1)
    out.append({
        "measure": "Organisations (N)",
        str(a): _fmt(org["value_a"], "count"), str(b): _fmt(org["value_b"], "count"),
        "computed change": _pct(org["change_pct"]), "95% CI": _ci_pct(org),
        "published": "not published",
        "source": "implied by the two rows above (E = N × (2E/N) / 2)",
        "reconciliation": (f"the report's {_pub(conn_row, 'pct')} and {_pub(r19, 'ratio')} → "
                           f"{_pub(r21, 'ratio')} together imply {implied:+.1f}% "
                           f"organisations; computed {_pct(org['change_pct'])}"),
    })
    return pd.DataFrame(out).set_index("measure"), rows


def _flow_cell(pg: _Programme, year: int, fs: str, ts: str) -> int | None:
    v = pg.flows[year][0].loc[fs, ts]
    return None if pd.isna(v) else int(v)


def _e15(pg: _Programme) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = _figure_rows("E15")
    a, b = REPORT_YEARS
    out = []
    for label, (fs, ts), cat in (("NAS → VCS referrals", ("lwa", "vcs"), "NAS to VCS"),
                                 ("VCS → NAS referrals", ("vcs", "lwa"), "VCS to NAS")):
        prow = _pick(rows, "nas_referrals", cat)
        k = _flow_cell(pg, b, fs, ts)
        lo, hi = _poisson_ci(k) if k is not None else (math.nan, math.nan)
        pub = float(prow["value"])
        out.append({
            "measure": f"{label}, {b}", "computed": MARK if k is None else f"{k:,}",
            "95% CI": "" if k is None else f"{lo:.0f} to {hi:.0f} (exact Poisson)",
            "published": f"{pub:,.0f}", "source": pages.cite(prow),
            "reconciliation": ("suppressed (small count)" if k is None else
                               "reproduced" if k == round(pub) else
                               f"differs by {k - pub:+,.0f}"),
        })
    nv = pg.yoy["flow_lwa_to_vcs"]
    prow = _pick(rows, "nas_referrals_fold_change", "NAS to VCS")
    fold = nv["value_b"] / nv["value_a"]
    out.append({
        "measure": f"NAS → VCS, {a} to {b} (fold change)",
        "computed": f"{nv['value_a']:,} → {nv['value_b']:,}: ×{fold:.2f}",
        "95% CI": f"×{1 + nv['ci_low_pct'] / 100:.2f} to ×{1 + nv['ci_high_pct'] / 100:.2f}",
        "published": f"×{float(prow['value']):.0f} ('4-fold')", "source": pages.cite(prow),
        "reconciliation": ("reproduced (rounds to ×4)" if round(fold) == round(float(
            prow["value"])) else f"differs: ×{fold:.2f}"),
    })
    vn = pg.yoy["flow_vcs_to_lwa"]
    prow = _pick(rows, "nas_referrals_change_pct", "VCS to NAS")
    verdict = _verdict_pct(vn["change_pct"], float(prow["value"]), vn)
    out.append({
        "measure": f"VCS → NAS, {a} to {b} (percent change)",
        "computed": f"{vn['value_a']:,} → {vn['value_b']:,}: {_pct(vn['change_pct'])}",
        "95% CI": _ci_pct(vn), "published": f"{float(prow['value']):+.0f}%",
        "source": pages.cite(prow),
        "reconciliation": verdict + f" (a base of {vn['value_a']} referrals)",
    })
    return pd.DataFrame(out).set_index("measure"), rows


def _e13(pg: _Programme) -> pd.DataFrame:
    a, b = REPORT_YEARS
    res = pg.yoy["flow_statutory_to_statutory"]
    pairs = pg.s2s.get(b, pd.DataFrame())
    k = _flow_cell(pg, b, "statutory", "statutory")
    stat_out = pg.by_year.loc[b, "referrals_from_statutory"]
    orgs = len(set(pairs["from_org"]).union(pairs["to_org"])) if len(pairs) else 0
    lo, hi = _poisson_ci(k) if k is not None else (math.nan, math.nan)
    rows = [
        {"measure": f"Statutory → statutory referrals, {b}",
         "computed": MARK if k is None else f"{k:,}",
         "95% CI": "" if k is None else f"{lo:.0f} to {hi:.0f} (exact Poisson)"},
        {"measure": f"Share of statutory organisations' referrals that go to statutory "
                    f"organisations, {b}",
         "computed": MARK if k is None else f"{100 * k / stat_out:.1f}%", "95% CI": ""},
        {"measure": f"Pairs of statutory organisations with a referral, {b}",
         "computed": f"{len(pairs):,}", "95% CI": ""},
        {"measure": f"Statutory organisations in those pairs, {b}", "computed": f"{orgs:,}",
         "95% CI": ""},
        {"measure": f"Statutory → statutory referrals, {a} to {b}",
         "computed": ("not estimable" if "error" in res else
                      f"{res['value_a']:,} → {res['value_b']:,}: {_pct(res['change_pct'])}"),
         "95% CI": "" if "error" in res else _ci_pct(res)},
    ]
    src = f"{pages.REPORT_NAMES[REPORT_FILE]}, {_QUALITATIVE['E13'][0]}"
    for r in rows:
        r["published"] = "no number in the text (chart only)"
        r["source"] = src
    rows[0]["reconciliation"] = ("consistent with the report's statement that statutory "
                                 "services refer to one another" if k else
                                 "not consistent: no statutory-to-statutory referral")
    for r in rows[1:]:
        r["reconciliation"] = "context (not in the report text)"
    return pd.DataFrame(rows).set_index("measure")


def _e6(pg: _Programme) -> pd.DataFrame:
    table, _, _ = pg.reasons
    a, b = REPORT_YEARS
    table = table.copy()
    col = f"change in share, {a} to {b} (points)"
    pub, rec = [], []
    for reason in table.index:
        if reason == network.reason_label("debt"):
            pub.append("'an increase in the number of households experiencing debt' (no number)")
            v = table.loc[reason, col]
            rising = v not in (MARK, "") and float(v) > 0
            rec.append("consistent: the debt share rose" if rising else
                       "not reproduced: the debt share did not rise")
        else:
            pub.append("")
            rec.append("")
    table["published"] = pub
    table["reconciliation"] = rec
    return table


def _lwa_chart(pg: _Programme, synthetic: bool, source: str) -> plots.Figure:
    years = sorted(pg.flows)
    data = []
    for y in years:
        for label, fs, ts in (("NAS → VCS", "lwa", "vcs"), ("VCS → NAS", "vcs", "lwa")):
            k = _flow_cell(pg, y, fs, ts)
            data.append({"year": str(y), "direction": label, "value": np.nan if k is None else k})
    frame = pd.DataFrame(data)
    fig, ax = plots.new_figure(figsize=(8, 4.2))
    width = 0.38
    x = np.arange(len(years))
    for i, d in enumerate(("NAS → VCS", "VCS → NAS")):
        vals = frame.loc[frame["direction"] == d, "value"].to_numpy(dtype=float)
        ax.bar(x + (i - 0.5) * width, np.nan_to_num(vals), width, label=d,
               color=plots.SECTOR_COLOURS["lwa" if i == 0 else "vcs"])
        for xi, v in zip(x + (i - 0.5) * width, vals, strict=True):
            ax.text(xi, 0 if np.isnan(v) else v, MARK if np.isnan(v) else f"{int(v):,}",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [str(y) for y in years])
    ax.legend(frameon=False)
    parts = [f"{r.year}: {r.direction} "
             f"{MARK if np.isnan(r.value) else int(r.value)}" for r in frame.itertuples()]
    plots.finish(
        fig, ax, title="Referrals between the NAS and VCS organisations in NCAN, by year",
        xlabel="Calendar year", ylabel="Referrals (count)", source=source,
        alt=("Grouped bar chart of referrals from the Norfolk Assistance Scheme (NAS) to VCS "
             "organisations and from VCS organisations to the NAS, by calendar year: "
             + "; ".join(parts) + "."),
        synthetic=synthetic,
    )
    fig.data = frame  # type: ignore[attr-defined]
    return fig


def _thcan_section(params: Params) -> Section:
    site = next((s for s in params.sites.values()
                 if s.referral_network.referral_dataset == THCAN), None)
    title = "THCAN referral network, Tower Hamlets, 2021"
    if site is None:
        return Section(title, pd.DataFrame(), note=pages.admonition(
            "note", "No THCAN data", "No site in params uses the THCAN referral dataset."))
    key = _key(params, THCAN)
    clean, report = _cleaned(key)
    threshold = params.analysis.disclosure.threshold
    synthetic = datasets.is_synthetic(params, THCAN)
    rows = _figure_rows("E7")
    e10 = _published_network_rows(site.id, 2, "THCAN")
    rows_all = pd.concat([rows, e10], ignore_index=True).drop_duplicates("figure_id")
    y2 = params.programme.year(2)
    recon = _reconcile_site(rows_all, clean, (pd.Timestamp(y2.start), pd.Timestamp(y2.end)))
    first, last = clean["date"].min(), clean["date"].max()
    whole = Window("THCAN extract", first.date(), last.date())
    m = network.measures_by_period(clean.assign(period="all"), "period").iloc[0]
    thcan_row = _pick(rows, "referrals")
    recon.loc[f"Referrals, {first:%b %Y} to {last:%b %Y} (whole extract)"] = pd.Series({
        "computed": f"{len(clean):,}",
        "published": "period stated, no count",
        "source": f"{pages.REPORT_NAMES[REPORT_FILE]}, Methods (data sources)",
        "reconciliation": ("the methods section says the THCAN data represent March to "
                           f"October 2021, {pages.cite(thcan_row)} counts "
                           f"{_pub(thcan_row, 'count')} for March to September; the extract "
                           f"runs to {last:%-d %B %Y}, so October's referrals are in the "
                           f"extract but not in the {_pub(thcan_row, 'count')}"),
    })
    ftable, frep = sector_flow_tables({"2021": clean}, threshold)["2021"]
    hidden = hidden_totals(ftable)
    atable, arep = acceptance_table(clean, threshold, hidden=hidden)
    reports = [frep, arep]
    extra: list[tuple[str, pd.DataFrame]] = [
        ("Network measures, whole extract", pd.DataFrame()),
        ("Referrals between sectors (rows: referring sector)", _show_counts(ftable)),
        ("Referrals accepted by receiving sector (95% Wilson intervals)", atable),
    ]
    src = _source_line(THCAN, synthetic).replace("`", "")
    fig = network.plot_network({f"{first:%b}–{last:%b %Y}": clean}, positions=_layout(key),
                               period="period", title="THCAN referral network, Tower Hamlets",
                               source=src, synthetic=synthetic)
    extra[0] = ("Network measures, whole extract", pd.DataFrame(
        {"value": _measure_column(m, hidden)},
        index=pd.Index([lab for _, lab, _ in SITE_MEASURES], name="measure")))
    text = [
        f"**Data.** {_source_line(THCAN, synthetic)}: {report.summary()} "
        + coverage(clean, whole)["text"],
        "THCAN's referral system went live in March 2021 (report 003, key finding 3), so there "
        "is no earlier THCAN data to compare with: the measures describe the network as it is "
        f"over {first:%B} to {last:%B %Y}, {len(clean):,} referrals among "
        f"{int(m['organisations'])} organisations. The programme-year view (year 2, March to "
        "September 2021) is on the Tower Hamlets year 2 page.",
        "**Disclosure control.** " + _suppressed_note(threshold, reports),
    ]
    return Section(
        title, rows_all, table=recon,
        banner=pages.synthetic_banner([THCAN]) if synthetic else None, markdown=text,
        extra_tables=extra,
        figures=[fig, plot_flow_tables({f"{first:%b}–{last:%b %Y}": ftable},
                                       title="THCAN referrals between sectors", source=src,
                                       synthetic=synthetic)],
    )


def programme_network_sections(params: Params) -> dict[str, Section]:
    """The programme network page: the report's network exhibits regenerated and reconciled.

    Parameters
    ----------
    params
        Loaded params.

    Returns
    -------
    dict
        Sections in page order:

        - ``overview``: the NCAN data, cleaning and measures by calendar year;
        - ``e12``: direction of referral and connections, 2019 vs 2021 (E12);
        - ``diagrams``: network diagrams 2019 and 2021 side by side (same node positions)
          and referrals between sectors (suppressed);
        - ``e15``: referrals between the NAS and VCS (E15), with a chart by year;
        - ``e13``: statutory-to-statutory referrals in 2021 (E13), with a suppressed
          organisation-level table;
        - ``e6``: reasons for referral over time (E6);
        - ``thcan``: THCAN 2021 and its reconciliation with E7;
        - ``definitions``: comparability of definitions.

        Every exhibit table has the measure, the computed value with its 95% interval, the
        published value, its source (report and section) and a reconciliation note.

    """
    key = _key(params, NCAN)
    pg = _programme(key)
    a, b = REPORT_YEARS
    synthetic = pg.synthetic
    src = _source_line(NCAN, synthetic).replace("`", "")
    banner = pages.synthetic_banner([NCAN]) if synthetic else None
    calib = (
        "The synthetic NCAN stand-ins were **calibrated to these published figures** "
        "(`ccs_methods.data.synth`), so agreement here checks that the book's definitions and "
        "code reproduce the report's arithmetic, not that the report is right. With the real "
        "extract (`data/raw/`) the same tables test the report."
        if synthetic else
        "Computed from the NCAN record-level extract; agreement tests the report's figures."
    )
    boot = (f"Intervals: 95% bootstrap of referrals within each year (Poisson scheme, "
            f"{N_BOOT:,} replicates, seed {BOOTSTRAP_SEED}): percentile intervals for referral "
            "counts and flows; for counts of distinct organisations and connections, "
            "percentile intervals recentred on the estimate, because a replicate can lose "
            "rarely used connections but never gain new ones (methods page); single counts "
            "have exact Poisson intervals.")
    n19, n21 = int(pg.by_year.loc[a, "total_referrals"]), int(pg.by_year.loc[b, "total_referrals"])
    o19, o21 = int(pg.by_year.loc[a, "organisations"]), int(pg.by_year.loc[b, "organisations"])
    n_line = (f"n: {n19:,} referrals among {o19} organisations in {a}; {n21:,} referrals among "
              f"{o21} organisations in {b}.")
    out: dict[str, Section] = {}

    # Overview.
    cols = {"total_referrals": ("referrals", "count"), "organisations": ("organisations",
            "count"), "connections": ("connections", "count"),
            "connections_per_organisation": ("connections per organisation (2E/N)", "ratio"),
            "referring_organisations": ("organisations referring", "count"),
            "cross_sector_share": ("cross-sector share of referrals", "share")}
    overview = pd.DataFrame({lab: [_fmt(v, kind) for v in pg.by_year[m]]
                             for m, (lab, kind) in cols.items()},
                            index=pd.Index(pg.by_year.index, name="calendar year"))
    out["overview"] = Section(
        "NCAN referral data", pd.DataFrame(), table=overview, banner=banner,
        markdown=[f"**Data.** {_source_line(NCAN, synthetic)}: {pg.cleaning} The extract runs "
                  f"from {pg.clean['date'].min():%-d %B %Y} to {pg.last_date:%-d %B %Y}.",
                  "The year 2 report compares calendar 2019 (the year CCS started, in October) "
                  "with calendar 2021. This page does the same so that its numbers can be set "
                  "beside the report's; the site pages compare programme years.",
                  calib])

    # E12.
    e12, e12_rows = _e12(pg)
    res = computed_results(params)
    out["e12"] = Section(
        "Direction of referral and connections, NCAN, 2019 vs 2021 (E12)", e12_rows,
        table=e12, banner=banner, markdown=[n_line, boot, calib],
        results={k: v for k, v in res.items() if k in (
            "network.ncan.connections_ratio", "network.ncan.connections_per_organisation_ratio",
            "network.ncan.referrals_to_vcs_ratio", "network.ncan.statutory_to_vcs_ratio",
            "network.ncan.statutory_referring_organisations_ratio",
            "network.ncan.vcs_referring_organisations_ratio")},
    )

    # Diagrams and sector flows.
    parts = {y: pg.clean[pg.clean["year"] == y] for y in (a, b)}
    shown, dropped = _diagram_parts(parts, pg.threshold, synthetic)
    figs = [network.plot_network(shown, positions=_layout(key), period="year",
                                 title=f"NCAN referral network, {a} and {b}", source=src,
                                 synthetic=synthetic)]
    figs.append(plot_flow_tables({y: pg.flows[y][0] for y in (a, b)},
                                 title=f"NCAN referrals between sectors, {a} and {b}",
                                 source=src, synthetic=synthetic))
    reps = [pg.flows[y][1] for y in (a, b)]
    diag_text = [
        "Each dot is an organisation, coloured by sector and at the same place in both "
        "panels (positions computed once on every year's network); organisations without "
        "referrals in a year stay as grey points. Line width is proportional to referrals.",
        "**Disclosure control.** " + _suppressed_note(pg.threshold, reps),
    ]
    if dropped:
        diag_text.append(f"The diagrams leave out {dropped} connection(s) carrying fewer than "
                         f"{pg.threshold} referrals (disclosure control).")
    out["diagrams"] = Section(
        f"NCAN network diagrams, {a} and {b}", pd.DataFrame(), banner=banner,
        markdown=diag_text, figures=figs,
        extra_tables=[(f"Referrals between sectors, {y} (rows: referring sector)",
                       _show_counts(pg.flows[y][0])) for y in (a, b)],
    )

    # E15.
    e15, e15_rows = _e15(pg)
    vn = pg.yoy["flow_vcs_to_lwa"]
    out["e15"] = Section(
        "Referrals between the NAS and VCS organisations (E15)", e15_rows, table=e15,
        banner=banner,
        markdown=[boot, calib,
                  vcs_nas_reading(vn, _pick(e15_rows, "nas_referrals_change_pct",
                                            "VCS to NAS"), pg.threshold)],
        figure=_lwa_chart(pg, synthetic, src),
        results={k: v for k, v in res.items() if k in ("network.ncan.vcs_to_nas_ratio",
                                                        "network.ncan.nas_to_vcs_ratio")},
    )

    # E13.
    e13_extra = []
    if pg.s2s_matrix is not None:
        mat, rep = pg.s2s_matrix
        shown_mat = disclosure.format_suppressed(mat)
        shown_mat.index.name = "from \\ to"
        shown_mat.columns.name = None
        e13_extra.append((f"Referrals between statutory organisations, {b} (organisation "
                          "level, suppressed)", shown_mat))
        e13_note = "**Disclosure control.** " + _suppressed_note(pg.threshold, [rep])
    else:
        e13_note = f"No referral between statutory organisations in {b}."
    out["e13"] = Section(
        f"Referrals between statutory organisations, NCAN, {b} (E13)", _qualitative_row("E13"),
        table=_e13(pg), banner=banner, extra_tables=e13_extra,
        markdown=["The report shows this only as a chart (Figure 2.11); its text says that "
                  "statutory services use the referral system to refer to one another. The "
                  "table below is organisation level, so small counts are suppressed.",
                  e13_note],
    )

    # E6.
    rall, rrep, hidden = pg.reasons_all
    grouped = pg.clean.assign(reason=pg.clean["reason"].where(
        ~pg.clean["reason"].isin(hidden), "smaller reasons (grouped)"))
    out["e6"] = Section(
        "Reasons for referral over time, NCAN (E6)", _qualitative_row("E6"), table=_e6(pg),
        banner=banner,
        markdown=[f"Change in the share of referrals for each reason, {a} to {b}, in "
                  "percentage points, with 95% bootstrap intervals (Poisson resampling of "
                  f"referrals, {N_BOOT:,} replicates, seed {BOOTSTRAP_SEED}). The report gives "
                  "no numbers for this exhibit (Figure 2.5 only).",
                  reasons_reading(pg.clean, "year", a, b),
                  "**Disclosure control.** " + _suppressed_note(pg.threshold, [pg.reasons[1],
                                                                              rrep])],
        extra_tables=[("Reasons for referral by calendar year (counts suppressed below the "
                       "threshold)", rall)],
        figure=network.plot_reasons(grouped, period="year",
                                    top_n=int(grouped["reason"].nunique()),
                                    title="Reasons for referral by calendar year, NCAN",
                                    source=src, synthetic=synthetic),
    )

    out["thcan"] = _thcan_section(params)

    cpo = pg.yoy["connections_per_organisation"]
    e12_rows = _figure_rows("E12")
    p_conn = _pick(e12_rows, "connections_change_pct")
    p19 = _pick(e12_rows[e12_rows["period"] == str(a)], "connections_per_organisation")
    p21 = _pick(e12_rows[e12_rows["period"] == str(b)], "connections_per_organisation")
    p_stat = _pick(e12_rows, "referring_orgs_change_pct", "LA/statutory")
    p_vcs = _pick(e12_rows, "referring_orgs_change_pct", "VCS")
    conn_f = 1 + float(p_conn["value"]) / 100
    cpo_chg = 100 * (float(p21["value"]) / float(p19["value"]) - 1)
    org_impl = 100 * (conn_f * float(p19["value"]) / float(p21["value"]) - 1)
    people = _figure("E10-norfolk-y2-people_referred-ncan")
    per_month = _figure("E05-norfolk-post_launch-referrals_per_month_mean")
    mod = pg.by_year.loc[[a, b], "mean_out_degree"]
    mp = pg.by_year.loc[[a, b], "mean_partners"]
    out["definitions"] = Section(
        "Comparability of definitions", pd.DataFrame(),
        markdown=[
            f"**Connections per organisation.** The report gives connections "
            f"{_pub(p_conn, 'pct')} and connections per organisation {_pub(p19, 'ratio')} → "
            f"{_pub(p21, 'ratio')} ({cpo_chg:+.0f}%) ({pages.cite(p21)}). Both hold only if "
            f"the number of organisations changed by about {org_impl:+.0f}% ({conn_f:.2f} × "
            f"{_pub(p19, 'ratio')} / {_pub(p21, 'ratio')} − 1); the report gives "
            f"{_pub(p_stat, 'pct')} statutory and {_pub(p_vcs, 'pct')} VCS referring "
            "organisations. The book uses 2E/N, the "
            "mean number of connections an organisation takes part in, sending or receiving "
            "(the mean degree): "
            f"{cpo['value_a']:.2f} in {a} and {cpo['value_b']:.2f} in {b}. Counting each "
            f"connection once (E/N) gives {mod.iloc[0]:.2f} and {mod.iloc[1]:.2f}, the same "
            "change at half the level; distinct partners ignoring direction give "
            f"{mp.iloc[0]:.2f} and {mp.iloc[1]:.2f}. The report's level alone cannot tell "
            "2E/N from E/N; see the methods page *Referral networks and disclosure control*.",
            "**Connections** are ordered pairs: A → B and B → A are two connections. "
            "**Organisations** are those that made or received a referral in the year.",
            "**Years.** The report (December 2021) may have used an extract that ended "
            f"before December 2021; this extract ends on {pg.last_date:%-d %B %Y}. Counts for "
            "a part-year are not comparable with a full year; ratios of structure (per "
            "organisation, shares) are less affected.",
            f"**Referrals vs people.** The report counts NCAN *people* in year 2 "
            f"({_pub(people, 'count')}; {pages.cite(people)}) but *referrals* per month "
            f"elsewhere ({_pub(per_month, 'count')}; {pages.cite(per_month)}); the records "
            "are referrals. The Norfolk year 2 page sets the two side by side.",
            "**Intervals** cover chance variation in which referrals were made; they do not "
            "cover clustering of referrals (one household referred several times), which "
            "would widen them, nor whether CCS caused a change.",
        ],
    )
    return out


# --------------------------------------------------------------------------------------------
# Computed results for the evidence register
# --------------------------------------------------------------------------------------------


def computed_results(params: Params) -> dict[str, dict[str, Any]]:
    """Ratios 2021 / 2019 of NCAN network measures with 95% bootstrap intervals.

    Parameters
    ----------
    params
        Loaded params (the NCAN dataset and its source).

    Returns
    -------
    dict
        ``{result id: result}`` for every id in :data:`RESULT_MEASURES`, including
        ``network.ncan.connections_ratio``, ``network.ncan.statutory_to_vcs_ratio`` (referrals
        from statutory to VCS organisations) and ``network.ncan.vcs_to_nas_ratio`` (referrals
        from VCS organisations to the NAS). Each result has ``ratio`` (2021 / 2019),
        ``ci_low`` and ``ci_high`` (95% bootstrap interval, seeded, so the same on every
        run; recentred percentile for distinct-count measures, see
        :func:`ccs_methods.methods.network.yoy_change`), ``n`` (referrals behind the estimate:
        for a flow, the referrals on that flow in
        both years; otherwise all referrals in both years), and ``value_a``, ``value_b``,
        ``period_a``, ``period_b``, ``measure``, ``n_boot``, ``seed``, ``method``,
        ``dataset``, ``synthetic``. Plain Python types only (JSON-serialisable). A measure
        whose interval cannot be computed is left out.

    """
    key = _key(params, NCAN)
    pg = _programme(key)
    out: dict[str, dict[str, Any]] = {}
    for rid, m in RESULT_MEASURES.items():
        res = pg.yoy[m]
        if "error" in res:
            continue
        n = (int(res["value_a"] + res["value_b"]) if m.startswith("flow_")
             else int(res["n_referrals_a"] + res["n_referrals_b"]))
        r = _ratio_result(res, n)
        if r is None:  # pragma: no cover - errors are filtered above
            continue
        r["dataset"] = NCAN
        r["synthetic"] = bool(pg.synthetic)
        out[rid] = r
    return out
