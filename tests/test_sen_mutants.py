"""ccs_methods.methods.trend.sen: Theil-Sen slopes and intervals on series small enough to
work by hand.

Written against the survivors of a mutation run of ``trend/sen.py`` (issue 14, "Tests with
teeth"). The slope is the median of the pairwise slopes (pairs tied in x dropped), the
intercept Conover's median(y) - slope * median(x); the exact interval takes ranks M and
N + 1 - M of the sorted slopes, M = (N - k)/2 + 1, k the smallest |S| with P(|S| >= k) <=
alpha (Hollander & Wolfe 1999, section 9.4); the normal one takes ranks (N -/+ C)/2 (+ 1 for
the upper), C = z_{1 - alpha/2} sqrt(var S) (Gilbert 1987, section 16.5).
Score with ``tools/mutation_fork.py trend/sen.py tests/test_sen_mutants.py tests/test_trend.py
-k sen``.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.sen import TheilSenResult, theil_sen

#: Five annual values; the ten slopes, sorted: -2, 1, 2.5, 3, 3, 3.25, 4, 4, 5.5, 7.
Y5, X5 = [10, 14, 12, 19, 23], [2018, 2019, 2020, 2021, 2022]


def test_five_points_exact_by_hand() -> None:
    """Slope = (3 + 3.25)/2 = 3.125, intercept = 14 - 3.125 * 2020 = -6298.5. With n = 5 only
    k = 10 has P(|S| >= k) = 2/120 <= 0.05: M = 1, the interval is [-2, 7], coverage 59/60."""
    r = theil_sen(Y5, X5)
    assert r.slope == 3.125 and r.intercept == -6298.5
    assert (r.n, r.n_slopes) == (5, 10)
    assert r.interval_method == "exact"
    assert (r.ci_low, r.ci_high, r.rank_low, r.rank_high) == (-2.0, 7.0, 1.0, 10.0)
    assert r.coverage == pytest.approx(59 / 60)
    assert r.conf_level == 0.95
    assert r.var_s == pytest.approx(5 * 4 * 15 / 18)
    assert "ranks 1 and 10 of 10 slopes" in r.note and "Only n=5" in r.note


def test_exact_tail_equal_to_alpha_is_allowed() -> None:
    """alpha = 1/60 = P(|S| >= 10) exactly for n = 5: the same [-2, 7] interval, coverage
    1 - 1/60 (the rule is P(|S| >= k) <= alpha)."""
    r = theil_sen(Y5, X5, alpha=1 / 60)
    assert (r.ci_low, r.ci_high) == (-2.0, 7.0)
    assert r.coverage == pytest.approx(1 - 1 / 60)
    assert r.conf_level == pytest.approx(1 - 1 / 60)


def test_exact_six_points_uses_ranks_two_and_fourteen() -> None:
    """n = 6: the numbers of orders with 0, 1, 2 inversions are 1, 5, 14 (Mahonian numbers),
    so P(|S| >= 13) = 2 * 6/720 = 1/60 <= 0.05 < P(|S| >= 11) = 40/720: k = 13,
    M = (15 - 13)/2 + 1 = 2, ranks 2 and 14, coverage 59/60. y = x^2 on 0..5: slope of the
    pair (i, j) is i + j, so the sorted slopes are 1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 9."""
    r = theil_sen([0, 1, 4, 9, 16, 25], [0, 1, 2, 3, 4, 5])
    assert r.slope == 5.0 and r.intercept == 6.5 - 5.0 * 2.5
    assert (r.rank_low, r.rank_high) == (2.0, 14.0)
    assert (r.ci_low, r.ci_high) == (2.0, 8.0)
    assert r.coverage == pytest.approx(59 / 60)


def test_four_points_exact_has_no_interval_and_reports_the_full_ranks() -> None:
    """n = 4: the widest interval covers 1 - 2/4! = 0.917 < 95%; the ranks reported are 0 and
    N + 1 = 7 (outside the slopes)."""
    r = theil_sen([1, 3, 2, 5], [1, 2, 3, 4])
    assert (r.rank_low, r.rank_high) == (0.0, 7.0)
    assert r.ci_low is None and r.ci_high is None
    assert "1 - 2/4! = 0.917" in r.note and "reaches 95%: even" in r.note


def test_five_points_normal_ranks_fall_just_outside() -> None:
    """n = 5, normal: C = 1.96 sqrt(50/3) = 8.0015, so the ranks are (10 - C)/2 = 0.9992 and
    (10 + C)/2 + 1 = 10.0008, just outside 1..10: no limits, and a note says so."""
    c = stats.norm.ppf(0.975) * math.sqrt(50 / 3)
    r = theil_sen(Y5, X5, method="normal")
    assert r.interval_method == "normal" and r.coverage is None
    assert r.rank_low == pytest.approx((10 - c) / 2) and r.rank_high == pytest.approx(
        (10 + c) / 2 + 1)
    assert r.rank_low == pytest.approx(0.9992, abs=1e-4)
    assert r.ci_low is None and r.ci_high is None
    assert "too small" in r.note and "(1.00, 10.00)" in r.note


def test_normal_interval_interpolates_between_ranks() -> None:
    """y = x^2 on 0..5 (slopes above), normal at alpha = 0.5: C = z_0.75 sqrt(85/3) =
    0.67449 * 5.3229 = 3.5902; ranks (15 - C)/2 = 5.7049 and (15 + C)/2 + 1 = 10.2951. The
    5th and 6th slopes are 4 and 4, so the lower limit is 4; the 10th and 11th are 6 and 6,
    so the upper is 6. At alpha = 0.2: C = 1.28155 * 5.3229 = 6.8216, ranks 4.0892 and
    11.9108: 3 + 0.0892 * (4 - 3) and 6 + 0.9108 * (7 - 6)."""
    y, x = [0, 1, 4, 9, 16, 25], [0, 1, 2, 3, 4, 5]
    r = theil_sen(y, x, method="normal", alpha=0.5)
    assert (r.ci_low, r.ci_high) == (4.0, 6.0)
    assert r.conf_level == 0.5
    c = stats.norm.ppf(0.9) * math.sqrt(85 / 3)
    r2 = theil_sen(y, x, method="normal", alpha=0.2)
    assert r2.rank_low == pytest.approx((15 - c) / 2)
    assert r2.ci_low == pytest.approx(3 + ((15 - c) / 2 - 4))
    assert r2.ci_high == pytest.approx(6 + ((15 + c) / 2 + 1 - 11))
    assert r2.ci_low == pytest.approx(3.0892, abs=1e-4)
    assert "Only n=6" in r2.note


def test_ties_in_x_drop_those_pairs_and_use_the_normal_interval() -> None:
    """x = 1, 1, 2, 3 and y = 1, 2, 3, 5: the pair at x = 1 has no slope; the other five are
    2, 2, 1, 1.5, 2, so the slope is 2 and the intercept 2.5 - 2 * 1.5 = -0.5. A tie in x
    alone is enough to rule out the exact interval."""
    r = theil_sen([1, 2, 3, 5], [1, 1, 2, 3])
    assert (r.slope, r.intercept, r.n_slopes) == (2.0, -0.5, 5)
    assert r.interval_method == "normal"
    # var S with a tied pair in x: (4*3*13 - 2*1*9)/18
    assert r.var_s == pytest.approx(138 / 18)
    with pytest.raises(MethodInputError, match="distinct x and distinct y"):
        theil_sen([1, 2, 3, 5], [1, 1, 2, 3], method="exact")


def test_auto_is_normal_beyond_ten_points_and_the_note_stops_at_eight() -> None:
    y = [float((3 * i) % 11 + i) for i in range(11)]
    r11 = theil_sen(y, list(range(11)))
    assert r11.interval_method == "normal" and r11.coverage is None
    assert "Only n=" not in theil_sen(y[:8], list(range(8))).note
    assert "Only n=7" in theil_sen(y[:7], list(range(7))).note


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1])
def test_alpha_outside_zero_one_is_refused(alpha: float) -> None:
    with pytest.raises(MethodInputError, match="alpha must be between 0 and 1"):
        theil_sen(Y5, X5, alpha=alpha)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(MethodInputError, match="method must be"):
        theil_sen(Y5, X5, method="bootstrap")  # type: ignore[arg-type]


def test_result_is_frozen_and_its_defaults_are_normal_without_coverage() -> None:
    """TheilSenResult documents interval_method "normal" and coverage None as defaults."""
    r = theil_sen(Y5, X5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.slope = 0.0  # type: ignore[misc]
    bare = TheilSenResult(slope=1.0, intercept=0.0, ci_low=None, ci_high=None,
                          conf_level=0.95, n=3, n_slopes=3, var_s=11 / 3, rank_low=0.0,
                          rank_high=4.0, x_unit="x unit", note="")
    assert bare.interval_method == "normal" and bare.coverage is None


def test_notes_name_the_confidence_asked_for() -> None:
    """The notes quote 100 (1 - alpha) %: 95% at alpha 0.05 and 90% at 0.1, in the exact
    interval's coverage note and in the normal interval's 'too small' note."""
    exact = theil_sen([1, 3, 2, 5, 4, 7], [1, 2, 3, 4, 5, 6])
    assert exact.interval_method == "exact"
    assert "at least the 95% asked for." in exact.note
    assert "at least the 90% asked for." in theil_sen(
        [1, 3, 2, 5, 4, 7], [1, 2, 3, 4, 5, 6], alpha=0.1).note
    small = theil_sen(Y5, X5, method="normal")
    assert "n=5 is too small for a 95% order-statistic interval" in small.note


def test_normal_limits_at_ranks_between_one_and_two() -> None:
    """y = x^2 on 0..5: the 15 slopes i + j sorted are 1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7,
    8, 9 and var S = 85/3. At the alpha that makes C = 12 (z = 12 / sqrt(85/3) = 2.2545,
    alpha = 0.0242) the ranks are (15 - 12)/2 = 1.5 and (15 + 12)/2 + 1 = 14.5: halfway
    between the 1st and 2nd slopes (1.5) and the 14th and 15th (8.5). Both limits exist, so
    no 'too small' note."""
    y, x = [0, 1, 4, 9, 16, 25], [0, 1, 2, 3, 4, 5]
    alpha = 2 * stats.norm.sf(12 / math.sqrt(85 / 3))
    r = theil_sen(y, x, method="normal", alpha=alpha)
    assert r.rank_low == pytest.approx(1.5) and r.rank_high == pytest.approx(14.5)
    assert r.ci_low == pytest.approx(1.5) and r.ci_high == pytest.approx(8.5)
    assert "too small" not in r.note
