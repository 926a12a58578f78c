"""Generator of the synthetic monitoring returns.

SYNTHETIC: not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.records import DATASETS
from ccs_methods.data.synth.targets import TARGETS

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
