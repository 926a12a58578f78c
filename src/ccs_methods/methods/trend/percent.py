"""Percentage change between two values, with a clear error for a zero base."""

from __future__ import annotations

import math

from ccs_methods.errors import MethodInputError


def percent_change(a: float, b: float) -> float:
    """Percentage change from ``a`` to ``b``: ``100 * (b - a) / a``.

    Parameters
    ----------
    a
        Base value (earlier period). Must be non-zero and finite.
    b
        Later value. Must be finite.

    Returns
    -------
    float
        The percentage change (e.g. 182.0 for "+182%").

    Raises
    ------
    MethodInputError
        ``a`` is zero (undefined change), or either value is missing or not finite, or the
        values have different signs.

    """
    for name, v in (("a", a), ("b", b)):
        try:
            fv = float(v)
        except (TypeError, ValueError) as exc:
            raise MethodInputError(f"'{name}' must be a number; got {v!r}.") from exc
        if not math.isfinite(fv):
            raise MethodInputError(f"'{name}' must be a finite number; got {v!r}.")
    fa, fb = float(a), float(b)
    if fa == 0:
        raise MethodInputError(
            "percent change from a base of 0 is undefined; report the absolute change "
            f"(b - a = {fb - fa:g}) instead."
        )
    if fa < 0 or fb < 0:
        raise MethodInputError(
            "percent change is only reported here for non-negative quantities (counts, "
            f"amounts); got a={fa:g}, b={fb:g}."
        )
    return 100.0 * (fb - fa) / fa
