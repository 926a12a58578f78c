"""Checks of ccs_methods.methods.trend.glm that the mutation tester found unpinned (issue 14).

Each test pins a value worked out by hand or written out independently (a likelihood
maximised directly, a fit in statsmodels, a message, a boundary), so a change to the code that
changes an output fails here. Score with
``tools/mutation_fork.py trend/glm.py tests/test_glm_mutants.py ...``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend import glm_trend
from ccs_methods.methods.trend.glm import (
    _check_counts,
    _fit_count_glm,
    _has_separation,
    checked_exp,
    covariance_description,
    quasipoisson_wald_batch,
    reference_distribution,
)

#: Counts with a trend and some overdispersion, used across tests.
Y12 = np.array([10, 12, 15, 14, 18, 22, 21, 25, 30, 28, 33, 35], dtype=float)


def _design(n: int) -> np.ndarray:
    x = np.arange(n, dtype=float)
    return np.column_stack([np.ones(n), x - x.mean()])


# ----------------------------------------------------------------------------------------
# count checks and messages
# ----------------------------------------------------------------------------------------
def test_count_messages_name_the_value_and_position() -> None:
    with pytest.raises(MethodInputError) as e:
        glm_trend([1, 4, -2, 3], [1, 2, 3, 4])
    assert e.value.message == (
        "'counts' has a negative count (-2) at position 3 (1-based); counts must be 0 or more."
    )
    with pytest.raises(MethodInputError) as e:
        glm_trend([1, 2.5, 3], [1, 2, 3])
    assert e.value.message == (
        "'counts' has a non-integer count (2.5) at position 2 (1-based); count models need "
        "whole numbers."
    )
    with pytest.raises(MethodInputError) as e:
        glm_trend([0, 0, 0], [1, 2, 3])
    assert e.value.message == "all values of 'counts' are zero; a count trend needs events."
    # within 1e-9 of a whole number is whole; 1.5e-9 away is not
    assert _check_counts([1e-9, 2, 3], "c", min_n=3).tolist() == [1e-9, 2.0, 3.0]
    with pytest.raises(MethodInputError, match="non-integer"):
        _check_counts([3, 1.5e-9, 2], "c", min_n=3)


def test_glm_trend_setting_and_length_messages() -> None:
    cases = [
        (
            dict(family="gamma"),
            "family must be 'auto', 'poisson', 'quasipoisson' or 'negbin'; got 'gamma'.",
        ),
        (dict(cov_type="robust"), "cov_type must be 'nonrobust' or 'HAC'; got 'robust'."),
        (dict(alpha=0.0), "alpha must be between 0 and 1; got 0.0."),
        (dict(alpha=1.0), "alpha must be between 0 and 1; got 1.0."),
        (dict(offset=[1.0, 2.0]), "'offset' has 2 values but 'counts' has 3; they must match."),
        (
            dict(offset=[1.0, 0.0, 2.0]),
            "'offset' must be positive (it is logged); position 2 is 0.",
        ),
        (
            dict(offset=[1.0, 2.0, -3.0]),
            "'offset' must be positive (it is logged); position 3 is -3.",
        ),
        (dict(cov_type="HAC", hac_lags=0), "hac_lags must be at least 1; got 0."),
    ]
    for kwargs, message in cases:
        with pytest.raises(MethodInputError) as e:
            glm_trend([4, 6, 9], [1, 2, 3], **kwargs)
        assert e.value.message == message, kwargs
    with pytest.raises(MethodInputError) as e:
        glm_trend([4, 6, 9], [1, 2, 3, 4])
    assert e.value.message == "'x' has 4 values but 'counts' has 3; they must match."
    with pytest.raises(MethodInputError) as e:
        glm_trend([4, 6, 9], [2, 2, 2])
    assert e.value.message == "'x' has only one distinct value; a trend needs at least two."
    # an offset just above zero is fine (it is logged)
    r = glm_trend([4, 6, 9], [1, 2, 3], offset=[0.5, 0.5, 0.5], family="poisson")
    assert r.rate_ratio == pytest.approx(
        glm_trend([4, 6, 9], [1, 2, 3], family="poisson").rate_ratio, rel=1e-9
    )


# ----------------------------------------------------------------------------------------
# the fit: values written out
# ----------------------------------------------------------------------------------------
def test_quasipoisson_values_by_hand() -> None:
    """b and se from statsmodels (Poisson, Pearson scale); p = 2 t_{n-2}(|b/se|); interval
    exp(b -/+ t se); percent = 100 (RR - 1); span = max x - min x; no warning at n = 12."""
    x = np.arange(2010, 2022, dtype=float)
    r = glm_trend(Y12, x, family="quasipoisson", alpha=0.1)
    fit = sm.GLM(Y12, _design(12), family=sm.families.Poisson()).fit(scale="X2")
    b, se = float(fit.params[1]), float(fit.bse[1])
    q = stats.t.ppf(0.95, 10)
    assert r.rate_ratio == pytest.approx(math.exp(b), rel=1e-9)
    assert r.ci_low == pytest.approx(math.exp(b - q * se), rel=1e-8)
    assert r.ci_high == pytest.approx(math.exp(b + q * se), rel=1e-8)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(b / se), 10), rel=1e-7)
    assert r.percent_change_per_unit == pytest.approx(100 * (math.exp(b) - 1), rel=1e-9)
    assert r.dispersion == pytest.approx(fit.pearson_chi2 / 10, rel=1e-9)
    assert r.conf_level == pytest.approx(0.9) and r.df_resid == 10 and r.n == 12
    assert r.x_span == 11.0 and r.warning == "" and r.nb_alpha is None
    assert r.x_unit == "x unit" and r.hac_lags is None and r.cov_type == "nonrobust"
    assert r.family_reason == "requested family='quasipoisson'."
    assert r.interval_method == (
        "90% Wald intervals on the log scale from the model-based covariance multiplied by "
        "the Pearson dispersion (chi-squared / df); Student's t quantile on 10 residual df."
    )


def test_poisson_and_normal_reference_p_value() -> None:
    r = glm_trend(Y12, np.arange(12), family="poisson")
    fit = sm.GLM(Y12, _design(12), family=sm.families.Poisson()).fit()
    b, se = float(fit.params[1]), float(fit.bse[1])
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(b / se)), rel=1e-7)
    assert r.ci_low == pytest.approx(math.exp(b - stats.norm.ppf(0.975) * se), rel=1e-8)
    assert r.reference == "normal"


def _nb2_mle(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """NB2 maximum likelihood written out: log L = sum lgamma(y + 1/a) - lgamma(1/a)
    - lgamma(y + 1) + (1/a) log(1 / (1 + a mu)) + y log(a mu / (1 + a mu)), maximised over
    (beta, log a) jointly by scipy."""

    def negll(theta: np.ndarray) -> float:
        beta, a = theta[:-1], math.exp(theta[-1])
        mu = np.exp(X @ beta)
        r = 1 / a
        ll = (
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )
        return -float(ll.sum())

    start = np.r_[np.linalg.lstsq(X, np.log(y + 0.5), rcond=None)[0], math.log(0.1)]
    res = optimize.minimize(
        negll,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    return res.x[:-1], math.exp(res.x[-1])


def test_negative_binomial_is_the_joint_maximum_likelihood() -> None:
    """glm_trend(family='negbin'): beta and alpha maximise the NB2 likelihood (written out
    above, as MASS::glm.nb); the Wald interval uses the normal quantile."""
    y = np.array([12, 30, 9, 41, 25, 60, 22, 75, 48, 90, 40, 110], dtype=float)
    X = _design(12)
    beta, alpha = _nb2_mle(y, X)
    r = glm_trend(y, np.arange(12), family="negbin")
    assert r.nb_alpha == pytest.approx(alpha, rel=2e-3)
    assert math.log(r.rate_ratio) == pytest.approx(beta[1], rel=1e-3)
    assert r.reference == "normal" and r.family == "negbin"
    # the covariance is the GLM's at that alpha
    fit = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=r.nb_alpha)).fit()
    se = float(fit.bse[1])
    assert r.ci_high == pytest.approx(
        math.exp(fit.params[1] + stats.norm.ppf(0.975) * se), rel=1e-6
    )
    # and the dispersion reported is the Poisson fit's
    pois = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    assert r.dispersion == pytest.approx(pois.pearson_chi2 / 10, rel=1e-9)


def test_negative_binomial_hac_is_the_sandwich_of_the_nb_score() -> None:
    """HAC around the NB2 score: scores x_t (y_t - mu_t) / (1 + a mu_t), Bartlett weights
    1 - l / (L + 1), no small-sample factor (Newey & West 1987), and the bread the inverse
    observed information of the log link, sum x x' mu (1 + a y) / (1 + a mu)^2 (not the
    expected one, mu / (1 + a mu): the log link is not canonical for NB2)."""
    y = np.array([12, 30, 9, 41, 25, 60, 22, 75, 48, 90, 40, 110], dtype=float)
    X = _design(12)
    params, cov, _, a, _ = _fit_count_glm(
        y, X, None, "negbin", cov_type="HAC", cov_kwds={"maxlags": 2}
    )
    mu = np.exp(X @ params)
    g = X * ((y - mu) / (1 + a * mu))[:, None]
    meat = g.T @ g
    for lag in (1, 2):
        gam = g[lag:].T @ g[:-lag]
        meat += (1 - lag / 3) * (gam + gam.T)
    bread = np.linalg.inv(X.T @ (X * (mu * (1 + a * y) / (1 + a * mu) ** 2)[:, None]))
    np.testing.assert_allclose(cov, bread @ meat @ bread, rtol=1e-6)


def test_poisson_hac_default_lags() -> None:
    """Default Newey-West lags floor(4 (n / 100)^(2/9)): 1 for n = 4 (1.96), 2 for n = 5
    (2.06) and n = 12 (2.50); the Poisson HAC covariance is the sandwich with that many."""
    assert glm_trend([3, 5, 4, 8], [1, 2, 3, 4], cov_type="HAC").hac_lags == 1
    assert glm_trend([3, 5, 4, 8, 9], [1, 2, 3, 4, 5], cov_type="HAC").hac_lags == 2
    r = glm_trend(Y12, np.arange(12), family="poisson", cov_type="HAC")
    assert r.hac_lags == 2
    fit = sm.GLM(Y12, _design(12), family=sm.families.Poisson()).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2}
    )
    assert r.ci_high == pytest.approx(
        math.exp(fit.params[1] + stats.norm.ppf(0.975) * fit.bse[1]), rel=1e-8
    )
    assert r.interval_method == (
        "95% Wald intervals on the log scale from the Newey-West (HAC) sandwich covariance "
        "with 2 lag(s) and Bartlett weights, around the Poisson score. The sandwich estimates "
        "the variance of the score from the residuals themselves, so it already allows for "
        "overdispersion and is NOT multiplied by the Pearson dispersion (that would count it "
        "twice); for quasi-Poisson it equals the Poisson HAC covariance, and only the "
        "reference quantile differs; the standard normal quantile."
    )


# ----------------------------------------------------------------------------------------
# family choice and warnings
# ----------------------------------------------------------------------------------------
def test_auto_reason_boundaries() -> None:
    """Overdispersed (Pearson dispersion > 1.5) with n < 8: the small-sample reason; at n = 8
    the general one, with the dispersion and the t df written out."""
    small = glm_trend([120, 150, 260, 310, 400, 380, 450], list(range(7)))
    assert small.dispersion > 1.5
    assert small.family_reason == (
        f"auto: Pearson dispersion {small.dispersion:.2f} > 1.5 (overdispersion), but with "
        "n=7 < 8 the negative-binomial shape cannot be estimated reliably, so quasi-Poisson "
        "(variance = phi * mean, t-based interval) was used."
    )
    eight = glm_trend([120, 150, 260, 310, 400, 380, 450, 600], list(range(8)))
    assert eight.dispersion > 1.5
    assert eight.family_reason.startswith(
        f"auto: quasi-Poisson (variance = phi * mean, phi = Pearson chi-squared / residual "
        f"df = {eight.dispersion:.2f}) with Student's t on 6 df. Unlike"
    )
    calm = glm_trend([10, 12, 15, 14, 18, 22, 21], list(range(7)))
    assert calm.dispersion < 1.5 and calm.family_reason.startswith("auto: quasi-Poisson (")


def test_small_sample_and_short_span_warnings() -> None:
    r = glm_trend([10, 12, 15, 14, 18, 22, 21], list(range(7)), family="poisson")
    assert r.warning == (
        "Only n=7 points: the dispersion estimate rests on 5 residual degree(s) of freedom "
        "and the Wald interval is approximate. Treat the rate ratio as descriptive and "
        "compare with the exact Mann-Kendall test."
    )
    assert glm_trend(Y12[:8], list(range(8))).warning == ""
    x = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    s = glm_trend(Y12[:8], x, family="poisson")
    assert s.x_span == pytest.approx(0.7)
    assert s.warning == (
        "The data span 0.7 x unit of x, less than one: the rate ratio per x unit extrapolates "
        f"the fitted slope beyond the observed span (over the span itself the fitted change "
        f"is x{s.rate_ratio**0.7:.3g})."
    )
    assert glm_trend(Y12[:8], [v / 0.7 for v in x]).warning == ""  # span exactly 1


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def test_covariance_description_sentences() -> None:
    assert covariance_description("poisson", "nonrobust", None, "normal", 7, 0.05) == (
        "95% Wald intervals on the log scale from the model-based poisson covariance (no "
        "dispersion scaling); the standard normal quantile."
    )
    assert covariance_description("negbin", "nonrobust", None, "t", 3, 0.01) == (
        "99% Wald intervals on the log scale from the model-based negbin covariance (no "
        "dispersion scaling); Student's t quantile on 3 residual df."
    )
    hac = covariance_description("quasipoisson", "HAC", 4, "t", 9, 0.05)
    assert hac.startswith(
        "95% Wald intervals on the log scale from the Newey-West (HAC) "
        "sandwich covariance with 4 lag(s) and Bartlett weights, around "
        "the Poisson score."
    )
    assert hac.endswith("; Student's t quantile on 9 residual df.")


def test_reference_distribution_rules() -> None:
    ref, name = reference_distribution("quasipoisson", 6)
    assert name == "t" and ref.ppf(0.975) == pytest.approx(stats.t.ppf(0.975, 6), rel=1e-12)
    ref, name = reference_distribution("poisson", 6)
    assert name == "normal" and ref.ppf(0.975) == pytest.approx(stats.norm.ppf(0.975))
    ref, name = reference_distribution("negbin", 6, "t")
    assert name == "t" and ref.ppf(0.975) == pytest.approx(stats.t.ppf(0.975, 6), rel=1e-12)
    ref, name = reference_distribution("quasipoisson", 6, "normal")
    assert name == "normal" and ref.ppf(0.975) == pytest.approx(stats.norm.ppf(0.975))
    ref, name = reference_distribution("quasipoisson", 1)
    assert ref.ppf(0.975) == pytest.approx(12.706204736, rel=1e-9)  # t table, 1 df
    with pytest.raises(MethodInputError) as e:
        reference_distribution("quasipoisson", 0)
    assert e.value.message == "a t-based interval needs at least one residual degree of freedom."
    with pytest.raises(MethodInputError) as e:
        reference_distribution("poisson", 0, "t")
    assert "at least one residual degree" in e.value.message
    assert reference_distribution("poisson", 0)[1] == "normal"
    with pytest.raises(MethodInputError) as e:
        reference_distribution("poisson", 5, "z")
    assert e.value.message == "reference must be 'auto', 't' or 'normal'; got 'z'."


def test_checked_exp_limit_is_exp_50() -> None:
    assert checked_exp(1.0, 0.5, 2.0, "x") == pytest.approx((math.e, 1.0, math.exp(2.0)), rel=1e-15)
    assert checked_exp(50.0, 0.0, 1.96, "x")[0] == math.exp(50.0)
    assert checked_exp(-49.0, 0.5, 2.0, "x")[1] == math.exp(-50.0)
    for b, se in ((50.001, 0.0), (-49.0, 0.5001), (49.0, 0.5001), (math.nan, 0.1), (0.0, math.inf)):
        with pytest.raises(MethodInputError, match=r"beyond exp\(±50\)"):
            checked_exp(b, se, 2.0, "rate ratio")
    with pytest.raises(MethodInputError) as e:
        checked_exp(60.0, 1.0, 2.0, "level change")
    assert e.value.message.startswith(
        "the level change or its interval is not finite or beyond exp(±50) (log estimate 60, "
        "standard error 1):"
    )


def test_separation_is_found_only_when_there_is_one() -> None:
    X = _design(5)
    assert _has_separation(np.array([0, 0, 0, 0, 9.0]), X)
    assert _has_separation(np.array([3, 0, 0, 0, 0.0]), X)
    assert not _has_separation(np.array([5, 0, 0, 0, 5.0]), X)
    assert not _has_separation(np.array([1, 2, 3, 4, 5.0]), X)
    step = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    assert _has_separation(np.array([0, 0, 0, 4, 5, 6.0]), step)
    assert not _has_separation(np.array([0, 1, 0, 4, 5, 6.0]), step)
    # large x: the columns are scaled before the linear programme
    big = np.column_stack([np.ones(5), np.arange(5) * 1e6])
    assert _has_separation(np.array([0, 0, 0, 0, 9.0]), big)
    assert not _has_separation(np.array([2, 0, 0, 0, 9.0]), big)
    # one non-zero count with zeros on both sides: a line through it rises on one side
    assert not _has_separation(np.array([0, 5, 0, 0, 0.0]), big)
    assert _has_separation(np.array([5, 0, 0, 0, 0.0]), big)


def test_fit_without_residual_df() -> None:
    """Two points, two parameters: Poisson fits exactly (dispersion None); quasi-Poisson
    refuses, as it cannot estimate the dispersion; an unknown family is refused."""
    y = np.array([4.0, 9.0])
    X = np.column_stack([np.ones(2), [0.0, 1.0]])
    params, _, disp, alpha, _ = _fit_count_glm(y, X, None, "poisson")
    assert disp is None and alpha is None
    assert params == pytest.approx([math.log(4), math.log(9 / 4)], rel=1e-8)
    with pytest.raises(MethodInputError) as e:
        _fit_count_glm(y, X, None, "quasipoisson")
    assert e.value.message == (
        "a quasi-Poisson model needs more points than parameters to estimate the dispersion; "
        "got 2 points for 2 parameters."
    )
    with pytest.raises(MethodInputError) as e:
        _fit_count_glm(y, X, None, "gamma")
    assert e.value.message == ("family must be 'poisson', 'quasipoisson' or 'negbin'; got 'gamma'.")


# ----------------------------------------------------------------------------------------
# the batch fit
# ----------------------------------------------------------------------------------------
def test_batch_fit_equals_statsmodels_with_offset_coef_and_reference() -> None:
    rng = np.random.default_rng(52)
    n = 10
    X = np.column_stack([np.ones(n), np.arange(n) - 4.5, (np.arange(n) >= 5).astype(float)])
    off = np.log(rng.uniform(1, 3, n))
    Y = rng.poisson(30 * np.exp(off), size=(4, n)).astype(float)
    for coef, reference in ((1, "t"), (2, "normal"), (0, "t")):
        b, se, p = quasipoisson_wald_batch(Y, X, coef=coef, offset=off, reference=reference)
        for k in range(4):
            fit = sm.GLM(Y[k], X, family=sm.families.Poisson(), offset=off).fit(scale="X2")
            bk, sek = float(fit.params[coef]), float(fit.bse[coef])
            ref = stats.t(n - 3) if reference == "t" else stats.norm()
            assert b[k] == pytest.approx(bk, rel=1e-8, abs=1e-12)
            assert se[k] == pytest.approx(sek, rel=1e-7)
            assert p[k] == pytest.approx(2 * ref.sf(abs(bk / sek)), rel=1e-6)
    # defaults: the slope (column 1), Student's t on n - p df, no offset
    b, se, p = quasipoisson_wald_batch(Y, X)
    fit = sm.GLM(Y[0], X, family=sm.families.Poisson()).fit(scale="X2")
    assert b[0] == pytest.approx(fit.params[1], rel=1e-8)
    assert p[0] == pytest.approx(2 * stats.t.sf(abs(fit.params[1] / fit.bse[1]), n - 3), rel=1e-6)


def test_batch_fit_marks_a_diverging_series_and_checks_shapes() -> None:
    X = _design(5)
    Y = np.array([[3, 5, 4, 8, 9], [0, 0, 0, 0, 7], [4, 0, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=float)
    b, se, p = quasipoisson_wald_batch(Y, X)
    # series with counts at one end only, or none, have no finite estimate (glm_trend
    # refuses them): NaN, and the other replicates are still fitted. Before issue 14 the
    # first stopped the whole batch with LinAlgError, the second got b = -32.4 with
    # p = 1e-5 and the third b = 0 with p = 1.
    fit = sm.GLM(Y[0], X, family=sm.families.Poisson()).fit(scale="X2")
    assert b[0] == pytest.approx(fit.params[1], rel=1e-8)
    assert se[0] == pytest.approx(fit.bse[1], rel=1e-7)
    assert np.isnan(np.r_[b[1:], se[1:], p[1:]]).all()
    with pytest.raises(MethodInputError) as e:
        quasipoisson_wald_batch(Y[0], X)
    assert e.value.message == "counts must be (replicates, n) and X (n, p); got (5,) and (5, 2)."
    with pytest.raises(MethodInputError, match=r"got \(4, 5\) and \(4, 2\)"):
        quasipoisson_wald_batch(Y, X[:4])
    with pytest.raises(MethodInputError) as e:
        quasipoisson_wald_batch(Y[:, :2], X[:2])
    assert e.value.message == "2 points for 2 parameters leave no residual df."
    b3, _, _ = quasipoisson_wald_batch(Y[:1, :3], X[:3])
    assert np.isfinite(b3).all()  # 3 points, 2 parameters: one residual df is enough


def test_glm_result_is_frozen() -> None:
    import dataclasses

    r = glm_trend(Y12, np.arange(12))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.rate_ratio = 2.0  # type: ignore[misc]


def test_negative_binomial_on_underdispersed_counts_is_the_poisson_limit() -> None:
    """Counts less variable than Poisson: the NB2 likelihood rises towards alpha = 0, so the
    shape is estimated as next to nothing and the estimates are Poisson's."""
    y = np.array([20, 21, 20, 22, 21, 23, 22, 24, 23, 25], dtype=float)
    nb = glm_trend(y, np.arange(10), family="negbin")
    po = glm_trend(y, np.arange(10), family="poisson")
    assert nb.nb_alpha < 1e-6
    assert nb.rate_ratio == pytest.approx(po.rate_ratio, rel=1e-8)
    assert nb.ci_low == pytest.approx(po.ci_low, rel=1e-6)


def test_infinite_pearson_dispersion_is_refused() -> None:
    """Counts of 1e160 next to 1: the Poisson fit converges to finite estimates, but the
    squared Pearson residuals overflow, so the dispersion is infinite; refused, not reported."""
    y = [1, 1e160, 1, 1e160, 1, 1e160]
    with pytest.raises(MethodInputError) as e:
        glm_trend(y, list(range(6)), family="poisson")
    assert e.value.message.startswith(
        "the poisson count model gave non-finite estimates (the fit did not converge)"
    )


def test_three_points_one_residual_df() -> None:
    """n = 3: one residual df is enough for the Pearson dispersion (chi-squared / 1) and for
    quasi-Poisson with Student's t on 1 df."""
    y, x = [4, 9, 8], [1, 2, 3]
    pois = sm.GLM(np.array(y, float), _design(3), family=sm.families.Poisson()).fit()
    p = glm_trend(y, x, family="poisson")
    assert p.dispersion == pytest.approx(float(pois.pearson_chi2), rel=1e-9)
    q = glm_trend(y, x, family="quasipoisson")
    se = float(pois.bse[1]) * math.sqrt(q.dispersion)
    assert q.df_resid == 1 and q.reference == "t"
    assert q.ci_high == pytest.approx(
        math.exp(pois.params[1] + stats.t.ppf(0.975, 1) * se), rel=1e-7
    )


def test_two_distinct_x_values_are_enough() -> None:
    r = glm_trend([3, 5, 8, 9], [0, 0, 1, 1], family="poisson")
    assert r.rate_ratio == pytest.approx(17 / 8, rel=1e-9)  # (8 + 9) / (3 + 5)


def test_equal_counts_get_a_clear_message() -> None:
    """Every count equal: quasi-Poisson (and auto) say so (before issue 14 the message blamed
    'counts too large or too extreme'); Poisson fits a rate ratio of exactly 1."""
    for family in ("auto", "quasipoisson"):
        with pytest.raises(MethodInputError) as e:
            glm_trend([5, 5, 5, 5], [1, 2, 3, 4], family=family)
        assert e.value.message.startswith("all 4 counts are equal (5): the fitted trend is")
    r = glm_trend([5, 5, 5, 5], [1, 2, 3, 4], family="poisson")
    assert r.rate_ratio == pytest.approx(1.0, abs=1e-12)
    se = math.sqrt(1 / (5 * 5))  # (X' diag(mu) X)^-1 for the slope: 1 / (mu sum (x - 2.5)^2)
    assert r.ci_high == pytest.approx(math.exp(stats.norm.ppf(0.975) * se), rel=1e-8)


def test_hac_default_lags_at_n_100_and_both_warnings() -> None:
    rng = np.random.default_rng(100)
    y = rng.poisson(40, 100)
    assert glm_trend(y, np.arange(100), cov_type="HAC").hac_lags == 4  # 4 (100/100)^(2/9)
    r = glm_trend([10, 12, 15, 14], [0, 0.25, 0.5, 0.75], family="poisson")
    assert r.warning == (
        "Only n=4 points: the dispersion estimate rests on 2 residual degree(s) of freedom "
        "and the Wald interval is approximate. Treat the rate ratio as descriptive and "
        "compare with the exact Mann-Kendall test. The data span 0.75 x unit of x, less "
        "than one: the rate ratio per x unit extrapolates the fitted slope beyond the "
        f"observed span (over the span itself the fitted change is x{r.rate_ratio**0.75:.3g})."
    )


def test_batch_fit_around_singular_replicates() -> None:
    """Good replicates after singular ones (more replicates than parameters) are still
    fitted, also with a zero count inside (the IRLS start is log(y + 0.5))."""
    X = _design(5)
    good = [[3, 5, 4, 8, 9], [5, 0, 3, 4, 6]]
    Y = np.array([[0, 0, 0, 0, 7], good[0], [4, 0, 0, 0, 0], good[1]], dtype=float)
    b, se, _ = quasipoisson_wald_batch(Y, X)
    assert np.isnan(b[[0, 2]]).all()
    for k, yk in ((1, good[0]), (3, good[1])):
        fit = sm.GLM(np.array(yk, float), X, family=sm.families.Poisson()).fit(scale="X2")
        assert b[k] == pytest.approx(fit.params[1], rel=1e-8, abs=1e-12)
        assert se[k] == pytest.approx(fit.bse[1], rel=1e-7)


def test_batch_fit_without_iterations_marks_everything_unconverged() -> None:
    b, se, p = quasipoisson_wald_batch(np.array([[3, 5, 4, 8, 9.0]]), _design(5), max_iter=0)
    assert np.isnan([b[0], se[0], p[0]]).all()
