"""Computed evidence (``contribution/computed.py``): rules applied at their boundaries.

Written against the mutation run of ``contribution/computed.py`` (issue 14, "Tests with
teeth"; ``tools/mutation_fork.py contribution/computed.py
tests/test_contribution_computed_mutants.py ...``). The rules are those stated in
:class:`~ccs_methods.methods.contribution.models.EvidenceRule`: an interval is ``above`` the
null only when its lower limit is strictly above it, ``below`` only when its upper limit is
strictly below it, and ``includes`` it otherwise (touching counts as including); a threshold
result is ``above`` only when strictly greater. The expected rows are read off those rules.
Measured 2026-12-01 (this file
alone, first 25 of 65 mutants, lines 21-73, before the run was stopped): 23 killed, 2
survivors, both equivalent (``assert a and b ...`` -> ``assert a or ...``: the rule's own
validator has already required every field, so the assertion holds either way)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError, ParamsError
from ccs_methods.methods.contribution import evidence_from_results, resolve_computed
from ccs_methods.methods.contribution.models import EvidenceRule

UP = {"direction": "supports", "sensitivity": 0.8, "type1_error": 0.3, "justification": "up"}
MID = {"direction": "supports", "sensitivity": 0.5, "type1_error": 0.45, "justification": "mid"}
DOWN = {"direction": "challenges", "sensitivity": 0.2, "type1_error": 0.6,
        "justification": "down"}
INTERVAL = {"id": "ri", "patterns": ["its.*"], "kind": "interval", "estimate": "rr",
            "low": "lo", "high": "hi", "null_value": 1.0,
            "outcomes": {"above": UP, "includes": MID, "below": DOWN}}
THRESHOLD = {"id": "rt", "patterns": ["net.*"], "kind": "threshold", "value": "v",
             "threshold": 2.0, "outcomes": {"above": UP, "below": DOWN}}


def _one(result: dict, rid: str = "its.x", rules=(INTERVAL, THRESHOLD)) -> pd.Series:
    return evidence_from_results({rid: result}, list(rules)).iloc[0]


@pytest.mark.parametrize(
    ("lo", "hi", "region"),
    [
        (1.0, 1.5, "includes"),  # lower limit on the null: not strictly above
        (1.0001, 1.5, "above"),
        (0.5, 1.0, "includes"),  # upper limit on the null: not strictly below
        (0.5, 0.9999, "below"),
        (1.2, 1.2, "above"),  # a zero-width interval is allowed
    ],
)
def test_interval_regions_at_the_null(lo, hi, region) -> None:
    row = _one({"rr": (lo + hi) / 2, "lo": lo, "hi": hi})
    assert row["outcome"] == region
    want = {"above": UP, "includes": MID, "below": DOWN}[region]
    assert (row["direction"], row["sensitivity"], row["type1_error"]) == (
        want["direction"], want["sensitivity"], want["type1_error"])
    assert row["rule_id"] == "ri" and row["source"] == "computed:its.x"


def test_interval_justification_names_the_numbers() -> None:
    row = _one({"rr": 1.25, "lo": 1.1, "hi": 1.4})
    assert row["justification"] == "Rule ri, above: rr 1.25 (95% CI 1.1 to 1.4; null 1). up"


@pytest.mark.parametrize(("v", "region"), [(2.0, "below"), (2.0001, "above"), (1.0, "below")])
def test_threshold_is_strictly_greater(v, region) -> None:
    row = _one({"v": v}, "net.y")
    assert (row["outcome"], row["rule_id"]) == (region, "rt")
    assert row["justification"].startswith(f"Rule rt, {region}: v {v:.3g} (threshold 2). ")


@pytest.mark.parametrize(
    ("n", "kept"),
    [(1, 1), (5, 5), (2.0, 2), (True, None), (0, None), (0.5, None), (math.nan, None),
     (math.inf, None), ("7", None), (None, None)],
)
def test_sample_size_is_kept_only_when_a_real_number_of_at_least_one(n, kept) -> None:
    row = _one({"rr": 1.2, "lo": 1.1, "hi": 1.3, "n": n})
    assert (None if pd.isna(row["n"]) else int(row["n"])) == kept


def test_missing_or_bad_numbers_name_the_result() -> None:
    with pytest.raises(MethodInputError, match=r"'its.x' has no 'hi'; it has \['lo', 'rr'\]"):
        _one({"rr": 1.2, "lo": 1.1})
    with pytest.raises(MethodInputError, match=r"'its.x': 'lo' is not a number \('a'\)"):
        _one({"rr": 1.2, "lo": "a", "hi": 1.3})
    with pytest.raises(MethodInputError, match=r"'its.x': 'hi' is inf, not finite"):
        _one({"rr": 1.2, "lo": 1.1, "hi": math.inf})
    with pytest.raises(MethodInputError, match=r"lo=1.3 is above hi=1.1"):
        _one({"rr": 1.2, "lo": 1.3, "hi": 1.1})
    with pytest.raises(MethodInputError, match=r"no evidence rule matches computed result "
                                               r"'x.y'; rule patterns: \['its.\*', 'net.\*'\]"):
        _one({"v": 1}, "x.y")


def test_rules_mix_models_and_mappings_in_order() -> None:
    """A validated rule first and a mapping second: both are used, the first match wins."""
    rules = [EvidenceRule.model_validate(INTERVAL), THRESHOLD,
             {**THRESHOLD, "id": "late", "patterns": ["net.*", "its.*"]}]
    out = evidence_from_results({"its.a": {"rr": 1.2, "lo": 1.1, "hi": 1.3},
                                 "net.b": {"v": 3}}, rules)
    assert list(out["rule_id"]) == ["ri", "rt"]
    assert list(out["result_id"]) == ["its.a", "net.b"]
    assert list(out.columns) == ["source", "result_id", "rule_id", "outcome", "direction",
                                 "sensitivity", "type1_error", "justification", "n"]
    assert str(out["n"].dtype) == "Int64"


def test_a_malformed_rule_names_its_id_or_position_and_key() -> None:
    bad = {**THRESHOLD, "id": "bad", "threshold": None}
    with pytest.raises(ParamsError) as err:
        evidence_from_results({}, [INTERVAL, bad])
    assert err.value.message == "evidence rule 'bad': a threshold rule needs threshold"
    assert err.value.column is None  # a model-level error has no key
    with pytest.raises(ParamsError) as err:
        evidence_from_results({}, [INTERVAL, {k: v for k, v in THRESHOLD.items() if k != "id"}])
    assert err.value.message == "evidence rule 1: Field required"
    assert err.value.column == "id"
    with pytest.raises(ParamsError) as err:
        evidence_from_results({}, [{**INTERVAL, "patterns": []}])
    assert err.value.message.startswith("evidence rule 'ri': List should have at least 1 item")
    assert err.value.column == "patterns"


def _register() -> pd.DataFrame:
    rows = [
        ("D1", "document", "supports", 0.7, 0.3, "r.txt § 1", 12),
        ("C1", "computed", None, math.nan, math.nan, "computed:its.a", None),
        ("C2", "computed", None, math.nan, math.nan, "computed:net.b", 40),
        ("C3", "computed", None, math.nan, math.nan, "computed:its.none", None),
        ("C4", "computed", None, math.nan, math.nan, "computed:its.c", None),
    ]
    df = pd.DataFrame(
        [{"evidence_id": e, "claim_id": "k", "kind": k, "direction": d, "sensitivity": s,
          "type1_error": a, "source": src, "n": n, "justification": "" if k == "computed"
          else "why"} for e, k, d, s, a, src, n in rows])
    df["n"] = df["n"].astype("Int64")
    df.attrs["source_file"] = "evidence.csv"
    return df


RESULTS = {"its.a": {"rr": 0.8, "lo": 0.7, "hi": 0.9, "n": 30}, "net.b": {"v": 3},
           "its.c": {"rr": 1.1, "lo": 0.9, "hi": 1.3}, "unused.z": {"v": 1}}


def test_template_rows_filled_in_place_and_pending_rows_kept() -> None:
    """C1 below (n 30 from the result), C2 above (its own n 40 kept), C3 has no result and stays
    pending, C4 (after C3) includes; D1 is not computed and is not returned."""
    out = evidence_from_results(RESULTS, [INTERVAL, THRESHOLD], template=_register())
    assert list(out["evidence_id"]) == ["C1", "C2", "C3", "C4"]
    assert list(out.index) == [1, 2, 3, 4]
    assert list(out["outcome"]) == ["below", "above", None, "includes"]
    assert list(out["rule_id"]) == ["ri", "rt", None, "ri"]
    assert list(out["direction"].fillna("-")) == ["challenges", "supports", "-", "supports"]
    assert list(out["sensitivity"].fillna(-1)) == [0.2, 0.8, -1, 0.5]
    assert list(out["type1_error"].fillna(-1)) == [0.6, 0.3, -1, 0.45]
    assert list(out["n"].fillna(-1)) == [30, 40, -1, -1]
    assert out.loc[4, "justification"].startswith("Rule ri, includes: rr 1.1")
    assert out.loc[3, "justification"] == ""


def test_resolve_computed_keeps_every_row_in_order() -> None:
    reg = _register()
    out = resolve_computed(reg, RESULTS, [INTERVAL, THRESHOLD])
    assert list(out["evidence_id"]) == ["D1", "C1", "C2", "C3", "C4"]
    assert list(out["rule_id"]) == [None, "ri", "rt", None, "ri"]
    assert list(out["outcome"]) == [None, "below", "above", None, "includes"]
    assert list(out["direction"].fillna("-")) == ["supports", "challenges", "supports", "-",
                                             "supports"]
    assert list(out["sensitivity"].fillna(-1)) == [0.7, 0.2, 0.8, -1, 0.5]
    assert list(out["type1_error"].fillna(-1)) == [0.3, 0.6, 0.3, -1, 0.45]
    assert list(out["n"].fillna(-1)) == [12, 30, 40, -1, -1]
    assert out.loc[0, "justification"] == "why"
    assert out.loc[2, "justification"].startswith("Rule rt, above: v 3 (threshold 2). up")
    assert out.attrs == {"source_file": "evidence.csv"}
    assert "rule_id" not in reg.columns and reg["direction"].isna().sum() == 4
