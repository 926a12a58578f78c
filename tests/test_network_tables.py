"""Referral-network tables, intervals and figures on hand-made referrals.

Disclosure control follows the GSS rule stated on the methods page
(``book/methods/networks.md``): no count from 1 to threshold - 1 may be visible.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ccs_methods.analyses import network_tables as nt
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network
from ccs_methods.methods import network_groups as ng
from ccs_methods.methods import network_intervals as ni
from ccs_methods.report import network_drawing
from ccs_methods.report import network_figures as nf

MARK = "[c]"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def referrals(spec: list[tuple[str, str, str, str, str, int, str, str]]) -> pd.DataFrame:
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


def small_visible(table: pd.DataFrame, threshold: int, columns=None) -> list[str]:
    """Cells of a display table that show a whole count from 1 to threshold - 1."""
    cols = list(table.columns) if columns is None else columns
    found = []
    for c in cols:
        for idx, v in table[c].items():
            text = str(v).replace(",", "")
            if re.fullmatch(r"\d+", text) and 1 <= int(text) < threshold:
                found.append(f"{idx}/{c}={v}")
    return found


@pytest.fixture
def small_network() -> pd.DataFrame:
    df = referrals([
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


# --------------------------------------------------------------------------------------------
# methods.network_groups
# --------------------------------------------------------------------------------------------


def test_grouped_flow_matrix_merges_school_health_other(small_network):
    m = ng.grouped_flow_matrix(small_network)
    assert list(m.columns) == ["vcs", "statutory", "lwa", "other"]
    assert int(m.loc["statutory", "other"]) == 2
    assert int(m.to_numpy().sum()) == len(small_network)


def test_sector_flow_tables_hide_small_counts_and_totals(small_network):
    table, report = ng.sector_flow_tables({"2021": small_network}, 5)["2021"]
    assert list(table.index) == ["vcs", "statutory", "lwa", "other", "Total"]
    assert report.primary
    shown = nt.display_counts(table)
    assert small_visible(shown, 5) == []
    assert (shown == MARK).to_numpy().sum() == report.n_suppressed
    assert list(shown.columns)[:2] == ["VCS", "Statutory"] and shown.index.name == "from \\ to"
    assert int(table.loc["statutory", "statutory"]) == 12
    assert int(table.loc["Total", "vcs"]) == 72 and int(table.loc["Total", "Total"]) == 89
    assert pd.isna(table.loc["vcs", "vcs"])  # a complement: 39 - 36 would give away the 3
    hidden = ng.hidden_totals(table)
    assert set(hidden) == {"to", "from", "all"} and hidden["all"] == set()
    assert "other" in hidden["to"]


def test_hidden_measure():
    hidden = {"to": {"other"}, "from": {"lwa"}, "all": set()}
    assert ng.hidden_measure("referrals_to_health", hidden)
    assert ng.hidden_measure("referrals_from_lwa", hidden)
    assert not ng.hidden_measure("referrals_to_vcs", hidden)
    assert not ng.hidden_measure("total_referrals", hidden)
    assert ng.hidden_measure("total_referrals", {"all": {"all"}})
    assert not ng.hidden_measure("connections", None)


# --------------------------------------------------------------------------------------------
# methods.network_intervals
# --------------------------------------------------------------------------------------------


def test_poisson_ci_garwood():
    """Garwood (1936) exact limits; table values as in Ulm (1990), Am J Epidemiol 131:373."""
    lo, hi = ni.poisson_ci(0)
    assert lo == 0 and hi == pytest.approx(3.689, abs=1e-3)
    lo, hi = ni.poisson_ci(10)
    assert (lo, hi) == (pytest.approx(4.795, abs=1e-3), pytest.approx(18.390, abs=1e-3))
    with pytest.raises(MethodInputError):
        ni.poisson_ci(-1)


def test_share_change_bootstrap_seeded_and_centred():
    change, low, high = ni.share_change_bootstrap(np.array([20, 80]), np.array([40, 60]),
                                                  n_boot=500, seed=1)
    np.testing.assert_allclose(change, [20.0, -20.0])
    assert low[0] < 20 < high[0] and low[1] < -20 < high[1]
    again = ni.share_change_bootstrap(np.array([20, 80]), np.array([40, 60]), n_boot=500, seed=1)
    np.testing.assert_array_equal(low, again[1])
    with pytest.raises(MethodInputError):
        ni.share_change_bootstrap(np.array([0, 0]), np.array([1, 2]), n_boot=10, seed=1)


def test_yoy_or_error_and_ratio_result(small_network):
    df = small_network.assign(period=np.where(small_network["date"] < "2021-03-01", "a", "b"))
    res = ni.yoy_or_error(df, "total_referrals", "a", "b", period="period", n_boot=200, seed=3)
    assert res["value_a"] == 68 and res["value_b"] == 21
    r = ni.ratio_result(res, 89)
    assert r["ratio"] == pytest.approx(21 / 68) and r["n"] == 89 and r["seed"] == 3
    assert r["ci_low"] <= r["ratio"] <= r["ci_high"]
    err = ni.yoy_or_error(df, "total_referrals", "a", "zzz", period="period", n_boot=10, seed=3)
    assert "error" in err and ni.ratio_result(err, 1) is None


# --------------------------------------------------------------------------------------------
# analyses.network_tables
# --------------------------------------------------------------------------------------------


def test_format_value_and_suppressed_counts(small_network):
    assert nt.format_value(1234.0, "count") == "1,234"
    assert nt.format_value(0.1234, "share") == "12.3%"
    assert nt.format_value(1.234, "ratio") == "1.23"
    assert nt.format_value(float("nan"), "ratio") == "–"
    _, rep = ng.sector_flow_tables({"x": small_network}, 5)["x"]
    assert nt.suppressed_counts([rep, None]) == (len(rep.primary), len(rep.secondary))


def test_reasons_table_suppresses_and_gives_change_with_ci(small_network):
    df = small_network.assign(period=np.where(small_network["date"] < "2021-03-01", "a", "b"))
    table, report, hidden = nt.reasons_table(df, "period", ["a", "b"], 5, n_boot=400, seed=1)
    assert small_visible(table, 5, ["a: referrals", "b: referrals"]) == []
    assert report.primary
    for p in ("a", "b"):
        assert ((table[f"{p}: referrals"] == MARK) == (table[f"{p}: share"] == MARK)).all()
    assert set(hidden) <= set(df["reason"])
    assert table.loc["Total", "a: referrals"] == f"{int((df['period'] == 'a').sum()):,}"
    again, _, _ = nt.reasons_table(df, "period", ["a", "b"], 5, n_boot=400, seed=1)
    pd.testing.assert_frame_equal(table, again)
    with pytest.raises(MethodInputError):
        nt.reasons_table(df, "period", [], 5, n_boot=10, seed=1)


def test_reasons_change_matches_shares():
    df = referrals([("2019-05-01", "A", "vcs", "B", "vcs", 20, "debt", "accepted"),
                    ("2019-05-01", "A", "vcs", "B", "vcs", 80, "benefits", "accepted"),
                    ("2021-05-01", "A", "vcs", "B", "vcs", 40, "debt", "accepted"),
                    ("2021-05-01", "A", "vcs", "B", "vcs", 60, "benefits", "accepted")])
    clean, _ = network.clean_referrals(df)
    clean["year"] = clean["date"].dt.year
    table, _, _ = nt.reasons_table(clean, "year", [2019, 2021], 5, n_boot=500, seed=2)
    col = "change in share, 2019 to 2021 (points)"
    assert table.loc["Debt", col] == "+20.0" and table.loc["Benefits", col] == "-20.0"
    low, high = (float(x) for x in table.loc["Debt", "95% CI (points)"].split(" to "))
    assert low < 20 < high


def test_acceptance_table_wilson_and_suppression(small_network):
    big = referrals([
        ("2021-01-05", "A", "vcs", "B", "vcs", 60, "debt", "accepted"),
        ("2021-01-05", "A", "vcs", "B", "vcs", 12, "debt", "declined"),
        ("2021-02-05", "A", "vcs", "S", "statutory", 40, "debt", "accepted"),
        ("2021-02-05", "A", "vcs", "S", "statutory", 10, "debt", "declined"),
    ])
    clean, _ = network.clean_referrals(big)
    table, report = nt.acceptance_table(clean, 5)
    lo, hi = network.wilson_interval(60, 72)
    assert table.loc["VCS", "acceptance rate"] == f"{100 * 60 / 72:.1f}%"
    assert table.loc["VCS", "95% CI"] == f"{100 * lo:.1f}% to {100 * hi:.1f}%"
    assert table.loc["All sectors", "accepted"] == "100" and report.n_suppressed == 0
    table, report = nt.acceptance_table(small_network, 5)
    assert small_visible(table, 5, ["accepted", "declined"]) == []
    assert table.loc["LWA scheme", "acceptance rate"] == MARK
    assert report is not None and report.n_suppressed >= 2
    shown = (table["accepted"] != MARK) & (table["declined"] != MARK)
    assert ((table["acceptance rate"] != MARK) == shown).all()
    hidden, _ = nt.acceptance_table(small_network, 5, hidden={"to": {"statutory"},
                                                              "all": {"all"}})
    assert (hidden.loc["Statutory"] == MARK).all() and (hidden.loc["All sectors"] == MARK).all()


def test_lwa_table_reads_the_suppressed_tables(small_network):
    table, _ = ng.sector_flow_tables({"2021": small_network}, 5)["2021"]
    lwa = nt.lwa_table({"2021": table}, "NAS")
    assert int(lwa.loc["NAS → VCS", "2021"]) == 9
    assert pd.isna(lwa.loc["VCS → NAS", "2021"])  # 3 referrals: suppressed
    assert "NAS → Statutory" not in lwa.index  # no referral in any period


def test_measure_table_hides_what_the_sector_table_hides(small_network):
    df = small_network.assign(period=np.where(small_network["date"] < "2021-03-01", "a", "b"))
    m = network.measures_by_period(df, "period")
    yoy = {k: ni.yoy_or_error(df, k, "a", "b", period="period", n_boot=100, seed=1)
           for k, _, _ in nt.SITE_MEASURES}
    hidden = {"a": None, "b": {"to": {"vcs"}, "from": set(), "all": {"all"}}}
    t = nt.measure_table(m, ["a", "b"], yoy, hidden, compare=True, threshold=1)
    assert list(t.columns) == ["a", "b", "change", "95% CI"]
    assert t.loc["Referrals", "b"] == MARK and t.loc["Referrals", "change"] == MARK
    assert t.loc["Referrals to VCS organisations", "95% CI"] == MARK
    assert t.loc["Referrals", "a"] == "68"
    only = nt.measure_table(m, ["b"], {}, {"b": None}, compare=False, threshold=1)
    assert list(only.columns) == ["b"]


def test_measure_table_hides_small_counts_below_site_level(small_network):
    """Issue 12: "Statutory organisations referring: 3" is a count of one sector, so it is
    hidden below the threshold like a table cell; site-level totals are not."""
    df = small_network.assign(period="b")
    m = network.measures_by_period(df, "period")
    n_stat = int(m.loc["b", "referring_organisations_statutory"])
    assert n_stat >= 1  # the fixture has statutory referrers
    t = nt.measure_table(m, ["b"], {}, {"b": None}, compare=False, threshold=n_stat + 1)
    assert t.loc["Statutory organisations referring", "b"] == MARK
    assert t.loc["Referrals", "b"] == f"{int(m.loc['b', 'total_referrals']):,}"
    shown = nt.measure_table(m, ["b"], {}, {"b": None}, compare=False, threshold=n_stat)
    assert shown.loc["Statutory organisations referring", "b"] == f"{n_stat:,}"


def test_diagram_parts_drop_small_connections_with_real_data(small_network):
    parts = {"2021": small_network}
    same, dropped = nt.diagram_parts(parts, 5, synthetic=True)
    assert dropped == 0 and len(same["2021"]) == len(small_network)
    kept, dropped = nt.diagram_parts(parts, 5, synthetic=False)
    assert dropped == 2  # A -> N (3) and S -> H (2)
    assert len(kept["2021"]) == len(small_network) - 5


# --------------------------------------------------------------------------------------------
# report.network_figures
# --------------------------------------------------------------------------------------------


def test_flow_heatmap_alt_text_and_suppressed_cells(small_network):
    tables = {"2021": ng.sector_flow_tables({"2021": small_network}, 5)["2021"][0]}
    fig = nf.flow_heatmap(tables, title="Flows", source="hand-made", synthetic=True)
    assert fig.alt_text.startswith("Flows.") and "[c]" in fig.alt_text
    assert fig.data["referrals"].isna().sum() == tables["2021"].drop(
        index="Total", columns="Total").isna().to_numpy().sum()
    assert any("SYNTHETIC" in t.get_text() for t in fig.texts)


def test_network_diagram_names_no_organisation(small_network):
    fig = nf.network_diagram({"2021": small_network},
                             network_drawing.network_layout({"all": small_network}, seed=1),
                             period="year", title="Net", source="hand-made", synthetic=True)
    assert fig.alt_text.startswith("Net.") and "organisations" in fig.alt_text
    for org in ("A ", "B ", " S ", " N "):
        assert org not in fig.alt_text.replace("A network", "")
    assert "with 3" not in fig.alt_text and "2021: 6 organisations" in fig.alt_text


def test_reasons_chart_groups_hidden_reasons(small_network):
    df = small_network.assign(period="2021")
    fig = nf.reasons_chart(df, ["food"], period="period", title="Reasons", source="s",
                           synthetic=False)
    assert fig.alt_text and "food" not in fig.alt_text.lower().replace("food bank", "")


def test_nas_vcs_chart_marks_suppressed_bars():
    frame = pd.DataFrame({"year": ["2019", "2019", "2021", "2021"],
                          "direction": ["NAS → VCS", "VCS → NAS"] * 2,
                          "value": [45.0, 12.0, 178.0, np.nan]})
    fig = nf.nas_vcs_chart(frame, source="s", synthetic=True)
    assert fig.alt_text.startswith("Grouped bar chart") and "[c]" in fig.alt_text
    assert fig.data is frame
