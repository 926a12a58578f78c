"""Generator of the synthetic THCAN (Tower Hamlets) referral records.

SYNTHETIC: not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.synth.common import _days_in_months, _finish_referrals, _noisy_multinomial
from ccs_methods.data.synth.ncan import _REASON_PROBS, _REASONS, _pref, _reason_multipliers
from ccs_methods.data.synth.targets import TARGETS

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
