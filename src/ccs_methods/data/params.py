"""Parameters of the evaluation: the programme, its years and its pilot sites.

Everything that varies between runs lives in ``params/`` as YAML and is validated here on load:

- ``params/programme.yml``: sites, programme years and their dates, the CCS start date,
  Covid-19 dates, data sources, the synthetic seed, the disclosure threshold;
- ``params/sites/<site>.yml``: one file per pilot site (display name, LWA scheme, referral
  network, which datasets exist for which years).

A new site is a new site file plus its id in ``programme.yml``; a new year is a new entry in
``years``. No code changes. Every problem raises :class:`~ccs_methods.errors.ParamsError`
naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ccs_methods.data.settings import AnalysisSettings, load_settings
from ccs_methods.data.yamlfile import read_yaml
from ccs_methods.errors import ParamsError

DatasetName = Literal[
    "referrals_ncan",
    "referrals_thcan",
    "lwa_awards",
    "other_crisis_awards",
    "survey_local_systems",
    "monitoring_returns",
    "activity_log",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgrammeYear(_Strict):
    """One programme year with inclusive start and end dates."""

    number: int = Field(ge=1, description="Programme year number, 1-based.")
    label: str
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _end_after_start(self) -> ProgrammeYear:
        if self.end <= self.start:
            raise ValueError(f"end date {self.end} is not after start date {self.start}")
        return self

    def contains(self, day: dt.date) -> bool:
        """Return whether ``day`` falls within this programme year (inclusive)."""
        return self.start <= day <= self.end


class CovidDates(_Strict):
    """Covid-19 dates used as a co-intervention in the time-series models."""

    first_lockdown: dt.date
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> CovidDates:
        if self.period_end <= self.period_start:
            raise ValueError(
                f"period_end {self.period_end} is not after period_start {self.period_start}"
            )
        return self


class Programme(_Strict):
    """The contents of ``params/programme.yml``."""

    programme: str
    ccs_start: dt.date
    covid: CovidDates
    years: list[ProgrammeYear] = Field(min_length=1)
    sites: list[str] = Field(min_length=1)
    data_sources: dict[DatasetName, Literal["synthetic", "raw"]] = Field(default_factory=dict)
    site_sources: dict[DatasetName, dict[str, Literal["synthetic", "raw"]]] = Field(
        default_factory=dict,
        description="Per site x dataset overrides of data_sources (e.g. Norfolk raw only).",
    )
    synthetic_seed: int = 20211210

    @field_validator("sites")
    @classmethod
    def _site_ids(cls, sites: list[str]) -> list[str]:
        for s in sites:
            if not s.replace("_", "").isalnum() or s.lower() != s:
                raise ValueError(f"site id {s!r} must be lower-case letters, digits and '_'")
        if len(set(sites)) != len(sites):
            raise ValueError("site ids are repeated")
        return sites

    @model_validator(mode="after")
    def _site_sources_name_sites(self) -> Programme:
        for name, by_site in self.site_sources.items():
            unknown = sorted(set(by_site) - set(self.sites))
            if unknown:
                raise ValueError(
                    f"site_sources.{name} names {', '.join(unknown)}, not in sites "
                    f"({', '.join(self.sites)})"
                )
        return self

    @model_validator(mode="after")
    def _years_consistent(self) -> Programme:
        numbers = [y.number for y in self.years]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"years must be numbered 1, 2, 3, ... in order; got {numbers}")
        for prev, nxt in zip(self.years, self.years[1:], strict=False):
            if nxt.start <= prev.end:
                raise ValueError(
                    f"year {nxt.number} starts ({nxt.start}) before year {prev.number} ends"
                    f" ({prev.end})"
                )
        return self

    def year(self, number: int) -> ProgrammeYear:
        """Return programme year ``number``; raise :class:`ParamsError` if it is not defined."""
        for y in self.years:
            if y.number == number:
                return y
        raise ParamsError(
            f"unknown programme year {number}; defined years: {[y.number for y in self.years]}",
            column="years",
        )

    def year_of(self, day: dt.date) -> int:
        """Programme year containing ``day``: 0 before year 1, -1 after the last year."""
        if day < self.years[0].start:
            return 0
        for y in self.years:
            if y.contains(day):
                return y.number
        return -1


class LWAScheme(_Strict):
    """A site's Local Welfare Assistance (or Welsh DAF) scheme."""

    name: str
    short_name: str
    kind: Literal["lwa", "daf"]
    award_unit: Literal["awards", "items"]


class ReferralNetwork(_Strict):
    """A site's advice network and its referral system, if any.

    Every field is optional: a site with no advice network named in the reports leaves
    ``referral_network`` out (or gives no ``name``), and pages then name no network.
    """

    name: str | None = None
    short_name: str | None = None
    referral_system_launch: dt.date | None = None
    referral_dataset: DatasetName | None = None
    #: Why the site has no referral records, as the reports say it (citing the report), for a
    #: network with no live system; pages fall back to a plain sentence when it is absent.
    no_system_note: str | None = None

    @model_validator(mode="after")
    def _named_if_system(self) -> ReferralNetwork:
        if self.referral_dataset and not (self.name and self.short_name):
            raise ValueError("a referral_dataset needs the network's name and short_name")
        return self


class Site(_Strict):
    """The contents of ``params/sites/<site>.yml``."""

    id: str
    display_name: str
    nation: Literal["England", "Wales", "Scotland", "Northern Ireland"]
    lwa_scheme: LWAScheme
    referral_network: ReferralNetwork = ReferralNetwork()
    datasets: dict[
        Literal[
            "published",
            "referrals",
            "lwa_awards",
            "survey_local_systems",
            "monitoring_returns",
            "activity_log",
        ],
        list[int],
    ] = Field(default_factory=dict)

    def has(self, dataset: str, year: int) -> bool:
        """Whether ``dataset`` exists for this site in programme ``year`` (0 = pre-CCS)."""
        return year in self.datasets.get(dataset, [])  # type: ignore[call-overload]


class Params(_Strict):
    """All parameters: the programme and its sites, keyed by site id."""

    root: Path
    programme: Programme
    sites: dict[str, Site]
    analysis: AnalysisSettings = AnalysisSettings()

    def site(self, site_id: str) -> Site:
        """Return a site by id; raise :class:`ParamsError` listing the known ids otherwise."""
        if site_id not in self.sites:
            raise ParamsError(
                f"unknown site {site_id!r}; known sites: {', '.join(self.sites)}",
                file=self.root / "programme.yml",
                column="sites",
            )
        return self.sites[site_id]

    def site_years(self) -> list[tuple[str, int]]:
        """Every (site, year) pair the book has a page for, in params order."""
        return [(s, y.number) for s in self.programme.sites for y in self.programme.years]


def _loc(err: dict[str, Any]) -> str:
    parts: list[str] = []
    for p in err["loc"]:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]"] if parts else [f"[{p}]"]
        else:
            parts.append(str(p))
    return ".".join(parts)


def _raise_validation(path: Path, exc: ValidationError) -> None:
    from ccs_methods.data.settings import _key_line

    errs = exc.errors()
    first = errs[0]
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = f"unknown key {_loc(first)!r}"
    more = ""
    if len(errs) > 1:
        others = "; ".join(
            f"{_loc(e) or 'top level'}: {e['msg'].removeprefix('Value error, ')}" for e in errs[1:4]
        )
        more = f" (and {len(errs) - 1} more problem(s): {others})"
    try:
        line = _key_line(path.read_text(encoding="utf-8"), tuple(first["loc"]))
    except OSError:
        line = None
    raise ParamsError(
        f"{msg}{more}", file=path, row=line, column=_loc(first) or None, rule=first["type"]
    ) from None


def load_programme(params_dir: Path) -> Programme:
    """Load and validate ``params/programme.yml``."""
    path = Path(params_dir) / "programme.yml"
    data = read_yaml(path)
    try:
        return Programme.model_validate(data)
    except ValidationError as exc:
        _raise_validation(path, exc)
        raise  # pragma: no cover - _raise_validation always raises


def load_site(path: Path) -> Site:
    """Load and validate one ``params/sites/<site>.yml`` file."""
    data = read_yaml(path)
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        _raise_validation(path, exc)
        raise  # pragma: no cover
    if site.id != path.stem:
        raise ParamsError(
            f"site id {site.id!r} does not match the file name {path.name!r}",
            file=path,
            column="id",
        )
    return site


def load_params(params_dir: Path | str | None = None) -> Params:
    """Load ``programme.yml`` and every listed site file, validating all of them.

    Parameters
    ----------
    params_dir
        The ``params/`` folder; defaults to ``<project root>/params``.

    Raises
    ------
    ParamsError
        A file is missing, is not valid YAML, breaks a rule (e.g. an end date before a start
        date), or a site listed in ``programme.yml`` has no site file.

    """
    if params_dir is None:
        from ccs_methods.data.paths import find_project_root

        params_dir = find_project_root() / "params"
    params_dir = Path(params_dir)
    programme = load_programme(params_dir)
    sites: dict[str, Site] = {}
    for i, site_id in enumerate(programme.sites):
        path = params_dir / "sites" / f"{site_id}.yml"
        if not path.is_file():
            raise ParamsError(
                f"site {site_id!r} is listed but its file {path} does not exist",
                file=params_dir / "programme.yml",
                column=f"sites[{i}]",
            )
        sites[site_id] = load_site(path)
    listed = set(programme.sites)
    for extra in sorted((params_dir / "sites").glob("*.y*ml")):
        if extra.stem not in listed:
            raise ParamsError(
                f"site file {extra.name} is not listed under 'sites' in programme.yml; list the "
                "site there or remove the file",
                file=extra,
                rule="listed site",
            )
    years = {y.number for y in programme.years}
    for site_id, site in sites.items():
        path = params_dir / "sites" / f"{site_id}.yml"
        for dataset, listed_years in site.datasets.items():
            bad = [y for y in listed_years if y != 0 and y not in years]
            if bad:
                from ccs_methods.data.settings import _key_line

                text = path.read_text(encoding="utf-8")
                raise ParamsError(
                    f"year {bad[0]} does not exist; programme.yml defines years "
                    f"{sorted(years)} (0 = before CCS)",
                    file=path,
                    row=_key_line(text, ("datasets", dataset)),
                    column=f"datasets.{dataset}",
                    rule="existing year",
                )
    analysis = load_settings(params_dir)
    return Params(root=params_dir, programme=programme, sites=sites, analysis=analysis)
