"""The validated models of ``contribution/models.py``: every field's bound, default and alias.

Written against the mutation run of ``contribution/models.py`` (issue 14, "Tests with teeth";
``tools/mutation_fork.py contribution/models.py tests/test_contribution_models_mutants.py``).
Each test states a rule of the register format (``book/methods/contribution.md``) on the
smallest input that shows it: the shortest accepted value next to the first refused one, a
missing required key, the default of an optional one. Measured 2026-12-01 (with
test_contribution_mutants.py): 124 of the 134 mutants run, 124 killed, none survived (the run
was stopped on a CPU-starved machine before lines 83-84, 173-188 and 251-253)."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.contribution.models import (
    Assumption,
    Claim,
    EvidenceRule,
    Link,
    Node,
    Rival,
    RivalRef,
    RuleOutcome,
    SourceRef,
    TheoryOfChange,
    _check_direction,
    _check_open_prob,
)

SRC = {"file": "r.txt", "section": "1"}


def _refused(model, data: dict, match: str | None = None) -> None:
    with pytest.raises(ValidationError, match=match):
        model.model_validate(data)


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


# --------------------------------------------------------------------------- strictness


def test_models_are_frozen_and_forbid_unknown_keys() -> None:
    s = SourceRef(file="f", section="s")
    with pytest.raises(ValidationError, match="frozen"):
        s.file = "g"  # type: ignore[misc]
    assert hash(s) == hash(SourceRef(file="f", section="s"))
    _refused(SourceRef, {**SRC, "page": 3}, "Extra inputs are not permitted")
    lk = Link.model_validate({"from": "a", "to": "b"})
    with pytest.raises(ValidationError, match="frozen"):
        lk.target = "c"  # type: ignore[misc]
    _refused(Link, {"from": "a", "to": "b", "weight": 1}, "Extra inputs")


def test_source_ref_one_character_is_enough() -> None:
    s = SourceRef(file="f", section="2")
    assert str(s) == "f § 2"
    for key in ("file", "section"):
        _refused(SourceRef, {**SRC, key: ""}, "at least 1 character")
        _refused(SourceRef, _without(SRC, key), "Field required")


def test_link_from_to_aliases_and_field_names() -> None:
    assert Link.model_validate({"from": "a", "to": "b"}).id == "a->b"
    assert Link(source_node="x", target="y").id == "x->y"  # populate_by_name
    _refused(Link, {"to": "b"}, "Field required")
    _refused(Link, {"from": "a"}, "Field required")


def test_node_fields() -> None:
    base = {"id": "n1", "level": "outcome", "scope": "both", "label": "L", "source": SRC}
    n = Node.model_validate(base)
    assert n.note is None and n.label == "L"
    _refused(Node, {**base, "label": ""}, "at least 1 character")
    _refused(Node, _without(base, "label"), "Field required")
    _refused(Node, _without(base, "id"), "Field required")
    _refused(Node, {**base, "id": "1n"}, "should match pattern")
    _refused(Node, {**base, "scope": "everywhere"})


def test_assumption_fields() -> None:
    base = {"id": "A1", "text": "t", "verdict": None, "links": ["a->b"], "source": SRC}
    a = Assumption.model_validate(base)
    assert (a.verdict_text, a.evaluator_note, a.links) == (None, None, ["a->b"])
    _refused(Assumption, {**base, "text": ""}, "at least 1 character")
    _refused(Assumption, {**base, "links": []}, "at least 1 item")
    _refused(Assumption, _without(base, "links"), "Field required")
    _refused(Assumption, _without(base, "text"), "Field required")
    _refused(Assumption, _without(base, "id"), "Field required")


CLAIM = {"id": "c1", "finding": "F", "year": 1, "node": "n", "sites": ["s"], "text": "T",
         "source": SRC}


def test_claim_fields_and_prior_bounds() -> None:
    c = Claim.model_validate(CLAIM)
    assert (c.prior, c.year, c.finding, c.text, c.sites) == (0.5, 1, "F", "T", ["s"])
    assert Claim.model_validate({**CLAIM, "prior": 0.999}).prior == 0.999
    assert Claim.model_validate({**CLAIM, "prior": 0.001}).prior == 0.001
    for bad in (0.0, 1.0, 1.5, -0.1):
        _refused(Claim, {**CLAIM, "prior": bad}, "prior")
    _refused(Claim, {**CLAIM, "year": 0}, "greater than or equal to 1")
    _refused(Claim, {**CLAIM, "sites": []}, "at least 1 item")
    for key in ("finding", "text"):
        _refused(Claim, {**CLAIM, key: ""}, "at least 1 character")
    for key in ("id", "finding", "year", "sites", "text"):
        _refused(Claim, _without(CLAIM, key), "Field required")


OUT = {"direction": "supports", "sensitivity": 0.8, "type1_error": 0.2, "justification": "j"}


def test_rule_outcome_probabilities_open_interval_and_direction() -> None:
    o = RuleOutcome.model_validate(OUT)
    assert (o.sensitivity, o.type1_error, o.justification) == (0.8, 0.2, "j")
    assert RuleOutcome.model_validate({**OUT, "sensitivity": 0.99, "type1_error": 0.01})
    for key, bad in (("sensitivity", 1.0), ("sensitivity", 0.0), ("type1_error", 0.0),
                     ("type1_error", 1.0)):
        _refused(RuleOutcome, {**OUT, key: bad}, key)
    _refused(RuleOutcome, {**OUT, "justification": ""}, "at least 1 character")
    for key in ("sensitivity", "type1_error", "justification"):
        _refused(RuleOutcome, _without(OUT, key), "Field required")
    # the direction has to agree with the probabilities (validator after the fields)
    _refused(RuleOutcome, {**OUT, "sensitivity": 0.2, "type1_error": 0.8},
             "direction 'supports' needs sensitivity")
    ch = RuleOutcome.model_validate({**OUT, "direction": "challenges", "sensitivity": 0.2,
                                     "type1_error": 0.8})
    assert ch.direction == "challenges"


INTERVAL = {
    "id": "r1", "patterns": ["its.*"], "kind": "interval", "estimate": "rr", "low": "lo",
    "high": "hi", "null_value": 1.0,
    "outcomes": {"above": OUT, "includes": {**OUT, "sensitivity": 0.5, "type1_error": 0.4},
                 "below": {**OUT, "direction": "challenges", "sensitivity": 0.1,
                           "type1_error": 0.6}},
}
THRESHOLD = {
    "id": "r2", "patterns": ["net.*"], "kind": "threshold", "value": "v", "threshold": 2.0,
    "outcomes": {"above": OUT, "below": INTERVAL["outcomes"]["below"]},
}


def test_interval_and_threshold_rules_by_kind() -> None:
    r = EvidenceRule.model_validate(INTERVAL)
    assert (r.value, r.threshold) == (None, None)
    assert r.matches("its.ncan") and not r.matches("trend.its")
    t = EvidenceRule.model_validate(THRESHOLD)
    assert (t.estimate, t.low, t.high, t.null_value) == (None, None, None, None)
    assert t.patterns == ["net.*"]
    for key in ("estimate", "low", "high", "null_value"):
        _refused(EvidenceRule, _without(INTERVAL, key), f"a interval rule needs {key}")
    _refused(EvidenceRule, _without(_without(INTERVAL, "low"), "high"),
             "a interval rule needs low, high")
    for key in ("value", "threshold"):
        _refused(EvidenceRule, _without(THRESHOLD, key), f"a threshold rule needs {key}")
    _refused(EvidenceRule, {**THRESHOLD, "outcomes": INTERVAL["outcomes"]},
             r"a threshold rule needs outcomes \['above', 'below'\]; got \['above', 'below',"
             r" 'includes'\]")
    _refused(EvidenceRule, {**INTERVAL, "outcomes": THRESHOLD["outcomes"]},
             "a interval rule needs outcomes")
    _refused(EvidenceRule, {**INTERVAL, "patterns": []}, "at least 1 item")
    _refused(EvidenceRule, _without(INTERVAL, "id"), "Field required")
    _refused(EvidenceRule, _without(INTERVAL, "patterns"), "Field required")


# --------------------------------------------------------------------------- theory of change

TOC = {
    "levels": ["activity", "outcome"],
    "nodes": [
        {"id": "a", "level": "activity", "scope": "pilot_sites", "label": "A", "source": SRC},
        {"id": "b", "level": "outcome", "scope": "both", "label": "B", "source": SRC},
    ],
    "links": [{"from": "a", "to": "b"}],
    "assumptions": [
        {"id": "A1", "text": "t", "verdict": "yes", "links": ["a->b"], "source": SRC},
        {"id": "A2", "text": "u", "verdict": "no", "links": ["b->c"], "source": SRC},
    ],
    "claims": [CLAIM, {**CLAIM, "id": "c2", "node": "b"}],
}


def test_theory_of_change_lookups() -> None:
    toc = TheoryOfChange.model_validate(TOC)
    assert toc.node("b").label == "B" and toc.node("a").label == "A"
    assert toc.claim("c2").node == "b" and toc.claim("c1").node == "n"
    with pytest.raises(MethodInputError, match="unknown theory-of-change node 'z'"):
        toc.node("z")
    with pytest.raises(MethodInputError, match="unknown claim 'c9'; known claims: c1, c2"):
        toc.claim("c9")
    assert toc.node_ids == {"a", "b"}
    assert toc.link_ids == {"a->b"}
    assert [a.id for a in toc.assumptions_on("a->b")] == ["A1"]
    assert toc.assumptions_on("x->y") == []
    g = toc.graph()
    assert list(g.edges) == [("a", "b")]
    assert g.nodes["b"] == {"level": "outcome", "label": "B", "scope": "both"}


def test_theory_of_change_minimal_and_defaults() -> None:
    """One level and one node are enough; links, assumptions, claims and rules default to
    empty lists."""
    toc = TheoryOfChange.model_validate({"levels": ["x"], "nodes": [TOC["nodes"][0]]})
    assert (toc.links, toc.assumptions, toc.claims, toc.evidence_rules) == ([], [], [], [])
    assert toc.link_ids == set() and list(toc.graph().nodes) == ["a"]
    _refused(TheoryOfChange, {"levels": [], "nodes": [TOC["nodes"][0]]}, "at least 1 item")
    _refused(TheoryOfChange, {"levels": ["x"], "nodes": []}, "at least 1 item")
    _refused(TheoryOfChange, {"nodes": [TOC["nodes"][0]]}, "Field required")
    _refused(TheoryOfChange, {"levels": ["x"]}, "Field required")


# --------------------------------------------------------------------------- rivals


def test_rival_ref_exactly_one_of_evidence_id_or_source() -> None:
    e = RivalRef(evidence_id="D1")
    assert (e.source, e.note, str(e)) == (None, None, "D1")
    s = RivalRef(source="r.txt § 2", note="n")
    assert (s.evidence_id, str(s)) == (None, "r.txt § 2 (n)")
    assert str(RivalRef(evidence_id="D1", note="why")) == "D1 (why)"
    _refused(RivalRef, {}, "give exactly one of evidence_id or source")
    _refused(RivalRef, {"evidence_id": "D1", "source": "r.txt § 2"}, "exactly one")
    _refused(RivalRef, {"source": "r.txt section 2"}, "must look like '<file> § <section>'")


RIVAL = {"id": "R1", "label": "L", "claims": ["c1"], "description": "d", "status": "untested",
         "status_reason": "r"}


def test_rival_fields_and_status_evidence() -> None:
    r = Rival.model_validate(RIVAL)
    assert (r.evidence_for, r.evidence_against, r.label, r.claims) == ([], [], "L", ["c1"])
    for key in ("label", "description", "status_reason"):
        _refused(Rival, {**RIVAL, key: ""}, "at least 1 character")
        _refused(Rival, _without(RIVAL, key), "Field required")
    _refused(Rival, {**RIVAL, "claims": []}, "at least 1 item")
    _refused(Rival, _without(RIVAL, "claims"), "Field required")
    _refused(Rival, _without(RIVAL, "id"), "Field required")
    ref = [{"evidence_id": "D1"}]
    _refused(Rival, {**RIVAL, "status": "ruled_out"}, "'ruled_out' needs at least one item")
    _refused(Rival, {**RIVAL, "status": "ruled_out", "evidence_for": ref}, "ruled_out")
    assert Rival.model_validate({**RIVAL, "status": "ruled_out", "evidence_against": ref})
    _refused(Rival, {**RIVAL, "status": "supported"}, "'supported' needs at least one item")
    _refused(Rival, {**RIVAL, "status": "supported", "evidence_against": ref}, "supported")
    assert Rival.model_validate({**RIVAL, "status": "supported", "evidence_for": ref})
    for status in ("weakened", "remains_plausible"):
        assert Rival.model_validate({**RIVAL, "status": status}).status == status


# --------------------------------------------------------------------------- helpers


def test_check_direction() -> None:
    _check_direction("supports", 0.6, 0.5)
    _check_direction("challenges", 0.5, 0.6)
    for direction, se, alpha in (("supports", 0.5, 0.5), ("supports", 0.4, 0.5),
                                 ("challenges", 0.5, 0.5), ("challenges", 0.6, 0.5)):
        with pytest.raises(ValueError, match=f"direction '{direction}' needs sensitivity"):
            _check_direction(direction, se, alpha)


def test_check_open_prob() -> None:
    assert _check_open_prob("0.3", "p") == 0.3
    assert _check_open_prob(0.999, "p") == 0.999
    for bad in (0.0, 1.0, 1.5, -0.2, math.nan):
        with pytest.raises(MethodInputError, match="p must be strictly between 0 and 1"):
            _check_open_prob(bad, "p")
    for bad in ("x", None):
        with pytest.raises(MethodInputError, match="p must be a number strictly between"):
            _check_open_prob(bad, "p")
