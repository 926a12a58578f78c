"""Bayesian updating: test types, grouped likelihood ratios, posterior, verbal confidence."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.contribution.constants import (
    HIGH_SENSITIVITY,
    LOW_TYPE1_ERROR,
    VERBAL_SCALE,
)
from ccs_methods.methods.contribution.models import _check_open_prob


def classify_test(
    sensitivity: float,
    type1_error: float,
    *,
    high_sensitivity: float = HIGH_SENSITIVITY,
    low_type1_error: float = LOW_TYPE1_ERROR,
) -> str:
    """Name the process-tracing test an evidence item amounts to.

    Van Evera's (1997) four tests, read through necessity and sufficiency (Mahoney 2012) and
    expressed with sensitivity and type I error (Befani & Stedman-Bryce 2017):

    - **doubly decisive**: sensitivity >= ``high_sensitivity`` and type I error <=
      ``low_type1_error`` (necessary and sufficient);
    - **hoop**: sensitivity >= ``high_sensitivity`` only: failing it would be damning (at most
      one time in ten if the claim were true), passing it proves little;
    - **smoking gun**: type I error <= ``low_type1_error`` only: passing it is strong (at most
      one time in ten if the claim were false), failing it says little;
    - **straw in the wind**: neither.

    Evidence that *challenges* the claim (sensitivity below type I error) is a test of the
    claim's negation; it is classified with the two probabilities swapped and labelled
    ``"... (against the claim)"``. Equal probabilities are ``"uninformative"``.

    Parameters
    ----------
    sensitivity
        P(evidence | claim true), in [0, 1].
    type1_error
        P(evidence | claim false), in [0, 1].
    high_sensitivity, low_type1_error
        Thresholds (defaults :data:`HIGH_SENSITIVITY`, :data:`LOW_TYPE1_ERROR`).

    Returns
    -------
    str
        ``"hoop"``, ``"smoking gun"``, ``"doubly decisive"``, ``"straw in the wind"``, any of
        these followed by ``" (against the claim)"``, or ``"uninformative"``.

    """
    for value, what in ((sensitivity, "sensitivity"), (type1_error, "type1_error")):
        if not (isinstance(value, int | float) and 0.0 <= float(value) <= 1.0):
            raise MethodInputError(f"{what} must be a probability in [0, 1]; got {value!r}")
    se, alpha = float(sensitivity), float(type1_error)
    if se == alpha:
        return "uninformative"
    against = se < alpha
    if against:
        se, alpha = alpha, se
    necessary = se >= high_sensitivity
    sufficient = alpha <= low_type1_error
    name = (
        "doubly decisive"
        if necessary and sufficient
        else "hoop"
        if necessary
        else "smoking gun"
        if sufficient
        else "straw in the wind"
    )
    return f"{name} (against the claim)" if against else name


def _records(items: Any) -> list[dict[str, Any]]:
    if isinstance(items, pd.DataFrame):
        return items.to_dict("records")
    return [dict(i) for i in items]


def _group_key(rec: Mapping[str, Any], i: int) -> str:
    g = rec.get("group")
    if g is None or (isinstance(g, float) and math.isnan(g)) or g == "":
        return f"_item:{i}"
    return str(g)


def group_likelihood_ratios(items: Any) -> pd.DataFrame:
    """Combine evidence items into one likelihood ratio per independence group.

    Within a group the strongest supporting item (largest likelihood ratio above 1) and the
    strongest challenging item (smallest ratio below 1) count; the others add nothing:
    ``LR_g = max(1, max LR_i) * min(1, min LR_i)``. Items with no group are their own group.

    Parameters
    ----------
    items
        A DataFrame or iterable of mappings with ``sensitivity``, ``type1_error`` and
        optionally ``group`` and ``evidence_id``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``n_items``, ``supporting_item``, ``challenging_item``,
        ``log_lr`` (natural log of ``LR_g``) and ``likelihood_ratio``.

    Raises
    ------
    MethodInputError
        A probability missing or outside (0, 1).

    """
    groups: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(_records(items)):
        eid = rec.get("evidence_id") or f"item {i + 1}"
        se = _check_open_prob(rec.get("sensitivity"), f"evidence {eid}: sensitivity")
        alpha = _check_open_prob(rec.get("type1_error"), f"evidence {eid}: type1_error")
        log_lr = math.log(se) - math.log(alpha)
        key = _group_key(rec, i)
        g = groups.setdefault(
            key, {"n_items": 0, "sup": 0.0, "sup_item": None, "chal": 0.0, "chal_item": None}
        )
        g["n_items"] += 1
        if log_lr > g["sup"]:
            g["sup"], g["sup_item"] = log_lr, eid
        if log_lr < g["chal"]:
            g["chal"], g["chal_item"] = log_lr, eid
    rows = [
        {
            "group": key,
            "n_items": g["n_items"],
            "supporting_item": g["sup_item"],
            "challenging_item": g["chal_item"],
            "log_lr": g["sup"] + g["chal"],
            "likelihood_ratio": math.exp(g["sup"] + g["chal"]),
        }
        for key, g in groups.items()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "group",
            "n_items",
            "supporting_item",
            "challenging_item",
            "log_lr",
            "likelihood_ratio",
        ],
    )


def posterior(prior: float, items: Any) -> float:
    """Posterior probability of a claim after Bayesian updating on evidence items.

    ``odds = prior / (1 - prior) * prod_g LR_g`` with one likelihood ratio per independence
    group (see :func:`group_likelihood_ratios`); for independent items this is the usual
    ``P(H|E) = P(H) Se / (P(H) Se + (1 - P(H)) alpha)`` applied item by item.

    Parameters
    ----------
    prior
        P(claim true) before the evidence, strictly between 0 and 1.
    items
        Evidence items (DataFrame or iterable of mappings) with ``sensitivity``,
        ``type1_error`` and optionally ``group``. Empty means no update.

    Returns
    -------
    float
        The posterior probability.

    Raises
    ------
    MethodInputError
        ``prior`` or any probability missing or outside (0, 1).

    """
    p = _check_open_prob(prior, "prior")
    table = group_likelihood_ratios(items)
    log_odds = math.log(p) - math.log1p(-p) + float(table["log_lr"].sum())
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    e = math.exp(log_odds)
    return e / (1.0 + e)


def verbal_confidence(p: float, scale: Sequence[tuple[float, str]] = VERBAL_SCALE) -> str:
    """Describe the probability that CCS contributed as claimed in words.

    The default :data:`VERBAL_SCALE` uses the IPCC calibrated likelihood terms (Mastrandrea et
    al. 2010) as disjoint bands: >= 0.99 virtually certain; 0.90-0.99 very likely; 0.66-0.90
    likely; 0.33-0.66 about as likely as not; 0.10-0.33 unlikely; 0.01-0.10 very unlikely;
    < 0.01 exceptionally unlikely (lower bounds inclusive). Contribution Tracing reports
    posteriors in such words (Befani & Stedman-Bryce 2017); the cut points are this book's.

    Parameters
    ----------
    p
        A probability in [0, 1].
    scale
        ``(lower_bound, label)`` pairs in decreasing order of bound; the last bound must be 0.

    Returns
    -------
    str
        The label of the first band whose lower bound ``p`` reaches.

    """
    try:
        x = float(p)
    except (TypeError, ValueError):
        raise MethodInputError(f"probability must be a number in [0, 1]; got {p!r}") from None
    if not (0.0 <= x <= 1.0):
        raise MethodInputError(f"probability must be in [0, 1]; got {p!r}")
    bounds = [b for b, _ in scale]
    if not scale or bounds != sorted(bounds, reverse=True) or bounds[-1] != 0.0:
        raise MethodInputError("scale must list (lower_bound, label) pairs from high to 0")
    for bound, label in scale:
        if x >= bound:
            return label
    raise AssertionError("unreachable: the last bound is 0")  # pragma: no cover


# --------------------------------------------------------------------------- summaries
