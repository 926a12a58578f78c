"""Helpers shared by the generators: weekday-weighted dates, noisy splits, weighted sampling.

Also the finishing step common to the NCAN and THCAN referral generators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.records import DATASETS

_WEEKDAY_WEIGHT = np.array([1.0, 1.05, 1.05, 1.0, 0.9, 0.12, 0.05])  # Mon..Sun


def _days_in_months(
    rng: np.random.Generator, months: np.ndarray, weekday_weight: np.ndarray = _WEEKDAY_WEIGHT
) -> np.ndarray:
    """Draw one date per entry of ``months`` (``Period[M]`` values), weighting weekdays."""
    out = np.empty(len(months), dtype="datetime64[D]")
    months = np.asarray(months)
    for m in np.unique(months):
        idx = np.flatnonzero(months == m)
        start = np.datetime64(f"{m}-01", "D")
        n_days = pd.Period(str(m), "M").days_in_month
        days = start + np.arange(n_days)
        dow = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
        w = weekday_weight[dow]
        out[idx] = rng.choice(days, size=len(idx), p=w / w.sum())
    return out


def _noisy_multinomial(
    rng: np.random.Generator, total: int, weights: np.ndarray, shape: float
) -> np.ndarray:
    """Split ``total`` over cells with probabilities ``weights`` x Gamma noise (mean 1)."""
    w = np.asarray(weights, dtype=float) * rng.gamma(shape, 1.0 / shape, size=len(weights))
    return rng.multinomial(int(total), w / w.sum())


def _weighted_sample(
    rng: np.random.Generator, items: np.ndarray, k: int, weights: np.ndarray
) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(items, size=k, replace=False, p=w / w.sum())


def _finish_referrals(df: pd.DataFrame, prefix: str, site: str, network: str) -> pd.DataFrame:
    df = df.sort_values(
        ["date", "from_org", "to_org", "reason", "outcome"], kind="stable"
    ).reset_index(drop=True)
    df.insert(0, "referral_id", [f"{prefix}-{i:06d}" for i in range(1, len(df) + 1)])
    df.insert(2, "site", site)
    df.insert(3, "network", network)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return df[DATASETS[f"referrals_{network}"].column_names]
