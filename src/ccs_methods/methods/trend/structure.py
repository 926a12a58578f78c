"""Structure a monotone trend test cannot see: serial correlation and a step (change point).

The Mann-Kendall test and a log-linear GLM both read a step (a level shift at a rule change)
as a trend, and both assume independent points. :func:`structure_checks` looks for the two
and says what they mean for the trend results:

* lag-1 autocorrelation of the residuals from the Theil-Sen line, with the Ljung-Box test
  (n >= 8);
* the Pettitt (1979) change-point test, with the candidate date, the median level on each
  side, and Mann-Kendall within each regime (is there any trend once the step is allowed
  for?);
* the observed span of x, so that a slope "per year" from less than a year of data is
  flagged as an extrapolation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import _ResultMixin, as_float_array, time_to_float
from ccs_methods.methods.trend.kendall import mann_kendall

#: Absolute lag-1 autocorrelation at or above this is reported as strong whatever the test says.
STRONG_AUTOCORRELATION = 0.3
#: Fewest points for a serial-correlation warning (and the Ljung-Box test).
MIN_AUTOCORRELATION_N = 8
#: Fewest points on each side of a candidate change for Mann-Kendall within each regime.
MIN_REGIME_POINTS = 3


@dataclass(frozen=True)
class PettittResult(_ResultMixin):
    """Result of :func:`pettitt_test`.

    Attributes
    ----------
    u
        Pettitt's statistic ``K = max_t |U_t|``.
    index
        Number of points in the first regime (the change is between point ``index`` and
        ``index + 1``, 1-based), as R's ``trend::pettitt.test`` reports it.
    p_value
        Approximate two-sided p-value ``2 exp(-6 K^2 / (n^3 + n^2))`` (capped at 1).
    n
        Number of points.

    """

    u: int
    index: int
    p_value: float
    n: int


def pettitt_test(y: Sequence[float] | np.ndarray | pd.Series) -> PettittResult:
    """Pettitt's (1979) non-parametric test for a single change point in level.

    ``U_t = sum_{i <= t} sum_{j > t} sign(y_j - y_i)`` for t = 1..n-1; ``K = max |U_t|`` at
    the candidate change; p from Pettitt's approximation, as ``trend::pettitt.test`` in R.

    Parameters
    ----------
    y
        Values in time order, at least 3.

    Returns
    -------
    PettittResult
        K, the candidate position and the approximate p-value.

    Raises
    ------
    MethodInputError
        Fewer than 3 values or non-finite values.

    """
    yv = as_float_array(y, "y", min_n=3)
    n = yv.size
    sgn = np.sign(yv[None, :] - yv[:, None])  # sgn[i, j] = sign(y_j - y_i)
    # U_t = sum over i < t (0-based, first t points) and j >= t
    u = np.array([sgn[:t, t:].sum() for t in range(1, n)], dtype=float)
    t_best = int(np.argmax(np.abs(u)))
    k = float(abs(u[t_best]))
    p = min(1.0, 2.0 * math.exp(-6.0 * k**2 / (n**3 + n**2)))
    return PettittResult(u=int(k), index=t_best + 1, p_value=p, n=int(n))


@dataclass(frozen=True)
class StructureResult(_ResultMixin):
    """Result of :func:`structure_checks`.

    Attributes
    ----------
    n
        Number of points.
    x_span
        Range of x covered (years for dates).
    x_unit
        Unit of x.
    lag1_autocorrelation
        Lag-1 autocorrelation of the residuals from the Theil-Sen line.
    ljung_box_p
        Ljung-Box p-value of those residuals (None when n < 8).
    ljung_box_lags
        Lags of the Ljung-Box test (None when n < 8).
    change_point
        Pettitt test: ``u``, ``p_value``, ``index`` and ``candidate`` (the first x after the
        change), ``level_before`` and ``level_after`` (medians), and Mann-Kendall within each
        regime (``mk_before``, ``mk_after``: tau and p) when each side has 3+ points, and
        ``least_squares_candidate`` (the split that best separates two mean levels; Pettitt's
        rank statistic can land one point off a sharp step).
    warnings
        Plain-English warnings for the trend results.

    """

    n: int
    x_span: float
    x_unit: str
    lag1_autocorrelation: float | None
    ljung_box_p: float | None
    ljung_box_lags: int | None
    change_point: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _x_label(x: Any, i: int) -> str:
    val = list(x)[i] if not isinstance(x, (np.ndarray, pd.Series)) else np.asarray(x)[i]
    if isinstance(val, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(val).strftime("%Y-%m-%d")
    if isinstance(val, (float, np.floating)) and float(val).is_integer():
        return str(int(val))
    return str(val)


def dependence_inflation(resid: np.ndarray, lags: int) -> float:
    """Variance inflation of a sum of ``resid`` from its autocorrelation up to ``lags``.

    ``1 + 2 sum_{k=1}^{lags} (1 - k/n) r_k``, with ``r_k`` the lag-k autocorrelation about the
    mean (as for the lag-1 value and the Ljung-Box test). Above 1, dependent points carry less
    information than independent ones and tests that assume independence are anti-conservative;
    below 1 (negative dependence overall) they are conservative. With one lag its side of 1 is
    the sign of r1; with more, a small positive r1 beside a large negative r2 (a two-step
    oscillation) is conservative overall.
    """
    e = np.asarray(resid, dtype=float) - float(np.mean(resid))
    n = e.size
    ss = float(np.sum(e**2))
    if ss == 0.0:
        return 1.0
    total = 0.0
    for k in range(1, min(lags, n - 1) + 1):
        total += (1.0 - k / n) * float(np.sum(e[k:] * e[:-k])) / ss
    return 1.0 + 2.0 * total


def structure_checks(
    y: Sequence[float] | np.ndarray | pd.Series,
    x: Sequence[Any] | np.ndarray | pd.Series,
    *,
    alpha: float = 0.05,
    slope_unit: str | None = None,
) -> StructureResult:
    """Check a series for serial correlation and a step before its trend is read.

    Parameters
    ----------
    y
        Values, at least 3, in time order.
    x
        Times (numbers or dates), increasing.
    alpha
        Level at which the Ljung-Box and Pettitt tests are reported as evidence.
    slope_unit
        Unit a reported slope or rate ratio is expressed per (default: the unit of x: a
        year for dates); a span shorter than one such unit is flagged.

    Returns
    -------
    StructureResult
        Autocorrelation, change point and warnings.

    Raises
    ------
    MethodInputError
        Fewer than 3 points, non-finite values, mismatched lengths, x not increasing.

    """
    from statsmodels.stats.diagnostic import acorr_ljungbox

    yv = as_float_array(y, "y", min_n=3)
    xv, unit = time_to_float(x, "x")
    if xv.size != yv.size:
        raise MethodInputError(f"'x' has {xv.size} values but 'y' has {yv.size}; they must match.")
    if np.any(np.diff(xv) <= 0):
        i = int(np.flatnonzero(np.diff(xv) <= 0)[0]) + 2
        raise MethodInputError(
            f"'x' must be strictly increasing (one series in time order); position {i} "
            "(1-based) is not after the one before it."
        )
    n = yv.size
    warnings: list[str] = []
    # residuals from the Theil-Sen line (robust to a few outliers)
    i, j = np.triu_indices(n, k=1)
    slope = float(np.median((yv[j] - yv[i]) / (xv[j] - xv[i])))
    resid = yv - slope * xv
    resid = resid - np.median(resid)
    denom = float(np.sum((resid - resid.mean()) ** 2))
    r1 = (
        float(np.sum((resid[1:] - resid.mean()) * (resid[:-1] - resid.mean())) / denom)
        if denom > 0 else None
    )
    lb_p: float | None = None
    lb_lags: int | None = None
    if n >= MIN_AUTOCORRELATION_N and denom > 0:
        lb_lags = int(max(1, min(10, n // 5)))
        lb = acorr_ljungbox(resid, lags=[lb_lags], return_df=True)
        lb_p = float(lb["lb_pvalue"].iloc[-1])
    if r1 is not None and n >= MIN_AUTOCORRELATION_N and (
        (lb_p is not None and lb_p < alpha) or abs(r1) >= STRONG_AUTOCORRELATION
    ):
        sign = "positive" if r1 > 0 else "negative" if r1 < 0 else "zero"
        # what the dependence does to the tests follows all the lags tested, not lag 1 alone
        effect = (
            "the Mann-Kendall and GLM p-values are too small and their intervals too narrow "
            "(they assume independent points)"
            if dependence_inflation(resid, lb_lags or 1) > 1 else
            "the tests are, if anything, conservative"
        )
        lb_txt = f", Ljung-Box p={lb_p:.3g} at {lb_lags} lags" if lb_p is not None else ""
        warnings.append(
            f"Serial correlation: lag-1 autocorrelation of the residuals from the Sen line "
            f"is {r1:+.2f} ({sign}{lb_txt}); {effect}."
        )
    pt = pettitt_test(yv)
    k = pt.index
    before, after = yv[:k], yv[k:]
    # least-squares split (two means): the step location that best separates the levels
    sse = [
        float(np.sum((yv[:t] - yv[:t].mean()) ** 2) + np.sum((yv[t:] - yv[t:].mean()) ** 2))
        for t in range(1, n)
    ]
    k_ls = int(np.argmin(sse)) + 1
    cp: dict[str, Any] = {
        "method": "Pettitt (1979); approximate p = 2 exp(-6 K^2 / (n^3 + n^2))",
        "u": pt.u,
        "p_value": pt.p_value,
        "index": k,
        "last_before": _x_label(x, k - 1),
        "candidate": _x_label(x, k),
        "level_before": float(np.median(before)),
        "level_after": float(np.median(after)),
        "mk_before": None,
        "mk_after": None,
        "least_squares_candidate": _x_label(x, k_ls),
    }
    for key, seg_y, seg_x in (("mk_before", before, xv[:k]), ("mk_after", after, xv[k:])):
        if seg_y.size >= MIN_REGIME_POINTS and np.ptp(seg_y) > 0:
            mk = mann_kendall(seg_y, seg_x, alpha=alpha)
            cp[key] = {"n": mk.n, "tau": mk.tau, "p_value": mk.p_value}
    if pt.p_value < alpha:
        inside = []
        for key, label in (("mk_before", "before"), ("mk_after", "from then on")):
            mk_k = cp[key]
            if mk_k is not None:
                inside.append(f"{label}: tau {mk_k['tau']:+.2f}, p={mk_k['p_value']:.2g}")
        within = (
            "; Mann-Kendall within each regime (" + "; ".join(inside) + ")" if inside else ""
        )
        ls_txt = (
            f"; the least-squares split of the two levels puts it at "
            f"{cp['least_squares_candidate']}"
            if k_ls != k else ""
        )
        warnings.append(
            f"Possible step: the Pettitt test finds a change in level at {cp['candidate']} "
            f"(after {cp['last_before']}; median {cp['level_before']:g} before, "
            f"{cp['level_after']:g} after; p={pt.p_value:.2g}){ls_txt}{within}. A monotone "
            "trend "
            "test cannot tell a step (e.g. a rule change) from a trend: if the series is a "
            "step, model it as one (e.g. `ccs-eval stats its` with --impact level) rather "
            "than reading the trend."
        )
    span = float(xv[-1] - xv[0])
    per = slope_unit or unit
    if span < 1.0:
        warnings.append(
            f"The data span {span:.3g} {unit}(s): a slope or rate ratio per {per} "
            "extrapolates beyond the observed span."
        )
    return StructureResult(
        n=int(n),
        x_span=span,
        x_unit=unit,
        lag1_autocorrelation=r1,
        ljung_box_p=lb_p,
        ljung_box_lags=lb_lags,
        change_point=cp,
        warnings=warnings,
    )
