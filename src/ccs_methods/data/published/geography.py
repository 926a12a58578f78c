"""Which places a published figure may describe: pilot sites from params, and the rest.

A figure's ``site`` column names the place it describes: a pilot site of
``params/programme.yml``, or a geography of ``data/published/geographies.csv`` (``programme``
for the pilot sites together, a nation such as ``england``, or a named non-pilot area). No
site is listed in code, so a new pilot site is known to the published tables as soon as its
params file exists.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ccs_methods.errors import DataValidationError

#: File of the non-site geographies, beside the other published tables.
GEOGRAPHIES_FILE = "geographies.csv"


def pilot_sites(params_dir: str | Path | None = None) -> tuple[str, ...]:
    """The pilot site ids of ``params/programme.yml`` (default: the project's params).

    Raises
    ------
    ParamsError
        params are missing or invalid (never a silent fall-back).
    """
    from ccs_methods.data.params import load_programme
    from ccs_methods.data.paths import find_project_root

    folder = Path(params_dir) if params_dir is not None else find_project_root() / "params"
    return tuple(load_programme(folder).sites)


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
    from ccs_methods.data.published.loaders import load_geographies

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


def kind_of(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.Series:
    """The geography kind of each row's ``site`` (``pilot_site``, ``programme``, ...)."""
    return frame["site"].map(kinds)
