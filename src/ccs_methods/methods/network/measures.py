"""The referral graph, its edge arrays and the network measures computed from them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.network.vocabulary import _EDGE_COLUMNS, SECTORS


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
    _org_sectors(edges)  # an organisation with two sectors on different pairs
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
