"""Tests for ccs_methods.analyses.contribution: site-year contribution pages and the synthesis.

Includes the "done when" test of issue 6: change one elicited probability in a copy of
params/contribution, rebuild the synthesis from the copy, and the stated confidence of that
claim (and no other) moves in the expected direction.
"""

from __future__ import annotations

import csv
import math
import shutil

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from ccs_methods.analyses import contribution as cs
from ccs_methods.analyses.results import PENDING_KEY, CollectedResults, Problem, collect_results
from ccs_methods.analyses.survey import NEW_SERVICES_RESULT_ID, SUBGROUP_N_PENDING
from ccs_methods.data.params import load_params
from ccs_methods.methods import contribution as ca
from ccs_methods.report import pages, plots

REFERENCED = [
    "its.ncan.level_change",
    "its.ncan.slope_change",
    "network.ncan.connections_ratio",
    "network.ncan.referrals_to_vcs_ratio",
    "network.ncan.vcs_to_nas_ratio",
    "survey.capability.new_services_diff",
    "trend.lwa.norfolk",
    "trend.lwa.oldham",
    "trend.lwa.swansea",
    "trend.lwa.tower_hamlets",
]
KEY_FINDINGS = [f"y2_kf{i:02d}" for i in range(1, 13)]


def fake_results() -> dict[str, dict]:
    """One plausible result per computed row of the shipped register (no analysis run)."""
    out: dict[str, dict] = {
        "its.ncan.level_change": {"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.5, "n": 60},
        "its.ncan.slope_change": {"rate_ratio": 1.0, "ci_low": 0.98, "ci_high": 1.02, "n": 60},
        "survey.capability.new_services_diff": {
            "difference": 0.36,
            "ci_low": 0.03,
            "ci_high": 0.61,
            "n": 55,
        },
    }
    for rid in REFERENCED:
        if rid.startswith("network."):
            out[rid] = {"ratio": 1.5, "ci_low": 1.2, "ci_high": 1.8, "n": 400}
        if rid.startswith("trend."):
            out[rid] = {"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.5, "n": 5}
    return dict(sorted(out.items()))


def fake_collected(results: dict[str, dict] | None = None, problems=()) -> CollectedResults:
    res = fake_results() if results is None else results
    return CollectedResults(
        results=res,
        problems=list(problems),
        sources={rid: "fake" for rid in res},
        modules=("fake",),
    )


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def register(params):
    return cs.load_register(params, collected=fake_collected())


@pytest.fixture(scope="module")
def empty_register(params):
    problems = [
        Problem("ccs_methods.analyses.trends", "missing", "module not found"),
        Problem("ccs_methods.analyses.networks", "error", "computed_results raised KeyError: x"),
    ]
    return cs.load_register(params, collected=fake_collected({}, problems))


@pytest.fixture(scope="module")
def real_register(params):
    """The register resolved from the real analysis modules."""
    return cs.load_register(params, collected=collect_results(params))


def raw_params(params):
    """``params`` with every dataset switched to ``raw`` (no file is read: results are injected)."""
    sources = {name: "raw" for name in params.programme.data_sources}
    return params.model_copy(
        update={"programme": params.programme.model_copy(update={"data_sources": sources})}
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _figures(sections):
    return [f for s in sections for f in [s.figure, *s.figures] if f is not None]


# --------------------------------------------------------------------------- register


def test_register_resolves_every_computed_row_from_results(register):
    comp = register.evidence[register.evidence["kind"] == "computed"]
    assert len(comp) == len(REFERENCED)
    assert comp["sensitivity"].notna().all() and comp["direction"].notna().all()
    assert register.problems == []
    assert register.folder.name == "contribution"
    row = comp.set_index("source").loc["computed:its.ncan.slope_change"]
    assert (row["rule_id"], row["outcome"], row["direction"]) == (
        "its_level_change",
        "includes",
        "challenges",
    )
    assert register.used_results("y2_kf03") == {
        "its.ncan.level_change": fake_results()["its.ncan.level_change"],
        "its.ncan.slope_change": fake_results()["its.ncan.slope_change"],
    }


def test_register_without_results_leaves_rows_pending(empty_register):
    comp = empty_register.evidence[empty_register.evidence["kind"] == "computed"]
    assert comp["sensitivity"].isna().all()
    t = empty_register.table.set_index("claim_id")
    assert t.loc["y2_kf10", "n_pending"] == 5
    assert t["n_pending"].sum() == len(REFERENCED)


def test_unusable_result_is_reported_and_left_pending(params):
    res = fake_results()
    res["its.ncan.level_change"] = {"rate_ratio": 1.3, "ci_low": 1.1}  # no ci_high
    reg = cs.load_register(params, collected=fake_collected(res))
    assert len(reg.problems) == 1 and "its.ncan.level_change" in reg.problems[0]
    assert "ci_high" in reg.problems[0]
    row = reg.evidence.set_index("evidence_id").loc["E014"]
    assert pd.isna(row["sensitivity"])
    shown = cs.evidence_display(reg, reg.claim_rows("y2_kf03"))
    assert shown.loc["E014", "direction"] == "pending"
    assert "ci_high" in shown.loc["E014", "source"]


def test_real_analyses_resolve_every_computed_row(real_register):
    """With trend_sections, network_sections and survey present, every computed row resolves
    except the survey difference, held pending while its subgroup n is a synthetic assumption."""
    assert real_register.collected.problems == []
    assert real_register.problems == []
    comp = real_register.evidence[real_register.evidence["kind"] == "computed"]
    rid = comp["source"].str.removeprefix("computed:")
    held = rid == NEW_SERVICES_RESULT_ID
    given = rid.isin(list(real_register.collected.results))
    assert comp.loc[given & ~held, "sensitivity"].notna().all()
    assert comp.loc[held, "sensitivity"].isna().all() and held.sum() == 1
    assert given.sum() >= len(comp) - 2  # a provider may legitimately give no result for a site
    assert set(real_register.held) == {NEW_SERVICES_RESULT_ID}
    shown = cs.evidence_display(real_register, comp)
    for eid in comp.loc[~given, "evidence_id"]:
        assert shown.loc[eid, "direction"] == "pending" and "pending (" in shown.loc[eid, "source"]


def test_survey_difference_with_unpublished_subgroup_n_stays_pending(real_register):
    """Finding: E028 rested on an invented subgroup size. While the survey is synthetic the
    result is held back: E028 is pending with the reason and the assumed n on the page."""
    res = real_register.collected.results[NEW_SERVICES_RESULT_ID]
    e028 = cs.evidence_display(real_register, real_register.claim_rows("y2_kf05")).loc["E028"]
    assert e028["direction"] == "pending" and e028["LR"] == "" and e028["counted"] == ""
    assert SUBGROUP_N_PENDING in e028["source"]
    assert f"{res['n_funded']} CCS-funded" in e028["source"]
    assert f"n_funded {res['n_funded']}" in e028["source"]
    assert "E028" not in real_register.illustrative
    t = real_register.table.set_index("claim_id")
    assert t.loc["y2_kf05", "n_pending"] == 1


def test_held_result_in_raw_mode_resolves_and_counts(params):
    """The same survey result without a pending reason, from raw data, counts in the headline."""
    res = {k: dict(v) for k, v in fake_results().items()}
    reg = cs.load_register(raw_params(params), collected=fake_collected(res))
    assert reg.held == {} and reg.illustrative == frozenset()
    e028 = cs.evidence_display(reg, reg.claim_rows("y2_kf05")).loc["E028"]
    assert e028["direction"] == "supports" and e028["counted"] in {"yes", "no"}
    held = {k: dict(v) for k, v in res.items()}
    held[NEW_SERVICES_RESULT_ID][PENDING_KEY] = "held back for a test"
    reg2 = cs.load_register(raw_params(params), collected=fake_collected(held))
    e028 = cs.evidence_display(reg2, reg2.claim_rows("y2_kf05")).loc["E028"]
    assert e028["direction"] == "pending" and "held back for a test" in e028["source"]


def test_contribution_dir_and_claims_for(params, register):
    assert cs.contribution_dir(params) == params.root / "contribution"
    toc = register.toc
    norfolk1 = [c.id for c in cs.claims_for(toc, "norfolk", 1)]
    swansea1 = [c.id for c in cs.claims_for(toc, "swansea", 1)]
    assert "y1_norfolk_nip" in norfolk1 and "y1_norfolk_nip" not in swansea1
    assert "y1_national" in swansea1  # programme-level claims concern every site
    oldham2 = [c.id for c in cs.claims_for(toc, "oldham", 2)]
    assert oldham2 == KEY_FINDINGS
    assert "y2_kf07" not in [c.id for c in cs.claims_for(toc, "swansea", 2)]
    assert cs.claims_for(toc, "norfolk", 3) == []


def test_claim_status():
    assert cs.claim_status(0.66) == "supported"
    assert cs.claim_status(0.65) == "uncertain"
    assert cs.claim_status(0.33) == "uncertain"
    assert cs.claim_status(0.32) == "not_supported"
    with pytest.raises(ca.MethodInputError):
        cs.claim_status(1.2)


# --------------------------------------------------------------------------- evidence table


def test_evidence_display_computed_rows_show_value_ci_and_rule(register):
    t = cs.evidence_display(register, register.claim_rows("y2_kf03"))
    assert list(t.columns) == [
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
    e14 = t.loc["E014"]
    assert "rate ratio 1.3 (95% CI 1.1 to 1.5; null 1)" in e14["source"]
    assert "rule `its_level_change`" in e14["source"] and "above" in e14["source"]
    assert e14["n"] == "60"
    assert e14["direction"] == "supports" and e14["sensitivity"] == "0.60"
    assert e14["justification"].startswith("Rule its_level_change, above")
    e10 = t.loc["E010"]
    assert e10["test type"] == "straw in the wind" and e10["LR"] == "5.67"
    assert e10["source"].startswith("Year 2 evaluation, full report § 2.1 Key finding 3")
    assert set(t["counted"]) <= {"yes", "no", "no (synthetic data)"}
    # every computed item of the shipped params comes from synthetic stand-ins: never counted
    assert t.loc["E014", "counted"] == "no (synthetic data)"
    assert "illustration on synthetic data (referrals_ncan), not counted" in e14["source"]
    assert all(isinstance(v, str) for v in t.to_numpy().ravel())
    assert not any(v.endswith(("…", "...")) for v in t.to_numpy().ravel())


def test_evidence_display_pending_rows_say_why(empty_register):
    t = cs.evidence_display(empty_register, empty_register.claim_rows("y2_kf09"))
    e43 = t.loc["E043"]
    assert e43["direction"] == "pending" and e43["test type"] == "pending"
    assert e43["sensitivity"] == "" and e43["LR"] == ""
    assert "ccs_methods.analyses.networks" in e43["source"] and "KeyError" in e43["source"]


# --------------------------------------------------------------------------- synthesis


def test_every_year2_key_finding_has_evidence_and_computed_confidence(params, register):
    parts = cs.programme_synthesis(params, register=register)
    table = parts["claims"].table
    res = parts["claims"].results
    for i, cid in enumerate(KEY_FINDINGS, start=1):
        assert f"Year 2 key finding {i}" in table.index
        row = table.loc[f"Year 2 key finding {i}"]
        assert row["evidence items"] > 0
        r = res[f"contribution.{cid}"]
        assert 0 < r["posterior"] < 1 and r["posterior"] != 0.5
        assert r["posterior_min"] <= r["posterior"] <= r["posterior_max"]
        assert row["posterior"] == f"{r['posterior']:.2f}"
        assert row["confidence that CCS contributed"] == ca.verbal_confidence(r["posterior"])
    year1 = [c.id for c in register.toc.claims if c.year == 1]
    assert len(table) == len(register.toc.claims) == 12 + len(year1)
    assert list(parts) == ["claims", "computed", "theory_of_change", "assumptions"]


def test_synthesis_table_columns_and_main_rival(register):
    t = register.table.set_index("claim_id")
    assert {"status", "fragile", "strongest_test", "main_rival"} <= set(t.columns)
    assert t.loc["y2_kf03", "main_rival"].endswith("(remains plausible)")
    assert t.loc["y2_kf01", "main_rival"] == "no rival recorded"
    assert t.loc["y2_kf08", "strongest_test"] == "E037: smoking gun (LR 10.00)"
    assert (
        t["n_supporting"] + t["n_challenging"] + t["n_pending"] + t["n_illustrative"]
        == t["n_items"]
    ).all()
    fr = t["fragile"]
    assert (
        fr
        == [
            ca.verbal_confidence(a) != ca.verbal_confidence(b)
            for a, b in zip(t["posterior_min"], t["posterior_max"], strict=True)
        ]
    ).all()


def _set_probability(folder, evidence_id: str, column: str, value: float) -> float:
    path = folder / "evidence.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    old = None
    for r in rows:
        if r["evidence_id"] == evidence_id:
            old = float(r[column])
            r[column] = str(value)
    assert old is not None
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return old


@pytest.mark.parametrize(
    ("evidence_id", "column", "value", "claim", "direction"),
    [
        ("E010", "type1_error", 0.35, "y2_kf03", "down"),  # supporting item of key finding 3
        ("E010", "sensitivity", 0.95, "y2_kf03", "up"),
        ("E004", "type1_error", 0.9, "y2_kf01", "down"),  # challenging item of key finding 1
    ],
)
def test_done_when_one_elicited_probability_moves_only_its_claim(
    tmp_path, params, evidence_id, column, value, claim, direction
):
    """Issue 6, done when: change ONE elicited probability in a copy of params/contribution,
    rebuild the synthesis from the copy; the stated confidence for that claim moves in the
    expected direction and no other claim's does."""
    folder = tmp_path / "contribution"
    shutil.copytree(params.root / "contribution", folder)
    collected = fake_collected()
    before = cs.programme_synthesis(params, folder=folder, collected=collected)["claims"].results
    old = _set_probability(folder, evidence_id, column, value)
    assert old != value
    after = cs.programme_synthesis(params, folder=folder, collected=collected)["claims"].results
    assert set(before) == set(after)
    for key in before:
        b, a = before[key]["posterior"], after[key]["posterior"]
        if key == f"contribution.{claim}":
            assert (a < b) if direction == "down" else (a > b), (b, a)
        else:
            assert a == b, key


def test_posterior_chart_and_synthesis_section(register):
    s = cs.synthesis_section(register)
    assert s.figure is not None
    alt = s.figure.alt_text
    assert f"for {len(register.toc.claims)} contribution claims" in alt
    assert "Highest:" in alt and "lowest:" in alt
    assert "range (±0.1)" in s.table.columns
    assert "fragile" in s.markdown[0]


def test_pending_warning_in_synthesis(empty_register):
    s = cs.synthesis_section(empty_register)
    assert any("Computed evidence pending" in m for m in s.markdown)


def test_computed_evidence_section(register, empty_register):
    s = cs.computed_evidence_section(register)
    assert len(s.table) == len(REFERENCED)
    assert s.table["claim"].isin(KEY_FINDINGS).all()
    assert set(s.results) == set(REFERENCED)
    assert "10 have a result and 0 are pending" in s.markdown[0]
    e = cs.computed_evidence_section(empty_register)
    assert "0 have a result and 10 are pending" in e.markdown[0]
    assert "**missing**" in e.markdown[0] and "**error**" in e.markdown[0]
    assert e.results == {}


def test_theory_of_change_figure(register):
    s = cs.theory_of_change_section(register)
    fig = s.figure
    toc = register.toc
    alt = fig.alt_text
    assert f"{len(toc.nodes)} boxes in {len(toc.levels)} columns" in alt
    assert f"joined by {len(toc.links)} arrows" in alt
    assert "Organisations more likely to have a digital referral system" in alt
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(boxes) == len(toc.nodes)
    colours = {tuple(round(c, 3) for c in t.get_bbox_patch().get_facecolor()[:3]) for t in boxes}
    assert len(colours) >= 3  # supported, uncertain/unsupported, no claim


def test_node_status_and_layers_are_deterministic(register):
    t = register.table
    status = cs._node_status(register.toc, t)
    assert status["y2_digital_system"] == cs.claim_status(
        float(t.loc[t["claim_id"] == "y2_kf03", "posterior"].iloc[0])
    )
    assert status["lt_people_pilot"] == "no_claim"
    g = register.toc.graph()
    for _n, d in g.nodes(data=True):
        d["rank"] = register.toc.levels.index(d["level"])
    a = cs._ordered_layers(register.toc, g)
    b = cs._ordered_layers(register.toc, g)
    assert a == b
    assert sorted(v for layer in a.values() for v in layer) == sorted(register.toc.node_ids)
    html1 = plots.figure_html(cs.theory_of_change_figure(register.toc, t))
    html2 = plots.figure_html(cs.theory_of_change_figure(register.toc, t))
    assert html1 == html2


def test_assumptions_section(register, tmp_path):
    s = cs.assumptions_section(register)
    t = s.table
    assert list(t.index) == [f"A{i}" for i in range(1, 9)]
    assert t.loc["A1", "verdict (evaluators)"] == "Yes but…"
    assert t.loc["A2", "verdict (evaluators)"] == "Partially…"
    for a in ("A6", "A7", "A8"):
        assert t.loc[a, "verdict (evaluators)"] == "no verdict in the report"
        assert t.loc[a, "this book's reading (not a verdict)"]
    assert "Year 2 key finding 10" in t.loc["A5", "claims downstream"]
    assert "agree with the published assumptions table" in s.markdown[-1]
    missing = cs.assumptions_section(register, data_dir=tmp_path)
    assert "could not be read" in missing.markdown[-1]


def test_assumption_verdict_disagreement_is_reported(tmp_path, params):
    folder = tmp_path / "contribution"
    shutil.copytree(params.root / "contribution", folder)
    path = folder / "theory_of_change.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    verdict: partially\n", "    verdict: yes_but\n", 1)
    path.write_text(text, encoding="utf-8")
    reg = cs.load_register(params, folder=folder, collected=fake_collected())
    s = cs.assumptions_section(reg)
    assert "Register and published table differ" in s.markdown[-1]
    assert "A2" in s.markdown[-1]


# --------------------------------------------------------------------------- site-year page


def test_site_year_contribution_norfolk_year2(params, register):
    ctx = pages.page_context(params, "norfolk", 2)
    sections = cs.site_year_contribution(ctx, register=register)
    claims = cs.claims_for(register.toc, "norfolk", 2)
    assert len(claims) == 11  # key finding 7 is about Oldham and Tower Hamlets only
    assert len(sections) == 1 + 6 * len(claims)
    overview = sections[0]
    assert list(overview.table.index) == [c.finding for c in claims]
    assert overview.table.loc["Year 2 key finding 3", "items (about this site)"] == "8 (4)"
    first = sections[1:7]
    assert first[0].markdown[0].startswith("### Year 2 key finding 1")
    for k, s in enumerate(first, start=1):
        assert any(m.startswith(f"#### Step {k}.") for m in s.markdown)
    assert first[2].table is not None  # evidence table
    assert first[5].figure is not None  # sensitivity figure
    kf3 = sections[1 + 6 * 2 : 1 + 6 * 3]
    assert kf3[4].table is not None and {"E014", "E015"} <= set(kf3[4].table.index)
    assert set(kf3[4].results) == {"its.ncan.level_change", "its.ncan.slope_change"}
    assert kf3[3].table is not None and "rv_covid_demand" in kf3[3].table.index
    figs = _figures(sections)
    assert len(figs) == len(claims)
    assert all(getattr(f, "alt_text", "") for f in figs)


def test_site_year_pending_banner(params, empty_register):
    ctx = pages.page_context(params, "norfolk", 2)
    overview = cs.site_year_contribution(ctx, register=empty_register)[0]
    text = "\n".join(overview.markdown)
    assert "Computed evidence pending" in text
    assert "Year 2 key finding 10" in text and "ccs_methods.analyses.trends" in text


def test_year3_note_says_no_evidence_and_what_is_needed(params, register):
    ctx = pages.page_context(params, "swansea", 3)
    sections = cs.site_year_contribution(ctx, register=register)
    assert len(sections) == 1
    note = sections[0].note
    assert note.startswith(":::{admonition} No contribution evidence yet for Year 3")
    assert "No contribution evidence has been recorded for Swansea in Year 3" in note
    assert "What would be needed" in note
    assert "`y3_cross_referrals`" in note and "Evidence rows" in note
    assert cs.no_evidence_note(ctx, register.toc) == note


def test_claims_without_evidence_are_named(tmp_path, params):
    folder = tmp_path / "contribution"
    shutil.copytree(params.root / "contribution", folder)
    path = folder / "evidence.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    rows = [r for r in rows if r["claim_id"] != "y1_national"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    rivals = folder / "rivals.yml"
    for eid in ("E085", "E086"):  # year 1 national items referenced by rivals
        rivals.write_text(
            rivals.read_text(encoding="utf-8").replace(
                f"evidence_id: {eid}",
                'source: "002_54b7c9cad1604105.txt § Impact on national systems"',
            ),
            encoding="utf-8",
        )
    reg = cs.load_register(params, folder=folder, collected=fake_collected())
    ctx = pages.page_context(params, "oldham", 1)
    sections = cs.site_year_contribution(ctx, register=reg)
    text = "\n".join(sections[0].markdown)
    assert "Claims without evidence" in text and "Year 1: impact on national systems" in text
    assert "Year 1: impact on national systems" not in sections[0].table.index


def test_claim_steps_without_site(register):
    claim = register.toc.claim("y2_kf12")
    steps = cs.claim_steps(claim, register)
    assert len(steps) == 6
    assert "evidence items are about this site" not in steps[0].markdown[1]
    assert "the programme as a whole" in steps[0].markdown[1]


def test_sensitivity_figure(register):
    claim = register.toc.claim("y2_kf08")
    fig = cs.sensitivity_figure(claim, register.claim_rows("y2_kf08"))
    assert len(fig.axes) == 2
    assert fig.alt_text.startswith("Two-panel chart for Year 2 key finding 8")
    assert "most influential item is" in fig.alt_text
    none = cs.sensitivity_figure(claim, register.claim_rows("y2_kf08").iloc[0:0])
    assert "no evidence is usable yet" in none.alt_text


def test_site_year_page_is_deterministic(params, register):
    ctx = pages.page_context(params, "swansea", 1)
    a = cs.site_year_contribution(ctx, register=register)
    html_a = [plots.figure_html(f) for f in _figures(a)[:2]]
    plt.close("all")
    b = cs.site_year_contribution(ctx, register=register)
    html_b = [plots.figure_html(f) for f in _figures(b)[:2]]
    assert html_a == html_b
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.markdown == y.markdown and x.note == y.note and x.results == y.results
        assert (x.table is None and y.table is None) or x.table.equals(y.table)


def test_site_year_loads_register_from_folder(tmp_path, params):
    folder = tmp_path / "contribution"
    shutil.copytree(params.root / "contribution", folder)
    ctx = pages.page_context(params, "norfolk", 1)
    sections = cs.site_year_contribution(ctx, folder=folder, collected=fake_collected())
    assert "y1_norfolk_nip" in sections[0].table.to_string() or (
        "Year 1 Norfolk case paper: Norwich Integration Partnership" in sections[0].table.index
    )


def test_computed_evidence_from_synthetic_data_is_labelled(params, register, empty_register):
    assert register.synthetic["survey.capability.new_services_diff"] == ("survey_local_systems",)
    assert register.synthetic["its.ncan.level_change"] == ("referrals_ncan",)
    s = cs.synthesis_section(register)
    assert s.banner and "Synthetic data" in s.banner and "`lwa_awards`" in s.banner
    assert cs.synthesis_section(empty_register).banner is None
    ctx = pages.page_context(params, "norfolk", 2)
    sections = cs.site_year_contribution(ctx, register=register)
    assert "`referrals_ncan`" in sections[0].banner
    kf1_step5 = sections[5]
    assert kf1_step5.title == "Year 2 key finding 1: additional evidence"
    assert kf1_step5.banner is None  # no computed evidence for key finding 1
    kf3_step5 = sections[1 + 6 * 2 + 4]
    assert "`referrals_ncan`" in kf3_step5.banner


# --------------------------------------------------------------------------- synthetic vs raw


def _reports_only(register, claim):
    rows = register.claim_rows(claim.id)
    return ca.contribution_summary(claim, rows[rows["kind"] != "computed"])["posterior"]


def test_headline_posterior_leaves_out_synthetic_computed_evidence(params, register):
    """Finding: synthetic stand-ins are not evidence about CCS. With every dataset synthetic
    (the shipped params), each claim's headline posterior and verbal confidence are the
    reports-only ones; the with-computed posterior is shown only as a labelled illustration."""
    comp = register.evidence[register.evidence["kind"] == "computed"]
    assert register.illustrative == frozenset(comp["evidence_id"])
    t = register.table.set_index("claim_id")
    moved = 0
    for c in register.toc.claims:
        head = _reports_only(register, c)
        full = ca.contribution_summary(c, register.evidence)["posterior"]
        assert t.loc[c.id, "posterior"] == pytest.approx(head)
        assert t.loc[c.id, "verbal"] == ca.verbal_confidence(head)
        assert t.loc[c.id, "posterior_illustration"] == pytest.approx(full)
        moved += not math.isclose(head, full)
    assert moved >= 1  # the illustration differs where computed items exist
    sec = cs.synthesis_section(register)
    assert cs.ILLUSTRATION_COLUMN in sec.table.columns
    row = sec.table.loc["Year 2 key finding 3"]
    assert row["posterior"] == f"{t.loc['y2_kf03', 'posterior']:.2f}"
    assert row[cs.ILLUSTRATION_COLUMN].startswith(
        f"{t.loc['y2_kf03', 'posterior_illustration']:.2f}"
    )
    assert any("not on synthetic data" in m for m in sec.markdown)
    r = sec.results["contribution.y2_kf03"]
    assert r["n_illustrative"] == 2 and r["posterior"] != r["posterior_illustration"]
    ctx = pages.page_context(params, "norfolk", 2)
    sections = cs.site_year_contribution(ctx, register=register)
    assert cs.ILLUSTRATION_COLUMN in sections[0].table.columns
    kf3_step6 = next(s for s in sections if s.title == "Year 2 key finding 3: sensitivity")
    text = kf3_step6.markdown[0]
    assert f"Headline {t.loc['y2_kf03', 'posterior']:.2f}" in text
    assert "Illustration on synthetic data only" in text
    assert "with the computed evidence" not in text


def test_raw_data_sources_let_computed_evidence_count(params):
    """When params say every dataset is raw, computed evidence counts in the headline."""
    reg = cs.load_register(raw_params(params), collected=fake_collected())
    assert reg.illustrative == frozenset()
    assert all(v == () for v in reg.synthetic.values())
    t = reg.table.set_index("claim_id")
    for c in reg.toc.claims:
        full = ca.contribution_summary(c, reg.evidence)["posterior"]
        assert t.loc[c.id, "posterior"] == pytest.approx(full)
        assert t.loc[c.id, "posterior_illustration"] == pytest.approx(full)
    assert t.loc["y2_kf03", "posterior"] != pytest.approx(
        _reports_only(reg, reg.toc.claim("y2_kf03"))
    )
    sec = cs.synthesis_section(reg)
    assert cs.ILLUSTRATION_COLUMN not in sec.table.columns and sec.banner is None
    assert not any("not on synthetic data" in m for m in sec.markdown)
    ctx = pages.page_context(raw_params(params), "norfolk", 2)
    sections = cs.site_year_contribution(ctx, register=reg)
    kf3_step6 = next(s for s in sections if s.title == "Year 2 key finding 3: sensitivity")
    assert "with the computed evidence" in kf3_step6.markdown[0]


def test_templates_show_whole_cells_and_the_survey(params):
    """Review finding: cells were truncated with '...' because the contribution templates never
    set the display options; the survey analysis was never rendered on the programme page."""
    notebooks = params.root.parent / "notebooks"
    site = (notebooks / "site_year_contribution.md").read_text(encoding="utf-8")
    prog = (notebooks / "programme_contribution.md").read_text(encoding="utf-8")
    assert "pages.setup_display()" in site and "pages.setup_display()" in prog
    assert "survey.survey_section(params)" in prog
    assert "sitepage.show_section(survey_part)" in prog
    assert "## Local systems survey" in prog
