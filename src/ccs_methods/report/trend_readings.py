"""One-phrase readings of trend results, each taken from the estimates, never typed in.

Every function returns ONE phrase that a notebook glues into its Markdown prose (for example
"the interval lies above 1, so the data point to a rise"). The sentences around them live in
the notebooks.
"""

from __future__ import annotations

import math
from typing import Any

from ccs_methods.report import fmt

__all__ = [
    "counterfactual",
    "covid_year",
    "direction",
    "dropped_months",
    "early_trend",
    "homogeneity",
    "its_errors",
    "kendall_moved",
    "launch",
    "level_change",
    "listed_years",
    "period_ratio_method",
    "pre_trend",
    "rate_ratio_verdict",
    "reference_quantile",
    "slope_change",
    "theil_sen_interval",
    "theil_sen_note",
    "xmr_baseline",
]


def direction(lo: float, hi: float, null: float = 1.0) -> str:
    """``"up"`` if the interval lies above ``null``, ``"down"`` if below, else ``"unclear"``."""
    if lo > null:
        return "up"
    if hi < null:
        return "down"
    return "unclear"


def rate_ratio_verdict(lo: float, hi: float) -> str:
    """What a rate ratio's interval says about the direction of change."""
    return {
        "up": "the interval lies above 1, so the data point to a rise",
        "down": "the interval lies below 1, so the data point to a fall",
        "unclear": "the interval includes 1 (no change), so the direction is not settled",
    }[direction(lo, hi)]


def kendall_moved(s: int) -> str:
    """The overall direction by Kendall's S: ``rose``, ``fell`` or no direction."""
    return "rose" if s > 0 else "fell" if s < 0 else "showed no overall direction"


def theil_sen_interval(ts: Any) -> str:
    """The Theil-Sen slope's interval, or why an exact interval cannot reach 95%."""
    if ts.ci_low is not None and ts.ci_high is not None:
        cov = f", exact coverage {ts.coverage:.3f}" if ts.coverage else ""
        return f"95% CI {fmt.signed(ts.ci_low)} to {fmt.signed(ts.ci_high)}{cov}"
    if ts.interval_method == "exact":
        full = 1 - 2 / math.factorial(ts.n)
        return (f"with n = {ts.n} no order-statistic interval reaches 95%: even the "
                f"smallest-to-largest slope covers only {full:.3f}")
    return "no interval (too few points)"


def theil_sen_note(ts: Any) -> str:
    """How the Theil-Sen interval was computed (a table note)."""
    if ts.interval_method == "exact":
        if ts.coverage is None:
            return f"exact order statistics: with n = {ts.n} no 95% interval"
        return f"exact order-statistic interval, exact coverage {ts.coverage:.3f}"
    return "Sen (1968) order-statistic interval, normal approximation"


def period_ratio_method(rr: Any) -> str:
    """How the interval of a :class:`~ccs_methods.methods.rates.PeriodRatio` was computed."""
    lb = fmt.p_value(rr.ljung_box_p)
    why = rr.hac_reason.replace("Newey-West", "Newey–West").replace("Ljung-Box", "Ljung–Box")
    if rr.cov_type == "HAC":
        return (f"{why} (Ljung–Box {lb} at {rr.ljung_box_lags} lags), so Newey–West (HAC) "
                f"standard errors with {rr.glm.hac_lags} lags")
    return f"{why} (Ljung–Box {lb} at {rr.ljung_box_lags} lags), so model-based standard errors"


def reference_quantile(reference: str, df_resid: int) -> str:
    """The reference distribution of a Wald interval, e.g. "Student's t on 10 residual df"."""
    if reference == "t":
        return f"Student's t on {df_resid} residual degree{'s' if df_resid != 1 else ''} of freedom"
    return "the normal quantile"


def its_errors(a: Any) -> str:
    """Why the time series kept model-based errors or used Newey-West (HAC) errors."""
    lb = fmt.p_value(a.first_ljung_box_p)
    why = a.hac_reason.replace("Newey-West", "Newey–West").replace("Ljung-Box", "Ljung–Box")
    if a.result.cov_type == "HAC":
        return (f"{why} (Ljung–Box {lb} at {a.first_ljung_box_lags} lags), so Newey–West (HAC) "
                f"standard errors with {a.result.hac_lags} lags were used")
    return f"{why} (Ljung–Box {lb} at {a.first_ljung_box_lags} lags), so model-based standard " \
        "errors were kept"


def pre_trend(lo: float, hi: float) -> str:
    """The referral trend before CCS from its monthly rate ratio's interval."""
    return {"up": "were rising", "down": "were falling",
            "unclear": "showed no clear trend"}[direction(lo, hi)]


def level_change(lo: float, hi: float) -> str:
    """The step at the breakpoint from its rate ratio's interval."""
    return {"up": "a step up beyond the prior trend", "down": "a step down from the prior trend",
            "unclear": "no clear step at the start"}[direction(lo, hi)]


def slope_change(lo: float, hi: float) -> str:
    """The change in the monthly trend at the breakpoint from its rate ratio's interval."""
    return {
        "up": "the trend bent upwards after the start (faster growth or slower decline)",
        "down": "the trend bent downwards after the start (slower growth or faster decline)",
        "unclear": "no clear change in the trend",
    }[direction(lo, hi)]


def counterfactual(lo: float, hi: float) -> str:
    """Observed minus counterfactual referrals: what its interval allows."""
    return {
        "up": "more referrals than the counterfactual projects: this model leaves room for a "
              "CCS contribution, alongside the rivals below",
        "down": "fewer referrals than the counterfactual projects: this model gives no sign "
                "that CCS added referrals beyond the pre-CCS trend",
        "unclear": "the interval includes no difference: the data cannot tell the year apart "
                   "from the counterfactual",
    }[direction(lo, hi, 0.0)]


def early_trend(g: Any | None) -> str:
    """The trend over the months of a new referral system (a GLM per month), or a dash."""
    if g is None:
        return "too few months to say"
    rr = fmt.ratio_ci(g.rate_ratio, g.ci_low, g.ci_high, 3)
    return {
        "up": f"rose (rate ratio {rr} a month), as expected while members join a new system",
        "down": f"fell (rate ratio {rr} a month)",
        "unclear": f"show no clear rise or fall (rate ratio {rr} a month)",
    }[direction(g.ci_low, g.ci_high)]


def homogeneity(p: float, points: str) -> str:
    """What the homogeneity test of the site trends says."""
    if p < 0.05:
        return "the sites trend differently, so the common rate ratio averages different stories"
    return (f"no clear evidence that the sites trend differently, though with {points} points "
            "a site the test has little power")


def xmr_baseline(n_baseline: int, n: int, min_points: int) -> str:
    """Which months set the control limits."""
    if n_baseline < n:
        return f"set from the {n_baseline} months before CCS started"
    return f"set from all {n} months (fewer than {min_points} months before CCS started)"


def listed_years(labels: list[str]) -> str:
    """The programme years listed for a dataset, in words (``pre-CCS, Year 1``)."""
    return ", ".join(labels) or "none"


def covid_year(changes: list[tuple[str, float, str]]) -> str:
    """How awards moved into the first Covid-19 year across the sites, as one phrase.

    ``changes``: ``(site name, rate ratio, direction)``; e.g. ``rose in every site (Norfolk
    ×1.52, Oldham ×1.31)``.
    """
    groups: dict[str, list[str]] = {"up": [], "down": [], "unclear": []}
    for name, rr, where in changes:
        groups[where].append(f"{name} ×{rr:.2f}")
    n = len(changes)
    parts = []
    for words, key in (("rose", "up"), ("fell", "down"), ("showed no clear change", "unclear")):
        g = groups[key]
        if g:
            share = "every site" if len(g) == n and n > 1 else f"{len(g)} of {n} sites"
            parts.append(f"{words} in {share} ({', '.join(g)})")
    return "; ".join(parts) or "could not be compared in any site"


def dropped_months(first: str, last: str, dropped: int) -> str:
    """Which award months are left out because their programme year is not listed."""
    if dropped <= 0:
        return "no month of the records lies outside them"
    return (f"the records run from {first} to {last}; {dropped} month(s) outside the listed "
            "years are left out until those years are listed in the site file")


def launch(network: str, when: Any | None) -> str:
    """Why a referral system has no records from before CCS."""
    if when is None:
        return "there are no referral records from before CCS"
    return (f"the {network} referral system went live in {when:%B %Y}, during the programme, "
            "so there are no referral records from before CCS")
