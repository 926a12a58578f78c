"""Interrupted time series (segmented regression) for monthly counts.

Answers "was there a change in referrals at the programme start beyond the prior trend and
beyond Covid-19?" for series with a pre-period (e.g. NCAN 2017-2021), and describes series
with no pre-period (e.g. THCAN from March 2021), for which no counterfactual is possible.

* :func:`segmented_regression` - log-linear count model with pre-trend, level change,
  slope change, Fourier seasonality, an optional Covid-19 term and an optional exposure
  offset; rate ratios with 95% intervals, the counterfactual (no programme; the Covid-19
  term kept) with a delta-method interval, the cumulative observed-minus-counterfactual
  difference, and residual autocorrelation checks (Ljung-Box, Durbin-Watson).
* :func:`breakpoint_sensitivity` - the same model refitted for several breakpoints.
* :func:`describe_series` - monthly mean, min, max and total for a series with no
  pre-period.

The model, its assumptions and caveats are written out in ``book/methods/trends.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend import _fit_count_glm, checked_exp, json_safe, reference_distribution
from ccs_methods.methods.trend.glm import covariance_description

__all__ = [
    "ITSResult",
    "SeriesDescription",
    "breakpoint_sensitivity",
    "describe_series",
    "segmented_regression",
]

#: Minimum months on each side of the breakpoint (a common rule of thumb for ITS).
MIN_POINTS_EACH_SIDE = 8
#: Absolute lag-1 residual autocorrelation below this is read as none at lag 1.
LAG1_NEGLIGIBLE = 0.1
#: Largest number of Fourier pairs allowed (12-month period).
MAX_FOURIER_K = 5


class _ResultMixin:
    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict (no numpy types, NaN as None)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# input preparation
# --------------------------------------------------------------------------------------
Frequency = Literal["monthly", "weekly", "quarterly", "index"]
#: Periods per year of each frequency (None: an integer time index with no calendar).
PERIODS_PER_YEAR: dict[str, float | None] = {
    "monthly": 12.0, "quarterly": 4.0, "weekly": 365.25 / 7, "index": None,
}
_UNIT = {"monthly": "month", "quarterly": "quarter", "weekly": "week", "index": "time point"}
_PANDAS_FREQ = {"monthly": "M", "quarterly": "Q"}
_FULL_DATE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")


def _to_month(value: Any, what: str, frequency: str = "monthly", *,
              start_of_period: bool = False) -> pd.Period:
    """Read a month (or quarter) label; with ``start_of_period`` a full date must open it."""
    freq = _PANDAS_FREQ.get(frequency, "M")
    if isinstance(value, str) and re.match(r"^\s*\d{4}\s*-?\s*Q[1-4]\s*$", value, re.I):
        return pd.Period(value.replace(" ", "").replace("-", ""), freq="Q").asfreq(freq, "start")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        try:
            return pd.Period(str(value), freq=freq)
        except (TypeError, ValueError):
            pass
        raise MethodInputError(
            f"{what} {value!r} is not a date; give a date such as '2019-10-01' or '2019-10'."
        ) from exc
    if pd.isna(ts):
        raise MethodInputError(f"{what} is missing; give a date such as '2019-10'.")
    per = ts.to_period(freq)
    if start_of_period and _FULL_DATE.match(str(value)) and ts != per.start_time.normalize():
        unit = _UNIT[frequency]
        raise MethodInputError(
            f"{what} {value!r} falls inside {unit} {per}, not at its start; the series is "
            f"{frequency}, so the change must be given as the first {unit} of the "
            f"post-intervention period ({per} if that {unit} counts as after the change, "
            f"{per + 1} if not). It is not rounded silently."
        )
    return per


def _prepare_monthly(
    df: pd.DataFrame,
    date_col: str,
    count_col: str,
    offset_col: str | None = None,
) -> pd.DataFrame:
    """Validate a monthly count table and return it sorted with a ``month`` Period column."""
    return _prepare_series(df, date_col, count_col, offset_col, "monthly")


def _show(value: Any) -> str:
    """A cell value for a message: quoted text, or a plain number, or 'empty'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    if isinstance(value, str):
        return repr(value)
    return str(value.item() if hasattr(value, "item") else value)


def _row_numbers(df: pd.DataFrame) -> np.ndarray:
    """Row numbers for messages: the file line of each row, else 1-based data rows.

    The command line stores the file's line numbers in ``df.attrs["line_numbers"]``.
    """
    lines = df.attrs.get("line_numbers") if hasattr(df, "attrs") else None
    if lines is not None and len(lines) == len(df):
        return np.asarray(lines, dtype=int)
    return np.arange(len(df)) + 1


def _prepare_series(
    df: pd.DataFrame,
    date_col: str,
    count_col: str,
    offset_col: str | None = None,
    frequency: str = "monthly",
) -> pd.DataFrame:
    """Validate a count series and return it sorted, one row per period, no gaps.

    Columns: ``month`` (the period label: a pandas Period for monthly and quarterly data, a
    Timestamp for weekly, an int for an index), ``t`` (0, 1, ... in time order), ``season``
    (position in the year, 1-based in units of the period: month 1-12, quarter 1-4, week
    1-52.18; NaN for an index), ``count``, ``offset`` (if any) and ``_row`` (1-based data
    row of the input).
    """
    if frequency not in PERIODS_PER_YEAR:
        raise MethodInputError(
            "frequency must be 'monthly', 'weekly', 'quarterly' or 'index'; "
            f"got {frequency!r}."
        )
    if not isinstance(df, pd.DataFrame):
        raise MethodInputError("'df' must be a pandas DataFrame with a date and a count column.")
    for col in (date_col, count_col) + ((offset_col,) if offset_col else ()):
        if col not in df.columns:
            raise MethodInputError(
                f"column '{col}' not found; available columns: {list(df.columns)}.", column=col
            )
    if len(df) == 0:
        raise MethodInputError("the table has no rows; a monthly series is needed.")
    if frequency == "index":
        dates = pd.to_numeric(df[date_col], errors="coerce")
        dv = dates.to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(dv) | (np.abs(dv - np.round(dv)) > 1e-9))
        what = "a whole-number time index"
    else:
        dates = pd.to_datetime(df[date_col], errors="coerce")
        bad = np.flatnonzero(dates.isna().to_numpy())
        what = "a readable date"
    if bad.size:
        raise MethodInputError(
            f"value {_show(df[date_col].iloc[bad[0]])} is not {what}.",
            row=int(_row_numbers(df)[int(bad[0])]),
            column=date_col,
        )
    counts = pd.to_numeric(df[count_col], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(counts.to_numpy(dtype=float)))
    if bad.size:
        raise MethodInputError(
            f"count {_show(df[count_col].iloc[bad[0]])} is missing or not a number; every month "
            "needs a count (use 0 for a month with no events).",
            row=int(_row_numbers(df)[int(bad[0])]),
            column=count_col,
        )
    cv = counts.to_numpy(dtype=float)
    neg = np.flatnonzero(cv < 0)
    if neg.size:
        raise MethodInputError(
            f"negative count {cv[neg[0]]:g}; counts must be 0 or more.",
            row=int(_row_numbers(df)[int(neg[0])]),
            column=count_col,
        )
    frac = np.flatnonzero(np.abs(cv - np.round(cv)) > 1e-9)
    if frac.size:
        raise MethodInputError(
            f"count {cv[frac[0]]:g} is not a whole number; count models need whole numbers.",
            row=int(_row_numbers(df)[int(frac[0])]),
            column=count_col,
        )
    rows = _row_numbers(df)
    if frequency == "index":
        key = np.round(dv).astype(int)
        label: Any = key
        season = np.full(len(df), np.nan)
    elif frequency == "weekly":
        day = dates.dt.normalize()
        wd = day.dt.day_of_week.to_numpy()
        odd = np.flatnonzero(wd != wd[0])
        if odd.size:
            names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                     "Sunday"]
            raise MethodInputError(
                f"mixed frequency: {day.iloc[odd[0]]:%Y-%m-%d} is a {names[wd[odd[0]]]} but "
                f"the first date ({day.iloc[0]:%Y-%m-%d}) is a {names[wd[0]]}; weekly data "
                "need one date per week, all on the same weekday.",
                row=int(rows[odd[0]]),
                column=date_col,
            )
        key = ((day - day.min()).dt.days // 7).to_numpy().astype(int)
        label = day.to_numpy()
        season = (day.dt.day_of_year.to_numpy() - 1) / 7.0 + 1.0
    else:
        per = dates.dt.to_period(_PANDAS_FREQ[frequency])
        p0 = per.min()
        key = np.array([(p - p0).n for p in per], dtype=int)
        label = per.to_numpy()
        season = np.array(
            [p.month if frequency == "monthly" else p.quarter for p in per], dtype=float
        )
    out = pd.DataFrame({"month": label, "t": key, "season": season, "count": cv, "_row": rows})
    if offset_col:
        ov = pd.to_numeric(df[offset_col], errors="coerce").to_numpy(dtype=float)
        badv = np.flatnonzero(~(np.isfinite(ov) & (ov > 0)))
        if badv.size:
            raise MethodInputError(
                f"offset value {_show(df[offset_col].iloc[badv[0]])} must be a positive number "
                "(it is logged).",
                row=int(_row_numbers(df)[int(badv[0])]),
                column=offset_col,
            )
        out["offset"] = ov
    dup = out["t"].duplicated(keep=False)
    if dup.any():
        first = out.loc[dup, "t"].iloc[0]
        rows_dup = out.loc[out["t"] == first, "_row"].tolist()
        unit = _UNIT[frequency]
        label_dup = out.loc[out["t"] == first, "month"].iloc[0]
        hint = (
            " If these are weekly (or daily) values, say so (frequency='weekly'; "
            "--frequency weekly on the command line) or total them per month first."
            if frequency in ("monthly", "quarterly") else ""
        )
        raise MethodInputError(
            f"{unit} {_label(label_dup)} appears more than once (rows {rows_dup}); give one "
            f"count per {unit}.{hint}",
            row=int(rows_dup[1]),
            column=date_col,
        )
    out = out.sort_values("t").reset_index(drop=True)
    out["t"] = out["t"] - out["t"].iloc[0]
    steps = np.diff(out["t"].to_numpy())
    if steps.size and steps.max() > 1:
        i = int(np.argmax(steps > 1))
        unit = _UNIT[frequency]
        prev = out["month"].iloc[i]
        if frequency == "weekly":
            missing = _label(pd.Timestamp(prev) + pd.Timedelta(days=7))
        else:
            missing = _label(prev + 1)
        raise MethodInputError(
            f"the series has a gap: {unit} {missing} is missing ({steps[i] - 1} {unit}(s) "
            f"missing between {_label(prev)} and {_label(out['month'].iloc[i + 1])}). "
            f"Every {unit} needs a row; use 0 for a {unit} with no events, or start the series "
            "after the gap.",
            row=int(out["_row"].iloc[i + 1]),
            column=date_col,
        )
    return out


def _key_label(value: Any, frequency: str) -> str:
    """The label of the period that ``value`` (a date, period or index) falls in."""
    if frequency == "index":
        return str(value)
    if frequency == "weekly":
        return _label(pd.Timestamp(value))
    return str(_to_month(value, "date", frequency))


def _breakpoint_index(value: Any, labels: pd.Series, frequency: str, what: str, *,
                      inside_ok: bool = False, end: bool = False) -> int:
    """Position (0 = first period) of the period that starts at ``value``.

    A date inside a period is refused (no silent rounding) unless ``inside_ok``; then it
    counts from the next period for a start and from its own period for an ``end``.
    """
    first = labels.iloc[0]
    if frequency == "index":
        try:
            v = float(value)
        except (TypeError, ValueError) as exc:
            raise MethodInputError(f"{what} {value!r} is not a whole-number time index.") \
                from exc
        if not math.isfinite(v) or v != round(v):
            raise MethodInputError(f"{what} {value!r} is not a whole-number time index.")
        return int(v) - int(first)
    if frequency == "weekly":
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise MethodInputError(
                f"{what} {value!r} is not a date; give a date such as '2023-04-03'."
            ) from exc
        if pd.isna(ts):
            raise MethodInputError(f"{what} is missing; give a date such as '2023-04-03'.")
        days = (ts.normalize() - pd.Timestamp(first)).days
        if days % 7:
            if not inside_ok:
                before = pd.Timestamp(first) + pd.Timedelta(days=7 * (days // 7))
                raise MethodInputError(
                    f"{what} {_label(ts)} is not one of the weekly dates of the series (they "
                    f"fall every 7 days from {_label(first)}); give the first week of the "
                    f"post-intervention period ({_label(before)} or "
                    f"{_label(before + pd.Timedelta(days=7))}). It is not rounded silently."
                )
            return days // 7 if end else days // 7 + 1
        return days // 7
    per = _to_month(value, what, frequency, start_of_period=not inside_ok)
    return int((per - first).n)


def _label(value: Any) -> str:
    """A period label as text: ``2019-10``, ``2019Q4``, ``2023-01-02`` (weekly) or ``7``."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ITSResult(_ResultMixin):
    """Result of :func:`segmented_regression`.

    Attributes
    ----------
    n, n_pre, n_post
        Months in total, before the breakpoint, and from the breakpoint on.
    breakpoint
        First month of the post-intervention period (``YYYY-MM``).
    family, impact, fourier_k, covid, cov_type, hac_lags
        Model settings actually used.
    dispersion
        Pearson chi-squared / residual df of the Poisson fit (the quasi-Poisson scale).
    nb_alpha
        Negative-binomial shape (variance = mu + alpha mu^2), when used.
    pre_trend
        Rate ratio per month before the breakpoint (``rate_ratio``, ``ci_low``,
        ``ci_high``, ``p_value``; also ``rate_ratio_per_year``).
    level_change
        Rate ratio for the step at the breakpoint, or None if ``impact="slope"``.
    slope_change
        Ratio of monthly growth after vs before, or None if ``impact="level"``.
    covid_effect
        Rate ratio for the Covid-19 term, or None.
    dates, observed, fitted
        Month labels, observed counts, fitted expected counts.
    counterfactual, counterfactual_ci_low, counterfactual_ci_high
        Expected counts without the programme: the level and slope change set to 0, the
        Covid-19 term (if any) kept, i.e. the pre-period trend and seasonality carried
        forward with the modelled Covid-19 shift. 95% delta-method interval (parameter
        uncertainty only).
    cumulative
        Post-period totals: ``observed``, ``counterfactual``, ``difference`` with
        ``ci_low``/``ci_high``, ``percent`` with ``percent_ci_low``/``percent_ci_high``.
    ljung_box_p, ljung_box_lags
        Ljung-Box test on Pearson residuals (small p = residual autocorrelation).
    durbin_watson
        Durbin-Watson statistic on Pearson residuals (about 2 = no lag-1 correlation).
    conf_level
        Confidence level.
    interval_method
        How intervals were computed.
    df_resid
        Residual degrees of freedom (months minus parameters).
    reference
        Reference distribution of intervals and p-values: ``"t"`` on ``df_resid`` degrees of
        freedom (quasi-Poisson) or ``"normal"`` (Poisson, negative binomial).
    notes
        Caveats and warnings; the first says what the residual autocorrelation is (sign and
        size) and what Newey-West (HAC) errors do, or would do, to the main effect's
        standard error.
    frequency
        ``monthly``, ``weekly``, ``quarterly`` or ``index``.
    autocorrelation
        Lag-1 autocorrelation of the Pearson residuals, Durbin-Watson, Ljung-Box, and the
        standard error of the level (or slope) change with model-based and HAC covariance.

    """

    n: int
    n_pre: int
    n_post: int
    breakpoint: str
    family: str
    impact: str
    fourier_k: int
    covid: list[str] | None
    cov_type: str
    hac_lags: int | None
    dispersion: float | None
    nb_alpha: float | None
    pre_trend: dict[str, Any]
    level_change: dict[str, Any] | None
    slope_change: dict[str, Any] | None
    covid_effect: dict[str, Any] | None
    dates: list[str]
    observed: list[int]
    fitted: list[float]
    counterfactual: list[float]
    counterfactual_ci_low: list[float]
    counterfactual_ci_high: list[float]
    cumulative: dict[str, Any]
    ljung_box_p: float | None
    ljung_box_lags: int
    durbin_watson: float
    conf_level: float
    interval_method: str
    notes: list[str] = field(default_factory=list)
    df_resid: int | None = None
    reference: str = "normal"
    frequency: str = "monthly"
    autocorrelation: dict[str, Any] | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return one row per month: observed, fitted, counterfactual and its interval."""
        n_pre = self.n_pre
        return pd.DataFrame(
            {
                "month": self.dates,
                "period": ["pre"] * n_pre + ["post"] * self.n_post,
                "observed": self.observed,
                "fitted": self.fitted,
                "counterfactual": self.counterfactual,
                "counterfactual_ci_low": self.counterfactual_ci_low,
                "counterfactual_ci_high": self.counterfactual_ci_high,
            }
        )


@dataclass(frozen=True)
class SeriesDescription(_ResultMixin):
    """Result of :func:`describe_series` (a series with no pre-period).

    Attributes
    ----------
    label
        Optional name of the series.
    n_months, first_month, last_month
        Coverage.
    total, monthly_mean, monthly_median, monthly_min, monthly_max
        Summaries of the monthly counts.
    min_month, max_month
        Months of the minimum and maximum (first if tied).
    note
        Plain-English statement that no counterfactual is possible.

    """

    label: str | None
    n_months: int
    first_month: str
    last_month: str
    total: int
    monthly_mean: float
    monthly_median: float
    monthly_min: int
    monthly_max: int
    min_month: str
    max_month: str
    note: str


# --------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------
def _effect(b: float, se: float, ref: Any, alpha: float, what: str) -> dict[str, Any]:
    q = float(ref.ppf(1 - alpha / 2))
    rr, lo, hi = checked_exp(b, se, q, what)
    return {
        "rate_ratio": rr,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": float(2 * ref.sf(abs(b / se))) if se > 0 else 0.0,
        "log_estimate": b,
        "se": se,
    }


def segmented_regression(
    df: pd.DataFrame,
    *,
    date_col: str,
    count_col: str,
    breakpoint: Any,
    family: Literal["quasipoisson", "poisson", "negbin"] = "quasipoisson",
    fourier_k: int = 1,
    covid: tuple[Any, Any] | None = None,
    offset_col: str | None = None,
    cov_type: Literal["nonrobust", "HAC"] = "nonrobust",
    hac_lags: int | None = None,
    impact: Literal["level_slope", "level", "slope"] = "level_slope",
    alpha: float = 0.05,
    min_points: int = MIN_POINTS_EACH_SIDE,
    frequency: Frequency = "monthly",
    reference: Literal["auto", "t", "normal"] = "auto",
) -> ITSResult:
    """Segmented (interrupted time series) regression for monthly counts.

    ``log E[Y_t] = b0 + b1 t + b2 X_t + b3 (t - T0 + 1) X_t + sum_k (g_k sin + h_k cos)
    (2 pi k m_t / 12) + c C_t [+ log offset_t]`` where t counts months from 0, X_t = 1 from
    the breakpoint month T0 on, m_t is the calendar month (1-12) and C_t the Covid-19
    indicator. The slope counter is 1 in the first post-intervention month (Wagner et al.
    2002; Lopez Bernal et al. 2017), so ``exp(b2)`` is the step at the breakpoint and
    ``exp(b3)`` the multiplicative change in monthly growth.

    Parameters
    ----------
    df
        One row per month (no gaps).
    date_col, count_col
        Column names; dates can be any day in the month.
    breakpoint
        First month of the post-intervention period (e.g. ``"2019-10"``).
    family
        ``"quasipoisson"`` (default; Pearson-estimated dispersion), ``"poisson"`` or
        ``"negbin"`` (NB2 by maximum likelihood).
    fourier_k
        Number of sine/cosine pairs for a 12-month season (0 = no seasonality, up to 5).
    covid
        ``(start, end)`` months of a Covid-19 co-intervention indicator (inclusive);
        ``end=None`` makes it a step from ``start`` to the end of the series. None = no
        Covid term.
    offset_col
        Optional exposure column (e.g. population); enters as ``log(offset)``.
    cov_type
        ``"nonrobust"`` (model-based) or ``"HAC"`` (Newey-West autocorrelation-consistent
        standard errors).
    hac_lags
        Lags for HAC; default ``floor(4 (n/100)^(2/9))`` (at least 1).
    impact
        Impact model: ``"level_slope"`` (default), ``"level"`` or ``"slope"``.
    alpha
        1 - confidence level. Wald intervals use Student's t on the residual df for
        quasi-Poisson (the dispersion is estimated, as R's ``summary.glm``) and the normal
        quantile for Poisson and negative binomial (as ``Epi::ci.exp`` in the Lopez Bernal
        et al. 2017 code); the same rule as :func:`ccs_methods.methods.trend.glm_trend`.
    min_points
        Minimum periods needed on each side of the breakpoint (default 8).
    frequency
        ``"monthly"`` (default; dates anywhere in the month), ``"weekly"`` (one date per
        week, all on the same weekday), ``"quarterly"`` or ``"index"`` (``date_col`` holds
        consecutive whole numbers; no calendar, so ``fourier_k`` must be 0). The seasonal
        terms have a one-year period (12 months, 4 quarters, 365.25 / 7 weeks); "months" in
        the formula above read as periods of this frequency.
    reference
        ``"auto"`` (t for quasi-Poisson, normal otherwise), ``"t"`` or ``"normal"``.

    Returns
    -------
    ITSResult
        Effects, fitted values, counterfactual with interval, cumulative difference,
        residual diagnostics. See :class:`ITSResult`.

    Raises
    ------
    MethodInputError
        Missing columns, gaps, duplicate months, negative or fractional counts, all-zero
        or constant series, all-zero months before or after the breakpoint (or in the Covid
        window), breakpoint outside the series or with too few months on a side, a Covid
        window that does not overlap the series or is confounded with the intervention
        terms, counts that give the model no finite estimate or make the fit fail, or bad
        settings.

    """
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    if family not in ("quasipoisson", "poisson", "negbin"):
        raise MethodInputError(
            f"family must be 'quasipoisson', 'poisson' or 'negbin'; got {family!r}."
        )
    if impact not in ("level_slope", "level", "slope"):
        raise MethodInputError(
            f"impact must be 'level_slope', 'level' or 'slope'; got {impact!r}."
        )
    if cov_type not in ("nonrobust", "HAC"):
        raise MethodInputError(f"cov_type must be 'nonrobust' or 'HAC'; got {cov_type!r}.")
    if not isinstance(fourier_k, (int, np.integer)) or not 0 <= fourier_k <= MAX_FOURIER_K:
        raise MethodInputError(
            f"fourier_k must be a whole number from 0 to {MAX_FOURIER_K}; got {fourier_k!r}."
        )
    if not 0 < alpha < 1:
        raise MethodInputError(f"alpha must be between 0 and 1; got {alpha}.")

    if frequency == "index" and fourier_k:
        raise MethodInputError(
            "an integer time index has no calendar, so seasonal terms cannot be placed; "
            "use fourier_k=0 (or give dates with frequency 'monthly', 'weekly' or "
            "'quarterly')."
        )
    data = _prepare_series(df, date_col, count_col, offset_col, frequency)
    y = data["count"].to_numpy(dtype=float)
    months = data["month"]
    tkey = data["t"].to_numpy()
    n = len(data)
    unit = _UNIT[frequency]
    if np.all(y == 0):
        raise MethodInputError(
            f"all {n} monthly counts are zero; segmented regression needs events."
        )
    if np.unique(y).size == 1:
        raise MethodInputError(
            f"all {n} monthly counts are equal ({y[0]:g}); segmented regression needs "
            "variation over time."
        )
    first, last = _label(months.iloc[0]), _label(months.iloc[-1])
    b_idx = _breakpoint_index(breakpoint, months, frequency, "breakpoint")
    bp = _label(months.iloc[b_idx]) if 0 <= b_idx < n else str(breakpoint)
    if b_idx <= 0 or b_idx >= n:
        raise MethodInputError(
            f"breakpoint {breakpoint} is outside the series ({first} to {last}); it must be a "
            f"{unit} after {first} and no later than {last}, with at least {min_points} "
            f"{unit}s on each side."
        )
    n_pre, n_post = b_idx, n - b_idx
    if n_pre < min_points or n_post < min_points:
        raise MethodInputError(
            f"breakpoint {bp} leaves {n_pre} {unit}(s) before it and {n_post} from it "
            f"onwards; segmented regression needs at least {min_points} on each side. For a "
            "series without enough pre-period use describe_series()."
        )

    for label, seg in (("before", y[:b_idx]), ("from", y[b_idx:])):
        if np.all(seg == 0):
            raise MethodInputError(
                f"every monthly count {label} the breakpoint {bp} is zero ({seg.size} months), "
                "so the level change would be infinite or zero and cannot be estimated; "
                "segmented regression needs events on both sides of the breakpoint."
            )
    t = tkey.astype(float)
    post = (t >= b_idx).astype(float)
    slope_term = (t - b_idx + 1) * post
    cols: list[np.ndarray] = [np.ones(n), t]
    names = ["intercept", "time"]
    if impact in ("level_slope", "level"):
        cols.append(post)
        names.append("level")
    if impact in ("level_slope", "slope"):
        cols.append(slope_term)
        names.append("slope")
    season = data["season"].to_numpy(dtype=float)
    per_year = PERIODS_PER_YEAR[frequency]
    for k in range(1, fourier_k + 1):
        assert per_year is not None
        s_col = np.sin(2 * np.pi * k * season / per_year)
        c_col = np.cos(2 * np.pi * k * season / per_year)
        if np.ptp(s_col) > 1e-12:
            cols.append(s_col)
            names.append(f"sin{k}")
        cols.append(c_col)
        names.append(f"cos{k}")
    covid_labels: list[str] | None = None
    if covid is not None:
        if not isinstance(covid, (tuple, list)) or len(covid) != 2:
            raise MethodInputError(
                "covid must be a (start, end) pair of months, e.g. ('2020-03', '2021-06'); "
                "use end=None for a step to the end of the series."
            )
        i_start = _breakpoint_index(covid[0], months, frequency, "covid start",
                                    inside_ok=True)
        i_end = n - 1 if covid[1] is None else _breakpoint_index(
            covid[1], months, frequency, "covid end", inside_ok=True, end=True)
        # labels of the first and last period the indicator covers (a weekly date between
        # the series' dates starts the window at the next week, so the given date would
        # mislabel it); a limit outside the series is named as given
        c_start = (_label(months.iloc[i_start]) if 0 <= i_start < n
                   else _key_label(covid[0], frequency))
        c_end = (_label(months.iloc[i_end]) if 0 <= i_end < n
                 else _key_label(covid[1], frequency))
        if i_end < i_start:
            raise MethodInputError(f"covid end {c_end} is before covid start {c_start}.")
        ind = ((t >= i_start) & (t <= i_end)).astype(float)
        if ind.sum() == 0:
            raise MethodInputError(
                f"the covid window {c_start} to {c_end} does not overlap the series "
                f"({first} to {last})."
            )
        if ind.sum() == n:
            raise MethodInputError(
                f"the covid window {c_start} to {c_end} covers every month, so its effect "
                "cannot be separated from the intercept; shorten it or drop it."
            )
        if np.all(y[ind == 1] == 0):
            raise MethodInputError(
                f"every monthly count in the covid window {c_start} to {c_end} is zero, so "
                "the Covid-19 effect would be zero with an infinite interval; shorten or move "
                "the window, or drop it."
            )
        cols.append(ind)
        names.append("covid")
        covid_labels = [str(c_start), str(c_end)]
    X = np.column_stack(cols)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise MethodInputError(
            "the model terms are confounded (the design matrix is rank-deficient): the covid "
            "window probably coincides with the intervention period, so the level change and "
            "the Covid-19 effect cannot be told apart. Change the covid window or the "
            "breakpoint."
        )
    off = np.log(data["offset"].to_numpy(dtype=float)) if offset_col else None
    lags = None
    cov_kwds: dict[str, Any] = {}
    if cov_type == "HAC":
        lags = int(hac_lags) if hac_lags is not None else max(1, int(4 * (n / 100) ** (2 / 9)))
        if lags < 1:
            raise MethodInputError(f"hac_lags must be at least 1; got {hac_lags}.")
        cov_kwds = {"maxlags": lags}
    params, cov, dispersion, nb_alpha, _ = _fit_count_glm(
        y, X, off, family, cov_type=cov_type, cov_kwds=cov_kwds
    )
    df_resid = int(n - X.shape[1])
    ref, ref_name = reference_distribution(family, df_resid, reference)
    z = float(ref.ppf(1 - alpha / 2))
    se = np.sqrt(np.diag(cov))
    idx = {nm: i for i, nm in enumerate(names)}
    what = {"time": "pre-period trend", "level": "level change", "slope": "slope change",
            "covid": "Covid-19 effect"}

    def eff(nm: str) -> dict[str, Any] | None:
        if nm not in idx:
            return None
        i = idx[nm]
        return _effect(float(params[i]), float(se[i]), ref, alpha, what[nm])

    pre = eff("time")
    assert pre is not None
    pre["rate_ratio_per_year"] = (
        math.exp(per_year * pre["log_estimate"]) if per_year is not None else None
    )
    level_eff, slope_eff, covid_eff = eff("level"), eff("slope"), eff("covid")

    eta = X @ params + (off if off is not None else 0.0)
    fitted = np.exp(eta)
    # Counterfactual: no programme (level and slope terms 0); the Covid-19 term is kept, so
    # a Covid-19 shift is not attributed to the programme.
    X_cf = X.copy()
    for nm in ("level", "slope"):
        if nm in idx:
            X_cf[:, idx[nm]] = 0.0
    eta_cf = X_cf @ params + (off if off is not None else 0.0)
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", X_cf, cov, X_cf))
    cf = np.exp(eta_cf)
    cf_lo = np.exp(eta_cf - z * se_cf)
    cf_hi = np.exp(eta_cf + z * se_cf)

    post_mask = post.astype(bool)
    obs_sum = float(y[post_mask].sum())
    cf_sum = float(cf[post_mask].sum())
    grad = (cf[post_mask, None] * X_cf[post_mask]).sum(axis=0)
    se_sum = float(math.sqrt(grad @ cov @ grad))
    diff = obs_sum - cf_sum
    se_log_sum = se_sum / cf_sum
    cf_sum_lo = cf_sum * math.exp(-z * se_log_sum)
    cf_sum_hi = cf_sum * math.exp(z * se_log_sum)
    cumulative = {
        "observed": obs_sum,
        "counterfactual": cf_sum,
        "counterfactual_ci_low": cf_sum_lo,
        "counterfactual_ci_high": cf_sum_hi,
        "difference": diff,
        "ci_low": diff - z * se_sum,
        "ci_high": diff + z * se_sum,
        "percent": 100.0 * (obs_sum / cf_sum - 1.0),
        "percent_ci_low": 100.0 * (obs_sum / cf_sum_hi - 1.0),
        "percent_ci_high": 100.0 * (obs_sum / cf_sum_lo - 1.0),
        "months": int(post_mask.sum()),
        "periods": int(post_mask.sum()),
    }

    if family == "negbin" and nb_alpha is not None:
        var_fun = fitted + nb_alpha * fitted**2
    else:
        var_fun = fitted
    resid = (y - fitted) / np.sqrt(var_fun)
    lb_lags = int(max(1, min(12, n // 5)))
    lb = acorr_ljungbox(resid, lags=[lb_lags], return_df=True)
    lb_p = float(lb["lb_pvalue"].iloc[-1])
    dw = float(durbin_watson(resid))

    r1 = float(np.sum(resid[1:] * resid[:-1]) / np.sum(resid**2)) if n > 2 else 0.0
    # the other covariance (HAC if model-based was used, and vice versa), to say what the
    # switch does to the standard error of the main effect
    key = "level" if "level" in idx else "slope"
    alt_type = "nonrobust" if cov_type == "HAC" else "HAC"
    alt_lags = lags if lags is not None else max(1, int(4 * (n / 100) ** (2 / 9)))
    try:
        _, alt_cov, _, _, _ = _fit_count_glm(
            y, X, off, family, cov_type=alt_type,
            cov_kwds={"maxlags": alt_lags} if alt_type == "HAC" else {},
        )
        alt_se: float | None = float(math.sqrt(alt_cov[idx[key], idx[key]]))
    except (MethodInputError, ValueError, ArithmeticError):
        alt_se = None
    se_main = float(se[idx[key]])
    se_model, se_hac = (se_main, alt_se) if cov_type == "nonrobust" else (alt_se, se_main)
    autocorrelation = {
        "lag1": r1,
        "durbin_watson": dw,
        "ljung_box_p": lb_p if math.isfinite(lb_p) else None,
        "ljung_box_lags": lb_lags,
        "effect": f"{key}_change",
        "se_model_based": se_model,
        "se_hac": se_hac,
        "hac_lags": lags if cov_type == "HAC" else alt_lags,
    }
    notes: list[str] = [
        autocorrelation_advice(r1, lb_p, lb_lags, dw, se_model, se_hac,
                               autocorrelation["hac_lags"], cov_type, f"{key} change")
    ]
    if family == "poisson" and dispersion is not None and dispersion > 1.5:
        notes.append(
            f"Overdispersion (Pearson dispersion {dispersion:.2f}): Poisson intervals are "
            "too narrow; use family='quasipoisson' or 'negbin'."
        )
    if per_year is not None and n_pre < 2 * per_year and fourier_k > 0:
        notes.append(
            f"Only {n_pre} pre-period {unit}s: seasonality is estimated from less than two "
            "full years and may be confounded with the trend."
        )
    if covid is None:
        notes.append(
            "No Covid-19 term: any Covid-19 shift after the breakpoint is attributed to the "
            "intervention."
        )
    notes.append(
        "The counterfactual assumes the pre-period log-linear trend and seasonality would "
        "have continued unchanged"
        + (", with the modelled Covid-19 shift" if covid is not None else "")
        + "; it is an extrapolation and grows less certain with time."
    )
    interval_method = (
        covariance_description(family, cov_type, lags, ref_name, df_resid, alpha)
        + " Counterfactual and cumulative intervals by the delta method from the same "
        "covariance. They reflect parameter uncertainty only, not period-to-period noise in "
        "the observed counts; no simulation or random numbers are used."
    )
    return ITSResult(
        n=int(n),
        n_pre=int(n_pre),
        n_post=int(n_post),
        breakpoint=str(bp),
        family=family,
        impact=impact,
        fourier_k=int(fourier_k),
        covid=covid_labels,
        cov_type=cov_type,
        hac_lags=lags,
        dispersion=dispersion,
        nb_alpha=nb_alpha,
        pre_trend=pre,
        level_change=level_eff,
        slope_change=slope_eff,
        covid_effect=covid_eff,
        dates=[str(p) for p in months],
        observed=[int(v) for v in y],
        fitted=[float(v) for v in fitted],
        counterfactual=[float(v) for v in cf],
        counterfactual_ci_low=[float(v) for v in cf_lo],
        counterfactual_ci_high=[float(v) for v in cf_hi],
        cumulative=cumulative,
        ljung_box_p=lb_p if math.isfinite(lb_p) else None,
        ljung_box_lags=lb_lags,
        durbin_watson=dw,
        conf_level=1 - alpha,
        interval_method=interval_method,
        notes=notes,
        df_resid=df_resid,
        reference=ref_name,
        frequency=frequency,
        autocorrelation=autocorrelation,
    )


def autocorrelation_advice(
    r1: float,
    lb_p: float,
    lb_lags: int,
    dw: float,
    se_model: float | None,
    se_hac: float | None,
    hac_lags: int,
    cov_type: str,
    effect: str,
) -> str:
    """One sentence on residual autocorrelation: its sign and size, and what HAC does.

    Positive autocorrelation makes model-based intervals too narrow, and Newey-West (HAC)
    errors usually widen them; negative autocorrelation makes model-based intervals too wide
    (conservative), and HAC then narrows them, which is not a correction to ask for blindly.

    Parameters
    ----------
    r1
        Lag-1 autocorrelation of the Pearson residuals.
    lb_p, lb_lags
        Ljung-Box p-value and its number of lags.
    dw
        Durbin-Watson statistic.
    se_model, se_hac
        Standard error of the effect (log scale) with model-based and with HAC covariance
        (None if not available).
    hac_lags
        Newey-West lags of ``se_hac``.
    cov_type
        Covariance actually used (``"nonrobust"`` or ``"HAC"``).
    effect
        Name of the effect, e.g. ``"level change"``.

    Returns
    -------
    str
        The advice.

    """
    stats_txt = (
        f"lag-1 autocorrelation of the residuals {r1:+.2f}, Durbin-Watson {dw:.2f}, "
        f"Ljung-Box p={lb_p:.3g} at {lb_lags} lags"
    )
    has_hac = se_model is not None and se_hac is not None and se_model > 0
    if has_hac:
        ratio = se_hac / se_model
        move = (
            f"Newey-West (HAC, {hac_lags} lags) {'gives' if cov_type == 'HAC' else 'would give'}"
            f" a {effect} standard error of {se_hac:.4g} against {se_model:.4g} model-based "
            f"(x{ratio:.2f}: {'wider' if ratio > 1 else 'narrower'})"
        )
    else:
        move = "the HAC standard error could not be computed"
    # the same words opening a sentence (after "...too narrow." and "...(conservative).")
    move_sentence = move[0].upper() + move[1:]
    significant = math.isfinite(lb_p) and lb_p < 0.05
    big = abs(r1) >= 0.2
    if not significant and not big:
        return f"No clear residual autocorrelation ({stats_txt}); {move}."
    if abs(r1) < LAG1_NEGLIGIBLE:
        return (
            f"Residual autocorrelation at lags beyond 1 ({stats_txt}), possibly seasonality "
            f"the model does not capture; {move}."
        )
    if r1 > 0:
        if not has_hac:
            tail = "; read the model-based interval as too narrow."
        elif se_hac > se_model:
            tail = "." if cov_type == "HAC" else "; consider cov_type='HAC'."
        else:
            tail = (
                "; here HAC does not widen the interval (with few lags it is itself noisy), so "
                "read the interval as too narrow rather than trust either."
            )
        return (
            f"Positive residual autocorrelation ({stats_txt}): model-based intervals are "
            f"likely too narrow. {move_sentence}{tail}"
        )
    narrows = has_hac and se_hac < se_model
    return (
        f"Negative residual autocorrelation ({stats_txt}): model-based intervals are, if "
        f"anything, too wide (conservative). {move_sentence}"
        + (
            "; HAC does not fix negative autocorrelation, it narrows the interval, so the "
            "model-based interval is the cautious choice." if narrows else "."
        )
    )


def breakpoint_sensitivity(
    df: pd.DataFrame,
    breakpoints: Iterable[Any],
    **kwargs: Any,
) -> pd.DataFrame:
    """Refit :func:`segmented_regression` for each breakpoint and tabulate the effects.

    Parameters
    ----------
    df
        Monthly table as for :func:`segmented_regression`.
    breakpoints
        Candidate first post-intervention months.
    **kwargs
        Passed to :func:`segmented_regression` (``date_col``, ``count_col``, ``family``...).

    Returns
    -------
    pandas.DataFrame
        One row per breakpoint: ``breakpoint``, ``n_pre``, ``n_post``, level and slope rate
        ratios with limits, the cumulative difference with limits, ``dispersion``,
        ``ljung_box_p`` and ``error`` (the message when that breakpoint cannot be fitted,
        e.g. too few months on one side; otherwise empty). Missing estimates are None.

    Raises
    ------
    MethodInputError
        If ``breakpoints`` is empty or ``breakpoint`` is passed in ``kwargs``.

    """
    bps = list(breakpoints)
    if not bps:
        raise MethodInputError("give at least one breakpoint to compare.")
    if "breakpoint" in kwargs:
        raise MethodInputError("pass breakpoints as the 'breakpoints' list, not 'breakpoint'.")
    rows: list[dict[str, Any]] = []
    for bp in bps:
        row: dict[str, Any] = {"breakpoint": str(bp)}
        try:
            res = segmented_regression(df, breakpoint=bp, **kwargs)
        except MethodInputError as exc:
            row["error"] = str(exc)
            rows.append(row)
            continue
        row["breakpoint"] = res.breakpoint
        row.update(n_pre=res.n_pre, n_post=res.n_post)
        for key, eff in (("level", res.level_change), ("slope", res.slope_change)):
            row[f"{key}_rr"] = eff["rate_ratio"] if eff else None
            row[f"{key}_ci_low"] = eff["ci_low"] if eff else None
            row[f"{key}_ci_high"] = eff["ci_high"] if eff else None
        row.update(
            cum_difference=res.cumulative["difference"],
            cum_ci_low=res.cumulative["ci_low"],
            cum_ci_high=res.cumulative["ci_high"],
            cum_percent=res.cumulative["percent"],
            dispersion=res.dispersion,
            ljung_box_p=res.ljung_box_p,
            error="",
        )
        rows.append(row)
    cols = [
        "breakpoint", "n_pre", "n_post", "level_rr", "level_ci_low", "level_ci_high",
        "slope_rr", "slope_ci_low", "slope_ci_high", "cum_difference", "cum_ci_low",
        "cum_ci_high", "cum_percent", "dispersion", "ljung_box_p", "error",
    ]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out = out.astype(object).where(pd.notna(out), None)
    return out


def describe_series(
    df: pd.DataFrame,
    *,
    date_col: str,
    count_col: str,
    label: str | None = None,
) -> SeriesDescription:
    """Describe a monthly count series that has no pre-intervention period.

    Parameters
    ----------
    df
        One row per month (no gaps), e.g. THCAN referrals from March 2021.
    date_col, count_col
        Column names.
    label
        Optional name shown in the note.

    Returns
    -------
    SeriesDescription
        Months covered, total, monthly mean/median/min/max, and a note that no
        counterfactual is possible.

    Raises
    ------
    MethodInputError
        Missing columns, gaps, duplicates, negative or fractional counts.

    """
    data = _prepare_monthly(df, date_col, count_col)
    y = data["count"].to_numpy(dtype=float)
    months = data["month"]
    name = f"{label}: " if label else ""
    note = (
        f"{name}{len(y)} month(s) from {months.iloc[0]} to {months.iloc[-1]}, all after the "
        "system started. With no pre-period there is no baseline trend to extend, so no "
        "counterfactual (what would have happened without the programme) can be estimated; "
        "these are descriptive figures only."
    )
    if len(y) < 12:
        note += " Fewer than 12 months: seasonal variation cannot be separated from change."
    return SeriesDescription(
        label=label,
        n_months=len(y),
        first_month=str(months.iloc[0]),
        last_month=str(months.iloc[-1]),
        total=int(y.sum()),
        monthly_mean=float(y.mean()),
        monthly_median=float(np.median(y)),
        monthly_min=int(y.min()),
        monthly_max=int(y.max()),
        min_month=str(months.iloc[int(np.argmin(y))]),
        max_month=str(months.iloc[int(np.argmax(y))]),
        note=note,
    )
