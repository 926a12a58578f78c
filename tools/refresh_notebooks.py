"""Re-execute every template source (notebooks/*.md) and store its outputs in the .ipynb pair.

The stored outputs are what `pytest --nbval` compares, so a change to a template, to data or to
a method that changes what a page shows is followed by `make refresh-notebooks` and a review of
the diff. The .md source is never rewritten: an edit made in JupyterLab (saved to both files by
jupytext) or in an editor survives this target.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ccs_methods.pipeline.templates import refresh, template_paths

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    """Refresh the templates named in ``argv`` (default: every ``notebooks/*.md``)."""
    paths = [Path(a).with_suffix(".md") for a in argv] or template_paths(ROOT / "notebooks")
    for p in paths:
        out = refresh(p, ROOT)
        print(f"refreshed {out.relative_to(ROOT) if out.is_absolute() else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
