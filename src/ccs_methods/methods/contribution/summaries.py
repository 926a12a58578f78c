"""Per-claim summaries: the contribution summary and the sensitivity sweep over priors."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.contribution.constants import _SWEEP_CLIP, DEFAULT_PRIORS
from ccs_methods.methods.contribution.models import Claim, _check_open_prob
from ccs_methods.methods.contribution.updating import (
    classify_test,
    group_likelihood_ratios,
    posterior,
    verbal_confidence,
)


def _claim_rows(claim: Claim | str, evidence: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    cid = claim.id if isinstance(claim, Claim) else str(claim)
    return cid, evidence[evidence["claim_id"] == cid]


def _pending_mask(rows: pd.DataFrame) -> pd.Series:
    return rows["sensitivity"].isna() | rows["type1_error"].isna()


def _illustrative_mask(rows: pd.DataFrame, illustrative: Iterable[str]) -> pd.Series:
    """Resolved rows kept out of the posterior because they only illustrate (synthetic data)."""
    ids = {str(i) for i in illustrative}
    return rows["evidence_id"].astype(str).isin(ids) & ~_pending_mask(rows)


def contribution_summary(
    claim: Claim | str,
    evidence: pd.DataFrame,
    prior: float | None = None,
    *,
    illustrative: Iterable[str] = (),
) -> dict[str, Any]:
    """Weigh the evidence for one claim.

    Parameters
    ----------
    claim
        A :class:`Claim` (its prior and text are used) or a claim id.
    evidence
        The evidence register (rows for other claims are ignored). Computed rows not yet
        resolved (NaN probabilities) are left out and counted as pending.
    prior
        Overrides the claim's prior (default: the claim's, or 0.5 for a bare id).
    illustrative
        Evidence ids that are resolved but must not count (computed from synthetic stand-in
        data, so not evidence about the programme): left out of the posterior like pending
        items, and counted in ``n_illustrative``.

    Returns
    -------
    dict
        ``claim_id``, ``claim_text``, ``prior``, ``posterior``, ``verbal``,
        ``log10_bayes_factor``, ``n_items``, ``n_used``, ``n_pending``, ``n_illustrative``,
        ``illustrative`` (their ids), ``n_groups``,
        ``n_supporting``, ``n_challenging``, ``test_types`` (label to count), ``table`` (one row
        per used item with likelihood ratio, test type and whether it counted in its group),
        ``groups`` (one row per independence group) and ``pending`` (ids of pending items).

    """
    cid, rows = _claim_rows(claim, evidence)
    if prior is None:
        prior = claim.prior if isinstance(claim, Claim) else 0.5
    p0 = _check_open_prob(prior, f"claim {cid}: prior")
    pending = rows[_pending_mask(rows)]
    shown = _illustrative_mask(rows, illustrative)
    used = rows[~_pending_mask(rows) & ~shown]
    groups = group_likelihood_ratios(used)
    post = posterior(p0, used)
    counted = set(groups["supporting_item"].dropna()) | set(groups["challenging_item"].dropna())
    table = pd.DataFrame(
        {
            "evidence_id": used["evidence_id"].to_numpy(),
            "kind": used["kind"].to_numpy(),
            "site": used["site"].to_numpy(),
            "year": used["year"].to_numpy(),
            "direction": used["direction"].to_numpy(),
            "sensitivity": used["sensitivity"].to_numpy(dtype=float),
            "type1_error": used["type1_error"].to_numpy(dtype=float),
            "group": used["group"].to_numpy(),
            "source": used["source"].to_numpy(),
            "description": used["description"].to_numpy(),
        }
    )
    table["likelihood_ratio"] = table["sensitivity"] / table["type1_error"]
    table["test_type"] = [
        classify_test(s, a) for s, a in zip(table["sensitivity"], table["type1_error"], strict=True)
    ]
    table["counted"] = table["evidence_id"].isin(counted)
    text = claim.text if isinstance(claim, Claim) else None
    return {
        "claim_id": cid,
        "claim_text": text,
        "prior": p0,
        "posterior": post,
        "verbal": verbal_confidence(post),
        "log10_bayes_factor": float(groups["log_lr"].sum()) / math.log(10),
        "n_items": len(rows),
        "n_used": len(used),
        "n_pending": len(pending),
        "n_illustrative": int(shown.sum()),
        "illustrative": rows.loc[shown, "evidence_id"].tolist(),
        "n_groups": len(groups),
        "n_supporting": int((table["likelihood_ratio"] > 1).sum()),
        "n_challenging": int((table["likelihood_ratio"] < 1).sum()),
        "test_types": table["test_type"].value_counts().sort_index().to_dict(),
        "table": table,
        "groups": groups,
        "pending": pending["evidence_id"].tolist(),
    }


def sensitivity_sweep(
    claim: Claim | str,
    evidence: pd.DataFrame,
    priors: Sequence[float] = DEFAULT_PRIORS,
    perturb: float = 0.1,
    *,
    illustrative: Iterable[str] = (),
) -> pd.DataFrame:
    """Recompute the posterior over a grid of priors and perturbed elicited probabilities.

    Parameters
    ----------
    claim
        A :class:`Claim` or claim id.
    evidence
        The evidence register (pending computed rows are ignored).
    priors
        Priors to try with the elicited probabilities unchanged.
    perturb
        Each used item's sensitivity and type I error are moved by ``-perturb`` and
        ``+perturb`` one at a time (clipped to [0.01, 0.99]) at the claim's prior.
    illustrative
        Evidence ids left out as in :func:`contribution_summary` (synthetic-data items).

    Returns
    -------
    pandas.DataFrame
        Columns ``claim_id``, ``scenario`` (``prior``, ``elicited`` or ``perturbed``),
        ``evidence_id``, ``parameter``, ``delta``, ``value``, ``prior``, ``posterior``. The
        perturbed rows show how far one judgement moves the conclusion; their min and max give
        the range reported by :func:`synthesis`.

    """
    cid, rows = _claim_rows(claim, evidence)
    used = rows[~_pending_mask(rows) & ~_illustrative_mask(rows, illustrative)].reset_index(
        drop=True
    )
    base_prior = claim.prior if isinstance(claim, Claim) else 0.5
    if not (isinstance(perturb, int | float) and 0 <= perturb < 1):
        raise MethodInputError(f"perturb must be in [0, 1); got {perturb!r}")
    out: list[dict[str, Any]] = []
    for p in priors:
        out.append(
            {
                "claim_id": cid,
                "scenario": "prior",
                "evidence_id": None,
                "parameter": "prior",
                "delta": float(p) - base_prior,
                "value": float(p),
                "prior": float(p),
                "posterior": posterior(p, used),
            }
        )
    out.append(
        {
            "claim_id": cid,
            "scenario": "elicited",
            "evidence_id": None,
            "parameter": None,
            "delta": 0.0,
            "value": None,
            "prior": base_prior,
            "posterior": posterior(base_prior, used),
        }
    )
    lo, hi = _SWEEP_CLIP
    for i in range(len(used)):
        for param in ("sensitivity", "type1_error"):
            for delta in (-perturb, perturb):
                changed = used.copy()
                value = min(hi, max(lo, float(used.at[i, param]) + delta))
                changed.at[i, param] = value
                out.append(
                    {
                        "claim_id": cid,
                        "scenario": "perturbed",
                        "evidence_id": used.at[i, "evidence_id"],
                        "parameter": param,
                        "delta": delta,
                        "value": value,
                        "prior": base_prior,
                        "posterior": posterior(base_prior, changed),
                    }
                )
    return pd.DataFrame(
        out,
        columns=[
            "claim_id",
            "scenario",
            "evidence_id",
            "parameter",
            "delta",
            "value",
            "prior",
            "posterior",
        ],
    )
