"""Page building blocks: context, notes, published sections, exhibits, figures, toc, datasets."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from ccs_methods.analyses import exhibits
from ccs_methods.analyses import published as sitepage
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import DataValidationError, ParamsError
from ccs_methods.pipeline import build
from ccs_methods.pipeline.cli import app
from ccs_methods.report import pages, plots
from ccs_methods.report import published_readings as readings


@pytest.fixture(scope="module")
def params(root: Path):
    return load_params(root / "params")


def test_page_context(params) -> None:
    ctx = pages.page_context(params, "tower_hamlets", 2)
    assert ctx.title == "Tower Hamlets: Year 2"
    assert ctx.period_text() == "1 October 2020 to 30 September 2021"
    assert ctx.has("referrals") and not pages.page_context(params, "oldham", 2).has("referrals")
    with pytest.raises(ParamsError):
        pages.page_context(params, "leeds", 2)


def test_referral_system_phrase(params) -> None:
    th = pages.page_context(params, "tower_hamlets", 2).site.referral_network
    assert readings.referral_system_phrase(th.referral_system_launch) == "went live in March 2021"
    assert readings.referral_system_phrase(None) == "has not gone live"


def test_not_reported_year_three_and_missing_topic(params) -> None:
    y3 = readings.not_reported("funding", pages.page_context(params, "norfolk", 3))
    assert y3.startswith("No data has been reported for Year 3 yet") and "years 1, 2" in y3
    y2 = readings.not_reported("funding", pages.page_context(params, "norfolk", 2))
    assert y2 == "The published reports give no figures on funding for Norfolk in Year 2."


def test_not_reported_for_a_site_the_reports_never_covered(params) -> None:
    ctx = pages.page_context(params, "norfolk", 2)
    site = ctx.site.model_copy(update={"datasets": {**ctx.site.datasets, "published": []}})
    text = readings.not_reported("funding", pages.PageContext(site, ctx.year, params))
    assert text.startswith("The published evaluation reports do not cover Norfolk")
    assert "cover years" not in text and "none" not in text


def test_network_clause_says_only_what_params_name() -> None:
    assert readings.network_clause("X Network (XN)", None, "X") == (
        "the advice network is X Network (XN), whose referral system has not gone live")
    assert readings.network_clause("X Network (XN)", dt.date(2021, 3, 1), "X").endswith(
        "went live in March 2021")
    assert readings.network_clause(None, None, "Leeds") == (
        "params name no advice network or referral system for Leeds")


def test_no_referral_system_mentions_the_reports_only_for_a_covered_network() -> None:
    covered = readings.no_referral_system("X Network (XN)", "X", True)
    assert covered.startswith("X Network (XN) has no live referral system")
    assert covered.endswith("in words only.")
    assert "words only" not in readings.no_referral_system("X Network (XN)", "X", False)
    none = readings.no_referral_system(None, "Leeds", False)
    assert "None" not in none and "Params name no advice network" in none


def test_synthetic_basis() -> None:
    assert readings.synthetic_basis(True, "X") == "reconciled to the published figures"
    other = readings.synthetic_basis(False, "Leeds")
    assert "params/synthetic.yml" in other and "no figures for Leeds" in other


def test_source_citation_and_sources_phrase() -> None:
    assert readings.source_citation("003_be4685d4f24850f1.txt", "Key finding 3") == (
        "Year 2 evaluation, full report, Key finding 3"
    )
    assert readings.source_citation("x.txt", "s") == "x.txt, s"
    rows = pd.DataFrame({"source_file": ["003_be4685d4f24850f1.txt", "000_edc12c9fa5e8f842.txt",
                                         "003_be4685d4f24850f1.txt"]})
    assert readings.sources_phrase(rows) == (
        "Year 2 evaluation, full report; Year 2 pilot-site snapshot: Oldham"
    )
    assert readings.sources_phrase(pd.DataFrame()) == "no published report"


def test_leveraged_and_synthetic_phrases() -> None:
    assert readings.leveraged_phrase(0.0) == ""
    assert readings.leveraged_phrase(21950) == ", plus £21,950 leveraged from other funders"
    text = readings.synthetic_phrase(["referrals_ncan", "lwa_awards"])
    assert "synthetic stand-ins (`referrals_ncan`, `lwa_awards`)" in text


def test_funding_sums_only_ccs_funding(params) -> None:
    res = sitepage.funding(params, "oldham", 2)
    funded = res.rows[res.rows["measure"] == "funding_gbp"]["value"].sum()
    assert funded == 44750 + 13422 + 11076 + 10080
    assert res.reported and res.values["total_gbp"] == funded
    assert res.values["leveraged_gbp"] > 0
    assert res.values["largest_gbp"] == 44750
    assert f"£{funded:,.0f} in all" in res.figure.alt_text
    assert list(res.table.columns) == ["measure", "amount (£)", "unit", "source"]


def test_funding_not_reported_in_year_three(params) -> None:
    res = sitepage.funding(params, "swansea", 3)
    assert not res.reported and res.figure is None and res.rows.empty and res.values == {}


def test_engagement_and_breakdown_adds_remainder(params) -> None:
    res = sitepage.engagement(params, "norfolk", 2)
    data = sitepage.breakdown_with_remainder(res.rows)
    # Norfolk: 25 sessions, 10 catch-ups and 6 new audiences itemised -> 9 not itemised
    rest = data[data["what"] == "sessions: not itemised (derived: total minus parts)"]["value"]
    assert rest.tolist() == [9.0]
    assert data["derived"].tolist().count(True) == 1  # only the remainder is the book's own
    assert data["value"].sum() == 25
    fig = res.figure  # the derived bar is hatched, the published ones are not
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_width() == 9.0
    assert res.values["largest_value"] == data["value"].max()
    assert res.values["n_counts"] == len(res.rows)
    assert not sitepage.engagement(params, "norfolk", 3).reported


def test_coordination_by_year(params) -> None:
    y2 = sitepage.coordination(params, "oldham", 2)
    assert list(y2.table.columns) == [
        "baseline 2019", "end of year 2 (Sep 2021)", "detail in the report"
    ]
    assert y2.table.loc["network", "end of year 2 (Sep 2021)"] == "present"
    assert "OCAN" in y2.table.loc["network", "detail in the report"]
    assert y2.values == {"latest": "end of year 2 (Sep 2021)", "n_present": 3, "n_features": 4}
    assert set(y2.rows["exhibit"]) == {"E4"}
    assert not sitepage.coordination(params, "oldham", 3).reported


def test_sources_table_lists_every_figure_once(params) -> None:
    funding = sitepage.funding(params, "oldham", 2)
    coord = sitepage.coordination(params, "oldham", 2)
    table = sitepage.sources_table([funding, coord, funding, "not a result"])
    assert list(table.columns) == ["exhibit", "value", "report file", "section", "quote"]
    assert len(table) == len(funding.rows) + len(coord.rows)
    assert "£44,750" in set(table["value"])
    assert "network: present" in set(table["value"])
    assert table.index[0] == 1
    assert sitepage.sources_table([sitepage.funding(params, "oldham", 3)]).empty
    # a frame of published rows (as the trends steps cite E14, E5, E7) is listed as it is
    frame = sitepage.sources_table([funding.rows, funding])
    assert len(frame) == len(funding.rows)


def test_exhibits_cover_all_exhibits() -> None:
    for eid in exhibits.EXHIBIT_TITLES:
        res = exhibits.exhibit(eid)
        assert res.title.startswith(eid)
        assert res.reported or res.values["only_in_chart"] or res.values["structured"]
        assert res.values["n_figures"] == len(res.rows)
    e3 = exhibits.exhibit("E3")
    assert e3.figure is not None and "Norfolk 25" in e3.figure.alt_text
    e6 = exhibits.exhibit("E6")
    assert not e6.reported and e6.rows.empty and e6.values["only_in_chart"]
    assert exhibits.exhibit("E16").values["structured"] == "kpis.csv"
    with pytest.raises(KeyError):
        exhibits.exhibit("E99")


def test_tensions_keep_both_figures() -> None:
    res = exhibits.tensions()
    assert res.reported and res.values["n_figures"] == len(res.rows)
    # the year 1 funding tension (DOMAIN.md): "£83k" against "just over £100,000", both kept
    year1 = res.rows[(res.rows["year"] == 1) & res.rows["measure"].str.contains("funding_gbp")]
    assert {83000.0, 100000.0} <= set(year1["value"])
    assert set(year1["source_file"]) >= {"003_be4685d4f24850f1.txt", "002_54b7c9cad1604105.txt"}


def test_structured_exhibits() -> None:
    k = exhibits.kpis()
    assert len(k.table) == 5 and k.values == {"n_kpis": 5} and set(k.rows["exhibit"]) == {"E16"}
    a = exhibits.assumptions()
    assert len(a.table) == 8 and a.values == {"n_assumptions": 8}
    cs = exhibits.coordination_features()
    assert cs.table.shape == (16, 3) and cs.values == {"n_sites": 4}
    # the reports' words beside the ticks: Norfolk's legitimacy tick is red (planned)
    words = cs.table.loc[("Norfolk", "legitimacy"), "the report's words (latest)"]
    assert words.startswith("red per the colour key")
    # reader labels, not identifiers
    assert ("Tower Hamlets", "referral system") in cs.table.index
    assert "not_reported" not in cs.table.to_string()
    assert len(exhibits.coordination_features("oldham").table) == 4
    table = sitepage.sources_table([k, a, cs])
    assert len(table) == len(k.rows) + len(a.rows) + len(cs.rows)


def test_figure_requires_title_source_and_alt() -> None:
    fig, ax = plots.new_figure()
    with pytest.raises(ValueError, match="alt text"):
        plots.finish(fig, ax, title="t", xlabel="x", ylabel="y", source="s", alt="")
    plots.finish(
        fig, ax, title="t", xlabel="x", ylabel="y", source="s", alt="a chart", synthetic=True
    )
    html = plots.figure_html(fig)
    # short alt text (the title), the long description once, as the caption it points to
    assert 'alt="t"' in html and html.startswith("<figure")
    assert html.count("a chart") == 1 and 'aria-describedby="fig-' in html
    assert any("SYNTHETIC DATA" in t.get_text() for t in fig.texts)


def test_figure_offers_its_data_and_zooms_when_text_would_be_small() -> None:
    import pandas as pd

    small, ax = plots.new_figure(figsize=(6, 3))
    plots.finish(small, ax, title="t", xlabel="x", ylabel="y", source="s", alt="d",
                 data=pd.DataFrame({"year": [2020, 2021], "awards": [1, 2]}))
    html = plots.figure_html(small)
    assert "ccs-zoom" not in html  # 6 inches fit the column at full size
    assert 'download="t.csv"' in html and "data:text/csv" in html
    wide, ax = plots.new_figure(figsize=(18, 12))
    plots.finish(wide, ax, title="w", xlabel="x", ylabel="y", source="s", alt="d")
    assert "ccs-zoom-toggle" in plots.figure_html(wide)  # shrunk to the column: full-size view


def test_figure_png_is_deterministic() -> None:
    def make() -> str:
        fig, ax = plots.new_figure()
        ax.bar(["a", "b"], [1, 2])
        plots.finish(fig, ax, title="t", xlabel="x", ylabel="y", source="s", alt="bars")
        return plots.figure_html(fig)

    assert make() == make()


def test_generate_toc_from_params(params, root: Path, tmp_path: Path) -> None:
    proj = tmp_path / "p"
    shutil.copytree(root / "params", proj / "params")
    (proj / "book" / "methods").mkdir(parents=True)
    for page in ("intro.md", "methods/index.md", "methods/trends.md", "limitations.md"):
        (proj / "book" / page).write_text("# x\n", encoding="utf-8")
    (proj / "book" / "sites" / "norfolk").mkdir(parents=True)
    (proj / "book" / "sites" / "norfolk" / "year-1.ipynb").write_text("{}", encoding="utf-8")
    (proj / "book" / "sites" / "norfolk" / "year-1-contribution.ipynb").write_text("{}")
    toc = build.generate_toc(params, proj)
    assert toc["root"] == "intro"
    captions = [p["caption"] for p in toc["parts"]]
    assert captions == ["Evaluation design", "Pilot sites", "Limitations and reproducibility"]
    norfolk = toc["parts"][1]["chapters"][0]
    assert norfolk["file"] == "sites/norfolk/index"
    assert norfolk["sections"] == [
        {"file": "sites/norfolk/year-1"},
        {"file": "sites/norfolk/year-1-contribution"},
    ]
    on_disk = yaml.safe_load((proj / "book" / "_toc.yml").read_text(encoding="utf-8"))
    assert on_disk == toc
    index = (proj / "book" / "sites" / "oldham" / "index.md").read_text(encoding="utf-8")
    assert index.startswith("# Oldham") and "params/sites/oldham.yml" in index


def test_site_index_lists_datasets_by_year(params) -> None:
    text = build.site_index_markdown(params, "tower_hamlets")
    assert "| referrals | – | – | yes | – |" in text
    assert "[Year 3](year-3.ipynb)" in text


def test_input_files_and_checksums(params, root: Path) -> None:
    files = build.input_files(params, root)
    rel = {f.relative_to(root).as_posix() for f in files}
    assert "params/programme.yml" in rel and "data/published/figures.csv" in rel
    assert "data/synthetic/referrals_ncan.csv" in rel
    digest = build.sha256_file(root / "params" / "programme.yml")
    assert len(digest) == 64


def test_validate_paths_and_bad_file(root: Path, tmp_path: Path) -> None:
    checked = datasets.validate_paths(None, root=root)
    names = {p.name for p, _ in checked}
    assert {"figures.csv", "referrals_ncan.csv", "logic_model_links.csv"} <= names
    bad = tmp_path / "lwa_awards.csv"
    text = (root / "data" / "synthetic" / "lwa_awards.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[3] = lines[3].replace("norfolk", "leeds", 1) if "norfolk" in lines[3] else lines[3]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(bad), "--root", str(root)])
    assert res.exit_code == 2
    assert "lwa_awards.csv" in res.output and "row 4" in res.output


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"a,b\n", "no data rows"),
        (b"a,b\n1,2,3\n", "row 2"),
        (b"a,b\n1,\xff\n", "UTF-8"),
    ],
)
def test_read_csv_checked_errors(tmp_path: Path, content: bytes, match: str) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(content)
    with pytest.raises(DataValidationError, match=match):
        datasets.read_csv_checked(f)


def test_load_record_follows_params_source(params, root: Path) -> None:
    df = datasets.load_record(params, "activity_log", root=root)
    assert len(df) > 0 and datasets.is_synthetic(params, "activity_log")


def test_only_in_chart_phrase() -> None:
    assert readings.only_in_chart("") == ""
    assert readings.only_in_chart("the split by site.") == (
        "Not in the report text, so not transcribed: the split by site."
    )
