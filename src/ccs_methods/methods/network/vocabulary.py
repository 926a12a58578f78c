"""Vocabulary of referral records: sectors, labels, outcomes, columns and cleaning rules."""

from __future__ import annotations

from collections.abc import Hashable

#: Organisation sectors, in the order used by every table and figure.
SECTORS: tuple[str, ...] = ("vcs", "statutory", "lwa", "school", "health", "other")

#: Display names of the sectors.
SECTOR_LABELS: dict[str, str] = {
    "vcs": "Voluntary and community",
    "statutory": "Statutory",
    "lwa": "LWA scheme",
    "school": "School",
    "health": "Health",
    "other": "Other",
}

#: Short sector names for axis labels.
SECTOR_SHORT_LABELS: dict[str, str] = {
    "vcs": "VCS",
    "statutory": "Statutory",
    "lwa": "LWA",
    "school": "School",
    "health": "Health",
    "other": "Other",
}

def reason_label(reason: Hashable) -> str:
    """Reader label of a reason code: ``"not_reported"`` -> ``"Not reported"``.

    Parameters
    ----------
    reason
        A reason for referral as recorded (or an already readable label).

    Returns
    -------
    str
        Underscores replaced by spaces, first letter capitalised.

    """
    text = str(reason).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


#: Allowed values of ``outcome``.
OUTCOMES: tuple[str, ...] = ("accepted", "declined")

#: Columns every referral table must have.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "referral_id",
    "date",
    "site",
    "network",
    "from_org",
    "from_sector",
    "to_org",
    "to_sector",
    "reason",
    "outcome",
)

_EDGE_COLUMNS = ("from_org", "from_sector", "to_org", "to_sector")

#: Rules applied by :func:`clean_referrals`, in order. Reproduced in :class:`CleaningReport`.
CLEANING_RULES: tuple[str, ...] = (
    "1. Every required column must be present; otherwise an error names the missing column.",
    "2. No required value may be missing or blank; otherwise an error names the row and column.",
    "3. `date` must be a date (ISO 8601, YYYY-MM-DD); otherwise an error names the row.",
    "4. `outcome` must be 'accepted' or 'declined' (case and surrounding spaces are ignored).",
    "5. `from_sector` / `to_sector` must be one of vcs, statutory, lwa, school, health, other "
    "(case and spaces ignored); an unknown sector is an error, or, with "
    "unknown_sectors='other', is recoded to 'other' and counted.",
    "6. `referral_id` must be unique: a repeated id is an error, or, with duplicate_ids='drop', "
    "every occurrence after the first is dropped and counted (reason 'duplicate_id').",
    "7. A self-referral (from_org == to_org) is dropped and counted (reason 'self_referral'), "
    "or is an error with self_referrals='error'.",
    "8. With a period (start, end), referrals dated before start or after end (both inclusive) "
    "are dropped and counted (reason 'outside_period').",
    "9. Each organisation must have a single sector across the rows kept; otherwise an error "
    "names the first row that disagrees.",
)

_DROP_REASONS = ("duplicate_id", "self_referral", "outside_period")
