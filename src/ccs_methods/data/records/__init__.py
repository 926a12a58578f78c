"""Record-level datasets of the CCS evaluation: schemas, a registry and validated loaders.

The evaluation holds record-level data privately. The project ships **synthetic** stand-ins
(``data/synthetic/``, written by :mod:`ccs_methods.data.synth`) in exactly the shape of the private
extracts, so the whole pipeline runs now; an evaluator who drops real extracts with the same
file names into the git-ignored ``data/raw/`` gets the real book.

Every dataset is described once, in :data:`DATASETS` (file name, columns, types, units, allowed
values, key, date range, a pandera schema). Loading a file goes through three stages, each of
which raises :class:`~ccs_methods.errors.DataValidationError` naming the file, the line in the
file (the header is line 1), the column and the rule broken:

1. bytes and layout: missing file, empty file, non-UTF-8 bytes, missing or unexpected columns,
   rows with the wrong number of fields, a header with no data rows;
2. types (a pandera schema over the raw text): whole numbers, decimals, ``true``/``false``,
   ISO dates ``YYYY-MM-DD``, months ``YYYY-MM``, no empty cells;
3. values (a pandera schema over the typed frame): allowed sites, sectors and categories,
   non-negative counts, dates within the dataset's window, unique ids and keys, and rules that
   link columns (for example ``awards <= applications``). Sites, schemes, referral networks
   and date windows come from ``params/`` (:mod:`.context`), never from code.

Examples
--------
>>> from ccs_methods.data.records import load_lwa_awards          # doctest: +SKIP
>>> lwa = load_lwa_awards()                 # data/synthetic/lwa_awards.csv, validated
>>> lwa.attrs["synthetic"]
True

The code is split by topic: :mod:`.vocabulary` (allowed values), :mod:`.specs` (the spec
classes), :mod:`.registry` (:data:`DATASETS`), :mod:`.files` (where the files are),
:mod:`.validation` (:func:`validate_file`) and :mod:`.loaders`. This package re-exports their
names, so ``from ccs_methods.data.records import load_lwa_awards`` works as before.
"""

from __future__ import annotations

from ccs_methods.data.records.context import (
    RecordContext,
    record_context,
)
from ccs_methods.data.records.files import (
    dataset_for_file,
)
from ccs_methods.data.records.loaders import (
    load,
    load_activity_log,
    load_lwa_awards,
    load_monitoring_returns,
    load_other_crisis_awards,
    load_referrals_ncan,
    load_referrals_thcan,
    load_survey_local_systems,
)
from ccs_methods.data.records.registry import (
    DATASETS,
)
from ccs_methods.data.records.specs import (
    ColumnSpec,
    DatasetSpec,
)
from ccs_methods.data.records.specs import (
    RowRule as RowRule,
)
from ccs_methods.data.records.validation import (
    validate_file,
)
from ccs_methods.data.records.vocabulary import (
    OUTCOMES,
    PAYMENT_TYPES,
    REFERRAL_REASONS,
    RELATIONSHIP_ANSWERS,
    SECTORS,
    SESSION_PURPOSES,
    SURVEY_SECTORS,
)
from ccs_methods.data.records.vocabulary import (
    Kind as Kind,
)
from ccs_methods.data.records.vocabulary import (
    Source as Source,
)

__all__ = [
    "DATASETS",
    "OUTCOMES",
    "PAYMENT_TYPES",
    "REFERRAL_REASONS",
    "RELATIONSHIP_ANSWERS",
    "SECTORS",
    "SESSION_PURPOSES",
    "SURVEY_SECTORS",
    "ColumnSpec",
    "DatasetSpec",
    "RecordContext",
    "dataset_for_file",
    "load",
    "load_activity_log",
    "load_lwa_awards",
    "load_monitoring_returns",
    "load_other_crisis_awards",
    "load_referrals_ncan",
    "load_referrals_thcan",
    "load_survey_local_systems",
    "record_context",
    "validate_file",
]
