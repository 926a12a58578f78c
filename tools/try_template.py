r"""Execute one template for one site and year into a chosen file, as the runner would.

For authors of templates: runs the .md source with papermill, hides skipped sections, checks
the glue names and the digit rule, and writes the executed notebook to --out (never into
book/ or the stored pair). Exit status 1 with the error when anything fails.

    .venv/bin/python tools/try_template.py notebooks/site_year.md --site oldham --year 3 \\
        --out /tmp/oldham-3.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import papermill as pm

from ccs_methods.errors import CCSInputError
from ccs_methods.pipeline import templates as tp

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    """Run the template named in ``argv`` and report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("template", type=Path)
    ap.add_argument("--site")
    ap.add_argument("--year", type=int)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    params = {k: v for k, v in (("site", a.site), ("year", a.year)) if v is not None}
    try:
        tp.check_digits(a.template)
        nb = tp.check_template(a.template)
        pm.execute_notebook(nb, str(a.out), parameters=params, cwd=str(ROOT),
                            kernel_name="python3", progress_bar=False, report_mode=True)
        done = nbformat.read(a.out, as_version=4)
        skipped = tp.hide_skipped_sections(done)
        tp.check_glue(done, a.template)
        nbformat.write(done, a.out)
    except CCSInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except pm.PapermillExecutionError as exc:
        print(f"error: cell {exc.exec_count}: {exc.ename}: {exc.evalue}", file=sys.stderr)
        return 1
    print(f"ok: {a.out} (skipped sections: {', '.join(skipped) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
