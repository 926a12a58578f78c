"""The input files of a run: what the reproducibility record hashes and the results cache keys on.

Kept in the data layer (it only lists files named by params), so that both the pipeline's
build and the analyses' results cache can use it without an import running up the layers.
"""

from __future__ import annotations

from pathlib import Path

from ccs_methods.data.params import Params

__all__ = ["input_files"]


def input_files(params: Params, root: Path) -> list[Path]:
    """Every input file a run reads.

    That is params, templates, published data and the record-level files of the source
    (synthetic or raw) each dataset is set to use.
    """
    files = sorted((root / "params").rglob("*.yml")) + sorted((root / "params").rglob("*.csv"))
    files += sorted((root / "notebooks").glob("*.md"))
    files += sorted((root / "data" / "published").glob("*.csv"))
    sources = set(params.programme.data_sources.values()) or {"synthetic"}
    sources |= {v for by_site in params.programme.site_sources.values() for v in by_site.values()}
    for src in sorted(sources):
        folder = root / "data" / src
        files += sorted(p for p in folder.glob("*.csv"))
    return files
