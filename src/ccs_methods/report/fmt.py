"""Number formatting as the book writes numbers (one place, used by tables and glued prose)."""

from __future__ import annotations

import math

__all__ = ["count", "gbp", "interval", "p_value", "percent", "ratio", "ratio_ci", "signed"]

_DASH = "–"


def _missing(v: float | None) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def count(v: float | None) -> str:
    """A count with thousands separators: ``12,345``; a dash when missing."""
    return _DASH if _missing(v) else f"{v:,.0f}"


def gbp(v: float | None) -> str:
    """An amount in pounds: ``£12,345``."""
    return _DASH if _missing(v) else f"£{v:,.0f}"


def signed(v: float | None, digits: int = 0) -> str:
    """A change with its sign: ``+1,234`` or ``−56``."""
    return _DASH if _missing(v) else f"{v:+,.{digits}f}".replace("-", "−")


def percent(v: float | None, digits: int = 0, *, sign: bool = True) -> str:
    """A percentage (``v`` in percent, not a fraction): ``+12%``."""
    if _missing(v):
        return _DASH
    text = f"{v:+.{digits}f}%" if sign else f"{v:.{digits}f}%"
    return text.replace("-", "−")


def ratio(v: float | None, digits: int = 2) -> str:
    """A ratio: ``1.83``."""
    return _DASH if _missing(v) else f"{v:.{digits}f}"


def interval(lo: float | None, hi: float | None, digits: int = 2) -> str:
    """A 95% interval as text: ``0.79 to 4.25`` (``to``, never a hyphen that reads as minus)."""
    if _missing(lo) or _missing(hi):
        return _DASH
    return f"{lo:,.{digits}f} to {hi:,.{digits}f}".replace("-", "−")


def ratio_ci(v: float | None, lo: float | None, hi: float | None, digits: int = 2) -> str:
    """A ratio with its interval: ``1.83 (95% CI 0.79 to 4.25)``."""
    if _missing(v):
        return _DASH
    return f"{ratio(v, digits)} (95% CI {interval(lo, hi, digits)})"


def p_value(p: float | None) -> str:
    """A p-value as a reader reads it: ``p = 0.034``, ``p < 0.001``; a dash when missing."""
    if _missing(p):
        return _DASH
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"
