"""LWA/DAF awards of one site: monthly and annual series, trend tests, E14, the year's change.

Question 2 of ``DOMAIN.md``: *how did LWA/DAF awards change, is there a trend, and how sure
are we?* Each function returns results (dataclasses, tables); the notebooks write the prose.
Every statistic comes from :mod:`ccs_methods.methods.trend`, :mod:`~ccs_methods.methods.rates`
and :mod:`~ccs_methods.methods.spc`; model options are passed in from ``params/analysis.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.analyses.trend_data import (
    LWA,
    calendar_months,
    month,
    published_value_text,
    restrict_to_listed,
    window_counts,
    year_months,
)
from ccs_methods.data import datasets
from ccs_methods.data.params import Params, ProgrammeYear, Site
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import rates, spc, trend
from ccs_methods.methods.hac_choice import HACRule
from ccs_methods.report import fmt, pages

__all__ = [
    "E14_MEASURES",
    "LWATrend",
    "SiteAwards",
    "YearComparison",
    "annual_awards",
    "annual_table",
    "e14_comparisons",
    "e14_items",
    "monthly_awards",
    "monthly_xmr",
    "site_awards",
    "trend_tests_table",
    "unit_word",
    "xmr_baseline",
    "xmr_tables",
    "year_table",
    "year_vs_previous",
]

FamilyName = Literal["auto", "poisson", "quasipoisson", "negbin"]


def monthly_awards(awards: pd.DataFrame, site: str) -> pd.DataFrame:
    """Monthly LWA/DAF awards (or items) of one site, summed over payment types.

    For the Welsh DAF the Emergency (EAP) and Individual (IAP) Assistance Payments are added.
    A month is *complete* when it has a row for every payment type the site reports at all.

    Parameters
    ----------
    awards
        The ``lwa_awards`` dataset (``site``, ``month``, ``payment_type``, ``awards``; ``unit``
        optional).
    site
        Site id.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month`` (``YYYY-MM``), ``date``, ``awards``, one column per
        payment type when there are several, ``complete``, ``unit``.

    Raises
    ------
    MethodInputError
        A required column is missing, or the site has no rows.

    """
    for col in ("site", "month", "awards"):
        if col not in awards.columns:
            raise MethodInputError(
                f"column '{col}' not found in the LWA awards table; it has "
                f"{list(awards.columns)}.", column=col)
    part = awards[awards["site"] == site].copy()
    if part.empty:
        raise MethodInputError(f"the LWA awards table has no rows for site '{site}'.",
                               column="site")
    if "payment_type" not in part.columns:
        part["payment_type"] = "all"
    part["period"] = [month(m) for m in part["month"]]
    wide = part.pivot_table(index="period", columns="payment_type", values="awards",
                            aggfunc="sum").sort_index()
    types = [str(c) for c in wide.columns]
    out = pd.DataFrame({
        "month": [str(p) for p in wide.index],
        "date": [p.to_timestamp() for p in wide.index],
        "awards": wide.sum(axis=1, min_count=1).astype(float).to_numpy(),
    })
    if len(types) > 1:
        for t in types:
            out[t] = wide[t].to_numpy()
    out["complete"] = wide.notna().all(axis=1).to_numpy()
    out["unit"] = str(part["unit"].iloc[0]) if "unit" in part.columns else "awards"
    return out.reset_index(drop=True)


def annual_awards(monthly: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year totals of :func:`monthly_awards`, saying which years are complete.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``awards`` (and per-payment-type columns if any), ``months`` (complete
        months with data) and ``complete`` (all twelve months present).

    """
    df = monthly.copy()
    df["year"] = [int(m[:4]) for m in df["month"]]
    extra = [c for c in df.columns
             if c not in ("month", "date", "awards", "complete", "unit", "year")]
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


def unit_word(site: Site) -> str:
    """What a site's scheme counts: ``awards`` or ``items awarded``."""
    return "awards" if site.lwa_scheme.award_unit == "awards" else "items awarded"


@dataclass(frozen=True)
class SiteAwards:
    """A site's award series in the programme years params list (see :func:`site_awards`)."""

    site_id: str
    scheme: str
    scheme_short: str
    unit_word: str
    all_months: pd.DataFrame
    monthly: pd.DataFrame
    annual: pd.DataFrame
    synthetic: bool

    @property
    def types(self) -> list[str]:
        """Payment types added together (empty when the site reports one)."""
        return [c for c in self.annual.columns if c not in ("year", "awards", "months",
                                                            "complete")]

    @property
    def complete_years(self) -> list[int]:
        """Calendar years with all twelve months."""
        return [int(y) for y in self.annual.loc[self.annual["complete"], "year"]]

    @property
    def partial_years(self) -> list[int]:
        """Calendar years with some months missing (left out of the tests)."""
        return [int(y) for y in self.annual.loc[~self.annual["complete"], "year"]]

    @property
    def dropped_months(self) -> int:
        """Months of the records outside the listed programme years."""
        return len(self.all_months) - len(self.monthly)

    @property
    def data_unit(self) -> str:
        """The unit the records say they count."""
        return str(self.all_months["unit"].iloc[0]) if not self.all_months.empty else ""

    @property
    def usable(self) -> bool:
        """Whether any month is left to analyse."""
        return not self.monthly.empty


def site_awards(params: Params, site_id: str, awards: pd.DataFrame,
                *, synthetic: bool | None = None) -> SiteAwards:
    """The award series of one site in the programme years params list for ``lwa_awards``.

    Parameters
    ----------
    params
        Loaded parameters.
    site_id
        Site id.
    awards
        The ``lwa_awards`` dataset.
    synthetic
        Whether the site's rows of ``awards`` are synthetic; default: their ``source``
        column (row provenance), else what params say for this site.

    Returns
    -------
    SiteAwards
        With empty tables when the site has no rows (``usable`` is False).

    """
    site = params.site(site_id)
    try:
        all_months = monthly_awards(awards, site_id)
    except MethodInputError:
        all_months = pd.DataFrame(columns=["month", "date", "awards", "complete", "unit"])
    monthly = (restrict_to_listed(all_months, params, site_id) if not all_months.empty
               else all_months)
    annual = (annual_awards(monthly) if not monthly.empty
              else pd.DataFrame(columns=["year", "awards", "months", "complete"]))
    return SiteAwards(
        site_id=site_id, scheme=site.lwa_scheme.name, scheme_short=site.lwa_scheme.short_name,
        unit_word=unit_word(site), all_months=all_months, monthly=monthly, annual=annual,
        synthetic=_site_synthetic(params, awards, site_id) if synthetic is None else synthetic,
    )


def _site_synthetic(params: Params, awards: pd.DataFrame, site_id: str) -> bool:
    """Whether the site's award rows are synthetic (row ``source``, else params for the site)."""
    if "source" in awards.columns and (awards["site"] == site_id).any():
        return "synthetic" in datasets.row_sources(awards, site_id)
    return datasets.is_synthetic(params, LWA, site_id)


def annual_table(aw: SiteAwards) -> pd.DataFrame:
    """Annual totals as shown: one row per calendar year, counts per payment type."""
    a = aw.annual
    table = pd.DataFrame({"calendar year": a["year"].astype(str)})
    for t in aw.types:
        table[f"{t} {aw.unit_word}"] = [fmt.count(v) for v in a[t]]
    table[f"{aw.unit_word} (total)" if aw.types else aw.unit_word] = [fmt.count(v)
                                                                      for v in a["awards"]]
    table["months with data"] = a["months"].to_numpy()
    table["complete year"] = ["yes" if c else "no" for c in a["complete"]]
    return table.set_index("calendar year")


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
        return trend.json_safe({
            "rate_ratio": g.rate_ratio, "ci_low": g.ci_low, "ci_high": g.ci_high, "n": self.n,
            "p_value": g.p_value, "family": g.family, "dispersion": g.dispersion,
            "first_year": self.years[0], "last_year": self.years[-1],
            "mann_kendall_s": self.mann_kendall.s, "mann_kendall_p": self.mann_kendall.p_value,
            "kendall_tau": self.mann_kendall.tau, "dataset": LWA,
        })


def lwa_trend(annual: pd.DataFrame, *, min_complete_years: int,
              glm_family: FamilyName) -> LWATrend | None:
    """Exact Mann-Kendall, Kendall's tau, Theil-Sen slope and GLM rate ratio per year.

    Parameters
    ----------
    annual
        Output of :func:`annual_awards`; only complete calendar years are used.
    min_complete_years
        Fewer complete years: None (``lwa_trend.min_complete_years``).
    glm_family
        Family of the log-linear GLM (``lwa_trend.glm_family``).

    Returns
    -------
    LWATrend or None

    """
    comp = annual[annual["complete"]]
    if len(comp) < min_complete_years:
        return None
    years = [int(y) for y in comp["year"]]
    counts = [int(v) for v in comp["awards"]]
    x = np.asarray(years, dtype=float)
    return LWATrend(years=years, counts=counts,
                    mann_kendall=trend.mann_kendall(counts, x, method="exact"),
                    theil_sen=trend.theil_sen(counts, x),
                    glm=trend.glm_trend(counts, x, family=glm_family))


def trend_tests_table(tr: LWATrend, unit: str) -> pd.DataFrame:
    """The four trend statistics with their intervals, p-values and n."""
    from ccs_methods.report import trend_readings

    mk, ts, g = tr.mann_kendall, tr.theil_sen, tr.glm
    return pd.DataFrame([
        {"method": "Mann–Kendall S (exact)", "estimate": f"{mk.s}", "95% interval": "–",
         "p-value": fmt.p_value(mk.p_value), "n": mk.n,
         "note": f"smallest attainable p = {fmt.ratio(mk.min_attainable_p, 3)}"},
        {"method": "Kendall's tau-b", "estimate": f"{mk.tau:.2f}", "95% interval": "–",
         "p-value": fmt.p_value(mk.p_value), "n": mk.n, "note": "same test as S"},
        {"method": f"Theil–Sen slope ({unit} per year)", "estimate": fmt.signed(ts.slope),
         "95% interval": fmt.interval(ts.ci_low, ts.ci_high, 0), "p-value": "–", "n": ts.n,
         "note": trend_readings.theil_sen_note(ts)},
        {"method": f"GLM rate ratio per year ({g.family})", "estimate": fmt.ratio(g.rate_ratio),
         "95% interval": fmt.interval(g.ci_low, g.ci_high), "p-value": fmt.p_value(g.p_value),
         "n": g.n, "note": f"dispersion {fmt.ratio(g.dispersion, 1)}; {g.df_resid} residual df"
         + ("; t interval" if g.reference == "t" else "")},
    ]).set_index("method")


_YEARS_RE = re.compile(r"(\d{4})\D+(\d{4})")
_TO_RE = re.compile(r"to (\d{4})")
E14_MEASURES = ("lwa_awards_change_ratio", "lwa_awards_change_pct")


def e14_items(annual: pd.DataFrame, monthly: pd.DataFrame, e14_rows: pd.DataFrame, *,
              autocorrelation_p: float,
              hac_rule: HACRule, family: Literal["poisson", "quasipoisson"]
              ) -> list[dict[str, Any]]:
    """The numbers behind :func:`e14_comparisons`, one dict per published comparison.

    Returns
    -------
    list of dict
        ``row`` (published), ``y0``, ``y1``, ``note``, ``a``/``b`` (the two years' totals or
        None), ``rr`` (:class:`~ccs_methods.methods.rates.PeriodRatio` or None) and
        ``published_ratio``.

    """
    items: list[dict[str, Any]] = []
    comp_rows = annual[annual["complete"]]
    totals = dict(zip(comp_rows["year"], comp_rows["awards"], strict=True))
    complete = [int(y) for y in comp_rows["year"]]
    for _, r in e14_rows.iterrows():
        if r["measure"] not in E14_MEASURES:
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
            note = (f"base year not stated in the report; the first complete year of the data "
                    f"({y0}) is used")
        value = float(r["value"])
        item: dict[str, Any] = {
            "row": r, "y0": y0, "y1": y1, "note": note, "a": None, "b": None, "rr": None,
            "published_ratio": value if r["unit"] == "ratio" else 1 + value / 100,
        }
        if y0 in totals and y1 in totals:
            item["a"], item["b"] = float(totals[y0]), float(totals[y1])
            before = window_counts(monthly, calendar_months(y0), "awards")
            after = window_counts(monthly, calendar_months(y1), "awards")
            if before and after:
                item["rr"] = rates.period_ratio(before, after,
                                                autocorrelation_p=autocorrelation_p,
                                                hac_rule=hac_rule,
                                                family=family)
        items.append(item)
    return items


def e14_comparisons(annual: pd.DataFrame, monthly: pd.DataFrame, e14_rows: pd.DataFrame, *,
                    autocorrelation_p: float,
                    hac_rule: HACRule, family: Literal["poisson", "quasipoisson"]
                    ) -> pd.DataFrame:
    """The E14 comparisons of one site recomputed from the data, beside the published figure.

    Each published fold change or percentage change is recomputed between the same calendar
    years (where the report gives no base year, the first complete year of the data, said in
    a note), with the rate ratio of the two years' monthly counts and its 95% interval
    (:func:`ccs_methods.methods.rates.period_ratio`).

    Returns
    -------
    pandas.DataFrame
        One row per published comparison (empty when there is none).

    """
    rows = []
    complete = set(annual.loc[annual["complete"], "year"])
    for it in e14_items(annual, monthly, e14_rows, autocorrelation_p=autocorrelation_p,
                        hac_rule=hac_rule,
                        family=family):
        r, y0, y1, a, b, rr = it["row"], it["y0"], it["y1"], it["a"], it["b"], it["rr"]
        row: dict[str, Any] = {"comparison": f"{y0} → {y1}"}
        if a is None or b is None:
            missing = ", ".join(str(y) for y in (y0, y1) if y not in complete)
            row.update(computed=f"not available: {missing} is not a complete calendar year "
                                "in the data used", published=published_value_text(r),
                       note=it["note"], source=pages.cite(r))
            rows.append(row)
            continue
        pct = trend.percent_change(a, b)
        row.update({
            f"{y0} total": fmt.count(a), f"{y1} total": fmt.count(b),
            "computed": f"×{b / a:.2f}" if r["unit"] == "ratio" else fmt.percent(pct, 1),
            "published": published_value_text(r),
            "percent change": fmt.percent(pct, 1),
            "rate ratio (95% CI)": _rr_cell(rr) if rr else "– (a year is incomplete)",
            "n (months)": rr.n if rr else 0,
            "note": it["note"], "source": pages.cite(r),
        })
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    tail = ["computed", "published", "percent change", "rate ratio (95% CI)", "n (months)",
            "note", "source"]
    totals = [c for c in df.columns if c.endswith(" total")]
    return df.reindex(columns=["comparison", *totals, *tail]).astype(object).fillna("")


@dataclass(frozen=True)
class YearComparison:
    """A programme year's awards against the twelve months before it."""

    months: pd.PeriodIndex
    previous: pd.PeriodIndex
    now: list[float] | None
    before: list[float] | None
    ratio: rates.PeriodRatio | None

    @property
    def now_total(self) -> float:
        """Total of the programme year."""
        return float(sum(self.now or []))

    @property
    def before_total(self) -> float:
        """Total of the previous twelve months."""
        return float(sum(self.before or []))

    @property
    def percent(self) -> float:
        """Percentage change of the totals."""
        return trend.percent_change(self.before_total, self.now_total)


def year_vs_previous(monthly: pd.DataFrame, year: ProgrammeYear, *, autocorrelation_p: float,
                     hac_rule: HACRule,
                     family: Literal["poisson", "quasipoisson"]) -> YearComparison:
    """The programme year's monthly awards against the twelve months before it.

    ``ratio`` is None when a month of either period is missing.
    """
    months = year_months(year)
    prev = pd.period_range(months[0] - 12, months[0] - 1, freq="M")
    now = window_counts(monthly, months, "awards")
    before = window_counts(monthly, prev, "awards")
    ratio = None
    if now is not None and before is not None:
        ratio = rates.period_ratio(before, now, autocorrelation_p=autocorrelation_p,
                                   hac_rule=hac_rule,
                                   family=family)
    return YearComparison(months=months, previous=prev, now=now, before=before, ratio=ratio)


def _rr_cell(rr: rates.PeriodRatio) -> str:
    return f"{fmt.ratio(rr.rate_ratio)} ({fmt.interval(rr.ci_low, rr.ci_high)})"


def year_table(yc: YearComparison, unit: str, label: str) -> pd.DataFrame:
    """The year comparison as a table (totals, change, rate ratio, dispersion, n)."""
    res = yc.ratio
    if res is None:
        return pd.DataFrame()
    p, m = yc.previous, yc.months
    return pd.DataFrame([
        {"quantity": f"{unit}, previous 12 months ({p[0]:%b %Y}–{p[-1]:%b %Y})",
         "value": fmt.count(yc.before_total), "n (months)": len(p)},
        {"quantity": f"{unit}, {label} ({m[0]:%b %Y}–{m[-1]:%b %Y})",
         "value": fmt.count(yc.now_total), "n (months)": len(m)},
        {"quantity": "percentage change", "value": fmt.percent(yc.percent, 1),
         "n (months)": res.n},
        {"quantity": "rate ratio (95% CI), quasi-Poisson on monthly counts"
                     + (", Newey–West SE" if res.cov_type == "HAC" else ""),
         "value": _rr_cell(res),
         "n (months)": res.n},
        {"quantity": "dispersion (month-to-month variation; 1 = Poisson)",
         "value": fmt.ratio(res.dispersion, 1), "n (months)": res.n},
    ]).set_index("quantity")


def xmr_baseline(dates: Sequence[pd.Timestamp], start: Any, *, min_baseline_points: int
                 ) -> int | None:
    """Points before ``start`` if there are enough to fix the limits, else None (all)."""
    n_pre = sum(1 for d in dates if d < pd.Timestamp(start))
    return n_pre if min_baseline_points <= n_pre < len(dates) else None


def monthly_xmr(values: Sequence[float], dates: Sequence[pd.Timestamp], *, ccs_start: Any,
                min_baseline_points: int) -> spc.XmRResult:
    """XmR chart of a monthly series, limits from the pre-CCS months when there are enough.

    Parameters
    ----------
    values, dates
        The monthly counts and the first day of each month.
    ccs_start
        The programme start; months before it set the limits.
    min_baseline_points
        Fewer pre-CCS months: limits from all months (``xmr.min_baseline_points``).

    """
    d = list(dates)
    return spc.xmr(np.asarray(values, dtype=float), d,
                   baseline=xmr_baseline(d, ccs_start, min_baseline_points=min_baseline_points))


def xmr_tables(res: spc.XmRResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Special-cause months grouped into runs, and the meaning of each flag."""
    frame = res.to_frame()
    runs: list[dict[str, Any]] = []
    start = None
    for i in range(len(frame) + 1):
        flagged = i < len(frame) and bool(frame["special_cause"].iloc[i])
        same = (flagged and start is not None
                and frame["explanation"].iloc[i] == frame["explanation"].iloc[start])
        if start is not None and not same:
            part = frame.iloc[start:i]
            first, last = part["date"].iloc[0][:7], part["date"].iloc[-1][:7]
            lo, hi = part["value"].min(), part["value"].max()
            runs.append({
                "months": first if first == last else f"{first} to {last}",
                "n (months)": len(part),
                "values": fmt.count(lo) if len(part) == 1 else f"{lo:,.0f} to {hi:,.0f}",
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
    meanings = pd.DataFrame({
        "flag": [k.replace("_", " ") for k in keys],
        "points flagged": [res.summary[k] for k in keys],
        "meaning": [res.flag_meanings[k] for k in keys],
    }).set_index("flag")
    return table, meanings
