"""Referrals through a site's referral system: monthly series, interrupted time series, E5/E7.

Question 3 of ``DOMAIN.md``: *was there a change in referrals at the programme start beyond
the prior trend and beyond Covid-19?* With a pre-CCS period the interrupted time series
(:func:`referral_its`) answers it; without one (a system launched during the programme) the
year is described (:func:`describe_year`). Functions return results and tables; the notebooks
write the prose. Model options come from ``params/analysis.yml`` (``its``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.analyses.trend_data import (
    month,
    published_value_text,
    register_cache,
    year_months,
)
from ccs_methods.data.params import Params, ProgrammeYear
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its, rates, trend
from ccs_methods.methods.hac_choice import HACRule, choose_hac
from ccs_methods.report import fmt, pages

__all__ = [
    "ITSAnalysis",
    "YearDescription",
    "breakpoint_sensitivity",
    "counterfactual_table",
    "covid_window",
    "describe_year",
    "e5_comparison",
    "e7_comparison",
    "effects_table",
    "has_pre_period",
    "its_result",
    "monthly_referrals",
    "referral_its",
]

ITSFamily = Literal["poisson", "quasipoisson", "negbin"]


def monthly_referrals(referrals: pd.DataFrame, site: str | None = None) -> pd.DataFrame:
    """Referrals per month (zero-filled between the first and last month with data).

    Parameters
    ----------
    referrals
        Referral records with a ``date`` column (and ``site``).
    site
        Keep only this site's records (if the table has a ``site`` column).

    Returns
    -------
    pandas.DataFrame
        ``month`` (``YYYY-MM``), ``date`` (first day of the month), ``referrals``.

    Raises
    ------
    MethodInputError
        No ``date`` column, unreadable dates, or no records.

    """
    if "date" not in referrals.columns:
        raise MethodInputError(
            f"column 'date' not found in the referral table; it has {list(referrals.columns)}.",
            column="date")
    df = referrals
    if site is not None and "site" in df.columns:
        df = df[df["site"] == site]
    if df.empty:
        raise MethodInputError("the referral table has no records"
                               + (f" for site '{site}'." if site else "."))
    dates = pd.to_datetime(df["date"], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0]) + 1
        raise MethodInputError("unreadable referral date.", row=row, column="date")
    counts = dates.dt.to_period("M").value_counts()
    idx = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    counts = counts.reindex(idx, fill_value=0)
    return pd.DataFrame({"month": [str(p) for p in idx],
                         "date": [p.to_timestamp() for p in idx],
                         "referrals": counts.to_numpy().astype(int)})


def has_pre_period(series: pd.DataFrame, breakpoint: Any, *, min_points_each_side: int) -> bool:
    """Whether a monthly series has enough months on both sides of ``breakpoint`` for an ITS."""
    n_pre = int((pd.PeriodIndex(series["month"], freq="M") < month(breakpoint)).sum())
    return n_pre >= min_points_each_side and len(series) - n_pre >= min_points_each_side


def covid_window(params: Params) -> tuple[str, str]:
    """The Covid-19 window of params as ``(YYYY-MM, YYYY-MM)``."""
    c = params.programme.covid
    return (str(month(c.period_start)), str(month(c.period_end)))


@dataclass(frozen=True)
class ITSAnalysis:
    """An interrupted time series as the book fits it (see :func:`referral_its`)."""

    series: pd.DataFrame
    result: its.ITSResult
    first_ljung_box_p: float | None
    first_ljung_box_lags: int | None
    hac_reason: str = ""

    @property
    def hac(self) -> bool:
        """Whether Newey-West (HAC) errors were used (autocorrelated residuals)."""
        return self.result.cov_type == "HAC"


@functools.lru_cache(maxsize=32)
def _its_cached(months: tuple[str, ...], counts: tuple[int, ...], breakpoint: str,
                covid: tuple[str, str] | None, fourier_k: int, family: str,
                autocorrelation_p: float, hac_rule: str
                ) -> tuple[its.ITSResult, float | None, int | None, str]:
    df = pd.DataFrame({"date": pd.PeriodIndex(months, freq="M").to_timestamp(), "count": counts})
    kw: dict[str, Any] = dict(date_col="date", count_col="count", breakpoint=breakpoint,
                              family=family, fourier_k=fourier_k, covid=covid)
    first = its.segmented_regression(df, **kw)
    lb = first.ljung_box_p
    hac: its.ITSResult | None = None
    if lb is not None and lb < autocorrelation_p:
        try:
            hac = its.segmented_regression(df, cov_type="HAC", **kw)
        except MethodInputError:
            hac = None
    names = [k for k in ("level_change", "slope_change") if getattr(first, k) is not None]
    choice = choose_hac(
        ljung_box_p=lb, autocorrelation_p=autocorrelation_p, rule=hac_rule,  # type: ignore[arg-type]
        lag1=(first.autocorrelation or {}).get("lag1"),
        se_model=[float(getattr(first, k)["se"]) for k in names],
        se_hac=None if hac is None else [float(getattr(hac, k)["se"]) for k in names],
        effects=[k.replace("_", " ") for k in names])
    res = hac if choice.use_hac and hac is not None else first
    return res, lb, first.ljung_box_lags, choice.reason


register_cache(_its_cached.cache_clear)


def referral_its(series: pd.DataFrame, *, breakpoint: Any, covid: tuple[str, str] | None,
                 fourier_k: int, family: ITSFamily, autocorrelation_p: float,
                 hac_rule: HACRule) -> ITSAnalysis:
    """The book's interrupted time series of a monthly referral series.

    Segmented regression (log link) with a level and slope change at ``breakpoint``,
    ``fourier_k`` Fourier pairs for the season and a Covid-19 term. When the residuals are
    autocorrelated (Ljung-Box p below ``autocorrelation_p``) the model is refitted with
    Newey-West (HAC) standard errors, and :func:`ccs_methods.methods.hac_choice.choose_hac`
    decides with ``hac_rule`` which fit is reported. The Ljung-Box test alone does not say
    the direction of the autocorrelation: when it is negative, Newey-West errors *narrow*
    the intervals, which is anti-conservative. With ``"never_narrower"`` (the book's
    setting) the HAC fit is kept only if it gives the level and the slope change a standard
    error at least as large as the model-based one, so the reported intervals are never
    narrower than model-based ones whatever the sign or lag of the autocorrelation (it also
    covers autocorrelation at seasonal lags, where the lag-1 sign says nothing).
    ``"positive_lag1"`` keeps the HAC fit when the lag-1 residual autocorrelation is
    positive. Cached by its inputs.

    Parameters
    ----------
    series
        Output of :func:`monthly_referrals`.
    breakpoint
        The programme start (``params.programme.ccs_start``).
    covid
        The Covid-19 window (:func:`covid_window`), or None for no Covid-19 term.
    fourier_k, family, autocorrelation_p, hac_rule
        ``its.fourier_k``, ``its.family``, ``its.autocorrelation_p``, ``its.hac_rule`` of
        the settings.

    Returns
    -------
    ITSAnalysis

    """
    res, lb, lags, reason = _its_cached(tuple(series["month"]),
                                        tuple(int(v) for v in series["referrals"]),
                                        str(month(breakpoint)), covid, int(fourier_k),
                                        str(family), float(autocorrelation_p), str(hac_rule))
    return ITSAnalysis(series=series, result=res, first_ljung_box_p=lb,
                       first_ljung_box_lags=lags, hac_reason=reason)


def its_result(res: its.ITSResult, eff: dict[str, Any], dataset: str) -> dict[str, Any]:
    """An evidence-register entry for one ITS effect (JSON types only)."""
    return trend.json_safe({
        "rate_ratio": eff["rate_ratio"], "ci_low": eff["ci_low"], "ci_high": eff["ci_high"],
        "n": res.n, "p_value": eff["p_value"], "breakpoint": res.breakpoint,
        "cov_type": res.cov_type, "family": res.family, "dataset": dataset,
    })


def _rr(eff: dict[str, Any], digits: int = 2) -> str:
    return (f"{fmt.ratio(eff['rate_ratio'], digits)} "
            f"({fmt.interval(eff['ci_low'], eff['ci_high'], digits)})")


def effects_table(res: its.ITSResult) -> pd.DataFrame:
    """The model's terms (pre-trend, level, slope, Covid-19) with intervals, and diagnostics."""
    pre, lv, sl, cov = res.pre_trend, res.level_change, res.slope_change, res.covid_effect
    rows = [
        {"term": "pre-CCS trend (per month)", "rate ratio (95% CI)": _rr(pre, 3),
         "p-value": fmt.p_value(pre["p_value"]), "n (months)": res.n_pre},
    ]
    if lv:
        rows.append({"term": f"level change at {res.breakpoint}", "rate ratio (95% CI)": _rr(lv),
                     "p-value": fmt.p_value(lv["p_value"]), "n (months)": res.n})
    if sl:
        rows.append({"term": "slope change (per month after vs before)",
                     "rate ratio (95% CI)": _rr(sl, 3), "p-value": fmt.p_value(sl["p_value"]),
                     "n (months)": res.n})
    if cov:
        rows.append({"term": f"Covid-19 window {res.covid[0]} to {res.covid[1]}"
                     if res.covid else "Covid-19", "rate ratio (95% CI)": _rr(cov),
                     "p-value": fmt.p_value(cov["p_value"]), "n (months)": res.n})
    rows += [
        {"term": "dispersion (quasi-Poisson scale)", "rate ratio (95% CI)":
         fmt.ratio(res.dispersion, 2), "p-value": "–", "n (months)": res.n},
        {"term": "Durbin–Watson / Ljung–Box p (residuals)",
         "rate ratio (95% CI)": f"{res.durbin_watson:.2f} / {fmt.p_value(res.ljung_box_p)}",
         "p-value": "–", "n (months)": res.n},
    ]
    return pd.DataFrame(rows).set_index("term")


def counterfactual_table(win: dict[str, Any] | None) -> pd.DataFrame:
    """Observed against counterfactual referrals over a window, as a table (or empty)."""
    if not win:
        return pd.DataFrame()
    return pd.DataFrame([
        {"quantity": "observed referrals", "value": fmt.count(win["observed"]),
         "95% interval": "–"},
        {"quantity": "expected without CCS (counterfactual; Covid-19 term kept)",
         "value": fmt.count(win["counterfactual"]),
         "95% interval": fmt.interval(win["counterfactual_ci_low"],
                                      win["counterfactual_ci_high"], 0)},
        {"quantity": "observed − counterfactual", "value": fmt.signed(win["difference"]),
         "95% interval": f"{fmt.signed(win['ci_low'])} to {fmt.signed(win['ci_high'])}"},
        {"quantity": "percentage difference", "value": fmt.percent(win["percent"], 1),
         "95% interval": f"{fmt.percent(win['percent_ci_low'], 1)} to "
                         f"{fmt.percent(win['percent_ci_high'], 1)}"},
        {"quantity": "months", "value": str(win["months"]),
         "95% interval": f"{win['first_month']} to {win['last_month']}"},
    ]).set_index("quantity")


@functools.lru_cache(maxsize=16)
def _sensitivity_cached(months: tuple[str, ...], counts: tuple[int, ...],
                        breakpoints: tuple[str, ...], covid: tuple[str, str] | None,
                        cov_type: str, fourier_k: int, family: str) -> pd.DataFrame:
    df = pd.DataFrame({"date": pd.PeriodIndex(months, freq="M").to_timestamp(), "count": counts})
    return its.breakpoint_sensitivity(df, list(breakpoints), date_col="date", count_col="count",
                                      family=family, fourier_k=fourier_k, covid=covid,
                                      cov_type=cov_type)


register_cache(_sensitivity_cached.cache_clear)


def breakpoint_sensitivity(a: ITSAnalysis, *, shifts: tuple[int, ...] | list[int],
                           covid: tuple[str, str] | None, fourier_k: int,
                           family: ITSFamily) -> pd.DataFrame:
    """The same model refitted with the breakpoint moved by ``shifts`` months (a table).

    Parameters
    ----------
    a
        The fitted analysis (its breakpoint and standard-error type are kept).
    shifts
        Months to move the breakpoint (``its.sensitivity_shifts``).
    covid, fourier_k, family
        As for :func:`referral_its`.

    """
    bp = pd.Period(a.result.breakpoint, "M")
    bps = tuple(str(bp + k) for k in shifts)
    raw = _sensitivity_cached(tuple(a.series["month"]),
                              tuple(int(v) for v in a.series["referrals"]), bps, covid,
                              a.result.cov_type, int(fourier_k), str(family)).copy()
    rows = []
    for shift, (_, r) in zip(shifts, raw.iterrows(), strict=True):
        label = f"{r['breakpoint']}" + (" (CCS start)" if shift == 0 else
                                         f" ({shift:+d} months)")
        if r["error"]:
            rows.append({"breakpoint": label, "months before / after": "–",
                         "level change RR (95% CI)": "not estimable",
                         "slope change RR per month (95% CI)": "–",
                         "observed − counterfactual, whole post-period (95% CI)": str(
                             r["error"])})
            continue
        rows.append({
            "breakpoint": label,
            "months before / after": f"{r['n_pre']} / {r['n_post']}",
            "level change RR (95% CI)": _rr({"rate_ratio": r["level_rr"],
                                             "ci_low": r["level_ci_low"],
                                             "ci_high": r["level_ci_high"]}),
            "slope change RR per month (95% CI)": _rr({"rate_ratio": r["slope_rr"],
                                                       "ci_low": r["slope_ci_low"],
                                                       "ci_high": r["slope_ci_high"]}, 3),
            "observed − counterfactual, whole post-period (95% CI)":
                f"{fmt.signed(r['cum_difference'])} ({fmt.signed(r['cum_ci_low'])} to "
                f"{fmt.signed(r['cum_ci_high'])})",
        })
    return pd.DataFrame(rows).set_index("breakpoint")


def e5_comparison(series: pd.DataFrame, ccs_start: Any, e5: pd.DataFrame, *,
                  autocorrelation_p: float,
                  hac_rule: HACRule) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Mean referrals per month before and since CCS, beside the published E5 figures.

    Returns
    -------
    tuple
        The table, and ``before``, ``after`` (monthly means), ``n_before``, ``n_after``,
        ``percent`` and ``rr`` (:class:`~ccs_methods.methods.rates.PeriodRatio`).

    """
    bp = month(ccs_start)
    per = pd.PeriodIndex(series["month"], freq="M")
    before = series.loc[per < bp, "referrals"].astype(float).to_list()
    after = series.loc[per >= bp, "referrals"].astype(float).to_list()
    rr = rates.period_ratio(before, after, autocorrelation_p=autocorrelation_p,
                            hac_rule=hac_rule)
    mb, ma = float(np.mean(before)), float(np.mean(after))
    pct = trend.percent_change(mb, ma)

    def pub(measure: str = "", fig_id: str = "") -> tuple[str, str]:
        r = e5[(e5["measure"] == measure) if measure else e5["figure_id"].str.contains(fig_id)]
        if r.empty:
            return "–", ""
        return published_value_text(r.iloc[0]), pages.cite(r.iloc[0])

    first, last = per[0], per[-1]
    _, sb = pub("referrals_per_month_mean")
    pc, sc = pub("referrals_per_month_change_pct")
    rows = [
        {"measure": f"mean referrals per month before CCS ({first:%b %Y}–{bp - 1:%b %Y})",
         "computed": fmt.ratio(mb, 1), "n (months)": len(before),
         "published": pub(fig_id="pre_ccs")[0] if not e5.empty else "–", "source": sb},
        {"measure": f"mean referrals per month since CCS ({bp:%b %Y}–{last:%b %Y})",
         "computed": fmt.ratio(ma, 1), "n (months)": len(after),
         "published": pub(fig_id="post_launch")[0] if not e5.empty else "–", "source": sb},
        {"measure": "percentage change", "computed": fmt.percent(pct, 1),
         "n (months)": len(before) + len(after), "published": pc, "source": sc},
        {"measure": "rate ratio, since vs before (95% CI; quasi-Poisson"
                    + (", Newey–West SE)" if rr.cov_type == "HAC" else ")"),
         "computed": f"{fmt.ratio(rr.rate_ratio)} ({fmt.interval(rr.ci_low, rr.ci_high)})",
         "n (months)": rr.n, "published": "not given", "source": ""},
    ]
    info = {"before": mb, "after": ma, "n_before": len(before), "n_after": len(after),
            "percent": pct, "rr": rr}
    return pd.DataFrame(rows).set_index("measure"), info


@dataclass(frozen=True)
class YearDescription:
    """A programme year of a referral series with no pre-CCS period (see :func:`describe_year`)."""

    months: pd.DataFrame
    description: its.SeriesDescription | None
    early_trend: trend.GLMTrendResult | None

    @property
    def table(self) -> pd.DataFrame:
        """The description as a table."""
        d = self.description
        if d is None:
            return pd.DataFrame()
        return pd.DataFrame([
            {"measure": "months", "value": f"{d.n_months} ({d.first_month} to {d.last_month})"},
            {"measure": "referrals (total)", "value": fmt.count(d.total)},
            {"measure": "mean per month", "value": fmt.ratio(d.monthly_mean, 1)},
            {"measure": "median per month", "value": fmt.ratio(d.monthly_median, 1)},
            {"measure": "lowest month", "value": f"{d.monthly_min:,} ({d.min_month})"},
            {"measure": "highest month", "value": f"{d.monthly_max:,} ({d.max_month})"},
        ]).set_index("measure")


def describe_year(series: pd.DataFrame, year: ProgrammeYear, *, min_months_for_trend: int = 4
                  ) -> YearDescription:
    """The months of a programme year: totals, mean, extremes and a per-month trend.

    The trend is a quasi-Poisson log-linear GLM per month over the year's months (None with
    fewer than ``min_months_for_trend`` months or counts the GLM cannot use).
    """
    months = year_months(year)
    per = pd.PeriodIndex(series["month"], freq="M")
    part = series[(per >= months[0]) & (per <= months[-1])].reset_index(drop=True)
    if part.empty:
        return YearDescription(months=part, description=None, early_trend=None)
    d = its.describe_series(part, date_col="date", count_col="referrals")
    g = None
    if len(part) >= min_months_for_trend:
        try:
            g = trend.glm_trend(part["referrals"].to_numpy(), np.arange(len(part), dtype=float),
                                family="quasipoisson")
        except MethodInputError:
            g = None
    return YearDescription(months=part, description=d, early_trend=g)


def e7_comparison(series: pd.DataFrame, e7: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Referrals over the report's E7 period recomputed, beside the published figure.

    Returns
    -------
    tuple
        The table (empty when E7 gives no period) and ``computed``, ``months``, ``row``.

    """
    if e7.empty:
        return pd.DataFrame(), {}
    r = e7.iloc[0]
    m = re.match(r"(\d{4}-\d{2})/(\d{4}-\d{2})", str(r["period"]))
    if not m:
        return pd.DataFrame(), {}
    p0, p1 = pd.Period(m.group(1), "M"), pd.Period(m.group(2), "M")
    per = pd.PeriodIndex(series["month"], freq="M")
    sel = series[(per >= p0) & (per <= p1)]
    computed = int(sel["referrals"].sum())
    table = pd.DataFrame([{"period": f"{p0:%B %Y} to {p1:%B %Y}", "computed": fmt.count(computed),
                           "n (months)": len(sel), "published": published_value_text(r),
                           "source": pages.cite(r)}]).set_index("period")
    return table, {"computed": computed, "months": len(sel), "row": r}
