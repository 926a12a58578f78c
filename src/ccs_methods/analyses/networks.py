"""Referral networks: the provider of computed results for the evidence register.

The analyses live in :mod:`ccs_methods.analyses.network_site` (one site and programme year),
:mod:`ccs_methods.analyses.network_programme` (the year 2 report's NCAN exhibits and
:func:`computed_results`) and :mod:`ccs_methods.analyses.network_thcan` (THCAN); tables in
:mod:`ccs_methods.analyses.network_tables`, figures in
:mod:`ccs_methods.report.network_figures`, reading phrases in
:mod:`ccs_methods.report.network_readings`. This module keeps the name that
:data:`ccs_methods.analyses.results.PROVIDERS` asks for.
"""

from __future__ import annotations

from ccs_methods.analyses.network_programme import RESULT_MEASURES, computed_results

__all__ = ["RESULT_MEASURES", "computed_results"]
