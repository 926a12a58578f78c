"""Tests for ccs_methods.methods.spc: XmR limits and Making Data Count special-cause rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.spc import xmr

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def rnorm20() -> pd.DataFrame:
    return pd.read_csv(DATA / "nhsr_rnorm20_seed123.csv")


# ----------------------------------------------------------------------------------------
# published reference: NHSRplotthedots test snapshots
# ----------------------------------------------------------------------------------------
def test_limits_match_nhsrplotthedots_snapshot(rnorm20: pd.DataFrame) -> None:
    """NHS-R NHSRplotthedots, tests/testthat/test-ptd_spc_standard.R, snapshot r1.

    `set.seed(123); rnorm(20)`, screen_outliers = TRUE: mean 0.1416238,
    lpl -3.01138, upl 3.294627 (limits = mean -/+ 2.66 * mean moving range).
    """
    r = xmr(rnorm20["y"], rnorm20["date"])
    assert r.mean == pytest.approx(0.1416238, abs=5e-8)
    assert r.lcl == pytest.approx(-3.01138, abs=5e-6)
    assert r.ucl == pytest.approx(3.294627, abs=5e-7)
    assert not any(r.outside_limits)
    # relative_to_mean in the snapshot starts -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1
    assert r.side[:14] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1]
    assert r.dates[0] == "2020-01-02"


def test_outlier_screening_matches_nhsrplotthedots_snapshot(rnorm20: pd.DataFrame) -> None:
    """NHSRplotthedots snapshots r2/r3: y[15] <- 10.

    screen_outliers = TRUE: mean 0.6694159, limits -2.383666 / 3.722497;
    screen_outliers = FALSE: limits -4.596625 / 5.935457.
    """
    y = rnorm20["y"].to_numpy().copy()
    y[14] = 10
    screened = xmr(y)
    assert screened.mean == pytest.approx(0.6694159, abs=5e-8)
    assert screened.lcl == pytest.approx(-2.383666, abs=5e-7)
    assert screened.ucl == pytest.approx(3.722497, abs=5e-7)
    assert screened.n_screened == 2
    assert screened.outside_limits[14]
    raw = xmr(y, screen_outliers=False)
    assert raw.lcl == pytest.approx(-4.596625, abs=5e-7)
    assert raw.ucl == pytest.approx(5.935457, abs=5e-7)


# ----------------------------------------------------------------------------------------
# rules (cases from NHSRplotthedots test-ptd_calculate_point_type.R)
# ----------------------------------------------------------------------------------------
def test_shift_rule_needs_seven_on_one_side() -> None:
    base = [5, 6, 5, 6, 5, 6]
    six_high = xmr([*base, 9, 9.5, 9, 9.5, 9, 9.5, 4])
    assert not any(six_high.shift)
    seven_high = xmr([*base, 9, 9.5, 9, 9.5, 9, 9.5, 9, 4, 5, 4])
    assert seven_high.shift[6:13] == [True] * 7
    assert not seven_high.shift[5] and not seven_high.shift[13]
    assert "above the mean" in seven_high.explanations[8].lower()


def test_point_on_mean_breaks_a_run() -> None:
    """A point exactly on the mean (relative_to_mean = 0) ends a run, as in NHSRplotthedots."""
    y = [-1, -2, -1, -2, -1, -2, 0, -1, -2, -1, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    r = xmr(y)
    assert r.mean == 0.0 and r.side[6] == 0
    assert not any(r.shift[:10])
    assert all(r.shift[10:])
    unbroken = xmr([-1, -2, -1, -2, -1, -2, -1, -1, -2, -1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 0.3])
    assert all(unbroken.shift[:10])


def test_trend_rule_seven_strictly_rising_points() -> None:
    """ptd_seven_point_trend: 1:7 is a trend; c(1:3, 3:6) is not (a tie breaks it)."""
    assert xmr(np.arange(1.0, 8.0)).trend == [True] * 7
    assert not any(xmr([1, 2, 3, 3, 4, 5, 6]).trend)
    r = xmr([2, *range(1, 8), 3])
    assert r.trend == [False] + [True] * 7 + [False]
    down = xmr([2, *range(7, 0, -1), 3])
    assert down.trend == [False] + [True] * 7 + [False]
    assert not any(xmr(np.arange(1.0, 8.0), trend_run=8).trend)


def test_two_of_three_beyond_two_sigma_same_side() -> None:
    y = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 14.5, 11, 14.5, 10, 9, 11]
    r = xmr(y)
    assert r.upper_near < 14.5 < r.ucl
    assert r.two_of_three[10] and r.two_of_three[12]
    assert not r.two_of_three[11]
    # NHSRplotthedots: two close points on opposite sides of the mean are not a signal
    dtf = [1, -1] * 8
    dtf[14], dtf[15] = 5.5, -5.5
    opp = xmr(dtf)
    assert opp.special_cause[-2:] == [False, False]


def test_outside_limits_and_explanations() -> None:
    y = [10, 12, 8, 11, 9, 10, 12, 8, 30, 11, 9, 10, 12, 8]
    r = xmr(y)
    assert r.outside_limits[8] and sum(r.outside_limits) == 1
    assert r.special_cause == r.outside_limits
    assert "above the upper process limit" in r.explanations[8].lower()
    assert r.explanations[0] == ""
    assert set(r.flag_meanings) == {"outside_limits", "shift", "trend", "two_of_three"}
    assert "7 or more" in r.flag_meanings["shift"]


def test_baseline_fixes_limits() -> None:
    y = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 20, 21, 22]
    r = xmr(y, baseline=12)
    full = xmr(y)
    assert r.n_baseline == 12 and r.mean == pytest.approx(10.0)
    assert r.mean != full.mean
    assert all(r.outside_limits[12:])


def test_to_frame_and_json() -> None:
    dates = pd.date_range("2021-01-01", periods=14, freq="MS")
    r = xmr([5, 7, 6, 8, 7, 9, 8, 10, 9, 11, 10, 12, 11, 13], dates)
    f = r.to_frame()
    assert len(f) == 14
    assert {"value", "mean", "lcl", "ucl", "shift", "trend", "two_of_three",
            "outside_limits", "special_cause", "explanation"} <= set(f.columns)
    assert pd.isna(f["moving_range"].iloc[0])
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["moving_range"][0] is None
    assert "text" in d["summary"]


# ----------------------------------------------------------------------------------------
# property: limits are shift-equivariant, flags unchanged
# ----------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=200), min_size=3, max_size=40).filter(
        lambda v: len(set(v)) > 2
    ),
    st.integers(min_value=-10_000, max_value=10_000),
)
def test_limits_are_shift_equivariant(values: list[int], c: int) -> None:
    a = xmr(values)
    b = xmr([v + c for v in values])
    assert b.mean == pytest.approx(a.mean + c, abs=1e-9)
    assert b.ucl == pytest.approx(a.ucl + c, abs=1e-9)
    assert b.lcl == pytest.approx(a.lcl + c, abs=1e-9)
    assert b.mr_bar == pytest.approx(a.mr_bar, abs=1e-9)
    assert b.special_cause == a.special_cause


# ----------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        ([3], {}, "at least 2"),
        ([1, float("nan"), 2], {}, "position 2"),
        ([4, 4, 4, 4], {}, "do not vary"),
        ([1, 2, 3, 4], {"baseline": 1}, "baseline must be"),
        ([1, 2, 3, 4], {"baseline": 9}, "baseline must be"),
        ([1, 2, 3, 4], {"dates": ["2021-01", "2021-02"]}, "must match"),
        ([1, 2, 3, 4], {"shift_run": 1}, "shift_run"),
    ],
)
def test_xmr_bad_input(values: list, kwargs: dict, match: str) -> None:
    with pytest.raises(MethodInputError, match=match):
        xmr(values, **kwargs)


# ----------------------------------------------------------------------------------------
# mutmut survivors of issue 14, with limits computed by hand
# ----------------------------------------------------------------------------------------
def test_two_of_three_on_the_low_side_by_hand() -> None:
    """Baseline 10, 12 repeated: mean 11, mean moving range 2, limits 11 -/+ 2.66 x 2 =
    5.68 / 16.32, two-thirds of the way 11 -/+ 3.5467 = 7.4533 / 14.5467. Then 7, 10, 7:
    two points between 5.68 and 7.45 and all three below the mean -> both 7s flagged; the
    mirror image 15, 12, 15 on the high side likewise."""
    base = [10, 12] * 6
    r = xmr([*base, 7, 10, 7, 11, 15, 12, 15], baseline=12, screen_outliers=False)
    assert r.mean == 11.0 and r.mr_bar == 2.0
    assert r.lcl == pytest.approx(5.68) and r.ucl == pytest.approx(16.32)
    assert r.lower_near == pytest.approx(11 - 2 / 3 * 5.32)
    assert r.upper_near == pytest.approx(11 + 2 / 3 * 5.32)
    flags = [i for i, f in enumerate(r.two_of_three) if f]
    assert flags == [12, 14, 16, 18]
    assert not any(r.outside_limits) and r.special_cause[12:] == [True, False, True, False,
                                                                  True, False, True]
    assert "two of three" in r.explanations[12].lower() and r.explanations[13] == ""
    # one close point in the window is not enough; nor two close with one across the mean
    one = xmr([*base, 7, 10, 9], baseline=12, screen_outliers=False)
    assert not any(one.two_of_three)
    across = xmr([*base, 7, 12, 7], baseline=12, screen_outliers=False)
    assert not any(across.two_of_three)


def test_flat_series_with_one_spike_by_hand() -> None:
    """Eleven 10s then 30: moving ranges ten 0s and one 20, mean moving range 20/11. Screening
    would drop the 20 and leave zero variation, so every moving range is kept (and the note
    says so). Mean 140/12; upper limit mean + 2.66 x 20/11 = 16.50: the spike is outside,
    and the eleven points below the mean are a shift (7 or more on one side)."""
    r = xmr([10] * 11 + [30])
    assert r.mr_bar == pytest.approx(20 / 11) and r.n_screened == 0
    assert r.mean == pytest.approx(140 / 12)
    assert r.ucl == pytest.approx(140 / 12 + 2.66 * 20 / 11)
    assert r.lcl == pytest.approx(140 / 12 - 2.66 * 20 / 11)
    assert r.outside_limits == [False] * 11 + [True]
    assert r.shift == [True] * 11 + [False]
    assert not any(r.trend) and not any(r.two_of_three)
    assert any("leave no variation" in note for note in r.notes)
    # without screening: the same limits, no note
    plain = xmr([10] * 11 + [30], screen_outliers=False)
    assert plain.ucl == r.ucl and not any("leave no variation" in note for note in plain.notes)
    # a spike in an otherwise varying series is screened: 3.267 x mean moving range
    v = xmr([10, 11, 10, 11, 10, 11, 10, 11, 40, 11, 10, 11])
    mrs = np.abs(np.diff([10, 11, 10, 11, 10, 11, 10, 11, 40, 11, 10, 11]))
    keep = mrs < 3.267 * mrs.mean()
    assert v.n_screened == int((~keep).sum()) == 2
    assert v.mr_bar == pytest.approx(mrs[keep].mean())
