"""Calibration targets: each published figure the synthetic data reproduce, with its source.

Each :class:`Target` names the report file and section, the definition used and a tolerance;
:data:`TARGETS` holds them by name and ``tests/test_synth.py`` checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

_R003 = "003_be4685d4f24850f1.txt (year 2 full report)"
_R001 = "001_06afea370260a111.txt (year 2 executive summary)"

# --------------------------------------------------------------------------------------------
# Calibration targets
# --------------------------------------------------------------------------------------------

Comparison = Literal["approx", "at_least", "at_most", "tension"]


@dataclass(frozen=True)
class Target:
    """A published figure the synthetic records must reproduce.

    Parameters
    ----------
    name
        Key in :data:`TARGETS` and in the output of :func:`reconcile`.
    dataset
        The dataset the figure is computed from.
    value
        The published value (or, for ``at_least``/``at_most``, the bound).
    tolerance
        Allowed absolute difference for ``approx`` (in ``unit``).
    unit
        Unit of ``value``.
    source
        Report file and section.
    definition
        How the figure is computed from the records (windows, filters, denominators).
    comparison
        ``approx`` (``|achieved - value| <= tolerance``), ``at_least``, ``at_most``, or
        ``tension``: a published figure that contradicts another one and is *not* forced
        (reported by :func:`reconcile`, not asserted).

    """

    name: str
    dataset: str
    value: float
    tolerance: float
    unit: str
    source: str
    definition: str
    comparison: Comparison = "approx"

    def holds(self, achieved: float) -> bool:
        """Return whether ``achieved`` meets this target (always True for a tension)."""
        if self.comparison == "approx":
            return abs(achieved - self.value) <= self.tolerance + 1e-9
        if self.comparison == "at_least":
            return achieved >= self.value
        if self.comparison == "at_most":
            return achieved <= self.value
        return True


def _t(
    name: str,
    dataset: str,
    value: float,
    tolerance: float,
    unit: str,
    source: str,
    definition: str,
    comparison: Comparison = "approx",
) -> Target:
    return Target(name, dataset, value, tolerance, unit, source, definition, comparison)


_PCT_INT = "percentage printed as a whole number: within 0.5 points"

_TARGET_LIST: list[Target] = [
    # --- NCAN referrals: E5 -----------------------------------------------------------------
    _t(
        "ncan_mean_monthly_pre",
        "referrals_ncan",
        292,
        292 * 0.02,
        "referrals/month",
        f"{_R003}, 2.1 Key finding 3; Fig 2.4",
        "Mean referrals per calendar month (accepted and declined), January 2017 to September "
        "2019 (33 months, before CCS started in October 2019).",
    ),
    _t(
        "ncan_mean_monthly_post",
        "referrals_ncan",
        505,
        505 * 0.02,
        "referrals/month",
        f"{_R003}, 2.1 Key finding 3; Fig 2.4",
        "Mean referrals per calendar month, October 2019 to December 2021 (27 months: every "
        "month of the extract since CCS launched).",
    ),
    _t(
        "ncan_mean_monthly_change_pct",
        "referrals_ncan",
        73,
        3,
        "%",
        f"{_R003}, 2.1 Key finding 3",
        "100 x (post mean / pre mean - 1) with the windows above.",
    ),
    # --- NCAN network: E12 ------------------------------------------------------------------
    _t(
        "ncan_connections_per_org_2019",
        "referrals_ncan",
        5.7,
        0.05,
        "connections/organisation",
        f"{_R003}, 2.3 Key finding 9",
        "2E/N in calendar 2019: E = distinct ordered (from_org, to_org) pairs with >= 1 "
        "referral, N = organisations sending or receiving >= 1 referral (mean in + out degree; "
        "as ccs_methods.methods.network.network_measures).",
    ),
    _t(
        "ncan_connections_per_org_2021",
        "referrals_ncan",
        7.2,
        0.05,
        "connections/organisation",
        f"{_R003}, 2.3 Key finding 9",
        "2E/N in calendar 2021, as above.",
    ),
    _t(
        "ncan_connections_growth_pct",
        "referrals_ncan",
        80,
        1,
        "%",
        f"{_R003}, 2.3 Key finding 9",
        "100 x (E_2021 / E_2019 - 1).",
    ),
    _t(
        "ncan_organisations_growth_pct",
        "referrals_ncan",
        42.5,
        1.5,
        "%",
        f"implied by {_R003}, 2.3 Key finding 9",
        "100 x (N_2021 / N_2019 - 1); follows from the two figures above: 1.80 x 5.7 / 7.2 - 1.",
    ),
    _t(
        "ncan_organisations_ever",
        "referrals_ncan",
        126,
        0,
        "organisations",
        f"{_R003}, Summary of KPI data (KPI 5)",
        "Distinct organisations in from_org or to_org, January 2017 to December 2021.",
    ),
    _t(
        "ncan_statutory_referring_growth_pct",
        "referrals_ncan",
        48,
        1,
        "%",
        f"{_R003}, 2.3 Key finding 9",
        "Distinct from_org with from_sector 'statutory', 2019 -> 2021.",
    ),
    _t(
        "ncan_vcs_referring_growth_pct",
        "referrals_ncan",
        37,
        1,
        "%",
        f"{_R003}, 2.3 Key finding 9",
        "Distinct from_org with from_sector 'vcs', 2019 -> 2021.",
    ),
    _t(
        "ncan_referrals_to_vcs_growth_pct",
        "referrals_ncan",
        20,
        0.5,
        "%",
        f"{_R003}, 2.3 Key finding 9",
        "Referrals with to_sector 'vcs', 2019 -> 2021.",
    ),
    # --- NCAN and the NAS: E15 --------------------------------------------------------------
    _t(
        "ncan_nas_to_vcs_2021",
        "referrals_ncan",
        178,
        0,
        "referrals",
        f"{_R003}, Key finding 10; Fig 2.13",
        "Referrals from_sector 'lwa' (NAS) to to_sector 'vcs' in calendar 2021.",
    ),
    _t(
        "ncan_vcs_to_nas_2021",
        "referrals_ncan",
        22,
        0,
        "referrals",
        f"{_R003}, Key finding 10; Fig 2.13",
        "Referrals from_sector 'vcs' to to_sector 'lwa' (NAS) in calendar 2021.",
    ),
    _t(
        "ncan_nas_to_vcs_ratio_2021_2019",
        "referrals_ncan",
        4.0,
        0.1,
        "ratio",
        f"{_R003}, Key finding 10 ('4-fold increase')",
        "NAS -> VCS referrals 2021 / 2019 (2019 = 45).",
    ),
    _t(
        "ncan_vcs_to_nas_growth_pct",
        "referrals_ncan",
        83,
        1,
        "%",
        f"{_R003}, Key finding 10",
        "VCS -> NAS referrals 2019 -> 2021 (2019 = 12).",
    ),
    # --- NCAN reasons and statutory referrals: E6, E13 --------------------------------------
    _t(
        "ncan_debt_share_change_pp",
        "referrals_ncan",
        5,
        0,
        "percentage points",
        f"{_R003}, 2.1 Fig 2.5 ('debt rising')",
        "Share of referrals with reason 'debt' in 2021 minus 2019; the report gives no number, "
        "so the bound (+5 points) is this module's choice.",
        "at_least",
    ),
    _t(
        "ncan_statutory_to_statutory_2021",
        "referrals_ncan",
        1,
        0,
        "referrals",
        f"{_R003}, 2.3 Key finding 9; Fig 2.11",
        "Referrals from 'statutory' to 'statutory' in 2021: present.",
        "at_least",
    ),
    _t(
        "ncan_referrals_year2",
        "referrals_ncan",
        3040,
        0,
        "people",
        f"{_R003}, 2.2 Key finding 6 ('via NCAN referral system - 3,040 people')",
        "Referrals October 2020 to September 2021. At 505 referrals a month the year holds "
        "about twice 3,040: the reports' two figures disagree (people vs referrals?). Not "
        "forced; shown as a tension.",
        "tension",
    ),
    # --- THCAN: E7 --------------------------------------------------------------------------
    _t(
        "thcan_referrals_mar_sep_2021",
        "referrals_thcan",
        224,
        0,
        "referrals",
        f"{_R003}, 2.1 Key finding 3",
        "Referrals dated 1 March to 30 September 2021.",
    ),
    _t(
        "thcan_organisations",
        "referrals_thcan",
        14,
        0,
        "organisations",
        f"{_R003}, Summary of KPI data (KPI 5)",
        "Distinct organisations in from_org or to_org, March to September 2021 (and in the "
        "whole extract to October 2021).",
    ),
    # --- LWA/DAF awards: E14, E16 KPI 1 -----------------------------------------------------
    _t(
        "lwa_norfolk_ratio_2021_2018",
        "lwa_awards",
        3.0,
        0.05,
        "ratio",
        f"{_R003}, Key finding 10; Fig 2.12",
        "Norfolk (NAS) awards, calendar 2021 / 2018.",
    ),
    _t(
        "lwa_swansea_growth_pct_2018_2021",
        "lwa_awards",
        182,
        2,
        "%",
        f"{_R003}, Key finding 10; Fig 2.12",
        "Swansea (DAF, EAP + IAP) awards, 2018 -> 2021.",
    ),
    _t(
        "lwa_oldham_ratio_2021_2019",
        "lwa_awards",
        3.0,
        0.05,
        "ratio",
        f"{_R003}, Key finding 10; Fig 2.12",
        "Oldham (LWP) items awarded, calendar 2021 / 2019 (Oldham's series starts 2019).",
    ),
    _t(
        "lwa_tower_hamlets_growth_pct_2018_2020",
        "lwa_awards",
        155,
        2,
        "%",
        f"{_R003}, Key finding 10; Fig 2.12",
        "Tower Hamlets (RSS) awards, 2018 -> 2020.",
    ),
    _t(
        "lwa_tower_hamlets_change_pct_2020_2021",
        "lwa_awards",
        -5,
        0,
        "%",
        f"{_R003}, Key finding 10 ('followed by a decrease in 2021')",
        "Tower Hamlets awards 2020 -> 2021: a decrease (bound -5% is this module's choice).",
        "at_most",
    ),
    _t(
        "kpi1_baseline_awards_fy2018_19",
        "lwa_awards",
        8510,
        8510 * 0.005,
        "awards",
        f"{_R003}, Summary of KPI data (KPI 1 quasi-baseline)",
        "Awards April 2018 to March 2019 in Norfolk, Swansea and Tower Hamlets. Assumption: "
        "the 'three pilot areas' exclude Oldham, whose series starts in 2019 (which is why "
        "the report's Oldham ratio runs from 2019) and which counts items, not awards.",
    ),
    _t(
        "kpi1_year1_awards",
        "lwa_awards",
        21411,
        21411 * 0.005,
        "awards (Oldham: items)",
        f"{_R003}, Summary of KPI data (KPI 1, end of year 1)",
        "Oldham + Swansea + Tower Hamlets, October 2019 to September 2020 (the report: '3 "
        "pilot sites (excluding Norfolk)'; Oldham's items are added as the report did).",
    ),
    _t(
        "kpi1_year2_awards",
        "lwa_awards",
        20554,
        20554 * 0.005,
        "awards",
        f"{_R003}, Summary of KPI data (KPI 1, year 2)",
        "Norfolk + Swansea + Tower Hamlets, October 2020 to September 2021 ('excludes Oldham').",
    ),
    # --- Other crisis support: E16 KPI 2 ----------------------------------------------------
    _t(
        "kpi2_baseline_other_awards_fy2018_19",
        "other_crisis_awards",
        2821,
        0,
        "awards",
        f"{_R003}, Summary of KPI data (KPI 2 quasi-baseline)",
        "Awards by other crisis-support providers, April 2018 to March 2019, four sites.",
    ),
    _t(
        "kpi2_year1_other_awards",
        "other_crisis_awards",
        384,
        0,
        "awards",
        f"{_R003}, Summary of KPI data (KPI 2, end of year 1)",
        "October 2019 to September 2020 ('underreported').",
    ),
    _t(
        "kpi2_year2_other_awards",
        "other_crisis_awards",
        94,
        0,
        "awards",
        f"{_R003}, Summary of KPI data (KPI 2, year 2)",
        "October 2020 to September 2021 ('underreported').",
    ),
    # --- Survey: E8, E11 --------------------------------------------------------------------
    _t(
        "survey_n",
        "survey_local_systems",
        55,
        0,
        "respondents",
        f"{_R003}, 1 Our approach; Key finding 5",
        "Rows.",
    ),
    _t(
        "survey_ccs_funded_n",
        "survey_local_systems",
        10,
        0,
        "respondents",
        f"derived from {_R003}, Key finding 5",
        "Respondents with ccs_funded true. The report gives 40% / 60% / 20% among funded "
        "respondents without n; 5, 10 or 15 make all three whole counts; 10 is assumed.",
    ),
    _t(
        "survey_pct_partnership",
        "survey_local_systems",
        33,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        f"100 x mean(more_able_partnership), n = 55; {_PCT_INT}.",
    ),
    _t(
        "survey_pct_new_services",
        "survey_local_systems",
        31,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        "100 x mean(more_able_new_services), n = 55.",
    ),
    _t(
        "survey_pct_development_planning",
        "survey_local_systems",
        20,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        "100 x mean(more_able_development_planning), n = 55.",
    ),
    _t(
        "survey_funded_pct_partnership",
        "survey_local_systems",
        40,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        "Among ccs_funded respondents.",
    ),
    _t(
        "survey_funded_pct_new_services",
        "survey_local_systems",
        60,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        "Among ccs_funded respondents.",
    ),
    _t(
        "survey_funded_pct_development_planning",
        "survey_local_systems",
        20,
        0.5,
        "%",
        f"{_R003}, Key finding 5",
        "Among ccs_funded respondents.",
    ),
    _t(
        "survey_pct_pockets",
        "survey_local_systems",
        56,
        0.5,
        "%",
        f"{_R003}, Key finding 8; Fig 2.8",
        "la_vcs_relationship 'pockets'. Reading of Fig 2.8 (the extracted text does not pair "
        "labels and numbers): pockets 56%, strong 33%, weak 7%, don't know 4%; it fits Fig 2.9 "
        "('three pilot sites report pockets of joint working and Swansea reports strong').",
    ),
    _t(
        "survey_pct_strong",
        "survey_local_systems",
        33,
        0.5,
        "%",
        f"{_R003}, Key finding 8; Fig 2.8",
        "la_vcs_relationship 'strong'.",
    ),
    _t(
        "survey_pct_weak",
        "survey_local_systems",
        7,
        0.5,
        "%",
        f"{_R003}, Key finding 8; Fig 2.8",
        "la_vcs_relationship 'weak'.",
    ),
    _t(
        "survey_pct_dont_know",
        "survey_local_systems",
        4,
        0.5,
        "%",
        f"{_R003}, Key finding 8; Fig 2.8",
        "la_vcs_relationship 'dont_know'.",
    ),
    _t(
        "survey_pct_hopeful_referrals",
        "survey_local_systems",
        42,
        0.5,
        "%",
        f"{_R003}, 2.1 Key finding 3 (Evaluation learning)",
        "100 x mean(hopeful_referrals); multiple choice, referrals one of the top 3.",
    ),
    # --- Monitoring returns: E9, E10 --------------------------------------------------------
    _t(
        "monitoring_n_orgs",
        "monitoring_returns",
        9,
        0,
        "organisations",
        f"{_R003}, Key finding 5",
        "Rows.",
    ),
    _t(
        "monitoring_made_more_referrals",
        "monitoring_returns",
        8,
        0,
        "organisations",
        f"{_R003}, Key finding 5",
        "Sum of made_more_referrals.",
    ),
    _t(
        "monitoring_received_more_referrals",
        "monitoring_returns",
        7,
        0,
        "organisations",
        f"{_R003}, Key finding 5",
        "Sum of received_more_referrals.",
    ),
    _t(
        "monitoring_improved_lwa_info",
        "monitoring_returns",
        3,
        0,
        "organisations",
        f"{_R003}, Key finding 10",
        "Sum of improved_lwa_info_capacity.",
    ),
    _t(
        "monitoring_households",
        "monitoring_returns",
        1700,
        0,
        "households",
        f"{_R003}, Key finding 6 ('1700+')",
        "Sum of households_supported.",
        "at_least",
    ),
    _t(
        "monitoring_households_below",
        "monitoring_returns",
        1799,
        0,
        "households",
        f"{_R003}, Key finding 6 ('1700+')",
        "Sum of households_supported stays in the 1,700s so that '1700+' is the natural rounding.",
        "at_most",
    ),
    _t(
        "monitoring_referrals",
        "monitoring_returns",
        300,
        0,
        "referrals",
        f"{_R003}, Key finding 6 ('300+')",
        "Sum of referrals_made.",
        "at_least",
    ),
    _t(
        "monitoring_referrals_below",
        "monitoring_returns",
        399,
        0,
        "referrals",
        f"{_R003}, Key finding 6 ('300+')",
        "Sum of referrals_made, in the 300s.",
        "at_most",
    ),
    _t(
        "monitoring_pct_families_with_children",
        "monitoring_returns",
        82,
        0.5,
        "%",
        f"{_R003}, Key findings 6 and 7",
        "100 x sum(families_with_children) / sum(households_supported).",
    ),
    _t(
        "monitoring_pct_bame",
        "monitoring_returns",
        43,
        0.5,
        "%",
        f"{_R003}, Key finding 6",
        "100 x sum(bame) / sum(households_supported).",
    ),
    _t(
        "monitoring_pct_nrpf",
        "monitoring_returns",
        20,
        0.5,
        "%",
        f"{_R003}, Key finding 6",
        "100 x sum(nrpf) / sum(households_supported).",
    ),
]

#: CCS team sessions in year 2: site -> (total, {purpose: count}); the rest are 'other'.
ACTIVITY_COUNTS: dict[str, tuple[int, dict[str, int]]] = {
    "norfolk": (25, {"catch_up_scoping": 10, "new_audiences": 6}),
    "oldham": (64, {"network": 20, "catch_up_scoping": 17, "referral_system": 14}),
    "swansea": (
        55,
        {"catch_up_scoping": 20, "cash_first_leaflet": 11, "interpreting": 9, "ran": 9},
    ),
    "tower_hamlets": (40, {"referral_system": 17, "schools": 8, "new_audiences": 8}),
}

for _site, (_total, _parts) in ACTIVITY_COUNTS.items():
    _TARGET_LIST.append(
        _t(
            f"activity_{_site}_sessions",
            "activity_log",
            _total,
            0,
            "sessions",
            f"{_R003}, 1 Activities delivered by CCS team in year 2",
            f"Rows with site {_site}.",
        )
    )
    for _purpose, _n in _parts.items():
        _TARGET_LIST.append(
            _t(
                f"activity_{_site}_{_purpose}",
                "activity_log",
                _n,
                0,
                "sessions",
                f"{_R003}, 1 Activities delivered by CCS team in year 2",
                f"Rows with site {_site} and purpose {_purpose}.",
            )
        )

#: Every calibration target, by name. Tests read values and tolerances from here.
TARGETS: dict[str, Target] = {t.name: t for t in _TARGET_LIST}
