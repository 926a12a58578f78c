"""Trend sections of the book's pages: LWA/DAF awards, referrals, and the programme view.

Question 2 (*how did LWA/DAF awards change, is there a trend, and how sure are we?*) and
question 3 (*was there a change in referrals at the programme start beyond the prior trend
and beyond Covid-19?*) of ``DOMAIN.md``, put on the pages. Each ``*_section`` function returns
a :class:`ccs_methods.analyses.published.Section` with tables, figures, a plain-English reading, an
honest caveat and the n behind every estimate; :func:`computed_results` gives the numbers that
feed the contribution analysis evidence register (``params/contribution/README.md``).

Every statistic comes from the tested methods in :mod:`ccs_methods.methods.trend`,
:mod:`~ccs_methods.methods.its` and :mod:`~ccs_methods.methods.spc`; this module only selects
the data, calls
them and lays out the results. Two comparisons are built from
:func:`~ccs_methods.methods.trend.glm_trend`
on *monthly* counts with a 0/1 period indicator (quasi-Poisson): the rate ratio of two periods
with an interval that reflects month-to-month variation, with Newey-West standard errors when
the months are autocorrelated (see :func:`period_ratio`).

LWA/DAF award analyses use only the months of the programme years that params list for the
site's ``lwa_awards`` dataset (year 0 = before CCS), and a calendar year only when all 12 of
its months are covered (:func:`restrict_to_listed`).

Record-level data are loaded through :func:`ccs_methods.data.datasets.load_record` once per process
(:func:`load_dataset` is cached by params root and data source); the interrupted time series
is cached by its inputs, so a page stays fast.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.analyses.published import Section
from ccs_methods.data import datasets
from ccs_methods.data.params import Params, ProgrammeYear, Site
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its, spc, trend
from ccs_methods.report import pages, plots
from ccs_methods.report.pages import PageContext

__all__ = [
    "ITSAnalysis",
    "LWATrend",
    "PeriodRatio",
    "annual_awards",
    "clear_cache",
    "computed_results",
    "counterfactual_window",
    "e14_comparisons",
    "e15_flows",
    "load_dataset",
    "lwa_section",
    "lwa_trend",
    "monthly_awards",
    "monthly_referrals",
    "period_ratio",
    "programme_trends_sections",
    "referral_its",
    "referrals_section",
    "restrict_to_listed",
]

#: Fourier pairs (12-month period) used for seasonality in the interrupted time series.
ITS_FOURIER_K = 2
#: Count family of the interrupted time series.
ITS_FAMILY = "quasipoisson"
#: Ljung-Box p below which the time series uses Newey-West (HAC) standard errors.
AUTOCORRELATION_P = 0.05
#: Breakpoint shifts (months) for the sensitivity table.
SENSITIVITY_SHIFTS = (-6, -3, 0, 3, 6)
#: Fewest complete calendar years for the annual trend tests.
MIN_TREND_YEARS = 3
#: Fewest months before the programme start for an interrupted time series.
MIN_PRE_MONTHS = its.MIN_POINTS_EACH_SIDE
#: Fewest baseline points for XmR limits fixed from the pre-CCS months (else all points).
MIN_XMR_BASELINE = spc.MIN_RECOMMENDED_POINTS

_LWA = "lwa_awards"
_SMALL_N_TEXT = (
    "A handful of annual points cannot show much. The smallest two-sided p-value the exact "
    "Mann–Kendall test can give with n points is 2/n!: 2/3! = 0.333 for n = 3 and "
    "2/4! = 0.083 for n = 4, so no result can reach the 5% level whatever the data; for n = 5 "
    "it is 0.017, reached only if every year rises (or every year falls). Read S, tau and the "
    "slopes as descriptions with wide intervals, not as proof of a trend, and a "
    "non-significant test as 'too little data', not 'no trend'."
)


# ======================================================================================
# loading and caching
# ======================================================================================
@dataclass(frozen=True)
class _Key:
    """Cache key: params root, data source and data folder (params itself is not hashable)."""

    root: str
    source: str
    data_dir: str
    name: str
    params: Params = field(compare=False, hash=False, repr=False)


def _data_dir() -> str:
    from ccs_methods.data import paths

    try:
        return str(paths.data_dir())
    except Exception:  # the loader raises the clear error itself
        return ""


@functools.lru_cache(maxsize=16)
def _load_cached(key: _Key) -> pd.DataFrame:
    return datasets.load_record(key.params, key.name)


def load_dataset(params: Params, name: str) -> pd.DataFrame:
    """Load a record-level dataset once per process (cached by params root and source).

    Parameters
    ----------
    params
        Loaded parameters (the source, synthetic or raw, is read from them).
    name
        Dataset name, e.g. ``"lwa_awards"`` or ``"referrals_ncan"``.

    Returns
    -------
    pandas.DataFrame
        A copy of the validated dataset (callers may modify it).

    """
    source = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    key = _Key(str(params.root), str(source), _data_dir(), name, params)
    return _load_cached(key).copy()


def clear_cache() -> None:
    """Forget cached datasets and model fits (e.g. after new data is dropped in)."""
    _load_cached.cache_clear()
    _its_cached.cache_clear()
    _sensitivity_cached.cache_clear()


# ======================================================================================
# formatting helpers
# ======================================================================================
def _fmt(v: float | None, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:,.{digits}f}"


def _fmt_ci(lo: float | None, hi: float | None, digits: int = 2) -> str:
    if lo is None and hi is None:
        return "unbounded (too few points)"
    low = "−∞ (unbounded)" if lo is None else _fmt(lo, digits)
    high = "+∞ (unbounded)" if hi is None else _fmt(hi, digits)
    return f"{low} to {high}"


def _fmt_p(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _pct(v: float, digits: int = 0) -> str:
    return f"{v:+,.{digits}f}%"


def _rr_text(rr: float, lo: float, hi: float, digits: int = 2) -> str:
    return f"{rr:.{digits}f} (95% CI {lo:.{digits}f} to {hi:.{digits}f})"


def _rr_cell(rr: float, lo: float, hi: float, digits: int = 2) -> str:
    """A rate ratio with its interval for a table whose header already says "(95% CI)"."""
    return f"{rr:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"


def _interval_verdict(lo: float, hi: float, null: float, above: str, below: str,
                      includes: str) -> str:
    if lo > null:
        return above
    if hi < null:
        return below
    return includes


def _month(value: Any) -> pd.Period:
    return pd.Timestamp(value).to_period("M")


def _direction(lo: float, hi: float, null: float = 1.0) -> str:
    """``"up"`` if the interval lies above ``null``, ``"down"`` if below, else ``"unclear"``."""
    if lo > null:
        return "up"
    if hi < null:
        return "down"
    return "unclear"


def _in_listed(params: Params, site_id: str, months: Sequence[str],
               dataset: str = _LWA) -> np.ndarray:
    """Boolean mask: which ``YYYY-MM`` months lie in a listed programme year (0 = pre-CCS)."""
    site = params.site(site_id)
    listed = set(site.datasets.get(dataset, []))  # type: ignore[call-overload]
    prog = params.programme
    mask = []
    for m in months:
        per = pd.Period(m, "M")
        first = per.start_time.date()
        last = per.end_time.date()
        mask.append(prog.year_of(first) in listed and prog.year_of(last) in listed)
    return np.asarray(mask, dtype=bool)


def _listed_text(params: Params, site_id: str, dataset: str = _LWA) -> str:
    """Plain words for the programme years listed for a dataset, e.g. 'pre-CCS, Year 1'."""
    have = params.site(site_id).datasets.get(dataset, [])  # type: ignore[call-overload]
    return ", ".join("pre-CCS" if n == 0 else f"Year {n}" for n in sorted(have)) or "none"


def restrict_to_listed(monthly: pd.DataFrame, params: Params, site_id: str,
                       dataset: str = _LWA) -> pd.DataFrame:
    """Keep the months of :func:`monthly_awards` that lie in the listed programme years."""
    return monthly[_in_listed(params, site_id, list(monthly["month"]), dataset)].reset_index(
        drop=True)


def _year_months(year: ProgrammeYear) -> pd.PeriodIndex:
    return pd.period_range(_month(year.start), _month(year.end), freq="M")


def _source_line(name: str, synthetic: bool, extra: str = "") -> str:
    kind = "synthetic stand-in" if synthetic else "record-level extract"
    line = f"dataset {name} ({kind})"
    return f"{line}; {extra}" if extra else line


def _published(exhibit: str, site: str, measures: Sequence[str] | None = None) -> pd.DataFrame:
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    sel = (fig["exhibit"] == exhibit) & (fig["site"] == site)
    if measures is not None:
        sel &= fig["measure"].isin(list(measures))
    return fig.loc[sel].reset_index(drop=True)


def _published_value_text(row: pd.Series) -> str:
    v = float(row["value"])
    unit = str(row["unit"])
    if unit == "ratio":
        return f"×{v:g}"
    if unit == "percent":
        return f"{v:+g}%"
    return f"{v:,.0f}"


# ======================================================================================
# LWA / DAF awards: data preparation and analyses
# ======================================================================================
def monthly_awards(awards: pd.DataFrame, site: str) -> pd.DataFrame:
    """Monthly LWA/DAF awards (or items) of one site, summed over payment types.

    For the Welsh DAF the Emergency (EAP) and Individual (IAP) Assistance Payments are added.
    A month is *complete* when it has a row for every payment type the site reports at all.

    Parameters
    ----------
    awards
        The ``lwa_awards`` dataset (columns ``site``, ``month``, ``payment_type``, ``awards``;
        ``unit`` optional).
    site
        Site id.

    Returns
    -------
    pandas.DataFrame
        One row per month in order: ``month`` (``YYYY-MM``), ``date`` (first day),
        ``awards``, one column per payment type when there are several, ``complete``,
        ``unit``.

    Raises
    ------
    MethodInputError
        A required column is missing, or the site has no rows.

    """
    for col in ("site", "month", "awards"):
        if col not in awards.columns:
            raise MethodInputError(
                f"column '{col}' not found in the LWA awards table; it has "
                f"{list(awards.columns)}.",
                column=col,
            )
    part = awards[awards["site"] == site].copy()
    if part.empty:
        raise MethodInputError(
            f"the LWA awards table has no rows for site '{site}'.", column="site"
        )
    if "payment_type" not in part.columns:
        part["payment_type"] = "all"
    part["period"] = [_month(m) for m in part["month"]]
    wide = part.pivot_table(
        index="period", columns="payment_type", values="awards", aggfunc="sum"
    ).sort_index()
    types = [str(c) for c in wide.columns]
    out = pd.DataFrame(
        {
            "month": [str(p) for p in wide.index],
            "date": [p.to_timestamp() for p in wide.index],
            "awards": wide.sum(axis=1, min_count=1).astype(float).to_numpy(),
        }
    )
    if len(types) > 1:
        for t in types:
            out[t] = wide[t].to_numpy()
    out["complete"] = wide.notna().all(axis=1).to_numpy()
    unit = str(part["unit"].iloc[0]) if "unit" in part.columns else "awards"
    out["unit"] = unit
    return out.reset_index(drop=True)


def annual_awards(monthly: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year totals of :func:`monthly_awards`, saying which years are complete.

    Parameters
    ----------
    monthly
        Output of :func:`monthly_awards`.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``awards`` (and per-payment-type columns if any), ``months`` (complete
        months with data) and ``complete`` (all 12 months present).

    """
    df = monthly.copy()
    df["year"] = [int(m[:4]) for m in df["month"]]
    extra = [c for c in df.columns if c not in ("month", "date", "awards", "complete", "unit",
                                                  "year")]
    agg: dict[str, Any] = {"awards": ("awards", "sum"), "months": ("complete", "sum")}
    for c in extra:
        agg[c] = (c, "sum")
    out = df.groupby("year", sort=True).agg(**agg).reset_index()
    out["months"] = out["months"].astype(int)
    out["complete"] = out["months"] == 12
    out["awards"] = out["awards"].round().astype(int)
    for c in extra:
        out[c] = out[c].round().astype(int)
    return out[["year", "awards", *extra, "months", "complete"]]


@dataclass(frozen=True)
class LWATrend:
    """Trend tests on a site's complete calendar years (see :func:`lwa_trend`)."""

    years: list[int]
    counts: list[int]
    mann_kendall: trend.MannKendallResult
    theil_sen: trend.TheilSenResult
    glm: trend.GLMTrendResult

    @property
    def n(self) -> int:
        """Number of annual points."""
        return len(self.years)

    def result(self) -> dict[str, Any]:
        """The evidence-register entry ``trend.lwa.<site>`` (JSON types only)."""
        g = self.glm
        return trend.json_safe(
            {
                "rate_ratio": g.rate_ratio,
                "ci_low": g.ci_low,
                "ci_high": g.ci_high,
                "n": self.n,
                "p_value": g.p_value,
                "family": g.family,
                "dispersion": g.dispersion,
                "first_year": self.years[0],
                "last_year": self.years[-1],
                "mann_kendall_s": self.mann_kendall.s,
                "mann_kendall_p": self.mann_kendall.p_value,
                "kendall_tau": self.mann_kendall.tau,
                "dataset": _LWA,
            }
        )


def lwa_trend(annual: pd.DataFrame) -> LWATrend | None:
    """Exact Mann–Kendall, Kendall's tau, Theil–Sen slope and GLM rate ratio per year.

    Only complete calendar years are used. Returns None when fewer than
    :data:`MIN_TREND_YEARS` complete years are available.

    Parameters
    ----------
    annual
        Output of :func:`annual_awards`.

    Returns
    -------
    LWATrend or None
        The three methods' results on the same points.

    """
    comp = annual[annual["complete"]]
    if len(comp) < MIN_TREND_YEARS:
        return None
    years = [int(y) for y in comp["year"]]
    counts = [int(v) for v in comp["awards"]]
    x = np.asarray(years, dtype=float)
    return LWATrend(
        years=years,
        counts=counts,
        mann_kendall=trend.mann_kendall(counts, x, method="exact"),
        theil_sen=trend.theil_sen(counts, x),
        glm=trend.glm_trend(counts, x),
    )


@dataclass(frozen=True)
class PeriodRatio:
    """Result of :func:`period_ratio`: the GLM and the autocorrelation check behind it."""

    glm: trend.GLMTrendResult
    ljung_box_p: float | None
    ljung_box_lags: int

    @property
    def rate_ratio(self) -> float:
        """Ratio of the mean monthly count after to before."""
        return self.glm.rate_ratio

    @property
    def ci_low(self) -> float:
        """Lower 95% limit."""
        return self.glm.ci_low

    @property
    def ci_high(self) -> float:
        """Upper 95% limit."""
        return self.glm.ci_high

    @property
    def n(self) -> int:
        """Months in both periods."""
        return self.glm.n

    @property
    def dispersion(self) -> float | None:
        """Pearson dispersion of the Poisson fit (1 = Poisson)."""
        return self.glm.dispersion

    @property
    def cov_type(self) -> str:
        """``"HAC"`` (Newey–West) or ``"nonrobust"``."""
        return self.glm.cov_type

    def method_text(self) -> str:
        """How the interval was computed, in words."""
        lb = _fmt_p(self.ljung_box_p)
        if self.glm.cov_type == "HAC":
            return (
                f"quasi-Poisson, t on {self.glm.df_resid} df; the monthly residuals are "
                f"autocorrelated (Ljung–Box p = {lb} at {self.ljung_box_lags} lags), so "
                f"Newey–West (HAC) standard errors with {self.glm.hac_lags} lags"
            )
        return (
            f"quasi-Poisson, t on {self.glm.df_resid} df; no residual autocorrelation "
            f"detected (Ljung–Box p = {lb} at {self.ljung_box_lags} lags), so model-based "
            "standard errors"
        )


def period_ratio(before: Sequence[float], after: Sequence[float]) -> PeriodRatio:
    """Rate ratio of the mean monthly count after vs before, with a 95% interval.

    :func:`ccs_methods.methods.trend.glm_trend` on the monthly counts with x = 0 (before) / 1
    (after) and a quasi-Poisson family: the rate ratio is exactly the ratio of the two
    monthly means, and the interval reflects month-to-month variation (including seasonal
    swings, which makes it conservative when both periods cover the same calendar months).
    Months are not assumed independent: the Ljung–Box test (``min(12, n/5)`` lags) is run
    on the Pearson residuals in time order (the before months, then the after months), and
    when ``p <`` :data:`AUTOCORRELATION_P` the interval uses Newey–West (HAC) standard errors
    with ``floor(4 (n/100)^(2/9))`` lags (at least 1), as the interrupted time series does.

    Parameters
    ----------
    before, after
        Monthly counts of the two periods in time order (at least one each, three in all).

    Returns
    -------
    PeriodRatio
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``dispersion``, ``n`` (months),
        ``cov_type``, the Ljung–Box p and the underlying GLM result.

    Raises
    ------
    MethodInputError
        An empty period, or counts the GLM cannot use (e.g. a period of all zeros).

    """
    from statsmodels.stats.diagnostic import acorr_ljungbox

    b, a = list(before), list(after)
    if not b or not a:
        raise MethodInputError("both periods need at least one month of counts.")
    y = b + a
    x = [0.0] * len(b) + [1.0] * len(a)
    first = trend.glm_trend(y, x, family="quasipoisson")
    yv = np.asarray(y, dtype=float)
    mu = np.where(np.asarray(x) == 0, np.mean(b), np.mean(a))
    resid = (yv - mu) / np.sqrt(mu)
    lags = int(max(1, min(12, len(y) // 5)))
    lb_p: float | None = None
    if len(y) > lags + 1 and np.ptp(resid) > 0:
        lb_p = float(acorr_ljungbox(resid, lags=[lags], return_df=True)["lb_pvalue"].iloc[-1])
        if not math.isfinite(lb_p):
            lb_p = None
    if lb_p is not None and lb_p < AUTOCORRELATION_P:
        res = trend.glm_trend(y, x, family="quasipoisson", cov_type="HAC")
    else:
        res = first
    return PeriodRatio(glm=res, ljung_box_p=lb_p, ljung_box_lags=lags)


def _window_counts(monthly: pd.DataFrame, months: pd.PeriodIndex, col: str) -> list[float] | None:
    """Counts of ``months`` from a month-indexed table, or None if any month is missing."""
    have = dict(zip(monthly["month"], monthly[col], strict=True))
    comp = dict(zip(monthly["month"], monthly.get("complete", [True] * len(monthly)),
                    strict=True))
    out = []
    for p in months:
        k = str(p)
        if k not in have or not comp[k] or pd.isna(have[k]):
            return None
        out.append(float(have[k]))
    return out


def _calendar_months(year: int) -> pd.PeriodIndex:
    return pd.period_range(f"{year}-01", f"{year}-12", freq="M")


_YEARS_RE = re.compile(r"(\d{4})\D+(\d{4})")
_TO_RE = re.compile(r"to (\d{4})")


def _e14_items(
    annual: pd.DataFrame, monthly: pd.DataFrame, e14_rows: pd.DataFrame
) -> list[dict[str, Any]]:
    """The numbers behind :func:`e14_comparisons`, one dict per published comparison."""
    items: list[dict[str, Any]] = []
    comp_rows = annual[annual["complete"]]
    totals = dict(zip(comp_rows["year"], comp_rows["awards"], strict=True))
    complete = [int(y) for y in comp_rows["year"]]
    for _, r in e14_rows.iterrows():
        if r["measure"] not in ("lwa_awards_fold_change", "lwa_awards_change_pct"):
            continue
        period = str(r["period"])
        note = ""
        m = _YEARS_RE.search(period)
        if m:
            y0, y1 = int(m.group(1)), int(m.group(2))
        else:
            t = _TO_RE.search(period)
            if not t or not complete:
                continue
            y0, y1 = complete[0], int(t.group(1))
            note = (
                f"base year not stated in the report; the first complete year of the data "
                f"({y0}) is used"
            )
        value = float(r["value"])
        item: dict[str, Any] = {
            "row": r, "y0": y0, "y1": y1, "note": note, "a": None, "b": None, "rr": None,
            "published_ratio": value if r["unit"] == "ratio" else 1 + value / 100,
        }
        if y0 in totals and y1 in totals:
            item["a"], item["b"] = float(totals[y0]), float(totals[y1])
            before = _window_counts(monthly, _calendar_months(y0), "awards")
            after = _window_counts(monthly, _calendar_months(y1), "awards")
            if before and after:
                item["rr"] = period_ratio(before, after)
        items.append(item)
    return items


def e14_comparisons(
    annual: pd.DataFrame, monthly: pd.DataFrame, e14_rows: pd.DataFrame
) -> pd.DataFrame:
    """The E14 comparisons of one site recomputed from the data, beside the published figure.

    Each published fold change or percentage change (``lwa_awards_fold_change`` /
    ``lwa_awards_change_pct``) is recomputed between the same calendar years. Where the report
    gives no base year ("to 2020") the first complete year of the data is used and said so.
    The rate ratio with its 95% interval compares the monthly counts of the two years
    (:func:`period_ratio`), an interval the report did not give.

    Parameters
    ----------
    annual, monthly
        Outputs of :func:`annual_awards` and :func:`monthly_awards` for the site.
    e14_rows
        Published E14 rows of the site.

    Returns
    -------
    pandas.DataFrame
        One row per published comparison (empty when there is none): ``comparison``, the two
        years' totals, ``computed``, ``published``, ``percent change``,
        ``rate ratio (95% CI)``, ``n (months)``, ``note``, ``source``.

    """
    rows = []
    for it in _e14_items(annual, monthly, e14_rows):
        r, y0, y1, a, b, rr = it["row"], it["y0"], it["y1"], it["a"], it["b"], it["rr"]
        row: dict[str, Any] = {"comparison": f"{y0} → {y1}"}
        if a is None or b is None:
            missing = ", ".join(str(y) for y in (y0, y1) if y not in set(
                annual.loc[annual["complete"], "year"]))
            row.update(computed=f"not available: {missing} is not a complete calendar year "
                                "in the data used (see the rule above)",
                       published=_published_value_text(r), note=it["note"],
                       source=pages.cite(r))
            rows.append(row)
            continue
        pct = trend.percent_change(a, b)
        row.update({
            f"{y0} total": f"{a:,.0f}",
            f"{y1} total": f"{b:,.0f}",
            "computed": f"×{b / a:.2f}" if r["unit"] == "ratio" else _pct(pct, 1),
            "published": _published_value_text(r),
            "percent change": _pct(pct, 1),
            "rate ratio (95% CI)": _rr_cell(rr.rate_ratio, rr.ci_low, rr.ci_high)
            if rr else "– (a year is incomplete)",
            "n (months)": rr.n if rr else 0,
            "note": it["note"],
            "source": pages.cite(r),
        })
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    tail = ["computed", "published", "percent change", "rate ratio (95% CI)", "n (months)",
            "note", "source"]
    totals = [c for c in df.columns if c.endswith(" total")]
    return df.reindex(columns=["comparison", *totals, *tail]).astype(object).fillna("")


def _xmr_baseline(dates: Sequence[pd.Timestamp], start: Any) -> int | None:
    """Points before ``start`` if there are enough to fix the limits, else None (all)."""
    n_pre = sum(1 for d in dates if d < pd.Timestamp(start))
    return n_pre if n_pre >= MIN_XMR_BASELINE and n_pre < len(dates) else None


def _xmr_tables(res: spc.XmRResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Special-cause months grouped into runs, and the meaning of each flag."""
    frame = res.to_frame()
    runs: list[dict[str, Any]] = []
    start = None
    for i in range(len(frame) + 1):
        flagged = i < len(frame) and bool(frame["special_cause"].iloc[i])
        same = (
            flagged
            and start is not None
            and frame["explanation"].iloc[i] == frame["explanation"].iloc[start]
        )
        if start is not None and not same:
            part = frame.iloc[start:i]
            first, last = part["date"].iloc[0][:7], part["date"].iloc[-1][:7]
            runs.append({
                "months": first if first == last else f"{first} to {last}",
                "n (months)": len(part),
                "values": f"{part['value'].min():,.0f}" if len(part) == 1 else
                f"{part['value'].min():,.0f} to {part['value'].max():,.0f}",
                "why flagged": part["explanation"].iloc[0],
            })
            start = None
        if flagged and start is None:
            start = i
    if runs:
        table = pd.DataFrame(runs).set_index("months")
    else:
        table = pd.DataFrame({"months": ["–"], "n (months)": [0], "values": ["–"],
                              "why flagged": ["no special-cause variation"]}).set_index("months")
    keys = ["outside_limits", "shift", "trend", "two_of_three"]
    meanings = pd.DataFrame(
        {
            "flag": [k.replace("_", " ") for k in keys],
            "points flagged": [res.summary[k] for k in keys],
            "meaning": [res.flag_meanings[k] for k in keys],
        }
    ).set_index("flag")
    return table, meanings


def _xmr_limits_text(res: spc.XmRResult, unit: str) -> str:
    return (
        f"Mean {res.mean:,.1f} {unit} a month; process limits {res.lcl:,.1f} to {res.ucl:,.1f} "
        f"(mean ± 2.66 × mean moving range {res.mr_bar:,.1f}), set from {res.n_baseline} of "
        f"{res.n} months."
    )


def _shade_year(ax: Any, year: ProgrammeYear, label: bool = True) -> None:
    ax.axvspan(
        pd.Timestamp(year.start),
        pd.Timestamp(year.end) + pd.Timedelta(days=1),
        color="#999999",
        alpha=0.18,
        lw=0,
        label=f"{year.label} ({year.start:%b %Y}–{year.end:%b %Y})" if label else None,
    )


def _xmr_figure(
    res: spc.XmRResult,
    dates: Sequence[pd.Timestamp],
    *,
    title: str,
    ylabel: str,
    source: str,
    synthetic: bool,
    what: str,
    year: ProgrammeYear | None,
    colour: str,
) -> plots.Figure:
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
    ax.legend(loc="upper left", fontsize=7, ncol=2)
    s = res.summary
    base = (
        f"the first {res.n_baseline} months (before CCS)"
        if res.n_baseline < res.n
        else f"all {res.n} months"
    )
    alt = (
        f"XmR control chart of {what} per month, {x[0]:%B %Y} to {x[-1]:%B %Y} ({res.n} "
        f"months). Mean {res.mean:,.0f}, process limits {res.lcl:,.0f} to {res.ucl:,.0f}, set "
        f"from {base}. {s['special_cause']} months show special-cause variation: "
        f"{s['outside_limits']} outside the limits, {s['shift']} in runs on one side of the "
        f"mean, {s['trend']} in runs rising or falling, {s['two_of_three']} two-of-three."
    )
    return plots.finish(fig, ax, title=title, xlabel="Month", ylabel=ylabel, source=source,
                        alt=alt, synthetic=synthetic)


def _annual_figure(
    annual: pd.DataFrame,
    tr: LWATrend | None,
    *,
    title: str,
    unit_word: str,
    source: str,
    synthetic: bool,
    colour: str,
) -> plots.Figure:
    fig, ax = plots.new_figure(figsize=(8, 4.2))
    comp = annual["complete"].to_numpy()
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
    ax.legend(loc="upper left", fontsize=8)
    parts = "; ".join(
        f"{y}: {v:,.0f}" + ("" if c else " (incomplete)")
        for y, v, c in zip(years, vals, comp, strict=True)
    )
    alt = f"Bar chart of {unit_word} per calendar year. {parts}."
    if tr is not None:
        alt += (
            f" A dashed Theil–Sen line through the {tr.n} complete years changes by "
            f"{tr.theil_sen.slope:+,.0f} a year."
        )
    return plots.finish(fig, ax, title=title, xlabel="Calendar year",
                        ylabel=f"{unit_word.capitalize()} per year (count)", source=source,
                        alt=alt, synthetic=synthetic)


def _no_data_note(ctx: PageContext, key: str, what: str, dataset: str) -> str:
    have = ctx.site.datasets.get(key, [])  # type: ignore[call-overload]
    labels = ["pre-CCS" if n == 0 else f"Year {n}" for n in have]
    listed = ", ".join(labels) if labels else "no year"
    return pages.admonition(
        "note",
        f"No {what} for {ctx.year.label}",
        f"`params/sites/{ctx.site.id}.yml` lists {what} for {ctx.site.display_name} for "
        f"{listed} only, so nothing is analysed for {ctx.year.label} "
        f"({ctx.period_text()}). This section fills in when the year's `{dataset}` records "
        f"are in `data/`, the year is listed under `datasets: {key}` in the site file, and "
        "the book is rebuilt. Trends over the whole series are on the pages of the years "
        "listed.",
    )


def _year_vs_previous(monthly: pd.DataFrame, year: ProgrammeYear) -> dict[str, Any]:
    months = _year_months(year)
    prev = pd.period_range(months[0] - 12, months[0] - 1, freq="M")
    now = _window_counts(monthly, months, "awards")
    before = _window_counts(monthly, prev, "awards")
    out: dict[str, Any] = {
        "months": months,
        "previous": prev,
        "now": now,
        "before": before,
        "result": None,
    }
    if now is not None and before is not None:
        out["result"] = period_ratio(before, now)
    return out


def _cites(rows: pd.DataFrame) -> str:
    """The distinct citations (report and section, from the figure rows) joined by '; '."""
    if rows.empty:
        return ""
    return "; ".join(dict.fromkeys(pages.cite(r) for _, r in rows.iterrows()))


def _listed_rule_text(params: Params, site_id: str, all_months: pd.DataFrame,
                      used: pd.DataFrame) -> str:
    """The rule deciding which months of the award records are analysed, with this site's case."""
    dropped = len(all_months) - len(used)
    text = (
        f"**Which months are used.** Only months in the programme years that "
        f"`params/sites/{site_id}.yml` lists for `{_LWA}` ({_listed_text(params, site_id)}; "
        "pre-CCS = before Year 1) are analysed, and a calendar year enters the trend tests only "
        "when all 12 of its months are covered; the pages of other years say there are no "
        "award data for them, and the analyses agree."
    )
    if dropped:
        text += (
            f" The records run from {all_months['month'].iloc[0]} to "
            f"{all_months['month'].iloc[-1]}; {dropped} month(s) outside the listed years are "
            "left out until those years are listed in the site file."
        )
    return text


def _theil_sen_interval_note(ts_res: trend.TheilSenResult) -> str:
    if ts_res.interval_method == "exact":
        if ts_res.coverage is None:
            full = 1 - 2 / math.factorial(ts_res.n)
            return (f"exact order statistics: with n = {ts_res.n} even the smallest-to-largest "
                    f"slope covers only {full:.3f}, so no 95% interval")
        return f"exact order-statistic interval, exact coverage {ts_res.coverage:.3f}"
    return "Sen (1968) order-statistic interval, normal approximation"


def _lwa_reading(tr: LWATrend, unit_word: str) -> str:
    """The reading of the trend tests, every direction word taken from the estimates."""
    mk, ts_res, g = tr.mann_kendall, tr.theil_sen, tr.glm
    moved = "rose" if mk.s > 0 else "fell" if mk.s < 0 else "showed no overall direction"
    if ts_res.ci_low is not None and ts_res.ci_high is not None:
        ts_ci = (f"95% CI {_fmt_ci(ts_res.ci_low, ts_res.ci_high, 0)}"
                 + (f", exact coverage {ts_res.coverage:.3f}" if ts_res.coverage else ""))
    elif ts_res.interval_method == "exact":
        ts_ci = (f"with n = {ts_res.n} no order-statistic interval reaches 95%: even the "
                 f"smallest-to-largest slope covers only 1 − 2/{ts_res.n}! = "
                 f"{1 - 2 / math.factorial(ts_res.n):.3f}")
    else:
        ts_ci = f"95% CI {_fmt_ci(ts_res.ci_low, ts_res.ci_high, 0)}"
    verdict = {
        "up": "the interval lies above 1, so the data point to a rise",
        "down": "the interval lies below 1, so the data point to a fall",
        "unclear": "the interval includes 1 (no change), so the direction is not settled",
    }[_direction(g.ci_low, g.ci_high)]
    return (
        f"**Reading.** Over the {tr.n} complete years {tr.years[0]}–{tr.years[-1]} "
        f"{unit_word} went from {tr.counts[0]:,} to {tr.counts[-1]:,}; by Kendall's S they "
        f"{moved} overall. The Theil–Sen slope is {ts_res.slope:+,.0f} {unit_word} a year "
        f"({ts_ci}); the log-linear model gives a rate ratio of "
        f"{_rr_text(g.rate_ratio, g.ci_low, g.ci_high)} per year ({verdict}), about "
        f"{_pct(g.percent_change_per_unit)} a year. Kendall's tau is {mk.tau:.2f} "
        f"(S = {mk.s}) with an exact two-sided p = {_fmt_p(mk.p_value)} (n = {mk.n})."
    )


def lwa_section(
    ctx: PageContext,
    *,
    awards: pd.DataFrame | None = None,
    synthetic: bool | None = None,
) -> Section:
    """LWA/DAF awards of the page's site: annual trend, E14, XmR chart and the year's change.

    Parameters
    ----------
    ctx
        The page context (site and programme year).
    awards
        The ``lwa_awards`` table; default: loaded through params (cached).
    synthetic
        Whether ``awards`` is synthetic; default: what params say for ``lwa_awards``.

    Returns
    -------
    Section
        Tables, two figures (annual bars with the Theil–Sen line; XmR chart of monthly
        awards), reading and caveats; ``results`` holds ``trend.lwa.<site>``. When params
        list no award data for the year, a note instead.

    """
    site = ctx.site
    scheme = site.lwa_scheme
    unit_word = "awards" if scheme.award_unit == "awards" else "items awarded"
    title = f"{scheme.short_name} {unit_word}, {site.display_name}"
    e14 = _published("E14", site.id)
    e14_cite = _cites(e14[e14["measure"].isin(["lwa_awards_fold_change",
                                                "lwa_awards_change_pct"])])
    if not ctx.has(_LWA):
        return Section(title, pd.DataFrame(),
                       note=_no_data_note(ctx, _LWA, "LWA/DAF award data", _LWA))
    if awards is None:
        awards = load_dataset(ctx.params, _LWA)
    if synthetic is None:
        synthetic = datasets.is_synthetic(ctx.params, _LWA)
    try:
        all_months = monthly_awards(awards, site.id)
    except MethodInputError as exc:
        return Section(title, pd.DataFrame(), note=pages.admonition(
            "warning", "No award records for this site", f"{exc}"))
    monthly = restrict_to_listed(all_months, ctx.params, site.id)
    if monthly.empty:
        return Section(title, pd.DataFrame(), note=pages.admonition(
            "note", "No award records in the listed years",
            f"The `{_LWA}` records for {site.display_name} run from "
            f"{all_months['month'].iloc[0]} to {all_months['month'].iloc[-1]}, none of it in "
            f"the programme years `params/sites/{site.id}.yml` lists for `{_LWA}` "
            f"({_listed_text(ctx.params, site.id)})."))
    annual = annual_awards(monthly)
    tr = lwa_trend(annual)
    source = _source_line(_LWA, synthetic, f"{scheme.name} ({scheme.short_name})")
    colour = plots.SITE_COLOURS.get(site.id, plots.PALETTE[0])
    types = [c for c in annual.columns if c not in ("year", "awards", "months", "complete")]

    # ---------------- main table: annual totals
    table = pd.DataFrame({"calendar year": annual["year"].astype(str)})
    for t in types:
        table[f"{t} {unit_word}"] = [f"{v:,.0f}" for v in annual[t]]
    table[f"{unit_word} (total)" if types else unit_word] = [f"{v:,.0f}" for v in
                                                            annual["awards"]]
    table["months with data"] = annual["months"].to_numpy()
    table["complete year"] = ["yes" if c else "no" for c in annual["complete"]]
    table = table.set_index("calendar year")

    complete_years = [int(y) for y in annual.loc[annual["complete"], "year"]]
    partial_years = [int(y) for y in annual.loc[~annual["complete"], "year"]]
    md: list[str] = []
    what = (
        f"The {scheme.name} ({scheme.short_name}) in {site.display_name}, counted as "
        f"**{unit_word}**"
        + (
            " (Emergency and Individual Assistance Payments added together)"
            if set(types) == {"EAP", "IAP"}
            else ""
        )
        + ", by calendar year as in the report"
        + (f" ({e14_cite})" if e14_cite else "")
        + f". Complete years (12 months "
        f"of data): {', '.join(map(str, complete_years)) or 'none'}"
        + (
            f"; incomplete and left out of the tests: {', '.join(map(str, partial_years))}."
            if partial_years
            else "."
        )
        + " The trend uses every complete calendar year in the data, so it is the same on "
        "every page of this site; the comparison for the page's programme year is below."
    )
    md.append(what)
    md.append(_listed_rule_text(ctx.params, site.id, all_months, monthly))
    data_unit = str(monthly["unit"].iloc[0])
    if data_unit != scheme.award_unit:
        md.append(pages.admonition(
            "warning", "Unit mismatch",
            f"`params/sites/{site.id}.yml` says the scheme counts {scheme.award_unit}, but the "
            f"`{_LWA}` records for {site.display_name} are in {data_unit}. The figures below "
            "are as recorded; check which is right before comparing with the report."))
    extra: list[tuple[str, pd.DataFrame]] = []
    results: dict[str, dict] = {}
    if tr is None:
        md.append(pages.admonition(
            "warning", "Too few years for a trend",
            f"Only {len(complete_years)} complete calendar year(s); the trend methods need at "
            f"least {MIN_TREND_YEARS}."))
    else:
        mk, ts, g = tr.mann_kendall, tr.theil_sen, tr.glm
        results[f"trend.lwa.{site.id}"] = tr.result()
        md.append(_lwa_reading(tr, unit_word))
        md.append(pages.admonition("important", "How sure can we be?", _SMALL_N_TEXT + (
            f" Here n = {mk.n}: the smallest attainable p is {mk.min_attainable_p:.3f}."
            if mk.min_attainable_p is not None else "")
            + f" The model's dispersion is {_fmt(g.dispersion, 1)} (1 = Poisson), so a "
            f"{g.family} model was used ({g.family_reason}) and its interval rests on "
            f"{g.df_resid} residual degree(s) of freedom. Awards also move with scheme "
            "budgets and criteria, Covid-19 grants and national schemes: a trend on its own "
            "says nothing about what CCS contributed."))
        tests = pd.DataFrame(
            [
                {"method": "Mann–Kendall S (exact)", "estimate": f"{mk.s}",
                 "95% interval": "–", "p-value": _fmt_p(mk.p_value), "n": mk.n,
                 "note": f"smallest attainable p = {_fmt(mk.min_attainable_p, 3)}"},
                {"method": "Kendall's tau-b", "estimate": f"{mk.tau:.2f}",
                 "95% interval": "–", "p-value": _fmt_p(mk.p_value), "n": mk.n,
                 "note": "same test as S"},
                {"method": f"Theil–Sen slope ({unit_word} per year)",
                 "estimate": f"{ts.slope:+,.0f}",
                 "95% interval": _fmt_ci(ts.ci_low, ts.ci_high, 0), "p-value": "–",
                 "n": ts.n, "note": _theil_sen_interval_note(ts)},
                {"method": f"GLM rate ratio per year ({g.family})",
                 "estimate": f"{g.rate_ratio:.2f}",
                 "95% interval": _fmt_ci(g.ci_low, g.ci_high, 2),
                 "p-value": _fmt_p(g.p_value), "n": g.n,
                 "note": f"dispersion {_fmt(g.dispersion, 1)}; {g.df_resid} residual df"
                         + ("; t interval" if g.reference == "t" else "")},
            ]
        ).set_index("method")
        extra.append((f"Trend tests on the complete calendar years {tr.years[0]}–"
                      f"{tr.years[-1]}", tests))

    # ---------------- E14 reconciliation
    comp = e14_comparisons(annual, monthly, e14)
    if not comp.empty:
        extra.append(("E14 recomputed from the data, beside the published figure", comp
                      .set_index("comparison")))
        quotes = "; ".join(f"“{q}”" for q in e14.loc[
            e14["measure"].isin(["lwa_awards_fold_change", "lwa_awards_change_pct"]),
            "source_quote"])
        md.append(
            f"**E14 reconciliation.** The report says {quotes} ({e14_cite}). "
            "The table puts the same comparison computed from the data next to it, with the "
            "rate ratio of the two years' monthly counts and its 95% interval, which the "
            "report did not give (quasi-Poisson on the monthly counts, with Newey–West "
            "standard errors when the months are autocorrelated)."
            + (" The synthetic stand-ins were calibrated to these ratios, so agreement here "
               "checks the pipeline, not the report." if synthetic else "")
        )

    # ---------------- this programme year vs the previous 12 months
    yv = _year_vs_previous(monthly, ctx.year)
    months, prev = yv["months"], yv["previous"]
    res = yv["result"]
    if res is not None:
        now_total, before_total = sum(yv["now"]), sum(yv["before"])
        pct = trend.percent_change(before_total, now_total)
        md.append(
            f"**{ctx.year.label}.** {now_total:,.0f} {unit_word} from {months[0]:%B %Y} to "
            f"{months[-1]:%B %Y}, against {before_total:,.0f} in the previous 12 months "
            f"({_pct(pct, 1)}): rate ratio {_rr_text(res.rate_ratio, res.ci_low, res.ci_high)}"
            f" from the {res.n} monthly counts ({res.method_text()}; dispersion "
            f"{_fmt(res.dispersion, 1)}). A before/after comparison of two years cannot "
            "separate CCS from Covid-19, funding or rule changes in the same months."
        )
        extra.append((
            f"{ctx.year.label} against the previous 12 months",
            pd.DataFrame(
                [
                    {"quantity": f"{unit_word}, previous 12 months ({prev[0]:%b %Y}–"
                                 f"{prev[-1]:%b %Y})",
                     "value": f"{before_total:,.0f}", "n (months)": 12},
                    {"quantity": f"{unit_word}, {ctx.year.label} ({months[0]:%b %Y}–"
                                 f"{months[-1]:%b %Y})",
                     "value": f"{now_total:,.0f}", "n (months)": 12},
                    {"quantity": "percentage change", "value": _pct(pct, 1),
                     "n (months)": res.n},
                    {"quantity": "rate ratio (95% CI), quasi-Poisson on monthly counts"
                                 + (", Newey–West SE" if res.cov_type == "HAC" else ""),
                     "value": _rr_cell(res.rate_ratio, res.ci_low, res.ci_high),
                     "n (months)": res.n},
                    {"quantity": "dispersion (month-to-month variation; 1 = Poisson)",
                     "value": _fmt(res.dispersion, 1), "n (months)": res.n},
                ]
            ).set_index("quantity"),
        ))
    else:
        missing = "the year itself" if yv["now"] is None else "the previous 12 months"
        md.append(pages.admonition(
            "note", f"No comparison for {ctx.year.label}",
            f"Comparing {ctx.year.label} with the 12 months before it needs every month from "
            f"{prev[0]:%B %Y} to {months[-1]:%B %Y}; the {site.display_name} data used (the "
            f"listed programme years) run from {monthly['month'].iloc[0]} to "
            f"{monthly['month'].iloc[-1]} and do not cover {missing} completely, so no "
            "comparison is made."))

    # ---------------- XmR chart of the monthly series
    mon = monthly[monthly["complete"]].reset_index(drop=True)
    figures: list[plots.Figure] = []
    fig_annual = _annual_figure(
        annual, tr,
        title=f"{scheme.short_name} {unit_word} per calendar year, {site.display_name}",
        unit_word=unit_word, source=source, synthetic=synthetic, colour=colour,
    )
    if len(mon) >= 2:
        dates = list(mon["date"])
        xres = spc.xmr(mon["awards"].to_numpy(dtype=float), dates,
                       baseline=_xmr_baseline(dates, ctx.params.programme.ccs_start))
        flagged, meanings = _xmr_tables(xres)
        base_txt = (
            f"set from the {xres.n_baseline} months before CCS started "
            f"({ctx.params.programme.ccs_start:%B %Y})"
            if xres.n_baseline < xres.n
            else f"set from all {xres.n} months (fewer than {MIN_XMR_BASELINE} months before "
            "CCS started)"
        )
        md.append(
            f"**Month by month (XmR chart).** Limits {base_txt}. "
            f"{_xmr_limits_text(xres, unit_word)} {xres.summary['text']} "
            "Special cause means 'something changed', not 'CCS changed it': seasonal peaks, "
            "Covid-19 grants and budget changes all produce signals, and the chart assumes "
            "months are roughly independent."
        )
        extra += [("XmR chart: months with special-cause variation, grouped into runs",
                   flagged),
                  ("XmR chart: what each flag means", meanings)]
        figures.append(_xmr_figure(
            xres, dates,
            title=f"{scheme.short_name} {unit_word} per month (XmR chart), {site.display_name}",
            ylabel=f"{unit_word.capitalize()} per month (count)", source=source,
            synthetic=synthetic, what=f"{scheme.short_name} {unit_word}", year=ctx.year,
            colour=colour,
        ))
    return Section(
        title,
        e14,
        table=table,
        figure=fig_annual,
        extra_tables=extra,
        banner=pages.synthetic_banner([_LWA]) if synthetic else None,
        markdown=md,
        figures=figures,
        results=results,
    )


# ======================================================================================
# Referrals: monthly series, interrupted time series, description
# ======================================================================================
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
            column="date",
        )
    df = referrals
    if site is not None and "site" in df.columns:
        df = df[df["site"] == site]
    if df.empty:
        raise MethodInputError("the referral table has no records" +
                               (f" for site '{site}'." if site else "."))
    dates = pd.to_datetime(df["date"], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0]) + 1
        raise MethodInputError("unreadable referral date.", row=row, column="date")
    counts = dates.dt.to_period("M").value_counts()
    idx = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    counts = counts.reindex(idx, fill_value=0)
    return pd.DataFrame(
        {
            "month": [str(p) for p in idx],
            "date": [p.to_timestamp() for p in idx],
            "referrals": counts.to_numpy().astype(int),
        }
    )


@dataclass(frozen=True)
class ITSAnalysis:
    """An interrupted time series as the book fits it (see :func:`referral_its`)."""

    series: pd.DataFrame
    result: its.ITSResult
    first_ljung_box_p: float | None
    cov_reason: str


def _covid_window(params: Params) -> tuple[str, str]:
    c = params.programme.covid
    return (str(_month(c.period_start)), str(_month(c.period_end)))


@functools.lru_cache(maxsize=32)
def _its_cached(
    months: tuple[str, ...],
    counts: tuple[int, ...],
    breakpoint: str,
    covid: tuple[str, str] | None,
    fourier_k: int,
    family: str,
) -> tuple[its.ITSResult, float | None, str]:
    df = pd.DataFrame({"date": pd.PeriodIndex(months, freq="M").to_timestamp(),
                       "count": counts})
    kw: dict[str, Any] = dict(date_col="date", count_col="count", breakpoint=breakpoint,
                              family=family, fourier_k=fourier_k, covid=covid)
    first = its.segmented_regression(df, **kw)
    lb = first.ljung_box_p
    if lb is not None and lb < AUTOCORRELATION_P:
        res = its.segmented_regression(df, cov_type="HAC", **kw)
        reason = (
            f"the residuals are autocorrelated (Ljung–Box p = {_fmt_p(lb)} at "
            f"{first.ljung_box_lags} lags), so Newey–West (HAC) standard errors with "
            f"{res.hac_lags} lags were used"
        )
    else:
        res = first
        reason = (
            f"no residual autocorrelation was detected (Ljung–Box p = {_fmt_p(lb)}), so "
            "model-based standard errors were kept"
        )
    return res, lb, reason


def referral_its(params: Params, series: pd.DataFrame) -> ITSAnalysis:
    """The book's interrupted time series of a monthly referral series.

    Breakpoint ``params.programme.ccs_start``, :data:`ITS_FOURIER_K` Fourier pairs for
    seasonality, the Covid-19 window of params as a co-intervention, quasi-Poisson; when the
    residuals are autocorrelated (Ljung–Box p < 0.05) the model is refitted with Newey–West
    (HAC) standard errors. Cached by its inputs.

    Parameters
    ----------
    params
        Loaded parameters.
    series
        Output of :func:`monthly_referrals`.

    Returns
    -------
    ITSAnalysis
        The series, the result, the first fit's Ljung–Box p and why the errors were chosen.

    """
    res, lb, reason = _its_cached(
        tuple(series["month"]),
        tuple(int(v) for v in series["referrals"]),
        str(_month(params.programme.ccs_start)),
        _covid_window(params),
        ITS_FOURIER_K,
        ITS_FAMILY,
    )
    return ITSAnalysis(series=series, result=res, first_ljung_box_p=lb, cov_reason=reason)


def _its_design(res: its.ITSResult) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild the design matrix of :func:`ccs_methods.methods.its.segmented_regression`.

    Returns the design and its counterfactual version (level and slope terms set to 0; the
    Covid-19 term is kept, as in the model's own counterfactual).
    """
    months = pd.PeriodIndex(res.dates, freq="M")
    n = len(months)
    b_idx = res.n_pre
    t = np.arange(n, dtype=float)
    post = (t >= b_idx).astype(float)
    cols = [np.ones(n), t]
    zero: list[int] = []
    if res.impact in ("level_slope", "level"):
        cols.append(post)
        zero.append(len(cols) - 1)
    if res.impact in ("level_slope", "slope"):
        cols.append((t - b_idx + 1) * post)
        zero.append(len(cols) - 1)
    mnum = np.array([p.month for p in months], dtype=float)
    for k in range(1, res.fourier_k + 1):
        s_col = np.sin(2 * np.pi * k * mnum / 12)
        if np.ptp(s_col) > 1e-12:
            cols.append(s_col)
        cols.append(np.cos(2 * np.pi * k * mnum / 12))
    if res.covid is not None:
        c0, c1 = pd.Period(res.covid[0], "M"), pd.Period(res.covid[1], "M")
        cols.append(np.array([(c0 <= p <= c1) for p in months], dtype=float))
    X = np.column_stack(cols)
    X_cf = X.copy()
    X_cf[:, zero] = 0.0
    return X, X_cf


def counterfactual_window(
    res: its.ITSResult, start: Any, end: Any, *, alpha: float = 0.05
) -> dict[str, Any] | None:
    """Observed minus counterfactual referrals over a window of months, with a 95% interval.

    The model of ``res`` is refitted (same design, family and standard errors) to recover
    the coefficient covariance, checked against ``res.fitted``, and the window's total
    counterfactual and its delta-method interval are computed exactly as
    :func:`ccs_methods.methods.its.segmented_regression` does for the whole post-period.

    Parameters
    ----------
    res
        A fitted interrupted time series.
    start, end
        First and last day (or month) of the window; months outside the series are dropped.
    alpha
        1 - confidence level.

    Returns
    -------
    dict or None
        ``observed``, ``counterfactual`` (with ``counterfactual_ci_low``/``_high``),
        ``difference`` with ``ci_low``/``ci_high``, ``percent`` with limits, ``months``,
        ``first_month``, ``last_month``; None if no month of the window is in the series.

    Raises
    ------
    MethodInputError
        If the refit does not reproduce the result (the design has changed).

    """
    months = pd.PeriodIndex(res.dates, freq="M")
    lo, hi = _month(start), _month(end)
    mask = np.array([(lo <= p <= hi) for p in months])
    if not mask.any():
        return None
    X, X_cf = _its_design(res)
    y = np.asarray(res.observed, dtype=float)
    cov_kwds = {"maxlags": res.hac_lags} if res.cov_type == "HAC" else {}
    params_, cov, _, _, _ = trend._fit_count_glm(
        y, X, None, res.family, cov_type=res.cov_type, cov_kwds=cov_kwds
    )
    if not np.allclose(np.exp(X @ params_), res.fitted, rtol=1e-6):
        raise MethodInputError(
            "refitting the interrupted time series did not reproduce its fitted values; the "
            "model in ccs_methods.methods.its has changed and counterfactual_window must follow it."
        )
    df_resid = res.df_resid if res.df_resid is not None else len(y) - X.shape[1]
    ref, _ = trend.reference_distribution(res.family, int(df_resid))
    z = float(ref.ppf(1 - alpha / 2))
    cf = np.exp(X_cf @ params_)
    obs = float(y[mask].sum())
    cf_sum = float(cf[mask].sum())
    grad = (cf[mask, None] * X_cf[mask]).sum(axis=0)
    se = float(math.sqrt(grad @ cov @ grad))
    diff = obs - cf_sum
    se_log = se / cf_sum
    cf_lo, cf_hi = cf_sum * math.exp(-z * se_log), cf_sum * math.exp(z * se_log)
    return {
        "observed": obs,
        "counterfactual": cf_sum,
        "counterfactual_ci_low": cf_lo,
        "counterfactual_ci_high": cf_hi,
        "difference": diff,
        "ci_low": diff - z * se,
        "ci_high": diff + z * se,
        "percent": 100.0 * (obs / cf_sum - 1.0),
        "percent_ci_low": 100.0 * (obs / cf_hi - 1.0),
        "percent_ci_high": 100.0 * (obs / cf_lo - 1.0),
        "months": int(mask.sum()),
        "first_month": str(months[mask][0]),
        "last_month": str(months[mask][-1]),
    }


@functools.lru_cache(maxsize=16)
def _sensitivity_cached(
    months: tuple[str, ...],
    counts: tuple[int, ...],
    breakpoints: tuple[str, ...],
    covid: tuple[str, str] | None,
    cov_type: str,
) -> pd.DataFrame:
    df = pd.DataFrame({"date": pd.PeriodIndex(months, freq="M").to_timestamp(),
                       "count": counts})
    return its.breakpoint_sensitivity(
        df, list(breakpoints), date_col="date", count_col="count", family=ITS_FAMILY,
        fourier_k=ITS_FOURIER_K, covid=covid, cov_type=cov_type,
    )


def _sensitivity(params: Params, a: ITSAnalysis) -> pd.DataFrame:
    bp = _month(params.programme.ccs_start)
    bps = tuple(str(bp + k) for k in SENSITIVITY_SHIFTS)
    raw = _sensitivity_cached(
        tuple(a.series["month"]), tuple(int(v) for v in a.series["referrals"]), bps,
        _covid_window(params), a.result.cov_type,
    ).copy()
    rows = []
    for shift, (_, r) in zip(SENSITIVITY_SHIFTS, raw.iterrows(), strict=True):
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
            "level change RR (95% CI)": _rr_cell(r["level_rr"], r["level_ci_low"],
                                                 r["level_ci_high"]),
            "slope change RR per month (95% CI)": _rr_cell(
                r["slope_rr"], r["slope_ci_low"], r["slope_ci_high"], 3),
            "observed − counterfactual, whole post-period (95% CI)":
                f"{r['cum_difference']:+,.0f} ({r['cum_ci_low']:+,.0f} to "
                f"{r['cum_ci_high']:+,.0f})",
        })
    return pd.DataFrame(rows).set_index("breakpoint")


def _its_figure(
    a: ITSAnalysis,
    *,
    params: Params,
    year: ProgrammeYear | None,
    title: str,
    source: str,
    synthetic: bool,
    network: str,
) -> plots.Figure:
    res = a.result
    x = list(pd.PeriodIndex(res.dates, freq="M").to_timestamp())
    fig, ax = plots.new_figure(figsize=(9, 4.8))
    c = params.programme.covid
    ax.axvspan(pd.Timestamp(c.period_start), pd.Timestamp(c.period_end), color=plots.PALETTE[4],
               alpha=0.12, lw=0, label="Covid-19 window (model term)")
    if year is not None:
        _shade_year(ax, year)
    npre = res.n_pre
    ax.fill_between(x[npre:], res.counterfactual_ci_low[npre:], res.counterfactual_ci_high[npre:],
                    color=plots.PALETTE[1], alpha=0.25, lw=0,
                    label="counterfactual 95% interval")
    ax.plot(x, res.observed, "o", ms=3, color="#333333", label="observed")
    ax.plot(x, res.fitted, color=plots.PALETTE[0], lw=1.6, label="fitted model")
    ax.plot(x[npre:], res.counterfactual[npre:], color=plots.PALETTE[1], lw=1.6, ls="--",
            label="counterfactual (no CCS; Covid-19 term kept)")
    ax.axvline(x[npre], color="#000000", lw=0.9, ls=":", label=f"CCS start ({x[npre]:%b %Y})")
    ax.legend(loc="upper left", fontsize=7, ncol=2)
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
        f"{cum['observed']:,.0f} against {cum['counterfactual']:,.0f} expected without CCS "
        "(Covid-19 term kept)."
        + (f" {year.label} is shaded." if year is not None else "")
    )
    return plots.finish(fig, ax, title=title, xlabel="Month",
                        ylabel="Referrals per month (count)", source=source, alt=alt,
                        synthetic=synthetic)


def _e5_table(series: pd.DataFrame, ccs_start: Any, e5: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                               dict[str, Any]]:
    bp = _month(ccs_start)
    per = pd.PeriodIndex(series["month"], freq="M")
    before = series.loc[per < bp, "referrals"].astype(float).to_list()
    after = series.loc[per >= bp, "referrals"].astype(float).to_list()
    rr = period_ratio(before, after)
    mb, ma = float(np.mean(before)), float(np.mean(after))
    pct = trend.percent_change(mb, ma)

    def pub(measure: str) -> tuple[str, str]:
        r = e5[e5["measure"] == measure]
        if r.empty:
            return "–", ""
        return _published_value_text(r.iloc[0]), pages.cite(r.iloc[0])

    first, last = per[0], per[-1]
    _, sb = pub("referrals_per_month_mean")
    rows = [
        {"measure": f"mean referrals per month before CCS ({first:%b %Y}–{bp - 1:%b %Y})",
         "computed": f"{mb:,.1f}", "n (months)": len(before),
         "published": _published_value_text(
             e5[e5["figure_id"].str.contains("pre_ccs")].iloc[0]) if not e5.empty else "–",
         "source": sb},
        {"measure": f"mean referrals per month since CCS ({bp:%b %Y}–{last:%b %Y})",
         "computed": f"{ma:,.1f}", "n (months)": len(after),
         "published": _published_value_text(
             e5[e5["figure_id"].str.contains("post_launch")].iloc[0]) if not e5.empty else "–",
         "source": sb},
    ]
    pc, sc = pub("referrals_per_month_change_pct")
    rows.append({"measure": "percentage change", "computed": _pct(pct, 1),
                 "n (months)": len(before) + len(after), "published": pc, "source": sc})
    rows.append({"measure": "rate ratio, since vs before (95% CI; quasi-Poisson"
                            + (", Newey–West SE)" if rr.cov_type == "HAC" else ")"),
                 "computed": _rr_cell(rr.rate_ratio, rr.ci_low, rr.ci_high),
                 "n (months)": rr.n, "published": "not given", "source": ""})
    info = {"before": mb, "after": ma, "n_before": len(before), "n_after": len(after),
            "percent": pct, "rr": rr}
    return pd.DataFrame(rows).set_index("measure"), info


def _referral_context(ctx: PageContext) -> str | None:
    """The note for a site or year without referral records, or None when there are some."""
    net = ctx.site.referral_network
    name = f"{net.name} ({net.short_name})"
    if net.referral_dataset is None:
        return pages.admonition(
            "note",
            f"No referral system in {ctx.site.display_name}",
            f"{name} has no live referral system"
            + (f" (launch planned {net.referral_system_launch:%B %Y})"
               if net.referral_system_launch else "")
            + ", so there are no referral records to analyse. The reports describe the "
            "network's progress in words only. This section fills in when a referral dataset "
            f"is named under `referral_network` in `params/sites/{ctx.site.id}.yml`, listed "
            "for the year under `datasets: referrals`, and the book is rebuilt.",
        )
    if not ctx.has("referrals"):
        launch = net.referral_system_launch
        if launch is not None and launch > ctx.year.end:
            return pages.admonition(
                "note",
                f"No referral system yet in {ctx.year.label}",
                f"The {net.short_name} referral system went live in {launch:%B %Y}, after "
                f"{ctx.year.label} ended ({ctx.year.end:%-d %B %Y}), so there are no "
                f"referral records for this year. See the {ctx.site.display_name} pages of "
                "later years.",
            )
        return _no_data_note(ctx, "referrals", f"{net.short_name} referral data",
                             net.referral_dataset)
    return None


def _its_result(res: its.ITSResult, eff: dict[str, Any], dataset: str) -> dict[str, Any]:
    """An evidence-register entry for one ITS effect (JSON types only)."""
    return trend.json_safe({
        "rate_ratio": eff["rate_ratio"], "ci_low": eff["ci_low"], "ci_high": eff["ci_high"],
        "n": res.n, "p_value": eff["p_value"], "breakpoint": res.breakpoint,
        "cov_type": res.cov_type, "family": res.family, "dataset": dataset,
    })


def referrals_section(
    ctx: PageContext,
    *,
    referrals: pd.DataFrame | None = None,
    synthetic: bool | None = None,
) -> Section:
    """Referrals through the site's referral system, for the page's programme year.

    With a pre-CCS period (NCAN): the interrupted time series with its figure, the level and
    slope rate ratios, observed minus counterfactual for the year, a breakpoint-sensitivity
    table, the E5 reconciliation and an XmR chart. Without one (THCAN): a description of the
    year's months and why no counterfactual is possible. Without a referral system or data
    for the year: a note.

    Parameters
    ----------
    ctx
        The page context.
    referrals
        The referral records; default: the site's ``referral_dataset`` loaded through params.
    synthetic
        Whether ``referrals`` is synthetic; default: what params say for the dataset.

    Returns
    -------
    Section
        See above; ``results`` holds ``its.<network>.level_change`` and ``.slope_change``
        when the time series is fitted.

    """
    net = ctx.site.referral_network
    title = f"{net.short_name} referrals, {ctx.site.display_name}"
    note = _referral_context(ctx)
    if note is not None:
        return Section(title, pd.DataFrame(), note=note)
    name = str(net.referral_dataset)
    if referrals is None:
        referrals = load_dataset(ctx.params, name)
    if synthetic is None:
        synthetic = datasets.is_synthetic(ctx.params, name)
    series = monthly_referrals(referrals, ctx.site.id)
    bp = _month(ctx.params.programme.ccs_start)
    n_pre = int((pd.PeriodIndex(series["month"], freq="M") < bp).sum())
    n_post = len(series) - n_pre
    if n_pre >= MIN_PRE_MONTHS and n_post >= MIN_PRE_MONTHS:
        return _its_section(ctx, series, name, synthetic, title)
    return _describe_section(ctx, series, name, synthetic, title)


def _its_section(ctx: PageContext, series: pd.DataFrame, name: str, synthetic: bool,
                 title: str) -> Section:
    params = ctx.params
    net = ctx.site.referral_network
    a = referral_its(params, series)
    res = a.result
    source = _source_line(name, synthetic, "model: ccs_methods.methods.its.segmented_regression")
    key = net.short_name.lower()
    lv, sl, pre, cov = res.level_change, res.slope_change, res.pre_trend, res.covid_effect
    assert lv is not None and sl is not None
    results = {
        f"its.{key}.{term}": _its_result(res, eff, name)
        for term, eff in (("level_change", lv), ("slope_change", sl))
    }
    win = counterfactual_window(res, ctx.year.start, ctx.year.end)
    total = int(series["referrals"].sum())
    md = [
        f"{net.name} ({net.short_name}) referrals per month, {res.dates[0]} to "
        f"{res.dates[-1]}: {total:,} referrals in {res.n} months ({res.n_pre} before CCS "
        f"started in {params.programme.ccs_start:%B %Y}, {res.n_post} from then on). The "
        "pre-CCS months (year 0) are used here only, to set the trend the counterfactual "
        "extends.",
        "**Model.** An interrupted time series (segmented regression): log-linear pre-CCS "
        f"trend, a level change and a slope change from {res.breakpoint}, {res.fourier_k} "
        "pairs of Fourier terms for the season, "
        + (f"a Covid-19 term for {res.covid[0]} to {res.covid[1]} (params), "
           if res.covid else "no Covid-19 term, ")
        + f"quasi-Poisson (dispersion {_fmt(res.dispersion, 1)}; intervals from Student's t on "
        f"{res.df_resid} residual df); {a.cov_reason}. The counterfactual, 'expected without "
        "CCS', is the pre-CCS trend and season carried forward with the level and slope "
        "changes removed but the modelled Covid-19 shift kept, so a Covid-19 rise or fall is "
        "not credited to CCS. Method: `book/methods/trends.md`.",
        "**Reading.** Before CCS, referrals "
        + _interval_verdict(
            pre["ci_low"], pre["ci_high"], 1.0, "were rising", "were falling",
            "showed no clear trend",
        )
        + f" (rate ratio {_rr_text(pre['rate_ratio'], pre['ci_low'], pre['ci_high'], 3)} a "
        f"month, {_pct(100 * (pre['rate_ratio_per_year'] - 1))} a year). At the CCS start the "
        f"level changed by a rate ratio of "
        f"{_rr_text(lv['rate_ratio'], lv['ci_low'], lv['ci_high'])}: "
        + _interval_verdict(
            lv["ci_low"], lv["ci_high"], 1.0,
            "a step up beyond the prior trend",
            "a step down from the prior trend",
            "no clear step at the start",
        )
        + ". The monthly trend changed by a factor of "
        f"{_rr_text(sl['rate_ratio'], sl['ci_low'], sl['ci_high'], 3)}: "
        + _interval_verdict(
            sl["ci_low"], sl["ci_high"], 1.0,
            "the trend bent upwards after the start (faster growth or slower decline than "
            "before)",
            "the trend bent downwards after the start (slower growth or faster decline than "
            "before)",
            "no clear change in the trend",
        )
        + ". "
        + (
            f"For {ctx.year.label} ({win['first_month']} to {win['last_month']}, "
            f"{win['months']} months) {win['observed']:,.0f} referrals were observed against "
            f"{win['counterfactual']:,.0f} expected without CCS (95% CI "
            f"{win['counterfactual_ci_low']:,.0f} to {win['counterfactual_ci_high']:,.0f}): "
            f"a difference of {win['difference']:+,.0f} (95% CI {win['ci_low']:+,.0f} to "
            f"{win['ci_high']:+,.0f}), {_pct(win['percent'], 1)}. "
            + _interval_verdict(
                win["ci_low"], win["ci_high"], 0.0,
                "More referrals than the counterfactual projects: this model leaves room for "
                "a CCS contribution, alongside the rivals in the caveat below.",
                "Fewer referrals than the counterfactual projects: this model gives no sign "
                "that CCS added referrals beyond the pre-CCS trend.",
                "The interval includes no difference: the data cannot tell the year apart "
                "from the counterfactual.",
            )
            if win else ""
        ),
    ]
    md = [m for m in md if m]
    md.append(pages.admonition(
        "important", "How far to trust the counterfactual",
        "The counterfactual extrapolates the pre-CCS trend: if referrals were already "
        "rising fast, extending that rise for two years or more gives large expected numbers "
        "and the comparison can turn negative even if referrals rose. The Covid-19 term is "
        "an average shift over the whole window set in params; a Covid-19 effect that varied "
        "within it is partly left in the difference. The interval "
        "reflects parameter uncertainty only. Other changes at about the same time "
        "(council funding for debt advice, new member organisations, Covid-19 demand beyond "
        "the modelled window) are not in the model, and a breakpoint a few months either side "
        "gives different answers (sensitivity table). The evaluators judged the rise "
        "'likely to have happened anyway'; this model quantifies that judgement but cannot "
        "settle it." + (" These are synthetic stand-in data." if synthetic else "")))

    effects = pd.DataFrame(
        [
            {"term": "pre-CCS trend (per month)",
             "rate ratio (95% CI)": _rr_cell(pre["rate_ratio"], pre["ci_low"],
                                             pre["ci_high"], 3),
             "p-value": _fmt_p(pre["p_value"]), "n (months)": res.n_pre},
            {"term": f"level change at {res.breakpoint}",
             "rate ratio (95% CI)": _rr_cell(lv["rate_ratio"], lv["ci_low"], lv["ci_high"]),
             "p-value": _fmt_p(lv["p_value"]), "n (months)": res.n},
            {"term": "slope change (per month after vs before)",
             "rate ratio (95% CI)": _rr_cell(sl["rate_ratio"], sl["ci_low"], sl["ci_high"], 3),
             "p-value": _fmt_p(sl["p_value"]), "n (months)": res.n},
        ]
        + (
            [{"term": f"Covid-19 window {res.covid[0]} to {res.covid[1]}" if res.covid else
              "Covid-19",
              "rate ratio (95% CI)": _rr_cell(cov["rate_ratio"], cov["ci_low"], cov["ci_high"]),
              "p-value": _fmt_p(cov["p_value"]), "n (months)": res.n}]
            if cov else []
        )
        + [
            {"term": "dispersion (quasi-Poisson scale)", "rate ratio (95% CI)":
             _fmt(res.dispersion, 2), "p-value": "–", "n (months)": res.n},
            {"term": "Durbin–Watson / Ljung–Box p (residuals)",
             "rate ratio (95% CI)": f"{res.durbin_watson:.2f} / {_fmt_p(res.ljung_box_p)}",
             "p-value": "–", "n (months)": res.n},
        ]
    ).set_index("term")
    extra: list[tuple[str, pd.DataFrame]] = []
    if win:
        extra.append((
            f"{ctx.year.label}: observed against the counterfactual",
            pd.DataFrame(
                [
                    {"quantity": "observed referrals", "value": f"{win['observed']:,.0f}",
                     "95% interval": "–"},
                    {"quantity": "expected without CCS (counterfactual; Covid-19 term kept)",
                     "value": f"{win['counterfactual']:,.0f}",
                     "95% interval": f"{win['counterfactual_ci_low']:,.0f} to "
                                     f"{win['counterfactual_ci_high']:,.0f}"},
                    {"quantity": "observed − counterfactual",
                     "value": f"{win['difference']:+,.0f}",
                     "95% interval": f"{win['ci_low']:+,.0f} to {win['ci_high']:+,.0f}"},
                    {"quantity": "percentage difference", "value": _pct(win["percent"], 1),
                     "95% interval": f"{_pct(win['percent_ci_low'], 1)} to "
                                     f"{_pct(win['percent_ci_high'], 1)}"},
                    {"quantity": "months", "value": str(win["months"]),
                     "95% interval": f"{win['first_month']} to {win['last_month']}"},
                ]
            ).set_index("quantity"),
        ))
    extra.append(("Breakpoint sensitivity (CCS start ± 3 and ± 6 months)",
                  _sensitivity(params, a)))
    e5 = _published("E5", ctx.site.id, ["referrals_per_month_mean",
                                        "referrals_per_month_change_pct"])
    figures: list[plots.Figure] = []
    if not e5.empty:
        e5_table, info = _e5_table(series, params.programme.ccs_start, e5)
        extra.append(("E5 recomputed: mean referrals per month before and since CCS",
                      e5_table))
        md.append(
            f"**E5 reconciliation.** The report: “{e5.iloc[0]['source_quote']}” "
            f"({pages.cite(e5.iloc[0])}). From the data: {info['before']:,.1f} a month over "
            f"{info['n_before']} months before CCS and {info['after']:,.1f} over "
            f"{info['n_after']} months since ({_pct(info['percent'], 1)}). The report does not "
            "state its averaging windows; these are the whole series either side of the CCS "
            f"start. The rate ratio's interval: {info['rr'].method_text()}. A before/after "
            "ratio ignores any trend already under way, which is why the time series above is "
            "the better guide."
        )
    # XmR chart with limits from the pre-CCS months
    dates = list(series["date"])
    xres = spc.xmr(series["referrals"].to_numpy(dtype=float), dates,
                   baseline=_xmr_baseline(dates, params.programme.ccs_start))
    flagged, meanings = _xmr_tables(xres)
    md.append(
        "**XmR chart.** "
        + (f"Limits from the {xres.n_baseline} months before CCS. " if xres.n_baseline < xres.n
           else f"Limits from all {xres.n} months. ")
        + f"{_xmr_limits_text(xres, 'referrals')} {xres.summary['text']} If referrals were "
        "already rising before CCS, the pre-CCS limits are themselves unstable; a run above "
        "the mean after the start says the level is higher, not why."
    )
    extra += [("XmR chart: months with special-cause variation, grouped into runs", flagged),
              ("XmR chart: what each flag means", meanings)]
    fig = _its_figure(a, params=params, year=ctx.year,
                      title=f"{net.short_name} referrals per month: observed, fitted and "
                      f"counterfactual, {ctx.site.display_name}",
                      source=source, synthetic=synthetic, network=net.short_name)
    figures.append(_xmr_figure(
        xres, dates, title=f"{net.short_name} referrals per month (XmR chart), "
        f"{ctx.site.display_name}", ylabel="Referrals per month (count)",
        source=_source_line(name, synthetic, "chart: ccs_methods.methods.spc.xmr"),
        synthetic=synthetic, what=f"{net.short_name} referrals", year=ctx.year,
        colour=plots.SITE_COLOURS.get(ctx.site.id, plots.PALETTE[0]),
    ))
    return Section(title, e5, table=effects, figure=fig, extra_tables=extra,
                   banner=pages.synthetic_banner([name]) if synthetic else None, markdown=md,
                   figures=figures, results=results)


def _early_trend_text(part: pd.DataFrame) -> str:
    """What the months of a new referral system show, in words taken from the data.

    A quasi-Poisson log-linear trend per month over the months shown; the direction is
    stated only when its 95% interval excludes 1.
    """
    if len(part) < 4:
        return ""
    try:
        g = trend.glm_trend(part["referrals"].to_numpy(), np.arange(len(part), dtype=float),
                            family="quasipoisson")
    except MethodInputError:
        return ""
    rr = _rr_text(g.rate_ratio, g.ci_low, g.ci_high, 3)
    direction = _direction(g.ci_low, g.ci_high)
    if direction == "up":
        return (f" Over these {g.n} months referrals rose (rate ratio {rr} a month); a rise "
                "early in a new system's life is expected as members join, so it says nothing "
                "by itself about CCS.")
    if direction == "down":
        return f" Over these {g.n} months referrals fell (rate ratio {rr} a month)."
    return (f" Over these {g.n} months referrals show no clear rise or fall (rate ratio {rr} a "
            "month; the interval includes 1).")


def _describe_section(ctx: PageContext, series: pd.DataFrame, name: str, synthetic: bool,
                      title: str) -> Section:
    net = ctx.site.referral_network
    months = _year_months(ctx.year)
    per = pd.PeriodIndex(series["month"], freq="M")
    part = series[(per >= months[0]) & (per <= months[-1])].reset_index(drop=True)
    if part.empty:
        return Section(title, pd.DataFrame(), note=pages.admonition(
            "note", f"No {net.short_name} referrals in {ctx.year.label}",
            f"The `{name}` records cover {series['month'].iloc[0]} to "
            f"{series['month'].iloc[-1]}, none of which falls in {ctx.year.label} "
            f"({ctx.period_text()})."))
    d = its.describe_series(part, date_col="date", count_col="referrals",
                            label=f"{net.short_name} referrals, {ctx.year.label}")
    table = pd.DataFrame(
        [
            {"measure": "months", "value": f"{d.n_months} ({d.first_month} to {d.last_month})"},
            {"measure": "referrals (total)", "value": f"{d.total:,}"},
            {"measure": "mean per month", "value": f"{d.monthly_mean:,.1f}"},
            {"measure": "median per month", "value": f"{d.monthly_median:,.1f}"},
            {"measure": "lowest month", "value": f"{d.monthly_min:,} ({d.min_month})"},
            {"measure": "highest month", "value": f"{d.monthly_max:,} ({d.max_month})"},
        ]
    ).set_index("measure")
    launch = net.referral_system_launch
    md = [
        f"{net.name} ({net.short_name}) referrals in {ctx.year.label}: {d.total:,} referrals "
        f"in {d.n_months} months ({d.first_month} to {d.last_month}), {d.monthly_mean:,.1f} a "
        f"month on average (n = {d.n_months} months).",
        pages.admonition(
            "important", "Why there is no counterfactual",
            (f"The {net.short_name} referral system went live in {launch:%B %Y}, during the "
             "programme, so there are no referral records from before CCS. "
             if launch else "There are no referral records from before CCS. ")
            + d.note
            + _early_trend_text(part)
            + (" These are synthetic stand-in data." if synthetic else ""),
        ),
    ]
    extra: list[tuple[str, pd.DataFrame]] = []
    e7 = _published("E7", ctx.site.id, ["referrals"])
    rows = e7
    if not e7.empty:
        r = e7.iloc[0]
        m = re.match(r"(\d{4}-\d{2})/(\d{4}-\d{2})", str(r["period"]))
        if m:
            p0, p1 = pd.Period(m.group(1), "M"), pd.Period(m.group(2), "M")
            sel = series[(per >= p0) & (per <= p1)]
            computed = int(sel["referrals"].sum())
            extra.append((
                "E7 recomputed: referrals over the report's period",
                pd.DataFrame([{
                    "period": f"{p0:%B %Y} to {p1:%B %Y}",
                    "computed": f"{computed:,}", "n (months)": len(sel),
                    "published": _published_value_text(r), "source": pages.cite(r),
                }]).set_index("period"),
            ))
            md.append(
                f"**E7 reconciliation.** The report: “{r['source_quote']}” "
                f"({pages.cite(r)}); the data give {computed:,} referrals over the same "
                f"{len(sel)} months."
            )
    colour = plots.SITE_COLOURS.get(ctx.site.id, plots.PALETTE[0])
    fig, ax = plots.new_figure(figsize=(8, 4))
    ax.bar(part["date"], part["referrals"], width=20, color=colour, label="referrals")
    ax.axhline(d.monthly_mean, color="#000000", ls="--", lw=1,
               label=f"mean {d.monthly_mean:,.1f} a month")
    plots.bar_labels(ax)
    ax.legend(loc="upper left", fontsize=8)
    vals = "; ".join(f"{m}: {v}" for m, v in zip(part["month"], part["referrals"], strict=True))
    fig = plots.finish(
        fig, ax,
        title=f"{net.short_name} referrals per month, {ctx.site.display_name}, {ctx.year.label}",
        xlabel="Month", ylabel="Referrals per month (count)",
        source=_source_line(name, synthetic), synthetic=synthetic,
        alt=(f"Bar chart of {net.short_name} referrals per month in {ctx.year.label}, "
             f"{d.n_months} months: {vals}. Mean {d.monthly_mean:,.1f} a month, shown as a "
             "dashed line. No counterfactual is drawn because there is no pre-CCS period."),
    )
    return Section(title, rows, table=table, figure=fig, extra_tables=extra,
                   banner=pages.synthetic_banner([name]) if synthetic else None, markdown=md)


# ======================================================================================
# programme page
# ======================================================================================
def e15_flows(referrals: pd.DataFrame) -> pd.DataFrame:
    """Referrals between the LWA scheme (sector ``lwa``) and the VCS, by calendar year.

    Parameters
    ----------
    referrals
        Referral records with ``date``, ``from_sector`` and ``to_sector``.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``lwa_to_vcs``, ``vcs_to_lwa`` (counts, every year of the data).

    """
    for col in ("date", "from_sector", "to_sector"):
        if col not in referrals.columns:
            raise MethodInputError(
                f"column '{col}' not found in the referral table; it has "
                f"{list(referrals.columns)}.", column=col)
    year = pd.to_datetime(referrals["date"]).dt.year
    out = pd.DataFrame({"year": sorted(year.unique())})
    for key, f, t in (("lwa_to_vcs", "lwa", "vcs"), ("vcs_to_lwa", "vcs", "lwa")):
        sel = (referrals["from_sector"] == f) & (referrals["to_sector"] == t)
        counts = year[sel].value_counts()
        out[key] = [int(counts.get(y, 0)) for y in out["year"]]
    return out


def _flow_monthly(referrals: pd.DataFrame, f: str, t: str, year: int) -> list[float]:
    d = pd.to_datetime(referrals["date"])
    sel = (referrals["from_sector"] == f) & (referrals["to_sector"] == t) & (d.dt.year == year)
    counts = d[sel].dt.month.value_counts()
    return [float(counts.get(m, 0)) for m in range(1, 13)]


def _site_lwa(params: Params, awards: pd.DataFrame) -> dict[str, tuple[pd.DataFrame,
                                                                      pd.DataFrame]]:
    """Monthly and annual awards of each site, restricted to its listed programme years."""
    out = {}
    for s in params.programme.sites:
        try:
            m = restrict_to_listed(monthly_awards(awards, s), params, s)
        except MethodInputError:
            continue
        if m.empty:
            continue
        out[s] = (m, annual_awards(m))
    return out


def _unit_word(site: Site) -> str:
    return "awards" if site.lwa_scheme.award_unit == "awards" else "items awarded"


def _ncan_site(params: Params) -> tuple[str, str] | None:
    for s in params.programme.sites:
        ds = params.site(s).referral_network.referral_dataset
        if ds == "referrals_ncan":
            return s, ds
    return None


def programme_trends_sections(
    params: Params,
    *,
    awards: pd.DataFrame | None = None,
    referrals: pd.DataFrame | None = None,
    synthetic: bool | None = None,
) -> list[Section]:
    """Sections of the programme trends page.

    1. LWA/DAF awards across the sites (small multiples, one colour per site);
    2. a pooled trend with site fixed effects and the stratified Mann–Kendall test;
    3. E14 regenerated with the tests and intervals the report lacked;
    4. E5 regenerated (NCAN monthly referrals before and since CCS);
    5. E15 regenerated (referrals between the NAS and the VCS by year).

    Parameters
    ----------
    params
        Loaded parameters.
    awards, referrals
        The ``lwa_awards`` and ``referrals_ncan`` tables; default: loaded through params.
    synthetic
        Whether the tables are synthetic; default: what params say.

    Returns
    -------
    list of Section
        In the order above; the E5/E15 sections are left out when no site has NCAN data.

    """
    syn_lwa = datasets.is_synthetic(params, _LWA) if synthetic is None else synthetic
    if awards is None:
        awards = load_dataset(params, _LWA)
    per_site = _site_lwa(params, awards)
    sections = [
        _cross_site_section(params, per_site, syn_lwa),
        _pooled_section(params, per_site, syn_lwa),
        _e14_section(params, per_site, syn_lwa),
    ]
    ncan = _ncan_site(params)
    if ncan is not None:
        site_id, ds = ncan
        syn_ref = datasets.is_synthetic(params, ds) if synthetic is None else synthetic
        if referrals is None:
            referrals = load_dataset(params, ds)
        sections.append(_e5_section(params, site_id, ds, referrals, syn_ref))
        sections.append(_e15_section(params, site_id, ds, referrals, syn_ref))
    return sections


def _cross_site_section(params: Params, per_site: dict, synthetic: bool) -> Section:
    title = "LWA/DAF awards by calendar year across the pilot sites"
    sites = list(per_site)
    years = sorted({int(y) for _, a in per_site.values() for y in a["year"]})
    table = pd.DataFrame(index=pd.Index([params.site(s).display_name for s in sites],
                                        name="site"))
    table["scheme (unit)"] = [
        f"{params.site(s).lwa_scheme.short_name} ({_unit_word(params.site(s))})" for s in sites
    ]
    for y in years:
        col = []
        for s in sites:
            a = per_site[s][1]
            r = a[a["year"] == y]
            col.append("–" if r.empty else f"{int(r['awards'].iloc[0]):,}"
                       + ("" if bool(r["complete"].iloc[0]) else " (incomplete)"))
        table[str(y)] = col
    ncols = 2 if len(sites) > 1 else 1
    nrows = math.ceil(len(sites) / ncols)
    fig, axes = plots.new_figure(nrows, ncols, figsize=(9, 3.2 * nrows))
    flat = list(np.atleast_1d(axes).flat)
    alt_parts = []
    for ax, s in zip(flat, sites, strict=False):
        a = per_site[s][1]
        site = params.site(s)
        colour = plots.SITE_COLOURS.get(s, plots.PALETTE[0])
        comp = a["complete"].to_numpy()
        ax.bar(a["year"][comp], a["awards"][comp], color=colour)
        if (~comp).any():
            ax.bar(a["year"][~comp], a["awards"][~comp], color="white", edgecolor=colour,
                   hatch="//")
        for y in years:
            if y not in set(a["year"]):
                ax.text(y, 0, "no data", rotation=90, ha="center", va="bottom", fontsize=8,
                        color="#444444")
        ax.set_xticks(years)
        ax.set_ylabel(f"{_unit_word(site).capitalize()} per year (count)", fontsize=8)
        ax.set_xlabel("Calendar year", fontsize=8)
        ax.set_title(f"{site.display_name} ({site.lwa_scheme.short_name})", fontsize=10)
        alt_parts.append(
            f"{site.display_name} ({_unit_word(site)}): "
            + ", ".join(f"{y} {v:,}" for y, v in zip(a["year"], a["awards"], strict=True))
        )
    for ax in flat[len(sites):]:
        ax.set_visible(False)
    main = flat[0]
    first_title = main.get_title(loc="left")
    first_xlabel, first_ylabel = main.get_xlabel(), main.get_ylabel()
    plots.finish(
        fig, main, title=title, xlabel=first_xlabel, ylabel=first_ylabel,
        source=_source_line(_LWA, synthetic, "one panel per site; y scales differ"),
        alt=(f"Small multiples, one bar chart per site, of LWA/DAF {'awards'} per calendar "
             f"year (y scales differ; Oldham counts items). " + "; ".join(alt_parts) + "."),
        synthetic=synthetic,
    )
    main.set_title(first_title, fontsize=10)
    fig.suptitle(title, fontweight="bold", x=0.01, ha="left")
    md = [
        "Awards (Oldham: items awarded; Swansea: Emergency plus Individual Assistance "
        "Payments) per calendar year, one panel and one colour per site. The y scales differ "
        "between panels: compare shapes, not heights. Hatched bars are incomplete years.",
        pages.admonition(
            "important", "Not like for like",
            "The schemes differ in rules, budgets and what they count (Oldham counts items, "
            "not awards; the Welsh DAF is run nationally). Compare each site's change over "
            "time, not the sites' levels."),
    ]
    return Section(title, pd.DataFrame(), table=table, figure=fig, markdown=md,
                   banner=pages.synthetic_banner([_LWA]) if synthetic else None)


def _log_ratio_axis(ax: Any, lo: float, hi: float) -> None:
    """A log-scale ratio axis with plain tick labels (0.75, 1, 1.5 ...)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log")
    lo, hi = min(lo, 1.0) * 0.95, max(hi, 1.0) * 1.05
    ax.set_xlim(lo, hi)
    cands = (0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0,
             5.0, 6.0, 8.0, 10.0)
    ax.set_xticks([t for t in cands if lo <= t <= hi])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _long_complete(per_site: dict) -> tuple[pd.DataFrame, list[str]]:
    """Complete years of the sites with enough of them, and the sites left out."""
    parts, left_out = [], []
    for s, (_, a) in per_site.items():
        c = a[a["complete"]]
        if len(c) < MIN_TREND_YEARS:
            left_out.append(s)
            continue
        parts.append(pd.DataFrame({"site": s, "year": c["year"].astype(float),
                                   "count": c["awards"].astype(int)}))
    long = (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=["site", "year", "count"]))
    return long, left_out


def _covid_year_text(params: Params, per_site: dict) -> str:
    """How awards moved into the first Covid-19 year in each site, from the data."""
    cy = params.programme.covid.first_lockdown.year
    ups, downs, flat = [], [], []
    for s, (monthly, annual) in per_site.items():
        comp = set(annual.loc[annual["complete"], "year"])
        if cy not in comp or cy - 1 not in comp:
            continue
        before = _window_counts(monthly, _calendar_months(cy - 1), "awards")
        after = _window_counts(monthly, _calendar_months(cy), "awards")
        if not before or not after:
            continue
        try:
            rr = period_ratio(before, after)
        except MethodInputError:
            continue
        name = params.site(s).display_name
        {"up": ups, "down": downs, "unclear": flat}[_direction(rr.ci_low, rr.ci_high)].append(
            f"{name} ×{rr.rate_ratio:.2f}")
    n = len(ups) + len(downs) + len(flat)
    if n == 0:
        return ""
    parts = []
    for words, group in (("rose", ups), ("fell", downs), ("showed no clear change", flat)):
        if group:
            share = "every site" if len(group) == n and n > 1 else f"{len(group)} of {n} sites"
            parts.append(f"{words} in {share} ({', '.join(group)})")
    text = (f"From {cy - 1} to {cy}, the first Covid-19 year, awards "
            + "; ".join(parts)
            + " (rate ratio of the two years' monthly counts; a direction is stated only when "
            "its 95% interval excludes 1).")
    if ups:
        text += (" A shared Covid-19 shock (emergency funding and demand) is part of the "
                 "pooled trend and is not an effect of CCS.")
    return text


def _pooled_section(params: Params, per_site: dict, synthetic: bool) -> Section:
    title = "A common LWA/DAF trend across the sites (pooled, site fixed effects)"
    long, left_out = _long_complete(per_site)
    left_txt = (
        f"Left out for having fewer than {MIN_TREND_YEARS} complete calendar years in the "
        "listed programme years: "
        + ", ".join(params.site(s).display_name for s in left_out) + "."
        if left_out else ""
    )
    if long["site"].nunique() < 2:
        return Section(title, pd.DataFrame(), note=pages.admonition(
            "note", "Too few sites for a pooled trend",
            "A pooled trend needs at least two sites with "
            f"{MIN_TREND_YEARS} or more complete calendar years. {left_txt}"))
    res = trend.pooled_trend(long, site_col="site", x_col="year", count_col="count")
    g, smk, hom = res.glm, res.stratified_mk, res.homogeneity
    table = pd.DataFrame(
        [
            {"summary": f"common rate ratio per year ({g['family']})",
             "estimate": f"{g['rate_ratio']:.2f}",
             "95% interval": _fmt_ci(g["ci_low"], g["ci_high"]),
             "p-value": _fmt_p(g["p_value"]), "n": f"{res.n} site-years, {res.n_sites} sites"},
            {"summary": "stratified Mann–Kendall S (sites as strata)", "estimate": str(smk["s"]),
             "95% interval": "–", "p-value": _fmt_p(smk["p_value"]),
             "n": f"{res.n} site-years"},
            {"summary": "homogeneity of the site trends (van Belle–Hughes chi²)",
             "estimate": f"{hom['chi2']:.2f} on {hom['df']} df", "95% interval": "–",
             "p-value": _fmt_p(hom["p_value"]), "n": f"{res.n_sites} sites"},
            {"summary": "dispersion of the pooled Poisson fit", "estimate":
             _fmt(g["dispersion"], 1), "95% interval": "–", "p-value": "–",
             "n": f"{res.n} site-years"},
        ]
    ).set_index("summary")
    per_rows = []
    forest = []
    for e in res.per_site:
        s = e["site"]
        a = per_site[s][1]
        tr = lwa_trend(a)
        site = params.site(s)
        if tr is None:
            continue
        forest.append((site.display_name, tr.glm.rate_ratio, tr.glm.ci_low, tr.glm.ci_high,
                       plots.SITE_COLOURS.get(s, plots.PALETTE[0])))
        per_rows.append({
            "site": site.display_name,
            "years": f"{tr.years[0]}–{tr.years[-1]}",
            "n": e["n"],
            "S": e["s"],
            "tau": f"{e['tau']:.2f}" if e["tau"] is not None else "–",
            "exact p": _fmt_p(e["p_value"]),
            "rate ratio per year (95% CI)": _rr_cell(tr.glm.rate_ratio, tr.glm.ci_low,
                                                     tr.glm.ci_high),
        })
    per_table = pd.DataFrame(per_rows).set_index("site")
    fig, ax = plots.new_figure(figsize=(8, 0.55 * (len(forest) + 1) + 1.6))
    labels = [f[0] for f in forest] + ["All sites (pooled)"]
    ests = [f[1] for f in forest] + [g["rate_ratio"]]
    los = [f[2] for f in forest] + [g["ci_low"]]
    his = [f[3] for f in forest] + [g["ci_high"]]
    cols = [f[4] for f in forest] + [plots.SITE_COLOURS["programme"]]
    ypos = np.arange(len(labels))[::-1]
    for yp, e, lo, hi, c in zip(ypos, ests, los, his, cols, strict=True):
        ax.plot([lo, hi], [yp, yp], color=c, lw=2)
        ax.plot([e], [yp], "D" if yp == 0 else "o", color=c, ms=7)
    ax.axvline(1.0, color="#444444", lw=0.8, ls="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels)
    _log_ratio_axis(ax, min(los), max(his))
    alt = (
        "Forest plot of the rate ratio per year of LWA/DAF awards with 95% intervals: "
        + "; ".join(f"{lab} {e:.2f} ({lo:.2f} to {hi:.2f})" for lab, e, lo, hi in
                    zip(labels, ests, los, his, strict=True))
        + ". A dashed line marks 1 (no change)."
    )
    plots.finish(fig, ax, title="LWA/DAF rate ratio per year by site and pooled",
                 xlabel="Rate ratio per year (log scale; 1 = no change)", ylabel="",
                 source=_source_line(_LWA, synthetic, "ccs_methods.methods.trend.glm_trend and "
                                     "pooled_trend"), alt=alt, synthetic=synthetic)
    n_lo, n_hi = min(e["n"] for e in res.per_site), max(e["n"] for e in res.per_site)
    n_words = f"{n_lo}" if n_lo == n_hi else f"{n_lo}–{n_hi}"
    md = [
        f"**Reading.** Taking the sites together (one intercept per site, one common slope), "
        f"awards changed by a rate ratio of {g['rate_ratio']:.2f} a year (95% CI "
        f"{g['ci_low']:.2f} to {g['ci_high']:.2f}; {g['family']}, dispersion "
        f"{_fmt(g['dispersion'], 1)}), from {res.n} site-years in {res.n_sites} sites. The "
        f"stratified Mann–Kendall test gives S = {smk['s']} (normal approximation, p = "
        f"{_fmt_p(smk['p_value'])}); the homogeneity test has p = {_fmt_p(hom['p_value'])}"
        + (" — the sites trend differently, so the common rate ratio averages over "
           "different stories." if hom["p_value"] < 0.05 else
           f" — no clear evidence that the sites trend differently, though with {n_words} "
           "points a site the test has little power.")
        + (f" {left_txt}" if left_txt else ""),
        pages.admonition("important", "Caveats", " ".join(
            [*res.caveats,
             "Oldham counts items awarded, the others awards: the site fixed effects absorb "
             "the difference in level, but a change in how items are counted would look like "
             "a trend.",
             _covid_year_text(params, per_site)])),
    ]
    return Section(title, pd.DataFrame(), table=table, figure=fig,
                   extra_tables=[("Per-site trends (complete calendar years)", per_table)],
                   markdown=md, banner=pages.synthetic_banner([_LWA]) if synthetic else None)


def _e14_section(params: Params, per_site: dict, synthetic: bool) -> Section:
    title = "E14 regenerated: LWA/DAF awards over time, with tests and intervals"
    from ccs_methods.data.published import load_figures

    figs = load_figures()
    e14_all = figs[figs["exhibit"] == "E14"].reset_index(drop=True)
    rows = []
    plot_rows = []
    for s, (monthly, annual) in per_site.items():
        site = params.site(s)
        pub = e14_all[e14_all["site"] == s]
        comp = e14_comparisons(annual, monthly, pub)
        tr = lwa_trend(annual)
        for _, c in comp.iterrows():
            rows.append({
                "site": site.display_name,
                "unit": _unit_word(site),
                "comparison": c["comparison"],
                "published": c["published"],
                "computed": c["computed"],
                "rate ratio of the two years (95% CI)": c.get("rate ratio (95% CI)", "–"),
                "trend, all complete years: exact MK p (tau)":
                    f"{_fmt_p(tr.mann_kendall.p_value)} ({tr.mann_kendall.tau:.2f}), n = {tr.n}"
                    if tr else "–",
                "trend: rate ratio per year (95% CI)":
                    _rr_cell(tr.glm.rate_ratio, tr.glm.ci_low, tr.glm.ci_high) if tr else "–",
                "note": c.get("note", ""),
                "source": c["source"],
            })
        for it in _e14_items(annual, monthly, pub):
            if it["a"] is not None and it["b"] is not None:
                plot_rows.append((site.display_name, it["published_ratio"], it["b"] / it["a"],
                                  it["rr"], plots.SITE_COLOURS.get(s, plots.PALETTE[0])))
    # "3 of 4 areas": rose every year over the report's years vs positive S
    count_row = e14_all[e14_all["measure"] == "sites_with_rising_lwa_awards"]
    span = _YEARS_RE.search(str(count_row.iloc[0]["period"])) if not count_row.empty else None
    if span is None:
        count_row = count_row.iloc[0:0]
        y_first, y_last = 0, 0
    else:
        y_first, y_last = int(span.group(1)), int(span.group(2))
    rising_every, positive_s, counted = [], [], []
    for s, (_, annual) in per_site.items():
        a = annual[annual["complete"] & annual["year"].between(y_first, y_last)]
        if len(a) < 2:
            continue
        v = a["awards"].to_numpy()
        counted.append(f"{params.site(s).display_name} {int(a['year'].min())}–"
                       f"{int(a['year'].max())}")
        if np.all(np.diff(v) > 0):
            rising_every.append(params.site(s).display_name)
        if len(a) >= 3 and trend.mann_kendall(v, a["year"].to_numpy(dtype=float)).s > 0:
            positive_s.append(params.site(s).display_name)
    if not count_row.empty:
        r = count_row.iloc[0]
        rows.append({
            "site": "programme", "unit": "sites",
            "comparison": f"sites with a rising trend, {y_first}–{y_last}",
            "published": f"{r['value']:g} of {len(params.programme.sites)}",
            "computed": f"rose every year: {len(rising_every)} ({', '.join(rising_every)}); "
                        f"Mann–Kendall S > 0: {len(positive_s)}",
            "rate ratio of the two years (95% CI)": "–",
            "trend, all complete years: exact MK p (tau)": "–",
            "trend: rate ratio per year (95% CI)": "–",
            "note": "'general trend of increasing' read two ways, on the complete years in the "
                    "data used: " + ("; ".join(counted) or "none"),
            "source": pages.cite(r),
        })
    table = pd.DataFrame(rows).set_index(["site", "comparison"])
    fig, ax = plots.new_figure(figsize=(8, 0.6 * max(len(plot_rows), 1) + 1.8))
    ypos = np.arange(len(plot_rows))[::-1]
    for yp, (_, pv, cv, rr, c) in zip(ypos, plot_rows, strict=True):
        if rr is not None:
            ax.plot([rr.ci_low, rr.ci_high], [yp, yp], color=c, lw=2, alpha=0.6)
        ax.plot([pv], [yp], marker="s", ms=11, mfc="none", mec="#000000", mew=1.5, ls="none")
        ax.plot([cv], [yp], marker="o", ms=6, color=c, ls="none")
    ax.plot([], [], marker="s", mfc="none", mec="#000000", ls="none", label="published (E14)")
    ax.plot([], [], marker="o", color="#444444", ls="none",
            label="computed, with 95% CI of the rate ratio")
    ax.set_yticks(ypos)
    ax.set_yticklabels([p[0] for p in plot_rows])
    ax.set_ylim(-1.3, len(plot_rows) - 0.5)
    ax.legend(loc="lower right", fontsize=8, ncol=2)
    alt = (
        "Dot plot comparing, for each site, the published E14 ratio (open square) with the "
        "ratio computed from the data (filled dot) and the 95% interval of the rate ratio of "
        "the two years' monthly counts (line): "
        + "; ".join(
            f"{n} published ×{pv:.2f}, computed ×{cv:.2f}"
            + (f" ({rr.ci_low:.2f} to {rr.ci_high:.2f})" if rr is not None else "")
            for n, pv, cv, rr, _ in plot_rows
        )
        + "."
    )
    e14_sites = e14_all[e14_all["measure"].isin(["lwa_awards_fold_change",
                                                 "lwa_awards_change_pct"])]
    e14_cite = _cites(e14_sites) or "E14"
    plots.finish(fig, ax, title="E14: published and recomputed change in LWA/DAF awards",
                 xlabel="Ratio of the later year to the base year (×)", ylabel="",
                 source=_source_line(_LWA, synthetic, f"published: {e14_cite}"),
                 alt=alt, synthetic=synthetic)
    md = [
        f"The report (E14; {e14_cite}) gives each site's change in awards "
        "as a single ratio between two years, with no test or interval. The table gives the "
        "same ratio recomputed from the data, the rate ratio of the two years' monthly counts "
        "with its 95% interval, and the exact Mann–Kendall test and log-linear trend over all "
        "complete years of the site. Only the programme years each site file lists for "
        f"`{_LWA}` are used (a calendar year only when all 12 months are covered), so a "
        "published comparison with a later year shows 'not available' until that year is "
        "listed.",
        pages.admonition("important", "What the extra columns add", _SMALL_N_TEXT),
    ]
    if synthetic:
        md.append(
            "The synthetic stand-ins were calibrated to the published ratios, so agreement "
            "checks the pipeline; with real extracts this table is the reconciliation."
        )
    return Section(title, e14_all[e14_all["site"] != "programme"].pipe(
        lambda d: pd.concat([d, count_row], ignore_index=True)), table=table, figure=fig,
        markdown=md, banner=pages.synthetic_banner([_LWA]) if synthetic else None)


def _e5_published(params: Params, site_id: str, e5: pd.DataFrame) -> dict[str, str]:
    """Wording built from the published E5 and E10 rows (values and sources), never typed in.

    ``text``: "292 and 505 (+73%)"-style summary; ``pair``: the two monthly means;
    ``tension``: the sentence setting the monthly mean against the people referred (E10).
    """
    def first(mask: pd.Series) -> pd.Series | None:
        rows = e5[mask]
        return rows.iloc[0] if not rows.empty else None

    out = {"text": "", "pair": "", "tension": ""}
    if e5.empty:
        return out
    means = e5["measure"] == "referrals_per_month_mean"
    pre = first(means & e5["figure_id"].str.contains("pre_ccs"))
    post = first(means & e5["figure_id"].str.contains("post_launch"))
    change = first(e5["measure"] == "referrals_per_month_change_pct")
    if pre is not None and post is not None:
        out["pair"] = f"{_published_value_text(pre)} and {_published_value_text(post)}"
        out["text"] = out["pair"] + (f" ({_published_value_text(change)})"
                                     if change is not None else "")
    e10 = _published("E10", site_id, ["people_referred"])
    if post is not None and not e10.empty:
        r = e10.iloc[0]
        net = params.site(site_id).referral_network
        period = str(r["period"])
        when = period
        m = re.match(r"(\d{4}-\d{2})/(\d{4}-\d{2})$", period)
        if m:
            for y in params.programme.years:
                if (str(_month(y.start)), str(_month(y.end))) == (m.group(1), m.group(2)):
                    when = y.label
                    break
            else:
                when = f"{m.group(1)} to {m.group(2)}"
        out["tension"] = (
            f" The {_published_value_text(post)} a month count referrals (accepted and "
            f"declined), which cannot be squared with the {_published_value_text(r)} people "
            f"referred via {net.short_name} in {when} (E10; {pages.cite(r)}): a tension kept "
            "visible, not resolved."
        )
    return out


def _e5_section(params: Params, site_id: str, ds: str, referrals: pd.DataFrame,
                synthetic: bool) -> Section:
    site = params.site(site_id)
    net = site.referral_network
    title = f"E5 regenerated: {net.short_name} referrals per month before and since CCS"
    e5 = _published("E5", site_id, ["referrals_per_month_mean", "referrals_per_month_change_pct"])
    series = monthly_referrals(referrals, site_id)
    table, info = _e5_table(series, params.programme.ccs_start, e5)
    pub = _e5_published(params, site_id, e5)
    a = referral_its(params, series)
    lv, sl = a.result.level_change, a.result.slope_change
    bp = _month(params.programme.ccs_start)
    per = pd.PeriodIndex(series["month"], freq="M")
    fig, ax = plots.new_figure(figsize=(9, 4.5))
    roll = series["referrals"].rolling(3).mean()
    ax.plot(series["date"], series["referrals"], color="#BBBBBB", lw=1, marker="o", ms=2,
            label="referrals per month")
    ax.plot(series["date"], roll, color=plots.SITE_COLOURS.get(site_id, plots.PALETTE[0]),
            lw=2, label="3-month rolling average")
    pre_d, post_d = series["date"][per < bp], series["date"][per >= bp]
    ax.plot([pre_d.iloc[0], pre_d.iloc[-1]], [info["before"]] * 2, color=plots.PALETTE[1],
            lw=2, ls="--", label=f"mean before CCS {info['before']:,.0f}")
    ax.plot([post_d.iloc[0], post_d.iloc[-1]], [info["after"]] * 2, color=plots.PALETTE[5],
            lw=2, ls="--", label=f"mean since CCS {info['after']:,.0f}")
    ax.axvline(bp.to_timestamp(), color="#000000", lw=0.8, ls=":",
               label=f"CCS start ({bp:%b %Y})")
    ax.legend(loc="upper left", fontsize=8)
    alt = (
        f"Line chart of {net.short_name} referrals per month from {per[0]:%B %Y} to "
        f"{per[-1]:%B %Y} with a 3-month rolling average, as in the report's Figure 2.4. "
        f"Dashed lines mark the mean before CCS ({info['before']:,.1f} a month over "
        f"{info['n_before']} months) and since ({info['after']:,.1f} over {info['n_after']} "
        f"months), {_pct(info['percent'], 1)}"
        + (f"; the report gives {pub['text']}." if pub["text"] else ".")
    )
    plots.finish(fig, ax, title=f"E5: {net.short_name} referrals per month, "
                 f"{site.display_name}", xlabel="Month", ylabel="Referrals per month (count)",
                 source=_source_line(ds, synthetic), alt=alt, synthetic=synthetic)
    rr = info["rr"]
    md = [
        f"The report (E5): “{e5.iloc[0]['source_quote']}” ({pages.cite(e5.iloc[0])}). "
        f"Recomputed from the data: {info['before']:,.1f} a month before CCS and "
        f"{info['after']:,.1f} since, {_pct(info['percent'], 1)}; rate ratio "
        f"{_rr_text(rr.rate_ratio, rr.ci_low, rr.ci_high)} from {rr.n} months "
        f"({rr.method_text()})."
        if not e5.empty else "The reports give no E5 figures for this site.",
        f"**Beyond the prior trend.** The before/after ratio credits CCS with a rise already "
        f"under way. The interrupted time series on the {site.display_name} pages, which "
        "extends the pre-CCS trend and allows for the season and Covid-19, puts the level "
        "change at the CCS start at a rate ratio of "
        f"{_rr_text(lv['rate_ratio'], lv['ci_low'], lv['ci_high'])} and the change in monthly "
        "growth at "
        f"{_rr_text(sl['rate_ratio'], sl['ci_low'], sl['ci_high'], 3)} (n = {a.result.n} "
        "months)."
        if lv and sl else "",
        pages.admonition(
            "important", "Caveat",
            "The report does not state its averaging windows; the whole series either side "
            "of the CCS start is used here."
            + pub["tension"]
            + (f" The synthetic stand-ins were calibrated to {pub['pair']}."
               if synthetic and pub["pair"] else "")),
    ]
    return Section(title, e5, table=table, figure=fig, markdown=[m for m in md if m],
                   banner=pages.synthetic_banner([ds]) if synthetic else None)


def _e15_section(params: Params, site_id: str, ds: str, referrals: pd.DataFrame,
                 synthetic: bool) -> Section:
    site = params.site(site_id)
    lwa = site.lwa_scheme.short_name
    title = f"E15 regenerated: referrals between the {lwa} and the VCS by year"
    e15 = _published("E15", site_id)
    flows = e15_flows(referrals[referrals["site"] == site_id] if "site" in referrals.columns
                      else referrals)
    table = pd.DataFrame({
        "calendar year": flows["year"].astype(str),
        f"{lwa} → VCS": flows["lwa_to_vcs"],
        f"VCS → {lwa}": flows["vcs_to_lwa"],
    }).set_index("calendar year")
    rows = []
    tot = flows.set_index("year")
    for direction, key, f, t in ((f"{lwa} to VCS", "lwa_to_vcs", "lwa", "vcs"),
                                 (f"VCS to {lwa}", "vcs_to_lwa", "vcs", "lwa")):
        pub = e15[e15["category"] == direction.replace(lwa, "NAS")]
        for _, r in pub.iterrows():
            if r["measure"] == "nas_referrals":
                y = int(str(r["period"])[:4])
                comp = f"{int(tot.loc[y, key]):,}" if y in tot.index else "–"
                rows.append({"direction": direction, "figure": f"referrals in {y}",
                             "computed": comp, "published": _published_value_text(r),
                             "rate ratio 2021 vs 2019 (95% CI)": "", "n (months)": "",
                             "source": pages.cite(r)})
            else:
                y0, y1 = (int(v) for v in str(r["period"]).split("/"))
                if y0 in tot.index and y1 in tot.index and tot.loc[y0, key] > 0:
                    a, b = float(tot.loc[y0, key]), float(tot.loc[y1, key])
                    comp = f"×{b / a:.2f}" if r["unit"] == "ratio" else _pct(
                        trend.percent_change(a, b), 1)
                    try:
                        rr = period_ratio(_flow_monthly(referrals, f, t, y0),
                                          _flow_monthly(referrals, f, t, y1))
                        rr_txt = _rr_cell(rr.rate_ratio, rr.ci_low, rr.ci_high) + (
                            " (Newey–West SE)" if rr.cov_type == "HAC" else "")
                        n = rr.n
                    except MethodInputError:
                        rr_txt, n = "– (a year has no such referrals)", ""
                else:
                    comp, rr_txt, n = "–", "–", ""
                rows.append({"direction": direction, "figure": f"change {y0} → {y1}",
                             "computed": comp, "published": _published_value_text(r),
                             "rate ratio 2021 vs 2019 (95% CI)": rr_txt, "n (months)": n,
                             "source": pages.cite(r)})
    recon = pd.DataFrame(rows)
    if not recon.empty:
        recon = recon.rename(columns={"rate ratio 2021 vs 2019 (95% CI)":
                                      "rate ratio of the two years (95% CI)"})
        recon = recon.set_index(["direction", "figure"])
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
    ax.legend(loc="upper left", fontsize=8)
    alt = (
        f"Grouped bar chart of referrals between the {lwa} and voluntary and community sector "
        f"organisations in the {site.referral_network.short_name} data by calendar year: "
        + "; ".join(f"{y}: {lwa} to VCS {a}, VCS to {lwa} {b}" for y, a, b in
                    zip(flows["year"], flows["lwa_to_vcs"], flows["vcs_to_lwa"], strict=True))
        + "."
    )
    plots.finish(fig, ax, title=f"E15: referrals between the {lwa} and the VCS, "
                 f"{site.display_name}", xlabel="Calendar year",
                 ylabel="Referrals per year (count)",
                 source=_source_line(ds, synthetic, f"the {lwa} is the organisation with "
                                     "sector 'lwa'"), alt=alt, synthetic=synthetic)
    md = [
        f"Referrals from the {lwa} (the one organisation in the {site.referral_network.short_name} "
        f"data with sector `lwa`) to voluntary and community sector organisations, and back, "
        "counted by calendar year (accepted and declined). The report (E15) gives the 2021 "
        "counts and the change from 2019; the table sets the recomputed figures beside them "
        "and adds the rate ratio of the two years' monthly counts with a 95% interval.",
        pages.admonition(
            "important", "Caveat",
            f"Small counts (VCS → {lwa}: {flows['vcs_to_lwa'].min():,} to "
            f"{flows['vcs_to_lwa'].max():,} a year) give wide intervals, and a percentage "
            "change on a small base is fragile. More referrals from the "
            f"{lwa} may reflect Covid-19 demand and scheme changes as much as closer links."
            + (" The synthetic stand-ins were calibrated to the published figures."
               if synthetic else "")),
    ]
    return Section(title, e15, table=table, figure=fig,
                   extra_tables=[("E15 recomputed beside the published figures", recon)]
                   if not recon.empty else [],
                   markdown=md, banner=pages.synthetic_banner([ds]) if synthetic else None)


# ======================================================================================
# computed results for the evidence register
# ======================================================================================
def computed_results(
    params: Params,
    *,
    awards: pd.DataFrame | None = None,
    referrals: dict[str, pd.DataFrame] | None = None,
) -> dict[str, dict]:
    """Computed results for the contribution analysis evidence register.

    ``its.<network>.level_change`` and ``its.<network>.slope_change`` (e.g. ``its.ncan``) for
    each site whose referral data have a pre-CCS period, and ``trend.lwa.<site>`` (GLM rate
    ratio per year on the complete calendar years) for each site with LWA/DAF data. Every
    entry has ``rate_ratio``, ``ci_low``, ``ci_high`` (95%) and ``n``, plus some context.

    Parameters
    ----------
    params
        Loaded parameters.
    awards
        The ``lwa_awards`` table; default: loaded through params.
    referrals
        Referral tables by dataset name; default: loaded through params.

    Returns
    -------
    dict
        Result id to a JSON-serialisable dict; the same on every run.

    """
    out: dict[str, dict] = {}
    ref = dict(referrals or {})
    for s in params.programme.sites:
        net = params.site(s).referral_network
        ds = net.referral_dataset
        if ds is None:
            continue
        if ds not in ref:
            ref[ds] = load_dataset(params, ds)
        try:
            series = monthly_referrals(ref[ds], s)
        except MethodInputError:
            continue
        bp = _month(params.programme.ccs_start)
        n_pre = int((pd.PeriodIndex(series["month"], freq="M") < bp).sum())
        if n_pre < MIN_PRE_MONTHS or len(series) - n_pre < MIN_PRE_MONTHS:
            continue
        res = referral_its(params, series).result
        key = net.short_name.lower()
        for term, eff in (("level_change", res.level_change), ("slope_change",
                                                               res.slope_change)):
            if eff is None:
                continue
            out[f"its.{key}.{term}"] = _its_result(res, eff, ds)
    if awards is None:
        awards = load_dataset(params, _LWA)
    for s, (_, annual) in _site_lwa(params, awards).items():
        tr = lwa_trend(annual)
        if tr is not None:
            out[f"trend.lwa.{s}"] = tr.result()
    return out
