"""Generator of the synthetic NCAN (Norfolk) referral records and their expected monthly mean.

SYNTHETIC: not real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ccs_methods.data.records import REFERRAL_REASONS, SECTORS
from ccs_methods.data.synth.common import (
    _days_in_months,
    _finish_referrals,
    _noisy_multinomial,
    _weighted_sample,
)

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
