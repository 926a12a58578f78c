"""Tests for ccs_methods.analyses.trends_programme, trends (computed results), trend_data and
the trend figures.

computed_results must read the same settings as the notebooks (params/analysis.yml), so a
changed setting changes the result the contribution pages quote.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml

from ccs_methods.analyses import lwa, referrals, trend_data, trends, trends_programme
from ccs_methods.data.params import load_params
from ccs_methods.errors import MethodInputError
from ccs_methods.methods import contribution, rates, spc, trend
from ccs_methods.report import plots, trend_figures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def per_site(params):
    return trends_programme.per_site_awards(params, trend_data.load_dataset(params, "lwa_awards"))


def _params_with(tmp_path: Path, edit) -> object:
    pdir = tmp_path / "params"
    shutil.copytree(ROOT / "params", pdir)
    edit(pdir)
    return load_params(pdir)


def _set_setting(pdir: Path, section: str, key: str, value) -> None:
    f = pdir / "analysis.yml"
    data = yaml.safe_load(f.read_text())
    data[section][key] = value
    f.write_text(yaml.safe_dump(data))


def _figure_ok(fig) -> None:
    assert isinstance(getattr(fig, "alt_text", ""), str) and len(fig.alt_text) > 40
    assert any(a.get_xlabel() for a in fig.axes)
    assert any("Source:" in t.get_text() for t in fig.texts)


# ----------------------------------------------------------------------------------------
# trend_data
# ----------------------------------------------------------------------------------------
def test_load_dataset_is_cached_and_returns_copies(params) -> None:
    trends.clear_cache()
    a = trend_data.load_dataset(params, "lwa_awards")
    a.loc[:, "awards"] = -1
    b = trend_data.load_dataset(params, "lwa_awards")
    assert (b["awards"] >= 0).all()
    assert trend_data._load_cached.cache_info().hits >= 1
    calls: list[int] = []
    trend_data.register_cache(lambda: calls.append(1))
    trend_data.clear_cache()
    assert calls == [1] and trend_data._load_cached.cache_info().currsize == 0
    trend_data._CACHES.pop()


def test_month_helpers_and_listed_years(params) -> None:
    assert str(trend_data.month("2019-10-15")) == "2019-10"
    y1 = params.programme.year(1)
    assert len(trend_data.year_months(y1)) == 12 and len(trend_data.calendar_months(2020)) == 12
    monthly = pd.DataFrame({"month": ["2019-01", "2019-02"], "x": [1.0, 2.0],
                            "complete": [True, True]})
    assert trend_data.window_counts(monthly, pd.period_range("2019-01", "2019-02", freq="M"),
                                    "x") == [1.0, 2.0]
    assert trend_data.window_counts(monthly, pd.period_range("2019-01", "2019-03", freq="M"),
                                    "x") is None
    assert trend_data.listed_labels(params, "tower_hamlets", "referrals") == ["Year 2"]
    late = pd.DataFrame({"month": ["2019-01", "2030-01"]})
    assert trend_data.restrict_to_listed(late, params, "norfolk")["month"].tolist() == ["2019-01"]


def test_published_rows_text_and_sources() -> None:
    e14 = trend_data.published("E14", "norfolk", ["lwa_awards_change_ratio"])
    assert len(e14) == 1 and trend_data.published_value_text(e14.iloc[0]) == "×3"
    assert "Key finding 10" in trend_data.cites(e14) and trend_data.cites(e14.iloc[0:0]) == ""
    assert trend_data.source_line("x", True, "y") == "dataset x (synthetic stand-in); y"
    assert trend_data.source_line("x", False) == "dataset x (record-level extract)"


def test_published_beyond_keeps_the_programme_and_national_rows(params) -> None:
    """E14's England funding rows (geography ``england`` since issue 11) stay among the sources
    of the programme trends page beside the programme-wide row."""
    other = trend_data.published_beyond("E14", params.programme.sites)
    assert set(other["site"]) == {"programme", "england"}
    assert not other["site"].isin(params.programme.sites).any()
    everything = trend_data.published_beyond("E14", [])
    assert len(everything) == len(other) + sum(
        len(trend_data.published("E14", s)) for s in params.programme.sites)
    assert trend_data.published_beyond("NO_SUCH_EXHIBIT", []).empty


# ----------------------------------------------------------------------------------------
# computed results
# ----------------------------------------------------------------------------------------
def test_computed_results_keys_values_and_json(params) -> None:
    res = trends.computed_results(params)
    assert {"its.ncan.level_change", "its.ncan.slope_change"} <= set(res)
    for r in res.values():
        assert all(math.isfinite(r[k]) for k in ("rate_ratio", "ci_low", "ci_high"))
        assert r["ci_low"] < r["rate_ratio"] < r["ci_high"] and isinstance(r["n"], int)
    json.loads(json.dumps(res, allow_nan=False))
    assert res["its.ncan.level_change"]["n"] == 60
    toc = contribution.load_theory_of_change(
        ROOT / "params" / "contribution" / "theory_of_change.yml")
    ev = contribution.evidence_from_results(res, toc)
    assert set(ev["result_id"]) == set(res)


def test_computed_results_equal_the_notebook_calls(params) -> None:
    """The numbers the contribution pages quote are those the trend pages compute."""
    res = trends.computed_results(params)
    s = params.analysis
    aw = lwa.site_awards(params, "norfolk", trend_data.load_dataset(params, "lwa_awards"))
    tr = lwa.lwa_trend(aw.annual, min_complete_years=s.lwa_trend.min_complete_years,
                       glm_family=s.lwa_trend.glm_family)
    assert res["trend.lwa.norfolk"] == tr.result()
    series = referrals.monthly_referrals(trend_data.load_dataset(params, "referrals_ncan"),
                                         "norfolk")
    a = referrals.referral_its(series, breakpoint=params.programme.ccs_start,
                               covid=referrals.covid_window(params),
                               fourier_k=s.its.fourier_k, family=s.its.family,
                               autocorrelation_p=s.its.autocorrelation_p,
                               hac_rule=s.its.hac_rule)
    assert res["its.ncan.level_change"] == referrals.its_result(
        a.result, a.result.level_change, "referrals_ncan")


def test_computed_results_follow_the_settings_file(params, tmp_path: Path) -> None:
    base = trends.computed_results(params)
    k1 = _params_with(tmp_path / "a", lambda d: _set_setting(d, "its", "fourier_k", 1))
    changed = trends.computed_results(k1)
    assert changed["its.ncan.level_change"]["rate_ratio"] != base[
        "its.ncan.level_change"]["rate_ratio"]
    many = _params_with(tmp_path / "b",
                        lambda d: _set_setting(d, "lwa_trend", "min_complete_years", 9))
    assert not any(k.startswith("trend.lwa.") for k in trends.computed_results(many))
    wide = _params_with(tmp_path / "c",
                        lambda d: _set_setting(d, "its", "min_points_each_side", 40))
    assert not any(k.startswith("its.") for k in trends.computed_results(wide))


def test_computed_results_deterministic_and_without_ncan(params, tmp_path: Path) -> None:
    a = json.dumps(trends.computed_results(params), sort_keys=True)
    trends.clear_cache()
    assert json.dumps(trends.computed_results(params), sort_keys=True) == a

    def no_ncan(pdir: Path) -> None:
        f = pdir / "sites" / "norfolk.yml"
        data = yaml.safe_load(f.read_text())
        data["referral_network"]["referral_dataset"] = None
        f.write_text(yaml.safe_dump(data))

    p = _params_with(tmp_path, no_ncan)
    assert not any(k.startswith("its.") for k in trends.computed_results(p))
    assert trends_programme.ncan_site(p) is None
    assert trends_programme.ncan_site(params) == ("norfolk", "referrals_ncan")


def test_pooled_trend_equals_the_method(params, per_site) -> None:
    pooled = trends_programme.pooled_trend(per_site, min_complete_years=3, glm_family="auto")
    assert pooled.result is not None and pooled.left_out == []
    long = pd.concat([pd.DataFrame({"site": s, "year": aw.annual.loc[aw.annual["complete"],
                                                                     "year"].astype(float),
                                    "count": aw.annual.loc[aw.annual["complete"], "awards"]})
                      for s, aw in per_site.items()], ignore_index=True)
    direct = trend.pooled_trend(long, site_col="site", x_col="year", count_col="count")
    assert pooled.result.glm["rate_ratio"] == direct.glm["rate_ratio"]
    assert pooled.table.iloc[0]["estimate"] == f"{direct.glm['rate_ratio']:.2f}"
    assert len(pooled.site_table(params)) == len(per_site)
    rows = pooled.forest_rows(params)
    assert rows[-1][0] == "All sites (pooled)" and len(rows) == len(per_site) + 1
    assert pooled.points_per_site in {"3", "4", "3–4", "4–5", "3–5"}
    _figure_ok(trend_figures.pooled_figure(rows, source="s", synthetic=True))
    none = trends_programme.pooled_trend(per_site, min_complete_years=9, glm_family="auto")
    assert none.result is None and none.table.empty and none.site_table(params).empty
    assert set(none.left_out) == set(per_site) and none.points_per_site == "–"


def test_covid_year_changes_equal_period_ratio(params, per_site) -> None:
    ch = trends_programme.covid_year_changes(params, per_site, autocorrelation_p=0.05,
                                             hac_rule="never_narrower",
                                             family="quasipoisson")
    cy = params.programme.covid.first_lockdown.year
    aw = per_site[ch[0].site]
    m = aw.monthly
    direct = rates.period_ratio(m.loc[m["month"].str[:4] == str(cy - 1), "awards"].tolist(),
                                m.loc[m["month"].str[:4] == str(cy), "awards"].tolist(),
                                autocorrelation_p=0.05, hac_rule="never_narrower")
    assert ch[0].ratio.rate_ratio == pytest.approx(direct.rate_ratio)
    assert ch[0].direction in {"up", "down", "unclear"}


def test_e14_programme_table_and_figure(params, per_site) -> None:
    table, rows = trends_programme.e14_programme(
        params, per_site, min_complete_years=3, glm_family="auto", autocorrelation_p=0.05,
    hac_rule="never_narrower",
        family="quasipoisson")
    assert ("Norfolk", "2018 → 2021") in table.index
    assert table.loc[("Norfolk", "2018 → 2021"), "published"] == "×3"
    assert any(i[0] == "programme" for i in table.index)
    assert rows and all(len(r) == 5 for r in rows)
    _figure_ok(trend_figures.e14_figure(rows, source="s", synthetic=True))


def test_e5_published_text(params) -> None:
    pub = trends_programme.e5_published(params, "norfolk")
    assert (pub["before"], pub["after"]) == ("292", "505") and pub["change"] == "+73%"
    assert pub["people"] and pub["people_when"] and "Key finding" in pub["cite"]
    assert trends_programme.e5_published(params, "oldham")["before"] == ""


def test_e15_flows_table_and_reconciliation(params) -> None:
    recs = pd.DataFrame({
        "date": pd.to_datetime(["2019-02-01", "2019-03-01", "2021-01-05", "2021-06-01"]),
        "from_sector": ["lwa", "vcs", "lwa", "statutory"],
        "to_sector": ["vcs", "lwa", "vcs", "lwa"]})
    out = trends_programme.e15_flows(recs)
    assert out.to_dict("list") == {"year": [2019, 2021], "lwa_to_vcs": [1, 1],
                                   "vcs_to_lwa": [1, 0]}
    with pytest.raises(MethodInputError, match="from_sector"):
        trends_programme.e15_flows(recs.drop(columns="from_sector"))
    t = trends_programme.e15_table(out, "NAS")
    assert list(t.columns) == ["NAS → VCS", "VCS → NAS"]
    ncan = trend_data.load_dataset(params, "referrals_ncan")
    flows = trends_programme.e15_flows(ncan)
    e15 = trend_data.published("E15", "norfolk")
    recon = trends_programme.e15_reconciliation(ncan, flows, e15, "NAS", autocorrelation_p=0.05,
                                                hac_rule="never_narrower")
    assert not recon.empty and "published" in recon.columns
    _figure_ok(trend_figures.e15_figure(flows, lwa="NAS", network="NCAN", title="t",
                                        source="s", synthetic=True))


# ----------------------------------------------------------------------------------------
# site figures (annual, XmR, ITS, year bars, E5)
# ----------------------------------------------------------------------------------------
def test_site_figures_have_titles_labels_sources_and_alt_text(params) -> None:
    aw = lwa.site_awards(params, "norfolk", trend_data.load_dataset(params, "lwa_awards"))
    tr = lwa.lwa_trend(aw.annual, min_complete_years=3, glm_family="auto")
    _figure_ok(trend_figures.annual_figure(aw.annual, tr, title="t", unit_word="awards",
                                           source="s", synthetic=True, colour="#000000"))
    x = spc.xmr(aw.monthly["awards"].to_numpy(float), list(aw.monthly["date"]), baseline=21)
    _figure_ok(trend_figures.xmr_figure(x, list(aw.monthly["date"]), title="t", ylabel="y",
                                        source="s", synthetic=True, what="awards",
                                        year=params.programme.year(2), colour="#000000"))
    series = referrals.monthly_referrals(trend_data.load_dataset(params, "referrals_ncan"))
    s = params.analysis.its
    a = referrals.referral_its(series, breakpoint=params.programme.ccs_start,
                               covid=referrals.covid_window(params), fourier_k=s.fourier_k,
                               family=s.family, autocorrelation_p=s.autocorrelation_p,
                               hac_rule=s.hac_rule)
    c = params.programme.covid
    fig = trend_figures.its_figure(a, covid=(c.period_start, c.period_end),
                                   year=params.programme.year(1), title="t", source="s",
                                   synthetic=False, network="NCAN")
    _figure_ok(fig)
    assert not any("SYNTHETIC" in t.get_text() for t in fig.texts)
    _, info = referrals.e5_comparison(series, params.programme.ccs_start,
                                      trend_data.published("E5", "norfolk"),
                                      autocorrelation_p=0.05, hac_rule="never_narrower")
    _figure_ok(trend_figures.e5_figure(series, params.programme.ccs_start, info, title="t",
                                       network="NCAN", colour="#000000", source="s",
                                       synthetic=True))
    part = series.iloc[:6]
    _figure_ok(trend_figures.year_bars_figure(part, float(np.mean(part["referrals"])),
                                              title="t", network="NCAN", label="Year 1",
                                              source="s", synthetic=True,
                                              colour=plots.PALETTE[0]))
