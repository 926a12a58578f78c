"""The measure naming scheme and the programme years of ``figures.csv`` (issue 11).

A measure names the quantity and, where needed, one suffix saying how the value expresses it
(``ccs_methods.data.published.measures``); a figure quoted twice carries its counted row's
name; a row is dated with a programme year where the report's words tie it to one, and a row
left undated has a period that no single programme year holds.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from ccs_methods.data import published
from ccs_methods.data.params import load_params
from ccs_methods.data.published.measures import FORBIDDEN_WORDS, RULES, measure_problems
from ccs_methods.errors import DataValidationError

ROOT = Path(__file__).resolve().parents[1]
PUB = ROOT / "data" / "published"

#: Duplicates that keep their own measure: the report words a different event for the same
#: number ("31 families were referred" / "supported 31 families"); the data dictionary says why.
DIFFERENT_WORDS = {"E10-tower_hamlets-y2-families_referred-schools_to_cab"}


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return published.load_figures(data_dir=ROOT / "data")


def _with(tmp_path: Path, figure_id: str, **cells: str) -> tuple[Path, int]:
    """A copy of figures.csv with some cells of one row changed, and that row's file line."""
    rows = list(csv.reader((PUB / "figures.csv").open(encoding="utf-8", newline="")))
    line = next(i for i, r in enumerate(rows, start=1) if r[0] == figure_id)
    for column, value in cells.items():
        rows[line - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / "figures.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path, line


# --------------------------------------------------------------------------- the scheme


@pytest.mark.parametrize(
    ("measure", "unit", "qualifier", "broken"),
    [
        ("lwa_awards_change_ratio", "ratio", "", 0),
        ("lwa_awards_change_pct", "percent", "", 0),
        ("respondents_pct", "percent", "", 0),
        ("households_supported_low", "households", "range", 0),
        ("referral_system_operational_years", "years", "", 0),
        ("funding_per_site_per_annum_mean_gbp", "gbp", "approximate", 0),
        ("lwa_awards_fold_change", "ratio", "", 2),  # 'change' not a suffix; 'fold'
        ("share_pct", "percent", "", 1),  # 'share' does not name the group
        ("survey_pct", "percent", "", 1),
        ("respondents_pct", "count", "", 1),  # _pct without percent
        ("respondents", "percent", "", 1),  # percent without _pct
        ("funding", "gbp", "", 1),
        ("households_supported_low", "households", "", 1),  # a range end without the qualifier
        ("households_supported", "households", "range", 1),
        ("referrals_change_pct", "ratio", "", 2),  # _pct without percent; a change in ratio
        ("referral_system_years_operational", "years", "", 1),
        ("england_lwa_funding_gbp", "gbp", "", 1),
        ("referring_orgs_change_pct", "percent", "", 1),
    ],
)
def test_measure_problems(measure: str, unit: str, qualifier: str, broken: int) -> None:
    assert len(measure_problems(measure, unit, qualifier)) == broken


def test_every_measure_follows_the_scheme(figures: pd.DataFrame) -> None:
    bad = {
        r.figure_id: measure_problems(r.measure, r.unit, r.qualifier)
        for r in figures.itertuples()
        if measure_problems(r.measure, r.unit, r.qualifier)
    }
    assert bad == {}
    assert not figures["measure"].str.contains("|".join(FORBIDDEN_WORDS)).any()


def test_one_convention_for_change(figures: pd.DataFrame) -> None:
    change = figures[figures["measure"].str.contains("change")]
    assert len(change) >= 10
    assert change["measure"].str.contains(r"_change_(?:pct|ratio)$", regex=True).all()
    ratio = change[change["measure"].str.endswith("_change_ratio")]
    assert set(ratio["unit"]) == {"ratio"} and len(ratio) == 3  # Norfolk, Oldham E14; NAS E15


@pytest.mark.parametrize(
    ("figure_id", "cells", "rule"),
    [
        ("E14-norfolk-2018_2021-lwa_awards_fold_change", {"measure": "lwa_awards_fold_change"},
         "'<quantity>_change_ratio'"),
        ("E10-programme-y2-share_pct-nrpf", {"unit": "count"}, "'_pct' exactly when"),
        ("E10-programme-y2-share_pct-nrpf", {"measure": "share_pct"}, "word the naming scheme"),
    ],
)
def test_a_measure_off_the_scheme_is_refused_naming_row_and_rule(
    tmp_path: Path, figure_id: str, cells: dict[str, str], rule: str
) -> None:
    path, line = _with(tmp_path, figure_id, **cells)
    with pytest.raises(DataValidationError) as exc:
        published.load_figures(path)
    msg = str(exc.value)
    assert str(path) in msg and f"row {line}," in msg and "column 'measure'" in msg, msg
    assert rule in msg


def test_every_rule_has_a_message_and_finds_a_breach() -> None:
    """No rule is vacuous: each refuses at least one of the names issue 11 found."""
    old = pd.DataFrame({
        "measure": ["lwa_awards_fold_change", "share_pct", "respondents", "x_gbp",
                    "households_supported_low", "referral_system_years_operational"],
        "unit": ["ratio", "count", "percent", "count", "households", "years"],
        "qualifier": ["", "", "", "", "", ""],
    })
    for message, rule in RULES.items():
        assert message and not rule(old).all(), message


# --------------------------------------------------------------------------- duplicates


def test_a_figure_quoted_twice_has_one_name(figures: pd.DataFrame) -> None:
    """THCAN's 224 (referrals / 'people') and the 1,700 (households / 'people') take their
    counted row's measure and unit; the report's other wording stays in the note."""
    fig = figures.set_index("figure_id")
    dups = figures[figures["duplicate_of"] != ""]
    for r in dups.itertuples():
        if r.figure_id in DIFFERENT_WORDS:
            assert fig.loc[r.duplicate_of, "measure"] != r.measure
            continue
        assert fig.loc[r.duplicate_of, ["measure", "unit"]].tolist() == [r.measure, r.unit], (
            r.figure_id)
    thcan = fig.loc["E10-tower_hamlets-y2-people_referred-thcan"]
    assert (thcan["measure"], thcan["unit"]) == ("referrals", "referrals")
    assert "people" in thcan["note"] and "people" in thcan["source_quote"]


# --------------------------------------------------------------------------- years


def _programme_years() -> dict[int, tuple[str, str]]:
    params = load_params(ROOT / "params")
    return {y.number: (f"{y.start:%Y-%m}", f"{y.end:%Y-%m}") for y in params.programme.years}


def test_rows_inside_one_programme_year_carry_it(figures: pd.DataFrame) -> None:
    years = _programme_years()
    dated = figures[figures["period_start"] != ""]
    for r in dated.itertuples():
        inside = [n for n, (a, b) in years.items() if a <= r.period_start and r.period_end <= b]
        if pd.isna(r.year):
            assert inside == [], (r.figure_id, "lies in programme year", inside)
        else:
            a, b = years[int(r.year)]
            assert r.period_start <= b and r.period_end >= a, (r.figure_id, "outside its year")


def test_year_one_report_rows_are_dated(figures: pd.DataFrame) -> None:
    """E21 and E22 come from the section 'Year 1 of the CCS Programme in Norfolk' (004); the
    survey was 'delivered in summer 2020'."""
    assert (figures.loc[figures["exhibit"].isin(["E21", "E22"]), "year"] == 1).all()
    section = figures[figures["source_section"].str.startswith(
        "Year 1 of the CCS Programme in Norfolk")]
    assert len(section) == 48 and (section["year"] == 1).all()  # 41 dated by issue 11
    survey = figures[figures["exhibit"] == "E21"]
    assert set(zip(survey["period_start"], survey["period_end"], strict=True)) == {
        ("2020-06", "2020-08")}
    assert "summer 2020" in survey.set_index("figure_id").loc[
        "E21-norfolk-2020-survey_n", "source_quote"]


def test_the_undated_rows_are_the_documented_kinds(figures: pd.DataFrame) -> None:
    """28 rows stay undated: periods across programme years (calendar years of the referral and
    award data, year 1 to year 2, the context years of England's funding) or periods the report
    does not state (E05's averaging windows, E14's Tower Hamlets base year)."""
    years = _programme_years()
    undated = figures[figures["year"].isna()]
    assert len(undated) == 28
    no_period = undated[undated["period_start"] == ""]
    assert set(no_period["exhibit"]) == {"E5", "E14"} and len(no_period) == 4
    for r in undated[undated["period_start"] != ""].itertuples():
        assert not any(a <= r.period_start and r.period_end <= b for a, b in years.values())
