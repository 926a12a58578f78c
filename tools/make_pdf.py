r"""Make the whole book as one printable PDF, offline, from the executed pages.

Run after ``make book`` (the pages must exist): builds the single-page HTML edition with
Jupyter Book (``--builder singlehtml``, execution off, the same configuration and table of
contents as the HTML book), then prints it with the system Chromium (puppeteer-core, see
``tools/pdf.mjs``) using the book's print stylesheet (``book/_static/ccs.css``: no sidebars or
code toggles, tables in 7.5 pt, figures scaled to the page).

    .venv/bin/python tools/make_pdf.py [--out _build/pdf/ccs-evaluation-book.pdf]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    """Build the single-page edition and print it; exit 1 with the reason on failure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" /
                    "ccs-evaluation-book.pdf")
    a = ap.parse_args(argv)
    toc = ROOT / "book" / "_toc.yml"
    if not toc.is_file() or not (ROOT / "book" / "intro.ipynb").is_file():
        print("error: run `make book` first: the executed pages are not there", file=sys.stderr)
        return 1
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if chromium is None or node is None:
        print("error: the PDF needs node and Chromium (Debian package `chromium`)",
              file=sys.stderr)
        return 1
    staging = ROOT / ".ccs-run" / "pdf"
    shutil.rmtree(staging, ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT / "book"), "--config", str(ROOT / "_config.yml"),
           "--toc", str(toc), "--path-output", str(staging), "--builder", "singlehtml"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    index = staging / "_build" / "singlehtml" / "intro.html"  # the root page holds the book
    if proc.returncode != 0 or not index.is_file():
        print("error: the single-page build failed:\n" + (proc.stdout + proc.stderr)[-4000:],
              file=sys.stderr)
        return 1
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_name(a.out.name + ".tmp")
    res = subprocess.run([node, str(ROOT / "tools" / "pdf.mjs"), str(index), str(tmp)],
                         cwd=ROOT, capture_output=True, text=True, check=False,
                         env={**os.environ, "CHROMIUM": chromium})
    if res.returncode != 0 or not tmp.is_file():
        print("error: printing to PDF failed:\n" + res.stderr[-3000:], file=sys.stderr)
        return 1
    tmp.replace(a.out)
    print(f"wrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} "
          f"({a.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
