"""Where the record files are: the data directory, the site registry, dataset by file name."""

from __future__ import annotations

import os
from pathlib import Path

from ccs_methods.data.records.registry import DATASETS
from ccs_methods.errors import DataValidationError


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
