"""One-phrase readings of the referral-network pages (``ccs_methods.report.network_readings``).

Each phrase must follow the data: flipping the input flips the words.
"""

from __future__ import annotations

import datetime as dt

from ccs_methods.report import network_readings as r


def _res(a: int, b: int, lo: float, hi: float) -> dict:
    return {"value_a": a, "value_b": b, "change_pct": 100 * (b / a - 1),
            "ci_low_pct": lo, "ci_high_pct": hi}


def test_direction():
    assert r.direction(1, 2) == "rose"
    assert r.direction(2, 1) == "fell"
    assert r.direction(2, 2) == "did not change"


def test_change_phrase():
    assert r.change_phrase(_res(12, 22, -7.7, 314.3)) == "+83.3% (95% CI −7.7% to +314.3%)"
    assert r.change_phrase({"error": "x"}) == "not estimable"
    assert r.change_phrase({}) == "not estimable"


def test_interval_verdict_follows_the_interval():
    assert "includes no change" in r.interval_verdict(_res(12, 22, -7.7, 300.0))
    assert "rise" in r.interval_verdict(_res(12, 22, -7.7, 300.0))
    fall = r.interval_verdict(_res(40, 20, -70.0, -30.0))
    assert "excludes no change" in fall and "fall" in fall and "rise" not in fall
    assert "cannot be estimated" in r.interval_verdict({"error": "small"})


def test_reproduction_phrase():
    assert r.reproduction_phrase(83.3, 83).startswith("reproduced")
    assert r.reproduction_phrase(-50, 83) == "differs from the report by −133.0 points"


def test_counts_phrase_hides_small_counts():
    assert r.counts_phrase(12, 22, 5) == "from 12 to 22"
    assert r.counts_phrase(0, 22, 5) == "from 0 to 22"
    text = r.counts_phrase(3, 9, 5)
    assert "3" not in text and "not shown" in text


def test_suppression_phrase():
    assert "nothing is suppressed" in r.suppression_phrase(0, 0, 5)
    text = r.suppression_phrase(2, 3, 5)
    assert "1 to 4 referrals" in text and "(2 cell(s))" in text and "3 further" in text


def test_coverage_phrase():
    full = {"months_in_period": 12, "months_with_data": 12, "partial": False,
            "first": "2020-10-01", "last": "2021-09-30"}
    assert r.coverage_phrase(full, "Year 2") == "Referrals are recorded in all 12 months of Year 2."
    part = {**full, "months_with_data": 7, "partial": True, "first": "2021-03-02"}
    text = r.coverage_phrase(part, "Year 2")
    assert text.startswith("Partial year") and "7 of the 12" in text and "2 March 2021" in text
    assert r.coverage_phrase({**full, "months_with_data": 0}, "Y").startswith("No referrals")


def test_comparison_basis_and_data_phrase():
    assert "twelve months before CCS" in r.comparison_basis("Pre-CCS", "Pre-CCS (x)")
    assert r.comparison_basis("Year 1", "Year 1 (x)") == "the previous programme year, Year 1 (x)"
    assert r.data_phrase("referrals_ncan", True).startswith("NCAN referral records (synthetic")
    assert "record-level extract" in r.data_phrase("referrals_thcan", False)


def test_reasons_caveat():
    assert "more referrals overall" in r.reasons_caveat(100, 140)
    assert "fewer referrals overall" in r.reasons_caveat(140, 100)
    assert "same total" in r.reasons_caveat(100, 100)


def test_partial_and_launch_caveats():
    assert r.partial_caveat(False) == ""
    assert "part-year" in r.partial_caveat(True)
    assert r.launch_caveat(None, "THCAN", "Year 2", 7, 12) == ""
    assert r.launch_caveat(dt.date(2021, 3, 1), "THCAN", "Year 2", 12, 12) == ""
    text = r.launch_caveat(dt.date(2021, 3, 1), "THCAN", "Year 2", 7, 12)
    assert "March 2021" in text and "7 months" in text and "not 12" in text


def test_small_phrases():
    assert "no earlier NCAN" in r.no_comparison_phrase("NCAN", "Year 1")
    assert r.diagram_note(0, 5) == ""
    assert "3 connection(s)" in r.diagram_note(3, 5)
    assert r.largest_flow_phrase("VCS", "VCS", 1865, 5).endswith("(1,865 referrals)")
    assert "below the disclosure threshold" in r.largest_flow_phrase("VCS", "VCS", 3, 5)
    assert "earlier period" in r.no_flow_change_phrase(False)
    assert "suppressed" in r.no_flow_change_phrase(True)
    assert r.grouped_reasons_phrase(0) == ""
    assert "2 reason(s)" in r.grouped_reasons_phrase(2)
    assert "calibrated" in r.calibration_phrase(True)
    assert "tests the report" in r.calibration_phrase(False)


def _why(**kw) -> str:
    base = dict(site_id="x", site_name="X", network_name="X Network", network_short="XN",
                launch=dt.date(2021, 3, 1), year_label="Year 2", year_number=2,
                year_start=dt.date(2020, 10, 1), year_end=dt.date(2021, 9, 30),
                years_listed=[2], extract_end=None)
    base.update(kw)
    return r.no_referral_reason(**base)


def test_no_referral_reason_follows_params():
    assert _why(launch=None, no_system_note="Planned (report 003).").endswith(
        "no referral system yet. Planned (report 003). The network section fills in when a "
        "referral extract is added and listed in the site's params.")
    assert "no live referral system" in _why(launch=None)
    unnamed = _why(site_id="leeds", site_name="Leeds", network_name=None, network_short=None,
                   launch=None)
    assert "None" not in unnamed
    assert "name no advice network or referral system for Leeds" in unnamed
    assert "after Year 1 ended" in _why(year_label="Year 1", year_number=1,
                                        year_end=dt.date(2020, 9, 30))
    late = _why(year_label="Year 3", year_number=3, year_start=dt.date(2021, 10, 1),
                year_end=dt.date(2022, 9, 30), extract_end=dt.date(2021, 10, 31))
    assert "No extract for this year" in late and "ends on 31 October 2021" in late
    assert "ends on" not in _why(year_label="Year 3", year_number=3,
                                 year_start=dt.date(2021, 10, 1), extract_end=dt.date(2021, 9, 1))
