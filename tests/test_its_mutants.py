"""Checks of ccs_methods.methods.its that the mutation tester found unpinned (issue 14).

Each test pins a value worked out by hand (a design matrix written out from the model in
``segmented_regression``'s docstring and fitted directly in statsmodels, a message, a row
number, a tolerance boundary), so a change to the code that changes an output fails here.
Run ``tools/mutation_fork.py its.py tests/test_its.py tests/test_its_mutants.py`` to score.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.its import (
    _prepare_series,
    segmented_regression,
)


def _monthly(n: int = 24, start: str = "2019-01-01", values=None) -> pd.DataFrame:
    v = values if values is not None else (np.arange(n) % 7 + 10)
    return pd.DataFrame({"date": pd.date_range(start, periods=n, freq="MS"), "count": v})


def _qp(y: np.ndarray, X: np.ndarray, offset: np.ndarray | None = None):
    """Quasi-Poisson fit written out in statsmodels: Poisson GLM, Pearson scale."""
    return sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2")


def _wavy(n: int, seed: int = 3, base: float = 60.0) -> np.ndarray:
    """Seeded counts with a seasonal wave, a trend and a step at n // 2."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = base * np.exp(0.01 * t + 0.3 * np.sin(2 * np.pi * t / 12) + 0.2 * (t >= n // 2))
    return rng.poisson(mu).astype(float)


# ----------------------------------------------------------------------------------------
# input preparation
# ----------------------------------------------------------------------------------------
def test_prepared_columns_are_the_documented_ones() -> None:
    out = _prepare_series(_monthly(3), "date", "count")
    assert list(out.columns) == ["month", "t", "season", "count", "_row"]
    idx = _prepare_series(
        pd.DataFrame({"i": [7, 5, 6], "n": [1, 2, 3]}), "i", "n", frequency="index"
    )
    assert idx["month"].tolist() == [5, 6, 7] and idx["t"].tolist() == [0, 1, 2]
    assert idx["count"].tolist() == [2.0, 3.0, 1.0] and idx["_row"].tolist() == [2, 3, 1]
    # no calendar: the season is NaN (a float column), as documented
    assert idx["season"].dtype == np.float64 and idx["season"].isna().all()


def test_index_values_must_be_whole_numbers() -> None:
    d = pd.DataFrame({"i": [1.0, 2.5, 3.0], "n": [1, 2, 3]})
    with pytest.raises(MethodInputError, match=r"value 2\.5 is not a whole-number time index") as e:
        _prepare_series(d, "i", "n", frequency="index")
    assert e.value.row == 2 and e.value.column == "i"
    # tolerance: within 1e-9 of a whole number counts as whole, beyond it does not
    ok = _prepare_series(
        pd.DataFrame({"i": [1e-9, 1, 2], "n": [1, 2, 3]}), "i", "n", frequency="index"
    )
    assert ok["month"].tolist() == [0, 1, 2]
    with pytest.raises(MethodInputError, match="not a whole-number time index"):
        _prepare_series(
            pd.DataFrame({"i": [1.5e-9, 1, 2], "n": [1, 2, 3]}), "i", "n", frequency="index"
        )


def test_count_tolerance_for_whole_numbers() -> None:
    ok = _prepare_series(_monthly(3, values=[1e-9, 2, 3]), "date", "count")
    assert ok["count"].tolist() == [1e-9, 2.0, 3.0]
    with pytest.raises(MethodInputError, match="is not a whole number") as e:
        _prepare_series(_monthly(3, values=[1, 1.5e-9, 3]), "date", "count")
    assert e.value.row == 2


def test_missing_count_is_shown_as_empty() -> None:
    d = _monthly(4).astype({"count": object})
    d.loc[2, "count"] = None
    with pytest.raises(MethodInputError, match=r"count \(empty\) is missing") as e:
        _prepare_series(d, "date", "count")
    assert e.value.row == 3
    d.loc[2, "count"] = "n/a"
    with pytest.raises(MethodInputError, match=r"count 'n/a' is missing"):
        _prepare_series(d, "date", "count")


def test_file_line_numbers_are_used_when_they_match_the_rows() -> None:
    d = _monthly(4)
    d.loc[2, "count"] = -1
    d.attrs["line_numbers"] = [10, 11, 12, 13]
    with pytest.raises(MethodInputError) as e:
        _prepare_series(d, "date", "count")
    assert e.value.row == 12
    d.attrs["line_numbers"] = [10, 11]  # wrong length: 1-based data rows instead
    with pytest.raises(MethodInputError) as e:
        _prepare_series(d, "date", "count")
    assert e.value.row == 3


def test_offset_below_one_is_fine() -> None:
    d = _monthly(3).assign(pop=[0.5, 0.25, 2.0])
    out = _prepare_series(d, "date", "count", "pop")
    assert out["offset"].tolist() == [0.5, 0.25, 2.0]


def test_mixed_weekdays_name_the_first_odd_date() -> None:
    d = pd.DataFrame({"d": pd.date_range("2023-01-02", periods=6, freq="7D"), "n": range(6)})
    d.loc[1, "d"] = pd.Timestamp("2023-01-10")
    with pytest.raises(MethodInputError) as e:
        _prepare_series(d, "d", "n", frequency="weekly")
    assert e.value.message.startswith(
        "mixed frequency: 2023-01-10 is a Tuesday but the first date (2023-01-02) is a Monday;"
    )
    assert e.value.row == 2 and e.value.column == "d"


def test_duplicate_message_names_the_first_duplicated_month_and_its_rows() -> None:
    d = _monthly(6)
    # rows 1-6 are 2019-01 .. 2019-06; row 7 repeats 2019-05 and row 8 repeats 2019-03
    d = pd.concat([d, d.iloc[[4, 2]]], ignore_index=True)
    with pytest.raises(MethodInputError) as e:
        _prepare_series(d, "date", "count")
    assert e.value.message.startswith(
        "month 2019-03 appears more than once (rows [3, 8]); give one count per month. If"
    )
    assert e.value.row == 8
    w = pd.DataFrame({"d": pd.date_range("2023-01-02", periods=4, freq="7D"), "n": range(4)})
    w = pd.concat([w, w.iloc[[1]]], ignore_index=True)
    with pytest.raises(MethodInputError) as e:
        _prepare_series(w, "d", "n", frequency="weekly")
    assert e.value.message == (
        "week 2023-01-09 appears more than once (rows [2, 5]); give one count per week."
    )


def test_weekly_gap_names_the_missing_week() -> None:
    w = pd.DataFrame({"d": pd.date_range("2023-01-02", periods=8, freq="7D"), "n": range(8)})
    with pytest.raises(MethodInputError) as e:
        _prepare_series(w.drop(index=[2, 3]), "d", "n", frequency="weekly")
    assert e.value.message.startswith(
        "the series has a gap: week 2023-01-16 is missing (2 week(s) missing between "
        "2023-01-09 and 2023-01-30). Every week needs a row;"
    )
    assert e.value.row == 3  # the third row of the table given


def test_breakpoint_inside_a_month_names_both_candidates() -> None:
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            _monthly(), date_col="date", count_col="count", breakpoint="2020-04-15"
        )
    assert "(2020-04 if that month counts as after the change, 2020-05 if not)" in e.value.message


# ----------------------------------------------------------------------------------------
# settings
# ----------------------------------------------------------------------------------------
def test_fourier_k_from_0_to_5() -> None:
    d = _monthly(48, values=_wavy(48))
    kw = dict(date_col="date", count_col="count", breakpoint="2021-01")
    r = segmented_regression(d, fourier_k=5, **kw)
    # k = 1..5: ten terms, but sin(2 pi 6 m / 12) would be 0; 4 + 10 parameters
    assert r.fourier_k == 5 and r.df_resid == 48 - 14
    with pytest.raises(MethodInputError, match=r"from 0 to 5; got 6\."):
        segmented_regression(d, fourier_k=6, **kw)


# ----------------------------------------------------------------------------------------
# the model: design matrices written out by hand and fitted directly
# ----------------------------------------------------------------------------------------
def _segments(n: int, b: int) -> list[np.ndarray]:
    t = np.arange(n, dtype=float)
    post = (t >= b).astype(float)
    return [np.ones(n), t, post, (t - b + 1) * post]


def test_weekly_seasonal_terms_have_a_365_25_day_year() -> None:
    """Weekly: season = (day of year - 1) / 7 + 1 (weeks 1 to 53.1), period 365.25 / 7."""
    n, b = 60, 30
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    y = _wavy(n, seed=11)
    r = segmented_regression(
        pd.DataFrame({"d": dates, "n": y}),
        date_col="d",
        count_col="n",
        breakpoint=str(dates[b].date()),
        frequency="weekly",
        fourier_k=1,
    )
    season = (dates.day_of_year.to_numpy() - 1) / 7 + 1
    assert season[0] == 1 + 1 / 7 and season[1] == 2 + 1 / 7  # 2 and 9 January
    w = 2 * np.pi * season / (365.25 / 7)
    fit = _qp(y, np.column_stack([*_segments(n, b), np.sin(w), np.cos(w)]))
    p, se = np.asarray(fit.params), np.asarray(fit.bse)
    assert r.level_change["log_estimate"] == pytest.approx(p[2], rel=1e-8)
    assert r.level_change["se"] == pytest.approx(se[2], rel=1e-7)
    assert r.slope_change["log_estimate"] == pytest.approx(p[3], rel=1e-7)
    assert r.pre_trend["rate_ratio_per_year"] == pytest.approx(
        math.exp(365.25 / 7 * p[1]), rel=1e-9
    )
    assert r.fitted == pytest.approx(list(fit.fittedvalues), rel=1e-8)


def test_quarterly_seasonal_terms_and_the_dropped_constant_sine() -> None:
    """Quarterly: season = quarter (1-4), period 4. With two pairs sin(2 pi 2 q / 4) =
    sin(pi q) is 0 at every quarter, so it is left out (it would make the design singular)."""
    n, b = 40, 20
    dates = pd.date_range("2010-01-01", periods=n, freq="QS")
    y = _wavy(n, seed=12)
    kw = dict(date_col="d", count_col="n", breakpoint="2015Q1", frequency="quarterly")
    frame = pd.DataFrame({"d": dates, "n": y})
    q = np.tile([1.0, 2.0, 3.0, 4.0], n // 4)
    one = segmented_regression(frame, fourier_k=1, **kw)
    two = segmented_regression(frame, fourier_k=2, **kw)
    w = 2 * np.pi * q / 4
    f1 = _qp(y, np.column_stack([*_segments(n, b), np.sin(w), np.cos(w)]))
    f2 = _qp(y, np.column_stack([*_segments(n, b), np.sin(w), np.cos(w), np.cos(2 * w)]))
    assert one.df_resid == n - 6 and two.df_resid == n - 7
    for r, fit in ((one, f1), (two, f2)):
        assert r.level_change["log_estimate"] == pytest.approx(fit.params[2], rel=1e-8)
        assert r.level_change["se"] == pytest.approx(fit.bse[2], rel=1e-7)
        assert r.pre_trend["rate_ratio_per_year"] == pytest.approx(
            math.exp(4 * fit.params[1]), rel=1e-9
        )
    assert one.n_pre == b and one.breakpoint == "2015Q1"


def test_covid_window_with_the_books_dates() -> None:
    """params/programme.yml: covid 2020-03-23 to 2021-07-19; in a monthly series the window is
    the months that contain those dates, March 2020 to July 2021 inclusive (17 months)."""
    n = 72
    months = pd.date_range("2017-01-01", periods=n, freq="MS")
    y = _wavy(n, seed=13, base=80)
    b = 33  # 2019-10
    r = segmented_regression(
        pd.DataFrame({"d": months, "n": y}),
        date_col="d",
        count_col="n",
        breakpoint="2019-10",
        fourier_k=0,
        covid=("2020-03-23", "2021-07-19"),
    )
    ind = ((months >= "2020-03-01") & (months <= "2021-07-01")).astype(float)
    assert ind.sum() == 17
    fit = _qp(y, np.column_stack([*_segments(n, b), ind]))
    assert r.covid == ["2020-03", "2021-07"]
    assert r.covid_effect["log_estimate"] == pytest.approx(fit.params[4], rel=1e-8)
    assert r.covid_effect["se"] == pytest.approx(fit.bse[4], rel=1e-7)
    # an open window (end None) runs to the last month
    s = segmented_regression(
        pd.DataFrame({"d": months, "n": y}),
        date_col="d",
        count_col="n",
        breakpoint="2019-10",
        fourier_k=0,
        covid=("2020-03", None),
    )
    step = (months >= "2020-03-01").astype(float)
    fit_s = _qp(y, np.column_stack([*_segments(n, b), step]))
    assert s.covid == ["2020-03", "2022-12"]
    assert s.covid_effect["log_estimate"] == pytest.approx(fit_s.params[4], rel=1e-8)


def test_weekly_covid_window_between_the_weekly_dates() -> None:
    """A weekly window limit between the series' dates (Mondays): a start counts from the
    next Monday, an end from its own week; the labels name those weeks (a bug fixed in
    issue 14: the given Wednesdays were shown, though the window began on the next Monday)."""
    n, b = 40, 17  # breakpoint 2023-05-01
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    y = _wavy(n, seed=14)
    r = segmented_regression(
        pd.DataFrame({"d": dates, "n": y}),
        date_col="d",
        count_col="n",
        breakpoint="2023-05-01",
        frequency="weekly",
        fourier_k=0,
        covid=("2023-06-07", "2023-07-12"),
    )
    ind = ((dates >= "2023-06-12") & (dates <= "2023-07-10")).astype(float)
    assert ind.sum() == 5
    fit = _qp(y, np.column_stack([*_segments(n, b), ind]))
    assert r.covid == ["2023-06-12", "2023-07-10"]
    assert r.covid_effect["log_estimate"] == pytest.approx(fit.params[4], rel=1e-8)
    assert r.covid_effect["se"] == pytest.approx(fit.bse[4], rel=1e-7)
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            pd.DataFrame({"d": dates, "n": y}),
            date_col="d",
            count_col="n",
            breakpoint="2023-05-01",
            frequency="weekly",
            fourier_k=0,
            covid=("2023-06-07", "2023-06-08"),
        )
    assert e.value.message == "covid end 2023-06-05 is before covid start 2023-06-12."


def test_weekly_breakpoint_between_dates_names_the_two_weeks() -> None:
    dates = pd.date_range("2023-01-02", periods=40, freq="7D")
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            pd.DataFrame({"d": dates, "n": _wavy(40)}),
            date_col="d",
            count_col="n",
            breakpoint="2023-04-19",
            frequency="weekly",
            fourier_k=0,
        )
    assert e.value.message == (
        "breakpoint 2023-04-19 is not one of the weekly dates of the series (they fall every "
        "7 days from 2023-01-02); give the first week of the post-intervention period "
        "(2023-04-17 or 2023-04-24). It is not rounded silently."
    )


def test_index_series_breakpoint_and_covid_window() -> None:
    n, b = 40, 19
    y = _wavy(n, seed=15)
    d = pd.DataFrame({"i": np.arange(101, 101 + n), "n": y})
    kw = dict(date_col="i", count_col="n", frequency="index", fourier_k=0)
    r = segmented_regression(d, breakpoint=120, covid=(125, 130), **kw)
    ind = ((np.arange(n) >= 24) & (np.arange(n) <= 29)).astype(float)
    fit = _qp(y, np.column_stack([*_segments(n, b), ind]))
    assert r.n_pre == b and r.breakpoint == "120" and r.covid == ["125", "130"]
    assert r.level_change["log_estimate"] == pytest.approx(fit.params[2], rel=1e-8)
    assert r.covid_effect["log_estimate"] == pytest.approx(fit.params[4], rel=1e-8)
    for bad in (120.5, "soon", float("nan"), float("inf")):
        with pytest.raises(MethodInputError, match=r"is not a whole-number time index\."):
            segmented_regression(d, breakpoint=bad, **kw)
    with pytest.raises(MethodInputError) as e:
        segmented_regression(d, breakpoint=120, covid=(90, 95), **kw)
    assert e.value.message == "the covid window 90 to 95 does not overlap the series (101 to 140)."


# ----------------------------------------------------------------------------------------
# effects, settings and the breakpoint's limits
# ----------------------------------------------------------------------------------------
def test_default_model_and_wald_p_values_by_hand() -> None:
    """Default: quasi-Poisson, one Fourier pair, level and slope change; p-values are
    2 P(T_df > |b / se|) on the residual df, checked against the hand-built fit."""
    n, b = 36, 18
    y = _wavy(n, seed=16)
    d = _monthly(n, start="2018-01-01", values=y)
    r = segmented_regression(d, date_col="date", count_col="count", breakpoint="2019-07")
    m = np.tile(np.arange(1, 13, dtype=float), 3)
    w = 2 * np.pi * m / 12
    fit = _qp(y, np.column_stack([*_segments(n, b), np.sin(w), np.cos(w)]))
    assert r.fourier_k == 1 and r.df_resid == n - 6 and r.family == "quasipoisson"
    for eff, j in ((r.pre_trend, 1), (r.level_change, 2), (r.slope_change, 3)):
        bj, sej = float(fit.params[j]), float(fit.bse[j])
        assert eff["log_estimate"] == pytest.approx(bj, rel=1e-8)
        assert eff["se"] == pytest.approx(sej, rel=1e-7)
        assert eff["p_value"] == pytest.approx(2 * stats.t.sf(abs(bj / sej), n - 6), rel=1e-6)
    assert r.pre_trend["rate_ratio_per_year"] == pytest.approx(math.exp(12 * fit.params[1]))


def test_effect_with_zero_standard_error_has_p_zero() -> None:
    from ccs_methods.methods.its import _effect

    e = _effect(0.5, 0.0, stats.norm(), 0.05, "level change")
    assert e["p_value"] == 0.0 and e["rate_ratio"] == e["ci_low"] == e["ci_high"]
    e = _effect(0.5, 0.25, stats.norm(), 0.05, "level change")
    assert e["p_value"] == pytest.approx(2 * stats.norm.sf(2.0), rel=1e-12)


def test_results_are_frozen() -> None:
    import dataclasses

    from ccs_methods.methods.its import describe_series

    r = segmented_regression(
        _monthly(), date_col="date", count_col="count", breakpoint="2020-01", fourier_k=0
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.n = 3  # type: ignore[misc]
    s = describe_series(_monthly(), date_col="date", count_col="count")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.total = 3  # type: ignore[misc]


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.1])
def test_alpha_must_be_inside_0_1(alpha: float) -> None:
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            _monthly(), date_col="date", count_col="count", breakpoint="2020-01", alpha=alpha
        )
    assert e.value.message == f"alpha must be between 0 and 1; got {alpha}."


def test_one_month_of_equal_counts_is_refused_with_its_value() -> None:
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            _monthly(1, values=[5]), date_col="date", count_col="count", breakpoint="2019-01"
        )
    assert e.value.message.startswith("all 1 monthly counts are equal (5);")


@pytest.mark.parametrize("bp", ["2019-01", "2021-01", "2021-02"])
def test_breakpoint_outside_message(bp: str) -> None:
    """The first month (nothing before it) and the months after the last are outside."""
    with pytest.raises(MethodInputError) as e:
        segmented_regression(_monthly(), date_col="date", count_col="count", breakpoint=bp)
    assert e.value.message == (
        f"breakpoint {bp} is outside the series (2019-01 to 2020-12); it must be a month "
        "after 2019-01 and no later than 2020-12, with at least 8 months on each side."
    )


def test_min_points_on_each_side_is_inclusive() -> None:
    d = _monthly(16, values=_wavy(16, seed=17))
    kw = dict(date_col="date", count_col="count", fourier_k=0)
    r = segmented_regression(d, breakpoint="2019-09", **kw)  # 8 before, 8 from
    assert (r.n_pre, r.n_post) == (8, 8)
    with pytest.raises(MethodInputError) as e:
        segmented_regression(d, breakpoint="2019-08", **kw)
    assert e.value.message.startswith(
        "breakpoint 2019-08 leaves 7 month(s) before it and 9 from it onwards; segmented "
        "regression needs at least 8 on each side."
    )
    # one month before the breakpoint is enough when min_points=1 (a level-only model)
    one = segmented_regression(d, breakpoint="2019-02", impact="level", min_points=1, **kw)
    fit = _qp(d["count"].to_numpy(float), np.column_stack(_segments(16, 1)[:3]))
    assert one.n_pre == 1
    assert one.level_change["log_estimate"] == pytest.approx(fit.params[2], rel=1e-8)


# ----------------------------------------------------------------------------------------
# the autocorrelation advice, sentence by sentence
# ----------------------------------------------------------------------------------------
def _advice(r1=0.05, lb_p=0.5, se_model=0.04, se_hac=0.05, cov_type="nonrobust", dw=1.9):
    from ccs_methods.methods.its import autocorrelation_advice

    return autocorrelation_advice(r1, lb_p, 12, dw, se_model, se_hac, 3, cov_type, "level change")


MOVE = (
    "Newey-West (HAC, 3 lags) would give a level change standard error of 0.05 against "
    "0.04 model-based (x1.25: wider)"
)


def test_advice_when_there_is_no_clear_autocorrelation() -> None:
    # p = 0.05 is not below 0.05, and |r1| = 0.19 is below 0.2
    assert _advice(r1=0.19, lb_p=0.05) == (
        "No clear residual autocorrelation (lag-1 autocorrelation of the residuals +0.19, "
        f"Durbin-Watson 1.90, Ljung-Box p=0.05 at 12 lags); {MOVE}."
    )
    assert _advice(r1=-0.19, lb_p=math.nan).startswith("No clear residual autocorrelation")
    assert _advice(se_model=None).endswith("; the HAC standard error could not be computed.")
    assert _advice(se_hac=None).endswith("; the HAC standard error could not be computed.")
    assert _advice(se_model=0.0).endswith("; the HAC standard error could not be computed.")
    assert _advice(se_hac=0.03).endswith("(x0.75: narrower).")
    assert _advice(se_hac=0.04).endswith("(x1.00: narrower).")
    assert "Newey-West (HAC, 3 lags) gives a level" in _advice(cov_type="HAC")


def test_advice_for_autocorrelation_beyond_lag_one() -> None:
    # significant Ljung-Box, |r1| < 0.1
    assert _advice(r1=0.099, lb_p=0.049) == (
        "Residual autocorrelation at lags beyond 1 (lag-1 autocorrelation of the residuals "
        "+0.10, Durbin-Watson 1.90, Ljung-Box p=0.049 at 12 lags), possibly seasonality the "
        f"model does not capture; {MOVE}."
    )
    assert _advice(r1=-0.099, lb_p=0.01).startswith("Residual autocorrelation at lags beyond 1")
    # |r1| = 0.1 is not negligible
    assert _advice(r1=0.1, lb_p=0.01).startswith("Positive residual autocorrelation")


def test_advice_for_positive_autocorrelation() -> None:
    head = (
        "Positive residual autocorrelation (lag-1 autocorrelation of the residuals +0.20, "
        "Durbin-Watson 1.90, Ljung-Box p=0.5 at 12 lags): model-based intervals are "
        "likely too narrow. "
    )
    assert _advice(r1=0.2) == head + MOVE + "; consider cov_type='HAC'."
    assert _advice(r1=0.2, cov_type="HAC").endswith("(x1.25: wider).")
    assert _advice(r1=0.3, se_hac=0.04) == (
        head.replace("+0.20", "+0.30")
        + MOVE.replace("0.05 against", "0.04 against").replace("x1.25: wider", "x1.00: narrower")
        + "; here HAC does not widen the interval (with few lags it is itself noisy), so "
        "read the interval as too narrow rather than trust either."
    )
    # no HAC standard error: no claim about what HAC does (before issue 14 the advice said
    # "here HAC does not widen the interval" and opened a sentence in lower case)
    for kw in (dict(se_hac=None), dict(se_model=None), dict(se_model=0.0)):
        assert _advice(r1=0.3, **kw).endswith(
            "likely too narrow. The HAC standard error could not be computed; read the "
            "model-based interval as too narrow."
        )


def test_advice_for_negative_autocorrelation() -> None:
    head = (
        "Negative residual autocorrelation (lag-1 autocorrelation of the residuals -0.20, "
        "Durbin-Watson 1.90, Ljung-Box p=0.5 at 12 lags): model-based intervals are, if "
        "anything, too wide (conservative). "
    )
    assert _advice(r1=-0.2) == head + MOVE + "."
    assert _advice(r1=-0.2, se_hac=0.04).endswith("(x1.00: narrower).")
    assert _advice(r1=-0.2, se_hac=0.03).endswith(
        "(x0.75: narrower); HAC does not fix negative autocorrelation, it narrows the "
        "interval, so the model-based interval is the cautious choice."
    )
    for kw in (dict(se_hac=None), dict(se_model=None)):
        assert _advice(r1=-0.2, **kw).endswith(
            "too wide (conservative). The HAC standard error could not be computed."
        )


# ----------------------------------------------------------------------------------------
# sensitivity table and description
# ----------------------------------------------------------------------------------------
def test_breakpoint_sensitivity_rows_equal_single_fits() -> None:
    from ccs_methods.methods.its import breakpoint_sensitivity

    d = _monthly(30, start="2018-01-01", values=_wavy(30, seed=18))
    kw = dict(date_col="date", count_col="count", fourier_k=0, family="poisson")
    tab = breakpoint_sensitivity(d, ["2019-01", "2020-05", "2019-04-01"], **kw)
    assert list(tab.columns) == [
        "breakpoint",
        "n_pre",
        "n_post",
        "level_rr",
        "level_ci_low",
        "level_ci_high",
        "slope_rr",
        "slope_ci_low",
        "slope_ci_high",
        "cum_difference",
        "cum_ci_low",
        "cum_ci_high",
        "cum_percent",
        "dispersion",
        "ljung_box_p",
        "error",
    ]
    assert tab["breakpoint"].tolist() == ["2019-01", "2020-05", "2019-04"]
    for i, bp in ((0, "2019-01"), (2, "2019-04")):
        r = segmented_regression(d, breakpoint=bp, **kw)
        row = tab.iloc[i]
        assert (row["n_pre"], row["n_post"], row["error"]) == (r.n_pre, r.n_post, "")
        for key, eff in (("level", r.level_change), ("slope", r.slope_change)):
            assert row[f"{key}_rr"] == eff["rate_ratio"]
            assert row[f"{key}_ci_low"] == eff["ci_low"]
            assert row[f"{key}_ci_high"] == eff["ci_high"]
        c = r.cumulative
        assert (
            row["cum_difference"],
            row["cum_ci_low"],
            row["cum_ci_high"],
            row["cum_percent"],
        ) == (c["difference"], c["ci_low"], c["ci_high"], c["percent"])
        assert row["dispersion"] == r.dispersion and row["ljung_box_p"] == r.ljung_box_p
    bad = tab.iloc[1]  # an error row does not end the table
    assert bad["error"].startswith("breakpoint 2020-05 leaves 28 month(s) before it and 2")
    assert all(bad[c] is None for c in ("n_pre", "level_rr", "cum_difference", "dispersion"))
    # the same columns, in the same order, when the first breakpoint cannot be fitted
    first_bad = breakpoint_sensitivity(d, ["2020-05", "2019-01"], **kw)
    assert list(first_bad.columns) == list(tab.columns)
    level_only = breakpoint_sensitivity(d, ["2019-01"], impact="level", **kw).iloc[0]
    assert level_only["level_rr"] is not None
    assert level_only["slope_rr"] is None and level_only["slope_ci_low"] is None
    assert level_only["slope_ci_high"] is None
    slope_only = breakpoint_sensitivity(d, ["2019-01"], impact="slope", **kw).iloc[0]
    assert slope_only["level_rr"] is None and slope_only["level_ci_high"] is None
    with pytest.raises(MethodInputError) as e:
        breakpoint_sensitivity(d, ["2019-01"], breakpoint="2019-01", **kw)
    assert e.value.message == "pass breakpoints as the 'breakpoints' list, not 'breakpoint'."
    with pytest.raises(MethodInputError) as e:
        breakpoint_sensitivity(d, iter([]), **kw)
    assert e.value.message == "give at least one breakpoint to compare."


def test_describe_series_values_and_note() -> None:
    from ccs_methods.methods.its import describe_series

    counts = [7, 3, 9, 3, 12, 5, 12, 8, 4, 6, 10, 11]
    d = _monthly(12, start="2021-03-01", values=counts)
    r = describe_series(d, date_col="date", count_col="count")
    assert (r.label, r.n_months, r.first_month, r.last_month) == (None, 12, "2021-03", "2022-02")
    assert r.total == 90 and r.monthly_mean == 7.5 and r.monthly_median == 7.5
    assert (r.monthly_min, r.monthly_max) == (3, 12)
    # ties: the first month with the minimum (April) and with the maximum (July)
    assert (r.min_month, r.max_month) == ("2021-04", "2021-07")
    assert r.note == (
        "12 month(s) from 2021-03 to 2022-02, all after the system started. With no "
        "pre-period there is no baseline trend to extend, so no counterfactual (what would "
        "have happened without the programme) can be estimated; these are descriptive "
        "figures only."
    )
    short = describe_series(d.iloc[:11], date_col="date", count_col="count", label="THCAN")
    assert short.note.startswith("THCAN: 11 month(s) from 2021-03 to 2022-01,")
    assert short.note.endswith(
        "descriptive figures only. Fewer than 12 months: seasonal variation cannot be "
        "separated from change."
    )
    assert short.monthly_median == 7.0 and short.label == "THCAN"


def test_covid_setting_must_be_a_pair() -> None:
    kw = dict(date_col="date", count_col="count", breakpoint="2020-01", fourier_k=0)
    r = segmented_regression(_monthly(), **kw)
    assert r.covid is None and r.covid_effect is None
    for bad in (("2020-03",), ("2020-03", "2020-05", "2020-07"), "2020-03"):
        with pytest.raises(MethodInputError) as e:
            segmented_regression(_monthly(), covid=bad, **kw)
        assert e.value.message.startswith("covid must be a (start, end) pair of months")


def test_one_month_covid_window() -> None:
    n = 36
    y = _wavy(n, seed=19)
    d = _monthly(n, start="2018-01-01", values=y)
    r = segmented_regression(
        d,
        date_col="date",
        count_col="count",
        breakpoint="2019-07",
        fourier_k=0,
        covid=("2020-04", "2020-04"),
    )
    ind = (np.arange(n) == 27).astype(float)
    fit = _qp(y, np.column_stack([*_segments(n, 18), ind]))
    assert r.covid == ["2020-04", "2020-04"]
    assert r.covid_effect["log_estimate"] == pytest.approx(fit.params[4], rel=1e-8)


@pytest.mark.parametrize(("n", "lags"), [(4, 1), (24, 2), (100, 4)])
def test_default_newey_west_lags_at_the_steps(n: int, lags: int) -> None:
    """floor(4 (n / 100)^(2/9)): 1.96 at n = 4, 2.91 at n = 24 (3.06 with a 1/5 power),
    exactly 4 at n = 100."""
    d = _monthly(n, start="2010-01-01", values=_wavy(n, seed=20))
    bp = str(d["date"].iloc[n // 2])[:7]
    kw = dict(date_col="date", count_col="count", breakpoint=bp, fourier_k=0, impact="level")
    r = segmented_regression(d, min_points=2, cov_type="HAC", **kw)
    assert r.hac_lags == lags and r.autocorrelation["hac_lags"] == lags
    # model-based fit: the HAC lags of the comparison, and Ljung-Box on max(1, min(12, n // 5))
    m = segmented_regression(d, min_points=2, **kw)
    assert m.hac_lags is None and m.autocorrelation["hac_lags"] == lags
    assert m.ljung_box_lags == {4: 1, 24: 4, 100: 12}[n]


def test_hac_lags_at_least_one() -> None:
    d = _monthly(24, values=_wavy(24, seed=21))
    kw = dict(date_col="date", count_col="count", breakpoint="2020-01", cov_type="HAC")
    assert segmented_regression(d, hac_lags=1, **kw).hac_lags == 1
    with pytest.raises(MethodInputError) as e:
        segmented_regression(d, hac_lags=0, **kw)
    assert e.value.message == "hac_lags must be at least 1; got 0."


def test_counterfactual_and_cumulative_by_hand_with_covid_and_offset() -> None:
    """Counterfactual: X with the level and slope columns set to 0, the Covid-19 column and
    the offset kept; interval exp(eta_cf -/+ t se_cf), se_cf^2 = x_cf' C x_cf; the post-period
    total's delta-method SE sqrt(g' C g), g = sum over post months of cf_t x_cf,t; percent
    limits from the total's log-symmetric limits."""
    n, b = 40, 20
    months = pd.date_range("2018-01-01", periods=n, freq="MS")
    rng = np.random.default_rng(22)
    pop = rng.uniform(900, 1100, n)
    y = _wavy(n, seed=22)
    d = pd.DataFrame({"date": months, "count": y, "pop": pop})
    r = segmented_regression(
        d,
        date_col="date",
        count_col="count",
        breakpoint="2019-09",
        offset_col="pop",
        fourier_k=0,
        covid=("2020-03", "2020-08"),
    )
    ind = ((months >= "2020-03-01") & (months <= "2020-08-01")).astype(float)
    X = np.column_stack([*_segments(n, b), ind])
    fit = _qp(y, X, offset=np.log(pop))
    beta, C = np.asarray(fit.params), np.asarray(fit.cov_params())
    q = stats.t.ppf(0.975, n - 5)
    Xcf = X.copy()
    Xcf[:, 2:4] = 0.0
    eta = Xcf @ beta + np.log(pop)
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", Xcf, C, Xcf))
    assert r.counterfactual == pytest.approx(list(np.exp(eta)), rel=1e-7)
    assert r.counterfactual_ci_low == pytest.approx(list(np.exp(eta - q * se_cf)), rel=1e-7)
    assert r.counterfactual_ci_high == pytest.approx(list(np.exp(eta + q * se_cf)), rel=1e-7)
    assert r.fitted == pytest.approx(list(np.exp(X @ beta + np.log(pop))), rel=1e-7)
    post = np.arange(n) >= b
    cf_sum = float(np.exp(eta[post]).sum())
    g = (np.exp(eta[post])[:, None] * Xcf[post]).sum(axis=0)
    se_sum = math.sqrt(g @ C @ g)
    c = r.cumulative
    assert c["observed"] == y[post].sum() and c["months"] == c["periods"] == n - b
    assert c["counterfactual"] == pytest.approx(cf_sum, rel=1e-7)
    assert c["difference"] == pytest.approx(y[post].sum() - cf_sum, rel=1e-6)
    assert c["ci_low"] == pytest.approx(y[post].sum() - cf_sum - q * se_sum, rel=1e-6)
    assert c["ci_high"] == pytest.approx(y[post].sum() - cf_sum + q * se_sum, rel=1e-6)
    lo, hi = cf_sum * math.exp(-q * se_sum / cf_sum), cf_sum * math.exp(q * se_sum / cf_sum)
    assert c["counterfactual_ci_low"] == pytest.approx(lo, rel=1e-7)
    assert c["counterfactual_ci_high"] == pytest.approx(hi, rel=1e-7)
    assert c["percent"] == pytest.approx(100 * (y[post].sum() / cf_sum - 1), rel=1e-6)
    assert c["percent_ci_low"] == pytest.approx(100 * (y[post].sum() / hi - 1), rel=1e-6)
    assert c["percent_ci_high"] == pytest.approx(100 * (y[post].sum() / lo - 1), rel=1e-6)
    assert r.dispersion == pytest.approx(
        float(sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(pop)).fit().pearson_chi2)
        / (n - 5),
        rel=1e-8,
    )


def test_notes_and_interval_method_text() -> None:
    n = 40
    rng = np.random.default_rng(23)
    y = rng.poisson(200 * rng.gamma(20.0, 1 / 20.0, n))  # dispersion about 1 + 200 / 20
    d = _monthly(n, start="2018-01-01", values=y)
    kw = dict(date_col="date", count_col="count", fourier_k=1)
    r = segmented_regression(d, breakpoint="2019-12", family="poisson", **kw)  # 23 before
    assert r.dispersion > 1.5
    assert r.notes[1:] == [
        f"Overdispersion (Pearson dispersion {r.dispersion:.2f}): Poisson intervals are too "
        "narrow; use family='quasipoisson' or 'negbin'.",
        "Only 23 pre-period months: seasonality is estimated from less than two full years "
        "and may be confounded with the trend.",
        "No Covid-19 term: any Covid-19 shift after the breakpoint is attributed to the "
        "intervention.",
        "The counterfactual assumes the pre-period log-linear trend and seasonality would "
        "have continued unchanged; it is an extrapolation and grows less certain with time.",
    ]
    assert r.interval_method == (
        "95% Wald intervals on the log scale from the model-based poisson covariance (no "
        "dispersion scaling); the standard normal quantile. Counterfactual and cumulative "
        "intervals by the delta method from the same covariance. They reflect parameter "
        "uncertainty only, not period-to-period noise in the observed counts; no simulation "
        "or random numbers are used."
    )
    # 24 months before: two full years, no seasonal note; quasi-Poisson: no overdispersion
    # note; a Covid-19 term: the counterfactual note says it is kept
    q = segmented_regression(d, breakpoint="2020-01", covid=("2020-04", "2020-09"), **kw)
    assert q.notes[1:] == [
        "The counterfactual assumes the pre-period log-linear trend and seasonality would "
        "have continued unchanged, with the modelled Covid-19 shift; it is an extrapolation "
        "and grows less certain with time."
    ]
    # no seasonal terms: no seasonal note however short the pre-period
    z = segmented_regression(
        d, breakpoint="2018-09", fourier_k=0, date_col="date", count_col="count"
    )
    assert not any("seasonality is estimated" in s for s in z.notes)


def test_advice_when_the_other_covariance_cannot_be_computed(monkeypatch) -> None:
    """If the comparison fit (HAC for a model-based fit) fails, se_hac is None and the
    advice says so; the main fit is unchanged."""
    from ccs_methods.methods import its

    d = _monthly(24, values=_wavy(24, seed=24))
    kw = dict(date_col="date", count_col="count", breakpoint="2020-01", fourier_k=0)
    ref = segmented_regression(d, **kw)
    real = its._fit_count_glm

    def failing(*args, cov_type="nonrobust", **kwargs):
        if cov_type == "HAC":
            raise MethodInputError("no HAC here")
        return real(*args, cov_type=cov_type, **kwargs)

    monkeypatch.setattr(its, "_fit_count_glm", failing)
    r = segmented_regression(d, **kw)
    assert r.autocorrelation["se_hac"] is None
    assert r.autocorrelation["se_model_based"] == ref.autocorrelation["se_model_based"]
    assert r.notes[0].endswith(
        "The HAC standard error could not be computed; read the model-based interval as too narrow."
    )
    assert r.level_change == ref.level_change


def test_overdispersion_note_threshold_and_conf_level() -> None:
    """Poisson with Pearson dispersion 1.62 (> 1.5) gets the note; quasi-Poisson never."""
    rng = np.random.default_rng(31)
    y = rng.poisson(50 * rng.gamma(50.0, 1 / 50.0, 40))  # dispersion about 2
    d = _monthly(40, start="2018-01-01", values=y)
    kw = dict(date_col="date", count_col="count", breakpoint="2020-01", fourier_k=0)
    r = segmented_regression(d, family="poisson", alpha=0.1, **kw)
    assert r.dispersion == pytest.approx(1.6169, abs=1e-4)
    assert r.notes[1].startswith("Overdispersion (Pearson dispersion 1.62): Poisson intervals")
    assert r.conf_level == pytest.approx(0.9)
    assert r.level_change["ci_high"] == pytest.approx(
        math.exp(r.level_change["log_estimate"] + stats.norm.ppf(0.95) * r.level_change["se"])
    )


def test_covid_window_outside_the_series_named_by_its_months() -> None:
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            _monthly(),
            date_col="date",
            count_col="count",
            breakpoint="2020-01",
            covid=("2015-01-15", "2015-06-20"),
        )
    assert e.value.message == (
        "the covid window 2015-01 to 2015-06 does not overlap the series (2019-01 to 2020-12)."
    )


def test_covid_window_labels_at_the_ends_of_the_series() -> None:
    """A weekly window from the Friday before the first Monday to the Wednesday after it
    covers the first week only, labelled by that week; a monthly window just after the last
    month does not overlap and is named as given."""
    n = 40
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    y = _wavy(n, seed=25)
    r = segmented_regression(
        pd.DataFrame({"d": dates, "n": y}),
        date_col="d",
        count_col="n",
        breakpoint="2023-05-01",
        frequency="weekly",
        fourier_k=0,
        covid=("2022-12-30", "2023-01-04"),
    )
    assert r.covid == ["2023-01-02", "2023-01-02"]
    fit = _qp(y, np.column_stack([*_segments(n, 17), (np.arange(n) == 0).astype(float)]))
    assert r.covid_effect["log_estimate"] == pytest.approx(fit.params[4], rel=1e-7)
    with pytest.raises(MethodInputError) as e:
        segmented_regression(
            _monthly(),
            date_col="date",
            count_col="count",
            breakpoint="2020-01",
            covid=("2021-01", "2021-01"),
        )
    assert e.value.message == (
        "the covid window 2021-01 to 2021-01 does not overlap the series (2019-01 to 2020-12)."
    )
