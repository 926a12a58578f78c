"""Data selection shared by the trend analyses: cached loading, months, listed years, E-rows.

Record-level data are loaded through the validated loader
:func:`ccs_methods.data.datasets.load_record` once per process (:func:`load_dataset` is cached
by params root, data source and data folder); :func:`clear_cache` forgets them and every model
fit cached by the trend analyses.

LWA/DAF award analyses use only the months of the programme years that params list for the
site's ``lwa_awards`` dataset (year 0 = before CCS) (:func:`restrict_to_listed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.data import datasets, deps
from ccs_methods.data.params import Params, ProgrammeYear
from ccs_methods.data.readlog import cache_with_reads
from ccs_methods.report import pages

__all__ = [
    "LWA",
    "calendar_months",
    "cites",
    "clear_cache",
    "listed_labels",
    "load_dataset",
    "load_site_rows",
    "month",
    "published",
    "published_beyond",
    "published_value_text",
    "register_cache",
    "restrict_to_listed",
    "source_line",
    "window_counts",
    "year_months",
]

#: Name of the LWA/DAF award dataset.
LWA = "lwa_awards"

_CACHES: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> None:
    """Register a cache's ``cache_clear`` so that :func:`clear_cache` forgets it too."""
    _CACHES.append(clear)


@dataclass(frozen=True)
class _Key:
    """Cache key: params root, data source and data folder (params itself is not hashable)."""

    root: str
    source: str
    data_dir: str
    name: str
    params: Params = field(compare=False, hash=False, repr=False)


def _data_dir() -> str:
    from ccs_methods.data import paths

    try:
        return str(paths.data_dir())
    except Exception:  # the loader raises the clear error itself
        return ""


@cache_with_reads(maxsize=16)
def _load_cached(key: _Key) -> pd.DataFrame:
    return datasets.load_record(key.params, key.name)


def load_dataset(params: Params, name: str) -> pd.DataFrame:
    """Load a record-level dataset by name once per process (cached by params root and source).

    Parameters
    ----------
    params
        Loaded parameters (the source, synthetic or raw, is read from them).
    name
        Dataset name, e.g. ``"lwa_awards"`` or ``"referrals_ncan"``.

    Returns
    -------
    pandas.DataFrame
        A copy of the validated dataset (callers may modify it).

    """
    frame = _cached_frame(params, name)
    datasets.note_rows(name, frame.attrs)  # noted on every call: the load itself is cached
    return frame.copy()


def load_site_rows(params: Params, name: str, site: str) -> pd.DataFrame:
    """The rows of one site of a record-level dataset (cached load, as :func:`load_dataset`).

    Only this site's rows are noted in the dependency log, so a page that uses them is not
    re-run when another site's rows change.

    Parameters
    ----------
    params
        Loaded parameters.
    name
        Dataset name.
    site
        Site id.

    Returns
    -------
    pandas.DataFrame
        A copy of the site's rows (possibly empty), with the dataset's ``attrs``.

    """
    frame = _cached_frame(params, name)
    datasets.note_rows(name, frame.attrs, sites=[site])
    part = frame[frame["site"] == site].copy()
    part.attrs = dict(frame.attrs)
    return part


def _cached_frame(params: Params, name: str) -> pd.DataFrame:
    source = params.programme.data_sources.get(name, "synthetic")  # type: ignore[call-overload]
    key = _Key(str(params.root), str(source), _data_dir(), name, params)
    with deps.suppressed():
        return _load_cached(key)


def clear_cache() -> None:
    """Forget cached datasets and model fits (e.g. after new data is dropped in)."""
    _load_cached.cache_clear()
    for clear in _CACHES:
        clear()


def month(value: Any) -> pd.Period:
    """The calendar month (a monthly :class:`pandas.Period`) of a date or ``YYYY-MM`` text."""
    return pd.Timestamp(value).to_period("M")


def year_months(year: ProgrammeYear) -> pd.PeriodIndex:
    """The months of a programme year."""
    return pd.period_range(month(year.start), month(year.end), freq="M")


def calendar_months(year: int) -> pd.PeriodIndex:
    """The twelve months of a calendar year."""
    return pd.period_range(f"{year}-01", f"{year}-12", freq="M")


def window_counts(monthly: pd.DataFrame, months: pd.PeriodIndex, col: str) -> list[float] | None:
    """Counts of ``months`` from a month-indexed table, or None if any month is missing."""
    have = dict(zip(monthly["month"], monthly[col], strict=True))
    comp = dict(zip(monthly["month"], monthly.get("complete", [True] * len(monthly)),
                    strict=True))
    out = []
    for p in months:
        k = str(p)
        if k not in have or not comp[k] or pd.isna(have[k]):
            return None
        out.append(float(have[k]))
    return out


def _in_listed(params: Params, site_id: str, months: Sequence[str], dataset: str) -> np.ndarray:
    """Boolean mask: which ``YYYY-MM`` months lie in a listed programme year (0 = pre-CCS)."""
    listed = set(params.site(site_id).datasets.get(dataset, []))  # type: ignore[call-overload]
    prog = params.programme
    mask = []
    for m in months:
        per = pd.Period(m, "M")
        mask.append(prog.year_of(per.start_time.date()) in listed
                    and prog.year_of(per.end_time.date()) in listed)
    return np.asarray(mask, dtype=bool)


def listed_labels(params: Params, site_id: str, dataset: str = LWA) -> list[str]:
    """The programme years listed for a dataset as labels, e.g. ``["pre-CCS", "Year 1"]``."""
    have = params.site(site_id).datasets.get(dataset, [])  # type: ignore[call-overload]
    return ["pre-CCS" if n == 0 else f"Year {n}" for n in sorted(have)]


def restrict_to_listed(monthly: pd.DataFrame, params: Params, site_id: str,
                       dataset: str = LWA) -> pd.DataFrame:
    """Keep the rows of a monthly table whose month lies in the listed programme years."""
    keep = _in_listed(params, site_id, list(monthly["month"]), dataset)
    return monthly[keep].reset_index(drop=True)


def source_line(name: str, synthetic: bool, extra: str = "") -> str:
    """The source line of a figure drawn from dataset ``name``."""
    kind = "synthetic stand-in" if synthetic else "record-level extract"
    line = f"dataset {name} ({kind})"
    return f"{line}; {extra}" if extra else line


def published(exhibit: str, site: str, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """The published figures of one exhibit and site (optionally some measures only)."""
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    sel = (fig["exhibit"] == exhibit) & (fig["site"] == site)
    if measures is not None:
        sel &= fig["measure"].isin(list(measures))
    return fig.loc[sel].reset_index(drop=True)


def published_beyond(exhibit: str, sites: Iterable[str]) -> pd.DataFrame:
    """The published figures of one exhibit filed under any geography but the given sites.

    For an exhibit shown site by site, these are its other rows: the programme as a whole,
    a nation (``england``, ``wales``) or a named non-pilot area (``geographies.csv``), which a
    page lists among its sources beside the per-site rows.

    Parameters
    ----------
    exhibit
        The exhibit id, e.g. ``"E14"``.
    sites
        The site ids whose rows the page shows already.

    Returns
    -------
    pandas.DataFrame
        Rows of ``figures.csv`` in file order (empty when the exhibit has no other rows).

    """
    from ccs_methods.data.published import load_figures

    fig = load_figures()
    sel = (fig["exhibit"] == exhibit) & ~fig["site"].isin(list(sites))
    return fig.loc[sel].reset_index(drop=True)


def published_value_text(row: pd.Series) -> str:
    """A published figure as the report gives it: ``×1.8``, ``+73%`` or ``1,234``."""
    v = float(row["value"])
    unit = str(row["unit"])
    if unit == "ratio":
        return f"×{v:g}"
    if unit == "percent":
        return f"{v:+g}%"
    return f"{v:,.0f}"


def cites(rows: pd.DataFrame) -> str:
    """The distinct citations (report and section) of published rows, joined by '; '."""
    if rows.empty:
        return ""
    return "; ".join(dict.fromkeys(pages.cite(r) for _, r in rows.iterrows()))
