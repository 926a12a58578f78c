"""Disclosure control: primary and secondary suppression of small counts.

The rule follows the UK Government Statistical Service practice for tables of counts (cells of
1 to threshold-1 suppressed, "[c]" marker, complementary suppression so that no suppressed cell
can be recovered by subtraction from published totals); see the GSS guidance "Symbols in tables"
and ONS "Disclosure control guidance for birth and death statistics". Protection is checked
here by attacking the published tables: by linear algebra (is a cell fixed by the additivity
constraints?) and by linear programming with non-negativity (Cox 1980, "Suppression
methodology and statistical disclosure control", JASA 75:377-385: the feasible interval of a
suppressed cell must not collapse to its value).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.optimize import linprog

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.disclosure import DEFAULT_MARKER, format_suppressed, suppress

# --------------------------------------------------------------------------------------------
# An attacker: recompute suppressed cells from what is published.
# --------------------------------------------------------------------------------------------


def _system(full: np.ndarray, hidden: np.ndarray, margins: bool):
    """Additivity constraints A x = b over the hidden cells of a table.

    ``full`` is the complete table (with margins as last row/column when ``margins``); without
    margins, row and column totals are taken as known constants (published elsewhere).
    """
    n_r, n_c = full.shape
    idx = {tuple(ij): k for k, ij in enumerate(np.argwhere(hidden))}
    rows_a, rhs = [], []
    if margins:
        inner_r, inner_c = n_r - 1, n_c - 1
        lines = [[(i, j, 1.0) for j in range(inner_c)] + [(i, inner_c, -1.0)] for i in range(n_r)]
        lines += [[(i, j, 1.0) for i in range(inner_r)] + [(inner_r, j, -1.0)]
                  for j in range(n_c)]
        consts = [0.0] * len(lines)
    else:
        lines = [[(i, j, 1.0) for j in range(n_c)] for i in range(n_r)]
        lines += [[(i, j, 1.0) for i in range(n_r)] for j in range(n_c)]
        consts = list(full.sum(axis=1)) + list(full.sum(axis=0))
    for line, const in zip(lines, consts, strict=True):
        a = np.zeros(len(idx))
        b = float(const)
        for i, j, coef in line:
            if hidden[i, j]:
                a[idx[(i, j)]] += coef
            else:
                b -= coef * full[i, j]
        rows_a.append(a)
        rhs.append(b)
    return np.array(rows_a).reshape(len(rows_a), len(idx)), np.array(rhs), idx


def recoverable_cells(full: np.ndarray, hidden: np.ndarray, margins: bool) -> set[tuple]:
    """Hidden cells whose value is fixed by the published numbers (ignoring bounds)."""
    if not hidden.any():
        return set()
    A, _, idx = _system(full, hidden, margins)
    ns = null_space(A) if A.size else np.eye(len(idx))
    fixed = set()
    for cell, k in idx.items():
        if ns.shape[1] == 0 or np.max(np.abs(ns[k, :])) < 1e-9:
            fixed.add(cell)
    return fixed


def feasible_intervals(full: np.ndarray, hidden: np.ndarray, margins: bool) -> dict:
    """Min and max of each hidden cell over all non-negative tables matching what is shown."""
    A, b, idx = _system(full, hidden, margins)
    out = {}
    for cell, k in idx.items():
        c = np.zeros(len(idx))
        c[k] = 1.0
        lo = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status in (0, 3)  # 3: unbounded above (all hidden)
        out[cell] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return out


def lines_with_one_hidden(hidden: np.ndarray) -> list[str]:
    bad = [f"row {i}" for i in range(hidden.shape[0]) if hidden[i].sum() == 1]
    bad += [f"col {j}" for j in range(hidden.shape[1]) if hidden[:, j].sum() == 1]
    return bad


def full_with_margins(table: pd.DataFrame) -> np.ndarray:
    x = table.to_numpy(dtype=float)
    full = np.zeros((x.shape[0] + 1, x.shape[1] + 1))
    full[:-1, :-1] = x
    full[:-1, -1] = x.sum(axis=1)
    full[-1, :-1] = x.sum(axis=0)
    full[-1, -1] = x.sum()
    return full


def check_protected(table: pd.DataFrame, threshold: int, margins: bool, out, report) -> None:
    full = full_with_margins(table) if margins else table.to_numpy(dtype=float)
    hidden = report.mask.to_numpy()
    assert out.shape == full.shape
    # Primary: every cell 1..threshold-1 is hidden; zeros are never primary.
    small = (full >= 1) & (full < threshold)
    assert (hidden[small]).all()
    # Published cells carry their true values.
    shown = out.to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(shown[~hidden], full[~hidden])
    assert np.isnan(shown[hidden]).all()
    # No line (row or column, totals included) has exactly one hidden cell.
    assert lines_with_one_hidden(hidden) == []
    # No hidden cell can be recomputed from the published totals.
    assert recoverable_cells(full, hidden, margins) == set()
    assert report.n_suppressed == int(hidden.sum())
    json.dumps(report.to_dict())


# --------------------------------------------------------------------------------------------
# Hand-checked examples
# --------------------------------------------------------------------------------------------


def table(rows, index=None, columns=None) -> pd.DataFrame:
    rows = np.asarray(rows)
    return pd.DataFrame(
        rows,
        index=index or [f"r{i}" for i in range(rows.shape[0])],
        columns=columns or [f"c{j}" for j in range(rows.shape[1])],
    )


def test_hand_example_smallest_complement() -> None:
    #        a   b   c | Total
    #   x   10   3  12 |  25      3 < 5: primary.
    #   y    8   9  20 |  37      Row x and column b each have one hidden cell, so the 3 could
    #   z   15  11   7 |  33      be recovered as 25 - 10 - 12. The cheapest cycle through
    #   Tot 33  23  39 |  95      (x, b) uses (x, a) = 10, (y, a) = 8, (y, b) = 9 (cost 27; the
    # next best, (x, c), (z, c), (z, b), costs 12 + 7 + 11 = 30).
    t = table([[10, 3, 12], [8, 9, 20], [15, 11, 7]], index=["x", "y", "z"],
              columns=["a", "b", "c"])
    out, rep = suppress(t)
    assert rep.primary == [("x", "b")]
    assert sorted(rep.secondary) == [("x", "a"), ("y", "a"), ("y", "b")]
    assert list(out.index) == ["x", "y", "z", "Total"]
    assert list(out.columns) == ["a", "b", "c", "Total"]
    assert out.loc["Total", "Total"] == 95
    assert out.loc["x", "c"] == 12 and out.loc["x", "Total"] == 25
    assert pd.isna(out.loc["x", "b"]) and pd.isna(out.loc["y", "a"])
    assert str(out.dtypes.iloc[0]) == "Int64"
    check_protected(t, 5, True, out, rep)
    shown = format_suppressed(out)
    assert shown.loc["x", "b"] == DEFAULT_MARKER and shown.loc["Total", "Total"] == "95"
    assert format_suppressed(out, "<5").loc["x", "b"] == "<5"


def test_nothing_to_suppress() -> None:
    t = table([[10, 0], [7, 1200]])
    out, rep = suppress(t)
    assert rep.n_suppressed == 0 and rep.secondary == []
    assert out.loc["r0", "c1"] == 0  # zeros are shown
    assert out.loc["r1", "c1"] == 1200
    assert format_suppressed(out).loc["r1", "c1"] == "1,200"


def test_zero_is_not_suppressed_and_not_used_as_complement() -> None:
    #   2  0  9      2 is primary; the 0 beside it is not a good complement (one-sided), so
    #   6  0 11      the cycle closes through 9, 6, 11 or a total instead.
    t = table([[2, 0, 9], [6, 0, 11]])
    out, rep = suppress(t)
    assert out.loc["r0", "c1"] == 0 and out.loc["r1", "c1"] == 0
    assert rep.zero_complements == []
    check_protected(t, 5, True, out, rep)


def test_small_total_is_suppressed() -> None:
    #   1  2  0 | 3      row total 3 is itself a small count: primary.
    #  20 30 40 | 90
    t = table([[1, 2, 0], [20, 30, 40]])
    out, rep = suppress(t)
    assert ("r0", "Total") in rep.primary
    assert {("r0", "c0"), ("r0", "c1")} <= set(rep.primary)
    check_protected(t, 5, True, out, rep)


def test_threshold_is_exclusive_and_configurable() -> None:
    t = table([[4, 5, 50], [40, 50, 60]])
    _, rep5 = suppress(t)
    assert ("r0", "c0") in rep5.primary and ("r0", "c1") not in rep5.primary
    _, rep10 = suppress(t, threshold=10)
    assert {("r0", "c0"), ("r0", "c1")} <= set(rep10.primary)


def test_bridge_between_two_blocks_is_closed() -> None:
    # Primary cells form two 2x2 blocks joined by one cell (1, 2). Every row and column has at
    # least two hidden cells, so the simple "two per line" rule is satisfied, yet the joining
    # cell is a bridge: it equals (sum of row 0-1 totals) - (sum of column 0-1 totals) minus
    # published cells, so it can be recomputed. suppress() must close that gap.
    big = 50
    t = table([
        [1, 2, big, big],
        [3, 4, 2, big],
        [big, big, 1, 3],
        [big, big, 2, 4],
    ])
    full = t.to_numpy(dtype=float)
    primary_only = (full >= 1) & (full < 5)
    assert lines_with_one_hidden(primary_only) == []
    assert recoverable_cells(full, primary_only, margins=False) == {(1, 2)}
    out, rep = suppress(t, margins=False)
    assert len(rep.secondary) >= 1
    check_protected(t, 5, False, out, rep)


def test_margins_false_protects_against_known_totals() -> None:
    t = table([[10, 3, 12], [8, 9, 20], [15, 11, 7]])
    out, rep = suppress(t, margins=False)
    assert "Total" not in out.index and "Total" not in out.columns
    check_protected(t, 5, False, out, rep)


def test_margins_false_unprotectable_table_raises() -> None:
    # One row: the 2 is its column's only cell, and column totals are public.
    with pytest.raises(MethodInputError, match="cannot be protected"):
        suppress(table([[2, 10]]), margins=False)
    # With margins, the totals can be suppressed too.
    t = table([[2, 10]])
    out, rep = suppress(t)
    check_protected(t, 5, True, out, rep)


def test_existing_totals_are_recognised_and_checked() -> None:
    raw = pd.DataFrame({"g": ["a", "a", "b", "b", "b"] * 3, "h": list("xyxyz") * 3})
    raw = pd.concat([raw] + [pd.DataFrame({"g": ["a"], "h": ["x"]})] * 20, ignore_index=True)
    ct = pd.crosstab(raw["g"], raw["h"], margins=True)  # "All" row and column
    out, rep = suppress(ct)
    assert list(out.index) == ["a", "b", "All"] and list(out.columns) == ["x", "y", "z", "All"]
    check_protected(pd.crosstab(raw["g"], raw["h"]), 5, True, out, rep)
    bad = ct.copy()
    bad.loc["a", "All"] += 1
    with pytest.raises(MethodInputError, match="total column"):
        suppress(bad)
    bad = ct.copy()
    bad.loc["All", "x"] += 1
    bad.loc["All", "All"] += 1  # the total row adds up across, but not down column x
    with pytest.raises(MethodInputError, match="total row"):
        suppress(bad)


def test_bad_input_is_refused() -> None:
    with pytest.raises(MethodInputError, match="whole numbers"):
        suppress(table([[1, -2]]))
    with pytest.raises(MethodInputError, match="whole numbers"):
        suppress(table([[1.5, 2.0]]))
    with pytest.raises(MethodInputError, match="missing"):
        suppress(pd.DataFrame({"a": [1.0, np.nan]}))
    with pytest.raises(MethodInputError, match="not numeric"):
        suppress(pd.DataFrame({"a": ["x", "y"]}))
    with pytest.raises(MethodInputError, match="threshold"):
        suppress(table([[1, 2]]), threshold=0)
    with pytest.raises(MethodInputError, match="at least one row"):
        suppress(pd.DataFrame())
    with pytest.raises(MethodInputError, match="DataFrame"):
        suppress([[1, 2]])  # type: ignore[arg-type]
    mi = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2)]))
    with pytest.raises(MethodInputError, match="flat"):
        suppress(mi)


def test_feasible_intervals_do_not_collapse_hand_example() -> None:
    t = table([[10, 3, 12], [8, 9, 20], [15, 11, 7]])
    _, rep = suppress(t)
    full = full_with_margins(t)
    for cell, (lo, hi) in feasible_intervals(full, rep.mask.to_numpy(), True).items():
        assert hi - lo >= 2 - 1e-6, cell
        assert lo <= full[cell] <= hi


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def count_tables(draw) -> pd.DataFrame:
    n_r = draw(st.integers(1, 5))
    n_c = draw(st.integers(1, 5))
    cells = draw(st.lists(small_counts, min_size=n_r * n_c, max_size=n_r * n_c))
    return table(np.array(cells, dtype=int).reshape(n_r, n_c))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=count_tables(), threshold=st.sampled_from([3, 5, 10]))
def test_property_margins_always_protected(t: pd.DataFrame, threshold: int) -> None:
    out, rep = suppress(t, threshold)
    check_protected(t, threshold, True, out, rep)
    # With published margins a non-zero complement always exists, so every hidden cell has a
    # feasible range of width >= 2 (shift +-1 round a cycle of cells that are all >= 1).
    assert rep.zero_complements == []


@settings(max_examples=40, deadline=None)
@given(t=count_tables())
def test_property_feasible_intervals_do_not_collapse(t: pd.DataFrame) -> None:
    _, rep = suppress(t)
    full = full_with_margins(t)
    for cell, (lo, hi) in feasible_intervals(full, rep.mask.to_numpy(), True).items():
        assert lo - 1e-6 <= full[cell] <= hi + 1e-6
        assert hi - lo >= 2 - 1e-6, (cell, lo, hi)


@settings(max_examples=100, deadline=None)
@given(t=count_tables())
def test_property_without_margins_protected_or_refused(t: pd.DataFrame) -> None:
    try:
        out, rep = suppress(t, margins=False)
    except MethodInputError as exc:
        assert "cannot be protected" in str(exc)
        return
    check_protected(t, 5, False, out, rep)


@settings(max_examples=60, deadline=None)
@given(t=count_tables())
def test_property_deterministic_and_idempotent_on_labels(t: pd.DataFrame) -> None:
    out1, rep1 = suppress(t)
    out2, rep2 = suppress(t.copy())
    assert out1.equals(out2)
    assert rep1.to_dict() == rep2.to_dict()


def test_is_small_is_the_primary_rule_for_a_single_count():
    from ccs_methods.methods.disclosure import is_small

    assert [is_small(v, 5) for v in (0, 1, 4, 5, 120)] == [False, True, True, False, False]
    assert not is_small(None, 5) and not is_small(float("nan"), 5)


def test_pseudonyms_hide_ids_and_are_stable():
    from ccs_methods.methods.disclosure import pseudonyms

    names = pseudonyms(["RAW-XYZ-9", "RAW-ABC-1", "RAW-XYZ-9"])
    assert names == {"RAW-XYZ-9": "Organisation 001", "RAW-ABC-1": "Organisation 002"}
    assert not any("RAW" in v for v in names.values())


# ------------------------------------------------- secondary suppression costs (issue 14)
def _cheapest_cycle(full: np.ndarray, primary: tuple[int, int]) -> list[tuple[int, int]]:
    """Brute force: of every cycle through ``primary`` (a simple path from its row to its
    column in the row-column graph), the one that avoids zeros, then hides the smallest total
    count, then the fewest cells."""
    import itertools

    import networkx as nx

    g = nx.Graph()
    n, m = full.shape
    g.add_edges_from((("r", i), ("c", j)) for i in range(n) for j in range(m)
                     if (i, j) != primary)
    options = []
    for path in nx.all_simple_paths(g, ("r", primary[0]), ("c", primary[1])):
        cells = [(a[1], b[1]) if a[0] == "r" else (b[1], a[1])
                 for a, b in itertools.pairwise(path)]
        vals = [float(full[c]) for c in cells]
        options.append(((any(v == 0 for v in vals), sum(vals), len(cells)), sorted(cells)))
    options.sort()
    assert options[0][0] != options[1][0], "the example must have one best cycle"
    return sorted([primary, *options[0][1]])


@pytest.mark.parametrize("rows", [
    # a 3-cell and a 5-cell cycle both hide 13: the fewer cells win (the 0.001 per cell)
    [[2, 9, 2, 6], [10, 11, 3, 1], [6, 10, 7, 1]],
    # a 5-cell cycle hiding 12 beats a 3-cell one hiding 13: the count comes first
    [[2, 3, 10, 5], [3, 7, 1, 9], [9, 3, 2, 10]],
    # the first example with a zero on its best cycle: zeros are never used as complements
    [[2, 9, 2, 0], [10, 11, 3, 1], [6, 10, 7, 1]],
])
def test_protect_picks_the_cheapest_cycle(rows: list[list[int]]) -> None:
    from ccs_methods.methods.disclosure import _protect

    full = np.array(rows, dtype=float)
    sup = np.zeros(full.shape, dtype=bool)
    sup[0, 0] = True
    got = _protect(full, sup, np.ones(full.shape, dtype=bool), 3, 4)  # zeros allowed, at a cost
    assert sorted(map(tuple, np.argwhere(got).tolist())) == _cheapest_cycle(full, (0, 0))
