"""Benchmark the pipeline: notebook execution per page, workers, and the book build.

Prints wall times; asserts nothing (speed is measured here, never in tests). Run from the
project root with `make benchmark` or `.venv/bin/python benchmarks/bench_pipeline.py`.
It works on a temporary copy of the project so the real book/ is not touched.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ["params", "data", "notebooks", "_config.yml", "pyproject.toml"]


def make_copy(dest: Path) -> Path:
    """A copy of the project inputs with the hand-written book pages."""
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("raw"))
        else:
            shutil.copy2(src, dest / name)
    shutil.copytree(
        ROOT / "book",
        dest / "book",
        ignore=shutil.ignore_patterns("sites", "_toc.yml", "reproducibility.md", "_vendor"),
    )
    (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return dest


def timed(args: list[str]) -> float:
    """Wall time of one ccs-eval command (raises if it fails)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccs_methods.pipeline.cli", *args], check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> int:
    """Print timings of a single page, a full run at 1 and N workers, and a build."""
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        proj = make_copy(Path(tmp) / "proj")
        root = ["--root", str(proj)]
        single = [
            timed(["run", *root, "--site", "norfolk", "--year", "2", "-j", "1"]) for _ in range(3)
        ]
        print(
            f"one site-year page: median {statistics.median(single):.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in single)})"
        )
        for jobs in sorted({1, min(4, cores)}):
            print(f"all pages, --jobs {jobs}: {timed(['run', *root, '-j', str(jobs)]):.1f} s")
        print(f"book build (jupyter-book, warm): {timed(['build', *root]):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
