"""Tests for the published-figure tables (``data/published``) and their loaders.

Sources of the key figures checked below (plain-text extractions in ``../shared/seeds``):
003 = year 2 full report (Cloud Chamber, Dec 2021), 001 = its executive summary,
000 = Oldham snapshot, 002/004 = year 1 executive summary (+ Norfolk case paper in 004).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from ccs_methods.data import paths, published
from ccs_methods.errors import CCSInputError, DataValidationError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PUB = DATA / "published"
SEEDS = ROOT.parent / "shared" / "seeds"
ALL_EXHIBITS = {f"E{i}" for i in range(1, 23)}


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return published.load_figures(data_dir=DATA)


def value(figures: pd.DataFrame, figure_id: str) -> float:
    hit = figures.loc[figures["figure_id"] == figure_id, "value"]
    assert len(hit) == 1, f"figure {figure_id} not found exactly once"
    return float(hit.iloc[0])


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_WORDS = {
    0: ["zero", "no cost"], 2: ["two"], 3: ["three", "trebling"], 4: ["four"], 6: ["six"],
    19: ["nineteen"], 34: ["thirty-four"], 50: ["half"], 66.7: ["two-thirds"],
    75: ["three quarters"],
}


def value_in_quote(v: float, quote: str) -> bool:
    """Whether ``v`` is written in ``quote`` as 83000, 83,000, 83k, 291 million, 137% or a word."""
    v = abs(v)
    forms: list[str] = []
    if float(v).is_integer():
        i = int(v)
        forms += [str(i), f"{i:,}"]
        if i and i % 1000 == 0:
            forms.append(f"{i // 1000}k")
        if i and i % 1_000_000 == 0:
            forms.append(f"{i // 1_000_000} million")
        words = _WORDS.get(i, [])
    else:
        forms.append(f"{v:g}")
        words = _WORDS.get(v, [])
    q = norm(quote)
    for f in forms:
        if re.search(r"(?<![\d.,])" + re.escape(f) + r"(?![\d]|[.,]\d)", q):
            return True
    return any(w in q.lower() for w in words)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def figures_with(tmp_path: Path, line: int, column: str, new: str) -> Path:
    """A copy of figures.csv with one cell changed (``line`` is the file line, header = 1)."""
    rows = read_rows(PUB / "figures.csv")
    rows[line - 1][rows[0].index(column)] = new
    return write_rows(tmp_path / "figures.csv", rows)


def assert_names(exc: pytest.ExceptionInfo, file: Path | str, row: int | None, column: str | None):
    msg = str(exc.value)
    assert str(file) in msg, msg
    if row is not None:
        assert f"row {row}" in msg, msg
        assert exc.value.row == row
    if column is not None:
        assert f"column '{column}'" in msg, msg
        assert exc.value.column == column


def chart_only_exhibits() -> set[str]:
    """Exhibits declared in NOT_IN_TEXT.md as having no number in the text at all."""
    text = (PUB / "NOT_IN_TEXT.md").read_text(encoding="utf-8")
    section = text.split("## Exhibits with no number in the text at all", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| (E\d+) \|", section, flags=re.M))


# --------------------------------------------------------------------------- shipped files
@pytest.mark.parametrize(
    ("loader", "min_rows"),
    [
        (published.load_figures, 150),
        (published.load_kpis, 5),
        (published.load_assumptions, 8),
        (published.load_coordination_features, 32),
    ],
)
def test_shipped_file_validates(loader, min_rows):
    df = loader(data_dir=DATA)
    assert len(df) >= min_rows


def test_shipped_logic_model_validates():
    nodes, links = published.load_logic_model(data_dir=DATA)
    assert len(nodes) >= 20 and len(links) >= 20
    assert set(links["from_node"]) | set(links["to_node"]) <= set(nodes["node_id"])
    assert links["basis"].str.match(r"^(inferred|described|drawn)").all()


def test_figures_columns_and_types(figures):
    assert list(figures.columns) == [
        "figure_id", "exhibit", "site", "year", "period", "period_start", "period_end",
        "measure", "category", "value", "qualifier", "unit", "source_file", "source_section",
        "source_quote", "note", "duplicate_of",
    ]
    assert str(figures["year"].dtype) == "Int64"
    assert figures["value"].dtype == "float64"
    assert figures["figure_id"].is_unique


def test_every_exhibit_is_covered(figures):
    present = set(figures["exhibit"])
    if not published.load_kpis(data_dir=DATA).empty:
        present.add("E16")
    if not published.load_coordination_features(data_dir=DATA).empty:
        present.add("E4")
    if not published.load_assumptions(data_dir=DATA).empty:
        present.add("E17")
    chart_only = chart_only_exhibits()
    # exhibits with no number in the text are declared, and only those lack rows
    assert chart_only == {"E6", "E13"}
    assert not (chart_only & present), "an exhibit declared chart-only has rows"
    assert present | chart_only == ALL_EXHIBITS


def test_contradictions_are_kept_with_cross_references(figures):
    ids = set(figures["figure_id"])
    # every figure id mentioned in a note exists (a trailing '-*' means "these ids")
    for note in figures["note"]:
        for ref in re.findall(r"E\d{2}-[a-z0-9_.\-]+\*?", note):
            ref = ref.rstrip(".")
            if ref.endswith("*"):
                assert any(i.startswith(ref[:-1]) for i in ids), ref
            else:
                assert ref in ids, ref
    # year 1 funding: £83k vs "just over £100,000", each pointing at the other
    a = figures.set_index("figure_id").loc["E01-programme-y1-core_funding_gbp"]
    b = figures.set_index("figure_id").loc["E01-programme-y1-workstream_funding_gbp"]
    assert (a["value"], b["value"]) == (83000, 100000)
    assert "E01-programme-y1-workstream_funding_gbp" in a["note"]
    assert "E01-programme-y1-core_funding_gbp" in b["note"]
    # NCAN 505 a month vs 3,040 people in year 2
    assert "E10-norfolk-y2-people_referred-ncan" in figures.set_index("figure_id").loc[
        "E05-norfolk-post_launch-referrals_per_month_mean", "note"]
    # 34 people consulted vs the groups listed (13 + 9 + 7 + 4 + 4 = 37)
    listed = figures[figures["figure_id"].str.match(
        r"E17-programme-y2-people_consulted-(?!total)")]["value"].sum()
    assert value(figures, "E17-programme-y2-people_consulted-total") == 34
    assert listed == 37


# --------------------------------------------------------------------------- reconciliation
@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"source reports not found at {SEEDS} (expected ../shared/seeds by the repo)")
    return {p.name: norm(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}


def test_every_quote_occurs_in_its_source(figures, seed_texts):
    missing = [
        (r.figure_id, r.source_quote)
        for r in figures.itertuples()
        if norm(r.source_quote) not in seed_texts[r.source_file]
    ]
    assert not missing, missing


def test_every_value_appears_in_its_quote(figures):
    bad = [
        (r.figure_id, r.value, r.source_quote)
        for r in figures.itertuples()
        if not value_in_quote(r.value, r.source_quote)
    ]
    assert not bad, bad


@pytest.mark.parametrize(
    "loader", [published.load_kpis, published.load_assumptions]
)
def test_structured_quotes_occur_in_source(loader, seed_texts):
    df = loader(data_dir=DATA)
    for r in df.itertuples():
        assert norm(r.source_quote) in seed_texts[r.source_file], r.source_quote


def test_value_in_quote_helper():
    assert value_in_quote(83000, "137% higher than year 1; £83k")
    assert value_in_quote(3040, "via NCAN referral system - 3,040 people")
    assert value_in_quote(137, "(137% higher")
    assert value_in_quote(3, "Oldham saw a trebling of awards")
    assert not value_in_quote(20, "between 2019 and 2021")


# --------------------------------------------------------------------------- key figures
def test_key_figures_e5_ncan(figures):
    assert value(figures, "E05-norfolk-pre_ccs-referrals_per_month_mean") == 292
    assert value(figures, "E05-norfolk-post_launch-referrals_per_month_mean") == 505
    assert value(figures, "E05-norfolk-change-referrals_per_month_change_pct") == 73
    assert round((505 - 292) / 292 * 100) == 73


def test_key_figures_e12_e15(figures):
    assert value(figures, "E12-norfolk-2019-connections_per_organisation") == 5.7
    assert value(figures, "E12-norfolk-2021-connections_per_organisation") == 7.2
    assert value(figures, "E15-norfolk-2021-nas_referrals-nas_to_vcs") == 178
    assert value(figures, "E15-norfolk-2021-nas_referrals-vcs_to_nas") == 22


def test_key_figures_e8_capability_survey(figures):
    e8 = figures[figures["exhibit"] == "E8"]
    overall = e8[e8["measure"] == "respondents_pct"]["value"].tolist()
    funded = e8[e8["measure"] == "respondents_ccs_funded_pct"]["value"].tolist()
    assert overall == [33, 31, 20]
    assert funded == [40, 60, 20]
    assert value(figures, "E08-programme-y2-survey_n") == 55


def test_key_figures_e11_relationship_survey(figures):
    e11 = figures[(figures["exhibit"] == "E11") & (figures["measure"] == "respondents_pct")]
    four = e11[~e11["category"].str.startswith("most hopeful")]
    assert sorted(four["value"], reverse=True) == [56, 33, 7, 4]
    assert four["value"].sum() == 100
    assert value(figures, "E11-programme-y2-survey_n") == 55


def test_key_figures_e7_e3(figures):
    assert value(figures, "E07-tower_hamlets-y2-referrals-thcan") == 224
    assert value(figures, "E07-tower_hamlets-y2-organisations_on_referral_system") == 14
    totals = figures[(figures["exhibit"] == "E3") & (figures["category"] == "total")]
    assert dict(zip(totals["site"], totals["value"], strict=True)) == {
        "norfolk": 25, "oldham": 64, "swansea": 55, "tower_hamlets": 40,
    }
    sub = figures[(figures["exhibit"] == "E3") & (figures["unit"] == "sessions")
                  & (figures["site"] != "programme") & (figures["category"] != "total")]
    for site, total in zip(totals["site"], totals["value"], strict=True):
        assert sub.loc[sub["site"] == site, "value"].sum() <= total


def test_e19_engagement_table_adds_up(figures):
    e19 = figures[(figures["exhibit"] == "E19") & (figures["measure"] != "organisations_engaged")]
    for measure, grp in e19.groupby("measure"):
        sites = grp[grp["site"] != "programme"]["value"].sum()
        total = grp[grp["site"] == "programme"]["value"].iloc[0]
        assert sites == total, measure
    assert value(figures, "E19-programme-y1-people_engaged") == 368
    orgs = sum(value(figures, f"E19-programme-y1-{m}") for m in (
        "vcs_organisations_engaged", "statutory_bodies_engaged", "schools_engaged"))
    assert orgs == value(figures, "E19-programme-y1-organisations_engaged") == 139


def test_e18_workstreams(figures):
    lines = figures[(figures["exhibit"] == "E18") & (figures["measure"] == "funding_gbp")]
    assert len(lines) == 17 == value(figures, "E18-programme-y1-workstreams")
    assert lines["value"].sum() == 106798
    assert lines.groupby("site").size().to_dict() == {
        "norfolk": 6, "oldham": 4, "swansea": 4, "tower_hamlets": 3,
    }


def test_e22_services_percentages(figures):
    e22 = figures[figures["exhibit"] == "E22"]
    n = e22[e22["measure"] == "clients_receiving"].set_index("category")["value"]
    pct = e22[e22["measure"] == "clients_receiving_pct"].set_index("category")["value"]
    assert len(n) == 9
    assert ((n / 525 * 100).round() - pct).abs().max() <= 1


def test_kpis_targets_and_baselines():
    k = published.load_kpis(data_dir=DATA).set_index("kpi")
    assert k["target_value"].tolist()[:3] == [2000, 1600, 360]
    assert k.loc[5, "target_value"] == 80
    assert pd.isna(k.loc[4, "target_value"])
    assert k.loc[1, "quasi_baseline_value"] == 8510
    assert k.loc[2, "quasi_baseline_value"] == 2821
    assert "21,411" in k.loc[1, "year1_text"] and "20,554" in k.loc[1, "year2_text"]


def test_assumptions_verdicts():
    a = published.load_assumptions(data_dir=DATA).set_index("assumption_id")
    assert list(a.index) == [f"A{i}" for i in range(1, 9)]
    assert a["verdict_short"].tolist() == [
        "yes_but", "partially", "yes_but", "yes_but", "partially",
        "not_reported", "not_reported", "not_reported",
    ]


def test_coordination_features_match_001_tables():
    cf = published.load_coordination_features(data_dir=DATA)
    end = cf[(cf["timepoint"] == "end_year2_2021_09") & (cf["status"] == "present")]
    assert end.groupby("site").size().to_dict() == {
        "norfolk": 4, "oldham": 3, "swansea": 3, "tower_hamlets": 3,
    }
    base = cf[(cf["timepoint"] == "baseline_2019") & (cf["status"] == "present")]
    assert sorted(zip(base["site"], base["feature"], strict=True)) == [
        ("norfolk", "network"), ("norfolk", "referral_system"), ("tower_hamlets", "network"),
    ]


# --------------------------------------------------------------------------- filters and paths
def test_filters(figures):
    e3 = published.load_figures(data_dir=DATA, exhibit="E03", site="oldham", year=2)
    assert set(e3["exhibit"]) == {"E3"} and set(e3["site"]) == {"oldham"}
    assert len(e3) == len(figures[(figures["exhibit"] == "E3") & (figures["site"] == "oldham")])
    y1 = published.load_figures(data_dir=DATA, year=1)
    assert set(y1["year"].dropna().astype(int)) == {1}
    with pytest.raises(CCSInputError, match="unknown exhibit"):
        published.load_figures(data_dir=DATA, exhibit="E23")
    with pytest.raises(CCSInputError, match="unknown site"):
        published.load_figures(data_dir=DATA, site="leeds")
    with pytest.raises(CCSInputError, match="programme year"):
        published.load_figures(data_dir=DATA, year=4)


def test_find_project_root(tmp_path):
    assert paths.find_project_root(ROOT / "tests") == ROOT
    nested = tmp_path / "proj" / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\n")
    assert paths.find_project_root(nested) == (tmp_path / "proj").resolve()


def test_find_project_root_fails_clearly(tmp_path):
    if any((p / "pyproject.toml").exists() or (p / "params" / "programme.yml").exists()
           for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("a project marker exists above the temporary folder")
    with pytest.raises(CCSInputError, match="no project root"):
        paths.find_project_root(tmp_path)


def test_using_project_root_sets_and_restores_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("CCS_PROJECT_ROOT", raising=False)
    with paths.using_project_root(tmp_path / "." / "proj") as got:
        assert got == (tmp_path / "proj").resolve()
        assert paths.find_project_root() == got  # the variable wins over the working folder
    assert "CCS_PROJECT_ROOT" not in os.environ
    monkeypatch.setenv("CCS_PROJECT_ROOT", "/before")
    with pytest.raises(RuntimeError), paths.using_project_root(tmp_path):
        raise RuntimeError("restored on an error too")
    assert os.environ["CCS_PROJECT_ROOT"] == "/before"


def test_data_dir_env(tmp_path, monkeypatch):
    (tmp_path / "published").mkdir()
    src = PUB / "figures.csv"
    (tmp_path / "published" / "figures.csv").write_bytes(src.read_bytes())
    (tmp_path / "published" / "geographies.csv").write_bytes((PUB / "geographies.csv").read_bytes())
    monkeypatch.setenv("CCS_DATA_DIR", str(tmp_path))
    assert paths.data_dir() == tmp_path.resolve()
    assert len(published.load_figures()) == len(published.load_figures(data_dir=DATA))
    monkeypatch.setenv("CCS_DATA_DIR", str(tmp_path / "nope"))
    with pytest.raises(CCSInputError, match="CCS_DATA_DIR"):
        paths.data_dir()


def test_data_dir_from_cwd(monkeypatch):
    monkeypatch.delenv("CCS_DATA_DIR", raising=False)
    monkeypatch.chdir(ROOT / "src")
    assert paths.data_dir() == ROOT / "data"


# --------------------------------------------------------------------------- bad input
def test_bad_missing_column(tmp_path):
    rows = read_rows(PUB / "figures.csv")
    at = rows[0].index("value")
    rows = [r[:at] + r[at + 1 :] for r in rows]  # drop 'value'
    path = write_rows(tmp_path / "figures.csv", rows)
    with pytest.raises(DataValidationError, match="required column is missing") as exc:
        published.load_figures(path)
    assert_names(exc, path, 1, "value")


def test_bad_wrong_type(tmp_path):
    path = figures_with(tmp_path, 5, "value", "£83k")
    with pytest.raises(DataValidationError, match="expected a plain number") as exc:
        published.load_figures(path)
    assert_names(exc, path, 5, "value")


def test_bad_negative_count(tmp_path):
    path = figures_with(tmp_path, 6, "value", "-3")
    with pytest.raises(DataValidationError, match=">= 0 unless the measure is a change") as exc:
        published.load_figures(path)
    assert_names(exc, path, 6, "value")


def test_negative_change_is_allowed(tmp_path):
    rows = read_rows(PUB / "figures.csv")
    measure = rows[0].index("measure")
    line = next(i for i, r in enumerate(rows, start=1) if "change" in r[measure] and i > 1)
    path = figures_with(tmp_path, line, "value", "-12.5")
    assert (published.load_figures(path)["value"] < 0).any()


def test_bad_unknown_site(tmp_path):
    path = figures_with(tmp_path, 7, "site", "leeds")
    with pytest.raises(DataValidationError, match="pilot sites of params and geographies") as exc:
        published.load_figures(path)
    assert_names(exc, path, 7, "site")


def test_bad_unknown_exhibit(tmp_path):
    path = figures_with(tmp_path, 8, "exhibit", "E23")
    with pytest.raises(DataValidationError, match="allowed exhibits") as exc:
        published.load_figures(path)
    assert_names(exc, path, 8, "exhibit")


def test_bad_exhibit_does_not_match_figure_id(tmp_path):
    path = figures_with(tmp_path, 8, "exhibit", "E4")
    with pytest.raises(DataValidationError, match="must start with 'E04-'") as exc:
        published.load_figures(path)
    assert_names(exc, path, 8, "figure_id")


def test_bad_duplicate_figure_id(tmp_path):
    rows = read_rows(PUB / "figures.csv")
    rows[9][0] = rows[2][0]  # line 10 repeats the id of line 3
    path = write_rows(tmp_path / "figures.csv", rows)
    with pytest.raises(DataValidationError, match="duplicate value") as exc:
        published.load_figures(path)
    assert_names(exc, path, 10, "figure_id")
    assert "row 3" in str(exc.value)


def test_bad_empty_file(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(b"")
    with pytest.raises(DataValidationError, match="file is empty") as exc:
        published.load_figures(path)
    assert_names(exc, path, 1, "figure_id")


def test_bad_header_only(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text((PUB / "figures.csv").read_text(encoding="utf-8").splitlines()[0] + "\n")
    with pytest.raises(DataValidationError, match="no data rows") as exc:
        published.load_figures(path)
    assert_names(exc, path, 2, None)


def test_bad_non_utf8(tmp_path):
    raw = (PUB / "figures.csv").read_bytes()
    lines = raw.split(b"\n")
    header = lines[0].decode().split(",")
    # put a Latin-1 pound sign into the source_quote cell of line 3
    row3 = next(csv.reader([lines[2].decode()]))
    row3[header.index("source_quote")] = "cost \xa3100"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row3)
    lines[2] = buf.getvalue().encode("latin-1")
    path = tmp_path / "figures.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(DataValidationError, match="not valid UTF-8") as exc:
        published.load_figures(path)
    assert_names(exc, path, 3, "source_quote")
    assert "byte offset" in str(exc.value)


def test_bad_unknown_unit(tmp_path):
    path = figures_with(tmp_path, 10, "unit", "pounds")
    with pytest.raises(DataValidationError, match="allowed units") as exc:
        published.load_figures(path)
    assert_names(exc, path, 10, "unit")


@pytest.mark.parametrize(("bad", "rule"), [("4", "programme years"), ("two", "whole number")])
def test_bad_year(tmp_path, bad, rule):
    path = figures_with(tmp_path, 11, "year", bad)
    with pytest.raises(DataValidationError, match=rule) as exc:
        published.load_figures(path)
    assert_names(exc, path, 11, "year")


def test_bad_source_file_and_quote(tmp_path):
    path = figures_with(tmp_path, 12, "source_file", "005_unknown.txt")
    with pytest.raises(DataValidationError, match="seed file names") as exc:
        published.load_figures(path)
    assert_names(exc, path, 12, "source_file")
    path = figures_with(tmp_path, 13, "source_quote", "   ")
    with pytest.raises(DataValidationError, match="must not be empty") as exc:
        published.load_figures(path)
    assert_names(exc, path, 13, "source_quote")


def test_bad_ragged_row(tmp_path):
    text = (PUB / "figures.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "figures.csv"
    path.write_text("".join(text[:3]) + "E01-x,E1,programme\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="has 3 fields") as exc:
        published.load_figures(path)
    assert_names(exc, path, 4, "year")


def test_bad_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataValidationError, match="file not found") as exc:
        published.load_figures(path)
    assert_names(exc, path, None, None)


def test_bad_several_problems_are_summarised(tmp_path):
    rows = read_rows(PUB / "figures.csv")
    rows[4][rows[0].index("unit")] = "pounds"
    rows[6][rows[0].index("site")] = "leeds"
    path = write_rows(tmp_path / "figures.csv", rows)
    with pytest.raises(DataValidationError) as exc:
        published.load_figures(path)
    assert_names(exc, path, 5, "unit")
    assert "row 7, column 'site'" in str(exc.value)


def test_bad_kpi_number(tmp_path):
    rows = read_rows(PUB / "kpis.csv")
    rows[3][0] = "9"
    path = write_rows(tmp_path / "kpis.csv", rows)
    with pytest.raises(DataValidationError, match="between 1 and 5") as exc:
        published.load_kpis(path)
    assert_names(exc, path, 4, "kpi")


def test_bad_assumption_without_verdict_text(tmp_path):
    rows = read_rows(PUB / "assumptions.csv")
    rows[1][rows[0].index("verdict_text")] = ""
    path = write_rows(tmp_path / "assumptions.csv", rows)
    with pytest.raises(DataValidationError, match="not_reported") as exc:
        published.load_assumptions(path)
    assert_names(exc, path, 2, "verdict_text")


def test_bad_duplicate_coordination_feature(tmp_path):
    rows = read_rows(PUB / "coordination_features.csv")
    rows.append(list(rows[1]))
    path = write_rows(tmp_path / "coordination_features.csv", rows)
    with pytest.raises(DataValidationError, match="duplicate value") as exc:
        published.load_coordination_features(path)
    assert_names(exc, path, len(rows), "feature")


def test_bad_link_to_unknown_node(tmp_path):
    rows = read_rows(PUB / "logic_model_links.csv")
    rows[2][1] = "no_such_node"
    links = write_rows(tmp_path / "logic_model_links.csv", rows)
    with pytest.raises(DataValidationError, match="not a node_id") as exc:
        published.load_logic_model(PUB / "logic_model.csv", links)
    assert_names(exc, links, 3, "to_node")


# --------------------------------------------------------------------------- issue 11 labels
def test_units_of_time_are_not_counts(figures):
    """E05 years operational, E18 hours a week and months, E22 hours a week (issue 11)."""
    fig = figures.set_index("figure_id")
    assert fig.loc["E05-norfolk-2021-referral_system_years_operational", "unit"] == "years"
    assert fig.loc["E18-norfolk-y1-extra_hours_per_week-ncls", "unit"] == "hours_per_week"
    assert fig.loc["E18-norfolk-y1-funding_period_months-ncls", "unit"] == "months"
    for q in ("q1", "q2"):
        assert fig.loc[f"E22-norfolk-2020_{q}-student_support_hours_per_week", "unit"] == (
            "hours_per_week"
        )
    timed = figures[figures["measure"].str.contains(r"hours|months|_years", regex=True)]
    assert not (timed["unit"] == "count").any(), timed[["figure_id", "unit"]]


def test_non_pilot_figures_are_filed_under_their_geography(figures):
    kinds = published.geographies(PUB)
    kind = figures["site"].map(kinds)
    assert kind.notna().all()
    programme = figures[figures["site"] == "programme"]
    assert not programme["category"].str.contains("England|other_area", regex=True).any()
    assert set(figures.loc[figures["measure"].str.startswith("lwa_funding_"), "site"]) == {
        "england"}
    assert set(figures.loc[kind == "other_area", "site"]) == {"liverpool", "cambridgeshire"}
    cambs = figures[figures["site"] == "cambridgeshire"]
    assert list(cambs["figure_id"]) == ["E04-cambridgeshire-2021-network_members"]
    assert list(cambs["measure"]) == ["network_members"]


def test_geographies_cite_their_source(seed_texts):
    geo = published.load_geographies(data_dir=DATA)
    for r in geo.itertuples():
        assert norm(r.source_quote) in seed_texts[r.source_file], r.geography
    assert not set(geo["geography"]) & set(published.pilot_sites())


_QUALIFIER_WORDS = {
    "approximate": r"\bc\.|around|approximately|in the region",
    "at_least": r"\bover\b|\d\+|at least|just over",
    "at_most": r"\bnearly\b",
    "range": r"\d\s*[-–]\s*\d",
}


def test_qualifiers_are_columns_that_match_the_quotes(figures):
    """Each qualifier stands on a word of its quote; quoted 'nearly', 'c.£' and 'N+' are
    qualified (rows quoting several numbers are checked by hand: these words sit by the value)."""
    import re

    q = figures[figures["qualifier"] != ""]
    assert len(q) >= 20
    for r in q.itertuples():
        assert re.search(_QUALIFIER_WORDS[r.qualifier], r.source_quote, re.I), r.figure_id
    fig = figures.set_index("figure_id")
    assert fig.loc["E01-programme-y2-core_funding_gbp", "qualifier"] == "at_most"  # Nearly
    assert fig.loc["E01-programme-y2-funding_per_site_per_annum_mean_gbp", "qualifier"] == (
        "approximate"
    )  # c.£35k
    assert fig.loc["E10-programme-y2-referrals-ccs_funded", "qualifier"] == "at_least"  # 300+
    assert fig.loc["E10-programme-y2-households_supported_low", "qualifier"] == "range"


def test_a_figure_quoted_twice_says_which_row_counts(figures):
    dups = figures[figures["duplicate_of"] != ""]
    fig = figures.set_index("figure_id")
    assert len(dups) == 6
    for r in dups.itertuples():
        assert fig.loc[r.duplicate_of, "value"] == r.value, r.figure_id
        assert fig.loc[r.duplicate_of, "duplicate_of"] == ""
    assert fig.loc["E10-tower_hamlets-y2-people_referred-thcan", "duplicate_of"] == (
        "E07-tower_hamlets-y2-referrals-thcan"
    )


def test_a_duplicate_must_name_a_counted_row(tmp_path):
    rows = read_rows(PUB / "figures.csv")
    rows[3][rows[0].index("duplicate_of")] = "E99-nowhere"
    path = write_rows(tmp_path / "figures.csv", rows)
    with pytest.raises(DataValidationError, match="duplicate_of must") as exc:
        published.load_figures(path)
    assert_names(exc, path, 4, "duplicate_of")


def test_periods_are_structured_months(figures):
    dated = figures[figures["period_start"] != ""]
    assert len(dated) >= 180
    assert (dated["period_start"] <= dated["period_end"]).all()
    fig = figures.set_index("figure_id")
    assert tuple(fig.loc["E01-programme-y2-core_funding_gbp", ["period_start", "period_end"]]) == (
        "2020-10", "2021-09"
    )
    assert tuple(
        fig.loc["E14-england-2010_11-england_lwa_funding_gbp", ["period_start", "period_end"]]
    ) == ("2010-04", "2011-03")


def test_the_505_note_does_not_credit_001_with_figure_2_4(figures):
    note = figures.set_index("figure_id").loc[
        "E05-norfolk-post_launch-referrals_per_month_mean", "note"
    ]
    assert "per 001" not in note and "E12" in note


def test_coordination_details_cite_the_report_they_come_from(seed_texts):
    cf = published.load_coordination_features(data_dir=DATA)
    detailed = cf[cf["detail"] != ""]
    for r in detailed.itertuples():
        for part in r.detail_quote.split(" … "):
            assert norm(part) in seed_texts[r.detail_source_file], (r.site, r.feature)
    moved = detailed[detailed["detail_source_file"] != detailed["source_file"]]
    assert len(moved) == 13 and set(moved["detail_source_file"]) == {"003_be4685d4f24850f1.txt"}
    assert cf["source_quote"].str.len().gt(0).all()


def test_kpi_year_values_are_numbers_with_qualifiers_and_target_kinds():
    import re

    k = published.load_kpis(data_dir=DATA).set_index("kpi")
    assert list(k["target_kind"]) == [
        "above_baseline", "above_baseline", "level", "qualitative", "level"
    ]
    for kpi, r in k.iterrows():
        for y in ("year1", "year2"):
            v = r[f"{y}_value"]
            if pd.isna(v):
                assert r[f"{y}_qualifier"] == ""
                continue
            digits = re.sub(r"(?<=\d),(?=\d{3})", "", r[f"{y}_text"])
            assert f"{v:.0f}" in digits, (kpi, y)
    assert (k.loc[1, "year1_value"], k.loc[1, "year1_qualifier"]) == (21411, "approximate")
    assert (k.loc[3, "year2_value"], k.loc[3, "year2_qualifier"]) == (300, "at_least")
    assert "above baseline" in k.loc[1, "target_year3"]


def test_environment_sets_and_restores_each_variable(monkeypatch):
    monkeypatch.setenv("CCS_TEST_SET", "before")
    monkeypatch.delenv("CCS_TEST_UNSET", raising=False)
    with paths.environment({"CCS_TEST_SET": "in", "CCS_TEST_UNSET": "in"}):
        assert os.environ["CCS_TEST_SET"] == os.environ["CCS_TEST_UNSET"] == "in"
    assert os.environ["CCS_TEST_SET"] == "before" and "CCS_TEST_UNSET" not in os.environ
    with pytest.raises(RuntimeError), paths.environment({"CCS_TEST_SET": "in"}):
        raise RuntimeError("stop")
    assert os.environ["CCS_TEST_SET"] == "before"
