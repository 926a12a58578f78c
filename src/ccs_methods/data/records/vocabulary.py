"""Vocabularies of the record-level datasets: sites, schemes, sectors, reasons, answers, kinds."""

from __future__ import annotations

from typing import Literal

Source = Literal["synthetic", "raw"]
Kind = Literal["str", "int", "float", "bool", "date", "month"]

# --------------------------------------------------------------------------------------------
# Vocabularies (CONTRIBUTING.md, "Identifiers")
# --------------------------------------------------------------------------------------------

# Sites, their LWA/DAF schemes and referral networks are not listed here: they come from
# params/programme.yml and params/sites/*.yml (see ccs_methods.data.records.context).

#: ``all`` for English schemes; DAF reports Emergency (EAP) and Individual (IAP) payments.
PAYMENT_TYPES: tuple[str, ...] = ("all", "EAP", "IAP")
#: The payment types of a site whose scheme is of kind ``daf`` (one row each a month).
DAF_PAYMENT_TYPES: tuple[str, ...] = ("EAP", "IAP")
#: Organisation sectors in referral data.
SECTORS: tuple[str, ...] = ("vcs", "statutory", "lwa", "school", "health", "other")
#: Reasons for referral.
REFERRAL_REASONS: tuple[str, ...] = (
    "debt",
    "benefits",
    "housing",
    "employment",
    "food",
    "fuel",
    "immigration",
    "family",
    "other",
)
#: Outcome of a referral at the receiving organisation.
OUTCOMES: tuple[str, ...] = ("accepted", "declined")
#: Sectors of survey respondents.
SURVEY_SECTORS: tuple[str, ...] = ("vcs", "statutory", "school", "other")
#: Answers to "How would you describe the relationship between the local authority and VCS?"
RELATIONSHIP_ANSWERS: tuple[str, ...] = ("strong", "pockets", "weak", "dont_know")
#: Purposes of CCS team sessions (003, "Activities delivered by CCS team in year 2").
SESSION_PURPOSES: tuple[str, ...] = (
    "network",
    "referral_system",
    "catch_up_scoping",
    "new_audiences",
    "schools",
    "cash_first_leaflet",
    "interpreting",
    "ran",
    "other",
)

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

_TYPE_RULES: dict[str, str] = {
    "str": "must not be empty",
    "int": "must be a whole number (e.g. 12)",
    "float": "must be a number with '.' as decimal point (e.g. 1234.50)",
    "bool": "must be true or false (also accepted: yes/no, 1/0)",
    "date": "must be an ISO date YYYY-MM-DD (e.g. 2021-03-31)",
    "month": "must be a month YYYY-MM (e.g. 2021-03)",
}
_DTYPES: dict[str, str] = {
    "str": "str",
    "int": "int64",
    "float": "float64",
    "bool": "bool",
    "date": "datetime64[ns]",
    "month": "str",
}
