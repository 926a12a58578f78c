"""Mann-Kendall trend tests: one series (exact or normal) and stratified across sites."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import _ResultMixin, as_float_array, json_safe, time_to_float
from ccs_methods.methods.trend.kendall_distribution import (
    ENUMERATE_MAX_N,
    EXACT_GF_MAX_N,
    EXACT_MAX_N,
    _exact_s_distribution_enumerate,
    _exact_s_distribution_untied_x,
    _kendall_s,
    _min_attainable_p,
    _tie_sizes,
    _two_sided_exact_p,
    _var_s,
)


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
    if v_tot == 0:  # every stratum flat (one y or one x value): S = 0, as z_k = 0 above
        z_tot = 0.0
    elif continuity and s_tot != 0:
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
