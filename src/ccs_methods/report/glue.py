"""Glue helpers: put computed numbers and short phrases into a notebook's Markdown prose.

The notebooks keep their sentences in Markdown cells and take every number from the executed
results through myst-nb ``glue`` (``{glue:text}`name``` in the prose). These helpers format a
value once, the way the book writes numbers, and glue it without displaying it. A step that
cannot run (no data for the year, no referral system) calls :func:`skip` once: the notebook
shows one note and the runner hides the prose cells tagged with that section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SECTION_PREFIX", "glue", "glue_many", "section", "skip"]

#: Glue key prefix of a section's state (``"shown"`` or ``"skipped"``); see
#: :func:`ccs_methods.pipeline.templates.hide_skipped_sections`.
SECTION_PREFIX = "section:"


def glue(name: str, value: Any, fmt: str | None = None) -> None:
    """Glue ``value`` under ``name`` without displaying it, formatted with ``fmt`` if given.

    Parameters
    ----------
    name
        The glue key used in Markdown, e.g. ``{glue:text}`lwa_rr```.
    value
        A number, a phrase or any displayable object (a figure, a table).
    fmt
        A :meth:`str.format` pattern such as ``"{:,.0f}"``; the formatted text is glued.

    Returns nothing, so a cell that ends with a glue call shows no stray value.

    """
    from myst_nb import glue as _glue

    shown = fmt.format(value) if fmt is not None else value
    _glue(name, shown, display=False)


def glue_many(values: Mapping[str, Any], prefix: str = "") -> None:
    """Glue every ``key: value`` of a mapping (values already formatted), keys prefixed."""
    for key, value in values.items():
        glue(f"{prefix}{key}", value)


def section(name: str, shown: bool) -> bool:
    """Record whether the step ``name`` ran (glued as ``section:<name>``); return ``shown``."""
    glue(SECTION_PREFIX + name, "shown" if shown else "skipped")
    return shown


def skip(name: str, title: str, reason: str, kind: str = "note") -> None:
    """Show one note saying why step ``name`` is skipped on this page, and record the skip.

    The runner then hides this page's Markdown cells tagged ``section:<name>``, whose prose is
    about results that were not computed.

    Parameters
    ----------
    name
        The section name (as in the cells' ``section:<name>`` tag).
    title, reason
        The note's title and its one-paragraph reason.
    kind
        The admonition kind (``note``, ``warning``, ``important``).

    """
    from ccs_methods.report.display import note

    section(name, False)
    note(kind, title, reason)
