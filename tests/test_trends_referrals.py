"""Tests for ccs_methods.analyses.referrals and ccs_methods.methods.rates.

The interrupted time series is checked against a GLM written out by hand in statsmodels; the
window counterfactual against the model's own whole post-period; the period ratio against a
quasi-Poisson fit written out. The options (Fourier terms, family, autocorrelation threshold,
sensitivity shifts) are arguments, as the notebooks pass them from params/analysis.yml.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ccs_methods.analyses import referrals
from ccs_methods.analyses.trend_data import published
from ccs_methods.data.params import load_params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import its, rates

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params")


def its_opts(params) -> dict:
    s = params.analysis.its
    return {"breakpoint": params.programme.ccs_start, "covid": referrals.covid_window(params),
            "fourier_k": s.fourier_k, "family": s.family,
            "autocorrelation_p": s.autocorrelation_p, "hac_rule": s.hac_rule}


def referral_records(counts: dict[str, int], site: str = "norfolk") -> pd.DataFrame:
    """Referral records: ``counts[month]`` referrals on the first of each month."""
    rows = []
    for month, n in counts.items():
        rows += [{"date": pd.Timestamp(f"{month}-01"), "site": site, "from_sector": "vcs",
                  "to_sector": "vcs"}] * int(n)
    return pd.DataFrame(rows)


def step_series(n_pre: int = 24, n_post: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(20211210)
    months = pd.period_range("2017-10", periods=n_pre + n_post, freq="M")
    t = np.arange(n_pre + n_post)
    y = rng.poisson(100 * np.exp(0.005 * t) * np.where(t >= n_pre, 1.4, 1.0))
    return pd.DataFrame({"month": [str(p) for p in months], "date": months.to_timestamp(),
                         "referrals": y})


def test_monthly_referrals_zero_fills_gaps() -> None:
    recs = referral_records({"2021-03": 2, "2021-05": 3})
    m = referrals.monthly_referrals(recs, "norfolk")
    assert m["month"].tolist() == ["2021-03", "2021-04", "2021-05"]
    assert m["referrals"].tolist() == [2, 0, 3]
    with pytest.raises(MethodInputError, match="no records"):
        referrals.monthly_referrals(recs, "oldham")
    with pytest.raises(MethodInputError, match="column 'date'"):
        referrals.monthly_referrals(pd.DataFrame({"x": [1]}))


def test_has_pre_period_and_covid_window(params) -> None:
    s = step_series()
    assert referrals.has_pre_period(s, "2019-10-01", min_points_each_side=8)
    assert not referrals.has_pre_period(s, "2019-10-01", min_points_each_side=25)
    c = params.programme.covid
    assert referrals.covid_window(params) == (
        str(pd.Timestamp(c.period_start).to_period("M")),
        str(pd.Timestamp(c.period_end).to_period("M")))


def test_referral_its_takes_its_options_and_finds_a_known_step(params) -> None:
    """The estimate equals a GLM written out by hand in statsmodels."""
    import statsmodels.api as sm

    s = step_series()
    a = referrals.referral_its(s, **its_opts(params))
    res = a.result
    assert res.breakpoint == str(pd.Timestamp(params.programme.ccs_start).to_period("M"))
    assert res.fourier_k == params.analysis.its.fourier_k and res.family == "quasipoisson"
    months = pd.PeriodIndex(s["month"], freq="M")
    t = np.arange(len(s), dtype=float)
    post = (t >= 24).astype(float)
    cols = [np.ones(len(s)), t, post, (t - 23) * post]
    for k in (1, 2):
        cols += [np.sin(2 * np.pi * k * months.month / 12),
                 np.cos(2 * np.pi * k * months.month / 12)]
    cols.append(np.array([pd.Period(res.covid[0], "M") <= p <= pd.Period(res.covid[1], "M")
                          for p in months], dtype=float))
    X = np.column_stack(cols)
    fit = sm.GLM(s["referrals"].to_numpy(float), X, family=sm.families.Poisson()).fit(scale="X2")
    assert res.level_change["rate_ratio"] == pytest.approx(math.exp(fit.params[2]), rel=1e-6)
    assert res.slope_change["rate_ratio"] == pytest.approx(math.exp(fit.params[3]), rel=1e-6)
    assert res.level_change["ci_low"] > 1.0  # the built-in 40% step is found
    one = referrals.referral_its(s, **{**its_opts(params), "fourier_k": 1})
    assert one.result.fourier_k == 1 and one.result.level_change != res.level_change
    strict = referrals.referral_its(s, **{**its_opts(params), "autocorrelation_p": 0.999999})
    # any Ljung-Box p counts as autocorrelated now; whether HAC is used is its.hac_rule's call
    # (tests/test_hac_choice.py): here Newey-West would narrow the intervals, so it is not
    assert strict.first_ljung_box_p is not None and not strict.hac
    assert strict.hac_reason.startswith("the residuals are autocorrelated, but Newey-West")


def test_its_result_effects_and_counterfactual_tables(params) -> None:
    a = referrals.referral_its(step_series(), **its_opts(params))
    res = a.result
    r = referrals.its_result(res, res.level_change, "referrals_ncan")
    assert r["rate_ratio"] == res.level_change["rate_ratio"] and r["n"] == res.n
    assert r["dataset"] == "referrals_ncan" and r["breakpoint"] == res.breakpoint
    t = referrals.effects_table(res)
    lv = res.level_change
    assert t.loc[f"level change at {res.breakpoint}", "rate ratio (95% CI)"] == (
        f"{lv['rate_ratio']:.2f} ({lv['ci_low']:.2f} to {lv['ci_high']:.2f})")
    w = rates.counterfactual_window(res, "2019-10-01", "2020-09-30")
    ct = referrals.counterfactual_table(w)
    assert ct.loc["observed − counterfactual", "value"] == f"{w['difference']:+,.0f}".replace(
        "-", "−")
    assert referrals.counterfactual_table(None).empty


def test_breakpoint_sensitivity_equals_its_method(params) -> None:
    s = step_series()
    a = referrals.referral_its(s, **its_opts(params))
    shifts = (-3, 0, 3)
    t = referrals.breakpoint_sensitivity(a, shifts=shifts, covid=referrals.covid_window(params),
                                         fourier_k=2, family="quasipoisson")
    assert len(t) == 3 and t.index[1].endswith("(CCS start)")
    bp = pd.Period(a.result.breakpoint, "M")
    direct = its.breakpoint_sensitivity(
        pd.DataFrame({"date": s["date"], "count": s["referrals"]}), [str(bp + k) for k in shifts],
        date_col="date", count_col="count", family="quasipoisson", fourier_k=2,
        covid=referrals.covid_window(params), cov_type=a.result.cov_type)
    r = direct.iloc[1]
    assert t.iloc[1]["level change RR (95% CI)"] == (
        f"{r['level_rr']:.2f} ({r['level_ci_low']:.2f} to {r['level_ci_high']:.2f})")


def test_counterfactual_window_reproduces_whole_post_period(params) -> None:
    res = referrals.referral_its(step_series(), **its_opts(params)).result
    w = rates.counterfactual_window(res, res.dates[res.n_pre], res.dates[-1])
    assert w is not None and w["months"] == res.n_post
    for k in ("observed", "counterfactual", "difference", "ci_low", "ci_high", "percent",
              "counterfactual_ci_low", "counterfactual_ci_high"):
        assert w[k] == pytest.approx(res.cumulative[k], rel=1e-7), k
    assert rates.counterfactual_window(res, "2030-01-01", "2030-12-31") is None
    X, X_cf = rates.its_design(res)
    assert X.shape == X_cf.shape and (X_cf[:, 2:4] == 0).all()


def test_period_ratio_is_ratio_of_monthly_means_with_quasipoisson_interval() -> None:
    """Ratio of means; the interval from a quasi-Poisson fit written out (t on n - 2 df)."""
    import statsmodels.api as sm
    from scipy import stats

    before, after = [10, 12, 9, 11], [20, 18, 25, 21, 19]
    r = rates.period_ratio(before, after, autocorrelation_p=0.05, hac_rule="never_narrower")
    assert r.rate_ratio == pytest.approx(np.mean(after) / np.mean(before), rel=1e-9)
    assert r.cov_type == "nonrobust" and r.ljung_box_p >= 0.05 and r.n == 9
    x = np.array([0.0] * 4 + [1.0] * 5)
    fit = sm.GLM(before + after, sm.add_constant(x - x.mean()),
                 family=sm.families.Poisson()).fit(scale="X2")
    q = stats.t.ppf(0.975, 7)
    b, se = float(fit.params[1]), float(fit.bse[1])
    assert r.ci_low == pytest.approx(math.exp(b - q * se), rel=1e-7)
    assert r.ci_high == pytest.approx(math.exp(b + q * se), rel=1e-7)
    assert r.dispersion is not None
    with pytest.raises(MethodInputError):
        rates.period_ratio([], [1, 2], autocorrelation_p=0.05, hac_rule="never_narrower")


def test_period_ratio_uses_newey_west_when_months_are_autocorrelated() -> None:
    wave = [100 + round(40 * math.sin(2 * math.pi * m / 12)) for m in range(12)]
    r = rates.period_ratio(wave, [v + 30 for v in wave], autocorrelation_p=0.05,
                           hac_rule="never_narrower")
    assert r.ljung_box_p < 0.05 and r.cov_type == "HAC" and r.glm.hac_lags >= 1
    never = rates.period_ratio(wave, [v + 30 for v in wave], autocorrelation_p=1e-12,
                               hac_rule="never_narrower")
    assert never.cov_type == "nonrobust"


def test_e5_comparison_equals_direct_means(params) -> None:
    s = step_series()
    e5 = published("E5", "norfolk", ["referrals_per_month_mean",
                                     "referrals_per_month_change_pct"])
    table, info = referrals.e5_comparison(s, params.programme.ccs_start, e5,
                                          autocorrelation_p=0.05, hac_rule="never_narrower")
    per = pd.PeriodIndex(s["month"], freq="M")
    bp = pd.Timestamp(params.programme.ccs_start).to_period("M")
    assert info["before"] == pytest.approx(s.loc[per < bp, "referrals"].mean())
    assert info["n_before"] + info["n_after"] == len(s)
    assert table.iloc[0]["published"] == "292" and table.iloc[1]["published"] == "505"


def test_describe_year_and_e7(params) -> None:
    months = [f"2021-{m:02d}" for m in range(3, 10)]
    values = [12, 25, 30, 38, 41, 49, 55]
    s = referrals.monthly_referrals(referral_records(dict(zip(months, values, strict=True)),
                                                     "tower_hamlets"))
    yd = referrals.describe_year(s, params.programme.year(2))
    d = yd.description
    assert d.total == sum(values)  # all months lie in Year 2
    assert yd.table.loc["referrals (total)", "value"] == f"{d.total:,}"
    assert yd.early_trend is not None and yd.early_trend.ci_low > 1
    empty = referrals.describe_year(s, params.programme.year(1))
    assert empty.description is None and empty.table.empty
    short = referrals.describe_year(s.iloc[:3], params.programme.year(2))
    assert short.early_trend is None
    e7 = published("E7", "tower_hamlets", ["referrals"])
    table, info = referrals.e7_comparison(s, e7)
    if not e7.empty:
        assert info["computed"] <= s["referrals"].sum() and len(table) == 1
    assert referrals.e7_comparison(s, e7.iloc[0:0])[0].empty
