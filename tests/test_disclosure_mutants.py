"""ccs_methods.methods.disclosure: reports, labels, zero complements and the single-count rule.

Written against the survivors of a mutation run of ``disclosure.py`` (issue 14, "Tests with
teeth"). The suppression patterns are worked by hand on the row-column graph of the module's
docstring: a suppressed cell can be recomputed from the totals exactly when it is a bridge,
and the cheapest cycle through it (cost = cell count, zeros only when nothing else closes it)
is suppressed too.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.disclosure import is_small, pseudonyms, suppress


def table(rows, index=None, columns=None) -> pd.DataFrame:
    rows = np.asarray(rows)
    return pd.DataFrame(
        rows,
        index=index or [f"r{i}" for i in range(rows.shape[0])],
        columns=columns or [f"c{j}" for j in range(rows.shape[1])],
    )


def test_report_of_the_hand_example() -> None:
    """test_disclosure's 3 x 3 example: the 3 at (x, b) and the cycle (x, a) 10, (y, a) 8,
    (y, b) 9 (cost 27, cheaper than 12 + 7 + 11 = 30): 16 published cells with the margins."""
    t = table(
        [[10, 3, 12], [8, 9, 20], [15, 11, 7]], index=["x", "y", "z"], columns=["a", "b", "c"]
    )
    out, rep = suppress(t)
    assert rep.n_cells == 16 and rep.n_suppressed == 4
    assert rep.to_dict() == {
        "threshold": 5,
        "margins": True,
        "rule": "primary: counts 1 to 4 suppressed (zeros shown); secondary: complementary cells"
        " suppressed until no suppressed cell can be recomputed from row and column totals",
        "n_cells": 16,
        "n_primary": 1,
        "n_secondary": 3,
        "primary": [["x", "b"]],
        "secondary": [["x", "a"], ["y", "a"], ["y", "b"]],
        "zero_complements": [],
    }
    assert rep.mask.loc["x"].tolist() == [True, True, False, False]
    assert rep.mask.loc["Total"].tolist() == [False] * 4
    assert out.loc["z"].tolist() == [15, 11, 7, 33]
    assert out.loc["Total"].tolist() == [33, 23, 39, 95]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.threshold = 3  # type: ignore[misc]
    _, plain = suppress(t, margins=False)
    assert plain.n_cells == 9 and plain.margins is False


def test_zero_complements_when_nothing_else_closes_the_cycle() -> None:
    """No margins; 2 0 / 0 9: the only cycle through the 2 runs through both zeros and the 9,
    so the zeros are suppressed (and reported as one-sided)."""
    out, rep = suppress(table([[2, 0], [0, 9]]), margins=False)
    assert rep.primary == [("r0", "c0")]
    assert rep.secondary == [("r0", "c1"), ("r1", "c0"), ("r1", "c1")]
    assert rep.zero_complements == [("r0", "c1"), ("r1", "c0")]
    assert out.isna().all().all()


def test_a_zero_is_used_only_when_cheaper_cells_cannot_close() -> None:
    """With margins: 2 0 / 0 9 gives totals 2, 9 across and 2, 9 down (11 in all). The 2, the
    row total 2 and the column total 2 are primary and form a path r0 - c0 - r2 - c2 - r0
    missing only the grand total (11): the cycle r0-c0, r0-c2, r2-c0, r2-c2 closes there, so no
    zero is needed."""
    out, rep = suppress(table([[2, 0], [0, 9]]))
    assert rep.primary == [("r0", "c0"), ("r0", "Total"), ("Total", "c0")]
    assert rep.secondary == [("Total", "Total")]
    assert rep.zero_complements == []
    assert out.loc["r0", "c1"] == 0 and out.loc["r1", "c1"] == 9


def test_cheapest_cycle_prefers_small_cells_and_free_suppressed_ones() -> None:
    """2 x 3, no margins: 3 at (r0, c0). Cycles through it: via c1 (40 + 30 + 6 = 76) or via
    c2 (10 + 20 + 6 = 36): the c2 cells are taken. The cell (r1, c0) = 6 is shared."""
    _, rep = suppress(table([[3, 40, 10], [6, 30, 20]]), margins=False)
    assert rep.secondary == [("r0", "c2"), ("r1", "c0"), ("r1", "c2")]
    # a second primary on the cheap cycle is reused at no cost: 3 and 4 in row 0
    _, rep2 = suppress(table([[3, 40, 4], [6, 30, 20]]), margins=False)
    assert rep2.primary == [("r0", "c0"), ("r0", "c2")]
    assert rep2.secondary == [("r1", "c0"), ("r1", "c2")]


def test_threshold_one_and_numpy_threshold() -> None:
    """threshold 1: counts 1 .. 0, nothing is primary; numpy integers are whole numbers."""
    _, rep = suppress(table([[1, 2], [3, 4]]), threshold=1)
    assert rep.n_suppressed == 0 and rep.threshold == 1
    _, rep = suppress(table([[1, 20], [30, 40]]), threshold=np.int64(2))
    assert rep.primary == [("r0", "c0")] and type(rep.threshold) is int
    with pytest.raises(MethodInputError, match="threshold must be a whole number"):
        suppress(table([[1, 2]]), threshold=True)
    with pytest.raises(MethodInputError, match="threshold must be a whole number"):
        suppress(table([[1, 2]]), threshold=5.0)  # type: ignore[arg-type]


def test_total_labels_and_existing_margins() -> None:
    """An existing total row only ("All"): its label is used for the added total column too;
    a single row called "All" is data, not a total; a total column only likewise."""
    t = table([[10, 20], [30, 40], [40, 60]], index=["a", "b", "All"], columns=["x", "y"])
    out, _ = suppress(t, total_label="Sum")
    assert list(out.index) == ["a", "b", "All"] and list(out.columns) == ["x", "y", "All"]
    assert out.loc["All", "All"] == 100
    t2 = table([[10, 20, 30], [30, 40, 70]], index=["a", "b"], columns=["x", "y", "Total"])
    out2, _ = suppress(t2, total_label="Sum")
    assert list(out2.index) == ["a", "b", "Total"] and list(out2.columns) == ["x", "y", "Total"]
    one = table([[10, 20]], index=["All"], columns=["x", "y"])
    out3, _ = suppress(one, total_label="Sum")
    assert list(out3.index) == ["All", "Sum"] and list(out3.columns) == ["x", "y", "Sum"]
    assert out3.loc["All", "Sum"] == 30
    col = table([[10], [20]], index=["a", "b"], columns=["Total"])
    out4, _ = suppress(col)
    assert list(out4.columns) == ["Total", "Total"] and out4.loc["Total"].tolist() == [30, 30]
    # a total that does not add up names the column
    bad = table([[10, 20, 31], [30, 40, 70]], index=["a", "b"], columns=["x", "y", "Total"])
    with pytest.raises(MethodInputError, match=r"'Total' does not equal the sum of row 'a'") as e:
        suppress(bad)
    assert e.value.column == "Total"
    badrow = table([[10, 20], [30, 40], [40, 61]], index=["a", "b", "All"], columns=["x", "y"])
    with pytest.raises(
        MethodInputError,
        match=r"the total row 'All' does not equal the sum of column 'y' \(61 vs 60\)",
    ) as e:
        suppress(badrow)
    assert e.value.column == "y"
    # index and column names survive
    named = table([[10, 20], [30, 40]])
    named.index.name, named.columns.name = "org", "month"
    out5, _ = suppress(named)
    assert (out5.index.name, out5.columns.name) == ("org", "month")
    out6, _ = suppress(named, margins=False)
    assert (out6.index.name, out6.columns.name) == ("org", "month")


def test_bad_tables_name_the_cell() -> None:
    with pytest.raises(MethodInputError, match="at least one row and one column"):
        suppress(pd.DataFrame(index=["a", "b"]))
    with pytest.raises(MethodInputError, match="at least one row and one column"):
        suppress(pd.DataFrame({"a": pd.Series([], dtype=int)}))
    mi = pd.DataFrame([[1, 2]], index=pd.MultiIndex.from_tuples([("a", 1)]))
    with pytest.raises(MethodInputError, match="flat index"):
        suppress(mi)
    with pytest.raises(MethodInputError, match="the cell in row 'r1' is missing") as e:
        suppress(pd.DataFrame({"c0": [1.0, 2.0], "c1": [1.0, np.nan]}, index=["r0", "r1"]))
    assert e.value.column == "c1"
    with pytest.raises(MethodInputError, match=r"the cell in row 'r1' is 2\.5; counts") as e:
        suppress(pd.DataFrame({"c0": [1.0, 2.0], "c1": [1.0, 2.5]}, index=["r0", "r1"]))
    assert e.value.column == "c1"
    with pytest.raises(MethodInputError, match="column 'c1' is not numeric") as e:
        suppress(pd.DataFrame({"c0": [1], "c1": ["x"]}))
    assert e.value.column == "c1"
    with pytest.raises(MethodInputError, match="cannot be protected") as e:
        suppress(table([[20, 2]]), margins=False)
    assert "row 1, column 2" in str(e.value)


@pytest.mark.parametrize(
    ("value", "small"),
    [
        (None, False),
        (float("nan"), False),
        (np.float64("nan"), False),
        (float("inf"), False),
        (0, False),
        (0.5, False),
        (1, True),
        (4, True),
        (4.5, True),
        (5, False),
        (np.int64(3), True),
    ],
)
def test_is_small(value, small: bool) -> None:
    assert is_small(value, 5) is small


def test_pseudonyms_in_order_of_first_appearance() -> None:
    assert pseudonyms(["b", "a", "b", "c"]) == {
        "b": "Organisation 001",
        "a": "Organisation 002",
        "c": "Organisation 003",
    }
    assert pseudonyms([7, 3], prefix="Org") == {7: "Org 001", 3: "Org 002"}
    assert pseudonyms(range(1000))[999] == "Organisation 1000"
    assert pseudonyms([]) == {}


def test_smallest_tables_with_existing_totals() -> None:
    """One data row and a total row ("All"), one data column and a total column ("Total"):
    both are margins (two labels are enough) and are checked, not added again."""
    t = table([[10, 20], [10, 20]], index=["a", "All"], columns=["x", "y"])
    out, rep = suppress(t)
    assert list(out.index) == ["a", "All"] and list(out.columns) == ["x", "y", "All"]
    assert rep.n_cells == 6
    c = table([[10, 10], [20, 20]], index=["a", "b"], columns=["x", "Total"])
    out, rep = suppress(c)
    assert list(out.columns) == ["x", "Total"] and list(out.index) == ["a", "b", "Total"]
    assert rep.n_cells == 6
    bad = table([[10, 20, 31], [30, 40, 70]], index=["a", "b"], columns=["x", "y", "Total"])
    with pytest.raises(MethodInputError, match=r"\(31 vs 30\)"):
        suppress(bad)
