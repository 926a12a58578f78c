r"""Seeded synthetic stand-ins for the private record-level data, calibrated to the reports.

**Everything this module writes is SYNTHETIC: not real data.** It exists so that the whole
pipeline runs before (and without) access to the private extracts. Each generator produces a
frame in exactly the shape of one dataset of :data:`ccs_methods.data.records.DATASETS`, with noise,
seasonality (winter peaks, August and Christmas dips), a Covid-19 shock (first lockdown from
2020-03-23: referrals dip then rebound, LWA/DAF awards rise in 2020), a steady NCAN referral
trend with no step at the CCS start (the null the interrupted time series tests), and
organisations joining (and leaving) over time.

The data are calibrated so that aggregating the records reproduces the published figures
listed in :data:`TARGETS` (each with its source: report file and section, the definition used
and a tolerance); :func:`reconcile` computes the achieved value of every target from the
frames, and ``tests/test_synth.py`` checks them for the shipped seed and for another seed.

Calibration is by construction where a figure is a count (exact totals are split at random,
e.g. with multinomial draws), so it holds for every seed; only the split varies.

Determinism: all randomness flows from ``numpy.random.default_rng(seed)``, one child generator
per dataset (:meth:`numpy.random.Generator.spawn`), and files are written with sorted rows,
fixed number formats and ``\n`` line endings, so the same seed gives byte-identical files
(with the same numpy version, which :func:`generate_all` records in ``MANIFEST.json``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ccs_methods.data.records import DATASETS, REFERRAL_REASONS, SECTORS

__all__ = [
    "DEFAULT_SEED",
    "GENERATORS",
    "GENERATOR_VERSION",
    "SYNTHETIC_STATEMENT",
    "TARGETS",
    "Target",
    "generate",
    "generate_activity_log",
    "generate_all",
    "generate_lwa_awards",
    "generate_monitoring_returns",
    "generate_other_crisis_awards",
    "generate_referrals_ncan",
    "generate_referrals_thcan",
    "generate_survey_local_systems",
    "reconcile",
    "write_csv",
]

#: Version of the generators; bump when any output changes for a given seed.
GENERATOR_VERSION = "1.0.0"
#: Statement recorded in MANIFEST.json and the README of ``data/synthetic/``.
SYNTHETIC_STATEMENT = "SYNTHETIC: not real data"
#: Seed of the shipped files (the date of the year 2 report, 10 December 2021).
DEFAULT_SEED = 20211210

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
        ``approx`` (|achieved - value| <= tolerance), ``at_least``, ``at_most``, or
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


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

_WEEKDAY_WEIGHT = np.array([1.0, 1.05, 1.05, 1.0, 0.9, 0.12, 0.05])  # Mon..Sun


def _days_in_months(
    rng: np.random.Generator, months: np.ndarray, weekday_weight: np.ndarray = _WEEKDAY_WEIGHT
) -> np.ndarray:
    """Draw one date per entry of ``months`` (``Period[M]`` values), weighting weekdays."""
    out = np.empty(len(months), dtype="datetime64[D]")
    months = np.asarray(months)
    for m in np.unique(months):
        idx = np.flatnonzero(months == m)
        start = np.datetime64(f"{m}-01", "D")
        n_days = pd.Period(str(m), "M").days_in_month
        days = start + np.arange(n_days)
        dow = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
        w = weekday_weight[dow]
        out[idx] = rng.choice(days, size=len(idx), p=w / w.sum())
    return out


def _noisy_multinomial(
    rng: np.random.Generator, total: int, weights: np.ndarray, shape: float
) -> np.ndarray:
    """Split ``total`` over cells with probabilities ``weights`` x Gamma noise (mean 1)."""
    w = np.asarray(weights, dtype=float) * rng.gamma(shape, 1.0 / shape, size=len(weights))
    return rng.multinomial(int(total), w / w.sum())


def _weighted_sample(
    rng: np.random.Generator, items: np.ndarray, k: int, weights: np.ndarray
) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(items, size=k, replace=False, p=w / w.sum())


# --------------------------------------------------------------------------------------------
# NCAN referrals
# --------------------------------------------------------------------------------------------

_NCAN_YEARS = (2017, 2018, 2019, 2020, 2021)
#: Organisations active (sending or receiving at least one referral) per calendar year.
_NCAN_ACTIVE: dict[str, tuple[int, ...]] = {
    "lwa": (1, 1, 1, 1, 1),
    "statutory": (17, 21, 27, 33, 39),
    "vcs": (26, 31, 37, 43, 50),
    "school": (0, 1, 2, 3, 5),
    "health": (2, 3, 3, 4, 5),
    "other": (2, 3, 3, 3, 4),
}
#: Organisations active the year before that stop using the system (2018..2021); with the
#: above, 104 active in 2021 + 22 leavers = 126 ever on the system.
_NCAN_LEAVERS: dict[str, tuple[int, ...]] = {
    "lwa": (0, 0, 0, 0),
    "statutory": (1, 2, 2, 3),
    "vcs": (2, 2, 3, 3),
    "school": (0, 0, 0, 0),
    "health": (0, 1, 0, 1),
    "other": (1, 0, 1, 0),
}
#: Organisations sending at least one referral per year (statutory 25 -> 37 = +48%,
#: VCS 35 -> 48 = +37%).
_NCAN_REFERRING: dict[str, tuple[int, ...]] = {
    "lwa": (1, 1, 1, 1, 1),
    "statutory": (15, 19, 25, 31, 37),
    "vcs": (22, 27, 35, 41, 48),
    "school": (0, 1, 2, 3, 5),
    "health": (1, 2, 2, 3, 4),
    "other": (1, 2, 2, 2, 3),
}
#: Connections per organisation (2E/N) per year; 2019 and 2021 are the report's.
_NCAN_CONN_PER_ORG = (4.6, 5.1, 5.7, 6.4, 7.2)
_NCAN_NAS_TO_VCS = (20, 30, 45, 110, 178)  # referrals from the NAS to VCS organisations
_NCAN_VCS_TO_NAS = (8, 10, 12, 17, 22)  # referrals from VCS organisations to the NAS
_NCAN_NAS_OUT_EDGES = (4, 5, 7, 11, 15)  # VCS organisations the NAS refers to
_NCAN_NAS_IN_EDGES = (3, 4, 5, 7, 9)  # VCS organisations referring to the NAS
_NCAN_TO_VCS_SHARE = {2017: 0.77, 2018: 0.76, 2019: 0.75}  # 2020, 2021 follow from +20%
_NCAN_TO_VCS_GROWTH = 1.20
_NCAN_PRE = ("2017-01", "2019-09")
_NCAN_POST = ("2019-10", "2021-12")

_SEASON_REFERRALS = np.array(
    [1.10, 1.04, 1.06, 0.99, 0.98, 0.97, 0.98, 0.86, 1.01, 1.06, 1.07, 0.88]
)  # Jan..Dec: winter peaks, August and Christmas dips
_COVID_REFERRALS = {
    "2020-03": 0.93,  # lockdown from 23 March
    "2020-04": 0.68,
    "2020-05": 0.80,
    "2020-06": 0.93,
    "2020-07": 1.04,  # rebound
    "2020-08": 1.12,
    "2020-09": 1.08,
    "2020-11": 0.96,  # second lockdown
    "2021-01": 0.95,  # third lockdown
}

_REASON_PROBS = {  # debt, benefits, housing, employment, food, fuel, immigration, family, other
    2017: (0.19, 0.27, 0.14, 0.06, 0.10, 0.05, 0.05, 0.06, 0.08),
    2018: (0.20, 0.27, 0.14, 0.06, 0.10, 0.05, 0.05, 0.05, 0.08),
    2019: (0.21, 0.27, 0.13, 0.06, 0.10, 0.05, 0.05, 0.05, 0.08),
    2020: (0.27, 0.24, 0.11, 0.07, 0.11, 0.05, 0.04, 0.05, 0.06),
    2021: (0.31, 0.23, 0.10, 0.06, 0.09, 0.06, 0.04, 0.05, 0.06),
}
_REASONS = REFERRAL_REASONS


def _reason_multipliers(from_sector: str, to_sector: str) -> np.ndarray:
    m = np.ones(len(_REASONS))
    if to_sector == "lwa":  # to the crisis-grant scheme: food and fuel
        m *= [0.3, 0.8, 1.0, 0.5, 3.0, 3.0, 0.5, 1.0, 1.0]
    if from_sector == "lwa":  # from the NAS wrap-around service: debt and benefits advice
        m *= [1.5, 1.4, 0.8, 0.8, 0.5, 0.5, 1.0, 0.8, 0.8]
    if to_sector == "statutory":
        m *= [0.8, 0.9, 2.0, 1.0, 0.7, 0.8, 1.0, 2.0, 1.0]
    if to_sector == "school":
        m *= [0.5, 0.5, 1.0, 0.5, 1.5, 1.0, 1.0, 3.0, 1.0]
    return m


def _pref(year: int) -> dict[str, dict[str, float]]:
    """Relative chance that a sender of sector row links to a receiver of sector column."""
    stat_stat = 0.25 + 0.1 * (year - 2017)  # statutory services increasingly refer to each other
    return {
        "vcs": {
            "vcs": 1.0,
            "statutory": 0.35,
            "lwa": 0.0,
            "school": 0.15,
            "health": 0.3,
            "other": 0.35,
        },
        "statutory": {
            "vcs": 1.0,
            "statutory": stat_stat,
            "lwa": 0.6,
            "school": 0.15,
            "health": 0.3,
            "other": 0.35,
        },
        "lwa": {
            "vcs": 0.0,
            "statutory": 0.8,
            "lwa": 0.0,
            "school": 0.1,
            "health": 0.3,
            "other": 0.4,
        },
        "school": {
            "vcs": 1.0,
            "statutory": 0.4,
            "lwa": 0.4,
            "school": 0.0,
            "health": 0.3,
            "other": 0.3,
        },
        "health": {
            "vcs": 1.0,
            "statutory": 0.5,
            "lwa": 0.4,
            "school": 0.1,
            "health": 0.2,
            "other": 0.3,
        },
        "other": {
            "vcs": 1.0,
            "statutory": 0.4,
            "lwa": 0.4,
            "school": 0.1,
            "health": 0.2,
            "other": 0.2,
        },
    }


def _volume_pref(year: int, from_sector: str, to_sector: str) -> float:
    """Relative volume on a connection, by sector pair (statutory-statutory grows)."""
    if from_sector == "statutory" and to_sector == "statutory":
        return 0.6 + 0.15 * (year - 2017)
    if to_sector == "vcs":
        return 1.0
    if to_sector in ("health", "other"):
        return 1.2
    return 0.8


def _ncan_monthly(rng: np.random.Generator) -> pd.Series:
    """Monthly referral counts, January 2017 to December 2021 (window means exact)."""
    lam, _trend = ncan_expected_monthly()
    months = lam.index
    counts = np.zeros(len(months), dtype=np.int64)
    for (lo, hi), mean in ((_NCAN_PRE, 292), (_NCAN_POST, 505)):
        sel = (months >= pd.Period(lo, "M")) & (months <= pd.Period(hi, "M"))
        counts[sel] = _noisy_multinomial(
            rng, mean * int(sel.sum()), lam.to_numpy()[sel], shape=600.0
        )
    return pd.Series(counts, index=months)


def ncan_expected_monthly() -> tuple[pd.Series, pd.Series]:
    """The expected NCAN monthly referrals before noise, and the underlying linear trend.

    Returns ``(expected, trend)`` indexed by month (January 2017 to December 2021), where
    ``expected = trend x seasonality x Covid-19 factor`` and ``trend`` grows at one constant
    monthly rate through the CCS start (a straight line on the log scale).
    """
    months = pd.period_range("2017-01", "2021-12", freq="M")
    t = np.arange(len(months), dtype=float)
    # One steady trend through the CCS start: NO level shift or slope change is built in, so
    # the data do not presuppose the answer the interrupted time series is there to test (the
    # evaluators judged the rise "likely to have happened anyway"). The trend is log-linear
    # (a constant monthly growth rate), which is the null of the log-link segmented
    # regression; a straight line in counts would look like a slowing slope to that model.
    # Its intercept and growth rate are solved so that the seasonal and Covid-adjusted trend
    # has exactly the published window means (292 before, 505 since CCS); the multinomial
    # split then adds no step.
    from scipy.optimize import brentq

    mult = _SEASON_REFERRALS[months.month - 1] * np.array(
        [_COVID_REFERRALS.get(str(p), 1.0) for p in months]
    )
    sel_pre = (months >= pd.Period(_NCAN_PRE[0], "M")) & (months <= pd.Period(_NCAN_PRE[1], "M"))
    sel_post = (months >= pd.Period(_NCAN_POST[0], "M")) & (
        months <= pd.Period(_NCAN_POST[1], "M")
    )
    pre_total = 292 * int(sel_pre.sum())
    post_total = 505 * int(sel_post.sum())

    def scale(b: float) -> float:
        return pre_total / float((np.exp(b * t[sel_pre]) * mult[sel_pre]).sum())

    def gap(b: float) -> float:
        return scale(b) * float((np.exp(b * t[sel_post]) * mult[sel_post]).sum()) - post_total

    b = brentq(gap, -0.1, 0.2, xtol=1e-14)
    trend = scale(b) * np.exp(b * t)
    return pd.Series(trend * mult, index=months), pd.Series(trend, index=months)


@dataclass
class _Org:
    sector: str
    first: int
    last: int
    act: float
    pop: float
    refer_key: float
    name: str = ""


def _ncan_roster(rng: np.random.Generator) -> list[_Org]:
    """Organisations with the years they use the system (joining and leaving)."""
    orgs: list[_Org] = []
    for sector in SECTORS:
        active = _NCAN_ACTIVE[sector]
        current: list[_Org] = []
        for yi, year in enumerate(_NCAN_YEARS):
            if yi > 0:
                n_leave = _NCAN_LEAVERS[sector][yi - 1]
                if n_leave:
                    leave = rng.choice(len(current), size=n_leave, replace=False)
                    for k in sorted(leave, reverse=True):
                        current[k].last = year - 1
                        current.pop(k)
            for _ in range(active[yi] - len(current)):
                org = _Org(
                    sector=sector,
                    first=year,
                    last=_NCAN_YEARS[-1],
                    act=float(rng.lognormal(0.0, 0.8)),
                    pop=float(rng.lognormal(0.0, 0.9)),
                    refer_key=float(rng.random()),
                )
                current.append(org)
                orgs.append(org)
    vcs = [o for o in orgs if o.sector == "vcs" and o.first == _NCAN_YEARS[0]]
    for hub in rng.choice(len(vcs), size=3, replace=False):  # e.g. Citizens Advice
        vcs[hub].pop *= 5.0
    codes = {"vcs": "VCS", "statutory": "STA", "school": "SCH", "health": "HEA", "other": "OTH"}
    order = sorted(range(len(orgs)), key=lambda i: (orgs[i].first, orgs[i].refer_key))
    counters = dict.fromkeys(codes, 0)
    for i in order:
        o = orgs[i]
        if o.sector == "lwa":
            o.name = "Norfolk Assistance Scheme"
            o.act *= 2.0
            continue
        counters[o.sector] += 1
        o.name = f"NCAN-{codes[o.sector]}-{counters[o.sector]:03d}"
    return orgs


def _ncan_edges(
    rng: np.random.Generator, orgs: list[_Org], yi: int
) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Directed connections of year ``_NCAN_YEARS[yi]`` and the referrers' mask."""
    year = _NCAN_YEARS[yi]
    active = np.array([o.first <= year <= o.last for o in orgs])
    sector = np.array([o.sector for o in orgs])
    act = np.array([o.act for o in orgs])
    pop = np.array([o.pop for o in orgs])
    referrer = np.zeros(len(orgs), dtype=bool)
    for s in SECTORS:
        idx = np.flatnonzero(active & (sector == s))
        idx = idx[np.argsort([-orgs[i].refer_key for i in idx], kind="stable")]
        referrer[idx[: _NCAN_REFERRING[s][yi]]] = True
    n_active = int(active.sum())
    n_edges = round(_NCAN_CONN_PER_ORG[yi] * n_active / 2)
    pref = _pref(year)
    P = np.array([[pref[a][b] for b in sector] for a in sector])
    edges: set[tuple[int, int]] = set()
    nas = int(np.flatnonzero(sector == "lwa")[0])
    vcs_active = np.flatnonzero(active & (sector == "vcs"))
    vcs_ref = np.flatnonzero(referrer & (sector == "vcs"))
    for r in _weighted_sample(rng, vcs_active, _NCAN_NAS_OUT_EDGES[yi], pop[vcs_active]):
        edges.add((nas, int(r)))
    for s in _weighted_sample(rng, vcs_ref, _NCAN_NAS_IN_EDGES[yi], act[vcs_ref]):
        edges.add((int(s), nas))
    allowed = np.outer(referrer, active) & np.outer(active, active) & (P > 0)
    np.fill_diagonal(allowed, False)
    W = np.where(allowed, np.outer(act, pop) * P, 0.0)
    for s in np.flatnonzero(referrer):  # every referrer sends at least once
        if not any(e[0] == s for e in edges):
            w = W[s].copy()
            edges.add((int(s), int(rng.choice(len(orgs), p=w / w.sum()))))
    for r in np.flatnonzero(active & ~referrer):  # every other active org receives
        if not any(e[1] == r for e in edges):
            w = W[:, r].copy()
            edges.add((int(rng.choice(len(orgs), p=w / w.sum())), int(r)))
    for s, r in edges:
        W[s, r] = 0.0
    extra = n_edges - len(edges)
    if extra < 0:  # pragma: no cover - guarded by the calibration tables
        raise RuntimeError(f"NCAN {year}: {len(edges)} forced connections > {n_edges}")
    flat = rng.choice(W.size, size=extra, replace=False, p=(W / W.sum()).ravel())
    edges.update((int(i // len(orgs)), int(i % len(orgs))) for i in flat)
    return sorted(edges), referrer


def generate_referrals_ncan(rng: np.random.Generator) -> pd.DataFrame:
    """Generate NCAN referrals, January 2017 to December 2021 (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator; the same state gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['referrals_ncan']``, one row per referral, sorted by date.

    """
    monthly = _ncan_monthly(rng)
    orgs = _ncan_roster(rng)
    names = np.array([o.name for o in orgs])
    sectors = np.array([o.sector for o in orgs])
    years_total = monthly.groupby(monthly.index.year).sum()
    to_vcs: dict[int, int] = {
        y: round(s * int(years_total[y])) for y, s in _NCAN_TO_VCS_SHARE.items()
    }
    to_vcs[2021] = round(_NCAN_TO_VCS_GROWTH * to_vcs[2019])
    share_2021 = to_vcs[2021] / int(years_total[2021])
    to_vcs[2020] = round(int(years_total[2020]) * (_NCAN_TO_VCS_SHARE[2019] + share_2021) / 2)
    frames = []
    for yi, year in enumerate(_NCAN_YEARS):
        edges, _ = _ncan_edges(rng, orgs, yi)
        src = np.array([e[0] for e in edges])
        dst = np.array([e[1] for e in edges])
        fs, ts = sectors[src], sectors[dst]
        w = np.array(
            [
                orgs[s].act * orgs[r].pop * _volume_pref(year, orgs[s].sector, orgs[r].sector)
                for s, r in edges
            ]
        ) * rng.lognormal(0.0, 0.6, size=len(edges))
        total = int(years_total[year])
        groups = [
            ((fs == "lwa") & (ts == "vcs"), _NCAN_NAS_TO_VCS[yi]),
            ((fs == "vcs") & (ts == "lwa"), _NCAN_VCS_TO_NAS[yi]),
        ]
        groups.append(((ts == "vcs") & (fs != "lwa"), to_vcs[year] - _NCAN_NAS_TO_VCS[yi]))
        groups.append(
            (
                (ts != "vcs") & ~((fs == "vcs") & (ts == "lwa")),
                total - to_vcs[year] - _NCAN_VCS_TO_NAS[yi],
            )
        )
        volume = np.zeros(len(edges), dtype=np.int64)
        for mask, n in groups:
            k = int(mask.sum())
            if n < k:  # pragma: no cover - guarded by the calibration tables
                raise RuntimeError(f"NCAN {year}: {n} referrals for {k} connections")
            volume[mask] = 1 + rng.multinomial(n - k, w[mask] / w[mask].sum())
        assert volume.sum() == total
        e_idx = np.repeat(np.arange(len(edges)), volume)
        f_sec, t_sec = fs[e_idx], ts[e_idx]
        reasons = np.empty(total, dtype=object)
        for a in SECTORS:
            for b in SECTORS:
                sel = np.flatnonzero((f_sec == a) & (t_sec == b))
                if len(sel) == 0:
                    continue
                p = np.array(_REASON_PROBS[year]) * _reason_multipliers(a, b)
                reasons[sel] = rng.choice(_REASONS, size=len(sel), p=p / p.sum())
        decline = (0.12 - 0.01 * yi) * np.where(t_sec == "lwa", 2.0, 1.0)
        outcome = np.where(rng.random(total) < decline, "declined", "accepted")
        in_year = monthly[monthly.index.year == year]
        month_of = rng.permutation(np.repeat(in_year.index.astype(str), in_year.to_numpy()))
        frames.append(
            pd.DataFrame(
                {
                    "date": _days_in_months(rng, month_of),
                    "from_org": names[src][e_idx],
                    "from_sector": f_sec,
                    "to_org": names[dst][e_idx],
                    "to_sector": t_sec,
                    "reason": reasons,
                    "outcome": outcome,
                }
            )
        )
    return _finish_referrals(pd.concat(frames, ignore_index=True), "NCAN", "norfolk", "ncan")


def _finish_referrals(df: pd.DataFrame, prefix: str, site: str, network: str) -> pd.DataFrame:
    df = df.sort_values(
        ["date", "from_org", "to_org", "reason", "outcome"], kind="stable"
    ).reset_index(drop=True)
    df.insert(0, "referral_id", [f"{prefix}-{i:06d}" for i in range(1, len(df) + 1)])
    df.insert(2, "site", site)
    df.insert(3, "network", network)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return df[DATASETS[f"referrals_{network}"].column_names]


# --------------------------------------------------------------------------------------------
# THCAN referrals
# --------------------------------------------------------------------------------------------

#: THCAN organisations: (name, sector, month joining the system, sends referrals).
_THCAN_ORGS: tuple[tuple[str, str, str, bool], ...] = (
    ("THCAN-VCS-001", "vcs", "2021-03", True),
    ("THCAN-VCS-002", "vcs", "2021-03", True),
    ("THCAN-VCS-003", "vcs", "2021-03", True),
    ("THCAN-STA-001", "statutory", "2021-03", True),
    ("Residents Support Scheme", "lwa", "2021-03", True),
    ("THCAN-VCS-004", "vcs", "2021-03", True),
    ("THCAN-VCS-005", "vcs", "2021-04", True),
    ("THCAN-STA-002", "statutory", "2021-04", True),
    ("THCAN-VCS-006", "vcs", "2021-05", True),
    ("THCAN-HEA-001", "health", "2021-05", False),
    ("THCAN-VCS-007", "vcs", "2021-06", True),
    ("THCAN-STA-003", "statutory", "2021-06", True),
    ("THCAN-OTH-001", "other", "2021-07", False),
    ("THCAN-VCS-008", "vcs", "2021-08", True),
)
_THCAN_MONTHS = ("2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08", "2021-09")
_THCAN_RAMP = np.array([0.45, 0.70, 0.85, 1.00, 1.05, 0.85, 1.20])  # launch; August dip


def generate_referrals_thcan(rng: np.random.Generator) -> pd.DataFrame:
    """Generate THCAN referrals, March to October 2021 (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['referrals_thcan']``: 224 referrals March to September
        2021 among 14 organisations, plus October 2021.

    """
    names = np.array([o[0] for o in _THCAN_ORGS])
    sector = np.array([o[1] for o in _THCAN_ORGS])
    joined = np.array([o[2] for o in _THCAN_ORGS])
    refers = np.array([o[3] for o in _THCAN_ORGS])
    act = rng.lognormal(0.0, 0.6, size=len(names))
    pop = rng.lognormal(0.0, 0.6, size=len(names))
    act[0] *= 3.0  # the hub that hosts the network
    pop[0] *= 2.0
    pop[sector == "lwa"] *= 1.5
    pref = _pref(2021)
    target = TARGETS["thcan_referrals_mar_sep_2021"].value
    joiners = np.array([(joined == m).sum() for m in _THCAN_MONTHS])
    counts = joiners + _noisy_multinomial(rng, int(target) - int(joiners.sum()), _THCAN_RAMP, 40)
    months = [*_THCAN_MONTHS, "2021-10"]
    counts = np.append(counts, max(1, int(rng.poisson(52))))
    rows = []
    for m, n in zip(months, counts, strict=True):
        live = joined <= m
        first: list[tuple[int, int]] = []
        for j in np.flatnonzero(joined == m):  # each new organisation appears in its month
            if refers[j]:
                w = np.where(live & (np.arange(len(names)) != j), pop, 0.0)
                w = w * np.array([pref[sector[j]][s] for s in sector])
                first.append((int(j), int(rng.choice(len(names), p=w / w.sum()))))
            else:
                w = np.where(live & refers, act, 0.0)
                w = w * np.array([pref[s][sector[j]] for s in sector])
                first.append((int(rng.choice(len(names), p=w / w.sum())), int(j)))
        pairs = list(first)
        ws = np.where(live & refers, act, 0.0)
        for s in rng.choice(len(names), size=int(n) - len(first), p=ws / ws.sum()):
            w = np.where(live & (np.arange(len(names)) != s), pop, 0.0)
            w = w * np.array([pref[sector[s]][x] for x in sector])
            pairs.append((int(s), int(rng.choice(len(names), p=w / w.sum()))))
        src = np.array([p[0] for p in pairs])
        dst = np.array([p[1] for p in pairs])
        reasons = []
        for a, b in zip(sector[src], sector[dst], strict=True):
            p = np.array(_REASON_PROBS[2021]) * _reason_multipliers(a, b)
            reasons.append(_REASONS[int(rng.choice(len(_REASONS), p=p / p.sum()))])
        decline = np.where(sector[dst] == "lwa", 0.2, 0.1)
        rows.append(
            pd.DataFrame(
                {
                    "date": _days_in_months(rng, np.array([m] * len(pairs))),
                    "from_org": names[src],
                    "from_sector": sector[src],
                    "to_org": names[dst],
                    "to_sector": sector[dst],
                    "reason": reasons,
                    "outcome": np.where(rng.random(len(pairs)) < decline, "declined", "accepted"),
                }
            )
        )
    return _finish_referrals(pd.concat(rows, ignore_index=True), "THCAN", "tower_hamlets", "thcan")


# --------------------------------------------------------------------------------------------
# LWA / DAF awards and other crisis awards
# --------------------------------------------------------------------------------------------

#: Site -> (scheme, unit, annual level relative to the first year). Norfolk x3 2018 -> 2021,
#: Swansea +182%, Oldham x3 2019 -> 2021, Tower Hamlets +155% 2018 -> 2020 then down.
_LWA_SERIES: dict[str, tuple[str, str, dict[int, float]]] = {
    "norfolk": ("NAS", "awards", {2018: 1.0, 2019: 1.22, 2020: 2.25, 2021: 3.0}),
    "oldham": ("LWP", "items", {2019: 1.0, 2020: 2.05, 2021: 3.0}),
    "swansea": ("DAF", "awards", {2018: 1.0, 2019: 1.18, 2020: 2.35, 2021: 2.82}),
    "tower_hamlets": ("RSS", "awards", {2018: 1.0, 2019: 1.35, 2020: 2.55, 2021: 1.95}),
}
_NORFOLK_2018_AWARDS = 2200.0  # fixes the one free level; the KPI totals fix the others
_SEASON_LWA = np.array([1.08, 1.0, 1.02, 0.97, 0.95, 0.95, 0.98, 0.88, 1.0, 1.04, 1.08, 1.05])
_COVID_LWA = {
    "2020-03": 1.15,
    "2020-04": 1.45,
    "2020-05": 1.35,
    "2020-06": 1.2,
    "2020-07": 1.05,
    "2020-11": 1.1,
    "2021-01": 1.15,
    "2021-02": 1.1,
}
_KPI_WINDOWS = {
    "fy2018_19": ("2018-04", "2019-03"),
    "year1": ("2019-10", "2020-09"),
    "year2": ("2020-10", "2021-09"),
}
_EAP_SHARE = {2018: 0.72, 2019: 0.73, 2020: 0.82, 2021: 0.78}
_APPROVAL = {"norfolk": 0.64, "oldham": 0.72, "swansea": 0.58, "tower_hamlets": 0.55}
_MEAN_AMOUNT = {  # GBP per award (Oldham: per item)
    ("norfolk", "all"): 95.0,
    ("oldham", "all"): 88.0,
    ("swansea", "EAP"): 72.0,
    ("swansea", "IAP"): 455.0,
    ("tower_hamlets", "all"): 205.0,
}
_ITEMS_PER_AWARD = 2.4


def _lwa_profiles() -> dict[str, pd.Series]:
    """Monthly share of each site's relative annual level (sums to the level in each year)."""
    out = {}
    for site, (_, _, level) in _LWA_SERIES.items():
        years = sorted(level)
        months = pd.period_range(f"{years[0]}-01", f"{years[-1]}-12", freq="M")
        x = months.year + (months.month - 0.5) / 12
        trend = np.interp(x, [y + 0.5 for y in years], [level[y] for y in years])
        w = trend * _SEASON_LWA[months.month - 1]
        w = w * np.array([_COVID_LWA.get(str(p), 1.0) for p in months])
        s = pd.Series(w, index=months)
        for y in years:
            sel = s.index.year == y
            s[sel] = s[sel] / s[sel].sum() * level[y]
        out[site] = s
    return out


def _window(s: pd.Series, lo: str, hi: str) -> float:
    sel = (s.index >= pd.Period(lo, "M")) & (s.index <= pd.Period(hi, "M"))
    return float(s[sel].sum())


def _lwa_levels() -> dict[str, pd.Series]:
    """Expected monthly awards per site, solved so the KPI 1 totals hold exactly."""
    prof = _lwa_profiles()
    a = _NORFOLK_2018_AWARDS
    fy, y1, y2 = (_KPI_WINDOWS[k] for k in ("fy2018_19", "year1", "year2"))
    A = np.array(
        [
            [_window(prof["swansea"], *fy), _window(prof["tower_hamlets"], *fy), 0.0],
            [_window(prof["swansea"], *y2), _window(prof["tower_hamlets"], *y2), 0.0],
            [
                _window(prof["swansea"], *y1),
                _window(prof["tower_hamlets"], *y1),
                _window(prof["oldham"], *y1),
            ],
        ]
    )
    rhs = np.array(
        [
            TARGETS["kpi1_baseline_awards_fy2018_19"].value - a * _window(prof["norfolk"], *fy),
            TARGETS["kpi1_year2_awards"].value - a * _window(prof["norfolk"], *y2),
            TARGETS["kpi1_year1_awards"].value,
        ]
    )
    b, c, d = np.linalg.solve(A, rhs)
    base = {"norfolk": a, "swansea": b, "tower_hamlets": c, "oldham": d}
    return {site: prof[site] * base[site] for site in prof}


def _segments(index: pd.PeriodIndex) -> np.ndarray:
    """Label months by (year, Jan-Mar | Apr-Sep | Oct-Dec): every KPI window is a union."""
    part = np.select([index.month <= 3, index.month <= 9], [0, 1], 2)
    return index.year.to_numpy() * 10 + part


def generate_lwa_awards(rng: np.random.Generator) -> pd.DataFrame:
    """Generate monthly LWA/DAF applications, awards and amounts (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['lwa_awards']``; Norfolk, Swansea (EAP and IAP rows) and
        Tower Hamlets from 2018-01, Oldham (items) from 2019-01, all to 2021-12: the end of
        the E14 window; no report gives a later figure, so none is invented.

    """
    rows = []
    for site, expected in _lwa_levels().items():
        scheme, unit, _ = _LWA_SERIES[site]
        seg = _segments(expected.index)
        awards = np.zeros(len(expected), dtype=np.int64)
        for s in np.unique(seg):
            sel = seg == s
            total = round(float(expected[sel].sum()))
            awards[sel] = _noisy_multinomial(rng, total, expected[sel].to_numpy(), shape=200.0)
        months = expected.index.astype(str)
        years = expected.index.year.to_numpy()
        if site == "swansea":
            eap = rng.binomial(awards, np.array([_EAP_SHARE[y] for y in years]))
            parts = [("EAP", eap), ("IAP", awards - eap)]
        else:
            parts = [("all", awards)]
        for payment_type, n in parts:
            rate = np.clip(rng.normal(_APPROVAL[site], 0.03, size=len(n)), 0.3, 0.95)
            per_app = _ITEMS_PER_AWARD if unit == "items" else 1.0
            applications = np.maximum(np.round(n / per_app / rate), 1).astype(np.int64)
            if unit == "awards":
                applications = np.maximum(applications, n)
            mean = _MEAN_AMOUNT[(site, payment_type)] * (1.0 + 0.03 * (years - 2018))
            amount = np.round(n * mean * rng.lognormal(0.0, 0.05, size=len(n)), 2)
            rows.append(
                pd.DataFrame(
                    {
                        "site": site,
                        "month": months,
                        "scheme": scheme,
                        "payment_type": payment_type,
                        "applications": applications,
                        "awards": n,
                        "unit": unit,
                        "amount_gbp": amount,
                    }
                )
            )
    df = pd.concat(rows, ignore_index=True)
    return df.sort_values(["site", "month", "payment_type"]).reset_index(drop=True)


_OTHER_PROVIDERS = {"provider_a": 0.5, "provider_b": 0.3, "provider_c": 0.2}
_OTHER_SITE_WEIGHT = {"norfolk": 0.3, "oldham": 0.25, "swansea": 0.2, "tower_hamlets": 0.25}


def generate_other_crisis_awards(rng: np.random.Generator) -> pd.DataFrame:
    """Generate monthly awards by other crisis-support providers in the KPI 2 windows.

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['other_crisis_awards']`` (SYNTHETIC); totals 2,821
        (April 2018 - March 2019), 384 (year 1) and 94 (year 2).

    """
    totals = {
        "fy2018_19": TARGETS["kpi2_baseline_other_awards_fy2018_19"].value,
        "year1": TARGETS["kpi2_year1_other_awards"].value,
        "year2": TARGETS["kpi2_year2_other_awards"].value,
    }
    rows = []
    for key, (lo, hi) in _KPI_WINDOWS.items():
        months = pd.period_range(lo, hi, freq="M")
        cells = [(s, m, p) for s in _OTHER_SITE_WEIGHT for m in months for p in _OTHER_PROVIDERS]
        w = np.array(
            [
                _OTHER_SITE_WEIGHT[s] * _OTHER_PROVIDERS[p] * _SEASON_LWA[m.month - 1]
                for s, m, p in cells
            ]
        )
        n = _noisy_multinomial(rng, int(totals[key]), w, shape=20.0)
        amount = np.round(n * 150.0 * rng.lognormal(0.0, 0.1, size=len(n)), 2)
        rows.append(
            pd.DataFrame(
                {
                    "site": [c[0] for c in cells],
                    "month": [str(c[1]) for c in cells],
                    "provider": [c[2] for c in cells],
                    "awards": n,
                    "amount_gbp": amount,
                }
            )
        )
    df = pd.concat(rows, ignore_index=True)
    return df.sort_values(["site", "month", "provider"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Survey, monitoring returns, activity log
# --------------------------------------------------------------------------------------------

_SURVEY_SITES = {"norfolk": 14, "oldham": 16, "swansea": 12, "tower_hamlets": 13}
_SURVEY_FUNDED = {"norfolk": 2, "oldham": 3, "swansea": 3, "tower_hamlets": 2}
_SURVEY_SECTORS_UNFUNDED = {"vcs": 25, "statutory": 12, "school": 4, "other": 4}
#: E11 by site (Fig 2.9: three sites mostly 'pockets', Swansea mostly 'strong').
_SURVEY_RELATIONSHIP = {
    "norfolk": {"strong": 3, "pockets": 9, "weak": 1, "dont_know": 1},
    "oldham": {"strong": 3, "pockets": 10, "weak": 2, "dont_know": 1},
    "swansea": {"strong": 8, "pockets": 4, "weak": 0, "dont_know": 0},
    "tower_hamlets": {"strong": 4, "pockets": 8, "weak": 1, "dont_know": 0},
}
#: (overall count of 55, count among the 10 funded) per E8 item.
_SURVEY_CAPABILITY = {
    "more_able_partnership": (18, 4),
    "more_able_new_services": (17, 6),
    "more_able_development_planning": (11, 2),
}
#: 'Most hopeful' (multiple choice, up to 3): referrals 23/55 = 42%, one of the top three.
_SURVEY_HOPEFUL = {
    "hopeful_networking": 27,
    "hopeful_referrals": 23,
    "hopeful_funding": 20,
    "hopeful_la_partnership": 16,
    "hopeful_training": 9,
    "hopeful_other": 4,
}


def generate_survey_local_systems(rng: np.random.Generator) -> pd.DataFrame:
    """Generate the June 2021 local systems survey, n = 55 (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['survey_local_systems']``, one row per respondent.

    """
    site = np.concatenate([[s] * n for s, n in _SURVEY_SITES.items()])
    n = len(site)
    funded = np.zeros(n, dtype=bool)
    for s, k in _SURVEY_FUNDED.items():
        funded[rng.choice(np.flatnonzero(site == s), size=k, replace=False)] = True
    sector = np.empty(n, dtype=object)
    sector[funded] = "vcs"  # CCS funds VCS organisations
    sector[~funded] = rng.permutation(
        np.concatenate([[s] * k for s, k in _SURVEY_SECTORS_UNFUNDED.items()])
    )
    relationship = np.empty(n, dtype=object)
    for s, answers in _SURVEY_RELATIONSHIP.items():
        idx = np.flatnonzero(site == s)
        relationship[idx] = rng.permutation(np.concatenate([[a] * k for a, k in answers.items()]))
    engaged = rng.lognormal(0.0, 0.7, size=n)  # latent: makes the E8 items correlate
    cols: dict[str, np.ndarray] = {}
    for item, (overall, among_funded) in _SURVEY_CAPABILITY.items():
        yes = np.zeros(n, dtype=bool)
        for mask, k in ((funded, among_funded), (~funded, overall - among_funded)):
            idx = np.flatnonzero(mask)
            yes[_weighted_sample(rng, idx, k, engaged[idx])] = True
        cols[item] = yes
    chosen = np.zeros(n, dtype=np.int64)
    for item, k in _SURVEY_HOPEFUL.items():
        yes = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(chosen < 3)
        w = np.where(chosen[idx] == 0, 3.0, 1.0)
        pick = _weighted_sample(rng, idx, k, w)
        yes[pick] = True
        chosen[pick] += 1
        cols[item] = yes
    order = np.lexsort((rng.random(n), site))
    df = (
        pd.DataFrame(
            {
                "site": site,
                "sector": sector,
                "ccs_funded": funded,
                **{k: cols[k] for k in _SURVEY_CAPABILITY},
                "la_vcs_relationship": relationship,
                **{
                    k: cols[k]
                    for k in (
                        "hopeful_referrals",
                        "hopeful_networking",
                        "hopeful_funding",
                        "hopeful_la_partnership",
                        "hopeful_training",
                        "hopeful_other",
                    )
                },
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    df.insert(0, "respondent_id", [f"R{i:03d}" for i in range(1, n + 1)])
    return df[DATASETS["survey_local_systems"].column_names]


_MONITORING_SITES = (
    "norfolk",
    "norfolk",
    "oldham",
    "oldham",
    "oldham",
    "swansea",
    "swansea",
    "tower_hamlets",
    "tower_hamlets",
)


def generate_monitoring_returns(rng: np.random.Generator) -> pd.DataFrame:
    """Generate year 2 monitoring returns of the 9 funded organisations (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['monitoring_returns']``: 8 made and 7 received more
        referrals, 3 improved LWA information capacity; 1,700+ households of which 82% families
        with children, 43% BAME, 20% NRPF; 300+ referrals.

    """
    n = len(_MONITORING_SITES)
    households_total = 1700 + int(rng.integers(15, 95))
    households = np.zeros(n, dtype=np.int64)
    households[2], households[3] = 200, 275  # two Oldham women's organisations (report: ~200, ~275)
    rest = [i for i in range(n) if i not in (2, 3)]
    households[rest] = 40 + rng.multinomial(
        households_total - 475 - 40 * len(rest), rng.dirichlet(np.full(len(rest), 2.0))
    )
    referrals_total = 300 + int(rng.integers(5, 60))
    referrals = rng.multinomial(referrals_total, households / households.sum())
    share = {"families_with_children": 0.82, "bame": 0.43, "nrpf": 0.20}
    sub = {
        k: rng.multivariate_hypergeometric(households, round(v * households_total))
        for k, v in share.items()
    }

    def flags(k: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[rng.choice(n, size=k, replace=False)] = True
        return out

    df = pd.DataFrame(
        {
            "org_id": [f"M{i:02d}" for i in range(1, n + 1)],
            "site": _MONITORING_SITES,
            "made_more_referrals": flags(int(TARGETS["monitoring_made_more_referrals"].value)),
            "received_more_referrals": flags(
                int(TARGETS["monitoring_received_more_referrals"].value)
            ),
            "improved_lwa_info_capacity": flags(int(TARGETS["monitoring_improved_lwa_info"].value)),
            "households_supported": households,
            "referrals_made": referrals,
            **sub,
        }
    )
    return df[DATASETS["monitoring_returns"].column_names]


#: Month weights of CCS team sessions, October 2020 .. September 2021 (Christmas, August dips).
_SESSION_MONTHS = pd.period_range("2020-10", "2021-09", freq="M")
_SESSION_MONTH_WEIGHT = np.array([1.0, 1.1, 0.6, 1.0, 1.1, 1.2, 0.9, 1.0, 1.1, 1.0, 0.5, 1.1])
_SESSION_TIMING = {  # purposes bunched around events
    ("tower_hamlets", "referral_system"): np.array(
        [0.3, 0.5, 0.5, 1.2, 2.0, 2.5, 1.5, 1.0, 0.8, 0.6, 0.3, 0.6]  # launch March 2021
    ),
    ("swansea", "cash_first_leaflet"): np.array(
        [0.3, 0.5, 0.5, 1.0, 1.5, 2.0, 2.0, 1.5, 1.0, 0.6, 0.3, 0.4]
    ),
    ("oldham", "referral_system"): np.array(
        [0.2, 0.3, 0.3, 0.5, 0.6, 0.8, 1.0, 1.3, 1.6, 1.8, 1.0, 2.0]  # onboarding by Sept 2021
    ),
}
_SESSION_WEEKDAY = np.array([1.0, 1.1, 1.1, 1.05, 0.8, 0.0, 0.0])


def generate_activity_log(rng: np.random.Generator) -> pd.DataFrame:
    """Generate the CCS team activity log for year 2, one row per session (SYNTHETIC).

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        Columns of ``records.DATASETS['activity_log']``: 25 / 64 / 55 / 40 sessions in
        Norfolk / Oldham / Swansea / Tower Hamlets with the report's sub-counts.

    """
    rows = []
    for site, (total, parts) in ACTIVITY_COUNTS.items():
        counts = {**parts, "other": total - sum(parts.values())}
        for purpose, k in counts.items():
            w = _SESSION_MONTH_WEIGHT * _SESSION_TIMING.get((site, purpose), 1.0)
            months = rng.choice(_SESSION_MONTHS.astype(str), size=k, p=w / w.sum())
            dates = _days_in_months(rng, months, _SESSION_WEEKDAY)
            rows.append(pd.DataFrame({"site": site, "date": dates, "purpose": purpose}))
    df = pd.concat(rows, ignore_index=True)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    df = df.sort_values(["date", "site", "purpose"], kind="stable").reset_index(drop=True)
    df.insert(0, "session_id", [f"S{i:04d}" for i in range(1, len(df) + 1)])
    return df[DATASETS["activity_log"].column_names]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

#: Dataset name -> generator, in the order the seed's child generators are handed out.
GENERATORS: dict[str, Callable[[np.random.Generator], pd.DataFrame]] = {
    "referrals_ncan": generate_referrals_ncan,
    "referrals_thcan": generate_referrals_thcan,
    "lwa_awards": generate_lwa_awards,
    "other_crisis_awards": generate_other_crisis_awards,
    "survey_local_systems": generate_survey_local_systems,
    "monitoring_returns": generate_monitoring_returns,
    "activity_log": generate_activity_log,
}


def write_csv(df: pd.DataFrame, path: Path, dataset: str) -> None:
    r"""Write ``df`` as plain CSV in the dataset's format (deterministic bytes).

    Dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, amounts with two decimals,
    ``\n`` line endings, UTF-8, no index, no comment lines.

    Parameters
    ----------
    df
        Frame with the dataset's columns.
    path
        Output file.
    dataset
        Dataset name (a key of ``records.DATASETS``).

    """
    spec = DATASETS[dataset]
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        s = df[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif col.kind == "bool":
            out[col.name] = np.where(s.astype(bool), "true", "false")
        elif col.kind == "float":
            out[col.name] = [f"{v:.2f}" for v in s.astype(float)]
        elif col.kind == "int":
            out[col.name] = s.astype("int64").astype(str)
        else:
            out[col.name] = s.astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def generate(seed: int) -> dict[str, pd.DataFrame]:
    """Generate every dataset in memory (no files).

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; each dataset gets its own child generator.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Dataset name -> frame (SYNTHETIC).

    """
    children = np.random.default_rng(seed).spawn(len(GENERATORS))
    return {name: gen(rng) for (name, gen), rng in zip(GENERATORS.items(), children, strict=True)}


def generate_all(seed: int, out_dir: Path) -> dict[str, Path]:
    """Generate every synthetic dataset and write it, with ``MANIFEST.json``, to ``out_dir``.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng`` (the shipped files use 20211210).
    out_dir
        Output folder (created if needed); files are named as in ``records.DATASETS``.

    Returns
    -------
    dict[str, Path]
        Dataset name -> written CSV file. ``MANIFEST.json`` (seed, generator version, numpy
        version, rows and sha256 per file, and the statement "SYNTHETIC: not real data") is
        written beside them.

    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    files: dict[str, dict[str, object]] = {}
    for name, df in generate(seed).items():
        path = out_dir / DATASETS[name].file_name
        write_csv(df, path, name)
        written[name] = path
        files[path.name] = {
            "dataset": name,
            "rows": len(df),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    manifest = {
        "statement": SYNTHETIC_STATEMENT,
        "generator": "ccs_methods.data.synth.generate_all",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "numpy_version": np.__version__,
        "calibration": "ccs_methods.data.synth.TARGETS (checked by tests/test_synth.py)",
        "files": files,
    }
    (out_dir / "MANIFEST.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
    )
    return written


# --------------------------------------------------------------------------------------------
# Reconciliation
# --------------------------------------------------------------------------------------------


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
