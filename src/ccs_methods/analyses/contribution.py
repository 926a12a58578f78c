"""The contribution register and the programme synthesis, as results (tables, not prose).

The register in ``params/contribution/`` (theory of change, evidence, rivals) is loaded by
:func:`load_register`, which also asks every analysis module for its computed results
(:func:`ccs_methods.analyses.results.collect_results`) and resolves the ``computed:<id>`` rows with
:func:`~ccs_methods.methods.contribution.resolve_computed`. So the evidence on the pages comes
from the analyses themselves; an analysis that has not run leaves its rows *pending*.

**Synthetic data never moves a headline.** A computed item whose result was computed from a
synthetic stand-in dataset (:func:`ccs_methods.analyses.results.datasets_for` and
:func:`~ccs_methods.data.datasets.is_synthetic`) is *illustrative*: it is shown with its value
and the rule's outcome, but the headline posterior and verbal confidence leave it out (they
rest on the reports' evidence and on computed evidence from real data only). The posterior it
would give is shown separately, labelled "illustration on synthetic data". Once
``params/programme.yml`` switches a dataset to ``raw``, its computed items count in the headline.

- :func:`synthesis_table`: one row per claim with its posterior, range, status and tests.
- :func:`programme_synthesis`: everything the programme contribution page shows (tables,
  figures and counts), with the settings of ``params/analysis.yml`` passed in.
- The site-year page (each claim in Mayne's six steps) is in
  :mod:`ccs_methods.analyses.contribution_claims`.

Every function accepts a ready :class:`Register`, so the whole synthesis can be rebuilt from
changed judgements (``load_register(params, folder=<a copy of params/contribution>)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

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
from ccs_methods.report import plots
from ccs_methods.report.contribution_figures import posterior_chart, theory_of_change_figure
from ccs_methods.report.contribution_readings import (
    assumption_label,
    cite_source,
    claim_status,
    computed_value,
    illustration_label,
    main_rival,
    range_label,
    strongest_test,
    verdict_label,
)

__all__ = [
    "ILLUSTRATION_COLUMN",
    "AssumptionsCheck",
    "ProgrammeSynthesis",
    "Register",
    "add_illustration",
    "analyses_asked",
    "assumptions_check",
    "claims_for",
    "computed_evidence_table",
    "contribution_dir",
    "evidence_display",
    "illustrative_items",
    "load_register",
    "pending_reason",
    "programme_synthesis",
    "result_site",
    "rule_for",
    "synthesis_display",
    "synthesis_table",
]

_COMPUTED = "computed:"
_PUBLISHED_VERDICTS = {"not_reported": None}

ILLUSTRATION_COLUMN = "illustration on synthetic data (not evidence)"
"""Column of the posterior that the computed items from synthetic data would give."""


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
    reported_years
        Site id to the programme years the published reports cover for it (its params
        ``datasets.published``): a programme-wide claim of a year concerns a site only if the
        reports covered the site that year (a site added later is not in those claims).

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
    reported_years: dict[str, tuple[int, ...]] | None = None

    def synthetic_datasets(self, result_ids: Any) -> list[str]:
        """The synthetic stand-in datasets behind some results, sorted (empty if all real)."""
        return sorted({d for rid in result_ids for d in self.synthetic.get(rid, ())})

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
            problems.append(f"{rid} could not be turned into evidence: {exc}")
            continue
        usable[rid] = collected.results[rid]
    evidence = ca.resolve_computed(raw, usable, toc)
    synthetic = {
        rid: tuple(
            d
            for d in datasets_for(rid, res)
            if datasets.is_synthetic(params, d, result_site(params, rid, res))
        )
        for rid, res in usable.items()
    }
    comp = evidence[(evidence["kind"] == "computed") & evidence["sensitivity"].notna()]
    illustrative = frozenset(
        str(r["evidence_id"])
        for r in comp.to_dict("records")
        if synthetic.get(str(r["source"])[len(_COMPUTED) :])
    )
    reported = {
        sid: tuple(int(y) for y in s.datasets.get("published", []))
        for sid, s in params.sites.items()
    }
    return Register(
        toc, evidence, rivals, collected, problems, folder, synthetic, illustrative, held, reported
    )


def result_site(params: Params, result_id: str, result: dict[str, Any]) -> str | None:
    """The site whose rows a computed result rests on, or None (rows of every site).

    A ``site`` key in the result wins; otherwise a component of the id that is a site of
    params (``trend.lwa.oldham``). Provenance is then judged on that site's rows only, so a
    raw extract for one site lets that site's results count while the other sites'
    synthetic results stay illustrative.

    Parameters
    ----------
    params
        Project params (the site ids).
    result_id
        A result id such as ``trend.lwa.oldham``.
    result
        The result's values.

    Returns
    -------
    str or None

    """
    sites = set(params.programme.sites)
    given = result.get("site") if isinstance(result, dict) else None
    if isinstance(given, str) and given in sites:
        return given
    for part in str(result_id).split("."):
        if part in sites:
            return part
    return None


def claims_for(
    toc: ca.TheoryOfChange,
    site: str,
    year: int,
    *,
    reported_years: dict[str, tuple[int, ...]] | None = None,
) -> list[ca.Claim]:
    """Claims of programme ``year`` that concern ``site`` (or the programme as a whole).

    Parameters
    ----------
    toc
        The theory of change.
    site
        A site id.
    year
        A programme year.
    reported_years
        Site id to the years the reports cover it (:attr:`Register.reported_years`). When
        given, a ``programme`` claim concerns ``site`` only in a year the reports covered it:
        the programme of the reports was the sites they covered, not a site added since.

    Returns
    -------
    list of Claim
        In file order: claims whose ``sites`` include ``site``, or ``programme`` (see
        ``reported_years``).

    """
    programme_ok = reported_years is None or year in reported_years.get(site, ())
    return [
        c
        for c in toc.claims
        if c.year == year and (site in c.sites or ("programme" in c.sites and programme_ok))
    ]


# --------------------------------------------------------------------------- evidence tables


def rule_for(toc: ca.TheoryOfChange, rule_id: Any) -> ca.EvidenceRule | None:
    """The evidence rule with id ``rule_id``, or None (no id, or not in the theory of change)."""
    if not rule_id or (isinstance(rule_id, float) and math.isnan(rule_id)):
        return None
    for r in toc.evidence_rules:
        if r.id == str(rule_id):
            return r
    return None


def _prob(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):.2f}"


def _num(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def pending_reason(register: Register, rid: str) -> str:
    """Why a computed result gives no evidence yet: held back, a problem, or no result."""
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
    bad = [p for p in register.problems if p.startswith(f"{rid} ")]
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
                source = f"computed {rid}: pending ({pending_reason(register, rid)})"
            else:
                module = register.collected.sources.get(rid, "?")
                value = computed_value(
                    rule_for(register.toc, r["rule_id"]), register.collected.results.get(rid, {})
                )
                source = (
                    f"computed {rid} ({module}): {value};"
                    f" rule {r['rule_id']}, interval {r['outcome']} the null"
                )
                if r["evidence_id"] in register.illustrative:
                    source += (
                        "; illustration on synthetic data "
                        f"({', '.join(register.synthetic.get(rid, ()))}), not counted"
                    )
        else:
            source = cite_source(src)
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


def computed_evidence_table(register: Register) -> pd.DataFrame:
    """Every computed item of the register: claim, direction, probabilities and source.

    Parameters
    ----------
    register
        The resolved register.

    Returns
    -------
    pandas.DataFrame
        Indexed by evidence id: ``claim``, ``site``, ``direction``, ``test type``,
        ``sensitivity``, ``type I error``, ``LR`` and ``source`` (the result's value and the
        rule applied, or ``pending`` with the reason; synthetic-data items say so).

    """
    rows = register.evidence[register.evidence["kind"] == "computed"]
    table = evidence_display(register, rows)[
        ["site", "direction", "test type", "sensitivity", "type I error", "LR", "source"]
    ]
    table.insert(0, "claim", rows["claim_id"].to_numpy())
    return table


def analyses_asked(register: Register) -> pd.DataFrame:
    """The analysis modules asked for computed results, what each gave and its problems.

    Parameters
    ----------
    register
        The resolved register (its ``collected`` results).

    Returns
    -------
    pandas.DataFrame
        One row per module: ``module``, ``results`` (ids, or ``no results``) and ``problems``
        (kind, result id and message; empty when none). Results that could not be turned into
        evidence (``register.problems``) are added as problems of their module.

    """
    col = register.collected
    extra = [p.module for p in col.problems] + list(col.sources.values())
    rows = []
    for m in dict.fromkeys([*col.modules, *extra]):
        ids = [rid for rid, src in col.sources.items() if src == m]
        probs = [
            f"{p.kind}" + (f" {p.result_id}" if p.result_id else "") + f": {p.message}"
            for p in col.problems
            if p.module == m
        ]
        probs += [p for p in register.problems if any(p.startswith(f"{rid} ") for rid in ids)]
        rows.append(
            {
                "module": m,
                "results": ", ".join(ids) if ids else "no results",
                "problems": "; ".join(probs),
            }
        )
    return pd.DataFrame(rows, columns=["module", "results", "problems"])


def illustrative_items(register: Register, claim_ids: Any) -> tuple[list[str], list[str]]:
    """Evidence ids from synthetic data among some claims' items, and their datasets.

    Parameters
    ----------
    register
        The resolved register.
    claim_ids
        The claims looked at.

    Returns
    -------
    tuple of (list of str, list of str)
        The illustrative evidence ids (register order) and the synthetic datasets behind
        them (sorted); both empty when the headline of these claims rests on real data only.

    """
    ev = register.evidence
    mine = ev[ev["claim_id"].isin(list(claim_ids)) & ev["evidence_id"].isin(register.illustrative)]
    names = sorted(
        {
            d
            for src in mine["source"]
            for d in register.synthetic.get(str(src)[len(_COMPUTED) :], ())
        }
    )
    return [str(e) for e in mine["evidence_id"]], names


# --------------------------------------------------------------------------- synthesis


def _strongest(table: pd.DataFrame) -> str:
    if table.empty:
        return strongest_test(None)
    t = table.assign(strength=table["likelihood_ratio"].map(lambda v: abs(math.log(v))))
    r = t.sort_values(["strength", "evidence_id"], ascending=[False, True]).iloc[0]
    return strongest_test(str(r["evidence_id"]), str(r["test_type"]), float(r["likelihood_ratio"]))


def synthesis_table(
    register: Register,
    *,
    supported_at: float = 0.66,
    unsupported_below: float = 0.33,
    perturb: float = 0.1,
) -> pd.DataFrame:
    """One row per claim with its numbers (for charts and tests) and short summaries.

    Parameters
    ----------
    register
        The resolved register.
    supported_at, unsupported_below
        Status bands (``contribution.supported_at``, ``contribution.unsupported_below``).
    perturb
        How far each elicited probability moves in the sweep that gives ``posterior_min`` and
        ``posterior_max`` (``contribution.sensitivity_perturb``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`ccs_methods.methods.contribution.synthesis` (``posterior`` is the
        headline, without computed items from synthetic data; ``posterior_illustration`` counts
        them; the range is recomputed with ``perturb``) plus ``status``
        (:func:`ccs_methods.report.contribution_readings.claim_status`), ``fragile`` (the verbal
        label differs at the two ends of the range), ``strongest_test`` and ``main_rival``.

    """
    syn = ca.synthesis(
        register.toc, register.evidence, register.rivals, illustrative=register.illustrative,
        perturb=perturb,
    )
    strongest, rivals, fragile, status, lows, highs = [], [], [], [], [], []
    for c, r in zip(register.toc.claims, syn.itertuples(), strict=True):
        s = ca.contribution_summary(c, register.evidence, illustrative=register.illustrative)
        sweep = ca.sensitivity_sweep(
            c, register.evidence, perturb=perturb, illustrative=register.illustrative
        )
        pert = sweep.loc[sweep["scenario"] == "perturbed", "posterior"]
        lo = float(pert.min()) if len(pert) else float(r.posterior)
        hi = float(pert.max()) if len(pert) else float(r.posterior)
        lows.append(lo)
        highs.append(hi)
        strongest.append(_strongest(s["table"]))
        rivals.append(main_rival(c.id, register.rivals))
        fragile.append(ca.verbal_confidence(lo) != ca.verbal_confidence(hi))
        status.append(
            claim_status(
                r.posterior, supported_at=supported_at, unsupported_below=unsupported_below
            )
        )
    return syn.assign(
        posterior_min=lows,
        posterior_max=highs,
        status=status,
        fragile=fragile,
        strongest_test=strongest,
        main_rival=rivals,
    )


def add_illustration(display: pd.DataFrame, table: pd.DataFrame, after: str) -> pd.DataFrame:
    """Insert :data:`ILLUSTRATION_COLUMN` after column ``after`` when any claim has such items.

    Parameters
    ----------
    display
        A reader-facing table, one row per claim in the order of ``table``.
    table
        The matching rows of :func:`synthesis_table`.
    after
        The column of ``display`` the illustration follows.

    Returns
    -------
    pandas.DataFrame
        ``display`` (changed in place) with the column, or unchanged when no claim has items
        from synthetic data.

    """
    if not int(table["n_illustrative"].sum()):
        return display
    values = [
        illustration_label(float(p), int(n))
        for p, n in zip(table["posterior_illustration"], table["n_illustrative"], strict=True)
    ]
    display.insert(display.columns.get_loc(after) + 1, ILLUSTRATION_COLUMN, values)
    return display


def synthesis_display(table: pd.DataFrame) -> pd.DataFrame:
    """The reader-facing synthesis: one row per claim, every value as text.

    Parameters
    ----------
    table
        :func:`synthesis_table` output.

    Returns
    -------
    pandas.DataFrame
        Indexed by the claim's finding: year, sites, posterior, confidence, range, evidence
        counts, strongest test, main remaining rival, and the illustration column when any
        claim has items from synthetic data.

    """
    t = table
    display = pd.DataFrame(
        {
            "year": t["year"].to_numpy(),
            "sites": t["sites"].str.replace("_", " ").to_numpy(),
            "posterior": [f"{v:.2f}" for v in t["posterior"]],
            "confidence that CCS contributed": t["verbal"].to_numpy(),
            "range": [
                range_label(a, b, f)
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
    return add_illustration(display, t, "range")


@dataclass(frozen=True)
class AssumptionsCheck:
    """The logic-model assumptions, their verdicts and the claims downstream of each.

    Attributes
    ----------
    table
        One row per assumption: text, evaluators' verdict and its text, this book's reading
        (not a verdict), links, claims downstream.
    no_verdict
        Assumptions the extracted report gives no verdict on.
    differences
        Where the register and the published table (E17) disagree, one phrase each.

    """

    table: pd.DataFrame
    no_verdict: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def assumptions_check(
    register: Register, table: pd.DataFrame, *, data_dir: str | Path | None = None
) -> AssumptionsCheck:
    """The assumptions of the year 2 logic model, checked against the published table (E17).

    Parameters
    ----------
    register
        The resolved register.
    table
        :func:`synthesis_table` output (for the claims downstream of each assumption).
    data_dir
        The data folder holding ``published/assumptions.csv`` (default: the project's).

    Returns
    -------
    AssumptionsCheck

    """
    from ccs_methods.data import published

    toc = register.toc
    g = toc.graph()
    differences: list[str] = []
    # a published table that cannot be read fails the page (CCSInputError naming the file),
    # never a page that quotes the error
    pub = published.load_assumptions(data_dir=data_dir)
    pub_verdicts = {
        str(r["assumption_id"]): _PUBLISHED_VERDICTS.get(
            str(r["verdict_short"]), str(r["verdict_short"])
        )
        for _, r in pub.iterrows()
    }
    rows = []
    for a in toc.assumptions:
        targets = {lid.split("->", 1)[1] for lid in a.links}
        affected = [
            r.finding
            for r in table.itertuples()
            if r.node in targets or targets & set(nx.ancestors(g, r.node))
        ]
        num = assumption_label(a.id)
        if num != a.id and num in pub_verdicts and pub_verdicts[num] != a.verdict:
            differences.append(
                f"{num}: the register records {verdict_label(a.verdict)!r} but the published "
                f"table has {verdict_label(pub_verdicts[num])!r}"
            )
        elif num != a.id and pub_verdicts and num not in pub_verdicts:
            differences.append(f"{num} is not in the published assumptions table")
        rows.append(
            {
                "assumption": num,
                "text": a.text,
                "verdict (evaluators)": verdict_label(a.verdict),
                "verdict text": a.verdict_text or "",
                "this book's reading (not a verdict)": a.evaluator_note or "",
                "links": "; ".join(a.links),
                "claims downstream": "; ".join(affected),
            }
        )
    out = pd.DataFrame(rows).set_index("assumption")
    no_verdict = [r["assumption"] for r in rows if r["verdict (evaluators)"] == verdict_label(None)]
    return AssumptionsCheck(out, no_verdict, differences)


@dataclass(frozen=True, eq=False)
class ProgrammeSynthesis:
    """What the programme contribution page shows.

    Attributes
    ----------
    table
        :func:`synthesis_table` (numbers).
    display
        :func:`synthesis_display` (the reader-facing table).
    chart
        :func:`ccs_methods.report.contribution_figures.posterior_chart`.
    fragile
        Findings whose verbal label changes within the sensitivity range.
    illustrative, synthetic_datasets
        :func:`illustrative_items` of all claims.
    n_pending
        Computed items with no result yet (left out of the posteriors).
    counts
        Claims per status (``supported``, ``uncertain``, ``not_supported``).
    computed
        :func:`computed_evidence_table`.
    asked
        :func:`analyses_asked`.
    theory_of_change
        :func:`ccs_methods.report.contribution_figures.theory_of_change_figure`.
    assumptions
        :func:`assumptions_check`.

    """

    table: pd.DataFrame
    display: pd.DataFrame
    chart: plots.Figure
    fragile: list[str]
    illustrative: list[str]
    synthetic_datasets: list[str]
    n_pending: int
    counts: dict[str, int]
    computed: pd.DataFrame
    asked: pd.DataFrame
    theory_of_change: plots.Figure
    assumptions: AssumptionsCheck


def programme_synthesis(
    register: Register,
    *,
    supported_at: float,
    unsupported_below: float,
    sensitivity_perturb: float,
    data_dir: str | Path | None = None,
) -> ProgrammeSynthesis:
    """The programme synthesis: claims' confidence, computed evidence, theory of change.

    Also the assumptions of the logic model with their verdicts.

    Parameters
    ----------
    register
        The resolved register (:func:`load_register`).
    supported_at, unsupported_below
        Status bands (``contribution.supported_at``, ``contribution.unsupported_below``).
    sensitivity_perturb
        The sensitivity sweep's step (``contribution.sensitivity_perturb``).
    data_dir
        Data folder for the published assumptions table (default: the project's).

    Returns
    -------
    ProgrammeSynthesis

    """
    bands = {"supported_at": supported_at, "unsupported_below": unsupported_below}
    t = synthesis_table(register, perturb=sensitivity_perturb, **bands)
    ids, names = illustrative_items(register, t["claim_id"])
    rows = register.evidence[register.evidence["kind"] == "computed"]
    return ProgrammeSynthesis(
        table=t,
        display=synthesis_display(t),
        chart=posterior_chart(t, perturb=sensitivity_perturb, **bands),
        fragile=t.loc[t["fragile"], "finding"].tolist(),
        illustrative=ids,
        synthetic_datasets=names,
        n_pending=int(rows["sensitivity"].isna().sum()),
        counts={
            k: int((t["status"] == k).sum()) for k in ("supported", "uncertain", "not_supported")
        },
        computed=computed_evidence_table(register),
        asked=analyses_asked(register),
        theory_of_change=theory_of_change_figure(register.toc, t, **bands),
        assumptions=assumptions_check(register, t, data_dir=data_dir),
    )
