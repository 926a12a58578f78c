"""Theil-Sen slope with the Sen (1968) / Gilbert (1987) order-statistic interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import _ResultMixin, as_float_array, time_to_float
from ccs_methods.methods.trend.kendall_distribution import (
    EXACT_GF_MAX_N,
    EXACT_MAX_N,
    _exact_s_distribution_untied_x,
    _tie_sizes,
    _two_sided_exact_p,
    _var_s,
)


@dataclass(frozen=True)
class TheilSenResult(_ResultMixin):
    """Result of :func:`theil_sen`.

    Attributes
    ----------
    slope
        Median of all pairwise slopes (per unit x; per year when x are dates).
    intercept
        Conover's intercept ``median(y) - slope * median(x)``.
    ci_low, ci_high
        Order-statistic confidence limits (None when n is too small for them).
    conf_level
        Requested confidence level, ``1 - alpha``.
    n
        Number of points.
    n_slopes
        Number of pairwise slopes used (pairs with different x).
    var_s
        Tie-corrected variance of Kendall's S used for the interval.
    rank_low, rank_high
        The (1-based, possibly fractional) ranks of the sorted slopes used as limits.
    x_unit
        ``"year"`` when x were dates, else ``"x unit"``.
    note
        Caveats.
    interval_method
        ``"exact"`` (ranks from the exact distribution of S) or ``"normal"`` (Gilbert's
        normal approximation).
    coverage
        Exact coverage of the reported interval (``"exact"`` only; at least
        ``conf_level``), else None (the normal approach is nominally ``conf_level``).

    """

    slope: float
    intercept: float
    ci_low: float | None
    ci_high: float | None
    conf_level: float
    n: int
    n_slopes: int
    var_s: float
    rank_low: float
    rank_high: float
    x_unit: str
    note: str
    interval_method: str = "normal"
    coverage: float | None = None


def _exact_slope_ranks(n: int, n_slopes: int, alpha: float) -> tuple[int, int, float] | None:
    """Ranks (1-based) of the exact order-statistic interval and its coverage, no ties.

    With no ties, ``S(b) = N - 2 #{slopes < b}`` between slopes, and the true slope lies in
    ``{b : |S(b)| < k}`` with probability ``P(|S| < k)`` under the exact null distribution
    of S (Hollander & Wolfe 1999, section 9.4; Gilbert 1987, section 16.5). The smallest
    attainable k with ``P(|S| >= k) <= alpha`` gives the interval
    ``[Q_(M), Q_(N + 1 - M)]`` with ``M = (N - k)/2 + 1``. None when no such k exists
    (n <= 4 at alpha = 0.05).
    """
    dist = _exact_s_distribution_untied_x([], n)
    for k in sorted(v for v in dist if v > 0):
        tail = _two_sided_exact_p(dist, k)
        if tail <= alpha:
            m = (n_slopes - k) // 2 + 1
            return m, n_slopes + 1 - m, 1.0 - tail
    return None


def theil_sen(
    y: Sequence[float] | np.ndarray | pd.Series,
    x: Sequence[Any] | np.ndarray | pd.Series,
    *,
    alpha: float = 0.05,
    method: Literal["auto", "exact", "normal"] = "auto",
) -> TheilSenResult:
    """Theil-Sen slope with the Sen (1968) / Gilbert (1987) confidence interval.

    Parameters
    ----------
    y
        Observations, at least 3.
    x
        Times as numbers (e.g. 2018.0, 2019.0) or dates (converted to decimal years).
    alpha
        1 - confidence level.
    method
        How the order statistics of the interval are chosen. ``"exact"``: from the exact
        null distribution of Kendall's S (no ties in x or y; the interval's exact coverage,
        at least ``1 - alpha``, is reported); ``"normal"``: Gilbert's normal approximation
        (below); ``"auto"`` (default): exact for n <= 10 without ties, normal otherwise.

    Returns
    -------
    TheilSenResult
        Slope, intercept and interval.

    Notes
    -----
    Exact (Hollander & Wolfe 1999, section 9.4): with k the smallest attainable value of
    ``|S|`` such that ``P(|S| >= k) <= alpha`` under no trend, the limits are the M-th and
    (N' + 1 - M)-th smallest slopes with ``M = (N' - k)/2 + 1``; the coverage is
    ``1 - P(|S| >= k)``. With n = 5 only k = 10 qualifies, so the interval is
    [smallest slope, largest slope] with coverage ``1 - 2/5! = 0.983``; with n <= 4 no
    order-statistic interval reaches 95% and the limits are None.

    Normal: with N' pairwise slopes sorted, ``C = z_{1-alpha/2} * sqrt(var S)``,
    ``M1 = (N' - C)/2`` and ``M2 = (N' + C)/2``; the limits are the M1-th and (M2+1)-th
    smallest slopes, interpolated linearly when the ranks are fractional (as in
    ``EnvStats::kendallTrendTest``). If a rank falls outside 1..N' the limit is None.

    Raises
    ------
    MethodInputError
        Fewer than 3 points, mismatched lengths, a single distinct x, non-finite values.

    """
    if not 0 < alpha < 1:
        raise MethodInputError(f"alpha must be between 0 and 1; got {alpha}.")
    if method not in ("auto", "exact", "normal"):
        raise MethodInputError(f"method must be 'auto', 'exact' or 'normal'; got {method!r}.")
    yv = as_float_array(y, "y", min_n=3)
    xv, unit = time_to_float(x, "x")
    if xv.size != yv.size:
        raise MethodInputError(
            f"'x' has {xv.size} values but 'y' has {yv.size}; they must have the same length."
        )
    if np.unique(xv).size < 2:
        raise MethodInputError("'x' has only one distinct value; a slope needs at least two.")
    n = yv.size
    i, j = np.triu_indices(n, k=1)
    dx = xv[j] - xv[i]
    keep = dx != 0
    slopes = np.sort((yv[j] - yv[i])[keep] / dx[keep])
    n_slopes = slopes.size
    slope = float(np.median(slopes))
    intercept = float(np.median(yv) - slope * np.median(xv))
    tx, ty = _tie_sizes(xv), _tie_sizes(yv)
    var_s = _var_s(n, tx, ty)
    untied = tx.size == 0 and ty.size == 0
    if method == "exact" and not untied:
        raise MethodInputError(
            "the exact Theil-Sen interval needs distinct x and distinct y values; use "
            "method='normal' when there are ties."
        )
    if method == "exact" and n > EXACT_GF_MAX_N:
        raise MethodInputError(
            f"the exact Theil-Sen interval is computed for n <= {EXACT_GF_MAX_N}; got n={n}."
        )
    use_exact = method == "exact" or (method == "auto" and untied and n <= EXACT_MAX_N)
    notes = []
    coverage: float | None = None
    if use_exact:
        ranks_ex = _exact_slope_ranks(n, n_slopes, alpha)
        if ranks_ex is None:
            m1, m2p1 = 0.0, float(n_slopes + 1)
            ci_low = ci_high = None
            full = 1.0 - 2.0 / math.factorial(n)
            notes.append(
                f"With n={n} no order-statistic interval reaches {100 * (1 - alpha):g}%: even "
                f"[smallest slope, largest slope] covers only 1 - 2/{n}! = {full:.3f} "
                "(exact). The limits are reported as None (unbounded)."
            )
        else:
            lo_rank, hi_rank, coverage = ranks_ex
            m1, m2p1 = float(lo_rank), float(hi_rank)
            ci_low, ci_high = float(slopes[lo_rank - 1]), float(slopes[hi_rank - 1])
            notes.append(
                f"Exact order-statistic interval (ranks {lo_rank} and {hi_rank} of "
                f"{n_slopes} slopes, from the exact distribution of S): exact coverage "
                f"{coverage:.3f}, at least the {100 * (1 - alpha):g}% asked for."
            )
    else:
        c_alpha = stats.norm.ppf(1 - alpha / 2) * math.sqrt(var_s)
        m1 = (n_slopes - c_alpha) / 2.0
        m2p1 = (n_slopes + c_alpha) / 2.0 + 1
        ranks = np.arange(1, n_slopes + 1, dtype=float)
        ci_low = float(np.interp(m1, ranks, slopes)) if 1 <= m1 <= n_slopes else None
        ci_high = float(np.interp(m2p1, ranks, slopes)) if 1 <= m2p1 <= n_slopes else None
        if ci_low is None or ci_high is None:
            notes.append(
                f"n={n} is too small for a {100 * (1 - alpha):g}% order-statistic interval "
                f"by the normal approximation: the required ranks ({m1:.2f}, {m2p1:.2f}) fall "
                f"outside the {n_slopes} slopes. The missing limit is reported as None "
                "(unbounded)."
            )
    if n < 8:
        notes.append(f"Only n={n} points: the slope is fragile and the interval wide.")
    return TheilSenResult(
        slope=slope,
        intercept=intercept,
        ci_low=ci_low,
        ci_high=ci_high,
        conf_level=1 - alpha,
        n=n,
        n_slopes=int(n_slopes),
        var_s=float(var_s),
        rank_low=float(m1),
        rank_high=float(m2p1),
        x_unit=unit,
        note=" ".join(notes),
        interval_method="exact" if use_exact else "normal",
        coverage=coverage,
    )
