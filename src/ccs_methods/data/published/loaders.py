"""Loaders of the published-figure files and the folder they live in."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ccs_methods.data import paths
from ccs_methods.data.published.geography import GEOGRAPHIES_FILE, pilot_sites
from ccs_methods.data.published.reading import _fail, _load, _load_lines, _Problem
from ccs_methods.data.published.schemas import (
    _ASSUMPTIONS,
    _FEATURES,
    _FIGURES,
    _GEOGRAPHIES,
    _KPIS,
    _LINKS,
    _NODES,
    _PAGE_STEPS,
    _TIMEPOINTS,
    _Spec,
)
from ccs_methods.data.published.vocabulary import EXHIBITS, YEARS
from ccs_methods.errors import CCSInputError, DataValidationError


def published_dir(data_dir: str | Path | None = None) -> Path:
    """Return the folder holding the published tables.

    Parameters
    ----------
    data_dir
        The data folder (the one that holds ``published/``). Defaults to
        :func:`ccs_methods.data.paths.data_dir` (``$CCS_DATA_DIR`` or ``<project root>/data``).

    Returns
    -------
    Path
        ``<data_dir>/published``.

    """
    base = Path(data_dir) if data_dir is not None else paths.data_dir()
    return base / "published"


def _resolve(path: str | Path | None, data_dir: str | Path | None, spec: _Spec) -> Path:
    return Path(path) if path is not None else published_dir(data_dir) / spec.filename


def _companion(file: Path, data_dir: str | Path | None, name: str) -> Path:
    """Where a table's companion file ``name`` is: beside it, else in the data folder."""
    if (file.parent / name).is_file():
        return file.parent / name
    return published_dir(data_dir) / name


def _site_problems(
    frame: pd.DataFrame, allowed: dict[str, str], what: str
) -> list[_Problem]:
    """A problem for each row whose ``site`` is not in ``allowed`` (index = file lines)."""
    col = list(frame.columns).index("site")
    shown = ", ".join(allowed)
    return [
        _Problem(int(line), 0, col, "site", f"value {site!r} must be one of the {what}: {shown}")
        for line, site in frame["site"].items()
        if site not in allowed
    ]


def _normalise_exhibit(exhibit: str) -> str:
    match = re.fullmatch(r"[Ee]0*(\d{1,2})", str(exhibit).strip())
    code = f"E{int(match.group(1))}" if match else None
    if code not in EXHIBITS:
        raise CCSInputError(
            f"unknown exhibit {exhibit!r}; use one of E1 ... E22", column="exhibit"
        )
    return code


def load_figures(
    path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    exhibit: str | None = None,
    site: str | None = None,
    year: int | None = None,
    params_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Load and validate ``figures.csv``, optionally filtered.

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/figures.csv``.
    data_dir
        The data folder used when ``path`` is not given (see :func:`published_dir`).
    exhibit
        Keep only this exhibit (``"E3"``; ``"E03"`` and ``"e3"`` are accepted too).
    site
        Keep only this place: a pilot site of params or a geography of ``geographies.csv``
        (``programme``, ``england``, a named non-pilot area).
    year
        Keep only this programme year (1, 2 or 3). Figures for calendar periods have no year
        and are dropped by this filter.
    params_dir
        The ``params/`` folder whose pilot sites are allowed in ``site`` (default: the
        project's).

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`FIGURES_SCHEMA`; ``value`` is float, ``year`` nullable Int64.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema (message names file, row, column).
    CCSInputError
        If a filter value is not recognised.

    """
    file = _resolve(path, data_dir, _FIGURES)
    if year is not None and year not in YEARS:
        raise CCSInputError(f"unknown programme year {year!r}; use 1, 2 or 3", column="year")
    code = _normalise_exhibit(exhibit) if exhibit is not None else None
    allowed: dict[str, str] = {}

    def _check(f: pd.DataFrame) -> list[_Problem]:
        folder = _companion(file, data_dir, "geographies.csv").parent
        allowed.update(geographies(folder, params_dir))
        return _site_problems(f, allowed, "pilot sites of params and geographies.csv")

    frame = _load(file, _FIGURES, _check)
    if site is not None and site not in allowed:
        raise CCSInputError(
            f"unknown site {site!r}; use one of {', '.join(allowed)}", column="site"
        )
    keep = pd.Series(True, index=frame.index)
    if code is not None:
        keep &= frame["exhibit"] == code
    if site is not None:
        keep &= frame["site"] == site
    if year is not None:
        keep &= (frame["year"] == year).fillna(False)
    out = frame[keep].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def load_kpis(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``kpis.csv`` (E16, one row per KPI).

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/kpis.csv``.
    data_dir
        The data folder used when ``path`` is not given.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`KPIS_SCHEMA`; ``kpi`` int, ``target_value`` and
        ``quasi_baseline_value`` float (NaN where the report gives no number).

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _KPIS), _KPIS)


def load_assumptions(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``assumptions.csv`` (E17, the year-2 logic-model assumptions).

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/assumptions.csv``.
    data_dir
        The data folder used when ``path`` is not given.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`ASSUMPTIONS_SCHEMA`.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _ASSUMPTIONS), _ASSUMPTIONS)


def load_coordination_features(
    path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    site: str | None = None,
    timepoint: str | None = None,
    params_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Load and validate ``coordination_features.csv`` (E4), optionally filtered.

    ``params_dir`` is the ``params/`` folder whose pilot sites are allowed (default: the
    project's).

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/coordination_features.csv``.
    data_dir
        The data folder used when ``path`` is not given.
    site
        Keep only this pilot site.
    timepoint
        Keep only ``baseline_2019`` or ``end_year2_2021_09``.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`COORDINATION_FEATURES_SCHEMA`.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.
    CCSInputError
        If a filter value is not recognised.

    """
    file = _resolve(path, data_dir, _FEATURES)
    pilots = {s: "pilot_site" for s in pilot_sites(params_dir)}
    if site is not None and site not in pilots:
        raise CCSInputError(
            f"unknown pilot site {site!r}; use one of {', '.join(pilots)}", column="site"
        )
    points = list(load_timepoints(_companion(file, data_dir, "timepoints.csv"))["timepoint"])
    if timepoint is not None and timepoint not in points:
        raise CCSInputError(
            f"unknown timepoint {timepoint!r}; use one of {', '.join(points)}",
            column="timepoint",
        )
    def _check(f: pd.DataFrame) -> list[_Problem]:
        col = list(f.columns).index("timepoint")
        return _site_problems(f, pilots, "pilot sites of params") + [
            _Problem(int(line), 0, col, "timepoint", f"value {t!r} is not a timepoint of "
                     f"timepoints.csv: {', '.join(points)}")
            for line, t in f["timepoint"].items()
            if t not in points
        ]

    frame = _load(file, _FEATURES, _check)
    keep = pd.Series(True, index=frame.index)
    if site is not None:
        keep &= frame["site"] == site
    if timepoint is not None:
        keep &= frame["timepoint"] == timepoint
    out = frame[keep].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def load_logic_model(
    nodes_path: str | Path | None = None,
    links_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load and validate the logic-model nodes and links (E17).

    Every ``from_node`` and ``to_node`` must name a node of ``logic_model.csv``.

    Parameters
    ----------
    nodes_path
        The nodes CSV; defaults to ``<data_dir>/published/logic_model.csv``.
    links_path
        The links CSV; defaults to ``<data_dir>/published/logic_model_links.csv``.
    data_dir
        The data folder used when a path is not given.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(nodes, links)`` with the columns of :data:`LOGIC_MODEL_SCHEMA` and
        :data:`LOGIC_MODEL_LINKS_SCHEMA`.

    Raises
    ------
    DataValidationError
        If a file is missing, unreadable, breaks its schema, or a link names an unknown node.

    """
    nodes_file = _resolve(nodes_path, data_dir, _NODES)
    links_file = _resolve(links_path, data_dir, _LINKS)
    nodes = _load(nodes_file, _NODES)
    links = _load_lines(links_file, _LINKS)
    known = set(nodes["node_id"])
    problems = [
        _Problem(int(line), 0, i, column, f"value {node!r} is not a node_id of {nodes_file.name}")
        for i, column in enumerate(("from_node", "to_node"))
        for line, node in links[column].items()
        if node not in known
    ]
    if problems:
        raise _fail(links_file, problems)
    links = links.reset_index(drop=True)
    links.attrs["source"] = str(links_file)
    return nodes, links


def load_geographies(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``geographies.csv``: the places other than pilot sites a figure names.

    Parameters
    ----------
    path
        The CSV to read; defaults to ``<data_dir>/published/geographies.csv``.
    data_dir
        The data folder used when ``path`` is not given.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`GEOGRAPHIES_SCHEMA` (``geography``, ``kind``, ``name`` and the
        source of the place's mention).

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _GEOGRAPHIES), _GEOGRAPHIES)


def load_timepoints(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load and validate ``timepoints.csv``: the timepoints of the key features (E4).

    Returns
    -------
    pandas.DataFrame
        Columns ``timepoint``, ``label`` (as pages show it), ``period`` and its source.

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _TIMEPOINTS), _TIMEPOINTS)


def load_page_steps(
    path: str | Path | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Load ``page_steps.csv``: which exhibits or timepoints each site-year step shows.

    Returns
    -------
    pandas.DataFrame
        Columns ``step`` (``funding``, ``engagement``, ``coordination``), ``year``, ``item``
        (an exhibit such as ``E18`` or a timepoint of ``timepoints.csv``) and ``note``, in
        file order (the order the page shows them).

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable or breaks the schema.

    """
    return _load(_resolve(path, data_dir, _PAGE_STEPS), _PAGE_STEPS)


def geographies(
    published_folder: str | Path, params_dir: str | Path | None = None
) -> dict[str, str]:
    """Every geography a published figure may name, with its kind.

    Parameters
    ----------
    published_folder
        The folder holding ``geographies.csv`` (the published tables' folder).
    params_dir
        The ``params/`` folder whose pilot sites apply (default: the project's).

    Returns
    -------
    dict
        Geography id to kind: ``pilot_site`` for the sites of params, else the ``kind`` of
        ``geographies.csv`` (``programme``, ``nation``, ``other_area``).

    Raises
    ------
    DataValidationError
        ``geographies.csv`` is missing or breaks its schema, or names a pilot site.

    """
    path = Path(published_folder) / GEOGRAPHIES_FILE
    table = load_geographies(path)
    sites = pilot_sites(params_dir)
    out = {s: "pilot_site" for s in sites}
    for i, row in table.iterrows():
        if row["geography"] in out:
            raise DataValidationError(
                f"geography {row['geography']!r} is a pilot site in params: pilot sites are not "
                "listed here",
                file=path,
                row=int(i) + 2,
                column="geography",
            )
        out[str(row["geography"])] = str(row["kind"])
    return out
