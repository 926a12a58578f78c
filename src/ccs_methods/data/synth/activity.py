"""Generator of the synthetic CCS team activity log.

SYNTHETIC: not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ccs_methods.data.records import DATASETS
from ccs_methods.data.synth.common import _days_in_months
from ccs_methods.data.synth.targets import ACTIVITY_COUNTS

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
