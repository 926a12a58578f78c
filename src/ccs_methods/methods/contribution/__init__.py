"""Contribution analysis as data: theory of change, evidence register, rivals, Bayesian updating.

The evaluators of the CCS programme used contribution analysis (Mayne 2008, 2012) but kept the
theory of change, the evidence and the rival explanations in prose. This module holds them as
validated data under ``params/contribution/`` and makes the weighing of evidence explicit with
Bayesian updating as in Contribution Tracing (Befani & Stedman-Bryce 2017; Befani 2020, 2021):

- ``theory_of_change.yml``: nodes (activities to long-term impact), links, the eight year 2
  assumptions with the evaluators' verdicts, one contribution claim per key finding, and the
  rules that turn computed results into evidence;
- ``evidence.csv``: one row per piece of evidence with its sensitivity ``P(E | claim true)`` and
  type I error ``P(E | claim false)``, each justified, and an independence group;
- ``rivals.yml``: rival explanations with evidence for and against and a status.

Updating rule (odds form of Bayes' theorem)::

    posterior odds = prior odds * prod over independence groups g of LR_g,
    LR_i = sensitivity_i / type1_error_i,
    LR_g = max(1, max_{i in g} LR_i) * min(1, min_{i in g} LR_i).

Items sharing a ``group`` are not independent (e.g. several themes from the same interviews), so
a group counts as one piece of evidence: its strongest supporting item and its strongest
challenging item. This is the perfect-dependence bound (once one item of a package is known the
others add nothing), it never lets repetition from one source inflate confidence, and it keeps
the posterior monotone in every elicited probability (see ``book/methods/contribution.md``).

References
----------
Befani, B. & Stedman-Bryce, G. (2017). Process Tracing and Bayesian Updating for impact
evaluation. *Evaluation* 23(1), 42-60.
Befani, B. (2020). Quality of quality: A diagnostic approach to qualitative evaluation.
*Evaluation* 26(3), 333-349.
Befani, B. (2021). Diagnostic evaluation and Bayesian Updating: Practical solutions to common
problems. *Evaluation* 27(2), 205-223.
Van Evera, S. (1997). *Guide to Methods for Students of Political Science*. Cornell UP.
Mahoney, J. (2012). The logic of process tracing tests in the social sciences. *Sociological
Methods & Research* 41(4), 570-597.
Mayne, J. (2008). Contribution analysis: An approach to exploring cause and effect. ILAC Brief 16.
Mayne, J. (2012). Contribution analysis: Coming of age? *Evaluation* 18(3), 270-280.
Mastrandrea, M. D. et al. (2010). Guidance note for lead authors of the IPCC Fifth Assessment
Report on consistent treatment of uncertainties. IPCC.

The code is split by topic: :mod:`.constants` (vocabularies and scales), :mod:`.models`
(validated models), :mod:`.loaders` (the three files under ``params/contribution/``),
:mod:`.computed` (evidence from computed results), :mod:`.updating` (Bayesian updating),
:mod:`.summaries` (per-claim summary and sensitivity sweep) and :mod:`.mayne` (Mayne's steps and
the synthesis). This package re-exports their names, so
``from ccs_methods.methods.contribution import synthesis`` works as before.
"""

from __future__ import annotations

from ccs_methods.errors import MethodInputError as MethodInputError
from ccs_methods.methods.contribution.computed import (
    evidence_from_results,
    resolve_computed,
)
from ccs_methods.methods.contribution.constants import (
    DEFAULT_PRIORS,
    EVIDENCE_COLUMNS,
    EVIDENCE_KINDS,
    HIGH_SENSITIVITY,
    LOW_TYPE1_ERROR,
    PROGRAMME_SITE,
    RIVAL_STATUSES,
    VERBAL_SCALE,
    default_sites,
)
from ccs_methods.methods.contribution.constants import (
    DIRECTIONS as DIRECTIONS,
)
from ccs_methods.methods.contribution.constants import (
    OPEN_RIVAL_STATUSES as OPEN_RIVAL_STATUSES,
)
from ccs_methods.methods.contribution.loaders import (
    load_evidence,
    load_rivals,
    load_theory_of_change,
)
from ccs_methods.methods.contribution.mayne import (
    MAYNE_STEPS as MAYNE_STEPS,
)
from ccs_methods.methods.contribution.mayne import (
    mayne_steps,
    synthesis,
)
from ccs_methods.methods.contribution.models import (
    Assumption,
    Claim,
    EvidenceRule,
    Link,
    Node,
    Rival,
    RivalRef,
    RuleOutcome,
    TheoryOfChange,
)
from ccs_methods.methods.contribution.models import (
    SourceRef as SourceRef,
)
from ccs_methods.methods.contribution.summaries import (
    contribution_summary,
    sensitivity_sweep,
)
from ccs_methods.methods.contribution.updating import (
    classify_test,
    group_likelihood_ratios,
    posterior,
    verbal_confidence,
)

__all__ = [
    "DEFAULT_PRIORS",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_KINDS",
    "HIGH_SENSITIVITY",
    "LOW_TYPE1_ERROR",
    "PROGRAMME_SITE",
    "RIVAL_STATUSES",
    "VERBAL_SCALE",
    "Assumption",
    "Claim",
    "EvidenceRule",
    "Link",
    "Node",
    "Rival",
    "RivalRef",
    "RuleOutcome",
    "TheoryOfChange",
    "classify_test",
    "contribution_summary",
    "default_sites",
    "evidence_from_results",
    "group_likelihood_ratios",
    "load_evidence",
    "load_rivals",
    "load_theory_of_change",
    "mayne_steps",
    "posterior",
    "resolve_computed",
    "sensitivity_sweep",
    "synthesis",
    "verbal_confidence",
]
