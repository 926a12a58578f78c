"""Rate comparisons of monthly counts: two periods, and a window of an interrupted time series.

* :func:`period_ratio` - the rate ratio of the mean monthly count of one period against another,
  from :func:`ccs_methods.methods.trend.glm_trend` on the monthly counts with a 0/1 period
  indicator (quasi-Poisson), with Newey-West (HAC) standard errors when the monthly residuals
  are autocorrelated.
* :func:`counterfactual_window` - observed minus counterfactual counts over a window of months
  of a fitted interrupted time series, with a delta-method interval.

The models are written out in ``book/methods/trends.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its, trend
from ccs_methods.methods.hac_choice import HACRule, choose_hac

__all__ = ["PeriodRatio", "counterfactual_window", "its_design", "period_ratio"]


@dataclass(frozen=True)
class PeriodRatio:
    """Result of :func:`period_ratio`: the GLM and the autocorrelation check behind it."""

    glm: trend.GLMTrendResult
    ljung_box_p: float | None
    ljung_box_lags: int
    hac_reason: str = ""

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
        """``"HAC"`` (Newey-West) or ``"nonrobust"``."""
        return self.glm.cov_type


def period_ratio(
    before: Sequence[float],
    after: Sequence[float],
    *,
    autocorrelation_p: float,
    hac_rule: HACRule,
    family: Literal["poisson", "quasipoisson"] = "quasipoisson",
) -> PeriodRatio:
    """Rate ratio of the mean monthly count after vs before, with a 95% interval.

    :func:`ccs_methods.methods.trend.glm_trend` on the monthly counts with x = 0 (before) / 1
    (after): the rate ratio is exactly the ratio of the two monthly means, and with the
    quasi-Poisson family the interval reflects month-to-month variation. Months are not assumed
    independent: the Ljung-Box test (``min(12, n/5)`` lags) is run on the Pearson residuals in
    time order, and when ``p < autocorrelation_p`` the ratio is refitted with Newey-West (HAC)
    standard errors with ``floor(4 (n/100)^(2/9))`` lags (at least 1);
    :func:`ccs_methods.methods.hac_choice.choose_hac` then decides with ``hac_rule`` which
    interval is reported (``"never_narrower"``: the HAC one only if it is not narrower than
    the model-based one, so negative autocorrelation never narrows it).

    Parameters
    ----------
    before, after
        Monthly counts of the two periods in time order (at least one each, three in all).
    autocorrelation_p
        Ljung-Box p below which the months count as autocorrelated (``its.autocorrelation_p``).
    hac_rule
        ``its.hac_rule``: ``"never_narrower"`` or ``"positive_lag1"``.
    family
        Count family (``lwa_trend.year_comparison_family``).

    Returns
    -------
    PeriodRatio

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
    first = trend.glm_trend(y, x, family=family)
    yv = np.asarray(y, dtype=float)
    mu = np.where(np.asarray(x) == 0, np.mean(b), np.mean(a))
    resid = (yv - mu) / np.sqrt(mu)
    lags = int(max(1, min(12, len(y) // 5)))
    lb_p: float | None = None
    if len(y) > lags + 1 and np.ptp(resid) > 0:
        lb_p = float(acorr_ljungbox(resid, lags=[lags], return_df=True)["lb_pvalue"].iloc[-1])
        if not math.isfinite(lb_p):
            lb_p = None
    hac: trend.GLMTrendResult | None = None
    if lb_p is not None and lb_p < autocorrelation_p:
        try:
            hac = trend.glm_trend(y, x, family=family, cov_type="HAC")
        except MethodInputError:
            hac = None
    ss = float(np.sum(resid**2))
    # both intervals use the same quantile, so their log widths compare as the standard errors
    choice = choose_hac(
        ljung_box_p=lb_p, autocorrelation_p=autocorrelation_p, rule=hac_rule,
        lag1=float(np.sum(resid[1:] * resid[:-1]) / ss) if ss > 0 else None,
        se_model=[math.log(first.ci_high / first.ci_low)],
        se_hac=None if hac is None else [math.log(hac.ci_high / hac.ci_low)],
        effects=["rate ratio"])
    res = hac if choice.use_hac and hac is not None else first
    return PeriodRatio(glm=res, ljung_box_p=lb_p, ljung_box_lags=lags, hac_reason=choice.reason)


def its_design(res: its.ITSResult) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild the design matrix of :func:`ccs_methods.methods.its.segmented_regression`.

    Returns
    -------
    tuple of numpy.ndarray
        The design and its counterfactual version (level and slope terms set to 0; the
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
    """Observed minus counterfactual counts over a window of months, with a 95% interval.

    The model of ``res`` is refitted (same design, family and standard errors) to recover the
    coefficient covariance, checked against ``res.fitted``, and the window's total
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
    lo, hi = pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M")
    mask = np.array([(lo <= p <= hi) for p in months])
    if not mask.any():
        return None
    X, X_cf = its_design(res)
    y = np.asarray(res.observed, dtype=float)
    cov_kwds = {"maxlags": res.hac_lags} if res.cov_type == "HAC" else {}
    params_, cov, _, _, _ = trend._fit_count_glm(
        y, X, None, res.family, cov_type=res.cov_type, cov_kwds=cov_kwds
    )
    if not np.allclose(np.exp(X @ params_), res.fitted, rtol=1e-6):
        raise MethodInputError(
            "refitting the interrupted time series did not reproduce its fitted values; the "
            "model in ccs_methods.methods.its has changed and counterfactual_window must follow "
            "it."
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
