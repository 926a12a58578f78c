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


def kind_of(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.Series:
    """The geography kind of each row's ``site`` (``pilot_site``, ``programme``, ...)."""
    return frame["site"].map(kinds)
