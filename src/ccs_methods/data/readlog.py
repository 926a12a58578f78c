"""The read log: every data file a page read, with its hash, for "How this page was made".

The loaders of :mod:`ccs_methods.data.datasets` and :mod:`ccs_methods.data.published` enter each
read here; :func:`ccs_methods.report.provenance.how_made` lists them at the foot of a page.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

from ccs_methods.errors import CCSInputError

__all__ = [
    "DatasetRead",
    "ReadSource",
    "cache_with_reads",
    "read_log",
    "record_read",
    "replay_read",
    "reset_read_log",
]


ReadSource = Literal["synthetic", "raw", "published"]


@dataclass(frozen=True)
class DatasetRead:
    """One entry of the read log: a dataset a loader read, as it was on disk.

    Attributes
    ----------
    name
        The dataset name (``lwa_awards``, ``referrals_ncan``, ``figures``, ...).
    path
        The file, relative to the project root (POSIX separators); absolute if the file lies
        outside the project.
    sha256
        The sha256 hex digest of the file's bytes when it was read.
    rows
        Number of data rows loaded (after validation, before any filtering by the caller).
    source
        ``synthetic`` (seeded stand-in), ``raw`` (a real extract) or ``published`` (figures
        quoted from the evaluation reports).

    """

    name: str
    path: str
    sha256: str
    rows: int
    source: ReadSource

    @property
    def synthetic(self) -> bool:
        """Whether the file is a synthetic stand-in."""
        return self.source == "synthetic"

    def to_dict(self) -> dict[str, Any]:
        """The entry as a plain dict (JSON-ready)."""
        return asdict(self)


_READ_LOG: list[DatasetRead] = []
_HASHES: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    """The sha256 of a file, cached by (path, size, modification time)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def _relative(path: Path, root: Path | None) -> str:
    path = Path(path).resolve()
    if root is None:
        from ccs_methods.data.paths import find_project_root

        try:
            root = find_project_root()
        except CCSInputError:
            return path.as_posix()
    try:
        return path.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def record_read(
    name: str, path: Path, *, rows: int, source: ReadSource, root: Path | None = None
) -> DatasetRead:
    """Enter one dataset read in the read log and return the entry.

    The loaders of this module call this; a loader elsewhere can call it too so that its reads
    appear in "How this page was made".

    Parameters
    ----------
    name
        Dataset name.
    path
        The file that was read.
    rows
        Number of rows loaded.
    source
        ``synthetic``, ``raw`` or ``published``.
    root
        Project root the path is shown relative to (default: found from the working folder).

    Returns
    -------
    DatasetRead
        The new log entry.

    """
    entry = DatasetRead(
        name=name,
        path=_relative(Path(path), root),
        sha256=_sha256(Path(path)),
        rows=int(rows),
        source=source,
    )
    _READ_LOG.append(entry)
    return entry


def read_log(*, unique: bool = True) -> list[DatasetRead]:
    """The datasets read through this module's loaders since the last :func:`reset_read_log`.

    Parameters
    ----------
    unique
        Keep one entry per (name, file, sha256, rows), in order of first read (default); with
        ``False`` every read is listed, repeats included.

    Returns
    -------
    list of DatasetRead
        A copy; changing it does not change the log.

    """
    if not unique:
        return list(_READ_LOG)
    seen: set[tuple[str, str, str, int]] = set()
    out: list[DatasetRead] = []
    for e in _READ_LOG:
        key = (e.name, e.path, e.sha256, e.rows)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def replay_read(entry: DatasetRead) -> None:
    """Enter a read made earlier (e.g. stored with a cached result) in the read log again."""
    _READ_LOG.append(entry)


def reset_read_log() -> None:
    """Empty the read log (e.g. at the start of a page, or between tests)."""
    _READ_LOG.clear()


_P = ParamSpec("_P")
_T = TypeVar("_T")


def cache_with_reads(maxsize: int) -> Callable[[Callable[_P, _T]], Callable[_P, _T]]:
    """An in-memory cache (:func:`functools.lru_cache`) that logs its reads on every call.

    A plain ``lru_cache`` around a loader logs the files it read only on the first call; a
    later call in the same process returns the cached frame and logs nothing, so a page (or a
    result cached by :func:`ccs_methods.analyses.results.collect_results`) whose first use of a
    dataset came from the cache listed fewer inputs, and "How this page was made" depended on
    what had run before it in the kernel. This cache keeps the reads logged while computing
    each entry and enters them in the log again on every hit. The inputs the entry noted in
    the dependency log (:mod:`ccs_methods.data.deps`) are noted again on every call too, so a
    page that got a cached answer still records what that answer was made from.

    Parameters
    ----------
    maxsize
        As for :func:`functools.lru_cache`.

    Returns
    -------
    callable
        A decorator; the wrapped function keeps ``cache_clear`` and ``cache_info``.

    """
    from ccs_methods.data import deps

    def decorate(fn: Callable[_P, _T]) -> Callable[_P, _T]:
        @functools.lru_cache(maxsize=maxsize)
        def compute(
            *args: Any, **kwargs: Any
        ) -> tuple[Any, tuple[DatasetRead, ...], tuple[dict[str, Any], ...]]:
            before = len(_READ_LOG)
            with deps.capture() as noted:  # the inputs it noted (files, rows, modules)
                value = fn(*args, **kwargs)
            return value, tuple(_READ_LOG[before:]), tuple(noted)

        @functools.wraps(fn)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            hits = compute.cache_info().hits
            value, reads, noted = compute(*args, **kwargs)
            if compute.cache_info().hits > hits:  # served from the cache: log its reads again
                _READ_LOG.extend(reads)
            # the caller's inputs, on every call (the dependency log of incremental rebuilds)
            for n in noted:
                deps.note(**n)
            return value  # type: ignore[no-any-return]

        wrapper.cache_clear = compute.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = compute.cache_info  # type: ignore[attr-defined]
        return wrapper

    return decorate
