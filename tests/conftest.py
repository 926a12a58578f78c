"""Shared fixtures: the project root and small throw-away projects for runner tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


def write_notebook(
    path: Path, cells: list[str], *, parameters: str | None = "site = 'x'\nyear = 1"
) -> Path:
    """Write a small notebook (MyST Markdown if ``path`` ends in ``.md``): a title, an
    optional parameters cell, then code cells."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(new_markdown_cell("# Template title"))
    if parameters is not None:
        p = new_code_cell(parameters)
        p.metadata["tags"] = ["parameters"]
        nb.cells.append(p)
    nb.cells += [new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".md":
        import jupytext

        jupytext.write(nb, path, fmt="md:myst")
    else:
        nbformat.write(nb, path)
    return path


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    """A copy of the real params with a trivial site-year template, in a temporary folder."""
    proj = tmp_path / "proj"
    shutil.copytree(ROOT / "params", proj / "params")
    # the runner validates every input the pages read before it runs anything (issue 12)
    for sub in ("synthetic", "published"):
        shutil.copytree(ROOT / "data" / sub, proj / "data" / sub)
    (proj / "book").mkdir(parents=True)
    write_notebook(
        proj / "notebooks" / "site_year.md",
        ["print(f'page for {site} year {year}')"],
    )
    return proj
