"""Referral-network sections of the book (site-year pages, programme page, computed results).

The programme tables must reproduce the year 2 evaluation's published figures for the NCAN
referral network (report 003, "Year 2 evaluation, full report": key finding 9, Figure 2.10,
connections +80% and 5.7 -> 7.2 per organisation, statutory +48%, VCS +37%, referrals to the
VCS +20%; key finding 10, Figure 2.13, NAS -> VCS 178 and VCS -> NAS 22 in 2021, x4 and +83%
since 2019) and THCAN (key finding 3 and the KPI summary: 224 referrals March-September 2021,
14 organisations). Disclosure control follows the GSS rule stated on the methods page
(``book/methods/networks.md``): no count from 1 to threshold - 1 may be visible.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ccs_methods.analyses import networks as ns
from ccs_methods.analyses import published as sitepage
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network
from ccs_methods.pipeline.cli import app
from ccs_methods.report import pages

ROOT = Path(__file__).resolve().parents[1]
MARK = "[c]"


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def programme(params):
    secs = ns.programme_network_sections(params)
    yield secs
    plt.close("all")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _section(params, site: str, year: int) -> sitepage.Section:
    return ns.network_section(pages.page_context(params, site, year))


def _small_visible(table: pd.DataFrame, threshold: int, columns=None) -> list[str]:
    """Cells of a display table that show a whole count from 1 to threshold - 1."""
    cols = list(table.columns) if columns is None else columns
    found = []
    for c in cols:
        for idx, v in table[c].items():
            text = str(v).replace(",", "")
            if re.fullmatch(r"\d+", text) and 1 <= int(text) < threshold:
                found.append(f"{idx}/{c}={v}")
    return found


def _count_tables(section: sitepage.Section) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """(caption, table, count columns) of the tables of referral counts in a section."""
    out = []
    for caption, table in section.extra_tables:
        if table.empty:
            continue
        if caption.startswith("Referrals between") or caption.startswith("Referrals made by"):
            cols = [c for c in table.columns if c not in ("change", "95% CI")]
        elif caption.startswith("Referrals accepted"):
            cols = ["accepted", "declined"]
        elif caption.startswith("Reasons"):
            cols = [c for c in table.columns if c.endswith("referrals")]
        else:
            continue
        out.append((caption, table, cols))
    return out


def _referrals(spec: list[tuple[str, str, str, str, str, int, str, str]]) -> pd.DataFrame:
    """Referral rows from (date, from, from_sector, to, to_sector, n, reason, outcome)."""
    rows = []
    for date, fo, fs, to, ts, n, reason, outcome in spec:
        for _ in range(n):
            rows.append({"date": date, "site": "norfolk", "network": "ncan", "from_org": fo,
                         "from_sector": fs, "to_org": to, "to_sector": ts, "reason": reason,
                         "outcome": outcome})
    df = pd.DataFrame(rows)
    df.insert(0, "referral_id", [f"R{i:05d}" for i in range(1, len(df) + 1)])
    return df


# --------------------------------------------------------------------------------------------
# Periods and coverage
# --------------------------------------------------------------------------------------------


def test_year_windows_previous_year_and_pre_ccs(params):
    cur, cmp_ = ns.year_windows(params, "norfolk", 2)
    assert (cur.start.isoformat(), cur.end.isoformat()) == ("2020-10-01", "2021-09-30")
    assert cmp_ is not None and cmp_.short == "Year 1"
    cur, cmp_ = ns.year_windows(params, "norfolk", 1)
    assert cmp_ is not None and cmp_.short == "Pre-CCS"
    # the twelve months just before year 1 (leap year 2020 must not shift the start)
    assert (cmp_.start.isoformat(), cmp_.end.isoformat()) == ("2018-10-01", "2019-09-30")
    assert ns.year_windows(params, "tower_hamlets", 2)[1] is None
    assert cur.label == "Year 1 (Oct 2019 to Sep 2020)"


def test_coverage_flags_partial_years():
    df = _referrals([("2021-03-02", "A", "vcs", "B", "vcs", 2, "debt", "accepted"),
                     ("2021-09-30", "A", "vcs", "B", "vcs", 1, "debt", "accepted")])
    df["date"] = pd.to_datetime(df["date"])
    win = ns.Window("Year 2", pd.Timestamp("2020-10-01").date(), pd.Timestamp("2021-09-30").date())
    cov = ns.coverage(df, win)
    assert cov["partial"] and cov["months_with_data"] == 2 and cov["months_in_period"] == 12
    assert cov["n_referrals"] == 3 and cov["first"] == "2021-03-02" and cov["last"] == "2021-09-30"
    assert "Partial year" in cov["text"]
    empty = ns.coverage(df, ns.Window("Y", pd.Timestamp("2019-01-01").date(),
                                      pd.Timestamp("2019-12-31").date()))
    assert empty["n_referrals"] == 0 and empty["first"] is None


# --------------------------------------------------------------------------------------------
# Tables with disclosure control (hand-made frames)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def small_network() -> pd.DataFrame:
    df = _referrals([
        ("2021-01-05", "A", "vcs", "B", "vcs", 30, "debt", "accepted"),
        ("2021-01-05", "A", "vcs", "B", "vcs", 6, "debt", "declined"),
        ("2021-02-05", "S", "statutory", "A", "vcs", 20, "benefits", "accepted"),
        ("2021-02-05", "S", "statutory", "T", "statutory", 12, "housing", "accepted"),
        ("2021-03-05", "N", "lwa", "A", "vcs", 9, "debt", "accepted"),
        ("2021-03-05", "A", "vcs", "N", "lwa", 3, "food", "declined"),
        ("2021-04-05", "S", "statutory", "H", "health", 2, "housing", "accepted"),
        ("2021-04-05", "T", "statutory", "A", "vcs", 7, "benefits", "accepted"),
    ])
    clean, _ = network.clean_referrals(df)
    return clean


def test_sector_flow_tables_hide_small_counts_and_totals(small_network):
    tables = ns.sector_flow_tables({"2021": small_network}, 5)
    table, report = tables["2021"]
    assert list(table.index) == ["vcs", "statutory", "lwa", "other", "Total"]
    assert report.primary  # vcs -> lwa (3) and statutory -> other (2) are small
    shown = ns._show_counts(table)
    assert _small_visible(shown, 5) == []
    assert (shown == MARK).to_numpy().sum() == report.n_suppressed
    # raw counts survive where not suppressed
    assert int(table.loc["statutory", "statutory"]) == 12
    assert int(table.loc["Total", "vcs"]) == 72 and int(table.loc["Total", "Total"]) == 89
    assert pd.isna(table.loc["vcs", "vcs"])  # a complement: 39 - 36 would give away the 3
    hidden = ns.hidden_totals(table)
    assert set(hidden) == {"to", "from", "all"} and hidden["all"] == set()
    assert "other" in hidden["to"]  # referrals to health (2) is a small total


def test_grouped_flow_matrix_merges_school_health_other(small_network):
    m = ns.grouped_flow_matrix(small_network)
    assert list(m.columns) == ["vcs", "statutory", "lwa", "other"]
    assert int(m.loc["statutory", "other"]) == 2
    assert int(m.to_numpy().sum()) == len(small_network)


def test_plot_flow_tables_alt_text_and_suppressed_cells(small_network):
    tables = {"2021": ns.sector_flow_tables({"2021": small_network}, 5)["2021"][0]}
    fig = ns.plot_flow_tables(tables, title="Flows", source="hand-made", synthetic=True)
    assert fig.alt_text.startswith("Flows.") and "[c]" in fig.alt_text
    data = fig.data
    assert data["referrals"].isna().sum() == tables["2021"].drop(
        index="Total", columns="Total").isna().to_numpy().sum()
    assert any("SYNTHETIC" in t.get_text() for t in fig.texts)


def test_reasons_table_suppresses_and_gives_change_with_ci(small_network):
    df = small_network.assign(period=np.where(small_network["date"] < "2021-03-01", "a", "b"))
    table, report, hidden = ns.reasons_table(df, "period", ["a", "b"], 5, n_boot=400)
    assert _small_visible(table, 5, ["a: referrals", "b: referrals"]) == []
    assert report.primary
    # shares are hidden exactly where counts are
    for p in ("a", "b"):
        assert ((table[f"{p}: referrals"] == MARK) == (table[f"{p}: share"] == MARK)).all()
    assert set(hidden) <= set(df["reason"])
    assert table.loc["Total", "a: referrals"] == f"{int((df['period'] == 'a').sum()):,}"
    again, _, _ = ns.reasons_table(df, "period", ["a", "b"], 5, n_boot=400)
    pd.testing.assert_frame_equal(table, again)  # seeded
    with pytest.raises(MethodInputError):
        ns.reasons_table(df, "period", [], 5)


def test_reasons_change_matches_shares():
    df = _referrals([("2019-05-01", "A", "vcs", "B", "vcs", 20, "debt", "accepted"),
                     ("2019-05-01", "A", "vcs", "B", "vcs", 80, "benefits", "accepted"),
                     ("2021-05-01", "A", "vcs", "B", "vcs", 40, "debt", "accepted"),
                     ("2021-05-01", "A", "vcs", "B", "vcs", 60, "benefits", "accepted")])
    clean, _ = network.clean_referrals(df)
    clean["year"] = clean["date"].dt.year
    table, _, _ = ns.reasons_table(clean, "year", [2019, 2021], 5)
    col = "change in share, 2019 to 2021 (points)"
    assert table.loc["Debt", col] == "+20.0" and table.loc["Benefits", col] == "-20.0"
    low, high = (float(x) for x in table.loc["Debt", "95% CI (points)"].split(" to "))
    assert low < 20 < high


def test_acceptance_table_wilson_and_suppression(small_network):
    big = _referrals([
        ("2021-01-05", "A", "vcs", "B", "vcs", 60, "debt", "accepted"),
        ("2021-01-05", "A", "vcs", "B", "vcs", 12, "debt", "declined"),
        ("2021-02-05", "A", "vcs", "S", "statutory", 40, "debt", "accepted"),
        ("2021-02-05", "A", "vcs", "S", "statutory", 10, "debt", "declined"),
    ])
    clean, _ = network.clean_referrals(big)
    table, report = ns.acceptance_table(clean, 5)
    # 72 referrals to VCS organisations, 60 accepted: the Wilson interval of
    # ccs_methods.methods.network
    lo, hi = network.wilson_interval(60, 72)
    assert table.loc["VCS", "acceptance rate"] == f"{100 * 60 / 72:.1f}%"
    assert table.loc["VCS", "95% CI"] == f"{100 * lo:.1f}% to {100 * hi:.1f}%"
    assert table.loc["All sectors", "accepted"] == "100" and report.n_suppressed == 0

    table, report = ns.acceptance_table(small_network, 5)
    assert _small_visible(table, 5, ["accepted", "declined"]) == []
    assert table.loc["LWA scheme", "acceptance rate"] == MARK  # 0 accepted, 3 declined
    assert report is not None and report.n_suppressed >= 2
    # rates are shown only where both counts are
    shown = (table["accepted"] != MARK) & (table["declined"] != MARK)
    assert ((table["acceptance rate"] != MARK) == shown).all()
    hidden, _ = ns.acceptance_table(small_network, 5, hidden={"to": {"statutory"},
                                                              "all": {"all"}})
    assert (hidden.loc["Statutory"] == MARK).all() and (hidden.loc["All sectors"] == MARK).all()


# --------------------------------------------------------------------------------------------
# Site-year sections
# --------------------------------------------------------------------------------------------


def test_norfolk_year2_section(params):
    sec = _section(params, "norfolk", 2)
    assert sec.note is None and "Synthetic data" in sec.banner
    t = sec.table
    assert list(t.columns) == ["Year 1 (Oct 2019 to Sep 2020)", "Year 2 (Oct 2020 to Sep 2021)",
                               "change", "95% CI"]
    # the counts shown are those of the records in the programme year (computed here
    # independently of the section code)
    refs = datasets.load_record(params, "referrals_ncan")
    in_year = refs[(refs["date"] >= "2020-10-01") & (refs["date"] <= "2021-09-30")]
    in_year = in_year[in_year["from_org"] != in_year["to_org"]]
    n_refs = len(in_year)
    n_orgs = len(set(in_year["from_org"]) | set(in_year["to_org"]))
    assert t.loc["Referrals", "Year 2 (Oct 2020 to Sep 2021)"] == f"{n_refs:,}"
    assert re.fullmatch(r"[+-]\d+\.\d% to [+-]\d+\.\d%", t.loc["Connections per organisation "
                                                                "(2E/N)", "95% CI"])
    text = " ".join(sec.markdown)
    assert f"{n_refs:,} referrals among {n_orgs} organisations" in text
    assert "12 months" in text and "Partial year" not in text
    for fig in sec.figures:
        assert getattr(fig, "alt_text", "")
    assert set(sec.results) == {"network.norfolk.y2.connections_ratio",
                                "network.norfolk.y2.connections_per_organisation_ratio",
                                "network.norfolk.y2.referrals_to_vcs_ratio"}
    json.dumps(sec.results, allow_nan=False)
    # the report's "3,040 people" is set against the records (a tension, kept visible)
    recon = dict(sec.extra_tables)["Reconciliation with the published figures"]
    assert "differs" in recon.iloc[0]["reconciliation"]
    assert "Key finding 6" in recon.iloc[0]["source"]


def test_network_diagram_same_positions_in_every_panel(params):
    sec = _section(params, "norfolk", 1)
    fig = sec.figures[0]
    assert "same position in every panel" in fig.alt_text
    offsets = [c.get_offsets().data.copy() for ax in fig.axes for c in ax.collections
               if c.get_gid() == "nodes"]
    assert len(offsets) == 2
    np.testing.assert_array_equal(offsets[0], offsets[1])
    pos = fig.node_positions
    # the same map on every page of the site: year 2's diagram places organisations alike
    fig2 = _section(params, "norfolk", 2).figures[0]
    shared = set(pos) & set(fig2.node_positions)
    assert shared and all(pos[o] == fig2.node_positions[o] for o in shared)


def test_site_sections_show_no_small_counts(params):
    for site, year in (("norfolk", 1), ("norfolk", 2), ("tower_hamlets", 2)):
        sec = _section(params, site, year)
        tables = _count_tables(sec)
        assert len(tables) >= 4
        for caption, table, cols in tables:
            assert _small_visible(table, 5, cols) == [], (site, year, caption)


def test_tower_hamlets_year2_partial_and_reconciled(params):
    sec = _section(params, "tower_hamlets", 2)
    text = " ".join(sec.markdown)
    assert "Partial year" in text and "7 of the 12 months" in text and "March 2021" in text
    assert list(sec.table.columns) == ["Year 2 (Oct 2020 to Sep 2021)"]
    assert sec.results == {}
    recon = dict(sec.extra_tables)["Reconciliation with the published figures"]
    assert list(recon["computed"]) == ["224", "14", "224"]
    assert recon["reconciliation"].str.startswith("reproduced").all()
    assert set(sec.rows["exhibit"]) == {"E7", "E10"}
    assert "Key finding 3" in sitepage.sources_for([sec])
    assert "[c]" in text or "suppressed" in text


@pytest.mark.parametrize(
    ("site", "year", "words"),
    [
        ("oldham", 2, "onboarding"),
        ("swansea", 1, "planned"),
        ("tower_hamlets", 1, "March 2021"),
        ("norfolk", 3, "No extract for this year"),
        ("tower_hamlets", 3, "ends on 31 October 2021"),
    ],
)
def test_notes_where_there_is_no_referral_data(params, site, year, words):
    sec = _section(params, site, year)
    assert sec.note is not None and ":class: note" in sec.note
    assert words in sec.note
    assert sec.table is None and sec.figures == []
    assert ns.no_referral_data_note(pages.page_context(params, site, year)) == sec.note


def test_hand_made_site_data_are_suppressed(params, monkeypatch):
    """A small hand-made extract through the whole site-year section."""
    spec = []
    for date in ("2019-11-04", "2020-10-05"):
        spec += [
            (date, "A", "vcs", "B", "vcs", 25, "debt", "accepted"),
            (date, "S", "statutory", "A", "vcs", 15, "benefits", "accepted"),
            (date, "N", "lwa", "A", "vcs", 6, "debt", "accepted"),
            (date, "A", "vcs", "N", "lwa", 3, "food", "declined"),
            (date, "S", "statutory", "H", "health", 2, "food", "accepted"),
            (date, "T", "statutory", "S", "statutory", 8, "housing", "accepted"),
        ]
    df = _referrals(spec)
    df["date"] = pd.to_datetime(df["date"])
    monkeypatch.setattr(ns.datasets, "load_record", lambda p, name, **kw: df.copy())
    for fn in (ns._cleaned, ns._layout, ns._site_year):
        fn.cache_clear()
    try:
        sec = _section(params, "norfolk", 2)
        assert sec.table.loc["Referrals", "Year 2 (Oct 2020 to Sep 2021)"] == "59"
        for caption, table, cols in _count_tables(sec):
            assert _small_visible(table, 5, cols) == [], caption
        lwa = dict(sec.extra_tables)["Referrals made by and to the Norfolk Assistance Scheme (NAS)"]
        assert lwa.loc["VCS → NAS"].iloc[0] == MARK
        assert "Disclosure control" in " ".join(sec.markdown)
    finally:
        for fn in (ns._cleaned, ns._layout, ns._site_year):
            fn.cache_clear()


# --------------------------------------------------------------------------------------------
# Programme page
# --------------------------------------------------------------------------------------------


def test_programme_sections_in_order(programme):
    assert list(programme) == ["overview", "e12", "diagrams", "e15", "e13", "e6", "thcan",
                               "definitions"]
    for key, sec in programme.items():
        assert isinstance(sec, sitepage.Section) and sec.note is None, key
        for fig in [sec.figure, *sec.figures]:
            if fig is not None:
                assert fig.alt_text, key


def _pct(text: str) -> float:
    return float(text.rstrip("%"))


def test_e12_reproduces_published_figures(programme):
    t = programme["e12"].table
    cols = ["2019", "2021", "computed change", "95% CI", "published", "source", "reconciliation"]
    assert list(t.columns) == cols
    expected = {"Connections (E)": 80, "Statutory organisations referring": 48,
                "VCS organisations referring": 37, "Referrals to the VCS": 20}
    for measure, pub in expected.items():
        assert abs(_pct(t.loc[measure, "computed change"]) - pub) <= 0.5, measure
        assert t.loc[measure, "reconciliation"].startswith("reproduced"), measure
        assert "Key finding 9" in t.loc[measure, "source"]
        low, high = (_pct(x) for x in t.loc[measure, "95% CI"].split(" to "))
        assert low < _pct(t.loc[measure, "computed change"]) < high
    cpo = t.loc["Connections per organisation (2E/N)"]
    assert round(float(cpo["2019"]), 1) == 5.7 and round(float(cpo["2021"]), 1) == 7.2
    assert cpo["reconciliation"].startswith("reproduced")
    assert set(programme["e12"].rows["exhibit"]) == {"E12"}


def test_e15_reproduces_published_figures(programme):
    t = programme["e15"].table
    assert t.loc["NAS → VCS referrals, 2021", "computed"] == "178"
    assert t.loc["VCS → NAS referrals, 2021", "computed"] == "22"
    assert t.loc["NAS → VCS, 2019 to 2021 (fold change)", "computed"] == "45 → 178: ×3.96"
    assert t.loc["VCS → NAS, 2019 to 2021 (percent change)", "computed"] == "12 → 22: +83.3%"
    assert t["reconciliation"].str.startswith("reproduced").all()
    # a base of 12 referrals: the interval for +83% includes no change, and the page says so
    assert "includes no change" in t.loc["VCS → NAS, 2019 to 2021 (percent change)",
                                          "reconciliation"]
    assert programme["e15"].figure.alt_text.startswith("Grouped bar chart")


def test_e13_and_e6(programme):
    e13 = programme["e13"]
    assert e13.table.loc["Statutory → statutory referrals, 2021", "reconciliation"].startswith(
        "consistent")
    caption, matrix = e13.extra_tables[0]
    assert "organisation level" in caption
    assert _small_visible(matrix, 5) == []
    assert MARK in matrix.to_numpy()  # the organisation-level table does have small cells
    e6 = programme["e6"].table
    assert e6.loc["Debt", "reconciliation"] == "consistent: the debt share rose"
    assert float(e6.loc["Debt", "change in share, 2019 to 2021 (points)"]) > 0
    assert set(programme["e6"].rows["exhibit"]) == {"E6"}
    _, by_year = programme["e6"].extra_tables[0]
    assert _small_visible(by_year, 5, [c for c in by_year.columns if c.endswith("referrals")]) == []


def test_diagrams_2019_and_2021_side_by_side(programme):
    sec = programme["diagrams"]
    net_fig = sec.figures[0]
    titles = [ax.get_title(loc="left") or ax.get_title() for ax in net_fig.axes]
    assert titles[0].startswith("2019") and titles[1].startswith("2021")
    offsets = [c.get_offsets().data for ax in net_fig.axes for c in ax.collections
               if c.get_gid() == "nodes"]
    np.testing.assert_array_equal(offsets[0], offsets[1])
    for _, table in sec.extra_tables:
        assert _small_visible(table, 5) == []


def test_thcan_summary_reconciles_e7(programme):
    t = programme["thcan"].table
    rows = t.loc[[i for i in t.index if "(report:" in i]]
    assert list(rows["computed"]) == ["224", "14", "224"]
    assert rows["reconciliation"].str.startswith("reproduced").all()
    assert "October" in t.iloc[-1]["reconciliation"]
    assert "E7" in set(programme["thcan"].rows["exhibit"])


def test_definitions_and_sources(programme):
    text = " ".join(programme["definitions"].markdown)
    assert "2E/N" in text and "E/N" in text
    sources = sitepage.sources_for(list(programme.values()))
    assert "Figure 2.13" in sources and "Figure 2.11" in sources and "224" in sources


# --------------------------------------------------------------------------------------------
# Computed results
# --------------------------------------------------------------------------------------------


def test_computed_results_keys_json_and_values(params):
    res = ns.computed_results(params)
    required = {"network.ncan.connections_ratio", "network.ncan.statutory_to_vcs_ratio",
                "network.ncan.vcs_to_nas_ratio"}
    assert required <= set(res) and set(res) == set(ns.RESULT_MEASURES)
    json.dumps(res, allow_nan=False)
    for rid, r in res.items():
        assert {"ratio", "ci_low", "ci_high", "n"} <= set(r), rid
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"], rid
        assert isinstance(r["n"], int) and r["n"] > 0
    con = res["network.ncan.connections_ratio"]
    assert con["value_a"] == 208 and con["value_b"] == 374
    assert con["ratio"] == pytest.approx(1.80, abs=0.005)
    vn = res["network.ncan.vcs_to_nas_ratio"]
    assert (vn["value_a"], vn["value_b"], vn["n"]) == (12, 22, 34)
    assert vn["ci_low"] < 1 < vn["ci_high"]  # a base of 12: no change is not ruled out


def test_computed_results_deterministic(params):
    first = json.dumps(ns.computed_results(params), sort_keys=True)
    for fn in (ns._programme, ns._cleaned):
        fn.cache_clear()
    assert json.dumps(ns.computed_results(params), sort_keys=True) == first


def test_computed_results_match_the_bootstrap(params):
    clean, _ = network.clean_referrals(ns.datasets.load_record(params, ns.NCAN))
    direct = network.yoy_change(clean, "connections", 2019, 2021, ns.N_BOOT,
                                seed=ns.BOOTSTRAP_SEED)
    res = ns.computed_results(params)["network.ncan.connections_ratio"]
    assert res["ci_low"] == pytest.approx(1 + direct["ci_low_pct"] / 100)
    assert res["ci_high"] == pytest.approx(1 + direct["ci_high_pct"] / 100)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Command line: ccs-eval stats network
# --------------------------------------------------------------------------------------------


def _write(tmp_path: Path, df: pd.DataFrame, name: str = "refs.csv") -> Path:
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def referral_csv(tmp_path) -> Path:
    df = _referrals([
        ("2019-03-01", "A", "vcs", "B", "vcs", 3, "debt", "accepted"),
        ("2019-04-01", "B", "vcs", "A", "vcs", 1, "benefits", "declined"),
        ("2019-05-01", "S", "statutory", "N", "lwa", 2, "debt", "accepted"),
        ("2021-02-01", "N", "lwa", "A", "vcs", 5, "debt", "accepted"),
        ("2021-06-01", "S", "statutory", "T", "statutory", 4, "housing", "accepted"),
        ("2021-07-01", "T", "statutory", "S", "statutory", 1, "benefits", "accepted"),
    ])
    return _write(tmp_path, df)


def test_cli_network_json_matches_direct_calls(referral_csv):
    res = CliRunner().invoke(app, ["stats", "network", "--csv", str(referral_csv), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    clean, report = network.clean_referrals(pd.read_csv(referral_csv),
                                            source_file=str(referral_csv))
    assert out["overall"] == network.network_measures(clean)
    assert out["cleaning"] == report.to_dict()
    by_year = network.measures_by_period(clean, "year")
    assert [r["year"] for r in out["by_year"]] == [2019, 2021]
    for rec in out["by_year"]:
        expected = by_year.loc[rec["year"]]
        for k, v in rec.items():
            if k != "year":
                assert v == expected[k], k  # full precision, no rounding in the JSON


def test_cli_network_on_shipped_data(tmp_path):
    path = ROOT / "data" / "synthetic" / "referrals_thcan.csv"
    res = CliRunner().invoke(app, ["stats", "network", "--csv", str(path)])
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["overall"]["organisations"] == 14 and out["overall"]["total_referrals"] == 277
    text = CliRunner().invoke(app, ["stats", "network", "--csv", str(path), "--no-json"])
    assert text.exit_code == 0 and "2021: 277 referrals, 14 organisations" in text.stdout


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        ("duplicate", ("row 4", "'referral_id'")),
        ("sector", ("row 3", "'from_sector'")),
        ("missing", ("row 1", "'outcome'")),
    ],
)
def test_cli_network_bad_input_exit_2(tmp_path, referral_csv, edit, where):
    df = pd.read_csv(referral_csv)
    if edit == "duplicate":
        df.loc[2, "referral_id"] = df.loc[0, "referral_id"]
    elif edit == "sector":
        df.loc[1, "from_sector"] = "charity"
    else:
        df = df.drop(columns=["outcome"])
    path = _write(tmp_path, df, f"bad_{edit}.csv")
    res = CliRunner().invoke(app, ["stats", "network", "--csv", str(path), "--json"])
    assert res.exit_code == 2
    message = res.stderr
    assert str(path) in message
    for w in where:
        assert w in message, message
    assert "Traceback" not in res.output


def _vcs_nas_res(a: int, b: int, lo: float, hi: float) -> dict:
    return {"value_a": a, "value_b": b, "change_pct": 100 * (b / a - 1),
            "ci_low_pct": lo, "ci_high_pct": hi}


def test_vcs_nas_reading_follows_the_data():
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    row = fig[(fig["measure"] == "nas_referrals_change_pct")
              & (fig["category"] == "VCS to NAS")].iloc[0]
    pub = float(row["value"])
    # rising, agrees with the report, interval includes no change
    a = 12
    b = round(a * (1 + pub / 100))
    text = ns.vcs_nas_reading(_vcs_nas_res(a, b, -10.0, 300.0), row, 5)
    assert f"rose from {a} to {b}" in text and f"{pub:+.0f}%" in text
    assert "reproduced" in text and "includes no change" in text and "rise" in text
    assert pages.cite(row) in text
    # flipped: falling, disagrees, interval excludes no change
    text = ns.vcs_nas_reading(_vcs_nas_res(40, 20, -70.0, -30.0), row, 5)
    assert "fell from 40 to 20" in text and "reproduced" not in text
    assert f"differs by {-50 - pub:+.1f} points" in text
    assert "excludes no change" in text and "fall" in text and "rose" not in text
    # counts below the disclosure threshold are not printed
    text = ns.vcs_nas_reading(_vcs_nas_res(3, 9, -20.0, 900.0), row, 5)
    assert "from 3 " not in text and "not shown" in text
    assert "cannot be estimated" in ns.vcs_nas_reading({"error": "too small"}, row, 5)


def test_reasons_reading_follows_the_data():
    rows = [("2019-05-01", "A", "vcs", "B", "vcs", 20, "debt", "accepted"),
            ("2019-05-01", "A", "vcs", "B", "vcs", 80, "benefits", "accepted"),
            ("2021-05-01", "A", "vcs", "B", "vcs", 40, "debt", "accepted"),
            ("2021-05-01", "A", "vcs", "B", "vcs", 100, "benefits", "accepted")]
    clean, _ = network.clean_referrals(_referrals(rows))
    clean["year"] = clean["date"].dt.year
    up = ns.reasons_reading(clean, "year", 2019, 2021)
    assert "rose overall (100 in 2019, 140 in 2021)" in up
    assert "2 of 2 reasons rose in count and 1 of 2 rose in share" in up
    down = ns.reasons_reading(clean, "year", 2021, 2019)  # flipped: referrals fell
    assert "fell overall (140 in 2021, 100 in 2019)" in down
    assert "0 of 2 reasons rose in count and 1 of 2 rose in share" in down
    assert "rose overall" not in down and "fall in count while its share" in down


def test_programme_prose_is_written_from_data_and_published_figures(programme, params):
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    e12 = fig[fig["exhibit"] == "E12"]
    text = " ".join(programme["definitions"].markdown)
    for _, r in e12.iterrows():
        v = float(r["value"])
        shown = f"{v:+.0f}%" if r["unit"] == "percent" else f"{v:.1f}"
        if r["measure"] != "referrals_to_vcs_change_pct":
            assert shown in text, r["figure_id"]
    for fid in ("E10-norfolk-y2-people_referred-ncan",
                "E05-norfolk-post_launch-referrals_per_month_mean"):
        r = fig[fig["figure_id"] == fid].iloc[0]
        assert f"{float(r['value']):,.0f}" in text and pages.cite(r) in text
    vn = ns._programme(ns._key(params, ns.NCAN)).yoy["flow_vcs_to_lwa"]
    row = fig[(fig["measure"] == "nas_referrals_change_pct")
              & (fig["category"] == "VCS to NAS")].iloc[0]
    assert ns.vcs_nas_reading(vn, row, params.analysis.disclosure.threshold) in \
        programme["e15"].markdown
    thcan = programme["thcan"].table
    r = fig[fig["figure_id"] == "E07-tower_hamlets-y2-referrals-thcan"].iloc[0]
    whole = next(i for i in thcan.index if "whole extract" in i)
    assert f"counts {float(r['value']):,.0f} for" in thcan.loc[whole, "reconciliation"]


def _tables(section):
    out = [section.table] + [t for _, t in (section.extra_tables or [])]
    return [t for t in out if isinstance(t, pd.DataFrame) and not t.empty]


def test_reader_tables_have_no_raw_identifiers(programme, params):
    raw = re.compile(r"\b(vcs|lwa|tower_hamlets|not_reported|[a-z]+_[a-z_]+|E\d{2}-[\w-]+)\b")
    sections = list(programme.values()) + [_section(params, s, 2)
                                           for s in ("norfolk", "tower_hamlets")]
    for sec in sections:
        for t in _tables(sec):
            cells = [str(x) for x in [*t.index, *t.columns, t.index.name, t.columns.name]]
            cells += [str(v) for v in t.astype(str).to_numpy().ravel()]
            hits = {m.group(0) for c in cells for m in raw.finditer(c)}
            assert not hits, (sec.title, hits)
