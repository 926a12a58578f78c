"""Showing results in a notebook: tables with captions and their CSV, figures, one-line notes.

Tables are shown without pandas' empty index-name header row, with a ``<caption>``, and with the
full table downloadable as CSV beside them (an embedded ``data:`` link, so the page, the
notebook and the PDF carry their own data). A table wider than the content column can hold is
shown in a compact view (the columns the caller names, or the first :data:`MAX_COLUMNS`) and a
long one shows its first :data:`MAX_ROWS` rows; the note under it says what is left out and the
CSV holds everything. Figures go through :func:`ccs_methods.report.plots.show`. None of these
writes prose: the sentences of a page live in its notebook's Markdown cells.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ccs_methods.report.downloads import csv_link

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "csv_link",
    "myst_table",
    "note",
    "note_markdown",
    "show_figure",
    "show_myst_table",
    "show_sources",
    "show_table",
    "sources_links",
    "table_html",
]

#: Most columns shown in the page's view of a table (about 120 px each in the 750 px column).
MAX_COLUMNS = 6
#: Most rows shown in the page's view of a table; the CSV holds every row.
MAX_ROWS = 40


def table_html(
    table: pd.DataFrame,
    caption: str | None = None,
    *,
    index: bool = True,
    compact: Sequence[str] | None = None,
    csv: bool = True,
    escape: bool = True,
    max_rows: int | None = MAX_ROWS,
) -> str:
    """A table as HTML: ``<caption>``, no empty header row, a compact view, its CSV beside it.

    Parameters
    ----------
    table
        The table to show.
    caption
        What the table shows; also names the CSV file.
    index
        Show the index as the first column(s). A plain ``0..n-1`` index is never shown.
    compact
        The columns the page shows when the table has more than :data:`MAX_COLUMNS`; by
        default the first :data:`MAX_COLUMNS`. The CSV always holds every column.
    csv
        Add the download link for the full table.
    escape
        Escape cell text; ``False`` for cells that hold links made by
        :mod:`ccs_methods.report.links`.
    max_rows
        Most rows shown (``None``: all, for reference lists a reader searches).

    """
    t = table.copy()
    if index and t.index.name is None and isinstance(t.index, pd.RangeIndex):
        index = False  # a 0..n-1 row index says nothing to a reader
    if index:
        t = t.reset_index()
    full = t
    t.columns = [str(c) for c in t.columns]
    notes: list[str] = []
    if t.shape[1] > MAX_COLUMNS:
        keep = [str(c) for c in compact] if compact else list(t.columns[:MAX_COLUMNS])
        missing = [c for c in keep if c not in t.columns]
        if missing:
            raise ValueError(f"compact columns not in the table: {missing}")
        notes.append(f"{len(keep)} of {t.shape[1]} columns shown")
        t = t[keep]
    if max_rows is not None and len(t) > max_rows:
        notes.append(f"first {max_rows} of {len(t)} rows shown")
        t = t.head(max_rows)
    body = t.to_html(index=False, border=0, classes="ccs-table", escape=escape, na_rep="–")
    if caption:
        body = body.replace(
            ">\n  <thead>", f">\n  <caption>{html.escape(caption)}</caption>\n  <thead>", 1
        )
    foot = []
    if notes:
        foot.append(html.escape("; ".join(notes)) + ": every row and column is in the CSV.")
    if csv:
        if escape is False:  # links in cells: the CSV carries their text
            full = full.map(lambda v: re.sub(r"<[^>]+>", "", v) if isinstance(v, str) else v)
        foot.append(csv_link(full, caption or "table"))
    tail = f'<p class="ccs-table-foot">{" ".join(foot)}</p>' if foot else ""
    return f'<div class="ccs-table-wrap">{body}{tail}</div>'


def show_table(
    table: pd.DataFrame | None,
    caption: str | None = None,
    *,
    index: bool = True,
    compact: Sequence[str] | None = None,
    escape: bool = True,
    anchor: str | None = None,
    max_rows: int | None = MAX_ROWS,
) -> None:
    """Display a table with its caption and CSV; nothing when ``table`` is ``None`` or empty.

    See :func:`table_html` for the parameters. With ``anchor`` (a label such as
    ``exhibit-e16``), the table is a link target: other pages reach it with ``{ref}``.
    """
    from IPython.display import HTML, Markdown, display

    if table is None or table.empty:
        return
    body = table_html(
        table, caption, index=index, compact=compact, escape=escape, max_rows=max_rows
    )
    if anchor:
        from ccs_methods.report.links import target

        # the MyST target registers the label for {ref}; a raw HTML block cannot carry the
        # target's id, so the table's own wrapper does
        body = body.replace('<div class="ccs-table-wrap">',
                            f'<div class="ccs-table-wrap" id="{anchor}">', 1)
        display(Markdown(f"{target(anchor)}\n\n{body}\n"))
    else:
        display(HTML(body))


def myst_table(table: pd.DataFrame, caption: str, *, anchor: str | None = None,
               full: pd.DataFrame | None = None) -> str:
    """A table whose cells are MyST (links, emphasis) as a captioned ``{table}`` directive.

    The CSV link below it holds ``full`` when given (every column of a compact view), else the
    cells' text without the link markup.
    """
    def cell(v: Any) -> str:
        text = "–" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        return text.replace("|", "\\|").replace("\n", " ")

    t = table.reset_index() if any(n is not None for n in table.index.names) else table
    head = "| " + " | ".join(cell(c) for c in t.columns) + " |"
    rule = "|" + "---|" * t.shape[1]
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in t.itertuples(index=False)]
    name = f":name: {anchor}\n" if anchor else ""
    plain = t.map(
        lambda v: re.sub(r"\{[a-z:]+\}`([^<`]*?)\s*(<[^>]*>)?`", r"\1", v).replace("**", "")
        if isinstance(v, str) else v
    )
    return (
        f":::{{table}} {caption}\n{name}:class: ccs-table\n\n"
        + "\n".join([head, rule, *body])
        + "\n:::\n\n<p class=\"ccs-table-foot\">"
        + csv_link(plain if full is None else full, caption)
        + "</p>\n"
    )


def show_myst_table(table: pd.DataFrame, caption: str, *, anchor: str | None = None,
                    full: pd.DataFrame | None = None) -> None:
    """Display :func:`myst_table` (a table with links in its cells) in a notebook."""
    from IPython.display import Markdown, display

    if table is None or table.empty:
        return
    display(Markdown(myst_table(table, caption, anchor=anchor, full=full)))


def sources_links(sources: pd.DataFrame) -> pd.DataFrame:
    """The sources table with links: exhibit to its entry, report file to its quoted passages.

    ``sources`` is :func:`ccs_methods.analyses.published.sources_table` (columns ``exhibit``,
    ``value``, ``report file``, ``section``, ``quote``).
    """
    from ccs_methods.report import links
    from ccs_methods.report.pages import REPORT_NAMES

    out = sources.copy()
    out["exhibit"] = [
        links.exhibit(e) if re.fullmatch(r"E\d+", str(e)) else str(e) for e in out["exhibit"]
    ]
    out["report file"] = [
        links.source(f, f"{REPORT_NAMES.get(str(f), str(f))} ({f})") for f in out["report file"]
    ]
    return out


def show_sources(sources: pd.DataFrame, caption: str) -> None:
    """Display a page's sources table with its links (see :func:`sources_links`) and CSV."""
    if sources is None or sources.empty:
        return
    show_myst_table(sources_links(sources), caption, full=sources)


def show_figure(fig: Any) -> None:
    """Display a figure made with :mod:`ccs_methods.report.plots`; nothing when ``None``."""
    from ccs_methods.report import plots

    if fig is not None:
        plots.show(fig)


def note(kind: str, title: str, text: str, *, anchor: str | None = None) -> None:
    """Display one admonition (``note``, ``warning``, ``important``) with a title and a text.

    With ``anchor``, the note is a link target (see :func:`show_table`).
    """
    from IPython.display import Markdown, display

    head = ""
    if anchor:
        from ccs_methods.report.links import target

        head = f"{target(anchor)}\n\n"
    display(Markdown(head + note_markdown(kind, title, text)))


def note_markdown(kind: str, title: str, text: str) -> str:
    """The MyST of one titled admonition: ``{admonition}`` with the kind as its class.

    (``{note}`` and its siblings take no title: a title given to them runs into the text.)
    """
    return f":::{{admonition}} {title}\n:class: {kind}\n\n{text}\n:::"
