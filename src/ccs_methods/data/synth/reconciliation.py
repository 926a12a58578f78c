"""Reconciliation: the achieved value of every calibration target, computed from the frames."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ccs_methods.data.synth.awards import _KPI_WINDOWS
from ccs_methods.data.synth.targets import ACTIVITY_COUNTS


def _between(dates: pd.Series, lo: str, hi: str) -> pd.Series:
    return (dates >= pd.Timestamp(lo)) & (dates <= pd.Timestamp(hi))


def _network_year(df: pd.DataFrame, year: int) -> dict[str, float]:
    sub = df[df["date"].dt.year == year]
    edges = sub[["from_org", "to_org"]].drop_duplicates()
    orgs = set(sub["from_org"]) | set(sub["to_org"])
    return {
        "connections": float(len(edges)),
        "organisations": float(len(orgs)),
        "per_org": 2.0 * len(edges) / len(orgs),
        "stat_referring": float(sub.loc[sub["from_sector"] == "statutory", "from_org"].nunique()),
        "vcs_referring": float(sub.loc[sub["from_sector"] == "vcs", "from_org"].nunique()),
        "to_vcs": float((sub["to_sector"] == "vcs").sum()),
        "nas_vcs": float(((sub["from_sector"] == "lwa") & (sub["to_sector"] == "vcs")).sum()),
        "vcs_nas": float(((sub["from_sector"] == "vcs") & (sub["to_sector"] == "lwa")).sum()),
        "debt_share": float((sub["reason"] == "debt").mean()),
        "stat_stat": float(
            ((sub["from_sector"] == "statutory") & (sub["to_sector"] == "statutory")).sum()
        ),
    }


def _pct(a: float, b: float) -> float:
    return 100.0 * (b / a - 1.0)


def _month_sum(df: pd.DataFrame, sites: tuple[str, ...], lo: str, hi: str) -> float:
    sel = df["site"].isin(sites) & (df["month"] >= lo) & (df["month"] <= hi)
    return float(df.loc[sel, "awards"].sum())


def reconcile(frames: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """Compute the achieved value of every target in :data:`TARGETS` from the records.

    Parameters
    ----------
    frames
        Dataset name -> typed frame (from :func:`generate` or the ``records`` loaders).

    Returns
    -------
    dict[str, float]
        Target name -> achieved value, with the definitions stated in :data:`TARGETS`.

    """
    out: dict[str, float] = {}
    ncan = frames["referrals_ncan"]
    d = ncan["date"]
    pre = float(_between(d, "2017-01-01", "2019-09-30").sum()) / 33
    post = float(_between(d, "2019-10-01", "2021-12-31").sum()) / 27
    out["ncan_mean_monthly_pre"] = pre
    out["ncan_mean_monthly_post"] = post
    out["ncan_mean_monthly_change_pct"] = _pct(pre, post)
    n19, n21 = _network_year(ncan, 2019), _network_year(ncan, 2021)
    out["ncan_connections_per_org_2019"] = n19["per_org"]
    out["ncan_connections_per_org_2021"] = n21["per_org"]
    out["ncan_connections_growth_pct"] = _pct(n19["connections"], n21["connections"])
    out["ncan_organisations_growth_pct"] = _pct(n19["organisations"], n21["organisations"])
    out["ncan_organisations_ever"] = float(len(set(ncan["from_org"]) | set(ncan["to_org"])))
    out["ncan_statutory_referring_growth_pct"] = _pct(n19["stat_referring"], n21["stat_referring"])
    out["ncan_vcs_referring_growth_pct"] = _pct(n19["vcs_referring"], n21["vcs_referring"])
    out["ncan_referrals_to_vcs_growth_pct"] = _pct(n19["to_vcs"], n21["to_vcs"])
    out["ncan_nas_to_vcs_2021"] = n21["nas_vcs"]
    out["ncan_vcs_to_nas_2021"] = n21["vcs_nas"]
    out["ncan_nas_to_vcs_ratio_2021_2019"] = n21["nas_vcs"] / n19["nas_vcs"]
    out["ncan_vcs_to_nas_growth_pct"] = _pct(n19["vcs_nas"], n21["vcs_nas"])
    out["ncan_debt_share_change_pp"] = 100.0 * (n21["debt_share"] - n19["debt_share"])
    out["ncan_statutory_to_statutory_2021"] = n21["stat_stat"]
    out["ncan_referrals_year2"] = float(_between(d, "2020-10-01", "2021-09-30").sum())

    th = frames["referrals_thcan"]
    in_window = th[_between(th["date"], "2021-03-01", "2021-09-30")]
    out["thcan_referrals_mar_sep_2021"] = float(len(in_window))
    out["thcan_organisations"] = float(len(set(in_window["from_org"]) | set(in_window["to_org"])))

    lwa = frames["lwa_awards"]
    year = lwa["month"].str[:4].astype(int)
    annual = lwa.groupby([lwa["site"], year])["awards"].sum()
    out["lwa_norfolk_ratio_2021_2018"] = annual["norfolk", 2021] / annual["norfolk", 2018]
    out["lwa_swansea_growth_pct_2018_2021"] = _pct(annual["swansea", 2018], annual["swansea", 2021])
    out["lwa_oldham_ratio_2021_2019"] = annual["oldham", 2021] / annual["oldham", 2019]
    out["lwa_tower_hamlets_growth_pct_2018_2020"] = _pct(
        annual["tower_hamlets", 2018], annual["tower_hamlets", 2020]
    )
    out["lwa_tower_hamlets_change_pct_2020_2021"] = _pct(
        annual["tower_hamlets", 2020], annual["tower_hamlets", 2021]
    )
    three_fy = ("norfolk", "swansea", "tower_hamlets")
    out["kpi1_baseline_awards_fy2018_19"] = _month_sum(lwa, three_fy, *_KPI_WINDOWS["fy2018_19"])
    out["kpi1_year1_awards"] = _month_sum(
        lwa, ("oldham", "swansea", "tower_hamlets"), *_KPI_WINDOWS["year1"]
    )
    out["kpi1_year2_awards"] = _month_sum(lwa, three_fy, *_KPI_WINDOWS["year2"])

    other = frames["other_crisis_awards"]
    sites = tuple(other["site"].unique())
    out["kpi2_baseline_other_awards_fy2018_19"] = _month_sum(
        other, sites, *_KPI_WINDOWS["fy2018_19"]
    )
    out["kpi2_year1_other_awards"] = _month_sum(other, sites, *_KPI_WINDOWS["year1"])
    out["kpi2_year2_other_awards"] = _month_sum(other, sites, *_KPI_WINDOWS["year2"])

    sv = frames["survey_local_systems"]
    funded = sv[sv["ccs_funded"]]
    out["survey_n"] = float(len(sv))
    out["survey_ccs_funded_n"] = float(len(funded))
    for short, col in (
        ("partnership", "more_able_partnership"),
        ("new_services", "more_able_new_services"),
        ("development_planning", "more_able_development_planning"),
    ):
        out[f"survey_pct_{short}"] = 100.0 * float(sv[col].mean())
        out[f"survey_funded_pct_{short}"] = 100.0 * float(funded[col].mean())
    for answer in ("pockets", "strong", "weak", "dont_know"):
        out[f"survey_pct_{answer}"] = 100.0 * float((sv["la_vcs_relationship"] == answer).mean())
    out["survey_pct_hopeful_referrals"] = 100.0 * float(sv["hopeful_referrals"].mean())

    mr = frames["monitoring_returns"]
    hh = float(mr["households_supported"].sum())
    out["monitoring_n_orgs"] = float(len(mr))
    out["monitoring_made_more_referrals"] = float(mr["made_more_referrals"].sum())
    out["monitoring_received_more_referrals"] = float(mr["received_more_referrals"].sum())
    out["monitoring_improved_lwa_info"] = float(mr["improved_lwa_info_capacity"].sum())
    out["monitoring_households"] = hh
    out["monitoring_households_below"] = hh
    out["monitoring_referrals"] = float(mr["referrals_made"].sum())
    out["monitoring_referrals_below"] = float(mr["referrals_made"].sum())
    out["monitoring_pct_families_with_children"] = 100.0 * mr["families_with_children"].sum() / hh
    out["monitoring_pct_bame"] = 100.0 * mr["bame"].sum() / hh
    out["monitoring_pct_nrpf"] = 100.0 * mr["nrpf"].sum() / hh

    act = frames["activity_log"]
    for site, (_, parts) in ACTIVITY_COUNTS.items():
        here = act[act["site"] == site]
        out[f"activity_{site}_sessions"] = float(len(here))
        for purpose in parts:
            out[f"activity_{site}_{purpose}"] = float((here["purpose"] == purpose).sum())
    return out
