"""Tests for ccs_methods.report.trend_readings: each phrase follows the estimates."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ccs_methods.methods import rates, trend
from ccs_methods.report import trend_readings as tr


@pytest.mark.parametrize(("lo", "hi", "null", "want"), [
    (1.1, 1.5, 1.0, "up"), (0.5, 0.9, 1.0, "down"), (0.9, 1.2, 1.0, "unclear"),
    (5.0, 9.0, 0.0, "up"), (-3.0, 2.0, 0.0, "unclear"),
])
def test_direction(lo, hi, null, want) -> None:
    assert tr.direction(lo, hi, null) == want


def test_rate_ratio_verdict() -> None:
    assert tr.rate_ratio_verdict(1.1, 1.4) == (
        "the interval lies above 1, so the data point to a rise")
    assert "point to a fall" in tr.rate_ratio_verdict(0.6, 0.9)
    assert "not settled" in tr.rate_ratio_verdict(0.9, 1.1)


def test_kendall_moved() -> None:
    assert (tr.kendall_moved(4), tr.kendall_moved(-2), tr.kendall_moved(0)) == (
        "rose", "fell", "showed no overall direction")


def test_theil_sen_interval_and_note() -> None:
    four = trend.theil_sen([1, 3, 2, 5], [1, 2, 3, 4])
    assert "no order-statistic interval reaches 95%" in tr.theil_sen_interval(four)
    assert "no 95% interval" in tr.theil_sen_note(four)
    seven = trend.theil_sen([1, 3, 2, 5, 6, 8, 7], list(range(7)))
    assert tr.theil_sen_interval(seven).startswith("95% CI")
    assert tr.theil_sen_note(seven).startswith("exact order-statistic interval")
    normal = SimpleNamespace(ci_low=1.0, ci_high=2.0, coverage=None, interval_method="normal",
                             n=30)
    assert tr.theil_sen_interval(normal) == "95% CI +1 to +2"
    assert tr.theil_sen_note(normal).startswith("Sen (1968)")


def test_period_ratio_method() -> None:
    plain = rates.period_ratio([10, 12, 9, 11], [20, 18, 25, 21, 19], autocorrelation_p=0.05,
                               hac_rule="never_narrower")
    assert tr.period_ratio_method(plain).startswith("no residual autocorrelation detected")
    wave = [100 + (m % 6) * 10 for m in range(12)]
    hac = rates.period_ratio(wave, [v + 30 for v in wave], autocorrelation_p=0.9,
                             hac_rule="never_narrower")
    assert "Newey–West" in tr.period_ratio_method(hac)


def test_its_errors() -> None:
    hac = SimpleNamespace(first_ljung_box_p=0.001, first_ljung_box_lags=12,
                          hac_reason="the residuals are autocorrelated and Newey-West errors "
                                     "widen (or keep) every interval",
                          result=SimpleNamespace(cov_type="HAC", hac_lags=3))
    assert tr.its_errors(hac) == (
        "the residuals are autocorrelated and Newey–West errors widen (or keep) every interval "
        "(Ljung–Box p = 0.001 at 12 lags), so Newey–West (HAC) standard errors with 3 lags "
        "were used")
    plain = SimpleNamespace(first_ljung_box_p=0.4, first_ljung_box_lags=12,
                            hac_reason="no residual autocorrelation detected",
                            result=SimpleNamespace(cov_type="nonrobust", hac_lags=None))
    assert tr.its_errors(plain) == ("no residual autocorrelation detected (Ljung–Box p = 0.40 at "
                                    "12 lags), so model-based standard errors were kept")


@pytest.mark.parametrize(("fn", "up", "down", "flat"), [
    (tr.pre_trend, "were rising", "were falling", "showed no clear trend"),
    (tr.level_change, "a step up", "a step down", "no clear step"),
    (tr.slope_change, "bent upwards", "bent downwards", "no clear change"),
])
def test_its_effect_phrases(fn, up, down, flat) -> None:
    assert up in fn(1.1, 1.2) and down in fn(0.7, 0.9) and flat in fn(0.9, 1.1)


def test_counterfactual() -> None:
    assert tr.counterfactual(10, 50).startswith("more referrals")
    assert tr.counterfactual(-50, -10).startswith("fewer referrals")
    assert "cannot tell" in tr.counterfactual(-10, 10)


def test_early_trend() -> None:
    up = trend.glm_trend([12, 25, 30, 38, 41, 49, 55], list(range(7)), family="quasipoisson")
    assert tr.early_trend(up).startswith("rose") and "members join" in tr.early_trend(up)
    down = trend.glm_trend([55, 49, 41, 38, 30, 25, 12], list(range(7)), family="quasipoisson")
    assert tr.early_trend(down).startswith("fell")
    flat = trend.glm_trend([30, 32, 29, 31, 30, 31, 29], list(range(7)), family="quasipoisson")
    assert "no clear rise or fall" in tr.early_trend(flat)
    assert tr.early_trend(None) == "too few months to say"


def test_homogeneity() -> None:
    assert "trend differently, so" in tr.homogeneity(0.01, "4")
    assert "with 3–4 points a site" in tr.homogeneity(0.6, "3–4")


def test_xmr_baseline() -> None:
    assert tr.xmr_baseline(21, 48, 12) == "set from the 21 months before CCS started"
    assert tr.xmr_baseline(48, 48, 12).startswith("set from all 48 months (fewer than 12")


def test_listed_years_dropped_months_and_launch() -> None:
    assert tr.listed_years(["pre-CCS", "Year 1"]) == "pre-CCS, Year 1"
    assert tr.listed_years([]) == "none"
    assert tr.dropped_months("2018-01", "2021-12", 0).startswith("no month")
    assert "3 month(s) outside" in tr.dropped_months("2018-01", "2022-03", 3)
    assert "went live in March 2021" in tr.launch("THCAN", dt.date(2021, 3, 1))
    assert tr.launch("X", None) == "there are no referral records from before CCS"


def test_covid_year() -> None:
    assert tr.covid_year([("A", 1.5, "up"), ("B", 1.8, "up")]) == (
        "rose in every site (A ×1.50, B ×1.80)")
    mixed = tr.covid_year([("A", 1.5, "up"), ("B", 0.6, "down"), ("C", 1.0, "unclear")])
    assert "rose in 1 of 3 sites" in mixed and "fell in 1 of 3" in mixed
    assert tr.covid_year([]) == "could not be compared in any site"
