"""Analysis settings (``params/analysis.yml``): every model option, threshold and seed in one file.

The notebooks pass these settings to the analyses with the options written out, and every page
that quotes a result (a site-year page, its contribution page, a programme page) reads the same
file, so a setting cannot differ between pages. Unknown keys, wrong types and impossible values
raise :class:`~ccs_methods.errors.ParamsError` naming the file, key and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ccs_methods.data.yamlfile import read_yaml
from ccs_methods.errors import ParamsError

__all__ = [
    "AnalysisSettings",
    "ContributionSettings",
    "DisclosureSettings",
    "ITSSettings",
    "LWATrendSettings",
    "NetworkSettings",
    "SurveySettings",
    "XmRSettings",
    "load_settings",
]

SETTINGS_FILE = "analysis.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LWATrendSettings(_Strict):
    """Annual LWA/DAF award trends (exact Mann-Kendall, Theil-Sen, log-linear GLM)."""

    min_complete_years: int = Field(3, ge=2, description="Fewer complete years: no trend test.")
    glm_family: Literal["auto", "poisson", "quasipoisson", "negbin"] = "auto"
    year_comparison_family: Literal["poisson", "quasipoisson"] = "quasipoisson"


class XmRSettings(_Strict):
    """Control chart (XmR) of monthly awards."""

    min_baseline_points: int = Field(12, ge=2)


class ITSSettings(_Strict):
    """Interrupted time series of monthly referrals."""

    family: Literal["poisson", "quasipoisson", "negbin"] = "quasipoisson"
    fourier_k: int = Field(2, ge=0, le=6, description="Pairs of Fourier seasonality terms.")
    autocorrelation_p: float = Field(0.05, gt=0, lt=1)
    hac_rule: Literal["never_narrower", "positive_lag1"] = Field(
        "never_narrower",
        description="When autocorrelated residuals get Newey-West errors (methods.hac_choice).")
    min_points_each_side: int = Field(8, ge=3)
    sensitivity_shifts: tuple[int, ...] = (-6, -3, 0, 3, 6)


class NetworkSettings(_Strict):
    """Referral-network measures: bootstrap and drawing."""

    bootstrap_replicates: int = Field(2000, ge=100)
    bootstrap_seed: int = Field(20211210, ge=0)
    layout_seed: int = Field(1, ge=0)
    report_years: tuple[int, int] = (2019, 2021)


class DisclosureSettings(_Strict):
    """Disclosure control of tables below site level."""

    threshold: int = Field(5, ge=1)


class SurveySettings(_Strict):
    """Survey of local systems."""

    small_n: int = Field(20, ge=1)
    confidence: float = Field(0.95, gt=0.5, lt=1)


class ContributionSettings(_Strict):
    """Bayesian contribution tracing: status bands and sensitivity sweep."""

    supported_at: float = Field(0.66, gt=0, lt=1)
    unsupported_below: float = Field(0.33, gt=0, lt=1)
    sensitivity_perturb: float = Field(0.1, gt=0, lt=0.5)
    sensitivity_priors: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

    @model_validator(mode="after")
    def _bands_ordered(self) -> ContributionSettings:
        if self.unsupported_below >= self.supported_at:
            raise ValueError(
                f"unsupported_below ({self.unsupported_below}) must be below supported_at "
                f"({self.supported_at})"
            )
        if any(not 0 < p < 1 for p in self.sensitivity_priors):
            raise ValueError("sensitivity_priors must lie strictly between 0 and 1")
        return self


class KpiSettings(_Strict):
    """Which published figure is each KPI's latest value on the KPI dashboard (``E16``)."""

    latest: dict[int, Literal["year1", "year2"]] = Field(
        default_factory=dict,
        description="KPI number -> the published column read as its latest programme-wide value;"
        " a KPI not listed shows no progress.",
    )


class AnalysisSettings(_Strict):
    """All analysis settings, by section of ``params/analysis.yml``."""

    lwa_trend: LWATrendSettings = LWATrendSettings()
    xmr: XmRSettings = XmRSettings()
    its: ITSSettings = ITSSettings()
    networks: NetworkSettings = NetworkSettings()
    disclosure: DisclosureSettings = DisclosureSettings()
    survey: SurveySettings = SurveySettings()
    contribution: ContributionSettings = ContributionSettings()
    kpis: KpiSettings = KpiSettings()


def _key_line(text: str, key_path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the deepest key of ``key_path`` in a YAML text (best effort)."""
    line_no: int | None = None
    start = 0
    lines = text.splitlines()
    for key in key_path:
        if not isinstance(key, str):
            # the key-th item of a block list: count '- ' items at the first item's indent
            indent: int | None = None
            seen = -1
            for i in range(start, len(lines)):
                body = lines[i].split("#", 1)[0]
                if not body.strip():
                    continue
                ind = len(body) - len(body.lstrip())
                if indent is None and body.lstrip().startswith("- "):
                    indent = ind
                if indent is not None and ind < indent:
                    break
                if indent is not None and ind == indent and body.lstrip().startswith("- "):
                    seen += 1
                    if seen == key:
                        line_no, start = i + 1, i  # the item's own keys start on this line
                        break
            continue
        for i in range(start, len(lines)):
            stripped = lines[i].split("#", 1)[0].strip().removeprefix("- ")
            if stripped.startswith(f"{key}:"):
                line_no, start = i + 1, i + 1
                break
    return line_no


def load_settings(params_dir: Path | str) -> AnalysisSettings:
    """Load and validate ``<params_dir>/analysis.yml``.

    Parameters
    ----------
    params_dir
        The ``params/`` folder.

    Returns
    -------
    AnalysisSettings

    Raises
    ------
    ParamsError
        The file is missing or not YAML, has an unknown or duplicate key, a wrong type or an
        impossible value; the message names the file, the key and its line.

    """
    path = Path(params_dir) / SETTINGS_FILE
    data = read_yaml(path)
    try:
        return AnalysisSettings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown setting {key!r}; known: " + ", ".join(_known(loc[:-1]))
        text = path.read_text(encoding="utf-8")
        raise ParamsError(msg, file=path, row=_key_line(text, loc), column=key) from exc


def _known(section: tuple[str | int, ...]) -> list[str]:
    """The setting names allowed at ``section`` (a key path) of :class:`AnalysisSettings`."""
    model: type[BaseModel] = AnalysisSettings
    for part in section:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field is not None else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return []
        model = ann
    return list(model.model_fields)
