"""The referral network of one site in one programme year, as results (no page text).

:func:`site_year_network` compares a programme year with the previous programme year (for
year 1, the twelve months before CCS) when the site has referral data for both; it returns the
measures with bootstrap intervals, the tables (every count under disclosure control, see
:mod:`ccs_methods.analyses.network_tables`), the figures and the numbers the page's prose
quotes. The notebook (``notebooks/site_year.md``, region *network*) passes the options from
``params/analysis.yml`` and writes the sentences; phrases come from
:mod:`ccs_methods.report.network_readings`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ccs_methods.analyses import network_tables as nt
from ccs_methods.analyses.published import Published
from ccs_methods.data import datasets, deps
from ccs_methods.data.params import Params, load_params
from ccs_methods.data.readlog import cache_with_reads
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import disclosure, network
from ccs_methods.methods.network_groups import GROUP_LABELS, hidden_totals, sector_flow_tables
from ccs_methods.methods.network_intervals import ratio_result, yoy_or_error
from ccs_methods.report import network_drawing, network_figures, pages
from ccs_methods.report import network_readings as readings

__all__ = [
    "PERIOD",
    "Referrals",
    "SiteYearNetwork",
    "Window",
    "coverage",
    "layout",
    "load_referrals",
    "published_network_rows",
    "reconcile_published",
    "site_year_network",
    "year_windows",
]

#: Column holding the period label of each referral on the site-year pages.
PERIOD = "period"


@dataclass(frozen=True)
class Window:
    """A period of referrals shown on a page: short name and inclusive dates."""

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
        ("Pre-CCS") if the site has pre-CCS referral data (year 0 in its params); otherwise
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
    n = (y.end.year - y.start.year) * 12 + y.end.month - y.start.month + 1
    start = (pd.Timestamp(y.start) - pd.DateOffset(months=n)).date()
    return current, Window("Pre-CCS", start, y.start - dt.timedelta(days=1))


def _in_window(df: pd.DataFrame, window: Window) -> pd.DataFrame:
    sel = (df["date"] >= pd.Timestamp(window.start)) & (
        df["date"] < pd.Timestamp(window.end) + pd.Timedelta(days=1))
    return df.loc[sel]


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
        ``n_referrals``, ``months_in_period``, ``months_with_data``, ``first`` and ``last``
        (ISO dates or ``None``), ``partial`` (some months have no referral).

    """
    part = _in_window(df, window)["date"]
    have = pd.PeriodIndex(part.dt.to_period("M").unique(), freq="M")
    n_in = len(window.months())
    return {
        "n_referrals": len(part),
        "months_in_period": n_in,
        "months_with_data": len(have),
        "first": part.min().date().isoformat() if len(part) else None,
        "last": part.max().date().isoformat() if len(part) else None,
        "partial": bool(len(have) < n_in),
    }


# --------------------------------------------------------------------------------------------
# Data, cached per process
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Referrals:
    """Cleaned referral records of one dataset.

    Attributes
    ----------
    name
        Dataset name (``referrals_ncan``).
    clean
        Cleaned referrals (:func:`ccs_methods.methods.network.clean_referrals`).
    cleaning
        The cleaning summary (one sentence with counts).
    synthetic
        Whether params take the dataset from the synthetic stand-ins.
    key
        Cache key (params folder, name, source, data folder).
    rows
        The loaded frame's row digests and files (``attrs`` of
        :func:`~ccs_methods.data.datasets.load_record`), noted as the page's input on each
        load.
    """

    name: str
    clean: pd.DataFrame = field(repr=False)
    cleaning: str
    synthetic: bool
    key: tuple[str, str, str, str] = field(repr=False)
    rows: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def source(self) -> str:
        """The source line of figures, e.g. ``NCAN referral records (synthetic ...)``."""
        return readings.data_phrase(self.name, self.synthetic)


@cache_with_reads(maxsize=8)
def _load(key: tuple[str, str, str, str]) -> Referrals:
    from ccs_methods.data import records

    params = load_params(key[0])
    raw = datasets.load_record(params, key[1])
    file_name = records.DATASETS[key[1]].file_name
    clean, report = network.clean_referrals(raw, source_file=f"data/{key[2]}/{file_name}")
    synthetic = datasets.is_synthetic(params, key[1])
    if not synthetic:  # no organisation id of a raw extract reaches a page (figures included)
        names = disclosure.pseudonyms(
            pd.concat([clean["from_org"], clean["to_org"]]).astype(str)
        )
        clean = clean.assign(
            from_org=clean["from_org"].astype(str).map(names),
            to_org=clean["to_org"].astype(str).map(names),
        )
    return Referrals(key[1], clean, report.summary(), synthetic, key, dict(raw.attrs))


def load_referrals(params: Params, name: str) -> Referrals:
    """Load referral dataset ``name`` through the validated loader and clean it (cached).

    Parameters
    ----------
    params
        Loaded params (the dataset's source, synthetic or raw).
    name
        A referral dataset, e.g. ``referrals_ncan``.

    Returns
    -------
    Referrals

    """
    source = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    key = (str(Path(params.root).resolve()), name, source, os.environ.get("CCS_DATA_DIR", ""))
    with deps.suppressed():
        loaded = _load(key)
    datasets.note_rows(name, loaded.rows)  # on every call: the load itself is cached
    return loaded


_LAYOUTS: dict[tuple[tuple[str, str, str, str], int], dict[str, tuple[float, float]]] = {}


def layout(referrals: Referrals, *, seed: int) -> dict[str, tuple[float, float]]:
    """Node positions on the union of every period of a dataset: one map for the whole book.

    Computed once per dataset and seed in a process (``networks.layout_seed``).
    """
    k = (referrals.key, seed)
    if k not in _LAYOUTS:
        _LAYOUTS[k] = network_drawing.network_layout({"all": referrals.clean}, seed=seed)
    return _LAYOUTS[k]


# --------------------------------------------------------------------------------------------
# Published figures for a site and year
# --------------------------------------------------------------------------------------------


def published_network_rows(site_id: str, year: int, short_name: str) -> pd.DataFrame:
    """The published referral figures (E7, E10) of a site's network in a programme year."""
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    sel = fig["exhibit"].isin(["E7", "E10"]) & (fig["site"] == site_id) & (fig["year"] == year)
    sel &= fig["category"].fillna("").str.contains(short_name, case=False, regex=False)
    return fig.loc[sel].reset_index(drop=True)


def _published_window(period: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``2021-03/2021-09`` -> first day of the first month, last day of the last month."""
    try:
        a, b = str(period).split("/")
        return pd.Period(a, freq="M").start_time, pd.Period(b, freq="M").end_time.normalize()
    except (ValueError, TypeError):
        return None


def _readable_note(note: str) -> str:
    """Replace figure ids (``E05-norfolk-...``) in a published note by a citation."""
    from ccs_methods.data.published import load_figures

    fig = load_figures().set_index("figure_id")

    def sub(m: re.Match[str]) -> str:
        return pages.cite(fig.loc[m.group(0)]) if m.group(0) in fig.index else m.group(0)

    return re.sub(r"\bE\d{2}-[A-Za-z0-9_\-]+", sub, note)


def reconcile_published(rows: pd.DataFrame, clean: pd.DataFrame,
                        default: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """Published counts for a site and year against the records, one row per figure.

    Parameters
    ----------
    rows
        Published figures (:func:`published_network_rows`).
    clean
        Cleaned referrals.
    default
        The window of a figure whose period is not a month range.

    Returns
    -------
    pandas.DataFrame
        ``computed``, ``published``, ``source``, ``reconciliation``, indexed by ``what``. A
        figure the report quotes twice (a row whose ``duplicate_of`` names another of
        ``rows``) is reconciled once, on the row that counts; the other quotation is named in
        that row's reconciliation.

    """
    out = []
    has_dup = "duplicate_of" in rows.columns
    dup = rows["duplicate_of"].fillna("").astype(str) if has_dup else pd.Series("", rows.index)
    again = rows[dup.isin(set(rows["figure_id"]))]
    rows = rows.drop(index=again.index)
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
        verdict = ("reproduced" if abs(diff) < 0.5 else
                   f"differs by {diff:+,.0f} ({100 * diff / published:+.0f}%): a tension in the "
                   "report or a different count, kept visible")
        note = f"{verdict}; computed as {basis}."
        if isinstance(r.get("note"), str) and r["note"]:
            note += f" Report note: {_readable_note(str(r['note']))}"
        for _, d in again[again["duplicate_of"] == r["figure_id"]].iterrows():
            note += (f" The same figure is quoted again in {pages.cite(d)}: "
                     f"“{d['source_quote']}” (not counted twice).")
        out.append({"what": what, "computed": f"{computed:,.0f}",
                    "published": f"{published:,.0f} {r['unit']}", "source": pages.cite(r),
                    "reconciliation": note})
    frame = pd.DataFrame(out, columns=["what", "computed", "published", "source",
                                       "reconciliation"])
    return frame.set_index("what")


# --------------------------------------------------------------------------------------------
# One site and year
# --------------------------------------------------------------------------------------------


@dataclass
class SiteYearNetwork:
    """The referral network of one site in one programme year, as results.

    ``available`` is False when there is nothing to show; ``reason`` then says why (a
    paragraph for :func:`ccs_methods.report.glue.skip`) and the other fields are empty.
    Tables are display tables (strings, ``[c]`` where suppressed); ``values`` holds the
    numbers the prose quotes (counts already hidden where disclosure control hides them);
    ``yoy`` the year-on-year results by measure (``yoy_change`` dicts); ``rows`` the published
    figures reconciled (listed among the page's sources); ``results`` the ratios this year /
    comparison with intervals.
    """

    site_id: str
    year: int
    title: str
    available: bool
    reason: str = ""
    dataset: str | None = None
    synthetic: bool = False
    threshold: int = 0
    current: Window | None = None
    comparison: Window | None = None
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    yoy: dict[str, dict[str, Any]] = field(default_factory=dict)
    lwa_yoy: dict[str, dict[str, Any]] = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    sector_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    lwa_table: pd.DataFrame | None = None
    reasons_table: pd.DataFrame | None = None
    acceptance_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    reconciliation: pd.DataFrame | None = None
    diagram: Any = None
    sector_figure: Any = None
    reasons_figure: Any = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def published(self) -> Published:
        """The published figures reconciled, as a ``Published`` (the page lists its sources)."""
        return Published("Reconciliation with the published figures", self.rows,
                         table=self.reconciliation)

    @property
    def compared(self) -> bool:
        """Whether the year is compared with an earlier period."""
        return self.comparison is not None


def _unavailable(params: Params, site_id: str, year: int, referrals: Referrals | None,
                 title: str) -> SiteYearNetwork:
    site, y = params.site(site_id), params.programme.year(year)
    net = site.referral_network
    end = None
    if referrals is not None:
        end = referrals.clean["date"].max().date()
    if referrals is not None and site.has("referrals", year):
        reason = (f"Params list {net.short_name} referral data for {y.label}, but the extract "
                  f"({referrals.name}) has no referral dated in that year.")
    else:
        reason = readings.no_referral_reason(
            site_id=site.id, site_name=site.display_name, network_name=net.name,
            network_short=net.short_name,
            launch=net.referral_system_launch if net.referral_dataset else None,
            year_label=y.label, year_number=y.number, year_start=y.start, year_end=y.end,
            years_listed=list(site.datasets.get("referrals", [])), extract_end=end,
            no_system_note=net.no_system_note)
    return SiteYearNetwork(site_id, year, title, False, reason=reason)


def _count_value(v: float, hide: bool, threshold: int) -> int | None:
    """A count the prose may quote, or ``None`` (shown as ``[c]``) when it is hidden."""
    v = int(v)
    return None if hide or 1 <= v < threshold else v


def site_year_network(
    params: Params,
    site: str,
    year: int,
    referrals: Referrals | None,
    *,
    n_boot: int,
    seed: int,
    threshold: int,
    layout_seed: int,
) -> SiteYearNetwork:
    """The referral network of one site in one programme year, with disclosure control.

    Parameters
    ----------
    params
        Loaded params.
    site, year
        Site id and programme year number.
    referrals
        The site's referral records (:func:`load_referrals`), or ``None`` when the site has no
        referral dataset.
    n_boot, seed
        Bootstrap replicates and seed (``networks.bootstrap_replicates`` and
        ``networks.bootstrap_seed`` in ``params/analysis.yml``).
    threshold
        Disclosure threshold (``disclosure.threshold``).
    layout_seed
        Seed of the diagram layout (``networks.layout_seed``).

    Returns
    -------
    SiteYearNetwork

    """
    s, y = params.site(site), params.programme.year(year)
    title = f"Referral network, {s.display_name}, {y.label}"
    if referrals is None or not s.has("referrals", year):
        return _unavailable(params, site, year, referrals, title)
    clean = referrals.clean
    current, comparison = year_windows(params, site, year)
    cov = {w.label: coverage(clean, w) for w in (comparison, current) if w is not None}
    if cov[current.label]["n_referrals"] == 0:
        return _unavailable(params, site, year, referrals, title)
    if comparison is not None and cov[comparison.label]["n_referrals"] == 0:
        comparison = None
    windows = [w for w in (comparison, current) if w is not None]
    data = pd.concat([_in_window(clean, w).assign(**{PERIOD: w.label}) for w in windows])
    order = [w.label for w in windows]
    parts = {w: data[data[PERIOD] == w] for w in order}
    measures = network.measures_by_period(data, PERIOD).reindex(order)
    a, b = (comparison.label if comparison else None), current.label
    yoy = ({m: yoy_or_error(data, m, a, b, period=PERIOD, n_boot=n_boot, seed=seed)
            for m, _, _ in nt.SITE_MEASURES} if comparison else {})

    try:
        flows: dict[Hashable, tuple[pd.DataFrame, disclosure.SuppressionReport]] | None = (
            sector_flow_tables(parts, threshold))
    except MethodInputError:
        flows = None
    hidden = {w: hidden_totals(flows[w][0]) if flows is not None else None for w in order}
    reports: list[disclosure.SuppressionReport | None] = []
    sector_tables, sector_figure = {}, None
    src = referrals.source
    if flows is not None:
        sector_tables = {w: nt.display_counts(flows[w][0]) for w in order}
        reports += [flows[w][1] for w in order]
        sector_figure = network_figures.flow_heatmap(
            {w: flows[w][0] for w in order}, title=f"Referrals between sectors, {s.display_name}",
            source=src, synthetic=referrals.synthetic)

    lwa_tab, lwa_yoy = None, {}
    has_lwa = any((p["from_sector"] == "lwa").any() or (p["to_sector"] == "lwa").any()
                  for p in parts.values())
    if flows is not None and has_lwa:
        raw = nt.lwa_table({w: flows[w][0] for w in order}, s.lwa_scheme.short_name)
        lwa_tab = raw.astype("object").map(lambda v: nt.MARK if pd.isna(v) else f"{int(v):,}")
        if comparison is not None:
            for m, (fs, ts) in {"flow_lwa_to_vcs": ("lwa", "vcs"),
                                "flow_vcs_to_lwa": ("vcs", "lwa")}.items():
                if all(not pd.isna(flows[w][0].loc[fs, ts]) for w in (a, b)):
                    lwa_yoy[m] = yoy_or_error(data, m, a, b, period=PERIOD, n_boot=n_boot,
                                              seed=seed)

    rtable, rrep, rhidden = nt.reasons_table(data, PERIOD, order, threshold, n_boot=n_boot,
                                             seed=seed, labels={w.label: w.short for w in windows})
    reports.append(rrep)
    acceptance = {}
    for w in order:
        atable, arep = nt.acceptance_table(parts[w], threshold, hidden=hidden[w])
        acceptance[w] = atable
        reports.append(arep)

    shown, dropped = nt.diagram_parts(parts, threshold, referrals.synthetic)
    net = s.referral_network
    diagram = network_figures.network_diagram(
        shown, layout(referrals, seed=layout_seed), period=PERIOD,
        title=f"{net.short_name} referral network, {s.display_name}", source=src,
        synthetic=referrals.synthetic) if shown else None
    reasons_figure = network_figures.reasons_chart(
        data, rhidden, period=PERIOD, title=f"Reasons for referral, {s.display_name}",
        source=src, synthetic=referrals.synthetic)

    rows = published_network_rows(site, year, net.short_name)
    recon = reconcile_published(rows, clean, (pd.Timestamp(current.start),
                                              pd.Timestamp(current.end)))
    n_p, n_s = nt.suppressed_counts(reports)
    values: dict[str, Any] = {
        "n_boot": n_boot, "seed": seed, "threshold": threshold,
        "n_suppressed_primary": n_p, "n_suppressed_secondary": n_s,
        "diagram_dropped": dropped, "n_reasons_grouped": len(rhidden),
        "lwa_name": s.lwa_scheme.short_name,
        "launch": (net.referral_system_launch if net.referral_system_launch
                   and y.start < net.referral_system_launch <= y.end else None),
        "cur_months": cov[b]["months_with_data"],
        "cur_months_in_period": cov[b]["months_in_period"],
    }
    for tag, w in (("cur", b), ("cmp", a)):
        if w is None:
            continue
        hid = hidden[w] or {}
        values[f"{tag}_referrals"] = _count_value(measures.loc[w, "total_referrals"],
                                                  bool(hid.get("all")), threshold)
        values[f"{tag}_organisations"] = _count_value(measures.loc[w, "organisations"], False,
                                                      threshold)
    if flows is not None:
        inner = flows[b][0].drop(index="Total", columns="Total").stack().dropna().astype(int)
        (fs, ts), top = inner.idxmax(), int(inner.max())
        values.update(largest_from=GROUP_LABELS[fs], largest_to=GROUP_LABELS[ts],
                      largest_n=top)
    if comparison is not None:
        ca = data.loc[data[PERIOD] == a, "reason"].value_counts()
        cb = data.loc[data[PERIOD] == b, "reason"].value_counts()
        allr = ca.index.union(cb.index)
        ca, cb = ca.reindex(allr, fill_value=0), cb.reindex(allr, fill_value=0)
        values.update(reasons_n=len(allr), reasons_up_count=int((cb > ca).sum()),
                      reasons_up_share=int((cb / cb.sum() > ca / ca.sum()).sum()),
                      reasons_total_a=int(ca.sum()), reasons_total_b=int(cb.sum()))

    results: dict[str, dict[str, Any]] = {}
    for m in ("connections", "connections_per_organisation", "referrals_to_vcs"):
        if m in yoy:
            r = ratio_result(yoy[m], yoy[m].get("n_referrals_a", 0)
                             + yoy[m].get("n_referrals_b", 0))
            if r is not None:
                results[f"network.{site}.y{year}.{m}_ratio"] = r
    return SiteYearNetwork(
        site_id=site, year=year, title=title, available=True, dataset=referrals.name,
        synthetic=referrals.synthetic, threshold=threshold, current=current,
        comparison=comparison, coverage=cov, values=values, yoy=yoy, lwa_yoy=lwa_yoy,
        measures=nt.measure_table(measures, order, yoy, hidden, compare=comparison is not None,
                                  threshold=threshold),
        sector_tables=sector_tables, lwa_table=lwa_tab, reasons_table=rtable,
        acceptance_tables=acceptance, reconciliation=recon, diagram=diagram,
        sector_figure=sector_figure, reasons_figure=reasons_figure, rows=rows, results=results,
    )

