"""Data offered beside a table or chart: the full table as an embedded CSV download link.

The link carries its data (``data:text/csv``), so a page, its notebook and the PDF hold their
own data and the book needs no separate download folder.
"""

from __future__ import annotations

import base64
import html
import re

import pandas as pd

__all__ = ["csv_link"]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "table"


def csv_link(table: pd.DataFrame, name: str, label: str = "Download the data (CSV)") -> str:
    """An HTML link that downloads ``table`` as ``<name>.csv`` (embedded, works offline).

    Parameters
    ----------
    table
        The full table; the index is written only when it is named.
    name
        A title for the file; made into a file name (``"E1: Funding"`` gives ``e1-funding.csv``).
    label
        The link text.

    """
    keep_index = any(n is not None for n in table.index.names)
    data = table.to_csv(index=keep_index, lineterminator="\n").encode("utf-8")
    b64 = base64.b64encode(data).decode("ascii")
    rows = len(table)
    cols = table.shape[1] + (table.index.nlevels if keep_index else 0)
    return (
        f'<a class="ccs-csv" download="{_slug(name)}.csv" '
        f'href="data:text/csv;charset=utf-8;base64,{b64}">{html.escape(label)}</a> '
        f'<span class="ccs-csv-n">({rows} row{"s" if rows != 1 else ""}, '
        f'{cols} column{"s" if cols != 1 else ""})</span>'
    )
