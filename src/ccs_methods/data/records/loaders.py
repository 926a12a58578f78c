"""Validated loaders of the record-level datasets, one per dataset and :func:`load` by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ccs_methods.data.records.files import _default_data_dir
from ccs_methods.data.records.registry import DATASETS
from ccs_methods.data.records.validation import validate_file
from ccs_methods.data.records.vocabulary import Source
from ccs_methods.errors import DataValidationError


def load(
    name: str,
    *,
    source: Source = "synthetic",
    data_dir: Path | None = None,
    path: Path | None = None,
    params_dir: Path | None = None,
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
    params_dir
        The ``params/`` folder whose sites and date windows apply (default: the project's).

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
    return validate_file(Path(path), name, params_dir=params_dir)


def load_referrals_ncan(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load NCAN referrals (the window of ``params/datasets.yml``), one row per referral.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("referrals_ncan", source=source, data_dir=data_dir, path=path)


def load_referrals_thcan(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load THCAN referrals (the window of ``params/datasets.yml``), one row per referral.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("referrals_thcan", source=source, data_dir=data_dir, path=path)


def load_lwa_awards(
    *, source: Source = "synthetic", data_dir: Path | None = None, path: Path | None = None
) -> pd.DataFrame:
    """Load monthly LWA/DAF applications and awards per site (window: ``params/datasets.yml``).

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
    """Load the CCS team activity log, one row per session.

    See :func:`load` for the parameters, return value and errors.
    """
    return load("activity_log", source=source, data_dir=data_dir, path=path)
