"""Mayne's six steps of contribution analysis per claim, and the synthesis across claims."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import pandas as pd

from ccs_methods.methods.contribution.constants import OPEN_RIVAL_STATUSES
from ccs_methods.methods.contribution.models import Claim, Rival, TheoryOfChange
from ccs_methods.methods.contribution.summaries import (
    _claim_rows,
    contribution_summary,
    sensitivity_sweep,
)
from ccs_methods.methods.contribution.updating import classify_test

MAYNE_STEPS: tuple[tuple[str, str], ...] = (
    ("Set out the cause-effect issue to be addressed", "What is the claim, where and when?"),
    (
        "Develop the postulated theory of change and risks to it",
        "Which links lead to the outcome, on which assumptions, and what else could explain it?",
    ),
    (
        "Gather the existing evidence on the theory of change",
        "What do the reports already show, and how diagnostic is it?",
    ),
    (
        "Assemble and assess the contribution story, and challenges to it",
        "How confident can we be, and where is the story weak?",
    ),
    ("Seek out additional evidence", "What do the book's own analyses add, and what is missing?"),
    (
        "Revise and strengthen the contribution story",
        "How does confidence change with the new evidence and with other judgements?",
    ),
)
"""The six steps of contribution analysis (Mayne 2008, 2012)."""


def _rivals_for(claim_id: str, rivals: Iterable[Rival]) -> list[Rival]:
    return [r for r in rivals if claim_id in r.claims]


def mayne_steps(
    claim: Claim,
    toc: TheoryOfChange,
    evidence: pd.DataFrame,
    rivals: Sequence[Rival] = (),
    *,
    illustrative: Iterable[str] = (),
    perturb: float = 0.1,
) -> list[dict[str, Any]]:
    """Lay out the six steps of contribution analysis for one claim, for page rendering.

    Steps (Mayne 2008, 2012): 1 the cause-effect issue; 2 the theory of change and risks to it;
    3 the existing evidence (transcribed from the reports); 4 the contribution story and the
    challenges to it; 5 additional evidence (the book's computed results, and the gaps); 6 the
    revised story (posterior before and after the computed evidence, and its sensitivity).

    Computed items listed in ``illustrative`` (results computed from synthetic stand-in data)
    never move the headline posterior: step 6 then gives the headline (reports' evidence and
    any computed evidence from real data) and, separately labelled, the posterior the
    synthetic items would give, as an illustration of the method only.

    Parameters
    ----------
    claim
        The claim.
    toc
        The theory of change.
    evidence
        The evidence register, with computed rows resolved where results exist.
    rivals
        Rival explanations (those naming this claim are used).
    illustrative
        Evidence ids of resolved computed items built from synthetic data (see
        :func:`contribution_summary`).
    perturb
        How far step 6 moves each elicited probability in the sensitivity sweep
        (``contribution.sensitivity_perturb`` in ``params/analysis.yml``).

    Returns
    -------
    list of dict
        Six dicts with ``step``, ``title``, ``question``, ``summary`` (one sentence) and
        ``details`` (plain data: strings, numbers, lists of dicts).

    """
    _, rows = _claim_rows(claim, evidence)
    node = toc.node(claim.node)
    g = toc.graph()
    incoming = [toc_link for toc_link in toc.links if toc_link.target == claim.node]
    outgoing = [toc_link for toc_link in toc.links if toc_link.source_node == claim.node]
    upstream = sorted(nx.ancestors(g, claim.node))
    pathway_links = [lk for lk in toc.links if lk.target == claim.node or (lk.target in upstream)]
    assumptions = {a.id: a for lk in pathway_links + outgoing for a in toc.assumptions_on(lk.id)}
    my_rivals = _rivals_for(claim.id, rivals)
    existing = rows[rows["kind"] != "computed"]
    computed = rows[rows["kind"] == "computed"]
    illustrative = [str(i) for i in illustrative]
    before = contribution_summary(claim, existing)
    after = contribution_summary(claim, rows, illustrative=illustrative)
    shown = after["illustrative"]
    with_synthetic = contribution_summary(claim, rows) if shown else after
    sweep = sensitivity_sweep(claim, rows, perturb=perturb, illustrative=illustrative)
    perturbed = sweep[sweep["scenario"] == "perturbed"]["posterior"]
    table = after["table"]
    sup = table[table["likelihood_ratio"] > 1].sort_values("likelihood_ratio", ascending=False)
    chal = table[table["likelihood_ratio"] < 1].sort_values("likelihood_ratio")
    gaps: list[str] = []
    types = set(table["test_type"])
    if not any(t == "hoop" or t == "doubly decisive" for t in types):
        gaps.append("no hoop test passed: nothing the claim needed to survive has been checked")
    if not any(t in ("smoking gun", "doubly decisive") for t in types):
        gaps.append("no smoking gun: no evidence that would be unlikely without CCS")
    if after["n_groups"] < 2:
        gaps.append("evidence from a single source group only")
    gaps.extend(
        f"rival {r.id} ({r.label}) untested: {r.status_reason}"
        for r in my_rivals
        if r.status == "untested"
    )
    if after["n_pending"]:
        gaps.append(f"{after['n_pending']} computed item(s) pending: {', '.join(after['pending'])}")
    if shown:
        gaps.append(
            f"{len(shown)} computed item(s) from synthetic stand-in data, shown as an "
            f"illustration only and not counted: {', '.join(shown)}"
        )

    def item(rec: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "evidence_id": rec["evidence_id"],
            "test_type": rec["test_type"],
            "likelihood_ratio": float(rec["likelihood_ratio"]),
            "description": rec["description"],
            "source": rec["source"],
        }

    return [
        {
            "step": 1,
            "title": MAYNE_STEPS[0][0],
            "question": MAYNE_STEPS[0][1],
            "summary": f"Did CCS contribute to '{node.label}'? Claim: {claim.text}",
            "details": {
                "claim_id": claim.id,
                "finding": claim.finding,
                "node": node.id,
                "node_label": node.label,
                "level": node.level,
                "sites": list(claim.sites),
                "year": claim.year,
                "prior": claim.prior,
                "source": str(claim.source),
            },
        },
        {
            "step": 2,
            "title": MAYNE_STEPS[1][0],
            "question": MAYNE_STEPS[1][1],
            "summary": (
                f"{len(incoming)} link(s) lead into the outcome, {len(upstream)} upstream node(s);"
                f" {len(assumptions)} assumption(s) and {len(my_rivals)} rival explanation(s)."
            ),
            "details": {
                "incoming_links": [lk.id for lk in incoming],
                "outgoing_links": [lk.id for lk in outgoing],
                "upstream_nodes": upstream,
                "assumptions": [
                    {
                        "id": a.id,
                        "text": a.text,
                        "verdict": a.verdict,
                        "verdict_text": a.verdict_text,
                        "evaluator_note": a.evaluator_note,
                    }
                    for a in assumptions.values()
                ],
                "rivals": [{"id": r.id, "label": r.label, "status": r.status} for r in my_rivals],
            },
        },
        {
            "step": 3,
            "title": MAYNE_STEPS[2][0],
            "question": MAYNE_STEPS[2][1],
            "summary": (
                f"{before['n_used']} item(s) from the reports in {before['n_groups']} independent"
                f" group(s): posterior {before['posterior']:.2f} ({before['verbal']})."
            ),
            "details": {
                "posterior": before["posterior"],
                "verbal": before["verbal"],
                "items": [item(r) for r in before["table"].to_dict("records")],
            },
        },
        {
            "step": 4,
            "title": MAYNE_STEPS[3][0],
            "question": MAYNE_STEPS[3][1],
            "summary": (
                f"Posterior {after['posterior']:.2f}: it is {after['verbal']} that CCS contributed"
                f" as claimed; {len(sup)} supporting and {len(chal)} challenging item(s)."
            ),
            "details": {
                "posterior": after["posterior"],
                "verbal": after["verbal"],
                "test_types": after["test_types"],
                "strongest_support": [item(r) for r in sup.head(3).to_dict("records")],
                "strongest_challenge": [item(r) for r in chal.head(3).to_dict("records")],
                "open_rivals": [
                    {"id": r.id, "label": r.label, "status": r.status, "reason": r.status_reason}
                    for r in my_rivals
                    if r.status in OPEN_RIVAL_STATUSES
                ],
                "weak_assumptions": [
                    a.id for a in assumptions.values() if a.verdict in (None, "partially", "no")
                ],
            },
        },
        {
            "step": 5,
            "title": MAYNE_STEPS[4][0],
            "question": MAYNE_STEPS[4][1],
            "summary": (
                f"{len(computed)} computed item(s), {after['n_pending']} pending;"
                f" {len(gaps)} gap(s) noted."
            ),
            "details": {
                "computed": [
                    {
                        "evidence_id": r["evidence_id"],
                        "source": r["source"],
                        "description": r["description"],
                        "status": "pending"
                        if pd.isna(r["sensitivity"])
                        else (
                            "illustration on synthetic data, not counted: "
                            if r["evidence_id"] in shown
                            else ""
                        )
                        + f"{r['direction']} "
                        f"({classify_test(r['sensitivity'], r['type1_error'])})",
                    }
                    for r in computed.to_dict("records")
                ],
                "gaps": gaps,
            },
        },
        {
            "step": 6,
            "title": MAYNE_STEPS[5][0],
            "question": MAYNE_STEPS[5][1],
            "summary": _step6_summary(
                claim, before, after, with_synthetic, perturbed, perturb
            ),
            "details": {
                "posterior_reports_only": before["posterior"],
                "posterior_with_computed": after["posterior"],
                "posterior_illustration": with_synthetic["posterior"],
                "illustrative": list(shown),
                "verbal": after["verbal"],
                "posterior_min": float(perturbed.min()) if len(perturbed) else after["posterior"],
                "posterior_max": float(perturbed.max()) if len(perturbed) else after["posterior"],
                "by_prior": sweep[sweep["scenario"] == "prior"][["prior", "posterior"]].to_dict(
                    "records"
                ),
            },
        },
    ]


def _step6_summary(
    claim: Claim,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    with_synthetic: Mapping[str, Any],
    perturbed: pd.Series,
    perturb: float = 0.1,
) -> str:
    if not len(perturbed) and not after["n_illustrative"]:
        return f"No usable evidence: the posterior stays at the prior {claim.prior:.2f}."
    spread = (
        f" moving any one elicited probability by {perturb:g} gives {perturbed.min():.2f} to"
        f" {perturbed.max():.2f}."
        if len(perturbed)
        else ""
    )
    if not after["n_illustrative"]:
        return (
            f"From {before['posterior']:.2f} on the reports' evidence to"
            f" {after['posterior']:.2f} with the computed evidence;{spread}"
        )
    real = after["n_used"] - before["n_used"]
    head = (
        f"Headline {after['posterior']:.2f} ({after['verbal']}) on the reports' evidence"
        + (f" and {real} computed item(s) from real data" if real else "")
        + f"; the {after['n_illustrative']} computed item(s) from synthetic stand-in data"
        f" ({', '.join(after['illustrative'])}) are not evidence about CCS and are left out."
        f" Illustration on synthetic data only: they would give {with_synthetic['posterior']:.2f}."
    )
    return head + (f" In the headline,{spread}" if spread else "")


def synthesis(
    toc: TheoryOfChange,
    evidence: pd.DataFrame,
    rivals: Sequence[Rival] = (),
    *,
    illustrative: Iterable[str] = (),
    perturb: float = 0.1,
) -> pd.DataFrame:
    """One row per claim: posterior, verbal confidence, evidence counts, tests and rivals.

    Parameters
    ----------
    toc
        The theory of change (its claims, in order).
    evidence
        The evidence register, with computed rows resolved where results exist.
    rivals
        Rival explanations.
    illustrative
        Evidence ids of resolved computed items built from synthetic data: left out of
        ``posterior`` (the headline) and its range, included only in
        ``posterior_illustration``.
    perturb
        How far each elicited probability moves in the sweep that gives the range.

    Returns
    -------
    pandas.DataFrame
        Columns ``claim_id``, ``finding``, ``year``, ``node``, ``level``, ``sites``, ``prior``,
        ``posterior``, ``verbal``, ``posterior_min``, ``posterior_max`` (over the +/-0.1
        perturbation of each elicited probability), ``posterior_illustration`` (with the
        illustrative items counted; equal to ``posterior`` when there are none),
        ``n_illustrative``, ``n_items``, ``n_used``, ``n_pending``,
        ``n_groups``, ``n_supporting``, ``n_challenging``, ``strongest_support``,
        ``strongest_challenge``, ``test_types``, ``rivals``, ``rivals_open``.

    """
    rows: list[dict[str, Any]] = []
    for c in toc.claims:
        s = contribution_summary(c, evidence, illustrative=illustrative)
        sweep = sensitivity_sweep(c, evidence, perturb=perturb, illustrative=illustrative)
        illus = contribution_summary(c, evidence) if s["n_illustrative"] else s
        pert = sweep[sweep["scenario"] == "perturbed"]["posterior"]
        t = s["table"]
        sup = t[t["likelihood_ratio"] > 1]
        chal = t[t["likelihood_ratio"] < 1]
        mine = _rivals_for(c.id, rivals)
        rows.append(
            {
                "claim_id": c.id,
                "finding": c.finding,
                "year": c.year,
                "node": c.node,
                "level": toc.node(c.node).level,
                "sites": ", ".join(c.sites),
                "prior": s["prior"],
                "posterior": s["posterior"],
                "verbal": s["verbal"],
                "posterior_min": float(pert.min()) if len(pert) else s["posterior"],
                "posterior_max": float(pert.max()) if len(pert) else s["posterior"],
                "posterior_illustration": illus["posterior"],
                "n_illustrative": s["n_illustrative"],
                "n_items": s["n_items"],
                "n_used": s["n_used"],
                "n_pending": s["n_pending"],
                "n_groups": s["n_groups"],
                "n_supporting": s["n_supporting"],
                "n_challenging": s["n_challenging"],
                "strongest_support": (
                    sup.loc[sup["likelihood_ratio"].idxmax(), "evidence_id"] if len(sup) else None
                ),
                "strongest_challenge": (
                    chal.loc[chal["likelihood_ratio"].idxmin(), "evidence_id"]
                    if len(chal)
                    else None
                ),
                "test_types": "; ".join(f"{k}: {v}" for k, v in s["test_types"].items()),
                "rivals": ", ".join(r.id for r in mine),
                "rivals_open": sum(r.status in OPEN_RIVAL_STATUSES for r in mine),
            }
        )
    return pd.DataFrame(rows)
