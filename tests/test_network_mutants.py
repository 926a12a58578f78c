"""ccs_methods.methods.network: measures, graph input, tables and checks on tiny networks.

Written against the survivors of a mutation run (issue 14, "Tests with teeth": the mutants of
``tools/mutation_fork.py`` on ``network/measures.py`` and ``network/tables.py`` with
``tests/test_network.py`` and this file). Each test pins a number, a type, an order or an
error field that a plausible slip in the code would change. Every expected value is worked by
hand from the definitions in the docstrings (``network_measures``: N, E, R, density
E / (N(N - 1)), reciprocity R / E as :func:`networkx.overall_reciprocity`) on networks of four
or five organisations drawn in the comments, or taken from a published table (Newcombe 1998).
No test imports matplotlib or the report layer, so a mutant is judged in a few seconds.

Scored (issue 14) with this file and ``tests/test_network.py -k "not distinct_counts_interval and
not plot and not palette and not fast_path_agrees"``: ``network/measures.py`` 157 of 165
mutants killed or timed out (95.2%), ``network/tables.py`` 193 of 198 (97.5%); every survivor
is equivalent (100% of the non-equivalent mutants): zip(strict=False) on arrays of equal
length, groupby sort flags whose order is redone or unused, the dummy weights of
scalar_measure_names, itertuples(index=True) read by name, the unread accepted count of
graph edges, frozen=False on the private _EdgeArrays, reset_index(drop=False) before a column
selection, and a Wilson upper limit capped at 2 instead of 1 (it never exceeds 1).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods import network as nw

SECTOR = {"A": "vcs", "B": "vcs", "C": "statutory", "D": "lwa", "E": "health"}


def table(spec: list[tuple], sectors: dict[str, str] = SECTOR) -> pd.DataFrame:
    """Cleaned-looking referrals from ``(year, from, to, accepted, declined[, reason])``."""
    rows = []
    for year, a, b, n_acc, n_dec, *reason in spec:
        for k, outcome in enumerate(["accepted"] * n_acc + ["declined"] * n_dec):
            rows.append({
                "date": pd.Timestamp(year, 1 + k % 12, 1),
                "from_org": a, "from_sector": sectors[a],
                "to_org": b, "to_sector": sectors[b],
                "reason": reason[0] if reason else "debt",
                "outcome": outcome,
            })
    return pd.DataFrame(rows)


# G1, 7 referrals, drawn by hand:
#
#   A (vcs) --2--> B (vcs)     (1 accepted, 1 declined)
#   B       --1--> A           (accepted)
#   B       --3--> C (statutory)   (accepted)
#   D (lwa) --1--> C           (declined)
#
# N = 4, E = 4 (AB, BA, BC, DC), R = 2 (AB and BA), 7 referrals.
G1 = [(2021, "A", "B", 1, 1), (2021, "B", "A", 1, 0), (2021, "B", "C", 3, 0),
      (2021, "D", "C", 0, 1)]


# --------------------------------------------------------------------------------------------
# network_measures on G1: every value by hand
# --------------------------------------------------------------------------------------------
def test_every_measure_of_g1_by_hand() -> None:
    m = nw.network_measures(table(G1))
    zero = {"vcs": 0, "statutory": 0, "lwa": 0, "school": 0, "health": 0, "other": 0}
    assert m == {
        "organisations": 4,
        "connections": 4,
        "connections_per_organisation": 2.0,  # 2E/N = 8/4
        "mean_out_degree": 1.0,  # E/N
        # partners ignoring direction: A{B} B{A,C} C{B,D} D{C} = 6/4 = 2(E - R/2)/N
        "mean_partners": 1.5,
        "density": pytest.approx(1 / 3),  # 4 / (4 * 3)
        "reciprocity": 0.5,  # 2 / 4
        "cross_sector_share": pytest.approx(4 / 7),  # B->C 3 + D->C 1 of 7
        "cross_sector_connection_share": 0.5,  # BC and DC of 4
        "total_referrals": 7,
        "referring_organisations": 3,  # A, B, D (C only receives)
        "receiving_organisations": 3,  # A, B, C (D only sends)
        "organisations_by_sector": {**zero, "vcs": 2, "statutory": 1, "lwa": 1},
        "referring_organisations_by_sector": {**zero, "vcs": 2, "lwa": 1},
        "receiving_organisations_by_sector": {**zero, "vcs": 2, "statutory": 1},
        "referrals_by_from_sector": {**zero, "vcs": 6, "lwa": 1},  # 2 + 1 + 3; 1
        "referrals_by_to_sector": {**zero, "vcs": 3, "statutory": 4},  # 2 + 1; 3 + 1
        "sector_flows": {
            "vcs": {**zero, "vcs": 3, "statutory": 3},
            "statutory": dict(zero),
            "lwa": {**zero, "statutory": 1},
            "school": dict(zero), "health": dict(zero), "other": dict(zero),
        },
    }
    assert all(type(m[k]) is int for k in ("organisations", "connections", "total_referrals",
                                            "referring_organisations",
                                            "receiving_organisations"))
    assert all(type(v) is int for v in m["organisations_by_sector"].values())
    assert all(type(m[k]) is float for k in ("density", "reciprocity", "mean_partners",
                                              "connections_per_organisation"))


def test_g1_agrees_with_networkx_definitions() -> None:
    """networkx's own density and overall_reciprocity of G1 (its documented definitions)."""
    g = nw.build_graph(table(G1))
    assert nx.density(g) == pytest.approx(1 / 3)
    assert nx.overall_reciprocity(g) == pytest.approx(0.5)


def test_a_sender_only_and_a_receiver_only_keep_their_sectors() -> None:
    """E (health) only receives from D (lwa): both sectors are counted from the one edge."""
    m = nw.network_measures(table([(2021, "D", "E", 1, 0)]))
    assert m["organisations_by_sector"]["health"] == 1 and m["organisations_by_sector"]["lwa"] == 1
    assert m["receiving_organisations_by_sector"]["health"] == 1
    assert m["referring_organisations_by_sector"]["lwa"] == 1
    assert m["density"] == 0.5 and m["reciprocity"] == 0.0  # 1 / (2 * 1); no reverse edge
    assert m["mean_partners"] == 1.0 and m["cross_sector_share"] == 1.0


def test_scalar_measure_names_in_documented_order() -> None:
    names = nw.scalar_measure_names()
    assert names[:12] == [
        "organisations", "connections", "connections_per_organisation", "mean_out_degree",
        "mean_partners", "density", "reciprocity", "cross_sector_share",
        "cross_sector_connection_share", "total_referrals", "referring_organisations",
        "receiving_organisations",
    ]
    # 5 per sector and one flow per ordered pair of the 6 sectors
    assert len(names) == 12 + 5 * 6 + 36
    assert names[12:17] == ["organisations_vcs", "referring_organisations_vcs",
                            "receiving_organisations_vcs", "referrals_from_vcs",
                            "referrals_to_vcs"]
    assert names[-1] == "flow_other_to_other" and names[-36] == "flow_vcs_to_vcs"


# --------------------------------------------------------------------------------------------
# build_graph and graph input
# --------------------------------------------------------------------------------------------
def test_build_graph_of_g1() -> None:
    g = nw.build_graph(table(G1))
    assert list(g.nodes) == ["A", "B", "C", "D"]
    assert dict(g.nodes(data="sector")) == {"A": "vcs", "B": "vcs", "C": "statutory",
                                            "D": "lwa"}
    assert g["A"]["B"] == {"weight": 2, "accepted": 1}
    assert g["D"]["C"] == {"weight": 1, "accepted": 0}
    assert g["B"]["C"] == {"weight": 3, "accepted": 3}
    assert g.graph == {"referrals": 7}
    assert type(g["A"]["B"]["weight"]) is int and type(g.graph["referrals"]) is int


def test_build_graph_does_not_depend_on_row_order() -> None:
    """Nodes and edges come in sorted order whatever the order of the referrals, so drawings
    and tables built from the graph are the same for a reordered file."""
    df = table(G1)
    for rows in (df, df.iloc[::-1]):
        g = nw.build_graph(rows)
        assert list(g.nodes) == ["A", "B", "C", "D"]
        assert list(g.edges) == [("A", "B"), ("B", "A"), ("B", "C"), ("D", "C")]


def test_build_graph_without_outcome_counts_nothing_accepted() -> None:
    g = nw.build_graph(table(G1).drop(columns="outcome"))
    assert {d["accepted"] for _, _, d in g.edges(data=True)} == {0}
    assert g["B"]["C"]["weight"] == 3


def test_organisation_with_two_sectors_is_refused_by_every_entry_point() -> None:
    """A is vcs when it refers to B and statutory when it refers to C: not a cleaned table.

    The pairs (A, B) and (A, C) differ, so the pair check alone does not see it; before the
    fix network_measures counted A once, as whichever sector came last (issue 14 mutation
    run).
    """
    df = table([(2021, "A", "B", 1, 0), (2021, "A", "C", 1, 0)])
    df.loc[1, "from_sector"] = "statutory"
    for f in (nw.build_graph, nw.network_measures, nw.measures_by_period):
        with pytest.raises(MethodInputError, match="organisation 'A' appears with more") as exc:
            f(df)
        assert exc.value.column == "from_sector"


def test_same_pair_with_two_sectors_is_refused() -> None:
    df = table([(2021, "A", "B", 2, 0)])
    df.loc[1, "to_sector"] = "health"
    with pytest.raises(MethodInputError, match="more than one sector") as exc:
        nw.network_measures(df)
    assert exc.value.column == "from_sector"


def test_graph_without_weights_counts_one_referral_per_edge() -> None:
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b"], sector="vcs")
    g.add_node("c", sector="health")
    g.add_edges_from([("a", "b"), ("b", "a"), ("b", "c")])
    m = nw.network_measures(g)
    assert m["total_referrals"] == 3 and m["connections"] == 3
    assert m["cross_sector_share"] == pytest.approx(1 / 3)
    assert m["reciprocity"] == pytest.approx(2 / 3)


def test_graph_edge_of_weight_zero_is_no_connection() -> None:
    """a -> b with weight 0 is allowed (a count) but is not a referral: a takes no part."""
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b", "c"], sector="vcs")
    g.add_edge("a", "b", weight=0)
    g.add_edge("b", "c", weight=2)
    g.add_edge("c", "b", weight=0)  # no referral back: b -> c is not reciprocated
    m = nw.network_measures(g)
    assert (m["organisations"], m["connections"], m["total_referrals"]) == (2, 1, 2)
    assert m["referring_organisations"] == 1 and m["receiving_organisations"] == 1
    assert m["density"] == 0.5  # 1 / (2 * 1)
    assert m["reciprocity"] == 0.0 and m["mean_partners"] == 1.0


@pytest.mark.parametrize("weight", [-1, "3", None])
def test_graph_edge_weight_must_be_a_count(weight) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b"], sector="vcs")
    g.add_edge("a", "b", weight=weight)
    with pytest.raises(MethodInputError, match="weights are counts"):
        nw.network_measures(g)


def test_graph_with_only_zero_weights_is_undefined() -> None:
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b"], sector="vcs")
    g.add_edge("a", "b", weight=0)
    with pytest.raises(MethodInputError, match="undefined for this network"):
        nw.network_measures(g)


@pytest.mark.parametrize("graph", [nx.Graph(), nx.MultiDiGraph()])
def test_undirected_and_multi_graphs_are_refused(graph) -> None:
    graph.add_nodes_from(["a", "b"], sector="vcs")
    graph.add_edge("a", "b", weight=1)
    with pytest.raises(MethodInputError, match=r"nx\.DiGraph"):
        nw.network_measures(graph)


def test_graph_self_loop_missing_sector_and_no_edges_are_refused() -> None:
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b"], sector="vcs")
    with pytest.raises(MethodInputError, match="no edges"):
        nw.network_measures(g)
    g.add_edge("a", "a", weight=1)
    with pytest.raises(MethodInputError, match="self-loop"):
        nw.network_measures(g)
    h = nx.DiGraph()
    h.add_node("a", sector="vcs")
    h.add_node("b")
    h.add_edge("a", "b", weight=1)
    with pytest.raises(MethodInputError, match="needs a sector") as exc:
        nw.network_measures(h)
    assert exc.value.column == "sector"


def test_referral_table_checks_name_the_column() -> None:
    with pytest.raises(MethodInputError, match="pandas DataFrame, not list"):
        nw.network_measures([1, 2])  # type: ignore[arg-type]
    with pytest.raises(MethodInputError, match="'to_sector'") as exc:
        nw.network_measures(table(G1).drop(columns="to_sector"))
    assert exc.value.column == "to_sector"
    bad = table(G1)
    bad.loc[[0, 1], "to_org"] = "A"
    with pytest.raises(MethodInputError, match="2 self-referral") as exc:
        nw.network_measures(bad)
    assert exc.value.column == "to_org"
    odd = table(G1)
    odd.loc[2, "to_sector"] = "faith"
    with pytest.raises(MethodInputError, match="faith") as exc:
        nw.network_measures(odd)
    assert exc.value.column == "from_sector"


def test_categorical_sector_columns_give_the_same_measures() -> None:
    df = table(G1)
    cat = df.astype({"from_sector": "category", "to_sector": "category"})
    assert nw.network_measures(cat) == nw.network_measures(df)
    assert list(nw.build_graph(cat).edges) == list(nw.build_graph(df).edges)


# --------------------------------------------------------------------------------------------
# tables by period
# --------------------------------------------------------------------------------------------
def test_measures_by_period_types_and_columns() -> None:
    df = table([*G1, (2022, "A", "B", 1, 0)])
    t = nw.measures_by_period(df)
    assert t.index.name == "year" and list(t.index) == [2021, 2022]
    assert not [c for c in t.columns if c.startswith("flow_")]
    assert t.loc[2021, "referrals_from_vcs"] == 6 and t["referrals_from_vcs"].dtype.kind == "i"
    assert t["organisations_lwa"].dtype.kind == "i" and t["density"].dtype.kind == "f"
    assert t.loc[2022, "density"] == 0.5 and t.loc[2022, "organisations"] == 2
    assert t.loc[2021, "mean_partners"] == 1.5


def test_period_labels_checks_and_kinds() -> None:
    df = table([(2021, "A", "B", 1, 0), (2022, "B", "C", 1, 0)])
    with pytest.raises(MethodInputError, match="must be a string") as exc:
        nw.period_labels(df, 2021)  # type: ignore[arg-type]
    assert exc.value.column == "period"
    with pytest.raises(MethodInputError, match="neither") as exc:
        nw.period_labels(df, "week")
    assert exc.value.column == "period"
    years = nw.period_labels(df)
    assert years.tolist() == [2021, 2022] and years.name == "year"
    assert nw.period_labels(df, "quarter").name == "quarter"
    assert nw.period_labels(df, "month").tolist() == ["2021-01", "2022-01"]
    with pytest.raises(MethodInputError, match="must be datetime") as exc:
        nw.period_labels(df.astype({"date": str}))
    assert exc.value.column == "date"
    with pytest.raises(MethodInputError, match="'date'"):
        nw.period_labels(df.drop(columns="date"))
    # a column named like a built-in period wins over the dates
    assert nw.period_labels(df.assign(year=[7, 8])).tolist() == [7, 8]
    first_missing = df.assign(py=[np.nan, 1.0])
    with pytest.raises(MethodInputError, match="data row 1") as exc:
        nw.period_labels(first_missing, "py")
    assert exc.value.row == 1


def test_periods_come_in_order_whatever_the_row_order() -> None:
    df = table([(2022, "A", "B", 1, 0), (2021, "A", "B", 2, 0), (2022, "B", "A", 1, 0)])
    t = nw.measures_by_period(df)
    assert list(t.index) == [2021, 2022] and t["total_referrals"].tolist() == [2, 2]
    with pytest.raises(MethodInputError, match=r"available: \[2021, 2022\]"):
        nw.yoy_change(df, "total_referrals", 2020, 2022, n_boot=200, seed=1)


def test_period_keys_are_plain_python_values() -> None:
    """The periods offered in an error are plain ints, not numpy scalars (np.int64(2021))."""
    df = table([(2021, "A", "B", 3, 0), (2022, "A", "B", 3, 0)])
    with pytest.raises(MethodInputError, match=r"available: \[2021, 2022\]"):
        nw.yoy_change(df, "total_referrals", 2020, 2022, n_boot=200, seed=1)


def test_sector_flow_matrix_shares_and_refusals() -> None:
    df = table(G1)
    counts = nw.sector_flow_matrix(df)
    assert (counts.index.name, counts.columns.name) == ("from_sector", "to_sector")
    assert counts.loc["vcs", "statutory"] == 3 and counts.loc["school", "vcs"] == 0
    assert counts.dtypes.unique().tolist() == [np.dtype(int)]
    row = nw.sector_flow_matrix(df, normalize="row")
    assert row.loc["vcs"].tolist() == [0.5, 0.5, 0.0, 0.0, 0.0, 0.0]  # 3 and 3 of 6
    assert row.loc["statutory"].tolist() == [0.0] * 6  # sends nothing: zeros, not NaN
    assert row.loc["lwa", "statutory"] == 1.0  # its one referral
    share = nw.sector_flow_matrix(df, normalize="all")
    assert share.loc["lwa", "statutory"] == pytest.approx(1 / 7)
    with pytest.raises(MethodInputError, match="no referrals to normalise"):
        nw.sector_flow_matrix(df.iloc[0:0], normalize="all")
    with pytest.raises(MethodInputError, match="normalize") as exc:
        nw.sector_flow_matrix(df, normalize="col")  # type: ignore[arg-type]
    assert exc.value.column == "normalize"


def test_lwa_flows_columns_and_one_named_scheme() -> None:
    sectors = {**SECTOR, "N": "lwa"}
    df = table([(2021, "D", "A", 2, 0), (2021, "N", "C", 1, 0), (2022, "E", "D", 1, 0),
                (2023, "A", "B", 1, 0)], sectors)
    t = nw.lwa_flows(df)
    assert t.index.name == "year" and list(t.index) == [2021, 2022, 2023]
    assert list(t.columns) == [
        "from_lwa", "to_lwa",
        "lwa_to_vcs", "lwa_to_statutory", "lwa_to_school", "lwa_to_health", "lwa_to_other",
        "vcs_to_lwa", "statutory_to_lwa", "school_to_lwa", "health_to_lwa", "other_to_lwa",
    ]
    assert t.loc[2021].tolist() == [3, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert t.loc[2022].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert t.loc[2023].tolist() == [0] * 12
    only_d = nw.lwa_flows(df, lwa_org="D")
    assert only_d.loc[2021, "from_lwa"] == 2 and only_d.loc[2021, "lwa_to_statutory"] == 0
    received = df[df["to_org"] == "D"]  # the scheme only receives: E -> D in 2022
    assert nw.lwa_flows(received, lwa_org="D").loc[2022, "to_lwa"] == 1
    assert nw.lwa_flows(received).loc[2022, "health_to_lwa"] == 1
    with pytest.raises(MethodInputError, match="'date'"):
        nw.lwa_flows(df.drop(columns="date"))


def test_statutory_to_statutory_ties_by_name_and_accepted() -> None:
    # statutory pairs: S->U 3 (1 accepted), S->R 3 (2), R->S 2 (0), T->S 2 (1), S->T 2 (2);
    # A->S is from vcs. Largest first; ties by sender, then by receiver (S->R before S->U).
    sectors = {"R": "statutory", "S": "statutory", "T": "statutory", "U": "statutory",
               "A": "vcs"}
    df = table([(2021, "T", "S", 1, 1), (2021, "S", "U", 1, 2), (2021, "S", "T", 2, 0),
                (2021, "R", "S", 0, 2), (2021, "A", "S", 5, 0), (2021, "S", "R", 2, 1)],
               sectors)
    t = nw.statutory_to_statutory(df)
    assert t[["from_org", "to_org", "referrals", "accepted"]].values.tolist() == [
        ["S", "R", 3, 2], ["S", "U", 3, 1], ["R", "S", 2, 0], ["S", "T", 2, 2], ["T", "S", 2, 1]]
    assert t["share"].tolist() == pytest.approx([3 / 12, 3 / 12, 2 / 12, 2 / 12, 2 / 12])
    empty = nw.statutory_to_statutory(df[df["from_sector"] == "vcs"])
    assert list(empty.columns) == ["from_org", "to_org", "referrals", "accepted", "share"]
    assert empty["referrals"].dtype == "int64" and empty["accepted"].dtype == "int64"
    assert empty["share"].dtype == "float64"


def test_reasons_by_period_order_and_undefined_changes() -> None:
    # 2021: debt 1, food 3; 2022: debt 2, food 2, fuel 1 (fuel 0 in 2021)
    df = table([(2021, "A", "B", 1, 0, "debt"), (2021, "A", "B", 3, 0, "food"),
                (2022, "A", "B", 2, 0, "debt"), (2022, "A", "B", 2, 0, "food"),
                (2022, "A", "B", 1, 0, "fuel")])
    t = nw.reasons_by_period(df)
    assert list(t.columns) == ["year", "reason", "referrals", "share", "share_change_pp",
                               "referrals_change_pct"]
    assert t[["year", "reason", "referrals"]].values.tolist() == [
        [2021, "food", 3], [2021, "debt", 1], [2021, "fuel", 0],
        [2022, "debt", 2], [2022, "food", 2], [2022, "fuel", 1]]
    assert t["referrals"].dtype.kind == "i"
    assert t["share"].tolist() == pytest.approx([0.75, 0.25, 0.0, 0.4, 0.4, 0.2])
    later = t[t["year"] == 2022].set_index("reason")
    assert later["share_change_pp"].tolist() == pytest.approx([15.0, -35.0, 20.0])
    assert later.loc["debt", "referrals_change_pct"] == pytest.approx(100.0)
    assert later.loc["food", "referrals_change_pct"] == pytest.approx(-100 / 3)
    assert pd.isna(later.loc["fuel", "referrals_change_pct"])  # from zero: undefined
    assert t[t["year"] == 2021]["referrals_change_pct"].isna().all()
    with pytest.raises(MethodInputError, match="at least one referral"):
        nw.reasons_by_period(df.iloc[0:0])


def test_wilson_interval_edges_and_checks() -> None:
    # k = 0 and k = n: the limit at the end is exactly 0 or 1 (Newcombe 1998, Table I: 0/20
    # gives 0 to 0.1611).
    assert nw.wilson_interval(0, 20)[0] == 0.0
    assert nw.wilson_interval(20, 20) == pytest.approx((1 - 0.1611, 1.0), abs=5e-5)
    assert nw.wilson_interval(20, 20)[1] == 1.0
    # 1 of 1 by hand: z = 1.95996, z^2 = 3.84146; centre (1 + z^2 / 2) / (1 + z^2), half-width
    # (z^2 / 2) / (1 + z^2), so the lower limit is 1 / (1 + z^2) = 1 / 4.84146 = 0.20655
    assert nw.wilson_interval(1, 1) == pytest.approx((0.20655, 1.0), abs=5e-5)
    for bad in ((-1, 5), (6, 5), (0, 0)):
        with pytest.raises(MethodInputError, match="0 <= k <= n"):
            nw.wilson_interval(*bad)
    for conf in (0.0, 1.0):
        with pytest.raises(MethodInputError, match="confidence"):
            nw.wilson_interval(1, 2, conf)


def test_acceptance_rates_by_two_keys_and_checks() -> None:
    df = table([*G1, (2022, "D", "C", 1, 1)])
    df["year"] = df["date"].dt.year
    t = nw.acceptance_rates(df, by=["year", "to_sector"])
    assert t[["year", "to_sector", "n", "accepted"]].values.tolist() == [
        [2021, "statutory", 4, 3], [2021, "vcs", 3, 2], [2022, "statutory", 2, 1]]
    assert t["rate"].tolist() == pytest.approx([0.75, 2 / 3, 0.5])
    assert t.loc[2, ["ci_low", "ci_high"]].tolist() == pytest.approx(nw.wilson_interval(1, 2))
    with pytest.raises(MethodInputError, match="'maybe' is not one of") as exc:
        nw.acceptance_rates(df.assign(outcome="maybe"))
    assert exc.value.column == "outcome"
    two_bad = df.copy()
    two_bad.loc[[2, 5], "outcome"] = ["pending", "maybe"]  # the first bad value is named
    with pytest.raises(MethodInputError, match="'pending' is not one of"):
        nw.acceptance_rates(two_bad)
    with pytest.raises(MethodInputError, match="at least one referral"):
        nw.acceptance_rates(df.iloc[0:0])
    with pytest.raises(MethodInputError, match="'region'"):
        nw.acceptance_rates(df, by="region")
