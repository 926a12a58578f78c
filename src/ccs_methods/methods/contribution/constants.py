"""Vocabularies and scales of contribution analysis.

Allowed sites, evidence kinds and register columns, rival statuses, the hoop and smoking-gun
thresholds, the verbal confidence scale and the default priors of the sensitivity sweep.
"""

from __future__ import annotations

import re

#: Site id of programme-level claims and evidence (the pilot sites come from params).
PROGRAMME_SITE = "programme"


def default_sites() -> tuple[str, ...]:
    """Site ids allowed by default: the sites of the project's params plus ``programme``.

    Raises
    ------
    ParamsError
        The project's params are missing or invalid.
    """
    from ccs_methods.data.params import load_programme
    from ccs_methods.data.paths import find_project_root

    return (*load_programme(find_project_root() / "params").sites, PROGRAMME_SITE)

EVIDENCE_KINDS: tuple[str, ...] = (
    "interview_theme",
    "survey",
    "monitoring",
    "administrative",
    "computed",
    "document",
)
DIRECTIONS: tuple[str, ...] = ("supports", "challenges")
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "evidence_id",
    "claim_id",
    "link_or_node",
    "site",
    "year",
    "kind",
    "n",
    "direction",
    "description",
    "source",
    "sensitivity",
    "type1_error",
    "justification",
    "group",
)
RIVAL_STATUSES: tuple[str, ...] = (
    "ruled_out",
    "weakened",
    "remains_plausible",
    "supported",
    "untested",
)
OPEN_RIVAL_STATUSES = frozenset({"remains_plausible", "supported", "untested"})

HIGH_SENSITIVITY = 0.9
"""Sensitivity at or above which a test is *necessary* (hoop): failing it would happen at most
one time in ten if the claim were true."""
LOW_TYPE1_ERROR = 0.1
"""Type I error at or below which a test is *sufficient* (smoking gun): passing it would happen
at most one time in ten if the claim were false."""

VERBAL_SCALE: tuple[tuple[float, str], ...] = (
    (0.99, "virtually certain"),
    (0.90, "very likely"),
    (0.66, "likely"),
    (0.33, "about as likely as not"),
    (0.10, "unlikely"),
    (0.01, "very unlikely"),
    (0.0, "exceptionally unlikely"),
)
"""Verbal scale for the posterior probability that CCS contributed as claimed: the first label
whose lower bound ``p`` reaches. Bands follow the IPCC calibrated likelihood language
(Mastrandrea et al. 2010), used as disjoint bins."""

DEFAULT_PRIORS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_SWEEP_CLIP = (0.01, 0.99)
_COMPUTED_PREFIX = "computed:"
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_SOURCE_RE = re.compile(r"^\S+ § \S.*$")
