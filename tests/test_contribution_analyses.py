"""Tests for ccs_methods.analyses.contribution and .contribution_claims: register, synthesis,
and each claim of a site and year in Mayne's six steps (results: tables and figures, no prose).

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
from ccs_methods.analyses import contribution_claims as cc
from ccs_methods.analyses.results import PENDING_KEY, CollectedResults, Problem, collect_results
from ccs_methods.analyses.survey import NEW_SERVICES_RESULT_ID, SUBGROUP_N_PENDING
from ccs_methods.data.params import load_params
from ccs_methods.data.settings import ContributionSettings
from ccs_methods.methods import contribution as ca
from ccs_methods.report import plots

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
SET = ContributionSettings()
BANDS = {"supported_at": SET.supported_at, "unsupported_below": SET.unsupported_below}
SWEEP = {
    "sensitivity_perturb": SET.sensitivity_perturb,
    "sensitivity_priors": SET.sensitivity_priors,
}


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


def table(register):
    return cs.synthesis_table(register, perturb=SET.sensitivity_perturb, **BANDS)


def programme(register, **kw):
    return cs.programme_synthesis(
        register, sensitivity_perturb=SET.sensitivity_perturb, **BANDS, **kw
    )


def site_year(register, site, year):
    return cc.site_year_contribution(register, site, year, **BANDS, **SWEEP)


# --------------------------------------------------------------------------- register


def test_register_resolves_every_computed_row_from_results(register):
    comp = register.evidence[register.evidence["kind"] == "computed"]
    assert len(comp) == len(REFERENCED)
    assert comp["sensitivity"].notna().all() and comp["direction"].notna().all()
    assert register.problems == []
    assert register.folder.name == "contribution"
    row = comp.set_index("source").loc["computed:its.ncan.slope_change"]
    # the slope change has its own rule (its justification speaks of growth, not a level)
    assert (row["rule_id"], row["outcome"], row["direction"]) == (
        "its_slope_change",
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
    t = table(empty_register).set_index("claim_id")
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
    t = table(real_register).set_index("claim_id")
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
    assert "rule its_level_change," in e14["source"] and "above" in e14["source"]
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


def test_every_year2_key_finding_has_evidence_and_computed_confidence(register):
    syn = programme(register)
    shown = syn.display
    t = syn.table.set_index("claim_id")
    for i, cid in enumerate(KEY_FINDINGS, start=1):
        row = shown.loc[f"Year 2 key finding {i}"]
        assert row["evidence items"] > 0
        r = t.loc[cid]
        assert 0 < r["posterior"] < 1 and r["posterior"] != 0.5
        assert r["posterior_min"] <= r["posterior"] <= r["posterior_max"]
        assert row["posterior"] == f"{r['posterior']:.2f}"
        assert row["confidence that CCS contributed"] == ca.verbal_confidence(r["posterior"])
    year1 = [c.id for c in register.toc.claims if c.year == 1]
    assert len(shown) == len(register.toc.claims) == 12 + len(year1)
    assert sum(syn.counts.values()) == len(shown)


def test_synthesis_table_keeps_default_bands_and_follows_settings(register):
    """The defaults are the settings' defaults; other bands and steps change status and range."""
    default = cs.synthesis_table(register)
    assert default.equals(table(register))
    strict = cs.synthesis_table(register, supported_at=0.95, unsupported_below=0.9)
    assert (strict["posterior"] == default["posterior"]).all()
    assert (strict["status"] != "supported").sum() > (default["status"] != "supported").sum()
    wide = cs.synthesis_table(register, perturb=0.2)
    assert (
        wide["posterior_max"] - wide["posterior_min"]
        >= default["posterior_max"] - default["posterior_min"] - 1e-12
    ).all()


def test_synthesis_table_columns_and_main_rival(register):
    t = table(register).set_index("claim_id")
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
    reg = cs.load_register(params, folder=folder, collected=collected)
    before = table(reg).set_index("claim_id")["posterior"].to_dict()
    old = _set_probability(folder, evidence_id, column, value)
    assert old != value
    reg = cs.load_register(params, folder=folder, collected=collected)
    after = table(reg).set_index("claim_id")["posterior"].to_dict()
    assert set(before) == set(after)
    for key in before:
        b, a = before[key], after[key]
        if key == claim:
            assert (a < b) if direction == "down" else (a > b), (b, a)
        else:
            assert a == b, key


def test_programme_synthesis_parts(register):
    syn = programme(register)
    alt = syn.chart.alt_text
    assert f"for {len(register.toc.claims)} contribution claims" in alt
    assert "Highest:" in alt and "lowest:" in alt
    assert "range" in syn.display.columns
    assert syn.fragile == syn.table.loc[syn.table["fragile"], "finding"].tolist()
    assert syn.n_pending == 0
    assert set(syn.synthetic_datasets) >= {"lwa_awards", "referrals_ncan"}
    assert syn.theory_of_change.alt_text.startswith("Diagram of the theory of change")
    assert len(syn.computed) == len(REFERENCED)
    assert list(syn.assumptions.table.index) == [f"A{i}" for i in range(1, 9)]


def test_pending_count_in_synthesis(empty_register):
    syn = programme(empty_register)
    assert syn.n_pending == len(REFERENCED)
    assert syn.illustrative == [] and syn.synthetic_datasets == []
    assert cs.ILLUSTRATION_COLUMN not in syn.display.columns


def test_computed_evidence_table_and_analyses_asked(register, empty_register):
    t = cs.computed_evidence_table(register)
    assert len(t) == len(REFERENCED)
    assert t["claim"].isin(KEY_FINDINGS).all()
    assert (t["direction"] != "pending").all()
    e = cs.computed_evidence_table(empty_register)
    assert (e["direction"] == "pending").all()
    asked = cs.analyses_asked(empty_register).set_index("module")
    assert asked.loc["ccs_methods.analyses.trends", "problems"].startswith("missing")
    assert "KeyError" in asked.loc["ccs_methods.analyses.networks", "problems"]
    assert asked.loc["fake", "results"] == "no results"
    full = cs.analyses_asked(register).set_index("module")
    assert "its.ncan.level_change" in full.loc["fake", "results"]
    assert full.loc["fake", "problems"] == ""


def test_illustrative_items(register, empty_register):
    ids, names = cs.illustrative_items(register, ["y2_kf03"])
    assert ids == ["E014", "E015"] and names == ["referrals_ncan"]
    assert cs.illustrative_items(register, ["y2_kf01"]) == ([], [])
    assert cs.illustrative_items(empty_register, KEY_FINDINGS) == ([], [])


def test_rule_for_and_pending_reason(register, empty_register):
    assert cs.rule_for(register.toc, "its_level_change").kind == "interval"
    assert cs.rule_for(register.toc, None) is None
    assert cs.rule_for(register.toc, float("nan")) is None
    assert cs.rule_for(register.toc, "no_such_rule") is None
    why = cs.pending_reason(empty_register, "network.ncan.connections_ratio")
    assert "KeyError" in why
    assert cs.pending_reason(register, "no.such.result") == (
        "the analysis gave no result with this id"
    )


def test_add_illustration_and_synthesis_display(register, empty_register):
    t = table(register)
    shown = cs.synthesis_display(t)
    assert cs.ILLUSTRATION_COLUMN in shown.columns
    assert (
        list(shown.columns).index(cs.ILLUSTRATION_COLUMN) == list(shown.columns).index("range") + 1
    )
    assert shown.loc["Year 2 key finding 1", cs.ILLUSTRATION_COLUMN] == "no synthetic item"
    plain = pd.DataFrame({"range": ["x"] * len(t)})
    none = cs.add_illustration(plain.copy(), table(empty_register), "range")
    assert list(none.columns) == ["range"]


def test_theory_of_change_figure(register):
    from ccs_methods.report import contribution_figures as cf

    t = table(register)
    fig = cf.theory_of_change_figure(register.toc, t, **BANDS)
    toc = register.toc
    alt = fig.alt_text
    assert f"{len(toc.nodes)} boxes in {len(toc.levels)} columns" in alt
    assert f"joined by {len(toc.links)} arrows" in alt
    assert "Organisations more likely to have a digital referral system" in alt
    ax = fig.axes[0]
    boxes = [x for x in ax.texts if x.get_bbox_patch() is not None]
    assert len(boxes) == len(toc.nodes)
    colours = {tuple(round(c, 3) for c in b.get_bbox_patch().get_facecolor()[:3]) for b in boxes}
    assert len(colours) >= 3  # supported, uncertain/unsupported, no claim
    html1 = plots.figure_html(cf.theory_of_change_figure(register.toc, t, **BANDS))
    html2 = plots.figure_html(cf.theory_of_change_figure(register.toc, t, **BANDS))
    assert html1 == html2


def test_node_status(register):
    from ccs_methods.report import contribution_figures as cf

    t = table(register)
    status = cf.node_status(register.toc, t)
    assert status["y2_digital_system"] == t.loc[t["claim_id"] == "y2_kf03", "status"].iloc[0]
    assert status["lt_people_pilot"] == "no_claim"


def test_assumptions_check(register, tmp_path):
    t = table(register)
    check = cs.assumptions_check(register, t)
    a = check.table
    assert list(a.index) == [f"A{i}" for i in range(1, 9)]
    assert a.loc["A1", "verdict (evaluators)"] == "Yes but…"
    assert a.loc["A2", "verdict (evaluators)"] == "Partially…"
    for x in ("A6", "A7", "A8"):
        assert a.loc[x, "verdict (evaluators)"] == "no verdict in the report"
        assert a.loc[x, "this book's reading (not a verdict)"]
    assert check.no_verdict == ["A6", "A7", "A8"]
    assert "Year 2 key finding 10" in a.loc["A5", "claims downstream"]
    assert check.differences == []
    # issue 12: an unreadable published table fails the page, it is not quoted on it
    from ccs_methods.errors import CCSInputError

    with pytest.raises(CCSInputError, match=r"assumptions\.csv"):
        cs.assumptions_check(register, t, data_dir=tmp_path)


def test_assumption_verdict_disagreement_is_reported(tmp_path, params):
    folder = tmp_path / "contribution"
    shutil.copytree(params.root / "contribution", folder)
    path = folder / "theory_of_change.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    verdict: partially\n", "    verdict: yes_but\n", 1)
    path.write_text(text, encoding="utf-8")
    reg = cs.load_register(params, folder=folder, collected=fake_collected())
    check = cs.assumptions_check(reg, table(reg))
    assert len(check.differences) == 1 and check.differences[0].startswith("A2:")


# --------------------------------------------------------------------------- site-year page


def test_site_year_contribution_norfolk_year2(register):
    page = site_year(register, "norfolk", 2)
    claims = cs.claims_for(register.toc, "norfolk", 2)
    assert len(claims) == 11  # key finding 7 is about Oldham and Tower Hamlets only
    assert page.has_claims and page.claims == claims and page.without_evidence == []
    assert list(page.overview.index) == [c.finding for c in claims]
    assert page.overview.loc["Year 2 key finding 3", "items (about this site)"] == "8 (4)"
    assert cs.ILLUSTRATION_COLUMN in page.overview.columns
    assert len(page.steps) == len(claims)
    first = page.steps[0]
    assert first.claim.id == "y2_kf01"
    assert list(first.steps["step"]) == [1, 2, 3, 4, 5, 6]
    assert not first.reports.empty and first.computed.empty
    assert first.figure.alt_text
    kf3 = page.steps[2]
    assert {"E014", "E015"} <= set(kf3.computed.index)
    assert "rv_covid_demand" in kf3.rivals.index
    assert kf3.synthetic_datasets == ["referrals_ncan"]
    assert kf3.claim_table.loc["evidence items", "value"] == "8 (4 about this site)"
    assert page.pending == []
    assert page.synthetic_datasets == sorted(page.synthetic_datasets)


def test_site_year_pending(empty_register):
    page = site_year(empty_register, "norfolk", 2)
    assert "Year 2 key finding 10" in page.pending
    assert page.illustrative == []


def test_year3_has_no_claims_and_lists_the_outcomes(register):
    page = site_year(register, "swansea", 3)
    assert not page.has_claims and page.steps == [] and page.overview.empty
    assert "y3_cross_referrals" in set(page.outcomes["id"])
    assert list(cc.year_outcomes(register.toc, 9).columns) == ["outcome", "id"]


def test_claims_without_evidence_are_listed(tmp_path, params):
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
    page = site_year(reg, "oldham", 1)
    assert [c.finding for c in page.without_evidence] == ["Year 1: impact on national systems"]
    assert "Year 1: impact on national systems" not in page.overview.index


def test_claim_steps_without_site(register):
    steps = cc.claim_steps(register.toc.claim("y2_kf12"), register, **BANDS, **SWEEP)
    assert "about this site" not in steps.claim_table.loc["evidence items", "value"]
    assert "the programme as a whole" in steps.claim_table.loc["sites", "value"]
    assert steps.status in {"supported", "uncertain", "not_supported"}
    assert steps.posterior_min <= steps.posterior <= steps.posterior_max
    assert steps.headline.startswith(f"posterior {steps.posterior:.2f}")
    assert list(steps.by_prior["prior"]) == [f"{p:.1f}" for p in SET.sensitivity_priors]
    assert set(steps.pathway["part"]) >= {"link into the outcome"}


def test_claim_steps_follow_the_sweep_settings(register):
    claim = register.toc.claim("y2_kf08")
    narrow = cc.claim_steps(
        claim, register, **BANDS, sensitivity_perturb=0.05, sensitivity_priors=(0.2, 0.5)
    )
    wide = cc.claim_steps(claim, register, **BANDS, **SWEEP)
    assert len(narrow.by_prior) == 2
    assert narrow.posterior == pytest.approx(wide.posterior)
    assert narrow.posterior_max - narrow.posterior_min <= wide.posterior_max - wide.posterior_min


def test_rivals_table(register):
    t = cc.rivals_table(register.rivals)
    assert list(t.columns) == [
        "rival",
        "status",
        "evidence for",
        "evidence against",
        "why this status",
    ]
    assert len(t) == len(register.rivals) and t.index.name == "id"
    assert cc.rivals_table([]).empty


def test_sensitivity_figure(register):
    from ccs_methods.report import contribution_figures as cf

    claim = register.toc.claim("y2_kf08")
    kw = {"priors": SET.sensitivity_priors, "perturb": SET.sensitivity_perturb, **BANDS}
    fig = cf.sensitivity_figure(claim, register.claim_rows("y2_kf08"), **kw)
    assert len(fig.axes) == 2
    assert fig.alt_text.startswith("Two-panel chart for Year 2 key finding 8")
    assert "most influential item is" in fig.alt_text
    none = cf.sensitivity_figure(claim, register.claim_rows("y2_kf08").iloc[0:0], **kw)
    assert "no evidence is usable yet" in none.alt_text


def test_posterior_chart(register):
    from ccs_methods.report import contribution_figures as cf

    fig = cf.posterior_chart(table(register), perturb=0.2, **BANDS)
    assert "±0.2" in fig.axes[0].get_xlabel()
    assert f"{SET.supported_at:g} or above" in fig.alt_text


def test_site_year_page_is_deterministic(register):
    a = site_year(register, "swansea", 1)
    html_a = [plots.figure_html(s.figure) for s in a.steps[:2]]
    plt.close("all")
    b = site_year(register, "swansea", 1)
    html_b = [plots.figure_html(s.figure) for s in b.steps[:2]]
    assert html_a == html_b
    assert a.overview.equals(b.overview)
    for x, y in zip(a.steps, b.steps, strict=True):
        assert x.reports.equals(y.reports) and x.computed.equals(y.computed)


def test_computed_evidence_from_synthetic_data_is_labelled(register, empty_register):
    assert register.synthetic["survey.capability.new_services_diff"] == ("survey_local_systems",)
    assert register.synthetic["its.ncan.level_change"] == ("referrals_ncan",)
    assert register.synthetic_datasets(register.synthetic) == sorted(
        {d for v in register.synthetic.values() for d in v}
    )
    assert empty_register.synthetic_datasets(empty_register.synthetic) == []
    page = site_year(register, "norfolk", 2)
    assert "referrals_ncan" in page.synthetic_datasets
    assert page.steps[0].synthetic_datasets == []  # no computed evidence for key finding 1


# --------------------------------------------------------------------------- synthetic vs raw


def _reports_only(register, claim):
    rows = register.claim_rows(claim.id)
    return ca.contribution_summary(claim, rows[rows["kind"] != "computed"])["posterior"]


def test_headline_posterior_leaves_out_synthetic_computed_evidence(register):
    """Finding: synthetic stand-ins are not evidence about CCS. With every dataset synthetic
    (the shipped params), each claim's headline posterior and verbal confidence are the
    reports-only ones; the with-computed posterior is shown only as a labelled illustration."""
    comp = register.evidence[register.evidence["kind"] == "computed"]
    assert register.illustrative == frozenset(comp["evidence_id"])
    t = table(register).set_index("claim_id")
    moved = 0
    for c in register.toc.claims:
        head = _reports_only(register, c)
        full = ca.contribution_summary(c, register.evidence)["posterior"]
        assert t.loc[c.id, "posterior"] == pytest.approx(head)
        assert t.loc[c.id, "verbal"] == ca.verbal_confidence(head)
        assert t.loc[c.id, "posterior_illustration"] == pytest.approx(full)
        moved += not math.isclose(head, full)
    assert moved >= 1  # the illustration differs where computed items exist
    shown = cs.synthesis_display(t.reset_index())
    row = shown.loc["Year 2 key finding 3"]
    assert row["posterior"] == f"{t.loc['y2_kf03', 'posterior']:.2f}"
    assert row[cs.ILLUSTRATION_COLUMN].startswith(
        f"{t.loc['y2_kf03', 'posterior_illustration']:.2f}"
    )
    assert t.loc["y2_kf03", "n_illustrative"] == 2
    page = site_year(register, "norfolk", 2)
    kf3 = next(s for s in page.steps if s.claim.id == "y2_kf03")
    assert kf3.posterior == pytest.approx(t.loc["y2_kf03", "posterior"])
    assert (kf3.computed["counted"] == "no (synthetic data)").all()


def test_raw_data_sources_let_computed_evidence_count(params):
    """When params say every dataset is raw, computed evidence counts in the headline."""
    reg = cs.load_register(raw_params(params), collected=fake_collected())
    assert reg.illustrative == frozenset()
    assert all(v == () for v in reg.synthetic.values())
    t = table(reg).set_index("claim_id")
    for c in reg.toc.claims:
        full = ca.contribution_summary(c, reg.evidence)["posterior"]
        assert t.loc[c.id, "posterior"] == pytest.approx(full)
        assert t.loc[c.id, "posterior_illustration"] == pytest.approx(full)
    assert t.loc["y2_kf03", "posterior"] != pytest.approx(
        _reports_only(reg, reg.toc.claim("y2_kf03"))
    )
    syn = programme(reg)
    assert cs.ILLUSTRATION_COLUMN not in syn.display.columns
    assert syn.synthetic_datasets == []


def test_templates_use_settings_and_show_the_survey(params):
    """The contribution templates pass the settings of params/analysis.yml, show whole cells
    and render the survey analysis on the programme page."""
    notebooks = params.root.parent / "notebooks"
    site = (notebooks / "site_year_contribution.md").read_text(encoding="utf-8")
    prog = (notebooks / "programme_contribution.md").read_text(encoding="utf-8")
    assert "pages.setup_display()" in site and "pages.setup_display()" in prog
    for key in ("supported_at", "unsupported_below", "sensitivity_perturb"):
        assert f"{key}=settings.contribution.{key}" in site
        assert f"{key}=settings.contribution.{key}" in prog
    assert "sensitivity_priors=settings.contribution.sensitivity_priors" in site
    assert "small_n=settings.survey.small_n" in prog
    assert "confidence=settings.survey.confidence" in prog
    assert "## Local systems survey" in prog
    assert "remove-input" not in site and "remove-input" not in prog


def test_step6_names_the_synthetic_illustration(register):
    page = site_year(register, "norfolk", 2)
    kf3 = next(s for s in page.steps if s.claim.id == "y2_kf03")
    assert "illustration on synthetic data only" in kf3.steps.loc[5, "in short"]
    kf1 = page.steps[0]
    assert "illustration" not in kf1.steps.loc[5, "in short"]


def _norfolk_raw(params):
    """``params`` with lwa_awards raw for Norfolk only (the issue 11 case)."""
    prog = params.programme.model_copy(update={"site_sources": {"lwa_awards": {"norfolk": "raw"}}})
    return params.model_copy(update={"programme": prog})


def test_a_raw_extract_for_one_site_moves_no_headline_with_synthetic_rows(params, real_register):
    """Issue 11: with real award rows for Norfolk only, the other sites' trends (synthetic
    rows) stay illustrative, and key finding 10's headline counts only Norfolk's trend."""
    mixed = cs.load_register(_norfolk_raw(params), collected=real_register.collected)
    syn_items = {"trend.lwa.oldham", "trend.lwa.swansea", "trend.lwa.tower_hamlets"}
    assert mixed.synthetic["trend.lwa.norfolk"] == ()
    for rid in syn_items:
        assert mixed.synthetic[rid] == ("lwa_awards",), rid
    ev = mixed.evidence.set_index("evidence_id")
    assert "E051" not in mixed.illustrative  # Norfolk's trend: raw rows, counts
    assert {"E052", "E053", "E054"} <= mixed.illustrative
    claim = mixed.toc.claim("y2_kf10")
    rows = mixed.claim_rows("y2_kf10")
    counted = rows[~rows["evidence_id"].isin(mixed.illustrative)]
    expected = ca.contribution_summary(claim, counted)["posterior"]
    t = table(mixed).set_index("claim_id")
    assert t.loc["y2_kf10", "posterior"] == pytest.approx(expected)
    # the synthetic sites' trends cannot move it: give them a strong rise and recompute
    results = {k: dict(v) for k, v in real_register.collected.results.items()}
    for rid in syn_items:
        results[rid].update(rate_ratio=3.0, ci_low=2.0, ci_high=4.5, p_value=0.001)
    pushed = cs.load_register(
        _norfolk_raw(params),
        collected=CollectedResults(
            results=results,
            problems=list(real_register.collected.problems),
            sources=dict(real_register.collected.sources),
            modules=real_register.collected.modules,
        ),
    )
    pev = pushed.evidence.set_index("evidence_id")
    assert (pev.loc["E052", "sensitivity"], pev.loc["E052", "direction"]) != (
        ev.loc["E052", "sensitivity"], ev.loc["E052", "direction"]
    )
    assert table(pushed).set_index("claim_id").loc["y2_kf10", "posterior"] == pytest.approx(
        t.loc["y2_kf10", "posterior"]
    )
    # whereas if every site's rows were raw (the old per-dataset switch) they would count
    every = ca.contribution_summary(claim, rows)["posterior"]
    assert every != pytest.approx(expected)
    assert ev.loc["E051", "sensitivity"] == pytest.approx(
        real_register.evidence.set_index("evidence_id").loc["E051", "sensitivity"]
    )
