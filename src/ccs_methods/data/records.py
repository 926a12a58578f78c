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
   non-negative counts, dates within the dataset's range, unique ids and keys, and rules that
   link columns (for example ``awards <= applications``).

Examples
--------
>>> from ccs_methods.data.records import load_lwa_awards          # doctest: +SKIP
>>> lwa = load_lwa_awards()                 # data/synthetic/lwa_awards.csv, validated
>>> lwa.attrs["synthetic"]
True

"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from ccs_methods.errors import DataValidationError

__all__ = [
    "DATASETS",
    "DEFAULT_SITE_SCHEMES",
    "LWA_SCHEMES",
    "OUTCOMES",
    "PAYMENT_TYPES",
    "REFERRAL_REASONS",
    "RELATIONSHIP_ANSWERS",
    "SECTORS",
    "SESSION_PURPOSES",
    "SITES",
    "SURVEY_SECTORS",
    "ColumnSpec",
    "DatasetSpec",
    "dataset_for_file",
    "load",
    "load_activity_log",
    "load_lwa_awards",
    "load_monitoring_returns",
    "load_other_crisis_awards",
    "load_referrals_ncan",
    "load_referrals_thcan",
    "load_survey_local_systems",
    "validate_file",
]

Source = Literal["synthetic", "raw"]
Kind = Literal["str", "int", "float", "bool", "date", "month"]

# --------------------------------------------------------------------------------------------
# Vocabularies (CONTRIBUTING.md, "Identifiers")
# --------------------------------------------------------------------------------------------

#: Pilot-site identifiers.
SITES: tuple[str, ...] = ("norfolk", "oldham", "swansea", "tower_hamlets")
#: Each pilot site's LWA/DAF scheme (short name), as in ``params/sites/<site>.yml``.
DEFAULT_SITE_SCHEMES: dict[str, str] = {
    "norfolk": "NAS",
    "oldham": "LWP",
    "swansea": "DAF",
    "tower_hamlets": "RSS",
}
#: Local welfare assistance schemes: Norfolk Assistance Scheme, Oldham Local Welfare Provision,
#: Welsh Discretionary Assistance Fund, Tower Hamlets Residents Support Scheme.
LWA_SCHEMES: tuple[str, ...] = ("NAS", "LWP", "DAF", "RSS")
#: ``all`` for English schemes; DAF reports Emergency (EAP) and Individual (IAP) payments.
PAYMENT_TYPES: tuple[str, ...] = ("all", "EAP", "IAP")
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


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a record-level dataset.

    Parameters
    ----------
    name
        Column name in the CSV header.
    kind
        ``str``, ``int`` (non-negative count), ``float``, ``bool``, ``date`` (``YYYY-MM-DD``) or
        ``month`` (``YYYY-MM``).
    description
        What the column holds.
    unit
        Unit of measurement, if any (``referrals``, ``GBP``, ...).
    allowed
        The allowed values of a categorical column, or ``None`` for free text / numbers.
    unique
        Whether values must be unique (an id column).

    """

    name: str
    kind: Kind
    description: str
    unit: str = ""
    allowed: tuple[str, ...] | None = None
    unique: bool = False


@dataclass(frozen=True)
class RowRule:
    """A rule linking columns of one row; ``ok(df)`` is True where the row passes."""

    column: str
    rule: str
    ok: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class DatasetSpec:
    """A record-level dataset: where it lives, what it holds and the rules it must obey.

    Parameters
    ----------
    name
        Dataset name, also the loader suffix (``load_<name>``).
    file_name
        File name under ``data/synthetic/`` or ``data/raw/``.
    columns
        The columns in file order.
    description
        One row is ...; what the dataset is.
    unit_notes
        Units and caveats a reader needs.
    source
        Who holds the real data and which exhibit of the reports it feeds.
    synthetic
        Whether the shipped file (``data/synthetic/``) is a synthetic stand-in (always True in
        this repository: no real record-level data is committed).
    date_range
        Inclusive (first, last) date or month allowed in ``range_column``.
    range_column
        The date or month column the range applies to.
    keys
        Column combinations that must be unique, with the column blamed for a duplicate.
    site_column_allowed
        Sites allowed in the ``site`` column; ``None`` means every known site.
    row_rules
        Rules linking columns within a row.

    """

    name: str
    file_name: str
    columns: tuple[ColumnSpec, ...]
    description: str
    unit_notes: str
    source: str
    synthetic: bool = True
    date_range: tuple[str, str] | None = None
    range_column: str | None = None
    keys: tuple[tuple[tuple[str, ...], str], ...] = ()
    site_column_allowed: tuple[str, ...] | None = None
    row_rules: tuple[RowRule, ...] = ()
    schema: pa.DataFrameSchema = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "schema", self.build_schema())

    @property
    def column_names(self) -> list[str]:
        """Column names in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def allowed_values(
        self,
        col: ColumnSpec,
        sites: tuple[str, ...] | None = None,
        site_schemes: dict[str, str] | None = None,
    ) -> tuple[str, ...]:
        """Return the allowed values of ``col``.

        ``site`` allows ``sites`` (default: the pilots) unless the dataset fixes its site;
        ``scheme`` also allows the schemes of sites added in ``params/``.
        """
        if col.name == "site":
            if self.site_column_allowed is not None:
                return self.site_column_allowed
            return sites if sites is not None else SITES
        allowed = col.allowed if col.allowed is not None else ()
        if col.name == "scheme" and site_schemes:
            allowed = tuple(dict.fromkeys((*allowed, *site_schemes.values())))
        return allowed

    def build_schema(
        self,
        sites: tuple[str, ...] | None = None,
        site_schemes: dict[str, str] | None = None,
    ) -> pa.DataFrameSchema:
        """Build the typed pandera schema (stage 3 of validation).

        Parameters
        ----------
        sites
            Known site ids (default: the four pilot sites).
        site_schemes
            Site id to LWA scheme short name, for the ``lwa_awards`` scheme/site rule.

        Returns
        -------
        pandera.pandas.DataFrameSchema
            Schema over the typed frame (ints, floats, bools, datetimes, strings).

        """
        cols: dict[str, pa.Column] = {}
        for c in self.columns:
            checks: list[pa.Check] = []
            allowed = self.allowed_values(c, sites, site_schemes)
            if allowed:
                checks.append(
                    pa.Check(
                        _isin(allowed),
                        name=f"must be one of: {', '.join(allowed)}",
                    )
                )
            if c.kind in ("int", "float"):
                checks.append(
                    pa.Check(
                        lambda s: s >= 0,
                        name="must be >= 0 (a count or amount cannot be negative)",
                    )
                )
            if self.date_range is not None and c.name == self.range_column:
                lo, hi = self.date_range
                if c.kind == "date":
                    lo_ts, hi_ts = pd.Timestamp(lo), pd.Timestamp(hi)
                    checks.append(
                        pa.Check(
                            lambda s, lo_ts=lo_ts, hi_ts=hi_ts: (s >= lo_ts) & (s <= hi_ts),
                            name=f"date must be within the dataset's range {lo} to {hi}",
                        )
                    )
                else:
                    checks.append(
                        pa.Check(
                            lambda s, lo=lo, hi=hi: (s >= lo) & (s <= hi),
                            name=f"month must be within the dataset's range {lo} to {hi}",
                        )
                    )
            cols[c.name] = pa.Column(
                _DTYPES[c.kind],
                checks=checks,
                nullable=False,
                unique=c.unique,
                report_duplicates="exclude_first",
            )
        frame_checks = [
            pa.Check(r.ok, name=f"{r.column}: {r.rule}") for r in self._row_rules(site_schemes)
        ]
        unique: list[str] | None = None
        if len(self.keys) == 1 and len(self.keys[0][0]) > 1:
            unique = list(self.keys[0][0])
        return pa.DataFrameSchema(
            cols,
            checks=frame_checks,
            strict=True,
            ordered=False,
            unique=unique,
            report_duplicates="exclude_first",
            name=self.name,
        )

    def _row_rules(self, site_schemes: dict[str, str] | None) -> tuple[RowRule, ...]:
        rules = list(self.row_rules)
        if self.name == "lwa_awards":
            schemes = site_schemes or DEFAULT_SITE_SCHEMES
            text = ", ".join(f"{k} {v}" for k, v in schemes.items())

            def _scheme_ok(df: pd.DataFrame, schemes: dict[str, str] = schemes) -> pd.Series:
                expected = df["site"].map(schemes)
                return expected.isna() | (expected == df["scheme"])

            rules.append(RowRule("scheme", f"must be the site's LWA scheme ({text})", _scheme_ok))
        return tuple(rules)

    def string_schema(self) -> pa.DataFrameSchema:
        """Build the text-level pandera schema (stage 2): every cell parses as its type."""
        cols = {
            c.name: pa.Column(
                "str",
                checks=[pa.Check(_type_check(c.kind), name=_TYPE_RULES[c.kind])],
                nullable=False,
            )
            for c in self.columns
        }
        return pa.DataFrameSchema(cols, strict=True, ordered=False, name=f"{self.name} (text)")


def _isin(allowed: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
    values = set(allowed)
    return lambda s: s.isin(values)


def _type_check(kind: str) -> Callable[[pd.Series], pd.Series]:
    if kind == "str":
        return lambda s: s.str.len() > 0
    if kind == "int":
        return lambda s: s.str.fullmatch(r"[+-]?\d+")
    if kind == "float":
        return lambda s: s.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
    if kind == "bool":
        return lambda s: s.str.lower().isin(_TRUE | _FALSE)
    if kind == "date":
        return lambda s: (
            s.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            & pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna()
        )
    if kind == "month":
        return lambda s: s.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    raise ValueError(kind)  # pragma: no cover


def _referral_columns(network: str, site: str) -> tuple[ColumnSpec, ...]:
    return (
        ColumnSpec(
            "referral_id",
            "str",
            "Identifier of the referral in the referral system.",
            unique=True,
        ),
        ColumnSpec("date", "date", "Date the referral was made."),
        ColumnSpec("site", "str", "Pilot site of the network.", allowed=(site,)),
        ColumnSpec("network", "str", "Advice network running the system.", allowed=(network,)),
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
        columns=_referral_columns("ncan", "norfolk"),
        description=(
            "Norfolk Community Advice Network (NCAN) referral-system extract, January 2017 to "
            "December 2021: one row per referral between member organisations."
        ),
        unit_notes=_REFERRAL_UNITS
        + " The Norfolk Assistance Scheme (NAS) is the organisation with sector 'lwa'.",
        source="NCAN referral system (H42), via NCAN; feeds E5, E6, E12, E13, E15 (report 003).",
        date_range=("2017-01-01", "2021-12-31"),
        range_column="date",
        keys=((("referral_id",), "referral_id"),),
        site_column_allowed=("norfolk",),
        row_rules=(_NO_SELF_REFERRAL,),
    ),
    "referrals_thcan": DatasetSpec(
        name="referrals_thcan",
        file_name="referrals_thcan.csv",
        columns=_referral_columns("thcan", "tower_hamlets"),
        description=(
            "Tower Hamlets Community Advice Network (THCAN) referral-system extract, March to "
            "October 2021 (system live March 2021): one row per referral."
        ),
        unit_notes=_REFERRAL_UNITS
        + " The Residents Support Scheme (RSS) is the organisation with sector 'lwa'.",
        source="THCAN referral system (H42), via THCAN; feeds E7 (report 003).",
        date_range=("2021-03-01", "2021-10-31"),
        range_column="date",
        keys=((("referral_id",), "referral_id"),),
        site_column_allowed=("tower_hamlets",),
        row_rules=(_NO_SELF_REFERRAL,),
    ),
    "lwa_awards": DatasetSpec(
        name="lwa_awards",
        file_name="lwa_awards.csv",
        columns=(
            ColumnSpec("site", "str", "Pilot site."),
            ColumnSpec("month", "month", "Calendar month of the decision."),
            ColumnSpec("scheme", "str", "LWA/DAF scheme of the site.", allowed=LWA_SCHEMES),
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
            "one row per site, month and payment type, January 2018 to December 2022."
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
        date_range=("2018-01", "2022-12"),
        range_column="month",
        keys=((("site", "month", "payment_type"), "month"),),
        row_rules=(
            RowRule(
                "payment_type",
                "must be EAP or IAP for scheme DAF and 'all' for other schemes",
                lambda df: (df["scheme"] == "DAF") == df["payment_type"].isin(["EAP", "IAP"]),
            ),
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
        date_range=("2018-01", "2022-12"),
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
            "CCS team activity log for programme year 2 (October 2020 to September 2021): one "
            "row per session (a meeting, workshop or presentation by one or more CCS team "
            "members)."
        ),
        unit_notes="Counts of rows are sessions. 'other' holds sessions outside the sub-counts.",
        source="The Children's Society, CCS team records of sessions; feeds E3 (report 003).",
        date_range=("2020-10-01", "2021-09-30"),
        range_column="date",
        keys=((("session_id",), "session_id"),),
    ),
}


# --------------------------------------------------------------------------------------------
# Where the files are
# --------------------------------------------------------------------------------------------


def _default_data_dir() -> Path:
    """Return the project's ``data/`` folder (holding ``synthetic/`` and ``raw/``).

    ``$CCS_DATA_DIR`` wins; otherwise :func:`ccs_methods.data.paths.data_dir` if that module exists;
    otherwise walk up from the working directory to the folder with ``pyproject.toml``.
    """
    env = os.environ.get("CCS_DATA_DIR")
    if env:
        return Path(env)
    try:
        from ccs_methods.data.paths import data_dir  # type: ignore[import-not-found]
    except ImportError:
        root = _find_root()
        if root is None:
            raise DataValidationError(
                "cannot find the project's data/ folder: no pyproject.toml above the working "
                "directory; pass data_dir= or path=, or set CCS_DATA_DIR",
                file=Path.cwd(),
            ) from None
        return root / "data"
    return Path(data_dir())


def _find_root() -> Path | None:
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _site_registry() -> tuple[tuple[str, ...], dict[str, str]]:
    """Known sites and their LWA schemes: the four pilots plus any in ``params/``.

    A new site is added by a parameter file alone (``params/programme.yml`` lists it and
    ``params/sites/<site>.yml`` names its scheme); unreadable params fall back to the pilots.
    """
    sites = list(SITES)
    schemes = dict(DEFAULT_SITE_SCHEMES)
    root = _find_root()
    if root is None:
        return tuple(sites), schemes
    try:
        import yaml

        programme = yaml.safe_load((root / "params" / "programme.yml").read_text("utf-8"))
        for site in programme.get("sites", []) or []:
            site = str(site)
            if site not in sites:
                sites.append(site)
            site_file = root / "params" / "sites" / f"{site}.yml"
            if site_file.is_file():
                info = yaml.safe_load(site_file.read_text("utf-8")) or {}
                short = (info.get("lwa_scheme") or {}).get("short_name")
                if short and site not in schemes:
                    schemes[site] = str(short)
    except Exception:
        return tuple(SITES), dict(DEFAULT_SITE_SCHEMES)
    return tuple(sites), schemes


def dataset_for_file(path: str | Path) -> str:
    """Infer the dataset from a file name (``lwa_awards.csv`` -> ``lwa_awards``).

    An exact file-name match wins; otherwise the longest dataset name the file's stem starts
    with (``referrals_ncan_2022-01.csv`` -> ``referrals_ncan``).

    Raises
    ------
    DataValidationError
        The name matches no dataset.

    """
    p = Path(path)
    for name, spec in DATASETS.items():
        if p.name == spec.file_name:
            return name
    stem = p.name.split(".")[0]
    matches = [n for n in DATASETS if stem.startswith(n)]
    if matches:
        return max(matches, key=len)
    expected = ", ".join(s.file_name for s in DATASETS.values())
    raise DataValidationError(
        f"cannot tell which dataset this file holds from its name; expected one of: {expected}",
        file=p,
    )


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _error(
    path: Path,
    message: str,
    *,
    line: int | None = None,
    column: str | None = None,
    others: int = 0,
) -> DataValidationError:
    where = f" (line {line} of the file; the header is line 1)" if line is not None else ""
    more = ""
    if others:
        more = f"; {others} other failure{'s' if others != 1 else ''} in this file"
    err = DataValidationError(f"{message}{where}{more}", file=path, row=line, column=column)
    err.line = line  # type: ignore[attr-defined]
    return err


def _read_text(path: Path, spec: DatasetSpec) -> str:
    if not path.exists():
        raise _error(
            path,
            f"missing file: dataset '{spec.name}' expects {spec.file_name} with columns "
            f"{', '.join(spec.column_names)}",
        )
    if path.is_dir():
        raise _error(path, f"expected a CSV file for dataset '{spec.name}', found a folder")
    data = path.read_bytes()
    if not data.strip():
        raise _error(
            path,
            f"empty file: expected a header line with columns {', '.join(spec.column_names)} "
            "and at least one data row",
            line=1,
            column=spec.column_names[0],
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
        names = [h.strip() for h in header.split(",")]
        field_index = data.count(b",", start, exc.start)
        column = names[field_index] if field_index < len(names) else None
        bad = data[exc.start : exc.end]
        raise _error(
            path,
            f"bytes {bad!r} are not valid UTF-8 at byte {exc.start}; save the file as UTF-8",
            line=line,
            column=column,
        ) from None


def _parse(path: Path, spec: DatasetSpec) -> tuple[pd.DataFrame, list[int]]:
    """Parse the CSV into a frame of strings (empty cells as missing) and each row's line."""
    text = _read_text(path, spec)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:  # pragma: no cover - empty text is caught above
        header = []
    while not any(h.strip() for h in header):
        try:
            header = next(reader)
        except StopIteration:
            raise _error(path, "empty file: no header line", line=1) from None
    header_line = reader.line_num
    header = [h.strip() for h in header]
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        raise _error(
            path,
            f"missing column '{missing[0]}'"
            + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; the header must hold: {', '.join(spec.column_names)}",
            line=header_line,
            column=missing[0],
        )
    extra = [c for c in header if c not in spec.column_names]
    if extra:
        raise _error(
            path,
            f"unexpected column '{extra[0]}'; the header must hold exactly: "
            f"{', '.join(spec.column_names)}",
            line=header_line,
            column=extra[0],
        )
    dupes = [c for c in header if header.count(c) > 1]
    if dupes:
        raise _error(
            path,
            f"column '{dupes[0]}' appears twice in the header",
            line=header_line,
            column=dupes[0],
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = header_line
    try:
        for row in reader:
            start = previous + 1
            previous = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                if len(row) < len(header):
                    col = header[len(row)]
                    what = f"no value for column '{col}' onwards"
                else:
                    col = header[-1]
                    what = f"extra field(s) after the last column '{col}'"
                raise _error(
                    path,
                    f"expected {len(header)} comma-separated fields as in the header, found "
                    f"{len(row)} ({what}); quote values that contain commas",
                    line=start,
                    column=col,
                )
            rows.append([v.strip() for v in row])
            lines.append(start)
    except csv.Error as exc:
        raise _error(path, f"not a readable CSV: {exc}", line=previous + 1) from None
    if not rows:
        raise _error(
            path,
            "header only: the file has a header but no data rows",
            line=header_line,
            column=header[0],
        )
    frame = pd.DataFrame(rows, columns=header, dtype="str")
    frame = frame.replace("", None)
    return frame[spec.column_names], lines


def _convert(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    out = {}
    for c in spec.columns:
        s = frame[c.name]
        if c.kind == "int":
            out[c.name] = s.astype("int64")
        elif c.kind == "float":
            out[c.name] = s.astype("float64")
        elif c.kind == "bool":
            out[c.name] = s.str.lower().isin(_TRUE).astype("bool")
        elif c.kind == "date":
            out[c.name] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[ns]")
        else:
            out[c.name] = s.astype("str")
    return pd.DataFrame(out, index=frame.index)


_NO_LINE = 10**12  # sorts failures without a row after those with one


def _raise_schema(
    path: Path,
    exc: SchemaError | SchemaErrors,
    frame: pd.DataFrame,
    lines: list[int],
    spec: DatasetSpec,
    site_schemes: dict[str, str] | None = None,
) -> None:
    """Turn pandera's failure cases into one DataValidationError (first failure by line)."""
    if isinstance(exc, SchemaErrors):
        cases = exc.failure_cases.copy()
    else:  # a single SchemaError
        fc = exc.failure_cases
        if isinstance(fc, pd.DataFrame):
            cases = fc.copy()
        else:
            cases = pd.DataFrame({"index": [None], "failure_case": [fc]})
        cases["column"] = getattr(exc.schema, "name", None)
        cases["check"] = str(getattr(exc.check, "name", exc.check))
    cases = cases.reset_index(drop=True)
    rule_of = {f"{r.column}: {r.rule}": r.column for r in spec._row_rules(site_schemes)}
    records: list[tuple[int, int, str | None, str, Any]] = []
    col_order = {c: i for i, c in enumerate(spec.column_names)}
    for _, case in cases.iterrows():
        check = str(case.get("check"))
        column = case.get("column")
        column = None if column is None or pd.isna(column) else str(column)
        idx = case.get("index")
        line = _NO_LINE if idx is None or pd.isna(idx) else lines[int(idx)]
        if check in ("field_uniqueness", "multiple_fields_uniqueness"):
            key_cols, blame = _key_for(spec, column)
            first = _first_duplicate_line(frame, key_cols, int(idx), lines)
            label = key_cols[0] if len(key_cols) == 1 else "(" + ", ".join(key_cols) + ")"
            value = (
                frame.at[int(idx), key_cols[0]]
                if len(key_cols) == 1
                else tuple(str(frame.at[int(idx), k]) for k in key_cols)
            )
            rule = f"duplicate {label} {value!r}: {label} must be unique; same as line {first}"
            records.append((line, col_order.get(blame, 99), blame, rule, None))
            continue
        if check in rule_of:
            blame = rule_of[check]
            value = frame.at[int(idx), blame] if line != _NO_LINE else None
            rule = check.split(": ", 1)[1]
            records.append(
                (line, col_order.get(blame, 99), blame, f"breaks the rule: {rule}", value)
            )
            continue
        if check == "not_nullable":
            rule = "missing value: the cell is empty and this column is required"
            records.append((line, col_order.get(column or "", 99), column, rule, None))
            continue
        if check.startswith("column_in_dataframe") or check == "column_in_schema":
            rule = f"column problem: {check}"
            records.append((1, col_order.get(column or "", 99), column, rule, None))
            continue
        if check.startswith("dtype("):
            rule = f"wrong type {case.get('failure_case')!r} (schema expects {check})"
            records.append((line, col_order.get(column or "", 99), column, rule, None))
            continue
        value = case.get("failure_case")
        records.append(
            (line, col_order.get(column or "", 99), column, f"breaks the rule: {check}", value)
        )
    # several identical records (uniqueness reported per key column) count once
    unique_records = sorted({(r[0], r[1], r[2], r[3], _show(r[4])) for r in records})
    line, _, column, rule, shown = unique_records[0]
    message = f"value {shown} {rule}" if shown and rule.startswith("breaks") else rule
    raise _error(
        path,
        message,
        line=None if line == _NO_LINE else line,
        column=column,
        others=len(unique_records) - 1,
    ) from None


def _show(value: Any) -> str:
    """Render a failing value for a message ('' when there is none)."""
    if value is None:
        return ""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return repr(value.strftime("%Y-%m-%d"))
    return repr(value)


def _key_for(spec: DatasetSpec, column: str | None) -> tuple[tuple[str, ...], str]:
    for cols, blame in spec.keys:
        if column is None or column in cols:
            return cols, blame
    for c in spec.columns:  # pragma: no cover - unique columns are always keys
        if c.unique and c.name == column:
            return (c.name,), c.name
    return ((column or "?",), column or "?")  # pragma: no cover


def _first_duplicate_line(
    frame: pd.DataFrame, key_cols: tuple[str, ...], idx: int, lines: list[int]
) -> int:
    key = tuple(frame.at[idx, k] for k in key_cols)
    mask = pd.Series(True, index=frame.index)
    for k, v in zip(key_cols, key, strict=True):
        mask &= frame[k] == v
    return lines[int(mask.idxmax())]


def _is_synthetic(path: Path) -> bool:
    manifest = path.parent / "MANIFEST.json"
    if not manifest.is_file():
        return False
    try:
        info = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return "SYNTHETIC" in str(info.get("statement", "")) and path.name in str(info.get("files"))


def _check_one_sector_per_org(path: Path, frame: pd.DataFrame, lines: list[int]) -> None:
    """Each organisation must have one sector across the file (as sender and as receiver)."""
    sides = pd.concat(
        [
            pd.DataFrame(
                {
                    "org": frame[f"{side}_org"],
                    "sector": frame[f"{side}_sector"],
                    "col": side,
                    "pos": range(len(frame)),
                }
            )
            for side in ("from", "to")
        ],
        ignore_index=True,
    ).sort_values(["pos", "col"], kind="stable")
    first = sides.drop_duplicates("org").set_index("org")["sector"]
    clash = sides[sides["sector"].to_numpy() != first.reindex(sides["org"]).to_numpy()]
    if clash.empty:
        return
    row = clash.iloc[0]
    n_orgs = clash["org"].nunique()
    raise _error(
        path,
        f"organisation {row['org']!r} has sector {row['sector']!r} here but "
        f"{first[row['org']]!r} earlier in the file; each organisation needs one sector",
        line=lines[int(row["pos"])],
        column=f"{row['col']}_sector",
        others=n_orgs - 1,
    )


def validate_file(path: str | Path, dataset: str | None = None) -> pd.DataFrame:
    """Read and validate one record-level CSV file and return it typed.

    Parameters
    ----------
    path
        The CSV file.
    dataset
        Dataset name (a key of :data:`DATASETS`); inferred from the file name if omitted.

    Returns
    -------
    pandas.DataFrame
        Typed frame in the dataset's column order: ints as ``int64``, amounts as ``float64``,
        flags as ``bool``, dates as ``datetime64[ns]``, months as ``YYYY-MM`` strings.
        ``attrs`` holds ``dataset``, ``source_file`` and ``synthetic`` (True when a
        ``MANIFEST.json`` stating SYNTHETIC sits beside the file and lists it).

    Raises
    ------
    DataValidationError
        The file is missing, empty, not UTF-8, or breaks the dataset's schema. The message
        names the file, the line in the file (header = line 1), the column and the rule, and
        counts any other failures.

    """
    path = Path(path)
    name = dataset if dataset is not None else dataset_for_file(path)
    if name not in DATASETS:
        raise _error(path, f"unknown dataset '{name}'; known: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    frame, lines = _parse(path, spec)
    try:
        spec.string_schema().validate(frame, lazy=True)
    except (SchemaError, SchemaErrors) as exc:
        _raise_schema(path, exc, frame, lines, spec)
    typed = _convert(frame, spec)
    sites, schemes = _site_registry()
    try:
        spec.build_schema(sites, schemes).validate(typed, lazy=True)
    except (SchemaError, SchemaErrors) as exc:
        _raise_schema(path, exc, typed, lines, spec, schemes)
    if name.startswith("referrals_"):
        _check_one_sector_per_org(path, typed, lines)
    typed.attrs.update(
        {"dataset": name, "source_file": str(path), "synthetic": _is_synthetic(path)}
    )
    return typed


# --------------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------------


def load(
    name: str,
    *,
    source: Source = "synthetic",
    data_dir: Path | None = None,
    path: Path | None = None,
) -> pd.DataFrame:
    """Load and validate dataset ``name``.

    Parameters
    ----------
    name
        A key of :data:`DATASETS`.
    source
        ``synthetic`` (shipped stand-ins in ``data/synthetic/``) or ``raw`` (private extracts
        in the git-ignored ``data/raw/``).
    data_dir
        The ``data/`` folder holding ``synthetic/`` and ``raw/``; default: ``$CCS_DATA_DIR``,
        else the project's ``data/`` folder.
    path
        Read exactly this file instead (``source`` and ``data_dir`` are then ignored).

    Returns
    -------
    pandas.DataFrame
        The validated, typed dataset (see :func:`validate_file`).

    Raises
    ------
    DataValidationError
        Unknown dataset or source, missing file, or a file that breaks the schema.

    """
    if name not in DATASETS:
        raise DataValidationError(f"unknown dataset '{name}'; known: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if path is None:
        if source not in ("synthetic", "raw"):
            raise DataValidationError(
                f"unknown source {source!r}: use 'synthetic' or 'raw'", column="source"
            )
        base = Path(data_dir) if data_dir is not None else _default_data_dir()
        path = base / source / spec.file_name
    return validate_file(Path(path), name)


def load_referrals_ncan(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load NCAN referrals (Norfolk, Jan 2017 - Dec 2021), one row per referral.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("referrals_ncan", source=source, data_dir=data_dir, path=path)


def load_referrals_thcan(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load THCAN referrals (Tower Hamlets, Mar - Oct 2021), one row per referral.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("referrals_thcan", source=source, data_dir=data_dir, path=path)


def load_lwa_awards(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load monthly LWA/DAF applications and awards per site (2018-01 to 2022-12).

    See :func:`load` for the parameters, return value and errors.
    """
    return load("lwa_awards", source=source, data_dir=data_dir, path=path)


def load_other_crisis_awards(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load monthly awards by other crisis-support providers (KPI 2 windows).

    See :func:`load` for the parameters, return value and errors.
    """
    return load("other_crisis_awards", source=source, data_dir=data_dir, path=path)


def load_survey_local_systems(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load the June 2021 local systems survey (n = 55), one row per respondent.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("survey_local_systems", source=source, data_dir=data_dir, path=path)


def load_monitoring_returns(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load year 2 monitoring returns of the 9 funded organisations.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("monitoring_returns", source=source, data_dir=data_dir, path=path)


def load_activity_log(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load the CCS team activity log for year 2, one row per session.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("activity_log", source=source, data_dir=data_dir, path=path)
