"""Figures of the trend analyses: award bars, XmR charts, the interrupted time series, E5/E14/E15.

Each function draws one figure from results computed in :mod:`ccs_methods.analyses` (passed in,
never recomputed) with :mod:`ccs_methods.report.plots` (title, axis labels with units, source
line, alt text) and returns it; the notebook shows it with
:func:`ccs_methods.report.display.show_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.report import plots

__all__ = [
    "annual_figure",
    "cross_site_figure",
    "e5_figure",
    "e14_figure",
    "e15_figure",
    "its_figure",
    "pooled_figure",
    "xmr_figure",
    "year_bars_figure",
]


def _shade_year(ax: Any, year: Any) -> None:
    ax.axvspan(pd.Timestamp(year.start), pd.Timestamp(year.end) + pd.Timedelta(days=1),
               color="#999999", alpha=0.18, lw=0,
               label=f"{year.label} ({year.start:%b %Y}–{year.end:%b %Y})")


def annual_figure(annual: pd.DataFrame, tr: Any | None, *, title: str, unit_word: str,
                  source: str, synthetic: bool, colour: str) -> plots.Figure:
    """Bars of awards per calendar year (incomplete years hatched) with the Theil-Sen line.

    Parameters
    ----------
    annual
        :func:`ccs_methods.analyses.lwa.annual_awards`.
    tr
        :class:`ccs_methods.analyses.lwa.LWATrend` or None.

    """
    fig, ax = plots.new_figure(figsize=(8, 4.2))
    comp = annual["complete"].to_numpy(dtype=bool)
    years = annual["year"].to_numpy()
    vals = annual["awards"].to_numpy()
    ax.bar(years[comp], vals[comp], color=colour, label="complete year")
    if (~comp).any():
        ax.bar(years[~comp], vals[~comp], color="white", edgecolor=colour, hatch="//",
               label="incomplete year (left out of the tests)")
    plots.bar_labels(ax)
    if tr is not None:
        xs = np.asarray(tr.years, dtype=float)
        ax.plot(xs, tr.theil_sen.intercept + tr.theil_sen.slope * xs, color="#000000",
                ls="--", lw=1.2, label=f"Theil–Sen trend ({tr.theil_sen.slope:+,.0f} a year)")
    ax.set_xticks(years)
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT)
    parts = "; ".join(f"{y}: {v:,.0f}" + ("" if c else " (incomplete)")
                      for y, v, c in zip(years, vals, comp, strict=True))
    alt = f"Bar chart of {unit_word} per calendar year. {parts}."
    if tr is not None:
        alt += (f" A dashed Theil–Sen line through the {tr.n} complete years changes by "
                f"{tr.theil_sen.slope:+,.0f} a year.")
    return plots.finish(fig, ax, title=title, xlabel="Calendar year",
                        ylabel=f"{unit_word.capitalize()} per year (count)", source=source,
                        alt=alt, synthetic=synthetic)


def xmr_figure(res: Any, dates: Sequence[pd.Timestamp], *, title: str, ylabel: str, source: str,
               synthetic: bool, what: str, year: Any | None, colour: str) -> plots.Figure:
    """XmR control chart of a monthly series (:func:`ccs_methods.methods.spc.xmr`)."""
    fig, ax = plots.new_figure(figsize=(9, 4.5))
    x = list(dates)
    if year is not None:
        _shade_year(ax, year)
    ax.plot(x, res.values, marker="o", ms=3, lw=1, color=colour, label=what)
    ax.axhline(res.mean, color="#444444", lw=1.2, label=f"mean {res.mean:,.0f}")
    ax.axhline(res.ucl, color="#444444", lw=1, ls="--", label="process limits")
    ax.axhline(res.lcl, color="#444444", lw=1, ls="--")
    ax.axhline(res.upper_near, color="#888888", lw=0.8, ls=":", label="2-sigma lines")
    ax.axhline(res.lower_near, color="#888888", lw=0.8, ls=":")
    sc = [i for i, f in enumerate(res.special_cause) if f]
    if sc:
        ax.scatter([x[i] for i in sc], [res.values[i] for i in sc], s=40, zorder=3,
                   color=plots.PALETTE[5], label="special cause")
    if res.n_baseline < res.n:
        ax.axvline(x[res.n_baseline], color="#444444", lw=0.8, ls="-.",
                   label=f"limits fixed from the first {res.n_baseline} months")
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT, ncol=2)
    s = res.summary
    base = (f"the first {res.n_baseline} months (before CCS)" if res.n_baseline < res.n
            else f"all {res.n} months")
    alt = (f"XmR control chart of {what} per month, {x[0]:%B %Y} to {x[-1]:%B %Y} ({res.n} "
           f"months). Mean {res.mean:,.0f}, process limits {res.lcl:,.0f} to {res.ucl:,.0f}, "
           f"set from {base}. {s['special_cause']} months show special-cause variation: "
           f"{s['outside_limits']} outside the limits, {s['shift']} in runs on one side of the "
           f"mean, {s['trend']} in runs rising or falling, {s['two_of_three']} two-of-three.")
    return plots.finish(fig, ax, title=title, xlabel="Month", ylabel=ylabel, source=source,
                        alt=alt, synthetic=synthetic)


def its_figure(a: Any, *, covid: tuple[Any, Any], year: Any | None, title: str, source: str,
               synthetic: bool, network: str) -> plots.Figure:
    """Observed, fitted and counterfactual referrals of an interrupted time series.

    Parameters
    ----------
    a
        :class:`ccs_methods.analyses.referrals.ITSAnalysis`.
    covid
        Start and end dates of the Covid-19 window (shaded).

    """
    res = a.result
    x = list(pd.PeriodIndex(res.dates, freq="M").to_timestamp())
    fig, ax = plots.new_figure(figsize=(9, 4.8))
    ax.axvspan(pd.Timestamp(covid[0]), pd.Timestamp(covid[1]), color=plots.PALETTE[4],
               alpha=0.12, lw=0, label="Covid-19 window (model term)")
    if year is not None:
        _shade_year(ax, year)
    npre = res.n_pre
    ax.fill_between(x[npre:], res.counterfactual_ci_low[npre:], res.counterfactual_ci_high[npre:],
                    color=plots.PALETTE[1], alpha=0.25, lw=0, label="counterfactual 95% interval")
    ax.plot(x, res.observed, "o", ms=3, color="#333333", label="observed")
    ax.plot(x, res.fitted, color=plots.PALETTE[0], lw=1.6, label="fitted model")
    ax.plot(x[npre:], res.counterfactual[npre:], color=plots.PALETTE[1], lw=1.6, ls="--",
            label="counterfactual (no CCS; Covid-19 term kept)")
    ax.axvline(x[npre], color="#000000", lw=0.9, ls=":", label=f"CCS start ({x[npre]:%b %Y})")
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT, ncol=2)
    cum = res.cumulative
    lv, sl = res.level_change, res.slope_change
    alt = (
        f"Line chart of {network} referrals per month, {x[0]:%B %Y} to {x[-1]:%B %Y} "
        f"({res.n} months), with the fitted interrupted time series and, from "
        f"{x[npre]:%B %Y}, the counterfactual without CCS (keeping the modelled Covid-19 "
        "shift) and its 95% band."
        + (f" The level change at the start is a rate ratio of {lv['rate_ratio']:.2f} "
           f"(95% CI {lv['ci_low']:.2f} to {lv['ci_high']:.2f})" if lv else "")
        + (f" and the monthly growth changes by a factor {sl['rate_ratio']:.3f} "
           f"({sl['ci_low']:.3f} to {sl['ci_high']:.3f})." if sl else ".")
        + f" Over the {cum['months']} months from the start, observed referrals total "
        f"{cum['observed']:,.0f} against {cum['counterfactual']:,.0f} expected without CCS."
        + (f" {year.label} is shaded." if year is not None else "")
    )
    return plots.finish(fig, ax, title=title, xlabel="Month", ylabel="Referrals per month (count)",
                        source=source, alt=alt, synthetic=synthetic)


def year_bars_figure(part: pd.DataFrame, mean: float, *, title: str, network: str, label: str,
                     source: str, synthetic: bool, colour: str) -> plots.Figure:
    """Bars of referrals per month of one year, with the year's mean (no counterfactual)."""
    fig, ax = plots.new_figure(figsize=(8, 4))
    ax.bar(part["date"], part["referrals"], width=20, color=colour, label="referrals")
    ax.axhline(mean, color="#000000", ls="--", lw=1, label=f"mean {mean:,.1f} a month")
    plots.bar_labels(ax)
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT)
    vals = "; ".join(f"{m}: {v}" for m, v in zip(part["month"], part["referrals"], strict=True))
    return plots.finish(
        fig, ax, title=title, xlabel="Month", ylabel="Referrals per month (count)",
        source=source, synthetic=synthetic,
        alt=(f"Bar chart of {network} referrals per month in {label}, {len(part)} months: "
             f"{vals}. Mean {mean:,.1f} a month, shown as a dashed line. No counterfactual is "
             "drawn because there is no pre-CCS period."))


def cross_site_figure(panels: list[dict[str, Any]], *, title: str, source: str,
                      synthetic: bool) -> plots.Figure:
    """Small multiples of awards per calendar year, one panel and colour per site.

    Parameters
    ----------
    panels
        One dict per site: ``name``, ``scheme``, ``unit``, ``colour``, ``annual``
        (:func:`ccs_methods.analyses.lwa.annual_awards`).

    """
    years = sorted({int(y) for p in panels for y in p["annual"]["year"]})
    ncols = 2 if len(panels) > 1 else 1
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plots.new_figure(nrows, ncols, figsize=(9, 3.2 * nrows))
    flat = list(np.atleast_1d(axes).flat)
    alt_parts = []
    for ax, p in zip(flat, panels, strict=False):
        a = p["annual"]
        comp = a["complete"].to_numpy(dtype=bool)
        ax.bar(a["year"][comp], a["awards"][comp], color=p["colour"])
        if (~comp).any():
            ax.bar(a["year"][~comp], a["awards"][~comp], color="white", edgecolor=p["colour"],
                   hatch="//")
        for y in years:
            if y not in set(a["year"]):
                ax.text(y, 0, "no data", rotation=90, ha="center", va="bottom",
                        fontsize=plots.SMALL_PT,
                        color="#444444")
        ax.set_xticks(years)
        ax.set_ylabel(f"{p['unit'].capitalize()} per year (count)", fontsize=plots.SMALL_PT)
        ax.set_xlabel("Calendar year", fontsize=plots.SMALL_PT)
        ax.set_title(f"{p['name']} ({p['scheme']})", fontsize=10)
        alt_parts.append(f"{p['name']} ({p['unit']}): " + ", ".join(
            f"{y} {v:,}" for y, v in zip(a["year"], a["awards"], strict=True)))
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    main = flat[0]
    first_title = main.get_title(loc="left")
    plots.finish(fig, main, title=title, xlabel=main.get_xlabel(), ylabel=main.get_ylabel(),
                 source=source, synthetic=synthetic,
                 alt=("Small multiples, one bar chart per site, of LWA/DAF awards per calendar "
                      "year (y scales differ). " + "; ".join(alt_parts) + "."))
    main.set_title(first_title, fontsize=10)
    fig.suptitle(title, fontweight="bold", x=0.01, ha="left")
    return fig


def _log_ratio_axis(ax: Any, lo: float, hi: float) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log")
    lo, hi = min(lo, 1.0) * 0.95, max(hi, 1.0) * 1.05
    ax.set_xlim(lo, hi)
    cands = (0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0,
             5.0, 6.0, 8.0, 10.0)
    ax.set_xticks([t for t in cands if lo <= t <= hi])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def pooled_figure(rows: list[tuple[str, float, float, float, str]], *, source: str,
                  synthetic: bool) -> plots.Figure:
    """Forest plot of rate ratios per year.

    ``rows``: ``(label, estimate, low, high, colour)``, the last one the pooled estimate.
    """
    fig, ax = plots.new_figure(figsize=(8, 0.55 * len(rows) + 1.6))
    ypos = np.arange(len(rows))[::-1]
    for yp, (_, e, lo, hi, c) in zip(ypos, rows, strict=True):
        ax.plot([lo, hi], [yp, yp], color=c, lw=2)
        ax.plot([e], [yp], "D" if yp == 0 else "o", color=c, ms=7)
    ax.axvline(1.0, color="#444444", lw=0.8, ls="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels([r[0] for r in rows])
    _log_ratio_axis(ax, min(r[2] for r in rows), max(r[3] for r in rows))
    alt = ("Forest plot of the rate ratio per year of LWA/DAF awards with 95% intervals: "
           + "; ".join(f"{lab} {e:.2f} ({lo:.2f} to {hi:.2f})" for lab, e, lo, hi, _ in rows)
           + ". A dashed line marks 1 (no change).")
    return plots.finish(fig, ax, title="LWA/DAF rate ratio per year by site and pooled",
                        xlabel="Rate ratio per year (log scale; 1 = no change)", ylabel="",
                        source=source, alt=alt, synthetic=synthetic)


def e14_figure(rows: list[tuple[str, float, float, Any, str]], *, source: str,
               synthetic: bool) -> plots.Figure:
    """Published E14 ratio against the recomputed one with the rate ratio's 95% interval.

    ``rows``: ``(site name, published ratio, computed ratio, PeriodRatio or None, colour)``.
    """
    fig, ax = plots.new_figure(figsize=(8, 0.6 * max(len(rows), 1) + 1.8))
    ypos = np.arange(len(rows))[::-1]
    for yp, (_, pv, cv, rr, c) in zip(ypos, rows, strict=True):
        if rr is not None:
            ax.plot([rr.ci_low, rr.ci_high], [yp, yp], color=c, lw=2, alpha=0.6)
        ax.plot([pv], [yp], marker="s", ms=11, mfc="none", mec="#000000", mew=1.5, ls="none")
        ax.plot([cv], [yp], marker="o", ms=6, color=c, ls="none")
    ax.plot([], [], marker="s", mfc="none", mec="#000000", ls="none", label="published (E14)")
    ax.plot([], [], marker="o", color="#444444", ls="none",
            label="computed, with 95% CI of the rate ratio")
    ax.set_yticks(ypos)
    ax.set_yticklabels([p[0] for p in rows])
    ax.set_ylim(-1.3, len(rows) - 0.5)
    ax.legend(loc="lower right", fontsize=plots.SMALL_PT, ncol=2)
    alt = ("Dot plot comparing, for each site, the published E14 ratio (open square) with the "
           "ratio computed from the data (filled dot) and the 95% interval of the rate ratio of "
           "the two years' monthly counts (line): "
           + "; ".join(f"{n} published ×{pv:.2f}, computed ×{cv:.2f}"
                       + (f" ({rr.ci_low:.2f} to {rr.ci_high:.2f})" if rr is not None else "")
                       for n, pv, cv, rr, _ in rows) + ".")
    return plots.finish(fig, ax, title="E14: published and recomputed change in LWA/DAF awards",
                        xlabel="Ratio of the later year to the base year (×)", ylabel="",
                        source=source, alt=alt, synthetic=synthetic)


def e5_figure(series: pd.DataFrame, breakpoint: Any, info: dict[str, Any], *, title: str,
              network: str, colour: str, source: str, synthetic: bool) -> plots.Figure:
    """Monthly referrals with a rolling mean and the means before and since CCS (as E5)."""
    bp = pd.Timestamp(breakpoint).to_period("M")
    per = pd.PeriodIndex(series["month"], freq="M")
    fig, ax = plots.new_figure(figsize=(9, 4.5))
    roll = series["referrals"].rolling(3).mean()
    ax.plot(series["date"], series["referrals"], color="#BBBBBB", lw=1, marker="o", ms=2,
            label="referrals per month")
    ax.plot(series["date"], roll, color=colour, lw=2, label="3-month rolling average")
    pre_d, post_d = series["date"][per < bp], series["date"][per >= bp]
    ax.plot([pre_d.iloc[0], pre_d.iloc[-1]], [info["before"]] * 2, color=plots.PALETTE[1],
            lw=2, ls="--", label=f"mean before CCS {info['before']:,.0f}")
    ax.plot([post_d.iloc[0], post_d.iloc[-1]], [info["after"]] * 2, color=plots.PALETTE[5],
            lw=2, ls="--", label=f"mean since CCS {info['after']:,.0f}")
    ax.axvline(bp.to_timestamp(), color="#000000", lw=0.8, ls=":", label=f"CCS start ({bp:%b %Y})")
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT)
    alt = (f"Line chart of {network} referrals per month from {per[0]:%B %Y} to {per[-1]:%B %Y} "
           f"with a 3-month rolling average, as in the report's Figure 2.4. Dashed lines mark "
           f"the mean before CCS ({info['before']:,.1f} a month over {info['n_before']} months) "
           f"and since ({info['after']:,.1f} over {info['n_after']} months).")
    return plots.finish(fig, ax, title=title, xlabel="Month", ylabel="Referrals per month (count)",
                        source=source, alt=alt, synthetic=synthetic)


def e15_figure(flows: pd.DataFrame, *, lwa: str, network: str, title: str, source: str,
               synthetic: bool) -> plots.Figure:
    """Grouped bars of referrals between the LWA scheme and the VCS by calendar year."""
    fig, ax = plots.new_figure(figsize=(8, 4.2))
    w = 0.38
    xs = np.arange(len(flows))
    ax.bar(xs - w / 2, flows["lwa_to_vcs"], w, color=plots.SECTOR_COLOURS["lwa"],
           label=f"{lwa} → VCS")
    ax.bar(xs + w / 2, flows["vcs_to_lwa"], w, color=plots.SECTOR_COLOURS["vcs"],
           label=f"VCS → {lwa}")
    plots.bar_labels(ax)
    ax.set_xticks(xs)
    ax.set_xticklabels(flows["year"].astype(str))
    ax.legend(loc="upper left", fontsize=plots.SMALL_PT)
    alt = (f"Grouped bar chart of referrals between the {lwa} and voluntary and community sector "
           f"organisations in the {network} data by calendar year: "
           + "; ".join(f"{y}: {lwa} to VCS {a}, VCS to {lwa} {b}" for y, a, b in
                       zip(flows["year"], flows["lwa_to_vcs"], flows["vcs_to_lwa"], strict=True))
           + ".")
    return plots.finish(fig, ax, title=title, xlabel="Calendar year",
                        ylabel="Referrals per year (count)", source=source, alt=alt,
                        synthetic=synthetic)
