"""ccs_methods.methods.trend.structure: Pettitt, lag-1 autocorrelation and the span, by hand.

Written against the survivors of a mutation run of ``trend/structure.py`` (issue 14, "Tests
with teeth"). Pettitt (1979): U_t = sum_{i <= t < j} sign(y_j - y_i), K = max |U_t|,
p = 2 exp(-6 K^2 / (n^3 + n^2)) capped at 1; for a rising series every sign is +1, so
U_t = t (n - t). The lag-1 autocorrelation is sum (e_t - mean)(e_{t-1} - mean) / sum
(e_t - mean)^2 of the residuals from the Theil-Sen line, and Ljung-Box Q = n (n + 2) r1^2 /
(n - 1) on 1 lag (Ljung & Box 1978).
Score with ``tools/mutation_fork.py trend/structure.py tests/test_structure_mutants.py
tests/test_stats_structure.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.structure import (
    dependence_inflation,
    pettitt_test,
    structure_checks,
)

ZIGZAG8 = [0.0, 1.0] * 4


def test_pettitt_on_a_rising_series_and_the_cap_at_one() -> None:
    """1..6 rising: U_t = t (6 - t) = 5, 8, 9, 8, 5; K = 9 at t = 3, p = 2 exp(-486/252).
    1, 3, 2: U_1 = 2, U_2 = 1 - 1 = 0, K = 2, 2 exp(-24/36) = 1.03 is capped at 1."""
    r = pettitt_test([1, 2, 3, 4, 20, 21])
    assert (r.u, r.index, r.n) == (9, 3, 6)
    assert r.p_value == pytest.approx(2 * math.exp(-486 / 252))
    small = pettitt_test([1, 3, 2])
    assert (small.u, small.index, small.p_value) == (2, 1, 1.0)
    down = pettitt_test([3, 2, 1, 0])  # U_t = -t (4 - t): K = 4 at t = 2
    assert (down.u, down.index) == (4, 2)
    assert down.p_value == pytest.approx(2 * math.exp(-96 / 80))


def test_zigzag_residuals_have_lag1_autocorrelation_minus_seven_eighths() -> None:
    """0, 1, 0, 1, ... on x = 0..7: of the 28 pairwise slopes 12 are 0, 10 positive and 6
    negative, so the Sen slope is 0; residuals -/+ 0.5 about their median, sum of squares 2,
    lag-1 products 7 * (-0.25): r1 = -0.875. Q = 8 * 10 * 0.875^2 / 7 = 8.75 on 1 lag
    (8 // 5 = 1)."""
    r = structure_checks(ZIGZAG8, range(8))
    assert r.lag1_autocorrelation == pytest.approx(-0.875)
    assert r.ljung_box_lags == 1
    assert r.ljung_box_p == pytest.approx(stats.chi2.sf(8.75, 1))
    (w,) = r.warnings
    assert w.startswith("Serial correlation") and "-0.88 (negative, Ljung-Box p=0.0031 at 1 "
    assert "conservative" in w and "too small" not in w
    seven = structure_checks(ZIGZAG8[:7], range(7))
    assert seven.ljung_box_p is None and seven.ljung_box_lags is None
    assert seven.lag1_autocorrelation is not None


def test_ljung_box_lags_are_n_over_5_between_1_and_10() -> None:
    y12 = np.sin(np.arange(12) / 2.0)
    assert structure_checks(y12, np.arange(12)).ljung_box_lags == 2
    rng = np.random.default_rng(5)
    assert structure_checks(rng.normal(size=60), np.arange(60)).ljung_box_lags == 10
    assert structure_checks(rng.normal(size=10), np.arange(10)).ljung_box_lags == 2


def test_a_straight_line_has_no_residual_variation() -> None:
    """y = 2x: every residual is 0, so there is no autocorrelation to report and no test."""
    r = structure_checks([2.0 * v for v in range(10)], list(range(10)))
    assert r.lag1_autocorrelation is None and r.ljung_box_p is None
    assert r.ljung_box_lags is None and r.warnings == []


def test_step_with_flat_regimes() -> None:
    """1, 1, 1, 5, 5, 5: K = 9 at t = 3, medians 1 and 5; a flat regime gets no
    Mann-Kendall."""
    r = structure_checks([1, 1, 1, 5, 5, 5], [2001, 2002, 2003, 2004, 2005, 2006])
    cp = r.change_point
    assert (cp["u"], cp["index"], cp["level_before"], cp["level_after"]) == (9, 3, 1.0, 5.0)
    assert (cp["last_before"], cp["candidate"]) == ("2003", "2004")
    assert cp["mk_before"] is None and cp["mk_after"] is None
    assert r.x_span == 5.0 and r.x_unit == "x unit"


def test_step_warning_with_regime_tests_and_a_least_squares_split_elsewhere() -> None:
    """1, 2, 3, 4, 20, 21: Pettitt puts the change after the 3rd point (K = 9, p = 0.29) but
    the least-squares split is after the 4th (SSE 5 + 0.5 = 5.5 against 2 + 182 = 184 after
    the 3rd). Both regimes rise (tau 1, exact p 2/3! = 1/3). At alpha = 0.5 the step is
    reported; at 0.05 it is not."""
    x = [2001, 2002, 2003, 2004, 2005, 2006]
    r = structure_checks([1, 2, 3, 4, 20, 21], x, alpha=0.5)
    cp = r.change_point
    assert cp["candidate"] == "2004" and cp["least_squares_candidate"] == "2005"
    assert cp["mk_before"] == {"n": 3, "tau": 1.0, "p_value": pytest.approx(1 / 3)}
    assert cp["mk_after"]["tau"] == 1.0
    (w,) = r.warnings
    assert w.startswith("Possible step: the Pettitt test finds a change in level at 2004 "
                        "(after 2003; median 2 before, 20 after; p=0.29); the least-squares "
                        "split of the two levels puts it at 2005; Mann-Kendall within each "
                        "regime (before: tau +1.00, p=0.33; from then on: tau +1.00, p=0.33)")
    assert structure_checks([1, 2, 3, 4, 20, 21], x).warnings == []


def test_step_reported_at_its_own_p_and_one_regime_flat() -> None:
    """1, 2, 1.5, 9, 9.5, 8.5, 9.2, 8.8, 9.1: K = 18 at t = 3 (3 x 6 rises), p = 2 exp(-2.4)
    = 0.18; after the step S = -1 of 15 pairs, tau -1/15. With alpha equal to that p the
    step is not reported (p < alpha). A flat first regime leaves only 'from then on'."""
    step = [1.0, 2.0, 1.5, 9.0, 9.5, 8.5, 9.2, 8.8, 9.1]
    x = list(range(2001, 2010))
    r = structure_checks(step, x, alpha=0.2)
    cp = r.change_point
    assert cp["u"] == 18 and cp["p_value"] == pytest.approx(2 * math.exp(-2.4))
    assert cp["level_after"] == pytest.approx(9.05)
    assert cp["mk_after"]["n"] == 6 and cp["mk_after"]["tau"] == pytest.approx(-1 / 15)
    assert any(w.startswith("Possible step") for w in r.warnings)
    at = structure_checks(step, x, alpha=cp["p_value"])
    assert not any(w.startswith("Possible step") for w in at.warnings)
    flat = structure_checks([1.0, 1.0, 1.0, *step[3:]], x, alpha=0.5)
    (w,) = [w for w in flat.warnings if w.startswith("Possible step")]
    assert "(from then on: tau -0.07, p=1)" in w and "before: tau" not in w


def test_span_shorter_than_one_unit_is_flagged_in_the_slope_unit() -> None:
    r = structure_checks([1, 2, 4, 3], [0.0, 0.25, 0.5, 0.75], slope_unit="decade")
    assert r.x_span == 0.75
    assert r.warnings[-1] == ("The data span 0.75 x unit(s): a slope or rate ratio per decade "
                              "extrapolates beyond the observed span.")
    assert r.change_point["candidate"] in {"0.25", "0.5", "0.75"}
    one = structure_checks([1, 2, 4], [0.0, 0.5, 1.0])
    assert not any("extrapolates" in w for w in one.warnings)


def test_labels_of_numpy_dates_and_whole_floats() -> None:
    days = np.array(["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"],
                    dtype="datetime64[D]")
    r = structure_checks([1, 1, 5, 5], days)
    assert (r.change_point["last_before"], r.change_point["candidate"]) == (
        "2021-02-01", "2021-03-01")
    f = structure_checks(pd.Series([1.0, 1.0, 5.0, 5.0]), np.array([2000.0, 2001, 2002, 2003]))
    assert f.change_point["candidate"] == "2002"


def test_bad_x_names_the_position() -> None:
    with pytest.raises(MethodInputError, match="position 3 "):
        structure_checks([1, 2, 3, 4], [2000, 2001, 2001, 2002])
    with pytest.raises(MethodInputError, match="position 2 "):
        structure_checks([1, 2, 3, 4], [2001, 2000, 2002, 2003])
    with pytest.raises(MethodInputError, match="'x' has 3 values but 'y' has 4"):
        structure_checks([1, 2, 3, 4], [2000, 2001, 2002])


def test_lag1_autocorrelation_of_an_asymmetric_series_by_hand() -> None:
    """y = 0,0,0,0,0,0,0,4 at x = 1..8: 21 of the 28 pairwise slopes are 0, so the Sen slope
    is 0 and the residuals are y itself (median 0), with mean m = 0.5.
    Denominator: 7 * 0.5**2 + 3.5**2 = 14. Numerator: six pairs (-0.5)(-0.5) = 1.5 and the
    last (-0.5)(3.5) = -1.75, so -0.25; r1 = -0.25 / 14. (A residual mean of 0, as in the
    zigzag above, cannot tell r - m from r + m: mutation survivors of lines 194-196.)"""
    res = structure_checks([0, 0, 0, 0, 0, 0, 0, 4], list(range(1, 9)))
    assert res.lag1_autocorrelation == pytest.approx(-0.25 / 14, rel=1e-12)


def test_sen_line_uses_every_pair_including_neighbours() -> None:
    """y = 0, 2, 1, 3 at x = 0..3: pairwise slopes 2, 0.5, 1, -1, 0.5, 2, median 0.75 (without
    the neighbouring pairs it would be 0.5). Residuals y - 0.75 x = 0, 1.25, -0.5, 0.75, less
    their median 0.375: -0.375, 0.875, -0.875, 0.375 (mean 0). Sum of squares 29/16, lag-1
    products -91/64: r1 = -91/116 (slope 0.5 would give -0.75)."""
    r = structure_checks([0, 2, 1, 3], [0, 1, 2, 3])
    assert r.lag1_autocorrelation == pytest.approx(-91 / 116, rel=1e-12)


def test_small_residual_variation_is_still_tested() -> None:
    """The zigzag at a tenth of the scale (sum of squares 0.02, not 2): the same r1 and
    Ljung-Box p, since both are scale-free."""
    r = structure_checks([0.0, 0.1] * 4, range(8))
    assert r.lag1_autocorrelation == pytest.approx(-0.875)
    assert r.ljung_box_p == pytest.approx(stats.chi2.sf(8.75, 1))


BLOCKS_OF_THREE = [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]
SQUARE_WAVE_16 = [0, 0, 1, 1] * 4


def test_positive_autocorrelation_warned_on_its_size_alone() -> None:
    """Blocks 1,1,1,0,0,0 twice on x = 0..11: 27 negative, 30 zero and 9 positive pairwise
    slopes, so the Sen slope is 0 and the residuals are +-0.5 (sum of squares 3). Lag 1: 8 like
    neighbours and 3 changes, 2 - 0.75 = 1.25, r1 = 5/12; lag 2: 4 like, 6 unlike, r2 = -1/6.
    Ljung-Box on 12 // 5 = 2 lags: Q = 12 * 14 * (r1^2 / 11 + r2^2 / 10) = 3.118, p = e^(-Q/2)
    = 0.21, not below 0.05; |r1| >= 0.3 alone gives the warning, which calls it positive
    (intervals too narrow)."""
    r = structure_checks(BLOCKS_OF_THREE, range(12))
    assert r.lag1_autocorrelation == pytest.approx(5 / 12, rel=1e-12)
    q = 12 * 14 * ((5 / 12) ** 2 / 11 + (1 / 6) ** 2 / 10)
    assert r.ljung_box_lags == 2 and r.ljung_box_p == pytest.approx(math.exp(-q / 2))
    (w,) = [w for w in r.warnings if w.startswith("Serial correlation")]
    assert "is +0.42 (positive, Ljung-Box p=0.21 at 2 lags)" in w
    assert "too small" in w and "conservative" not in w


def test_ljung_box_alone_warns_and_only_below_alpha() -> None:
    """0, 0, 1, 1 four times: residuals +-0.5 (Sen slope 0), sum of squares 4; lag 1: 8 like,
    7 unlike, r1 = 1/16 (small); lag 2 always unlike, r2 = -7/8; lag 3: 6 like, 7 unlike,
    r3 = -1/16. Ljung-Box on 16 // 5 = 3 lags: Q = 16 * 18 * (r1^2/15 + r2^2/14 + r3^2/13)
    = 15.91, p = 0.0012: the warning comes from the test, not from r1. r1 is positive, but
    over the three lags the dependence is negative: 1 + 2 (15/16 r1 + 14/16 r2 + 13/16 r3)
    = 1 - 388/256 < 1, so the tests are conservative, not too small. At alpha equal to that
    p the warning is not given (p < alpha)."""
    r = structure_checks(SQUARE_WAVE_16, range(16))
    q = 16 * 18 * ((1 / 16) ** 2 / 15 + (7 / 8) ** 2 / 14 + (1 / 16) ** 2 / 13)
    assert r.lag1_autocorrelation == pytest.approx(1 / 16, rel=1e-12)
    assert r.ljung_box_lags == 3 and r.ljung_box_p == pytest.approx(stats.chi2.sf(q, 3))
    (w,) = [w for w in r.warnings if w.startswith("Serial correlation")]
    assert "+0.06 (positive, Ljung-Box p=0.00118 at 3 lags)" in w
    assert "conservative" in w and "too small" not in w
    at = structure_checks(SQUARE_WAVE_16, range(16), alpha=r.ljung_box_p)
    assert not any(w.startswith("Serial correlation") for w in at.warnings)


def test_least_squares_split_by_hand() -> None:
    """0, 0, 1, 2, 2, 2: within-regime sums of squares for a split after point t = 1..5 are
    3.2, 0.75, 2/3, 2.75 and 4 (e.g. after the 3rd: 0, 0, 1 about 1/3 gives 2/3, and 2, 2, 2
    gives 0), so the least-squares split is after the 3rd point, where Pettitt's K = 9 also
    falls (U_t = 4, 8, 9, 6, 3)."""
    r = structure_checks([0, 0, 1, 2, 2, 2], list(range(2001, 2007)))
    cp = r.change_point
    assert (cp["u"], cp["index"]) == (9, 3)
    assert cp["least_squares_candidate"] == "2004" == cp["candidate"]


def test_dependence_inflation_by_hand() -> None:
    """1 + 2 sum (1 - k/n) r_k: the square wave 0,0,1,1 (x4) over 3 lags, 1 - 388/256; blocks
    1,1,1,0,0,0 (x2) over 2 lags, 1 + 2 (11/12 * 5/12 - 10/12 * 1/6) = 214/144; the zigzag
    over 1 lag, 1 - 2 * 7/8 * 7/8 = -34/64; two points (lags capped at n - 1): r1 = -1/2,
    1 - 1/2; a constant has no dependence to inflate (1)."""
    sq = np.array(SQUARE_WAVE_16, dtype=float)
    assert dependence_inflation(sq, 3) == pytest.approx(1 - 388 / 256, rel=1e-12)
    blocks = np.array(BLOCKS_OF_THREE, dtype=float)
    assert dependence_inflation(blocks, 2) == pytest.approx(214 / 144, rel=1e-12)
    assert dependence_inflation(np.array(ZIGZAG8), 1) == pytest.approx(-34 / 64, rel=1e-12)
    assert dependence_inflation(np.array([1.0, 2.0]), 5) == pytest.approx(0.5, rel=1e-12)
    assert dependence_inflation(np.array([3.0, 3.0, 3.0]), 2) == 1.0


def test_lag1_autocorrelation_of_exactly_the_threshold_is_warned() -> None:
    """0,0,0,0,1,1,1,0,1,1 on x = 0..9: 3 negative, 20 zero and 22 positive pairwise slopes,
    Sen slope 0; residuals +-0.5 (sum of squares 2.5); lag 1: 6 like and 3 unlike
    neighbours, 0.75, r1 = 0.3 exactly (the threshold, which warns); lag 2: 4 like, 4 unlike,
    r2 = 0. Ljung-Box on 2 lags: Q = 10 * 12 * 0.09 / 9 = 1.2, p = e^-0.6 = 0.55, so the
    warning comes from |r1| >= 0.3 alone."""
    r = structure_checks([0, 0, 0, 0, 1, 1, 1, 0, 1, 1], range(10))
    assert r.lag1_autocorrelation == 0.3
    assert r.ljung_box_p == pytest.approx(math.exp(-0.6))
    (w,) = [w for w in r.warnings if w.startswith("Serial correlation")]
    assert "is +0.30 (positive, Ljung-Box p=0.549 at 2 lags)" in w and "too small" in w


def test_zero_lag1_autocorrelation_is_called_zero() -> None:
    """0,1,2,1 twice then 1,1 on x = 0..9: 11 negative, 17 zero, 17 positive pairwise slopes,
    Sen slope 0; residuals y - 1 = -1,0,1,0,-1,0,1,0,0,0 (sum of squares 4). Every lag-1
    product is 0, so r1 = 0, neither positive nor negative (it read "+0.00 (negative" before);
    lag 2 gives -3, r2 = -3/4. Ljung-Box on 2 lags: Q = 10 * 12 * (9/16) / 8 = 8.4375,
    p = e^(-Q/2) = 0.0147: warned, and conservative (1 + 2 * 8/10 * -3/4 < 1)."""
    r = structure_checks([0, 1, 2, 1, 0, 1, 2, 1, 1, 1], range(10))
    assert r.lag1_autocorrelation == 0.0
    assert r.ljung_box_p == pytest.approx(math.exp(-8.4375 / 2))
    (w,) = [w for w in r.warnings if w.startswith("Serial correlation")]
    assert "is +0.00 (zero, Ljung-Box p=0.0147 at 2 lags)" in w and "conservative" in w
