"""Re-execute every template in notebooks/ in place with its default parameters.

The stored outputs are what `pytest --nbval` compares against, so a change to a template, to
data or to a method that changes what a page shows is followed by `make refresh-notebooks`
and a review of the diff. Outputs are made deterministic (no timestamps, no execution
metadata) exactly as the runner does for book pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ccs_methods.runner import make_deterministic

ROOT = Path(__file__).resolve().parents[1]


def refresh(path: Path) -> None:
    """Execute one template with its own parameters cell and store its outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    make_deterministic(nb)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    """Refresh the templates named in ``argv`` (default: all)."""
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        refresh(p)
        print(f"refreshed {p.relative_to(ROOT) if p.is_absolute() else p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
