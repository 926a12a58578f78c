"""Rate comparisons (``ccs_methods.methods.rates``) on small series worked by hand.

Written against the survivors of a mutation run of ``rates.py`` (issue 14, "Tests with
teeth"; ``tools/mutation_fork.py rates.py tests/test_rates_mutants.py ...``). The expected
values are worked on paper in the comments (measured 2026-12-01, partly: the machine was
shared and CPU-starved, see issue 14's report; 66 of 182 mutants run with these tests:
lines 30-119 23 of 23 killed (one may be a timeout), lines 120-139 32 killed and 11
survivors, all equivalent:
``//`` -> ``/`` under int(), annotations of locals, ``len(y) > lags + 1`` variants (n >= 3 is
required, so the first operand is always true and all-zero residuals give no finite p),
``return_df`` (ignored by statsmodels 0.15), the unreachable non-finite-p branch, ``<=`` at
the Ljung-Box threshold (choose_hac treats p >= threshold as not autocorrelated) and
``ss >= 0`` (ss = 0 only when there is no Ljung-Box p); lines 140-258 were not re-scored):

* :func:`rates.period_ratio`: the Pearson residuals ``(y - mean of the period) / sqrt(mean)``,
  their lag-1 autocorrelation and the Ljung-Box statistic ``Q = n (n + 2) r1^2 / (n - 1)``
  (Ljung and Box 1978, one lag), whose p-value on 1 degree of freedom is
  ``P(chi2_1 > Q) = erfc(sqrt(Q / 2))``.
* :func:`rates.counterfactual_window`: a Poisson series that the segmented regression fits
  exactly (100 a month for 12 months, then 150), so the counterfactual is 100 a month and the
  variance of its sum comes from the inverse of the pre-period Fisher information
  ``sum mu [1 t; t t^2]``, written out below.
"""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist

import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its, rates, trend

Z975 = NormalDist().inv_cdf(0.975)  # 1.959964..., the normal quantile of a Poisson interval

# Residuals alternate -0.1, +0.1 in both periods: before mean 100 (99 and 101: -1/10, +1/10),
# after mean 400 (398 and 402: -2/20, +2/20). Rate ratio 400 / 100 = 4. Sum of squares
# ss = 8 x 0.01 = 0.08 (below 1), lag-1 products 7 x (-0.01): r1 = -0.07 / 0.08 = -0.875.
# n = 8, so min(12, 8 // 5) = 1 lag: Q = 8 x 10 x 0.875^2 / 7 = 61.25 / 7 = 8.75.
ALT_BEFORE, ALT_AFTER = [99, 101, 99, 101], [398, 402, 398, 402]
ALT_P = math.erfc(math.sqrt(8.75 / 2))  # 0.0031


def _ratio(before, after, **kw):
    kw.setdefault("autocorrelation_p", 0.05)
    kw.setdefault("hac_rule", "never_narrower")
    return rates.period_ratio(before, after, **kw)


def test_alternating_months_ljung_box_by_hand() -> None:
    r = _ratio(ALT_BEFORE, ALT_AFTER)
    assert r.rate_ratio == pytest.approx(4.0)
    assert r.ljung_box_lags == 1
    assert r.ljung_box_p == pytest.approx(ALT_P, rel=1e-9)
    assert r.n == 8


def test_positive_lag1_rule_sees_the_negative_lag1_by_hand() -> None:
    """Autocorrelated (p 0.0031 < 0.05) with lag-1 autocorrelation -0.875: the positive_lag1
    rule keeps the model-based interval and its reason quotes r1 (ss 0.08 is below 1, so a
    cut at ss > 1 would lose r1)."""
    r = _ratio(ALT_BEFORE, ALT_AFTER, hac_rule="positive_lag1")
    assert r.cov_type == "nonrobust"
    assert r.hac_reason.startswith(
        "the residuals are autocorrelated but the lag-1 autocorrelation is not positive (")
    assert float(r.hac_reason.rsplit("(", 1)[1].rstrip(")")) == pytest.approx(-0.875, abs=0.006)
    model = trend.glm_trend(ALT_BEFORE + ALT_AFTER, [0.0] * 4 + [1.0] * 4,
                            family="quasipoisson")
    assert (r.ci_low, r.ci_high) == (model.ci_low, model.ci_high)


def test_never_narrower_compares_interval_widths_not_limits() -> None:
    """Both periods 99, 101, 99, 101: rate ratio exactly 1, so the log limits are -w and +w
    and their sum is 0; the months alternate (Ljung-Box p 0.0031 as above) and Newey-West
    gives a narrower interval (checked here as the premise), so the model-based one is kept.
    Comparing log(high x low) = 0 instead of the width 2w would pick Newey-West."""
    model = trend.glm_trend(ALT_BEFORE * 2, [0.0] * 4 + [1.0] * 4, family="quasipoisson")
    hac = trend.glm_trend(ALT_BEFORE * 2, [0.0] * 4 + [1.0] * 4, family="quasipoisson",
                          cov_type="HAC")
    assert 0 < hac.ci_high / hac.ci_low < model.ci_high / model.ci_low  # the premise
    r = _ratio(ALT_BEFORE, ALT_BEFORE)
    assert r.rate_ratio == pytest.approx(1.0)
    assert r.ljung_box_p == pytest.approx(ALT_P, rel=1e-9)
    assert r.cov_type == "nonrobust" and (r.ci_low, r.ci_high) == (model.ci_low, model.ci_high)
    assert r.hac_reason.endswith("would narrow the interval of the rate ratio")


def test_positively_autocorrelated_months_report_the_newey_west_fit() -> None:
    """A 12-month wave repeated 30 higher: the months are positively autocorrelated and
    Newey-West widens the interval, so the reported fit is the HAC one (the same as fitting
    it directly) and the reason says so."""
    wave = [100 + round(40 * math.sin(2 * math.pi * m / 12)) for m in range(12)]
    after = [v + 30 for v in wave]
    y, x = wave + after, [0.0] * 12 + [1.0] * 12
    hac = trend.glm_trend(y, x, family="quasipoisson", cov_type="HAC")
    model = trend.glm_trend(y, x, family="quasipoisson")
    assert hac.ci_high / hac.ci_low >= model.ci_high / model.ci_low  # the premise
    for rule in ("never_narrower", "positive_lag1"):
        r = _ratio(wave, after, hac_rule=rule)
        assert r.ljung_box_p < 0.05 and r.ljung_box_lags == 4  # 24 // 5
        assert r.cov_type == "HAC" and (r.ci_low, r.ci_high) == (hac.ci_low, hac.ci_high)
    assert _ratio(wave, after).hac_reason == (
        "the residuals are autocorrelated and Newey-West errors widen (or keep) every interval")


def test_three_months_still_get_a_ljung_box_test() -> None:
    """Before 2, 6 (mean 4: residuals -1, +1), after 9 (residual 0): r1 = (-1 x 1 + 1 x 0) / 2
    = -0.5, Q = 3 x 5 x 0.25 / 2 = 1.875, p = erfc(sqrt(0.9375)) = 0.171: not autocorrelated."""
    r = _ratio([2, 6], [9])
    assert r.rate_ratio == pytest.approx(9 / 4)
    assert r.ljung_box_lags == 1
    assert r.ljung_box_p == pytest.approx(math.erfc(math.sqrt(1.875 / 2)), rel=1e-9)
    assert r.hac_reason == "no residual autocorrelation detected"


def test_constant_periods_have_no_ljung_box_test() -> None:
    """Every month equals its period's mean: all residuals are 0, so there is no test (None,
    not an empty string) and no autocorrelation."""
    r = _ratio([5, 5], [7, 7])
    assert r.ljung_box_p is None
    assert r.rate_ratio == pytest.approx(1.4)
    assert r.hac_reason == "no residual autocorrelation detected"
    assert r.cov_type == "nonrobust"


@pytest.mark.parametrize(("n_before", "n_after", "lags"),
                         [(5, 4, 1), (5, 5, 2), (7, 7, 2), (33, 32, 12), (40, 40, 12)])
def test_ljung_box_lags_are_min_12_n_over_5(n_before, n_after, lags) -> None:
    """``max(1, min(12, n // 5))``: 9 months 1 lag, 10 and 14 months 2 lags, 65 and 80 months
    12 lags (the cap)."""
    before = [10 + (i % 3) for i in range(n_before)]
    after = [20 + (i % 4) for i in range(n_after)]
    assert _ratio(before, after).ljung_box_lags == lags


@pytest.mark.parametrize(("before", "after"), [([], [1, 2, 3]), ([1, 2, 3], [])])
def test_an_empty_period_is_refused(before, after) -> None:
    with pytest.raises(MethodInputError, match="both periods need at least one month"):
        _ratio(before, after)


def test_period_ratio_reads_through_to_its_glm() -> None:
    r = _ratio([10, 12, 9, 11], [20, 18, 25, 21, 19])
    g = r.glm
    assert (r.rate_ratio, r.ci_low, r.ci_high, r.n, r.dispersion, r.cov_type) == (
        g.rate_ratio, g.ci_low, g.ci_high, g.n, g.dispersion, g.cov_type)
    assert r.rate_ratio == pytest.approx((103 / 5) / (42 / 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.hac_reason = "changed"  # type: ignore[misc]
    assert hash(r) == hash(dataclasses.replace(r))  # frozen: hashable
    assert rates.PeriodRatio(glm=g, ljung_box_p=None, ljung_box_lags=1).hac_reason == ""


def test_a_failed_newey_west_fit_keeps_the_model_based_interval(monkeypatch) -> None:
    """If the HAC refit raises, the model-based fit is reported and the reason says why."""
    real = trend.glm_trend

    def no_hac(*args, **kwargs):
        if kwargs.get("cov_type") == "HAC":
            raise MethodInputError("no HAC here")
        return real(*args, **kwargs)

    monkeypatch.setattr(trend, "glm_trend", no_hac)
    r = _ratio(ALT_BEFORE, ALT_AFTER)
    assert r.cov_type == "nonrobust" and r.ljung_box_p == pytest.approx(ALT_P, rel=1e-9)
    assert r.hac_reason == ("the residuals are autocorrelated but the Newey-West covariance "
                            "could not be computed")


# --------------------------------------------------------------------------- windows

MONTHS = pd.period_range("2018-01", periods=24, freq="M")


def _exact_step(impact: str = "level_slope", post=None) -> its.ITSResult:
    y = [100.0] * 12 + (post if post is not None else [150.0] * 12)
    df = pd.DataFrame({"date": MONTHS.to_timestamp(), "count": y})
    return its.segmented_regression(df, date_col="date", count_col="count",
                                    breakpoint="2019-01", family="poisson", fourier_k=0,
                                    impact=impact)


def test_counterfactual_window_by_hand() -> None:
    """100 a month for t = 0..11, then 150: the fit is exact, the counterfactual is 100 a month.
    Window 2019-01..2019-06 (t = 12..17): observed 900, counterfactual 600, difference 300,
    +50%. The level and slope terms free the post-period, so the covariance of (b0, b1) is the
    inverse of the pre-period information 100 [12 66; 66 506] (sum t = 66, sum t^2 = 506,
    determinant 1716): (1 / 171600) [506 -66; -66 12]. Gradient of the window's sum: 100 x
    [6, 12 + ... + 17] = [600, 8700]. Variance (600^2 x 506 - 2 x 600 x 8700 x 66 + 8700^2 x
    12) / 171600 = 401 400 000 / 171600 = 2339.16, se 48.365; Poisson: normal quantile."""
    w = rates.counterfactual_window(_exact_step(), "2019-01-01", "2019-06-30")
    assert w is not None
    se = math.sqrt(401_400_000 / 171_600)
    assert w["observed"] == 900.0
    assert w["counterfactual"] == pytest.approx(600.0)
    assert w["difference"] == pytest.approx(300.0)
    assert w["ci_low"] == pytest.approx(300 - Z975 * se, rel=1e-6)  # 205.2
    assert w["ci_high"] == pytest.approx(300 + Z975 * se, rel=1e-6)  # 394.8
    cf_lo, cf_hi = 600 * math.exp(-Z975 * se / 600), 600 * math.exp(Z975 * se / 600)
    assert w["counterfactual_ci_low"] == pytest.approx(cf_lo, rel=1e-6)  # 512.3
    assert w["counterfactual_ci_high"] == pytest.approx(cf_hi, rel=1e-6)  # 702.7
    assert w["percent"] == pytest.approx(50.0)
    assert w["percent_ci_low"] == pytest.approx(100 * (900 / cf_hi - 1), rel=1e-6)  # 28.1
    assert w["percent_ci_high"] == pytest.approx(100 * (900 / cf_lo - 1), rel=1e-6)  # 75.7
    assert (w["months"], w["first_month"], w["last_month"]) == (6, "2019-01", "2019-06")


def test_window_is_clipped_to_the_series_and_includes_both_ends() -> None:
    """2019-03-15 to 2030: the months 2019-03..2019-12 (ten, both ends in); observed 1500,
    counterfactual 1000. A window wholly outside gives None, a 90% interval is narrower."""
    res = _exact_step()
    w = rates.counterfactual_window(res, "2019-03-15", "2030-01-01")
    assert (w["months"], w["first_month"], w["last_month"]) == (10, "2019-03", "2019-12")
    assert (w["observed"], w["counterfactual"]) == (1500.0, pytest.approx(1000.0))
    one = rates.counterfactual_window(res, "2018-12-01", "2018-12-31")
    assert (one["months"], one["observed"], one["difference"]) == (1, 100.0, pytest.approx(0))
    assert rates.counterfactual_window(res, "2016-01-01", "2017-12-31") is None
    w90 = rates.counterfactual_window(res, "2019-01-01", "2019-06-30", alpha=0.10)
    se = math.sqrt(401_400_000 / 171_600)
    assert w90["ci_high"] - 300 == pytest.approx(NormalDist().inv_cdf(0.95) * se, rel=1e-6)


def test_slope_only_model_window_by_hand() -> None:
    """Impact 'slope': 100 a month, then 100 x 2^k in the k-th post month. The slope term
    counts k = 1, 2, ... (Wagner et al. 2002), so the fit is exact with b2 = ln 2 and the
    counterfactual is 100 a month: window 2019-01..2019-03 gives observed 200 + 400 + 800 =
    1400, counterfactual 300."""
    post = [100.0 * 2**k for k in range(1, 13)]
    w = rates.counterfactual_window(_exact_step("slope", post), "2019-01-01", "2019-03-31")
    assert w["observed"] == 1400.0
    assert w["counterfactual"] == pytest.approx(300.0)


# A noisy quasi-Poisson series for the two checks against the model's own post-period sums.
NOISY = [97, 104, 99, 110, 95, 102, 108, 96, 101, 105, 93, 100,
         131, 144, 138, 152, 129, 141, 149, 133, 140, 146, 128, 139]


def _noisy(cov_type: str) -> its.ITSResult:
    df = pd.DataFrame({"date": MONTHS.to_timestamp(), "count": NOISY})
    return its.segmented_regression(df, date_col="date", count_col="count",
                                    breakpoint="2019-01", family="quasipoisson", fourier_k=1,
                                    cov_type=cov_type, hac_lags=2)


def test_window_of_a_newey_west_fit_is_its_cumulative() -> None:
    """With HAC (2 lags) the refit must use the same covariance: the whole post-period
    reproduces the model's own cumulative difference and interval."""
    res = _noisy("HAC")
    assert res.cov_type == "HAC"
    w = rates.counterfactual_window(res, "2019-01-01", "2019-12-31")
    for k in ("counterfactual", "ci_low", "ci_high", "percent_ci_low", "percent_ci_high"):
        assert w[k] == pytest.approx(res.cumulative[k], rel=1e-7), k


def test_result_without_df_resid_uses_n_minus_parameters() -> None:
    """An ITSResult without ``df_resid`` (older results): the t reference takes n - p = 24 - 6
    degrees of freedom (intercept, trend, level, slope, one sine-cosine pair), as the model."""
    res = _noisy("nonrobust")
    assert res.df_resid == 18
    old = dataclasses.replace(res, df_resid=None)
    w = rates.counterfactual_window(old, "2019-01-01", "2019-12-31")
    for k in ("ci_low", "ci_high", "counterfactual_ci_low"):
        assert w[k] == pytest.approx(res.cumulative[k], rel=1e-9), k
