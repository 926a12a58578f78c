"""Generators of the synthetic LWA/DAF awards and other crisis awards.

SYNTHETIC: not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.synth.common import _noisy_multinomial
from ccs_methods.data.synth.targets import TARGETS

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
