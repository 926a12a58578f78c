"""Loaders of the contribution files (``contribution/loaders.py``): every check, on tiny files.

Written against the mutation run of ``contribution/loaders.py`` (issue 14, "Tests with teeth";
``tools/mutation_fork.py contribution/loaders.py tests/test_contribution_loaders_mutants.py
...``). Each test writes the smallest file that breaks one rule and checks the message, the
line (as an editor numbers it: header = line 1) and the column it names, or the smallest file
that a rule must still accept. Measured 2026-12-01 (with the loader tests of
test_contribution.py; 106 of 190 mutants run before the run was stopped on a CPU-starved
machine): 99 killed, 7 survivors, all equivalent: ``loc[1] <= len(section)`` (a pydantic
location index is always in range), ``header_seen = None`` and ``previous = None`` (falsy
and a slice start of None are the same as False and 0), ``start = 0 -> 1 / None`` (the
branch where the whole file decodes after pandas failed to is unreachable), and annotations
of local variables (never evaluated)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ccs_methods.errors import DataValidationError, ParamsError
from ccs_methods.methods.contribution.constants import EVIDENCE_COLUMNS
from ccs_methods.methods.contribution.loaders import (
    load_evidence,
    load_rivals,
    load_theory_of_change,
)

SRC = {"file": "r.txt", "section": "1"}
SITES = ["s1", "s2"]
TOC = {
    "levels": ["activity", "output", "outcome"],
    "nodes": [
        {"id": "a", "level": "activity", "scope": "both", "label": "A", "source": SRC},
        {"id": "a2", "level": "activity", "scope": "both", "label": "A2", "source": SRC},
        {"id": "b", "level": "output", "scope": "both", "label": "B", "source": SRC},
        {"id": "c", "level": "outcome", "scope": "both", "label": "C", "source": SRC},
    ],
    "links": [{"from": "a", "to": "a2"}, {"from": "a2", "to": "b"}, {"from": "b", "to": "c"}],
    "assumptions": [{"id": "A1", "text": "t", "verdict": "yes", "links": ["b->c"],
                     "source": SRC}],
    "claims": [{"id": "k", "finding": "F", "year": 1, "node": "c", "sites": ["s1"],
                "text": "T", "source": SRC}],
}


def _toc_file(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "toc.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _toc(tmp_path: Path, edit=None, sites=SITES):
    data = copy.deepcopy(TOC)
    if edit:
        edit(data)
    return load_theory_of_change(_toc_file(tmp_path, data), sites=sites)


def _toc_error(tmp_path: Path, edit) -> ParamsError:
    with pytest.raises(ParamsError) as err:
        _toc(tmp_path, edit)
    return err.value


# --------------------------------------------------------------------------- theory of change


def test_a_same_level_link_and_explicit_sites_are_accepted(tmp_path) -> None:
    """a -> a2 joins two activities (same level, not backwards); the claim's site s1 is one of
    the sites given, not of the project's params."""
    toc = _toc(tmp_path)
    assert toc.link_ids == {"a->a2", "a2->b", "b->c"}
    assert toc.claim("k").sites == ["s1"]
    err = _toc_error(tmp_path, lambda d: d["claims"][0].update(sites=["s1", "zz"]))
    assert err.message == "claim 'k': unknown site 'zz'; allowed: ['s1', 's2']"
    assert err.column == "claims[0].sites[1]"


def test_item_errors_name_the_item_only_when_it_has_an_id(tmp_path) -> None:
    err = _toc_error(tmp_path, lambda d: d["claims"][0].update(year=0))
    assert err.message == "claims item 'k': Input should be greater than or equal to 1"
    assert err.column == "claims[0].year"
    err = _toc_error(tmp_path, lambda d: d["claims"][0].pop("id"))
    assert err.message == "Field required"
    assert err.column == "claims[0].id"


def test_a_whole_item_error_names_the_item(tmp_path) -> None:
    """A rule's own validator fails on the item as a whole (location of two parts)."""
    rule = {"id": "r1", "patterns": ["x.*"], "kind": "threshold", "value": "v",
            "outcomes": {"above": {"direction": "supports", "sensitivity": 0.8,
                                   "type1_error": 0.2, "justification": "j"},
                         "below": {"direction": "challenges", "sensitivity": 0.2,
                                   "type1_error": 0.8, "justification": "j"}}}
    err = _toc_error(tmp_path, lambda d: d.update(evidence_rules=[rule]))
    assert err.message == "evidence_rules item 'r1': a threshold rule needs threshold"
    assert err.column == "evidence_rules[0]"


def test_top_level_errors_and_the_count_of_further_problems(tmp_path) -> None:
    err = _toc_error(tmp_path, lambda d: d.pop("levels"))
    assert (err.message, err.column) == ("Field required", "levels")
    two = _toc_error(tmp_path, lambda d: d["claims"][0].update(year=0, prior=2))
    assert two.message.endswith(" (and 1 more problem(s))")
    three = _toc_error(tmp_path, lambda d: d["claims"][0].update(year=0, prior=2, text=""))
    assert three.message.endswith(" (and 2 more problem(s))")
    one = _toc_error(tmp_path, lambda d: d["claims"][0].update(prior=2))
    assert "more problem" not in one.message


def test_duplicates_are_listed_once_each(tmp_path) -> None:
    def dup(d):
        n = d["nodes"]
        d["nodes"] = [n[0], n[1], n[0], n[0], n[1], n[2], n[3]]

    err = _toc_error(tmp_path, dup)
    assert (err.message, err.column) == ("duplicate id(s) ['a', 'a2'] in nodes", "nodes")
    err = _toc_error(tmp_path, lambda d: d["links"].append({"from": "b", "to": "c"}))
    assert (err.message, err.column) == ("duplicate link(s) ['b->c']", "links")


def test_cycle_is_listed_from_its_first_node(tmp_path) -> None:
    def loop(d):
        d["links"].append({"from": "a2", "to": "a"})

    err = _toc_error(tmp_path, loop)
    assert err.message.startswith("the theory of change has a cycle: a -> a2 -> a;")


def test_link_checks(tmp_path) -> None:
    err = _toc_error(tmp_path, lambda d: d["links"].append({"from": "c", "to": "c"}))
    assert (err.message, err.column) == ("link 'c->c' points to itself", "links[3]")
    def backwards(d):
        d["nodes"].append({"id": "x", "level": "output", "scope": "both", "label": "X",
                           "source": SRC})
        d["links"].append({"from": "c", "to": "x"})

    err = _toc_error(tmp_path, backwards)
    assert err.message == ("link 'c->x' runs backwards from level 'outcome' to earlier level"
                           " 'output'")
    err = _toc_error(tmp_path, lambda d: d["links"].append({"from": "q", "to": "c"}))
    assert (err.message, err.column) == ("link 'q->c': unknown node 'q'", "links[3].from")
    err = _toc_error(tmp_path, lambda d: d["assumptions"][0]["links"].append("a->c"))
    assert (err.message, err.column) == ("assumption 'A1': unknown link 'a->c'",
                                         "assumptions[0].links[1]")


def test_default_sites_come_from_params(tmp_path) -> None:
    """Without ``sites`` the project's params decide: s1 is not a pilot site there."""
    data = copy.deepcopy(TOC)
    with pytest.raises(ParamsError, match="claim 'k': unknown site 's1'"):
        load_theory_of_change(_toc_file(tmp_path, data))
    data["claims"][0]["sites"] = ["programme"]
    assert load_theory_of_change(_toc_file(tmp_path, data)).claim("k").sites == ["programme"]


# --------------------------------------------------------------------------- evidence

ROW = {"evidence_id": "E1", "claim_id": "k", "link_or_node": "c", "site": "s1", "year": "1",
       "kind": "document", "n": "", "direction": "supports", "description": "d",
       "source": "r.txt § 1", "sensitivity": "0.8", "type1_error": "0.2",
       "justification": "j", "group": ""}
COMPUTED = {**ROW, "evidence_id": "C1", "kind": "computed", "source": "computed:its.x",
            "direction": "", "sensitivity": "", "type1_error": "", "justification": ""}


def _csv_text(rows: list[dict], columns=EVIDENCE_COLUMNS) -> str:
    return "\n".join([",".join(columns)]
                     + [",".join(r.get(c, "") for c in columns) for r in rows]) + "\n"


def _load(tmp_path, rows=None, *, text=None, raw=None, columns=EVIDENCE_COLUMNS, **kw):
    toc = _toc(tmp_path)
    path = tmp_path / "evidence.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text if text is not None else _csv_text(rows, columns),
                        encoding="utf-8")
    return load_evidence(path, toc, sites=kw.pop("sites", SITES), **kw)


def _bad(tmp_path, rows=None, **kw) -> DataValidationError:
    with pytest.raises(DataValidationError) as err:
        _load(tmp_path, rows, **kw)
    return err.value


def test_a_good_register_and_its_types(tmp_path) -> None:
    rows = [ROW, {**ROW, "evidence_id": "E2", "link_or_node": "b->c", "year": "3", "n": "1",
                  "group": "g1", "direction": "challenges", "sensitivity": "0.3",
                  "type1_error": "0.6"}, COMPUTED]
    df = _load(tmp_path, rows)
    assert list(df.columns) == list(EVIDENCE_COLUMNS)
    assert list(df["evidence_id"]) == ["E1", "E2", "C1"]
    assert (str(df["year"].dtype), str(df["n"].dtype)) == ("int64", "Int64")
    assert str(df["sensitivity"].dtype) == str(df["type1_error"].dtype) == "float64"
    assert list(df["year"]) == [1, 3, 1]
    assert df["n"].isna().tolist() == [True, False, True] and df.loc[1, "n"] == 1
    assert df["direction"].tolist()[:2] == ["supports", "challenges"]
    assert pd.isna(df.loc[2, "direction"]) and pd.isna(df.loc[0, "group"])
    assert df.loc[1, "group"] == "g1"
    assert pd.isna(df.loc[2, "sensitivity"]) and df.loc[1, "type1_error"] == 0.6
    assert df.attrs["source_file"] == str(tmp_path / "evidence.csv")


def test_line_numbers_follow_multi_line_records_and_blank_lines(tmp_path) -> None:
    """Header line 1; E1's quoted description runs over lines 2-3; a blank line 4; the bad
    row is on line 5."""
    good = _csv_text([ROW]).splitlines()[1].replace(",d,", ',"two\nlines",')
    text = _csv_text([]) + good + "\n\n" + _csv_text([{**ROW, "evidence_id": "1x"}]).split(
        "\n", 1)[1]
    err = _bad(tmp_path, text=text)
    assert (err.row, err.column) == (5, "evidence_id")
    assert err.message == "evidence '1x': evidence_id '1x' must be a non-empty identifier"


def test_a_line_of_empty_fields_is_a_row_with_its_own_line_number(tmp_path) -> None:
    """Bug found by the mutation run: pandas reads ``,,,,`` as a row (unlike a blank line) but
    the line count skipped it, so the error named the next record's line (4) instead of 3."""
    text = _csv_text([ROW]) + "," * 13 + "\n" + _csv_text([{**ROW, "evidence_id": "E2"}]).split(
        "\n", 1)[1]
    err = _bad(tmp_path, text=text)
    assert (err.row, err.column) == (3, "evidence_id")
    assert err.message == "evidence_id '' must be a non-empty identifier"
    spaces = _csv_text([ROW]) + " ," * 13 + " \n"
    assert _bad(tmp_path, text=spaces).row == 3


def test_not_utf8_names_the_line_and_byte(tmp_path) -> None:
    """A blank first line, the header on line 2, a good row on line 3 and a bad byte on line 4
    (byte offset = the length of the first three lines + 34, the length of
    "E2,k,c,s1,1,document,,supports,caf" before the bad byte)."""
    head = ("\n" + _csv_text([ROW])).encode("utf-8")
    raw = head + b"E2,k,c,s1,1,document,,supports,caf\xe9,r.txt \xc2\xa7 1,0.8,0.2,j,\n"
    err = _bad(tmp_path, raw=raw)
    assert err.row == 4
    assert err.message == f"not valid UTF-8 (byte {len(head) + 34}); save the file as UTF-8"


def test_missing_and_unknown_columns_name_the_first(tmp_path) -> None:
    cols = [c for c in EVIDENCE_COLUMNS if c != "group"]
    err = _bad(tmp_path, [ROW], columns=cols)
    assert err.column == "group" and err.message.startswith("missing column(s) ['group'];")
    err = _bad(tmp_path, [ROW], columns=[*EVIDENCE_COLUMNS, "extra"])
    assert (err.message, err.column) == ("unknown column(s) ['extra']", "extra")


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"evidence_id": ""}, "evidence_id", "evidence_id '' must be a non-empty identifier"),
        ({"claim_id": "k9"}, "claim_id",
         "evidence 'E1': unknown claim 'k9'; add it to theory_of_change.yml"),
        ({"link_or_node": "a->c"}, "link_or_node",
         "evidence 'E1': unknown link 'a->c': not in the theory of change"),
        ({"link_or_node": "zz"}, "link_or_node",
         "evidence 'E1': unknown node 'zz': not in the theory of change"),
        ({"site": "s3"}, "site", "evidence 'E1': unknown site 's3'; allowed: ['s1', 's2']"),
        ({"year": "4"}, "year", "evidence 'E1': year 4 not in [1, 2, 3]"),
        ({"year": "x"}, "year", "evidence 'E1': year 'x' is not an integer"),
        ({"kind": "rumour"}, "kind", "evidence 'E1': unknown kind 'rumour'; allowed: "
         "['interview_theme', 'survey', 'monitoring', 'administrative', 'computed', "
         "'document']"),
        ({"n": "0"}, "n", "evidence 'E1': n must be at least 1 (or empty); got 0"),
        ({"n": "2.5"}, "n", "evidence 'E1': n '2.5' is not a whole number"),
        ({"sensitivity": "0"}, "sensitivity",
         "evidence 'E1': sensitivity 0 is outside (0, 1): use a value strictly between"),
        ({"sensitivity": "1"}, "sensitivity",
         "evidence 'E1': sensitivity 1 is outside (0, 1): use a value strictly between"),
        ({"type1_error": "1.5"}, "type1_error",
         "evidence 'E1': type1_error 1.5 is outside (0, 1): use a value strictly between"),
        ({"type1_error": ""}, "type1_error",
         "evidence 'E1': type1_error is empty; give a probability strictly between 0 and 1"),
        ({"sensitivity": "inf"}, "sensitivity", "evidence 'E1': sensitivity 'inf' is not a number"),
        ({"description": " "}, "description", "evidence 'E1': description is empty"),
        ({"justification": " "}, "justification",
         "evidence 'E1': justification is empty: say why these probabilities"),
        ({"group": "1g"}, "group", "evidence 'E1': group '1g' must be an identifier (or empty)"),
        ({"source": "r.txt"}, "source", "evidence 'E1': source 'r.txt' must be '<report file> §"
         " <section>' or 'computed:<result_id>'"),
        ({"direction": "maybe"}, "direction",
         "evidence 'E1': direction 'maybe' must be one of ['supports', 'challenges']"),
    ],
)
def test_bad_report_row(tmp_path, change, column, message) -> None:
    err = _bad(tmp_path, [{**ROW, "evidence_id": "E0"}, {**ROW, **change}])
    assert (err.message, err.row, err.column) == (message, 3, column)


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"source": "computed:"}, "source",
         "evidence 'C1': source 'computed:' : result id after 'computed:' is empty"),
        ({"kind": "survey"}, "source",
         "evidence 'C1': kind 'computed' and source 'computed:<result_id>' go together"),
        ({"type1_error": "0.2"}, "type1_error", "evidence 'C1': computed evidence must leave"
         " ['type1_error'] empty: they are set from the analysis result by the evidence rules,"
         " not typed in"),
        ({"direction": "supports"}, "direction", "evidence 'C1': computed evidence must leave"
         " ['direction'] empty: they are set from the analysis result by the evidence rules,"
         " not typed in"),
    ],
)
def test_bad_computed_row(tmp_path, change, column, message) -> None:
    err = _bad(tmp_path, [{**COMPUTED, **change}])
    assert (err.message.replace("' :", "':"), err.row, err.column) == (
        message.replace("' :", "':"), 2, column)


def test_duplicate_id_names_the_first_line(tmp_path) -> None:
    err = _bad(tmp_path, [ROW, {**ROW, "evidence_id": "E2"}, ROW])
    assert (err.message, err.row) == ("evidence 'E1': duplicate evidence_id (first on line 2)", 4)


def test_default_years_are_one_to_three(tmp_path) -> None:
    rows = [{**ROW, "evidence_id": f"E{y}", "year": str(y)} for y in (1, 2, 3)]
    assert list(_load(tmp_path, rows)["year"]) == [1, 2, 3]
    err = _bad(tmp_path, [{**ROW, "year": "0"}])
    assert err.message == "evidence 'E1': year 0 not in [1, 2, 3]"


# --------------------------------------------------------------------------- rivals

RIVAL = {"id": "R1", "label": "L", "claims": ["k"], "description": "d", "status": "untested",
         "status_reason": "r"}


def _rivals(tmp_path, rivals, evidence=None):
    path = tmp_path / "rivals.yml"
    path.write_text(yaml.safe_dump({"rivals": rivals}, sort_keys=False), encoding="utf-8")
    return load_rivals(path, _toc(tmp_path), evidence)


def test_rivals_checks(tmp_path) -> None:
    ev = pd.DataFrame({"evidence_id": ["E1"]})
    against = {**RIVAL, "id": "R2", "status": "ruled_out",
               "evidence_against": [{"evidence_id": "E1"}, {"source": "r.txt § 2"}]}
    got = _rivals(tmp_path, [RIVAL, against], ev)
    assert [r.id for r in got] == ["R1", "R2"]
    with pytest.raises(ParamsError) as err:
        _rivals(tmp_path, [RIVAL, {**against, "evidence_against": [{"evidence_id": "E9"}]}],
                ev)
    assert err.value.message == "rival 'R2': unknown evidence id 'E9'"
    assert err.value.column == "rivals[1].evidence_against[0].evidence_id"
    # without the register, evidence ids are not checked but every rival's claims are
    assert len(_rivals(tmp_path, [RIVAL, {**against, "evidence_against": [
        {"evidence_id": "E9"}]}])) == 2
    with pytest.raises(ParamsError) as err:
        _rivals(tmp_path, [RIVAL, {**RIVAL, "id": "R3", "claims": ["k", "k7"]}])
    assert (err.value.message, err.value.column) == ("rival 'R3': unknown claim 'k7'",
                                                     "rivals[1].claims[1]")
    with pytest.raises(ParamsError) as err:
        _rivals(tmp_path, [RIVAL, {**RIVAL, "label": ""}])
    assert err.value.message.startswith("rival 'R1': String should have at least 1 character")
    assert err.value.column == "rivals[1].label"
    with pytest.raises(ParamsError) as err:
        _rivals(tmp_path, [{**RIVAL, "status": "ruled_out"}])
    assert err.value.column == "rivals[0]"
    with pytest.raises(ParamsError) as err:
        _rivals(tmp_path, [{k: v for k, v in RIVAL.items() if k != "id"}])
    assert err.value.message == "Field required" and err.value.column == "rivals[0].id"
    with pytest.raises(ParamsError, match=r"duplicate rival id\(s\) \['R1'\]"):
        _rivals(tmp_path, [RIVAL, RIVAL])
    path = tmp_path / "bad.yml"
    path.write_text("rivals: {}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="expected a list under the key 'rivals'"):
        load_rivals(path, _toc(tmp_path))
