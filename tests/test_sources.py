"""The passages quoted from each report (ccs_methods.analyses.sources)."""

from __future__ import annotations

from ccs_methods.analyses import sources
from ccs_methods.data import published
from ccs_methods.data.params import load_params


def test_every_published_figure_is_listed_under_its_report() -> None:
    reports = {r.file: r for r in sources.quoted_passages(load_params())}
    figures = published.load_figures()
    assert set(figures["source_file"]) <= set(reports)
    for file, n in figures.groupby("source_file").size().items():
        listed = reports[file].passages
        assert (listed["used by"].str.startswith("published figure")).sum() == n
    # the 505-a-month figure can be found in its report's list by its words
    all_words = " ".join(" ".join(r.passages["words quoted"]) for r in reports.values())
    assert "505" in all_words


def test_register_and_claims_are_listed() -> None:
    reports = sources.quoted_passages(load_params())
    used = {u for r in reports for u in r.passages["used by"]}
    assert {"evidence register", "contribution claim"} <= used
    assert all(list(r.passages.columns) == ["used by", "id", "section", "words quoted"]
               for r in reports)


def test_split_source() -> None:
    assert sources.split_source("003_x.txt § 2.1 Key finding 1, Figures 2.2-2.3") == (
        "003_x.txt", "2.1 Key finding 1, Figures 2.2-2.3")


def test_coordination_words_are_credited_to_the_report_they_come_from() -> None:
    """A tick comes from one report's table; the words beside it may come from another."""
    reports = {r.file: r.passages for r in sources.quoted_passages(load_params())}
    feats = published.load_coordination_features()
    words = feats[feats["detail_source_file"].fillna("").astype(str).str.strip() != ""]
    assert len(words) > 0
    for r in words.itertuples():
        listed = reports[r.detail_source_file]
        rows = listed[listed["used by"] == "key features of coordination (words)"]
        assert r.detail_quote in set(rows["words quoted"])
