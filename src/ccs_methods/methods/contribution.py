"""Contribution analysis as data: theory of change, evidence register, rivals, Bayesian updating.

The evaluators of the CCS programme used contribution analysis (Mayne 2008, 2012) but kept the
theory of change, the evidence and the rival explanations in prose. This module holds them as
validated data under ``params/contribution/`` and makes the weighing of evidence explicit with
Bayesian updating as in Contribution Tracing (Befani & Stedman-Bryce 2017; Befani 2020, 2021):

- ``theory_of_change.yml``: nodes (activities to long-term impact), links, the eight year 2
  assumptions with the evaluators' verdicts, one contribution claim per key finding, and the
  rules that turn computed results into evidence;
- ``evidence.csv``: one row per piece of evidence with its sensitivity ``P(E | claim true)`` and
  type I error ``P(E | claim false)``, each justified, and an independence group;
- ``rivals.yml``: rival explanations with evidence for and against and a status.

Updating rule (odds form of Bayes' theorem)::

    posterior odds = prior odds * prod over independence groups g of LR_g,
    LR_i = sensitivity_i / type1_error_i,
    LR_g = max(1, max_{i in g} LR_i) * min(1, min_{i in g} LR_i).

Items sharing a ``group`` are not independent (e.g. several themes from the same interviews), so
a group counts as one piece of evidence: its strongest supporting item and its strongest
challenging item. This is the perfect-dependence bound (once one item of a package is known the
others add nothing), it never lets repetition from one source inflate confidence, and it keeps
the posterior monotone in every elicited probability (see ``book/methods/contribution.md``).

References
----------
Befani, B. & Stedman-Bryce, G. (2017). Process Tracing and Bayesian Updating for impact
evaluation. *Evaluation* 23(1), 42-60.
Befani, B. (2020). Quality of quality: A diagnostic approach to qualitative evaluation.
*Evaluation* 26(3), 333-349.
Befani, B. (2021). Diagnostic evaluation and Bayesian Updating: Practical solutions to common
problems. *Evaluation* 27(2), 205-223.
Van Evera, S. (1997). *Guide to Methods for Students of Political Science*. Cornell UP.
Mahoney, J. (2012). The logic of process tracing tests in the social sciences. *Sociological
Methods & Research* 41(4), 570-597.
Mayne, J. (2008). Contribution analysis: An approach to exploring cause and effect. ILAC Brief 16.
Mayne, J. (2012). Contribution analysis: Coming of age? *Evaluation* 18(3), 270-280.
Mastrandrea, M. D. et al. (2010). Guidance note for lead authors of the IPCC Fifth Assessment
Report on consistent treatment of uncertainties. IPCC.

"""

from __future__ import annotations

import fnmatch
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ccs_methods.data.params import read_yaml
from ccs_methods.errors import DataValidationError, MethodInputError, ParamsError

__all__ = [
    "DEFAULT_PRIORS",
    "DEFAULT_SITES",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_KINDS",
    "HIGH_SENSITIVITY",
    "LOW_TYPE1_ERROR",
    "RIVAL_STATUSES",
    "VERBAL_SCALE",
    "Assumption",
    "Claim",
    "EvidenceRule",
    "Link",
    "Node",
    "Rival",
    "RivalRef",
    "RuleOutcome",
    "TheoryOfChange",
    "classify_test",
    "contribution_summary",
    "evidence_from_results",
    "group_likelihood_ratios",
    "load_evidence",
    "load_rivals",
    "load_theory_of_change",
    "mayne_steps",
    "posterior",
    "resolve_computed",
    "sensitivity_sweep",
    "synthesis",
    "verbal_confidence",
]

DEFAULT_SITES: tuple[str, ...] = ("norfolk", "oldham", "swansea", "tower_hamlets", "programme")
"""Site ids allowed in the evidence register by default (``programme`` = programme level)."""

EVIDENCE_KINDS: tuple[str, ...] = (
    "interview_theme",
    "survey",
    "monitoring",
    "administrative",
    "computed",
    "document",
)
DIRECTIONS: tuple[str, ...] = ("supports", "challenges")
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "evidence_id",
    "claim_id",
    "link_or_node",
    "site",
    "year",
    "kind",
    "n",
    "direction",
    "description",
    "source",
    "sensitivity",
    "type1_error",
    "justification",
    "group",
)
RIVAL_STATUSES: tuple[str, ...] = (
    "ruled_out",
    "weakened",
    "remains_plausible",
    "supported",
    "untested",
)
OPEN_RIVAL_STATUSES = frozenset({"remains_plausible", "supported", "untested"})

HIGH_SENSITIVITY = 0.9
"""Sensitivity at or above which a test is *necessary* (hoop): failing it would happen at most
one time in ten if the claim were true."""
LOW_TYPE1_ERROR = 0.1
"""Type I error at or below which a test is *sufficient* (smoking gun): passing it would happen
at most one time in ten if the claim were false."""

VERBAL_SCALE: tuple[tuple[float, str], ...] = (
    (0.99, "virtually certain"),
    (0.90, "very likely"),
    (0.66, "likely"),
    (0.33, "about as likely as not"),
    (0.10, "unlikely"),
    (0.01, "very unlikely"),
    (0.0, "exceptionally unlikely"),
)
"""Verbal scale for the posterior probability that CCS contributed as claimed: the first label
whose lower bound ``p`` reaches. Bands follow the IPCC calibrated likelihood language
(Mastrandrea et al. 2010), used as disjoint bins."""

DEFAULT_PRIORS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_SWEEP_CLIP = (0.01, 0.99)
_COMPUTED_PREFIX = "computed:"
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_SOURCE_RE = re.compile(r"^\S+ § \S.*$")

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


# --------------------------------------------------------------------------- models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    """Where an item comes from: a report file and a section in it."""

    file: str = Field(min_length=1)
    section: str = Field(min_length=1)

    def __str__(self) -> str:
        return f"{self.file} § {self.section}"


class Node(_Strict):
    """A box of the theory of change (activity, outcome or impact)."""

    id: str = Field(pattern=_ID_RE.pattern)
    level: str
    scope: Literal["pilot_sites", "beyond", "both"]
    label: str = Field(min_length=1)
    source: SourceRef
    note: str | None = None


class Link(_Strict):
    """A causal arrow ``from -> to`` between two nodes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source_node: str = Field(alias="from")
    target: str = Field(alias="to")

    @property
    def id(self) -> str:
        """The link id, ``"<from>-><to>"``, as used in ``evidence.csv``."""
        return f"{self.source_node}->{self.target}"


class Assumption(_Strict):
    """An assumption of the logic model, the links it sits on, and the evaluators' verdict."""

    id: str = Field(pattern=_ID_RE.pattern)
    text: str = Field(min_length=1)
    verdict: Literal["yes", "yes_but", "partially", "no"] | None
    verdict_text: str | None = None
    evaluator_note: str | None = None
    links: list[str] = Field(min_length=1)
    source: SourceRef


class Claim(_Strict):
    """A contribution claim: CCS contributed to ``node`` in ``sites`` in programme ``year``."""

    id: str = Field(pattern=_ID_RE.pattern)
    finding: str = Field(min_length=1)
    year: int = Field(ge=1)
    node: str
    sites: list[str] = Field(min_length=1)
    prior: float = Field(default=0.5, gt=0.0, lt=1.0)
    text: str = Field(min_length=1)
    source: SourceRef


class RuleOutcome(_Strict):
    """Direction and probabilities assigned to a computed result falling in one region."""

    direction: Literal["supports", "challenges"]
    sensitivity: float = Field(gt=0.0, lt=1.0)
    type1_error: float = Field(gt=0.0, lt=1.0)
    justification: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RuleOutcome:
        _check_direction(self.direction, self.sensitivity, self.type1_error)
        return self


class EvidenceRule(_Strict):
    """How a computed result becomes evidence.

    ``kind: interval`` compares the interval ``[result[low], result[high]]`` with ``null_value``
    (regions ``above`` / ``includes`` / ``below``); ``kind: threshold`` compares
    ``result[value]`` with ``threshold`` (regions ``above`` when strictly greater, else
    ``below``). ``patterns`` are shell-style globs over result ids (``trend.lwa.*``).
    """

    id: str = Field(pattern=_ID_RE.pattern)
    patterns: list[str] = Field(min_length=1)
    kind: Literal["interval", "threshold"]
    estimate: str | None = None
    low: str | None = None
    high: str | None = None
    null_value: float | None = None
    value: str | None = None
    threshold: float | None = None
    outcomes: dict[Literal["above", "includes", "below"], RuleOutcome]

    @model_validator(mode="after")
    def _fields_for_kind(self) -> EvidenceRule:
        if self.kind == "interval":
            missing = [
                k for k in ("estimate", "low", "high", "null_value") if getattr(self, k) is None
            ]
            need = {"above", "includes", "below"}
        else:
            missing = [k for k in ("value", "threshold") if getattr(self, k) is None]
            need = {"above", "below"}
        if missing:
            raise ValueError(f"a {self.kind} rule needs {', '.join(missing)}")
        if set(self.outcomes) != need:
            raise ValueError(
                f"a {self.kind} rule needs outcomes {sorted(need)}; got {sorted(self.outcomes)}"
            )
        return self

    def matches(self, result_id: str) -> bool:
        """Whether this rule applies to ``result_id``."""
        return any(fnmatch.fnmatchcase(result_id, p) for p in self.patterns)


class TheoryOfChange(_Strict):
    """The contents of ``theory_of_change.yml``, cross-checked by :func:`load_theory_of_change`."""

    levels: list[str] = Field(min_length=1)
    nodes: list[Node] = Field(min_length=1)
    links: list[Link] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    evidence_rules: list[EvidenceRule] = Field(default_factory=list)

    def node(self, node_id: str) -> Node:
        """Return the node ``node_id``; raise :class:`MethodInputError` if unknown."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise MethodInputError(f"unknown theory-of-change node {node_id!r}")

    def claim(self, claim_id: str) -> Claim:
        """Return the claim ``claim_id``; raise :class:`MethodInputError` listing known ids."""
        for c in self.claims:
            if c.id == claim_id:
                return c
        known = ", ".join(c.id for c in self.claims)
        raise MethodInputError(f"unknown claim {claim_id!r}; known claims: {known}")

    @property
    def node_ids(self) -> set[str]:
        """Ids of all nodes."""
        return {n.id for n in self.nodes}

    @property
    def link_ids(self) -> set[str]:
        """Ids (``from->to``) of all links."""
        return {lk.id for lk in self.links}

    def graph(self) -> nx.DiGraph:
        """Return the theory of change as a directed graph (node attributes level, label)."""
        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, level=n.level, label=n.label, scope=n.scope)
        for lk in self.links:
            g.add_edge(lk.source_node, lk.target)
        return g

    def assumptions_on(self, link_id: str) -> list[Assumption]:
        """Assumptions attached to the link ``link_id``."""
        return [a for a in self.assumptions if link_id in a.links]


class RivalRef(_Strict):
    """A reference in a rival's evidence list: an evidence id or a report section."""

    evidence_id: str | None = None
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RivalRef:
        if (self.evidence_id is None) == (self.source is None):
            raise ValueError("give exactly one of evidence_id or source")
        if self.source is not None and not _SOURCE_RE.match(self.source):
            raise ValueError(f"source {self.source!r} must look like '<file> § <section>'")
        return self

    def __str__(self) -> str:
        ref = self.evidence_id or self.source or ""
        return f"{ref} ({self.note})" if self.note else ref


class Rival(_Strict):
    """A rival explanation of the outcome of one or more claims."""

    id: str = Field(pattern=_ID_RE.pattern)
    label: str = Field(min_length=1)
    claims: list[str] = Field(min_length=1)
    description: str = Field(min_length=1)
    evidence_for: list[RivalRef] = Field(default_factory=list)
    evidence_against: list[RivalRef] = Field(default_factory=list)
    status: Literal["ruled_out", "weakened", "remains_plausible", "supported", "untested"]
    status_reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _status_has_evidence(self) -> Rival:
        if self.status == "ruled_out" and not self.evidence_against:
            raise ValueError("status 'ruled_out' needs at least one item in evidence_against")
        if self.status == "supported" and not self.evidence_for:
            raise ValueError("status 'supported' needs at least one item in evidence_for")
        return self


# --------------------------------------------------------------------------- helpers


def _check_direction(direction: str, sensitivity: float, type1_error: float) -> None:
    if direction == "supports" and not sensitivity > type1_error:
        raise ValueError(
            f"direction 'supports' needs sensitivity ({sensitivity:g}) above type1_error"
            f" ({type1_error:g}): supporting evidence must be more likely if the claim is true"
            " than if it is false"
        )
    if direction == "challenges" and not sensitivity < type1_error:
        raise ValueError(
            f"direction 'challenges' needs sensitivity ({sensitivity:g}) below type1_error"
            f" ({type1_error:g}): challenging evidence must be less likely if the claim is true"
            " than if it is false"
        )


def _check_open_prob(value: Any, what: str) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise MethodInputError(
            f"{what} must be a number strictly between 0 and 1; got {value!r}"
        ) from None
    if not (0.0 < p < 1.0):  # also rejects NaN
        raise MethodInputError(f"{what} must be strictly between 0 and 1; got {value!r}")
    return p


def _validation_error(path: Path, exc: ValidationError, data: Mapping[str, Any]) -> ParamsError:
    """Turn a pydantic error into a ParamsError naming the item id and key."""
    first = exc.errors()[0]
    loc = list(first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    where = ""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        section = data.get(loc[0])
        if (
            isinstance(section, list)
            and loc[1] < len(section)
            and isinstance(section[loc[1]], dict)
        ):
            item_id = section[loc[1]].get("id")
            if item_id is not None:
                where = f"{loc[0]} item {item_id!r}: "
    column = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return ParamsError(f"{where}{msg}{more}", file=path, column=column or None)


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


# --------------------------------------------------------------------------- loaders


def load_theory_of_change(
    path: str | Path, *, sites: Sequence[str] = DEFAULT_SITES
) -> TheoryOfChange:
    """Load and validate ``theory_of_change.yml``.

    Parameters
    ----------
    path
        The YAML file.
    sites
        Site ids allowed in claims (the pilot sites plus ``programme``).

    Returns
    -------
    TheoryOfChange
        Nodes, links, assumptions, claims and computed-evidence rules.

    Raises
    ------
    ParamsError
        Naming the file, the item and the key: YAML errors, unknown keys, duplicate ids, unknown
        levels, links to unknown nodes, a cycle (the cycle is listed), a link pointing to an
        earlier level, assumptions on unknown links, claims on unknown nodes or sites, rule
        outcomes whose direction disagrees with their probabilities.

    """
    path = Path(path)
    data = read_yaml(path)
    try:
        toc = TheoryOfChange.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc, data) from exc

    for section, ids in (
        ("levels", toc.levels),
        ("nodes", [n.id for n in toc.nodes]),
        ("assumptions", [a.id for a in toc.assumptions]),
        ("claims", [c.id for c in toc.claims]),
        ("evidence_rules", [r.id for r in toc.evidence_rules]),
    ):
        dup = _duplicates(ids)
        if dup:
            raise ParamsError(f"duplicate id(s) {dup} in {section}", file=path, column=section)
    dup_links = _duplicates([lk.id for lk in toc.links])
    if dup_links:
        raise ParamsError(f"duplicate link(s) {dup_links}", file=path, column="links")

    level_rank = {lv: i for i, lv in enumerate(toc.levels)}
    for i, n in enumerate(toc.nodes):
        if n.level not in level_rank:
            raise ParamsError(
                f"node {n.id!r}: unknown level {n.level!r}; levels are {toc.levels}",
                file=path,
                column=f"nodes[{i}].level",
            )
    node_ids = toc.node_ids
    for i, lk in enumerate(toc.links):
        for end, key in ((lk.source_node, "from"), (lk.target, "to")):
            if end not in node_ids:
                raise ParamsError(
                    f"link {lk.id!r}: unknown node {end!r}", file=path, column=f"links[{i}].{key}"
                )
        if lk.source_node == lk.target:
            raise ParamsError(f"link {lk.id!r} points to itself", file=path, column=f"links[{i}]")
    g = toc.graph()
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        cycle = []
    if cycle:
        names = [u for u, _ in cycle] + [cycle[0][0]]
        raise ParamsError(
            f"the theory of change has a cycle: {' -> '.join(names)}; links must run from causes"
            " to effects",
            file=path,
            column="links",
        )
    nodes_by_id = {n.id: n for n in toc.nodes}
    for i, lk in enumerate(toc.links):
        a, b = nodes_by_id[lk.source_node], nodes_by_id[lk.target]
        if level_rank[b.level] < level_rank[a.level]:
            raise ParamsError(
                f"link {lk.id!r} runs backwards from level {a.level!r} to earlier level"
                f" {b.level!r}",
                file=path,
                column=f"links[{i}]",
            )
    link_ids = toc.link_ids
    for i, asm in enumerate(toc.assumptions):
        for j, lid in enumerate(asm.links):
            if lid not in link_ids:
                raise ParamsError(
                    f"assumption {asm.id!r}: unknown link {lid!r}",
                    file=path,
                    column=f"assumptions[{i}].links[{j}]",
                )
    allowed_sites = set(sites)
    for i, c in enumerate(toc.claims):
        if c.node not in node_ids:
            raise ParamsError(
                f"claim {c.id!r}: unknown node {c.node!r}", file=path, column=f"claims[{i}].node"
            )
        for j, s in enumerate(c.sites):
            if s not in allowed_sites:
                raise ParamsError(
                    f"claim {c.id!r}: unknown site {s!r}; allowed: {sorted(allowed_sites)}",
                    file=path,
                    column=f"claims[{i}].sites[{j}]",
                )
    return toc


def _parse_prob(raw: str) -> float | None:
    raw = raw.strip()
    if raw == "":
        return None
    return float(raw)


def load_evidence(
    path: str | Path,
    toc: TheoryOfChange,
    *,
    sites: Sequence[str] = DEFAULT_SITES,
    years: Sequence[int] = (1, 2, 3),
) -> pd.DataFrame:
    """Load and validate the evidence register ``evidence.csv``.

    Parameters
    ----------
    path
        The CSV file (UTF-8, header row, columns :data:`EVIDENCE_COLUMNS`).
    toc
        The validated theory of change (claims, nodes and links are checked against it).
    sites
        Allowed site ids.
    years
        Allowed programme years.

    Returns
    -------
    pandas.DataFrame
        One row per evidence item, columns :data:`EVIDENCE_COLUMNS`; ``year`` int, ``n``
        nullable ``Int64``, probabilities float. Computed rows (``source`` =
        ``computed:<result_id>``) have NaN direction and probabilities until
        :func:`resolve_computed` fills them from analysis results.

    Raises
    ------
    DataValidationError
        Naming the file, the 1-based data row, the column and the evidence id: missing columns,
        duplicate ids, unknown claim, node or link, site, year or kind; a probability outside
        (0, 1); supporting evidence whose sensitivity is not above its type I error (or
        challenging evidence whose sensitivity is not below it); probabilities typed into a
        computed row; a malformed source.

    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError("evidence file not found", file=path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"cannot read CSV: {exc}", file=path) from exc
    missing = [c for c in EVIDENCE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {missing}; needed: {list(EVIDENCE_COLUMNS)}",
            file=path,
            column=missing[0],
        )
    extra = [c for c in raw.columns if c not in EVIDENCE_COLUMNS]
    if extra:
        raise DataValidationError(f"unknown column(s) {extra}", file=path, column=extra[0])

    claims = {c.id for c in toc.claims}
    targets = toc.node_ids | toc.link_ids
    allowed_sites, allowed_years = set(sites), set(years)
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(raw.to_dict("records"), start=1):
        eid = row["evidence_id"].strip()

        def fail(msg: str, column: str, eid: str = eid, i: int = i) -> DataValidationError:
            label = f"evidence {eid!r}: " if eid else ""
            return DataValidationError(f"{label}{msg}", file=path, row=i, column=column)

        if not eid or not _ID_RE.match(eid):
            raise fail(f"evidence_id {eid!r} must be a non-empty identifier", "evidence_id")
        if eid in seen:
            raise fail(f"duplicate evidence_id (first on row {seen[eid]})", "evidence_id")
        seen[eid] = i
        claim_id = row["claim_id"].strip()
        if claim_id not in claims:
            raise fail(f"unknown claim {claim_id!r}; add it to theory_of_change.yml", "claim_id")
        target = row["link_or_node"].strip()
        if target not in targets:
            kind_t = "link" if "->" in target else "node"
            raise fail(f"unknown {kind_t} {target!r}: not in the theory of change", "link_or_node")
        site = row["site"].strip()
        if site not in allowed_sites:
            raise fail(f"unknown site {site!r}; allowed: {sorted(allowed_sites)}", "site")
        try:
            year = int(row["year"])
        except ValueError:
            raise fail(f"year {row['year']!r} is not an integer", "year") from None
        if year not in allowed_years:
            raise fail(f"year {year} not in {sorted(allowed_years)}", "year")
        kind = row["kind"].strip()
        if kind not in EVIDENCE_KINDS:
            raise fail(f"unknown kind {kind!r}; allowed: {list(EVIDENCE_KINDS)}", "kind")
        n_raw = row["n"].strip()
        n: int | None = None
        if n_raw:
            try:
                n = int(n_raw)
            except ValueError:
                raise fail(f"n {n_raw!r} is not a whole number", "n") from None
            if n < 1:
                raise fail(f"n must be at least 1 (or empty); got {n}", "n")
        source = row["source"].strip()
        computed = source.startswith(_COMPUTED_PREFIX)
        if computed != (kind == "computed"):
            raise fail("kind 'computed' and source 'computed:<result_id>' go together", "source")
        if computed and not _ID_RE.match(source[len(_COMPUTED_PREFIX) :]):
            raise fail(f"source {source!r}: result id after 'computed:' is empty", "source")
        if not computed and not _SOURCE_RE.match(source):
            raise fail(
                f"source {source!r} must be '<report file> § <section>' or 'computed:<result_id>'",
                "source",
            )
        direction = row["direction"].strip()
        probs: dict[str, float | None] = {}
        for col in ("sensitivity", "type1_error"):
            try:
                probs[col] = _parse_prob(row[col])
            except ValueError:
                raise fail(f"{col} {row[col]!r} is not a number", col) from None
        if computed:
            typed = [c for c, v in probs.items() if v is not None] + (
                ["direction"] if direction else []
            )
            if typed:
                raise fail(
                    f"computed evidence must leave {typed} empty: they are set from the analysis"
                    " result by the evidence rules, not typed in",
                    typed[0],
                )
        else:
            if direction not in DIRECTIONS:
                raise fail(
                    f"direction {direction!r} must be one of {list(DIRECTIONS)}", "direction"
                )
            for col, v in probs.items():
                if v is None:
                    raise fail(f"{col} is empty; give a probability strictly between 0 and 1", col)
                if not (0.0 < v < 1.0):
                    raise fail(f"{col} {v:g} is outside (0, 1): use a value strictly between", col)
            try:
                _check_direction(direction, probs["sensitivity"], probs["type1_error"])  # type: ignore[arg-type]
            except ValueError as exc:
                raise fail(str(exc), "sensitivity") from None
            if not row["justification"].strip():
                raise fail("justification is empty: say why these probabilities", "justification")
        if not row["description"].strip():
            raise fail("description is empty", "description")
        group = row["group"].strip()
        if group and not _ID_RE.match(group):
            raise fail(f"group {group!r} must be an identifier (or empty)", "group")
        records.append(
            {
                "evidence_id": eid,
                "claim_id": claim_id,
                "link_or_node": target,
                "site": site,
                "year": year,
                "kind": kind,
                "n": n,
                "direction": direction or None,
                "description": row["description"].strip(),
                "source": source,
                "sensitivity": probs["sensitivity"],
                "type1_error": probs["type1_error"],
                "justification": row["justification"].strip(),
                "group": group or None,
            }
        )
    df = pd.DataFrame.from_records(records, columns=list(EVIDENCE_COLUMNS))
    df["year"] = df["year"].astype("int64")
    df["n"] = df["n"].astype("Int64")
    df["sensitivity"] = df["sensitivity"].astype("float64")
    df["type1_error"] = df["type1_error"].astype("float64")
    df.attrs["source_file"] = str(path)
    return df


def load_rivals(
    path: str | Path, toc: TheoryOfChange, evidence: pd.DataFrame | None = None
) -> list[Rival]:
    """Load and validate ``rivals.yml``.

    Parameters
    ----------
    path
        The YAML file (top-level key ``rivals``).
    toc
        The validated theory of change: every rival's claims must exist.
    evidence
        The evidence register; if given, every ``evidence_id`` reference must exist in it.

    Returns
    -------
    list of Rival

    Raises
    ------
    ParamsError
        Naming the file, the rival id and the key: unknown claim or evidence id, duplicate ids,
        a reference with both or neither of ``evidence_id`` and ``source``, an unknown status, a
        ``ruled_out`` rival with no evidence against it.

    """
    path = Path(path)
    data = read_yaml(path)
    items = data.get("rivals")
    if not isinstance(items, list):
        raise ParamsError("expected a list under the key 'rivals'", file=path, column="rivals")
    rivals: list[Rival] = []
    for i, item in enumerate(items):
        try:
            rivals.append(Rival.model_validate(item))
        except ValidationError as exc:
            err = _validation_error(path, exc, {"rivals": items})
            rid = item.get("id") if isinstance(item, dict) else None
            label = f"rival {rid!r}: " if rid else ""
            column = f"rivals[{i}].{err.column}" if err.column else f"rivals[{i}]"
            raise ParamsError(f"{label}{err.message}", file=path, column=column) from exc
    dup = _duplicates(r.id for r in rivals)
    if dup:
        raise ParamsError(f"duplicate rival id(s) {dup}", file=path, column="rivals")
    claims = {c.id for c in toc.claims}
    known_evidence = set(evidence["evidence_id"]) if evidence is not None else None
    for i, r in enumerate(rivals):
        for j, cid in enumerate(r.claims):
            if cid not in claims:
                raise ParamsError(
                    f"rival {r.id!r}: unknown claim {cid!r}",
                    file=path,
                    column=f"rivals[{i}].claims[{j}]",
                )
        if known_evidence is None:
            continue
        for key in ("evidence_for", "evidence_against"):
            for j, ref in enumerate(getattr(r, key)):
                if ref.evidence_id is not None and ref.evidence_id not in known_evidence:
                    raise ParamsError(
                        f"rival {r.id!r}: unknown evidence id {ref.evidence_id!r}",
                        file=path,
                        column=f"rivals[{i}].{key}[{j}].evidence_id",
                    )
    return rivals


# --------------------------------------------------------------------------- computed evidence


def _rules(rules: Any) -> list[EvidenceRule]:
    if isinstance(rules, TheoryOfChange):
        return list(rules.evidence_rules)
    out: list[EvidenceRule] = []
    for i, r in enumerate(rules):
        if isinstance(r, EvidenceRule):
            out.append(r)
            continue
        try:
            out.append(EvidenceRule.model_validate(r))
        except ValidationError as exc:
            first = exc.errors()[0]
            msg = str(first["msg"]).removeprefix("Value error, ")
            rid = r.get("id") if isinstance(r, Mapping) else None
            raise ParamsError(
                f"evidence rule {rid or i!r}: {msg}",
                column=".".join(str(p) for p in first["loc"]) or None,
            ) from exc
    return out


def _number(result_id: str, result: Mapping[str, Any], key: str) -> float:
    if key not in result:
        raise MethodInputError(
            f"computed result {result_id!r} has no {key!r}; it has {sorted(result)}"
        )
    try:
        x = float(result[key])
    except (TypeError, ValueError):
        raise MethodInputError(
            f"computed result {result_id!r}: {key!r} is not a number ({result[key]!r})"
        ) from None
    if not math.isfinite(x):
        raise MethodInputError(f"computed result {result_id!r}: {key!r} is {x}, not finite")
    return x


def _apply_rule(rule: EvidenceRule, result_id: str, result: Mapping[str, Any]) -> dict[str, Any]:
    if rule.kind == "interval":
        assert rule.estimate and rule.low and rule.high and rule.null_value is not None
        est = _number(result_id, result, rule.estimate)
        lo = _number(result_id, result, rule.low)
        hi = _number(result_id, result, rule.high)
        if lo > hi:
            raise MethodInputError(
                f"computed result {result_id!r}: {rule.low}={lo:g} is above {rule.high}={hi:g}"
            )
        region = (
            "above" if lo > rule.null_value else "below" if hi < rule.null_value else "includes"
        )
        detail = (
            f"{rule.estimate} {est:.3g} (95% CI {lo:.3g} to {hi:.3g}; null {rule.null_value:g})"
        )
    else:
        assert rule.value and rule.threshold is not None
        v = _number(result_id, result, rule.value)
        region = "above" if v > rule.threshold else "below"
        detail = f"{rule.value} {v:.3g} (threshold {rule.threshold:g})"
    outcome = rule.outcomes[region]  # type: ignore[index]
    n = result.get("n")
    return {
        "result_id": result_id,
        "rule_id": rule.id,
        "outcome": region,
        "direction": outcome.direction,
        "sensitivity": outcome.sensitivity,
        "type1_error": outcome.type1_error,
        "justification": f"Rule {rule.id}, {region}: {detail}. {outcome.justification}",
        "n": (
            int(n)
            if isinstance(n, numbers.Real)
            and not isinstance(n, bool)
            and math.isfinite(n)
            and n >= 1
            else None
        ),
    }


def evidence_from_results(
    results: Mapping[str, Mapping[str, Any]],
    rules: Any,
    *,
    template: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Turn computed analysis results into evidence rows via declared rules.

    Parameters
    ----------
    results
        Result id to a mapping of named numbers, e.g.
        ``{"its.ncan.level_change": {"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.5}}``.
    rules
        A :class:`TheoryOfChange` (its ``evidence_rules``) or a sequence of
        :class:`EvidenceRule` or mappings. The first rule whose pattern matches a result id
        applies.
    template
        Optional evidence register (or its computed rows). If given, every computed row whose
        ``computed:<result_id>`` is in ``results`` is returned filled in (direction,
        probabilities, justification, ``n`` if the result carries one); rows without a result
        are returned unchanged (pending), and results no row refers to are ignored.

    Returns
    -------
    pandas.DataFrame
        Without ``template``: one row per result with ``source``, ``result_id``, ``rule_id``,
        ``outcome``, ``direction``, ``sensitivity``, ``type1_error``, ``justification``, ``n``.
        With ``template``: the template's computed rows with those columns filled and
        ``rule_id`` and ``outcome`` added.

    Raises
    ------
    MethodInputError
        A result no rule matches, or a result lacking a key the rule needs (or not finite).
    ParamsError
        A malformed rule.

    """
    rule_list = _rules(rules)

    def evaluate(result_id: str) -> dict[str, Any]:
        for rule in rule_list:
            if rule.matches(result_id):
                return _apply_rule(rule, result_id, results[result_id])
        patterns = [p for r in rule_list for p in r.patterns]
        raise MethodInputError(
            f"no evidence rule matches computed result {result_id!r}; rule patterns: {patterns}"
        )

    if template is None:
        rows = [{"source": f"{_COMPUTED_PREFIX}{rid}", **evaluate(rid)} for rid in results]
        frame = pd.DataFrame(
            rows,
            columns=[
                "source",
                "result_id",
                "rule_id",
                "outcome",
                "direction",
                "sensitivity",
                "type1_error",
                "justification",
                "n",
            ],
        )
        frame["n"] = frame["n"].astype("Int64")
        return frame
    comp = template[template["kind"] == "computed"].copy()
    comp["rule_id"] = pd.Series([None] * len(comp), index=comp.index, dtype=object)
    comp["outcome"] = pd.Series([None] * len(comp), index=comp.index, dtype=object)
    comp["direction"] = comp["direction"].astype(object)
    comp["justification"] = comp["justification"].astype(object)
    for idx, src in comp["source"].items():
        rid = str(src)[len(_COMPUTED_PREFIX) :]
        if rid not in results:
            continue
        ev = evaluate(rid)
        for col in (
            "direction",
            "sensitivity",
            "type1_error",
            "justification",
            "rule_id",
            "outcome",
        ):
            comp.at[idx, col] = ev[col]
        if ev["n"] is not None:
            comp.at[idx, "n"] = ev["n"]
    return comp


def resolve_computed(
    evidence: pd.DataFrame, results: Mapping[str, Mapping[str, Any]], rules: Any
) -> pd.DataFrame:
    """Return the evidence register with its computed rows filled from ``results``.

    Parameters
    ----------
    evidence
        The register from :func:`load_evidence`.
    results
        Computed results keyed by result id (see :func:`evidence_from_results`).
    rules
        Evidence rules (or the :class:`TheoryOfChange` holding them).

    Returns
    -------
    pandas.DataFrame
        Same rows and order as ``evidence`` plus ``rule_id`` and ``outcome`` columns; computed
        rows without a result stay pending (NaN probabilities).

    """
    filled = evidence_from_results(results, rules, template=evidence)
    out = evidence.copy()
    out["rule_id"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["outcome"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["direction"] = out["direction"].astype(object)
    out["justification"] = out["justification"].astype(object)
    for col in (
        "direction",
        "sensitivity",
        "type1_error",
        "justification",
        "n",
        "rule_id",
        "outcome",
    ):
        out.loc[filled.index, col] = filled[col]
    out.attrs.update(evidence.attrs)
    return out


# --------------------------------------------------------------------------- updating


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


def _rivals_for(claim_id: str, rivals: Iterable[Rival]) -> list[Rival]:
    return [r for r in rivals if claim_id in r.claims]


def mayne_steps(
    claim: Claim,
    toc: TheoryOfChange,
    evidence: pd.DataFrame,
    rivals: Sequence[Rival] = (),
    *,
    illustrative: Iterable[str] = (),
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
    sweep = sensitivity_sweep(claim, rows, illustrative=illustrative)
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
            "summary": _step6_summary(claim, before, after, with_synthetic, perturbed),
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
) -> str:
    if not len(perturbed) and not after["n_illustrative"]:
        return f"No usable evidence: the posterior stays at the prior {claim.prior:.2f}."
    spread = (
        f" moving any one elicited probability by 0.1 gives {perturbed.min():.2f} to"
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
        sweep = sensitivity_sweep(c, evidence, illustrative=illustrative)
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
