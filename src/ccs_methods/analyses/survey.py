"""The local systems survey (June 2021, n = 55): capability (E8) and LA-VCS relationship (E11).

The year 2 report gives percentages without intervals or the size of the CCS-funded subgroup
(key finding 5: 33% / 31% / 20% of all respondents and 40% / 60% / 20% of those funded directly
by CCS felt more able to work in partnership, to deliver new services and to do development and
planning work). This module recomputes them from the record-level survey with:

- **Wilson score intervals** for each percentage (Wilson 1927; method 3 of Newcombe 1998a),
  which behave well for small n and for proportions near 0 or 1, unlike the Wald interval;
- the **difference in proportions** between CCS-funded and other respondents with the
  **Newcombe hybrid score interval** (method 10 of Newcombe 1998b): the Wilson limits of each
  proportion combined by "square and add",

  ``L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)``, ``U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``,

  where ``d = p1 - p2`` and ``(l_i, u_i)`` are the Wilson limits of ``p_i``.

A group smaller than ``small_n`` respondents (``survey.small_n`` in ``params/analysis.yml``) is
flagged: at 20 respondents the 95% interval of a percentage near 50% is already about +/- 20
points wide, too wide to conclude anything from the percentage alone. The CCS-funded subgroup is
such a group.

:func:`survey_results` gathers the tables and the figure the programme contribution page shows
(the sentences that read them live in ``notebooks/programme_contribution.md``).

:func:`computed_results` hands the funded-minus-other difference in "more able to deliver new
services" to the evidence register (``survey.capability.new_services_diff``), where the rule
``survey_contrast`` in ``params/contribution/theory_of_change.yml`` turns it into evidence for
year 2 key finding 5.

References
----------
Newcombe, R. G. (1998a). Two-sided confidence intervals for the single proportion: comparison
of seven methods. *Statistics in Medicine* 17(8), 857-872.
Newcombe, R. G. (1998b). Interval estimation for the difference between independent
proportions: comparison of eleven methods. *Statistics in Medicine* 17(8), 873-890.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association* 22(158), 209-212.

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from scipy.stats import norm

from ccs_methods.analyses.results import PENDING_KEY
from ccs_methods.data import datasets
from ccs_methods.data.params import Params
from ccs_methods.errors import DataValidationError, MethodInputError
from ccs_methods.report import plots

__all__ = [
    "CAPABILITY_ITEMS",
    "DATASET",
    "GROUPS",
    "NEW_SERVICES_RESULT_ID",
    "PUBLISHED_CAPABILITY",
    "RELATIONSHIP_LABELS",
    "SUBGROUP_N_PENDING",
    "SurveyResults",
    "capability_differences",
    "capability_figure",
    "capability_table",
    "computed_results",
    "load_survey",
    "newcombe_difference",
    "relationship_by_site",
    "small_groups",
    "survey_results",
    "wilson_interval",
]

DATASET = "survey_local_systems"

#: The three E8 capability items: column -> wording in the report (003, key finding 5).
CAPABILITY_ITEMS: dict[str, str] = {
    "more_able_partnership": "more able to work in partnership with other organisations",
    "more_able_new_services": "more able to deliver new services",
    "more_able_development_planning": "able to do more development and planning work",
}

#: Published E8 percentages (003, key finding 5): column -> (all respondents, CCS-funded).
PUBLISHED_CAPABILITY: dict[str, tuple[float, float]] = {
    "more_able_partnership": (33.0, 40.0),
    "more_able_new_services": (31.0, 60.0),
    "more_able_development_planning": (20.0, 20.0),
}

#: Respondent groups compared: id -> label.
GROUPS: dict[str, str] = {
    "all": "all respondents",
    "ccs_funded": "funded directly by CCS",
    "other": "not funded by CCS",
}

#: E11 answers (003 Figure 2.8), in the order of the survey question.
RELATIONSHIP_LABELS: dict[str, str] = {
    "strong": "strong working relationship",
    "pockets": "pockets of successful joint working",
    "weak": "weak relationship",
    "dont_know": "don't know",
}

NEW_SERVICES_RESULT_ID = "survey.capability.new_services_diff"
"""Result id of the funded-minus-other difference in 'more able to deliver new services'."""

SUBGROUP_N_PENDING = "subgroup size not published; synthetic n is an assumption"
"""Why the funded-minus-other difference stays pending while the survey is synthetic: the report
gives only percentages for the CCS-funded subgroup (40% / 60% / 20%), so the size of that
subgroup in the synthetic stand-in is the generator's assumption, and the interval (and whether
it includes no difference) depends on it."""

_REQUIRED = ("site", "ccs_funded", "la_vcs_relationship", *CAPABILITY_ITEMS)


# --------------------------------------------------------------------------- intervals


def _z(conf: float) -> float:
    if not (isinstance(conf, int | float) and 0.0 < float(conf) < 1.0):
        raise MethodInputError(f"conf must be strictly between 0 and 1; got {conf!r}")
    return float(norm.ppf(1.0 - (1.0 - float(conf)) / 2.0))


def _check_count(x: Any, n: Any, what: str) -> tuple[int, int]:
    for v, name in ((x, "successes"), (n, "n")):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise MethodInputError(f"{what}: {name} must be a whole number; got {v!r}")
        if float(v) != int(v):
            raise MethodInputError(f"{what}: {name} must be a whole number; got {v!r}")
    xi, ni = int(x), int(n)
    if ni < 1:
        raise MethodInputError(f"{what}: n must be at least 1; got {ni}")
    if not 0 <= xi <= ni:
        raise MethodInputError(f"{what}: successes must be between 0 and n={ni}; got {xi}")
    return xi, ni


def wilson_interval(successes: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes
        Number of "yes" answers, ``0 <= successes <= n``.
    n
        Number of respondents, at least 1.
    conf
        Confidence level (default 0.95).

    Returns
    -------
    tuple of float
        ``(lower, upper)``, within [0, 1]. For 81 of 263 the 95% interval is 0.2553 to 0.3662
        (Newcombe 1998a, method 3).

    Raises
    ------
    MethodInputError
        Counts that are not whole numbers, ``n < 1``, successes outside ``[0, n]``, or a
        confidence level outside (0, 1).

    """
    x, m = _check_count(successes, n, "wilson_interval")
    z = _z(conf)
    p = x / m
    denom = 1.0 + z * z / m
    centre = p + z * z / (2.0 * m)
    half = z * math.sqrt(p * (1.0 - p) / m + z * z / (4.0 * m * m))
    lo = 0.0 if x == 0 else max(0.0, (centre - half) / denom)
    hi = 1.0 if x == m else min(1.0, (centre + half) / denom)
    return lo, hi


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, conf: float = 0.95
) -> dict[str, float | int]:
    """Difference of two independent proportions with the Newcombe hybrid score interval.

    Method 10 of Newcombe (1998b): with ``p_i = x_i / n_i``, Wilson limits ``(l_i, u_i)`` and
    ``d = p1 - p2``, the interval is ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to
    ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.

    Parameters
    ----------
    x1, n1
        Successes and size of the first group (e.g. CCS-funded respondents).
    x2, n2
        Successes and size of the second group (e.g. the others).
    conf
        Confidence level (default 0.95).

    Returns
    -------
    dict
        ``difference``, ``ci_low``, ``ci_high`` (proportions, in [-1, 1]), ``p1``, ``p2``,
        ``n1``, ``n2`` and ``n`` (= ``n1 + n2``). For 56/70 vs 48/80 the 95% interval is
        0.0524 to 0.3339 (Newcombe 1998b, Table II, example a).

    Raises
    ------
    MethodInputError
        As :func:`wilson_interval`, for either group.

    """
    a, m1 = _check_count(x1, n1, "newcombe_difference, group 1")
    b, m2 = _check_count(x2, n2, "newcombe_difference, group 2")
    p1, p2 = a / m1, b / m2
    l1, u1 = wilson_interval(a, m1, conf)
    l2, u2 = wilson_interval(b, m2, conf)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return {
        "difference": d,
        "ci_low": max(-1.0, lo),
        "ci_high": min(1.0, hi),
        "p1": p1,
        "p2": p2,
        "n1": m1,
        "n2": m2,
        "n": m1 + m2,
    }


# --------------------------------------------------------------------------- data


def load_survey(params: Params) -> pd.DataFrame:
    """Load the local systems survey (synthetic or raw, as params say) and check its columns.

    Parameters
    ----------
    params
        Project parameters (``data_sources`` chooses synthetic or raw).

    Returns
    -------
    pandas.DataFrame
        One row per respondent (see :mod:`ccs_methods.data.records` for the columns).

    Raises
    ------
    DataValidationError
        The file is missing, breaks its schema or has no rows.

    """
    df = datasets.load_record(params, DATASET)
    _check_frame(df)
    return df


def _check_frame(survey: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in survey.columns]
    if missing:
        raise DataValidationError(
            f"survey data lacks column(s) {missing}; needed: {list(_REQUIRED)}",
            file=f"{DATASET}.csv",
            column=missing[0],
        )
    if survey.empty:
        raise DataValidationError(
            "survey data has no respondents: at least one row is needed", file=f"{DATASET}.csv"
        )


def _group_mask(survey: pd.DataFrame, group: str) -> pd.Series:
    funded = survey["ccs_funded"].astype(bool)
    if group == "all":
        return pd.Series(True, index=survey.index)
    if group == "ccs_funded":
        return funded
    return ~funded


def capability_table(
    survey: pd.DataFrame, conf: float = 0.95, *, small_n: int = 20
) -> pd.DataFrame:
    """E8: share of respondents reporting each capability gain, by group, with Wilson intervals.

    Parameters
    ----------
    survey
        The survey (see :func:`load_survey`).
    conf
        Confidence level of the intervals (``survey.confidence``).
    small_n
        Groups with fewer respondents are flagged ``too_small`` (``survey.small_n``).

    Returns
    -------
    pandas.DataFrame
        One row per item and group (``all``, ``ccs_funded``, ``other``): ``item``, ``label``,
        ``group``, ``group_label``, ``n``, ``yes``, ``percent``, ``ci_low``, ``ci_high``
        (percent), ``published_percent`` (the report's figure for ``all`` and ``ccs_funded``,
        else NaN) and ``too_small`` (``n < small_n``).

    Raises
    ------
    DataValidationError
        Missing columns or no rows.
    MethodInputError
        A group with no respondents.

    """
    _check_frame(survey)
    rows: list[dict[str, Any]] = []
    for item, label in CAPABILITY_ITEMS.items():
        for group, glabel in GROUPS.items():
            sel = survey.loc[_group_mask(survey, group), item].astype(bool)
            n, yes = len(sel), int(sel.sum())
            if n == 0:
                raise MethodInputError(
                    f"survey: no respondents in group {glabel!r}; the E8 comparison needs both "
                    "CCS-funded and other respondents"
                )
            lo, hi = wilson_interval(yes, n, conf)
            published = PUBLISHED_CAPABILITY[item]
            pub = (
                published[0] if group == "all" else published[1] if group == "ccs_funded" else None
            )
            rows.append(
                {
                    "item": item,
                    "label": label,
                    "group": group,
                    "group_label": glabel,
                    "n": n,
                    "yes": yes,
                    "percent": 100.0 * yes / n,
                    "ci_low": 100.0 * lo,
                    "ci_high": 100.0 * hi,
                    "published_percent": float("nan") if pub is None else pub,
                    "too_small": n < small_n,
                }
            )
    return pd.DataFrame(rows)


def capability_differences(
    survey: pd.DataFrame, conf: float = 0.95, *, small_n: int = 20
) -> pd.DataFrame:
    """E8: CCS-funded minus other respondents, per item, with Newcombe hybrid score intervals.

    Parameters
    ----------
    survey
        The survey (see :func:`load_survey`).
    conf
        Confidence level of the intervals (``survey.confidence``).
    small_n
        A funded subgroup smaller than this is said to be too small (``survey.small_n``).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``label``, ``yes_funded``, ``n_funded``, ``yes_other``,
        ``n_other``, ``difference``, ``ci_low``, ``ci_high`` (percentage points), ``n`` (both
        groups), ``interval`` (``above 0``, ``includes 0`` or ``below 0``) and ``reading`` (a
        sentence saying what can and cannot be concluded).

    Raises
    ------
    DataValidationError
        Missing columns or no rows.
    MethodInputError
        No CCS-funded or no other respondents.

    """
    _check_frame(survey)
    funded = survey["ccs_funded"].astype(bool)
    if funded.all() or not funded.any():
        raise MethodInputError(
            "survey: the funded-minus-other comparison needs both CCS-funded and other "
            f"respondents; got {int(funded.sum())} funded of {len(survey)}"
        )
    rows: list[dict[str, Any]] = []
    for item, label in CAPABILITY_ITEMS.items():
        col = survey[item].astype(bool)
        x1, n1 = int(col[funded].sum()), int(funded.sum())
        x2, n2 = int(col[~funded].sum()), int((~funded).sum())
        r = newcombe_difference(x1, n1, x2, n2, conf)
        lo, hi = 100.0 * float(r["ci_low"]), 100.0 * float(r["ci_high"])
        where = "above 0" if lo > 0 else "below 0" if hi < 0 else "includes 0"
        if where == "includes 0":
            reading = (
                "the interval includes no difference: the survey cannot tell whether funded "
                "organisations gained more"
            )
        else:
            reading = (
                f"the interval lies {where}, but it is wide ({hi - lo:.0f} points) because only "
                f"{n1} funded organisations answered: the size of the difference is not known"
            )
        if n1 < small_n:
            reading += f"; the funded subgroup (n = {n1}) is too small to conclude much"
        rows.append(
            {
                "item": item,
                "label": label,
                "yes_funded": x1,
                "n_funded": n1,
                "yes_other": x2,
                "n_other": n2,
                "difference": 100.0 * float(r["difference"]),
                "ci_low": lo,
                "ci_high": hi,
                "n": n1 + n2,
                "interval": where,
                "reading": reading,
            }
        )
    return pd.DataFrame(rows)


def relationship_by_site(
    survey: pd.DataFrame, conf: float = 0.95, *, small_n: int = 20
) -> pd.DataFrame:
    """E11: answers on the LA-VCS relationship by site and overall, with Wilson intervals.

    Parameters
    ----------
    survey
        The survey (see :func:`load_survey`).
    conf
        Confidence level of the intervals (``survey.confidence``).
    small_n
        Sites with fewer respondents are flagged ``too_small`` (``survey.small_n``).

    Returns
    -------
    pandas.DataFrame
        One row per site (sites in order of first appearance, then ``programme`` for all
        respondents) and answer (:data:`RELATIONSHIP_LABELS` order): ``site``, ``answer``,
        ``label``, ``count``, ``n``, ``percent``, ``ci_low``, ``ci_high`` (percent) and
        ``too_small``.

    Raises
    ------
    DataValidationError
        Missing columns, no rows, or an answer outside :data:`RELATIONSHIP_LABELS`.

    """
    _check_frame(survey)
    unknown = sorted(set(survey["la_vcs_relationship"].astype(str)) - set(RELATIONSHIP_LABELS))
    if unknown:
        raise DataValidationError(
            f"unknown la_vcs_relationship answer(s) {unknown}; allowed: "
            f"{list(RELATIONSHIP_LABELS)}",
            file=f"{DATASET}.csv",
            column="la_vcs_relationship",
        )
    sites = list(dict.fromkeys(survey["site"].astype(str)))
    rows: list[dict[str, Any]] = []
    for site in [*sites, "programme"]:
        part = survey if site == "programme" else survey[survey["site"].astype(str) == site]
        n = len(part)
        counts = part["la_vcs_relationship"].astype(str).value_counts()
        for answer, label in RELATIONSHIP_LABELS.items():
            k = int(counts.get(answer, 0))
            lo, hi = wilson_interval(k, n, conf)
            rows.append(
                {
                    "site": site,
                    "answer": answer,
                    "label": label,
                    "count": k,
                    "n": n,
                    "percent": 100.0 * k / n,
                    "ci_low": 100.0 * lo,
                    "ci_high": 100.0 * hi,
                    "too_small": n < small_n,
                }
            )
    return pd.DataFrame(rows)


def small_groups(survey: pd.DataFrame, *, small_n: int, conf: float = 0.95) -> pd.DataFrame:
    """The groups too small to conclude from (``n < small_n``): the CCS-funded subgroup and sites.

    Parameters
    ----------
    survey
        The survey (see :func:`load_survey`).
    small_n
        The threshold (``survey.small_n``).
    conf
        Confidence level of the intervals whose widths are reported (``survey.confidence``).

    Returns
    -------
    pandas.DataFrame
        One row per small group: ``group`` (``funded directly by CCS`` or the site's name),
        ``n`` and ``interval width (points)`` (the narrowest to the widest 95% interval of its
        capability percentages, for the funded subgroup; of its E11 answers, for a site).
        Empty when no group is that small.

    """
    _check_frame(survey)
    rows = []
    funded = survey["ccs_funded"].astype(bool)
    n_funded = int(funded.sum())
    if 0 < n_funded < small_n and n_funded < len(survey):
        cap = capability_table(survey, conf, small_n=small_n)
        part = cap[cap["group"] == "ccs_funded"]
        w = part["ci_high"] - part["ci_low"]
        rows.append({"group": GROUPS["ccs_funded"], "n": n_funded, "width": (w.min(), w.max())})
    rel = relationship_by_site(survey, conf, small_n=small_n)
    for site, part in rel[rel["site"] != "programme"].groupby("site", sort=False):
        n = int(part["n"].iloc[0])
        if n < small_n:
            w = part["ci_high"] - part["ci_low"]
            rows.append(
                {"group": site.replace("_", " ").title(), "n": n, "width": (w.min(), w.max())}
            )
    return pd.DataFrame(
        {
            "group": [r["group"] for r in rows],
            "n": [r["n"] for r in rows],
            "interval width (points)": [
                f"{r['width'][0]:.0f} to {r['width'][1]:.0f}" for r in rows
            ],
        },
        columns=["group", "n", "interval width (points)"],
    )


# --------------------------------------------------------------------------- evidence


def computed_results(params: Params) -> dict[str, dict[str, float | int]]:
    """Survey results for the evidence register, keyed by result id.

    Parameters
    ----------
    params
        Project parameters.

    Returns
    -------
    dict
        ``{"survey.capability.new_services_diff": {"difference", "ci_low", "ci_high", "n",
        "n_funded", "n_other"}}``: the funded-minus-other difference in the share "more able to
        deliver new services" as a proportion (not percent) with its 95% Newcombe interval;
        ``n`` counts both groups. While the survey is synthetic the result also carries
        ``pending_reason`` (:data:`SUBGROUP_N_PENDING`, with the assumed n): the report does not
        publish the size of the CCS-funded subgroup, so the register keeps the row pending
        instead of turning an interval that rests on an invented n into evidence.

    """
    return _new_services_result(
        load_survey(params), synthetic=datasets.is_synthetic(params, DATASET)
    )


def _new_services_result(
    survey: pd.DataFrame, *, synthetic: bool = True
) -> dict[str, dict[str, float | int | str]]:
    funded = survey["ccs_funded"].astype(bool)
    col = survey["more_able_new_services"].astype(bool)
    r = newcombe_difference(
        int(col[funded].sum()), int(funded.sum()), int(col[~funded].sum()), int((~funded).sum())
    )
    out: dict[str, float | int | str] = {
        "difference": float(r["difference"]),
        "ci_low": float(r["ci_low"]),
        "ci_high": float(r["ci_high"]),
        "n": int(r["n"]),
        "n_funded": int(r["n1"]),
        "n_other": int(r["n2"]),
    }
    if synthetic:
        out[PENDING_KEY] = (
            f"{SUBGROUP_N_PENDING} (the synthetic stand-in has {int(r['n1'])} CCS-funded and "
            f"{int(r['n2'])} other respondents; the report gives only percentages for the "
            "funded subgroup)"
        )
    return {NEW_SERVICES_RESULT_ID: out}


# --------------------------------------------------------------------------- page results


def _pct(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.0f}%"


def capability_figure(
    cap: pd.DataFrame, diff: pd.DataFrame, *, n: int, synthetic: bool, conf: float = 0.95
) -> plots.Figure:
    """E8 percentages by group with their Wilson intervals, as a dot plot.

    Parameters
    ----------
    cap
        :func:`capability_table` output.
    diff
        :func:`capability_differences` output (named in the alt text).
    n
        Respondents in the survey (for the source line).
    synthetic
        Whether the survey is a synthetic stand-in (the figure says so).
    conf
        The intervals' confidence level (for the axis label).

    Returns
    -------
    matplotlib.figure.Figure
        With alt text.

    """
    fig, ax = plots.new_figure(figsize=(8, 4.5))
    colours = {"all": plots.PALETTE[7], "ccs_funded": plots.PALETTE[0], "other": plots.PALETTE[1]}
    offsets = {"all": -0.22, "ccs_funded": 0.0, "other": 0.22}
    items = list(CAPABILITY_ITEMS)
    for group, glabel in GROUPS.items():
        part = cap[cap["group"] == group].set_index("item").loc[items]
        ys = [i + offsets[group] for i in range(len(items))]
        ax.errorbar(
            part["percent"],
            ys,
            xerr=[part["percent"] - part["ci_low"], part["ci_high"] - part["percent"]],
            fmt="o",
            color=colours[group],
            capsize=3,
            label=f"{glabel} (n = {int(part['n'].iloc[0])})",
        )
    ax.set_yticks(range(len(items)), [CAPABILITY_ITEMS[i] for i in items], fontsize=plots.SMALL_PT)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.legend(loc="lower right", fontsize=plots.SMALL_PT)
    new = diff[diff["item"] == "more_able_new_services"].iloc[0]
    plots.finish(
        fig,
        ax,
        title="Capability gains reported in the local systems survey, June 2021",
        xlabel=f"Respondents reporting the gain (%), with {conf:.0%} Wilson interval",
        ylabel="",
        source=f"{DATASET} (n = {n}); published figures: year 2 report, key finding 5",
        alt=(
            f"Dot plot with {conf:.0%} intervals of the share of respondents reporting each of "
            "three capability gains, for all respondents, CCS-funded respondents and the others. "
            f"'More able to deliver new services': {new['yes_funded']} of {new['n_funded']} "
            f"funded vs {new['yes_other']} of {new['n_other']} others, a difference of "
            f"{new['difference']:.0f} points ({conf:.0%} CI {new['ci_low']:.0f} to "
            f"{new['ci_high']:.0f}); the funded group's intervals are wide because it is small."
        ),
        synthetic=synthetic,
    )
    return fig


@dataclass(frozen=True, eq=False)
class SurveyResults:
    """What the programme page shows of the local systems survey (E8, E11).

    Attributes
    ----------
    n, n_funded
        Respondents, and those funded directly by CCS.
    synthetic
        Whether the survey is a synthetic stand-in.
    capability
        E8 by item and group: yes / n, percent, interval, the report's figure, too small.
    differences
        Funded minus other respondents per item, with the Newcombe interval and a reading.
    relationship
        E11 answers by site (count and percent) with n.
    small
        :func:`small_groups`.
    figure
        :func:`capability_figure`.
    result
        The computed result handed to the evidence register (:func:`computed_results`).
    pending_reason
        Why that result stays pending (synthetic subgroup n), or None.

    """

    n: int
    n_funded: int
    synthetic: bool
    capability: pd.DataFrame
    differences: pd.DataFrame
    relationship: pd.DataFrame
    small: pd.DataFrame
    figure: plots.Figure
    result: dict[str, dict[str, float | int | str]]
    pending_reason: str | None


def survey_results(params: Params, *, small_n: int, confidence: float) -> SurveyResults:
    """The local systems survey recomputed: E8 by group, funded-minus-other, E11 by site.

    Parameters
    ----------
    params
        Project parameters.
    small_n
        Groups with fewer respondents are flagged (``survey.small_n``).
    confidence
        Confidence level of the intervals on the page (``survey.confidence``). The result
        handed to the evidence register always uses 95%, as the register's rule expects.

    Returns
    -------
    SurveyResults

    """
    survey = load_survey(params)
    synthetic = datasets.is_synthetic(params, DATASET)
    cap = capability_table(survey, confidence, small_n=small_n)
    diff = capability_differences(survey, confidence, small_n=small_n)
    rel = relationship_by_site(survey, confidence, small_n=small_n)
    level = f"{confidence:.0%}"
    capability = pd.DataFrame(
        {
            "item": cap["label"].to_numpy(),
            "group": cap["group_label"].to_numpy(),
            "yes / n": [f"{y} / {n}" for y, n in zip(cap["yes"], cap["n"], strict=True)],
            "percent": [_pct(v) for v in cap["percent"]],
            f"{level} CI": [
                f"{lo:.0f}% to {hi:.0f}%"
                for lo, hi in zip(cap["ci_low"], cap["ci_high"], strict=True)
            ],
            "report": [_pct(v) for v in cap["published_percent"]],
            "n too small to conclude": ["yes" if t else "" for t in cap["too_small"]],
        }
    )
    differences = pd.DataFrame(
        {
            "item": diff["label"].to_numpy(),
            "funded": [
                f"{y} / {n}" for y, n in zip(diff["yes_funded"], diff["n_funded"], strict=True)
            ],
            "other": [
                f"{y} / {n}" for y, n in zip(diff["yes_other"], diff["n_other"], strict=True)
            ],
            "difference (points)": [f"{v:+.0f}" for v in diff["difference"]],
            f"{level} CI (Newcombe)": [
                f"{lo:+.0f} to {hi:+.0f}"
                for lo, hi in zip(diff["ci_low"], diff["ci_high"], strict=True)
            ],
            "reading": diff["reading"].to_numpy(),
        }
    )
    wide = rel.pivot(index="site", columns="answer", values="count").reindex(
        index=list(dict.fromkeys(rel["site"])), columns=list(RELATIONSHIP_LABELS)
    )
    relationship = pd.DataFrame(
        {
            RELATIONSHIP_LABELS[a]: [
                f"{int(wide.at[s, a])} ({100.0 * wide.at[s, a] / wide.loc[s].sum():.0f}%)"
                for s in wide.index
            ]
            for a in RELATIONSHIP_LABELS
        },
        index=pd.Index(
            ["all sites" if s == "programme" else s.replace("_", " ").title() for s in wide.index],
            name="site",
        ),
    )
    relationship["n"] = [int(wide.loc[s].sum()) for s in wide.index]
    result = _new_services_result(survey, synthetic=synthetic)
    return SurveyResults(
        n=len(survey),
        n_funded=int(survey["ccs_funded"].astype(bool).sum()),
        synthetic=synthetic,
        capability=capability,
        differences=differences,
        relationship=relationship,
        small=small_groups(survey, small_n=small_n, conf=confidence),
        figure=capability_figure(cap, diff, n=len(survey), synthetic=synthetic, conf=confidence),
        result=result,
        pending_reason=result[NEW_SERVICES_RESULT_ID].get(PENDING_KEY),  # type: ignore[arg-type]
    )
