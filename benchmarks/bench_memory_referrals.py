"""Peak memory of validating and running a 2-million-row referral extract (issue 12).

Builds a raw-like NCAN extract of ``--rows`` rows (default 2,000,000) by repeating the synthetic
stand-in with fresh referral ids and dates spread over the same years, in a temporary copy of
the project with ``referrals_ncan: raw``. Then measures, each in its own process tree:

1. ``validate``: peak resident memory (ru_maxrss) of ``ccs-eval validate <file>``;
2. ``run``: ``ccs-eval run --site norfolk --year 2 --jobs N`` sampled every 0.2 s, summing the
   resident memory of the runner, its workers and their kernels (the peak of that sum).

Prints the figures and the machine's memory; asserts nothing (measured here, never in tests).

Measured 2026-11-30 on 2 cores and 23.5 GiB, default jobs (2), shared with other work:

=========================================  ==========  ==========================
                                           validate    run (norfolk year 2, -j 2)
=========================================  ==========  ==========================
before (each kernel parses the CSV)        2.79 GiB    8.12 GiB (35% of memory)
after (validated once, compact, cached)    2.79 GiB    3.73 GiB (16% of memory)
=========================================  ==========  ==========================

The run's peak now includes the runner's own validation of the extract (about 2.8 GiB, once);
each kernel then reads the compact validated frame (a few hundred MB).
Run from the project root: ``.venv/bin/python benchmarks/bench_memory_referrals.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]


def make_project(dest: Path, rows: int) -> Path:
    """A copy of the project inputs with a raw NCAN extract of ``rows`` rows."""
    for name in ("params", "notebooks"):
        shutil.copytree(ROOT / name, dest / name)
    for sub in ("published", "synthetic"):
        shutil.copytree(ROOT / "data" / sub, dest / "data" / sub)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / "book").mkdir()
    base = pd.read_csv(ROOT / "data" / "synthetic" / "referrals_ncan.csv", dtype=str)
    reps = -(-rows // len(base))
    big = pd.concat([base] * reps, ignore_index=True).iloc[:rows].copy()
    rng = np.random.default_rng(20211210)
    # same date range as the stand-in, one referral id per row
    dates = pd.to_datetime(base["date"])
    span = (dates.max() - dates.min()).days
    big["date"] = (dates.min() + pd.to_timedelta(rng.integers(0, span + 1, rows), "D")).strftime(
        "%Y-%m-%d"
    )
    big = big.sort_values("date", kind="stable")
    big["referral_id"] = [f"NCAN-{i:07d}" for i in range(1, rows + 1)]
    raw = dest / "data" / "raw"
    raw.mkdir(parents=True)
    big.to_csv(raw / "referrals_ncan.csv", index=False)
    prog = dest / "params" / "programme.yml"
    prog.write_text(
        prog.read_text(encoding="utf-8").replace(
            "referrals_ncan: synthetic", "referrals_ncan: raw"
        ),
        encoding="utf-8",
    )
    return dest


def peak_of_tree(cmd: list[str], cwd: Path) -> tuple[int, float, int]:
    """Run ``cmd``; return (exit code, wall seconds, peak summed RSS of its process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    top = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            procs = [top, *top.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        peak = max(peak, total)
        time.sleep(0.2)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        print(err[-2000:], file=sys.stderr)
    return proc.returncode, time.perf_counter() - start, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    args = ap.parse_args()
    gib = 1024**3
    total_mem = psutil.virtual_memory().total
    print(f"machine: {os.cpu_count()} cores, {total_mem / gib:.1f} GiB memory")
    cli = [sys.executable, "-m", "ccs_methods.pipeline.cli"]
    with tempfile.TemporaryDirectory(prefix="ccs-bench-mem-") as tmp:
        t0 = time.perf_counter()
        proj = make_project(Path(tmp) / "proj", args.rows)
        extract = proj / "data" / "raw" / "referrals_ncan.csv"
        print(
            f"extract: {args.rows:,} rows, {extract.stat().st_size / 1024**2:.0f} MB "
            f"(made in {time.perf_counter() - t0:.0f} s)"
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        rc = subprocess.run([*cli, "validate", str(extract), "--root", str(proj)],
                            capture_output=True, check=False).returncode
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"validate: exit {rc}, {time.perf_counter() - t0:.0f} s, peak "
            f"{max(maxrss, before) / 1024**2:.2f} GiB"
        )
        rc, wall, peak = peak_of_tree(
            [*cli, "run", "--site", "norfolk", "--year", "2", "--jobs", str(args.jobs),
             "--root", str(proj)],
            proj,
        )
        print(
            f"run norfolk year 2 (--jobs {args.jobs}): exit {rc}, {wall:.0f} s, peak of the "
            f"process tree {peak / gib:.2f} GiB = {100 * peak / total_mem:.0f}% of memory "
            f"(target: under 50%)"
        )


if __name__ == "__main__":
    main()
