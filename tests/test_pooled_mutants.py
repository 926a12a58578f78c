"""ccs_methods.methods.trend.pooled: the pooled trend on sites whose counts double each year.

Written against the survivors of a mutation run of ``trend/pooled.py`` (issue 14, "Tests with
teeth"). Counts 1, 2, 4 and 3, 6, 12 fit a Poisson model with site intercepts and a common
slope exactly: the rate ratio is 2, every fitted mean equals its count, and the Fisher
information of the slope, with the intercepts profiled out, is sum_site sum_t mu_t (x_t -
xbar_site)^2 with xbar_site the mu-weighted mean of x in the site (McCullagh & Nelder 1989,
section 6.3 for the Poisson information). Site a: xbar = (0 + 2 + 8)/7 = 10/7, information
(1 * 100 + 2 * 9 + 4 * 16)/49 = 26/7; site b three times that, 78/7; so var(b) = 7/104.
Score with ``tools/mutation_fork.py trend/pooled.py tests/test_pooled_mutants.py
tests/test_trend.py -k pooled`` (the size simulations in test_stats_size.py are too slow to
run per mutant).
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.pooled import PooledTrendResult, pooled_trend

LN2 = math.log(2.0)
SE = math.sqrt(7 / 104)
Z975 = stats.norm.ppf(0.975)


def _doubling(first_year: int = 2019) -> pd.DataFrame:
    return pd.DataFrame({
        "site": ["a"] * 3 + ["b"] * 3,
        "year": [first_year, first_year + 1, first_year + 2] * 2,
        "count": [1, 2, 4, 3, 6, 12],
    })


def test_poisson_common_rate_ratio_by_hand() -> None:
    r = pooled_trend(_doubling(), family="poisson")
    g = r.glm
    assert g["rate_ratio"] == pytest.approx(2.0)
    assert g["ci_low"] == pytest.approx(math.exp(LN2 - Z975 * SE))
    assert g["ci_high"] == pytest.approx(math.exp(LN2 + Z975 * SE))
    assert g["ci_low"] == pytest.approx(1.2028, abs=1e-4)
    assert g["p_value"] == pytest.approx(2 * stats.norm.sf(LN2 / SE))
    assert (g["family"], g["reference"], g["df_resid"]) == ("poisson", "normal", 3)
    assert g["family_reason"] == "requested family='poisson'."
    assert g["conf_level"] == 0.95 and g["x_unit"] == "x unit" and g["nb_alpha"] is None
    assert g["dispersion"] == pytest.approx(0.0, abs=1e-12)
    assert (r.n_sites, r.n) == (2, 6)
    # a 90% interval uses z_0.95
    g90 = pooled_trend(_doubling(), family="poisson", alpha=0.1).glm
    assert g90["ci_high"] == pytest.approx(math.exp(LN2 + stats.norm.ppf(0.95) * SE))
    assert g90["conf_level"] == pytest.approx(0.9)


def test_stratified_part_and_per_site_results_by_hand() -> None:
    """Each site rises at every step: S = 3, var S = 3 * 2 * 11/18 = 11/3, tau = 1, exact
    p = 2/3! = 1/3. Pooled S = 6, var 22/3, z = (6 - 1)/sqrt(22/3) (6/sqrt(22/3) without the
    correction). The two z are equal, so the homogeneity chi2 is 0 on 1 df."""
    r = pooled_trend(_doubling(), family="poisson")
    smk = r.stratified_mk
    assert smk["s"] == 6 and smk["var_s"] == pytest.approx(22 / 3)
    assert smk["z"] == pytest.approx(5 / math.sqrt(22 / 3))
    assert smk["p_value"] == pytest.approx(2 * stats.norm.sf(5 / math.sqrt(22 / 3)))
    assert smk["continuity"] is True
    assert r.homogeneity["df"] == 1
    assert r.homogeneity["chi2"] == pytest.approx(0.0, abs=1e-12)
    assert r.homogeneity["p_value"] == pytest.approx(1.0)
    assert [e["site"] for e in r.per_site] == ["a", "b"]
    for e in r.per_site:
        assert (e["n"], e["s"], e["tau"], e["method_used"]) == (3, 3, 1.0, "exact")
        assert e["var_s"] == pytest.approx(11 / 3)
        assert e["p_value"] == pytest.approx(1 / 3)
    raw = pooled_trend(_doubling(), family="poisson", continuity=False)
    assert raw.stratified_mk["continuity"] is False
    assert raw.stratified_mk["z"] == pytest.approx(6 / math.sqrt(22 / 3))
    caveats = " ".join(r.caveats)
    assert "with 3 points per site" in caveats and "fewer than 8 points" in caveats
    assert "van Belle-Hughes" not in caveats
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.n = 0  # type: ignore[misc]


def test_auto_is_quasipoisson_with_t_on_three_df() -> None:
    """A perfect fit: Pearson chi2 = 0, so the dispersion is 0; 6 site-years minus 2
    intercepts and 1 slope leave 3 residual df for Student's t."""
    g = pooled_trend(_doubling()).glm
    assert (g["family"], g["reference"], g["df_resid"]) == ("quasipoisson", "t", 3)
    assert "= 0.00) with Student's t on 3 residual df (6 site-times minus 2 site" in (
        g["family_reason"])
    assert g["rate_ratio"] == pytest.approx(2.0)


def test_offset_turns_flat_counts_into_doubling_rates() -> None:
    """Counts 2, 2, 2 and 3, 3, 3 over exposures 1, 1/2, 1/4: rates double each year, the fit
    is exact and every mean is flat within a site, so the information is 2 * 2 + 3 * 2 = 10
    (x - 1 = -1, 0, 1) and var(b) = 1/10. Each site is flat, so it has no Mann-Kendall p."""
    d = pd.DataFrame({"site": ["a"] * 3 + ["b"] * 3, "year": [0, 1, 2] * 2,
                      "count": [2, 2, 2, 3, 3, 3], "exposure": [1, 0.5, 0.25] * 2})
    r = pooled_trend(d, offset_col="exposure", family="poisson")
    assert r.glm["rate_ratio"] == pytest.approx(2.0)
    # the iterative fit stops a few parts in a million from the exact optimum here
    assert r.glm["ci_low"] == pytest.approx(math.exp(LN2 - Z975 * math.sqrt(0.1)),
                                            rel=2e-5)
    for e in r.per_site:
        assert (e["p_value"], e["method_used"], e["note"]) == (None, "none",
                                                               "all values equal here")
        assert e["tau"] is None
    assert (r.stratified_mk["s"], r.stratified_mk["z"], r.stratified_mk["p_value"]) == (
        0, 0.0, 1.0)
    bad = d.copy()
    bad.loc[2, "exposure"] = 0.0
    with pytest.raises(MethodInputError, match="offset must be positive") as err:
        pooled_trend(bad, offset_col="exposure")
    assert err.value.row == 3 and err.value.column == "exposure"


def test_opposite_trends_trigger_the_homogeneity_caveat() -> None:
    """a doubles and b halves over five years: S = +10 and -10, var 50/3, uncorrected
    z = +-10/sqrt(50/3) = +-sqrt(6); chi2 = 6 + 6 - 2 * 0 = 12 on 1 df, p = 0.00053.
    With alpha equal to that p, p < alpha is false and the caveat goes."""
    d = pd.DataFrame({"site": ["a"] * 5 + ["b"] * 5, "year": list(range(5)) * 2,
                      "count": [1, 2, 4, 8, 16, 16, 8, 4, 2, 1]})
    r = pooled_trend(d, family="poisson")
    assert r.homogeneity["chi2"] == pytest.approx(12.0)
    assert r.homogeneity["p_value"] == pytest.approx(stats.chi2.sf(12.0, 1))
    assert any("van Belle-Hughes test suggests" in c for c in r.caveats)
    at = pooled_trend(d, family="poisson", alpha=r.homogeneity["p_value"])
    assert not any("van Belle-Hughes test suggests" in c for c in at.caveats)


def test_eight_points_per_site_drop_the_short_series_caveat() -> None:
    d = pd.DataFrame({"site": ["a"] * 8 + ["b"] * 8, "year": list(range(8)) * 2,
                      "count": [3, 5, 4, 6, 8, 7, 9, 10, 20, 22, 21, 25, 24, 27, 30, 29]})
    assert not any("fewer than 8" in c for c in pooled_trend(d).caveats)
    short = d.drop(index=[15])  # b keeps 7 points
    assert any("fewer than 8" in c for c in pooled_trend(short).caveats)
    assert "with 7-8 points per site" in " ".join(pooled_trend(short).caveats)


def test_dates_give_a_rate_ratio_per_year_and_a_missing_site_names_its_row() -> None:
    d = _doubling()
    d["year"] = pd.to_datetime([f"{y}-01-01" for y in d["year"]])
    r = pooled_trend(d, family="poisson")
    assert r.glm["x_unit"] == "year"
    assert r.glm["rate_ratio"] == pytest.approx(2.0, rel=2e-3)  # 2020 has 366 days
    bad = _doubling().astype({"site": object})
    bad.loc[3, "site"] = None
    with pytest.raises(MethodInputError, match="missing site name") as err:
        pooled_trend(bad)
    assert err.value.row == 4 and err.value.column == "site"
    with pytest.raises(MethodInputError, match="column 'exposure' not found"):
        pooled_trend(_doubling(), offset_col="exposure")


def test_caveats_default_to_an_empty_list() -> None:
    bare = PooledTrendResult(n_sites=2, n=6, glm={}, stratified_mk={}, homogeneity={},
                             per_site=[])
    assert bare.caveats == []


def test_the_short_site_is_the_one_named() -> None:
    """a has 3 points and b 2: the message names b and is pooled_trend's own."""
    d = _doubling().drop(index=[5])
    with pytest.raises(MethodInputError) as err:
        pooled_trend(d)
    assert err.value.message == "site 'b' has 2 point(s); each site needs at least 3."
    assert err.value.column == "site"


def test_a_rising_site_beside_a_flat_one() -> None:
    """a: 1, 2, 4 (S = 3, exact p = 1/3); b: 5, 5, 5 (flat, no test). Pooled S = 3 with var
    11/3 + 0; z_a = 3/sqrt(11/3) and z_b = 0 uncorrected, so chi2 = z_a^2 - 2 (z_a/2)^2 =
    z_a^2 / 2 = 27/22 on 1 df."""
    d = pd.DataFrame({"site": ["a"] * 3 + ["b"] * 3, "year": [0, 1, 2] * 2,
                      "count": [1, 2, 4, 5, 5, 5]})
    r = pooled_trend(d, family="poisson")
    a, b = r.per_site
    assert (a["p_value"], a["method_used"]) == (pytest.approx(1 / 3), "exact")
    assert (b["p_value"], b["method_used"]) == (None, "none")
    assert r.stratified_mk["s"] == 3 and r.stratified_mk["var_s"] == pytest.approx(11 / 3)
    assert r.stratified_mk["z"] == pytest.approx(2 / math.sqrt(11 / 3))
    assert r.homogeneity["chi2"] == pytest.approx(27 / 22)
