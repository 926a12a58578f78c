"""Helpers to author template cells: code cells hide their input from readers by default."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell


def code(src: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell; its input is hidden from readers (``remove-input``) unless tags are given."""
    cell = new_code_cell(src.strip("\n"))
    cell.metadata["tags"] = list(tags) if tags else ["remove-input"]
    return cell


def md(src: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return new_markdown_cell(src.strip("\n"))


def title_and_parameters(default_site: str = "norfolk", default_year: int = 2) -> list:
    """The first two cells of every site-year template.

    A title the runner rewrites from params, and the papermill parameters cell with the
    defaults whose outputs nbval compares.
    """
    return [
        md(
            "# Site-year page\n\n"
            "<!-- the runner replaces this title with the site and year from params -->"
        ),
        code(f'site = "{default_site}"\nyear = {default_year}', "parameters", "remove-cell"),
    ]
