"""Tests for ccs_methods.methods.its: segmented regression, sensitivity, description."""

from __future__ import annotations

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
from ccs_methods.methods.its import breakpoint_sensitivity, describe_series, segmented_regression

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    d = pd.read_csv(DATA / "sicily.csv")
    d["date"] = pd.to_datetime({"year": d["year"], "month": d["month"], "day": 1})
    return d


def _fit(d: pd.DataFrame, **kw):
    base = dict(date_col="date", count_col="aces", breakpoint="2005-01", offset_col="stdpop")
    base.update(kw)
    return segmented_regression(d, **base)


def _direct(d: pd.DataFrame, *, harmonics: int, slope: bool, scale: str | None):
    """The authors' R model written out directly in statsmodels (independent check)."""
    m = d["month"].to_numpy(dtype=float)
    cols = [np.ones(len(d)), d["smokban"].to_numpy(float), d["time"].to_numpy(float)]
    if slope:
        cols.append((d["time"].to_numpy(float) - 36) * d["smokban"].to_numpy(float))
    for k in range(1, harmonics + 1):
        cols += [np.sin(2 * np.pi * k * m / 12), np.cos(2 * np.pi * k * m / 12)]
    res = sm.GLM(d["aces"].to_numpy(float), np.column_stack(cols),
                 family=sm.families.Poisson(),
                 offset=np.log(d["stdpop"].to_numpy(float))).fit(scale=scale)
    return np.asarray(res.params), np.asarray(res.conf_int())


# ----------------------------------------------------------------------------------------
# Published worked example: Lopez Bernal, Cummins & Gasparrini (2017), Sicily data
# ----------------------------------------------------------------------------------------
def test_sicily_model1_poisson_step_change(sicily: pd.DataFrame) -> None:
    """Lopez Bernal et al. (2017) Int J Epidemiol 46:348, Step 4, `model1`.

    `glm(aces ~ offset(log(stdpop)) + smokban + time, family=poisson)`; `ci.exp`:
    smoking-ban RR 0.894 (95% CI 0.865 to 0.925), time RR 1.005 per month.
    """
    r = _fit(sicily, family="poisson", fourier_k=0, impact="level")
    assert r.level_change["rate_ratio"] == pytest.approx(0.8944, abs=5e-5)
    assert r.level_change["ci_low"] == pytest.approx(0.8647, abs=5e-5)
    assert r.level_change["ci_high"] == pytest.approx(0.9251, abs=5e-5)
    assert r.pre_trend["rate_ratio"] == pytest.approx(1.00496, abs=5e-6)
    params, ci = _direct(sicily, harmonics=0, slope=False, scale=None)
    assert np.log(r.level_change["rate_ratio"]) == pytest.approx(params[1], rel=1e-7)
    assert np.log(r.level_change["ci_low"]) == pytest.approx(ci[1, 0], rel=1e-7)
    assert r.n_pre == 36 and r.n_post == 23 and r.breakpoint == "2005-01"


Z975 = stats.norm.ppf(0.975)


def _published_se(lo: float, hi: float) -> float:
    """Standard error behind a published normal-quantile interval (``Epi::ci.exp``)."""
    return (np.log(hi) - np.log(lo)) / (2 * Z975)


def _assert_t_interval(eff: dict, df: int) -> None:
    """The interval is exp(b -/+ t_{df, 0.975} se): quasi-Poisson uses t on residual df."""
    q = stats.t.ppf(0.975, df)
    b = np.log(eff["rate_ratio"])
    assert eff["ci_low"] == pytest.approx(np.exp(b - q * eff["se"]), rel=1e-12)
    assert eff["ci_high"] == pytest.approx(np.exp(b + q * eff["se"]), rel=1e-12)


def test_sicily_model2_quasipoisson(sicily: pd.DataFrame) -> None:
    """Lopez Bernal et al. (2017) Step 5a, `model2` (quasi-Poisson): RR 0.894 (0.839-0.953).

    The published interval uses the normal quantile (``Epi::ci.exp``); the book uses t on
    the residual df for quasi-Poisson (as R's ``summary.glm``), so the estimate and the
    standard error behind the published interval are checked, then the t interval.
    """
    r = _fit(sicily, family="quasipoisson", fourier_k=0, impact="level")
    assert r.level_change["rate_ratio"] == pytest.approx(0.8944, abs=5e-5)
    assert r.level_change["se"] == pytest.approx(_published_se(0.8392, 0.9532), rel=2e-3)
    assert r.df_resid == 59 - 3 and r.reference == "t"
    _assert_t_interval(r.level_change, 56)
    assert r.level_change["ci_low"] < 0.8392 and r.level_change["ci_high"] > 0.9532
    assert r.dispersion == pytest.approx(3.559, abs=5e-4)


def test_sicily_model3_seasonally_adjusted(sicily: pd.DataFrame) -> None:
    """Lopez Bernal et al. (2017) Step 5c, `model3`: quasi-Poisson + harmonic(month, 2, 12).

    Smoking ban RR 0.885 (95% CI 0.839 to 0.933), the tutorial's seasonally adjusted
    estimate; checked also against the same model fitted directly in statsmodels.
    """
    r = _fit(sicily, family="quasipoisson", fourier_k=2, impact="level")
    assert round(r.level_change["rate_ratio"], 3) == 0.885
    assert r.level_change["se"] == pytest.approx(_published_se(0.839, 0.933), rel=2e-2)
    _assert_t_interval(r.level_change, 59 - 7)
    params, ci = _direct(sicily, harmonics=2, slope=False, scale="X2")
    assert np.log(r.level_change["rate_ratio"]) == pytest.approx(params[1], rel=1e-7)
    # statsmodels' normal-quantile interval reproduces the published one
    assert np.exp(ci[1, 1]) == pytest.approx(0.933, abs=5e-4)
    assert r.level_change["se"] == pytest.approx((ci[1, 1] - params[1]) / Z975, rel=1e-6)
    assert np.exp(12 * params[2]) == pytest.approx(r.pre_trend["rate_ratio_per_year"])


def test_sicily_model4_level_and_slope_change(sicily: pd.DataFrame) -> None:
    """Lopez Bernal et al. (2017), additional material `model4` (corrected code).

    `smokban + time + I(time-36):smokban + harmonic(month,2,12)`, quasi-Poisson: level
    RR 0.876 (0.827-0.929), slope change RR 1.001 (0.998-1.005), "very little slope change".
    """
    r = _fit(sicily, family="quasipoisson", fourier_k=2, impact="level_slope")
    assert round(r.level_change["rate_ratio"], 3) == 0.876
    assert r.level_change["se"] == pytest.approx(_published_se(0.827, 0.929), rel=2e-2)
    _assert_t_interval(r.level_change, 59 - 8)
    _assert_t_interval(r.slope_change, 59 - 8)
    assert round(r.slope_change["rate_ratio"], 3) == 1.001
    assert r.slope_change["ci_low"] < 1 < r.slope_change["ci_high"]
    params, _ = _direct(sicily, harmonics=2, slope=True, scale="X2")
    assert np.log(r.slope_change["rate_ratio"]) == pytest.approx(params[3], rel=1e-6)


def test_counterfactual_and_cumulative_difference(sicily: pd.DataFrame) -> None:
    r = _fit(sicily, fourier_k=2)
    frame = r.to_frame()
    pre = frame[frame["period"] == "pre"]
    # no covid term: in the pre-period the counterfactual is the fitted model
    np.testing.assert_allclose(pre["counterfactual"], pre["fitted"], rtol=1e-10)
    post = frame[frame["period"] == "post"]
    assert r.cumulative["observed"] == post["observed"].sum()
    assert r.cumulative["counterfactual"] == pytest.approx(post["counterfactual"].sum())
    c = r.cumulative
    assert c["ci_low"] < c["difference"] < c["ci_high"] < 0
    assert (frame["counterfactual_ci_low"] <= frame["counterfactual"]).all()
    assert (frame["counterfactual"] <= frame["counterfactual_ci_high"]).all()


def test_delta_method_interval_agrees_with_parametric_simulation(sicily: pd.DataFrame) -> None:
    """The delta-method SE of the summed counterfactual vs a seeded simulation of beta."""
    r = _fit(sicily, fourier_k=2, impact="level")
    d = sicily
    m = d["month"].to_numpy(float)
    t = np.arange(len(d), dtype=float)
    X = np.column_stack([np.ones(len(d)), t, (t >= 36).astype(float)]
                        + [f(2 * np.pi * k * m / 12) for k in (1, 2) for f in (np.sin, np.cos)])
    res = sm.GLM(d["aces"].to_numpy(float), X, family=sm.families.Poisson(),
                 offset=np.log(d["stdpop"].to_numpy(float))).fit(scale="X2")
    rng = np.random.default_rng(2017)
    draws = rng.multivariate_normal(np.asarray(res.params), np.asarray(res.cov_params()), 20000)
    Xcf = X.copy()
    Xcf[:, 2] = 0.0
    post = t >= 36
    sums = np.exp(Xcf[post] @ draws.T + np.log(d["stdpop"].to_numpy(float))[post, None]).sum(0)
    se_sim = sums.std()
    q = stats.t.ppf(0.975, r.df_resid)  # quasi-Poisson: t on the residual df
    se_delta = (r.cumulative["ci_high"] - r.cumulative["difference"]) / q
    assert se_delta == pytest.approx(se_sim, rel=0.05)
    assert r.cumulative["counterfactual"] == pytest.approx(sums.mean(), rel=0.01)


def test_diagnostics_hac_negbin_and_json(sicily: pd.DataFrame) -> None:
    r = _fit(sicily, fourier_k=2)
    assert 0 <= r.ljung_box_p <= 1 and 0 < r.durbin_watson < 4
    h = _fit(sicily, fourier_k=2, cov_type="HAC", hac_lags=3)
    assert h.hac_lags == 3
    assert h.level_change["rate_ratio"] == pytest.approx(r.level_change["rate_ratio"])
    assert h.level_change["ci_low"] != pytest.approx(r.level_change["ci_low"])
    nb = _fit(sicily, fourier_k=2, family="negbin")
    assert nb.nb_alpha is not None and nb.nb_alpha > 0
    assert nb.level_change["ci_low"] < nb.level_change["rate_ratio"] < nb.level_change["ci_high"]
    for res in (r, h, nb):
        json.dumps(res.to_dict(), allow_nan=False)


def test_covid_term_is_estimated_and_kept_in_counterfactual() -> None:
    months = pd.date_range("2017-01-01", "2021-12-01", freq="MS")
    rng = np.random.default_rng(42)
    t = np.arange(len(months))
    covid = (months >= "2020-04-01") & (months <= "2020-09-01")
    mu = 300 * np.exp(0.004 * t) * np.where(t >= 33, 1.3, 1.0) * np.where(covid, 0.6, 1.0)
    df = pd.DataFrame({"month": months, "n": rng.poisson(mu)})
    r = segmented_regression(df, date_col="month", count_col="n", breakpoint="2019-10",
                             covid=("2020-04", "2020-09"), fourier_k=0)
    assert r.covid == ["2020-04", "2020-09"]
    assert r.covid_effect["ci_low"] < 0.6 < r.covid_effect["ci_high"]
    assert r.level_change["ci_low"] < 1.3 < r.level_change["ci_high"]
    frame = r.to_frame()
    # the counterfactual removes only the programme: in the Covid-19 window it carries the
    # Covid-19 dip, so fitted / counterfactual there is exactly the level and slope effect
    i = frame.index[frame["month"] == "2020-05"][0]
    t_i = int(i)
    programme = np.exp(r.level_change["log_estimate"]
                       + r.slope_change["log_estimate"] * (t_i - 33 + 1))
    assert frame.loc[i, "fitted"] / frame.loc[i, "counterfactual"] == pytest.approx(programme)
    # and before the breakpoint it is the fitted model
    pre = frame[frame["period"] == "pre"]
    np.testing.assert_allclose(pre["counterfactual"], pre["fitted"], rtol=1e-10)
    # a Covid-19 dip is not counted against the programme: cumulative difference uses the
    # Covid-adjusted counterfactual, so its sign follows the built-in +30% step
    assert r.cumulative["difference"] > 0


@pytest.mark.parametrize(
    ("values", "kw", "match"),
    [
        ([0] * 12 + list(range(5, 17)), {}, "before the breakpoint .* is zero"),
        (list(range(5, 17)) + [0] * 12, {}, "from the breakpoint .* is zero"),
        ([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 0, 0, 21, 22, 23, 24, 25, 26,
          27], {"covid": ("2020-03", "2020-05")}, "covid window .* is zero"),
    ],
)
def test_all_zero_segments_are_refused(values, kw, match) -> None:
    df = _series(values=values)
    with pytest.raises(MethodInputError, match=match):
        segmented_regression(df, date_col="date", count_col="count", breakpoint="2020-01",
                             fourier_k=0, **kw)


def test_numeric_failure_is_an_input_error() -> None:
    v = np.arange(24) % 7 + 10
    v = v.astype(float)
    v[3] = 1e308
    with pytest.raises(MethodInputError, match=r"could not be fitted|non-finite|finite"):
        segmented_regression(_series(values=v), date_col="date", count_col="count",
                             breakpoint="2020-01")


# ----------------------------------------------------------------------------------------
# property: scaling counts by k leaves rate ratios unchanged
# ----------------------------------------------------------------------------------------
@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=2, max_value=6), st.integers(min_value=0, max_value=10_000))
def test_scaling_counts_leaves_rate_ratios_unchanged(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2018-01-01", periods=30, freq="MS")
    y = rng.poisson(50 * np.exp(0.01 * np.arange(30)))
    y[0] += 1  # never constant
    a = segmented_regression(pd.DataFrame({"m": months, "y": y}), date_col="m", count_col="y",
                             breakpoint="2019-04")
    b = segmented_regression(pd.DataFrame({"m": months, "y": k * y}), date_col="m",
                             count_col="y", breakpoint="2019-04")
    for key in ("level_change", "slope_change", "pre_trend"):
        assert getattr(b, key)["rate_ratio"] == pytest.approx(getattr(a, key)["rate_ratio"],
                                                              rel=1e-6)
    assert b.cumulative["percent"] == pytest.approx(a.cumulative["percent"], rel=1e-6)


# ----------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------
def _series(n: int = 24, start: str = "2019-01-01", values=None) -> pd.DataFrame:
    months = pd.date_range(start, periods=n, freq="MS")
    v = values if values is not None else (np.arange(n) % 7 + 10)
    return pd.DataFrame({"date": months, "count": v})


def test_gap_names_first_missing_month() -> None:
    df = _series().drop(index=[5, 6])
    with pytest.raises(MethodInputError, match="month 2019-06 is missing"):
        segmented_regression(df, date_col="date", count_col="count", breakpoint="2020-01")


@pytest.mark.parametrize(
    ("mutate", "kwargs", "match"),
    [
        (lambda d: d.assign(count=d["count"].where(d.index != 3, -1)), {}, "negative count"),
        (lambda d: d.assign(count=d["count"].astype(float).where(d.index != 3, 2.5)), {},
         "whole number"),
        (lambda d: d.assign(count=0), {}, "all 24 monthly counts are zero"),
        (lambda d: d.assign(count=5), {}, "are equal"),
        (lambda d: d, {"breakpoint": "2018-06"}, "outside the series"),
        (lambda d: d, {"breakpoint": "2021-06"}, "outside the series"),
        (lambda d: d, {"breakpoint": "2019-05"}, "leaves 4 month.* needs at least 8"),
        (lambda d: d, {"breakpoint": "2020-11"}, "needs at least 8 on each side"),
        (lambda d: pd.concat([d, d.iloc[[2]]]), {}, "appears more than once"),
        (lambda d: d.assign(count=d["count"].astype(object).where(d.index != 4, None)), {},
         "missing or not a number"),
        (lambda d: d.assign(date=d["date"].astype(str).where(d.index != 1, "soon")), {},
         "not a readable date"),
        (lambda d: d, {"count_col": "referrals"}, "column 'referrals' not found"),
        (lambda d: d, {"covid": ("2015-01", "2015-06")}, "does not overlap"),
        (lambda d: d, {"covid": ("2020-01", None)}, "confounded"),
        (lambda d: d, {"fourier_k": 9}, "fourier_k"),
        (lambda d: d, {"family": "gaussian"}, "family must be"),
    ],
)
def test_segmented_regression_bad_input(mutate, kwargs: dict, match: str) -> None:
    args = dict(date_col="date", count_col="count", breakpoint="2020-01")
    args.update(kwargs)
    with pytest.raises(MethodInputError, match=match):
        segmented_regression(mutate(_series()).reset_index(drop=True), **args)


def test_error_names_row_and_column() -> None:
    df = _series()
    df.loc[3, "count"] = -4
    with pytest.raises(MethodInputError) as exc:
        segmented_regression(df, date_col="date", count_col="count", breakpoint="2020-01")
    assert exc.value.row == 4 and exc.value.column == "count"


# ----------------------------------------------------------------------------------------
# sensitivity and description
# ----------------------------------------------------------------------------------------
def test_breakpoint_sensitivity_table(sicily: pd.DataFrame) -> None:
    tab = breakpoint_sensitivity(sicily, ["2004-07", "2005-01", "2006-08"], date_col="date",
                                 count_col="aces", offset_col="stdpop", fourier_k=2)
    assert list(tab["breakpoint"]) == ["2004-07", "2005-01", "2006-08"]
    ok = tab[tab["error"] == ""]
    assert len(ok) == 2
    row = tab[tab["breakpoint"] == "2005-01"].iloc[0]
    single = _fit(sicily, fourier_k=2)
    assert row["level_rr"] == pytest.approx(single.level_change["rate_ratio"])
    bad = tab[tab["breakpoint"] == "2006-08"].iloc[0]
    assert "at least 8" in bad["error"] and bad["level_rr"] is None
    with pytest.raises(MethodInputError, match="at least one breakpoint"):
        breakpoint_sensitivity(sicily, [], date_col="date", count_col="aces")


def test_describe_series_without_pre_period() -> None:
    """Synthetic THCAN-like series (March-October 2021), labelled synthetic."""
    df = pd.DataFrame({"month": pd.date_range("2021-03-01", "2021-10-01", freq="MS"),
                       "referrals": [12, 25, 30, 28, 41, 39, 49, 44]})
    r = describe_series(df, date_col="month", count_col="referrals", label="synthetic THCAN")
    assert r.n_months == 8 and r.total == 268
    assert r.monthly_mean == pytest.approx(33.5)
    assert (r.monthly_min, r.monthly_max) == (12, 49)
    assert (r.min_month, r.max_month) == ("2021-03", "2021-09")
    assert "no counterfactual" in r.note
    json.dumps(r.to_dict(), allow_nan=False)
    with pytest.raises(MethodInputError, match="2021-05 is missing"):
        describe_series(df.drop(index=2), date_col="month", count_col="referrals")


def test_quasipoisson_hac_says_truthfully_what_it_is(sicily: pd.DataFrame) -> None:
    """Quasi-Poisson + HAC is the Newey-West sandwich of the Poisson score, not scaled by the
    dispersion: its SE equals an independent statsmodels Poisson HAC fit, the model-based
    quasi-Poisson SE is sqrt(dispersion) x the Poisson SE, and the text says so."""
    h = _fit(sicily, fourier_k=2, cov_type="HAC", hac_lags=3)
    q = _fit(sicily, fourier_k=2)
    d = sicily
    m = d["month"].to_numpy(float)
    t = np.arange(len(d), dtype=float)
    X = np.column_stack([np.ones(len(d)), t, (t >= 36).astype(float),
                         (t - 36 + 1) * (t >= 36)]
                        + [f(2 * np.pi * k * m / 12) for k in (1, 2) for f in (np.sin, np.cos)])
    mod = sm.GLM(d["aces"].to_numpy(float), X, family=sm.families.Poisson(),
                 offset=np.log(d["stdpop"].to_numpy(float)))
    hac = mod.fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    pois = mod.fit()
    assert h.level_change["se"] == pytest.approx(float(hac.bse[2]), rel=1e-6)
    assert q.level_change["se"] == pytest.approx(float(pois.bse[2]) * math.sqrt(q.dispersion),
                                                 rel=1e-6)
    assert "NOT multiplied by the Pearson dispersion" in h.interval_method
    assert "3 lag(s)" in h.interval_method and h.hac_lags == 3
    assert "multiplied by the Pearson dispersion" in q.interval_method
    assert "scaled by the Pearson dispersion" not in h.interval_method


def test_autocorrelation_advice_follows_the_sign(sicily: pd.DataFrame) -> None:
    """Sicily with two harmonics (Lopez Bernal et al. 2017) has negative lag-1 residual
    autocorrelation (Durbin-Watson about 2.4): the advice says model-based errors are
    conservative and that HAC would narrow them (SE smaller); a simulated AR(1) series with
    rho = 0.7 gets the positive-autocorrelation advice with HAC wider."""
    r = _fit(sicily, fourier_k=2)
    ac = r.autocorrelation
    assert ac["lag1"] < -0.15 and r.durbin_watson > 2.2
    assert ac["se_hac"] < ac["se_model_based"]
    assert r.notes[0].startswith("Negative residual autocorrelation")
    assert "narrower" in r.notes[0] and "cautious" in r.notes[0]
    rng = np.random.default_rng(14)
    e = np.zeros(96)
    for i in range(1, 96):
        e[i] = 0.7 * e[i - 1] + rng.normal(0, 0.15)
    months = pd.date_range("2015-01-01", periods=96, freq="MS")
    df = pd.DataFrame({"date": months, "n": rng.poisson(200 * np.exp(e))})
    p = segmented_regression(df, date_col="date", count_col="n", breakpoint="2019-01",
                             fourier_k=0)
    assert p.autocorrelation["lag1"] > 0.4
    assert p.notes[0].startswith("Positive residual autocorrelation")
    assert p.autocorrelation["se_hac"] > p.autocorrelation["se_model_based"]
    assert "wider" in p.notes[0] and "consider cov_type='HAC'" in p.notes[0]


def test_weekly_quarterly_and_index_series_and_exact_breakpoints() -> None:
    """Weekly, quarterly and integer-index series fit the same model as the monthly one with
    the same counts (no seasonality); a breakpoint inside a period is refused, not rounded."""
    rng = np.random.default_rng(5)
    y = rng.poisson(50 * np.where(np.arange(30) >= 15, 1.5, 1.0))
    monthly = pd.DataFrame({"d": pd.date_range("2020-01-01", periods=30, freq="MS"), "n": y})
    weekly = pd.DataFrame({"d": pd.date_range("2023-01-02", periods=30, freq="7D"), "n": y})
    quarterly = pd.DataFrame({"d": pd.date_range("2015-01-01", periods=30, freq="QS"), "n": y})
    index = pd.DataFrame({"d": np.arange(101, 131), "n": y})
    kw = dict(date_col="d", count_col="n", fourier_k=0)
    m = segmented_regression(monthly, breakpoint="2021-04", **kw)
    w = segmented_regression(weekly, breakpoint=str(weekly["d"][15].date()),
                             frequency="weekly", **kw)
    q = segmented_regression(quarterly, breakpoint="2018Q4", frequency="quarterly", **kw)
    i = segmented_regression(index, breakpoint=116, frequency="index", **kw)
    for r in (w, q, i):
        assert r.n_pre == 15 and r.level_change["rate_ratio"] == pytest.approx(
            m.level_change["rate_ratio"], rel=1e-9)
    assert w.pre_trend["rate_ratio_per_year"] == pytest.approx(
        math.exp(365.25 / 7 * w.pre_trend["log_estimate"]))
    assert i.pre_trend["rate_ratio_per_year"] is None
    with pytest.raises(MethodInputError, match="falls inside month 2021-04"):
        segmented_regression(monthly, breakpoint="2021-04-15", **kw)
    with pytest.raises(MethodInputError, match="not one of the weekly dates"):
        segmented_regression(weekly, breakpoint="2023-04-19", frequency="weekly", **kw)
    with pytest.raises(MethodInputError, match="mixed frequency"):
        bad = weekly.copy()
        bad.loc[3, "d"] = bad.loc[3, "d"] + pd.Timedelta(days=1)
        segmented_regression(bad, breakpoint="2023-04-17", frequency="weekly", **kw)
    with pytest.raises(MethodInputError, match=r"appears more than once.*weekly"):
        segmented_regression(weekly, breakpoint="2023-04", **kw)


# ----------------------------------------------------------------------------------------
# Numbers the mutation tester found unpinned (issue 14), each recomputed by hand
# ----------------------------------------------------------------------------------------
def _ljung_box_by_hand(resid: np.ndarray, lags: int) -> float:
    """Ljung & Box (1978): Q = n (n + 2) sum_k r_k^2 / (n - k), chi-squared on ``lags`` df,
    with r_k the lag-k autocorrelation about the mean."""
    e = resid - resid.mean()
    n = e.size
    denom = float(np.sum(e * e))
    r = [float(np.sum(e[k:] * e[:-k])) / denom for k in range(1, lags + 1)]
    q = n * (n + 2) * sum(rk * rk / (n - k) for k, rk in enumerate(r, start=1))
    return float(stats.chi2.sf(q, lags))


def test_negbin_residual_checks_use_the_negative_binomial_variance(sicily: pd.DataFrame) -> None:
    """Pearson residuals (y - mu) / sqrt(mu + alpha mu^2) for NB2: Durbin-Watson and Ljung-Box
    recomputed by hand from the fitted values and the estimated alpha."""
    nb = _fit(sicily, fourier_k=2, family="negbin")
    y = np.asarray(nb.observed, dtype=float)
    mu = np.asarray(nb.fitted)
    resid = (y - mu) / np.sqrt(mu + nb.nb_alpha * mu**2)
    dw = float(np.sum(np.diff(resid) ** 2) / np.sum(resid**2))
    assert nb.durbin_watson == pytest.approx(dw, rel=1e-9)
    assert nb.ljung_box_lags == 59 // 5 == 11
    assert nb.ljung_box_p == pytest.approx(_ljung_box_by_hand(resid, 11), rel=1e-7)
    r1 = float(np.sum(resid[1:] * resid[:-1]) / np.sum(resid**2))
    assert nb.autocorrelation["lag1"] == pytest.approx(r1, rel=1e-9)
    # quasi-Poisson: Poisson variance (mu), not mu + alpha mu^2
    qp = _fit(sicily, fourier_k=2)
    yq, muq = np.asarray(qp.observed, float), np.asarray(qp.fitted)
    rq = (yq - muq) / np.sqrt(muq)
    assert qp.durbin_watson == pytest.approx(np.sum(np.diff(rq) ** 2) / np.sum(rq**2), rel=1e-9)


def _poisson_series(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.period_range("2015-01", periods=n, freq="M").to_timestamp()
    return pd.DataFrame({"date": dates, "count": rng.poisson(50, n)})


@pytest.mark.parametrize(("n", "lb_lags", "nw_lags"), [
    (16, 3, 2),    # floor(4 * 0.16^(2/9)) = floor(2.66)
    (40, 8, 3),    # floor(4 * 0.40^(2/9)) = floor(3.26)
    (70, 12, 3),   # n // 5 = 14, capped at 12
    (120, 12, 4),  # floor(4 * 1.20^(2/9)) = floor(4.17)
])
def test_default_lags_ljung_box_cap_and_newey_west(n: int, lb_lags: int, nw_lags: int) -> None:
    d = _poisson_series(n)
    bp = str(pd.Period(d["date"].iloc[n // 2], freq="M"))
    kw = dict(date_col="date", count_col="count", breakpoint=bp, fourier_k=0, min_points=3)
    r = segmented_regression(d, **kw)
    assert r.ljung_box_lags == lb_lags and r.autocorrelation["hac_lags"] == nw_lags
    h = segmented_regression(d, cov_type="HAC", **kw)
    assert h.hac_lags == nw_lags
    same = segmented_regression(d, cov_type="HAC", hac_lags=nw_lags, **kw)
    other = segmented_regression(d, cov_type="HAC", hac_lags=nw_lags + 1, **kw)
    assert h.level_change["se"] == same.level_change["se"] != other.level_change["se"]
    assert r.autocorrelation["se_hac"] == pytest.approx(h.level_change["se"], rel=1e-12)


def test_cumulative_percent_against_the_counterfactual(sicily: pd.DataFrame) -> None:
    """percent = 100 (observed / counterfactual - 1) over the post-period; its interval from
    the counterfactual total's limits (observed fixed), so the limits swap."""
    r = _fit(sicily, fourier_k=2)
    c = r.cumulative
    post = slice(r.n_pre, None)
    obs = float(np.sum(r.observed[post]))
    cf = float(np.sum(r.counterfactual[post]))
    assert c["percent"] == pytest.approx(100 * (obs / cf - 1), rel=1e-10)
    assert c["percent_ci_low"] == pytest.approx(100 * (obs / c["counterfactual_ci_high"] - 1))
    assert c["percent_ci_high"] == pytest.approx(100 * (obs / c["counterfactual_ci_low"] - 1))
    # the counterfactual total's interval is symmetric on the log scale about the total
    lo, hi = c["counterfactual_ci_low"], c["counterfactual_ci_high"]
    assert math.log(hi / cf) == pytest.approx(math.log(cf / lo), rel=1e-10)
    q = stats.t.ppf(0.975, r.df_resid)
    se_sum = (c["ci_high"] - c["difference"]) / q
    assert math.log(hi / cf) == pytest.approx(q * se_sum / cf, rel=1e-10)
    assert c["months"] == c["periods"] == r.n_post == 23


def test_prepare_monthly_empty_one_month_and_zero_offset() -> None:
    from ccs_methods.methods.its import _prepare_monthly

    empty = pd.DataFrame({"date": [], "count": []})
    with pytest.raises(MethodInputError, match="no rows"):
        _prepare_monthly(empty, "date", "count")
    one = _prepare_monthly(pd.DataFrame({"date": ["2020-03-15"], "count": [4]}), "date", "count")
    assert len(one) == 1 and one["t"].tolist() == [0] and one["season"].tolist() == [3.0]
    assert one["count"].tolist() == [4.0] and one["_row"].tolist() == [1]
    two = _prepare_monthly(pd.DataFrame({"date": ["2020-05-01", "2020-04-01"], "count": [1, 2],
                                         "pop": [10.0, 20.0]}), "date", "count", "pop")
    assert two["t"].tolist() == [0, 1] and two["count"].tolist() == [2.0, 1.0]
    assert two["offset"].tolist() == [20.0, 10.0] and two["_row"].tolist() == [2, 1]
    for bad in (0.0, -3.0):
        d = pd.DataFrame({"date": ["2020-04-01", "2020-05-01"], "count": [1, 2],
                          "pop": [10.0, bad]})
        with pytest.raises(MethodInputError, match="must be a positive number") as e:
            _prepare_monthly(d, "date", "count", "pop")
        assert e.value.row == 2 and e.value.column == "pop"
