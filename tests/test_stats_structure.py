"""Structure checks beside a trend: serial correlation, a step, the observed span (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend import pettitt_test, structure_checks


def test_pettitt_matches_the_rank_form_of_verstraeten() -> None:
    """Pettitt's U_t from sign sums equals the rank form used by R's trend::pettitt.test,
    U_k = 2 sum_{i<=k} r_i - k (n + 1) (Verstraeten et al. 2006, as documented for
    trend::pettitt.test), and p = 2 exp(-6 K^2 / (n^3 + n^2))."""
    rng = np.random.default_rng(3)
    for n in (5, 12, 40):
        y = rng.normal(size=n) + np.where(np.arange(n) >= n // 3, 1.0, 0.0)
        r = stats.rankdata(y)
        u_rank = np.array([2 * r[:k].sum() - k * (n + 1) for k in range(1, n)])
        k_best = int(np.argmax(np.abs(u_rank))) + 1
        res = pettitt_test(y)
        assert res.u == round(np.abs(u_rank).max())
        assert res.index == k_best
        assert res.p_value == pytest.approx(
            min(1.0, 2 * np.exp(-6 * res.u**2 / (n**3 + n**2))))


def test_a_step_is_named_with_its_date_and_no_trend_within_regimes() -> None:
    """A weekly series that is a step at 2023-04-03 with no trend on either side (like the
    Welsh DAF payments): the check names the candidate week and finds no trend within."""
    rng = np.random.default_rng(41)
    dates = pd.date_range("2023-01-02", periods=41, freq="7D")
    y = np.where(dates >= "2023-04-03", 300, 900) + rng.normal(0, 25, 41)
    res = structure_checks(y, dates)
    cp = res.change_point
    assert cp["candidate"] == "2023-04-03" and cp["last_before"] == "2023-03-27"
    assert cp["p_value"] < 1e-4
    assert cp["mk_before"]["p_value"] > 0.05 and cp["mk_after"]["p_value"] > 0.05
    assert any(w.startswith("Possible step") and "2023-04-03" in w for w in res.warnings)
    assert any("extrapolates" in w for w in res.warnings) and res.x_span < 1


def test_serial_correlation_is_warned_with_its_sign() -> None:
    rng = np.random.default_rng(8)
    e = np.zeros(60)
    for i in range(1, 60):
        e[i] = 0.8 * e[i - 1] + rng.normal()
    res = structure_checks(e, np.arange(2000, 2060))
    assert res.lag1_autocorrelation is not None and res.lag1_autocorrelation > 0.5
    assert res.ljung_box_p is not None and res.ljung_box_p < 0.01
    assert any("Serial correlation" in w and "positive" in w for w in res.warnings)
    calm = structure_checks(rng.normal(size=60), np.arange(2000, 2060))
    assert not any("Serial correlation" in w for w in calm.warnings)
    assert not any("Possible step" in w for w in calm.warnings)
    assert not any("extrapolates" in w for w in calm.warnings)


def test_structure_checks_refuse_unordered_x() -> None:
    with pytest.raises(MethodInputError, match="strictly increasing"):
        structure_checks([1, 2, 3, 4], [2001, 2000, 2002, 2003])


def test_structure_boundaries_kill_mutants() -> None:
    """Boundaries of the checks (mutation survivors of issue 14): 3 points are enough; the
    serial-correlation warning needs 8 points; 3 points on a side get Mann-Kendall within the
    regime; string dates are labelled as given; the result is immutable."""
    import dataclasses

    three = structure_checks([1.0, 5.0, 2.0], ["2020", "2021", "2022"])
    assert three.n == 3 and three.ljung_box_p is None
    zigzag8 = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    assert any("Serial correlation" in w for w in structure_checks(zigzag8, range(8)).warnings)
    assert not any("Serial correlation" in w
                   for w in structure_checks(zigzag8[:7], range(7)).warnings)
    step = [1.0, 2.0, 1.5, 9.0, 9.5, 8.5, 9.2, 8.8, 9.1]
    res = structure_checks(step, [f"2023-0{m}-01" for m in range(1, 10)])
    cp = res.change_point
    assert cp["index"] == 3 and cp["candidate"] == "2023-04-01"
    assert cp["mk_before"] is not None and cp["mk_before"]["n"] == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pettitt_test(step).u = 0  # type: ignore[misc]


def test_strong_lag1_autocorrelation_is_warned_even_when_ljung_box_is_not_small() -> None:
    """|r1| >= 0.3 is reported whatever Ljung-Box says (a smooth wave over 12 points)."""
    y = np.sin(np.arange(12) / 2.0) + np.arange(12) * 0.01
    res = structure_checks(y, np.arange(12))
    assert res.lag1_autocorrelation is not None and res.lag1_autocorrelation >= 0.3
    assert res.ljung_box_p is not None and res.ljung_box_p > 0.05
    assert any("Serial correlation" in w for w in res.warnings)
