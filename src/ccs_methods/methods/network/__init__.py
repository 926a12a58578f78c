"""Referral networks: cleaning, graph, measures and bootstrap intervals (no plotting).

This module regenerates the referral-network exhibits of the year 2 report from record-level
referral data (one row per referral): reasons for referral over time (E6), the direction of
referral and the network measures (E12), statutory-to-statutory referrals (E13) and referrals to
and from the LWA scheme (E15). The definitions are stated in ``book/methods/networks.md``.

Referral records have the columns of :data:`REQUIRED_COLUMNS`. Organisations are identified by
``from_org`` / ``to_org`` and belong to one of the :data:`SECTORS`; the LWA scheme (for Norfolk,
the Norfolk Assistance Scheme) is the organisation whose sector is ``lwa``.

Every function that returns a ``dict`` returns plain Python types (``int``, ``float``, ``str``,
``list``, ``dict``) with no NaN, so the result can be written with :func:`json.dumps`.

The drawings of networks, sector flows and reasons are in the report layer,
:mod:`ccs_methods.report.network_drawing`.

The code is split by topic: :mod:`.vocabulary` (sectors, columns, cleaning rules),
:mod:`.cleaning` (:func:`clean_referrals`), :mod:`.measures` (graph and network measures),
:mod:`.tables` (tables by period) and :mod:`.bootstrap` (:func:`yoy_change`).
This package re-exports their names, so ``from ccs_methods.methods.network import yoy_change``
works as before.
"""

from __future__ import annotations

from ccs_methods.methods.network.bootstrap import (
    yoy_change,
)
from ccs_methods.methods.network.cleaning import (
    CleaningReport,
    clean_referrals,
)
from ccs_methods.methods.network.measures import (
    build_graph,
    network_measures,
    scalar_measure_names,
)
from ccs_methods.methods.network.tables import (
    acceptance_rates,
    lwa_flows,
    measures_by_period,
    period_labels,
    reasons_by_period,
    sector_flow_matrix,
    statutory_to_statutory,
    wilson_interval,
)
from ccs_methods.methods.network.vocabulary import (
    CLEANING_RULES,
    OUTCOMES,
    REQUIRED_COLUMNS,
    SECTOR_LABELS,
    SECTOR_SHORT_LABELS,
    SECTORS,
    reason_label,
)

__all__ = [
    "CLEANING_RULES",
    "OUTCOMES",
    "REQUIRED_COLUMNS",
    "SECTORS",
    "SECTOR_LABELS",
    "SECTOR_SHORT_LABELS",
    "CleaningReport",
    "acceptance_rates",
    "build_graph",
    "clean_referrals",
    "lwa_flows",
    "measures_by_period",
    "network_measures",
    "period_labels",
    "reason_label",
    "reasons_by_period",
    "scalar_measure_names",
    "sector_flow_matrix",
    "statutory_to_statutory",
    "wilson_interval",
    "yoy_change",
]
