"""ccs_methods.methods.trend.kendall: Mann-Kendall and stratified Mann-Kendall, worked by hand.

Written against the survivors of a mutation run of ``trend/kendall.py`` (issue 14, "Tests with
teeth"): each test pins a number, a flag or a note that a plausible slip in the module would
change. The series are small enough to count pairs on paper. S sums sign(x_j - x_i) *
sign(y_j - y_i) over pairs; var S = [n(n-1)(2n+5) - sum t(t-1)(2t+5) ...] / 18 (Kendall
1975, as in Gilbert 1987, chapter 16); tau-b = S / sqrt((n0 - n_x)(n0 - n_y)) with n0 = n(n-1)/2
and n_x, n_y the pairs tied in x and in y. Exact p-values are counted: with no ties every one
of the n! orders is equally likely and S = n(n-1)/2 only for the sorted one (Kendall 1975;
Gilbert 1987, Table A18), and the tied cases below list the orders that reach |S|.
Score with ``tools/mutation_fork.py trend/kendall.py tests/test_kendall_mutants.py
tests/test_trend.py -k "not theil_sen and not glm and not percent and not pooled and not
time_to_float and not json_safe and not auto_rule_boundaries and not reversing and not adding
and not permutation_variance"`` (test_trend.py's slow property and boundary tests and the other
methods' tests left out, to keep each mutant's run short).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.kendall import mann_kendall, stratified_mann_kendall

#: var S of four untied points: 4 * 3 * 13 / 18.
VAR4 = 26 / 3


# ----------------------------------------------------------------------------------------
# normal method on four points; the exact distribution is still used for min_attainable_p
# ----------------------------------------------------------------------------------------
def test_normal_four_points_both_directions_and_no_continuity() -> None:
    """1, 2, 3, 4: S = 6, var S = 26/3; z = (6 - 1)/sqrt(26/3) with the continuity correction,
    6/sqrt(26/3) without; p = 2 P(Z > |z|). Reversed, S = -6 and z = (-6 + 1)/sqrt(26/3)."""
    up = mann_kendall([1, 2, 3, 4], method="normal")
    assert (up.s, up.method_used, up.continuity) == (6, "normal", True)
    assert up.var_s == pytest.approx(VAR4)
    assert up.z == pytest.approx(5 / math.sqrt(VAR4))
    assert up.p_value == pytest.approx(2 * stats.norm.sf(5 / math.sqrt(VAR4)))
    assert up.p_value == pytest.approx(0.0894, abs=5e-4)  # normal table, z = 1.70
    down = mann_kendall([4, 3, 2, 1], method="normal")
    assert down.s == -6 and down.direction == "decreasing"
    assert down.z == pytest.approx(-5 / math.sqrt(VAR4))
    assert down.p_value == pytest.approx(up.p_value)
    raw = mann_kendall([1, 2, 3, 4], method="normal", continuity=False)
    assert raw.continuity is False
    assert raw.z == pytest.approx(6 / math.sqrt(VAR4))
    assert raw.p_value == pytest.approx(2 * stats.norm.sf(6 / math.sqrt(VAR4)))
    assert "continuity" not in raw.note
    assert "continuity correction" in up.note


def test_normal_method_still_reports_the_smallest_exact_p_up_to_ten_points() -> None:
    """n = 4 untied: the sorted order and its reverse are 2 of 24, so the smallest exact p is
    1/12 (>= 0.05: the note says p < 0.05 is impossible) even when the normal method is asked
    for. n = 10: 2/10!; n = 11 is beyond the exact range, so none is computed."""
    r4 = mann_kendall([1, 2, 3, 4], method="normal")
    assert r4.min_attainable_p == pytest.approx(1 / 12)
    assert "impossible" in r4.note
    r10 = mann_kendall(list(range(10)), method="normal")
    assert r10.method_used == "normal"
    assert r10.min_attainable_p == pytest.approx(2 / math.factorial(10))
    assert mann_kendall(list(range(11)), method="normal").min_attainable_p is None
    assert mann_kendall(list(range(11))).min_attainable_p is None


# ----------------------------------------------------------------------------------------
# ties in one of x and y (generating function) and in both (enumeration)
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("y", "x"), [
    ([1, 2, 3, 4], [1, 1, 2, 3]),   # a tied pair of times
    ([1, 1, 2, 3], None),           # a tied pair of values
])
def test_exact_with_one_tied_pair_in_x_or_in_y(y: list, x: list | None) -> None:
    """Four points with one tied pair: 5 untied pairs, all concordant, so S = 5 and
    tau-b = 5 / sqrt((6 - 1)(6 - 0)) = 5/sqrt(30). The 4!/2! = 12 distinct orders have
    inversion counts 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5 ((1+q+q^2)(1+q+q^2+q^3)); |S| = 5 only
    for I = 0 and I = 5, so p = 2/12 = 1/6."""
    r = mann_kendall(y, x)
    assert r.method_used == "exact" and r.z is None
    assert r.s == 5
    assert r.tau == pytest.approx(5 / math.sqrt(30))
    assert r.p_value == pytest.approx(1 / 6)
    assert r.min_attainable_p == pytest.approx(1 / 6)
    assert r.ties["n_tied_groups"] == 1
    assert "conditional on the observed ties" in r.note
    assert "tied group(s) in y" in r.note and "; tau is tau-b." in r.note
    # var S: (4*3*13 - 2*1*9) / 18 = 138/18
    assert r.var_s == pytest.approx(138 / 18)


def test_untied_exact_note_is_not_conditional() -> None:
    r = mann_kendall([1, 3, 2, 4, 5])
    assert r.ties["n_tied_groups"] == 0
    assert "conditional" not in r.note and "Ties:" not in r.note


def test_exact_with_ties_in_both_x_and_y_counted_by_hand() -> None:
    """x = 1, 1, 2, 3 and y = 1, 2, 2, 3: S = 4 (pairs 1-3, 1-4, 2-4, 3-4 concordant; 1-2 tied
    in x, 2-3 tied in y); tau-b = 4 / sqrt(5 * 5) = 0.8. var S = [156 - 18 - 18]/18 + 0 +
    (2 * 2)/(2 * 4 * 3) = 41/6. Of the 24 orders of the labelled values, S = 4 needs y = 3 at
    x = 3, a 2 at x = 2 and {1, 2} at x = 1 (2 labels x 2 orders = 4 orders); S = -4 likewise
    4; no other order reaches |S| = 4, so p = 8/24 = 1/3."""
    r = mann_kendall([1, 2, 2, 3], [1, 1, 2, 3])
    assert r.method_used == "exact"
    assert r.s == 4
    assert r.tau == pytest.approx(0.8)
    assert r.var_s == pytest.approx(41 / 6)
    assert r.p_value == pytest.approx(1 / 3)
    assert r.ties == {"y_tied_group_sizes": [2], "x_tied_group_sizes": [2],
                      "n_tied_groups": 2}
    assert "Ties: 1 tied group(s) in y, 1 in x" in r.note


def test_normal_with_ties_in_both_tau_b() -> None:
    """x = 1, 1, 2, 2, 3 (two tied pairs) and y = 1, 2, 3, 3, 3 (a triple): S counts the 8
    pairs untied in x: 1-3, 1-4, 1-5, 2-3, 2-4, 2-5 are +1, 3-5 and 4-5 are 0, so S = 6.
    n0 = 10, n_x = 2, n_y = 3: tau-b = 6 / sqrt(8 * 7)."""
    r = mann_kendall([1, 2, 3, 3, 3], [1, 1, 2, 2, 3], method="normal")
    assert r.s == 6
    assert r.tau == pytest.approx(6 / math.sqrt(56))
    assert r.ties["x_tied_group_sizes"] == [2, 2] and r.ties["n_tied_groups"] == 3


# ----------------------------------------------------------------------------------------
# limits of the exact methods
# ----------------------------------------------------------------------------------------
def test_generating_function_limit_is_sixty_points() -> None:
    """Sorted data, no ties: p = 2/n!; n = 60 is computed exactly, n = 61 is refused."""
    r = mann_kendall(list(range(60)), method="exact")
    assert r.method_used == "exact"
    assert r.p_value == pytest.approx(2 / math.factorial(60))
    with pytest.raises(MethodInputError, match="n <= 60; got n=61"):
        mann_kendall(list(range(61)), method="exact")
    with pytest.raises(MethodInputError, match="n <= 60; got n=61"):
        mann_kendall([0, 0, *range(59)], method="exact")  # ties in y only: same limit


def test_enumeration_limit_with_ties_in_both_is_nine_points() -> None:
    """x = 1, 1, 2, ..., 8 and y = 1, ..., 7, 8, 8: of the 35 pairs untied in x, all are
    concordant but the pair of 8s, so S = 34, the largest possible. It is reached only with
    {1, 2} at the tied times (2 orders) and the two 8s last (2 labels): 4 of the 9! orders.
    The ties are not symmetric: in decreasing order both 8s sit at the tied times, so S = -35
    (2 orders, the labels of the 8s), and S = -34 cannot occur (its zero pair would be the 8s
    at two times, and the earlier time shares x = 1 with a smaller value, a concordant pair).
    So p = P(|S| >= 34) = 6/9!. With a tenth point the test falls back to the normal
    approximation, and an exact test is refused."""
    x9 = [1, 1, 2, 3, 4, 5, 6, 7, 8]
    y9 = [1, 2, 3, 4, 5, 6, 7, 8, 8]
    r = mann_kendall(y9, x9)
    assert r.method_used == "exact" and r.s == 34
    assert r.p_value == pytest.approx(6 / math.factorial(9))
    x10, y10 = [*x9, 9], [*y9, 9]
    auto = mann_kendall(y10, x10)
    assert auto.method_used == "normal" and auto.min_attainable_p is None
    with pytest.raises(MethodInputError, match="limited to n <= 9; got n=10"):
        mann_kendall(y10, x10, method="exact")


# ----------------------------------------------------------------------------------------
# significance and notes at their boundaries
# ----------------------------------------------------------------------------------------
def test_p_equal_to_alpha_is_not_significant_and_test_is_impossible() -> None:
    """n = 4 sorted: p = 1/12 = the smallest attainable p. With alpha = 1/12, p < alpha is
    false and the smallest p is not below alpha, so the note says a test is impossible."""
    r = mann_kendall([1, 2, 3, 4], alpha=1 / 12)
    assert r.p_value == 1 / 12 and r.min_attainable_p == 1 / 12
    assert r.significant is False
    assert "impossible" in r.note and "Only n=" not in r.note
    assert r.alpha == 1 / 12
    r5 = mann_kendall([1, 2, 3, 4, 5])  # p = 2/120 < 0.05
    assert r5.significant is True
    assert "impossible" not in r5.note


def test_small_sample_note_stops_at_eight_points() -> None:
    """The little-power note is for n < 8 (exact p attainable: 2/7! and 2/8! < 0.05)."""
    assert "Only n=7 points" in mann_kendall([1, 2, 3, 5, 4, 6, 7]).note
    assert "Only n=" not in mann_kendall([1, 2, 3, 5, 4, 6, 7, 8]).note


# ----------------------------------------------------------------------------------------
# stratified Mann-Kendall
# ----------------------------------------------------------------------------------------
def _three_strata() -> pd.DataFrame:
    return pd.DataFrame({
        "st": ["a"] * 4 + ["b"] * 3 + ["c"] * 3,
        "x": [1, 2, 3, 4, 1, 2, 3, 1, 2, 3],
        "y": [1, 3, 2, 4, 3, 2, 1, 5, 5, 5],
    })


def test_stratified_by_hand_with_a_flat_stratum() -> None:
    """a: 1, 3, 2, 4 -> S = 4 (one discordant pair), var 26/3. b: 3, 2, 1 -> S = -3, var
    3 * 2 * 11 / 18 = 11/3. c: 5, 5, 5 -> S = 0, var (66 - 66)/18 = 0, z = 0, no tau.
    Pooled S = 1, var S = 37/3: with the continuity correction z = (1 - 1)/sqrt(37/3) = 0 and
    p = 1; without, z = 1/sqrt(37/3). Per stratum with the correction: z_a = 3/sqrt(26/3),
    z_b = -2/sqrt(11/3). van Belle-Hughes uses uncorrected z: 4/sqrt(26/3), -3/sqrt(11/3), 0;
    chi2 = 48/26 + 27/11 - 3 * mean^2 on 2 df, whose tail is exp(-chi2/2)."""
    d = _three_strata()
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    assert (r.n_strata, r.n, r.s) == (3, 10, 1)
    assert r.var_s == pytest.approx(37 / 3)
    assert r.z == 0.0 and r.p_value == 1.0
    a, b, c = r.per_stratum
    assert [e["stratum"] for e in r.per_stratum] == ["a", "b", "c"]
    assert (a["n"], a["s"], b["s"], c["s"]) == (4, 4, -3, 0)
    assert a["var_s"] == pytest.approx(26 / 3) and b["var_s"] == pytest.approx(11 / 3)
    assert a["tau"] == pytest.approx(4 / 6) and b["tau"] == pytest.approx(-1.0)
    assert c["var_s"] == 0.0 and c["z"] == 0.0 and c["tau"] is None and c["p_value"] == 1.0
    assert a["z"] == pytest.approx(3 / math.sqrt(26 / 3))
    assert b["z"] == pytest.approx(-2 / math.sqrt(11 / 3))
    assert a["p_value"] == pytest.approx(2 * stats.norm.sf(3 / math.sqrt(26 / 3)))
    za, zb = 4 / math.sqrt(26 / 3), -3 / math.sqrt(11 / 3)
    chi2 = 48 / 26 + 27 / 11 - 3 * ((za + zb) / 3) ** 2
    assert r.homogeneity["df"] == 2
    assert r.homogeneity["chi2"] == pytest.approx(chi2)
    assert r.homogeneity["p_value"] == pytest.approx(math.exp(-chi2 / 2))
    assert r.continuity is True
    raw = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y",
                                  continuity=False)
    assert raw.continuity is False
    assert raw.z == pytest.approx(1 / math.sqrt(37 / 3))
    assert raw.p_value == pytest.approx(2 * stats.norm.sf(1 / math.sqrt(37 / 3)))
    assert raw.per_stratum[1]["z"] == pytest.approx(zb)
    assert raw.homogeneity["chi2"] == pytest.approx(chi2)


def test_stratified_negative_pooled_s_with_continuity() -> None:
    """Strata b (3, 2, 1) and b2 (3, 1, 2): S = -3 and -1, var 11/3 each; pooled S = -4,
    z = (-4 + 1)/sqrt(22/3). Two strata: chi2 on 1 df."""
    d = pd.DataFrame({"st": ["b"] * 3 + ["b2"] * 3, "x": [1, 2, 3] * 2,
                      "y": [3, 2, 1, 3, 1, 2]})
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    assert r.s == -4
    assert r.z == pytest.approx(-3 / math.sqrt(22 / 3))
    assert r.p_value == pytest.approx(2 * stats.norm.sf(3 / math.sqrt(22 / 3)))
    assert r.per_stratum[1]["z"] == 0.0  # S = -1: (-1 + 1)/sqrt(11/3)
    z1, z2 = -3 / math.sqrt(11 / 3), -1 / math.sqrt(11 / 3)
    chi2 = z1**2 + z2**2 - 2 * ((z1 + z2) / 2) ** 2  # = (z1 - z2)^2 / 2
    assert r.homogeneity["df"] == 1
    assert r.homogeneity["chi2"] == pytest.approx(chi2)
    assert r.homogeneity["p_value"] == pytest.approx(stats.chi2.sf(chi2, 1))


def test_stratified_missing_label_names_its_row() -> None:
    d = _three_strata().astype({"st": object})
    d.loc[4, "st"] = None  # the fifth row
    with pytest.raises(MethodInputError, match="missing stratum") as err:
        stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    assert err.value.row == 5 and err.value.column == "st"


def test_stratified_with_every_stratum_flat_is_no_evidence_not_a_crash() -> None:
    """Every stratum constant: each S_k = 0 with var 0 (z_k = 0 by the per-stratum rule), so
    the pooled S = 0 and var S = 0. This divided by zero (ZeroDivisionError) before; now
    z = 0, p = 1 and the homogeneity chi2 is 0 on 1 df (p = 1)."""
    d = pd.DataFrame({"st": ["a"] * 3 + ["b"] * 3, "x": [1, 2, 3] * 2,
                      "y": [2, 2, 2, 3, 3, 3]})
    for continuity in (True, False):
        r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y",
                                    continuity=continuity)
        assert (r.s, r.var_s, r.z, r.p_value) == (0, 0.0, 0.0, 1.0)
        assert r.homogeneity == {"chi2": 0.0, "df": 1, "p_value": 1.0}


def test_stratified_tau_b_with_three_tied_times_or_values() -> None:
    """p: x = 1, 1, 1, 2, 3 and y = 1..5; q: x = 1..5 and y = 1, 1, 1, 2, 3. In each, the 3
    pairs inside the triple are 0 and the other 7 concordant: S = 7, tau-b = 7 / sqrt((10 -
    3)(10 - 0)) = sqrt(0.7), var S = (5 * 4 * 15 - 3 * 2 * 11)/18 = 13."""
    d = pd.DataFrame({"st": ["p"] * 5 + ["q"] * 5,
                      "x": [1, 1, 1, 2, 3, 1, 2, 3, 4, 5],
                      "y": [1, 2, 3, 4, 5, 1, 1, 1, 2, 3]})
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    for e in r.per_stratum:
        assert e["s"] == 7 and e["var_s"] == pytest.approx(13.0)
        assert e["tau"] == pytest.approx(math.sqrt(0.7))
        assert e["z"] == pytest.approx(6 / math.sqrt(13))


def test_s_of_one_and_minus_one_have_a_direction() -> None:
    """1, 3, 2: pairs +, +, - so S = 1 (increasing); 3, 1, 2: -, -, + so S = -1."""
    assert mann_kendall([1, 3, 2]).direction == "increasing"
    assert mann_kendall([3, 1, 2]).direction == "decreasing"


def test_stratum_with_s_of_one_gets_z_zero_with_continuity_and_result_is_frozen() -> None:
    """Stratum 1, 3, 2: S = 1, var 11/3, so (1 - 1)/sqrt(11/3) = 0 with the correction and
    1/sqrt(11/3) without; stratum 1, 2, 3: S = 3."""
    d = pd.DataFrame({"st": ["a"] * 3 + ["b"] * 3, "x": [1, 2, 3] * 2,
                      "y": [1, 3, 2, 1, 2, 3]})
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    assert r.per_stratum[0]["s"] == 1 and r.per_stratum[0]["z"] == 0.0
    raw = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y", continuity=False)
    assert raw.per_stratum[0]["z"] == pytest.approx(1 / math.sqrt(11 / 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.s = 0  # type: ignore[misc]


def test_var_s_of_the_smallest_and_of_fully_tied_samples() -> None:
    """Kendall (1975) var S: n = 2 untied gives 2 * 1 * 9 / 18 = 1 (the (t - 2) term has no
    room: 9 n (n - 1) (n - 2) = 0 is never divided by). n = 3 with every x and every y tied:
    S is always 0, so var S = 0 = (66 - 66 - 66)/18 + (6 * 6)/(9 * 6) + (6 * 6)/(2 * 6),
    which needs the three-way tie term 2/3."""
    from ccs_methods.methods.trend.kendall_distribution import _var_s

    none = np.array([], dtype=np.int64)
    assert _var_s(2, none, none) == pytest.approx(1.0)
    three = np.array([3])
    assert _var_s(3, three, three) == pytest.approx(0.0, abs=1e-12)


def test_two_sided_exact_p_is_capped_at_one() -> None:
    """Probabilities c/30 for counts 1, 8, 4, 7, 7, 3 add up, in floating point, to
    1.0000000000000002; a p-value over every outcome is 1, not more."""
    from ccs_methods.methods.trend.kendall_distribution import _two_sided_exact_p

    counts = {-5: 1, -3: 8, -1: 4, 1: 7, 3: 7, 5: 3}
    dist = {s: c / 30 for s, c in counts.items()}
    assert sum(dist.values()) > 1.0  # the rounding the cap is for
    assert _two_sided_exact_p(dist, 1) == 1.0
    assert _two_sided_exact_p(dist, 5) == pytest.approx(4 / 30)
