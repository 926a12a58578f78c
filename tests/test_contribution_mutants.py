"""Mayne's six steps and the synthesis on a small theory of change worked by hand.

Written against the survivors of a mutation run of ``contribution/mayne.py`` (issue 14, "Tests
with teeth"). Every posterior below is the odds form of Bayes' theorem (posterior odds = prior
odds x the product of one likelihood ratio per independence group, the strongest supporting
and the strongest challenging item of a group counting), computed on paper in the comments.

Claim ``k`` (prior 0.5) on outcome node ``c``; its register:

====  ==========  ===========  ====  =====  =====  ======================================
id    kind        direction    Se    alpha  LR     test type
====  ==========  ===========  ====  =====  =====  ======================================
D1    document    supports     0.8   0.4    2      straw in the wind (group g1)
D2    survey      supports     0.6   0.05   12     smoking gun (group g1: counts, D1 not)
D3    monitoring  challenges   0.3   0.6    0.5    straw in the wind (against the claim)
D4    document    supports     0.5   0.5    1      uninformative (group g2)
C1    computed    supports     0.95  0.5    1.9    hoop
C2    computed    (pending)    -     -      -      -
C3    computed    supports     0.7   0.35   2      straw in the wind, synthetic: illustrative
====  ==========  ===========  ====  =====  =====  ======================================

Reports only (D1-D4): odds 12 x 0.5 x 1 = 6, posterior 6/7. With C1: odds 11.4, posterior
11.4/12.4. With C3 too (illustration): odds 22.8, posterior 22.8/23.8. Moving one probability
by 0.1: lowest when D2's alpha goes to 0.15 (LR 4, g1's strongest is then 4): odds 3.8, 3.8/4.8;
highest when D2's alpha goes to 0.01 (clipped; LR 60): odds 57, 57/58.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.contribution import (
    classify_test,
    contribution_summary,
    group_likelihood_ratios,
    mayne_steps,
    posterior,
    sensitivity_sweep,
    synthesis,
    verbal_confidence,
)
from ccs_methods.methods.contribution.constants import DEFAULT_PRIORS
from ccs_methods.methods.contribution.models import Rival, TheoryOfChange

SRC = {"file": "report.txt", "section": "2.1"}

TOC = TheoryOfChange.model_validate(
    {
        "levels": ["activity", "output", "outcome"],
        "nodes": [
            {"id": "a", "level": "activity", "scope": "pilot_sites", "label": "A", "source": SRC},
            {"id": "z", "level": "activity", "scope": "pilot_sites", "label": "Z", "source": SRC},
            {"id": "b", "level": "output", "scope": "pilot_sites", "label": "B", "source": SRC},
            {"id": "c", "level": "outcome", "scope": "both", "label": "Cee", "source": SRC},
            {"id": "d", "level": "outcome", "scope": "beyond", "label": "D", "source": SRC},
            {"id": "e", "level": "activity", "scope": "pilot_sites", "label": "E", "source": SRC},
            {"id": "f", "level": "output", "scope": "pilot_sites", "label": "F", "source": SRC},
        ],
        "links": [
            {"from": "a", "to": "b"},
            {"from": "z", "to": "b"},
            {"from": "b", "to": "c"},
            {"from": "c", "to": "d"},
            {"from": "e", "to": "f"},
        ],
        "assumptions": [
            {"id": "A1", "text": "t1", "verdict": "yes", "links": ["b->c"], "source": SRC},
            {
                "id": "A2",
                "text": "t2",
                "verdict": "partially",
                "verdict_text": "vt2",
                "evaluator_note": "n2",
                "links": ["a->b", "b->c"],
                "source": SRC,
            },
            {"id": "A3", "text": "t3", "verdict": None, "links": ["c->d"], "source": SRC},
            {"id": "A4", "text": "t4", "verdict": "no", "links": ["e->f"], "source": SRC},
            {"id": "A5", "text": "t5", "verdict": "yes_but", "links": ["z->b"], "source": SRC},
        ],
        "claims": [
            {
                "id": "k",
                "finding": "KF1",
                "year": 2,
                "node": "c",
                "sites": ["norfolk", "oldham"],
                "prior": 0.5,
                "text": "CCS did it",
                "source": SRC,
            },
            {
                "id": "k2",
                "finding": "KF2",
                "year": 3,
                "node": "b",
                "sites": ["swansea"],
                "prior": 0.3,
                "text": "CCS did that",
                "source": SRC,
            },
        ],
    }
)


def _row(eid, kind, direction, se, alpha, group=None, claim="k"):
    return {
        "evidence_id": eid,
        "claim_id": claim,
        "kind": kind,
        "site": "norfolk",
        "year": 2,
        "direction": direction,
        "sensitivity": se,
        "type1_error": alpha,
        "group": group,
        "source": "computed:x" if kind == "computed" else "report.txt § 2.1",
        "description": f"item {eid}",
    }


NAN = float("nan")
EVIDENCE = pd.DataFrame(
    [
        _row("D1", "document", "supports", 0.8, 0.4, "g1"),
        _row("D2", "survey", "supports", 0.6, 0.05, "g1"),
        _row("D3", "monitoring", "challenges", 0.3, 0.6),
        _row("D4", "document", "supports", 0.5, 0.5, "g2"),
        _row("C1", "computed", "supports", 0.95, 0.5),
        _row("C2", "computed", None, NAN, NAN),
        _row("C3", "computed", "supports", 0.7, 0.35),
    ]
)

RIVALS = [
    Rival(
        id="R1",
        label="Other funding",
        claims=["k"],
        description="d",
        status="untested",
        status_reason="no data",
    ),
    Rival(
        id="R2",
        label="Seasonality",
        claims=["k", "k2"],
        description="d",
        status="weakened",
        status_reason="trend before",
    ),
    Rival(
        id="R3",
        label="Staff",
        claims=["k2"],
        description="d",
        status="remains_plausible",
        status_reason="possible",
    ),
    Rival(
        id="R4",
        label="Policy",
        claims=["k"],
        description="d",
        status="supported",
        status_reason="seen",
        evidence_for=[{"evidence_id": "D3"}],
    ),
]

P_REPORTS = 6 / 7
P_COMPUTED = 11.4 / 12.4
P_ILLUSTRATION = 22.8 / 23.8
P_MIN = 3.8 / 4.8
P_MAX = 57 / 58


@pytest.fixture(scope="module")
def steps() -> list[dict]:
    return mayne_steps(TOC.claim("k"), TOC, EVIDENCE, RIVALS, illustrative=["C3"])


def test_step1_the_claim(steps: list[dict]) -> None:
    s = steps[0]
    assert (s["step"], s["title"]) == (1, "Set out the cause-effect issue to be addressed")
    assert s["question"] == "What is the claim, where and when?"
    assert s["summary"] == "Did CCS contribute to 'Cee'? Claim: CCS did it"
    assert s["details"] == {
        "claim_id": "k",
        "finding": "KF1",
        "node": "c",
        "node_label": "Cee",
        "level": "outcome",
        "sites": ["norfolk", "oldham"],
        "year": 2,
        "prior": 0.5,
        "source": "report.txt § 2.1",
    }


def test_step2_links_assumptions_and_rivals(steps: list[dict]) -> None:
    """Into c: b->c; out of c: c->d; upstream of c: a, b, z. Assumptions on the pathway (a->b,
    z->b, b->c) and on the way out (c->d), each once, in link order: A2, A5, A1, A3 (A4 is on
    e->f, elsewhere). Rivals naming k: R1, R2, R4."""
    s = steps[1]
    assert s["step"] == 2 and s["title"].startswith("Develop the postulated theory")
    d = s["details"]
    assert d["incoming_links"] == ["b->c"]
    assert d["outgoing_links"] == ["c->d"]
    assert d["upstream_nodes"] == ["a", "b", "z"]
    assert [a["id"] for a in d["assumptions"]] == ["A2", "A5", "A1", "A3"]
    assert d["assumptions"][0] == {
        "id": "A2",
        "text": "t2",
        "verdict": "partially",
        "verdict_text": "vt2",
        "evaluator_note": "n2",
    }
    assert d["rivals"] == [
        {"id": "R1", "label": "Other funding", "status": "untested"},
        {"id": "R2", "label": "Seasonality", "status": "weakened"},
        {"id": "R4", "label": "Policy", "status": "supported"},
    ]
    assert s["summary"] == (
        "1 link(s) lead into the outcome, 3 upstream node(s); 4 assumption(s) and 3 rival"
        " explanation(s)."
    )


def test_step3_reports_only(steps: list[dict]) -> None:
    s = steps[2]
    assert s["step"] == 3
    assert s["details"]["posterior"] == pytest.approx(P_REPORTS)
    assert s["details"]["verbal"] == "likely"  # 0.857 in [0.66, 0.90)
    items = s["details"]["items"]
    assert [i["evidence_id"] for i in items] == ["D1", "D2", "D3", "D4"]
    assert items[1] == {
        "evidence_id": "D2",
        "test_type": "smoking gun",
        "likelihood_ratio": pytest.approx(12.0),
        "description": "item D2",
        "source": "report.txt § 2.1",
    }
    assert s["summary"] == (
        "4 item(s) from the reports in 3 independent group(s): posterior 0.86 (likely)."
    )


def test_step4_story_and_challenges(steps: list[dict]) -> None:
    """Supporting (LR > 1), strongest first: D2 12, D1 2, C1 1.9 (D4's LR of exactly 1 is
    neither); challenging (LR < 1): D3. Open rivals: untested R1, supported R4 (R2 weakened).
    Weak assumptions: partially (A2) and no verdict (A3)."""
    d = steps[3]["details"]
    assert d["posterior"] == pytest.approx(P_COMPUTED)
    assert d["verbal"] == "very likely"
    assert [i["evidence_id"] for i in d["strongest_support"]] == ["D2", "D1", "C1"]
    assert [i["likelihood_ratio"] for i in d["strongest_support"]] == pytest.approx([12, 2, 1.9])
    assert [i["evidence_id"] for i in d["strongest_challenge"]] == ["D3"]
    assert d["open_rivals"] == [
        {"id": "R1", "label": "Other funding", "status": "untested", "reason": "no data"},
        {"id": "R4", "label": "Policy", "status": "supported", "reason": "seen"},
    ]
    assert d["weak_assumptions"] == ["A2", "A3"]
    assert d["test_types"] == {
        "hoop": 1,
        "smoking gun": 1,
        "straw in the wind": 1,
        "straw in the wind (against the claim)": 1,
        "uninformative": 1,
    }
    assert steps[3]["summary"] == (
        "Posterior 0.92: it is very likely that CCS contributed as claimed; 3 supporting and 1"
        " challenging item(s)."
    )


def test_step5_computed_items_and_gaps(steps: list[dict]) -> None:
    d = steps[4]["details"]
    assert [(c["evidence_id"], c["status"]) for c in d["computed"]] == [
        ("C1", "supports (hoop)"),
        ("C2", "pending"),
        ("C3", "illustration on synthetic data, not counted: supports (straw in the wind)"),
    ]
    assert d["computed"][0]["source"] == "computed:x"
    assert d["computed"][0]["description"] == "item C1"
    # a hoop (C1) and a smoking gun (D2) are there, and four groups: no gap for those
    assert d["gaps"] == [
        "rival R1 (Other funding) untested: no data",
        "1 computed item(s) pending: C2",
        "1 computed item(s) from synthetic stand-in data, shown as an illustration only and"
        " not counted: C3",
    ]
    assert steps[4]["summary"] == "3 computed item(s), 1 pending; 3 gap(s) noted."


def test_step6_revised_story(steps: list[dict]) -> None:
    s = steps[5]
    d = s["details"]
    assert d["posterior_reports_only"] == pytest.approx(P_REPORTS)
    assert d["posterior_with_computed"] == pytest.approx(P_COMPUTED)
    assert d["posterior_illustration"] == pytest.approx(P_ILLUSTRATION)
    assert d["illustrative"] == ["C3"]
    assert d["verbal"] == "very likely"
    assert d["posterior_min"] == pytest.approx(P_MIN)
    assert d["posterior_max"] == pytest.approx(P_MAX)
    assert [r["prior"] for r in d["by_prior"]] == list(DEFAULT_PRIORS)
    for r in d["by_prior"]:
        odds = r["prior"] / (1 - r["prior"]) * 11.4
        assert r["posterior"] == pytest.approx(odds / (1 + odds))
    assert s["summary"] == (
        "Headline 0.92 (very likely) on the reports' evidence and 1 computed item(s) from real"
        " data; the 1 computed item(s) from synthetic stand-in data (C3) are not evidence about"
        " CCS and are left out. Illustration on synthetic data only: they would give 0.96."
        " In the headline, moving any one elicited probability by 0.1 gives 0.79 to 0.98."
    )


def test_step6_without_illustrative_items() -> None:
    """Nothing synthetic: the illustration is the headline, C3 counts (odds 22.8), and the
    summary goes from the reports' 6/7 to 22.8/23.8. Moving by 0.2: D2's alpha 0.25 gives LR
    2.4 (g1's strongest), odds 2.4 x 0.5 x 1.9 x 2 = 4.56; alpha 0.01 (clipped) LR 60, odds 114."""
    steps = mayne_steps(TOC.claim("k"), TOC, EVIDENCE, RIVALS, perturb=0.2)
    d = steps[5]["details"]
    assert d["illustrative"] == []
    assert d["posterior_illustration"] == d["posterior_with_computed"]
    assert d["posterior_with_computed"] == pytest.approx(P_ILLUSTRATION)
    assert d["posterior_min"] == pytest.approx(4.56 / 5.56)
    assert d["posterior_max"] == pytest.approx(114 / 115)
    assert steps[5]["summary"] == (
        "From 0.86 on the reports' evidence to 0.96 with the computed evidence; moving any one"
        " elicited probability by 0.2 gives 0.82 to 0.99."
    )
    assert "illustration" not in " ".join(steps[4]["details"]["gaps"])
    assert steps[4]["details"]["computed"][2]["status"] == "supports (straw in the wind)"


def test_claim_without_evidence() -> None:
    """k2 (prior 0.3) has no evidence: the posterior stays at the prior, every gap is noted,
    and its only open rival R3 is not untested (so not a gap)."""
    steps = mayne_steps(TOC.claim("k2"), TOC, EVIDENCE, RIVALS)
    assert steps[5]["summary"] == "No usable evidence: the posterior stays at the prior 0.30."
    d = steps[5]["details"]
    assert d["posterior_min"] == d["posterior_max"] == pytest.approx(0.3)
    assert steps[4]["details"]["gaps"] == [
        "no hoop test passed: nothing the claim needed to survive has been checked",
        "no smoking gun: no evidence that would be unlikely without CCS",
        "evidence from a single source group only",
    ]
    assert steps[1]["details"]["incoming_links"] == ["a->b", "z->b"]
    assert steps[1]["details"]["outgoing_links"] == ["b->c"]
    assert steps[1]["details"]["upstream_nodes"] == ["a", "z"]
    assert [a["id"] for a in steps[1]["details"]["assumptions"]] == ["A2", "A5", "A1"]


def test_only_illustrative_evidence() -> None:
    """k with only C3, and C3 synthetic: no usable item, but the illustration exists (odds 2,
    2/3) and the summary says so, without a range."""
    ev = EVIDENCE[EVIDENCE["evidence_id"] == "C3"]
    steps = mayne_steps(TOC.claim("k"), TOC, ev, illustrative=["C3"])
    assert steps[5]["details"]["posterior_illustration"] == pytest.approx(2 / 3)
    assert steps[5]["summary"] == (
        "Headline 0.50 (about as likely as not) on the reports' evidence; the 1 computed"
        " item(s) from synthetic stand-in data (C3) are not evidence about CCS and are left"
        " out. Illustration on synthetic data only: they would give 0.67."
    )


@pytest.mark.parametrize(
    ("se", "alpha", "gaps"),
    [
        # doubly decisive: both a hoop and a smoking gun
        (0.95, 0.05, []),
        # hoop only
        (0.95, 0.5, ["no smoking gun: no evidence that would be unlikely without CCS"]),
        # smoking gun only
        (0.5, 0.05, ["no hoop test passed: nothing the claim needed to survive has been checked"]),
    ],
)
def test_gaps_by_test_type(se: float, alpha: float, gaps: list[str]) -> None:
    """Two independent items (two groups): the test types alone decide the first two gaps."""
    ev = pd.DataFrame(
        [
            _row("X1", "document", "supports", se, alpha),
            _row("X2", "document", "supports", 0.6, 0.4),
        ]
    )
    steps = mayne_steps(TOC.claim("k"), TOC, ev)
    assert steps[4]["details"]["gaps"] == gaps


def test_synthesis_by_hand() -> None:
    t = synthesis(TOC, EVIDENCE, RIVALS, illustrative=["C3"]).set_index("claim_id")
    assert list(t.index) == ["k", "k2"]
    k = t.loc["k"]
    assert (k["finding"], k["year"], k["node"], k["level"]) == ("KF1", 2, "c", "outcome")
    assert k["sites"] == "norfolk, oldham"
    assert k["prior"] == 0.5
    assert k["posterior"] == pytest.approx(P_COMPUTED)
    assert k["verbal"] == "very likely"
    assert k["posterior_min"] == pytest.approx(P_MIN)
    assert k["posterior_max"] == pytest.approx(P_MAX)
    assert k["posterior_illustration"] == pytest.approx(P_ILLUSTRATION)
    counts = [
        "n_illustrative",
        "n_items",
        "n_used",
        "n_pending",
        "n_groups",
        "n_supporting",
        "n_challenging",
    ]
    assert [int(k[c]) for c in counts] == [1, 7, 5, 1, 4, 3, 1]
    assert (k["strongest_support"], k["strongest_challenge"]) == ("D2", "D3")
    assert k["test_types"] == (
        "hoop: 1; smoking gun: 1; straw in the wind: 1; straw in the wind (against the claim):"
        " 1; uninformative: 1"
    )
    assert k["rivals"] == "R1, R2, R4"
    assert k["rivals_open"] == 2
    k2 = t.loc["k2"]
    assert k2["posterior"] == k2["posterior_min"] == k2["posterior_max"] == pytest.approx(0.3)
    assert k2["posterior_illustration"] == pytest.approx(0.3)
    assert pd.isna(k2["strongest_support"]) and pd.isna(k2["strongest_challenge"])
    assert k2["test_types"] == "" and k2["rivals"] == "R2, R3" and k2["rivals_open"] == 1
    assert k2["level"] == "output"


def test_synthesis_without_illustrative_and_other_perturb() -> None:
    """No synthetic items: C3 counts in the headline (22.8/23.8), which is also the illustration;
    perturb 0.2 gives the range of test_step6_without_illustrative_items."""
    k = synthesis(TOC, EVIDENCE, RIVALS, perturb=0.2).set_index("claim_id").loc["k"]
    assert k["posterior"] == k["posterior_illustration"] == pytest.approx(P_ILLUSTRATION)
    assert k["posterior_min"] == pytest.approx(4.56 / 5.56)
    assert k["posterior_max"] == pytest.approx(114 / 115)
    assert int(k["n_illustrative"]) == 0 and int(k["n_used"]) == 6
    # strongest challenge is the smallest ratio: add a weaker challenge, D3 stays strongest
    weaker = pd.concat([EVIDENCE, pd.DataFrame([_row("D5", "survey", "challenges", 0.4, 0.5)])])
    k5 = synthesis(TOC, weaker).set_index("claim_id").loc["k"]
    assert k5["strongest_challenge"] == "D3" and int(k5["n_challenging"]) == 2
    assert math.isclose(k5["posterior"], 22.8 * 0.8 / (1 + 22.8 * 0.8))


# --------------------------------------------------------------------------- updating.py
# Survivors of a mutation run of contribution/updating.py: ties, blanks, extremes, scales.


def _item(se, alpha, group=None, eid=None):
    return {"sensitivity": se, "type1_error": alpha, "group": group, "evidence_id": eid}


def test_group_ties_keep_the_first_item_and_blank_groups_stand_alone() -> None:
    """Two supporting items with the same LR 2 (0.8/0.4 twice) in group g: the first counts;
    two challenging with the same LR 0.5 (0.3/0.6 twice): the first counts; g's LR is
    2 x 0.5 = 1. A blank group, a NaN group and no group are each their own group, named by
    position."""
    items = [
        _item(0.8, 0.4, "g", "A"),
        _item(0.8, 0.4, "g", "B"),
        _item(0.3, 0.6, "g", "C"),
        _item(0.3, 0.6, "g", "D"),
        _item(0.9, 0.3, "", "E"),
        _item(0.9, 0.3, float("nan"), "F"),
        {"sensitivity": 0.9, "type1_error": 0.3},
    ]
    t = group_likelihood_ratios(iter(items))  # any iterable of mappings
    assert list(t["group"]) == ["g", "_item:4", "_item:5", "_item:6"]
    assert list(t["n_items"]) == [4, 1, 1, 1]
    g = t.iloc[0]
    assert (g["supporting_item"], g["challenging_item"]) == ("A", "C")
    assert g["log_lr"] == pytest.approx(0.0, abs=1e-12) and g["likelihood_ratio"] == pytest.approx(
        1
    )
    assert t.iloc[3]["supporting_item"] == "item 7"
    assert list(t["likelihood_ratio"][1:]) == pytest.approx([3.0, 3.0, 3.0])
    # prior 0.5: odds 1 x 3 x 3 x 3 = 27
    assert posterior(0.5, items) == pytest.approx(27 / 28)


def test_an_uninformative_item_counts_as_neither() -> None:
    t = group_likelihood_ratios([_item(0.4, 0.4, None, "U")])
    assert t.iloc[0]["supporting_item"] is None and t.iloc[0]["challenging_item"] is None
    assert t.iloc[0]["log_lr"] == 0.0


def test_posterior_far_in_the_tails_does_not_overflow() -> None:
    """160 independent items of LR 99 (0.99/0.01) give log odds 160 ln 99 = 735, beyond
    exp's range (709.8); the posterior is 1 / (1 + 99^-160) = 1.0 in floating point, and with
    LR 1/99 it is 99^-160 / (1 + 99^-160), about 1e-319, still above zero."""
    strong = [_item(0.99, 0.01)] * 160
    weak = [_item(0.01, 0.99)] * 160
    assert posterior(0.5, strong) == 1.0
    low = posterior(0.5, weak)
    assert 0.0 < low == pytest.approx(math.exp(-160 * math.log(99)), rel=1e-6)
    # moderate odds either side of 1: prior 0.2 x LR 3 = 0.75, prior 0.9 x LR 0.01 = 0.09
    assert posterior(0.2, [_item(0.9, 0.3)]) == pytest.approx(0.75 / 1.75)
    assert posterior(0.9, [_item(0.005, 0.5)]) == pytest.approx(0.09 / 1.09)


@pytest.mark.parametrize(
    ("se", "alpha", "kwargs", "expected"),
    [
        (1.0, 0.0, {}, "doubly decisive"),
        (0.0, 1.0, {}, "doubly decisive (against the claim)"),
        (0.9, 0.1, {}, "doubly decisive"),
        (0.1, 0.9, {}, "doubly decisive (against the claim)"),
        (0.5, 0.2, {}, "straw in the wind"),
        (0.2, 0.5, {}, "straw in the wind (against the claim)"),
        (0.8, 0.2, {"high_sensitivity": 0.8, "low_type1_error": 0.2}, "doubly decisive"),
        (0.8, 0.3, {"high_sensitivity": 0.8}, "hoop"),
        (0.7, 0.2, {"low_type1_error": 0.2}, "smoking gun"),
        (1, 0, {}, "doubly decisive"),
    ],
)
def test_classify_test_edges(se, alpha, kwargs, expected) -> None:
    assert classify_test(se, alpha, **kwargs) == expected


@pytest.mark.parametrize("bad", ["0.5", None, -0.001, 1.001])
def test_classify_test_rejects(bad) -> None:
    with pytest.raises(MethodInputError, match="type1_error must be a probability"):
        classify_test(0.5, bad)


@pytest.mark.parametrize(
    ("p", "label"),
    [
        (1.0, "virtually certain"),
        (0.98999, "very likely"),
        (0.66, "likely"),
        (0.65999, "about as likely as not"),
        (0.32999, "unlikely"),
        (0.1, "unlikely"),
        (0.09999, "very unlikely"),
        (0.01, "very unlikely"),
        (0.00999, "exceptionally unlikely"),
        ("0.7", "likely"),
    ],
)
def test_verbal_confidence_band_edges(p, label) -> None:
    assert verbal_confidence(p) == label


def test_verbal_confidence_custom_and_bad_scales() -> None:
    scale = [(0.5, "high"), (0.0, "low")]
    assert verbal_confidence(0.5, scale) == "high"
    assert verbal_confidence(0.49, scale) == "low"
    for bad in ([], [(0.0, "low"), (0.5, "high")], [(0.5, "high"), (0.1, "low")]):
        with pytest.raises(MethodInputError, match="scale must list"):
            verbal_confidence(0.7, bad)
    with pytest.raises(MethodInputError, match="must be a number"):
        verbal_confidence(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- summaries.py
# contribution_summary and sensitivity_sweep on the same register, by hand.


def test_contribution_summary_for_a_bare_claim_id() -> None:
    """A bare id: prior 0.5, no claim text, every resolved item counts (C3 too): odds 22.8,
    log10 Bayes factor log10(22.8); groups g1, D3, g2, C1, C3; counted items are each group's
    strongest (D2, D3, C1, C3; D4's LR of 1 neither supports nor challenges)."""
    s = contribution_summary("k", EVIDENCE)
    assert (s["claim_id"], s["claim_text"], s["prior"]) == ("k", None, 0.5)
    assert s["posterior"] == pytest.approx(P_ILLUSTRATION)
    assert s["verbal"] == "very likely"
    assert s["log10_bayes_factor"] == pytest.approx(math.log10(22.8))
    assert (s["n_items"], s["n_used"], s["n_pending"], s["n_illustrative"]) == (7, 6, 1, 0)
    assert (s["n_groups"], s["n_supporting"], s["n_challenging"]) == (5, 4, 1)
    assert s["pending"] == ["C2"] and s["illustrative"] == []
    t = s["table"]
    assert list(t["evidence_id"]) == ["D1", "D2", "D3", "D4", "C1", "C3"]
    assert list(t["counted"]) == [False, True, True, False, True, True]
    assert list(t["likelihood_ratio"]) == pytest.approx([2, 12, 0.5, 1, 1.9, 2])
    assert list(t["kind"][:3]) == ["document", "survey", "monitoring"]
    assert list(t["site"].unique()) == ["norfolk"] and list(t["year"].unique()) == [2]
    assert list(t["group"].fillna("-")[:4]) == ["g1", "g1", "-", "g2"]
    assert t["source"].iloc[4] == "computed:x" and t["description"].iloc[0] == "item D1"
    assert list(t["direction"][:3]) == ["supports", "supports", "challenges"]
    # ungrouped items are named by their 0-based position among the used items (C2 is out)
    assert list(s["groups"]["group"]) == ["g1", "_item:2", "g2", "_item:4", "_item:5"]


def test_contribution_summary_prior_override_and_illustrative_pending() -> None:
    """Prior 0.2 overrides the claim's 0.5: odds 0.25 x 11.4 = 2.85. A pending item named as
    illustrative stays pending (only resolved items can be illustrations)."""
    s = contribution_summary(TOC.claim("k"), EVIDENCE, prior=0.2, illustrative=["C3", "C2"])
    assert s["claim_text"] == "CCS did it" and s["prior"] == 0.2
    assert s["posterior"] == pytest.approx(2.85 / 3.85)
    assert (s["n_pending"], s["n_illustrative"], s["illustrative"]) == (1, 1, ["C3"])
    assert contribution_summary(TOC.claim("k2"), EVIDENCE)["prior"] == 0.3
    with pytest.raises(MethodInputError, match="claim k: prior"):
        contribution_summary("k", EVIDENCE, prior=1.0)


def test_an_item_with_one_probability_missing_is_pending() -> None:
    """D5 has a sensitivity but no type I error, D6 the reverse: both are pending (not used),
    so the posterior stays at the reports-and-C1 value 11.4/12.4 and neither is swept."""
    half = pd.concat(
        [EVIDENCE, pd.DataFrame([_row("D5", "survey", "supports", 0.9, NAN),
                                 _row("D6", "survey", "supports", NAN, 0.2)])],
        ignore_index=True,
    )
    s = contribution_summary("k", half, illustrative=["C3"])
    assert s["pending"] == ["C2", "D5", "D6"] and s["n_used"] == 5
    assert s["posterior"] == pytest.approx(P_COMPUTED)
    sw = sensitivity_sweep("k", half, priors=(), illustrative=["C3"])
    assert set(sw["evidence_id"].dropna()) == {"D1", "D2", "D3", "D4", "C1"}


def test_sensitivity_sweep_rows_by_hand() -> None:
    sw = sensitivity_sweep("k", EVIDENCE, priors=(0.2, 0.5), illustrative=["C3"])
    assert list(sw.columns) == [
        "claim_id",
        "scenario",
        "evidence_id",
        "parameter",
        "delta",
        "value",
        "prior",
        "posterior",
    ]
    assert list(sw["scenario"]) == ["prior"] * 2 + ["elicited"] + ["perturbed"] * 20
    assert set(sw["claim_id"]) == {"k"}
    pr = sw[sw["scenario"] == "prior"]
    assert list(pr["delta"]) == pytest.approx([-0.3, 0.0])
    assert list(pr["value"]) == list(pr["prior"]) == [0.2, 0.5]
    assert list(pr["posterior"]) == pytest.approx([2.85 / 3.85, P_COMPUTED])
    assert list(pr["parameter"]) == ["prior", "prior"]
    el = sw[sw["scenario"] == "elicited"].iloc[0]
    assert (
        el["delta"] == 0.0 and el["prior"] == 0.5 and el["posterior"] == pytest.approx(P_COMPUTED)
    )
    assert pd.isna(el["parameter"]) and pd.isna(el["evidence_id"]) and pd.isna(el["value"])
    pert = sw[sw["scenario"] == "perturbed"]
    assert list(pert["evidence_id"].unique()) == ["D1", "D2", "D3", "D4", "C1"]
    assert list(pert["parameter"][:4]) == ["sensitivity"] * 2 + ["type1_error"] * 2
    assert list(pert["delta"][:4]) == pytest.approx([-0.1, 0.1, -0.1, 0.1])
    by = pert.set_index(["evidence_id", "parameter", "delta"])
    # D2's alpha 0.05 + 0.1 = 0.15: LR 4, odds 3.8; - 0.1 clipped to 0.01: LR 60, odds 57
    assert by.loc[("D2", "type1_error", 0.1), "value"] == pytest.approx(0.15)
    assert by.loc[("D2", "type1_error", 0.1), "posterior"] == pytest.approx(P_MIN)
    assert by.loc[("D2", "type1_error", -0.1), "value"] == 0.01
    assert by.loc[("D2", "type1_error", -0.1), "posterior"] == pytest.approx(P_MAX)
    # C1's sensitivity 0.95 + 0.1 clipped to 0.99: LR 1.98, odds 12 x 0.5 x 1.98 = 11.88
    assert by.loc[("C1", "sensitivity", 0.1), "value"] == 0.99
    assert by.loc[("C1", "sensitivity", 0.1), "posterior"] == pytest.approx(11.88 / 12.88)
    assert set(pert["prior"]) == {0.5}


def test_sensitivity_sweep_claim_prior_and_perturb_range() -> None:
    """k2 (prior 0.3) has no evidence: the default nine priors and the elicited row only."""
    sw = sensitivity_sweep(TOC.claim("k2"), EVIDENCE)
    assert list(sw["scenario"]) == ["prior"] * 9 + ["elicited"]
    assert list(sw["posterior"][:9]) == pytest.approx(list(DEFAULT_PRIORS))
    assert sw["posterior"].iloc[-1] == pytest.approx(0.3) and sw["prior"].iloc[-1] == 0.3
    assert sw["delta"].iloc[0] == pytest.approx(0.1 - 0.3)
    zero = sensitivity_sweep("k", EVIDENCE, priors=(), perturb=0)
    assert len(zero) == 1 + 4 * 6 and set(zero["delta"][1:]) == {0}
    assert zero["posterior"][1:].tolist() == pytest.approx([P_ILLUSTRATION] * 24)
    for bad in (1, 1.5, -0.1, True, "0.1"):
        with pytest.raises(MethodInputError, match="perturb must be in"):
            sensitivity_sweep("k", EVIDENCE, perturb=bad)


def test_six_titles_are_maynes_steps(steps: list[dict]) -> None:
    """Mayne (2008), "Contribution analysis: An approach to exploring cause and effect", ILAC
    Brief 16: the six steps, in order (the guiding questions are the book's own)."""
    assert [s["title"] for s in steps] == [
        "Set out the cause-effect issue to be addressed",
        "Develop the postulated theory of change and risks to it",
        "Gather the existing evidence on the theory of change",
        "Assemble and assess the contribution story, and challenges to it",
        "Seek out additional evidence",
        "Revise and strengthen the contribution story",
    ]
    assert [s["step"] for s in steps] == [1, 2, 3, 4, 5, 6]
    assert [s["question"] for s in steps] == [
        "What is the claim, where and when?",
        "Which links lead to the outcome, on which assumptions, and what else could explain it?",
        "What do the reports already show, and how diagnostic is it?",
        "How confident can we be, and where is the story weak?",
        "What do the book's own analyses add, and what is missing?",
        "How does confidence change with the new evidence and with other judgements?",
    ]


def test_step4_lists_at_most_three_each_way() -> None:
    """Four supporting items (LR 5, 4, 3, 2) and four challenging (LR 1/5, 1/4, 1/3, 1/2), each
    its own group: step 4 lists the three strongest of each, strongest first."""
    sup = [(0.5, 0.1), (0.8, 0.2), (0.6, 0.2), (0.6, 0.3)]
    ev = pd.DataFrame(
        [_row(f"S{i}", "document", "supports", se, a) for i, (se, a) in enumerate(sup)]
        + [_row(f"C{i}", "document", "challenges", a, se) for i, (se, a) in enumerate(sup)]
    )
    d = mayne_steps(TOC.claim("k"), TOC, ev)[3]["details"]
    assert [i["evidence_id"] for i in d["strongest_support"]] == ["S0", "S1", "S2"]
    assert [i["evidence_id"] for i in d["strongest_challenge"]] == ["C0", "C1", "C2"]
    assert [i["likelihood_ratio"] for i in d["strongest_challenge"]] == pytest.approx(
        [0.2, 0.25, 1 / 3]
    )


@pytest.mark.parametrize(
    ("se", "alpha", "support", "challenge"),
    [
        (0.5, 0.5, None, None),  # LR 1: neither supports nor challenges
        (0.95, 0.5, "X", None),  # LR 1.9: supports, however weakly
        (0.5, 0.95, None, "X"),  # LR 1/1.9: challenges
    ],
)
def test_synthesis_strongest_items_by_likelihood_ratio(se, alpha, support, challenge) -> None:
    ev = pd.DataFrame([_row("X", "document", "supports", se, alpha)])
    k = synthesis(TOC, ev).set_index("claim_id").loc["k"]
    got = [None if pd.isna(v) else v for v in (k["strongest_support"], k["strongest_challenge"])]
    assert got == [support, challenge]


def test_verbal_confidence_closed_interval() -> None:
    assert verbal_confidence(0.0) == "exceptionally unlikely"
    for bad in (1.5, -0.5):
        with pytest.raises(MethodInputError, match=r"probability must be in \[0, 1\]"):
            verbal_confidence(bad)
