"""The year 2 report's network exhibits regenerated (``analyses.network_programme``,
``analyses.network_thcan``), computed results, and ``ccs-eval stats network``.

The tables must reproduce the year 2 evaluation's published figures for the NCAN referral
network (report 003, "Year 2 evaluation, full report": key finding 9, Figure 2.10,
connections +80% and 5.7 -> 7.2 per organisation, statutory +48%, VCS +37%, referrals to the
VCS +20%; key finding 10, Figure 2.13, NAS -> VCS 178 and VCS -> NAS 22 in 2021, x4 and +83%
since 2019) and THCAN (key finding 3 and the KPI summary: 224 referrals March-September 2021,
14 organisations).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ccs_methods.analyses import network_programme as npg
from ccs_methods.analyses import network_site, network_thcan, networks
from ccs_methods.analyses import published as sitepage
from ccs_methods.data import datasets
from ccs_methods.data.params import load_params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network
from ccs_methods.pipeline.cli import app
from tests.test_network_tables import referrals, small_visible

ROOT = Path(__file__).resolve().parents[1]
MARK = "[c]"


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def pn(params):
    st = params.analysis
    out = npg.programme_network(
        params, network_site.load_referrals(params, npg.NCAN),
        n_boot=st.networks.bootstrap_replicates, seed=st.networks.bootstrap_seed,
        threshold=st.disclosure.threshold, report_years=st.networks.report_years,
        layout_seed=st.networks.layout_seed)
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def th(params):
    out = network_thcan.thcan_network(
        params, network_site.load_referrals(params, network_thcan.THCAN), threshold=5,
        layout_seed=1)
    yield out
    plt.close("all")


def _pct(text: str) -> float:
    return float(text.rstrip("%"))


def test_published_figure_helpers():
    rows = npg.figure_rows("E12")
    assert set(rows["exhibit"]) == {"E12"} and len(rows) >= 5
    assert npg.figure("E10-norfolk-y2-people_referred-ncan")["value"] == 3040
    with pytest.raises(MethodInputError):
        npg.figure("nope")
    q = npg.qualitative_row("E13")
    assert q.iloc[0]["exhibit"] == "E13" and "statutory services" in q.iloc[0]["source_quote"]


def test_e12_reproduces_published_figures(pn):
    t = pn.e12
    assert list(t.columns) == ["2019", "2021", "computed change", "95% CI", "published",
                               "source", "reconciliation"]
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
    assert {"E12", "E15", "E13", "E6"} == set(pn.rows["exhibit"])


def test_e15_reproduces_published_figures(pn):
    t = pn.e15
    assert t.loc["NAS → VCS referrals, 2021", "computed"] == "178"
    assert t.loc["VCS → NAS referrals, 2021", "computed"] == "22"
    assert t.loc["NAS → VCS, 2019 to 2021 (fold change)", "computed"] == "45 → 178: ×3.96"
    assert t.loc["VCS → NAS, 2019 to 2021 (percent change)", "computed"] == "12 → 22: +83.3%"
    assert t["reconciliation"].str.startswith("reproduced").all()
    assert "includes no change" in t.loc["VCS → NAS, 2019 to 2021 (percent change)",
                                          "reconciliation"]
    assert pn.nas_vcs_figure.alt_text.startswith("Grouped bar chart")


def test_e13_and_e6(pn):
    assert pn.e13.loc["Statutory → statutory referrals, 2021", "reconciliation"].startswith(
        "consistent")
    assert small_visible(pn.s2s_table, 5) == []
    assert MARK in pn.s2s_table.to_numpy()
    assert pn.suppressed["statutory"][0] > 0
    assert pn.e6.loc["Debt", "reconciliation"] == "consistent: the debt share rose"
    assert float(pn.e6.loc["Debt", "change in share, 2019 to 2021 (points)"]) > 0
    by_year = pn.reasons_all
    assert small_visible(by_year, 5, [c for c in by_year.columns if c.endswith("referrals")]) == []


def test_diagrams_2019_and_2021_side_by_side(pn):
    titles = [ax.get_title(loc="left") or ax.get_title() for ax in pn.diagram.axes]
    assert titles[0].startswith("2019") and titles[1].startswith("2021")
    offsets = [c.get_offsets().data for ax in pn.diagram.axes for c in ax.collections
               if c.get_gid() == "nodes"]
    np.testing.assert_array_equal(offsets[0], offsets[1])
    for table in pn.sector_tables.values():
        assert small_visible(table, 5) == []
    assert pn.sector_figure.alt_text and pn.reasons_figure.alt_text


def test_values_quoted_by_the_prose(pn):
    v = pn.values
    assert (v["n_a"], v["orgs_a"]) == (int(pn.overview.loc[2019, "referrals"].replace(",", "")),
                                       int(pn.overview.loc[2019, "organisations"]))
    assert v["published_connections_pct"] == 80
    assert (v["published_cpo_a"], v["published_cpo_b"]) == (5.7, 7.2)
    assert v["implied_organisations_pct"] == pytest.approx(100 * (1.8 * 5.7 / 7.2 - 1))
    assert v["people"] == 3040 and "Key finding 6" in v["people_citation"]
    assert v["mean_out_degree_a"] == pytest.approx(pn.yoy["connections_per_organisation"]
                                                   ["value_a"] / 2)
    assert v["reasons_up_count"] <= v["reasons_n"]
    assert pn.first_date <= pn.last_date and pn.n_boot == 2000


def test_thcan_reconciles_e7(th):
    assert th.available
    t = th.reconciliation
    rows = t.loc[[i for i in t.index if "(report:" in i]]
    assert list(rows["computed"]) == ["224", "14"]  # E10 quotes the 224 again: one row
    assert "224 people" in rows.iloc[0]["reconciliation"]
    assert rows["reconciliation"].str.startswith("reproduced").all()
    assert "October" in t.iloc[-1]["reconciliation"] and "counts 224 for" in t.iloc[-1][
        "reconciliation"]
    assert "E7" in set(th.rows["exhibit"])
    assert th.values["n"] == 277 and th.values["organisations"] == 14
    assert small_visible(th.sector_table, 5) == []
    assert small_visible(th.acceptance_table, 5, ["accepted", "declined"]) == []
    assert th.diagram.alt_text and th.sector_figure.alt_text


def test_thcan_without_a_site(params):
    out = network_thcan.thcan_network(params, None, threshold=5, layout_seed=1)
    assert not out.available and "No site" in out.reason


def test_sources_of_the_page(pn, th):
    sources = sitepage.sources_table([pn, th])
    assert {"E12", "E15", "E13", "E6", "E7"} <= set(sources["exhibit"])


def test_reader_tables_have_no_raw_identifiers(pn, th):
    import re

    raw = re.compile(r"\b(vcs|lwa|tower_hamlets|not_reported|[a-z]+_[a-z_]+|E\d{2}-[\w-]+)\b")
    tables = [pn.overview, pn.e12, pn.e15, pn.e13, pn.e6, pn.reasons_all,
              *pn.sector_tables.values(), th.reconciliation, th.measures, th.sector_table,
              th.acceptance_table]
    for t in tables:
        cells = [str(x) for x in [*t.index, *t.columns, t.index.name, t.columns.name]]
        cells += [str(v) for v in t.astype(str).to_numpy().ravel()]
        hits = {m.group(0) for c in cells for m in raw.finditer(c)}
        assert not hits, hits


# --------------------------------------------------------------------------------------------
# Computed results
# --------------------------------------------------------------------------------------------


def test_computed_results_keys_json_and_values(params):
    res = npg.computed_results(params)
    required = {"network.ncan.connections_ratio", "network.ncan.statutory_to_vcs_ratio",
                "network.ncan.vcs_to_nas_ratio"}
    assert required <= set(res) and set(res) == set(npg.RESULT_MEASURES)
    json.dumps(res, allow_nan=False)
    for rid, r in res.items():
        assert {"ratio", "ci_low", "ci_high", "n"} <= set(r), rid
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"], rid
        assert isinstance(r["n"], int) and r["n"] > 0
        assert r["n_boot"] == params.analysis.networks.bootstrap_replicates
        assert r["seed"] == params.analysis.networks.bootstrap_seed
    con = res["network.ncan.connections_ratio"]
    assert con["value_a"] == 208 and con["value_b"] == 374
    assert con["ratio"] == pytest.approx(1.80, abs=0.005)
    vn = res["network.ncan.vcs_to_nas_ratio"]
    assert (vn["value_a"], vn["value_b"], vn["n"]) == (12, 22, 34)
    assert vn["ci_low"] < 1 < vn["ci_high"]


def test_computed_results_provider_and_page_agree(params, pn):
    """The evidence register (through ``analyses.networks``) and the page state one result."""
    assert networks.computed_results(params) == npg.computed_results(params) == pn.results
    assert networks.RESULT_MEASURES is npg.RESULT_MEASURES


def test_computed_results_follow_the_settings(params):
    other = npg.computed_results(params, n_boot=300, seed=7)
    base = npg.computed_results(params)
    k = "network.ncan.connections_ratio"
    assert other[k]["ratio"] == base[k]["ratio"] and other[k]["seed"] == 7
    assert other[k]["ci_low"] != base[k]["ci_low"]


def test_computed_results_match_the_bootstrap(params):
    clean, _ = network.clean_referrals(datasets.load_record(params, npg.NCAN))
    st = params.analysis.networks
    direct = network.yoy_change(clean, "connections", 2019, 2021, st.bootstrap_replicates,
                                seed=st.bootstrap_seed)
    res = npg.computed_results(params)["network.ncan.connections_ratio"]
    assert res["ci_low"] == pytest.approx(1 + direct["ci_low_pct"] / 100)
    assert res["ci_high"] == pytest.approx(1 + direct["ci_high_pct"] / 100)


# --------------------------------------------------------------------------------------------
# Command line: ccs-eval stats network
# --------------------------------------------------------------------------------------------


def _write(tmp_path: Path, df: pd.DataFrame, name: str = "refs.csv") -> Path:
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def referral_csv(tmp_path) -> Path:
    df = referrals([
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
                assert v == expected[k], k


def test_cli_network_on_shipped_data():
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
