"""XmR (individuals and moving range) charts with NHS "Making Data Count" rules.

:func:`xmr` computes the centre line, moving ranges, process limits
``mean +/- 2.66 * mean moving range`` and flags special-cause variation with the rules used
by NHS England's *Making Data Count* programme as implemented in the NHS-R
``NHSRplotthedots`` package (``ptd_spc``):

* **astronomical point** - a point outside the process limits;
* **shift** - a run of 7 or more consecutive points on the same side of the mean (a point
  exactly on the mean breaks the run);
* **trend** - a run of 7 or more consecutive points each strictly higher (or lower) than
  the one before (``ptd_seven_point_trend``: six successive differences of one sign);
* **two of three** - two or three out of three consecutive points beyond two-thirds of the
  distance to a process limit (about 2 sigma) but inside the limits, with all three
  points on the same side of the mean; the points beyond 2 sigma are flagged.

By default moving ranges above ``3.267 * mean moving range`` are screened out and the
mean moving range recomputed before the limits are set, as ``NHSRplotthedots``'
``screen_outliers = TRUE`` default. See ``book/methods/trends.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend import as_float_array, json_safe

__all__ = ["FLAG_MEANINGS", "RebasedXmR", "XmRResult", "classify_variation", "xmr", "xmr_rebased"]

#: Scaling constant for XmR process limits: 3 / d2 with d2 = 1.128 for ranges of 2.
LIMIT_FACTOR = 2.66
#: Upper range limit factor used to screen moving-range outliers (D4 for n = 2).
SCREEN_FACTOR = 3.267
#: Fewer points than this triggers a note (NHSRplotthedots warns below 12).
MIN_RECOMMENDED_POINTS = 12

#: Plain-English meaning of each special-cause flag.
FLAG_MEANINGS: dict[str, str] = {
    "outside_limits": (
        "This point is outside the process limits: a value this far from the mean is "
        "unlikely from the usual month-to-month variation alone."
    ),
    "shift": (
        "This point is part of a run of {shift_run} or more points on the same side of the "
        "mean: the level of the process has probably moved."
    ),
    "trend": (
        "This point is part of a run of {trend_run} or more points each higher (or each "
        "lower) than the one before: a sustained rise or fall."
    ),
    "two_of_three": (
        "This point is beyond two-thirds of the way to a process limit (about 2 sigma), "
        "with two of three consecutive points there on the same side of the mean: an early "
        "warning that the process may have changed."
    ),
}


class _ResultMixin:
    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict (no numpy types, NaN as None)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class XmRResult(_ResultMixin):
    """Result of :func:`xmr`.

    Attributes
    ----------
    n
        Number of points.
    n_baseline
        Number of points used to set the mean and limits.
    mean
        Centre line (mean of the baseline points).
    mr_bar
        Mean moving range of the baseline (after screening, if on).
    sigma
        Estimated process sigma, ``mr_bar / 1.128``.
    ucl, lcl
        Upper and lower process limits, ``mean +/- 2.66 * mr_bar``.
    upper_near, lower_near
        Two-sigma lines, ``mean +/- (2/3) * 2.66 * mr_bar``.
    shift_run, trend_run
        Run lengths used for the shift and trend rules.
    screen_outliers
        Whether large moving ranges were screened out before the limits were set.
    n_screened
        Number of moving ranges screened out.
    values, dates, moving_range
        The series, its labels and moving ranges (first is None).
    outside_limits, shift, trend, two_of_three, special_cause
        Per-point flags.
    side
        Per point: 1 above the mean, -1 below, 0 on it.
    explanations
        Per point: plain-English reasons for any flag ("" for common cause).
    flag_meanings
        The meaning of each flag.
    summary
        Counts of flagged points by rule, and in words.
    notes
        Caveats.

    """

    n: int
    n_baseline: int
    mean: float
    mr_bar: float
    sigma: float
    ucl: float
    lcl: float
    upper_near: float
    lower_near: float
    shift_run: int
    trend_run: int
    screen_outliers: bool
    n_screened: int
    values: list[float]
    dates: list[str]
    moving_range: list[float | None]
    outside_limits: list[bool]
    shift: list[bool]
    trend: list[bool]
    two_of_three: list[bool]
    special_cause: list[bool]
    side: list[int]
    explanations: list[str]
    flag_meanings: dict[str, str]
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Return a per-point table with the limits and every flag."""
        return pd.DataFrame(
            {
                "date": self.dates,
                "value": self.values,
                "moving_range": self.moving_range,
                "mean": self.mean,
                "lcl": self.lcl,
                "ucl": self.ucl,
                "lower_near": self.lower_near,
                "upper_near": self.upper_near,
                "side": self.side,
                "outside_limits": self.outside_limits,
                "shift": self.shift,
                "trend": self.trend,
                "two_of_three": self.two_of_three,
                "special_cause": self.special_cause,
                "explanation": self.explanations,
            }
        )


def _runs_flag(codes: np.ndarray, run: int) -> np.ndarray:
    """Flag every position in a run of >= ``run`` equal non-zero codes."""
    n = codes.size
    out = np.zeros(n, dtype=bool)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and codes[j + 1] == codes[i]:
            j += 1
        if codes[i] != 0 and (j - i + 1) >= run:
            out[i : j + 1] = True
        i = j + 1
    return out


def _trend_flag(values: np.ndarray, run: int) -> np.ndarray:
    """Flag points in a run of >= ``run`` points each strictly above (below) the previous."""
    n = values.size
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    d = np.sign(np.diff(values))  # d[i] compares point i+1 with point i
    i = 0
    while i < d.size:
        j = i
        while j + 1 < d.size and d[j + 1] == d[i]:
            j += 1
        # differences i..j (same sign) cover points i..j+1
        if d[i] != 0 and (j - i + 2) >= run:
            out[i : j + 2] = True
        i = j + 1
    return out


def _two_of_three_flag(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Flag 'close to limit' points in a window of 3 with >= 2 close, all on one side."""
    n = close.size
    out = np.zeros(n, dtype=bool)
    for start in range(max(0, n - 2)):
        w = slice(start, start + 3)
        if close[w].sum() >= 2 and abs(int(side[w].sum())) == 3:
            out[w] |= close[w]
    return out


def xmr(
    values: Sequence[float] | np.ndarray | pd.Series,
    dates: Sequence[Any] | np.ndarray | pd.Series | None = None,
    *,
    baseline: int | None = None,
    shift_run: int = 7,
    trend_run: int = 7,
    screen_outliers: bool = True,
) -> XmRResult:
    """XmR chart with Making Data Count special-cause rules.

    Parameters
    ----------
    values
        The series in time order (e.g. monthly referrals). At least 2 points.
    dates
        Optional labels (dates or strings) of the same length; used in the output only.
    baseline
        Use only the first ``baseline`` points to set the mean and limits (as
        ``fix_after_n_points`` in NHSRplotthedots); the limits are then applied to all
        points. None = all points.
    shift_run
        Run length for the shift rule (Making Data Count and NHSRplotthedots: 7).
    trend_run
        Run length (points) for the trend rule (NHSRplotthedots: 7).
    screen_outliers
        Drop moving ranges above ``3.267 * mr_bar`` and recompute ``mr_bar`` before setting
        limits (NHSRplotthedots default).

    Returns
    -------
    XmRResult
        Limits, per-point flags with plain-English explanations; ``to_frame()`` gives a
        per-point table.

    Raises
    ------
    MethodInputError
        Fewer than 2 values, missing values, mismatched dates, a bad baseline or run length,
        or a baseline with no variation (zero-width limits).

    """
    y = as_float_array(values, "values", min_n=2)
    n = y.size
    if dates is None:
        labels = [str(i + 1) for i in range(n)]
    else:
        dl = list(dates)
        if len(dl) != n:
            raise MethodInputError(
                f"'dates' has {len(dl)} entries but 'values' has {n}; they must match."
            )
        labels = []
        for d in dl:
            if isinstance(d, (pd.Timestamp, np.datetime64)) or hasattr(d, "strftime"):
                labels.append(pd.Timestamp(d).strftime("%Y-%m-%d"))
            else:
                labels.append(str(d))
    for name, run in (("shift_run", shift_run), ("trend_run", trend_run)):
        if not isinstance(run, (int, np.integer)) or run < 2:
            raise MethodInputError(f"{name} must be a whole number of at least 2; got {run!r}.")
    if baseline is None:
        nb = n
    else:
        if not isinstance(baseline, (int, np.integer)) or not 2 <= baseline <= n:
            raise MethodInputError(
                f"baseline must be a whole number of points from 2 to {n} (the series "
                f"length); got {baseline!r}."
            )
        nb = int(baseline)
    base = y[:nb]
    mean = float(base.mean())
    mr_base = np.abs(np.diff(base))
    mr_bar = float(mr_base.mean())
    n_screened = 0
    screen_note = ""
    if screen_outliers and mr_bar > 0:
        keep = mr_base < SCREEN_FACTOR * mr_bar
        screened_bar = float(mr_base[keep].mean()) if keep.any() else 0.0
        if screened_bar > 0:
            n_screened = int((~keep).sum())
            mr_bar = screened_bar
        else:
            screen_note = (
                "Screening large moving ranges would leave no variation at all, so all "
                "moving ranges were kept."
            )
    if mr_bar == 0:
        raise MethodInputError(
            f"the {nb} baseline value(s) do not vary (mean moving range 0), so the process "
            "limits would have zero width; an XmR chart needs variation in the baseline."
        )
    ucl = mean + LIMIT_FACTOR * mr_bar
    lcl = mean - LIMIT_FACTOR * mr_bar
    upper_near = mean + (2.0 / 3.0) * LIMIT_FACTOR * mr_bar
    lower_near = mean - (2.0 / 3.0) * LIMIT_FACTOR * mr_bar

    side = np.sign(y - mean).astype(int)
    outside = (y > ucl) | (y < lcl)
    close = ~outside & ((y > upper_near) | (y < lower_near))
    shift = _runs_flag(side, shift_run)
    trend = _trend_flag(y, trend_run)
    two3 = _two_of_three_flag(close, side)
    special = outside | shift | trend | two3

    meanings = {
        k: v.format(shift_run=shift_run, trend_run=trend_run) for k, v in FLAG_MEANINGS.items()
    }
    explanations = []
    for i in range(n):
        reasons = []
        if outside[i]:
            reasons.append("above the upper process limit" if y[i] > ucl else
                           "below the lower process limit")
        if shift[i]:
            reasons.append(
                f"part of a run of {shift_run}+ points "
                + ("above" if side[i] > 0 else "below") + " the mean"
            )
        if trend[i]:
            reasons.append(f"part of a run of {trend_run}+ points rising or falling in a row")
        if two3[i]:
            reasons.append("two of three points beyond 2 sigma on the same side")
        explanations.append("; ".join(reasons).capitalize() if reasons else "")

    mr_full: list[float | None] = [None, *np.abs(np.diff(y)).tolist()]
    notes: list[str] = []
    if nb < MIN_RECOMMENDED_POINTS:
        notes.append(
            f"Limits are based on {nb} point(s); with fewer than {MIN_RECOMMENDED_POINTS} "
            "they are unstable (NHSRplotthedots warns below 12; 15-20 is better)."
        )
    if n_screened:
        notes.append(
            f"{n_screened} moving range(s) above {SCREEN_FACTOR} x the mean moving range were "
            "left out when setting the limits."
        )
    if screen_note:
        notes.append(screen_note)
    if baseline is not None:
        notes.append(f"Mean and limits are fixed from the first {nb} points.")
    notes.append(
        "XmR limits assume roughly independent points; strong seasonality or "
        "autocorrelation makes runs more common and can produce false signals."
    )
    counts = {
        "outside_limits": int(outside.sum()),
        "shift": int(shift.sum()),
        "trend": int(trend.sum()),
        "two_of_three": int(two3.sum()),
        "special_cause": int(special.sum()),
    }
    counts["text"] = (
        "No special-cause variation: the points are consistent with common-cause variation "
        "around the mean."
        if not special.any()
        else f"{counts['special_cause']} of {n} point(s) show special-cause variation "
        f"({counts['outside_limits']} outside limits, {counts['shift']} in shifts, "
        f"{counts['trend']} in trends, {counts['two_of_three']} two-of-three)."
    )
    return XmRResult(
        n=int(n),
        n_baseline=int(nb),
        mean=mean,
        mr_bar=mr_bar,
        sigma=mr_bar / 1.128,
        ucl=float(ucl),
        lcl=float(lcl),
        upper_near=float(upper_near),
        lower_near=float(lower_near),
        shift_run=int(shift_run),
        trend_run=int(trend_run),
        screen_outliers=bool(screen_outliers),
        n_screened=n_screened,
        values=[float(v) for v in y],
        dates=labels,
        moving_range=mr_full,
        outside_limits=[bool(v) for v in outside],
        shift=[bool(v) for v in shift],
        trend=[bool(v) for v in trend],
        two_of_three=[bool(v) for v in two3],
        special_cause=[bool(v) for v in special],
        side=[int(v) for v in side],
        explanations=explanations,
        flag_meanings=meanings,
        summary=counts,
        notes=notes,
    )


def classify_variation(res: XmRResult, improvement: str | None = None) -> list[str]:
    """Making Data Count reading of each point: improvement, concern or common cause.

    Parameters
    ----------
    res
        An XmR result.
    improvement
        ``"increase"`` (higher is better), ``"decrease"`` (lower is better) or None (no
        direction: special causes are ``"special cause (high)"`` / ``"(low)"``).

    Returns
    -------
    list of str
        One of ``"common cause"``, ``"improvement"``, ``"concern"``,
        ``"special cause (high)"`` or ``"special cause (low)"`` per point. The direction of
        a flagged point is its side of the mean (outside limits, shift, two of three), or for
        a point flagged only by the trend rule the direction of its run (a point where a rise
        turns into a fall, or back, takes the later run, as NHSRplotthedots).

    Raises
    ------
    MethodInputError
        An unknown ``improvement``.

    """
    if improvement not in (None, "increase", "decrease"):
        raise MethodInputError(
            f"improvement must be 'increase', 'decrease' or None; got {improvement!r}."
        )
    y = np.asarray(res.values, dtype=float)
    out: list[str] = []
    for i, special in enumerate(res.special_cause):
        if not special:
            out.append("common cause")
            continue
        if res.outside_limits[i] or res.shift[i] or res.two_of_three[i]:
            high = res.side[i] > 0
        elif i + 1 < len(y) and res.trend[i + 1] and y[i + 1] != y[i]:
            # trend only: the direction of its run. The first point of a run takes the step to
            # the next point (the step from the previous one points the other way), and a
            # point shared by a rise and a fall takes the later run, as NHSRplotthedots 0.2.2
            # (ptd_special_cause_type: "if a point is part of a trend either side, use right
            # side", its fix of issue #167).
            high = y[i + 1] > y[i]
        else:  # trend only, the last point of its run: the step from the previous point
            high = y[i] > y[i - 1]
        if improvement is None:
            out.append("special cause (high)" if high else "special cause (low)")
        else:
            good = high == (improvement == "increase")
            out.append("improvement" if good else "concern")
    return out


@dataclass(frozen=True)
class RebasedXmR(_ResultMixin):
    """Result of :func:`xmr_rebased`: one XmR chart per period between rebase points.

    Attributes
    ----------
    n
        Points in total.
    rebase_at
        Labels of the first point of each new period (after the first).
    improvement
        Direction of improvement used to read special causes, or None.
    segments
        One dict per period: ``start``, ``end`` (labels), ``n``, ``n_baseline``, ``mean``,
        ``mr_bar``, ``ucl``, ``lcl``, ``n_screened``, ``summary`` and ``notes``.
    dates, values
        Point labels and values.
    mean, ucl, lcl
        Per-point centre line and limits of the point's period.
    special_cause, variation, explanations
        Per-point flags, their reading (:func:`classify_variation`) and explanations.

    """

    n: int
    rebase_at: list[str]
    improvement: str | None
    segments: list[dict[str, Any]]
    dates: list[str]
    values: list[float]
    mean: list[float]
    ucl: list[float]
    lcl: list[float]
    special_cause: list[bool]
    variation: list[str]
    explanations: list[str]


def xmr_rebased(
    values: Sequence[float] | np.ndarray | pd.Series,
    dates: Sequence[Any] | np.ndarray | pd.Series | None = None,
    *,
    rebase_at: Sequence[int] = (),
    baseline: int | None = None,
    shift_run: int = 7,
    trend_run: int = 7,
    screen_outliers: bool = True,
    improvement: str | None = None,
) -> RebasedXmR:
    """XmR chart recalculated at stated change points, as Making Data Count's rebasing.

    The series is cut before each position in ``rebase_at``; each period gets its own mean
    and limits (from its first ``baseline`` points, or all of them) and its own run rules,
    exactly as :func:`xmr` on that period alone.

    Parameters
    ----------
    values, dates
        As for :func:`xmr`.
    rebase_at
        0-based positions of the first point of each new period, increasing, each at least 2
        points after the previous cut and before the end.
    baseline, shift_run, trend_run, screen_outliers
        As for :func:`xmr`, applied within each period (a baseline longer than a period uses
        the whole period).
    improvement
        ``"increase"``, ``"decrease"`` or None; see :func:`classify_variation`.

    Returns
    -------
    RebasedXmR
        Per-period limits and per-point flags and readings.

    Raises
    ------
    MethodInputError
        Bad rebase positions (not increasing, a period of fewer than 2 points), or any error
        of :func:`xmr` on a period.

    """
    y = as_float_array(values, "values", min_n=2)
    n = y.size
    cuts = [int(c) for c in rebase_at]
    if any(b <= a for a, b in zip([0, *cuts], [*cuts, n], strict=True)) or any(
        b - a < 2 for a, b in zip([0, *cuts], [*cuts, n], strict=True)
    ):
        raise MethodInputError(
            f"rebase positions {cuts} must be increasing and leave at least 2 points in each "
            f"period of the {n}-point series."
        )
    labels = list(dates) if dates is not None else None
    seg_res: list[XmRResult] = []
    for a, b in zip([0, *cuts], [*cuts, n], strict=True):
        nb = None if baseline is None else min(int(baseline), b - a)
        seg_res.append(xmr(y[a:b], labels[a:b] if labels is not None else None,
                           baseline=nb, shift_run=shift_run, trend_run=trend_run,
                           screen_outliers=screen_outliers))
    all_labels: list[str] = []
    mean: list[float] = []
    ucl: list[float] = []
    lcl: list[float] = []
    special: list[bool] = []
    variation: list[str] = []
    expl: list[str] = []
    segments = []
    offset = 0
    for r in seg_res:
        dl = r.dates if labels is not None else [str(offset + i + 1) for i in range(r.n)]
        all_labels += dl
        mean += [r.mean] * r.n
        ucl += [r.ucl] * r.n
        lcl += [r.lcl] * r.n
        special += r.special_cause
        variation += classify_variation(r, improvement)
        expl += r.explanations
        segments.append({
            "start": dl[0], "end": dl[-1], "n": r.n, "n_baseline": r.n_baseline,
            "mean": r.mean, "mr_bar": r.mr_bar, "ucl": r.ucl, "lcl": r.lcl,
            "n_screened": r.n_screened, "summary": r.summary, "notes": r.notes,
        })
        offset += r.n
    return RebasedXmR(
        n=int(n),
        rebase_at=[all_labels[c] for c in cuts],
        improvement=improvement,
        segments=segments,
        dates=all_labels,
        values=[float(v) for v in y],
        mean=mean,
        ucl=ucl,
        lcl=lcl,
        special_cause=special,
        variation=variation,
        explanations=expl,
    )
