"""Tests for ccs_methods.analyses.survey:

Wilson and Newcombe intervals, E8 and E11 from the survey."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from ccs_methods.analyses import survey
from ccs_methods.analyses.results import PENDING_KEY
from ccs_methods.data.params import load_params
from ccs_methods.errors import DataValidationError, MethodInputError
from ccs_methods.methods import contribution


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def data(params):
    return survey.load_survey(params)


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_newcombe_1998a_table_i(x, n, lo, hi):
    """Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. Statistics in Medicine 17, 857-872, Table I, method 3
    (score interval without continuity correction = Wilson 1927)."""
    got = survey.wilson_interval(x, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lo", "hi"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),  # example (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # example (b)
        (6, 7, 2, 7, 0.0582, 0.8062),  # example (c)
        (5, 56, 0, 29, -0.0381, 0.1926),  # example (d)
        (0, 10, 0, 20, -0.1611, 0.2775),  # example (e)
        (0, 10, 0, 10, -0.2775, 0.2775),  # example (f)
        (10, 10, 0, 20, 0.6791, 1.0000),  # example (g)
        (10, 10, 0, 10, 0.6075, 1.0000),  # example (h)
    ],
)
def test_newcombe_hybrid_score_1998b_table_ii(x1, n1, x2, n2, lo, hi):
    """Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890, Table II,
    method 10 (hybrid score interval from the Wilson limits, no continuity correction)."""
    r = survey.newcombe_difference(x1, n1, x2, n2)
    assert r["difference"] == pytest.approx(x1 / n1 - x2 / n2)
    assert r["ci_low"] == pytest.approx(lo, abs=5e-5)
    assert r["ci_high"] == pytest.approx(hi, abs=5e-5)
    assert r["n"] == n1 + n2 and r["n1"] == n1 and r["n2"] == n2


@settings(max_examples=60, deadline=None)
@given(
    n1=st.integers(1, 80),
    n2=st.integers(1, 80),
    f1=st.floats(0, 1),
    f2=st.floats(0, 1),
    conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_intervals_agree_with_statsmodels(n1, n2, f1, f2, conf):
    """statsmodels documents proportion_confint(method='wilson') and
    confint_proportions_2indep(method='newcomb') as Wilson (1927) and Newcombe (1998) method 10."""
    x1, x2 = round(f1 * n1), round(f2 * n2)
    lo, hi = survey.wilson_interval(x1, n1, conf)
    slo, shi = proportion_confint(x1, n1, alpha=1 - conf, method="wilson")
    assert lo == pytest.approx(max(0.0, slo), abs=1e-9)
    assert hi == pytest.approx(min(1.0, shi), abs=1e-9)
    r = survey.newcombe_difference(x1, n1, x2, n2, conf)
    dlo, dhi = confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - conf
    )
    assert r["ci_low"] == pytest.approx(dlo, abs=1e-9)
    assert r["ci_high"] == pytest.approx(dhi, abs=1e-9)
    assert r["ci_low"] <= r["difference"] <= r["ci_high"]


@pytest.mark.parametrize(
    ("x", "n", "conf"),
    [
        (3, 0, 0.95),
        (-1, 5, 0.95),
        (6, 5, 0.95),
        (1.5, 5, 0.95),
        (1, 5, 1.0),
        (True, 5, 0.95),
        (1, float("nan"), 0.95),
        ("2", 5, 0.95),
    ],
)
def test_interval_bad_input(x, n, conf):
    with pytest.raises(MethodInputError):
        survey.wilson_interval(x, n, conf)
    with pytest.raises(MethodInputError):
        survey.newcombe_difference(1, 5, x, n, conf)


def test_interval_accepts_whole_floats():
    assert survey.wilson_interval(3.0, 10.0) == survey.wilson_interval(3, 10)


# --------------------------------------------------------------------------- E8


def test_capability_table_reconciles_to_published_e8(data):
    """Year 2 report (003), key finding 5: 33/31/20% overall, 40/60/20% CCS-funded, n = 55."""
    t = survey.capability_table(data)
    assert len(t) == 9
    pub = t[t["group"] != "other"]
    assert (pub["percent"].round() == pub["published_percent"]).all()
    assert t.loc[t["group"] == "all", "n"].eq(55).all()
    funded = t[t["group"] == "ccs_funded"]
    assert funded["too_small"].all()
    assert not t.loc[t["group"] == "all", "too_small"].any()
    assert (t["ci_low"] <= t["percent"]).all() and (t["percent"] <= t["ci_high"]).all()
    assert t.loc[t["group"] == "other", "published_percent"].isna().all()


def test_capability_differences(data):
    d = survey.capability_differences(data).set_index("item")
    row = d.loc["more_able_new_services"]
    assert (row["yes_funded"], row["n_funded"], row["yes_other"], row["n_other"]) == (6, 10, 11, 45)
    ref = survey.newcombe_difference(6, 10, 11, 45)
    assert row["difference"] == pytest.approx(100 * ref["difference"])
    assert row["ci_low"] == pytest.approx(100 * ref["ci_low"])
    assert row["interval"] == "above 0"
    assert "too small" in row["reading"]
    assert d.loc["more_able_partnership", "interval"] == "includes 0"
    assert "cannot tell" in d.loc["more_able_partnership", "reading"]


def test_capability_differences_need_both_groups(data):
    all_funded = data.assign(ccs_funded=True)
    with pytest.raises(MethodInputError, match="both"):
        survey.capability_differences(all_funded)
    with pytest.raises(MethodInputError, match="no respondents"):
        survey.capability_table(all_funded)


def test_missing_column_and_empty_frame(data):
    with pytest.raises(DataValidationError, match="more_able_new_services"):
        survey.capability_table(data.drop(columns=["more_able_new_services"]))
    with pytest.raises(DataValidationError, match="no respondents"):
        survey.relationship_by_site(data.iloc[0:0])


def test_small_groups_name_the_funded_subgroup_and_sites(data):
    small = survey.small_groups(data, small_n=20).set_index("group")
    assert small.loc["funded directly by CCS", "n"] == 10
    assert list(small.index)[1:] == ["Norfolk", "Oldham", "Swansea", "Tower Hamlets"]
    lo, hi = (
        float(x)
        for x in small.loc["funded directly by CCS", "interval width (points)"].split(" to ")
    )
    assert 0 < lo <= hi < 100
    big = pd.concat([data] * 2, ignore_index=True)  # 20 funded, every site >= 24
    assert survey.small_groups(big, small_n=20).empty
    assert survey.small_groups(data, small_n=5).empty


def test_small_n_setting_flags_groups(data):
    t = survey.capability_table(data, small_n=5)
    assert not t["too_small"].any()
    d = survey.capability_differences(data, small_n=5).set_index("item")
    assert "too small" not in d.loc["more_able_partnership", "reading"]
    r = survey.relationship_by_site(data, small_n=5)
    assert not r["too_small"].any()


# --------------------------------------------------------------------------- E11


def test_relationship_by_site_reconciles_to_published_e11(data):
    """Year 2 report (003), key finding 8, Figure 2.8: 56% / 33% / 7% / 4% (n = 55); Figure
    2.9: Swansea mostly 'strong', the other three sites mostly 'pockets'."""
    r = survey.relationship_by_site(data)
    assert list(r["site"].unique()) == [
        "norfolk",
        "oldham",
        "swansea",
        "tower_hamlets",
        "programme",
    ]
    prog = r[r["site"] == "programme"].set_index("answer")
    assert prog["percent"].round().to_dict() == {
        "strong": 33,
        "pockets": 56,
        "weak": 7,
        "dont_know": 4,
    }
    for site, grp in r.groupby("site"):
        assert grp["percent"].sum() == pytest.approx(100)
        top = grp.sort_values("count", ascending=False).iloc[0]["answer"]
        assert top == ("strong" if site == "swansea" else "pockets")
    assert r.loc[r["site"] != "programme", "too_small"].all()


def test_relationship_unknown_answer(data):
    bad = data.copy()
    bad.loc[0, "la_vcs_relationship"] = "excellent"
    with pytest.raises(DataValidationError, match="excellent"):
        survey.relationship_by_site(bad)


# --------------------------------------------------------------------------- evidence


def _raw(params):
    sources = {**params.programme.data_sources, survey.DATASET: "raw"}
    return params.model_copy(
        update={"programme": params.programme.model_copy(update={"data_sources": sources})}
    )


def test_computed_results_contract_and_rule(params):
    res = survey.computed_results(params)
    assert list(res) == [survey.NEW_SERVICES_RESULT_ID]
    r = res[survey.NEW_SERVICES_RESULT_ID]
    assert {"difference", "ci_low", "ci_high", "n"} <= set(r)
    assert r["n"] == 55 and r["n_funded"] == 10 and r["n_other"] == 45
    assert r["ci_low"] < r["difference"] < r["ci_high"]
    numbers = {k: v for k, v in r.items() if k != PENDING_KEY}
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in numbers.values())
    toc = contribution.load_theory_of_change(params.root / "contribution" / "theory_of_change.yml")
    ev = contribution.evidence_from_results(res, toc)
    assert ev.loc[0, "rule_id"] == "survey_contrast"
    assert ev.loc[0, "outcome"] == "above"
    assert ev.loc[0, "direction"] == "supports"
    assert survey.computed_results(params) == res  # deterministic


def test_survey_results(params):
    s = survey.survey_results(params, small_n=20, confidence=0.95)
    assert s.synthetic and s.n == 55 and s.n_funded == 10
    assert len(s.capability) == 9 and "95% CI" in s.capability.columns
    assert "95% CI (Newcombe)" in s.differences.columns
    assert s.relationship.loc["all sites", "n"] == 55
    assert len(s.small) == 5
    assert s.figure is not None and "6 of 10 funded" in s.figure.alt_text
    assert s.result == survey.computed_results(params)
    assert s.pending_reason.startswith(survey.SUBGROUP_N_PENDING)
    other = survey.survey_results(params, small_n=5, confidence=0.9)
    assert "90% CI" in other.capability.columns and other.small.empty
    assert other.result == s.result  # the register's result does not follow the page setting
    import matplotlib.pyplot as plt

    plt.close("all")


def test_capability_figure(data):
    cap = survey.capability_table(data)
    diff = survey.capability_differences(data)
    fig = survey.capability_figure(cap, diff, n=len(data), synthetic=True)
    assert fig.alt_text.startswith("Dot plot with 95% intervals")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_synthetic_subgroup_n_holds_the_difference_pending(params, data):
    """The report gives only percentages for the CCS-funded subgroup (40% / 60% / 20%), so its
    size in the synthetic stand-in is an assumption: the result says it must stay pending, and
    says which n was assumed. The reason matters: with the same 60% among 5 funded respondents
    instead of 10 the interval of the difference includes 0 and the rule's outcome flips."""
    r = survey.computed_results(params)[survey.NEW_SERVICES_RESULT_ID]
    assert r[PENDING_KEY].startswith(survey.SUBGROUP_N_PENDING)
    assert f"{r['n_funded']} CCS-funded and {r['n_other']} other" in r[PENDING_KEY]
    funded = data["ccs_funded"].astype(bool)
    other_yes = int(data.loc[~funded, "more_able_new_services"].astype(bool).sum())
    at_10 = survey.newcombe_difference(6, 10, other_yes, int((~funded).sum()))
    at_5 = survey.newcombe_difference(3, 5, other_yes, int((~funded).sum()))
    assert (at_10["ci_low"] > 0) != (at_5["ci_low"] > 0)
    s = survey.survey_results(params, small_n=20, confidence=0.95)
    assert s.pending_reason == r[PENDING_KEY]
    assert (s.n_funded, s.n) == (r["n_funded"], r["n"])
    import matplotlib.pyplot as plt

    plt.close(s.figure)


def test_raw_survey_difference_enters_the_register(params, data, monkeypatch):
    """With the survey read from a real extract (params ``raw``) the subgroup n is known: the
    result carries no pending reason and enters the register."""
    monkeypatch.setattr(survey, "load_survey", lambda p: data)
    raw = _raw(params)
    r = survey.computed_results(raw)[survey.NEW_SERVICES_RESULT_ID]
    assert PENDING_KEY not in r
    s = survey.survey_results(raw, small_n=20, confidence=0.95)
    assert not s.synthetic and s.pending_reason is None
    import matplotlib.pyplot as plt

    plt.close(s.figure)
