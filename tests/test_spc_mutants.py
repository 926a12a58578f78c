"""ccs_methods.methods.spc: boundaries, readings and rebasing, with values worked by hand.

Written against the survivors of a mutation run (issue 14, "Tests with teeth"): each test pins
a number or a flag that a plausible slip in the module would change. The rules are NHS
England's Making Data Count rules as NHSRplotthedots implements them (nhs-r-community,
R/ptd_calculate_point_type.R); the charts here are small enough to check on paper.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.spc import (
    XmRResult,
    classify_variation,
    xmr,
    xmr_rebased,
)

#: Baseline of the hand-worked charts: mean 11, every moving range 2, so the process limits
#: are 11 -/+ 2.66 x 2 = 5.68 / 16.32 and two-thirds of the way 11 -/+ 3.5467 = 7.4533 / 14.5467.
BASE = [10, 12] * 6


# ----------------------------------------------------------------------------------------
# the smallest charts: two points, run lengths of 2, baseline of 2 or all points
# ----------------------------------------------------------------------------------------
def test_two_points_with_runs_of_two() -> None:
    """1, 2: mean 1.5, moving range 1, limits 1.5 -/+ 2.66. The two points rise: a trend of 2
    when trend_run = 2 (the smallest run allowed); they sit on opposite sides, so no shift."""
    r = xmr([1, 2], shift_run=2, trend_run=2)
    assert (r.mean, r.mr_bar) == (1.5, 1.0)
    assert r.ucl == pytest.approx(4.16) and r.lcl == pytest.approx(-1.16)
    assert r.trend == [True, True] and r.shift == [False, False]
    assert r.side == [-1, 1]
    assert r.dates == ["1", "2"]
    assert r.sigma == pytest.approx(1 / 1.128)


def test_default_labels_count_from_one() -> None:
    assert xmr([3, 5, 4]).dates == ["1", "2", "3"]


def test_datetime_labels_are_days() -> None:
    """Labels with a time of day (datetime, numpy datetime64 in minutes) print as the day."""
    r = xmr(
        [1, 3, 2],
        [dt.datetime(2021, 1, 1, 9, 30), np.datetime64("2021-02-01T00:00"), dt.date(2021, 3, 1)],
    )
    assert r.dates == ["2021-01-01", "2021-02-01", "2021-03-01"]


def test_baseline_of_two_and_of_every_point_are_allowed() -> None:
    """baseline=2 on 1, 3, 2, 4: mean 2, moving range 2; baseline=4 (all): mean 2.5."""
    two = xmr([1, 3, 2, 4], baseline=2)
    assert (two.n_baseline, two.mean, two.mr_bar) == (2, 2.0, 2.0)
    every = xmr([1, 3, 2, 4], baseline=4)
    assert every.mean == 2.5 and every.mr_bar == pytest.approx(5 / 3)


@pytest.mark.parametrize("kwargs", [{"shift_run": 2}, {"trend_run": 2}])
def test_run_of_two_is_allowed(kwargs: dict) -> None:
    assert xmr([1, 2, 1], **kwargs).n == 3


def test_results_are_frozen_and_notes_default_empty() -> None:
    r = xmr([1, 2, 1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.mean = 0.0  # type: ignore[misc]
    kwargs = {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name != "notes"}
    assert XmRResult(**kwargs).notes == []
    rb = xmr_rebased([1, 2, 1, 2], rebase_at=[2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        rb.n = 0  # type: ignore[misc]


# ----------------------------------------------------------------------------------------
# notes
# ----------------------------------------------------------------------------------------
def test_unstable_limits_note_below_twelve_points() -> None:
    """NHSRplotthedots warns when the limits rest on fewer than 12 points."""
    assert any("unstable" in n for n in xmr(BASE[:11]).notes)
    assert not any("unstable" in n for n in xmr(BASE).notes)
    fixed = xmr([*BASE, 11], baseline=12)
    assert not any("unstable" in n for n in fixed.notes)
    assert "Mean and limits are fixed from the first 12 points." in fixed.notes
    assert not any("fixed from" in n for n in xmr(BASE).notes)


# ----------------------------------------------------------------------------------------
# screening large moving ranges
# ----------------------------------------------------------------------------------------
def test_moving_range_exactly_at_screening_limit_is_screened() -> None:
    """0, 244, 0, 245, 3512: moving ranges 244, 244, 245, 3267, mean exactly 1000, so the
    screening limit is 3.267 x 1000 = 3267. NHSRplotthedots keeps a moving range only when it is
    below the limit (mr < mr_ucl), so 3267 is left out: mean moving range (244 + 244 + 245) / 3."""
    r = xmr([0, 244, 0, 245, 3512])
    assert r.n_screened == 1
    assert r.mr_bar == pytest.approx(733 / 3)


def test_screening_works_below_a_mean_moving_range_of_one() -> None:
    """The series of test_spc's spike case divided by 100: moving ranges 0.01 x (1 ... 29, 29
    ...), mean (6 x 0.01 + 2 x 0.29 + 3 x 0.01) / 11 = 0.0609; 0.29 > 3.267 x 0.0609 = 0.199 is
    screened twice, leaving nine moving ranges of 0.01."""
    y = np.array([10, 11, 10, 11, 10, 11, 10, 11, 40, 11, 10, 11]) / 100
    r = xmr(y)
    assert r.n_screened == 2
    assert r.mr_bar == pytest.approx(0.01)


# ----------------------------------------------------------------------------------------
# points exactly on a line are inside it (NHSRplotthedots: y > upl, y < lpl, strict)
# ----------------------------------------------------------------------------------------
def test_point_on_a_process_limit_is_not_outside() -> None:
    ref = xmr(BASE)
    r = xmr([*BASE, ref.ucl, 11, ref.lcl], baseline=12, screen_outliers=False)
    assert r.outside_limits[12:] == [False, False, False]
    # but beyond the two-sigma line: with an on-limit point, a window of 3 on one side
    beyond = xmr([*BASE, ref.ucl, 11.5, ref.ucl], baseline=12, screen_outliers=False)
    assert beyond.two_of_three[12:] == [True, False, True]
    low = xmr([*BASE, ref.lcl, 10.5, ref.lcl], baseline=12, screen_outliers=False)
    assert low.two_of_three[12:] == [True, False, True]


def test_point_on_the_two_sigma_line_is_not_close() -> None:
    ref = xmr(BASE)
    up = xmr([*BASE, *[ref.upper_near] * 3], baseline=12, screen_outliers=False)
    assert not any(up.two_of_three)
    down = xmr([*BASE, *[ref.lower_near] * 3], baseline=12, screen_outliers=False)
    assert not any(down.two_of_three)


# ----------------------------------------------------------------------------------------
# special cause = any rule; summary text
# ----------------------------------------------------------------------------------------
def test_trend_alone_is_special_cause_and_summary_counts() -> None:
    """1 ... 7: mean 4, moving range 1, limits 4 -/+ 2.66 = 1.34 / 6.66, so 1 and 7 are outside;
    all seven points are a trend; 2 is below 4 - 1.7733 = 2.2267 and 6 above 5.7733, but no
    window of three is on one side with 4 on the mean, so no two-of-three."""
    r = xmr(np.arange(1.0, 8.0))
    assert r.special_cause == [True] * 7
    assert r.outside_limits == [True, False, False, False, False, False, True]
    assert r.summary == {
        "outside_limits": 2,
        "shift": 0,
        "trend": 7,
        "two_of_three": 0,
        "special_cause": 7,
        "text": "7 of 7 point(s) show special-cause variation (2 outside limits, 0 in shifts, "
        "7 in trends, 0 two-of-three).",
    }
    quiet = xmr(BASE)
    assert quiet.summary["text"] == (
        "No special-cause variation: the points are consistent "
        "with common-cause variation around the mean."
    )
    assert quiet.summary["special_cause"] == 0


# ----------------------------------------------------------------------------------------
# classify_variation (Making Data Count icons: improvement / concern / neutral high, low)
# ----------------------------------------------------------------------------------------
#: After BASE (limits 5.68 / 16.32): 20 outside high; 11 on the mean, common cause; 3 outside
#: low; then 3 < 8 < 9 < 10 < 11.5 < 12 < 13 < 14 rise (8 points, a trend) and 14 > 12 > 11.5
#: > 10.5 > 10 > 9 > 8 fall (7 points, a trend); none is beyond 2 sigma (7.4533 / 14.5467) and
#: the longest run on one side is 6 (11.5 ... 14, 12, 11.5), so 8 ... 8 are trend-only.
CLASSIFY = [*BASE, 20, 11, 3, 8, 9, 10, 11.5, 12, 13, 14, 12, 11.5, 10.5, 10, 9, 8]


def test_classify_by_side_and_by_run_direction() -> None:
    r = xmr(CLASSIFY, baseline=12, screen_outliers=False)
    assert r.outside_limits[12:15] == [True, False, True]
    assert r.trend[14:] == [True] * 14 and not any(r.shift) and not any(r.two_of_three)
    neutral = classify_variation(r)
    assert neutral[:12] == ["common cause"] * 12
    assert neutral[12:15] == ["special cause (high)", "common cause", "special cause (low)"]
    # 8 ... 13 rise; 14, the top, starts the fall (NHSRplotthedots 0.2.2 takes the later run
    # for a point in two, its fix of issue #167); 12 ... 8 fall
    assert neutral[15:21] == ["special cause (high)"] * 6
    assert neutral[21:] == ["special cause (low)"] * 7
    up = classify_variation(r, "increase")
    assert up[12:] == [
        "improvement",
        "common cause",
        "concern",
        *["improvement"] * 6,
        *["concern"] * 7,
    ]
    down = classify_variation(r, "decrease")
    assert down[12:] == [
        "concern",
        "common cause",
        "improvement",
        *["concern"] * 6,
        *["improvement"] * 7,
    ]


def test_first_point_of_a_fall_after_a_rise_is_a_fall() -> None:
    """The bug this fixed: the first point of a trend took the step from the previous point,
    which for a fall that follows a rise points up. 5, 6, then 13 ... 8 falling (7 points)
    after BASE: 13 is trend-only and falling."""
    y = [*BASE, 5.9, 13, 12, 11.5, 10.5, 10, 9, 8]
    r = xmr(y, baseline=12, screen_outliers=False)
    assert r.trend[13:] == [True] * 7 and not r.trend[12]
    assert not r.outside_limits[13] and not r.shift[13] and not r.two_of_three[13]
    assert classify_variation(r)[13] == "special cause (low)"
    assert classify_variation(r, "decrease")[13:] == ["improvement"] * 7


def test_trend_from_the_first_point() -> None:
    """13, 12, 11.5, 10.5, 10, 9, 8 then 10, 12 x 4: mean 162 / 15 = 10.8, moving ranges sum
    21 over 14 = 1.5, limits 10.8 -/+ 3.99 = 6.81 / 14.79, two-sigma 8.14 / 13.46: the first
    seven points are a falling trend and nothing else, read low from the first point on."""
    r = xmr([13, 12, 11.5, 10.5, 10, 9, 8, 10, 12, 10, 12, 10, 12, 10, 12])
    assert r.mean == pytest.approx(10.8) and r.mr_bar == pytest.approx(1.5)
    assert r.trend == [True] * 7 + [False] * 8
    assert classify_variation(r) == ["special cause (low)"] * 7 + ["common cause"] * 8


def test_shift_and_two_of_three_read_by_side() -> None:
    """Seven 13s after BASE: above the mean 11 and inside 14.5467, a shift only (high); then
    15, 11.5, 15: two beyond 14.5467 with all three above the mean, two-of-three (high)."""
    r = xmr([*BASE, *[13] * 7, 15, 11.5, 15], baseline=12, screen_outliers=False)
    assert r.shift[12:19] == [True] * 7 and not any(r.trend[12:19])
    assert r.two_of_three[19:] == [True, False, True]
    got = classify_variation(r, "decrease")
    assert got[12:19] == ["concern"] * 7
    assert got[19] == got[21] == "concern"
    # 19 ... 21 extend the shift: all ten points above the mean are shift points
    assert got[20] == "concern"


def test_classify_rejects_an_unknown_direction() -> None:
    with pytest.raises(MethodInputError, match="improvement must be"):
        classify_variation(xmr([1, 2, 1]), "up")


# ----------------------------------------------------------------------------------------
# xmr_rebased
# ----------------------------------------------------------------------------------------
#: Two periods of eight: 10, 12 (mean 11, limits 5.68 / 16.32) then 20, 22, ..., 20, 34 (mean
#: 180 / 8 = 22.5, moving ranges 2 x 6 and 14, mean 26 / 7, upper limit 22.5 + 2.66 x 26 / 7 =
#: 32.38): the last point, 34, is above it. Its first seven points are below the mean, so the
#: charts use runs of 8 to keep the shift rule out.
REBASE = [10, 12] * 4 + [20, 22] * 3 + [20, 34]


def test_rebased_periods_by_hand() -> None:
    r = xmr_rebased(
        REBASE,
        rebase_at=[8],
        screen_outliers=False,
        improvement="increase",
        shift_run=8,
        trend_run=8,
    )
    assert r.n == 16 and r.rebase_at == ["9"]
    assert r.dates == [str(i) for i in range(1, 17)]
    assert r.values == [float(v) for v in REBASE]
    second_mean = 22.5
    second_mr = 26 / 7
    assert r.mean == [11.0] * 8 + [second_mean] * 8
    assert r.ucl == pytest.approx([16.32] * 8 + [second_mean + 2.66 * second_mr] * 8)
    assert r.lcl == pytest.approx([5.68] * 8 + [second_mean - 2.66 * second_mr] * 8)
    assert [s["start"] for s in r.segments] == ["1", "9"]
    assert [s["end"] for s in r.segments] == ["8", "16"]
    assert [s["n"] for s in r.segments] == [8, 8]
    assert r.segments[0]["mr_bar"] == 2.0 and r.segments[0]["n_screened"] == 0
    assert r.special_cause == [False] * 15 + [True]
    assert r.variation == ["common cause"] * 15 + ["improvement"]
    assert r.explanations == [""] * 15 + ["Above the upper process limit"]
    assert r.improvement == "increase"


def test_rebased_with_labels_and_baseline() -> None:
    """Labels w1 ... w16; baseline 3 in each period: 10, 12, 10 (mean 32/3) and 20, 22, 20
    (mean 62/3); a baseline of 20 is cut to each period's 8 points."""
    labels = [f"w{i}" for i in range(1, 17)]
    r = xmr_rebased(REBASE, labels, rebase_at=[8], baseline=3, screen_outliers=False)
    assert r.dates == labels and r.rebase_at == ["w9"]
    assert [s["start"] for s in r.segments] == ["w1", "w9"]
    assert [s["end"] for s in r.segments] == ["w8", "w16"]
    assert [s["n_baseline"] for s in r.segments] == [3, 3]
    assert r.mean == pytest.approx([32 / 3] * 8 + [62 / 3] * 8)
    whole = xmr_rebased(REBASE, labels, rebase_at=[8], baseline=20, screen_outliers=False)
    assert [s["n_baseline"] for s in whole.segments] == [8, 8]
    assert whole.mean[0] == 11.0


def test_rebased_three_periods_and_defaults() -> None:
    """Cuts at 2 and 4 (periods of exactly 2 points are allowed): 1, 3 | 5, 9 | 2, 4, 2, 4, ...
    The defaults are as xmr's: runs of 7, screening on."""
    y = [1, 3, 5, 9, *[2, 4] * 6]
    r = xmr_rebased(y, rebase_at=[2, 4])
    assert r.rebase_at == ["3", "5"]
    assert r.mean[:4] == [2.0, 2.0, 7.0, 7.0] and r.mean[4] == 3.0
    assert r.dates[4:6] == ["5", "6"] and len(r.dates) == 16
    parts = [xmr(y[:2]), xmr(y[2:4]), xmr(y[4:])]
    assert r.explanations == [e for p in parts for e in p.explanations]
    assert [s["notes"] for s in r.segments] == [p.notes for p in parts]
    assert xmr_rebased(y, rebase_at=[14]).segments[1]["n"] == 2
    # screening on by default: 2, 4 ... then a jump
    jump = [2, 4] * 6 + [40, 4]
    assert xmr_rebased(jump).segments[0]["n_screened"] == xmr(jump).n_screened == 2
    # runs of 7 by default: seven 13s above the mean 11 are a shift
    seven = xmr_rebased([*[12, 10] * 6, *[13] * 7, 9], baseline=12)
    assert seven.special_cause[12:] == [True] * 7 + [False]
    # and 1 ... 7 a trend (2 ... 6 inside the limits 1.34 / 6.66: flagged by the trend only)
    assert xmr_rebased(np.arange(1.0, 8.0)).special_cause == [True] * 7


@pytest.mark.parametrize("cuts", [[1], [8, 8], [15], [0], [5, 6], [9, 8]])
def test_rebased_bad_cuts(cuts: list[int]) -> None:
    with pytest.raises(MethodInputError, match="rebase positions"):
        xmr_rebased(REBASE, rebase_at=cuts)


def test_rebased_needs_two_points() -> None:
    with pytest.raises(MethodInputError, match="at least 2"):
        xmr_rebased([1.0])
    assert xmr_rebased([1.0, 2.0]).n == 2


def test_trend_readings_with_runs_of_two() -> None:
    """trend_run = 2: 5, 1, 3, 2 is four runs of two (down, up, down). Mean 2.75, moving ranges
    4, 2, 1 (mean 7/3), limits 2.75 -/+ 6.21 and two-sigma 2.75 -/+ 4.14: only the trend rule
    flags, so each point reads as the run it starts (5 down, 1 up, 3 down) and the last as the
    run it ends (2 down)."""
    r = xmr([5, 1, 3, 2], trend_run=2)
    assert r.trend == [True] * 4 and not any(r.outside_limits) and not any(r.two_of_three)
    assert classify_variation(r) == [
        "special cause (low)",
        "special cause (high)",
        "special cause (low)",
        "special cause (low)",
    ]
    assert classify_variation(xmr([1, 2], trend_run=2), "increase") == ["improvement"] * 2


def test_top_of_a_rise_followed_by_a_tie_stays_high() -> None:
    """After 0, 20 x 6 (mean 10, limits 10 -/+ 53.2, two-sigma 10 -/+ 35.47): 7 ... 12 rise
    (7 points), 12 again (a tie ends the rise), then 12 ... 7 fall (7 points). At most 6 points
    in a row sit above the mean 10, so only the trend rule flags. The first 12 ends the rise
    (read high); the second 12 starts the fall (read low)."""
    rise = [7, 8, 9, 9.5, 10.5, 11, 12]
    fall = [12, 11, 10.5, 9.5, 9, 8, 7]
    r = xmr([*[0, 20] * 6, *rise, *fall], baseline=12, screen_outliers=False)
    assert r.trend[12:] == [True] * 14
    assert not any(r.shift) and not any(r.outside_limits) and not any(r.two_of_three)
    got = classify_variation(r)
    assert got[12:19] == ["special cause (high)"] * 7
    assert got[19:] == ["special cause (low)"] * 7
