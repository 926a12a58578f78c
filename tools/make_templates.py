"""Write the notebook templates in notebooks/ from the cell lists below.

Templates are kept as .ipynb (papermill needs them) but authored here so that diffs are
readable and every template has the same shape. Run `python tools/make_templates.py`, then
`make refresh-notebooks` to store the outputs of the default parameters (compared by nbval).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def code(src: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell whose input is hidden from readers unless told otherwise."""
    cell = new_code_cell(src.strip("\n"))
    cell.metadata["tags"] = list(tags) if tags else ["remove-input"]
    return cell


def md(src: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return new_markdown_cell(src.strip("\n"))


SETUP = """
from IPython.display import Markdown, display

from ccs_methods import pages, sitepage
from ccs_methods.params import load_params

params = load_params()
ctx = pages.page_context(params, site, year)
display(Markdown(pages.intro_markdown(ctx)))
"""

SITE_YEAR = [
    md(
        "# Site-year page\n\n"
        "<!-- the runner replaces this title with the site and year from params -->"
    ),
    code('site = "norfolk"\nyear = 2', "parameters", "remove-cell"),
    code(SETUP),
    md(
        "## What CCS funded and did here\n\n"
        "Funding by workstream as published in the evaluation reports (exhibits E2 for year 2 and "
        "E18 for year 1). Each figure carries its source; the full quotes are listed at the foot "
        "of the page."
    ),
    code("funding = sitepage.funding_section(ctx)\nsitepage.show_section(funding)"),
    md(
        "## CCS team sessions and engagement\n\n"
        "Sessions held by the CCS team by purpose (E3, year 2) and engagement with people and "
        "organisations (E19, year 1)."
    ),
    code("engagement = sitepage.engagement_section(ctx)\nsitepage.show_section(engagement)"),
    md("## Sources of the figures on this page"),
    code("display(Markdown(sitepage.sources_for([funding, engagement])))"),
]


def write(name: str, cells: list[nbformat.NotebookNode]) -> Path:
    """Write one template notebook with a python3 kernelspec."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = ROOT / "notebooks" / name
    nbformat.write(nb, path)
    return path


def main() -> int:
    """Write every template."""
    print(write("site_year.ipynb", SITE_YEAR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
