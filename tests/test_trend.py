"""Tests for ccs_methods.methods.trend: Mann-Kendall, Theil-Sen, GLM trend, pooled trends."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend import (
    glm_trend,
    mann_kendall,
    percent_change,
    pooled_trend,
    stratified_mann_kendall,
    theil_sen,
)
from ccs_methods.methods.trend.common import time_to_float

DATA = Path(__file__).parent / "data"


def _strict_json(d: dict) -> str:
    return json.dumps(d, allow_nan=False)


@pytest.fixture(scope="module")
def sodium() -> pd.DataFrame:
    return pd.read_csv(DATA / "epa2009_ex17_7_sodium.csv")


# ----------------------------------------------------------------------------------------
# Mann-Kendall: published examples
# ----------------------------------------------------------------------------------------
def test_mann_kendall_normal_matches_envstats_epa_example_17_7(sodium: pd.DataFrame) -> None:
    """USEPA (2009) Unified Guidance Example 17-7 as run by EnvStats::kendallTrendTest.

    Published output (EnvStats, reproducing the Guidance): tau = 0.5555556,
    z = 2.146625 (continuity-corrected), p = 0.03182313, n = 10.
    """
    r = mann_kendall(sodium["sodium_ppm"], sodium["year"], method="normal")
    assert r.n == 10
    assert r.s == 25
    assert r.var_s == pytest.approx(125.0)
    assert r.tau == pytest.approx(0.5555556, rel=1e-6)
    assert r.z == pytest.approx(2.146625, rel=1e-6)
    assert r.p_value == pytest.approx(0.03182313, rel=1e-6)
    assert r.method_used == "normal"


def test_mann_kendall_exact_matches_scipy_kendalltau_exact(sodium: pd.DataFrame) -> None:
    """Cross-check: exact p equals scipy.stats.kendalltau(method='exact') (no ties)."""
    r = mann_kendall(sodium["sodium_ppm"], sodium["year"])
    ref = stats.kendalltau(sodium["year"], sodium["sodium_ppm"], method="exact")
    assert r.method_used == "exact"
    assert r.z is None
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert r.tau == pytest.approx(ref.statistic, rel=1e-12)


def test_mann_kendall_seasonal_nottem_trend_vignette() -> None:
    """Pohlert, vignette of R package `trend`, Seasonal Mann-Kendall test on `nottem`.

    Published: August S = 80 (p = 0.009), September S = 67 (p = 0.029), whole series
    S = 224 (p = 0.036). The per-season p-values printed there are without continuity
    correction; the whole-series p is 0.036 either way.
    """
    d = pd.read_csv(DATA / "nottem.csv")
    r = stratified_mann_kendall(d, stratum_col="month", x_col="year", y_col="temp_f",
                                continuity=False)
    by_month = {e["stratum"]: e for e in r.per_stratum}
    assert by_month[8]["s"] == 80
    assert by_month[9]["s"] == 67
    assert round(by_month[8]["p_value"], 3) == 0.009
    assert round(by_month[9]["p_value"], 3) == 0.029
    assert r.s == 224
    assert round(r.p_value, 3) == 0.036
    rc = stratified_mann_kendall(d, stratum_col="month", x_col="year", y_col="temp_f")
    assert rc.s == 224 and round(rc.p_value, 3) == 0.036
    # each stratum alone through mann_kendall(normal) gives the same S and variance
    aug = d[d["month"] == 8]
    mk = mann_kendall(aug["temp_f"], aug["year"], method="normal", continuity=False)
    assert mk.s == 80 and mk.var_s == pytest.approx(by_month[8]["var_s"])


def test_mann_kendall_tied_worked_example_holy_cross() -> None:
    """A published worked example with a tie: J. Little, "A Mann-Kendall Example ('By
    Hand')", College of the Holy Cross,
    https://mathcs.holycross.edu/~little/Montserrat/MannKendallByHand.txt.

    Fourteen values with one pair of equal values (12.9 twice): 91 pairs, 72 increases, 18
    decreases and 1 tie, so S = 54; V = [(14)(13)(33) - (2)(1)(9)] / 18; Z = (S - 1)/sqrt(V)
    = 2.9058; one-sided p about .0018 (normal table), so two-sided about .0037.
    """
    y = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7]
    r = mann_kendall(y, method="normal")
    assert r.s == 54 and r.ties["y_tied_group_sizes"] == [2]
    assert r.var_s == pytest.approx((14 * 13 * 33 - 2 * 1 * 9) / 18)
    assert round(r.z, 4) == 2.9058
    assert round(r.p_value / 2, 4) == 0.0018
    assert mann_kendall(y).method_used == "normal"  # n = 14 > 10: the auto rule agrees


def test_exact_small_n_kendall_table_values() -> None:
    """Kendall (1975) / Gilbert (1987, Table A18) exact probabilities of S for small n.

    With no ties P(S = n(n-1)/2) = 1/n!: n = 4, S = 6 -> one-sided 1/24 = 0.0417 (two-sided
    0.0833); n = 5, S = 10 -> 1/120 = 0.0083 (two-sided 0.0167); n = 5, S = 8 -> 5/120 =
    0.0417 one-sided.
    """
    r4 = mann_kendall([1, 2, 3, 4])
    assert r4.p_value == pytest.approx(2 / 24)
    assert r4.min_attainable_p == pytest.approx(2 / 24)
    assert not r4.significant
    assert "impossible" in r4.note
    r5 = mann_kendall([10, 20, 30, 40, 50])
    assert r5.p_value == pytest.approx(2 / 120)
    r5b = mann_kendall([10, 30, 20, 40, 50])  # one discordant pair -> S = 8
    assert r5b.s == 8
    assert r5b.p_value == pytest.approx(2 * 5 / 120)


def test_exact_with_ties_equals_brute_force_enumeration() -> None:
    """The generating-function distribution with ties equals enumerating all n! orders."""
    y = np.array([3.0, 1.0, 2.0, 2.0, 5.0, 3.0, 3.0])
    r = mann_kendall(y)
    s_obs = r.s
    count = 0
    total = 0
    for perm in itertools.permutations(range(7)):
        yp = y[list(perm)]
        s = sum(np.sign(yp[j] - yp[i]) for i in range(7) for j in range(i + 1, 7))
        total += 1
        count += abs(s) >= abs(s_obs)
    assert r.p_value == pytest.approx(count / total, rel=1e-12)
    assert r.ties["y_tied_group_sizes"] == [2, 3]
    # ties in x only: same distribution by symmetry; ties in both: enumeration path
    r_x = mann_kendall(np.arange(7.0), x=y)  # ties now in x
    assert r_x.p_value == pytest.approx(r.p_value, rel=1e-12)
    xb = np.array([2017, 2017, 2018, 2019, 2020, 2020], dtype=float)
    yb = np.array([1, 2, 2, 3, 4, 4], dtype=float)
    r_both = mann_kendall(yb, x=xb)
    assert r_both.method_used == "exact"
    # independent expectation: all 6! arrangements of y against the fixed x, pairs tied in
    # x (or y) scoring 0, P(|S| >= |S_obs|) counted directly
    s_both = sum(np.sign(xb[j] - xb[i]) * np.sign(yb[j] - yb[i])
                 for i in range(6) for j in range(i + 1, 6))
    assert r_both.s == s_both == 12
    hits = 0
    perms = list(itertools.permutations(range(6)))
    for perm in perms:
        yp = yb[list(perm)]
        sp = sum(np.sign(xb[j] - xb[i]) * np.sign(yp[j] - yp[i])
                 for i in range(6) for j in range(i + 1, 6))
        hits += abs(sp) >= abs(s_both)
    assert r_both.p_value == pytest.approx(hits / len(perms), rel=1e-12)


def test_normal_var_with_ties_matches_trend_package_formula() -> None:
    """Tie-corrected var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5)]/18 (R trend::mk.test)."""
    y = [5, 5, 6, 7, 7, 7, 9, 10, 12, 12, 13, 14]
    r = mann_kendall(y, method="normal")
    n = 12
    expected = (n * (n - 1) * (2 * n + 5) - (2 * 1 * 9 + 3 * 2 * 11 + 2 * 1 * 9)) / 18
    assert r.var_s == pytest.approx(expected)
    ref = stats.kendalltau(np.arange(n), y)  # tau-b
    assert r.tau == pytest.approx(ref.statistic, rel=1e-12)


def _permutation_s(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """S for every one of the n! arrangements of y against fixed x (brute force)."""
    perms = np.array(list(itertools.permutations(range(len(y)))))
    yp = y[perms]  # (n!, n)
    iu, ju = np.triu_indices(len(y), k=1)
    return np.sum(np.sign(x[ju] - x[iu]) * np.sign(yp[:, ju] - yp[:, iu]), axis=1)


def _permutation_var_s(x: np.ndarray, y: np.ndarray) -> float:
    """Var(S) under H0 by brute force: the mean of S^2 over every arrangement (E[S] = 0)."""
    return float(np.mean(_permutation_s(x, y).astype(float) ** 2))


@pytest.mark.parametrize(("x", "y"), [
    # groups of 3 and 2 in both x and y: every term of Kendall's (1975) formula is non-zero
    ([1, 1, 1, 2, 2, 3, 4, 5], [3, 3, 3, 1, 1, 2, 4, 5]),
    # ties in x only (3 and 2), y untied: the x tie term alone
    ([1, 1, 1, 2, 2, 3, 4, 5], [2, 7, 1, 8, 3, 6, 4, 5]),
    # a group of 4 in x, groups of 3 and 2 in y
    ([1, 1, 1, 1, 2, 3, 4], [5, 5, 5, 2, 2, 9, 1]),
])
def test_var_s_with_ties_in_x_and_y_equals_permutation_variance(x: list, y: list) -> None:
    """Kendall's tie-corrected var(S) is the exact variance of S over all n! arrangements
    (Kendall 1975, ch. 4), so enumerating them is an independent check of every term."""
    xv, yv = np.array(x, dtype=float), np.array(y, dtype=float)
    r = mann_kendall(yv, xv, method="normal")
    assert r.var_s == pytest.approx(_permutation_var_s(xv, yv), rel=1e-12)
    assert r.z == pytest.approx((r.s - np.sign(r.s)) / math.sqrt(r.var_s), rel=1e-12)
    ref = stats.kendalltau(xv, yv)  # tau-b with ties on both sides
    assert r.tau == pytest.approx(ref.statistic, rel=1e-12)


def test_exact_enumeration_with_asymmetric_ties_in_both_equals_brute_force() -> None:
    """Ties in x (a group of 3) and y (2 and 2), not mirror-symmetric, so the null distribution of
    S is not symmetric: the exact p and the smallest attainable p by enumerating all 7!
    arrangements of y against x (pairs tied in x or y scoring 0)."""
    x = np.array([1, 1, 1, 2, 3, 4, 5], dtype=float)
    y = np.array([1, 2, 2, 3, 5, 5, 4], dtype=float)
    r = mann_kendall(y, x)
    assert r.method_used == "exact"
    sx = np.sign(x[None, :] - x[:, None])
    values, counts = np.unique(_permutation_s(x, y), return_counts=True)
    dist = {int(v): int(c) for v, c in zip(values, counts, strict=True)}
    total = sum(dist.values())
    assert r.s == int(np.sum(np.triu(sx * np.sign(y[None, :] - y[:, None]), k=1)))
    assert r.p_value == pytest.approx(
        sum(c for s, c in dist.items() if abs(s) >= abs(r.s)) / total, rel=1e-12)
    s_max = max(abs(s) for s in dist)
    assert r.min_attainable_p == pytest.approx(
        sum(c for s, c in dist.items() if abs(s) >= s_max) / total, rel=1e-12)
    # the premise: the distribution is not symmetric about 0
    assert any(dist.get(k, 0) != dist.get(-k, 0) for k in dist)


@pytest.mark.parametrize(("ties", "n"), [([], 6), ([2, 3], 7), ([4], 6)])
def test_exact_distribution_equals_enumeration(ties: list[int], n: int) -> None:
    """The whole q-multinomial null distribution of S (not only its tails) equals counting S
    over all n! arrangements of a y with those tie groups against an untied x."""
    from ccs_methods.methods.trend.kendall_distribution import _exact_s_distribution_untied_x

    y, v = [], 0.0
    for t in ties:
        y += [v] * t
        v += 1
    y += [v + k for k in range(n - len(y))]
    values, counts = np.unique(_permutation_s(np.arange(float(n)), np.array(y)),
                               return_counts=True)
    expected = {int(a): c / counts.sum() for a, c in zip(values, counts, strict=True)}
    got = _exact_s_distribution_untied_x(ties, n)
    assert set(got) == set(expected)
    for k, prob in expected.items():
        assert got[k] == pytest.approx(prob, rel=1e-12)


def test_auto_rule_boundaries() -> None:
    """Exact up to n = 10; with ties in both x and y the enumeration stops at n = 9."""
    rng = np.random.default_rng(11)
    assert mann_kendall(rng.permutation(11).astype(float)).method_used == "normal"
    assert mann_kendall(rng.permutation(10).astype(float)).method_used == "exact"
    x10 = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    y10 = [3, 3, 1, 2, 5, 4, 6, 8, 7, 9]
    assert mann_kendall(y10, x10).method_used == "normal"
    assert mann_kendall(y10[:9], x10[:9]).method_used == "exact"
    with pytest.raises(MethodInputError, match="limited to n <= 9; got n=10"):
        mann_kendall(y10, x10, method="exact")


def test_s_equal_zero_is_no_change() -> None:
    r = mann_kendall([2, 4, 1, 3])  # pairs + - + - - +: S = 0
    assert r.s == 0 and r.direction == "no change" and r.tau == 0.0 and r.p_value == 1.0
    assert mann_kendall([1, 3, 2, 4]).direction == "increasing"
    assert mann_kendall([4, 2, 3, 1]).direction == "decreasing"
    # the normal path at S = 0: z = 0 (no continuity shift), p = 1
    z0 = mann_kendall(list(range(6)) + list(range(6))[::-1] + [2.5], method="normal")
    assert z0.s == 0 and z0.z == 0.0 and z0.p_value == 1.0


def test_stratified_per_stratum_tau_b_and_homogeneity_by_hand() -> None:
    """Per-stratum tau-b (ties in x and y) equals scipy's; the van Belle-Hughes chi-squared
    sum Z_k^2 - K mean(Z)^2 on K - 1 df is recomputed from the per-stratum S and var S."""
    d = pd.DataFrame({
        "st": ["a"] * 6 + ["b"] * 5 + ["c"] * 4,
        "x": [1, 1, 2, 3, 3, 4, 1, 2, 3, 4, 5, 1, 2, 3, 4],
        "y": [2, 2, 3, 3, 5, 6, 9, 7, 7, 4, 1, 3, 1, 4, 2],
    })
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y", continuity=False)
    zs = []
    for e, (_, g) in zip(r.per_stratum, d.groupby("st", sort=False), strict=True):
        ref = stats.kendalltau(g["x"], g["y"])
        assert e["tau"] == pytest.approx(ref.statistic, rel=1e-12)
        xv, yv = g["x"].to_numpy(float), g["y"].to_numpy(float)
        assert e["var_s"] == pytest.approx(_permutation_var_s(xv, yv), rel=1e-12)
        assert e["z"] == pytest.approx(e["s"] / math.sqrt(e["var_s"]), rel=1e-12)
        zs.append(e["s"] / math.sqrt(e["var_s"]))
    chi2 = sum(z * z for z in zs) - 3 * (sum(zs) / 3) ** 2
    assert r.homogeneity["df"] == 2
    assert r.homogeneity["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert r.homogeneity["p_value"] == pytest.approx(math.exp(-chi2 / 2), rel=1e-12)  # chi2_2
    assert r.s == sum(e["s"] for e in r.per_stratum)
    assert r.n_strata == 3 and r.n == 15
    assert r.z == pytest.approx(r.s / math.sqrt(r.var_s), rel=1e-12)
    rc = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    sgn = np.sign(rc.s)
    assert rc.z == pytest.approx((rc.s - sgn) / math.sqrt(rc.var_s), rel=1e-12)
    a = next(e for e in rc.per_stratum if e["stratum"] == "a")
    assert a["z"] == pytest.approx((a["s"] - np.sign(a["s"])) / math.sqrt(a["var_s"]))


def test_stratified_three_point_strata_and_bad_input() -> None:
    d = pd.DataFrame({"st": ["a"] * 3 + ["b"] * 3, "x": [1, 2, 3] * 2, "y": [1, 2, 3, 3, 2, 1]})
    r = stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="y")
    assert [e["n"] for e in r.per_stratum] == [3, 3] and r.s == 0
    assert r.per_stratum[0]["var_s"] == pytest.approx(3 * 2 * 11 / 18)
    with pytest.raises(MethodInputError, match="stratum 'b' has 2 point"):
        stratified_mann_kendall(d.iloc[:5], stratum_col="st", x_col="x", y_col="y")
    with pytest.raises(MethodInputError, match="at least 2 strata"):
        stratified_mann_kendall(d.iloc[:3], stratum_col="st", x_col="x", y_col="y")
    with pytest.raises(MethodInputError, match="column 'z' not found"):
        stratified_mann_kendall(d, stratum_col="st", x_col="x", y_col="z")
    bad = d.astype({"st": object})
    bad.loc[4, "st"] = None
    with pytest.raises(MethodInputError, match="missing stratum"):
        stratified_mann_kendall(bad, stratum_col="st", x_col="x", y_col="y")


@pytest.mark.parametrize(("date", "expected"), [
    ("2021-01-01", 2021.0),
    ("2020-07-01", 2020 + 182 / 366),   # leap year: day 183 of 366
    ("2019-12-31", 2019 + 364 / 365),
    ("2019-03-01", 2019 + 59 / 365),
])
def test_time_to_float_decimal_year(date: str, expected: float) -> None:
    """Dates become year + (day of year - 1) / days in that year, computed by hand."""
    v, unit = time_to_float([date, "2030-01-01"])
    assert unit == "year" and v[0] == pytest.approx(expected, abs=1e-12) and v[1] == 2030.0
    nums, u = time_to_float(["1", "2.5"])
    assert u == "x unit" and nums.tolist() == [1.0, 2.5]
    with pytest.raises(MethodInputError, match="missing date at position 2"):
        time_to_float(pd.Series([pd.Timestamp("2020-01-01"), pd.NaT]))
    with pytest.raises(MethodInputError, match="not booleans"):
        time_to_float([True, False])


def test_json_safe_and_as_float_array_edges() -> None:
    """json_safe turns numpy / pandas values into plain JSON ones (NaN to None) and falls back
    to str; as_float_array accepts a single value by default; time_to_float reads a one-shot
    iterator of years as numbers (not as nanosecond timestamps)."""
    from pathlib import PurePosixPath

    from ccs_methods.methods.trend.common import as_float_array, json_safe

    got = json_safe({"a": np.int64(3), "b": np.float64("nan"), "c": (np.bool_(True), None),
                     "d": pd.Timestamp("2020-01-02"), 5: np.array([1.5, np.inf]),
                     "e": PurePosixPath("x/y"), "f": "text", "g": False})
    assert got == {"a": 3, "b": None, "c": [True, None], "d": "2020-01-02 00:00:00",
                   "5": [1.5, None], "e": "x/y", "f": "text", "g": False}
    assert type(got["a"]) is int and type(got["c"][0]) is bool
    assert json_safe(None) is None
    _strict_json(got)
    assert as_float_array([5], "v").tolist() == [5.0]
    with pytest.raises(MethodInputError, match="needs at least 2"):
        as_float_array([5], "v", min_n=2)
    years, unit = time_to_float(iter([2019, 2020]))
    assert years.tolist() == [2019.0, 2020.0] and unit == "x unit"


def test_theil_sen_exact_interval_limit_is_60_points() -> None:
    y = np.arange(61.0) + np.sin(np.arange(61.0))
    with pytest.raises(MethodInputError, match="n <= 60; got n=61"):
        theil_sen(y, np.arange(61.0), method="exact")
    assert theil_sen(y[:60], np.arange(60.0), method="exact").coverage is not None
    assert theil_sen(y, np.arange(61.0)).coverage is None  # normal interval beyond 10


def test_mann_kendall_auto_rule_and_dates() -> None:
    y = list(range(12))
    assert mann_kendall(y).method_used == "normal"
    assert mann_kendall(y[:10]).method_used == "exact"
    dates = pd.date_range("2017-04-01", periods=5, freq="YS-APR")
    r = mann_kendall([5, 4, 3, 2, 1], dates)
    assert r.s == -10 and r.direction == "decreasing"


def test_mann_kendall_to_dict_is_strict_json() -> None:
    r = mann_kendall([3, 1, 4, 1, 5, 9, 2, 6])
    d = r.to_dict()
    _strict_json(d)
    assert set(d) >= {"n", "s", "var_s", "tau", "p_value", "method_used", "z", "ties", "note"}


# ----------------------------------------------------------------------------------------
# Mann-Kendall: properties
# ----------------------------------------------------------------------------------------
series = st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=14).filter(
    lambda v: len(set(v)) > 1
)


@settings(max_examples=60, deadline=None)
@given(series)
def test_reversing_flips_sign_of_s_and_tau(y: list[int]) -> None:
    a = mann_kendall(y)
    b = mann_kendall(y[::-1])
    assert b.s == -a.s
    assert b.tau == pytest.approx(-a.tau)
    assert b.p_value == pytest.approx(a.p_value)


@settings(max_examples=60, deadline=None)
@given(series, st.integers(min_value=-1000, max_value=1000))
def test_adding_a_constant_leaves_mk_unchanged(y: list[int], c: int) -> None:
    a = mann_kendall(y)
    b = mann_kendall([v + c for v in y])
    assert (a.s, a.var_s, a.p_value, a.tau) == (b.s, b.var_s, b.p_value, b.tau)


# ----------------------------------------------------------------------------------------
# Mann-Kendall: bad input
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("y", "x", "match"),
    [
        ([1, 2], None, "at least 3"),
        ([4, 4, 4, 4], None, "equal"),
        ([1, float("nan"), 3], None, "position 2"),
        ([1, 2, 3], [1, 2], "same length"),
        ([1, 2, 3], [2020, 2020, 2020], "one distinct"),
        (["a", "b", "c"], None, "numbers"),
    ],
)
def test_mann_kendall_bad_input(y: list, x: list | None, match: str) -> None:
    with pytest.raises(MethodInputError, match=match):
        mann_kendall(y, x)


def test_mann_kendall_alpha_bounds_two_times_and_frozen_result() -> None:
    for alpha in (0.0, 1.0, 1.5):
        with pytest.raises(MethodInputError, match="alpha must be between 0 and 1"):
            mann_kendall([1, 2, 3], alpha=alpha)
    r = mann_kendall([1, 2, 3, 4], x=[2020, 2020, 2021, 2021])  # two distinct times suffice
    assert r.s == 4 and r.ties["x_tied_group_sizes"] == [2, 2]
    with pytest.raises(AttributeError):
        r.s = 0  # type: ignore[misc]


def test_mann_kendall_bad_method() -> None:
    with pytest.raises(MethodInputError, match="method must be"):
        mann_kendall([1, 2, 3], method="bootstrap")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------
# Theil-Sen
# ----------------------------------------------------------------------------------------
def test_theil_sen_matches_envstats_epa_example_17_7(sodium: pd.DataFrame) -> None:
    """USEPA (2009) Example 17-7 / 21-8 via EnvStats::kendallTrendTest.

    Published: slope = 1.3333333, intercept (Conover) = -65.9666667, 95% CI (Gilbert's
    modification of Theil/Sen) LCL = 0.3992083, UCL = 2.3333333; the Guidance itself
    reports slope 1.33 with CI [0.40, 2.33].
    """
    r = theil_sen(sodium["sodium_ppm"], sodium["year"], method="normal")
    assert r.slope == pytest.approx(1.3333333, rel=1e-6)
    assert r.intercept == pytest.approx(-65.9666667, rel=1e-6)
    assert r.ci_low == pytest.approx(0.3992083, rel=1e-6)
    assert r.ci_high == pytest.approx(2.3333333, rel=1e-6)
    assert r.n == 10 and r.n_slopes == 45
    assert r.interval_method == "normal" and r.coverage is None


def _exact_interval_by_enumeration(n: int, alpha: float = 0.05):
    """Exact order-statistic ranks and coverage by enumerating all n! orderings.

    Hollander & Wolfe (1999, section 9.4) / Gilbert (1987, section 16.5): with k the
    smallest |S| value whose two-sided tail P(|S| >= k) <= alpha, the interval is
    [Q_(M), Q_(N+1-M)], M = (N - k)/2 + 1, with coverage 1 - P(|S| >= k).
    """
    s_values = []
    for perm in itertools.permutations(range(n)):
        s_values.append(sum(np.sign(perm[j] - perm[i]) for i in range(n)
                            for j in range(i + 1, n)))
    s_values = np.abs(np.array(s_values))
    n_slopes = n * (n - 1) // 2
    for k in sorted(set(s_values[s_values > 0].tolist())):
        tail = float(np.mean(s_values >= k))
        if tail <= alpha:
            m = (n_slopes - k) // 2 + 1
            return m, n_slopes + 1 - m, 1 - tail
    return None


def test_theil_sen_exact_interval_small_n_matches_enumeration(sodium: pd.DataFrame) -> None:
    """n <= 10 without ties: order statistics from the exact distribution of S.

    Hollander & Wolfe (1999) Nonparametric Statistical Methods, section 9.4; the coverage
    is checked against an enumeration of all n! orderings (n = 5, 6, 7) and, for n = 5,
    against the closed form 1 - 2/5! for [smallest slope, largest slope].
    """
    y5, x5 = [10, 14, 12, 19, 23], [2018, 2019, 2020, 2021, 2022]
    r5 = theil_sen(y5, x5)
    slopes5 = sorted((y5[j] - y5[i]) / (x5[j] - x5[i]) for i in range(5)
                     for j in range(i + 1, 5))
    assert r5.interval_method == "exact"
    assert (r5.ci_low, r5.ci_high) == (slopes5[0], slopes5[-1])
    assert r5.coverage == pytest.approx(1 - 2 / math.factorial(5))
    for n in (5, 6, 7):
        y = [float((3 * i) % 11 + i) for i in range(n)]
        r = theil_sen(y, list(range(n)))
        lo_rank, hi_rank, cover = _exact_interval_by_enumeration(n)
        slopes = sorted((y[j] - y[i]) / (j - i) for i in range(n) for j in range(i + 1, n))
        assert (r.rank_low, r.rank_high) == (lo_rank, hi_rank)
        assert (r.ci_low, r.ci_high) == (slopes[lo_rank - 1], slopes[hi_rank - 1])
        assert r.coverage == pytest.approx(cover, rel=1e-12)
        assert r.coverage >= 0.95
    # the EPA data (n = 10, no ties) by the exact rule: ranks 12 and 34, coverage >= 95%
    ex = theil_sen(sodium["sodium_ppm"], sodium["year"])
    assert ex.interval_method == "exact" and ex.coverage >= 0.95
    assert (ex.rank_low, ex.rank_high) == (12.0, 34.0)
    # ties fall back to the documented normal approach
    tied = theil_sen([1, 2, 2, 4, 5], [1, 2, 3, 4, 5])
    assert tied.interval_method == "normal"
    with pytest.raises(MethodInputError, match="distinct"):
        theil_sen([1, 2, 2, 4, 5], [1, 2, 3, 4, 5], method="exact")


def test_theil_sen_slope_and_intercept_match_scipy(sodium: pd.DataFrame) -> None:
    """Cross-check against scipy.stats.theilslopes (same estimator, Conover intercept)."""
    ref = stats.theilslopes(sodium["sodium_ppm"], sodium["year"])
    r = theil_sen(sodium["sodium_ppm"], sodium["year"])
    assert r.slope == pytest.approx(ref.slope)
    assert r.intercept == pytest.approx(ref.intercept)


def test_theil_sen_on_dates_gives_per_year_slope() -> None:
    dates = ["2017-04-01", "2018-04-01", "2019-04-01", "2020-04-01", "2021-04-01"]
    r = theil_sen([100, 150, 200, 250, 300], dates)
    assert r.x_unit == "year"
    assert r.slope == pytest.approx(50.0, rel=2e-3)  # leap year makes one gap 366 days


def test_theil_sen_small_n_interval_is_open() -> None:
    """n = 4: even [min, max slope] covers only 1 - 2/4! = 0.917 < 95%, so no limits."""
    r = theil_sen([1, 3, 2, 5], [1, 2, 3, 4])
    assert r.ci_low is None and r.ci_high is None
    assert "0.917" in r.note and r.coverage is None
    _strict_json(r.to_dict())


def test_theil_sen_bad_input() -> None:
    with pytest.raises(MethodInputError, match="same length"):
        theil_sen([1, 2, 3], [1, 2])
    with pytest.raises(MethodInputError, match="one distinct"):
        theil_sen([1, 2, 3], [5, 5, 5])
    with pytest.raises(MethodInputError, match=r"numbers .* or dates"):
        theil_sen([1, 2, 3], ["x", "y", "z"])


# ----------------------------------------------------------------------------------------
# GLM trend
# ----------------------------------------------------------------------------------------
def test_glm_trend_poisson_matches_dobson_aids_example() -> None:
    """Dobson & Barnett (2008), Example 4.4: AIDS cases in Australia, log mu = b1 + b2 log i.

    Published estimates b1 = 0.996, b2 = 1.327 (3 s.f.), Pearson chi2 used for dispersion.
    Also cross-checked against statsmodels GLM directly.
    """
    d = pd.read_csv(DATA / "dobson_aids_australia.csv")
    x = np.log(d["period"].to_numpy(dtype=float))
    r = glm_trend(d["cases"], x, family="poisson")
    assert math.log(r.rate_ratio) == pytest.approx(1.3266, abs=5e-4)
    ref = sm.GLM(d["cases"].to_numpy(), sm.add_constant(x), family=sm.families.Poisson()).fit()
    params = np.asarray(ref.params)
    assert params[0] == pytest.approx(0.996, abs=5e-4)
    assert math.log(r.rate_ratio) == pytest.approx(params[1], rel=1e-8)
    lo, hi = np.exp(np.asarray(ref.conf_int())[1])
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo, rel=1e-8), pytest.approx(hi, rel=1e-8))
    assert r.dispersion == pytest.approx(ref.pearson_chi2 / ref.df_resid)
    assert r.n == 20 and r.warning == ""


def test_glm_trend_quasipoisson_uses_t_interval_like_r() -> None:
    """Quasi-Poisson: statsmodels GLM with scale='X2'; interval from t on n-2 df (as R)."""
    counts = [120, 150, 260, 310, 400]
    years = [2017, 2018, 2019, 2020, 2021]
    r = glm_trend(counts, years, family="quasipoisson")
    xc = np.asarray(years, dtype=float) - np.mean(years)
    ref = sm.GLM(counts, sm.add_constant(xc), family=sm.families.Poisson()).fit(scale="X2")
    q = stats.t.ppf(0.975, 3)
    assert r.df_resid == 3 and r.reference == "t"
    b, se = np.asarray(ref.params)[1], np.asarray(ref.bse)[1]
    assert r.rate_ratio == pytest.approx(math.exp(b))
    assert r.ci_low == pytest.approx(math.exp(b - q * se))
    assert r.ci_high == pytest.approx(math.exp(b + q * se))
    assert r.family == "quasipoisson"
    assert "n=5" in r.warning


def test_glm_trend_auto_family_is_quasipoisson_with_t() -> None:
    """Auto is quasi-Poisson with t whatever the dispersion (the size simulation is in
    tests/test_stats_size.py); its estimate and interval equal the explicit quasi-Poisson fit,
    and a requested negative binomial is still fitted by ML."""
    rng = np.random.default_rng(20211201)
    years = np.arange(2010, 2022)
    calm = rng.poisson(200 * 1.05 ** (years - 2010))
    r = glm_trend(calm, years)
    q = glm_trend(calm, years, family="quasipoisson")
    assert r.family == "quasipoisson" and r.reference == "t" and r.df_resid == 10
    assert (r.rate_ratio, r.ci_low, r.ci_high, r.p_value) == (
        q.rate_ratio, q.ci_low, q.ci_high, q.p_value)
    assert "size" in r.family_reason
    wild = [120, 150, 260, 310, 400, 380, 450, 600, 640]
    r2 = glm_trend(wild, list(range(2013, 2022)))
    assert r2.family == "quasipoisson" and r2.nb_alpha is None
    nb = glm_trend(wild, list(range(2013, 2022)), family="negbin")
    assert nb.family == "negbin" and nb.nb_alpha is not None and nb.reference == "normal"
    r3 = glm_trend([120, 150, 260, 310, 400], [2017, 2018, 2019, 2020, 2021])
    assert r3.family == "quasipoisson" and "overdispersion" in r3.family_reason
    _strict_json(r3.to_dict())


def test_glm_trend_offset_gives_rate_per_exposure() -> None:
    counts = [100, 200, 400]
    expo = [1.0, 2.0, 4.0]
    r = glm_trend(counts, [1, 2, 3], offset=expo, family="poisson")
    assert r.rate_ratio == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize(
    ("counts", "x", "kwargs", "match"),
    [
        ([1, -2, 3], [1, 2, 3], {}, "negative"),
        ([1, 2.5, 3], [1, 2, 3], {}, "whole numbers"),
        ([0, 0, 0], [1, 2, 3], {}, "zero"),
        ([1, 2, 3], [1, 1, 1], {}, "one distinct"),
        ([1, 2, 3], [1, 2, 3], {"offset": [1, 0, 1]}, "positive"),
        ([1, 2, 3], [1, 2, 3], {"family": "gamma"}, "family must be"),
        ([1, 2], [1, 2], {}, "at least 3"),
    ],
)
def test_glm_trend_bad_input(counts: list, x: list, kwargs: dict, match: str) -> None:
    with pytest.raises(MethodInputError, match=match):
        glm_trend(counts, x, **kwargs)


@pytest.mark.parametrize(
    "counts",
    [[0, 0, 0, 5], [1, 0, 0, 0], [0, 0, 0, 0, 9], [3, 0, 0, 0, 0, 0]],
)
@pytest.mark.parametrize("family", ["auto", "poisson", "quasipoisson", "negbin"])
def test_glm_trend_separation_is_refused_not_overflowed(counts: list, family: str) -> None:
    """Counts at one end only: the MLE is infinite; a clear error, no OverflowError."""
    with pytest.raises(MethodInputError, match="no finite estimate"):
        glm_trend(counts, list(range(len(counts))), family=family)


def test_glm_trend_zeros_inside_the_series_are_fine() -> None:
    r = glm_trend([5, 0, 0, 5], [1, 2, 3, 4], family="quasipoisson")
    assert r.rate_ratio == pytest.approx(1.0)
    assert math.isfinite(r.ci_low) and math.isfinite(r.ci_high)


def test_glm_trend_numeric_failure_is_an_input_error() -> None:
    with pytest.raises(MethodInputError, match=r"could not be fitted|non-finite"):
        glm_trend([1e308, 1, 2, 3], [1, 2, 3, 4])


def test_glm_trend_hac_keeps_estimate_changes_interval() -> None:
    counts = [10, 12, 15, 14, 18, 22, 21, 25, 30, 28, 33, 35]
    a = glm_trend(counts, list(range(12)), family="quasipoisson")
    h = glm_trend(counts, list(range(12)), family="quasipoisson", cov_type="HAC", hac_lags=2)
    assert h.rate_ratio == pytest.approx(a.rate_ratio)
    assert h.cov_type == "HAC" and h.hac_lags == 2 and h.reference == "t"
    assert h.ci_low != pytest.approx(a.ci_low)


# ----------------------------------------------------------------------------------------
# percent change
# ----------------------------------------------------------------------------------------
def test_percent_change_values_and_errors() -> None:
    assert percent_change(100, 282) == pytest.approx(182.0)
    assert percent_change(200, 100) == pytest.approx(-50.0)
    with pytest.raises(MethodInputError, match="base of 0 is undefined"):
        percent_change(0, 5)
    with pytest.raises(MethodInputError, match="finite"):
        percent_change(float("nan"), 5)
    with pytest.raises(MethodInputError, match="non-negative"):
        percent_change(-3, 5)


def test_percent_change_boundaries() -> None:
    """Bases and values between 0 and 1, and a fall to 0, are legal; a negative value is not;
    the zero-base message gives the absolute change b - a (mutation survivors of issue 14)."""
    assert percent_change(0.5, 1.0) == pytest.approx(100.0)
    assert percent_change(10, 0) == pytest.approx(-100.0)
    assert percent_change(10, 0.5) == pytest.approx(-95.0)
    with pytest.raises(MethodInputError, match=r"b - a = 5\)"):
        percent_change(0, 5)
    with pytest.raises(MethodInputError, match="non-negative"):
        percent_change(5, -1)


# ----------------------------------------------------------------------------------------
# pooled trend
# ----------------------------------------------------------------------------------------
@pytest.fixture
def sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["norfolk"] * 5 + ["oldham"] * 5 + ["swansea"] * 5,
            "year": list(range(2017, 2022)) * 3,
            "count": [100, 120, 150, 160, 200, 30, 35, 33, 40, 50, 500, 480, 510, 530, 600],
        }
    )


def test_pooled_trend_matches_direct_glm_and_summed_s(sites: pd.DataFrame) -> None:
    """Cross-check: site fixed-effects Poisson GLM via statsmodels formula; S summed."""
    r = pooled_trend(sites, family="poisson")
    ref = sm.GLM.from_formula("count ~ C(site) + year", data=sites,
                              family=sm.families.Poisson()).fit()
    assert r.glm["rate_ratio"] == pytest.approx(math.exp(ref.params["year"]), rel=1e-8)
    s_sum = sum(mann_kendall(g["count"], g["year"]).s for _, g in sites.groupby("site"))
    assert r.stratified_mk["s"] == s_sum == 26
    assert r.stratified_mk["var_s"] == pytest.approx(3 * 50 / 3)
    assert r.homogeneity["df"] == 2
    assert len(r.caveats) >= 3
    _strict_json(r.to_dict())


def test_pooled_trend_auto_is_quasipoisson_with_t_on_residual_df(sites: pd.DataFrame) -> None:
    """auto: Pearson-scaled Poisson covariance and Student's t on n - sites - 1 df, as R's
    ``summary(glm(count ~ site + year, family = quasipoisson))`` (written out here through
    statsmodels with scale = Pearson chi-squared / df_resid, and scipy's t)."""
    r = pooled_trend(sites)
    fit = sm.GLM.from_formula("count ~ C(site) + year", data=sites,
                              family=sm.families.Poisson()).fit(scale="X2")
    b, se = fit.params["year"], fit.bse["year"]
    df = 15 - 3 - 1
    q = stats.t.ppf(0.975, df)
    assert r.glm["family"] == "quasipoisson" and r.glm["reference"] == "t"
    assert r.glm["df_resid"] == df and f"t on {df} residual df" in r.glm["family_reason"]
    assert r.glm["rate_ratio"] == pytest.approx(math.exp(b), rel=1e-8)
    assert r.glm["ci_low"] == pytest.approx(math.exp(b - q * se), rel=1e-6)
    assert r.glm["ci_high"] == pytest.approx(math.exp(b + q * se), rel=1e-6)
    assert r.glm["p_value"] == pytest.approx(2 * stats.t.sf(abs(b / se), df), rel=1e-6)
    assert r.glm["dispersion"] == pytest.approx(fit.pearson_chi2 / df, rel=1e-8)
    assert "with 5 points per site" in " ".join(r.caveats)
    assert "with 3-5 points per site" in " ".join(pooled_trend(sites.drop(index=[0, 1])).caveats)


def test_pooled_trend_bad_input(sites: pd.DataFrame) -> None:
    with pytest.raises(MethodInputError, match="at least 2 sites"):
        pooled_trend(sites[sites["site"] == "oldham"])
    with pytest.raises(MethodInputError, match="column 'visits' not found"):
        pooled_trend(sites, count_col="visits")
    short = sites.drop(index=[5, 6, 7])
    with pytest.raises(MethodInputError, match="oldham' has 2 point"):
        pooled_trend(short)
