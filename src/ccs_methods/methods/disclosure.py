"""Statistical disclosure control for count tables: primary and secondary cell suppression.

The rule (stated in ``book/methods/networks.md``) follows UK Government Statistical Service
practice for tables of counts of people or referrals:

1. **Primary suppression.** A cell whose count is at least 1 and below ``threshold``
   (default 5, ``disclosure.threshold`` in ``params/analysis.yml``) is suppressed.
   Zeros are *not* suppressed: a zero discloses nothing about an individual that a
   published zero in a category would not, and suppressing every zero would hide most of a
   sparse table. Totals are cells too: a small total is suppressed like any other cell.
2. **Secondary (complementary) suppression.** Row and column totals are treated as public
   (printed in the table when ``margins=True``; assumed published elsewhere when
   ``margins=False``). A suppressed cell could then be recovered by subtraction if it were
   the only suppressed cell of its row or column, or, more subtly, through a chain of rows and
   columns. The exact condition is graph-theoretic: draw a bipartite graph whose nodes are
   the table's rows and columns (including the total row and column when they are printed)
   and whose edges are the suppressed cells. The values of the suppressed cells can move
   together without changing any published total exactly when they lie on a cycle of this
   graph, so a suppressed cell can be recomputed from the totals if and only if it is a
   **bridge** of the graph. While the graph has a bridge, the cheapest set of unsuppressed
   cells that closes a cycle through it (shortest path with cost = cell count, so small cells
   are preferred; zeros only if nothing else is possible, since a zero gives one-sided
   protection) is suppressed too, and the graph is rebuilt until no bridge is left.
   A bridgeless graph implies that every row and column has either no suppressed cell or at
   least two (one of which may be its total).

Suppressed cells are ``pandas.NA`` in the returned ``Int64`` table; :func:`format_suppressed`
renders them with the GSS marker ``[c]`` (confidential).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError

__all__ = [
    "DEFAULT_MARKER",
    "TOTAL_LABELS",
    "SuppressionReport",
    "format_suppressed",
    "is_small",
    "pseudonyms",
    "suppress",
]

#: Marker for a suppressed cell (GSS guidance on symbols in tables: "[c]" = confidential).
DEFAULT_MARKER = "[c]"

#: Labels recognised as an existing total row or column (``pandas.crosstab`` uses "All").
TOTAL_LABELS: tuple[str, ...] = ("Total", "All")


@dataclass(frozen=True)
class SuppressionReport:
    """What :func:`suppress` hid and why.

    Attributes
    ----------
    threshold
        Cells with counts ``1 .. threshold - 1`` were primary-suppressed.
    margins
        Whether the published table carries a total row and column.
    primary, secondary
        ``(row label, column label)`` of each suppressed cell, as strings.
    zero_complements
        Secondary cells whose count is 0 (only used when no non-zero cell could protect a
        primary cell; their protection is one-sided). Empty in normal use.
    mask
        Boolean table, ``True`` where a cell is suppressed (same shape as the output).
    n_cells
        Cells in the published table (totals included when printed).

    """

    threshold: int
    margins: bool
    primary: list[tuple[str, str]]
    secondary: list[tuple[str, str]]
    zero_complements: list[tuple[str, str]]
    mask: pd.DataFrame
    n_cells: int

    @property
    def n_suppressed(self) -> int:
        """Number of suppressed cells (primary + secondary)."""
        return len(self.primary) + len(self.secondary)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-serialisable dict (the mask is left out)."""
        return {
            "threshold": self.threshold,
            "margins": self.margins,
            "rule": (
                f"primary: counts 1 to {self.threshold - 1} suppressed (zeros shown); "
                "secondary: complementary cells suppressed until no suppressed cell can be "
                "recomputed from row and column totals"
            ),
            "n_cells": self.n_cells,
            "n_primary": len(self.primary),
            "n_secondary": len(self.secondary),
            "primary": [list(c) for c in self.primary],
            "secondary": [list(c) for c in self.secondary],
            "zero_complements": [list(c) for c in self.zero_complements],
        }


def _is_total_label(label: Hashable) -> bool:
    return isinstance(label, str) and label in TOTAL_LABELS


def _as_counts(table: pd.DataFrame) -> np.ndarray:
    if not isinstance(table, pd.DataFrame):
        raise MethodInputError(f"suppress needs a pandas DataFrame, not {type(table).__name__}.")
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise MethodInputError("suppress needs a table with at least one row and one column.")
    if isinstance(table.index, pd.MultiIndex) or isinstance(table.columns, pd.MultiIndex):
        raise MethodInputError("suppress needs a two-way table with a flat index and flat "
                               "columns; flatten the labels first.")
    for col in table.columns:
        s = table[col]
        if not pd.api.types.is_numeric_dtype(s):
            raise MethodInputError(f"column {col!r} is not numeric; suppress needs counts.",
                                   column=str(col))
        if s.isna().any():
            row = s.index[s.isna().to_numpy()][0]
            raise MethodInputError(f"the cell in row {row!r} is missing; suppress needs a "
                                   "count in every cell.", column=str(col))
    values = table.to_numpy(dtype=float)
    bad = (values < 0) | (values != np.round(values))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MethodInputError(
            f"the cell in row {table.index[i]!r} is {values[i, j]:g}; counts must be whole "
            "numbers >= 0.",
            column=str(table.columns[j]),
        )
    return values.astype(np.int64)


def _split_totals(
    table: pd.DataFrame, values: np.ndarray
) -> tuple[np.ndarray, pd.Index, pd.Index, str | None, str | None]:
    """Strip an existing total row/column (checked against the sums); return their labels."""
    rows, cols = table.index, table.columns
    has_row_total = len(rows) > 1 and _is_total_label(rows[-1])
    has_col_total = len(cols) > 1 and _is_total_label(cols[-1])
    row_total_label = str(rows[-1]) if has_row_total else None
    col_total_label = str(cols[-1]) if has_col_total else None
    core = values
    if has_col_total:
        sums = core[:, :-1].sum(axis=1)
        bad = np.flatnonzero(sums != core[:, -1])
        if bad.size:
            raise MethodInputError(
                f"the total column {cols[-1]!r} does not equal the sum of row {rows[bad[0]]!r} "
                f"({core[bad[0], -1]} vs {sums[bad[0]]}).",
                column=str(cols[-1]),
            )
        core = core[:, :-1]
        cols = cols[:-1]
    if has_row_total:
        sums = core[:-1, :].sum(axis=0)
        bad = np.flatnonzero(sums != core[-1, :])
        if bad.size:
            raise MethodInputError(
                f"the total row {rows[-1]!r} does not equal the sum of column {cols[bad[0]]!r} "
                f"({core[-1, bad[0]]} vs {sums[bad[0]]}).",
                column=str(cols[bad[0]]),
            )
        core = core[:-1, :]
        rows = rows[:-1]
    return core, rows, cols, row_total_label, col_total_label


def _protect(full: np.ndarray, suppressed: np.ndarray, suppressible: np.ndarray,
             n_rows: int, n_cols: int) -> np.ndarray:
    """Add complementary cells until no suppressed cell is a bridge of the row-column graph.

    ``full`` is the table to protect (with its margins when they are published), ``n_rows`` /
    ``n_cols`` the rows and columns that carry an additivity constraint.
    """
    sup = suppressed.copy()
    big = float(full.sum()) * 10.0 + 10.0

    def cost(i: int, j: int) -> float:
        x = float(full[i, j])
        return x + 1e-3 if x > 0 else big

    while True:
        g = nx.Graph()
        g.add_nodes_from(("r", i) for i in range(n_rows))
        g.add_nodes_from(("c", j) for j in range(n_cols))
        cells = [tuple(ij) for ij in np.argwhere(sup)]
        g.add_edges_from((("r", int(i)), ("c", int(j))) for i, j in cells)
        bridges = sorted(
            (int(a[1]), int(b[1])) if a[0] == "r" else (int(b[1]), int(a[1]))
            for a, b in nx.bridges(g)
        )
        if not bridges:
            return sup
        bi, bj = bridges[0]
        h = nx.Graph()
        h.add_nodes_from(g.nodes)
        for i in range(n_rows):
            for j in range(n_cols):
                if (i, j) == (bi, bj) or not suppressible[i, j]:
                    continue
                h.add_edge(("r", i), ("c", j), weight=0.0 if sup[i, j] else cost(i, j))
        try:
            path = nx.dijkstra_path(h, ("r", bi), ("c", bj), weight="weight")
        except nx.NetworkXNoPath as exc:
            raise MethodInputError(
                f"the cell in table row {bi + 1}, column {bj + 1} cannot be protected: no set "
                "of other cells closes it from the totals. Publish the totals "
                "(margins=True) so they can be suppressed too, or merge categories."
            ) from exc
        added = False
        for a, b in itertools.pairwise(path):
            i, j = (a[1], b[1]) if a[0] == "r" else (b[1], a[1])
            if not sup[i, j]:
                sup[i, j] = True
                added = True
        if not added:  # pragma: no cover - a bridge always needs a new cell
            raise AssertionError("secondary suppression made no progress")


def suppress(
    table: pd.DataFrame,
    threshold: int = 5,
    *,
    margins: bool = True,
    total_label: str = "Total",
) -> tuple[pd.DataFrame, SuppressionReport]:
    """Suppress small counts in a two-way count table, with secondary suppression.

    Parameters
    ----------
    table
        Counts (whole numbers >= 0) with row and column labels, e.g. a
        :func:`pandas.crosstab`. A last row and/or column labelled ``"Total"`` or ``"All"`` is
        recognised as a margin and checked against the sums.
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed (default 5: "fewer than 5").
    margins
        ``True`` (default): the published table has a total row and column (added if the
        input has none); totals are protected and may themselves be suppressed.
        ``False``: the output has no totals, but they are assumed to be public elsewhere
        (e.g. the yearly number of referrals), so suppressed cells are still protected
        against recovery from them; only inner cells can be suppressed.
    total_label
        Label of added total row and column when the input has none.

    Returns
    -------
    (pandas.DataFrame, SuppressionReport)
        The table as nullable ``Int64`` with ``pd.NA`` in suppressed cells (see
        :func:`format_suppressed` to display ``[c]``), and the report.

    Raises
    ------
    MethodInputError
        Not a table of counts, totals that do not add up, ``threshold`` < 1, or (with
        ``margins=False``) a cell that cannot be protected without suppressing a total.

    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise MethodInputError(f"threshold must be a whole number >= 1, not {threshold!r}.",
                               column="threshold")
    values = _as_counts(table)
    core, rows, cols, row_label, col_label = _split_totals(table, values)
    row_total_label = row_label or col_label or total_label
    col_total_label = col_label or row_label or total_label
    n_r, n_c = core.shape

    if margins:
        full = np.zeros((n_r + 1, n_c + 1), dtype=np.int64)
        full[:n_r, :n_c] = core
        full[:n_r, n_c] = core.sum(axis=1)
        full[n_r, :n_c] = core.sum(axis=0)
        full[n_r, n_c] = core.sum()
        suppressible = np.ones(full.shape, dtype=bool)
        out_rows = pd.Index([*rows, row_total_label], name=table.index.name)
        out_cols = pd.Index([*cols, col_total_label], name=table.columns.name)
    else:
        full = core.copy()
        suppressible = np.ones(full.shape, dtype=bool)
        out_rows = pd.Index(list(rows), name=table.index.name)
        out_cols = pd.Index(list(cols), name=table.columns.name)

    primary = (full >= 1) & (full < threshold) & suppressible
    sup = _protect(full, primary, suppressible, full.shape[0], full.shape[1])
    secondary = sup & ~primary

    out = pd.DataFrame(full, index=out_rows, columns=out_cols).astype("Int64")
    out = out.mask(sup)
    mask = pd.DataFrame(sup, index=out_rows, columns=out_cols)

    def labels(sel: np.ndarray) -> list[tuple[str, str]]:
        return [(str(out_rows[i]), str(out_cols[j])) for i, j in np.argwhere(sel)]

    report = SuppressionReport(
        threshold=int(threshold),
        margins=bool(margins),
        primary=labels(primary),
        secondary=labels(secondary),
        zero_complements=labels(secondary & (full == 0)),
        mask=mask,
        n_cells=int(full.size),
    )
    return out, report


def format_suppressed(table: pd.DataFrame, marker: str = DEFAULT_MARKER) -> pd.DataFrame:
    """Render a suppressed table for display: thousands separators and a marker for NA.

    Parameters
    ----------
    table
        Output of :func:`suppress`.
    marker
        Text for a suppressed cell (default ``"[c]"``; ``"<5"`` is also common).

    Returns
    -------
    pandas.DataFrame
        Same labels, string cells.

    """
    return table.astype("object").map(lambda v: marker if pd.isna(v) else f"{int(v):,}")


def is_small(value: float | int | None, threshold: int) -> bool:
    """Whether a single count shown below site level must be hidden: ``1 <= value < threshold``.

    The same primary rule as :func:`suppress`, for a count quoted on its own (in prose or in a
    table of measures), e.g. the number of statutory organisations referring in a year.

    Parameters
    ----------
    value
        The count (``None`` or NaN: nothing to hide).
    threshold
        ``disclosure.threshold`` of ``params/analysis.yml``.

    Returns
    -------
    bool

    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return False
    return 1 <= float(value) < threshold


def pseudonyms(ids: Iterable[Hashable], prefix: str = "Organisation") -> dict[Hashable, str]:
    """Stable pseudonyms for identifiers of a raw extract: ``{id: "Organisation 001", ...}``.

    Numbered in order of first appearance, so the numbering reveals nothing of the ids
    themselves. Used so that no organisation id of a raw extract reaches a page (tables,
    figures or figure descriptions).

    Parameters
    ----------
    ids
        The identifiers, in the order they appear in the data.
    prefix
        The word before the number.

    Returns
    -------
    dict
        Each distinct id to its pseudonym.

    """
    out: dict[Hashable, str] = {}
    for i in ids:
        if i not in out:
            out[i] = f"{prefix} {len(out) + 1:03d}"
    return out
