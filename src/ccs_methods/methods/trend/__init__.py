"""Trend tests for short annual series and general series.

Methods for the question "did LWA/DAF awards change, is there a trend, and how sure are we?"
when each site has only four or five annual points:

* :func:`mann_kendall` - Mann-Kendall test with an exact null distribution for small n
  (ties handled exactly), a tie-corrected normal approximation for larger n, and a note
  saying when the sample is too small for any result to reach the chosen alpha.
* :func:`theil_sen` - Theil-Sen slope on real time values with the Sen (1968) / Gilbert
  (1987) order-statistic confidence interval (ranks from the exact distribution of S for
  n <= 10 without ties, with the interval's exact coverage).
* :func:`glm_trend` - Poisson / quasi-Poisson / negative-binomial log-linear trend giving a
  rate ratio per unit of time.
* :func:`percent_change` - percentage change with a clear error for a zero base.
* :func:`structure_checks` - serial correlation, a step (Pettitt change point) and the
  observed span, with warnings for the trend results; :func:`pettitt_test`.
* :func:`pooled_trend` - a common trend across sites (GLM with site fixed effects) and the
  stratified Mann-Kendall test (sum of S across sites) with the van Belle-Hughes
  homogeneity check.

Every result is a frozen dataclass with ``to_dict()`` returning only JSON types.
The models are written out in ``book/methods/trends.md``.

The code is split by topic: :mod:`.common` (JSON-safe results, input coercion),
:mod:`.kendall_distribution` (Kendall's S, its variance and exact null distribution),
:mod:`.kendall` (Mann-Kendall tests), :mod:`.sen` (Theil-Sen), :mod:`.glm` (count GLM trend),
:mod:`.percent` (percentage change) and :mod:`.pooled` (pooled trend). This package re-exports
their names, so ``from ccs_methods.methods.trend import mann_kendall`` works as before.
"""

from __future__ import annotations

from ccs_methods.methods.trend.common import (
    as_float_array as as_float_array,
)
from ccs_methods.methods.trend.common import (
    json_safe as json_safe,
)
from ccs_methods.methods.trend.common import (
    time_to_float as time_to_float,
)
from ccs_methods.methods.trend.glm import (
    GLM_SMALL_N as GLM_SMALL_N,
)
from ccs_methods.methods.trend.glm import (
    MAX_ABS_LOG_RR as MAX_ABS_LOG_RR,
)
from ccs_methods.methods.trend.glm import (
    OVERDISPERSION_THRESHOLD as OVERDISPERSION_THRESHOLD,
)
from ccs_methods.methods.trend.glm import (
    GLMTrendResult,
    glm_trend,
)
from ccs_methods.methods.trend.glm import (
    _fit_count_glm as _fit_count_glm,
)
from ccs_methods.methods.trend.glm import (
    checked_exp as checked_exp,
)
from ccs_methods.methods.trend.glm import (
    reference_distribution as reference_distribution,
)
from ccs_methods.methods.trend.kendall import (
    MannKendallResult,
    StratifiedMKResult,
    mann_kendall,
    stratified_mann_kendall,
)
from ccs_methods.methods.trend.kendall_distribution import (
    ENUMERATE_MAX_N as ENUMERATE_MAX_N,
)
from ccs_methods.methods.trend.kendall_distribution import (
    EXACT_GF_MAX_N as EXACT_GF_MAX_N,
)
from ccs_methods.methods.trend.kendall_distribution import (
    EXACT_MAX_N as EXACT_MAX_N,
)
from ccs_methods.methods.trend.percent import (
    percent_change,
)
from ccs_methods.methods.trend.pooled import (
    PooledTrendResult,
    pooled_trend,
)
from ccs_methods.methods.trend.sen import (
    TheilSenResult,
    theil_sen,
)
from ccs_methods.methods.trend.structure import (
    PettittResult,
    StructureResult,
    pettitt_test,
    structure_checks,
)

__all__ = [
    "GLMTrendResult",
    "MannKendallResult",
    "PettittResult",
    "PooledTrendResult",
    "StratifiedMKResult",
    "StructureResult",
    "TheilSenResult",
    "glm_trend",
    "mann_kendall",
    "percent_change",
    "pettitt_test",
    "pooled_trend",
    "stratified_mann_kendall",
    "structure_checks",
    "theil_sen",
]
