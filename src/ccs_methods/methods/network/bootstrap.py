"""Year-on-year change in a network measure with a bootstrap interval."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any, Literal

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.network.cleaning import _check_choice
from ccs_methods.methods.network.measures import (
    _edge_table,
    _EdgeArrays,
    _flat_measures,
    _is_distinct,
    scalar_measure_names,
)
from ccs_methods.methods.network.tables import _split


def yoy_change(
    df: pd.DataFrame,
    measure: str | Callable[[pd.DataFrame], float],
    year_a: Hashable,
    year_b: Hashable,
    n_boot: int = 1000,
    *,
    seed: int,
    period: str = "year",
    scheme: Literal["poisson", "multinomial"] = "poisson",
    confidence: float = 0.95,
) -> dict[str, Any]:
    r"""Percent change of a measure between two periods, with a bootstrap interval.

    The resampling unit is the **referral**: the referral is the event recorded, and the
    question is how much a measure could differ had the same underlying referral process
    produced a different set of referrals in each year. The organisations are close to the
    whole membership of the network, not a sample of it, so resampling organisations (node
    bootstrap) would answer a different question (about a wider population of
    organisations) and would break the network apart arbitrarily.

    Each period is resampled independently (the two years are separate realisations):

    - ``scheme="poisson"`` (default): each referral is included :math:`m \sim
      \text{Poisson}(1)` times, so the yearly total varies as a Poisson count and a change
      in ``total_referrals`` gets an honest interval. Computed exactly and quickly on
      connections, since the sum of :math:`w_{uv}` independent Poisson(1) draws is
      Poisson(:math:`w_{uv}`).
    - ``scheme="multinomial"``: the classical bootstrap, :math:`n` referrals drawn with
      replacement within each period; yearly totals are then fixed, so ``total_referrals``
      has a zero-width interval.

    Percent change is :math:`100 (m_b / m_a - 1)`. For measures that add up referrals (totals,
    flows, shares of referrals) and for measure functions, the interval is the percentile
    interval of the replicates. For measures built from counts of *distinct* organisations or
    connections (``organisations``, ``connections``, ``connections_per_organisation``,
    ``referring_organisations_s``, ...) a replicate can lose a rarely used connection but
    never gain an unseen one, so the replicates sit below the observed value and the
    percentile interval is shifted away from the estimate. This shortfall is an artefact of
    resampling, not a bias of the observed count (which is unbiased for its own expected
    value), so the interval is **recentred**: the percentile interval shifted by the
    estimate minus the median replicate,
    :math:`[\hat\theta + q_{\alpha/2} - q_{0.5},\ \hat\theta + q_{1-\alpha/2} - q_{0.5}]`.
    BCa and the basic interval treat the shortfall as a bias of the estimate and correct
    the estimate for it, which overshoots in the other direction (simulation in the tests
    and on the methods page).

    Parameters
    ----------
    df
        Cleaned referrals.
    measure
        A name from :func:`scalar_measure_names` (fast, vectorised) or a function of a
        referral table returning a number (applied to every replicate, slower).
    year_a, year_b
        The base and comparison periods (labels from :func:`period_labels`).
    n_boot
        Bootstrap replicates (>= 200 for a 95% interval).
    seed
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same interval.
    period
        See :func:`period_labels`.
    scheme
        ``"poisson"`` or ``"multinomial"``, see above.
    confidence
        Interval coverage, default 0.95.

    Returns
    -------
    dict
        JSON-serialisable: ``measure``, ``period``, ``year_a``, ``year_b``, ``value_a``,
        ``value_b``, ``change_pct``, ``ci_low_pct``, ``ci_high_pct``, ``confidence``,
        ``interval`` (``"percentile"`` or ``"recentred percentile"``),
        ``recentre_shift_pct`` (the shift applied, estimate minus median replicate; 0 for a
        percentile interval), ``n_referrals_a``, ``n_referrals_b``, ``n_boot``,
        ``n_boot_base_zero`` (replicates
        where the base value was zero: change +inf, or 0 if both are zero),
        ``n_boot_undefined`` (replicates where the measure is undefined, left out; more than
        2.5% is an error), ``seed``, ``scheme``, ``method``.

    Raises
    ------
    MethodInputError
        Unknown measure or period, too few replicates, a base value of zero, or an interval
        that is unbounded because too many replicates have a zero base.

    """
    _check_choice("scheme", scheme, ("poisson", "multinomial"))
    if not isinstance(n_boot, int | np.integer) or n_boot < 200:
        raise MethodInputError(f"n_boot must be an integer >= 200, not {n_boot!r}.",
                               column="n_boot")
    if not (0 < confidence < 1):
        raise MethodInputError(f"confidence must be between 0 and 1, not {confidence!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise MethodInputError(f"seed must be an integer, not {seed!r}.", column="seed")
    parts = _split(df, period)
    for y in (year_a, year_b):
        if y not in parts:
            raise MethodInputError(
                f"{period} {y!r} has no referrals; available: {list(parts)}.", column=period
            )
    names = scalar_measure_names()
    if isinstance(measure, str):
        if measure not in names:
            raise MethodInputError(f"unknown measure {measure!r}; choose one of {names} or pass "
                                   "a function.", column="measure")
        label = measure
    elif callable(measure):
        label = getattr(measure, "__name__", "custom measure")
    else:
        raise MethodInputError("measure must be a measure name or a function.")

    rng = np.random.default_rng(int(seed))
    obs: list[float] = []
    reps: list[np.ndarray] = []
    for y in (year_a, year_b):
        part = parts[y]
        if isinstance(measure, str):
            edges = _edge_table(part)
            arr = _EdgeArrays.from_edges(edges)
            obs.append(float(_flat_measures(arr, arr.weights)[measure][0]))
            reps.append(_replicates_fast(arr, measure, n_boot, scheme, rng))
        else:
            obs.append(_call_measure(measure, part))
            reps.append(_replicates_callable(part, measure, n_boot, scheme, rng))
    value_a, value_b = obs
    if not (math.isfinite(value_a) and math.isfinite(value_b)):
        raise MethodInputError(f"measure {label!r} is undefined in one of the periods.")
    if value_a == 0:
        raise MethodInputError(
            f"{label} is 0 in {period} {year_a!r}; a percent change from zero is undefined. "
            "Report the two values instead."
        )
    rep_a, rep_b = reps
    base_zero = rep_a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (rep_b / rep_a - 1.0)
    pct[base_zero & (rep_b == 0)] = 0.0
    pct[base_zero & (rep_b > 0)] = np.inf
    undefined = np.isnan(pct)  # the measure itself is undefined in a replicate (e.g. N < 2)
    if undefined.mean() > 0.025:
        raise MethodInputError(
            f"{label} is undefined in {int(undefined.sum())} of {n_boot} bootstrap replicates "
            "(too few organisations or referrals); no interval is given."
        )
    pct = pct[~undefined]
    alpha = 100 * (1 - confidence) / 2
    change = float(100.0 * (value_b / value_a - 1.0))
    with np.errstate(invalid="ignore"):  # inf - inf when a limit falls among infinite values
        low, mid, high = np.percentile(pct, [alpha, 50, 100 - alpha])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise MethodInputError(
            f"{label} is too small in {period} {year_a!r} ({value_a:g}) for a bootstrap "
            "percent change: too many replicates have a zero base. Report the counts with "
            "exact intervals instead."
        )
    recentre = isinstance(measure, str) and _is_distinct(measure)
    shift = float(change - mid) if recentre else 0.0
    if recentre:
        low, high = max(-100.0, low + shift), high + shift
    kind = ("percentile interval recentred on the estimate (distinct-count measure)"
            if recentre else "percentile interval")
    return {
        "measure": label,
        "period": period,
        "year_a": _json_label(year_a),
        "year_b": _json_label(year_b),
        "value_a": _num(value_a),
        "value_b": _num(value_b),
        "change_pct": change,
        "ci_low_pct": float(low),
        "ci_high_pct": float(high),
        "interval": "recentred percentile" if recentre else "percentile",
        "recentre_shift_pct": shift,
        "confidence": float(confidence),
        "n_referrals_a": len(parts[year_a]),
        "n_referrals_b": len(parts[year_b]),
        "n_boot": int(n_boot),
        "n_boot_base_zero": int(base_zero.sum()),
        "n_boot_undefined": int(undefined.sum()),
        "seed": int(seed),
        "scheme": scheme,
        "method": (
            f"{scheme} bootstrap of referrals within each {period}, {n_boot} replicates, "
            f"{round(100 * confidence)}% {kind} of the percent change"
        ),
    }


def _json_label(value: Hashable) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _replicate_weights(
    weights: np.ndarray, size: int, scheme: str, rng: np.random.Generator
) -> np.ndarray:
    if scheme == "poisson":
        return rng.poisson(weights, size=(size, len(weights))).astype(float)
    n = int(weights.sum())
    return rng.multinomial(n, weights / n, size=size).astype(float)


def _replicates_fast(
    arr: _EdgeArrays, measure: str, n_boot: int, scheme: str, rng: np.random.Generator
) -> np.ndarray:
    chunk = max(1, min(n_boot, 2_000_000 // max(1, len(arr.weights))))
    values = []
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        W = _replicate_weights(arr.weights, size, scheme, rng)
        values.append(_flat_measures(arr, W)[measure])
        done += size
    return np.concatenate(values)


def _call_measure(measure: Callable[[pd.DataFrame], float], part: pd.DataFrame) -> float:
    try:
        value = float(measure(part))
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"the measure function did not return a number: {exc}") from exc
    return value


def _replicates_callable(
    part: pd.DataFrame,
    measure: Callable[[pd.DataFrame], float],
    n_boot: int,
    scheme: str,
    rng: np.random.Generator,
) -> np.ndarray:
    n = len(part)
    out = np.empty(n_boot)
    for b in range(n_boot):
        if scheme == "poisson":
            idx = np.repeat(np.arange(n), rng.poisson(1.0, size=n))
        else:
            idx = rng.integers(0, n, size=n)
        out[b] = _call_measure(measure, part.iloc[idx]) if len(idx) else 0.0
    return out
