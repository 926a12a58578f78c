""""How this page was made": the foot of every page, saying what produced it.

:func:`how_made` displays, at the end of a notebook, a small table (the template, its
parameters) and the datasets the page read, each with its file, sha256 and row count, taken from
the read log of :mod:`ccs_methods.data.datasets`, then a list of links to the API reference of
the functions the notebook called. It writes no prose: the heading above it is a Markdown cell
of the template.

The output is MyST Markdown (``nb_render_markdown_format: myst`` in ``_config.yml``), so each
function is a ``{py:func}`` cross-reference into the API chapter of the book; a name that does
not resolve fails the (nitpicky) build, and a name that does not import fails here first.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence

from ccs_methods.data.datasets import DatasetRead, read_log
from ccs_methods.errors import CCSInputError

__all__ = ["check_function_names", "how_made", "how_made_markdown"]

_SOURCE_LABEL = {
    "synthetic": "synthetic stand-in",
    "raw": "real extract",
    "published": "published figures",
}


def check_function_names(names: Iterable[str]) -> list[str]:
    """Check that every dotted name imports and is callable; return the names in order.

    Parameters
    ----------
    names
        Dotted names such as ``"ccs_methods.methods.trend.mann_kendall"``.

    Returns
    -------
    list of str
        The names, duplicates removed, first occurrence kept.

    Raises
    ------
    CCSInputError
        A name is not dotted, its module does not import, or it names nothing callable.

    """
    out: list[str] = []
    for name in names:
        if name in out:
            continue
        module_name, _, attr = str(name).rpartition(".")
        if not module_name or not attr:
            raise CCSInputError(
                f"function name {name!r} must be dotted, like "
                "'ccs_methods.methods.trend.mann_kendall'",
                column="functions",
            )
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise CCSInputError(
                f"function {name!r} not found ({type(exc).__name__}: {exc}); list the functions "
                "the notebook calls by their full dotted names",
                column="functions",
            ) from exc
        if not callable(obj):
            raise CCSInputError(f"{name!r} is not a function", column="functions")
        out.append(name)
    return out


def _code(text: object) -> str:
    """A Markdown code span that survives backticks and table pipes in ``text``."""
    s = str(text).replace("|", "\\|")
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def how_made_markdown(
    template: str,
    *,
    site: str | None = None,
    year: int | None = None,
    functions: Sequence[str] = (),
    datasets: Sequence[DatasetRead] | None = None,
) -> str:
    """The MyST Markdown that :func:`how_made` displays.

    Parameters
    ----------
    template
        Template name (``"site_year"``) or its path (``"notebooks/site_year.md"``).
    site, year
        The page's parameters; ``None`` for a programme page.
    functions
        Dotted names of the ``ccs_methods`` functions the notebook called, in reading order.
    datasets
        The datasets read; default: the read log of this kernel
        (:func:`ccs_methods.data.datasets.read_log`).

    Returns
    -------
    str
        A parameters table, a datasets table (file, source, rows, sha256) and a list of
        ``{py:func}`` links.

    Raises
    ------
    CCSInputError
        A function name does not import (see :func:`check_function_names`).

    """
    names = check_function_names(functions)
    reads = read_log() if datasets is None else list(datasets)
    path = template if "/" in template or template.endswith(".md") else f"notebooks/{template}.md"
    params = []
    if site is not None:
        params.append(f"site = {_code(site)}")
    if year is not None:
        params.append(f"year = {_code(year)}")
    lines = [
        "| | |",
        "|---|---|",
        f"| template | {_code(path)} |",
        f"| parameters | {', '.join(params) if params else 'none (programme page)'} |",
        "",
    ]
    if reads:
        lines += [
            "| dataset | file | source | rows | sha256 |",
            "|---|---|---|--:|---|",
        ]
        for r in reads:
            lines.append(
                f"| {_code(r.name)} | {_code(r.path)} | {_SOURCE_LABEL.get(r.source, r.source)}"
                f" | {r.rows:,} | {_code(r.sha256)} |"
            )
    else:
        lines.append("No dataset was read through the data loaders.")
    lines.append("")
    if names:
        lines.append("Functions called, in the API reference:")
        lines.append("")
        lines += [f"- {{py:func}}`{n}`" for n in names]
        lines.append("")
    return "\n".join(lines)


def how_made(
    template: str,
    *,
    site: str | None = None,
    year: int | None = None,
    functions: Sequence[str] = (),
    datasets: Sequence[DatasetRead] | None = None,
) -> None:
    """Display "How this page was made" (see :func:`how_made_markdown` for the parameters).

    Call it in the last code cell of a template, below a ``## How this page was made``
    Markdown heading; it returns nothing, so nothing else is printed.
    """
    from IPython.display import Markdown, display

    display(
        Markdown(
            how_made_markdown(
                template, site=site, year=year, functions=functions, datasets=datasets
            )
        )
    )
