"""Trend tests for short annual series and general series.

Methods for the question "did LWA/DAF awards change, is there a trend, and how sure are we?"
when each site has only four or five annual points:

* :func:`mann_kendall` - Mann-Kendall test with an exact null distribution for small n
  (ties handled exactly), a tie-corrected normal approximation for larger n, and a note
  saying when the sample is too small for any result to reach the chosen alpha.
* :func:`theil_sen` - Theil-Sen slope on real time values with the Sen (1968) / Gilbert
  (1987) order-statistic confidence interval (ranks from the exact distribution of S for
  n <= 10 without ties, with the interval's exact coverage).
* :func:`glm_trend` - Poisson / quasi-Poisson / negative-binomial log-linear trend giving a
  rate ratio per unit of time.
* :func:`percent_change` - percentage change with a clear error for a zero base.
* :func:`pooled_trend` - a common trend across sites (GLM with site fixed effects) and the
  stratified Mann-Kendall test (sum of S across sites) with the van Belle-Hughes
  homogeneity check.

Every result is a frozen dataclass with ``to_dict()`` returning only JSON types.
The models are written out in ``book/methods/trends.md``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ccs_methods.errors import MethodInputError

__all__ = [
    "GLMTrendResult",
    "MannKendallResult",
    "PooledTrendResult",
    "StratifiedMKResult",
    "TheilSenResult",
    "glm_trend",
    "mann_kendall",
    "percent_change",
    "pooled_trend",
    "stratified_mann_kendall",
    "theil_sen",
]

#: Largest n for which ``method="auto"`` uses the exact distribution of S.
EXACT_MAX_N = 10
#: Largest n for which permutations are enumerated (needed only when x and y both have ties).
ENUMERATE_MAX_N = 9
#: Largest n for which the exact generating-function distribution is computed on request.
EXACT_GF_MAX_N = 60
#: Pearson dispersion above which ``family="auto"`` leaves the Poisson model.
OVERDISPERSION_THRESHOLD = 1.5
#: Fewer points than this triggers a small-sample warning in GLM results.
GLM_SMALL_N = 8


# --------------------------------------------------------------------------------------
# shared helpers (also used by ccs_methods.methods.its and ccs_methods.methods.spc)
# --------------------------------------------------------------------------------------
def json_safe(obj: Any) -> Any:
    """Convert numpy / pandas scalars and containers to plain JSON types; NaN/inf -> None.

    Parameters
    ----------
    obj
        Any nested structure of dicts, lists, tuples, scalars, numpy arrays.

    Returns
    -------
    Any
        The same structure using only ``dict``, ``list``, ``str``, ``int``, ``float``,
        ``bool`` and ``None``.

    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (pd.Timestamp, pd.Period)):
        return str(obj)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return json_safe(obj.to_dict())
    return str(obj)


class _ResultMixin:
    """``to_dict`` for frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict (no numpy types, NaN as None)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def as_float_array(values: Any, name: str, *, min_n: int = 1) -> np.ndarray:
    """Coerce a 1-D sequence to a finite float array, or raise :class:`MethodInputError`.

    Parameters
    ----------
    values
        Sequence of numbers.
    name
        Argument name used in messages.
    min_n
        Minimum number of values needed.

    Returns
    -------
    numpy.ndarray
        Float array.

    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"'{name}' must contain only numbers ({exc}).") from exc
    if arr.ndim != 1:
        raise MethodInputError(f"'{name}' must be one-dimensional; got shape {arr.shape}.")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise MethodInputError(
            f"'{name}' has a missing or non-finite value at position {int(bad[0]) + 1} "
            f"(1-based); every value must be a finite number."
        )
    if arr.size < min_n:
        raise MethodInputError(
            f"'{name}' has {arr.size} value(s); this method needs at least {min_n}."
        )
    return arr


def time_to_float(x: Any, name: str = "x") -> tuple[np.ndarray, str]:
    """Convert time values (numbers or dates) to floats.

    Dates become decimal years: ``year + (day_of_year - 1) / days_in_year``, so slopes are
    "per year".

    Parameters
    ----------
    x
        Numbers (e.g. years as floats) or date-likes (strings, ``datetime``, ``Timestamp``).
    name
        Argument name used in messages.

    Returns
    -------
    tuple of (numpy.ndarray, str)
        The float values and the unit ("year" for dates, "x unit" otherwise).

    """
    seq = list(x) if not isinstance(x, (pd.Series, np.ndarray)) else x
    arr = np.asarray(seq)
    if arr.dtype.kind in "iuf":
        return as_float_array(arr, name), "x unit"
    if arr.dtype.kind == "b":
        raise MethodInputError(f"'{name}' must be numbers or dates, not booleans.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
            dt = pd.to_datetime(pd.Series(seq), errors="raise")
    except (TypeError, ValueError) as exc:
        # maybe numeric strings
        try:
            return as_float_array([float(v) for v in seq], name), "x unit"
        except (TypeError, ValueError):
            raise MethodInputError(
                f"'{name}' must be numbers (e.g. years) or dates; could not read it ({exc})."
            ) from exc
    if dt.isna().any():
        pos = int(np.flatnonzero(dt.isna().to_numpy())[0]) + 1
        raise MethodInputError(f"'{name}' has a missing date at position {pos} (1-based).")
    days_in_year = np.where(dt.dt.is_leap_year, 366.0, 365.0)
    frac = (dt.dt.day_of_year.to_numpy() - 1) / days_in_year
    return dt.dt.year.to_numpy().astype(float) + frac, "year"


def _tie_sizes(values: np.ndarray) -> np.ndarray:
    """Sizes of groups of equal values (groups of size >= 2 only)."""
    _, counts = np.unique(values, return_counts=True)
    return counts[counts > 1].astype(np.int64)


def _kendall_s(x: np.ndarray, y: np.ndarray) -> int:
    """Kendall score S = sum over pairs of sign(x_j - x_i) * sign(y_j - y_i)."""
    dx = np.sign(x[None, :] - x[:, None])
    dy = np.sign(y[None, :] - y[:, None])
    return int(np.sum(np.triu(dx * dy, k=1)))


def _var_s(n: int, tx: np.ndarray, ty: np.ndarray) -> float:
    """Variance of S under H0 with ties in x (sizes tx) and y (sizes ty); Kendall (1975)."""
    v1 = (
        n * (n - 1) * (2 * n + 5)
        - float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
        - float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    ) / 18.0
    v2 = 0.0
    if n > 2:
        v2 = (
            float(np.sum(tx * (tx - 1) * (tx - 2)))
            * float(np.sum(ty * (ty - 1) * (ty - 2)))
            / (9.0 * n * (n - 1) * (n - 2))
        )
    v3 = float(np.sum(tx * (tx - 1))) * float(np.sum(ty * (ty - 1))) / (2.0 * n * (n - 1))
    return v1 + v2 + v3


# --------------------------------------------------------------------------------------
# exact null distribution of S
# --------------------------------------------------------------------------------------
def _multiply_q_integer(poly: list[int], i: int) -> list[int]:
    """Multiply a polynomial by [i]_q = 1 + q + ... + q^(i-1) (exact integers)."""
    out_len = len(poly) + i - 1
    prefix = [0, *itertools.accumulate(poly)]
    out = []
    for k in range(out_len):
        hi = min(k, len(poly) - 1)
        lo = max(0, k - i + 1)
        out.append(prefix[hi + 1] - prefix[lo])
    return out


def _divide_q_integer(poly: list[int], j: int) -> list[int]:
    """Divide a polynomial exactly by [j]_q; uses Q(1 - q^j) = P(1 - q)."""
    if j == 1:
        return list(poly)
    out_len = len(poly) - j + 1
    q: list[int] = []
    for k in range(out_len):
        value = poly[k] - (poly[k - 1] if k >= 1 else 0) + (q[k - j] if k >= j else 0)
        q.append(value)
    return q


def _exact_s_distribution_untied_x(y_ties: Sequence[int], n: int) -> dict[int, float]:
    """Exact null distribution of S when x has no ties (any ties in y).

    The number of inversions I of a random arrangement of a multiset with group sizes
    t_1..t_k has generating function equal to the q-multinomial coefficient
    [n]_q! / prod [t_j]_q!. With M = n(n-1)/2 - sum t(t-1)/2 untied pairs, S = M - 2I.
    """
    poly = [1]
    for i in range(2, n + 1):
        poly = _multiply_q_integer(poly, i)
    for t in y_ties:
        for j in range(2, int(t) + 1):
            poly = _divide_q_integer(poly, j)
    total = sum(poly)
    m_pairs = n * (n - 1) // 2 - sum(int(t) * (int(t) - 1) // 2 for t in y_ties)
    return {m_pairs - 2 * inv: c / total for inv, c in enumerate(poly) if c}


def _exact_s_distribution_enumerate(x: np.ndarray, y: np.ndarray) -> dict[int, float]:
    """Exact null distribution of S by enumerating all n! arrangements of y (n <= 10)."""
    n = len(y)
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int8)
    yp = y[perms]
    s = np.zeros(len(perms), dtype=np.int32)
    for i in range(n - 1):
        for j in range(i + 1, n):
            sx = int(np.sign(x[j] - x[i]))
            if sx:
                s += sx * np.sign(yp[:, j] - yp[:, i]).astype(np.int32)
    values, counts = np.unique(s, return_counts=True)
    total = counts.sum()
    return {int(v): float(c) / float(total) for v, c in zip(values, counts, strict=True)}


def _two_sided_exact_p(dist: dict[int, float], s_obs: int) -> float:
    """P(|S| >= |s_obs|) under the exact null distribution."""
    p = sum(prob for s, prob in dist.items() if abs(s) >= abs(s_obs))
    return float(min(1.0, p))


def _min_attainable_p(dist: dict[int, float]) -> float:
    """Smallest two-sided p-value the exact test can give for this n and tie pattern."""
    s_max = max(abs(s) for s in dist)
    return _two_sided_exact_p(dist, s_max)


# --------------------------------------------------------------------------------------
# Mann-Kendall
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MannKendallResult(_ResultMixin):
    """Result of :func:`mann_kendall`.

    Attributes
    ----------
    n
        Number of points.
    s
        Kendall score S (positive = increasing).
    var_s
        Variance of S under no trend, corrected for ties.
    tau
        Kendall's tau-b (equals tau-a when there are no ties).
    p_value
        Two-sided p-value.
    method_used
        ``"exact"`` or ``"normal"``.
    z
        Normal score (None for the exact method).
    ties
        Tie information: tied group sizes in y and in x.
    alpha
        Significance level used for ``significant``.
    significant
        Whether ``p_value < alpha``.
    direction
        ``"increasing"``, ``"decreasing"`` or ``"no change"`` (sign of S).
    min_attainable_p
        Smallest two-sided p-value the exact test could give for this n (None if not
        computed, i.e. n > 10 with the normal method).
    continuity
        Whether the normal approximation used the continuity correction.
    note
        Plain-English caveats (small n, ties, method).

    """

    n: int
    s: int
    var_s: float
    tau: float
    p_value: float
    method_used: str
    z: float | None
    ties: dict[str, Any]
    alpha: float
    significant: bool
    direction: str
    min_attainable_p: float | None
    continuity: bool
    note: str


def mann_kendall(
    y: Sequence[float] | np.ndarray | pd.Series,
    x: Sequence[Any] | np.ndarray | pd.Series | None = None,
    *,
    method: Literal["auto", "exact", "normal"] = "auto",
    alpha: float = 0.05,
    continuity: bool = True,
) -> MannKendallResult:
    """Mann-Kendall test for a monotonic trend.

    Parameters
    ----------
    y
        Observations (e.g. annual award counts), at least 3.
    x
        Times (numbers or dates). Default ``1..n`` in the given order. Ties in x (several
        observations at one time) are allowed; pairs tied in x contribute 0 to S.
    method
        ``"exact"``: the exact permutation distribution of S. When at most one of x and y
        has ties it is the generating function of inversions of a multiset (the
        q-multinomial coefficient; exact with ties, n up to 60); when both have ties all n!
        arrangements are enumerated (n <= 9).
        ``"normal"``: tie-corrected variance and (by default) a continuity correction.
        ``"auto"``: exact for n <= 10 (normal if both x and y have ties and n = 10),
        normal otherwise.
    alpha
        Significance level for ``significant`` and for the small-sample note.
    continuity
        Continuity correction ``z = (S - sign(S)) / sqrt(var S)`` in the normal method.

    Returns
    -------
    MannKendallResult
        S, var(S), tau-b, two-sided p, z, tie details, and notes.

    Raises
    ------
    MethodInputError
        Fewer than 3 points, non-finite values, all values equal, mismatched lengths, or an
        exact test requested beyond the supported n.

    """
    if method not in ("auto", "exact", "normal"):
        raise MethodInputError(f"method must be 'auto', 'exact' or 'normal'; got {method!r}.")
    if not 0 < alpha < 1:
        raise MethodInputError(f"alpha must be between 0 and 1; got {alpha}.")
    yv = as_float_array(y, "y", min_n=3)
    n = yv.size
    if x is None:
        xv = np.arange(1, n + 1, dtype=float)
    else:
        xv, _ = time_to_float(x, "x")
        if xv.size != n:
            raise MethodInputError(
                f"'x' has {xv.size} values but 'y' has {n}; they must have the same length."
            )
        if np.unique(xv).size < 2:
            raise MethodInputError("'x' has only one distinct time; a trend needs at least two.")
    if np.unique(yv).size == 1:
        raise MethodInputError(
            f"all {n} values of 'y' are equal ({yv[0]:g}); a trend test needs at least two "
            "distinct values."
        )
    ty = _tie_sizes(yv)
    tx = _tie_sizes(xv)
    s = _kendall_s(xv, yv)
    var_s = _var_s(n, tx, ty)
    n0 = n * (n - 1) / 2.0
    n_y = float(np.sum(ty * (ty - 1))) / 2.0
    n_x = float(np.sum(tx * (tx - 1))) / 2.0
    tau = s / math.sqrt((n0 - n_x) * (n0 - n_y))

    use_exact = method == "exact" or (method == "auto" and n <= EXACT_MAX_N)
    dist: dict[int, float] | None = None
    if use_exact or n <= EXACT_MAX_N:
        # Under H0 every relative ordering of y against x is equally likely, so when only
        # one of x and y has ties the generating function for that tie pattern is exact.
        one_sided_ties = ty.tolist() if tx.size == 0 else tx.tolist() if ty.size == 0 else None
        if one_sided_ties is not None:
            if n > EXACT_GF_MAX_N:
                raise MethodInputError(
                    f"the exact Mann-Kendall distribution is computed for n <= "
                    f"{EXACT_GF_MAX_N}; got n={n}. Use method='normal'."
                )
            dist = _exact_s_distribution_untied_x(one_sided_ties, n)
        elif n <= ENUMERATE_MAX_N:
            dist = _exact_s_distribution_enumerate(xv, yv)
        elif method == "exact":
            raise MethodInputError(
                f"with ties in both 'x' and 'y' the exact test enumerates all n! orderings "
                f"and is limited to n <= {ENUMERATE_MAX_N}; got n={n}. Use method='normal'."
            )
        else:
            use_exact = False

    notes: list[str] = []
    z: float | None
    if use_exact and dist is not None:
        p = _two_sided_exact_p(dist, s)
        z = None
        method_used = "exact"
        notes.append(
            "Exact p-value from the permutation distribution of S"
            + (" (conditional on the observed ties)." if (ty.size or tx.size) else ".")
        )
    else:
        if continuity and s != 0:
            z = (s - math.copysign(1.0, s)) / math.sqrt(var_s)
        else:
            z = s / math.sqrt(var_s)
        p = float(2.0 * stats.norm.sf(abs(z)))
        method_used = "normal"
        notes.append(
            "Normal approximation with tie-corrected variance"
            + (" and continuity correction." if continuity else ".")
        )
    min_p = _min_attainable_p(dist) if dist is not None else None
    if min_p is not None and min_p >= alpha:
        notes.append(
            f"With n={n} points the smallest two-sided p-value the exact test can give is "
            f"{min_p:.3g}, so p < {alpha:g} is impossible whatever the data; read S and tau "
            "as descriptions, not as a test."
        )
    elif n < 8:
        notes.append(
            f"Only n={n} points: the test has little power, and a non-significant result is "
            "not evidence of no trend."
        )
    if ty.size or tx.size:
        notes.append(
            f"Ties: {int(ty.size)} tied group(s) in y, {int(tx.size)} in x; tau is tau-b."
        )
    direction = "increasing" if s > 0 else "decreasing" if s < 0 else "no change"
    return MannKendallResult(
        n=n,
        s=int(s),
        var_s=float(var_s),
        tau=float(tau),
        p_value=float(p),
        method_used=method_used,
        z=None if z is None else float(z),
        ties={
            "y_tied_group_sizes": [int(t) for t in ty],
            "x_tied_group_sizes": [int(t) for t in tx],
            "n_tied_groups": int(ty.size + tx.size),
        },
        alpha=float(alpha),
        significant=bool(p < alpha),
        direction=direction,
        min_attainable_p=None if min_p is None else float(min_p),
        continuity=bool(continuity),
        note=" ".join(notes),
    )


# --------------------------------------------------------------------------------------
# Theil-Sen
# --------------------------------------------------------------------------------------
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
    |S| such that ``P(|S| >= k) <= alpha`` under no trend, the limits are the M-th and
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


# --------------------------------------------------------------------------------------
# GLM trend
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GLMTrendResult(_ResultMixin):
    """Result of :func:`glm_trend`.

    Attributes
    ----------
    rate_ratio
        Multiplicative change in the expected count per unit x (per year for dates).
    ci_low, ci_high
        Wald confidence limits for the rate ratio.
    p_value
        Two-sided Wald p-value for no trend.
    percent_change_per_unit
        ``100 * (rate_ratio - 1)``.
    family
        Family used: ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    family_reason
        Why the family was used (requested, or the overdispersion check).
    dispersion
        Pearson chi-squared / residual df of the Poisson fit.
    df_resid
        Residual degrees of freedom.
    nb_alpha
        Negative-binomial dispersion (var = mu + alpha mu^2), when used.
    n
        Number of points.
    conf_level
        Confidence level.
    x_unit
        Unit of x.
    warning
        Small-sample warning text, or "".
    cov_type
        ``"nonrobust"`` (model-based standard errors) or ``"HAC"`` (Newey-West).
    hac_lags
        Lags of the Newey-West estimator, when used.
    reference
        Reference distribution of the interval and p-value: ``"t"`` (quasi-Poisson, on
        ``df_resid`` degrees of freedom) or ``"normal"``.

    """

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    percent_change_per_unit: float
    family: str
    family_reason: str
    dispersion: float | None
    df_resid: int
    nb_alpha: float | None
    n: int
    conf_level: float
    x_unit: str
    warning: str
    cov_type: str = "nonrobust"
    hac_lags: int | None = None
    reference: str = "normal"


def _check_counts(counts: Any, name: str, *, min_n: int) -> np.ndarray:
    arr = as_float_array(counts, name, min_n=min_n)
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise MethodInputError(
            f"'{name}' has a negative count ({arr[neg[0]]:g}) at position {int(neg[0]) + 1} "
            "(1-based); counts must be 0 or more."
        )
    frac = np.flatnonzero(np.abs(arr - np.round(arr)) > 1e-9)
    if frac.size:
        raise MethodInputError(
            f"'{name}' has a non-integer count ({arr[frac[0]]:g}) at position "
            f"{int(frac[0]) + 1} (1-based); count models need whole numbers."
        )
    if np.all(arr == 0):
        raise MethodInputError(f"all values of '{name}' are zero; a count trend needs events.")
    return arr


def _fit_count_glm(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray | None,
    family: str,
    *,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None, float | None, Any]:
    """Fit a log-link count model; return (params, cov, dispersion, nb_alpha, results).

    ``dispersion`` is Pearson chi2 / df of the Poisson fit (None when df = 0); for the
    negative binomial the returned parameters and covariance exclude alpha.
    """
    if _has_separation(y, X):
        raise MethodInputError(
            "the counts are zero wherever one of the model terms could push the expected "
            "count to zero (for example every count before, or after, a given point is 0), so "
            "the log-linear model has no finite estimate: the rate ratio would be 0 or "
            "infinite. A count trend needs non-zero counts spread over the series (at both "
            "ends and on both sides of any step); report the counts themselves instead."
        )
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _fit_count_glm_raw(y, X, offset, family, cov_type=cov_type,
                                     cov_kwds=cov_kwds)
    except MethodInputError:
        raise
    except (OverflowError, ValueError, FloatingPointError, ZeroDivisionError,
            np.linalg.LinAlgError) as exc:
        raise MethodInputError(
            f"the {family} count model could not be fitted ({type(exc).__name__}: {exc}); "
            "the counts are probably too large or too extreme for a log-linear model. Check "
            "the values (counts, not amounts) and rescale or drop impossible ones."
        ) from exc
    params, cov, dispersion = out[0], out[1], out[2]
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))
            and (dispersion is None or math.isfinite(dispersion))):
        raise MethodInputError(
            f"the {family} count model gave non-finite estimates (the fit did not converge); "
            "the counts are probably too large or too extreme for a log-linear model. Check "
            "the values (counts, not amounts) and rescale or drop impossible ones."
        )
    return out


def _has_separation(y: np.ndarray, X: np.ndarray) -> bool:
    """Whether the Poisson log-likelihood has no finite maximum (separation).

    The log-likelihood ``sum y_i eta_i - exp(eta_i)`` keeps increasing along a direction
    ``d`` with ``X_i d = 0`` wherever ``y_i > 0`` and ``X_i d <= 0`` elsewhere, strictly
    negative for at least one zero count. Such a ``d`` is found (or ruled out) by a linear
    programme: minimise ``sum_{y_i = 0} X_i d`` subject to those constraints and
    ``X_i d >= -1``.
    """
    from scipy.optimize import linprog

    zero = np.asarray(y) == 0
    if not zero.any():
        return False
    Xz, Xp = X[zero], X[~zero]
    scale = np.maximum(np.abs(X).max(axis=0), 1e-12)
    Xz, Xp = Xz / scale, Xp / scale
    nz = len(Xz)
    res = linprog(
        Xz.sum(axis=0),
        A_ub=np.vstack([Xz, -Xz]),
        b_ub=np.concatenate([np.zeros(nz), np.ones(nz)]),
        A_eq=Xp if len(Xp) else None,
        b_eq=np.zeros(len(Xp)) if len(Xp) else None,
        bounds=[(None, None)] * X.shape[1],
        method="highs",
    )
    return bool(res.status == 0 and res.fun < -1e-7)


def _fit_count_glm_raw(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray | None,
    family: str,
    *,
    cov_type: str = "nonrobust",
    cov_kwds: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None, float | None, Any]:
    """The fit behind :func:`_fit_count_glm`, without the input and output checks."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    cov_kwds = cov_kwds or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        pres = pois.fit()
    df_resid = round(float(pres.df_resid))
    dispersion = float(pres.pearson_chi2 / df_resid) if df_resid > 0 else None
    if family == "poisson":
        res = pois.fit(cov_type=cov_type, cov_kwds=cov_kwds) if cov_type != "nonrobust" else pres
        return np.asarray(res.params), np.asarray(res.cov_params()), dispersion, None, res
    if family == "quasipoisson":
        if df_resid <= 0:
            raise MethodInputError(
                "a quasi-Poisson model needs more points than parameters to estimate the "
                f"dispersion; got {len(y)} points for {X.shape[1]} parameters."
            )
        if cov_type == "nonrobust":
            res = pois.fit(scale="X2")
        else:
            res = pois.fit(cov_type=cov_type, cov_kwds=cov_kwds)
        return np.asarray(res.params), np.asarray(res.cov_params()), dispersion, None, res
    if family == "negbin":
        # NB2 by maximum likelihood, as MASS::glm.nb: the shape alpha maximises the profile
        # likelihood; coefficients and their covariance are from the GLM at that alpha.
        from scipy.optimize import minimize_scalar

        def negll(log_alpha: float) -> float:
            fam = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return -float(sm.GLM(y, X, family=fam, offset=offset).fit().llf)

        try:
            opt = minimize_scalar(negll, bounds=(-20.0, 5.0), method="bounded")
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            raise MethodInputError(
                "the negative-binomial model could not be fitted "
                f"({exc}); use family='quasipoisson' instead."
            ) from exc
        nb_alpha = float(np.exp(opt.x))
        nbm = sm.GLM(
            y, X, family=sm.families.NegativeBinomial(alpha=nb_alpha), offset=offset
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = nbm.fit(cov_type=cov_type, cov_kwds=cov_kwds) if cov_type != "nonrobust" \
                else nbm.fit()
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        if not (opt.success and np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
            raise MethodInputError(
                "the negative-binomial model did not converge (too few points or too little "
                "variation); use family='quasipoisson' instead."
            )
        return params, cov, dispersion, nb_alpha, res
    raise MethodInputError(
        f"family must be 'poisson', 'quasipoisson' or 'negbin'; got {family!r}."
    )


def glm_trend(
    counts: Sequence[float] | np.ndarray | pd.Series,
    x: Sequence[Any] | np.ndarray | pd.Series,
    *,
    family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto",
    offset: Sequence[float] | np.ndarray | pd.Series | None = None,
    alpha: float = 0.05,
    cov_type: Literal["nonrobust", "HAC"] = "nonrobust",
    hac_lags: int | None = None,
) -> GLMTrendResult:
    """Log-linear trend in counts: ``log E[y] = b0 + b1 x (+ log offset)``.

    Parameters
    ----------
    counts
        Non-negative whole-number counts, at least 3.
    x
        Times: numbers or dates (decimal years); the rate ratio is per unit x.
    family
        ``"poisson"``, ``"quasipoisson"`` (Poisson with Pearson dispersion; interval and p
        from the t distribution on the residual df, n - 2, as R's ``summary.glm``),
        ``"negbin"`` (NB2 by maximum likelihood) or ``"auto"``: Poisson unless the Pearson
        dispersion exceeds 1.5; then negative binomial if n >= 8, else quasi-Poisson (and
        quasi-Poisson if the NB fit fails).
    offset
        Exposure (e.g. population or funding); its log enters with coefficient 1, so the
        rate ratio is for counts per unit exposure.
    alpha
        1 - confidence level.
    cov_type
        ``"nonrobust"`` (model-based standard errors, default) or ``"HAC"`` (Newey-West
        standard errors for counts in time order that are autocorrelated).
    hac_lags
        Lags for HAC; default ``floor(4 (n/100)^(2/9))`` (at least 1).

    Returns
    -------
    GLMTrendResult
        Rate ratio per unit x with interval, p, dispersion, the family and why.

    Raises
    ------
    MethodInputError
        Negative or fractional counts, all zeros, constant x, non-positive offset,
        mismatched lengths, too few points; counts that give the model no finite estimate
        (e.g. zero everywhere except at one end: 0, 0, 0, 5), or a fit that fails or gives
        non-finite estimates (e.g. counts of 1e308).

    """
    if family not in ("auto", "poisson", "quasipoisson", "negbin"):
        raise MethodInputError(
            f"family must be 'auto', 'poisson', 'quasipoisson' or 'negbin'; got {family!r}."
        )
    if cov_type not in ("nonrobust", "HAC"):
        raise MethodInputError(f"cov_type must be 'nonrobust' or 'HAC'; got {cov_type!r}.")
    if not 0 < alpha < 1:
        raise MethodInputError(f"alpha must be between 0 and 1; got {alpha}.")
    y = _check_counts(counts, "counts", min_n=3)
    xv, unit = time_to_float(x, "x")
    if xv.size != y.size:
        raise MethodInputError(
            f"'x' has {xv.size} values but 'counts' has {y.size}; they must match."
        )
    if np.unique(xv).size < 2:
        raise MethodInputError("'x' has only one distinct value; a trend needs at least two.")
    off = None
    if offset is not None:
        ov = as_float_array(offset, "offset")
        if ov.size != y.size:
            raise MethodInputError(
                f"'offset' has {ov.size} values but 'counts' has {y.size}; they must match."
            )
        if np.any(ov <= 0):
            pos = int(np.flatnonzero(ov <= 0)[0]) + 1
            raise MethodInputError(
                f"'offset' must be positive (it is logged); position {pos} is {ov[pos - 1]:g}."
            )
        off = np.log(ov)
    n = y.size
    xc = xv - np.mean(xv)
    X = np.column_stack([np.ones(n), xc])
    chosen = family
    reason = f"requested family='{family}'."
    if family == "auto":
        _, _, disp, _, _ = _fit_count_glm(y, X, off, "poisson")
        if disp is None or disp <= OVERDISPERSION_THRESHOLD:
            chosen = "poisson"
            reason = (
                f"auto: Pearson dispersion {disp:.2f} <= {OVERDISPERSION_THRESHOLD} "
                "so the Poisson model was kept."
                if disp is not None
                else "auto: no residual df to check dispersion; Poisson kept."
            )
        elif n < GLM_SMALL_N:
            chosen = "quasipoisson"
            reason = (
                f"auto: Pearson dispersion {disp:.2f} > {OVERDISPERSION_THRESHOLD} "
                f"(overdispersion), but with n={n} < {GLM_SMALL_N} the negative-binomial "
                "shape cannot be estimated reliably, so quasi-Poisson (variance = phi * mean, "
                "t-based interval) was used."
            )
        else:
            chosen = "negbin"
            reason = (
                f"auto: Pearson dispersion {disp:.2f} > {OVERDISPERSION_THRESHOLD} "
                "(overdispersion), so a negative-binomial model was used."
            )
    lags: int | None = None
    cov_kwds: dict[str, Any] = {}
    if cov_type == "HAC":
        lags = int(hac_lags) if hac_lags is not None else max(1, int(4 * (n / 100) ** (2 / 9)))
        if lags < 1:
            raise MethodInputError(f"hac_lags must be at least 1; got {hac_lags}.")
        cov_kwds = {"maxlags": lags}
    try:
        params, cov, disp, nb_alpha, _ = _fit_count_glm(
            y, X, off, chosen, cov_type=cov_type, cov_kwds=cov_kwds
        )
    except MethodInputError as exc:
        if family != "auto" or chosen != "negbin" or "finite estimate" in str(exc):
            raise
        chosen = "quasipoisson"
        reason += " The negative-binomial fit failed, so quasi-Poisson was used instead."
        params, cov, disp, nb_alpha, _ = _fit_count_glm(
            y, X, off, chosen, cov_type=cov_type, cov_kwds=cov_kwds
        )
    b, se = float(params[1]), float(math.sqrt(cov[1, 1]))
    df_resid = int(n - X.shape[1])
    ref, ref_name = reference_distribution(chosen, df_resid)
    zq = float(ref.ppf(1 - alpha / 2))
    p = float(2 * ref.sf(abs(b / se))) if se > 0 else 0.0
    rr, lo, hi = checked_exp(b, se, zq, "rate ratio")
    warning = ""
    if n < GLM_SMALL_N:
        warning = (
            f"Only n={n} points: the dispersion estimate rests on {n - 2} residual degree(s) "
            "of freedom, the Wald interval is approximate, and the family choice is fragile. "
            "Treat the rate ratio as descriptive and compare with the exact Mann-Kendall test."
        )
    return GLMTrendResult(
        rate_ratio=rr,
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        percent_change_per_unit=100.0 * (rr - 1.0),
        family=chosen,
        family_reason=reason,
        dispersion=disp,
        df_resid=df_resid,
        nb_alpha=nb_alpha,
        n=int(n),
        conf_level=1 - alpha,
        x_unit=unit,
        warning=warning,
        cov_type=cov_type,
        hac_lags=lags,
        reference=ref_name,
    )


#: Largest |log rate ratio| (or its interval limit) accepted as an estimate: exp(50) ~ 5e21.
MAX_ABS_LOG_RR = 50.0


def reference_distribution(family: str, df_resid: int) -> tuple[Any, str]:
    """Reference distribution for Wald intervals and p-values of a count model.

    Quasi-Poisson uses Student's t on the residual degrees of freedom (the dispersion is
    estimated, as in R's ``summary.glm``); Poisson and negative binomial use the normal.
    The same rule is used by :func:`glm_trend`, :func:`pooled_trend` and
    :func:`ccs_methods.methods.its.segmented_regression`.

    Parameters
    ----------
    family
        ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    df_resid
        Residual degrees of freedom (points minus parameters).

    Returns
    -------
    tuple
        A frozen scipy distribution and its name (``"t"`` or ``"normal"``).

    """
    if family == "quasipoisson":
        if df_resid < 1:
            raise MethodInputError(
                "a quasi-Poisson interval needs at least one residual degree of freedom."
            )
        return stats.t(df=df_resid), "t"
    return stats.norm(), "normal"


def checked_exp(b: float, se: float, q: float, what: str) -> tuple[float, float, float]:
    """``exp(b)`` and ``exp(b -/+ q se)``, refusing non-finite or absurd estimates.

    Parameters
    ----------
    b, se
        Log-scale estimate and its standard error.
    q
        Quantile of the reference distribution.
    what
        Name of the estimate, for the message.

    Returns
    -------
    tuple of float
        Estimate, lower and upper limit on the ratio scale.

    Raises
    ------
    MethodInputError
        If the estimate or a limit is not finite or beyond ``exp(+/-50)``.

    """
    limits = (b, b - q * se, b + q * se)
    if not all(math.isfinite(v) and abs(v) <= MAX_ABS_LOG_RR for v in limits):
        raise MethodInputError(
            f"the {what} or its interval is not finite or beyond exp(±{MAX_ABS_LOG_RR:g}) "
            f"(log estimate {b:.3g}, standard error {se:.3g}): the data give the model "
            "almost no information (e.g. nearly all counts zero, or counts concentrated in "
            "one point). Report the counts themselves instead."
        )
    return math.exp(limits[0]), math.exp(limits[1]), math.exp(limits[2])


# --------------------------------------------------------------------------------------
# percent change
# --------------------------------------------------------------------------------------
def percent_change(a: float, b: float) -> float:
    """Percentage change from ``a`` to ``b``: ``100 * (b - a) / a``.

    Parameters
    ----------
    a
        Base value (earlier period). Must be non-zero and finite.
    b
        Later value. Must be finite.

    Returns
    -------
    float
        The percentage change (e.g. 182.0 for "+182%").

    Raises
    ------
    MethodInputError
        ``a`` is zero (undefined change), or either value is missing or not finite, or the
        values have different signs.

    """
    for name, v in (("a", a), ("b", b)):
        try:
            fv = float(v)
        except (TypeError, ValueError) as exc:
            raise MethodInputError(f"'{name}' must be a number; got {v!r}.") from exc
        if not math.isfinite(fv):
            raise MethodInputError(f"'{name}' must be a finite number; got {v!r}.")
    fa, fb = float(a), float(b)
    if fa == 0:
        raise MethodInputError(
            "percent change from a base of 0 is undefined; report the absolute change "
            f"(b - a = {fb - fa:g}) instead."
        )
    if fa < 0 or fb < 0:
        raise MethodInputError(
            "percent change is only reported here for non-negative quantities (counts, "
            f"amounts); got a={fa:g}, b={fb:g}."
        )
    return 100.0 * (fb - fa) / fa


# --------------------------------------------------------------------------------------
# stratified Mann-Kendall (seasonal Kendall / sites as strata)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StratifiedMKResult(_ResultMixin):
    """Result of :func:`stratified_mann_kendall`.

    Attributes
    ----------
    n_strata, n
        Number of strata and of observations.
    s, var_s, z, p_value
        Sum of S over strata, sum of variances, normal score and two-sided p.
    continuity
        Whether the continuity correction was used.
    homogeneity
        van Belle-Hughes test that the trend is the same in every stratum:
        ``chi2 = sum Z_k^2 - K * mean(Z_k)^2`` on ``K - 1`` df, with ``p_value``.
    per_stratum
        One dict per stratum: ``stratum``, ``n``, ``s``, ``var_s``, ``tau``, ``z``,
        ``p_value`` (normal approximation, same continuity setting).
    note
        Caveats.

    """

    n_strata: int
    n: int
    s: int
    var_s: float
    z: float
    p_value: float
    continuity: bool
    homogeneity: dict[str, Any]
    per_stratum: list[dict[str, Any]]
    note: str


def stratified_mann_kendall(
    data: pd.DataFrame,
    *,
    stratum_col: str,
    x_col: str,
    y_col: str,
    continuity: bool = True,
) -> StratifiedMKResult:
    """Stratified (seasonal / regional) Mann-Kendall test: S summed over strata.

    ``S = sum_k S_k`` with ``var S = sum_k var S_k`` (strata independent; Hirsch, Slack &
    Smith 1982), ``z = (S - sign S) / sqrt(var S)`` with the continuity correction, and the
    van Belle & Hughes (1984) homogeneity chi-squared.

    Parameters
    ----------
    data
        Long table, one row per stratum and time.
    stratum_col, x_col, y_col
        Column names for the stratum (e.g. site or month), the time and the value.
    continuity
        Use the continuity correction in the z scores.

    Returns
    -------
    StratifiedMKResult
        Pooled S test, homogeneity test and per-stratum results.

    Raises
    ------
    MethodInputError
        Missing columns, fewer than 2 strata, a stratum with fewer than 3 points, or
        non-finite values.

    """
    for col in (stratum_col, x_col, y_col):
        if col not in data.columns:
            raise MethodInputError(
                f"column '{col}' not found; available columns: {list(data.columns)}.",
                column=col,
            )
    if data[stratum_col].isna().any():
        row = int(np.flatnonzero(data[stratum_col].isna().to_numpy())[0]) + 1
        raise MethodInputError("missing stratum label.", row=row, column=stratum_col)
    strata = list(dict.fromkeys(data[stratum_col].tolist()))
    if len(strata) < 2:
        raise MethodInputError(
            f"a stratified test needs at least 2 strata in '{stratum_col}'; got {len(strata)}."
        )
    xv, _ = time_to_float(data[x_col], x_col)
    yv = as_float_array(data[y_col], y_col)
    codes = data[stratum_col].to_numpy()
    per: list[dict[str, Any]] = []
    s_tot, v_tot, zs = 0, 0.0, []
    for st in strata:
        m = codes == st
        if m.sum() < 3:
            raise MethodInputError(
                f"stratum '{st}' has {int(m.sum())} point(s); each needs at least 3.",
                column=stratum_col,
            )
        xs, ys = xv[m], yv[m]
        tx, ty = _tie_sizes(xs), _tie_sizes(ys)
        nk = int(m.sum())
        s_k = _kendall_s(xs, ys)
        v_k = _var_s(nk, tx, ty)
        n0 = nk * (nk - 1) / 2.0
        denom = math.sqrt(
            (n0 - float(np.sum(tx * (tx - 1))) / 2) * (n0 - float(np.sum(ty * (ty - 1))) / 2)
        )
        if continuity and s_k != 0:
            z_k = (s_k - math.copysign(1.0, s_k)) / math.sqrt(v_k) if v_k > 0 else 0.0
        else:
            z_k = s_k / math.sqrt(v_k) if v_k > 0 else 0.0
        per.append(
            {
                "stratum": json_safe(st),
                "n": nk,
                "s": int(s_k),
                "var_s": float(v_k),
                "tau": float(s_k / denom) if denom > 0 else None,
                "z": float(z_k),
                "p_value": float(2 * stats.norm.sf(abs(z_k))),
            }
        )
        s_tot += s_k
        v_tot += v_k
        zs.append(s_k / math.sqrt(v_k) if v_k > 0 else 0.0)
    if continuity and s_tot != 0:
        z_tot = (s_tot - math.copysign(1.0, s_tot)) / math.sqrt(v_tot)
    else:
        z_tot = s_tot / math.sqrt(v_tot)
    zarr = np.asarray(zs)
    k = zarr.size
    chi = float(np.sum(zarr**2) - k * np.mean(zarr) ** 2)
    note = (
        "Strata are assumed independent; correlated strata (shared shocks) make the pooled "
        "p-value too small. A significant homogeneity test means the strata trend "
        "differently and the pooled S averages over them."
    )
    return StratifiedMKResult(
        n_strata=k,
        n=int(yv.size),
        s=int(s_tot),
        var_s=float(v_tot),
        z=float(z_tot),
        p_value=float(2 * stats.norm.sf(abs(z_tot))),
        continuity=bool(continuity),
        homogeneity={"chi2": chi, "df": int(k - 1), "p_value": float(stats.chi2.sf(chi, k - 1))},
        per_stratum=per,
        note=note,
    )


# --------------------------------------------------------------------------------------
# pooled trend across sites
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PooledTrendResult(_ResultMixin):
    """Result of :func:`pooled_trend`.

    Attributes
    ----------
    n_sites, n
        Number of sites and of site-time observations.
    glm
        Common rate ratio per unit x from a count GLM with site fixed effects:
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``p_value``, ``family``,
        ``family_reason``, ``dispersion``.
    stratified_mk
        Sum of S across sites with summed variances: ``s``, ``var_s``, ``z``, ``p_value``,
        ``continuity``.
    homogeneity
        van Belle-Hughes test that the trends are the same in every site:
        ``chi2``, ``df``, ``p_value``.
    per_site
        One dict per site: ``site``, ``n``, ``s``, ``var_s``, ``tau``, ``p_value``,
        ``method_used``, ``rate_ratio`` (site-only GLM, Poisson/quasi/NB as chosen).
    caveats
        Plain-English caveats.

    """

    n_sites: int
    n: int
    glm: dict[str, Any]
    stratified_mk: dict[str, Any]
    homogeneity: dict[str, Any]
    per_site: list[dict[str, Any]]
    caveats: list[str] = field(default_factory=list)


def pooled_trend(
    data: pd.DataFrame,
    *,
    site_col: str = "site",
    x_col: str = "year",
    count_col: str = "count",
    offset_col: str | None = None,
    family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto",
    alpha: float = 0.05,
    continuity: bool = True,
) -> PooledTrendResult:
    """Estimate a common trend across sites.

    Two complementary summaries: (1) a log-linear count GLM with one intercept per site
    and a common slope, giving a common rate ratio per unit x; (2) the stratified
    Mann-Kendall test (Hirsch-Slack / seasonal Kendall form with sites as strata):
    ``S = sum_k S_k``, ``var S = sum_k var S_k``, plus the van Belle-Hughes homogeneity
    chi-squared ``sum Z_k^2 - K * mean(Z_k)^2`` on K - 1 df.

    Parameters
    ----------
    data
        Long table: one row per site and time.
    site_col, x_col, count_col
        Column names. x may be numbers or dates.
    offset_col
        Optional exposure column (positive).
    family
        Family for the GLM, as in :func:`glm_trend` (the dispersion check uses the pooled
        Poisson fit).
    alpha
        1 - confidence level.
    continuity
        Continuity correction for the stratified z.

    Returns
    -------
    PooledTrendResult
        Common rate ratio, stratified S test, homogeneity test, per-site details, caveats.

    Raises
    ------
    MethodInputError
        Missing columns, fewer than 2 sites, a site with fewer than 3 points, bad counts.

    """
    for col in (site_col, x_col, count_col) + ((offset_col,) if offset_col else ()):
        if col not in data.columns:
            raise MethodInputError(
                f"column '{col}' not found; available columns: {list(data.columns)}.",
                column=col,
            )
    df = data.copy()
    if df[site_col].isna().any():
        row = int(np.flatnonzero(df[site_col].isna().to_numpy())[0]) + 1
        raise MethodInputError("missing site name.", row=row, column=site_col)
    sites = list(dict.fromkeys(df[site_col].tolist()))
    if len(sites) < 2:
        raise MethodInputError(
            f"pooled_trend needs at least 2 sites in '{site_col}'; got {len(sites)}."
        )
    xv, unit = time_to_float(df[x_col], x_col)
    y = _check_counts(df[count_col], count_col, min_n=3)
    site_codes = df[site_col].to_numpy()
    for site in sites:
        n_site = int((site_codes == site).sum())
        if n_site < 3:
            raise MethodInputError(
                f"site '{site}' has {n_site} point(s); each site needs at least 3.",
                column=site_col,
            )
    smk = stratified_mann_kendall(
        pd.DataFrame({"site": site_codes, "x": xv, "y": y}),
        stratum_col="site",
        x_col="x",
        y_col="y",
        continuity=continuity,
    )
    per_site: list[dict[str, Any]] = []
    for site, entry in zip(sites, smk.per_stratum, strict=True):
        m = site_codes == site
        ys, xs = y[m], xv[m]
        site_row: dict[str, Any] = {
            "site": str(site),
            "n": entry["n"],
            "s": entry["s"],
            "var_s": entry["var_s"],
            "tau": entry["tau"],
        }
        if np.unique(ys).size == 1:
            site_row.update(p_value=None, method_used="none", note="all values equal here")
        else:
            mk = mann_kendall(ys, xs, alpha=alpha, continuity=continuity)
            site_row.update(p_value=mk.p_value, method_used=mk.method_used)
        per_site.append(site_row)
    s_tot, v_tot, z_tot, p_tot = smk.s, smk.var_s, smk.z, smk.p_value
    chi_homog, p_homog = smk.homogeneity["chi2"], smk.homogeneity["p_value"]
    k = smk.n_strata

    # GLM with site fixed effects and a common slope
    codes = pd.Categorical(site_codes, categories=sites)
    dummies = np.eye(len(sites))[codes.codes]
    xc = xv - np.mean(xv)
    X = np.column_stack([dummies, xc])
    off = None
    if offset_col:
        ov = as_float_array(df[offset_col], offset_col)
        if np.any(ov <= 0):
            row = int(np.flatnonzero(ov <= 0)[0]) + 1
            raise MethodInputError("offset must be positive.", row=row, column=offset_col)
        off = np.log(ov)
    chosen = family
    reason = f"requested family='{family}'."
    if family == "auto":
        _, _, disp0, _, _ = _fit_count_glm(y, X, off, "poisson")
        if disp0 is None or disp0 <= OVERDISPERSION_THRESHOLD:
            chosen, reason = "poisson", (
                f"auto: Pearson dispersion {disp0 if disp0 is not None else float('nan'):.2f}"
                f" <= {OVERDISPERSION_THRESHOLD}; Poisson kept."
            )
        elif y.size - X.shape[1] < GLM_SMALL_N:
            chosen, reason = "quasipoisson", (
                f"auto: Pearson dispersion {disp0:.2f} > {OVERDISPERSION_THRESHOLD}, but "
                "too few residual df to estimate a negative-binomial shape; quasi-Poisson "
                "used."
            )
        else:
            chosen, reason = "negbin", (
                f"auto: Pearson dispersion {disp0:.2f} > {OVERDISPERSION_THRESHOLD}; "
                "negative binomial used."
            )
    try:
        params, cov, disp, nb_alpha, _ = _fit_count_glm(y, X, off, chosen)
    except MethodInputError:
        if family != "auto":
            raise
        chosen = "quasipoisson"
        reason += " The negative-binomial fit failed, so quasi-Poisson was used."
        params, cov, disp, nb_alpha, _ = _fit_count_glm(y, X, off, chosen)
    b = float(params[-1])
    se = float(math.sqrt(cov[-1, -1]))
    ref, _ = reference_distribution(chosen, int(y.size - X.shape[1]))
    zq = float(ref.ppf(1 - alpha / 2))
    rr, lo, hi = checked_exp(b, se, zq, "common rate ratio")
    glm = {
        "rate_ratio": rr,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": float(2 * ref.sf(abs(b / se))) if se > 0 else 0.0,
        "family": chosen,
        "family_reason": reason,
        "dispersion": disp,
        "nb_alpha": nb_alpha,
        "x_unit": unit,
        "conf_level": 1 - alpha,
    }
    caveats = [
        "The common rate ratio assumes every site shares one proportional trend; check the "
        "homogeneity test and the per-site results before reading it as 'the' trend.",
        "Sites are treated as independent; shared shocks (Covid-19, national grant schemes, "
        "funding changes) make them move together and overstate the pooled evidence.",
        "Within a site, years are assumed independent (no serial correlation); with 4-5 "
        "annual points this cannot be checked.",
    ]
    if p_homog < alpha:
        caveats.append(
            f"The van Belle-Hughes test suggests the trends differ between sites "
            f"(p={p_homog:.3g}); the pooled trend averages over different directions or "
            "sizes."
        )
    if any(e["n"] < 8 for e in per_site):
        caveats.append(
            "Some sites have fewer than 8 points; the stratified normal approximation is "
            "rough and per-site exact tests may be unable to reach significance."
        )
    return PooledTrendResult(
        n_sites=len(sites),
        n=int(y.size),
        glm=glm,
        stratified_mk={
            "s": int(s_tot),
            "var_s": float(v_tot),
            "z": float(z_tot),
            "p_value": p_tot,
            "continuity": bool(continuity),
        },
        homogeneity={"chi2": chi_homog, "df": int(k - 1), "p_value": p_homog},
        per_site=per_site,
        caveats=caveats,
    )
