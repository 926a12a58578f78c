"""Shared helpers of the trend methods: JSON-safe results and input coercion.

Also used by :mod:`ccs_methods.methods.its` and :mod:`ccs_methods.methods.spc`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from ccs_methods.errors import MethodInputError


def json_safe(obj: Any) -> Any:
    """Convert numpy / pandas scalars and containers to plain JSON types; NaN/inf -> None.

    Parameters
    ----------
    obj
        Any nested structure of dicts, lists, tuples, scalars, numpy arrays.

    Returns
    -------
    Any
        The same structure using only ``dict``, ``list``, ``str``, ``int``, ``float``,
        ``bool`` and ``None``.

    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (pd.Timestamp, pd.Period)):
        return str(obj)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return json_safe(obj.to_dict())
    return str(obj)


class _ResultMixin:
    """``to_dict`` for frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict (no numpy types, NaN as None)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def as_float_array(values: Any, name: str, *, min_n: int = 1) -> np.ndarray:
    """Coerce a 1-D sequence to a finite float array, or raise :class:`MethodInputError`.

    Parameters
    ----------
    values
        Sequence of numbers.
    name
        Argument name used in messages.
    min_n
        Minimum number of values needed.

    Returns
    -------
    numpy.ndarray
        Float array.

    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"'{name}' must contain only numbers ({exc}).") from exc
    if arr.ndim != 1:
        raise MethodInputError(f"'{name}' must be one-dimensional; got shape {arr.shape}.")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise MethodInputError(
            f"'{name}' has a missing or non-finite value at position {int(bad[0]) + 1} "
            f"(1-based); every value must be a finite number."
        )
    if arr.size < min_n:
        raise MethodInputError(
            f"'{name}' has {arr.size} value(s); this method needs at least {min_n}."
        )
    return arr


def time_to_float(x: Any, name: str = "x") -> tuple[np.ndarray, str]:
    """Convert time values (numbers or dates) to floats.

    Dates become decimal years: ``year + (day_of_year - 1) / days_in_year``, so slopes are
    "per year".

    Parameters
    ----------
    x
        Numbers (e.g. years as floats) or date-likes (strings, ``datetime``, ``Timestamp``).
    name
        Argument name used in messages.

    Returns
    -------
    tuple of (numpy.ndarray, str)
        The float values and the unit ("year" for dates, "x unit" otherwise).

    """
    seq = list(x) if not isinstance(x, (pd.Series, np.ndarray)) else x
    arr = np.asarray(seq)
    if arr.dtype.kind in "iuf":
        return as_float_array(arr, name), "x unit"
    if arr.dtype.kind == "b":
        raise MethodInputError(f"'{name}' must be numbers or dates, not booleans.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
            dt = pd.to_datetime(pd.Series(seq), errors="raise")
    except (TypeError, ValueError) as exc:
        # maybe numeric strings
        try:
            return as_float_array([float(v) for v in seq], name), "x unit"
        except (TypeError, ValueError):
            raise MethodInputError(
                f"'{name}' must be numbers (e.g. years) or dates; could not read it ({exc})."
            ) from exc
    if dt.isna().any():
        pos = int(np.flatnonzero(dt.isna().to_numpy())[0]) + 1
        raise MethodInputError(f"'{name}' has a missing date at position {pos} (1-based).")
    days_in_year = np.where(dt.dt.is_leap_year, 366.0, 365.0)
    frac = (dt.dt.day_of_year.to_numpy() - 1) / days_in_year
    return dt.dt.year.to_numpy().astype(float) + frac, "year"
