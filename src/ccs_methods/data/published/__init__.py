"""Figures published in the CCS evaluation reports, transcribed into tidy CSV files.

The files live in ``<data dir>/published/`` (see :mod:`ccs_methods.data.paths`):

``figures.csv``
    One row per numeric figure of exhibits E1-E22 (except E16 and the E4/E17 structures below),
    each with the exact words of the report that state it.
``kpis.csv``
    E16, the five programme KPIs (targets, quasi-baselines, year 1 and year 2 values as text).
``assumptions.csv``
    E17, the eight year-2 logic-model assumptions and the report's verdict on each.
``coordination_features.csv``
    E4, the key features of coordination by site at baseline (2019) and at the end of year 2.
``logic_model.csv`` and ``logic_model_links.csv``
    E17, the nodes of the year-2 logic models and the links between them.

Every loader reads the file, validates it against its pandera schema and returns a
:class:`pandas.DataFrame` with typed columns (text columns keep ``""`` for empty cells; ``year``
is a nullable ``Int64``; numeric values are ``float64`` with ``NaN`` for empty optional cells).

Errors
------
Any problem raises :class:`ccs_methods.errors.DataValidationError` naming the file, the row and
the column and saying which rule is broken. **Row numbers are line numbers of the file: the
header is line 1, so the first data row is row 2** (what an editor shows). When a file has
several problems the first (by line) is reported and up to three more are summarised.

Nothing is read at import time.

The code is split by topic: :mod:`.vocabulary` (allowed values), :mod:`.schemas` (pandera
schemas and table specs), :mod:`.reading` (reading and validation) and :mod:`.loaders`. This
package re-exports their names, so ``from ccs_methods.data.published import load_figures`` works
as before.
"""

from __future__ import annotations

from ccs_methods.data.published.geography import pilot_sites
from ccs_methods.data.published.loaders import (
    geographies,
    load_assumptions,
    load_coordination_features,
    load_figures,
    load_geographies,
    load_kpis,
    load_logic_model,
    load_page_steps,
    load_timepoints,
    published_dir,
)
from ccs_methods.data.published.schemas import (
    ASSUMPTIONS_SCHEMA,
    COORDINATION_FEATURES_SCHEMA,
    FIGURES_SCHEMA,
    GEOGRAPHIES_SCHEMA,
    KPIS_SCHEMA,
    LOGIC_MODEL_LINKS_SCHEMA,
    LOGIC_MODEL_SCHEMA,
)
from ccs_methods.data.published.vocabulary import (
    EXHIBITS,
    GEOGRAPHY_KINDS,
    QUALIFIERS,
    SOURCE_FILES,
    UNITS,
)
from ccs_methods.data.published.vocabulary import (
    FEATURE_STATUSES as FEATURE_STATUSES,
)
from ccs_methods.data.published.vocabulary import (
    FEATURES as FEATURES,
)
from ccs_methods.data.published.vocabulary import (
    LEVELS as LEVELS,
)
from ccs_methods.data.published.vocabulary import (
    SCOPES as SCOPES,
)
from ccs_methods.data.published.vocabulary import (
    VERDICTS as VERDICTS,
)
from ccs_methods.data.published.vocabulary import (
    YEARS as YEARS,
)

__all__ = [
    "ASSUMPTIONS_SCHEMA",
    "COORDINATION_FEATURES_SCHEMA",
    "EXHIBITS",
    "FIGURES_SCHEMA",
    "GEOGRAPHIES_SCHEMA",
    "GEOGRAPHY_KINDS",
    "KPIS_SCHEMA",
    "LOGIC_MODEL_LINKS_SCHEMA",
    "LOGIC_MODEL_SCHEMA",
    "QUALIFIERS",
    "SOURCE_FILES",
    "UNITS",
    "geographies",
    "load_assumptions",
    "load_coordination_features",
    "load_figures",
    "load_geographies",
    "load_kpis",
    "load_logic_model",
    "load_page_steps",
    "load_timepoints",
    "pilot_sites",
    "published_dir",
]


def __getattr__(name: str) -> tuple[str, ...]:
    """Old constants, now read from params when asked.

    ``PILOT_SITES`` is the pilot sites of the project's params; ``SITES`` adds ``programme``.
    """
    if name == "PILOT_SITES":
        return pilot_sites()
    if name == "SITES":
        return (*pilot_sites(), "programme")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
