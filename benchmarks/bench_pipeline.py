"""Benchmark the pipeline: notebook execution per page, workers, and the book build.

Every run uses ``--force``: without it a repeated run would keep the pages it made before
(incremental rebuilds) and time nothing. Prints wall times; asserts nothing (speed is measured
here, never in tests). Run from the
project root with `make benchmark` or `.venv/bin/python benchmarks/bench_pipeline.py`.
It works on a temporary copy of the project so the real book/ is not touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import make_copy  # the project copy shared with benchmarks/build.py


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
            timed(["run", *root, "--site", "norfolk", "--year", "2", "-j", "1", "--force"])
            for _ in range(3)
        ]
        print(
            f"one site-year page: median {statistics.median(single):.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in single)})"
        )
        for jobs in sorted({1, min(4, cores)}):
            took = timed(["run", *root, "-j", str(jobs), "--force"])
            print(f"all pages, --jobs {jobs}: {took:.1f} s")
        print(f"book build (jupyter-book, warm): {timed(['build', *root]):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
