"""Generator of the synthetic survey of local systems.

SYNTHETIC: not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.records import DATASETS
from ccs_methods.data.synth.common import _weighted_sample

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
