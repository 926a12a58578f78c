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

The code is split by topic: :mod:`.targets` (calibration targets), :mod:`.common` (shared
sampling helpers), one module per dataset generator (:mod:`.ncan`, :mod:`.thcan`,
:mod:`.awards`, :mod:`.survey`, :mod:`.monitoring`, :mod:`.activity`), :mod:`.writing`
(:func:`generate`, :func:`generate_all`, :func:`write_csv`) and :mod:`.reconciliation`
(:func:`reconcile`). This package re-exports their names, so
``ccs_methods.data.synth.generate_all`` (recorded in ``MANIFEST.json``) works as before.
"""

from __future__ import annotations

from ccs_methods.data.synth.activity import (
    generate_activity_log,
)
from ccs_methods.data.synth.awards import (
    generate_lwa_awards,
    generate_other_crisis_awards,
)
from ccs_methods.data.synth.monitoring import (
    generate_monitoring_returns,
)
from ccs_methods.data.synth.ncan import (
    generate_referrals_ncan,
)
from ccs_methods.data.synth.ncan import (
    ncan_expected_monthly as ncan_expected_monthly,
)
from ccs_methods.data.synth.reconciliation import (
    reconcile,
)
from ccs_methods.data.synth.survey import (
    generate_survey_local_systems,
)
from ccs_methods.data.synth.targets import (
    ACTIVITY_COUNTS as ACTIVITY_COUNTS,
)
from ccs_methods.data.synth.targets import (
    TARGETS,
    Target,
)
from ccs_methods.data.synth.targets import (
    Comparison as Comparison,
)
from ccs_methods.data.synth.thcan import (
    generate_referrals_thcan,
)
from ccs_methods.data.synth.writing import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    GENERATORS,
    SYNTHETIC_STATEMENT,
    generate,
    generate_all,
    write_csv,
)

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
