""""How this page was made": the foot of every page, saying what produced it.

:func:`how_made` displays, at the end of a notebook, a small table (the template, its
parameters) and the datasets the page read, each with its file, sha256 and row count, taken from
the read log of :mod:`ccs_methods.data.datasets`, then a list of links to the API reference of
the functions the notebook called (found in the cells the kernel ran, :func:`functions_called`,
or given). It writes no prose: the heading above it is a Markdown cell of the template.

The output is MyST Markdown (``nb_render_markdown_format: myst`` in ``_config.yml``), so each
function is a ``{py:func}`` cross-reference into the API chapter of the book; a name that does
not resolve fails the (nitpicky) build, and a name that does not import fails here first.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ccs_methods.data.datasets import DatasetRead, read_log
from ccs_methods.errors import CCSInputError
from ccs_methods.report import links

__all__ = ["check_function_names", "functions_called", "how_made", "how_made_markdown"]

#: Layers in import order: the modules of the function list are shown in this order.
_LAYERS = ("data", "methods", "analyses", "report", "pipeline")

_SOURCE_LABEL = {
    "synthetic": "synthetic stand-in",
    "raw": "real extract",
    "published": "published figures",
}


def _role(name: str) -> str:
    """``py:class`` for a class, ``py:func`` for a function."""
    module_name, _, attr = name.rpartition(".")
    obj = getattr(importlib.import_module(module_name), attr)
    return "py:class" if inspect.isclass(obj) else "py:func"


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


def _call_names(tree: ast.AST) -> list[list[str]]:
    """The dotted names called in ``tree`` (``a.b.c(...)`` gives ``["a", "b", "c"]``)."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        parts: list[str] = []
        f = node.func
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if isinstance(f, ast.Name):
            out.append([f.id, *reversed(parts)])
    return out


def _public_name(obj: Any) -> str | None:
    """``module.qualname`` of a documented ``ccs_methods`` function or class, else ``None``."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return None
    mod = getattr(obj, "__module__", "") or ""
    qual = getattr(obj, "__qualname__", "") or ""
    if not mod.startswith("ccs_methods.") or "<" in qual or "." in qual:
        return None
    if any(part.startswith("_") for part in [*mod.split("."), qual]):
        return None
    listed = getattr(importlib.import_module(mod), "__all__", None)
    if listed is not None and qual not in listed:
        return None  # not part of the module's public API, so not in the reference
    return f"{mod}.{qual}"


def functions_called(sources: Iterable[str], namespace: Mapping[str, Any]) -> list[str]:
    """The ``ccs_methods`` functions and classes that code cells call, by dotted name.

    A call ``trend.mann_kendall(...)`` or ``mann_kendall(...)`` is resolved through
    ``namespace`` (the notebook's variables); only chains of modules ending in a public
    function or class of ``ccs_methods`` count (methods of results, such as ``res.to_dict()``,
    do not).

    Parameters
    ----------
    sources
        The code of the executed cells, in order.
    namespace
        The names the code ran with (a kernel's user namespace).

    Returns
    -------
    list of str
        Dotted names (``ccs_methods.methods.trend.kendall.mann_kendall``), first call first,
        without repeats.

    """
    out: list[str] = []
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue  # IPython magics and the like
        for parts in _call_names(tree):
            obj: Any = namespace.get(parts[0])
            for attr in parts[1:]:
                if not inspect.ismodule(obj):
                    obj = None
                    break
                obj = getattr(obj, attr, None)
            name = _public_name(obj)
            if name and name not in out:
                out.append(name)
    return out


def _kernel_calls(template: str) -> list[str]:
    """``functions_called`` over the code cells of ``notebooks/<template>.md``.

    The names are resolved in the running kernel's namespace. The template source is read
    (not the kernel's input history), so papermill, nbval and JupyterLab list the same
    functions whatever order or subset of cells ran. Empty outside a kernel or when the
    template cannot be found.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return []
    shell = get_ipython()
    if shell is None:
        return []
    from ccs_methods.data.paths import find_project_root
    from ccs_methods.errors import CCSInputError

    try:
        import jupytext

        path = find_project_root() / "notebooks" / f"{template}.md"
        nb = jupytext.read(path, fmt="md:myst")
    except (CCSInputError, OSError, ValueError):
        return []
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    return functions_called(sources, shell.user_ns)


def _code(text: object) -> str:
    """A Markdown code span that survives backticks and table pipes in ``text``."""
    s = str(text).replace("|", "\\|")
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def _file_cell(r: DatasetRead) -> str:
    """A dataset's file: a download link, except real extracts (private, never published)."""
    if r.source == "raw" or r.path.startswith("/"):
        return f"{_code(r.path)} (private extract: not published with the book)"
    return links.repo_file(r.path)


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
        "| input | what |",
        "|---|---|",
        f"| template | {links.repo_file(path)} |",
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
                f"| {_code(r.name)} | {_file_cell(r)}"
                f" | {_SOURCE_LABEL.get(r.source, r.source)}"
                f" | {r.rows:,} | {_code(r.sha256)} |"
            )
    else:
        lines.append("No dataset was read through the data loaders.")
    lines.append("")
    if names:
        lines.append("Functions called, by module, in the API reference:")
        lines.append("")
        by_module: dict[str, list[str]] = {}
        for n in names:
            by_module.setdefault(n.rpartition(".")[0], []).append(n)
        layer = {name: i for i, name in enumerate(_LAYERS)}

        def order(module: str) -> tuple[int, int]:
            parts = module.split(".")
            rank = layer.get(parts[1], len(_LAYERS)) if len(parts) > 1 else len(_LAYERS)
            return rank, list(by_module).index(module)

        for module in sorted(by_module, key=order):
            refs = ", ".join(
                f"{{{_role(n)}}}`{n.rpartition('.')[2]} <{n}>`" for n in by_module[module]
            )
            lines.append(f"- {_code(module)}: {refs}")
        lines.append("")
    return "\n".join(lines)


def how_made(
    template: str,
    *,
    site: str | None = None,
    year: int | None = None,
    functions: Sequence[str] | None = None,
    datasets: Sequence[DatasetRead] | None = None,
) -> None:
    """Display "How this page was made" (see :func:`how_made_markdown` for the parameters).

    Call it in the last code cell of a template, below a ``## How this page was made``
    Markdown heading; it returns nothing, so nothing else is printed. Without ``functions``,
    the ``ccs_methods`` functions are the ones the template's code cells call
    (:func:`functions_called` over ``notebooks/<template>.md``, resolved in the kernel).
    """
    from IPython.display import Markdown, display

    names = list(functions) if functions is not None else _kernel_calls(template)
    display(
        Markdown(
            how_made_markdown(template, site=site, year=year, functions=names, datasets=datasets)
        )
    )
