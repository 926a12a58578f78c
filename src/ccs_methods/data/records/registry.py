"""The registry :data:`DATASETS`: every record-level dataset described once, with its schema."""

from __future__ import annotations

from ccs_methods.data.records.specs import ColumnSpec, DatasetSpec, RowRule
from ccs_methods.data.records.vocabulary import (
    OUTCOMES,
    PAYMENT_TYPES,
    REFERRAL_REASONS,
    RELATIONSHIP_ANSWERS,
    SECTORS,
    SESSION_PURPOSES,
    SURVEY_SECTORS,
)


def _referral_columns() -> tuple[ColumnSpec, ...]:
    return (
        ColumnSpec(
            "referral_id",
            "str",
            "Identifier of the referral in the referral system.",
            unique=True,
        ),
        ColumnSpec("date", "date", "Date the referral was made."),
        ColumnSpec(
            "site",
            "str",
            "Site of the network: the site whose params file names this dataset as its "
            "referral_dataset.",
        ),
        ColumnSpec(
            "network",
            "str",
            "Advice network running the system: that site's referral_network short_name, in "
            "lower case.",
        ),
        ColumnSpec("from_org", "str", "Referring organisation (pseudonymised name or id)."),
        ColumnSpec("from_sector", "str", "Sector of the referring organisation.", allowed=SECTORS),
        ColumnSpec("to_org", "str", "Receiving organisation (pseudonymised name or id)."),
        ColumnSpec("to_sector", "str", "Sector of the receiving organisation.", allowed=SECTORS),
        ColumnSpec("reason", "str", "Main reason for the referral.", allowed=REFERRAL_REASONS),
        ColumnSpec(
            "outcome",
            "str",
            "Whether the receiving organisation accepted or declined the referral.",
            allowed=OUTCOMES,
        ),
    )


_NO_SELF_REFERRAL = RowRule(
    "to_org",
    "must differ from from_org (an organisation cannot refer to itself)",
    lambda df: df["from_org"] != df["to_org"],
)


def _bool(name: str, text: str) -> ColumnSpec:
    return ColumnSpec(name, "bool", text)


def _count(name: str, text: str, unit: str) -> ColumnSpec:
    return ColumnSpec(name, "int", text, unit=unit)


def _le(col: str, other: str) -> RowRule:
    return RowRule(col, f"must be <= {other}", lambda df: df[col] <= df[other])


_REFERRAL_UNITS = (
    "One row per referral (accepted and declined). Counts of rows are referrals, not people: "
    "a person referred twice appears twice. Organisation names are pseudonymised."
)

DATASETS: dict[str, DatasetSpec] = {
    "referrals_ncan": DatasetSpec(
        name="referrals_ncan",
        file_name="referrals_ncan.csv",
        columns=_referral_columns(),
        description=(
            "Norfolk Community Advice Network (NCAN) referral-system extract, from the system's "
            "launch in params to the window in params/datasets.yml: one row per referral "
            "between member organisations."
        ),
        unit_notes=_REFERRAL_UNITS
        + " The Norfolk Assistance Scheme (NAS) is the organisation with sector 'lwa'.",
        source="NCAN referral system (H42), via NCAN; feeds E5, E6, E12, E13, E15 (report 003).",
        range_column="date",
        keys=((("referral_id",), "referral_id"),),
        referral_system=True,
        row_rules=(_NO_SELF_REFERRAL,),
    ),
    "referrals_thcan": DatasetSpec(
        name="referrals_thcan",
        file_name="referrals_thcan.csv",
        columns=_referral_columns(),
        description=(
            "Tower Hamlets Community Advice Network (THCAN) referral-system extract, from the "
            "system's launch in params to the window in params/datasets.yml: one row per "
            "referral."
        ),
        unit_notes=_REFERRAL_UNITS
        + " The Residents Support Scheme (RSS) is the organisation with sector 'lwa'.",
        source="THCAN referral system (H42), via THCAN; feeds E7 (report 003).",
        range_column="date",
        keys=((("referral_id",), "referral_id"),),
        referral_system=True,
        row_rules=(_NO_SELF_REFERRAL,),
    ),
    "lwa_awards": DatasetSpec(
        name="lwa_awards",
        file_name="lwa_awards.csv",
        columns=(
            ColumnSpec("site", "str", "Pilot site."),
            ColumnSpec("month", "month", "Calendar month of the decision."),
            ColumnSpec(
                "scheme",
                "str",
                "LWA/DAF scheme of the site: its lwa_scheme short_name in params/sites.",
            ),
            ColumnSpec(
                "payment_type",
                "str",
                "DAF payment type (Swansea: EAP or IAP); 'all' for English schemes.",
                allowed=PAYMENT_TYPES,
            ),
            _count("applications", "Applications decided in the month.", "applications"),
            _count("awards", "Awards made in the month, in the row's unit.", "see `unit`"),
            ColumnSpec(
                "unit",
                "str",
                "What `awards` counts: awards, or items awarded (Oldham reports items).",
                allowed=("awards", "items"),
            ),
            ColumnSpec("amount_gbp", "float", "Value of the awards in the month.", unit="GBP"),
        ),
        description=(
            "Local Welfare Assistance (LWA) and Discretionary Assistance Fund (DAF) decisions, "
            "one row per site, month and payment type, within the window in params/datasets.yml."
        ),
        unit_notes=(
            "Oldham (LWP) reports items awarded, not awards: never add Oldham's `awards` to "
            "other sites' without saying so. Swansea (DAF) has two rows a month (EAP and IAP); "
            "its awards are their sum. Oldham's series starts January 2019 (no 2018 data). "
            "Amounts are nominal pounds."
        ),
        source=(
            "Respective local authorities (Norfolk, Oldham, Tower Hamlets) and Welsh Government "
            "(DAF, Swansea); feeds E14 and KPI 1 of E16 (report 003)."
        ),
        range_column="month",
        keys=((("site", "month", "payment_type"), "month"),),
        row_rules=(
            RowRule(
                "awards",
                "must be <= applications when unit is 'awards'",
                lambda df: (df["unit"] != "awards") | (df["awards"] <= df["applications"]),
            ),
        ),
    ),
    "other_crisis_awards": DatasetSpec(
        name="other_crisis_awards",
        file_name="other_crisis_awards.csv",
        columns=(
            ColumnSpec("site", "str", "Pilot site."),
            ColumnSpec("month", "month", "Calendar month of the award."),
            ColumnSpec("provider", "str", "Grant provider (pseudonymised)."),
            _count("awards", "Crisis-support awards made by the provider in the month.", "awards"),
            ColumnSpec("amount_gbp", "float", "Value of the awards.", unit="GBP"),
        ),
        description=(
            "Crisis support from schemes other than LWA/DAF (charitable grant providers), "
            "one row per site, month and provider, for the KPI 2 windows only: April 2018 to "
            "March 2019 (quasi-baseline) and October 2019 to September 2021 (years 1 and 2)."
        ),
        unit_notes=(
            "Returns from grant providers are known to be incomplete in years 1 and 2 "
            "('underreported', report 003, Summary of KPI data). Months outside the KPI "
            "windows are absent, not zero."
        ),
        source="Grant providers, collated by the CCS team; feeds KPI 2 of E16 (report 003).",
        range_column="month",
        keys=((("site", "month", "provider"), "month"),),
    ),
    "survey_local_systems": DatasetSpec(
        name="survey_local_systems",
        file_name="survey_local_systems.csv",
        columns=(
            ColumnSpec("respondent_id", "str", "Survey respondent identifier.", unique=True),
            ColumnSpec("site", "str", "Pilot site the respondent works in."),
            ColumnSpec("sector", "str", "Respondent's sector.", allowed=SURVEY_SECTORS),
            _bool("ccs_funded", "Respondent's organisation is funded directly by CCS."),
            _bool(
                "more_able_partnership",
                "As a result of CCS, feels more able to work in partnership with others (E8).",
            ),
            _bool(
                "more_able_new_services",
                "As a result of CCS, feels more able to deliver new services (E8).",
            ),
            _bool(
                "more_able_development_planning",
                "As a result of CCS, feels able to do more development and planning work (E8).",
            ),
            ColumnSpec(
                "la_vcs_relationship",
                "str",
                "Relationship between the local authority and the VCS (E11): strong working "
                "relationship / pockets of successful joint working / weak / don't know.",
                allowed=RELATIONSHIP_ANSWERS,
            ),
            _bool(
                "hopeful_referrals",
                "Most hopeful for: improved referrals to and from other organisations.",
            ),
            _bool("hopeful_networking", "Most hopeful for: a stronger local network."),
            _bool("hopeful_funding", "Most hopeful for: sustainable funding and resources."),
            _bool("hopeful_la_partnership", "Most hopeful for: joint working with the LA."),
            _bool("hopeful_training", "Most hopeful for: training and knowledge of services."),
            _bool("hopeful_other", "Most hopeful for: something else."),
        ),
        description=(
            "Local systems survey of stakeholders in the four pilot sites, June 2021 (n = 55): "
            "one row per respondent."
        ),
        unit_notes=(
            "Percentages in the reports are of all 55 respondents. 'Most hopeful' is "
            "multiple choice (up to three): the hopeful_* columns do not sum to 55."
        ),
        source="Cloud Chamber local systems survey; feeds E8 and E11 (report 003).",
        keys=((("respondent_id",), "respondent_id"),),
    ),
    "monitoring_returns": DatasetSpec(
        name="monitoring_returns",
        file_name="monitoring_returns.csv",
        columns=(
            ColumnSpec("org_id", "str", "Funded organisation (pseudonymised).", unique=True),
            ColumnSpec("site", "str", "Pilot site of the funded project."),
            _bool("made_more_referrals", "Reports making more referrals because of CCS."),
            _bool("received_more_referrals", "Reports receiving more referrals because of CCS."),
            _bool(
                "improved_lwa_info_capacity",
                "Reports improved capacity to inform clients about LWA/DAF grants.",
            ),
            _count(
                "households_supported",
                "Households supported as a direct result of CCS funding in year 2.",
                "households",
            ),
            _count("referrals_made", "Referrals made as a result of CCS funding.", "referrals"),
            _count(
                "families_with_children",
                "Of households supported: families with children.",
                "households",
            ),
            _count(
                "bame",
                "Of households supported: Black, Asian and minority ethnic.",
                "households",
            ),
            _count(
                "nrpf",
                "Of households supported: no recourse to public funds (NRPF).",
                "households",
            ),
        ),
        description=(
            "Year 2 monitoring returns of the 9 CCS-funded organisations that returned them: "
            "one row per organisation."
        ),
        unit_notes=(
            "Counts are households unless stated; under-reported (not every funded "
            "organisation returned monitoring data)."
        ),
        source="Monitoring returns collated by the CCS team; feeds E9 and E10 (report 003).",
        keys=((("org_id",), "org_id"),),
        row_rules=(
            _le("families_with_children", "households_supported"),
            _le("bame", "households_supported"),
            _le("nrpf", "households_supported"),
        ),
    ),
    "activity_log": DatasetSpec(
        name="activity_log",
        file_name="activity_log.csv",
        columns=(
            ColumnSpec("session_id", "str", "Session identifier.", unique=True),
            ColumnSpec("site", "str", "Pilot site the session was for."),
            ColumnSpec("date", "date", "Date of the session."),
            ColumnSpec(
                "purpose",
                "str",
                "Main purpose of the session (categories of report 003's sub-counts).",
                allowed=SESSION_PURPOSES,
            ),
        ),
        description=(
            "CCS team activity log over the programme years in params: one row per session (a "
            "meeting, workshop or presentation by one or more CCS team members)."
        ),
        unit_notes="Counts of rows are sessions. 'other' holds sessions outside the sub-counts.",
        source="The Children's Society, CCS team records of sessions; feeds E3 (report 003).",
        range_column="date",
        keys=((("session_id",), "session_id"),),
    ),
}
