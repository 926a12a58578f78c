"""Contribution-analysis pages: each claim in Mayne's six steps, and the programme synthesis.

The register in ``params/contribution/`` (theory of change, evidence, rivals) is loaded by
:func:`load_register`, which also asks every analysis module for its computed results
(:func:`ccs_methods.analyses.results.collect_results`) and resolves the ``computed:<id>`` rows with
:func:`~ccs_methods.methods.contribution.resolve_computed`. So the evidence on the pages comes
from the
analyses themselves; an analysis that has not run leaves its rows *pending*, said so on the page.

**Synthetic data never moves a headline.** A computed item whose result was computed from a
synthetic stand-in dataset (:func:`ccs_methods.analyses.results.datasets_for`
and
:func:`~ccs_methods.data.datasets.is_synthetic`) is *illustrative*: it is shown with its value
and the
rule's outcome, but the headline posterior and verbal confidence leave it out (they rest on the
reports' evidence and on computed evidence from real data only). The posterior it would give is
shown separately, labelled "illustration on synthetic data". Once ``params/programme.yml``
switches a dataset to ``raw``, its computed items count in the headline.

- :func:`site_year_contribution`: for one site and programme year, an overview of the claims
  that concern it, then each claim in the six steps of contribution analysis (Mayne 2008,
  2012): the claim and its place in the theory of change; the pathway, assumptions and rivals;
  the evidence from the reports; the contribution story with its posterior and the rivals'
  status; the computed evidence (value, interval and the rule applied, or pending); the
  sensitivity of the posterior to the prior and to every elicited probability.
- :func:`programme_synthesis`: one row per claim with posterior, verbal confidence, evidence
  counts, the strongest test and the main remaining rival; a chart of posteriors with their
  sensitivity ranges; the computed evidence; the theory of change drawn with its nodes
  coloured by the support for their claims; and the eight assumptions with their verdicts.

Every builder accepts a ``folder`` (a copy of ``params/contribution``) or a ready
:class:`Register`, so the whole synthesis can be rebuilt from changed judgements.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
from matplotlib.patches import Patch

from ccs_methods.analyses.published import Section
from ccs_methods.analyses.results import (
    PENDING_KEY,
    CollectedResults,
    collect_results,
    datasets_for,
)
from ccs_methods.data import datasets
from ccs_methods.data.params import Params
from ccs_methods.errors import CCSInputError, MethodInputError
from ccs_methods.methods import contribution as ca
from ccs_methods.report import pages, plots
from ccs_methods.report.pages import PageContext

__all__ = [
    "ILLUSTRATION_COLUMN",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "SUPPORTED",
    "UNSUPPORTED",
    "Register",
    "assumptions_section",
    "claim_status",
    "claim_steps",
    "claims_for",
    "computed_evidence_section",
    "contribution_dir",
    "evidence_display",
    "load_register",
    "no_evidence_note",
    "posterior_chart",
    "programme_synthesis",
    "sensitivity_figure",
    "site_year_contribution",
    "synthesis_section",
    "synthesis_table",
    "theory_of_change_figure",
    "theory_of_change_section",
]

SUPPORTED = 0.66
"""Posterior at or above which a claim counts as supported ("likely" or stronger)."""
UNSUPPORTED = 0.33
"""Posterior below which a claim counts as not supported ("unlikely" or weaker)."""

STATUS_LABELS: dict[str, str] = {
    "supported": f"supported (posterior ≥ {SUPPORTED})",
    "uncertain": f"uncertain or mixed ({UNSUPPORTED} to {SUPPORTED})",
    "not_supported": f"not supported (posterior < {UNSUPPORTED})",
    "no_claim": "no claim on this outcome",
}
STATUS_COLOURS: dict[str, str] = {
    "supported": plots.PALETTE[2],
    "uncertain": plots.PALETTE[1],
    "not_supported": plots.PALETTE[5],
    "no_claim": "#DDDDDD",
}
_RIVAL_ORDER = {
    "supported": 0,
    "remains_plausible": 1,
    "untested": 2,
    "weakened": 3,
    "ruled_out": 4,
}
_STEP_TITLES = [t for t, _ in ca.MAYNE_STEPS]
_VERDICTS = {
    "yes": "Yes",
    "yes_but": "Yes but…",
    "partially": "Partially…",
    "no": "No",
    None: "no verdict in the report",
}
_PUBLISHED_VERDICTS = {"not_reported": None}
_SOURCE_SPLIT = " § "
_COMPUTED = "computed:"


# --------------------------------------------------------------------------- register


@dataclass(frozen=True, eq=False)
class Register:
    """The contribution register with its computed rows resolved.

    Attributes
    ----------
    toc
        The theory of change (nodes, links, assumptions, claims, evidence rules).
    evidence
        The evidence register with every computed row that has a usable result filled in
        (columns of :func:`ccs_methods.methods.contribution.resolve_computed`); others stay pending.
    rivals
        Rival explanations.
    collected
        What the analysis modules returned, and their problems.
    problems
        Results that a module returned but that could not be turned into evidence (e.g. a key
        the rule needs is missing), as sentences.
    folder
        The folder the register was read from.
    synthetic
        Result id to the synthetic stand-in datasets it was computed from (empty when every
        dataset behind it is real), for the "synthetic data" banners.
    illustrative
        Evidence ids of computed rows resolved from a result with a synthetic dataset behind
        it: shown, but left out of the headline posteriors.
    held
        Result id to the reason its provider held it back from the register
        (:data:`ccs_methods.analyses.results.PENDING_KEY`); its rows stay pending with that reason.

    """

    toc: ca.TheoryOfChange
    evidence: pd.DataFrame
    rivals: list[ca.Rival]
    collected: CollectedResults
    problems: list[str] = field(default_factory=list)
    folder: Path | None = None
    synthetic: dict[str, tuple[str, ...]] = field(default_factory=dict)
    illustrative: frozenset[str] = frozenset()
    held: dict[str, str] = field(default_factory=dict)

    @cached_property
    def table(self) -> pd.DataFrame:
        """:func:`synthesis_table` of this register (computed once)."""
        return synthesis_table(self)

    def synthetic_banner(self, result_ids: Any) -> str | None:
        """The synthetic-data banner for results built from stand-ins, or None if none are."""
        names = sorted({d for rid in result_ids for d in self.synthetic.get(rid, ())})
        return pages.synthetic_banner(names) if names else None

    def claim_rows(self, claim_id: str) -> pd.DataFrame:
        """The evidence rows of one claim, in register order."""
        return self.evidence[self.evidence["claim_id"] == claim_id]

    def used_results(self, claim_id: str) -> dict[str, dict[str, Any]]:
        """Computed results used by one claim's evidence, keyed by result id."""
        rows = self.claim_rows(claim_id)
        out = {}
        for src in rows.loc[rows["kind"] == "computed", "source"]:
            rid = str(src)[len(_COMPUTED) :]
            if rid in self.collected.results:
                out[rid] = self.collected.results[rid]
        return out


def contribution_dir(params: Params) -> Path:
    """The folder of the contribution register: ``<params>/contribution``."""
    return Path(params.root) / "contribution"


def load_register(
    params: Params,
    *,
    folder: str | Path | None = None,
    collected: CollectedResults | None = None,
) -> Register:
    """Load the contribution register and resolve its computed rows from the analyses.

    Parameters
    ----------
    params
        Project parameters (sites and years allowed in the register come from here).
    folder
        Folder holding ``theory_of_change.yml``, ``evidence.csv`` and ``rivals.yml``; default
        :func:`contribution_dir`. Pass a copy to rebuild the pages from changed judgements.
    collected
        Computed results to use; default: :func:`ccs_methods.analyses.results.collect_results`.

    Returns
    -------
    Register

    Raises
    ------
    ParamsError, DataValidationError
        From the loaders, naming file, item, row and column.

    """
    folder = Path(folder) if folder is not None else contribution_dir(params)
    sites = [*params.programme.sites, "programme"]
    years = [y.number for y in params.programme.years]
    toc = ca.load_theory_of_change(folder / "theory_of_change.yml", sites=sites)
    raw = ca.load_evidence(folder / "evidence.csv", toc, sites=sites, years=years)
    rivals = ca.load_rivals(folder / "rivals.yml", toc, raw)
    if collected is None:
        collected = collect_results(params)
    referenced = {str(s)[len(_COMPUTED) :] for s in raw.loc[raw["kind"] == "computed", "source"]}
    usable: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    held: dict[str, str] = {}
    for rid in sorted(referenced & set(collected.results)):
        reason = collected.results[rid].get(PENDING_KEY)
        if reason:
            held[rid] = str(reason)
            continue
        try:
            ca.evidence_from_results({rid: collected.results[rid]}, toc)
        except (MethodInputError, CCSInputError) as exc:
            problems.append(f"`{rid}` could not be turned into evidence: {exc}")
            continue
        usable[rid] = collected.results[rid]
    evidence = ca.resolve_computed(raw, usable, toc)
    synthetic = {
        rid: tuple(d for d in datasets_for(rid, res) if datasets.is_synthetic(params, d))
        for rid, res in usable.items()
    }
    comp = evidence[(evidence["kind"] == "computed") & evidence["sensitivity"].notna()]
    illustrative = frozenset(
        str(r["evidence_id"])
        for r in comp.to_dict("records")
        if synthetic.get(str(r["source"])[len(_COMPUTED) :])
    )
    return Register(
        toc, evidence, rivals, collected, problems, folder, synthetic, illustrative, held
    )


def claims_for(toc: ca.TheoryOfChange, site: str, year: int) -> list[ca.Claim]:
    """Claims of programme ``year`` that concern ``site`` (or the programme as a whole).

    Parameters
    ----------
    toc
        The theory of change.
    site
        A site id.
    year
        A programme year.

    Returns
    -------
    list of Claim
        In file order: claims whose ``sites`` include ``site`` or ``programme``.

    """
    return [c for c in toc.claims if c.year == year and (site in c.sites or "programme" in c.sites)]


# --------------------------------------------------------------------------- formatting


def _cite(source: str) -> str:
    """Replace a report file name by the report's name in a ``file § section`` source."""
    if _SOURCE_SPLIT in source:
        f, sec = source.split(_SOURCE_SPLIT, 1)
        return f"{pages.REPORT_NAMES.get(f, f)} § {sec}"
    return source


def _site_names(sites: Sequence[str]) -> str:
    return ", ".join(
        "the programme as a whole" if s == "programme" else s.replace("_", " ").title()
        for s in sites
    )


def _num(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _prob(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):.2f}"


def _rule(toc: ca.TheoryOfChange, rule_id: str) -> ca.EvidenceRule | None:
    for r in toc.evidence_rules:
        if r.id == rule_id:
            return r
    return None


def _computed_value(register: Register, rid: str, rule_id: Any) -> str:
    res = register.collected.results.get(rid, {})
    rule = _rule(register.toc, str(rule_id)) if rule_id else None
    if rule is not None and rule.kind == "interval":
        est = f"{rule.estimate.replace('_', ' ')} {_num(res[rule.estimate])}"  # type: ignore[union-attr,index]
        ci = f"95% CI {_num(res[rule.low])} to {_num(res[rule.high])}"  # type: ignore[index]
        text = f"{est} ({ci}; null {rule.null_value:g})"
    elif rule is not None:
        text = f"{rule.value} {_num(res[rule.value])} (threshold {rule.threshold:g})"  # type: ignore[index]
    else:
        text = ", ".join(f"{k} {v}" for k, v in res.items())
    if "n" in res:
        text += f", n = {res['n']}"
    return text


def _pending_reason(register: Register, rid: str) -> str:
    if rid in register.held:
        res = register.collected.results.get(rid, {})
        values = ", ".join(
            f"{k} {_num(v) if isinstance(v, int | float) else v}"
            for k, v in res.items()
            if k != PENDING_KEY and not isinstance(v, str)
        )
        return register.held[rid] + (f"; computed for information only: {values}" if values else "")
    probs = register.collected.problems_for(rid)
    if probs:
        return "; ".join(f"{p.module}: {p.kind}: {p.message}" for p in probs)
    bad = [p for p in register.problems if p.startswith(f"`{rid}`")]
    if bad:
        return "; ".join(bad)
    return "the analysis gave no result with this id"


def evidence_display(register: Register, rows: pd.DataFrame) -> pd.DataFrame:
    """Reader-facing evidence table: one row per item, every value as text.

    Parameters
    ----------
    register
        The register (for computed values, rules and pending reasons).
    rows
        Evidence rows (a subset of ``register.evidence``).

    Returns
    -------
    pandas.DataFrame
        Indexed by evidence id; columns ``site``, ``kind``, ``n``, ``observed``, ``direction``,
        ``test type``, ``sensitivity``, ``type I error``, ``LR``, ``counted``, ``source``,
        ``justification``. Computed rows show the result's value, 95% interval and the rule
        applied, or ``pending`` with the reason; those computed from synthetic data say so and
        are marked ``no (synthetic data)`` under ``counted``.

    """
    summary_used = rows[
        ~(rows["sensitivity"].isna() | rows["type1_error"].isna())
        & ~rows["evidence_id"].isin(register.illustrative)
    ]
    counted: set[str] = set()
    if not summary_used.empty:
        g = ca.group_likelihood_ratios(summary_used)
        counted = set(g["supporting_item"].dropna()) | set(g["challenging_item"].dropna())
    out = []
    for r in rows.to_dict("records"):
        pending = pd.isna(r["sensitivity"]) or pd.isna(r["type1_error"])
        src = str(r["source"])
        if r["kind"] == "computed":
            rid = src[len(_COMPUTED) :]
            if pending:
                source = f"computed `{rid}`: pending ({_pending_reason(register, rid)})"
            else:
                module = register.collected.sources.get(rid, "?")
                source = (
                    f"computed `{rid}` ({module}): {_computed_value(register, rid, r['rule_id'])};"
                    f" rule `{r['rule_id']}`, interval {r['outcome']} the null"
                )
                if r["evidence_id"] in register.illustrative:
                    source += (
                        "; illustration on synthetic data "
                        f"({', '.join(register.synthetic.get(rid, ()))}), not counted"
                    )
        else:
            source = _cite(src)
        se, a = r["sensitivity"], r["type1_error"]
        out.append(
            {
                "evidence": r["evidence_id"],
                "site": str(r["site"]).replace("_", " "),
                "kind": str(r["kind"]).replace("_", " "),
                "n": "" if pd.isna(r["n"]) else str(int(r["n"])),
                "observed": r["description"],
                "direction": "pending" if pending else r["direction"],
                "test type": "pending" if pending else ca.classify_test(float(se), float(a)),
                "sensitivity": _prob(se),
                "type I error": _prob(a),
                "LR": "" if pending else f"{float(se) / float(a):.2f}",
                "counted": ""
                if pending
                else "no (synthetic data)"
                if r["evidence_id"] in register.illustrative
                else ("yes" if r["evidence_id"] in counted else "no"),
                "source": source,
                "justification": r["justification"],
            }
        )
    cols = [
        "evidence",
        "site",
        "kind",
        "n",
        "observed",
        "direction",
        "test type",
        "sensitivity",
        "type I error",
        "LR",
        "counted",
        "source",
        "justification",
    ]
    return pd.DataFrame(out, columns=cols).set_index("evidence")


def _rivals_display(rivals: Sequence[ca.Rival]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rival": [r.label for r in rivals],
            "status": [r.status.replace("_", " ") for r in rivals],
            "evidence for": ["; ".join(str(x) for x in r.evidence_for) for r in rivals],
            "evidence against": ["; ".join(str(x) for x in r.evidence_against) for r in rivals],
            "why this status": [r.status_reason for r in rivals],
        },
        index=pd.Index([r.id for r in rivals], name="id"),
    )


def claim_status(posterior: float) -> str:
    """``supported``, ``uncertain`` or ``not_supported`` for a posterior (see :data:`SUPPORTED`).

    Parameters
    ----------
    posterior
        A probability.

    Returns
    -------
    str

    """
    p = float(posterior)
    if not 0.0 <= p <= 1.0:
        raise MethodInputError(f"posterior must be in [0, 1]; got {posterior!r}")
    return "supported" if p >= SUPPORTED else "not_supported" if p < UNSUPPORTED else "uncertain"


# --------------------------------------------------------------------------- figures


def sensitivity_figure(
    claim: ca.Claim, rows: pd.DataFrame, *, illustrative: Any = ()
) -> plots.Figure:
    """Posterior against prior, and its range when each judgement moves by ±0.1.

    Parameters
    ----------
    claim
        The claim.
    rows
        Its evidence rows (pending rows are ignored).
    illustrative
        Evidence ids left out of the headline (computed from synthetic data).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, with alt text.

    """
    sweep = ca.sensitivity_sweep(claim, rows, illustrative=illustrative)
    by_prior = sweep[sweep["scenario"] == "prior"]
    base = float(sweep.loc[sweep["scenario"] == "elicited", "posterior"].iloc[0])
    pert = sweep[sweep["scenario"] == "perturbed"]
    fig, (ax, ax2) = plots.new_figure(1, 2, figsize=(10, 4))
    ax.plot([0, 1], [0, 1], ls=":", color="#999999", lw=1, label="no evidence (posterior = prior)")
    ax.plot(
        by_prior["prior"],
        by_prior["posterior"],
        marker="o",
        color=plots.PALETTE[0],
        label="posterior",
    )
    ax.scatter([claim.prior], [base], s=80, color=plots.PALETTE[5], zorder=3, label="prior used")
    for cut in (UNSUPPORTED, SUPPORTED, 0.9):
        ax.axhline(cut, color="#BBBBBB", lw=0.8, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize=7)
    if pert.empty:
        ax2.text(0.5, 0.5, "no usable evidence", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_yticks([])
        widest = None
    else:
        rng = pert.groupby("evidence_id", sort=False)["posterior"].agg(["min", "max"]).reset_index()
        for i, r in enumerate(rng.itertuples()):
            ax2.plot([r.min, r.max], [i, i], color=plots.PALETTE[0], lw=3, marker="|", ms=8)
        ax2.axvline(base, color=plots.PALETTE[5], lw=1)
        ax2.set_yticks(range(len(rng)), rng["evidence_id"].tolist(), fontsize=7)
        ax2.invert_yaxis()
        rng["width"] = rng["max"] - rng["min"]
        widest = rng.sort_values(["width", "evidence_id"], ascending=[False, True]).iloc[0]
    ax2.set_xlim(0, 1)
    ax2.set_title("One judgement moved by ±0.1", fontsize=9)
    ax2.set_xlabel("Posterior probability")
    ax2.set_ylabel("Evidence item")
    lo = float(pert["posterior"].min()) if not pert.empty else base
    hi = float(pert["posterior"].max()) if not pert.empty else base
    p_lo = float(by_prior["posterior"].iloc[0])
    p_hi = float(by_prior["posterior"].iloc[-1])
    alt = (
        f"Two-panel chart for {claim.finding}. Left: the posterior probability that CCS "
        f"contributed rises from {p_lo:.2f} at a prior of {by_prior['prior'].iloc[0]:.1f} to "
        f"{p_hi:.2f} at a prior of {by_prior['prior'].iloc[-1]:.1f}; at the prior used, "
        f"{claim.prior:.1f}, it is {base:.2f} ({ca.verbal_confidence(base)}). Right: moving any "
        f"one elicited sensitivity or type I error by 0.1 keeps it between {lo:.2f} and {hi:.2f}"
        + (
            f"; the most influential item is {widest['evidence_id']} ({widest['min']:.2f} to "
            f"{widest['max']:.2f})."
            if widest is not None
            else "; no evidence is usable yet."
        )
    )
    plots.finish(
        fig,
        ax,
        title=f"Sensitivity, {claim.finding}",
        xlabel="Prior probability before the evidence",
        ylabel="Posterior probability",
        source="params/contribution (evidence register, judgements elicited from the reports;"
        " computed items from synthetic data left out)",
        alt=alt,
    )
    return fig


def posterior_chart(table: pd.DataFrame) -> plots.Figure:
    """Posterior of every claim with its range under ±0.1 perturbations, on the verbal scale.

    Parameters
    ----------
    table
        :func:`synthesis_table` output.

    Returns
    -------
    matplotlib.figure.Figure
        With alt text.

    """
    n = len(table)
    fig, ax = plots.new_figure(figsize=(9, max(3.0, 0.38 * n + 1.6)))
    bands = [(0.0, UNSUPPORTED), (UNSUPPORTED, SUPPORTED), (SUPPORTED, 0.9), (0.9, 1.0)]
    for k, (a, b) in enumerate(bands):
        ax.axvspan(a, b, color="#F2F2F2" if k % 2 else "#FFFFFF", zorder=0)
    for cut in (UNSUPPORTED, SUPPORTED, 0.9):
        ax.axvline(cut, color="#BBBBBB", lw=0.8, ls="--", zorder=1)
    colours = {1: plots.PALETTE[4], 2: plots.PALETTE[0]}
    labels = [f"{r.finding}" for r in table.itertuples()]
    for i, r in enumerate(table.itertuples()):
        c = colours.get(int(r.year), plots.PALETTE[7])
        ax.plot([r.posterior_min, r.posterior_max], [i, i], color=c, lw=2.5, zorder=2)
        ax.scatter([r.posterior], [i], color=c, s=40, zorder=3, edgecolor="black", lw=0.5)
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -1.5)
    for a, label in (
        (UNSUPPORTED / 2, "unlikely"),
        ((UNSUPPORTED + SUPPORTED) / 2, "about as\nlikely as not"),
        ((SUPPORTED + 0.9) / 2, "likely"),
        (0.95, "very\nlikely"),
    ):
        ax.text(a, -1.0, label, ha="center", va="center", fontsize=7, color="#555555")
    ax.legend(
        handles=[Patch(color=colours[1], label="year 1"), Patch(color=colours[2], label="year 2")],
        loc="lower left",
        fontsize=8,
    )
    strongest = table.sort_values(["posterior", "claim_id"], ascending=[False, True]).iloc[0]
    weakest = table.sort_values(["posterior", "claim_id"], ascending=[True, True]).iloc[0]
    counts = table["status"].value_counts()
    plots.finish(
        fig,
        ax,
        title="Confidence that CCS contributed, per claim",
        xlabel="Posterior probability (dot) and range when one judgement moves by ±0.1 (bar)",
        ylabel="",
        source="params/contribution (headline posteriors: computed items from synthetic data "
        "left out)",
        alt=(
            f"Dot-and-range chart of the posterior probability for {n} contribution claims on "
            f"a scale from 0 to 1 with the verbal bands marked. {int(counts.get('supported', 0))}"
            f" claims are at {SUPPORTED} or above, {int(counts.get('uncertain', 0))} between "
            f"{UNSUPPORTED} and {SUPPORTED}, {int(counts.get('not_supported', 0))} below "
            f"{UNSUPPORTED}. Highest: {strongest['finding']} at {strongest['posterior']:.2f}; "
            f"lowest: {weakest['finding']} at {weakest['posterior']:.2f}."
        ),
    )
    return fig


def _node_status(toc: ca.TheoryOfChange, table: pd.DataFrame) -> dict[str, str]:
    out = {}
    for n in toc.nodes:
        statuses = set(table.loc[table["node"] == n.id, "status"])
        if not statuses:
            out[n.id] = "no_claim"
        elif len(statuses) == 1:
            out[n.id] = statuses.pop()
        else:
            out[n.id] = "uncertain"
    return out


def _ordered_layers(toc: ca.TheoryOfChange, g: nx.DiGraph) -> dict[int, list[str]]:
    """Nodes per level column, ordered to reduce crossings (barycentre sweeps, deterministic)."""
    order = {n.id: i for i, n in enumerate(toc.nodes)}
    layers: dict[int, list[str]] = {}
    for n in toc.nodes:
        layers.setdefault(toc.levels.index(n.level), []).append(n.id)
    layers = dict(sorted(layers.items()))
    keys = list(layers)

    def place() -> dict[str, float]:
        return {
            v: i / max(1, len(layer) - 1) for layer in layers.values() for i, v in enumerate(layer)
        }

    def sweep(ks: list[int], neighbours: Any) -> None:
        for k in ks:
            at = place()

            def key(v: str, k: int = k, at: dict[str, float] = at) -> tuple[float, int]:
                near = [at[u] for u in neighbours(v) if g.nodes[u]["rank"] != k]
                return (sum(near) / len(near) if near else at[v], order[v])

            layers[k] = sorted(layers[k], key=key)

    for _ in range(2):
        sweep(keys[1:], g.predecessors)
        sweep(keys[-2::-1], g.successors)
    return layers


def theory_of_change_figure(toc: ca.TheoryOfChange, table: pd.DataFrame) -> plots.Figure:
    """The theory of change as a diagram: levels as columns, nodes coloured by claim support.

    Parameters
    ----------
    toc
        The theory of change.
    table
        :func:`synthesis_table` output (``node``, ``status``, ``posterior``).

    Returns
    -------
    matplotlib.figure.Figure
        Laid out with :func:`networkx.multipartite_layout` (one column per level), with alt
        text naming the supported, uncertain and unsupported outcomes.

    """
    g = toc.graph()
    rank = {lv: i for i, lv in enumerate(toc.levels)}
    for _node, data in g.nodes(data=True):
        data["rank"] = rank[data["level"]]
    layers = _ordered_layers(toc, g)
    # multipartite_layout stacks each layer bottom-up: reverse so the first node is on top
    pos = nx.multipartite_layout(
        g, subset_key={k: v[::-1] for k, v in layers.items()}, align="vertical", scale=1.0
    )
    status = _node_status(toc, table)
    claim_text: dict[str, list[str]] = {}
    for r in table.itertuples():
        tag = re.sub(r"^Year (\d) key finding (\d+)$", r"Y\1 KF\2", str(r.finding))
        if tag == r.finding:
            tag = r.claim_id
        claim_text.setdefault(r.node, []).append(f"{tag}: {r.posterior:.2f}")
    fig, ax = plots.new_figure(figsize=(15, 10))
    xs = sorted({p[0] for p in pos.values()})
    boxes = {}
    for n in toc.nodes:
        x, y = pos[n.id]
        label = textwrap.fill(n.label.split(" (")[0], 24)
        if n.id in claim_text:
            label += "\n" + "\n".join(claim_text[n.id])
        boxes[n.id] = ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=6,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": STATUS_COLOURS[status[n.id]],
                "edgecolor": "#555555",
                "lw": 0.6,
            },
        )
    for u, v in g.edges():
        same = g.nodes[u]["rank"] == g.nodes[v]["rank"]
        # links within a level bow out to the right so they do not run through other boxes
        start, end = ((1.0, 0.5), (1.0, 0.5)) if same else ((1.0, 0.5), (0.0, 0.5))
        down = pos[v][1] < pos[u][1]
        style = f"arc3,rad={-0.5 if down else 0.5}" if same else "arc3,rad=0"
        ax.annotate(
            "",
            xy=end,
            xycoords=boxes[v],
            xytext=start,
            textcoords=boxes[u],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#777777",
                "lw": 0.5,
                "alpha": 0.7,
                "connectionstyle": style,
            },
            zorder=1,
        )
    top = max(p[1] for p in pos.values())
    for lv, x in zip(toc.levels, xs, strict=False):
        ax.text(
            x, top + 0.12, lv.replace("_", " "), ha="center", va="bottom", fontsize=8, weight="bold"
        )
    ax.set_xlim(min(xs) - 0.25, max(xs) + 0.25)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.12, top + 0.2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.legend(
        handles=[
            Patch(facecolor=STATUS_COLOURS[k], edgecolor="#555555", label=v)
            for k, v in STATUS_LABELS.items()
        ],
        loc="lower center",
        ncol=4,
        fontsize=7,
        bbox_to_anchor=(0.5, -0.06),
    )

    def names(kind: str) -> str:
        ids = [n for n in status if status[n] == kind]
        return "; ".join(toc.node(i).label.split(" (")[0] for i in ids) or "none"

    counts = {k: sum(1 for s in status.values() if s == k) for k in STATUS_LABELS}
    plots.finish(
        fig,
        ax,
        title="Theory of change of CCS, coloured by the support for the claims on each outcome",
        xlabel="Causal order: activities (left) to long-term impact (right)",
        ylabel="",
        source="params/contribution/theory_of_change.yml (from the year 1 and year 2 reports)",
        alt=(
            f"Diagram of the theory of change: {g.number_of_nodes()} boxes in "
            f"{len(toc.levels)} columns ({', '.join(lv.replace('_', ' ') for lv in toc.levels)})"
            f" joined by {g.number_of_edges()} arrows. {counts['supported']} outcomes carry "
            f"claims that are supported: {names('supported')}. {counts['uncertain']} are "
            f"uncertain or mixed: {names('uncertain')}. {counts['not_supported']} are not "
            f"supported: {names('not_supported')}. {counts['no_claim']} boxes carry no claim."
        ),
    )
    return fig


# --------------------------------------------------------------------------- synthesis


def _strongest_test(table: pd.DataFrame) -> str:
    if table.empty:
        return "none"
    t = table.assign(strength=table["likelihood_ratio"].map(lambda v: abs(math.log(v))))
    r = t.sort_values(["strength", "evidence_id"], ascending=[False, True]).iloc[0]
    return f"{r['evidence_id']}: {r['test_type']} (LR {r['likelihood_ratio']:.2f})"


def _main_rival(claim_id: str, rivals: Sequence[ca.Rival]) -> str:
    mine = [r for r in rivals if claim_id in r.claims]
    if not mine:
        return "no rival recorded"
    open_ = [r for r in mine if r.status in ca.OPEN_RIVAL_STATUSES]
    if not open_:
        return f"none open ({len(mine)} weakened or ruled out)"
    best = min(enumerate(open_), key=lambda t: (_RIVAL_ORDER[t[1].status], t[0]))[1]
    return f"{best.label} ({best.status.replace('_', ' ')})"


def synthesis_table(register: Register) -> pd.DataFrame:
    """One row per claim with its numbers (for charts and tests) and reader-facing summaries.

    Parameters
    ----------
    register
        The resolved register.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`ccs_methods.methods.contribution.synthesis` (``posterior`` is the
        headline, without computed items from synthetic data; ``posterior_illustration`` counts
        them) plus ``status``
        (:func:`claim_status`), ``fragile`` (the verbal label differs at the two ends of the
        ±0.1 range), ``strongest_test`` and ``main_rival``.

    """
    syn = ca.synthesis(
        register.toc, register.evidence, register.rivals, illustrative=register.illustrative
    )
    strongest, rivals, fragile, status = [], [], [], []
    for c, r in zip(register.toc.claims, syn.itertuples(), strict=True):
        s = ca.contribution_summary(c, register.evidence, illustrative=register.illustrative)
        strongest.append(_strongest_test(s["table"]))
        rivals.append(_main_rival(c.id, register.rivals))
        fragile.append(
            ca.verbal_confidence(r.posterior_min) != ca.verbal_confidence(r.posterior_max)
        )
        status.append(claim_status(r.posterior))
    return syn.assign(status=status, fragile=fragile, strongest_test=strongest, main_rival=rivals)


ILLUSTRATION_COLUMN = "illustration on synthetic data (not evidence)"
"""Column of the posterior that the computed items from synthetic data would give."""


def _add_illustration(display: pd.DataFrame, t: pd.DataFrame, after: str) -> pd.DataFrame:
    """Insert :data:`ILLUSTRATION_COLUMN` after column ``after`` when any claim has such items."""
    if not int(t["n_illustrative"].sum()):
        return display
    values = [
        f"{p:.2f} ({n} synthetic item{'s' if n > 1 else ''})" if n else "no synthetic item"
        for p, n in zip(t["posterior_illustration"], t["n_illustrative"], strict=True)
    ]
    display.insert(display.columns.get_loc(after) + 1, ILLUSTRATION_COLUMN, values)
    return display


def _synthetic_note(register: Register, claim_ids: Sequence[str]) -> str | None:
    """Admonition saying the headline leaves out computed items from synthetic data, or None."""
    ev = register.evidence
    mine = ev[ev["claim_id"].isin(list(claim_ids)) & ev["evidence_id"].isin(register.illustrative)]
    if mine.empty:
        return None
    names = sorted(
        {
            d
            for src in mine["source"]
            for d in register.synthetic.get(str(src)[len(_COMPUTED) :], ())
        }
    )
    return pages.admonition(
        "important",
        "Headline confidence rests on the reports, not on synthetic data",
        f"{len(mine)} computed item(s) ({', '.join(mine['evidence_id'])}) come from synthetic "
        f"stand-in data ({', '.join(names)}). Synthetic data is not evidence about CCS "
        "(see the limitations page), so the *posterior* and the *confidence* shown here leave "
        "them out: they rest on the reports' evidence and on computed evidence from real data "
        f"only. The column *{ILLUSTRATION_COLUMN}* shows what those items would do to the "
        "posterior, to illustrate the method. When `params/programme.yml` sets the datasets to "
        "`raw`, the computed evidence counts in the headline.",
    )


def synthesis_section(register: Register) -> Section:
    """The programme synthesis: one row per claim, and the chart of posteriors.

    Parameters
    ----------
    register
        The resolved register.

    Returns
    -------
    Section
        Table (one row per claim), chart, and ``results`` with each claim's posterior and range
        keyed ``contribution.<claim_id>``.

    """
    t = register.table
    display = pd.DataFrame(
        {
            "year": t["year"].to_numpy(),
            "sites": t["sites"].str.replace("_", " ").to_numpy(),
            "posterior": [f"{v:.2f}" for v in t["posterior"]],
            "confidence that CCS contributed": t["verbal"].to_numpy(),
            "range (±0.1)": [
                f"{a:.2f} to {b:.2f}" + (" (fragile)" if f else "")
                for a, b, f in zip(
                    t["posterior_min"], t["posterior_max"], t["fragile"], strict=True
                )
            ],
            "evidence items": t["n_items"].to_numpy(),
            "supporting": t["n_supporting"].to_numpy(),
            "challenging": t["n_challenging"].to_numpy(),
            "pending": t["n_pending"].to_numpy(),
            "independent groups": t["n_groups"].to_numpy(),
            "strongest test": t["strongest_test"].to_numpy(),
            "main remaining rival": t["main_rival"].to_numpy(),
        },
        index=pd.Index(t["finding"].to_numpy(), name="claim"),
    )
    display = _add_illustration(display, t, "range (±0.1)")
    results = {
        f"contribution.{r.claim_id}": {
            "posterior": float(r.posterior),
            "posterior_min": float(r.posterior_min),
            "posterior_max": float(r.posterior_max),
            "n_items": int(r.n_items),
            "n_pending": int(r.n_pending),
            "posterior_illustration": float(r.posterior_illustration),
            "n_illustrative": int(r.n_illustrative),
        }
        for r in t.itertuples()
    }
    n_pending = int(t["n_pending"].sum())
    fragile = t.loc[t["fragile"], "finding"].tolist()
    markdown = [
        "Each claim starts at a prior of 0.5 and is updated on its evidence (one likelihood "
        "ratio per independence group; see the methods page). *Range* is the lowest and highest "
        "posterior when any one elicited sensitivity or type I error moves by 0.1; a claim is "
        "*fragile* when that changes its verbal label. *Strongest test* is the item with the "
        "largest likelihood ratio in either direction.",
    ]
    if fragile:
        markdown.append(f"Fragile conclusions ({len(fragile)}): " + "; ".join(fragile) + ".")
    note = _synthetic_note(register, t["claim_id"].tolist())
    if note:
        markdown.append(note)
    if n_pending:
        markdown.append(
            pages.admonition(
                "warning",
                "Computed evidence pending",
                f"{n_pending} computed item(s) have no result yet and are left out of the "
                "posteriors (not counted as neutral). See *Computed evidence* below.",
            )
        )
    return Section(
        "Confidence per claim",
        pd.DataFrame(),
        banner=register.synthetic_banner(register.synthetic),
        table=display,
        figure=posterior_chart(t),
        markdown=markdown,
        results=results,
    )


def computed_evidence_section(register: Register) -> Section:
    """Every computed item of the register: its result, the rule applied, or why it is pending.

    Parameters
    ----------
    register
        The resolved register.

    Returns
    -------
    Section
        Markdown listing the analysis modules asked and their problems, and a table of the
        computed items; ``results`` holds the results used.

    """
    rows = register.evidence[register.evidence["kind"] == "computed"]
    table = evidence_display(register, rows)[
        ["site", "direction", "test type", "sensitivity", "type I error", "LR", "source"]
    ]
    table.insert(0, "claim", rows["claim_id"].to_numpy())
    used = {
        rid: register.collected.results[rid]
        for rid in sorted(str(s)[len(_COMPUTED) :] for s in rows["source"])
        if rid in register.collected.results
    }
    n_pending = int((rows["sensitivity"].isna()).sum())
    markdown = [
        f"{len(rows)} items of the register come from the book's own analyses; "
        f"{len(rows) - n_pending} have a result and {n_pending} are pending. Their direction and "
        "probabilities are set by the rules in `theory_of_change.yml`, never typed in. The "
        "analyses asked:\n\n" + register.collected.describe(),
    ]
    if register.problems:
        markdown.append(
            pages.admonition(
                "warning",
                "Results that could not be used",
                "\n".join(f"- {p}" for p in register.problems),
            )
        )
    return Section(
        "Computed evidence",
        pd.DataFrame(),
        banner=register.synthetic_banner(used),
        table=table,
        markdown=markdown,
        results=used,
    )


def theory_of_change_section(register: Register) -> Section:
    """The theory of change drawn as a diagram, coloured by the support for its claims.

    Parameters
    ----------
    register
        The resolved register.

    Returns
    -------
    Section

    """
    t = register.table
    fig = theory_of_change_figure(register.toc, t)
    md = (
        "Boxes are the outcomes of the theory of change, from activities (left) to long-term "
        "impact (right); arrows are the causal links. A box is green when every claim on it has "
        f"a posterior of {SUPPORTED} or more, orange when uncertain or mixed, red when below "
        f"{UNSUPPORTED}, grey when no claim has been made about it. Each box lists its claims "
        "with their posterior. Confidence is assessed claim by claim: a box does not inherit "
        "the confidence of the boxes before it."
    )
    return Section("Theory of change", pd.DataFrame(), figure=fig, markdown=[md])


def _assumption_number(aid: str) -> str | None:
    m = re.match(r"^as(\d+)", aid)
    return f"A{m.group(1)}" if m else None


def assumptions_section(register: Register, *, data_dir: str | Path | None = None) -> Section:
    """The eight assumptions of the year 2 logic model, their verdicts, and the claims they affect.

    Verdicts come from ``theory_of_change.yml`` and are checked against the published table
    ``data/published/assumptions.csv`` (E17); a disagreement is reported, not hidden.

    Parameters
    ----------
    register
        The resolved register.
    data_dir
        The data folder holding ``published/assumptions.csv`` (default: the project's).

    Returns
    -------
    Section

    """
    from ccs_methods.data import published

    toc = register.toc
    g = toc.graph()
    t = register.table
    notes: list[str] = []
    try:
        pub = published.load_assumptions(data_dir=data_dir)
        pub_verdicts = {
            str(r["assumption_id"]): _PUBLISHED_VERDICTS.get(
                str(r["verdict_short"]), str(r["verdict_short"])
            )
            for _, r in pub.iterrows()
        }
    except CCSInputError as exc:
        pub_verdicts = {}
        notes.append(f"The published assumptions table could not be read: {exc}")
    rows = []
    for a in toc.assumptions:
        targets = {lid.split("->", 1)[1] for lid in a.links}
        affected = [
            r.finding
            for r in t.itertuples()
            if r.node in targets or targets & set(nx.ancestors(g, r.node))
        ]
        num = _assumption_number(a.id)
        if num and num in pub_verdicts and pub_verdicts[num] != a.verdict:
            notes.append(
                f"{num}: the register records {_VERDICTS.get(a.verdict, a.verdict)!r} but the "
                f"published table has {_VERDICTS.get(pub_verdicts[num], pub_verdicts[num])!r}."
            )
        elif num and pub_verdicts and num not in pub_verdicts:
            notes.append(f"{num} is not in the published assumptions table.")
        rows.append(
            {
                "assumption": num or a.id,
                "text": a.text,
                "verdict (evaluators)": _VERDICTS.get(a.verdict, str(a.verdict)),
                "verdict text": a.verdict_text or "",
                "this book's reading (not a verdict)": a.evaluator_note or "",
                "links": "; ".join(a.links),
                "claims downstream": "; ".join(affected),
            }
        )
    table = pd.DataFrame(rows).set_index("assumption")
    no_verdict = [r["assumption"] for r in rows if r["verdict (evaluators)"] == _VERDICTS[None]]
    md = (
        f"The year 2 logic model rests on {len(rows)} assumptions. The evaluators' table "
        "'Revisiting assumptions' gives a verdict on "
        f"{len(rows) - len(no_verdict)}; the extracted report has none for "
        f"{', '.join(no_verdict) or 'none'}, which carry this book's reading of related "
        "findings instead, labelled as such. *Claims downstream* are the claims whose pathway "
        "runs through the assumption's links."
    )
    markdown = [md]
    if notes:
        markdown.append(
            pages.admonition(
                "warning", "Register and published table differ", "\n".join(f"- {n}" for n in notes)
            )
        )
    else:
        markdown.append(
            "The verdicts agree with the published assumptions table (E17, "
            "`data/published/assumptions.csv`)."
        )
    return Section("Assumptions", pd.DataFrame(), table=table, markdown=markdown)


def programme_synthesis(
    params: Params,
    *,
    folder: str | Path | None = None,
    register: Register | None = None,
    collected: CollectedResults | None = None,
) -> dict[str, Section]:
    """The programme-level synthesis page, as named sections.

    Parameters
    ----------
    params
        Project parameters.
    folder
        A contribution register folder (default ``params/contribution``).
    register
        A register already loaded (then ``folder`` and ``collected`` are ignored).
    collected
        Computed results to use (default: collected from the analysis modules).

    Returns
    -------
    dict of str to Section
        ``claims`` (:func:`synthesis_section`), ``computed``
        (:func:`computed_evidence_section`), ``theory_of_change``
        (:func:`theory_of_change_section`) and ``assumptions`` (:func:`assumptions_section`).

    """
    if register is None:
        register = load_register(params, folder=folder, collected=collected)
    return {
        "claims": synthesis_section(register),
        "computed": computed_evidence_section(register),
        "theory_of_change": theory_of_change_section(register),
        "assumptions": assumptions_section(register),
    }


# --------------------------------------------------------------------------- site-year page


def no_evidence_note(ctx: PageContext, toc: ca.TheoryOfChange) -> str:
    """The note shown when no claim or evidence has been recorded for the site and year.

    Parameters
    ----------
    ctx
        The page context.
    toc
        The theory of change (its outcomes for the year say what would be needed).

    Returns
    -------
    str
        A MyST admonition.

    """
    y = ctx.year.number
    targets = [n for n in toc.nodes if n.level == f"year{y}_outcome"]
    lines = [
        f"No contribution evidence has been recorded for {ctx.site.display_name} in "
        f"{ctx.year.label} ({ctx.period_text()}): the evidence register "
        f"(`params/contribution/evidence.csv`) has no rows for year {y} and the theory of change "
        f"has no claims for it. The reports cover years 1 and 2 only.",
        "",
        "What would be needed:",
    ]
    if targets:
        lines.append(
            f"- **Claims** in `theory_of_change.yml` for the year {y} outcomes of the evolved "
            "logic model: " + "; ".join(f"*{n.label}* (`{n.id}`)" for n in targets) + "."
        )
    else:
        lines.append(f"- **Claims** in `theory_of_change.yml` for the outcomes of year {y}.")
    lines += [
        f"- **Evidence rows** with year {y}: monitoring returns of funded organisations, "
        "interviews, a repeat of the local systems survey, and activity logs, each with its "
        "sensitivity, type I error and justification.",
        f"- **Computed rows** (`computed:<id>`) for the year {y} analyses: referral series and "
        "networks, LWA/DAF award trends. Once the data for the year is in `data/`, the analyses "
        "give their results and the rules turn them into evidence without anything typed in.",
        "- **Rival statuses** updated for the year (for example national schemes that began in "
        "it).",
        "",
        "Then rebuild the book; this page fills in. See `params/contribution/README.md`, "
        "'Adding evidence'.",
    ]
    return pages.admonition(
        "note", f"No contribution evidence yet for {ctx.year.label}", "\n".join(lines)
    )


def _overview_section(
    ctx: PageContext, register: Register, claims: list[ca.Claim], empty: list[ca.Claim]
) -> Section:
    t = register.table
    t = t[t["claim_id"].isin([c.id for c in claims])]
    site = ctx.site.id
    here = [int((register.claim_rows(c.id)["site"] == site).sum()) for c in claims]
    table = pd.DataFrame(
        {
            "claim": [c.text for c in claims],
            "posterior": [f"{v:.2f}" for v in t["posterior"]],
            "confidence that CCS contributed": t["verbal"].to_numpy(),
            "range (±0.1)": [
                f"{a:.2f} to {b:.2f}"
                for a, b in zip(t["posterior_min"], t["posterior_max"], strict=True)
            ],
            "items (about this site)": [
                f"{n} ({h})" for n, h in zip(t["n_items"], here, strict=True)
            ],
            "pending": t["n_pending"].to_numpy(),
            "main remaining rival": t["main_rival"].to_numpy(),
        },
        index=pd.Index([c.finding for c in claims], name="finding"),
    )
    table = _add_illustration(table, t, "range (±0.1)")
    md = [
        f"{len(claims)} contribution claim(s) of {ctx.year.label} concern "
        f"{ctx.site.display_name} (claims about all pilot sites or the programme as a whole "
        "included). Each starts at a prior of 0.5, *no lean either way*, and is updated on its "
        "evidence by Bayes' theorem; the posterior is the probability that CCS contributed as "
        "claimed, reported with the IPCC likelihood words (≥ 0.99 virtually certain, 0.90 very "
        "likely, 0.66 likely, 0.33 about as likely as not, 0.10 unlikely). Most claims cover "
        "several sites: their confidence rests on the evidence from all of them, and the "
        "evidence tables mark the site of each item.",
    ]
    note = _synthetic_note(register, [c.id for c in claims])
    if note:
        md.append(note)
    if empty:
        md.append(
            pages.admonition(
                "note",
                "Claims without evidence",
                "No evidence has been recorded yet for: "
                + "; ".join(f"{c.finding} ({c.text})" for c in empty)
                + ". They are not shown below.",
            )
        )
    pending_claims = [
        c.finding for c in claims if t.loc[t["claim_id"] == c.id, "n_pending"].iloc[0]
    ]
    if pending_claims or register.problems:
        body = []
        if pending_claims:
            body.append(
                "Computed evidence is pending (left out of the posterior, not counted as "
                "neutral) for: " + "; ".join(pending_claims) + "."
            )
        probs = [p for p in register.collected.problems]
        if probs:
            body.append("Analyses that gave no result:\n" + "\n".join(f"- {p}" for p in probs))
        body += [f"- {p}" for p in register.problems]
        md.append(pages.admonition("warning", "Computed evidence pending", "\n\n".join(body)))
    return Section(
        f"Contribution claims, {ctx.site.display_name}, {ctx.year.label}",
        pd.DataFrame(),
        banner=register.synthetic_banner([r for c in claims for r in register.used_results(c.id)]),
        table=table,
        markdown=md,
    )


def claim_steps(claim: ca.Claim, register: Register, site: str | None = None) -> list[Section]:
    """One claim in Mayne's six steps, as six sections in order.

    Parameters
    ----------
    claim
        The claim.
    register
        The resolved register.
    site
        The page's site (items about it are counted in the text), or None.

    Returns
    -------
    list of Section
        Step 1 (claim and theory-of-change link), 2 (pathway, assumptions, rivals named),
        3 (evidence from the reports, as a table), 4 (posterior, verbal confidence, strongest
        items and the rivals' status, as a table), 5 (computed evidence with value, interval and
        rule, or pending; ``results`` holds the results used), 6 (sensitivity figure).

    """
    toc = register.toc
    rows = register.claim_rows(claim.id)
    steps = ca.mayne_steps(
        claim, toc, register.evidence, register.rivals, illustrative=register.illustrative
    )
    node = toc.node(claim.node)
    head = [
        f"#### Step {s['step']}. {s['title']}\n\n*{s['question']}* {s['summary']}" for s in steps
    ]
    head[0] = f"#### Step 1. {steps[0]['title']}\n\n*{steps[0]['question']}*"
    link_label = {
        lk.id: f"{toc.node(lk.source_node).label.split(' (')[0]} → "
        f"{toc.node(lk.target).label.split(' (')[0]}"
        for lk in toc.links
    }
    d1, d2, _d3, d4, d5, d6 = (s["details"] for s in steps)
    n_here = int((rows["site"] == site).sum()) if site else 0
    site_text = (
        f" {n_here} of its {len(rows)} evidence items are about this site; the rest are "
        "programme-level or from other sites."
        if site
        else ""
    )
    s1 = Section(
        f"{claim.finding}: the claim",
        pd.DataFrame(),
        markdown=[
            f"### {claim.finding}\n\n> {claim.text}",
            head[0]
            + f"\n\n- Outcome in the theory of change: **{node.label}** (`{node.id}`, level "
            f"*{node.level.replace('_', ' ')}*)\n- Sites: {_site_names(claim.sites)}; "
            f"programme year {claim.year}; prior {claim.prior:.2f}\n"
            f"- Source: {_cite(d1['source'])}.{site_text}",
        ],
    )
    asm = "\n".join(
        f"- {_assumption_number(a['id']) or a['id']}: {a['text']} Verdict: "
        f"**{_VERDICTS.get(a['verdict'], a['verdict'])}**"
        + (f" ({a['verdict_text']})" if a["verdict_text"] else "")
        + (
            f" This book's reading, not a verdict: {a['evaluator_note']}"
            if a["evaluator_note"]
            else ""
        )
        for a in d2["assumptions"]
    )
    links_in = "\n".join(f"- {link_label[lid]}" for lid in d2["incoming_links"]) or "- none"
    rivals_named = ", ".join(
        f"{r['label']} ({r['status'].replace('_', ' ')})" for r in d2["rivals"]
    )
    s2 = Section(
        f"{claim.finding}: theory of change and risks",
        pd.DataFrame(),
        markdown=[
            head[1]
            + f"\n\nLinks into the outcome:\n{links_in}\n\n"
            + (
                f"Assumptions on the pathway:\n{asm}\n\n"
                if asm
                else "No assumption on the pathway.\n\n"
            )
            + (f"Rival explanations: {rivals_named}." if rivals_named else "No rival recorded.")
        ],
    )
    reports = rows[rows["kind"] != "computed"]
    s3 = Section(
        f"{claim.finding}: evidence from the reports",
        pd.DataFrame(),
        markdown=[
            head[2]
            + " *Sensitivity* is P(evidence | CCS contributed), *type I error* P(evidence | it "
            "did not); *LR* is their ratio; within an independence group only the strongest item "
            "each way is *counted*."
        ],
        table=evidence_display(register, reports) if not reports.empty else None,
    )
    my_rivals = [r for r in register.rivals if claim.id in r.claims]
    sup = (
        ", ".join(
            f"{i['evidence_id']} ({i['test_type']}, LR {i['likelihood_ratio']:.2f})"
            for i in d4["strongest_support"]
        )
        or "none"
    )
    chal = (
        ", ".join(
            f"{i['evidence_id']} ({i['test_type']}, LR {i['likelihood_ratio']:.2f})"
            for i in d4["strongest_challenge"]
        )
        or "none"
    )
    weak = ", ".join(_assumption_number(a) or a for a in d4["weak_assumptions"]) or "none"
    s4 = Section(
        f"{claim.finding}: contribution story",
        pd.DataFrame(),
        markdown=[
            head[3]
            + "\n\n"
            + f"- Strongest support: {sup}\n- Strongest challenge: {chal}\n"
            + f"- Assumptions on the pathway with a weak or no verdict: {weak}\n"
            + (
                f"- Open rivals: {len(d4['open_rivals'])} of {len(my_rivals)} (table below)"
                if my_rivals
                else "- No rival explanation has been recorded for this claim."
            )
        ],
        table=_rivals_display(my_rivals) if my_rivals else None,
    )
    computed = rows[rows["kind"] == "computed"]
    gaps = "\n".join(f"- {g}" for g in d5["gaps"])
    s5 = Section(
        f"{claim.finding}: additional evidence",
        pd.DataFrame(),
        banner=register.synthetic_banner(register.used_results(claim.id)),
        markdown=[
            head[4]
            + (
                "\n\nThe book's own analyses add the items below."
                if len(computed)
                else "\n\nNo computed evidence is planned for this claim yet."
            )
            + (f"\n\nGaps in the evidence:\n{gaps}" if gaps else "")
        ],
        table=evidence_display(register, computed) if not computed.empty else None,
        results=register.used_results(claim.id),
    )
    by_prior = ", ".join(f"{r['prior']:.1f} → {r['posterior']:.2f}" for r in d6["by_prior"])
    s6 = Section(
        f"{claim.finding}: sensitivity",
        pd.DataFrame(),
        markdown=[head[5] + f"\n\nPosterior by prior: {by_prior}."],
        figure=sensitivity_figure(claim, rows, illustrative=register.illustrative),
    )
    return [s1, s2, s3, s4, s5, s6]


def site_year_contribution(
    ctx: PageContext,
    *,
    folder: str | Path | None = None,
    register: Register | None = None,
    collected: CollectedResults | None = None,
) -> list[Section]:
    """The contribution page of one site and programme year, as sections in order.

    Parameters
    ----------
    ctx
        The page context (site, year, params).
    folder
        A contribution register folder (default ``params/contribution``).
    register
        A register already loaded (then ``folder`` and ``collected`` are ignored).
    collected
        Computed results to use (default: collected from the analysis modules).

    Returns
    -------
    list of Section
        An overview of the claims that concern the site in the year, then six sections per
        claim (:func:`claim_steps`). With no claim or no evidence for the year (year 3), a
        single section whose note says so and what would be needed.

    """
    if register is None:
        register = load_register(ctx.params, folder=folder, collected=collected)
    claims = claims_for(register.toc, ctx.site.id, ctx.year.number)
    with_evidence = [c for c in claims if not register.claim_rows(c.id).empty]
    title = f"Contribution analysis, {ctx.site.display_name}, {ctx.year.label}"
    if not with_evidence:
        return [Section(title, pd.DataFrame(), note=no_evidence_note(ctx, register.toc))]
    empty = [c for c in claims if c not in with_evidence]
    out = [_overview_section(ctx, register, with_evidence, empty)]
    for c in with_evidence:
        out += claim_steps(c, register, ctx.site.id)
    return out
