"""Tests for ccs_methods.methods.hac_choice and its use by the book's interrupted time series.

Issue 14: switching to Newey-West (HAC) errors on the Ljung-Box test alone narrows intervals
when the residual autocorrelation is negative (anti-conservative). The rule now comes from
params (``its.hac_rule``) and is checked here on series whose autocorrelation is built in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ccs_methods.analyses import referrals
from ccs_methods.data.params import load_params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its
from ccs_methods.methods.hac_choice import choose_hac

ROOT = Path(__file__).resolve().parents[1]
EFFECTS = ["level change", "slope change"]


def _choose(**kw):
    base = dict(ljung_box_p=0.01, autocorrelation_p=0.05, rule="never_narrower", lag1=0.3,
                se_model=[0.10, 0.010], se_hac=[0.12, 0.011], effects=EFFECTS)
    return choose_hac(**{**base, **kw})


def test_no_autocorrelation_keeps_model_based() -> None:
    for lb in (0.05, 0.5, None, float("nan")):
        c = _choose(ljung_box_p=lb)
        assert not c.use_hac and c.reason == "no residual autocorrelation detected"
    assert _choose(ljung_box_p=0.0499).use_hac  # just below the threshold


def test_never_narrower_needs_every_effect_at_least_as_wide() -> None:
    assert _choose().use_hac
    assert _choose(se_hac=[0.10, 0.010]).use_hac  # equal counts as not narrower
    c = _choose(se_hac=[0.12, 0.009])
    assert not c.use_hac and c.reason.endswith("narrow the interval of the slope change")
    c = _choose(se_hac=[0.09, 0.009])
    assert c.reason.endswith("level change and slope change")
    # the sign of lag 1 does not matter to this rule, only the intervals
    assert _choose(lag1=-0.4).use_hac and not _choose(lag1=0.6, se_hac=[0.09, 0.02]).use_hac


def test_positive_lag1_rule_looks_at_the_sign_only() -> None:
    assert _choose(rule="positive_lag1", lag1=0.01, se_hac=[0.01, 0.001]).use_hac
    c = _choose(rule="positive_lag1", lag1=0.0)
    assert not c.use_hac and "not positive (+0.00)" in c.reason
    assert not _choose(rule="positive_lag1", lag1=-0.3).use_hac
    with pytest.raises(MethodInputError, match="needs the lag-1"):
        _choose(rule="positive_lag1", lag1=None)


def test_failed_hac_fit_and_bad_arguments() -> None:
    c = _choose(se_hac=None)
    assert not c.use_hac and "could not be computed" in c.reason
    with pytest.raises(MethodInputError, match="hac_rule must be one of"):
        _choose(rule="ljung_box")
    for bad in (0.0, 1.0):
        with pytest.raises(MethodInputError, match="between 0 and 1"):
            _choose(autocorrelation_p=bad)
    c = _choose()
    with pytest.raises(AttributeError):
        c.use_hac = False  # type: ignore[misc]  # frozen: a decision is not edited later
    with pytest.raises(MethodInputError, match="2 effect"):
        _choose(se_model=[0.1])
    with pytest.raises(MethodInputError, match="1 model-based and no HAC"):
        _choose(se_model=[0.1], se_hac=None)


# --------------------------------------------------------------------------------------
# the book's ITS: negatively autocorrelated residuals no longer get narrower HAC intervals
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def opts() -> dict:
    p = load_params(ROOT / "params")
    s = p.analysis.its
    return {"breakpoint": p.programme.ccs_start, "covid": referrals.covid_window(p),
            "fourier_k": s.fourier_k, "family": s.family,
            "autocorrelation_p": s.autocorrelation_p}


def _series(mult: np.ndarray) -> pd.DataFrame:
    n = mult.size
    months = pd.period_range("2017-10", periods=n, freq="M")
    t = np.arange(n)
    y = np.round(100 * np.exp(0.005 * t) * np.where(t >= 24, 1.4, 1.0) * mult).astype(int)
    return pd.DataFrame({"month": [str(q) for q in months], "date": months.to_timestamp(),
                         "referrals": y})


def _both_fits(s: pd.DataFrame, opts: dict) -> tuple[its.ITSResult, its.ITSResult]:
    df = pd.DataFrame({"date": s["date"], "count": s["referrals"]})
    kw = dict(date_col="date", count_col="count", breakpoint=str(opts["breakpoint"])[:7],
              family=opts["family"], fourier_k=opts["fourier_k"], covid=opts["covid"])
    return (its.segmented_regression(df, **kw),
            its.segmented_regression(df, cov_type="HAC", **kw))


def test_negative_autocorrelation_keeps_the_wider_model_based_interval(opts) -> None:
    """Months alternating 12% above and below the trend: lag-1 autocorrelation near -1."""
    rng = np.random.default_rng(3)
    t = np.arange(48)
    s = _series(1 + 0.12 * (-1.0) ** t + rng.normal(0, 0.02, 48))
    model, hac = _both_fits(s, opts)
    # the premise: Ljung-Box flags it, lag 1 is negative, HAC narrows both intervals
    assert model.ljung_box_p < 1e-10 and model.autocorrelation["lag1"] < -0.8
    assert hac.level_change["se"] < model.level_change["se"]
    assert hac.slope_change["se"] < model.slope_change["se"]
    old_rule = referrals.referral_its(s, hac_rule="never_narrower", **opts)
    assert old_rule.result.cov_type == "nonrobust"
    assert old_rule.result.level_change["ci_low"] == model.level_change["ci_low"]
    assert "narrow the interval of the level change and slope change" in old_rule.hac_reason
    pos = referrals.referral_its(s, hac_rule="positive_lag1", **opts)
    assert pos.result.cov_type == "nonrobust" and "not positive" in pos.hac_reason


@pytest.mark.parametrize(("seed", "widens"), [(0, True), (1, False)])
def test_positive_autocorrelation(opts, seed: int, widens: bool) -> None:
    """AR(1) log-noise (phi 0.7): HAC is kept only where it widens both intervals."""
    rng = np.random.default_rng(seed)
    e = np.zeros(48)
    for i in range(1, 48):
        e[i] = 0.7 * e[i - 1] + rng.normal(0, 0.08)
    s = _series(np.exp(e))
    model, hac = _both_fits(s, opts)
    assert model.autocorrelation["lag1"] > 0.15
    wider = (hac.level_change["se"] >= model.level_change["se"]
             and hac.slope_change["se"] >= model.slope_change["se"])
    a = referrals.referral_its(s, hac_rule="never_narrower", **opts)
    flagged = model.ljung_box_p < opts["autocorrelation_p"]
    assert a.hac == (flagged and wider) == widens
    if widens:
        assert a.result.level_change["se"] == hac.level_change["se"]


def test_period_ratio_keeps_the_model_based_interval_under_negative_autocorrelation() -> None:
    """Months alternating high and low around each period's mean: the Ljung-Box test flags
    them, the lag-1 autocorrelation is strongly negative, and Newey-West would narrow the
    interval; both rules keep the model-based fit. The HAC fit is written out to check."""
    from ccs_methods.methods import rates, trend

    before = [80, 120] * 6
    after = [100, 140] * 6
    y, x = before + after, [0.0] * 12 + [1.0] * 12
    model = trend.glm_trend(y, x, family="quasipoisson")
    hac = trend.glm_trend(y, x, family="quasipoisson", cov_type="HAC")
    assert hac.ci_high / hac.ci_low < model.ci_high / model.ci_low  # the premise
    for rule in ("never_narrower", "positive_lag1"):
        r = rates.period_ratio(before, after, autocorrelation_p=0.05, hac_rule=rule)
        assert r.ljung_box_p is not None and r.ljung_box_p < 0.05
        assert r.cov_type == "nonrobust"
        assert (r.ci_low, r.ci_high) == (model.ci_low, model.ci_high)
    assert "narrow the interval of the rate ratio" in rates.period_ratio(
        before, after, autocorrelation_p=0.05, hac_rule="never_narrower").hac_reason
