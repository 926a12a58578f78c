"""Showing results in a notebook: tables with captions, figures with alt text, one-line notes.

Tables are shown without pandas' empty index-name header row and with a caption; figures go
through :func:`ccs_methods.report.plots.show` (PNG, alt text, caption). None of these writes
prose: the sentences of a page live in its notebook's Markdown cells.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["note", "note_markdown", "show_figure", "show_table", "table_html"]


def table_html(table: pd.DataFrame, caption: str | None = None, *, index: bool = True) -> str:
    """A table as HTML with a ``<caption>`` and no empty index-name header row."""
    t = table.copy()
    if index and t.index.name is None and isinstance(t.index, pd.RangeIndex):
        index = False  # a 0..n-1 row index says nothing to a reader
    if index:
        t = t.reset_index()
    body = t.to_html(index=False, border=0, classes="ccs-table", escape=True, na_rep="–")
    if caption:
        body = body.replace(
            ">\n  <thead>", f">\n  <caption>{html.escape(caption)}</caption>\n  <thead>", 1
        )
    return f'<div class="ccs-table-wrap">{body}</div>'


def show_table(table: pd.DataFrame | None, caption: str | None = None, *, index: bool = True
               ) -> None:
    """Display a table with its caption; nothing when ``table`` is ``None`` or empty."""
    from IPython.display import HTML, display

    if table is None or table.empty:
        return
    display(HTML(table_html(table, caption, index=index)))


def show_figure(fig: Any) -> None:
    """Display a figure made with :mod:`ccs_methods.report.plots`; nothing when ``None``."""
    from ccs_methods.report import plots

    if fig is not None:
        plots.show(fig)


def note(kind: str, title: str, text: str) -> None:
    """Display one admonition (``note``, ``warning``, ``important``) with a title and a text."""
    from IPython.display import Markdown, display

    display(Markdown(note_markdown(kind, title, text)))


def note_markdown(kind: str, title: str, text: str) -> str:
    """The MyST of one titled admonition: ``{admonition}`` with the kind as its class.

    (``{note}`` and its siblings take no title: a title given to them runs into the text.)
    """
    return f":::{{admonition}} {title}\n:class: {kind}\n\n{text}\n:::"
