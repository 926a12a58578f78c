"""Validated models of the theory of change, its evidence rules and the rival explanations."""

from __future__ import annotations

import fnmatch
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.contribution.constants import _ID_RE, _SOURCE_RE


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
