"""Tests for ccs_methods.report.contribution_readings: one phrase each, glued into the prose."""

from __future__ import annotations

import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import contribution as ca
from ccs_methods.report import contribution_readings as rd

BANDS = {"supported_at": 0.66, "unsupported_below": 0.33}


def test_claim_status_bands_and_errors():
    assert rd.claim_status(0.66, **BANDS) == "supported"
    assert rd.claim_status(0.65, **BANDS) == "uncertain"
    assert rd.claim_status(0.33, **BANDS) == "uncertain"
    assert rd.claim_status(0.32, **BANDS) == "not_supported"
    assert rd.claim_status(0.7, supported_at=0.8, unsupported_below=0.5) == "uncertain"
    with pytest.raises(MethodInputError, match="posterior"):
        rd.claim_status(1.2, **BANDS)
    with pytest.raises(MethodInputError, match="posterior"):
        rd.claim_status(float("nan"), **BANDS)
    with pytest.raises(MethodInputError, match="unsupported_below"):
        rd.claim_status(0.5, supported_at=0.3, unsupported_below=0.6)


def test_status_label():
    assert rd.status_label("supported", **BANDS) == "supported (posterior ≥ 0.66)"
    assert rd.status_label("uncertain", **BANDS) == "uncertain or mixed (0.33 to 0.66)"
    assert rd.status_label("not_supported", **BANDS) == "not supported (posterior < 0.33)"
    assert rd.status_label("no_claim", **BANDS) == "no claim on this outcome"
    with pytest.raises(MethodInputError, match="unknown claim status"):
        rd.status_label("maybe", **BANDS)


def test_verdict_and_assumption_labels():
    assert rd.verdict_label("yes_but") == "Yes but…"
    assert rd.verdict_label(None) == "no verdict in the report"
    assert rd.verdict_label("other") == "other"
    assert rd.assumption_label("as3_cogs") == "A3"
    assert rd.assumption_label("extra") == "extra"


def test_cite_source_and_site_names():
    assert rd.cite_source("003_be4685d4f24850f1.txt § 2.2 Key finding 5") == (
        "Year 2 evaluation, full report § 2.2 Key finding 5"
    )
    assert rd.cite_source("unknown.txt § s") == "unknown.txt § s"
    assert rd.cite_source("no section") == "no section"
    assert rd.site_names(["tower_hamlets", "programme"]) == (
        "Tower Hamlets, the programme as a whole"
    )


def test_list_items_and_years_phrases():
    assert rd.list_phrase(["a", "b"]) == "a; b"
    assert rd.list_phrase([]) == "none"
    assert rd.list_phrase([], none="nothing") == "nothing"
    assert rd.items_phrase(1) == "1 item"
    assert rd.items_phrase(3, "claim") == "3 claims"
    assert rd.years_phrase([2, 1, 2]) == "years 1 and 2"
    assert rd.years_phrase([1]) == "year 1"
    assert rd.years_phrase([1, 2, 3]) == "years 1, 2 and 3"
    assert rd.years_phrase([]) == "no year"
    assert rd.pending_phrase([]) == "none"
    assert rd.pending_phrase(["Year 2 key finding 5"]) == "Year 2 key finding 5"


def test_range_illustration_and_headline():
    assert rd.range_label(0.8, 0.912) == "0.80 to 0.91"
    assert rd.range_label(0.5, 0.7, True) == "0.50 to 0.70 (fragile)"
    assert rd.illustration_label(0.93, 0) == "no synthetic item"
    assert rd.illustration_label(0.93, 1) == "0.93 (1 synthetic item)"
    assert rd.illustration_label(0.934, 2) == "0.93 (2 synthetic items)"
    h = rd.claim_headline(0.874, "likely", 0.8, 0.91)
    assert h.startswith("posterior 0.87: likely that CCS contributed")
    assert "0.80 to 0.91" in h


def test_verbal_scale():
    text = rd.verbal_scale()
    assert text.startswith("virtually certain from 0.99")
    assert "exceptionally unlikely" not in text  # lower bound 0 is not a cut point
    assert text.count(";") == len(ca.VERBAL_SCALE) - 2


def test_strongest_test_and_main_rival():
    assert rd.strongest_test(None) == "none"
    assert rd.strongest_test("E037", "smoking gun", 10) == "E037: smoking gun (LR 10.00)"

    def rival(rid, status, claims=("c1",)):
        return ca.Rival.model_construct(
            id=rid,
            label=f"label {rid}",
            claims=list(claims),
            description="d",
            status=status,
            status_reason="r",
        )

    assert rd.main_rival("c1", []) == "no rival recorded"
    assert rd.main_rival("c1", [rival("a", "ruled_out"), rival("b", "weakened")]) == (
        "none open (2 weakened or ruled out)"
    )
    rivals = [rival("a", "untested"), rival("b", "remains_plausible"), rival("c", "weakened")]
    assert rd.main_rival("c1", rivals) == "label b (remains plausible)"
    assert rd.main_rival("c2", rivals) == "no rival recorded"


def test_computed_value():
    from ccs_methods.data.params import load_params

    toc = ca.load_theory_of_change(load_params().root / "contribution" / "theory_of_change.yml")
    interval = next(r for r in toc.evidence_rules if r.id == "its_level_change")
    threshold = next((r for r in toc.evidence_rules if r.kind == "threshold"), None)
    if threshold is not None:
        got = rd.computed_value(threshold, {str(threshold.value): 2.5})
        assert got.startswith(f"{threshold.value} 2.5 (threshold")
    res = {"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.5, "n": 60}
    assert rd.computed_value(interval, res) == (
        f"{interval.estimate.replace('_', ' ')} 1.3 (95% CI 1.1 to 1.5; null 1), n = 60"
    )
    assert rd.computed_value(None, {"a": 1}) == "a 1"


def test_synthetic_data_register_and_agreement_phrases():
    assert rd.synthetic_phrase([], []).startswith("none of the computed items")
    one = rd.synthetic_phrase(["E014"], ["referrals_ncan"])
    assert one == "1 computed item (E014) comes from synthetic stand-in data (referrals_ncan)"
    two = rd.synthetic_phrase(["E014", "E015"], ["a", "b"])
    assert two.startswith("2 computed items (E014, E015) come from")
    assert rd.data_phrase(True, ["survey"]).startswith("a synthetic stand-in (survey)")
    assert rd.data_phrase(False, ["survey"]) == "a real extract (survey)"
    assert rd.register_phrase("n unknown") == "stays pending in the evidence register (n unknown)"
    assert rd.register_phrase(None).startswith("enters the evidence register")
    assert rd.agreement_phrase([]) == "agree with the published assumptions table"
    assert rd.agreement_phrase(["A2: x"]).endswith("table: A2: x")


def test_register_scope_names_the_reported_years_or_none() -> None:
    assert rd.register_scope("Norfolk", (2, 1)) == (
        "the published reports its rows come from cover Norfolk in years 1 and 2 only")
    assert rd.register_scope("Leeds", ()) == (
        "the published reports its rows come from do not cover Leeds")
