"""Referral networks: cleaning, measures on hand-checked graphs, tables, bootstrap, figures.

Network measures follow the standard definitions (Wasserman & Faust 1994, "Social Network
Analysis", ch. 4: density of a directed graph E / (N(N-1)), mean degree; reciprocity as the
share of reciprocated ties, as in networkx ``overall_reciprocity``); the expected values below
are worked out by hand in the comments and cross-checked against networkx. The Wilson score
interval is checked against the worked examples of Newcombe (1998), "Two-sided confidence
intervals for the single proportion: comparison of seven methods", Statistics in Medicine
17:857-872, Table I, method 3.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from ccs_methods.errors import DataValidationError, MethodInputError, ParamsError
from ccs_methods.methods import network as nw
from ccs_methods.report import network_drawing

SECTOR = {
    "A": "vcs",
    "B": "vcs",
    "C": "vcs",
    "S": "statutory",
    "T": "statutory",
    "N": "lwa",
}

# Year 2019 (10 referrals)              Year 2021 (18 referrals)
#   A -> B  x3  vcs->vcs   debt           A -> B  x2  vcs->vcs         benefits
#   B -> A  x1  vcs->vcs   benefits (declined)   S -> T  x4  stat->stat  debt
#   A -> S  x2  vcs->stat  benefits       T -> S  x1  stat->stat       benefits
#   S -> N  x1  stat->lwa  debt           N -> A  x5  lwa->vcs         debt
#   N -> A  x2  lwa->vcs   benefits       N -> C  x3  lwa->vcs         benefits
#   N -> B  x1  lwa->vcs   benefits       C -> N  x2  vcs->lwa         benefits (declined)
#                                         S -> A  x1  stat->vcs        benefits
SPEC = [
    (2019, "A", "B", 3, "debt", "accepted"),
    (2019, "B", "A", 1, "benefits", "declined"),
    (2019, "A", "S", 2, "benefits", "accepted"),
    (2019, "S", "N", 1, "debt", "accepted"),
    (2019, "N", "A", 2, "benefits", "accepted"),
    (2019, "N", "B", 1, "benefits", "accepted"),
    (2021, "A", "B", 2, "benefits", "accepted"),
    (2021, "S", "T", 4, "debt", "accepted"),
    (2021, "T", "S", 1, "benefits", "accepted"),
    (2021, "N", "A", 5, "debt", "accepted"),
    (2021, "N", "C", 3, "benefits", "accepted"),
    (2021, "C", "N", 2, "benefits", "declined"),
    (2021, "S", "A", 1, "benefits", "accepted"),
]


def make_referrals(spec=SPEC, sectors=SECTOR) -> pd.DataFrame:
    rows = []
    k = 0
    for year, a, b, n, reason, outcome in spec:
        for i in range(n):
            k += 1
            rows.append({
                "referral_id": f"R{k:04d}",
                "date": f"{year}-{1 + (k % 12):02d}-{1 + (i % 28):02d}",
                "site": "norfolk",
                "network": "NCAN",
                "from_org": a,
                "from_sector": sectors[a],
                "to_org": b,
                "to_sector": sectors[b],
                "reason": reason,
                "outcome": outcome,
            })
    return pd.DataFrame(rows)


@pytest.fixture
def refs() -> pd.DataFrame:
    clean, _ = nw.clean_referrals(make_referrals())
    return clean


@pytest.fixture
def y2019(refs) -> pd.DataFrame:
    return refs[refs["date"].dt.year == 2019]


@pytest.fixture
def y2021(refs) -> pd.DataFrame:
    return refs[refs["date"].dt.year == 2021]


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------


def raw_with_problems() -> pd.DataFrame:
    df = make_referrals()
    extra = df.iloc[[0, 1, 2, 3]].copy()
    extra["referral_id"] = ["X1", "X2", "X3", "R0001"]  # X3 self-ref, R0001 duplicate id
    extra.loc[extra.index[0], "date"] = "2018-06-30"  # outside the period
    extra.loc[extra.index[1], "date"] = "2022-01-01"  # outside the period
    extra.loc[extra.index[2], ["to_org", "to_sector"]] = ["A", "vcs"]  # A -> A: self-referral
    out = pd.concat([df, extra], ignore_index=True)
    out.loc[5, "from_sector"] = " VCS "  # case and spaces are normalised, not dropped
    out.loc[6, "outcome"] = "Accepted"
    return out


def test_clean_counts_every_dropped_row() -> None:
    raw = raw_with_problems()
    n = len(raw)  # 28 good rows + 4 problem rows
    assert n == 32
    clean, rep = nw.clean_referrals(
        raw, period=("2019-01-01", "2021-12-31"), duplicate_ids="drop", source_file="ncan.csv"
    )
    # Row positions 28..31 -> file lines 30..33 (header is line 1).
    assert rep.dropped == {"duplicate_id": 1, "self_referral": 1, "outside_period": 2}
    assert rep.dropped_rows == {
        "duplicate_id": [33],
        "self_referral": [32],
        "outside_period": [30, 31],
    }
    assert rep.n_input == 32 and rep.n_output == 28 and rep.n_dropped == 4
    assert len(clean) == 28
    assert clean.loc[5, "from_sector"] == "vcs" and clean.loc[6, "outcome"] == "accepted"
    assert pd.api.types.is_datetime64_any_dtype(clean["date"])
    d = rep.to_dict()
    json.dumps(d)
    assert d["row_numbering"] == "line" and len(d["rules"]) == len(nw.CLEANING_RULES)
    assert rep.summary() == ("32 referrals read, 28 kept; 1 dropped (duplicate id); "
                             "1 dropped (self referral); 2 dropped (outside period).")


def test_clean_rows_without_source_file_are_one_based_data_rows() -> None:
    raw = raw_with_problems()
    _, rep = nw.clean_referrals(raw, duplicate_ids="drop")
    assert rep.row_numbering == "row"
    assert rep.dropped_rows["duplicate_id"] == [32] and rep.dropped_rows["self_referral"] == [31]
    assert rep.dropped["outside_period"] == 0


def test_clean_duplicate_error_names_both_lines() -> None:
    raw = raw_with_problems()
    with pytest.raises(DataValidationError) as exc:
        nw.clean_referrals(raw, source_file="ncan.csv")
    e = exc.value
    assert (e.file, e.row, e.column) == ("ncan.csv", 33, "referral_id")
    assert "line 2" in e.message  # the first occurrence, R0001, is on line 2


def test_clean_self_referral_error() -> None:
    raw = raw_with_problems()
    with pytest.raises(DataValidationError) as exc:
        nw.clean_referrals(raw, duplicate_ids="drop", self_referrals="error")
    assert exc.value.row == 31 and exc.value.column == "to_org"


def test_clean_unknown_sector_error_or_other() -> None:
    raw = make_referrals()
    raw.loc[3, "to_sector"] = "faith"
    with pytest.raises(DataValidationError) as exc:
        nw.clean_referrals(raw, source_file="f.csv")
    assert (exc.value.row, exc.value.column) == (5, "to_sector")
    # Recode: T is 'faith' (any case) in every row, so it becomes 'other' consistently.
    raw = make_referrals()
    raw.loc[raw["to_org"] == "T", "to_sector"] = "faith"
    raw.loc[raw["from_org"] == "T", "from_sector"] = "Faith"
    clean, rep = nw.clean_referrals(raw, unknown_sectors="other")
    assert rep.recoded == {"unknown_sector_to_other": 5}  # T: 4 received + 1 sent
    assert rep.n_output == len(raw)
    assert set(clean.loc[clean["to_org"] == "T", "to_sector"]) == {"other"}


@pytest.mark.parametrize(
    ("column", "value", "row", "match"),
    [
        ("from_org", None, 4, "no value in column 'from_org'"),
        ("reason", "  ", 4, "no value in column 'reason'"),
        ("date", "31/02/2020", 4, "not a date"),
        ("date", None, 4, "no value in column 'date'"),
        ("outcome", "pending", 4, "not one of"),
    ],
)
def test_clean_bad_values_name_row_and_column(column, value, row, match) -> None:
    raw = make_referrals()
    raw[column] = raw[column].astype(object)
    raw.loc[2, column] = value
    with pytest.raises(DataValidationError, match=match) as exc:
        nw.clean_referrals(raw, source_file="x.csv")
    assert exc.value.row == row and exc.value.column == column
    assert str(exc.value).startswith(f"x.csv, row {row}, column '{column}'")


def test_clean_missing_column_and_bad_options() -> None:
    with pytest.raises(DataValidationError, match="missing required column") as exc:
        nw.clean_referrals(make_referrals().drop(columns="outcome"))
    assert exc.value.column == "outcome"
    with pytest.raises(MethodInputError, match="self_referrals"):
        nw.clean_referrals(make_referrals(), self_referrals="keep")  # type: ignore[arg-type]
    with pytest.raises(ParamsError, match="after its end"):
        nw.clean_referrals(make_referrals(), period=("2021-01-01", "2019-01-01"))
    with pytest.raises(ParamsError, match="pair"):
        nw.clean_referrals(make_referrals(), period=("2021-01-01",))  # type: ignore[arg-type]


def test_clean_organisation_with_two_sectors() -> None:
    raw = make_referrals()
    raw.loc[7, "from_sector"] = "health"  # row 7 is N -> A; N is lwa on row 6 (S -> N)
    with pytest.raises(DataValidationError, match="one sector") as exc:
        nw.clean_referrals(raw)
    assert exc.value.row == 8 and exc.value.column == "from_sector"


def test_clean_keeps_extra_columns_and_index() -> None:
    raw = make_referrals().assign(extra=1)
    raw.index = raw.index + 100
    clean, _ = nw.clean_referrals(raw)
    assert "extra" in clean.columns and clean.index[0] == 100


# --------------------------------------------------------------------------------------------
# Measures on hand-checked graphs
# --------------------------------------------------------------------------------------------


def test_build_graph(y2019) -> None:
    g = nw.build_graph(y2019)
    assert isinstance(g, nx.DiGraph)
    assert sorted(g.nodes) == ["A", "B", "N", "S"]
    assert g.nodes["N"]["sector"] == "lwa"
    assert g["A"]["B"]["weight"] == 3 and g["B"]["A"]["accepted"] == 0
    assert g.graph["referrals"] == 10


def test_measures_2019_by_hand(y2019) -> None:
    m = nw.network_measures(y2019)
    json.dumps(m)
    # N = 4 organisations (A, B, S, N); E = 6 connections (AB, BA, AS, SN, NA, NB).
    assert m["organisations"] == 4 and m["connections"] == 6
    assert m["total_referrals"] == 10
    # density = E / (N(N-1)) = 6 / 12
    assert m["density"] == pytest.approx(0.5)
    # reciprocated connections: A->B and B->A only -> R = 2, reciprocity = 2/6
    assert m["reciprocity"] == pytest.approx(1 / 3)
    # in+out degree: A 2+2, B 1+2, S 1+1, N 2+1 = 12 -> 12/4 = 3 = 2E/N
    assert m["connections_per_organisation"] == pytest.approx(3.0)
    assert m["mean_out_degree"] == pytest.approx(1.5)
    # distinct partners ignoring direction: A{B,S,N} B{A,N} S{A,N} N{S,A,B} = 10/4
    assert m["mean_partners"] == pytest.approx(2.5)
    # cross-sector referrals: A->S 2, S->N 1, N->A 2, N->B 1 = 6 of 10; connections 4 of 6
    assert m["cross_sector_share"] == pytest.approx(0.6)
    assert m["cross_sector_connection_share"] == pytest.approx(4 / 6)
    assert m["referring_organisations_by_sector"] == {
        "vcs": 2, "statutory": 1, "lwa": 1, "school": 0, "health": 0, "other": 0}
    assert m["referrals_by_to_sector"]["vcs"] == 7  # 3 + 1 + 2 + 1
    assert m["referrals_by_to_sector"]["statutory"] == 2
    assert m["sector_flows"]["lwa"]["vcs"] == 3 and m["sector_flows"]["vcs"]["vcs"] == 4
    assert isinstance(m["organisations"], int) and isinstance(m["density"], float)


def test_measures_2021_by_hand(y2021) -> None:
    m = nw.network_measures(y2021)
    # N = 6 (A, B, S, T, N, C); E = 7 (AB, ST, TS, NA, NC, CN, SA); 18 referrals
    assert (m["organisations"], m["connections"], m["total_referrals"]) == (6, 7, 18)
    assert m["density"] == pytest.approx(7 / 30)
    # reciprocated: S<->T and N<->C -> 4 of 7 connections
    assert m["reciprocity"] == pytest.approx(4 / 7)
    assert m["connections_per_organisation"] == pytest.approx(14 / 6)
    # cross-sector: N->A 5, N->C 3, C->N 2, S->A 1 = 11 of 18
    assert m["cross_sector_share"] == pytest.approx(11 / 18)
    # B only receives: referring vcs = A, C
    assert m["referring_organisations_by_sector"]["vcs"] == 2
    assert m["referring_organisations"] == 5 and m["receiving_organisations"] == 6


def test_measures_agree_with_networkx_and_graph_input(y2019, y2021) -> None:
    for part in (y2019, y2021):
        g = nw.build_graph(part)
        m = nw.network_measures(part)
        assert nw.network_measures(g) == m
        assert m["density"] == pytest.approx(nx.density(g))
        assert m["reciprocity"] == pytest.approx(nx.overall_reciprocity(g))
        degrees = [g.in_degree(n) + g.out_degree(n) for n in g]
        assert m["connections_per_organisation"] == pytest.approx(np.mean(degrees))
        partners = [len(set(g.successors(n)) | set(g.predecessors(n))) for n in g]
        assert m["mean_partners"] == pytest.approx(np.mean(partners))


def ring_network(year: int, n_orgs: int, n_connections: int) -> list[tuple]:
    # Organisation i refers to i+1, i+2, ... (mod n) until n_connections pairs exist.
    spec, k = [], 1
    while len(spec) < n_connections:
        for i in range(n_orgs):
            if len(spec) < n_connections:
                spec.append((year, f"o{i}", f"o{(i + k) % n_orgs}", 1, "debt", "accepted"))
        k += 1
    return spec


def test_connections_per_organisation_reconciles_report_figures() -> None:
    # Year 2 report (003, key finding 9): connections +80% and connections per organisation
    # 5.7 -> 7.2. With cpo = 2E/N both hold when organisations grow by 1.8 / (7.2/5.7) - 1
    # = 42.5%: e.g. 40 organisations with 114 connections (2 * 114 / 40 = 5.7) and 57 with
    # 205 (2 * 205 / 57 = 7.19; 205 / 114 = 1.798).
    spec = ring_network(2019, 40, 114) + ring_network(2021, 57, 205)
    sectors = {f"o{i}": "vcs" for i in range(57)}
    df = nw.clean_referrals(make_referrals(spec, sectors))[0]
    table = nw.measures_by_period(df)
    assert table.loc[2019, "connections_per_organisation"] == pytest.approx(5.7)
    assert table.loc[2021, "connections_per_organisation"] == pytest.approx(7.2, abs=0.01)
    change = {m: nw.yoy_change(df, m, 2019, 2021, n_boot=200, seed=1)["change_pct"]
              for m in ("connections", "connections_per_organisation", "organisations")}
    assert change["connections"] == pytest.approx(80, abs=0.5)
    assert change["connections_per_organisation"] == pytest.approx(26.2, abs=0.5)
    assert change["organisations"] == pytest.approx(42.5)


def test_measures_refuse_bad_input(y2019) -> None:
    with pytest.raises(MethodInputError, match="empty"):
        nw.network_measures(y2019.iloc[0:0])
    bad = y2019.copy()
    bad.loc[bad.index[0], "to_org"] = bad.loc[bad.index[0], "from_org"]
    with pytest.raises(MethodInputError, match="self-referral"):
        nw.network_measures(bad)
    with pytest.raises(MethodInputError, match="column"):
        nw.network_measures(y2019.drop(columns="to_sector"))
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=2)
    with pytest.raises(MethodInputError, match="sector"):
        nw.network_measures(g)


def test_measures_by_period(refs) -> None:
    table = nw.measures_by_period(refs)
    assert list(table.index) == [2019, 2021] and table.index.name == "year"
    assert table.loc[2019, "connections"] == 6 and table.loc[2021, "organisations"] == 6
    assert table.loc[2021, "reciprocity"] == pytest.approx(4 / 7)
    assert table.loc[2021, "referring_organisations_statutory"] == 2  # S and T
    assert table["connections"].dtype.kind == "i"


def test_periods_quarter_month_and_custom_column(refs) -> None:
    assert nw.period_labels(refs, "quarter").iloc[0] == "2019Q1"
    assert nw.period_labels(refs, "month").iloc[0] == "2019-02"
    # A programme-year column added by the caller (dates come from params, not code).
    with_py = refs.assign(programme_year=np.where(refs["date"].dt.year == 2019, 0, 2))
    table = nw.measures_by_period(with_py, period="programme_year")
    assert list(table.index) == [0, 2] and table.loc[2, "total_referrals"] == 18
    bad = with_py.astype({"programme_year": "float"})
    bad.loc[bad.index[3], "programme_year"] = np.nan
    with pytest.raises(MethodInputError, match="data row 4") as exc:
        nw.measures_by_period(bad, period="programme_year")
    assert exc.value.column == "programme_year"
    with pytest.raises(MethodInputError, match="neither"):
        nw.measures_by_period(refs, period="fortnight")


def test_sector_flow_matrix(y2021) -> None:
    m = nw.sector_flow_matrix(y2021)
    assert list(m.index) == list(nw.SECTORS) and list(m.columns) == list(nw.SECTORS)
    # vcs->vcs 2 (A->B), stat->stat 5, lwa->vcs 8, vcs->lwa 2, stat->vcs 1
    assert m.loc["vcs", "vcs"] == 2 and m.loc["statutory", "statutory"] == 5
    assert m.loc["lwa", "vcs"] == 8 and m.loc["vcs", "lwa"] == 2
    assert m.loc["statutory", "vcs"] == 1 and int(m.to_numpy().sum()) == 18
    row = nw.sector_flow_matrix(y2021, normalize="row")
    assert row.loc["statutory", "statutory"] == pytest.approx(5 / 6)
    assert row.loc["school"].sum() == 0
    assert nw.sector_flow_matrix(y2021, normalize="all").to_numpy().sum() == pytest.approx(1)


def test_lwa_flows(refs) -> None:
    t = nw.lwa_flows(refs)
    # 2019: N->A 2 + N->B 1 = 3 out; S->N 1 in.  2021: N->A 5 + N->C 3 = 8 out; C->N 2 in.
    assert t.loc[2019, "from_lwa"] == 3 and t.loc[2019, "to_lwa"] == 1
    assert t.loc[2019, "lwa_to_vcs"] == 3 and t.loc[2019, "statutory_to_lwa"] == 1
    assert t.loc[2019, "vcs_to_lwa"] == 0
    assert t.loc[2021, "lwa_to_vcs"] == 8 and t.loc[2021, "vcs_to_lwa"] == 2
    same = nw.lwa_flows(refs, lwa_org="N")
    assert same.equals(t)
    with pytest.raises(MethodInputError, match="makes or receives no referral"):
        nw.lwa_flows(refs, lwa_org="nobody")
    with pytest.raises(MethodInputError, match="sector 'lwa'"):
        nw.lwa_flows(refs[(refs["from_sector"] != "lwa") & (refs["to_sector"] != "lwa")])


def test_statutory_to_statutory(y2019, y2021) -> None:
    t = nw.statutory_to_statutory(y2021)
    assert t[["from_org", "to_org", "referrals"]].values.tolist() == [["S", "T", 4], ["T", "S", 1]]
    assert t["share"].tolist() == pytest.approx([0.8, 0.2])
    empty = nw.statutory_to_statutory(y2019)
    assert empty.empty and list(empty.columns) == list(t.columns)


def test_reasons_by_period(refs) -> None:
    t = nw.reasons_by_period(refs).set_index(["year", "reason"])
    # 2019: debt 3 + 1 = 4 of 10; 2021: debt 4 + 5 = 9 of 18
    assert t.loc[(2019, "debt"), "referrals"] == 4
    assert t.loc[(2019, "debt"), "share"] == pytest.approx(0.4)
    assert t.loc[(2021, "debt"), "share"] == pytest.approx(0.5)
    assert t.loc[(2021, "debt"), "share_change_pp"] == pytest.approx(10.0)
    assert t.loc[(2021, "debt"), "referrals_change_pct"] == pytest.approx(125.0)
    assert t.loc[(2021, "benefits"), "referrals_change_pct"] == pytest.approx(50.0)
    assert pd.isna(t.loc[(2019, "debt"), "share_change_pp"])


def test_wilson_interval_newcombe_examples() -> None:
    # Newcombe (1998) Table I, method 3 (score interval without continuity correction).
    assert nw.wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert nw.wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert nw.wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert nw.wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)
    with pytest.raises(MethodInputError):
        nw.wilson_interval(3, 0)


def test_acceptance_rates(refs) -> None:
    t = nw.acceptance_rates(refs, by="to_sector").set_index("to_sector")
    # to vcs: 2019 A->B 3, B->A 1 (declined), N->A 2, N->B 1; 2021 A->B 2, N->A 5, N->C 3,
    # S->A 1 -> 18 referrals, 17 accepted.
    assert t.loc["vcs", "n"] == 18 and t.loc["vcs", "accepted"] == 17
    lo, hi = nw.wilson_interval(17, 18)
    assert t.loc["vcs", ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi])
    overall = nw.acceptance_rates(refs, by=None)
    assert overall.loc[0, "n"] == 28 and overall.loc[0, "accepted"] == 25
    # a table with the Newcombe example: 81 of 263 accepted
    df = pd.DataFrame({"outcome": ["accepted"] * 81 + ["declined"] * 182, "g": "x"})
    r = nw.acceptance_rates(df, by="g")
    assert r.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx([0.2553, 0.3662], abs=5e-5)


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------


def two_year_counts(n_a: int, n_b: int) -> pd.DataFrame:
    # Referrals spread over three connections, same shares in both years.
    spec = []
    for year, n in ((2019, n_a), (2021, n_b)):
        spec += [(year, "A", "B", n // 2, "debt", "accepted"),
                 (year, "B", "S", n // 4, "debt", "accepted"),
                 (year, "S", "N", n - n // 2 - n // 4, "debt", "accepted")]
    return nw.clean_referrals(make_referrals(spec))[0]


def test_yoy_is_reproducible_and_json(refs) -> None:
    a = nw.yoy_change(refs, "connections", 2019, 2021, n_boot=300, seed=7)
    b = nw.yoy_change(refs, "connections", 2019, 2021, n_boot=300, seed=7)
    assert a == b
    c7 = nw.yoy_change(refs, "cross_sector_share", 2019, 2021, n_boot=300, seed=7)
    c8 = nw.yoy_change(refs, "cross_sector_share", 2019, 2021, n_boot=300, seed=8)
    assert c7 == nw.yoy_change(refs, "cross_sector_share", 2019, 2021, n_boot=300, seed=7)
    assert (c7["ci_low_pct"], c7["ci_high_pct"]) != (c8["ci_low_pct"], c8["ci_high_pct"])
    json.dumps(a)
    # point estimate: 6 -> 7 connections = +16.67%
    assert a["value_a"] == 6 and a["value_b"] == 7
    assert a["change_pct"] == pytest.approx(100 / 6)
    assert a["n_referrals_a"] == 10 and a["n_referrals_b"] == 18
    assert a["seed"] == 7 and a["n_boot"] == 300


def test_yoy_total_referrals_matches_poisson_ratio_interval() -> None:
    # For a count, the Poisson bootstrap of referrals reproduces the usual interval for a ratio
    # of two Poisson counts: exp(log(b/a) +- 1.96 sqrt(1/a + 1/b)) (e.g. Rothman, Greenland &
    # Lash, "Modern Epidemiology", 3rd ed., ch. 14). a = 400, b = 500:
    # sd = sqrt(1/400 + 1/500) = 0.06708; ratio 1.25 -> [1.0960, 1.4256] -> [+9.6%, +42.6%].
    df = two_year_counts(400, 500)
    r = nw.yoy_change(df, "total_referrals", 2019, 2021, n_boot=4000, seed=1)
    assert r["change_pct"] == pytest.approx(25.0)
    assert r["ci_low_pct"] == pytest.approx(9.6, abs=1.5)
    assert r["ci_high_pct"] == pytest.approx(42.6, abs=2.0)
    m = nw.yoy_change(df, "total_referrals", 2019, 2021, n_boot=200, seed=1,
                      scheme="multinomial")
    assert m["ci_low_pct"] == m["ci_high_pct"] == pytest.approx(25.0)  # totals fixed


def test_yoy_fast_path_agrees_with_function_path() -> None:
    # The vectorised path (Poisson(w) per connection) and the per-referral path (Poisson(1) per
    # referral) have the same distribution; with many replicates the intervals agree.
    df = two_year_counts(200, 260)
    fast = nw.yoy_change(df, "total_referrals", 2019, 2021, n_boot=2000, seed=3)
    slow = nw.yoy_change(df, len, 2019, 2021, n_boot=400, seed=3)
    assert slow["change_pct"] == pytest.approx(fast["change_pct"])
    assert slow["ci_low_pct"] == pytest.approx(fast["ci_low_pct"], abs=4)
    assert slow["ci_high_pct"] == pytest.approx(fast["ci_high_pct"], abs=5)
    assert slow["measure"] == "len"


def test_yoy_refuses_bad_requests(refs) -> None:
    with pytest.raises(MethodInputError, match="unknown measure"):
        nw.yoy_change(refs, "nonsense", 2019, 2021, seed=1)
    with pytest.raises(MethodInputError, match="no referrals"):
        nw.yoy_change(refs, "connections", 2018, 2021, seed=1)
    with pytest.raises(MethodInputError, match="percent change from zero"):
        nw.yoy_change(refs, "referrals_to_health", 2019, 2021, n_boot=200, seed=1)
    with pytest.raises(MethodInputError, match="n_boot"):
        nw.yoy_change(refs, "connections", 2019, 2021, n_boot=10, seed=1)
    with pytest.raises(MethodInputError, match="seed"):
        nw.yoy_change(refs, "connections", 2019, 2021, seed=1.5)  # type: ignore[arg-type]
    assert "flow_lwa_to_vcs" in nw.scalar_measure_names()


def test_yoy_undefined_replicates_are_refused_not_dropped() -> None:
    # One referral in 2019: in e^-1 = 37% of Poisson replicates there is no referral at all,
    # so density is undefined there; dropping those replicates silently would bias the
    # interval, so the function refuses.
    spec = [(2019, "A", "B", 1, "debt", "accepted"), (2021, "A", "B", 5, "debt", "accepted"),
            (2021, "B", "S", 5, "debt", "accepted")]
    df = nw.clean_referrals(make_referrals(spec))[0]
    with pytest.raises(MethodInputError, match="undefined in"):
        nw.yoy_change(df, "density", 2019, 2021, n_boot=200, seed=1)


def test_yoy_small_base_is_refused_not_infinite() -> None:
    # lwa -> vcs: 3 in 2019, 8 in 2021. A base of 3 is zero in e^-3 = 5% of Poisson
    # replicates (infinite change), more than the 2.5% an upper 97.5% limit can absorb.
    df = nw.clean_referrals(make_referrals())[0]
    with pytest.raises(MethodInputError, match="too small"):
        nw.yoy_change(df, "flow_lwa_to_vcs", 2019, 2021, n_boot=1000, seed=1)
    # A base that is zero in a replicate, with zero in the other year too, is "no change".
    r = nw.yoy_change(df, "flow_statutory_to_lwa", 2019, 2021, n_boot=400, seed=1)
    assert r["change_pct"] == -100.0 and r["ci_high_pct"] == 0.0
    assert r["n_boot_base_zero"] > 0


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def title_of(ax) -> str:
    # The book theme (ccs_methods.report.plots) puts titles on the left.
    return "".join(ax.get_title(loc=loc) for loc in ("left", "center", "right"))


def node_offsets(ax) -> np.ndarray:
    nodes = [c for c in ax.collections if c.get_gid() == "nodes"]
    assert len(nodes) == 1
    return np.asarray(nodes[0].get_offsets())


def test_plot_network_same_positions_every_panel(refs) -> None:
    fig = network_drawing.plot_network(refs, seed=3)
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert len(fig.axes) == 2
        a, b = (node_offsets(ax) for ax in fig.axes)
        assert a.shape == (6, 2) and np.array_equal(a, b)  # all 6 organisations in both panels
        pos = fig.node_positions
        assert np.allclose(a, [pos[o] for o in sorted(pos)])
        # period on its own line, so panel titles never run into each other
        assert title_of(fig.axes[0]).startswith("2019\n4 organisations, 6 connections")
        assert fig.get_suptitle() == "Referral network by period"
        assert fig.legends and "Voluntary" in " ".join(
            t.get_text() for t in fig.legends[0].get_texts())
        assert "2019" in fig.alt_text and "2021" in fig.alt_text
        assert set(fig.data["year"]) == {2019, 2021}
    finally:
        plt.close(fig)
    # Same seed -> same layout; given positions are used as they are.
    assert network_drawing.network_layout(refs, seed=3) == pos
    fixed = {o: (float(i), float(-i)) for i, o in enumerate(sorted(pos))}
    fig2 = network_drawing.plot_network({"before": refs[refs["date"].dt.year == 2019],
                            "after": refs[refs["date"].dt.year == 2021]}, positions=fixed,
                           synthetic=True)
    try:
        assert len(fig2.axes) == 2
        assert np.allclose(node_offsets(fig2.axes[1]), [fixed[o] for o in sorted(fixed)])
        assert any("SYNTHETIC" in t.get_text() for t in fig2.texts)
    finally:
        plt.close(fig2)
    with pytest.raises(MethodInputError, match="positions lack"):
        network_drawing.plot_network(refs, positions={"A": (0.0, 0.0)})


def test_plot_network_layout_ignores_row_order(refs) -> None:
    shuffled = refs.sample(frac=1.0, random_state=1)
    layout = network_drawing.network_layout
    assert layout(shuffled, seed=5) == layout(refs, seed=5)


def test_plot_sector_flows(refs) -> None:
    fig = network_drawing.plot_sector_flows(refs)
    try:
        assert len(fig.axes) == 2
        assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
        assert fig.alt_text.startswith("Referrals between sectors")
        assert int(fig.data["referrals"].sum()) == 28
    finally:
        plt.close(fig)
    fig = network_drawing.plot_sector_flows(refs, period=None, threshold=5)
    try:
        assert len(fig.axes) == 1
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "[c]" in texts and "[c]" in fig.alt_text
        assert fig.data["referrals"].isna().any()
    finally:
        plt.close(fig)


def test_plot_reasons(refs) -> None:
    fig = network_drawing.plot_reasons(refs, top_n=1)
    try:
        assert len(fig.axes) == 1
        ax = fig.axes[0]
        assert "%" in ax.get_xlabel() and ax.get_ylabel() == "Reason for referral"
        assert title_of(ax) == "Reasons for referral by period"
        # benefits is the most frequent reason overall (15 of 28); debt is grouped as "other"
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == ["Benefits", "All other reasons"]
        assert "debt" not in set(fig.data["reason"])
        assert "Benefits: 60% in 2019, 50% in 2021" in fig.alt_text
    finally:
        plt.close(fig)


def test_sector_palette_is_fixed_and_complete() -> None:
    pal = network_drawing.sector_palette()
    assert set(pal) == set(nw.SECTORS)
    assert len(set(pal.values())) == len(nw.SECTORS)


def _simulated_network(rng: np.random.Generator, n_orgs: int, n_edges: int,
                       scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed connections with Poisson rates: gamma(0.5) rates, so many are rarely used."""
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_edges:
        a, b = (int(x) for x in rng.integers(0, n_orgs, 2))
        if a != b:
            pairs.add((a, b))
    src, dst = (np.array(x) for x in zip(*sorted(pairs), strict=True))
    return src, dst, rng.gamma(0.5, scale, size=n_edges) + 0.05


def _expected_measures(src, dst, lam, n_orgs) -> dict[str, float]:
    # Connections are independent Poisson counts, so a connection is present with probability
    # 1 - exp(-rate) and an organisation with 1 - exp(-sum of the rates of its connections).
    node_rate = np.bincount(src, lam, n_orgs) + np.bincount(dst, lam, n_orgs)
    e = float((1 - np.exp(-lam)).sum())
    n = float((1 - np.exp(-node_rate[node_rate > 0])).sum())
    return {"connections": e, "organisations": n, "connections_per_organisation": 2 * e / n}


def test_yoy_distinct_counts_interval_is_centred_on_the_estimate() -> None:
    # A replicate can lose a rarely used connection but never gain an unseen one, so percentile
    # intervals of distinct counts sit below the estimate. Simulated example with known
    # expected counts (the estimand: the change in the expected number of connections or
    # organisations under the same referral process): the recentred interval contains the
    # estimate every time and misses the truth on both sides about equally, whereas the
    # plain percentile interval misses almost only from below (truth above the interval).
    rng = np.random.default_rng(2024)
    nets = {2019: (*_simulated_network(rng, 60, 200, 4.0), 60),
            2021: (*_simulated_network(rng, 80, 400, 2.0), 80)}
    measures = ("connections", "organisations", "connections_per_organisation")
    expected = {y: _expected_measures(*net) for y, net in nets.items()}
    truth = {m: 100 * (expected[2021][m] / expected[2019][m] - 1) for m in measures}
    n_sim = 60
    miss = {m: {"recentred": [0, 0], "percentile": [0, 0]} for m in measures}
    for s in range(n_sim):
        frames = []
        for year, (src, dst, lam, _) in nets.items():
            w = rng.poisson(lam)
            keep = w > 0
            frames.append(pd.DataFrame({
                "from_org": np.repeat(src[keep], w[keep]).astype(str),
                "to_org": np.repeat(dst[keep], w[keep]).astype(str),
                "from_sector": "vcs", "to_sector": "vcs", "yr": year,
            }))
        df = pd.concat(frames, ignore_index=True)
        for m in measures:
            r = nw.yoy_change(df, m, 2019, 2021, n_boot=400, seed=s, period="yr")
            assert r["interval"] == "recentred percentile"
            assert "recentred" in r["method"]
            lo, hi = r["ci_low_pct"], r["ci_high_pct"]
            assert lo <= r["change_pct"] <= hi
            shift = r["recentre_shift_pct"]
            for kind, (a, b) in (("recentred", (lo, hi)),
                                 ("percentile", (lo - shift, hi - shift))):
                miss[m][kind][0] += truth[m] < a
                miss[m][kind][1] += truth[m] > b
    for m in ("connections", "connections_per_organisation"):
        below, above = miss[m]["recentred"]
        assert below + above <= 0.25 * n_sim, (m, below, above)
        assert below >= 1 and above >= 1, (m, below, above)  # misses on both sides
        assert abs(below - above) <= max(4, (below + above) // 2), (m, below, above)
        p_below, p_above = miss[m]["percentile"]
        assert p_above >= 3 * (p_below + 1), (m, p_below, p_above)  # one-sided before the fix
    below, above = miss["organisations"]["recentred"]
    assert below + above <= 0.15 * n_sim, (below, above)


def test_yoy_referral_counts_keep_the_percentile_interval(refs) -> None:
    r = nw.yoy_change(refs, "total_referrals", 2019, 2021, n_boot=300, seed=7)
    assert r["interval"] == "percentile" and r["recentre_shift_pct"] == 0.0
    c = nw.yoy_change(refs, "connections", 2019, 2021, n_boot=300, seed=7)
    assert c["interval"] == "recentred percentile"
    assert c["ci_low_pct"] <= c["change_pct"] <= c["ci_high_pct"]


def test_plot_reasons_single_period_is_described_once(refs) -> None:
    one = refs[refs["date"].dt.year == 2021]
    fig = network_drawing.plot_reasons(one)
    try:
        t = one["reason"].value_counts(normalize=True)
        for reason, share in t.items():
            part = f"{nw.reason_label(reason)}: {100 * share:.0f}%"
            assert fig.alt_text.count(part) == 1
        assert " in 2021, " not in fig.alt_text
        assert "2021" in fig.alt_text
    finally:
        plt.close(fig)
