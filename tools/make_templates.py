"""Write the notebook templates in notebooks/ from the cell lists in tools/templates/.

Templates are kept as .ipynb (papermill needs them) but authored as Python lists of cells so
that diffs are readable and every template has the same shape. Each part of the site-year
page lives in its own module under tools/templates/. Run `make refresh-notebooks` afterwards
to store the outputs of the default parameters (compared by nbval).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from templates.cells import title_and_parameters  # noqa: E402

#: Parts of the site-year page, in order; a part whose module is absent is skipped.
SITE_YEAR_PARTS = [
    "templates.site_year_published",
    "templates.site_year_trends",
    "templates.site_year_network",
]

#: Other templates: output name -> module with a CELLS list (a full notebook).
OTHER_TEMPLATES = {
    "site_year_contribution.ipynb": "templates.site_year_contribution",
    "programme_exhibits.ipynb": "templates.programme_exhibits",
    "programme_trends.ipynb": "templates.programme_trends",
    "programme_network.ipynb": "templates.programme_network",
    "programme_contribution.ipynb": "templates.programme_contribution",
}


def _module(name: str):  # returns a module or None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def write(name: str, cells: list[nbformat.NotebookNode]) -> Path:
    """Write one template notebook with a python3 kernelspec, keeping stored outputs out."""
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:02d}"  # stable ids keep template diffs readable
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = ROOT / "notebooks" / name
    nbformat.write(nb, path)
    return path


def site_year_cells() -> list[nbformat.NotebookNode]:
    """Title, parameters, then each part's cells, then the published sources."""
    cells = title_and_parameters()
    sources = []
    for name in SITE_YEAR_PARTS:
        mod = _module(name)
        if mod is None:
            continue
        cells += list(mod.CELLS)
        sources += list(getattr(mod, "SOURCES", []))
    return cells + sources


def main() -> int:
    """Write every template whose module exists."""
    print(write("site_year.ipynb", site_year_cells()))
    for out, name in OTHER_TEMPLATES.items():
        mod = _module(name)
        if mod is not None:
            print(write(out, list(mod.CELLS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
