"""The referral network of one site in one programme year (``analyses.network_site``).

The counts a page shows are checked against the records computed independently here; no
count from 1 to threshold - 1 may be visible (GSS rule, ``book/methods/networks.md``).
"""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ccs_methods.analyses import network_site as ns
from ccs_methods.analyses import published as sitepage
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.methods import network
from tests.test_network_tables import referrals, small_visible

MARK = "[c]"


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def site_year(params, site: str, year: int) -> ns.SiteYearNetwork:
    st = params.analysis
    ds = params.site(site).referral_network.referral_dataset
    refs = ns.load_referrals(params, ds) if ds else None
    return ns.site_year_network(params, site, year, refs,
                                n_boot=st.networks.bootstrap_replicates,
                                seed=st.networks.bootstrap_seed,
                                threshold=st.disclosure.threshold,
                                layout_seed=st.networks.layout_seed)


def count_tables(net: ns.SiteYearNetwork) -> list[tuple[str, pd.DataFrame, list[str]]]:
    out = [(f"sectors {k}", t, list(t.columns)) for k, t in net.sector_tables.items()]
    if net.lwa_table is not None:
        out.append(("lwa", net.lwa_table, list(net.lwa_table.columns)))
    out += [(f"acceptance {k}", t, ["accepted", "declined"])
            for k, t in net.acceptance_tables.items()]
    r = net.reasons_table
    out.append(("reasons", r, [c for c in r.columns if c.endswith("referrals")]))
    return out  # the measures table counts organisations, not referrals


def test_year_windows_previous_year_and_pre_ccs(params):
    cur, cmp_ = ns.year_windows(params, "norfolk", 2)
    assert (cur.start.isoformat(), cur.end.isoformat()) == ("2020-10-01", "2021-09-30")
    assert cmp_ is not None and cmp_.short == "Year 1"
    cur, cmp_ = ns.year_windows(params, "norfolk", 1)
    assert cmp_ is not None and cmp_.short == "Pre-CCS"
    assert (cmp_.start.isoformat(), cmp_.end.isoformat()) == ("2018-10-01", "2019-09-30")
    assert ns.year_windows(params, "tower_hamlets", 2)[1] is None
    assert cur.label == "Year 1 (Oct 2019 to Sep 2020)" and cur.span == "Oct 2019 to Sep 2020"
    assert len(cur.months()) == 12


def test_coverage_flags_partial_years():
    df = referrals([("2021-03-02", "A", "vcs", "B", "vcs", 2, "debt", "accepted"),
                    ("2021-09-30", "A", "vcs", "B", "vcs", 1, "debt", "accepted")])
    df["date"] = pd.to_datetime(df["date"])
    win = ns.Window("Year 2", pd.Timestamp("2020-10-01").date(),
                    pd.Timestamp("2021-09-30").date())
    cov = ns.coverage(df, win)
    assert cov["partial"] and cov["months_with_data"] == 2 and cov["months_in_period"] == 12
    assert cov["n_referrals"] == 3 and cov["first"] == "2021-03-02" and cov["last"] == "2021-09-30"
    empty = ns.coverage(df, ns.Window("Y", pd.Timestamp("2019-01-01").date(),
                                      pd.Timestamp("2019-12-31").date()))
    assert empty["n_referrals"] == 0 and empty["first"] is None


def test_load_referrals_cached_and_labelled(params):
    a = ns.load_referrals(params, "referrals_thcan")
    assert a is ns.load_referrals(params, "referrals_thcan")
    assert a.synthetic and "synthetic" in a.source and a.cleaning.endswith(".")
    assert len(a.clean) == 277
    pos = ns.layout(a, seed=1)
    assert pos is ns.layout(a, seed=1) and set(pos) >= set(a.clean["from_org"])


def test_published_rows_and_reconciliation(params):
    rows = ns.published_network_rows("tower_hamlets", 2, "THCAN")
    assert set(rows["exhibit"]) <= {"E7", "E10"} and len(rows)
    clean = ns.load_referrals(params, "referrals_thcan").clean
    recon = ns.reconcile_published(rows, clean, (pd.Timestamp("2020-10-01"),
                                                 pd.Timestamp("2021-09-30")))
    assert list(recon.columns) == ["computed", "published", "source", "reconciliation"]
    assert recon["reconciliation"].str.startswith("reproduced").all()


def test_norfolk_year2(params):
    net = site_year(params, "norfolk", 2)
    assert net.available and net.compared and net.synthetic
    t = net.measures
    assert list(t.columns) == ["Year 1 (Oct 2019 to Sep 2020)", "Year 2 (Oct 2020 to Sep 2021)",
                               "change", "95% CI"]
    refs = datasets.load_record(params, "referrals_ncan")
    in_year = refs[(refs["date"] >= "2020-10-01") & (refs["date"] <= "2021-09-30")]
    in_year = in_year[in_year["from_org"] != in_year["to_org"]]
    n_orgs = len(set(in_year["from_org"]) | set(in_year["to_org"]))
    assert t.loc["Referrals", "Year 2 (Oct 2020 to Sep 2021)"] == f"{len(in_year):,}"
    assert net.values["cur_referrals"] == len(in_year)
    assert net.values["cur_organisations"] == n_orgs
    assert re.fullmatch(r"[+-]\d+\.\d% to [+-]\d+\.\d%",
                        t.loc["Connections per organisation (2E/N)", "95% CI"])
    assert not any(c["partial"] for c in net.coverage.values())
    for fig in (net.diagram, net.sector_figure, net.reasons_figure):
        assert fig.alt_text
    assert set(net.results) == {"network.norfolk.y2.connections_ratio",
                                "network.norfolk.y2.connections_per_organisation_ratio",
                                "network.norfolk.y2.referrals_to_vcs_ratio"}
    json.dumps(net.results, allow_nan=False)
    assert "differs" in net.reconciliation.iloc[0]["reconciliation"]
    assert "Key finding 6" in net.reconciliation.iloc[0]["source"]
    pub = net.published
    assert isinstance(pub, sitepage.Published) and pub.reported
    assert len(sitepage.sources_table([pub])) == len(net.rows)
    v = net.values
    assert v["reasons_n"] >= v["reasons_up_count"] and v["largest_n"] >= 5


def test_network_diagram_same_positions_in_every_panel(params):
    fig = site_year(params, "norfolk", 1).diagram
    offsets = [c.get_offsets().data.copy() for ax in fig.axes for c in ax.collections
               if c.get_gid() == "nodes"]
    assert len(offsets) == 2
    np.testing.assert_array_equal(offsets[0], offsets[1])
    fig2 = site_year(params, "norfolk", 2).diagram
    shared = set(fig.node_positions) & set(fig2.node_positions)
    assert shared and all(fig.node_positions[o] == fig2.node_positions[o] for o in shared)


def test_site_years_show_no_small_counts(params):
    for site, year in (("norfolk", 1), ("norfolk", 2), ("tower_hamlets", 2)):
        net = site_year(params, site, year)
        tables = count_tables(net)
        assert len(tables) >= 4
        for caption, table, cols in tables:
            assert small_visible(table, 5, cols) == [], (site, year, caption)
        for k in ("cur_referrals", "cmp_referrals", "cur_organisations"):
            val = net.values.get(k)
            assert val is None or not 1 <= val < 5


def test_tower_hamlets_year2_partial_and_reconciled(params):
    net = site_year(params, "tower_hamlets", 2)
    assert net.available and not net.compared and net.results == {}
    cov = net.coverage[net.current.label]
    assert cov["partial"] and cov["months_with_data"] == 7
    assert net.values["launch"].isoformat().startswith("2021-03")
    assert list(net.measures.columns) == ["Year 2 (Oct 2020 to Sep 2021)"]
    assert list(net.reconciliation["computed"]) == ["224", "14"]  # E10 quotes the 224 again
    assert "not counted twice" in net.reconciliation.iloc[0]["reconciliation"]
    assert set(net.rows["exhibit"]) == {"E7", "E10"}
    assert net.values["n_suppressed_primary"] > 0


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
def test_reasons_where_there_is_no_referral_data(params, site, year, words):
    net = site_year(params, site, year)
    assert not net.available and words in net.reason
    assert net.measures is None and net.diagram is None and net.rows.empty


def test_hand_made_site_data_are_suppressed(params):
    """A small hand-made extract through the whole site-year analysis."""
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
    clean, report = network.clean_referrals(referrals(spec))
    refs = ns.Referrals("referrals_ncan", clean, report.summary(), False,
                        ("hand-made", "referrals_ncan", "raw", ""))
    net = ns.site_year_network(params, "norfolk", 2, refs, n_boot=200, seed=1, threshold=5,
                               layout_seed=1)
    assert net.measures.loc["Referrals", "Year 2 (Oct 2020 to Sep 2021)"] == "59"
    for caption, table, cols in count_tables(net):
        assert small_visible(table, 5, cols) == [], caption
    assert net.lwa_table.loc["VCS → NAS"].iloc[0] == MARK
    assert "flow_vcs_to_lwa" not in net.lwa_yoy  # its counts are suppressed
    assert net.values["diagram_dropped"] > 0  # real data: small connections left out
    assert not net.diagram.alt_text.count(" A ")
