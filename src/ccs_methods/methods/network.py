"""Referral networks: cleaning, graph, measures, bootstrap intervals and figures.

This module regenerates the referral-network exhibits of the year 2 report from record-level
referral data (one row per referral): reasons for referral over time (E6), the direction of
referral and the network measures (E12), statutory-to-statutory referrals (E13) and referrals to
and from the LWA scheme (E15). The definitions are stated in ``book/methods/networks.md``.

Referral records have the columns of :data:`REQUIRED_COLUMNS`. Organisations are identified by
``from_org`` / ``to_org`` and belong to one of the :data:`SECTORS`; the LWA scheme (for Norfolk,
the Norfolk Assistance Scheme) is the organisation whose sector is ``lwa``.

Every function that returns a ``dict`` returns plain Python types (``int``, ``float``, ``str``,
``list``, ``dict``) with no NaN, so the result can be written with :func:`json.dumps`.

Figures follow the book's conventions (:mod:`ccs_methods.report.plots`): each plotting function
returns a :class:`matplotlib.figure.Figure` made with ``plots.new_figure``, with a title,
labelled axes or a legend, a source line (marked when the data are synthetic) and alt text in
``fig.alt_text`` (shown by ``plots.show``). The table behind the chart is ``fig.data``;
:func:`plot_network` also sets ``fig.node_positions``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ccs_methods.errors import DataValidationError, MethodInputError, ParamsError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CLEANING_RULES",
    "OUTCOMES",
    "REQUIRED_COLUMNS",
    "SECTORS",
    "SECTOR_LABELS",
    "SECTOR_SHORT_LABELS",
    "CleaningReport",
    "acceptance_rates",
    "build_graph",
    "clean_referrals",
    "lwa_flows",
    "measures_by_period",
    "network_layout",
    "network_measures",
    "period_labels",
    "plot_network",
    "plot_reasons",
    "plot_sector_flows",
    "reason_label",
    "reasons_by_period",
    "scalar_measure_names",
    "sector_flow_matrix",
    "sector_palette",
    "statutory_to_statutory",
    "wilson_interval",
    "yoy_change",
]

#: Organisation sectors, in the order used by every table and figure.
SECTORS: tuple[str, ...] = ("vcs", "statutory", "lwa", "school", "health", "other")

#: Display names of the sectors.
SECTOR_LABELS: dict[str, str] = {
    "vcs": "Voluntary and community",
    "statutory": "Statutory",
    "lwa": "LWA scheme",
    "school": "School",
    "health": "Health",
    "other": "Other",
}

#: Short sector names for axis labels.
SECTOR_SHORT_LABELS: dict[str, str] = {
    "vcs": "VCS",
    "statutory": "Statutory",
    "lwa": "LWA",
    "school": "School",
    "health": "Health",
    "other": "Other",
}

def reason_label(reason: Hashable) -> str:
    """Reader label of a reason code: ``"not_reported"`` -> ``"Not reported"``.

    Parameters
    ----------
    reason
        A reason for referral as recorded (or an already readable label).

    Returns
    -------
    str
        Underscores replaced by spaces, first letter capitalised.

    """
    text = str(reason).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


#: Allowed values of ``outcome``.
OUTCOMES: tuple[str, ...] = ("accepted", "declined")

#: Columns every referral table must have.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "referral_id",
    "date",
    "site",
    "network",
    "from_org",
    "from_sector",
    "to_org",
    "to_sector",
    "reason",
    "outcome",
)

_STRING_COLUMNS = tuple(c for c in REQUIRED_COLUMNS if c != "date")
_EDGE_COLUMNS = ("from_org", "from_sector", "to_org", "to_sector")

# seaborn "colorblind" palette (Okabe-Ito based), fixed per sector so that every figure agrees.
_SECTOR_PALETTE_INDEX = {"vcs": 0, "statutory": 1, "lwa": 2, "school": 4, "health": 3, "other": 7}

#: Rules applied by :func:`clean_referrals`, in order. Reproduced in :class:`CleaningReport`.
CLEANING_RULES: tuple[str, ...] = (
    "1. Every required column must be present; otherwise an error names the missing column.",
    "2. No required value may be missing or blank; otherwise an error names the row and column.",
    "3. `date` must be a date (ISO 8601, YYYY-MM-DD); otherwise an error names the row.",
    "4. `outcome` must be 'accepted' or 'declined' (case and surrounding spaces are ignored).",
    "5. `from_sector` / `to_sector` must be one of vcs, statutory, lwa, school, health, other "
    "(case and spaces ignored); an unknown sector is an error, or, with "
    "unknown_sectors='other', is recoded to 'other' and counted.",
    "6. `referral_id` must be unique: a repeated id is an error, or, with duplicate_ids='drop', "
    "every occurrence after the first is dropped and counted (reason 'duplicate_id').",
    "7. A self-referral (from_org == to_org) is dropped and counted (reason 'self_referral'), "
    "or is an error with self_referrals='error'.",
    "8. With a period (start, end), referrals dated before start or after end (both inclusive) "
    "are dropped and counted (reason 'outside_period').",
    "9. Each organisation must have a single sector across the rows kept; otherwise an error "
    "names the first row that disagrees.",
)

_DROP_REASONS = ("duplicate_id", "self_referral", "outside_period")


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleaningReport:
    """What :func:`clean_referrals` did to a referral table.

    Attributes
    ----------
    source_file
        The file the table came from, if given.
    row_numbering
        ``"line"`` (1-based line in the file, the header is line 1) when ``source_file`` was
        given, otherwise ``"row"`` (1-based data row, header excluded).
    n_input, n_output
        Rows in and rows out; ``n_input == n_output + sum(dropped.values())``.
    dropped
        Rows dropped by reason: ``duplicate_id``, ``self_referral``, ``outside_period`` (every
        key is present, zero when nothing was dropped for that reason).
    dropped_rows
        The row (or line) numbers dropped for each reason.
    recoded
        Values changed rather than dropped: ``unknown_sector_to_other`` counts sector cells
        recoded to ``other``.
    recoded_rows
        The row (or line) numbers of each recoding.
    rules
        The rules applied, in order (:data:`CLEANING_RULES`).

    """

    source_file: str | None
    row_numbering: str
    n_input: int
    n_output: int
    dropped: dict[str, int]
    dropped_rows: dict[str, list[int]]
    recoded: dict[str, int]
    recoded_rows: dict[str, list[int]]
    rules: tuple[str, ...] = CLEANING_RULES
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        """Total number of rows dropped."""
        return sum(self.dropped.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-serialisable dict."""
        return {
            "source_file": self.source_file,
            "row_numbering": self.row_numbering,
            "n_input": self.n_input,
            "n_output": self.n_output,
            "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped),
            "dropped_rows": {k: list(v) for k, v in self.dropped_rows.items()},
            "recoded": dict(self.recoded),
            "recoded_rows": {k: list(v) for k, v in self.recoded_rows.items()},
            "rules": list(self.rules),
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """Return a one-paragraph plain-language summary of the cleaning."""
        parts = [f"{self.n_input:,} referrals read, {self.n_output:,} kept"]
        for reason in _DROP_REASONS:
            n = self.dropped.get(reason, 0)
            if n:
                parts.append(f"{n:,} dropped ({reason.replace('_', ' ')})")
        for what, n in self.recoded.items():
            if n:
                parts.append(f"{n:,} sector values recoded to 'other' ({what})")
        return "; ".join(parts) + "."


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise MethodInputError(
            f"{name} must be one of {list(allowed)}, not {value!r}.", column=name
        )


def clean_referrals(
    df: pd.DataFrame,
    *,
    period: tuple[Any, Any] | None = None,
    self_referrals: Literal["drop", "error"] = "drop",
    duplicate_ids: Literal["error", "drop"] = "error",
    unknown_sectors: Literal["error", "other"] = "error",
    source_file: str | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Validate and clean a referral table, reporting every row dropped and why.

    The rules (:data:`CLEANING_RULES`) are applied in order; a row dropped by one rule is
    counted under that rule only. Nothing is dropped silently: every dropped row appears in
    the report with its reason and its row number.

    Parameters
    ----------
    df
        One row per referral with the columns of :data:`REQUIRED_COLUMNS` (extra columns are
        kept unchanged).
    period
        ``(start, end)`` dates, both inclusive (anything :func:`pandas.Timestamp` accepts);
        referrals outside are dropped. ``None`` keeps every date.
    self_referrals
        ``"drop"`` (default) drops referrals from an organisation to itself; ``"error"`` raises.
    duplicate_ids
        ``"error"`` (default) raises on a repeated ``referral_id``; ``"drop"`` keeps the first
        occurrence and drops the others.
    unknown_sectors
        ``"error"`` (default) raises on a sector outside :data:`SECTORS`; ``"other"`` recodes
        it to ``"other"``.
    source_file
        The file the table was read from. Errors and the report then give the line in that
        file (data row index + 2, the header being line 1); otherwise the 1-based data row.

    Returns
    -------
    (pandas.DataFrame, CleaningReport)
        The cleaned rows (original index kept, so rows can be traced back; ``date`` as
        datetime64, sectors and outcome lower case, strings stripped) and the report.

    Raises
    ------
    DataValidationError
        A rule is broken; the message names the row (or line) and the column.
    MethodInputError
        An option has an invalid value.
    ParamsError
        ``period`` is not a valid (start, end) pair.

    """
    _check_choice("self_referrals", self_referrals, ("drop", "error"))
    _check_choice("duplicate_ids", duplicate_ids, ("error", "drop"))
    _check_choice("unknown_sectors", unknown_sectors, ("error", "other"))
    if not isinstance(df, pd.DataFrame):
        raise MethodInputError(f"referrals must be a pandas DataFrame, not {type(df).__name__}.")
    start, end = _parse_period(period)

    base = 2 if source_file is not None else 1
    unit = "line" if source_file is not None else "row"

    def rownum(pos: int) -> int:
        return int(pos) + base

    def fail(message: str, pos: int | None = None, column: str | None = None) -> None:
        raise DataValidationError(
            message,
            file=source_file,
            row=rownum(pos) if pos is not None else None,
            column=column,
        )

    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        fail(
            f"missing required column(s) {missing}; a referral table needs the columns "
            f"{list(REQUIRED_COLUMNS)}.",
            column=missing[0],
        )

    n_input = len(df)
    out = df.copy()

    # Rule 2: no missing or blank values.
    for col in REQUIRED_COLUMNS:
        raw = out[col]
        if col == "date":
            blank = raw.isna().to_numpy().copy()
            if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                blank |= (raw.astype("str").str.strip() == "").fillna(True).to_numpy(dtype=bool)
        else:
            text = raw.astype("str").str.strip()
            blank = raw.isna().to_numpy() | (text == "").fillna(True).to_numpy(dtype=bool)
            out[col] = text
        if blank.any():
            pos = int(np.flatnonzero(blank)[0])
            fail(
                f"{int(blank.sum())} referral(s) have no value in column '{col}' (first at "
                f"{unit} {rownum(pos)}); every referral needs a {col}.",
                pos,
                col,
            )

    # Rule 3: dates.
    if not pd.api.types.is_datetime64_any_dtype(out["date"]):
        parsed = pd.to_datetime(out["date"], errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            fail(
                f"date {out['date'].iloc[pos]!r} is not a date; write dates as YYYY-MM-DD.",
                pos,
                "date",
            )
        out["date"] = parsed
    if getattr(out["date"].dt, "tz", None) is not None:
        out["date"] = out["date"].dt.tz_localize(None)

    # Rule 4: outcome.
    out["outcome"] = out["outcome"].str.lower()
    bad = ~out["outcome"].isin(OUTCOMES).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        fail(
            f"outcome {out['outcome'].iloc[pos]!r} is not one of {list(OUTCOMES)}.",
            pos,
            "outcome",
        )

    # Rule 5: sectors.
    recoded_rows: dict[str, list[int]] = {"unknown_sector_to_other": []}
    recoded_positions: list[int] = []
    for col in ("from_sector", "to_sector"):
        out[col] = out[col].str.lower()
        bad = ~out[col].isin(SECTORS).to_numpy()
        if bad.any():
            if unknown_sectors == "error":
                pos = int(np.flatnonzero(bad)[0])
                fail(
                    f"sector {out[col].iloc[pos]!r} is not one of {list(SECTORS)}; fix the "
                    "data or pass unknown_sectors='other' to recode it.",
                    pos,
                    col,
                )
            recoded_positions.extend(int(p) for p in np.flatnonzero(bad))
            out[col] = out[col].where(~bad, "other")
    recoded_rows["unknown_sector_to_other"] = [rownum(p) for p in sorted(recoded_positions)]

    keep = np.ones(n_input, dtype=bool)
    dropped_rows: dict[str, list[int]] = {r: [] for r in _DROP_REASONS}

    # Rule 6: duplicate ids (judged on the whole table, first occurrence kept).
    dup = out["referral_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        if duplicate_ids == "error":
            pos = int(np.flatnonzero(dup)[0])
            rid = out["referral_id"].iloc[pos]
            first = int(np.flatnonzero((out["referral_id"] == rid).to_numpy())[0])
            fail(
                f"referral_id {rid!r} repeats the referral at {unit} {rownum(first)}; ids must "
                "be unique (pass duplicate_ids='drop' to keep the first occurrence only).",
                pos,
                "referral_id",
            )
        dropped_rows["duplicate_id"] = [rownum(p) for p in np.flatnonzero(dup)]
        keep &= ~dup

    # Rule 7: self-referrals.
    selfref = (out["from_org"] == out["to_org"]).to_numpy() & keep
    if selfref.any():
        if self_referrals == "error":
            pos = int(np.flatnonzero(selfref)[0])
            fail(
                f"organisation {out['from_org'].iloc[pos]!r} refers to itself; self-referrals "
                "are not part of the network (pass self_referrals='drop' to drop them).",
                pos,
                "to_org",
            )
        dropped_rows["self_referral"] = [rownum(p) for p in np.flatnonzero(selfref)]
        keep &= ~selfref

    # Rule 8: period.
    if start is not None and end is not None:
        day = out["date"].dt.normalize()
        outside = (~((day >= start) & (day <= end))).to_numpy() & keep
        dropped_rows["outside_period"] = [rownum(p) for p in np.flatnonzero(outside)]
        keep &= ~outside

    result = out.loc[keep].copy()

    # Rule 9: one sector per organisation.
    _check_sector_consistency(result, np.flatnonzero(keep), fail, unit, rownum)

    dropped = {r: len(v) for r, v in dropped_rows.items()}
    report = CleaningReport(
        source_file=source_file,
        row_numbering=unit,
        n_input=n_input,
        n_output=len(result),
        dropped=dropped,
        dropped_rows=dropped_rows,
        recoded={"unknown_sector_to_other": len(recoded_positions)},
        recoded_rows=recoded_rows,
        settings={
            "period": None if start is None else [str(start.date()), str(end.date())],
            "self_referrals": self_referrals,
            "duplicate_ids": duplicate_ids,
            "unknown_sectors": unknown_sectors,
        },
    )
    assert report.n_input == report.n_output + report.n_dropped
    return result, report


def _parse_period(period: tuple[Any, Any] | None) -> tuple[pd.Timestamp | None, ...]:
    if period is None:
        return None, None
    try:
        start, end = period
        start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError) as exc:
        raise ParamsError(
            f"period must be a (start, end) pair of dates, not {period!r}.", column="period"
        ) from exc
    if start_ts > end_ts:
        raise ParamsError(
            f"period start {start_ts.date()} is after its end {end_ts.date()}.", column="period"
        )
    return start_ts, end_ts


def _check_sector_consistency(
    df: pd.DataFrame,
    positions: np.ndarray,
    fail: Callable[..., None],
    unit: str,
    rownum: Callable[[int], int],
) -> None:
    if df.empty:
        return
    n = len(df)
    long = pd.DataFrame(
        {
            "org": np.concatenate([df["from_org"].to_numpy(), df["to_org"].to_numpy()]),
            "sector": np.concatenate([df["from_sector"].to_numpy(), df["to_sector"].to_numpy()]),
            "pos": np.concatenate([positions, positions]),
            "column": ["from_sector"] * n + ["to_sector"] * n,
        }
    ).sort_values(["pos", "column"], kind="stable")
    first = long.groupby("org", sort=False)["sector"].transform("first")
    clash = long["sector"] != first
    if clash.any():
        row = long.loc[clash].iloc[0]
        org = row["org"]
        first_row = long[(long["org"] == org)].iloc[0]
        fail(
            f"organisation {org!r} has sector {row['sector']!r} here but {first_row['sector']!r} "
            f"at {unit} {rownum(int(first_row['pos']))}; each organisation needs one sector.",
            int(row["pos"]),
            str(row["column"]),
        )


# --------------------------------------------------------------------------------------------
# Graph and edge arrays
# --------------------------------------------------------------------------------------------


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise MethodInputError(f"{what} needs a pandas DataFrame, not {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MethodInputError(
            f"{what} needs the column(s) {missing}; run clean_referrals on the referral table "
            "first.",
            column=missing[0],
        )


def _edge_table(df: pd.DataFrame, what: str = "the network measures") -> pd.DataFrame:
    """Aggregate referrals to one row per directed pair (from_org, to_org)."""
    _require_columns(df, _EDGE_COLUMNS, what)
    if len(df) == 0:
        raise MethodInputError(f"{what} need at least one referral; the table is empty.")
    selfref = (df["from_org"] == df["to_org"]).to_numpy()
    if selfref.any():
        raise MethodInputError(
            f"{int(selfref.sum())} self-referral(s) (e.g. "
            f"{df['from_org'].iloc[selfref.argmax()]!r}); run clean_referrals first, which "
            "drops them and counts them.",
            column="to_org",
        )
    sectors = set(df["from_sector"]).union(df["to_sector"])
    unknown = sorted(str(s) for s in sectors - set(SECTORS))
    if unknown:
        raise MethodInputError(
            f"unknown sector(s) {unknown}; sectors are {list(SECTORS)} (see clean_referrals).",
            column="from_sector",
        )
    frame = df.loc[:, list(_EDGE_COLUMNS)].copy()
    frame["accepted"] = (
        (df["outcome"] == "accepted").astype(int) if "outcome" in df.columns else 0
    )
    edges = (
        frame.groupby(list(_EDGE_COLUMNS), sort=True, observed=True)
        .agg(referrals=("accepted", "size"), accepted=("accepted", "sum"))
        .reset_index()
    )
    dup = edges.duplicated(["from_org", "to_org"]).to_numpy()
    if dup.any():
        raise MethodInputError(
            "an organisation appears with more than one sector (e.g. the pair "
            f"{edges.loc[dup, 'from_org'].iloc[0]!r} -> {edges.loc[dup, 'to_org'].iloc[0]!r}); "
            "run clean_referrals first.",
            column="from_sector",
        )
    return edges


def build_graph(df: pd.DataFrame) -> nx.DiGraph:
    """Build the directed, weighted referral graph.

    Parameters
    ----------
    df
        Cleaned referrals (see :func:`clean_referrals`).

    Returns
    -------
    networkx.DiGraph
        One node per organisation that made or received a referral, with node attribute
        ``sector``; one edge ``u -> v`` per ordered pair with at least one referral from
        ``u`` to ``v``, with attributes ``weight`` (number of referrals) and ``accepted``
        (number accepted). Graph attribute ``referrals`` is the total.

    """
    edges = _edge_table(df, "build_graph")
    g = nx.DiGraph(referrals=int(edges["referrals"].sum()))
    for org, sector in _org_sectors(edges).items():
        g.add_node(org, sector=sector)
    for row in edges.itertuples(index=False):
        g.add_edge(row.from_org, row.to_org, weight=int(row.referrals), accepted=int(row.accepted))
    return g


def _org_sectors(edges: pd.DataFrame) -> dict[str, str]:
    pairs = pd.concat(
        [
            edges[["from_org", "from_sector"]].set_axis(["org", "sector"], axis=1),
            edges[["to_org", "to_sector"]].set_axis(["org", "sector"], axis=1),
        ]
    ).drop_duplicates()
    if pairs["org"].duplicated().any():
        org = pairs.loc[pairs["org"].duplicated(), "org"].iloc[0]
        raise MethodInputError(
            f"organisation {org!r} appears with more than one sector; run clean_referrals first.",
            column="from_sector",
        )
    pairs = pairs.sort_values("org")
    return dict(zip(pairs["org"], pairs["sector"], strict=True))


def _graph_edge_table(g: nx.DiGraph) -> pd.DataFrame:
    if not isinstance(g, nx.DiGraph) or g.is_multigraph():
        raise MethodInputError("network_measures needs a DataFrame of referrals or a nx.DiGraph.")
    rows = []
    for u, v, data in g.edges(data=True):
        if u == v:
            raise MethodInputError(f"the graph has a self-loop at {u!r}; self-referrals are "
                                   "not part of the network.")
        w = data.get("weight", 1)
        if not (isinstance(w, int | float | np.integer | np.floating) and w >= 0):
            raise MethodInputError(f"edge {u!r} -> {v!r} has weight {w!r}; weights are counts.")
        rows.append((u, v, w, data.get("accepted", 0)))
    sectors = {}
    for node, data in g.nodes(data=True):
        s = data.get("sector")
        if s not in SECTORS:
            raise MethodInputError(
                f"node {node!r} has sector {s!r}; every node needs a sector in {list(SECTORS)}.",
                column="sector",
            )
        sectors[node] = s
    if not rows:
        raise MethodInputError("the graph has no edges (no referrals).")
    edges = pd.DataFrame(rows, columns=["from_org", "to_org", "referrals", "accepted"])
    edges["from_sector"] = edges["from_org"].map(sectors)
    edges["to_sector"] = edges["to_org"].map(sectors)
    return edges[["from_org", "from_sector", "to_org", "to_sector", "referrals", "accepted"]]


@dataclass(frozen=True)
class _EdgeArrays:
    """Integer-coded edge list used for fast (vectorised, bootstrap) measures."""

    weights: np.ndarray  # observed referrals per edge, shape (E,)
    src: sparse.csr_matrix  # (E, N) one-hot of the sender
    dst: sparse.csr_matrix  # (E, N) one-hot of the receiver
    node_sector: np.ndarray  # (N, S) one-hot
    from_sector: np.ndarray  # (E, S) one-hot
    to_sector: np.ndarray  # (E, S) one-hot
    reverse: np.ndarray  # index of the reverse edge or -1, shape (E,)
    cross: np.ndarray  # bool, from_sector != to_sector, shape (E,)

    @classmethod
    def from_edges(cls, edges: pd.DataFrame) -> _EdgeArrays:
        orgs = pd.Index(sorted(set(edges["from_org"]).union(edges["to_org"])))
        n_nodes, n_edges = len(orgs), len(edges)
        s_idx = orgs.get_indexer(edges["from_org"])
        d_idx = orgs.get_indexer(edges["to_org"])
        ones = np.ones(n_edges)
        rows = np.arange(n_edges)
        src = sparse.csr_matrix((ones, (rows, s_idx)), shape=(n_edges, n_nodes))
        dst = sparse.csr_matrix((ones, (rows, d_idx)), shape=(n_edges, n_nodes))
        sector_index = pd.Index(SECTORS)
        fs = sector_index.get_indexer(edges["from_sector"])
        ts = sector_index.get_indexer(edges["to_sector"])
        eye = np.eye(len(SECTORS))
        node_sector = np.zeros((n_nodes, len(SECTORS)))
        node_sector[s_idx] = eye[fs]
        node_sector[d_idx] = eye[ts]
        key = pd.Index(list(zip(s_idx, d_idx, strict=True)))
        reverse = key.get_indexer(list(zip(d_idx, s_idx, strict=True)))
        return cls(
            weights=edges["referrals"].to_numpy(dtype=float),
            src=src,
            dst=dst,
            node_sector=node_sector,
            from_sector=eye[fs],
            to_sector=eye[ts],
            reverse=np.asarray(reverse),
            cross=fs != ts,
        )


def _flat_measures(arr: _EdgeArrays, W: np.ndarray) -> dict[str, np.ndarray]:
    """Scalar measures for each row of a (replicates x edges) weight matrix."""
    W = np.atleast_2d(np.asarray(W, dtype=float))
    mask = W > 0
    total = W.sum(axis=1)
    n_edges = mask.sum(axis=1).astype(float)
    out_w = np.asarray((arr.src.T @ W.T).T)
    in_w = np.asarray((arr.dst.T @ W.T).T)
    sending = out_w > 0
    receiving = in_w > 0
    active = sending | receiving
    n_nodes = active.sum(axis=1).astype(float)
    has_rev = np.flatnonzero(arr.reverse >= 0)
    recip = (mask[:, has_rev] & mask[:, arr.reverse[has_rev]]).sum(axis=1).astype(float)
    pairs = n_edges - recip / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        res: dict[str, np.ndarray] = {
            "organisations": n_nodes,
            "connections": n_edges,
            "connections_per_organisation": 2.0 * n_edges / n_nodes,
            "mean_out_degree": n_edges / n_nodes,
            "mean_partners": 2.0 * pairs / n_nodes,
            "density": n_edges / (n_nodes * (n_nodes - 1.0)),
            "reciprocity": recip / n_edges,
            "cross_sector_share": (W[:, arr.cross]).sum(axis=1) / total,
            "cross_sector_connection_share": mask[:, arr.cross].sum(axis=1) / n_edges,
            "total_referrals": total,
            "referring_organisations": sending.sum(axis=1).astype(float),
            "receiving_organisations": receiving.sum(axis=1).astype(float),
        }
    by_ref = sending.astype(float) @ arr.node_sector
    by_rec = receiving.astype(float) @ arr.node_sector
    by_act = active.astype(float) @ arr.node_sector
    from_s = W @ arr.from_sector
    to_s = W @ arr.to_sector
    for k, s in enumerate(SECTORS):
        res[f"organisations_{s}"] = by_act[:, k]
        res[f"referring_organisations_{s}"] = by_ref[:, k]
        res[f"receiving_organisations_{s}"] = by_rec[:, k]
        res[f"referrals_from_{s}"] = from_s[:, k]
        res[f"referrals_to_{s}"] = to_s[:, k]
    for a_k, a in enumerate(SECTORS):
        for b_k, b in enumerate(SECTORS):
            sel = (arr.from_sector[:, a_k] > 0) & (arr.to_sector[:, b_k] > 0)
            res[f"flow_{a}_to_{b}"] = W[:, sel].sum(axis=1)
    return res


def scalar_measure_names() -> list[str]:
    """Names of the scalar measures accepted by :func:`yoy_change` and given by period.

    Returns
    -------
    list of str
        ``organisations``, ``connections``, ``connections_per_organisation``,
        ``mean_out_degree``, ``mean_partners``, ``density``, ``reciprocity``,
        ``cross_sector_share``, ``cross_sector_connection_share``, ``total_referrals``,
        ``referring_organisations``, ``receiving_organisations``, then per sector ``s``:
        ``organisations_s``, ``referring_organisations_s``, ``receiving_organisations_s``,
        ``referrals_from_s``, ``referrals_to_s``, and per sector pair ``flow_a_to_b``.

    """
    edges = pd.DataFrame(
        {"from_org": ["a"], "from_sector": ["vcs"], "to_org": ["b"], "to_sector": ["vcs"],
         "referrals": [1]}
    )
    return list(_flat_measures(_EdgeArrays.from_edges(edges), np.ones((1, 1))))


_COUNT_MEASURES = frozenset(
    {"organisations", "connections", "total_referrals", "referring_organisations",
     "receiving_organisations"}
)


#: Measures built from counts of *distinct* organisations or connections (presence, not
#: weight). A bootstrap replicate can lose a rarely used connection or organisation but never
#: gain an unseen one, so their replicates sit below the observed value; see :func:`yoy_change`.
_DISTINCT_MEASURES = frozenset(
    {"organisations", "connections", "connections_per_organisation", "mean_out_degree",
     "mean_partners", "density", "reciprocity", "cross_sector_connection_share",
     "referring_organisations", "receiving_organisations"}
)


def _is_distinct(name: str) -> bool:
    """Whether a scalar measure counts distinct organisations or connections."""
    return name in _DISTINCT_MEASURES or name.startswith(
        ("organisations_", "referring_organisations_", "receiving_organisations_")
    )


def _is_count(name: str) -> bool:
    return name in _COUNT_MEASURES or name.startswith(
        ("organisations_", "referring_organisations_", "receiving_organisations_",
         "referrals_from_", "referrals_to_", "flow_")
    )


def _to_python(value: float, name: str) -> int | float:
    if not math.isfinite(value):
        raise MethodInputError(f"measure {name!r} is undefined for this network (too few "
                               "organisations or referrals).")
    return round(value) if _is_count(name) else float(value)


def _edges_from_input(df_or_graph: pd.DataFrame | nx.DiGraph) -> pd.DataFrame:
    if isinstance(df_or_graph, nx.Graph):
        return _graph_edge_table(df_or_graph)
    return _edge_table(df_or_graph)


def network_measures(df_or_graph: pd.DataFrame | nx.DiGraph) -> dict[str, Any]:
    r"""Summary measures of a referral network.

    With :math:`N` organisations (nodes), :math:`E` connections (distinct ordered pairs
    ``u -> v`` with at least one referral), :math:`w_{uv}` referrals on connection ``u -> v``
    and :math:`R` reciprocated connections (``u -> v`` whose reverse ``v -> u`` also exists):

    - ``organisations`` = :math:`N`, ``connections`` = :math:`E`,
      ``total_referrals`` = :math:`\sum w_{uv}`;
    - ``connections_per_organisation`` = :math:`2E/N`, the mean over organisations of
      in-degree + out-degree (connections an organisation takes part in, sending or
      receiving). The year 2 report's "average number of connections per organisation
      5.7 -> 7.2" (+26%) alongside "connections +80%" holds for this definition when the
      number of organisations grows by 1.80 / 1.263 - 1 = 43%, in line with the report's
      +37% (VCS) and +48% (statutory) referring organisations;
    - ``mean_out_degree`` = :math:`E/N` (same growth ratio as the above, half the level) and
      ``mean_partners`` = mean number of distinct partners ignoring direction,
      :math:`2(E - R/2)/N`; given so the report's level (5.7) can be compared with each;
    - ``density`` = :math:`E / (N(N-1))`;
    - ``reciprocity`` = :math:`R / E` (as :func:`networkx.overall_reciprocity`);
    - ``cross_sector_share`` = share of referrals whose sender and receiver are in different
      sectors; ``cross_sector_connection_share`` = the same share of connections;
    - ``referring_organisations`` (out-degree > 0) and ``receiving_organisations``
      (in-degree > 0), in total and ``..._by_sector``; ``organisations_by_sector``;
      ``referrals_by_from_sector`` / ``referrals_by_to_sector``; ``sector_flows``
      (``{from_sector: {to_sector: referrals}}``).

    Parameters
    ----------
    df_or_graph
        Cleaned referrals, or a graph from :func:`build_graph` (edge ``weight`` = referrals,
        node ``sector``).

    Returns
    -------
    dict
        JSON-serialisable; counts are ``int``, ratios ``float``.

    Raises
    ------
    MethodInputError
        No referrals, self-referrals, unknown sectors or an organisation with two sectors.

    """
    return _measures_from_edges(_edges_from_input(df_or_graph))


def _measures_from_edges(edges: pd.DataFrame) -> dict[str, Any]:
    flat = _flat_measures(_EdgeArrays.from_edges(edges), edges["referrals"].to_numpy()[None, :])
    value = {k: _to_python(float(v[0]), k) for k, v in flat.items()}
    result: dict[str, Any] = {
        k: value[k]
        for k in (
            "organisations",
            "connections",
            "connections_per_organisation",
            "mean_out_degree",
            "mean_partners",
            "density",
            "reciprocity",
            "cross_sector_share",
            "cross_sector_connection_share",
            "total_referrals",
            "referring_organisations",
            "receiving_organisations",
        )
    }
    for group, prefix in (
        ("organisations_by_sector", "organisations_"),
        ("referring_organisations_by_sector", "referring_organisations_"),
        ("receiving_organisations_by_sector", "receiving_organisations_"),
        ("referrals_by_from_sector", "referrals_from_"),
        ("referrals_by_to_sector", "referrals_to_"),
    ):
        result[group] = {s: int(value[prefix + s]) for s in SECTORS}
    result["sector_flows"] = {
        a: {b: int(value[f"flow_{a}_to_{b}"]) for b in SECTORS} for a in SECTORS
    }
    return result


# --------------------------------------------------------------------------------------------
# Periods and tables
# --------------------------------------------------------------------------------------------


def period_labels(df: pd.DataFrame, period: str = "year") -> pd.Series:
    """Label each referral with its period.

    Parameters
    ----------
    df
        Referrals with a ``date`` column (datetime64).
    period
        ``"year"`` (calendar year, int), ``"quarter"`` (e.g. ``"2021Q3"``), ``"month"``
        (e.g. ``"2021-07"``), or the name of a column of ``df`` that already holds a period
        (e.g. a programme year added from ``params/programme.yml``).

    Returns
    -------
    pandas.Series
        Aligned with ``df``.

    """
    if not isinstance(period, str):
        raise MethodInputError(f"period must be a string, not {period!r}.", column="period")
    if period in df.columns:
        labels = df[period]
        if labels.isna().any():
            pos = int(np.flatnonzero(labels.isna().to_numpy())[0])
            raise MethodInputError(
                f"period column {period!r} is missing in data row {pos + 1}; every referral "
                "needs a period.",
                row=pos + 1,
                column=period,
            )
        return labels
    if period not in ("year", "quarter", "month"):
        raise MethodInputError(
            f"period {period!r} is neither 'year', 'quarter', 'month' nor a column of the table.",
            column="period",
        )
    _require_columns(df, ["date"], "period labels")
    if not pd.api.types.is_datetime64_any_dtype(df["date"]):
        raise MethodInputError("column 'date' must be datetime; run clean_referrals first.",
                               column="date")
    if period == "year":
        return df["date"].dt.year.astype(int).rename("year")
    if period == "quarter":
        return df["date"].dt.to_period("Q").astype(str).rename("quarter")
    return df["date"].dt.to_period("M").astype(str).rename("month")


def _split(df: pd.DataFrame, period: str) -> dict[Hashable, pd.DataFrame]:
    labels = period_labels(df, period)
    return {
        (k.item() if isinstance(k, np.generic) else k): g
        for k, g in df.groupby(labels.to_numpy(), sort=True)
    }


def measures_by_period(df: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Network measures for each period.

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.

    Returns
    -------
    pandas.DataFrame
        One row per period (index named after ``period``); columns: the scalar measures of
        :func:`network_measures` and, per sector, ``organisations_s``,
        ``referring_organisations_s``, ``receiving_organisations_s``, ``referrals_from_s``,
        ``referrals_to_s`` (sector-to-sector flows are in :func:`sector_flow_matrix`).

    """
    rows = {}
    for label, part in _split(df, period).items():
        edges = _edge_table(part)
        flat = _flat_measures(_EdgeArrays.from_edges(edges), edges["referrals"].to_numpy())
        rows[label] = {k: float(v[0]) for k, v in flat.items() if not k.startswith("flow_")}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = period
    counts = [c for c in table.columns if _is_count(c)]
    table[counts] = table[counts].round().astype(int)
    return table


def sector_flow_matrix(
    df: pd.DataFrame, *, normalize: Literal["row", "all"] | None = None
) -> pd.DataFrame:
    """Referrals from each sector (rows) to each sector (columns).

    Parameters
    ----------
    df
        Cleaned referrals.
    normalize
        ``None`` for counts; ``"row"`` for the share of each sending sector's referrals going
        to each receiving sector; ``"all"`` for shares of all referrals.

    Returns
    -------
    pandas.DataFrame
        All :data:`SECTORS` on both axes in fixed order (zero where no referral), index named
        ``from_sector``, columns named ``to_sector``.

    """
    _require_columns(df, ["from_sector", "to_sector"], "sector_flow_matrix")
    _check_choice("normalize", normalize, (None, "row", "all"))
    table = (
        pd.crosstab(df["from_sector"], df["to_sector"])
        .reindex(index=list(SECTORS), columns=list(SECTORS), fill_value=0)
        .astype(int)
    )
    table.index.name, table.columns.name = "from_sector", "to_sector"
    if normalize == "row":
        sums = table.sum(axis=1).replace(0, np.nan)
        return table.div(sums, axis=0).fillna(0.0)
    if normalize == "all":
        total = int(table.to_numpy().sum())
        if total == 0:
            raise MethodInputError("no referrals to normalise.")
        return table / total
    return table


def lwa_flows(
    df: pd.DataFrame, period: str = "year", *, lwa_org: str | None = None
) -> pd.DataFrame:
    """Referrals to and from the LWA scheme by period (exhibit E15).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.
    lwa_org
        Identifier of the LWA scheme organisation. ``None`` uses every organisation whose
        sector is ``lwa`` (raises if there is none).

    Returns
    -------
    pandas.DataFrame
        One row per period; columns ``from_lwa`` (referrals made by the scheme), ``to_lwa``
        (referrals made to it), then ``lwa_to_s`` and ``s_to_lwa`` for every other sector
        ``s`` (e.g. ``lwa_to_vcs``, ``vcs_to_lwa``). Every period of ``df`` appears, with
        zeros where the scheme had no referral.

    """
    _require_columns(df, ["from_org", "to_org", "from_sector", "to_sector", "date"], "lwa_flows")
    if lwa_org is None:
        is_from = (df["from_sector"] == "lwa").to_numpy()
        is_to = (df["to_sector"] == "lwa").to_numpy()
        if not (is_from.any() or is_to.any()):
            raise MethodInputError("no organisation has sector 'lwa'; pass lwa_org=.",
                                   column="from_sector")
    else:
        is_from = (df["from_org"] == lwa_org).to_numpy()
        is_to = (df["to_org"] == lwa_org).to_numpy()
        if not (is_from.any() or is_to.any()):
            raise MethodInputError(f"organisation {lwa_org!r} makes or receives no referral.",
                                   column="from_org")
    labels = period_labels(df, period).to_numpy()
    periods = sorted(pd.unique(labels).tolist())
    others = [s for s in SECTORS if s != "lwa"]
    cols: dict[str, pd.Series] = {}

    def count(sel: np.ndarray) -> pd.Series:
        return pd.Series(labels[sel]).value_counts().reindex(periods, fill_value=0).astype(int)

    cols["from_lwa"] = count(is_from)
    cols["to_lwa"] = count(is_to)
    to_sector = df["to_sector"].to_numpy()
    from_sector = df["from_sector"].to_numpy()
    for s in others:
        cols[f"lwa_to_{s}"] = count(is_from & (to_sector == s))
    for s in others:
        cols[f"{s}_to_lwa"] = count(is_to & (from_sector == s))
    table = pd.DataFrame(cols)
    table.index = pd.Index(periods, name=period)
    return table


def statutory_to_statutory(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals between statutory organisations (exhibit E13).

    Parameters
    ----------
    df
        Cleaned referrals (filter to the year of interest first, e.g. 2021).

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair of statutory organisations with ``referrals``, ``accepted``
        and ``share`` (of all statutory-to-statutory referrals), largest first (ties by
        name). Empty (with these columns) when there is none.

    """
    _require_columns(df, ["from_org", "to_org", "from_sector", "to_sector", "outcome"],
                     "statutory_to_statutory")
    sel = (df["from_sector"] == "statutory") & (df["to_sector"] == "statutory")
    part = df.loc[sel]
    cols = ["from_org", "to_org", "referrals", "accepted", "share"]
    if part.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("referrals", "accepted")
                                          else "float64" if c == "share" else "str")
                             for c in cols})
    table = (
        part.assign(acc=(part["outcome"] == "accepted").astype(int))
        .groupby(["from_org", "to_org"], sort=True)
        .agg(referrals=("acc", "size"), accepted=("acc", "sum"))
        .reset_index()
    )
    table["share"] = table["referrals"] / table["referrals"].sum()
    table = table.sort_values(["referrals", "from_org", "to_org"],
                              ascending=[False, True, True], kind="stable")
    return table.reset_index(drop=True)[cols]


def reasons_by_period(df: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Reasons for referral by period, with shares and change (exhibit E6).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per period and reason (every reason in every period, zero where
        absent): ``period``, ``reason``, ``referrals``, ``share`` (of the period's referrals),
        ``share_change_pp`` (change in share from the previous period, in percentage points)
        and ``referrals_change_pct`` (percent change in count from the previous period). The
        change columns are NA in the first period, and ``referrals_change_pct`` is NA where
        the previous count is zero (a percent change from zero is undefined).

    """
    _require_columns(df, ["reason"], "reasons_by_period")
    if len(df) == 0:
        raise MethodInputError("reasons_by_period needs at least one referral.")
    labels = period_labels(df, period)
    counts = pd.crosstab(labels.to_numpy(), df["reason"].to_numpy()).sort_index()
    shares = counts.div(counts.sum(axis=1), axis=0)
    long = counts.stack().rename("referrals").to_frame()
    long["share"] = shares.stack()
    long.index.names = ["period", "reason"]
    long = long.reset_index()
    long = long.sort_values(["reason", "period"], kind="stable")
    grp = long.groupby("reason", sort=False)
    long["share_change_pp"] = 100 * grp["share"].diff()
    prev = grp["referrals"].shift(1)
    long["referrals_change_pct"] = (100 * (long["referrals"] / prev - 1)).where(prev > 0)
    long = long.sort_values(["period", "referrals", "reason"], ascending=[True, False, True],
                            kind="stable").reset_index(drop=True)
    long["referrals"] = long["referrals"].astype(int)
    long = long.rename(columns={"period": period})
    return long


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    r"""Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998, method 3).

    .. math::
        \frac{\hat p + z^2/(2n) \pm z\sqrt{\hat p(1-\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}

    Parameters
    ----------
    k, n
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    confidence
        Coverage, default 0.95.

    Returns
    -------
    (float, float)
        Lower and upper limits, within [0, 1].

    """
    from scipy.stats import norm

    if not (0 < confidence < 1):
        raise MethodInputError(f"confidence must be between 0 and 1, not {confidence!r}.")
    if n < 1 or k < 0 or k > n:
        raise MethodInputError(f"need 0 <= k <= n and n >= 1 for a proportion, got k={k}, n={n}.")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def acceptance_rates(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = "to_sector",
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of referrals accepted, with Wilson score intervals.

    Parameters
    ----------
    df
        Cleaned referrals (``outcome`` accepted or declined).
    by
        Column(s) to group by (e.g. ``"to_sector"``, ``["year", "to_sector"]`` after adding a
        ``year`` column), or ``None`` for one overall row.
    confidence
        Interval coverage, default 0.95.

    Returns
    -------
    pandas.DataFrame
        Columns: the grouping columns, ``n`` (referrals), ``accepted``, ``rate``, ``ci_low``,
        ``ci_high``.

    """
    _require_columns(df, ["outcome"], "acceptance_rates")
    if len(df) == 0:
        raise MethodInputError("acceptance_rates needs at least one referral.")
    bad = ~df["outcome"].isin(OUTCOMES)
    if bad.any():
        raise MethodInputError(f"outcome {df['outcome'][bad].iloc[0]!r} is not one of "
                               f"{list(OUTCOMES)}; run clean_referrals first.", column="outcome")
    acc = (df["outcome"] == "accepted").astype(int)
    if by is None:
        table = pd.DataFrame({"n": [len(df)], "accepted": [int(acc.sum())]})
    else:
        keys = [by] if isinstance(by, str) else list(by)
        _require_columns(df, keys, "acceptance_rates")
        table = (
            df.assign(_acc=acc).groupby(keys, sort=True)
            .agg(n=("_acc", "size"), accepted=("_acc", "sum"))
            .reset_index()
        )
    table["rate"] = table["accepted"] / table["n"]
    ci = [wilson_interval(int(k), int(n), confidence)
          for k, n in zip(table["accepted"], table["n"], strict=True)]
    table["ci_low"] = [c[0] for c in ci]
    table["ci_high"] = [c[1] for c in ci]
    return table


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------


def yoy_change(
    df: pd.DataFrame,
    measure: str | Callable[[pd.DataFrame], float],
    year_a: Hashable,
    year_b: Hashable,
    n_boot: int = 1000,
    *,
    seed: int,
    period: str = "year",
    scheme: Literal["poisson", "multinomial"] = "poisson",
    confidence: float = 0.95,
) -> dict[str, Any]:
    r"""Percent change of a measure between two periods, with a bootstrap interval.

    The resampling unit is the **referral**: the referral is the event recorded, and the
    question is how much a measure could differ had the same underlying referral process
    produced a different set of referrals in each year. The organisations are close to the
    whole membership of the network, not a sample of it, so resampling organisations (node
    bootstrap) would answer a different question (about a wider population of
    organisations) and would break the network apart arbitrarily.

    Each period is resampled independently (the two years are separate realisations):

    - ``scheme="poisson"`` (default): each referral is included :math:`m \sim
      \text{Poisson}(1)` times, so the yearly total varies as a Poisson count and a change
      in ``total_referrals`` gets an honest interval. Computed exactly and quickly on
      connections, since the sum of :math:`w_{uv}` independent Poisson(1) draws is
      Poisson(:math:`w_{uv}`).
    - ``scheme="multinomial"``: the classical bootstrap, :math:`n` referrals drawn with
      replacement within each period; yearly totals are then fixed, so ``total_referrals``
      has a zero-width interval.

    Percent change is :math:`100 (m_b / m_a - 1)`. For measures that add up referrals (totals,
    flows, shares of referrals) and for measure functions, the interval is the percentile
    interval of the replicates. For measures built from counts of *distinct* organisations or
    connections (``organisations``, ``connections``, ``connections_per_organisation``,
    ``referring_organisations_s``, ...) a replicate can lose a rarely used connection but
    never gain an unseen one, so the replicates sit below the observed value and the
    percentile interval is shifted away from the estimate. This shortfall is an artefact of
    resampling, not a bias of the observed count (which is unbiased for its own expected
    value), so the interval is **recentred**: the percentile interval shifted by the
    estimate minus the median replicate,
    :math:`[\hat\theta + q_{\alpha/2} - q_{0.5},\ \hat\theta + q_{1-\alpha/2} - q_{0.5}]`.
    BCa and the basic interval treat the shortfall as a bias of the estimate and correct
    the estimate for it, which overshoots in the other direction (simulation in the tests
    and on the methods page).

    Parameters
    ----------
    df
        Cleaned referrals.
    measure
        A name from :func:`scalar_measure_names` (fast, vectorised) or a function of a
        referral table returning a number (applied to every replicate, slower).
    year_a, year_b
        The base and comparison periods (labels from :func:`period_labels`).
    n_boot
        Bootstrap replicates (>= 200 for a 95% interval).
    seed
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same interval.
    period
        See :func:`period_labels`.
    scheme
        ``"poisson"`` or ``"multinomial"``, see above.
    confidence
        Interval coverage, default 0.95.

    Returns
    -------
    dict
        JSON-serialisable: ``measure``, ``period``, ``year_a``, ``year_b``, ``value_a``,
        ``value_b``, ``change_pct``, ``ci_low_pct``, ``ci_high_pct``, ``confidence``,
        ``interval`` (``"percentile"`` or ``"recentred percentile"``),
        ``recentre_shift_pct`` (the shift applied, estimate minus median replicate; 0 for a
        percentile interval), ``n_referrals_a``, ``n_referrals_b``, ``n_boot``,
        ``n_boot_base_zero`` (replicates
        where the base value was zero: change +inf, or 0 if both are zero),
        ``n_boot_undefined`` (replicates where the measure is undefined, left out; more than
        2.5% is an error), ``seed``, ``scheme``, ``method``.

    Raises
    ------
    MethodInputError
        Unknown measure or period, too few replicates, a base value of zero, or an interval
        that is unbounded because too many replicates have a zero base.

    """
    _check_choice("scheme", scheme, ("poisson", "multinomial"))
    if not isinstance(n_boot, int | np.integer) or n_boot < 200:
        raise MethodInputError(f"n_boot must be an integer >= 200, not {n_boot!r}.",
                               column="n_boot")
    if not (0 < confidence < 1):
        raise MethodInputError(f"confidence must be between 0 and 1, not {confidence!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise MethodInputError(f"seed must be an integer, not {seed!r}.", column="seed")
    parts = _split(df, period)
    for y in (year_a, year_b):
        if y not in parts:
            raise MethodInputError(
                f"{period} {y!r} has no referrals; available: {list(parts)}.", column=period
            )
    names = scalar_measure_names()
    if isinstance(measure, str):
        if measure not in names:
            raise MethodInputError(f"unknown measure {measure!r}; choose one of {names} or pass "
                                   "a function.", column="measure")
        label = measure
    elif callable(measure):
        label = getattr(measure, "__name__", "custom measure")
    else:
        raise MethodInputError("measure must be a measure name or a function.")

    rng = np.random.default_rng(int(seed))
    obs: list[float] = []
    reps: list[np.ndarray] = []
    for y in (year_a, year_b):
        part = parts[y]
        if isinstance(measure, str):
            edges = _edge_table(part)
            arr = _EdgeArrays.from_edges(edges)
            obs.append(float(_flat_measures(arr, arr.weights)[measure][0]))
            reps.append(_replicates_fast(arr, measure, n_boot, scheme, rng))
        else:
            obs.append(_call_measure(measure, part))
            reps.append(_replicates_callable(part, measure, n_boot, scheme, rng))
    value_a, value_b = obs
    if not (math.isfinite(value_a) and math.isfinite(value_b)):
        raise MethodInputError(f"measure {label!r} is undefined in one of the periods.")
    if value_a == 0:
        raise MethodInputError(
            f"{label} is 0 in {period} {year_a!r}; a percent change from zero is undefined. "
            "Report the two values instead."
        )
    rep_a, rep_b = reps
    base_zero = rep_a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (rep_b / rep_a - 1.0)
    pct[base_zero & (rep_b == 0)] = 0.0
    pct[base_zero & (rep_b > 0)] = np.inf
    undefined = np.isnan(pct)  # the measure itself is undefined in a replicate (e.g. N < 2)
    if undefined.mean() > 0.025:
        raise MethodInputError(
            f"{label} is undefined in {int(undefined.sum())} of {n_boot} bootstrap replicates "
            "(too few organisations or referrals); no interval is given."
        )
    pct = pct[~undefined]
    alpha = 100 * (1 - confidence) / 2
    change = float(100.0 * (value_b / value_a - 1.0))
    with np.errstate(invalid="ignore"):  # inf - inf when a limit falls among infinite values
        low, mid, high = np.percentile(pct, [alpha, 50, 100 - alpha])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise MethodInputError(
            f"{label} is too small in {period} {year_a!r} ({value_a:g}) for a bootstrap "
            "percent change: too many replicates have a zero base. Report the counts with "
            "exact intervals instead."
        )
    recentre = isinstance(measure, str) and _is_distinct(measure)
    shift = float(change - mid) if recentre else 0.0
    if recentre:
        low, high = max(-100.0, low + shift), high + shift
    kind = ("percentile interval recentred on the estimate (distinct-count measure)"
            if recentre else "percentile interval")
    return {
        "measure": label,
        "period": period,
        "year_a": _json_label(year_a),
        "year_b": _json_label(year_b),
        "value_a": _num(value_a),
        "value_b": _num(value_b),
        "change_pct": change,
        "ci_low_pct": float(low),
        "ci_high_pct": float(high),
        "interval": "recentred percentile" if recentre else "percentile",
        "recentre_shift_pct": shift,
        "confidence": float(confidence),
        "n_referrals_a": len(parts[year_a]),
        "n_referrals_b": len(parts[year_b]),
        "n_boot": int(n_boot),
        "n_boot_base_zero": int(base_zero.sum()),
        "n_boot_undefined": int(undefined.sum()),
        "seed": int(seed),
        "scheme": scheme,
        "method": (
            f"{scheme} bootstrap of referrals within each {period}, {n_boot} replicates, "
            f"{round(100 * confidence)}% {kind} of the percent change"
        ),
    }


def _json_label(value: Hashable) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _replicate_weights(
    weights: np.ndarray, size: int, scheme: str, rng: np.random.Generator
) -> np.ndarray:
    if scheme == "poisson":
        return rng.poisson(weights, size=(size, len(weights))).astype(float)
    n = int(weights.sum())
    return rng.multinomial(n, weights / n, size=size).astype(float)


def _replicates_fast(
    arr: _EdgeArrays, measure: str, n_boot: int, scheme: str, rng: np.random.Generator
) -> np.ndarray:
    chunk = max(1, min(n_boot, 2_000_000 // max(1, len(arr.weights))))
    values = []
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        W = _replicate_weights(arr.weights, size, scheme, rng)
        values.append(_flat_measures(arr, W)[measure])
        done += size
    return np.concatenate(values)


def _call_measure(measure: Callable[[pd.DataFrame], float], part: pd.DataFrame) -> float:
    try:
        value = float(measure(part))
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"the measure function did not return a number: {exc}") from exc
    return value


def _replicates_callable(
    part: pd.DataFrame,
    measure: Callable[[pd.DataFrame], float],
    n_boot: int,
    scheme: str,
    rng: np.random.Generator,
) -> np.ndarray:
    n = len(part)
    out = np.empty(n_boot)
    for b in range(n_boot):
        if scheme == "poisson":
            idx = np.repeat(np.arange(n), rng.poisson(1.0, size=n))
        else:
            idx = rng.integers(0, n, size=n)
        out[b] = _call_measure(measure, part.iloc[idx]) if len(idx) else 0.0
    return out


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def sector_palette() -> dict[str, str]:
    """Colour of each sector: the book's fixed, colour-blind-safe sector colours.

    Returns
    -------
    dict
        ``{sector: hex colour}`` for every sector of :data:`SECTORS`, from
        :data:`ccs_methods.report.plots.SECTOR_COLOURS` (Okabe-Ito palette).

    """
    from ccs_methods.report import plots

    return {s: plots.SECTOR_COLOURS[s] for s in SECTORS}


def _source_text(source: str, synthetic: bool) -> str:
    line = f"Source: {source}"
    if synthetic:
        line = "SYNTHETIC DATA (seeded stand-in, not real records). " + line
    return line


def _as_period_dict(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame], period: str
) -> dict[Hashable, pd.DataFrame]:
    if isinstance(df_by_period, pd.DataFrame):
        parts = _split(df_by_period, period)
    elif isinstance(df_by_period, Mapping):
        parts = dict(df_by_period)
    else:
        raise MethodInputError("a network figure needs a referral table or a {period: table} "
                               "mapping.")
    if not parts:
        raise MethodInputError("a network figure needs at least one period with referrals.")
    return parts


def network_layout(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame],
    *,
    seed: int = 0,
    period: str = "year",
) -> dict[str, tuple[float, float]]:
    """Node positions computed once on the union of all periods' networks.

    Parameters
    ----------
    df_by_period
        A referral table (split by ``period``) or a mapping ``{period: referral table}``.
    seed
        Seed of the spring layout (:func:`networkx.spring_layout`), so the layout is fixed.
    period
        Used when ``df_by_period`` is a single table.

    Returns
    -------
    dict
        ``{organisation: (x, y)}`` for every organisation in any period. The union graph is
        undirected with edge weight log(1 + referrals over all periods); nodes and edges are
        inserted in sorted order, so the layout does not depend on row order.

    """
    parts = _as_period_dict(df_by_period, period)
    weights: dict[tuple[str, str], int] = {}
    nodes: set[str] = set()
    for part in parts.values():
        edges = _edge_table(part, "network_layout")
        for row in edges.itertuples(index=False):
            u, v = sorted((str(row.from_org), str(row.to_org)))
            weights[(u, v)] = weights.get((u, v), 0) + int(row.referrals)
            nodes.update((u, v))
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    g.add_weighted_edges_from((u, v, math.log1p(w)) for (u, v), w in sorted(weights.items()))
    pos = nx.spring_layout(g, seed=seed, weight="weight")
    return {str(k): (float(v[0]), float(v[1])) for k, v in pos.items()}


def plot_network(
    df_by_period: pd.DataFrame | Mapping[Hashable, pd.DataFrame],
    positions: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    *,
    period: str = "year",
    title: str = "Referral network by period",
    source: str = "referral records",
    synthetic: bool = False,
    ncols: int | None = None,
    max_arrows: int = 400,
) -> Figure:
    """Network diagram, one panel per period, with the same node positions in every panel.

    Nodes are organisations coloured by sector (:func:`sector_palette`), sized by referrals
    made and received; edges are connections (arrows from referrer to receiver), width
    proportional to the number of referrals on the same scale in every panel. Every
    organisation active in any period appears in every panel at the same place (positions
    computed once on the union graph, :func:`network_layout`); organisations without
    referrals in a panel's period are small light-grey points, so organisations joining or
    leaving are visible.

    Parameters
    ----------
    df_by_period
        A referral table (split by ``period``) or a mapping ``{period: referral table}``.
    positions
        Node positions to reuse (e.g. from :func:`network_layout`); computed if ``None``.
    seed
        Seed of the layout when ``positions`` is ``None``.
    period
        Used when ``df_by_period`` is a single table.
    title
        Figure title.
    source
        Where the data come from (printed as "Source: ...").
    synthetic
        Mark the figure as built from synthetic stand-in data.
    ncols
        Panels per row (default: one row of up to 3).
    max_arrows
        Panels with more connections than this are drawn with straight lines without
        arrowheads (arrow patches are slow to draw; the direction is then in ``fig.data``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per period (in period order). As everywhere in the book
        (:mod:`ccs_methods.report.plots`), the alt text is ``fig.alt_text``; in addition
        ``fig.node_positions`` holds the positions used and ``fig.data`` the edge list drawn
        (period, from_org, to_org, from_sector, to_sector, referrals).

    """
    from matplotlib.lines import Line2D

    from ccs_methods.report import plots

    parts = _as_period_dict(df_by_period, period)
    if positions is None:
        positions = network_layout(parts, seed=seed)
    edge_tables: dict[Hashable, pd.DataFrame] = {}
    for label, part in parts.items():
        edges = _edge_table(part, "plot_network")
        missing = sorted(set(edges["from_org"]).union(edges["to_org"]) - set(positions))
        if missing:
            raise MethodInputError(f"positions lack organisation(s) {missing[:5]}; compute them "
                                   "with network_layout on all periods.")
        edge_tables[label] = edges
    sectors_of: dict[str, str] = {}
    for edges in edge_tables.values():
        sectors_of.update(_org_sectors(edges))
    nodes = sorted(sectors_of)
    xy = np.array([positions[o] for o in nodes], dtype=float)
    palette = sector_palette()
    wmax = max(float(e["referrals"].max()) for e in edge_tables.values())

    n = len(edge_tables)
    ncols = ncols or min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plots.new_figure(nrows, ncols, figsize=(4.4 * ncols + 2.2, 4.4 * nrows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    pad_x = 0.08 * (np.ptp(xy[:, 0]) or 1.0)
    pad_y = 0.08 * (np.ptp(xy[:, 1]) or 1.0)
    summaries = []
    for ax, (label, edges) in zip(axes, edge_tables.items(), strict=False):
        volume = (
            pd.concat([edges.groupby("from_org")["referrals"].sum(),
                       edges.groupby("to_org")["referrals"].sum()])
            .groupby(level=0).sum()
        )
        vol = volume.reindex(nodes, fill_value=0).to_numpy(dtype=float)
        active = vol > 0
        sizes = np.where(active, 25 + 200 * np.sqrt(vol / max(vol.max(), 1.0)), 12.0)
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_weighted_edges_from(
            (r.from_org, r.to_org, float(r.referrals)) for r in edges.itertuples(index=False)
        )
        widths = [0.3 + 4.0 * d["weight"] / wmax for _, _, d in g.edges(data=True)]
        arrows = g.number_of_edges() <= max_arrows
        nx.draw_networkx_edges(
            g, pos={o: positions[o] for o in nodes}, ax=ax, width=widths, edge_color="#555555",
            alpha=0.55, arrows=arrows, nodelist=nodes, node_size=list(sizes),
            **({"arrowsize": 7, "connectionstyle": "arc3,rad=0.12"} if arrows else {}),
        )
        colours = [palette[sectors_of[o]] if a else "#bdbdbd"
                   for o, a in zip(nodes, active, strict=True)]
        ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colours, edgecolors="white", linewidths=0.6,
                   zorder=3, gid="nodes")
        m = _measures_from_edges(edges)
        ax.set_title(f"{label}: {m['organisations']} organisations, "
                     f"{m['connections']} connections", fontsize=10)
        ax.set_axis_off()
        ax.set_xlim(xy[:, 0].min() - pad_x, xy[:, 0].max() + pad_x)
        ax.set_ylim(xy[:, 1].min() - pad_y, xy[:, 1].max() + pad_y)
        top = edges.sort_values(["referrals", "from_org", "to_org"],
                                ascending=[False, True, True]).iloc[0]
        summaries.append(
            f"{label}: {m['organisations']} organisations, {m['connections']} connections and "
            f"{m['total_referrals']:,} referrals, the busiest connection being {top['from_org']} "
            f"({SECTOR_LABELS[top['from_sector']].lower()}) to {top['to_org']} "
            f"({SECTOR_LABELS[top['to_sector']].lower()}) with {int(top['referrals']):,}"
        )
    present = [s for s in SECTORS if s in set(sectors_of.values())]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, color=palette[s],
                      label=SECTOR_LABELS[s]) for s in present]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=4, color="#bdbdbd",
                          label="No referrals in this period"))
    handles.append(Line2D([], [], color="#555555", linewidth=2.5,
                          label=f"Line width: referrals (widest = {int(wmax):,})"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False,
               title="Organisation sector")
    fig.suptitle(title, fontweight="bold")
    fig.text(0.01, -0.02, _source_text(source, synthetic), ha="left", va="top", fontsize=8,
             color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Network diagrams, one per {period} ({', '.join(str(k) for k in parts)}): "
        "organisations are dots coloured by sector, at the same position in every panel, and "
        "lines show referrals between organisations, thicker for more referrals. "
        + "; ".join(summaries) + "."
    )
    fig.node_positions = dict(positions)  # type: ignore[attr-defined]
    fig.data = pd.concat(  # type: ignore[attr-defined]
        [e.assign(**{period: k}) for k, e in edge_tables.items()], ignore_index=True
    )[[period, "from_org", "to_org", "from_sector", "to_sector", "referrals"]]
    return fig


def plot_sector_flows(
    df: pd.DataFrame,
    *,
    period: str | None = "year",
    threshold: int | None = None,
    title: str = "Referrals between sectors",
    source: str = "referral records",
    synthetic: bool = False,
) -> Figure:
    """Heatmap of referrals from sector (rows) to sector (columns), one panel per period.

    Cells are annotated with counts on a shared colour scale (sequential, colour-blind-safe
    ``viridis``); there is no colour bar because the numbers are printed.

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        One panel per period (see :func:`period_labels`), or ``None`` for a single panel.
    threshold
        If given, each panel's table goes through :func:`ccs_methods.methods.disclosure.suppress`
        with ``margins=False`` (totals assumed published elsewhere); suppressed cells are
        left uncoloured and marked ``[c]``.
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel; ``fig.alt_text`` and ``fig.data`` (long table: period,
        from_sector, to_sector, referrals; suppressed counts are NA).

    """
    import seaborn as sns

    from ccs_methods.report import plots

    _require_columns(df, ["from_sector", "to_sector"], "plot_sector_flows")
    if len(df) == 0:
        raise MethodInputError("plot_sector_flows needs at least one referral.")
    parts = {"All referrals": df} if period is None else _split(df, period)
    tables: dict[Hashable, pd.DataFrame] = {}
    for label, part in parts.items():
        table = sector_flow_matrix(part).astype("Int64")
        if threshold is not None:
            from ccs_methods.methods.disclosure import suppress

            table, _ = suppress(sector_flow_matrix(part), threshold, margins=False)
        tables[label] = table
    vmax = max(float(t.astype("float64").max().max()) for t in tables.values())
    n = len(tables)
    fig, axes = plots.new_figure(1, n, figsize=(4.4 * n + 0.6, 4.8))
    axes = np.atleast_1d(axes).ravel()
    names = [SECTOR_SHORT_LABELS[s] for s in SECTORS]
    summaries = []
    for i, (ax, (label, table)) in enumerate(zip(axes, tables.items(), strict=True)):
        values = table.astype("float64").to_numpy()
        annot = np.where(np.isnan(values), "[c]",
                         np.nan_to_num(values).astype(int).astype(str)).astype(object)
        sns.heatmap(
            pd.DataFrame(values, index=names, columns=names), ax=ax, cmap="viridis",
            vmin=0, vmax=vmax, annot=annot, fmt="", cbar=False, linewidths=0.5,
            linecolor="white", square=True, annot_kws={"fontsize": 8},
        )
        for r, c in np.argwhere(np.isnan(values)):
            ax.text(c + 0.5, r + 0.5, "[c]", ha="center", va="center", fontsize=8,
                    color="#444444")
        ax.grid(False)
        ax.tick_params(axis="x", labelrotation=45)
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_title(str(label), fontsize=10)
        ax.set_xlabel("Receiving sector (referred to)")
        ax.set_ylabel("Referring sector (referred from)" if i == 0 else "")
        shown = table.stack().dropna().astype(int)
        top = shown.sort_values(ascending=False, kind="stable")
        (fs, ts), nmax = top.index[0], int(top.iloc[0])
        summaries.append(f"{label}: {int(shown.sum()):,} referrals shown, most from "
                         f"{SECTOR_LABELS[fs].lower()} to {SECTOR_LABELS[ts].lower()} ({nmax:,})")
    fig.suptitle(title, fontweight="bold")
    fig.text(0.01, -0.02, _source_text(source, synthetic), ha="left", va="top", fontsize=8,
             color="#444444", wrap=True)
    fig.alt_text = (  # type: ignore[attr-defined]
        f"{title}. Heatmap with the referring sector in rows and the receiving sector in "
        "columns, lighter for more referrals, with the count printed in each cell"
        + ("; cells marked [c] are suppressed for confidentiality" if threshold else "")
        + ". " + "; ".join(summaries) + "."
    )
    fig.data = pd.concat(  # type: ignore[attr-defined]
        {k: t.stack().rename("referrals") for k, t in tables.items()},
        names=[period or "period"],
    ).reset_index()
    return fig


def plot_reasons(
    df: pd.DataFrame,
    *,
    period: str = "year",
    top_n: int = 8,
    title: str = "Reasons for referral by period",
    source: str = "referral records",
    synthetic: bool = False,
) -> Figure:
    """Horizontal grouped bars: share of referrals by reason, one bar per period (E6).

    Parameters
    ----------
    df
        Cleaned referrals.
    period
        See :func:`period_labels`.
    top_n
        Reasons shown separately (the most frequent over all periods); the rest are grouped
        as "All other reasons".
    title, source, synthetic
        Title, source line and synthetic-data flag.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; ``fig.alt_text`` and ``fig.data`` (:func:`reasons_by_period` after
        grouping the smaller reasons).

    """
    import seaborn as sns

    from ccs_methods.report import plots

    if top_n < 1:
        raise MethodInputError(f"top_n must be at least 1, not {top_n}.", column="top_n")
    _require_columns(df, ["reason"], "plot_reasons")
    if len(df) == 0:
        raise MethodInputError("plot_reasons needs at least one referral.")
    totals = df["reason"].value_counts().sort_values(ascending=False, kind="stable")
    keep = list(totals.index[:top_n])
    other = "All other reasons"
    grouped = df.assign(reason=df["reason"].where(df["reason"].isin(keep), other))
    table = reasons_by_period(grouped, period)
    order = [*keep, other] if len(totals) > top_n else keep
    periods = sorted(table[period].unique().tolist())
    height = 1.8 + 0.28 * len(order) * max(1, len(periods))
    fig, ax = plots.new_figure(figsize=(8, min(height, 14)))
    plot_data = table.assign(share_pct=100 * table["share"],
                             reason=table["reason"].map(reason_label),
                             **{period: table[period].astype(str)})
    sns.barplot(
        data=plot_data, y="reason", x="share_pct", hue=period,
        order=[reason_label(r) for r in order],
        hue_order=[str(p) for p in periods], orient="h", ax=ax,
        palette=plots.PALETTE[: len(periods)] if len(periods) <= 7 else "viridis",
    )
    ax.legend(title=period.capitalize(), frameon=False)
    first, last = periods[0], periods[-1]
    desc = []
    for reason in order[: min(5, len(order))]:
        sel = table["reason"] == reason
        a = float(table.loc[sel & (table[period] == first), "share"].iloc[0])
        if len(periods) == 1:
            desc.append(f"{reason_label(reason)}: {100 * a:.0f}%")
            continue
        b = float(table.loc[sel & (table[period] == last), "share"].iloc[0])
        desc.append(f"{reason_label(reason)}: {100 * a:.0f}% in {first}, "
                    f"{100 * b:.0f}% in {last}")
    if len(periods) == 1:
        alt = (f"{title}. Horizontal bar chart of the share of referrals for each reason in "
               f"{first}. " + "; ".join(desc) + ".")
    else:
        alt = (f"{title}. Horizontal bar chart of the share of referrals for each reason, one "
               f"bar per {period} ({', '.join(str(p) for p in periods)}). "
               + "; ".join(desc) + ".")
    plots.finish(fig, ax, title=title, xlabel="Share of the period's referrals (%)",
                 ylabel="Reason for referral", source=source, alt=alt, synthetic=synthetic)
    fig.data = table  # type: ignore[attr-defined]
    return fig
