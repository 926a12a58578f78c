"""Intervals for referral-network results: exact Poisson, share changes, year-on-year ratios.

The bootstrap of a network measure itself is :func:`ccs_methods.methods.network.yoy_change`;
these helpers wrap it for the pages (an ``error`` entry instead of an exception where a change
is undefined), give single counts an exact (Garwood) interval, bootstrap the change in the
share of referrals per reason, and turn a percent change into a ratio result for the evidence
register. Options (replicates, seed) are always passed in: they come from
``params/analysis.yml`` (``networks.bootstrap_replicates``, ``networks.bootstrap_seed``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network

__all__ = ["poisson_ci", "ratio_result", "share_change_bootstrap", "yoy_or_error"]


def poisson_ci(k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count.

    Parameters
    ----------
    k
        The observed count (0 or more).
    confidence
        Coverage of the interval.

    Returns
    -------
    (float, float)
        Lower and upper limits; the lower limit is 0 for ``k = 0``.

    """
    from scipy.stats import chi2

    if k < 0:
        raise MethodInputError(f"poisson_ci: a count cannot be negative (got {k}).", column="k")
    a = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(chi2.ppf(a, 2 * k) / 2)
    high = float(chi2.ppf(1 - a, 2 * k + 2) / 2)
    return low, high


def yoy_or_error(
    df: pd.DataFrame, measure: str, a: Hashable, b: Hashable, *, period: str, n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """:func:`ccs_methods.methods.network.yoy_change`, with an ``error`` entry when undefined.

    Parameters
    ----------
    df
        Cleaned referrals with a period column.
    measure
        A measure name of :mod:`ccs_methods.methods.network`.
    a, b
        Base and comparison period labels.
    period
        The period column.
    n_boot, seed
        Bootstrap replicates and seed.

    Returns
    -------
    dict
        The ``yoy_change`` result, or ``{"measure": ..., "error": message}``.

    """
    try:
        return network.yoy_change(df, measure, a, b, n_boot, seed=seed, period=period)
    except MethodInputError as exc:
        return {"measure": measure, "error": str(exc)}


def share_change_bootstrap(
    counts_a: np.ndarray, counts_b: np.ndarray, *, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change in each category's share of referrals (points) with a Poisson bootstrap interval.

    Each category's count in a replicate is Poisson with the observed mean (what resampling
    each referral Poisson(1) times gives); the 95% interval is the percentile interval.

    Parameters
    ----------
    counts_a, counts_b
        Counts per category in the base and comparison periods (same order).
    n_boot, seed
        Replicates and seed (``numpy.random.default_rng``).

    Returns
    -------
    (change, low, high)
        Arrays in percentage points.

    """
    ca = np.asarray(counts_a, dtype=float)
    cb = np.asarray(counts_b, dtype=float)
    if ca.sum() <= 0 or cb.sum() <= 0:
        raise MethodInputError("share_change_bootstrap: a period has no referrals.",
                               column="counts")
    rng = np.random.default_rng(seed)
    ra = rng.poisson(ca, size=(n_boot, len(ca)))
    rb = rng.poisson(cb, size=(n_boot, len(cb)))
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = 100 * (rb / rb.sum(axis=1, keepdims=True) - ra / ra.sum(axis=1, keepdims=True))
    low, high = np.nanpercentile(diff, [2.5, 97.5], axis=0)
    change = 100 * (cb / cb.sum() - ca / ca.sum())
    return change, low, high


def ratio_result(res: Mapping[str, Any], n: int) -> dict[str, Any] | None:
    """A ``yoy_change`` result as a ratio (b / a) with its interval, for the evidence register.

    Parameters
    ----------
    res
        A ``yoy_change`` result (or a dict with an ``error`` entry).
    n
        The referrals behind the estimate.

    Returns
    -------
    dict or None
        ``ratio``, ``ci_low``, ``ci_high``, ``n``, ``value_a``, ``value_b``, ``period_a``,
        ``period_b``, ``measure``, ``n_boot``, ``seed``, ``method``; ``None`` on an error.

    """
    if "error" in res:
        return None
    return {
        "ratio": float(res["value_b"] / res["value_a"]),
        "ci_low": float(1 + res["ci_low_pct"] / 100),
        "ci_high": float(1 + res["ci_high_pct"] / 100),
        "n": int(n),
        "value_a": res["value_a"],
        "value_b": res["value_b"],
        "period_a": res["year_a"],
        "period_b": res["year_b"],
        "measure": res["measure"],
        "n_boot": res["n_boot"],
        "seed": res["seed"],
        "method": res["method"],
    }
