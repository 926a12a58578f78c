"""ccs_methods.methods.trend.common: JSON-safe results, number and date coercion.

Written against the survivors of a mutation run of ``trend/common.py`` (issue 14, "Tests with
teeth"); the decimal years are worked by hand: ``year + (day of year - 1) / days in year``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pytest

from ccs_methods.errors import MethodInputError
from ccs_methods.methods.trend.common import (
    _ResultMixin,
    as_float_array,
    json_safe,
    time_to_float,
)


def test_json_safe_every_kind() -> None:
    obj = {
        "none": None,
        "s": "text",
        "t": True,
        "nb": np.bool_(False),
        "i": np.int64(3),
        "f": np.float32(0.5),
        "nan": float("nan"),
        "inf": np.inf,
        "ninf": -np.inf,
        7: (1, "x", [np.float64(2.5)]),
        "arr": np.array([1.5, np.nan]),
        "ts": pd.Timestamp("2021-01-02"),
        "per": pd.Period("2021-01", "M"),
        "ser": pd.Series([1, 2], index=["x", "y"]),
        "path": PurePosixPath("a/b"),
    }
    got = json_safe(obj)
    assert got == {
        "none": None,
        "s": "text",
        "t": True,
        "nb": False,
        "i": 3,
        "f": 0.5,
        "nan": None,
        "inf": None,
        "ninf": None,
        "7": [1, "x", [2.5]],
        "arr": [1.5, None],
        "ts": "2021-01-02 00:00:00",
        "per": "2021-01",
        "ser": {"x": 1, "y": 2},
        "path": "a/b",
    }
    # bools stay bools (not 1 / 0), numpy ints become ints
    assert got["t"] is True and got["nb"] is False and type(got["i"]) is int
    json.dumps(got, allow_nan=False)


def test_result_mixin_to_dict() -> None:
    @dataclasses.dataclass(frozen=True)
    class R(_ResultMixin):
        a: float
        b: list

    assert R(np.float64(np.nan), [np.int32(2)]).to_dict() == {"a": None, "b": [2]}


def test_as_float_array_checks() -> None:
    assert as_float_array([1, 2], "v", min_n=2).tolist() == [1.0, 2.0]
    assert as_float_array((3,), "v").dtype == float
    with pytest.raises(
        MethodInputError, match="'v' has 1 value\\(s\\); this method needs at least 2"
    ):
        as_float_array([1], "v", min_n=2)
    with pytest.raises(MethodInputError, match="has 0 value"):
        as_float_array([], "v")
    with pytest.raises(MethodInputError, match="'v' must be one-dimensional; got shape \\(1, 2\\)"):
        as_float_array([[1, 2]], "v")
    with pytest.raises(MethodInputError, match="'v' must contain only numbers"):
        as_float_array(["a"], "v")
    with pytest.raises(MethodInputError, match="at position 3 \\(1-based\\)"):
        as_float_array([1, 2, np.inf, np.nan], "v")
    with pytest.raises(MethodInputError, match="at position 1 "):
        as_float_array([None, 1], "v")


def test_time_to_float_dates_by_hand() -> None:
    """2020 is a leap year: 31 December is day 366, 2020 + 365/366. 2 July 2021 is day 183 of
    365: 2021 + 182/365. 1 March 2021 is day 60: 2021 + 59/365."""
    got, unit = time_to_float(["2020-01-01", "2020-12-31", "2021-07-02"])
    assert unit == "year"
    assert got.tolist() == pytest.approx([2020.0, 2020 + 365 / 366, 2021 + 182 / 365])
    arr = np.array(["2021-01-01", "2021-03-01"], dtype="datetime64[D]")
    got, unit = time_to_float(arr, "t")
    assert unit == "year" and got.tolist() == pytest.approx([2021.0, 2021 + 59 / 365])
    got, unit = time_to_float(pd.Series(pd.to_datetime(["2019-12-31"])))
    assert got.tolist() == pytest.approx([2019 + 364 / 365])


def test_time_to_float_numbers_and_numeric_strings() -> None:
    got, unit = time_to_float(pd.Series([1, 2, 3]))
    assert unit == "x unit" and got.tolist() == [1.0, 2.0, 3.0]
    got, unit = time_to_float(iter([2019.5, 2020]))
    assert unit == "x unit" and got.tolist() == [2019.5, 2020.0]
    # "2020.5" is not a date, so the strings are read as numbers
    got, unit = time_to_float(["2019", "2020.5"])
    assert unit == "x unit" and got.tolist() == [2019.0, 2020.5]


def test_time_to_float_refuses() -> None:
    with pytest.raises(MethodInputError, match="'t' must be numbers or dates, not booleans"):
        time_to_float([True, False], "t")
    with pytest.raises(MethodInputError, match="'t' has a missing date at position 2"):
        time_to_float(["2020-01-01", None], "t")
    with pytest.raises(MethodInputError, match=r"'t' must be numbers \(e\.g\. years\) or dates"):
        time_to_float(["abc"], "t")
    with pytest.raises(MethodInputError, match="'x' has a missing or non-finite value"):
        time_to_float([1.0, np.nan])
