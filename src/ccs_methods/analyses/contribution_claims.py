"""The contribution claims of one site and programme year, each in Mayne's six steps, as results.

For a site and a programme year, :func:`site_year_contribution` returns the claims that concern
the site (claims about all pilot sites or the programme as a whole included), an overview table
of their confidence, and for each claim a :class:`ClaimSteps`: the tables and the sensitivity
figure of the six steps of contribution analysis (Mayne 2008, 2012). The notebook
``notebooks/site_year_contribution.md`` holds the sentences that read them.

Settings (status bands, sensitivity sweep) come from ``params/analysis.yml``
(``contribution.*``) and are passed as keyword arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ccs_methods.analyses.contribution import (
    Register,
    add_illustration,
    claims_for,
    evidence_display,
    illustrative_items,
    synthesis_table,
)
from ccs_methods.methods import contribution as ca
from ccs_methods.report import plots
from ccs_methods.report.contribution_figures import sensitivity_figure
from ccs_methods.report.contribution_readings import (
    assumption_label,
    cite_source,
    claim_headline,
    claim_status,
    list_phrase,
    range_label,
    site_names,
    verdict_label,
)

__all__ = [
    "ClaimSteps",
    "SiteYearContribution",
    "claim_steps",
    "rivals_table",
    "site_year_contribution",
    "year_outcomes",
]


@dataclass(frozen=True, eq=False)
class ClaimSteps:
    """One claim in Mayne's six steps: the tables and the figure a page shows.

    Attributes
    ----------
    claim
        The claim.
    headline
        One phrase: posterior, verbal confidence and range
        (:func:`ccs_methods.report.contribution_readings.claim_headline`).
    posterior, verbal, posterior_min, posterior_max
        The headline posterior (synthetic-data items left out), its words and its range under
        the sensitivity sweep.
    status
        ``supported``, ``uncertain`` or ``not_supported`` (the settings' bands).
    steps
        Six rows: ``step``, ``title``, ``question``, ``in short``.
    claim_table
        Step 1: the claim's place in the theory of change, sites, year, prior, source and how
        many items are about the page's site.
    pathway
        Step 2: links into the outcome, assumptions on the pathway with verdicts, rivals.
    reports
        Step 3: evidence from the reports
        (:func:`ccs_methods.analyses.contribution.evidence_display`).
    story
        Step 4: strongest support and challenge, weak assumptions.
    rivals
        Step 4: the rivals and their status (:func:`rivals_table`).
    computed
        Step 5: computed evidence, with value and rule, or pending with the reason.
    gaps
        Step 5: gaps in the evidence, one row each.
    by_prior
        Step 6: the posterior at each prior of the sweep.
    figure
        Step 6: :func:`ccs_methods.report.contribution_figures.sensitivity_figure`.
    synthetic_datasets
        Synthetic stand-ins behind the claim's computed results (empty if none).

    """

    claim: ca.Claim
    headline: str
    posterior: float
    verbal: str
    posterior_min: float
    posterior_max: float
    status: str
    steps: pd.DataFrame
    claim_table: pd.DataFrame
    pathway: pd.DataFrame
    reports: pd.DataFrame
    story: pd.DataFrame
    rivals: pd.DataFrame
    computed: pd.DataFrame
    gaps: pd.DataFrame
    by_prior: pd.DataFrame
    figure: plots.Figure
    synthetic_datasets: list[str]


def _ref_text(ref: object, directions: dict[str, str]) -> str:
    """One rival reference; an evidence item also says what the register now makes of it."""
    text = str(ref)
    eid = getattr(ref, "evidence_id", None)
    if eid and eid in directions:
        text += f" [register: {directions[eid]}]"
    return text


def rivals_table(rivals: Sequence[ca.Rival], evidence: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """Rival explanations as a table: label, status, evidence for and against, and why.

    Parameters
    ----------
    rivals
        The rivals (e.g. those naming one claim).
    evidence
        The resolved register (``evidence_id``, ``direction``): each evidence item cited for
        or against a rival then says its current direction (``[register: challenges]``), so a
        computed item is never described as pending once it has a result.

    Returns
    -------
    pandas.DataFrame
        Indexed by rival id.

    """
    directions: dict[str, str] = {}
    if evidence is not None and not evidence.empty:
        directions = {
            str(k): str(v) for k, v in zip(evidence["evidence_id"], evidence["direction"],
                                           strict=True) if pd.notna(v)
        }
    return pd.DataFrame(
        {
            "rival": [r.label for r in rivals],
            "status": [r.status.replace("_", " ") for r in rivals],
            "evidence for": ["; ".join(_ref_text(x, directions) for x in r.evidence_for)
                             for r in rivals],
            "evidence against": ["; ".join(_ref_text(x, directions) for x in r.evidence_against)
                                 for r in rivals],
            "why this status": [r.status_reason for r in rivals],
        },
        index=pd.Index([r.id for r in rivals], name="id"),
    )


def _item(i: dict) -> str:
    return f"{i['evidence_id']} ({i['test_type']}, LR {i['likelihood_ratio']:.2f})"


def claim_steps(
    claim: ca.Claim,
    register: Register,
    site: str | None = None,
    *,
    sensitivity_priors: Sequence[float],
    sensitivity_perturb: float,
    supported_at: float,
    unsupported_below: float,
) -> ClaimSteps:
    """One claim in Mayne's six steps, as tables and a figure.

    Parameters
    ----------
    claim
        The claim.
    register
        The resolved register.
    site
        The page's site (items about it are counted), or None.
    sensitivity_priors, sensitivity_perturb
        The sensitivity sweep (``contribution.sensitivity_priors``, ``.sensitivity_perturb``).
    supported_at, unsupported_below
        Status bands drawn on the sensitivity figure (``contribution.*``).

    Returns
    -------
    ClaimSteps

    """
    toc = register.toc
    rows = register.claim_rows(claim.id)
    ill = register.illustrative
    steps = ca.mayne_steps(
        claim, toc, register.evidence, register.rivals, illustrative=ill,
        perturb=sensitivity_perturb,
    )
    d1, d2, _d3, d4, d5, d6 = (s["details"] for s in steps)
    sweep = ca.sensitivity_sweep(
        claim, rows, priors=sensitivity_priors, perturb=sensitivity_perturb, illustrative=ill
    )
    base = float(sweep.loc[sweep["scenario"] == "elicited", "posterior"].iloc[0])
    pert = sweep.loc[sweep["scenario"] == "perturbed", "posterior"]
    lo = float(pert.min()) if len(pert) else base
    hi = float(pert.max()) if len(pert) else base
    verbal = ca.verbal_confidence(base)
    headline = claim_headline(base, verbal, lo, hi)
    summaries = [s["summary"] for s in steps]
    summaries[0] = claim.text
    summaries[5] = headline + (
        f"; illustration on synthetic data only, not evidence: {len(d6['illustrative'])} "
        f"computed item(s) would give {d6['posterior_illustration']:.2f}"
        if d6["illustrative"]
        else ""
    )
    step_table = pd.DataFrame(
        {
            "step": [s["step"] for s in steps],
            "title": [s["title"] for s in steps],
            "question": [s["question"] for s in steps],
            "in short": summaries,
        }
    )
    node = toc.node(claim.node)
    n_here = int((rows["site"] == site).sum()) if site else None
    facts = {
        "claim": claim.text,
        "outcome in the theory of change": f"{node.label} ({node.id})",
        "level": node.level.replace("_", " "),
        "sites": site_names(claim.sites),
        "programme year": str(claim.year),
        "prior": f"{claim.prior:.2f}",
        "source": cite_source(str(d1["source"])),
        "evidence items": str(len(rows))
        + (f" ({n_here} about this site)" if n_here is not None else ""),
    }
    claim_table = pd.DataFrame(
        {"value": list(facts.values())}, index=pd.Index(list(facts), name="item")
    )
    link_label = {
        lk.id: f"{toc.node(lk.source_node).label.split(' (')[0]} → "
        f"{toc.node(lk.target).label.split(' (')[0]}"
        for lk in toc.links
    }
    path_rows = [
        {"part": "link into the outcome", "what": link_label[lid], "verdict or status": ""}
        for lid in d2["incoming_links"]
    ]
    path_rows += [
        {
            "part": f"assumption {assumption_label(a['id'])}",
            "what": a["text"],
            "verdict or status": verdict_label(a["verdict"])
            + (f" ({a['verdict_text']})" if a["verdict_text"] else "")
            + (
                f"; this book's reading, not a verdict: {a['evaluator_note']}"
                if a["evaluator_note"]
                else ""
            ),
        }
        for a in d2["assumptions"]
    ]
    path_rows += [
        {"part": "rival explanation", "what": r["label"], "verdict or status": r["status"]}
        for r in d2["rivals"]
    ]
    pathway = pd.DataFrame(path_rows, columns=["part", "what", "verdict or status"])
    pathway["verdict or status"] = pathway["verdict or status"].str.replace("_", " ")
    my_rivals = [r for r in register.rivals if claim.id in r.claims]
    story = pd.DataFrame(
        {
            "value": [
                list_phrase([_item(i) for i in d4["strongest_support"]]),
                list_phrase([_item(i) for i in d4["strongest_challenge"]]),
                list_phrase([assumption_label(a) for a in d4["weak_assumptions"]]),
                f"{len(d4['open_rivals'])} of {len(my_rivals)}",
            ]
        },
        index=pd.Index(
            [
                "strongest support",
                "strongest challenge",
                "assumptions with a weak or no verdict",
                "rivals still open",
            ],
            name="part of the story",
        ),
    )
    reports = rows[rows["kind"] != "computed"]
    computed = rows[rows["kind"] == "computed"]
    by_prior = sweep.loc[sweep["scenario"] == "prior", ["prior", "posterior"]].reset_index(
        drop=True
    )
    return ClaimSteps(
        claim=claim,
        headline=headline,
        posterior=base,
        verbal=verbal,
        posterior_min=lo,
        posterior_max=hi,
        status=claim_status(
            base, supported_at=supported_at, unsupported_below=unsupported_below
        ),
        steps=step_table,
        claim_table=claim_table,
        pathway=pathway,
        reports=evidence_display(register, reports),
        story=story,
        rivals=rivals_table(my_rivals, register.evidence),
        computed=evidence_display(register, computed),
        gaps=pd.DataFrame({"gap in the evidence": list(d5["gaps"])}),
        by_prior=by_prior.assign(
            prior=by_prior["prior"].map("{:.1f}".format),
            posterior=by_prior["posterior"].map("{:.2f}".format),
        ),
        figure=sensitivity_figure(
            claim,
            rows,
            priors=sensitivity_priors,
            perturb=sensitivity_perturb,
            supported_at=supported_at,
            unsupported_below=unsupported_below,
            illustrative=ill,
        ),
        synthetic_datasets=register.synthetic_datasets(register.used_results(claim.id)),
    )


def year_outcomes(toc: ca.TheoryOfChange, year: int) -> pd.DataFrame:
    """The outcomes of the theory of change for a programme year (what a claim would be about).

    Parameters
    ----------
    toc
        The theory of change.
    year
        A programme year.

    Returns
    -------
    pandas.DataFrame
        ``outcome`` and ``id`` of the nodes at level ``year<year>_outcome`` (may be empty).

    """
    nodes = [n for n in toc.nodes if n.level == f"year{year}_outcome"]
    return pd.DataFrame(
        {"outcome": [n.label for n in nodes], "id": [n.id for n in nodes]},
        columns=["outcome", "id"],
    )


@dataclass(frozen=True, eq=False)
class SiteYearContribution:
    """The contribution analysis of one site and programme year.

    Attributes
    ----------
    site, year
        The site id and programme year.
    claims
        Claims that concern the site in the year and have evidence.
    without_evidence
        Claims that concern it but have no evidence recorded yet (not shown step by step).
    overview
        One row per claim with evidence: posterior, confidence, range, items (about this site),
        pending items, main rival, and the illustration column when any item is synthetic.
    steps
        One :class:`ClaimSteps` per claim with evidence, in order.
    pending
        Findings whose computed evidence is pending (left out, not counted as neutral).
    illustrative, synthetic_datasets
        Computed items from synthetic data among these claims, and the datasets behind them.
    outcomes
        :func:`year_outcomes` of the year (what a claim would be about when there is none).

    """

    site: str
    year: int
    claims: list[ca.Claim]
    without_evidence: list[ca.Claim]
    overview: pd.DataFrame
    steps: list[ClaimSteps]
    pending: list[str]
    illustrative: list[str]
    synthetic_datasets: list[str]
    outcomes: pd.DataFrame

    @property
    def has_claims(self) -> bool:
        """Whether any claim of the year has evidence for this site."""
        return bool(self.claims)


def site_year_contribution(
    register: Register,
    site: str,
    year: int,
    *,
    supported_at: float,
    unsupported_below: float,
    sensitivity_perturb: float,
    sensitivity_priors: Sequence[float],
) -> SiteYearContribution:
    """The contribution claims of one site and programme year, each in Mayne's six steps.

    Parameters
    ----------
    register
        The resolved register (:func:`ccs_methods.analyses.contribution.load_register`).
    site
        A site id.
    year
        A programme year.
    supported_at, unsupported_below
        Status bands (``contribution.supported_at``, ``contribution.unsupported_below``).
    sensitivity_perturb, sensitivity_priors
        The sensitivity sweep (``contribution.sensitivity_perturb``, ``.sensitivity_priors``).

    Returns
    -------
    SiteYearContribution
        With no claim with evidence (year 3), empty tables and ``has_claims`` False.

    """
    claims = claims_for(register.toc, site, year, reported_years=register.reported_years)
    with_evidence = [c for c in claims if not register.claim_rows(c.id).empty]
    ids = [c.id for c in with_evidence]
    t = synthesis_table(
        register,
        supported_at=supported_at,
        unsupported_below=unsupported_below,
        perturb=sensitivity_perturb,
    )
    t = t[t["claim_id"].isin(ids)]
    here = [int((register.claim_rows(c.id)["site"] == site).sum()) for c in with_evidence]
    overview = pd.DataFrame(
        {
            "claim": [c.text for c in with_evidence],
            "posterior": [f"{v:.2f}" for v in t["posterior"]],
            "confidence that CCS contributed": t["verbal"].to_numpy(),
            "range": [
                range_label(a, b, f)
                for a, b, f in zip(
                    t["posterior_min"], t["posterior_max"], t["fragile"], strict=True
                )
            ],
            "items (about this site)": [
                f"{n} ({h})" for n, h in zip(t["n_items"], here, strict=True)
            ],
            "pending": t["n_pending"].to_numpy(),
            "main remaining rival": t["main_rival"].to_numpy(),
        },
        index=pd.Index([c.finding for c in with_evidence], name="finding"),
    )
    overview = add_illustration(overview, t, "range")
    steps = [
        claim_steps(
            c,
            register,
            site,
            sensitivity_priors=sensitivity_priors,
            sensitivity_perturb=sensitivity_perturb,
            supported_at=supported_at,
            unsupported_below=unsupported_below,
        )
        for c in with_evidence
    ]
    ill, names = illustrative_items(register, ids)
    return SiteYearContribution(
        site=site,
        year=year,
        claims=with_evidence,
        without_evidence=[c for c in claims if c not in with_evidence],
        overview=overview,
        steps=steps,
        pending=t.loc[t["n_pending"] > 0, "finding"].tolist(),
        illustrative=ill,
        synthetic_datasets=names,
        outcomes=year_outcomes(register.toc, year),
    )
