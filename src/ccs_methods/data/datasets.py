"""One entry point to every dataset: published tables and record-level files.

``ccs-eval validate`` uses :func:`validate_paths`; the ``ccs-eval stats`` commands read any
CSV through :func:`read_csv_checked`; pages load record-level data through :func:`load_record`,
which picks ``synthetic`` or ``raw`` from ``params/programme.yml``, and published tables through
:func:`load_published`.

Every dataset loaded through :func:`load_record` or :func:`load_published` is entered in a
process-wide **read log** (:func:`read_log`, cleared by :func:`reset_read_log`): the dataset
name, its file relative to the project root, the file's sha256, the number of rows and whether
it is synthetic, raw or published. A notebook runs in its own kernel, so the log of a page's
kernel lists exactly what that page read; :func:`ccs_methods.report.provenance.how_made` shows it
at the foot of the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ccs_methods.data import deps, published, records
from ccs_methods.data.params import Params
from ccs_methods.data.readlog import DatasetRead as DatasetRead  # re-exported: loaders' log
from ccs_methods.data.readlog import ReadSource as ReadSource
from ccs_methods.data.readlog import read_log as read_log
from ccs_methods.data.readlog import record_read as record_read
from ccs_methods.data.readlog import replay_read as replay_read
from ccs_methods.data.readlog import reset_read_log as reset_read_log
from ccs_methods.errors import DataValidationError

#: Loaders of the published tables, by file name.
PUBLISHED_LOADERS: dict[str, Callable[..., object]] = {
    "figures.csv": published.load_figures,
    "kpis.csv": published.load_kpis,
    "assumptions.csv": published.load_assumptions,
    "coordination_features.csv": published.load_coordination_features,
    "geographies.csv": published.load_geographies,
    "timepoints.csv": published.load_timepoints,
    "page_steps.csv": published.load_page_steps,
}

#: Published files validated together (nodes and links of the logic model).
LOGIC_MODEL_FILES = ("logic_model.csv", "logic_model_links.csv")


def shipped_files(root: Path) -> list[Path]:
    """Every data file the project ships or holds: published, synthetic and raw CSVs."""
    data = root / "data"
    files: list[Path] = []
    for sub in ("published", "synthetic", "raw"):
        files += sorted((data / sub).glob("*.csv"))
    return files


def validate_one(path: Path, *, params_dir: Path | None = None) -> int:
    """Validate one data file against its schema; return its number of data rows.

    ``params_dir`` is the ``params/`` folder whose sites and date windows apply (default: the
    project's).

    Raises
    ------
    DataValidationError
        The file breaks its schema; the message names file, line and column.
    """
    path = Path(path)
    name = path.name
    if name in PUBLISHED_LOADERS and path.parent.name == "published":
        frame = PUBLISHED_LOADERS[name](path)
        return len(frame)  # type: ignore[arg-type]
    if name in LOGIC_MODEL_FILES:
        folder = path.parent
        nodes, links = published.load_logic_model(
            folder / LOGIC_MODEL_FILES[0], folder / LOGIC_MODEL_FILES[1]
        )
        return len(nodes) if name == LOGIC_MODEL_FILES[0] else len(links)
    if name in PUBLISHED_LOADERS:
        frame = PUBLISHED_LOADERS[name](path)
        return len(frame)  # type: ignore[arg-type]
    return len(records.validate_file(path, params_dir=params_dir))


def check_sources(params: Params, *, root: Path) -> None:
    """Check that every dataset params set to ``raw`` has its file in ``data/raw/``.

    Raises
    ------
    DataValidationError
        A raw source is chosen but its file is missing; names the file and the params key.
    """
    for name, source in sorted(params.programme.data_sources.items()):
        spec = records.DATASETS.get(name)
        if spec is None:
            continue
        path = root / "data" / source / spec.file_name
        if path.is_dir():
            raise DataValidationError(
                f"expected a CSV file for dataset '{name}', found a folder",
                file=path,
                column=f"data_sources.{name}",
            )
        if not path.is_file():
            raise DataValidationError(
                f"params choose source '{source}' for dataset '{name}' (data_sources in "
                f"params/programme.yml) but this file does not exist",
                file=path,
                column=f"data_sources.{name}",
            )


def validate_paths(paths: Sequence[Path] | None, *, root: Path) -> list[tuple[Path, int]]:
    """Validate the given files (default: every shipped data file); stop at the first error.

    The params of ``root`` (``root/params``) say which sites and date windows apply.
    """
    targets = [Path(p) for p in paths] if paths else shipped_files(root)
    params_dir = Path(root) / "params"
    return [(p, validate_one(p, params_dir=params_dir)) for p in targets]


def read_csv_checked(path: Path) -> pd.DataFrame:
    """Read any CSV for a method, with one clear error for each way the file can be unusable.

    Raises
    ------
    DataValidationError
        Missing file, empty file, non-UTF-8 bytes (with the line), or malformed CSV (with the
        line).
    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError("file not found", file=path)
    raw = path.read_bytes()
    if not raw.strip():
        raise DataValidationError(
            "the file is empty: a header row and data rows are needed", file=path
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataValidationError(
            f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", file=path, row=line
        ) from exc
    rows = list(csv.reader(io.StringIO(text)))
    width = len(rows[0])
    for i, r in enumerate(rows[1:], start=2):
        if r and len(r) != width:
            raise DataValidationError(
                f"has {len(r)} fields but the header has {width}", file=path, row=i
            )
    if len(rows) < 2:
        raise DataValidationError("the file has a header but no data rows", file=path)
    return pd.read_csv(io.StringIO(text))


def source_of(params: Params, name: str, site: str | None = None) -> str:
    """Where the rows of dataset ``name`` for ``site`` come from: ``synthetic`` or ``raw``.

    ``data_sources`` in ``params/programme.yml`` sets each dataset's source; ``site_sources``
    overrides it for single sites (a raw extract for one site, synthetic stand-ins for the
    others). With ``site=None`` the answer is ``synthetic`` if any site's rows are synthetic.
    """
    default = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    overrides = params.programme.site_sources.get(name, {})  # type: ignore[call-overload]
    owners = [
        sid
        for sid, s in params.sites.items()
        if s.referral_network.referral_dataset == name
    ]
    if site is None and owners:
        site = owners[0]  # a referral extract holds its network's site only
    if site is not None:
        return str(overrides.get(site, default))
    used = {overrides.get(s, default) for s in params.programme.sites}
    return "synthetic" if "synthetic" in used or not used else "raw"


def load_record(params: Params, name: str, *, root: Path | None = None) -> pd.DataFrame:
    """Load record-level dataset ``name`` from the sources params choose, row by row.

    Every row carries its provenance in a ``source`` column (``synthetic`` or ``raw``).
    When ``site_sources`` in ``params/programme.yml`` sets some sites of the dataset to a
    different source from ``data_sources``, the rows of each site come from that site's
    source: the raw extract in ``data/raw/`` must then hold rows of raw sites only (a mixed
    extract is refused), and the synthetic stand-ins give the other sites' rows. Each file
    read is entered in the read log (see :func:`read_log`).

    Parameters
    ----------
    params
        Project params; ``data_sources`` and ``site_sources`` pick the sources, and their
        ``params/`` folder gives the sites and date windows the files are validated against.
    name
        A key of :data:`ccs_methods.data.records.DATASETS`.
    root
        Project root whose ``data/`` folder is read (default: ``$CCS_DATA_DIR``, else the
        project's ``data/``).

    Returns
    -------
    pandas.DataFrame
        The validated dataset with a ``source`` column; ``attrs["synthetic"]`` is True when
        any row is synthetic.

    Raises
    ------
    DataValidationError
        Unknown dataset or source, missing file, a file that breaks its schema, or a raw
        extract with rows of a site that params set to synthetic.

    """
    from ccs_methods.data.paths import data_dir as default_data_dir

    default = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    overrides = dict(params.programme.site_sources.get(name, {}))  # type: ignore[call-overload]
    base = (root / "data") if root is not None else default_data_dir()
    spec = records.DATASETS.get(name)
    if spec is None:
        return records.load(name, source=default, data_dir=base, params_dir=params.root)
    # the page depends on the rows it is handed (noted below), not on the files' bytes
    with deps.suppressed():
        out = _load_sources(params, name, spec, default, overrides, base, root)
    out.attrs["ccs_rows"] = site_digests(out)
    out.attrs["ccs_files"] = {
        deps.key_for(p): deps.file_digest(p) for p in record_files(params, name, root=root)
    }
    note_rows(name, out.attrs)
    return out


def record_files(params: Params, name: str, *, root: Path | None = None) -> list[Path]:
    """The files :func:`load_record` reads for dataset ``name`` under the current params.

    One file per source in use (``data/synthetic/<file>``, ``data/raw/<file>``): the
    dataset's ``data_sources`` entry and any ``site_sources`` overrides.
    """
    from ccs_methods.data.paths import data_dir as default_data_dir

    spec = records.DATASETS[name]
    default = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    overrides = dict(params.programme.site_sources.get(name, {}))  # type: ignore[call-overload]
    base = (root / "data") if root is not None else default_data_dir()
    return [base / s / spec.file_name for s in sorted({default, *overrides.values()})]


def site_digests(frame: pd.DataFrame) -> dict[str, str]:
    """A digest of each site's rows (values and column names, in file order).

    Two loads of the same rows give the same digests in any process; a changed, added or
    removed row of one site changes that site's digest only. A frame without a ``site``
    column has one digest, under ``*``.
    """
    import hashlib

    def digest(part: pd.DataFrame) -> str:
        h = hashlib.sha256("\x1f".join(map(str, part.columns)).encode("utf-8"))
        values = pd.util.hash_pandas_object(part.reset_index(drop=True), index=False)
        h.update(values.to_numpy().tobytes())
        return h.hexdigest()

    if "site" not in frame.columns:
        return {"*": digest(frame)}
    return {str(s): digest(part) for s, part in frame.groupby("site", sort=True)}


def note_rows(
    name: str, attrs: Mapping[str, Any], sites: Sequence[str] | None = None
) -> None:
    """Note in the dependency log that the caller was handed these rows of dataset ``name``.

    Parameters
    ----------
    name
        Dataset name.
    attrs
        The ``attrs`` of a frame returned by :func:`load_record` (they carry the digests).
    sites
        Only these sites' rows were handed on (a site with no rows is noted as ``absent``);
        ``None``: every site in the frame.

    """
    digests: dict[str, str] = dict(attrs.get("ccs_rows", {}))
    if sites is not None:
        digests = {s: digests.get(s, "absent") for s in sites}
    deps.note_rows(name, digests, attrs.get("ccs_files", {}))


def _load_sources(
    params: Params,
    name: str,
    spec: Any,
    default: str,
    overrides: dict[str, str],
    base: Path,
    root: Path | None,
) -> pd.DataFrame:
    """Read each source file of a dataset and keep each site's rows from its own source."""
    used = sorted({default, *overrides.values()})
    parts: list[pd.DataFrame] = []
    for source in used:
        path = base / source / spec.file_name
        frame = records.load(name, source=source, data_dir=base, params_dir=params.root)
        if len(used) > 1:
            site_source = frame["site"].map(lambda s: overrides.get(s, default))
            if source == "raw":
                wrong = frame.index[site_source != "raw"]
                if len(wrong):
                    site = frame.at[wrong[0], "site"]
                    raise DataValidationError(
                        f"this raw extract has {len(wrong)} row(s) of site {site!r}, which "
                        f"params set to synthetic (data_sources.{name} = {default}, "
                        f"site_sources.{name} in params/programme.yml); a raw extract may hold "
                        "only rows of the sites set to raw: remove them or set the site to raw",
                        file=path,
                        row=int(wrong[0]) + 2,
                        column="site",
                    )
            else:
                frame = frame[site_source == "synthetic"]
        record_read(name, path, rows=len(frame), source=source, root=root)
        parts.append(frame.assign(source=source))
    out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    out.attrs.update(parts[0].attrs)
    out.attrs["synthetic"] = bool((out["source"] == "synthetic").any())
    out.attrs["sources"] = used
    return out


def row_sources(frame: pd.DataFrame, site: str | None = None) -> set[str]:
    """The sources (``synthetic``, ``raw``) of the rows of ``frame`` (of ``site`` only if given).

    Raises
    ------
    DataValidationError
        The frame has no ``source`` column (it was not loaded through :func:`load_record`).
    """
    if "source" not in frame.columns:
        raise DataValidationError(
            "the frame has no 'source' column: load record data with load_record", column="source"
        )
    rows = frame if site is None or "site" not in frame.columns else frame[frame["site"] == site]
    return set(rows["source"].astype(str))


def load_published(name: str, *, root: Path | None = None, **filters: Any) -> pd.DataFrame:
    """Load a published table (``figures``, ``kpis``, ``assumptions``, ``coordination_features``).

    The read is entered in the read log with the number of rows in the file (before
    ``filters``).

    Parameters
    ----------
    name
        Table name, with or without ``.csv``.
    root
        Project root whose ``data/published/`` is read (default: ``$CCS_DATA_DIR``, else the
        project's ``data/``).
    **filters
        Passed to the table's loader (e.g. ``exhibit="E3"``, ``site="norfolk"`` for
        ``figures``).

    Returns
    -------
    pandas.DataFrame
        The validated table, filtered as asked.

    Raises
    ------
    DataValidationError
        Unknown table, missing file, or a file that breaks its schema.

    """
    from ccs_methods.data.paths import data_dir as default_data_dir

    file_name = name if name.endswith(".csv") else f"{name}.csv"
    if file_name not in PUBLISHED_LOADERS:
        known = ", ".join(n.removesuffix(".csv") for n in PUBLISHED_LOADERS)
        raise DataValidationError(f"unknown published table {name!r}; known: {known}")
    base = (root / "data") if root is not None else default_data_dir()
    path = base / "published" / file_name
    frame: pd.DataFrame = PUBLISHED_LOADERS[file_name](path, **filters)  # type: ignore[assignment]
    # rows of the file, not of the filtered view: the log describes what was read
    rows = len(pd.read_csv(path)) if filters else len(frame)
    record_read(file_name.removesuffix(".csv"), path, rows=rows, source="published", root=root)
    return frame


def is_synthetic(params: Params, name: str, site: str | None = None) -> bool:
    """Whether params say the rows of dataset ``name`` (for ``site``, or any) are synthetic.

    See :func:`source_of`: with ``site`` given only that site's rows count; without it the
    dataset is synthetic if any site's rows are.
    """
    return source_of(params, name, site) == "synthetic"
